//! Current medications as structured entries (DESIGN.md "Medications"): the rules
//! read the class and, for benzodiazepines and opioids, the daily dose converted to a
//! common unit, never the free-text name.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::text::FreeText;
use crate::validation::Invalid;

/// The classes the contraindication rules care about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MedicationClass {
    /// Dose compared as a lorazepam-equivalent daily dose.
    Benzodiazepine,
    /// Monoamine oxidase inhibitor: with ketamine, a risk of a hypertensive reaction.
    Maoi,
    /// Dose compared as morphine milligram equivalents (MME) a day.
    Opioid,
    /// Lithium, valproate, carbamazepine and the like. Lamotrigine has its own class.
    MoodStabiliser,
    /// Recorded apart because it may blunt ketamine's effect.
    Lamotrigine,
    SsriSnri,
    /// Methylphenidate, amphetamines and the like: raise blood pressure.
    Stimulant,
    Other,
}

impl MedicationClass {
    pub const ALL: [MedicationClass; 8] = [
        MedicationClass::Benzodiazepine,
        MedicationClass::Maoi,
        MedicationClass::Opioid,
        MedicationClass::MoodStabiliser,
        MedicationClass::Lamotrigine,
        MedicationClass::SsriSnri,
        MedicationClass::Stimulant,
        MedicationClass::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MedicationClass::Benzodiazepine => "benzodiazepine",
            MedicationClass::Maoi => "maoi",
            MedicationClass::Opioid => "opioid",
            MedicationClass::MoodStabiliser => "mood-stabiliser",
            MedicationClass::Lamotrigine => "lamotrigine",
            MedicationClass::SsriSnri => "ssri-snri",
            MedicationClass::Stimulant => "stimulant",
            MedicationClass::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MedicationClass::Benzodiazepine => "Benzodiazepine",
            MedicationClass::Maoi => "MAOI (monoamine oxidase inhibitor)",
            MedicationClass::Opioid => "Opioid",
            MedicationClass::MoodStabiliser => "Mood stabiliser (lithium, valproate, …)",
            MedicationClass::Lamotrigine => "Lamotrigine",
            MedicationClass::SsriSnri => "SSRI or SNRI antidepressant",
            MedicationClass::Stimulant => "Stimulant",
            MedicationClass::Other => "Other",
        }
    }
}

impl fmt::Display for MedicationClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MedicationClass {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        MedicationClass::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or(())
    }
}

/// One medication a client currently takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Medication {
    pub name: String,
    pub class: MedicationClass,
    /// As written, for example "1 mg".
    pub dose_text: String,
    /// As written, for example "twice daily" or "as needed".
    pub frequency: String,
    /// The daily dose converted to lorazepam milligrams; required for a
    /// benzodiazepine, absent for every other class.
    pub lorazepam_equivalent_mg_per_day: Option<f64>,
    /// The daily dose in morphine milligram equivalents; for opioids only. Without it
    /// the high-dose rule cannot be judged and says so.
    pub morphine_equivalent_mg_per_day: Option<f64>,
}

/// A medication entry exactly as the form sent it (and as an intake draft keeps it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicationForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub class: String,
    #[serde(default)]
    pub dose: String,
    #[serde(default)]
    pub frequency: String,
    #[serde(default)]
    pub lorazepam_equivalent_mg_per_day: String,
    #[serde(default)]
    pub morphine_equivalent_mg_per_day: String,
}

impl Medication {
    pub const NAME_MAX: usize = 200;
    pub const DOSE_MAX: usize = 100;
    pub const FREQUENCY_MAX: usize = 100;
    /// About ten times the usual maximum daily lorazepam dose; anything above is a typo.
    pub const LORAZEPAM_EQUIVALENT_MAX: f64 = 100.0;
    /// Opioid-tolerant patients reach a few thousand MME; above this is a typo.
    pub const MORPHINE_EQUIVALENT_MAX: f64 = 10_000.0;
    /// More entries than any medication list a person would write by hand.
    pub const LIST_MAX: usize = 50;

    /// Parses entry `index` of the list; errors name `medications[index].<field>`.
    pub fn parse(index: usize, form: &MedicationForm) -> Result<Self, Invalid> {
        let f = |name: &str| format!("medications[{index}].{name}");
        let mut errors = Invalid::new();
        let name = errors.check(FreeText::parse_line(
            &f("name"),
            "the medication's name",
            &form.name,
            Self::NAME_MAX,
        ));
        let class = match form.class.trim().parse::<MedicationClass>() {
            Ok(c) => Some(c),
            Err(()) => {
                errors.push(
                    &f("class"),
                    "Choose the kind of medication; choose other if none fits.",
                );
                None
            }
        };
        let dose = errors.check(FreeText::parse_line(
            &f("dose"),
            "the dose, for example 10 mg",
            &form.dose,
            Self::DOSE_MAX,
        ));
        let frequency = errors.check(FreeText::parse_line(
            &f("frequency"),
            "how often, for example twice daily or as needed",
            &form.frequency,
            Self::FREQUENCY_MAX,
        ));
        let lorazepam = LORAZEPAM.parse(
            &f("lorazepam_equivalent_mg_per_day"),
            &form.lorazepam_equivalent_mg_per_day,
            class,
            &mut errors,
        );
        let morphine = MORPHINE.parse(
            &f("morphine_equivalent_mg_per_day"),
            &form.morphine_equivalent_mg_per_day,
            class,
            &mut errors,
        );
        match (name, class, dose, frequency) {
            (Some(name), Some(class), Some(dose), Some(frequency)) if errors.is_empty() => {
                Ok(Medication {
                    name: name.into_string(),
                    class,
                    dose_text: dose.into_string(),
                    frequency: frequency.into_string(),
                    lorazepam_equivalent_mg_per_day: lorazepam,
                    morphine_equivalent_mg_per_day: morphine,
                })
            }
            _ => Err(errors),
        }
    }

    /// Parses a whole list, reporting every entry's problems at once.
    pub fn parse_list(forms: &[MedicationForm]) -> Result<Vec<Self>, Invalid> {
        if forms.len() > Self::LIST_MAX {
            return Err(Invalid::field(
                "medications",
                format!("List at most {} medications.", Self::LIST_MAX),
            ));
        }
        let mut errors = Invalid::new();
        let list: Vec<_> = forms
            .iter()
            .enumerate()
            .filter_map(|(i, form)| errors.check(Self::parse(i, form)))
            .collect();
        errors.into_result().map(|()| list)
    }

    /// "clonazepam 1 mg twice daily", for a finding's evidence.
    pub fn describe(&self) -> String {
        format!("{} {} {}", self.name, self.dose_text, self.frequency)
    }
}

/// A daily dose converted to a reference drug: allowed only for its own class,
/// required for it when `required`.
struct Conversion {
    class: MedicationClass,
    what: &'static str,
    class_phrase: &'static str,
    max: f64,
    required: bool,
}

const LORAZEPAM: Conversion = Conversion {
    class: MedicationClass::Benzodiazepine,
    what: "lorazepam-equivalent daily dose",
    class_phrase: "a benzodiazepine",
    max: Medication::LORAZEPAM_EQUIVALENT_MAX,
    required: true,
};

const MORPHINE: Conversion = Conversion {
    class: MedicationClass::Opioid,
    what: "morphine-equivalent daily dose",
    class_phrase: "an opioid",
    max: Medication::MORPHINE_EQUIVALENT_MAX,
    required: false,
};

impl Conversion {
    fn parse(
        &self,
        field: &str,
        raw: &str,
        class: Option<MedicationClass>,
        errors: &mut Invalid,
    ) -> Option<f64> {
        let (what, max) = (self.what, self.max);
        let s = raw.trim();
        match class.map(|c| c == self.class) {
            // The class itself was refused; say nothing more about this field.
            None => None,
            Some(false) if s.is_empty() => None,
            Some(false) => {
                errors.push(
                    field,
                    format!(
                        "A {what} is recorded only for {}; clear this field.",
                        self.class_phrase
                    ),
                );
                None
            }
            Some(true) if s.is_empty() => {
                if self.required {
                    errors.push(
                        field,
                        format!(
                            "Enter the {what} in mg, for example 1.5; ask the clinic if unsure."
                        ),
                    );
                }
                None
            }
            Some(true) => {
                let well_formed = s.chars().all(|c| c.is_ascii_digit() || c == '.')
                    && s.chars().filter(|c| *c == '.').count() <= 1
                    && s.chars().any(|c| c.is_ascii_digit());
                match s.parse::<f64>() {
                    Ok(v) if well_formed && v.is_finite() && (0.0..=max).contains(&v) => Some(v),
                    _ => {
                        errors.push(
                            field,
                            format!("Enter the {what} as a number of mg between 0 and {max}."),
                        );
                        None
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(class: &str) -> MedicationForm {
        MedicationForm {
            name: "sertraline".into(),
            class: class.into(),
            dose: "100 mg".into(),
            frequency: "once daily".into(),
            ..MedicationForm::default()
        }
    }

    #[test]
    fn classes_round_trip_through_their_names() {
        for c in MedicationClass::ALL {
            assert_eq!(c.as_str().parse::<MedicationClass>(), Ok(c));
        }
        assert!("SSRI".parse::<MedicationClass>().is_err());
    }

    #[test]
    fn a_plain_entry_parses_without_converted_doses() {
        let m = Medication::parse(0, &form("ssri-snri")).unwrap();
        assert_eq!(m.class, MedicationClass::SsriSnri);
        assert_eq!(m.describe(), "sertraline 100 mg once daily");
        assert_eq!(m.lorazepam_equivalent_mg_per_day, None);
    }

    #[test]
    fn a_benzodiazepine_needs_its_lorazepam_equivalent() {
        let mut f = form("benzodiazepine");
        f.name = "clonazepam".into();
        let e = Medication::parse(2, &f).unwrap_err();
        assert_eq!(
            e.0[0].field,
            "medications[2].lorazepam_equivalent_mg_per_day"
        );

        f.lorazepam_equivalent_mg_per_day = " 4.0 ".into();
        let m = Medication::parse(2, &f).unwrap();
        assert_eq!(m.lorazepam_equivalent_mg_per_day, Some(4.0));
    }

    #[test]
    fn an_opioid_may_leave_out_its_morphine_equivalent() {
        let mut f = form("opioid");
        assert_eq!(
            Medication::parse(0, &f)
                .unwrap()
                .morphine_equivalent_mg_per_day,
            None
        );
        f.morphine_equivalent_mg_per_day = "90".into();
        assert_eq!(
            Medication::parse(0, &f)
                .unwrap()
                .morphine_equivalent_mg_per_day,
            Some(90.0)
        );
    }

    #[test]
    fn a_converted_dose_on_the_wrong_class_is_refused() {
        let mut f = form("ssri-snri");
        f.lorazepam_equivalent_mg_per_day = "1".into();
        f.morphine_equivalent_mg_per_day = "1".into();
        let e = Medication::parse(0, &f).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "medications[0].lorazepam_equivalent_mg_per_day",
                "medications[0].morphine_equivalent_mg_per_day"
            ]
        );
    }

    #[test]
    fn converted_doses_must_be_plain_bounded_numbers() {
        for bad in [
            "-1", "NaN", "inf", "1e3", "3 mg", "1,5", ".", "1.2.3", "100.5",
        ] {
            let mut f = form("benzodiazepine");
            f.lorazepam_equivalent_mg_per_day = bad.into();
            assert!(Medication::parse(0, &f).is_err(), "{bad:?}");
        }
        let mut f = form("benzodiazepine");
        f.lorazepam_equivalent_mg_per_day = "0".into();
        assert!(Medication::parse(0, &f).is_ok());
    }

    #[test]
    fn every_field_of_every_entry_is_named() {
        let forms = [form("ssri-snri"), MedicationForm::default()];
        let e = Medication::parse_list(&forms).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "medications[1].name",
                "medications[1].class",
                "medications[1].dose",
                "medications[1].frequency"
            ]
        );
    }

    #[test]
    fn a_list_parses_in_order_and_is_bounded() {
        let list = Medication::parse_list(&[form("ssri-snri"), form("other")]).unwrap();
        assert_eq!(list[1].class, MedicationClass::Other);
        assert!(Medication::parse_list(&[]).unwrap().is_empty());
        let many = vec![form("other"); Medication::LIST_MAX + 1];
        assert_eq!(
            Medication::parse_list(&many).unwrap_err().0[0].field,
            "medications"
        );
    }
}
