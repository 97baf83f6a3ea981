//! The journey's moves and their gates. A move is allowed only when its gate holds
//! (DESIGN.md "The journey"); the domain refuses the rest with what is missing, so
//! no page or API route can get around a gate.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::readiness::{
    Missing, Readiness, ReadinessFacts, decision_gaps, medicine_session_readiness, plan_gaps,
};
use super::stage::{Decision, Stage};
use crate::ids::UserId;
use crate::text::FreeText;
use crate::validation::Invalid;

/// A named move of the journey. Each leads to one stage, from one or more stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transition {
    /// Intake → assessment. Gate: the intake form is submitted.
    SubmitIntake,
    /// Assessment → physician review. Gate: intake submitted (medical history),
    /// every required baseline questionnaire completed, assessment findings recorded.
    RequestReview,
    /// Physician review → eligible. Gate: the review gate still holds and the
    /// physician's decision is "eligible".
    DecideEligible,
    /// Physician review → deferred. Gate: as above, decision "deferred".
    DecideDeferred,
    /// Physician review → referred out. Gate: as above, decision "referred out".
    DecideReferredOut,
    /// Deferred → assessment: the client comes back to be assessed again. No gate;
    /// the new assessment and review have their own.
    Revisit,
    /// Eligible → plan. Gate: an eligible decision.
    StartPlan,
    /// Plan → consents. Gate: an eligible decision and a complete plan (at least one
    /// session; in-home only with the qualification checklist; IV only with a
    /// partner).
    PlanReady,
    /// Consents → preparation. Gate: [`medicine_session_readiness`] is Ready.
    ConsentsComplete,
    /// Preparation → medicine sessions. Gate: readiness is Ready.
    BeginSessions,
    /// Medicine sessions → integration. The session issues add their gate.
    FinishSeries,
    /// Integration → maintenance.
    BeginMaintenance,
    /// Integration or maintenance → completed.
    Complete,
    /// Any stage that is not terminal → withdrawn. Needs a written reason.
    Withdraw,
}

impl Transition {
    pub const ALL: [Transition; 14] = [
        Transition::SubmitIntake,
        Transition::RequestReview,
        Transition::DecideEligible,
        Transition::DecideDeferred,
        Transition::DecideReferredOut,
        Transition::Revisit,
        Transition::StartPlan,
        Transition::PlanReady,
        Transition::ConsentsComplete,
        Transition::BeginSessions,
        Transition::FinishSeries,
        Transition::BeginMaintenance,
        Transition::Complete,
        Transition::Withdraw,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Transition::SubmitIntake => "submit-intake",
            Transition::RequestReview => "request-review",
            Transition::DecideEligible => "decide-eligible",
            Transition::DecideDeferred => "decide-deferred",
            Transition::DecideReferredOut => "decide-referred-out",
            Transition::Revisit => "revisit",
            Transition::StartPlan => "start-plan",
            Transition::PlanReady => "plan-ready",
            Transition::ConsentsComplete => "consents-complete",
            Transition::BeginSessions => "begin-sessions",
            Transition::FinishSeries => "finish-series",
            Transition::BeginMaintenance => "begin-maintenance",
            Transition::Complete => "complete",
            Transition::Withdraw => "withdraw",
        }
    }

    /// What happened, as the timeline shows it; also the reason recorded when the
    /// person gives none.
    pub fn label(self) -> &'static str {
        match self {
            Transition::SubmitIntake => "Intake submitted",
            Transition::RequestReview => "Assessment complete, sent for physician review",
            Transition::DecideEligible => "Physician decided: eligible",
            Transition::DecideDeferred => "Physician decided: deferred",
            Transition::DecideReferredOut => "Physician decided: referred out",
            Transition::Revisit => "Returned to assessment after deferral",
            Transition::StartPlan => "Treatment planning started",
            Transition::PlanReady => "Plan ready, consents requested",
            Transition::ConsentsComplete => "Consents complete, preparation begins",
            Transition::BeginSessions => "Medicine session series begins",
            Transition::FinishSeries => "Medicine session series finished",
            Transition::BeginMaintenance => "Maintenance begins",
            Transition::Complete => "Care completed",
            Transition::Withdraw => "Withdrawn from care",
        }
    }

    /// The stage this move leads to.
    pub fn to(self) -> Stage {
        match self {
            Transition::SubmitIntake | Transition::Revisit => Stage::Assessment,
            Transition::RequestReview => Stage::PhysicianReview,
            Transition::DecideEligible => Stage::Eligible,
            Transition::DecideDeferred => Stage::Deferred,
            Transition::DecideReferredOut => Stage::ReferredOut,
            Transition::StartPlan => Stage::Plan,
            Transition::PlanReady => Stage::Consents,
            Transition::ConsentsComplete => Stage::Preparation,
            Transition::BeginSessions => Stage::MedicineSessions,
            Transition::FinishSeries => Stage::Integration,
            Transition::BeginMaintenance => Stage::Maintenance,
            Transition::Complete => Stage::Completed,
            Transition::Withdraw => Stage::Withdrawn,
        }
    }

    /// Whether this move starts from `from` (its gate aside).
    pub fn allowed_from(self, from: Stage) -> bool {
        match self {
            Transition::SubmitIntake => from == Stage::Intake,
            Transition::RequestReview => from == Stage::Assessment,
            Transition::DecideEligible
            | Transition::DecideDeferred
            | Transition::DecideReferredOut => from == Stage::PhysicianReview,
            Transition::Revisit => from == Stage::Deferred,
            Transition::StartPlan => from == Stage::Eligible,
            Transition::PlanReady => from == Stage::Plan,
            Transition::ConsentsComplete => from == Stage::Consents,
            Transition::BeginSessions => from == Stage::Preparation,
            Transition::FinishSeries => from == Stage::MedicineSessions,
            Transition::BeginMaintenance => from == Stage::Integration,
            Transition::Complete => matches!(from, Stage::Integration | Stage::Maintenance),
            Transition::Withdraw => !from.is_terminal(),
        }
    }

    /// The move from `from` to `to`, if the journey has one (at most one exists).
    pub fn between(from: Stage, to: Stage) -> Option<Transition> {
        Transition::ALL
            .into_iter()
            .find(|t| t.to() == to && t.allowed_from(from))
    }

    /// Whether the timeline entry must carry a reason the person wrote.
    pub fn needs_written_reason(self) -> bool {
        self == Transition::Withdraw
    }

    /// What keeps this move's gate closed; empty when it holds.
    pub fn gate(self, facts: &GateFacts) -> Vec<Missing> {
        let review = || review_gaps(facts);
        let decided = |d: Decision| {
            let mut m = review();
            m.extend(decision_gaps(facts.readiness.decision, d));
            m
        };
        match self {
            Transition::SubmitIntake => {
                if facts.intake_submitted {
                    Vec::new()
                } else {
                    vec![Missing::IntakeNotSubmitted]
                }
            }
            Transition::RequestReview => review(),
            Transition::DecideEligible => decided(Decision::Eligible),
            Transition::DecideDeferred => decided(Decision::Deferred),
            Transition::DecideReferredOut => decided(Decision::ReferredOut),
            Transition::StartPlan => decision_gaps(facts.readiness.decision, Decision::Eligible),
            Transition::PlanReady => {
                let mut m = decision_gaps(facts.readiness.decision, Decision::Eligible);
                match &facts.readiness.plan {
                    None => m.push(Missing::NoPlan),
                    Some(plan) => m.extend(plan_gaps(plan)),
                }
                m
            }
            Transition::ConsentsComplete | Transition::BeginSessions => {
                match medicine_session_readiness(&facts.readiness, facts.today) {
                    Readiness::Ready => Vec::new(),
                    Readiness::NotReady(m) => m,
                }
            }
            Transition::Revisit
            | Transition::FinishSeries
            | Transition::BeginMaintenance
            | Transition::Complete
            | Transition::Withdraw => Vec::new(),
        }
    }
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// "No assessment decision without the required questionnaires and medical history"
/// (DESIGN.md), plus the assessment findings themselves.
fn review_gaps(facts: &GateFacts) -> Vec<Missing> {
    let mut missing = Vec::new();
    if !facts.intake_submitted {
        missing.push(Missing::IntakeNotSubmitted);
    }
    let mut seen: Vec<&str> = Vec::new();
    for id in &facts.required_baseline {
        if seen.contains(&id.as_str()) {
            continue;
        }
        seen.push(id);
        if !facts.baseline_completed.iter().any(|c| c == id) {
            missing.push(Missing::BaselineQuestionnaire(id.clone()));
        }
    }
    if !facts.assessment_recorded {
        missing.push(Missing::AssessmentNotRecorded);
    }
    missing
}

/// Everything the gates read, as plain data assembled by the service. Questionnaires
/// appear as instrument ids (as the questionnaire module names them), so the journey
/// does not depend on the questionnaire engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateFacts {
    /// The day the gates are evaluated for (prescription expiry).
    pub today: Date,
    /// The intake form, with the medical and psychiatric history, is submitted.
    pub intake_submitted: bool,
    /// Instrument ids of baseline questionnaires the client has completed.
    pub baseline_completed: Vec<String>,
    /// Instrument ids the clinic's schedule requires at baseline.
    pub required_baseline: Vec<String>,
    /// Both the clinician's and the physician's assessment findings are recorded.
    pub assessment_recorded: bool,
    /// Decision, plan, prescription, consents and support plan.
    pub readiness: ReadinessFacts,
}

impl GateFacts {
    /// Nothing done yet, evaluated on `today`.
    pub fn new(today: Date) -> Self {
        GateFacts {
            today,
            intake_submitted: false,
            baseline_completed: Vec::new(),
            required_baseline: Vec::new(),
            assessment_recorded: false,
            readiness: ReadinessFacts::default(),
        }
    }
}

/// A move whose gate held when [`transition`] checked it. Only `transition` makes
/// one, so a timeline entry made from it is for a checked move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    transition: Transition,
    from: Stage,
}

impl Move {
    pub fn transition(&self) -> Transition {
        self.transition
    }
    pub fn from(&self) -> Stage {
        self.from
    }
    pub fn to(&self) -> Stage {
        self.transition.to()
    }

    /// The timeline entry for this move. `reason` may be blank (the move's label is
    /// recorded) except for a withdrawal, which needs the person's reason.
    pub fn record(
        &self,
        by: UserId,
        at: Timestamp,
        reason: &str,
    ) -> Result<TransitionRecord, Invalid> {
        let written =
            FreeText::parse_optional("reason", "the reason", reason, TransitionRecord::REASON_MAX)?;
        let reason = match written {
            Some(r) => r.into_string(),
            None if self.transition.needs_written_reason() => {
                return Err(Invalid::field(
                    "reason",
                    "Enter why the client is leaving care; the timeline keeps it.",
                ));
            }
            None => self.transition.label().to_owned(),
        };
        Ok(TransitionRecord {
            from: Some(self.from),
            to: self.to(),
            by,
            at,
            reason,
        })
    }
}

/// Moves the journey from `from` to `to` if the journey has that move and its gate
/// holds on `facts`; otherwise says why not, naming everything missing.
pub fn transition(from: Stage, to: Stage, facts: &GateFacts) -> Result<Move, Refusal> {
    let Some(t) = Transition::between(from, to) else {
        return Err(Refusal::NotAllowed { from, to });
    };
    let missing = t.gate(facts);
    if missing.is_empty() {
        Ok(Move {
            transition: t,
            from,
        })
    } else {
        Err(Refusal::GateClosed {
            transition: t,
            from,
            missing,
        })
    }
}

/// Why the domain refused a move.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The journey has no move from `from` to `to`.
    #[error("{}", not_allowed_message(*.from, *.to))]
    NotAllowed { from: Stage, to: Stage },
    /// The move exists but its gate does not hold.
    #[error("{}", gate_closed_message(*.transition, *.from, .missing))]
    GateClosed {
        transition: Transition,
        from: Stage,
        missing: Vec<Missing>,
    },
}

impl Refusal {
    /// What is missing; empty for a move that does not exist.
    pub fn missing(&self) -> &[Missing] {
        match self {
            Refusal::NotAllowed { .. } => &[],
            Refusal::GateClosed { missing, .. } => missing,
        }
    }
}

fn not_allowed_message(from: Stage, to: Stage) -> String {
    let f = from.label().to_lowercase();
    let t = to.label().to_lowercase();
    if from.is_terminal() {
        return format!(
            "The journey is {f}, which ends the episode; it cannot move to {t}. A return to care opens a new journey."
        );
    }
    let next: Vec<String> = from
        .next_stages()
        .into_iter()
        .map(|s| s.label().to_lowercase())
        .collect();
    format!(
        "A journey cannot move from {f} to {t}; from {f} it can move to {}.",
        next.join(", ")
    )
}

fn gate_closed_message(transition: Transition, from: Stage, missing: &[Missing]) -> String {
    // Labels are sentences; inside this one they continue after the colon.
    let labels: Vec<String> = missing
        .iter()
        .map(|m| {
            let label = m.label();
            let mut c = label.chars();
            match c.next() {
                Some(first) => first.to_lowercase().chain(c).collect(),
                None => label,
            }
        })
        .collect();
    format!(
        "The journey cannot move from {} to {} yet: {}.",
        from.label().to_lowercase(),
        transition.to().label().to_lowercase(),
        labels.join("; ")
    )
}

/// One entry of the journey's timeline: who moved it, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRecord {
    /// `None` for the entry that opened the journey at intake.
    pub from: Option<Stage>,
    pub to: Stage,
    pub by: UserId,
    pub at: Timestamp,
    pub reason: String,
}

impl TransitionRecord {
    pub const REASON_MAX: usize = 4000;

    /// The first entry: the journey opens at intake when an inquiry is converted,
    /// with the consultation (date, who held it, outcome) as its reason.
    pub fn opening(by: UserId, at: Timestamp, consultation: &str) -> Result<Self, Invalid> {
        let reason = FreeText::parse(
            "consultation",
            "the consultation's date, who held it and its outcome",
            consultation,
            Self::REASON_MAX,
        )?;
        Ok(TransitionRecord {
            from: None,
            to: Stage::Intake,
            by,
            at,
            reason: reason.into_string(),
        })
    }

    /// The move this entry records, if it records one (not the opening entry).
    pub fn transition(&self) -> Option<Transition> {
        self.from
            .and_then(|from| Transition::between(from, self.to))
    }
}
