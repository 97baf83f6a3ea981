//! The client's consents: which documents their plan needs, signing a version
//! (full name typed, explicit agreement, time and address recorded), keeping a
//! copy, and withdrawing. A new version asks for a new signature; a withdrawal
//! makes readiness fail until the client signs again.

use threshold_domain::audit::AuditAction;
use threshold_domain::ids::{ClientId, JourneyId};
use threshold_domain::journey::{ConsentKind, Decision, Stage, required_consents};
use threshold_domain::{Invalid, Permission};
use threshold_store::careplan::{ConsentDocRow, SignatureRow};
use threshold_store::journeys::JourneyRow;

use crate::Services;
use crate::audit::{Entry, write_in};
use crate::careplan::{ConsentStatus, Reasons, consent_statuses};
use crate::error::{Error, Result};
use crate::principal::{Actor, Principal};

/// What the client's portal shows about consents and the physician's outcome.
#[derive(Debug, Clone, Default)]
pub struct MyCare {
    pub consents: Vec<ConsentStatus>,
    /// The latest decision, with what the client is to be told: the revisit date
    /// and supports when deferred, the reason and resources when referred out.
    pub decision: Option<(Decision, Option<String>, Reasons)>,
    /// Who supports the client on session days, as the plan names them.
    pub support: Option<(String, String)>,
}

/// A consent document as the client reads or signed it.
#[derive(Debug, Clone)]
pub struct ConsentPage {
    pub kind: ConsentKind,
    pub document: ConsentDocRow,
    /// The client's standing signature of this version, if any.
    pub signature: Option<SignatureRow>,
    /// The client's name as the clinic has it (what they must type).
    pub client_name: String,
    pub signable: bool,
    /// The client's latest signature of an earlier version, with the text they
    /// signed, so they can keep a copy of what they agreed to.
    pub earlier: Option<(SignatureRow, ConsentDocRow)>,
}

fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Services {
    async fn my_journey(&self, p: &Principal) -> Result<(ClientId, String, JourneyRow)> {
        self.require(p, Permission::ClientPortal).await?;
        let uid = p.user_id;
        self.db
            .read(move |c| {
                let client = threshold_store::clients::by_user(c, uid)?.ok_or(Error::NotFound)?;
                let j = threshold_store::journeys::current_for_client(c, client.id)?
                    .ok_or(Error::NotFound)?;
                Ok((client.id, client.name, j))
            })
            .await
    }

    fn required_in(
        &self,
        c: &mut dyn threshold_store::Conn,
        j: JourneyId,
    ) -> Result<Vec<ConsentKind>> {
        // The consents a plan needs follow from the plan alone.
        threshold_store::careplan::plan_get(c, j)?
            .map(|p| crate::careplan::plan_facts(&p).map(|f| required_consents(&f)))
            .transpose()
            .map(Option::unwrap_or_default)
    }

    /// The client's consents and outcome for the portal (their own journey only).
    pub async fn my_care(&self, p: &Principal) -> Result<MyCare> {
        let (client, _, j) = self.my_journey(p).await?;
        let jid = j.id;
        let this = self.clone();
        let (docs, sigs, required, decision, plan) = self
            .db
            .read(move |c| {
                Ok::<_, Error>((
                    threshold_store::careplan::consent_docs_current(c)?,
                    threshold_store::careplan::signatures(c, jid)?,
                    this.required_in(c, jid)?,
                    threshold_store::careplan::decisions(c, jid)?
                        .into_iter()
                        .next(),
                    threshold_store::careplan::plan_get(c, jid)?,
                ))
            })
            .await?;
        let decision = match decision {
            Some(d) => {
                let id = d.id.clone();
                let reasons = self
                    .cipher
                    .decrypt(
                        &d.reasons_enc,
                        crate::crypto::Binding {
                            table: "eligibility_decisions",
                            column: "reasons_enc",
                            row_id: &id,
                        },
                    )
                    .map_err(|e| Error::Internal(format!("decision {id}: {e}")))?;
                let mut reasons: Reasons =
                    serde_json::from_str(&reasons).map_err(|e| Error::Internal(e.to_string()))?;
                // The client sees what they are to be told, never the
                // physician's override reasons or notes.
                reasons.overrides.clear();
                reasons.unjudged_reason = None;
                reasons.note = None;
                Decision::ALL
                    .into_iter()
                    .find(|x| x.as_str() == d.decision)
                    .map(|dec| (dec, d.revisit_on, reasons))
            }
            None => None,
        };
        let support = match plan {
            Some(pr) => {
                let sp = self.support_plan_public(&pr)?;
                Some(sp)
            }
            None => None,
        };
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::ClientViewed)
                .subject("client", client)
                .client(Some(client))
                .detail("care plan"),
        )
        .await?;
        Ok(MyCare {
            consents: consent_statuses(&docs, &sigs, &required, true),
            decision,
            support,
        })
    }

    /// One consent document for the client to read and sign: the version in
    /// force. Only documents their plan needs, or ones they signed, are shown.
    pub async fn my_consent(&self, p: &Principal, kind: &str) -> Result<ConsentPage> {
        let kind: ConsentKind = kind.parse().map_err(|()| Error::NotFound)?;
        let (client, name, j) = self.my_journey(p).await?;
        let jid = j.id;
        let this = self.clone();
        let (doc, sigs, required) = self
            .db
            .read(move |c| {
                let doc = threshold_store::careplan::consent_docs_current(c)?
                    .into_iter()
                    .find(|d| d.kind == kind.as_str());
                Ok::<_, Error>((
                    doc,
                    threshold_store::careplan::signatures(c, jid)?,
                    this.required_in(c, jid)?,
                ))
            })
            .await?;
        let doc = doc.ok_or(Error::NotFound)?;
        let latest_earlier = sigs
            .iter()
            .find(|s| s.kind == kind.as_str() && s.version != doc.version)
            .cloned();
        let signature = sigs.into_iter().find(|s| {
            s.kind == kind.as_str() && s.withdrawn_at.is_none() && s.version == doc.version
        });
        if !required.contains(&kind) && signature.is_none() && latest_earlier.is_none() {
            return Err(Error::NotFound);
        }
        let earlier = match latest_earlier {
            Some(sig) => {
                let v = sig.version;
                let k = kind.as_str();
                self.db
                    .read(move |c| threshold_store::careplan::consent_doc_get(c, k, v))
                    .await?
                    .map(|d| (sig, d))
            }
            None => None,
        };
        let stage: Stage = j
            .stage
            .parse()
            .map_err(|_| Error::Internal("stage".into()))?;
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::ConsentViewed)
                .subject("journey", jid)
                .client(Some(client))
                .detail(format!("{} v{}", kind.as_str(), doc.version)),
        )
        .await?;
        Ok(ConsentPage {
            kind,
            signable: signature.is_none()
                && required.contains(&kind)
                && matches!(
                    stage,
                    Stage::Consents | Stage::Preparation | Stage::MedicineSessions
                ),
            document: doc,
            signature,
            client_name: name,
            earlier,
        })
    }

    /// The client signs `version` of a document: they type their full name as the
    /// clinic has it and tick the agreement. Refused when a newer version is in
    /// force (they would be signing text they have not read).
    pub async fn sign_consent(
        &self,
        p: &Principal,
        kind: &str,
        version: &str,
        typed_name: &str,
        agreed: bool,
    ) -> Result<()> {
        let page = self.my_consent(p, kind).await?;
        let mut e = Invalid::new();
        if version.trim().parse::<i64>().ok() != Some(page.document.version) {
            return Err(Error::Conflict(
                "This document has changed since you opened it; read the new version before signing.".into(),
            ));
        }
        if !page.signable {
            return Err(Error::Conflict(if page.signature.is_some() {
                "You have already signed this version.".into()
            } else {
                "This document cannot be signed yet; your care team will tell you when.".into()
            }));
        }
        if typed_name.trim().is_empty() {
            e.push("signed_name", "Type your full name to sign.");
        } else if normalise(typed_name) != normalise(&page.client_name) {
            e.push(
                "signed_name",
                "Type your full name as we have it on your record, to sign.",
            );
        } else if typed_name.chars().count() > 200 {
            e.push("signed_name", "Your name must be at most 200 characters.");
        }
        if !agreed {
            e.push(
                "agree",
                "Tick the box to say you have read and agree to this document.",
            );
        }
        e.into_result()?;
        let (client, _, j) = self.my_journey(p).await?;
        let now = self.now();
        let today = self.today().await;
        let row = SignatureRow {
            id: uuid::Uuid::now_v7().to_string(),
            journey_id: j.id,
            kind: page.kind.as_str().to_owned(),
            version: page.document.version,
            signed_name: typed_name.split_whitespace().collect::<Vec<_>>().join(" "),
            signed_by: p.user_id,
            signed_at: now,
            signed_from: p.meta.source_ip.clone(),
            withdrawn_at: None,
        };
        let p = p.clone();
        let this = self.clone();
        self.db
            .write(move |c| {
                threshold_store::careplan::signature_insert(c, &row)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::ConsentSigned)
                        .subject("journey", row.journey_id)
                        .client(Some(client))
                        .detail(format!("{} v{}", row.kind, row.version)),
                    now,
                )?;
                this.advance_consents_in(c, &p, row.journey_id, client, today, now)
            })
            .await
    }

    /// Withdraws the client's consent of this kind. What depended on it stops:
    /// readiness fails until they sign again.
    pub async fn withdraw_consent(&self, p: &Principal, kind: &str) -> Result<()> {
        let kind: ConsentKind = kind.parse().map_err(|()| Error::NotFound)?;
        let (client, _, j) = self.my_journey(p).await?;
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                let n = threshold_store::careplan::signature_withdraw(
                    c,
                    j.id,
                    kind.as_str(),
                    p.user_id,
                    now,
                )?;
                if n == 0 {
                    return Err(Error::Conflict(
                        "There is no signed consent of this kind to withdraw.".into(),
                    ));
                }
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::ConsentWithdrawn)
                        .subject("journey", j.id)
                        .client(Some(client))
                        .detail(kind.as_str()),
                    now,
                )?;
                Ok(())
            })
            .await
    }
}
