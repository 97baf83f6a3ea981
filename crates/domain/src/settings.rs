//! The clinic's settings: every number DESIGN.md calls "a clinic setting with this
//! default" that the care journey reads (contraindication thresholds, dose ranges,
//! group size, spacing of sessions). Administrators change them; each change is a
//! new numbered version, and decisions and prescriptions keep the version they were
//! made under.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use crate::rules::Thresholds;
use crate::validation::Invalid;

/// An allowed dose range, inclusive at both ends.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DoseRange {
    pub min: f64,
    pub max: f64,
}

impl DoseRange {
    pub fn contains(&self, dose: f64) -> bool {
        dose >= self.min && dose <= self.max
    }
}

/// The settings in force. `#[serde(default)]` so that a stored version written
/// before a setting existed reads with that setting's default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClinicSettings {
    pub thresholds: Thresholds,
    /// IV ketamine, mg/kg a session (DESIGN.md: usually 0.5; allowed 0.1–0.75).
    pub iv_dose_mg_per_kg: DoseRange,
    /// Lozenge ketamine, mg a session (DESIGN.md: allowed 100–400).
    pub lozenge_dose_mg: DoseRange,
    /// Members of a group medicine session (default 4–8).
    pub group_size_min: u8,
    pub group_size_max: u8,
    /// Least time between two medicine sessions of one client (default 48 hours).
    pub min_hours_between_sessions: u16,
    /// Medicine sessions in an induction series unless the care team says otherwise
    /// (about 6).
    pub default_series_sessions: u8,
    /// How long before an appointment the reminder goes out (default 24 hours).
    pub reminder_lead_hours: u16,
    /// The local hour of a medicine session's day when the same-morning reminder
    /// goes out (default 7, i.e. 07:00), unless the session starts earlier.
    pub morning_reminder_hour: u8,
}

impl Default for ClinicSettings {
    fn default() -> Self {
        ClinicSettings {
            thresholds: Thresholds::default(),
            iv_dose_mg_per_kg: DoseRange {
                min: 0.1,
                max: 0.75,
            },
            lozenge_dose_mg: DoseRange {
                min: 100.0,
                max: 400.0,
            },
            group_size_min: 4,
            group_size_max: 8,
            min_hours_between_sessions: 48,
            default_series_sessions: 6,
            reminder_lead_hours: 24,
            morning_reminder_hour: 7,
        }
    }
}

impl ClinicSettings {
    /// Outer bounds an administrator may set a dose range within: wide enough for
    /// any published KAP protocol, narrow enough to catch a slipped decimal point.
    pub const IV_BOUNDS: RangeInclusive<f64> = 0.05..=2.0;
    pub const LOZENGE_BOUNDS: RangeInclusive<f64> = 25.0..=1000.0;
    pub const GROUP_BOUNDS: RangeInclusive<u8> = 2..=20;
    pub const SPACING_BOUNDS: RangeInclusive<u16> = 12..=720;
    pub const SERIES_BOUNDS: RangeInclusive<u8> = 1..=24;
    pub const REMINDER_LEAD_BOUNDS: RangeInclusive<u16> = 1..=168;
    pub const MORNING_HOUR_BOUNDS: RangeInclusive<u8> = 0..=12;

    /// Checks a whole settings value; each error names its field as the settings
    /// form spells it (`thresholds.*` fields keep their own names).
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut e = match self.thresholds.validate() {
            Ok(()) => Invalid::new(),
            Err(inv) => inv,
        };
        dose_range(
            &mut e,
            "iv_dose",
            "The IV dose range (mg/kg)",
            &self.iv_dose_mg_per_kg,
            &Self::IV_BOUNDS,
        );
        dose_range(
            &mut e,
            "lozenge_dose",
            "The lozenge dose range (mg)",
            &self.lozenge_dose_mg,
            &Self::LOZENGE_BOUNDS,
        );
        let group_message = format!(
            "Group sizes must be between {} and {} members.",
            Self::GROUP_BOUNDS.start(),
            Self::GROUP_BOUNDS.end()
        );
        if !Self::GROUP_BOUNDS.contains(&self.group_size_min) {
            e.push("group_size_min", group_message);
        } else if !Self::GROUP_BOUNDS.contains(&self.group_size_max) {
            e.push("group_size_max", group_message);
        } else if self.group_size_min > self.group_size_max {
            e.push(
                "group_size_max",
                "The largest group cannot be smaller than the smallest.",
            );
        }
        if !Self::SPACING_BOUNDS.contains(&self.min_hours_between_sessions) {
            e.push(
                "min_hours_between_sessions",
                format!(
                    "The time between sessions must be between {} and {} hours.",
                    Self::SPACING_BOUNDS.start(),
                    Self::SPACING_BOUNDS.end()
                ),
            );
        }
        if !Self::SERIES_BOUNDS.contains(&self.default_series_sessions) {
            e.push(
                "default_series_sessions",
                format!(
                    "A series must have between {} and {} sessions.",
                    Self::SERIES_BOUNDS.start(),
                    Self::SERIES_BOUNDS.end()
                ),
            );
        }
        if !Self::REMINDER_LEAD_BOUNDS.contains(&self.reminder_lead_hours) {
            e.push(
                "reminder_lead_hours",
                format!(
                    "Reminders go out between {} and {} hours ahead.",
                    Self::REMINDER_LEAD_BOUNDS.start(),
                    Self::REMINDER_LEAD_BOUNDS.end()
                ),
            );
        }
        if !Self::MORNING_HOUR_BOUNDS.contains(&self.morning_reminder_hour) {
            e.push(
                "morning_reminder_hour",
                format!(
                    "The morning reminder goes out at an hour from {} to {}.",
                    Self::MORNING_HOUR_BOUNDS.start(),
                    Self::MORNING_HOUR_BOUNDS.end()
                ),
            );
        }
        e.into_result()
    }
}

fn dose_range(
    e: &mut Invalid,
    field: &str,
    label: &str,
    r: &DoseRange,
    bounds: &RangeInclusive<f64>,
) {
    let ok = |v: f64| v.is_finite() && bounds.contains(&v);
    if !ok(r.min) {
        e.push(
            &format!("{field}_min"),
            format!(
                "{label} must start between {} and {}.",
                bounds.start(),
                bounds.end()
            ),
        );
    } else if !ok(r.max) {
        e.push(
            &format!("{field}_max"),
            format!(
                "{label} must end between {} and {}.",
                bounds.start(),
                bounds.end()
            ),
        );
    } else if r.min > r.max {
        e.push(
            &format!("{field}_max"),
            format!("{label} cannot end below where it starts."),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_designs_and_valid() {
        let s = ClinicSettings::default();
        assert!(s.validate().is_ok());
        assert_eq!(
            s.iv_dose_mg_per_kg,
            DoseRange {
                min: 0.1,
                max: 0.75
            }
        );
        assert_eq!(
            s.lozenge_dose_mg,
            DoseRange {
                min: 100.0,
                max: 400.0
            }
        );
        assert_eq!((s.group_size_min, s.group_size_max), (4, 8));
        assert_eq!(s.min_hours_between_sessions, 48);
    }

    #[test]
    fn each_bad_setting_names_its_field() {
        let mut s = ClinicSettings::default();
        s.iv_dose_mg_per_kg.max = 0.05;
        s.group_size_min = 9;
        s.min_hours_between_sessions = 1;
        let t = ClinicSettings {
            group_size_max: 40,
            ..ClinicSettings::default()
        };
        assert!(
            t.validate()
                .unwrap_err()
                .message_for("group_size_max")
                .is_some()
        );
        s.lozenge_dose_mg.min = f64::NAN;
        let e = s.validate().unwrap_err();
        assert!(e.message_for("iv_dose_max").is_some(), "{e:?}");
        assert!(e.message_for("group_size_max").is_some(), "{e:?}");
        assert!(e.message_for("min_hours_between_sessions").is_some());
        assert!(e.message_for("lozenge_dose_min").is_some());
    }

    #[test]
    fn an_old_stored_version_reads_with_defaults_for_new_settings() {
        let s: ClinicSettings = serde_json::from_str(r#"{"group_size_min":3}"#).unwrap();
        assert_eq!(s.group_size_min, 3);
        assert_eq!(s.group_size_max, 8);
    }
}
