//! Whether a client may have medicine sessions booked and started, and if not,
//! everything that is missing (issue 3, "Gate, API, demo").

use std::fmt;

use jiff::civil::Date;

use super::plan::{
    ConsentKind, PlanFacts, PrescriptionFacts, PublishedConsent, RouteKind, SessionLocation,
    SignedConsent, SupportPlan, SupportRole, required_consents,
};
use super::stage::Decision;

/// What the readiness check reads, assembled by the service from the journey's
/// records. Everything is optional because readiness reports what is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadinessFacts {
    /// The physician's latest eligibility decision for this episode.
    pub decision: Option<Decision>,
    pub plan: Option<PlanFacts>,
    pub prescription: Option<PrescriptionFacts>,
    /// Every signature the client has given in this episode (withdrawn ones too).
    pub consents: Vec<SignedConsent>,
    /// The version in force of each published consent document. Used to name the
    /// version still to be signed; when a kind is absent the signatures'
    /// `current_version` is used.
    pub published_consents: Vec<PublishedConsent>,
    pub support_plan: Option<SupportPlan>,
}

/// The answer of [`medicine_session_readiness`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// Every missing element, in a stable order: decision, plan, prescription,
    /// consents (in [`ConsentKind::ALL`] order), support plan.
    NotReady(Vec<Missing>),
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        matches!(self, Readiness::Ready)
    }
    /// What is missing; empty when ready.
    pub fn missing(&self) -> &[Missing] {
        match self {
            Readiness::Ready => &[],
            Readiness::NotReady(m) => m,
        }
    }
}

/// One thing that keeps a gate closed. Each has a stable [`Missing::code`] for the
/// API and a [`Missing::label`] a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Missing {
    /// The intake form (with the medical history the rules need) is not submitted.
    IntakeNotSubmitted,
    /// A required baseline questionnaire, by instrument id, is not completed.
    BaselineQuestionnaire(String),
    /// The clinician's and physician's assessment findings are not recorded.
    AssessmentNotRecorded,
    NoDecision,
    /// A decision is recorded, but not the one this step needs.
    DecisionIsNot {
        wanted: Decision,
        recorded: Decision,
    },
    NoPlan,
    NoSessionsPlanned,
    /// In-home sessions without a completed home qualification checklist.
    HomeQualificationIncomplete,
    /// IV without a named partner medical provider organisation.
    NoIvPartner,
    NoPrescription,
    PrescriptionUnsigned,
    PrescriptionExpired {
        expired_on: Date,
    },
    PrescriptionRouteMismatch {
        prescribed: RouteKind,
        planned: RouteKind,
    },
    /// No signature of this document; `current_version` is `None` when no version
    /// is published yet.
    ConsentUnsigned {
        kind: ConsentKind,
        current_version: Option<u32>,
    },
    /// Signed, but for an older (or otherwise different) version.
    ConsentOutdated {
        kind: ConsentKind,
        signed_version: u32,
        current_version: u32,
    },
    ConsentWithdrawn {
        kind: ConsentKind,
        version: u32,
    },
    /// No support plan; `needed` is `None` when there is no plan to say which kind.
    NoSupportPlan {
        needed: Option<SupportRole>,
    },
    /// The support plan names the wrong kind of person for the plan's location.
    SupportPlanWrongRole {
        needed: SupportRole,
        named: SupportRole,
    },
}

impl Missing {
    /// A stable machine-readable name for the API.
    pub fn code(&self) -> &'static str {
        match self {
            Missing::IntakeNotSubmitted => "intake-not-submitted",
            Missing::BaselineQuestionnaire(_) => "baseline-questionnaire",
            Missing::AssessmentNotRecorded => "assessment-not-recorded",
            Missing::NoDecision => "no-decision",
            Missing::DecisionIsNot { .. } => "decision-is-not",
            Missing::NoPlan => "no-plan",
            Missing::NoSessionsPlanned => "no-sessions-planned",
            Missing::HomeQualificationIncomplete => "home-qualification-incomplete",
            Missing::NoIvPartner => "no-iv-partner",
            Missing::NoPrescription => "no-prescription",
            Missing::PrescriptionUnsigned => "prescription-unsigned",
            Missing::PrescriptionExpired { .. } => "prescription-expired",
            Missing::PrescriptionRouteMismatch { .. } => "prescription-route-mismatch",
            Missing::ConsentUnsigned { .. } => "consent-unsigned",
            Missing::ConsentOutdated { .. } => "consent-outdated",
            Missing::ConsentWithdrawn { .. } => "consent-withdrawn",
            Missing::NoSupportPlan { .. } => "no-support-plan",
            Missing::SupportPlanWrongRole { .. } => "support-plan-wrong-role",
        }
    }

    /// A sentence for the chart, the task list and error messages. Carries no
    /// clinical detail beyond what is missing.
    pub fn label(&self) -> String {
        match self {
            Missing::IntakeNotSubmitted => {
                "The intake form with the medical history is not submitted".into()
            }
            Missing::BaselineQuestionnaire(id) => {
                format!("The baseline questionnaire {id} is not completed")
            }
            Missing::AssessmentNotRecorded => {
                "The clinician's and physician's assessment findings are not recorded".into()
            }
            Missing::NoDecision => "The physician has not recorded an eligibility decision".into(),
            Missing::DecisionIsNot { wanted, recorded } => format!(
                "The physician's decision is \u{201c}{}\u{201d}, not \u{201c}{}\u{201d}",
                recorded.label().to_lowercase(),
                wanted.label().to_lowercase()
            ),
            Missing::NoPlan => "There is no treatment plan".into(),
            Missing::NoSessionsPlanned => "The plan has no medicine sessions in its series".into(),
            Missing::HomeQualificationIncomplete => {
                "The home qualification checklist for in-home sessions is not complete".into()
            }
            Missing::NoIvPartner => {
                "The plan uses IV but names no partner medical provider".into()
            }
            Missing::NoPrescription => "There is no prescription for the plan".into(),
            Missing::PrescriptionUnsigned => "The prescription is not signed".into(),
            Missing::PrescriptionExpired { expired_on } => {
                format!("The prescription expired on {expired_on}")
            }
            Missing::PrescriptionRouteMismatch {
                prescribed,
                planned,
            } => format!(
                "The prescription is for {} but the plan uses {}",
                prescribed.label(),
                planned.label()
            ),
            Missing::ConsentUnsigned {
                kind,
                current_version: Some(v),
            } => format!("The {} (version {v}) is not signed", kind.noun()),
            Missing::ConsentUnsigned {
                kind,
                current_version: None,
            } => format!(
                "The {} is not signed (no version of it is published yet)",
                kind.noun()
            ),
            Missing::ConsentOutdated {
                kind,
                signed_version,
                current_version,
            } => format!(
                "The {} was signed for version {signed_version}; version {current_version} is now in force and needs a new signature",
                kind.noun()
            ),
            Missing::ConsentWithdrawn { kind, version } => {
                format!("The {} (version {version}) was withdrawn", kind.noun())
            }
            Missing::NoSupportPlan { needed: None } => {
                "There is no support plan (who takes the client home, or the adult session monitor at home)".into()
            }
            Missing::NoSupportPlan {
                needed: Some(SupportRole::RideHome),
            } => "No one is named to take the client home after in-office sessions".into(),
            Missing::NoSupportPlan {
                needed: Some(SupportRole::SessionMonitor),
            } => "No adult session monitor is named for in-home sessions".into(),
            Missing::SupportPlanWrongRole { needed, named } => format!(
                "The support plan names someone in the role \u{201c}{}\u{201d}, but the plan needs \u{201c}{}\u{201d}",
                named.label().to_lowercase(),
                needed.label().to_lowercase()
            ),
        }
    }
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Whether medicine sessions may be booked and started on `today` (pass the
/// session's date when booking ahead, so a prescription that expires before it is
/// caught). Answers [`Readiness::Ready`] only with an eligible decision, a complete
/// plan, a signed, unexpired prescription for the plan's route, a current,
/// unwithdrawn signature of every consent the plan needs, and a support plan that
/// fits the location; otherwise lists everything missing, not just the first.
pub fn medicine_session_readiness(facts: &ReadinessFacts, today: Date) -> Readiness {
    let mut missing = decision_gaps(facts.decision, Decision::Eligible);
    match &facts.plan {
        None => missing.push(Missing::NoPlan),
        Some(plan) => missing.extend(plan_gaps(plan)),
    }
    missing.extend(prescription_gaps(
        facts.prescription.as_ref(),
        facts.plan.as_ref(),
        today,
    ));
    // Without a plan, the consent every plan needs is still checked.
    let required = match &facts.plan {
        Some(plan) => required_consents(plan),
        None => vec![ConsentKind::KapInformedConsent],
    };
    for kind in required {
        missing.extend(consent_gap(kind, facts));
    }
    missing.extend(support_gap(
        facts.support_plan.as_ref(),
        facts.plan.as_ref().map(|p| p.location),
    ));
    if missing.is_empty() {
        Readiness::Ready
    } else {
        Readiness::NotReady(missing)
    }
}

/// The decision is `wanted`, or what is wrong with it.
pub(super) fn decision_gaps(decision: Option<Decision>, wanted: Decision) -> Vec<Missing> {
    match decision {
        None => vec![Missing::NoDecision],
        Some(d) if d == wanted => Vec::new(),
        Some(recorded) => vec![Missing::DecisionIsNot { wanted, recorded }],
    }
}

/// What a plan lacks before the client can be asked to sign its consents.
pub(super) fn plan_gaps(plan: &PlanFacts) -> Vec<Missing> {
    let mut missing = Vec::new();
    if plan.sessions == 0 {
        missing.push(Missing::NoSessionsPlanned);
    }
    if let SessionLocation::InHome {
        qualification_checklist_complete: false,
    } = plan.location
    {
        missing.push(Missing::HomeQualificationIncomplete);
    }
    if plan.route.kind() == RouteKind::Iv && plan.route.partner().is_none() {
        missing.push(Missing::NoIvPartner);
    }
    missing
}

fn prescription_gaps(
    prescription: Option<&PrescriptionFacts>,
    plan: Option<&PlanFacts>,
    today: Date,
) -> Vec<Missing> {
    let Some(p) = prescription else {
        return vec![Missing::NoPrescription];
    };
    let mut missing = Vec::new();
    if !p.signed {
        missing.push(Missing::PrescriptionUnsigned);
    }
    if p.is_expired(today) {
        missing.push(Missing::PrescriptionExpired {
            expired_on: p.expires_on,
        });
    }
    if let Some(plan) = plan
        && plan.route.kind() != p.route
    {
        missing.push(Missing::PrescriptionRouteMismatch {
            prescribed: p.route,
            planned: plan.route.kind(),
        });
    }
    missing
}

/// The version in force: the highest any source reports, so that stale data can
/// only make a signature count less, never more.
fn current_version(kind: ConsentKind, facts: &ReadinessFacts) -> Option<u32> {
    let published = facts
        .published_consents
        .iter()
        .filter(|p| p.kind == kind)
        .map(|p| p.version);
    let from_signatures = facts
        .consents
        .iter()
        .filter(|s| s.kind == kind)
        .map(|s| s.current_version);
    published.chain(from_signatures).max()
}

fn consent_gap(kind: ConsentKind, facts: &ReadinessFacts) -> Option<Missing> {
    let current = current_version(kind, facts);
    let signatures = facts.consents.iter().filter(|s| s.kind == kind);
    if signatures
        .clone()
        .any(|s| !s.withdrawn && Some(s.version_signed) == current)
    {
        return None;
    }
    // Report on the latest signature: a withdrawal of it matters more than its age.
    let latest = signatures.max_by_key(|s| (s.version_signed, !s.withdrawn));
    Some(match (latest, current) {
        (Some(s), _) if s.withdrawn => Missing::ConsentWithdrawn {
            kind,
            version: s.version_signed,
        },
        (Some(s), Some(current_version)) => Missing::ConsentOutdated {
            kind,
            signed_version: s.version_signed,
            current_version,
        },
        (_, current_version) => Missing::ConsentUnsigned {
            kind,
            current_version,
        },
    })
}

fn support_gap(
    support: Option<&SupportPlan>,
    location: Option<SessionLocation>,
) -> Option<Missing> {
    let needed = location.map(SupportRole::needed_for);
    match (support, needed) {
        (None, needed) => Some(Missing::NoSupportPlan { needed }),
        (Some(s), Some(needed)) if s.role != needed => Some(Missing::SupportPlanWrongRole {
            needed,
            named: s.role,
        }),
        (Some(_), _) => None,
    }
}
