//! The structured clinical facts that the contraindication rules ([`crate::rules`])
//! read: current medications with their class, the medical and psychiatric history,
//! and blood pressure. The intake form and the assessment store these; nothing here
//! decides eligibility.
//!
//! Each value is parsed once at the edge ("parse, don't validate") with errors that
//! name the form field, so the rules can trust what they read.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

mod blood_pressure;
mod history;
mod medication;

pub use blood_pressure::BloodPressure;
pub use history::{Answer, HistoryItem, MedicalHistory};
pub use medication::{Medication, MedicationClass, MedicationForm};

/// Sex as recorded, for the instruments whose cut-offs depend on it (AUDIT-C is
/// positive from 4 for men and from 3 for women and when sex is not recorded;
/// Bush et al., Arch Intern Med 1998;158:1789–95, and Bradley et al. 2007).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sex {
    Female,
    Male,
    Intersex,
    /// Nobody recorded it; instruments use their most cautious cut-off.
    #[default]
    NotRecorded,
}

impl Sex {
    pub const ALL: [Sex; 4] = [Sex::Female, Sex::Male, Sex::Intersex, Sex::NotRecorded];

    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Intersex => "intersex",
            Sex::NotRecorded => "not-recorded",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sex::Female => "Female",
            Sex::Male => "Male",
            Sex::Intersex => "Intersex",
            Sex::NotRecorded => "Not recorded",
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Sex {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Sex::ALL.into_iter().find(|x| x.as_str() == s).ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sex_round_trips_through_its_name() {
        for s in Sex::ALL {
            assert_eq!(s.as_str().parse::<Sex>(), Ok(s));
        }
        assert_eq!(Sex::default(), Sex::NotRecorded);
        assert!("unknown".parse::<Sex>().is_err());
    }
}
