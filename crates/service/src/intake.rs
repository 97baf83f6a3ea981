//! The client's intake form in the portal: saved as a draft as they go, resumed
//! later, and submitted once — which moves the journey from intake to assessment.

use threshold_domain::Permission;
use threshold_domain::audit::AuditAction;
use threshold_domain::ids::JourneyId;
use threshold_domain::intake::IntakeDraft;
use threshold_domain::journey::{GateFacts, Stage, transition};
use threshold_store::clients::ClientRow;

use crate::Services;
use crate::audit::{Entry, write_in};
use crate::crypto::Binding;
use crate::error::{Error, Result};
use crate::principal::{Actor, Principal};

fn draft_binding(journey: &str) -> Binding<'_> {
    Binding {
        table: "intakes",
        column: "draft_enc",
        row_id: journey,
    }
}

/// The form as the client left it.
#[derive(Debug, Clone)]
pub struct IntakeView {
    pub client: ClientRow,
    pub journey: JourneyId,
    pub draft: IntakeDraft,
    pub submitted: bool,
    /// The journey is still at intake (the form can be changed).
    pub editable: bool,
}

impl Services {
    fn open_draft(&self, journey: JourneyId, enc: &str) -> Result<IntakeDraft> {
        let id = journey.to_string();
        let json = self
            .cipher
            .decrypt(enc, draft_binding(&id))
            .map_err(|e| Error::Internal(format!("intake {id}: {e}")))?;
        serde_json::from_str(&json).map_err(|e| Error::Internal(format!("intake {id}: {e}")))
    }

    /// The signed-in client's own intake form (there is no id to change).
    pub async fn my_intake(&self, p: &Principal) -> Result<IntakeView> {
        self.require(p, Permission::ClientPortal).await?;
        let uid = p.user_id;
        let (client, journey, row) = self
            .db
            .read(move |c| {
                let client = threshold_store::clients::by_user(c, uid)?.ok_or(Error::NotFound)?;
                let journey = threshold_store::journeys::current_for_client(c, client.id)?
                    .ok_or(Error::NotFound)?;
                let row = threshold_store::intakes::get(c, journey.id)?;
                Ok::<_, Error>((client, journey, row))
            })
            .await?;
        let draft = match &row {
            Some(r) => self.open_draft(journey.id, &r.draft_enc)?,
            None => IntakeDraft::default(),
        };
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::IntakeViewed)
                .subject("journey", journey.id)
                .client(Some(client.id)),
        )
        .await?;
        Ok(IntakeView {
            journey: journey.id,
            submitted: row.as_ref().is_some_and(|r| r.status == "submitted"),
            editable: journey.stage == Stage::Intake.as_str(),
            draft,
            client,
        })
    }

    /// Saves the client's draft; with `submit`, checks it in full, marks it
    /// submitted and moves the journey to assessment. Returns whether it was
    /// submitted. Nothing is stored when the draft has errors.
    pub async fn save_my_intake(
        &self,
        p: &Principal,
        draft: IntakeDraft,
        submit: bool,
    ) -> Result<bool> {
        self.require(p, Permission::ClientPortal).await?;
        draft.check_draft()?;
        let now = self.now();
        let today = now.to_zoned_datetime(self.display_zone().await).date();
        if submit {
            draft.submit(today)?;
        }
        let json = serde_json::to_string(&draft).map_err(|e| Error::Internal(e.to_string()))?;
        let uid = p.user_id;
        let client = self
            .db
            .read(move |c| threshold_store::clients::by_user(c, uid))
            .await?
            .ok_or(Error::NotFound)?;
        let cid = client.id;
        let journey = self
            .db
            .read(move |c| threshold_store::journeys::current_for_client(c, cid))
            .await?
            .ok_or(Error::NotFound)?;
        let id_text = journey.id.to_string();
        let enc = self.cipher.encrypt(&json, draft_binding(&id_text));
        let p = p.clone();
        self.db
            .write(move |c| {
                let j = threshold_store::journeys::get(c, journey.id)?.ok_or(Error::NotFound)?;
                if j.stage != Stage::Intake.as_str() {
                    return Err(Error::Conflict(
                        "Your intake form has been submitted; to change something, tell your care team.".into(),
                    ));
                }
                if !threshold_store::intakes::save_draft(c, j.id, &enc, now)? {
                    return Err(Error::Conflict("Your intake form has already been submitted.".into()));
                }
                if submit {
                    let mv = transition(
                        Stage::Intake,
                        Stage::Assessment,
                        &GateFacts {
                            intake_submitted: true,
                            ..GateFacts::new(today)
                        },
                    )
                    .map_err(|r| Error::Conflict(r.to_string()))?;
                    threshold_store::intakes::submit(c, j.id, p.user_id, now)?;
                    if !threshold_store::journeys::record_transition(
                        c,
                        &uuid::Uuid::now_v7().to_string(),
                        j.id,
                        Some(mv.from().as_str()),
                        mv.to().as_str(),
                        Some(p.user_id),
                        None,
                        false,
                        now,
                    )? {
                        return Err(Error::Conflict("Your intake form has already been submitted.".into()));
                    }
                    write_in(
                        c,
                        Actor::User(&p),
                        Entry::ok(AuditAction::IntakeSubmitted).subject("journey", j.id).client(Some(cid)),
                        now,
                    )?;
                    write_in(
                        c,
                        Actor::User(&p),
                        Entry::ok(AuditAction::JourneyMoved)
                            .subject("journey", j.id)
                            .client(Some(cid))
                            .detail(format!("{} -> {}", mv.from().as_str(), mv.to().as_str())),
                        now,
                    )?;
                } else {
                    write_in(
                        c,
                        Actor::User(&p),
                        Entry::ok(AuditAction::IntakeSaved).subject("journey", j.id).client(Some(cid)),
                        now,
                    )?;
                }
                Ok(())
            })
            .await?;
        Ok(submit)
    }

    /// A journey's intake for the chart (the caller has checked access): the form
    /// and whether it was submitted.
    pub(crate) async fn intake_of(
        &self,
        journey: JourneyId,
    ) -> Result<Option<(IntakeDraft, bool)>> {
        let row = self
            .db
            .read(move |c| threshold_store::intakes::get(c, journey))
            .await?;
        match row {
            Some(r) => Ok(Some((
                self.open_draft(journey, &r.draft_enc)?,
                r.status == "submitted",
            ))),
            None => Ok(None),
        }
    }
}
