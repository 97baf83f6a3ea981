//! From assessment to a consented plan: assessment findings, the request for
//! physician review, the review queue and decision, the plan with its support
//! plan, the prescription, and readiness. Every move of the journey goes through
//! the domain's `transition`, so no caller can get around a gate.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use threshold_domain::audit::AuditAction;
use threshold_domain::careplan::{
    Assessment, AssessmentForm, AssessmentKind, DecisionForm, HomeItem, Override, PlanForm,
    PrescriptionForm, PsychReadiness,
};
use threshold_domain::clinical::BloodPressure;
use threshold_domain::ids::{ClientId, JourneyId};
use threshold_domain::journey::{
    ConsentKind, Decision, GateFacts, PlanFacts, PrescriptionFacts, PublishedConsent, Readiness,
    ReadinessFacts, Route, RouteKind, SessionFormat, SessionLocation, SignedConsent, Stage,
    SupportPlan, SupportRole, medicine_session_readiness, transition,
};
use threshold_domain::questionnaire::{BASELINE_SET, Flag, InstrumentId};
use threshold_domain::rules::{EligibilityInput, Evaluation, evaluate};
use threshold_domain::settings::ClinicSettings;
use threshold_domain::text::{PersonName, Phone};
use threshold_domain::{Invalid, Permission, Role};
use threshold_store::Conn;
use threshold_store::careplan::{
    AssessmentRow, DecisionRow, PlanRow, PrescriptionRow, QueueItem, SignatureRow,
};
use threshold_store::journeys::JourneyRow;

use crate::Services;
use crate::audit::{Entry, write_in};
use crate::crypto::Binding;
use crate::error::{Error, Result};
use crate::principal::{Actor, Principal, Via};

/// How long a re-authentication lets a physician decide and sign.
pub const REAUTH_WINDOW_SECS: i64 = 5 * 60;

fn bind<'a>(table: &'static str, column: &'static str, row_id: &'a str) -> Binding<'a> {
    Binding {
        table,
        column,
        row_id,
    }
}

/// The physician's written reasons, stored encrypted with the decision.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Reasons {
    pub overrides: Vec<Override>,
    pub unjudged_reason: Option<String>,
    pub supports: Option<String>,
    pub referral_reason: Option<String>,
    pub referral_resources: Option<String>,
    pub note: Option<String>,
}

/// An assessment entry as shown to the care team.
#[derive(Debug, Clone)]
pub struct AssessmentEntry {
    pub kind: AssessmentKind,
    pub bp: Option<BloodPressure>,
    pub heart_rate: Option<i64>,
    pub readiness: Option<PsychReadiness>,
    pub findings: Option<String>,
    pub by: Option<String>,
    pub at: Timestamp,
}

/// A decision as shown, with the evaluation it was made on.
#[derive(Debug, Clone)]
pub struct DecisionView {
    pub decision: Decision,
    pub evaluation: Evaluation,
    pub settings_version: i64,
    pub reasons: Reasons,
    pub revisit_on: Option<String>,
    pub by: Option<String>,
    pub at: Timestamp,
}

/// The plan as shown, support plan decrypted.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub location: String,
    pub home_items: Vec<HomeItem>,
    pub route: String,
    pub partner_id: Option<String>,
    pub partner_name: Option<String>,
    pub format: String,
    pub sessions: i64,
    pub support_role: String,
    pub support_name: String,
    pub support_phone: String,
    pub updated_at: Timestamp,
}

/// A prescription as shown and printed.
#[derive(Debug, Clone)]
pub struct PrescriptionView {
    pub row: PrescriptionRow,
    pub range_reason: Option<String>,
    pub expired: bool,
}

/// A consent the plan needs, with the document in force and the client's standing.
#[derive(Debug, Clone)]
pub struct ConsentStatus {
    pub kind: ConsentKind,
    /// The version in force; `None` when no version is published.
    pub current: Option<threshold_store::careplan::ConsentDocRow>,
    /// The client's latest signature of this kind, if any.
    pub signature: Option<SignatureRow>,
    /// Signed for the version in force and not withdrawn.
    pub counts: bool,
    pub required: bool,
}

/// Everything from assessment to readiness, for the chart (care team only).
#[derive(Debug, Clone, Default)]
pub struct CarePlan {
    pub assessments: Vec<AssessmentEntry>,
    pub decisions: Vec<DecisionView>,
    pub plan: Option<PlanView>,
    pub prescription: Option<PrescriptionView>,
    pub consents: Vec<ConsentStatus>,
    /// What keeps the next move of the journey closed (empty when it may move).
    pub next_gaps: Vec<threshold_domain::journey::Missing>,
    pub readiness: Option<Readiness>,
}

/// The physician's review page.
#[derive(Debug, Clone)]
pub struct Review {
    pub client: threshold_store::clients::ClientRow,
    pub journey: JourneyRow,
    pub stage: Stage,
    pub evaluation: Evaluation,
    pub settings_version: i64,
    pub care: CarePlan,
    pub results: Vec<crate::questionnaires::Result_>,
    pub intake: Option<(threshold_domain::intake::IntakeDraft, bool)>,
    /// Whether this session re-authenticated within the window.
    pub reauthenticated: bool,
}

pub(crate) fn settings_in(c: &mut dyn Conn) -> Result<(i64, ClinicSettings)> {
    match threshold_store::careplan::settings_current(c)? {
        Some((v, json)) => Ok((
            v,
            serde_json::from_str(&json)
                .map_err(|e| Error::Internal(format!("settings {v}: {e}")))?,
        )),
        None => Ok((0, ClinicSettings::default())),
    }
}

/// The settings in force, writing the defaults as version 1 when none are stored,
/// so that every decision can name the version it was made under.
pub(crate) fn settings_for_decision_in(
    c: &mut dyn Conn,
    now: Timestamp,
) -> Result<(i64, ClinicSettings)> {
    let (v, s) = settings_in(c)?;
    if v > 0 {
        return Ok((v, s));
    }
    let json = serde_json::to_string(&s).map_err(|e| Error::Internal(e.to_string()))?;
    let v = threshold_store::careplan::settings_insert(c, &json, None, now)?;
    Ok((v, s))
}

fn home_items(raw: &str) -> Vec<HomeItem> {
    raw.split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect()
}

fn stage_of(j: &JourneyRow) -> Result<Stage> {
    j.stage
        .parse()
        .map_err(|_| Error::Internal(format!("journey {}: unknown stage", j.id)))
}

fn reauthenticated(p: &Principal, now: Timestamp) -> bool {
    match &p.via {
        Via::Session {
            reauth_at: Some(at),
            ..
        } => now.as_second() - at.as_second() <= REAUTH_WINDOW_SECS && *at <= now,
        _ => false,
    }
}

impl Services {
    /// Today in the clinic's zone.
    pub async fn today(&self) -> Date {
        self.now()
            .to_zoned_datetime(self.display_zone().await)
            .date()
    }

    /// The client's current journey, for a member of its care team holding `perm`
    /// (and `role`, when given). Anyone else is answered "not found", and the
    /// attempt is recorded.
    async fn care_team_journey(
        &self,
        p: &Principal,
        client: ClientId,
        perm: Permission,
        role: Option<Role>,
        action: AuditAction,
    ) -> Result<JourneyRow> {
        self.require(p, perm).await?;
        let uid = p.user_id;
        let found = self
            .db
            .read(move |c| {
                let Some(j) = threshold_store::journeys::current_for_client(c, client)? else {
                    return Ok::<_, Error>(None);
                };
                let team = threshold_store::journeys::care_team(c, j.id)?;
                let member = team
                    .iter()
                    .any(|m| m.user_id == uid && role.is_none_or(|r| m.role == r.as_str()));
                Ok(member.then_some(j))
            })
            .await?;
        match found {
            Some(j) => Ok(j),
            None => {
                self.audit(
                    Actor::User(p),
                    Entry::denied(action)
                        .subject("client", client)
                        .client(Some(client)),
                )
                .await?;
                Err(Error::NotFound)
            }
        }
    }

    /// The gates' facts for a journey, read inside `c`.
    pub(crate) fn gate_facts_in(
        &self,
        c: &mut dyn Conn,
        journey: JourneyId,
        today: Date,
    ) -> Result<GateFacts> {
        let intake_submitted =
            threshold_store::intakes::get(c, journey)?.is_some_and(|i| i.status == "submitted");
        let baseline_completed =
            threshold_store::questionnaires::completed_instruments(c, journey)?;
        let entries = threshold_store::careplan::assessments(c, journey)?;
        let has = |k: AssessmentKind| entries.iter().any(|a| a.kind == k.as_str());
        let assessment_recorded = has(AssessmentKind::Vitals)
            && has(AssessmentKind::Clinician)
            && has(AssessmentKind::Physician);
        Ok(GateFacts {
            today,
            intake_submitted,
            baseline_completed,
            required_baseline: BASELINE_SET.iter().map(|i| i.as_str().to_owned()).collect(),
            assessment_recorded,
            readiness: self.readiness_facts_in(c, journey)?,
        })
    }

    fn readiness_facts_in(&self, c: &mut dyn Conn, journey: JourneyId) -> Result<ReadinessFacts> {
        let decision = threshold_store::careplan::decisions(c, journey)?
            .first()
            .and_then(|d| Decision::ALL.into_iter().find(|x| x.as_str() == d.decision));
        let plan_row = threshold_store::careplan::plan_get(c, journey)?;
        let plan = plan_row.as_ref().map(plan_facts).transpose()?;
        let support_plan = match &plan_row {
            Some(p) => Some(self.support_plan(p)?),
            None => None,
        };
        let prescription = threshold_store::careplan::prescription_current(c, journey)?
            .map(|r| -> Result<PrescriptionFacts> {
                Ok(PrescriptionFacts {
                    signed: true,
                    expires_on: r
                        .expires_on
                        .parse()
                        .map_err(|_| Error::Internal("prescription expiry".into()))?,
                    route: r
                        .route
                        .parse()
                        .map_err(|()| Error::Internal("prescription route".into()))?,
                })
            })
            .transpose()?;
        let docs = threshold_store::careplan::consent_docs_current(c)?;
        let published: Vec<PublishedConsent> = docs
            .iter()
            .filter_map(|d| {
                Some(PublishedConsent {
                    kind: d.kind.parse().ok()?,
                    version: u32::try_from(d.version).ok()?,
                })
            })
            .collect();
        let current = |k: ConsentKind| published.iter().find(|p| p.kind == k).map(|p| p.version);
        let consents = threshold_store::careplan::signatures(c, journey)?
            .iter()
            .filter_map(|s| {
                let kind: ConsentKind = s.kind.parse().ok()?;
                let version_signed = u32::try_from(s.version).ok()?;
                Some(SignedConsent {
                    kind,
                    version_signed,
                    current_version: current(kind).unwrap_or(version_signed),
                    withdrawn: s.withdrawn_at.is_some(),
                })
            })
            .collect();
        Ok(ReadinessFacts {
            decision,
            plan,
            prescription,
            consents,
            published_consents: published,
            support_plan,
        })
    }

    fn support_plan(&self, p: &PlanRow) -> Result<SupportPlan> {
        let id = p.journey_id.to_string();
        let name = self
            .cipher
            .decrypt(&p.support_name_enc, bind("plans", "support_name_enc", &id))
            .map_err(|e| Error::Internal(format!("plan {id}: {e}")))?;
        let phone = self
            .cipher
            .decrypt(
                &p.support_phone_enc,
                bind("plans", "support_phone_enc", &id),
            )
            .map_err(|e| Error::Internal(format!("plan {id}: {e}")))?;
        Ok(SupportPlan {
            role: if p.support_role == SupportRole::SessionMonitor.as_str() {
                SupportRole::SessionMonitor
            } else {
                SupportRole::RideHome
            },
            name: PersonName::parse("support_name", &name)
                .map_err(|_| Error::Internal("support name".into()))?,
            phone: Phone::parse("support_phone", &phone)
                .map_err(|_| Error::Internal("support phone".into()))?,
        })
    }

    /// Moves the journey from its current stage to `to` if the domain allows it on
    /// the facts read now; records the step and audits it.
    #[allow(clippy::too_many_arguments)] // one transaction's context, passed through
    fn move_in(
        &self,
        c: &mut dyn Conn,
        p: &Principal,
        journey: JourneyId,
        client: ClientId,
        to: Stage,
        today: Date,
        now: Timestamp,
    ) -> Result<()> {
        let j = threshold_store::journeys::get(c, journey)?.ok_or(Error::NotFound)?;
        let from = stage_of(&j)?;
        let facts = self.gate_facts_in(c, journey, today)?;
        let mv = transition(from, to, &facts).map_err(|r| Error::Conflict(r.to_string()))?;
        let moved = threshold_store::journeys::record_transition(
            c,
            &uuid::Uuid::now_v7().to_string(),
            journey,
            Some(mv.from().as_str()),
            mv.to().as_str(),
            Some(p.user_id),
            None,
            mv.to().is_terminal(),
            now,
        )?;
        if !moved {
            return Err(Error::Conflict(
                "Someone else moved this journey just now; reload the page.".into(),
            ));
        }
        write_in(
            c,
            Actor::User(p),
            Entry::ok(AuditAction::JourneyMoved)
                .subject("journey", journey)
                .client(Some(client))
                .detail(format!("{} -> {}", mv.from().as_str(), mv.to().as_str())),
            now,
        )?;
        Ok(())
    }

    pub(crate) fn advance_consents_in(
        &self,
        c: &mut dyn Conn,
        p: &Principal,
        journey: JourneyId,
        client: ClientId,
        today: Date,
        now: Timestamp,
    ) -> Result<()> {
        self.advance_in(c, p, journey, client, today, now)
    }

    /// The support person's name and phone, for the client's own portal.
    pub(crate) fn support_plan_public(&self, p: &PlanRow) -> Result<(String, String)> {
        let s = self.support_plan(p)?;
        Ok((s.name.as_str().to_owned(), s.phone.as_str().to_owned()))
    }

    /// After a change that may complete the consents stage: moves consents →
    /// preparation when readiness now holds. Never refuses.
    fn advance_in(
        &self,
        c: &mut dyn Conn,
        p: &Principal,
        journey: JourneyId,
        client: ClientId,
        today: Date,
        now: Timestamp,
    ) -> Result<()> {
        let j = threshold_store::journeys::get(c, journey)?.ok_or(Error::NotFound)?;
        if stage_of(&j)? == Stage::Consents {
            let facts = self.gate_facts_in(c, journey, today)?;
            if medicine_session_readiness(&facts.readiness, today).is_ready() {
                self.move_in(c, p, journey, client, Stage::Preparation, today, now)?;
            }
        }
        Ok(())
    }

    /// Records an assessment entry. Clinicians record the psychological
    /// assessment, physicians the medical one; either records vitals.
    pub async fn record_assessment(
        &self,
        p: &Principal,
        client: ClientId,
        form: &AssessmentForm,
    ) -> Result<()> {
        let j = self
            .care_team_journey(
                p,
                client,
                Permission::RecordAssessment,
                None,
                AuditAction::AssessmentRecorded,
            )
            .await?;
        let a = form.parse()?;
        let needed = match a.kind() {
            AssessmentKind::Clinician => Some(Role::Clinician),
            AssessmentKind::Physician => Some(Role::Physician),
            AssessmentKind::Vitals => None,
        };
        if let Some(role) = needed
            && !p.roles.contains(role)
        {
            return Err(Invalid::field(
                "kind",
                format!(
                    "Only a {} records the {}.",
                    role.label().to_lowercase(),
                    a.kind().label().to_lowercase()
                ),
            )
            .into());
        }
        let stage = stage_of(&j)?;
        if !matches!(stage, Stage::Assessment | Stage::PhysicianReview) {
            return Err(Error::Conflict(format!(
                "Assessment findings are recorded at assessment or physician review; this journey is at \u{201c}{}\u{201d}.",
                stage.label().to_lowercase()
            )));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let (bp, hr, readiness, findings) = match &a {
            Assessment::Vitals { bp, heart_rate } => (Some(*bp), Some(*heart_rate), None, None),
            Assessment::Clinician {
                readiness,
                findings,
            } => (None, None, Some(*readiness), Some(findings.as_str())),
            Assessment::Physician { findings } => (None, None, None, Some(findings.as_str())),
        };
        let row = AssessmentRow {
            id: id.clone(),
            journey_id: j.id,
            kind: a.kind().as_str().to_owned(),
            systolic: bp.map(|b| i64::from(b.systolic())),
            diastolic: bp.map(|b| i64::from(b.diastolic())),
            heart_rate: hr.map(i64::from),
            readiness: readiness.map(|r| r.as_str().to_owned()),
            findings_enc: findings.map(|f| {
                self.cipher
                    .encrypt(f, bind("assessments", "findings_enc", &id))
            }),
            recorded_by: p.user_id,
            recorded_by_name: None,
            recorded_at: self.now(),
        };
        let p = p.clone();
        self.db
            .write(move |c| {
                threshold_store::careplan::assessment_insert(c, &row)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::AssessmentRecorded)
                        .subject("journey", row.journey_id)
                        .client(Some(client))
                        .detail(row.kind.clone()),
                    row.recorded_at,
                )?;
                Ok(())
            })
            .await
    }

    /// Assessment → physician review, when the intake, the baseline
    /// questionnaires and the assessment findings are all in.
    pub async fn request_review(&self, p: &Principal, client: ClientId) -> Result<()> {
        self.care_team_move(
            p,
            client,
            Stage::PhysicianReview,
            AuditAction::ReviewRequested,
        )
        .await
    }

    /// Deferred → assessment: the client comes back to be assessed again.
    pub async fn revisit(&self, p: &Principal, client: ClientId) -> Result<()> {
        self.care_team_move(p, client, Stage::Assessment, AuditAction::JourneyMoved)
            .await
    }

    /// The client leaves care (any stage that is not final), with the reason
    /// written on the timeline. Only the care team sees the reason.
    pub async fn withdraw_journey(
        &self,
        p: &Principal,
        client: ClientId,
        reason: &str,
    ) -> Result<()> {
        let j = self
            .care_team_journey(
                p,
                client,
                Permission::RecordAssessment,
                None,
                AuditAction::JourneyMoved,
            )
            .await?;
        let from = stage_of(&j)?;
        let today = self.today().await;
        let now = self.now();
        let facts = GateFacts::new(today);
        let mv = transition(from, Stage::Withdrawn, &facts)
            .map_err(|r| Error::Conflict(r.to_string()))?;
        let record = mv.record(p.user_id, now, reason)?;
        let tid = uuid::Uuid::now_v7().to_string();
        let reason_enc = self
            .cipher
            .encrypt(&record.reason, crate::journeys::reason_binding(&tid));
        let p = p.clone();
        self.db
            .write(move |c| {
                let moved = threshold_store::journeys::record_transition(
                    c,
                    &tid,
                    j.id,
                    Some(mv.from().as_str()),
                    mv.to().as_str(),
                    Some(p.user_id),
                    Some(&reason_enc),
                    true,
                    now,
                )?;
                if !moved {
                    return Err(Error::Conflict(
                        "Someone else moved this journey just now; reload the page.".into(),
                    ));
                }
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::JourneyMoved)
                        .subject("journey", j.id)
                        .client(Some(client))
                        .detail(format!("{} -> withdrawn", mv.from().as_str())),
                    now,
                )?;
                Ok(())
            })
            .await
    }

    /// A move a care team member asks for, audited as `action`.
    async fn care_team_move(
        &self,
        p: &Principal,
        client: ClientId,
        to: Stage,
        action: AuditAction,
    ) -> Result<()> {
        let j = self
            .care_team_journey(p, client, Permission::RecordAssessment, None, action)
            .await?;
        let today = self.today().await;
        let now = self.now();
        let p = p.clone();
        let this = self.clone();
        self.db
            .write(move |c| {
                this.move_in(c, &p, j.id, client, to, today, now)?;
                if action != AuditAction::JourneyMoved {
                    write_in(
                        c,
                        Actor::User(&p),
                        Entry::ok(action)
                            .subject("journey", j.id)
                            .client(Some(client)),
                        now,
                    )?;
                }
                Ok(())
            })
            .await
    }

    /// What the contraindication rules read for this journey: the intake, the
    /// assessment readings and the latest AUDIT-C and DAST-10.
    pub(crate) async fn eligibility_input(
        &self,
        journey: JourneyId,
        today: Date,
    ) -> Result<EligibilityInput> {
        let mut input = match self.intake_of(journey).await? {
            Some((draft, true)) => match draft.submit(today) {
                Ok(intake) => intake.eligibility_input(today),
                Err(_) => EligibilityInput::default(),
            },
            _ => EligibilityInput::default(),
        };
        let entries = self
            .db
            .read(move |c| threshold_store::careplan::assessments(c, journey))
            .await?;
        input.assessment_bp = entries
            .iter()
            .filter_map(|a| {
                let s = u16::try_from(a.systolic?).ok()?;
                let d = u16::try_from(a.diastolic?).ok()?;
                BloodPressure::new(s, d).ok()
            })
            .collect();
        let results = self.results_of(journey).await?;
        if let Some(r) = results
            .iter()
            .find(|r| r.instrument == InstrumentId::AuditC)
        {
            input.audit_c_positive = Some(r.flags.contains(&Flag::AuditCPositive));
        }
        if let Some(r) = results
            .iter()
            .find(|r| r.instrument == InstrumentId::Dast10)
        {
            input.dast10_total = r.total.and_then(|t| u8::try_from(t).ok());
        }
        Ok(input)
    }

    /// The care team's view of assessment, decisions, plan, prescription,
    /// consents and readiness (the caller has checked access).
    pub(crate) async fn care_plan_of(&self, journey: JourneyId) -> Result<CarePlan> {
        let today = self.today().await;
        let this = self.clone();
        let (entries, decisions, plan, rx, docs, sigs, facts, stage) = self
            .db
            .read(move |c| {
                let j = threshold_store::journeys::get(c, journey)?.ok_or(Error::NotFound)?;
                Ok::<_, Error>((
                    threshold_store::careplan::assessments(c, journey)?,
                    threshold_store::careplan::decisions(c, journey)?,
                    threshold_store::careplan::plan_get(c, journey)?,
                    threshold_store::careplan::prescription_current(c, journey)?,
                    threshold_store::careplan::consent_docs_current(c)?,
                    threshold_store::careplan::signatures(c, journey)?,
                    this.gate_facts_in(c, journey, today)?,
                    stage_of(&j)?,
                ))
            })
            .await?;
        let assessments = entries
            .into_iter()
            .map(|a| -> Result<AssessmentEntry> {
                let findings = a
                    .findings_enc
                    .as_deref()
                    .map(|f| {
                        self.cipher
                            .decrypt(f, bind("assessments", "findings_enc", &a.id))
                            .map_err(|e| Error::Internal(format!("assessment {}: {e}", a.id)))
                    })
                    .transpose()?;
                Ok(AssessmentEntry {
                    kind: a
                        .kind
                        .parse()
                        .map_err(|()| Error::Internal("assessment kind".into()))?,
                    bp: match (a.systolic, a.diastolic) {
                        (Some(s), Some(d)) => BloodPressure::new(
                            u16::try_from(s).unwrap_or(0),
                            u16::try_from(d).unwrap_or(0),
                        )
                        .ok(),
                        _ => None,
                    },
                    heart_rate: a.heart_rate,
                    readiness: a.readiness.and_then(|r| r.parse().ok()),
                    findings,
                    by: a.recorded_by_name,
                    at: a.recorded_at,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let decisions = decisions
            .into_iter()
            .map(|d| self.decision_view(d))
            .collect::<Result<Vec<_>>>()?;
        let plan = plan.map(|p| self.plan_view(p)).transpose()?;
        let prescription = rx.map(|r| self.prescription_view(r, today)).transpose()?;
        let required: Vec<ConsentKind> = facts
            .readiness
            .plan
            .as_ref()
            .map(threshold_domain::journey::required_consents)
            .unwrap_or_default();
        let consents = consent_statuses(&docs, &sigs, &required, true);
        let next_gaps = stage
            .next_stages()
            .into_iter()
            .filter(|s| *s != Stage::Withdrawn)
            .filter_map(|s| threshold_domain::journey::Transition::between(stage, s))
            .map(|t| t.gate(&facts))
            .min_by_key(Vec::len)
            .unwrap_or_default();
        let readiness = matches!(
            stage,
            Stage::Eligible
                | Stage::Plan
                | Stage::Consents
                | Stage::Preparation
                | Stage::MedicineSessions
        )
        .then(|| medicine_session_readiness(&facts.readiness, today));
        Ok(CarePlan {
            assessments,
            decisions,
            plan,
            prescription,
            consents,
            next_gaps,
            readiness,
        })
    }

    fn decision_view(&self, d: DecisionRow) -> Result<DecisionView> {
        let ev = self
            .cipher
            .decrypt(
                &d.evaluation_enc,
                bind("eligibility_decisions", "evaluation_enc", &d.id),
            )
            .map_err(|e| Error::Internal(format!("decision {}: {e}", d.id)))?;
        let reasons = self
            .cipher
            .decrypt(
                &d.reasons_enc,
                bind("eligibility_decisions", "reasons_enc", &d.id),
            )
            .map_err(|e| Error::Internal(format!("decision {}: {e}", d.id)))?;
        Ok(DecisionView {
            decision: Decision::ALL
                .into_iter()
                .find(|x| x.as_str() == d.decision)
                .ok_or_else(|| Error::Internal("decision".into()))?,
            evaluation: serde_json::from_str(&ev).map_err(|e| Error::Internal(e.to_string()))?,
            settings_version: d.settings_version,
            reasons: serde_json::from_str(&reasons).map_err(|e| Error::Internal(e.to_string()))?,
            revisit_on: d.revisit_on,
            by: d.decided_by_name,
            at: d.decided_at,
        })
    }

    fn plan_view(&self, p: PlanRow) -> Result<PlanView> {
        let support = self.support_plan(&p)?;
        Ok(PlanView {
            home_items: home_items(&p.home_items),
            location: p.location,
            route: p.route,
            partner_id: p.partner_id,
            partner_name: p.partner_name,
            format: p.format,
            sessions: p.sessions,
            support_role: p.support_role,
            support_name: support.name.as_str().to_owned(),
            support_phone: support.phone.as_str().to_owned(),
            updated_at: p.updated_at,
        })
    }

    fn prescription_view(&self, r: PrescriptionRow, today: Date) -> Result<PrescriptionView> {
        let range_reason = r
            .range_reason_enc
            .as_deref()
            .map(|f| {
                self.cipher
                    .decrypt(f, bind("prescriptions", "range_reason_enc", &r.id))
                    .map_err(|e| Error::Internal(format!("prescription {}: {e}", r.id)))
            })
            .transpose()?;
        let expired = r.expires_on.parse::<Date>().map_or(true, |d| today > d);
        Ok(PrescriptionView {
            row: r,
            range_reason,
            expired,
        })
    }

    /// Clients waiting for this physician's review, longest waiting first.
    pub async fn review_queue(&self, p: &Principal) -> Result<Vec<QueueItem>> {
        self.require(p, Permission::DecideEligibility).await?;
        let uid = p.user_id;
        let items = self
            .db
            .read(move |c| threshold_store::careplan::review_queue(c, uid))
            .await?;
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::ReviewQueueViewed)
                .subjects("client", items.iter().map(|i| i.client_id)),
        )
        .await?;
        Ok(items)
    }

    /// Findings, scores and history on one page, for a physician on the care team.
    pub async fn review(&self, p: &Principal, client: ClientId) -> Result<Review> {
        let j = self
            .care_team_journey(
                p,
                client,
                Permission::DecideEligibility,
                Some(Role::Physician),
                AuditAction::ClientViewed,
            )
            .await?;
        let today = self.today().await;
        let input = self.eligibility_input(j.id, today).await?;
        let (settings_version, settings) = self.db.read(|c| settings_in(c)).await?;
        let evaluation = evaluate(&input, &settings.thresholds);
        let row = self
            .db
            .read(move |c| threshold_store::clients::get(c, client))
            .await?
            .ok_or(Error::NotFound)?;
        let care = self.care_plan_of(j.id).await?;
        let results = self.results_of(j.id).await?;
        let intake = self.intake_of(j.id).await?;
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::ClientViewed)
                .subject("client", client)
                .client(Some(client))
                .detail("review"),
        )
        .await?;
        Ok(Review {
            client: row,
            stage: stage_of(&j)?,
            journey: j,
            evaluation,
            settings_version,
            care,
            results,
            intake,
            reauthenticated: reauthenticated(p, self.now()),
        })
    }

    /// Checks the physician re-authenticated within the window, first trying
    /// `secret` (password or authenticator code) when one is given. API tokens
    /// can never pass.
    async fn require_reauth(&self, p: &Principal, secret: &str) -> Result<Principal> {
        if !matches!(p.via, Via::Session { .. }) {
            return Err(Error::Forbidden);
        }
        if reauthenticated(p, self.now()) {
            return Ok(p.clone());
        }
        if secret.trim().is_empty() {
            return Err(Invalid::field(
                "reauth",
                "Enter your password or a code from your authenticator app to confirm it is you.",
            )
            .into());
        }
        match self.reauthenticate(p, secret.to_owned()).await {
            Ok(()) => {
                let mut p = p.clone();
                if let Via::Session { reauth_at, .. } = &mut p.via {
                    *reauth_at = Some(self.now());
                }
                Ok(p)
            }
            Err(Error::BadCredentials | Error::BadCode) => Err(Invalid::field(
                "reauth",
                "That password or code is not right; try again.",
            )
            .into()),
            Err(e) => Err(e),
        }
    }

    /// The physician's decision: eligible, deferred or referred out. Made on the
    /// evaluation computed now, which is stored with it along with the rule-set
    /// and settings versions.
    pub async fn decide(
        &self,
        p: &Principal,
        client: ClientId,
        form: &DecisionForm,
        reauth_secret: &str,
    ) -> Result<Decision> {
        let j = self
            .care_team_journey(
                p,
                client,
                Permission::DecideEligibility,
                Some(Role::Physician),
                AuditAction::EligibilityDecided,
            )
            .await?;
        let today = self.today().await;
        let input = self.eligibility_input(j.id, today).await?;
        let now = self.now();
        let (settings_version, settings) = self
            .db
            .write(move |c| settings_for_decision_in(c, now))
            .await?;
        let evaluation = evaluate(&input, &settings.thresholds);
        // The password is checked even when the form has other problems, so a
        // physician correcting the form need not type it again.
        let parsed = form.parse(&evaluation, today);
        let (record, p) = with_reauth(parsed, self.require_reauth(p, reauth_secret).await)?;
        let id = uuid::Uuid::now_v7().to_string();
        let reasons = Reasons {
            overrides: record.overrides.clone(),
            unjudged_reason: record.unjudged_reason.clone(),
            supports: record.supports.clone(),
            referral_reason: record.referral_reason.clone(),
            referral_resources: record.referral_resources.clone(),
            note: record.note.clone(),
        };
        let ev_json =
            serde_json::to_string(&evaluation).map_err(|e| Error::Internal(e.to_string()))?;
        let reasons_json =
            serde_json::to_string(&reasons).map_err(|e| Error::Internal(e.to_string()))?;
        let row = DecisionRow {
            evaluation_enc: self.cipher.encrypt(
                &ev_json,
                bind("eligibility_decisions", "evaluation_enc", &id),
            ),
            reasons_enc: self.cipher.encrypt(
                &reasons_json,
                bind("eligibility_decisions", "reasons_enc", &id),
            ),
            id,
            journey_id: j.id,
            decision: record.decision.as_str().to_owned(),
            ruleset_version: evaluation.ruleset_version.clone(),
            settings_version,
            revisit_on: record.revisit_on.map(|d| d.to_string()),
            decided_by: p.user_id,
            decided_by_name: None,
            decided_at: now,
        };
        let decision = record.decision;
        let this = self.clone();
        self.db
            .write(move |c| {
                let current =
                    threshold_store::journeys::get(c, row.journey_id)?.ok_or(Error::NotFound)?;
                if stage_of(&current)? != Stage::PhysicianReview {
                    return Err(Error::Conflict(
                        "This client is not waiting for physician review.".into(),
                    ));
                }
                threshold_store::careplan::decision_insert(c, &row)?;
                this.move_in(c, &p, row.journey_id, client, decision.stage(), today, now)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::EligibilityDecided)
                        .subject("journey", row.journey_id)
                        .client(Some(client))
                        .detail(format!(
                            "{} under rules {} and settings v{}",
                            decision.as_str(),
                            row.ruleset_version,
                            row.settings_version
                        )),
                    now,
                )?;
                Ok(())
            })
            .await?;
        Ok(decision)
    }

    /// Saves the plan and its support plan. The first save of an eligible
    /// client's plan moves the journey to plan and on to consents.
    pub async fn save_plan(&self, p: &Principal, client: ClientId, form: &PlanForm) -> Result<()> {
        let j = self
            .care_team_journey(
                p,
                client,
                Permission::RecordAssessment,
                None,
                AuditAction::PlanSaved,
            )
            .await?;
        let plan = form.parse()?;
        let stage = stage_of(&j)?;
        if !matches!(
            stage,
            Stage::Eligible | Stage::Plan | Stage::Consents | Stage::Preparation
        ) {
            return Err(Error::Conflict(format!(
                "A plan is made once the physician finds the client eligible; this journey is at \u{201c}{}\u{201d}.",
                stage.label().to_lowercase()
            )));
        }
        let partner_id = plan.route.partner().map(str::to_owned);
        if let Some(pid) = partner_id.clone() {
            let ok = self
                .db
                .read(move |c| threshold_store::careplan::partner_get(c, &pid))
                .await?
                .is_some_and(|o| o.active);
            if !ok {
                return Err(Invalid::field(
                    "partner",
                    "Choose an active partner medical provider.",
                )
                .into());
            }
        }
        let id = j.id.to_string();
        let now = self.now();
        let row = PlanRow {
            journey_id: j.id,
            location: plan.location.as_str().to_owned(),
            home_items: plan
                .home_items
                .iter()
                .map(|i| i.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            route: plan.route.kind().as_str().to_owned(),
            partner_id,
            partner_name: None,
            format: match plan.format {
                SessionFormat::Individual => "individual",
                SessionFormat::Group => "group",
            }
            .to_owned(),
            sessions: i64::from(plan.sessions),
            support_role: plan.support_role.as_str().to_owned(),
            support_name_enc: self.cipher.encrypt(
                plan.support_name.as_str(),
                bind("plans", "support_name_enc", &id),
            ),
            support_phone_enc: self.cipher.encrypt(
                plan.support_phone.as_str(),
                bind("plans", "support_phone_enc", &id),
            ),
            updated_by: p.user_id,
            updated_at: now,
        };
        let today = self.today().await;
        let p = p.clone();
        let this = self.clone();
        self.db
            .write(move |c| {
                threshold_store::careplan::plan_save(c, &row)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::PlanSaved)
                        .subject("journey", row.journey_id)
                        .client(Some(client)),
                    now,
                )?;
                let j =
                    threshold_store::journeys::get(c, row.journey_id)?.ok_or(Error::NotFound)?;
                if stage_of(&j)? == Stage::Eligible {
                    this.move_in(c, &p, row.journey_id, client, Stage::Plan, today, now)?;
                }
                let j =
                    threshold_store::journeys::get(c, row.journey_id)?.ok_or(Error::NotFound)?;
                if stage_of(&j)? == Stage::Plan {
                    this.move_in(c, &p, row.journey_id, client, Stage::Consents, today, now)?;
                }
                this.advance_in(c, &p, row.journey_id, client, today, now)
            })
            .await
    }

    /// The physician signs a prescription for the plan's route. Needs a recent
    /// re-authentication, and the licence and registration numbers on the
    /// physician's profile.
    pub async fn sign_prescription(
        &self,
        p: &Principal,
        client: ClientId,
        form: &PrescriptionForm,
        reauth_secret: &str,
    ) -> Result<()> {
        let j = self
            .care_team_journey(
                p,
                client,
                Permission::DecideEligibility,
                Some(Role::Physician),
                AuditAction::PrescriptionSigned,
            )
            .await?;
        let jid = j.id;
        let plan = self
            .db
            .read(move |c| threshold_store::careplan::plan_get(c, jid))
            .await?;
        let Some(plan) = plan else {
            return Err(Error::Conflict(
                "Make the treatment plan first; the prescription follows its route.".into(),
            ));
        };
        let stage = stage_of(&j)?;
        if !matches!(
            stage,
            Stage::Plan | Stage::Consents | Stage::Preparation | Stage::MedicineSessions
        ) {
            return Err(Error::Conflict(format!(
                "A prescription is signed for an approved plan; this journey is at \u{201c}{}\u{201d}.",
                stage.label().to_lowercase()
            )));
        }
        let route: RouteKind = plan
            .route
            .parse()
            .map_err(|()| Error::Internal("plan route".into()))?;
        let today = self.today().await;
        let now = self.now();
        let (settings_version, settings) = self
            .db
            .write(move |c| settings_for_decision_in(c, now))
            .await?;
        let parsed = form.parse(route, &settings, today);
        let (rx, p) = with_reauth(parsed, self.require_reauth(p, reauth_secret).await)?;
        let uid = p.user_id;
        let (name, licence, registration) = self
            .db
            .read(move |c| threshold_store::careplan::prescriber(c, uid))
            .await?
            .ok_or(Error::Unauthenticated)?;
        let (Some(licence), Some(registration)) = (licence, registration) else {
            return Err(Error::Conflict(
                "Your licence and registration numbers are not on your profile; an administrator adds them, and every prescription prints them.".into(),
            ));
        };
        let id = uuid::Uuid::now_v7().to_string();
        let row = PrescriptionRow {
            range_reason_enc: rx.range_reason.as_deref().map(|r| {
                self.cipher
                    .encrypt(r, bind("prescriptions", "range_reason_enc", &id))
            }),
            id,
            journey_id: j.id,
            route: route.as_str().to_owned(),
            dose_min: rx.dose_min,
            dose_max: rx.dose_max,
            booster_max: rx.booster_max,
            quantity: rx.quantity.map(i64::from),
            expires_on: rx.expires_on.to_string(),
            settings_version,
            prescriber_id: p.user_id,
            prescriber_name: name,
            licence_number: licence,
            registration_number: registration,
            signed_at: now,
            superseded_at: None,
        };
        let this = self.clone();
        self.db
            .write(move |c| {
                threshold_store::careplan::prescription_insert(c, &row)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::PrescriptionSigned)
                        .subject("journey", row.journey_id)
                        .client(Some(client))
                        .detail(format!("settings v{}", row.settings_version)),
                    now,
                )?;
                this.advance_in(c, &p, row.journey_id, client, today, now)
            })
            .await
    }

    /// The prescription in force, for printing (care team only).
    pub async fn prescription(
        &self,
        p: &Principal,
        client: ClientId,
    ) -> Result<(
        threshold_store::clients::ClientRow,
        PlanView,
        PrescriptionView,
    )> {
        let j = self
            .care_team_journey(
                p,
                client,
                Permission::ViewClinical,
                None,
                AuditAction::PrescriptionViewed,
            )
            .await?;
        let jid = j.id;
        let (row, plan, rx) = self
            .db
            .read(move |c| {
                Ok::<_, Error>((
                    threshold_store::clients::get(c, client)?,
                    threshold_store::careplan::plan_get(c, jid)?,
                    threshold_store::careplan::prescription_current(c, jid)?,
                ))
            })
            .await?;
        let (Some(row), Some(plan), Some(rx)) = (row, plan, rx) else {
            return Err(Error::NotFound);
        };
        let today = self.today().await;
        let view = (
            row,
            self.plan_view(plan)?,
            self.prescription_view(rx, today)?,
        );
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::PrescriptionViewed)
                .subject("journey", jid)
                .client(Some(client)),
        )
        .await?;
        Ok(view)
    }

    /// Whether medicine sessions may be booked for the client's current journey
    /// on `on`, and if not, what is missing. The scheduling and session code calls
    /// this before booking or starting a medicine session.
    pub async fn medicine_session_readiness(
        &self,
        journey: JourneyId,
        on: Date,
    ) -> Result<Readiness> {
        let this = self.clone();
        let facts = self
            .db
            .read(move |c| this.readiness_facts_in(c, journey))
            .await?;
        Ok(medicine_session_readiness(&facts, on))
    }
}

/// A parsed form and a re-authentication together: every field problem,
/// including the password's, in one answer.
fn with_reauth<T>(
    parsed: std::result::Result<T, Invalid>,
    reauth: Result<Principal>,
) -> Result<(T, Principal)> {
    match (parsed, reauth) {
        (Ok(t), Ok(p)) => Ok((t, p)),
        (Err(mut e), Err(Error::Invalid(more))) => {
            e.0.extend(more.0);
            Err(e.into())
        }
        (Err(e), Ok(_)) => Err(e.into()),
        (_, Err(e)) => Err(e),
    }
}

/// The plan's gate facts from its row.
pub(crate) fn plan_facts(p: &PlanRow) -> Result<PlanFacts> {
    let items = home_items(&p.home_items);
    Ok(PlanFacts {
        location: if p.location == "in-home" {
            SessionLocation::InHome {
                qualification_checklist_complete: HomeItem::ALL.iter().all(|i| items.contains(i)),
            }
        } else {
            SessionLocation::InOffice
        },
        route: if p.route == RouteKind::Iv.as_str() {
            Route::Iv {
                partner: p.partner_id.clone(),
            }
        } else {
            Route::Lozenge
        },
        format: if p.format == "group" {
            SessionFormat::Group
        } else {
            SessionFormat::Individual
        },
        sessions: u8::try_from(p.sessions).unwrap_or(0),
    })
}

/// Each consent kind's standing: the required ones, then (when `all`) any other
/// kind the client has signed.
pub(crate) fn consent_statuses(
    docs: &[threshold_store::careplan::ConsentDocRow],
    sigs: &[SignatureRow],
    required: &[ConsentKind],
    all: bool,
) -> Vec<ConsentStatus> {
    ConsentKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let req = required.contains(&kind);
            let current = docs.iter().find(|d| d.kind == kind.as_str()).cloned();
            let signature = sigs.iter().find(|s| s.kind == kind.as_str()).cloned();
            if !(req || (all && signature.is_some())) {
                return None;
            }
            let counts = match (&current, &signature) {
                (Some(d), Some(s)) => s.version == d.version && s.withdrawn_at.is_none(),
                _ => false,
            };
            Some(ConsentStatus {
                kind,
                current,
                signature,
                counts,
                required: req,
            })
        })
        .collect()
}
