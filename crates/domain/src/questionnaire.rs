//! Standardised questionnaires (DESIGN.md, "Questionnaires (exact scoring)").
//!
//! Instruments are data ([`Instrument`]: items, answer options, skip logic, scoring,
//! bands, flags), interpreted by one engine:
//!
//! 1. [`Answers::parse`] turns raw form fields (`item-1=2`, …) into answers, refusing
//!    unknown items, non-numbers and values the item does not offer. Partial answers
//!    are fine at this stage, so a page can show the next questions.
//! 2. [`visible_items`] applies the skip logic to the answers so far.
//! 3. [`score`] refuses incomplete answers (every visible item must be answered) and
//!    answers to items the skip logic hides, then computes the total, band,
//!    subscales, risk level and flags.
//!
//! **Answers to hidden items are refused, not ignored.** A "yes" to "had some
//! intention of acting on them" after a "no" to "thoughts of killing yourself"
//! contradicts itself; quietly dropping a safety answer is worse than asking the
//! person to look again. The error names the hidden item's field.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

mod answers;
mod change;
mod model;
mod mood;
mod outcome;
mod scoring;
mod substance;
mod suicide;
mod trauma;

#[cfg(test)]
mod tests;

pub use answers::Answers;
pub use change::{
    PCL5_MEANINGFUL_CHANGE, PCL5_RELIABLE_CHANGE, PHQ9_REMISSION_BELOW, Pcl5Change, pcl5_change,
    phq9_remission, phq9_response,
};
pub use model::{
    AnswerOption, Band, Condition, FlagRule, Instrument, Item, Loinc, RiskRule, RiskScoring,
    Scoring, Subscale, SumScoring, Threshold,
};
pub use outcome::{Flag, Risk, Scored, ScoringContext, Severity, SubscaleScore, UnknownFlag};
pub use scoring::{score, unanswered_items, visible_items};

/// The instruments Threshold ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum InstrumentId {
    /// Patient Health Questionnaire-9: depression severity.
    #[serde(rename = "phq-9")]
    Phq9,
    /// Generalized Anxiety Disorder-7: anxiety severity.
    #[serde(rename = "gad-7")]
    Gad7,
    /// PTSD Checklist for DSM-5.
    #[serde(rename = "pcl-5")]
    Pcl5,
    /// Columbia Suicide Severity Rating Scale, screener (past month, and lifetime
    /// behaviour with a past-3-months follow-up). Used at baseline.
    #[serde(rename = "c-ssrs-screener")]
    CssrsScreener,
    /// C-SSRS screener, "since last visit" wording. Used before each medicine
    /// session and before discharge.
    #[serde(rename = "c-ssrs-since-last-visit")]
    CssrsSinceLastVisit,
    /// AUDIT-C: the three alcohol consumption items of the WHO AUDIT.
    #[serde(rename = "audit-c")]
    AuditC,
    /// Drug Abuse Screening Test, 10 items.
    #[serde(rename = "dast-10")]
    Dast10,
}

impl InstrumentId {
    pub const ALL: [InstrumentId; 7] = [
        InstrumentId::Phq9,
        InstrumentId::Gad7,
        InstrumentId::Pcl5,
        InstrumentId::CssrsScreener,
        InstrumentId::CssrsSinceLastVisit,
        InstrumentId::AuditC,
        InstrumentId::Dast10,
    ];

    /// The name used in URLs, the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            InstrumentId::Phq9 => "phq-9",
            InstrumentId::Gad7 => "gad-7",
            InstrumentId::Pcl5 => "pcl-5",
            InstrumentId::CssrsScreener => "c-ssrs-screener",
            InstrumentId::CssrsSinceLastVisit => "c-ssrs-since-last-visit",
            InstrumentId::AuditC => "audit-c",
            InstrumentId::Dast10 => "dast-10",
        }
    }

    /// The short name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            InstrumentId::Phq9 => "PHQ-9",
            InstrumentId::Gad7 => "GAD-7",
            InstrumentId::Pcl5 => "PCL-5",
            InstrumentId::CssrsScreener => "C-SSRS screener",
            InstrumentId::CssrsSinceLastVisit => "C-SSRS since last visit",
            InstrumentId::AuditC => "AUDIT-C",
            InstrumentId::Dast10 => "DAST-10",
        }
    }

    pub fn definition(self) -> &'static Instrument {
        definition(self)
    }
}

impl fmt::Display for InstrumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown instrument name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown questionnaire {0:?}; expected one of phq-9, gad-7, pcl-5, c-ssrs-screener, c-ssrs-since-last-visit, audit-c, dast-10"
)]
pub struct UnknownInstrument(pub String);

impl FromStr for InstrumentId {
    type Err = UnknownInstrument;
    fn from_str(s: &str) -> Result<Self, UnknownInstrument> {
        InstrumentId::ALL
            .into_iter()
            .find(|i| i.as_str() == s)
            .ok_or_else(|| UnknownInstrument(s.to_owned()))
    }
}

/// The definition the engine interprets.
pub fn definition(id: InstrumentId) -> &'static Instrument {
    match id {
        InstrumentId::Phq9 => &mood::PHQ9,
        InstrumentId::Gad7 => &mood::GAD7,
        InstrumentId::Pcl5 => &trauma::PCL5,
        InstrumentId::CssrsScreener => &suicide::CSSRS_SCREENER,
        InstrumentId::CssrsSinceLastVisit => &suicide::CSSRS_SINCE_LAST_VISIT,
        InstrumentId::AuditC => &substance::AUDIT_C,
        InstrumentId::Dast10 => &substance::DAST10,
    }
}

/// Questionnaires due at intake (DESIGN.md: "the baseline set at intake").
pub const BASELINE_SET: &[InstrumentId] = &[
    InstrumentId::Phq9,
    InstrumentId::Gad7,
    InstrumentId::Pcl5,
    InstrumentId::CssrsScreener,
    InstrumentId::AuditC,
    InstrumentId::Dast10,
];

/// Questionnaires due before each medicine session, by default. The C-SSRS here is
/// the "since last visit" version: high risk blocks the start until the physician
/// reviews (DESIGN.md, "Day of a session").
pub const PRE_SESSION_SET: &[InstrumentId] = &[
    InstrumentId::Phq9,
    InstrumentId::Gad7,
    InstrumentId::CssrsSinceLastVisit,
];
