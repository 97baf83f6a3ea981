//! Where a journey stands, and the physician's eligibility decision that picks the
//! branch after review.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One state of a client's treatment episode (DESIGN.md "The journey").
///
/// The order of [`Stage::ALL`] follows the path a client normally takes, so a chart
/// can draw the stages left to right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The journey opened when an inquiry was converted; the client fills in the
    /// intake form (medical and psychiatric history, medications, support system).
    Intake,
    /// Baseline questionnaires and the clinician's and physician's assessment.
    Assessment,
    /// Waiting for the physician's eligibility decision.
    PhysicianReview,
    /// The physician decided KAP may go ahead; a plan can be built.
    Eligible,
    /// Not now: the physician set a revisit date and offered supports. The client
    /// may come back to assessment.
    Deferred,
    /// Another path fits better. Ends the episode; a later return is a new journey.
    ReferredOut,
    /// The care team builds the plan (location, route, format, series length) and
    /// the physician signs the prescription.
    Plan,
    /// The client signs the consents the plan needs.
    Consents,
    /// Preparation sessions; medicine sessions may be booked only while
    /// [`super::medicine_session_readiness`] answers Ready.
    Preparation,
    /// The induction series of medicine sessions, each followed by integration.
    MedicineSessions,
    /// The integration phase after the series.
    Integration,
    /// Maintenance, with periodic checks (urinary symptoms, liver function,
    /// cognition).
    Maintenance,
    /// Care finished as planned. Ends the episode.
    Completed,
    /// The episode ended early: the client withdrew from care, or the care team
    /// stopped treatment. The transition's reason says which and why. Ends the
    /// episode. (Not to be confused with withdrawing a consent, which blocks
    /// sessions but leaves the journey where it is.)
    Withdrawn,
}

impl Stage {
    pub const ALL: [Stage; 14] = [
        Stage::Intake,
        Stage::Assessment,
        Stage::PhysicianReview,
        Stage::Eligible,
        Stage::Deferred,
        Stage::ReferredOut,
        Stage::Plan,
        Stage::Consents,
        Stage::Preparation,
        Stage::MedicineSessions,
        Stage::Integration,
        Stage::Maintenance,
        Stage::Completed,
        Stage::Withdrawn,
    ];

    /// The name used in the database, in URLs and in the API. Never changes once
    /// released.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Intake => "intake",
            Stage::Assessment => "assessment",
            Stage::PhysicianReview => "physician-review",
            Stage::Eligible => "eligible",
            Stage::Deferred => "deferred",
            Stage::ReferredOut => "referred-out",
            Stage::Plan => "plan",
            Stage::Consents => "consents",
            Stage::Preparation => "preparation",
            Stage::MedicineSessions => "medicine-sessions",
            Stage::Integration => "integration",
            Stage::Maintenance => "maintenance",
            Stage::Completed => "completed",
            Stage::Withdrawn => "withdrawn",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Intake => "Intake",
            Stage::Assessment => "Assessment",
            Stage::PhysicianReview => "Physician review",
            Stage::Eligible => "Eligible",
            Stage::Deferred => "Deferred",
            Stage::ReferredOut => "Referred out",
            Stage::Plan => "Treatment plan",
            Stage::Consents => "Consents",
            Stage::Preparation => "Preparation",
            Stage::MedicineSessions => "Medicine sessions",
            Stage::Integration => "Integration",
            Stage::Maintenance => "Maintenance",
            Stage::Completed => "Completed",
            Stage::Withdrawn => "Withdrawn from care",
        }
    }

    /// A stage that ends the episode: nothing leaves it.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Stage::ReferredOut | Stage::Completed | Stage::Withdrawn
        )
    }

    /// Where the journey may go from here, whatever the gates say.
    pub fn next_stages(self) -> Vec<Stage> {
        super::Transition::ALL
            .into_iter()
            .filter(|t| t.allowed_from(self))
            .map(super::Transition::to)
            .collect()
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown stage name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown journey stage {0:?}")]
pub struct UnknownStage(pub String);

impl FromStr for Stage {
    type Err = UnknownStage;
    fn from_str(s: &str) -> Result<Self, UnknownStage> {
        Stage::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| UnknownStage(s.to_owned()))
    }
}

/// The outcome of the physician's eligibility review (issue 3, "Physician review").
/// The review record itself (findings, rule-set version, reasons) belongs to the
/// rules and review code; the journey only needs the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Eligible,
    Deferred,
    ReferredOut,
}

impl Decision {
    pub const ALL: [Decision; 3] = [
        Decision::Eligible,
        Decision::Deferred,
        Decision::ReferredOut,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Eligible => "eligible",
            Decision::Deferred => "deferred",
            Decision::ReferredOut => "referred-out",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Decision::Eligible => "Eligible",
            Decision::Deferred => "Deferred",
            Decision::ReferredOut => "Referred out",
        }
    }

    /// The stage this decision moves the journey to.
    pub fn stage(self) -> Stage {
        match self {
            Decision::Eligible => Stage::Eligible,
            Decision::Deferred => Stage::Deferred,
            Decision::ReferredOut => Stage::ReferredOut,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Decision {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Decision::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_round_trips_through_its_name() {
        for s in Stage::ALL {
            assert_eq!(s.as_str().parse::<Stage>(), Ok(s));
        }
        assert_eq!(
            "physician_review".parse::<Stage>(),
            Err(UnknownStage("physician_review".into()))
        );
    }

    #[test]
    fn stage_names_and_labels_are_unique() {
        let mut names: Vec<_> = Stage::ALL.iter().map(|s| s.as_str()).collect();
        let mut labels: Vec<_> = Stage::ALL.iter().map(|s| s.label()).collect();
        names.sort_unstable();
        names.dedup();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(names.len(), Stage::ALL.len());
        assert_eq!(labels.len(), Stage::ALL.len());
    }

    #[test]
    fn every_decision_round_trips_and_names_its_stage() {
        for d in Decision::ALL {
            assert_eq!(d.as_str().parse::<Decision>(), Ok(d));
            assert_eq!(d.stage().as_str(), d.as_str());
        }
    }

    #[test]
    fn only_referred_out_completed_and_withdrawn_end_the_episode() {
        let terminal: Vec<_> = Stage::ALL.into_iter().filter(|s| s.is_terminal()).collect();
        assert_eq!(
            terminal,
            [Stage::ReferredOut, Stage::Completed, Stage::Withdrawn]
        );
    }
}
