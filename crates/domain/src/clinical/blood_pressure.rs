//! One blood-pressure reading, bounded to values a living adult can have, so a typo
//! (`1720/104`, a swapped pair) is refused at the edge instead of firing or hiding a
//! hypertension rule.

use std::fmt;
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use crate::validation::Invalid;

/// A blood-pressure reading in mmHg. Systolic is always above diastolic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawBloodPressure")]
pub struct BloodPressure {
    systolic: u16,
    diastolic: u16,
}

#[derive(Deserialize)]
struct RawBloodPressure {
    systolic: u16,
    diastolic: u16,
}

impl TryFrom<RawBloodPressure> for BloodPressure {
    type Error = Invalid;
    fn try_from(raw: RawBloodPressure) -> Result<Self, Invalid> {
        BloodPressure::new(raw.systolic, raw.diastolic)
    }
}

impl BloodPressure {
    /// Wide enough for severe shock and hypertensive crisis, narrow enough to catch an
    /// extra digit.
    pub const SYSTOLIC: RangeInclusive<u16> = 50..=300;
    pub const DIASTOLIC: RangeInclusive<u16> = 30..=200;

    /// Checks numbers that are already numbers; errors name `systolic` and `diastolic`.
    pub fn new(systolic: u16, diastolic: u16) -> Result<Self, Invalid> {
        Self::check(
            "systolic",
            Some(systolic),
            "diastolic",
            Some(diastolic),
            Invalid::new(),
        )
    }

    /// Parses two form inputs, naming each field in its error.
    pub fn parse(
        systolic_field: &str,
        systolic: &str,
        diastolic_field: &str,
        diastolic: &str,
    ) -> Result<Self, Invalid> {
        let mut errors = Invalid::new();
        let s = number(systolic_field, "systolic (upper)", systolic, &mut errors);
        let d = number(diastolic_field, "diastolic (lower)", diastolic, &mut errors);
        Self::check(systolic_field, s, diastolic_field, d, errors)
    }

    /// Parses one input written as `172/104`; every error names `field`.
    pub fn parse_reading(field: &str, raw: &str) -> Result<Self, Invalid> {
        let Some((s, d)) = raw.trim().split_once('/') else {
            return Err(Invalid::field(
                field,
                "Enter the blood pressure as two numbers, for example 128/82.",
            ));
        };
        Self::parse(field, s, field, d).map_err(|e| {
            let first = e.0.into_iter().next().map(|f| f.message);
            Invalid::field(
                field,
                first.unwrap_or_else(|| "Enter a blood pressure such as 128/82.".to_owned()),
            )
        })
    }

    fn check(
        systolic_field: &str,
        systolic: Option<u16>,
        diastolic_field: &str,
        diastolic: Option<u16>,
        mut errors: Invalid,
    ) -> Result<Self, Invalid> {
        if let Some(s) = systolic
            && !Self::SYSTOLIC.contains(&s)
        {
            errors.push(
                systolic_field,
                format!(
                    "The systolic (upper) number must be between {} and {} mmHg.",
                    Self::SYSTOLIC.start(),
                    Self::SYSTOLIC.end()
                ),
            );
        }
        if let Some(d) = diastolic
            && !Self::DIASTOLIC.contains(&d)
        {
            errors.push(
                diastolic_field,
                format!(
                    "The diastolic (lower) number must be between {} and {} mmHg.",
                    Self::DIASTOLIC.start(),
                    Self::DIASTOLIC.end()
                ),
            );
        }
        match (systolic, diastolic) {
            (Some(systolic), Some(diastolic)) if errors.is_empty() => {
                if systolic <= diastolic {
                    return Err(Invalid::field(
                        diastolic_field,
                        "The diastolic (lower) number must be below the systolic (upper) number.",
                    ));
                }
                Ok(Self {
                    systolic,
                    diastolic,
                })
            }
            _ => Err(errors),
        }
    }

    pub fn systolic(self) -> u16 {
        self.systolic
    }

    pub fn diastolic(self) -> u16 {
        self.diastolic
    }

    /// Whether either number is strictly above its limit (a reading of exactly the
    /// limit is not above it).
    pub fn is_above(self, systolic_limit: u16, diastolic_limit: u16) -> bool {
        self.systolic > systolic_limit || self.diastolic > diastolic_limit
    }
}

fn number(field: &str, label: &str, raw: &str, errors: &mut Invalid) -> Option<u16> {
    let s = raw.trim();
    if s.is_empty() {
        errors.push(field, format!("Enter the {label} number."));
        return None;
    }
    if !s.chars().all(|c| c.is_ascii_digit()) {
        errors.push(
            field,
            format!("The {label} number must be a whole number of mmHg."),
        );
        return None;
    }
    match s.parse::<u16>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(field, format!("The {label} number is far too large."));
            None
        }
    }
}

impl fmt::Display for BloodPressure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.systolic, self.diastolic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plausible_reading_parses_and_prints_as_mmhg() {
        let bp = BloodPressure::parse("bp_systolic", " 128 ", "bp_diastolic", "82").unwrap();
        assert_eq!((bp.systolic(), bp.diastolic()), (128, 82));
        assert_eq!(bp.to_string(), "128/82");
        assert_eq!(
            BloodPressure::parse_reading("bp", "172/104")
                .unwrap()
                .to_string(),
            "172/104"
        );
    }

    #[test]
    fn the_bounds_are_inclusive() {
        assert!(BloodPressure::new(50, 30).is_ok());
        assert!(BloodPressure::new(300, 200).is_ok());
        assert!(BloodPressure::new(49, 30).is_err());
        assert!(BloodPressure::new(301, 100).is_err());
        assert!(BloodPressure::new(120, 29).is_err());
        assert!(BloodPressure::new(250, 201).is_err());
    }

    #[test]
    fn out_of_range_numbers_name_their_field() {
        let e = BloodPressure::parse("bp_systolic", "1720", "bp_diastolic", "10").unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["bp_systolic", "bp_diastolic"]);
    }

    #[test]
    fn a_swapped_pair_is_refused_on_the_diastolic_field() {
        let e = BloodPressure::new(80, 120).unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert_eq!(e.0[0].field, "diastolic");
        assert!(BloodPressure::new(100, 100).is_err());
    }

    #[test]
    fn text_that_is_not_a_whole_number_is_refused() {
        for bad in ["", "12a", "-120", "120.5", "99999999"] {
            let e = BloodPressure::parse("s", bad, "d", "80").unwrap_err();
            assert_eq!(e.0[0].field, "s", "{bad:?}");
        }
        assert_eq!(
            BloodPressure::parse_reading("bp", "120 over 80")
                .unwrap_err()
                .0[0]
                .field,
            "bp"
        );
        assert_eq!(
            BloodPressure::parse_reading("bp", "120/x")
                .unwrap_err()
                .0
                .len(),
            1
        );
    }

    #[test]
    fn a_stored_reading_is_checked_again_when_read_back() {
        let ok = BloodPressure::try_from(RawBloodPressure {
            systolic: 140,
            diastolic: 90,
        })
        .unwrap();
        assert_eq!(ok.to_string(), "140/90");
        assert!(
            BloodPressure::try_from(RawBloodPressure {
                systolic: 90,
                diastolic: 140
            })
            .is_err()
        );
    }

    #[test]
    fn only_a_number_strictly_above_its_limit_counts() {
        let at = BloodPressure::new(160, 100).unwrap();
        assert!(!at.is_above(160, 100));
        assert!(BloodPressure::new(161, 100).unwrap().is_above(160, 100));
        assert!(BloodPressure::new(150, 101).unwrap().is_above(160, 100));
    }
}
