//! The rules of the current rule set, each with a stable id. A decision stores the
//! ids that fired, so an id is never reused for a different rule; a rule that changes
//! meaning gets a new id and a new [`super::RULESET_VERSION`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Severity, Thresholds};

/// One contraindication rule of DESIGN.md ("Clinical facts to encode"), after
/// Sanacora et al., JAMA Psychiatry 2017;74:399–405, and published trials' exclusion
/// lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleId {
    // Absolute: a hard stop that no one can override.
    /// Younger than the clinic's minimum age (never below 18).
    AgeUnderMinimum,
    /// Active psychosis, or any history of a psychotic disorder.
    Psychosis,
    /// Current mania, or bipolar disorder with psychotic features.
    ManiaOrBipolarPsychoticFeatures,
    PregnancyOrBreastfeeding,
    KetamineAllergy,
    /// At least the configured number of assessment readings above the limit.
    UncontrolledHypertension,
    UnstableCardiovascularOrCerebrovascular,
    RaisedIntracranialPressure,
    /// Any substance, moderate to severe, active.
    SubstanceUseDisorder,
    KetaminePcpOrOpioidMisuse,
    // Relative: a physician may override with a written reason.
    BipolarWithoutMoodStabiliser,
    BenzodiazepineDose,
    Maoi,
    HighDoseOpioid,
    LiverDisease,
    FamilySchizophreniaSpectrum,
    Glaucoma,
    Hyperthyroidism,
    PreviousKetamineReaction,
    Bladder,
    AuditCPositive,
    Dast10Moderate,
    // Informational: shown to the physician, blocks nothing.
    Lamotrigine,
    Stimulant,
}

impl RuleId {
    /// Every rule, ordered as findings are: absolute, relative, informational, then
    /// by id.
    pub const ALL: [RuleId; 24] = [
        RuleId::AgeUnderMinimum,
        RuleId::KetamineAllergy,
        RuleId::KetaminePcpOrOpioidMisuse,
        RuleId::ManiaOrBipolarPsychoticFeatures,
        RuleId::PregnancyOrBreastfeeding,
        RuleId::Psychosis,
        RuleId::RaisedIntracranialPressure,
        RuleId::SubstanceUseDisorder,
        RuleId::UncontrolledHypertension,
        RuleId::UnstableCardiovascularOrCerebrovascular,
        RuleId::AuditCPositive,
        RuleId::BenzodiazepineDose,
        RuleId::BipolarWithoutMoodStabiliser,
        RuleId::Bladder,
        RuleId::Dast10Moderate,
        RuleId::FamilySchizophreniaSpectrum,
        RuleId::Glaucoma,
        RuleId::HighDoseOpioid,
        RuleId::Hyperthyroidism,
        RuleId::LiverDisease,
        RuleId::Maoi,
        RuleId::PreviousKetamineReaction,
        RuleId::Lamotrigine,
        RuleId::Stimulant,
    ];

    /// The stable id stored with a decision: `<severity>.<name>`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::AgeUnderMinimum => "absolute.age-under-18",
            RuleId::Psychosis => "absolute.psychosis",
            RuleId::ManiaOrBipolarPsychoticFeatures => "absolute.mania-or-bipolar-psychotic",
            RuleId::PregnancyOrBreastfeeding => "absolute.pregnancy-or-breastfeeding",
            RuleId::KetamineAllergy => "absolute.ketamine-allergy",
            RuleId::UncontrolledHypertension => "absolute.uncontrolled-hypertension",
            RuleId::UnstableCardiovascularOrCerebrovascular => {
                "absolute.unstable-cardio-cerebrovascular"
            }
            RuleId::RaisedIntracranialPressure => "absolute.raised-intracranial-pressure",
            RuleId::SubstanceUseDisorder => "absolute.substance-use-disorder",
            RuleId::KetaminePcpOrOpioidMisuse => "absolute.ketamine-pcp-opioid-misuse",
            RuleId::BipolarWithoutMoodStabiliser => "relative.bipolar-without-mood-stabiliser",
            RuleId::BenzodiazepineDose => "relative.benzodiazepine-dose",
            RuleId::Maoi => "relative.maoi",
            RuleId::HighDoseOpioid => "relative.high-dose-opioid",
            RuleId::LiverDisease => "relative.liver-disease",
            RuleId::FamilySchizophreniaSpectrum => "relative.family-schizophrenia-spectrum",
            RuleId::Glaucoma => "relative.glaucoma",
            RuleId::Hyperthyroidism => "relative.hyperthyroidism",
            RuleId::PreviousKetamineReaction => "relative.previous-ketamine-reaction",
            RuleId::Bladder => "relative.bladder",
            RuleId::AuditCPositive => "relative.audit-c-positive",
            RuleId::Dast10Moderate => "relative.dast-10-moderate",
            RuleId::Lamotrigine => "info.lamotrigine",
            RuleId::Stimulant => "info.stimulant",
        }
    }

    /// Fixed by the rule set, not by a setting.
    pub fn severity(self) -> Severity {
        use RuleId::*;
        match self {
            AgeUnderMinimum
            | Psychosis
            | ManiaOrBipolarPsychoticFeatures
            | PregnancyOrBreastfeeding
            | KetamineAllergy
            | UncontrolledHypertension
            | UnstableCardiovascularOrCerebrovascular
            | RaisedIntracranialPressure
            | SubstanceUseDisorder
            | KetaminePcpOrOpioidMisuse => Severity::Absolute,
            BipolarWithoutMoodStabiliser
            | BenzodiazepineDose
            | Maoi
            | HighDoseOpioid
            | LiverDisease
            | FamilySchizophreniaSpectrum
            | Glaucoma
            | Hyperthyroidism
            | PreviousKetamineReaction
            | Bladder
            | AuditCPositive
            | Dast10Moderate => Severity::Relative,
            Lamotrigine | Stimulant => Severity::Informational,
        }
    }

    /// The rule in words, with the clinic's numbers where it has any.
    pub fn title(self, t: &Thresholds) -> String {
        match self {
            RuleId::AgeUnderMinimum => format!("Under the minimum age of {}", t.minimum_age_years),
            RuleId::Psychosis => "Active psychosis or a history of a psychotic disorder".into(),
            RuleId::ManiaOrBipolarPsychoticFeatures => {
                "Current mania, or bipolar disorder with psychotic features".into()
            }
            RuleId::PregnancyOrBreastfeeding => "Pregnant or breastfeeding".into(),
            RuleId::KetamineAllergy => "Known allergy to ketamine".into(),
            RuleId::UncontrolledHypertension => format!(
                "Uncontrolled hypertension: {} or more assessment readings above {}/{}",
                t.hypertension_readings_required,
                t.hypertension_systolic_above,
                t.hypertension_diastolic_above
            ),
            RuleId::UnstableCardiovascularOrCerebrovascular => {
                "Serious unstable cardiovascular or cerebrovascular disease".into()
            }
            RuleId::RaisedIntracranialPressure => "Raised intracranial pressure".into(),
            RuleId::SubstanceUseDisorder => {
                "Active moderate-to-severe substance use disorder".into()
            }
            RuleId::KetaminePcpOrOpioidMisuse => {
                "Ketamine, PCP or opioid misuse in the past year".into()
            }
            RuleId::BipolarWithoutMoodStabiliser => {
                "Bipolar disorder without a mood stabiliser".into()
            }
            RuleId::BenzodiazepineDose => format!(
                "Benzodiazepines above {} mg lorazepam-equivalent a day",
                mg(t.benzodiazepine_lorazepam_mg_per_day_max)
            ),
            RuleId::Maoi => "Taking an MAOI (risk of a hypertensive reaction)".into(),
            RuleId::HighDoseOpioid => format!(
                "High-dose opioids: {} mg morphine-equivalent a day or more",
                mg(t.high_dose_opioid_mme_per_day)
            ),
            RuleId::LiverDisease => "Significant liver disease".into(),
            RuleId::FamilySchizophreniaSpectrum => {
                "First-degree relative with a schizophrenia-spectrum disorder".into()
            }
            RuleId::Glaucoma => "Uncontrolled glaucoma or raised intraocular pressure".into(),
            RuleId::Hyperthyroidism => "Uncontrolled hyperthyroidism".into(),
            RuleId::PreviousKetamineReaction => "Previous bad reaction to ketamine".into(),
            RuleId::Bladder => "Bladder symptoms or past ketamine cystitis".into(),
            RuleId::AuditCPositive => "Positive AUDIT-C (alcohol use)".into(),
            RuleId::Dast10Moderate => format!(
                "DAST-10 of moderate or worse ({} or more)",
                super::DAST10_MODERATE_FROM
            ),
            RuleId::Lamotrigine => "Lamotrigine may blunt ketamine's effect".into(),
            RuleId::Stimulant => "Stimulants raise blood pressure".into(),
        }
    }
}

/// A dose without trailing zeros beyond one decimal: 3 → "3.0", 3.05 → "3.05".
pub(super) fn mg(v: f64) -> String {
    let s = format!("{v:.2}");
    s.strip_suffix('0').map(str::to_owned).unwrap_or(s)
}

/// Ordered as findings are shown: by severity, then by id.
impl Ord for RuleId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.severity(), self.as_str()).cmp(&(other.severity(), other.as_str()))
    }
}

impl PartialOrd for RuleId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An id that is not a rule of this rule set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rule id {0:?}")]
pub struct UnknownRule(pub String);

impl FromStr for RuleId {
    type Err = UnknownRule;
    fn from_str(s: &str) -> Result<Self, UnknownRule> {
        RuleId::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRule(s.to_owned()))
    }
}

impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
