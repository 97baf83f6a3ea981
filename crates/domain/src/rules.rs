//! The contraindication engine: pure, deterministic and versioned.
//!
//! [`evaluate`] reads an [`EligibilityInput`] (history, medications, assessment
//! blood pressures, questionnaire results) against the clinic's [`Thresholds`] and
//! returns an [`Evaluation`]: every rule that fired, with its severity and the
//! evidence it read, stamped with [`RULESET_VERSION`]. The physician's decision
//! stores that evaluation, so a later release cannot change what a decision was
//! made on.
//!
//! Which conditions count, and how severely, is this code (DESIGN.md, "Clinical facts
//! to encode", after Sanacora et al., JAMA Psychiatry 2017;74:399–405); the numbers
//! are clinic settings. Changing a rule means a new [`RULESET_VERSION`].
//!
//! **No data is not "no contraindication".** A rule that cannot be judged because
//! its data is missing or "not sure" (no age, fewer blood-pressure readings than the
//! rule needs, an unanswered history question, no medication list, a benzodiazepine
//! without its lorazepam equivalent, a questionnaire not done) does not fire and is
//! not silent either: it is listed in [`Evaluation::missing`], with the rules it
//! left unjudged. Missing data is kept apart from findings so that a finding always
//! means "this was found", and so the physician-review use case can refuse or warn
//! on an incomplete evaluation ([`Evaluation::is_complete`]). A rule that fires on
//! the data it has still fires when other data is missing.

use serde::{Deserialize, Serialize};

use crate::clinical::{BloodPressure, MedicalHistory, Medication};

mod checks;
mod rule_id;
mod thresholds;

#[cfg(test)]
mod tests;

pub use rule_id::{RuleId, UnknownRule};
pub use thresholds::Thresholds;

/// The version of the rule set in this build; stored with every evaluation.
/// Bump it whenever a rule, its severity or its meaning changes.
pub const RULESET_VERSION: &str = "2026.11-1";

/// DAST-10 totals from this value are "moderate or worse" (3–5 moderate, 6–8
/// substantial, 9–10 severe; Skinner, Addict Behav 1982;7:363–71). An instrument
/// band, not a clinic setting.
pub const DAST10_MODERATE_FROM: u8 = 3;

/// How much a finding weighs on eligibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// A hard stop: the client is not eligible, and no one can override it.
    Absolute,
    /// Eligible only if a physician overrides it with a written reason.
    Relative,
    /// Shown to the physician; blocks nothing.
    Informational,
}

impl Severity {
    pub const ALL: [Severity; 3] = [
        Severity::Absolute,
        Severity::Relative,
        Severity::Informational,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Absolute => "absolute",
            Severity::Relative => "relative",
            Severity::Informational => "informational",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Severity::Absolute => "Absolute contraindication",
            Severity::Relative => "Relative contraindication",
            Severity::Informational => "For information",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Severity::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or(())
    }
}

/// A rule that fired, with what it read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    /// The rule in words, with the thresholds in force ("Uncontrolled hypertension:
    /// 2 or more assessment readings above 160/100").
    pub title: String,
    /// What the rule read, one fact a line ("BP 172/104 at assessment",
    /// "lorazepam 4.0 mg/day equivalent in total").
    pub evidence: Vec<String>,
}

/// Data a rule needed and did not have, so that rule could not be judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingData {
    /// What is missing, named like the input: `age_years`, `history.pregnant`,
    /// `medications`, `medications[2].lorazepam_equivalent_mg_per_day`,
    /// `assessment_bp`, `audit_c_positive`, `dast10_total`.
    pub field: String,
    /// For people: "Pregnant: not known".
    pub title: String,
    /// The rules left unjudged, in finding order.
    pub rules: Vec<RuleId>,
}

/// The result of one evaluation, as a decision stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub ruleset_version: String,
    /// The clinic's settings the rules compared against.
    pub thresholds: Thresholds,
    /// Absolute first, then relative, then informational; by rule id within each.
    pub findings: Vec<Finding>,
    /// What could not be judged; empty when every rule had its data.
    pub missing: Vec<MissingData>,
}

impl Evaluation {
    pub fn has_absolute(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Absolute)
    }

    pub fn absolute(&self) -> Vec<&Finding> {
        self.with(Severity::Absolute)
    }

    /// The findings a physician must override, each with a written reason, to find
    /// the client eligible.
    pub fn relative(&self) -> Vec<&Finding> {
        self.with(Severity::Relative)
    }

    pub fn informational(&self) -> Vec<&Finding> {
        self.with(Severity::Informational)
    }

    fn with(&self, severity: Severity) -> Vec<&Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .collect()
    }

    pub fn finding(&self, rule: RuleId) -> Option<&Finding> {
        self.findings.iter().find(|f| f.rule == rule)
    }

    pub fn fired(&self, rule: RuleId) -> bool {
        self.finding(rule).is_some()
    }

    /// Whether every rule had the data it needed.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }

    /// Whether `rule` could not be judged for lack of data.
    pub fn is_unjudged(&self, rule: RuleId) -> bool {
        self.missing.iter().any(|m| m.rules.contains(&rule))
    }
}

/// Everything the rules read. Questionnaire results arrive as plain values so this
/// module does not depend on the questionnaire engine. `Default` is "nothing known":
/// every rule then reports missing data rather than passing.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EligibilityInput {
    /// Age in whole years on the day of evaluation.
    pub age_years: Option<u8>,
    pub history: MedicalHistory,
    /// `None` when nobody recorded the list; `Some(vec![])` when the client takes
    /// nothing.
    pub medications: Option<Vec<Medication>>,
    /// Every blood-pressure reading taken at assessment, in order.
    pub assessment_bp: Vec<BloodPressure>,
    /// AUDIT-C scored with its sex-specific cut-off; `None` when not done.
    pub audit_c_positive: Option<bool>,
    /// DAST-10 total (0–10); `None` when not done.
    pub dast10_total: Option<u8>,
}

/// Runs every rule of [`RULESET_VERSION`] against `input`. Pure: the same input
/// and thresholds always give the same evaluation, in the same order.
pub fn evaluate(input: &EligibilityInput, thresholds: &Thresholds) -> Evaluation {
    let mut findings = Vec::new();
    let mut missing: Vec<MissingData> = Vec::new();
    for rule in RuleId::ALL {
        match checks::check(rule, input, thresholds) {
            checks::Outcome::Clear => {}
            checks::Outcome::Fires(evidence) => findings.push(Finding {
                rule,
                severity: rule.severity(),
                title: rule.title(thresholds),
                evidence,
            }),
            checks::Outcome::CannotJudge(gaps) => {
                for gap in gaps {
                    match missing.iter_mut().find(|m| m.field == gap.field) {
                        Some(m) if m.rules.contains(&rule) => {}
                        Some(m) => m.rules.push(rule),
                        None => missing.push(MissingData {
                            field: gap.field,
                            title: gap.title,
                            rules: vec![rule],
                        }),
                    }
                }
            }
        }
    }
    findings.sort_by_key(|f| f.rule);
    Evaluation {
        ruleset_version: RULESET_VERSION.to_owned(),
        thresholds: thresholds.clone(),
        findings,
        missing,
    }
}

/// Whether a physician may override `finding` with a written reason: relative
/// findings yes, absolute never. Informational findings block nothing, so there is
/// nothing to override.
pub fn can_override(finding: &Finding) -> bool {
    finding.severity == Severity::Relative && finding.rule.severity() == Severity::Relative
}
