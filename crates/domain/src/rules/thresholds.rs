//! The numbers the rules compare against. Which conditions are contraindications is
//! the rule set (code, versioned); how high is "too high" is a clinic setting with
//! the defaults of DESIGN.md, and an administrator may change it.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use crate::validation::Invalid;

/// The clinic's thresholds in force at an evaluation; stored with each decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// Youngest age treated. The rule set never goes below 18 (DESIGN.md).
    pub minimum_age_years: u8,
    /// An assessment reading counts as high when systolic is strictly above this…
    pub hypertension_systolic_above: u16,
    /// …or diastolic strictly above this (160/100: Sanacora et al. 2017 advise
    /// attention from 140/90; DESIGN.md's default stop is above 160/100).
    pub hypertension_diastolic_above: u16,
    /// How many high assessment readings make hypertension "uncontrolled" (2: one
    /// high reading may be white-coat anxiety).
    pub hypertension_readings_required: u8,
    /// Total benzodiazepine dose, as lorazepam mg a day, above which the relative
    /// rule fires (3 mg, DESIGN.md; benzodiazepines attenuate ketamine's
    /// antidepressant effect: Frye et al., J Clin Psychopharmacol 2015;35:334–6;
    /// Albott et al., J Clin Psychiatry 2017;78:e308–9).
    pub benzodiazepine_lorazepam_mg_per_day_max: f64,
    /// Total opioid dose, in morphine milligram equivalents a day, from which opioids
    /// count as high-dose (90 MME/day: CDC Guideline for Prescribing Opioids for
    /// Chronic Pain, Dowell et al., MMWR Recomm Rep 2016;65(RR-1), recommendation 5,
    /// "avoid increasing dosage to ≥90 MME/day").
    pub high_dose_opioid_mme_per_day: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            minimum_age_years: 18,
            hypertension_systolic_above: 160,
            hypertension_diastolic_above: 100,
            hypertension_readings_required: 2,
            benzodiazepine_lorazepam_mg_per_day_max: 3.0,
            high_dose_opioid_mme_per_day: 90.0,
        }
    }
}

impl Thresholds {
    pub const MINIMUM_AGE: RangeInclusive<u8> = 18..=100;
    pub const SYSTOLIC: RangeInclusive<u16> = 120..=220;
    pub const DIASTOLIC: RangeInclusive<u16> = 70..=130;
    pub const READINGS: RangeInclusive<u8> = 1..=10;
    pub const LORAZEPAM_MG: RangeInclusive<f64> = 0.0..=20.0;
    pub const OPIOID_MME: RangeInclusive<f64> = 1.0..=1000.0;

    /// Checks a settings change; errors name the field as spelled above.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut errors = Invalid::new();
        if !Self::MINIMUM_AGE.contains(&self.minimum_age_years) {
            errors.push(
                "minimum_age_years",
                format!(
                    "The minimum age must be between {} and {} years; the rule set never treats anyone under 18.",
                    Self::MINIMUM_AGE.start(),
                    Self::MINIMUM_AGE.end()
                ),
            );
        }
        if !Self::SYSTOLIC.contains(&self.hypertension_systolic_above) {
            errors.push(
                "hypertension_systolic_above",
                range_message("The systolic limit", &Self::SYSTOLIC, "mmHg"),
            );
        }
        if !Self::DIASTOLIC.contains(&self.hypertension_diastolic_above) {
            errors.push(
                "hypertension_diastolic_above",
                range_message("The diastolic limit", &Self::DIASTOLIC, "mmHg"),
            );
        } else if self.hypertension_diastolic_above >= self.hypertension_systolic_above {
            errors.push(
                "hypertension_diastolic_above",
                "The diastolic limit must be below the systolic limit.",
            );
        }
        if !Self::READINGS.contains(&self.hypertension_readings_required) {
            errors.push(
                "hypertension_readings_required",
                range_message("The number of high readings", &Self::READINGS, "readings"),
            );
        }
        if !Self::LORAZEPAM_MG.contains(&self.benzodiazepine_lorazepam_mg_per_day_max) {
            errors.push(
                "benzodiazepine_lorazepam_mg_per_day_max",
                format!(
                    "The benzodiazepine limit must be between {} and {} mg lorazepam-equivalent a day.",
                    Self::LORAZEPAM_MG.start(),
                    Self::LORAZEPAM_MG.end()
                ),
            );
        }
        if !Self::OPIOID_MME.contains(&self.high_dose_opioid_mme_per_day) {
            errors.push(
                "high_dose_opioid_mme_per_day",
                format!(
                    "The high-dose opioid threshold must be between {} and {} mg morphine-equivalent a day.",
                    Self::OPIOID_MME.start(),
                    Self::OPIOID_MME.end()
                ),
            );
        }
        errors.into_result()
    }
}

fn range_message<T: std::fmt::Display>(what: &str, r: &RangeInclusive<T>, unit: &str) -> String {
    format!(
        "{what} must be between {} and {} {unit}.",
        r.start(),
        r.end()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_design_md_s_and_valid() {
        let t = Thresholds::default();
        assert_eq!(t.minimum_age_years, 18);
        assert_eq!(
            (
                t.hypertension_systolic_above,
                t.hypertension_diastolic_above
            ),
            (160, 100)
        );
        assert_eq!(t.hypertension_readings_required, 2);
        assert_eq!(t.benzodiazepine_lorazepam_mg_per_day_max, 3.0);
        assert_eq!(t.high_dose_opioid_mme_per_day, 90.0);
        assert_eq!(t.validate(), Ok(()));
    }

    #[test]
    fn a_clinic_may_tighten_the_limits() {
        let t = Thresholds {
            minimum_age_years: 21,
            hypertension_systolic_above: 140,
            hypertension_diastolic_above: 90,
            ..Thresholds::default()
        };
        assert_eq!(t.validate(), Ok(()));
    }

    #[test]
    fn nonsense_settings_are_refused_field_by_field() {
        let t = Thresholds {
            minimum_age_years: 16,
            hypertension_systolic_above: 300,
            hypertension_diastolic_above: 60,
            hypertension_readings_required: 0,
            benzodiazepine_lorazepam_mg_per_day_max: f64::NAN,
            high_dose_opioid_mme_per_day: -5.0,
        };
        let e = t.validate().unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "minimum_age_years",
                "hypertension_systolic_above",
                "hypertension_diastolic_above",
                "hypertension_readings_required",
                "benzodiazepine_lorazepam_mg_per_day_max",
                "high_dose_opioid_mme_per_day"
            ]
        );
    }

    #[test]
    fn the_diastolic_limit_must_be_below_the_systolic_limit() {
        let t = Thresholds {
            hypertension_systolic_above: 125,
            hypertension_diastolic_above: 125,
            ..Thresholds::default()
        };
        assert!(
            t.validate()
                .unwrap_err()
                .message_for("hypertension_diastolic_above")
                .is_some()
        );
    }
}
