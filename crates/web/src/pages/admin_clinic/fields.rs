//! The clinic settings field by field, as the settings form and the settings
//! API name them.

use std::collections::HashMap;

use threshold_domain::rules::Thresholds;
use threshold_domain::settings::ClinicSettings;
use threshold_domain::{FieldError, Invalid};

/// One number on the settings form and in the settings API. Its [`name`] is
/// the name `ClinicSettings::validate` gives its errors, so a refusal lands on
/// the input it is about.
///
/// [`name`]: SettingField::name
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SettingField {
    MinimumAge,
    Systolic,
    Diastolic,
    HighReadings,
    Lorazepam,
    OpioidMme,
    IvMin,
    IvMax,
    LozengeMin,
    LozengeMax,
    GroupMin,
    GroupMax,
    Spacing,
    Series,
    ReminderLead,
    MorningHour,
}

pub(super) use SettingField as F;

/// The form's sections, in order.
pub(super) const SECTIONS: [(&str, &[SettingField]); 4] = [
    (
        "Contraindication thresholds",
        &[
            F::MinimumAge,
            F::Systolic,
            F::Diastolic,
            F::HighReadings,
            F::Lorazepam,
            F::OpioidMme,
        ],
    ),
    (
        "Dose ranges",
        &[F::IvMin, F::IvMax, F::LozengeMin, F::LozengeMax],
    ),
    (
        "Sessions and groups",
        &[F::GroupMin, F::GroupMax, F::Spacing, F::Series],
    ),
    ("Reminders", &[F::ReminderLead, F::MorningHour]),
];

impl SettingField {
    pub(crate) const ALL: [SettingField; 16] = [
        F::MinimumAge,
        F::Systolic,
        F::Diastolic,
        F::HighReadings,
        F::Lorazepam,
        F::OpioidMme,
        F::IvMin,
        F::IvMax,
        F::LozengeMin,
        F::LozengeMax,
        F::GroupMin,
        F::GroupMax,
        F::Spacing,
        F::Series,
        F::ReminderLead,
        F::MorningHour,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            F::MinimumAge => "minimum_age_years",
            F::Systolic => "hypertension_systolic_above",
            F::Diastolic => "hypertension_diastolic_above",
            F::HighReadings => "hypertension_readings_required",
            F::Lorazepam => "benzodiazepine_lorazepam_mg_per_day_max",
            F::OpioidMme => "high_dose_opioid_mme_per_day",
            F::IvMin => "iv_dose_min",
            F::IvMax => "iv_dose_max",
            F::LozengeMin => "lozenge_dose_min",
            F::LozengeMax => "lozenge_dose_max",
            F::GroupMin => "group_size_min",
            F::GroupMax => "group_size_max",
            F::Spacing => "min_hours_between_sessions",
            F::Series => "default_series_sessions",
            F::ReminderLead => "reminder_lead_hours",
            F::MorningHour => "morning_reminder_hour",
        }
    }

    /// `(label, unit, hint)`.
    pub(super) fn text(self) -> (&'static str, &'static str, &'static str) {
        match self {
            F::MinimumAge => (
                "Minimum age",
                "years",
                "Nobody younger is treated. The rule set never treats anyone under 18.",
            ),
            F::Systolic => (
                "High blood pressure: systolic above",
                "mmHg",
                "An assessment reading above this systolic pressure counts as high (default 160; the consensus statement advises attention from 140).",
            ),
            F::Diastolic => (
                "High blood pressure: diastolic above",
                "mmHg",
                "An assessment reading above this diastolic pressure counts as high (default 100; attention advised from 90).",
            ),
            F::HighReadings => (
                "High readings that make hypertension uncontrolled",
                "readings",
                "How many high assessment readings stop treatment as uncontrolled hypertension (default 2).",
            ),
            F::Lorazepam => (
                "Benzodiazepines: most a day",
                "mg lorazepam-equivalent a day",
                "Above this total, benzodiazepines are a relative contraindication the physician reviews (default 3).",
            ),
            F::OpioidMme => (
                "Opioids count as high-dose from",
                "MME a day",
                "From this total in morphine milligram equivalents (MME), opioids are a relative contraindication (default 90, the CDC's high-dose mark).",
            ),
            F::IvMin => (
                "IV dose: lowest",
                "mg/kg",
                "Prescriptions below need the physician's written reason (default 0.1).",
            ),
            F::IvMax => (
                "IV dose: highest",
                "mg/kg",
                "Prescriptions above need the physician's written reason (default 0.75).",
            ),
            F::LozengeMin => ("Lozenge dose: lowest", "mg a session", "Default 100."),
            F::LozengeMax => ("Lozenge dose: highest", "mg a session", "Default 400."),
            F::GroupMin => (
                "Smallest group",
                "members",
                "A group medicine session needs at least this many members (default 4).",
            ),
            F::GroupMax => ("Largest group", "members", "Default 8."),
            F::Spacing => (
                "Least time between two medicine sessions of one client",
                "hours",
                "Default 48.",
            ),
            F::Series => (
                "Medicine sessions in an induction series",
                "sessions",
                "Used unless the care team plans otherwise (default 6).",
            ),
            F::ReminderLead => (
                "Reminder before an appointment",
                "hours ahead",
                "The client's reminder mail goes out this long before (default 24).",
            ),
            F::MorningHour => (
                "Medicine session: same-morning reminder at",
                "o'clock, local time",
                "A second reminder on the day of a medicine session (default 7).",
            ),
        }
    }

    /// Whether the setting is a whole number.
    pub(super) fn whole(self) -> bool {
        !matches!(
            self,
            F::Lorazepam | F::OpioidMme | F::IvMin | F::IvMax | F::LozengeMin | F::LozengeMax
        )
    }

    /// The allowed range, as the input's `min` and `max`.
    pub(super) fn bounds(self) -> (f64, f64) {
        let w = |r: (u16, u16)| (f64::from(r.0), f64::from(r.1));
        let b = |r: &std::ops::RangeInclusive<u8>| w((u16::from(*r.start()), u16::from(*r.end())));
        match self {
            F::MinimumAge => b(&Thresholds::MINIMUM_AGE),
            F::Systolic => w((*Thresholds::SYSTOLIC.start(), *Thresholds::SYSTOLIC.end())),
            F::Diastolic => w((*Thresholds::DIASTOLIC.start(), *Thresholds::DIASTOLIC.end())),
            F::HighReadings => b(&Thresholds::READINGS),
            F::Lorazepam => (
                *Thresholds::LORAZEPAM_MG.start(),
                *Thresholds::LORAZEPAM_MG.end(),
            ),
            F::OpioidMme => (
                *Thresholds::OPIOID_MME.start(),
                *Thresholds::OPIOID_MME.end(),
            ),
            F::IvMin | F::IvMax => (
                *ClinicSettings::IV_BOUNDS.start(),
                *ClinicSettings::IV_BOUNDS.end(),
            ),
            F::LozengeMin | F::LozengeMax => (
                *ClinicSettings::LOZENGE_BOUNDS.start(),
                *ClinicSettings::LOZENGE_BOUNDS.end(),
            ),
            F::GroupMin | F::GroupMax => b(&ClinicSettings::GROUP_BOUNDS),
            F::Spacing => w((
                *ClinicSettings::SPACING_BOUNDS.start(),
                *ClinicSettings::SPACING_BOUNDS.end(),
            )),
            F::Series => b(&ClinicSettings::SERIES_BOUNDS),
            F::ReminderLead => w((
                *ClinicSettings::REMINDER_LEAD_BOUNDS.start(),
                *ClinicSettings::REMINDER_LEAD_BOUNDS.end(),
            )),
            F::MorningHour => b(&ClinicSettings::MORNING_HOUR_BOUNDS),
        }
    }

    pub(crate) fn get(self, s: &ClinicSettings) -> f64 {
        let t = &s.thresholds;
        match self {
            F::MinimumAge => f64::from(t.minimum_age_years),
            F::Systolic => f64::from(t.hypertension_systolic_above),
            F::Diastolic => f64::from(t.hypertension_diastolic_above),
            F::HighReadings => f64::from(t.hypertension_readings_required),
            F::Lorazepam => t.benzodiazepine_lorazepam_mg_per_day_max,
            F::OpioidMme => t.high_dose_opioid_mme_per_day,
            F::IvMin => s.iv_dose_mg_per_kg.min,
            F::IvMax => s.iv_dose_mg_per_kg.max,
            F::LozengeMin => s.lozenge_dose_mg.min,
            F::LozengeMax => s.lozenge_dose_mg.max,
            F::GroupMin => f64::from(s.group_size_min),
            F::GroupMax => f64::from(s.group_size_max),
            F::Spacing => f64::from(s.min_hours_between_sessions),
            F::Series => f64::from(s.default_series_sessions),
            F::ReminderLead => f64::from(s.reminder_lead_hours),
            F::MorningHour => f64::from(s.morning_reminder_hour),
        }
    }

    /// Sets the value. A whole number too large or too small for its type is
    /// held at the type's limit, which is outside every allowed range, so that
    /// validation refuses it with the range it must be in.
    fn set(self, s: &mut ClinicSettings, v: f64) {
        // `as` from f64 to an integer saturates (and maps NaN to 0).
        let t = &mut s.thresholds;
        match self {
            F::MinimumAge => t.minimum_age_years = v as u8,
            F::Systolic => t.hypertension_systolic_above = v as u16,
            F::Diastolic => t.hypertension_diastolic_above = v as u16,
            F::HighReadings => t.hypertension_readings_required = v as u8,
            F::Lorazepam => t.benzodiazepine_lorazepam_mg_per_day_max = v,
            F::OpioidMme => t.high_dose_opioid_mme_per_day = v,
            F::IvMin => s.iv_dose_mg_per_kg.min = v,
            F::IvMax => s.iv_dose_mg_per_kg.max = v,
            F::LozengeMin => s.lozenge_dose_mg.min = v,
            F::LozengeMax => s.lozenge_dose_mg.max = v,
            F::GroupMin => s.group_size_min = v as u8,
            F::GroupMax => s.group_size_max = v as u8,
            F::Spacing => s.min_hours_between_sessions = v as u16,
            F::Series => s.default_series_sessions = v as u8,
            F::ReminderLead => s.reminder_lead_hours = v as u16,
            F::MorningHour => s.morning_reminder_hour = v as u8,
        }
    }

    /// The value as people read it: `0.1`, `100`, `48`.
    pub(super) fn show(v: f64) -> String {
        format!("{v}")
    }
}

/// Builds settings from one value (or a reason it is missing) per field. A
/// problem with one field is reported with the problems `validate` finds in the
/// others, in form order, so one submission shows them all.
pub(crate) fn build_settings(
    given: impl IntoIterator<Item = (SettingField, Result<f64, String>)>,
) -> Result<ClinicSettings, Invalid> {
    let mut s = ClinicSettings::default();
    let mut e = Invalid::new();
    for (f, v) in given {
        match v {
            Ok(v) => f.set(&mut s, v),
            Err(m) => e.push(f.name(), m),
        }
    }
    if e.is_empty() {
        return Ok(s);
    }
    if let Err(more) = s.validate() {
        for m in more.0 {
            if !e.0.iter().any(|x| x.field == m.field) {
                e.0.push(m);
            }
        }
    }
    let at = |fe: &FieldError| {
        F::ALL
            .iter()
            .position(|f| f.name() == fe.field)
            .unwrap_or(F::ALL.len())
    };
    e.0.sort_by_key(at);
    Err(e)
}

/// Reads the settings form: a missing or unreadable number is refused naming
/// its field.
pub(super) fn parse_form(values: &HashMap<String, String>) -> Result<ClinicSettings, Invalid> {
    build_settings(F::ALL.into_iter().map(|f| {
        let raw = values.get(f.name()).map_or("", |v| v.trim());
        let (label, unit, _) = f.text();
        let shown: String = raw.chars().take(20).collect();
        let v = if raw.is_empty() {
            Err(format!("Enter a value for “{label}” ({unit})."))
        } else if f.whole() {
            raw.parse::<i64>().map(|n| n as f64).map_err(|_| {
                format!(
                    "“{label}” must be a whole number of {unit}, for example 12; “{shown}” is not."
                )
            })
        } else {
            raw.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    format!(
                        "“{label}” must be a number ({unit}), for example 0.5; “{shown}” is not."
                    )
                })
        };
        (f, v)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        let mut m: HashMap<String, String> = F::ALL
            .iter()
            .map(|f| {
                (
                    f.name().to_owned(),
                    F::show(f.get(&ClinicSettings::default())),
                )
            })
            .collect();
        for (k, v) in pairs {
            m.insert((*k).to_owned(), (*v).to_owned());
        }
        m
    }

    #[test]
    fn the_defaults_read_back_as_the_defaults() {
        assert_eq!(parse_form(&form(&[])), Ok(ClinicSettings::default()));
    }

    /// What the form and then the service's validation make of a form.
    fn checked(pairs: &[(&str, &str)]) -> Result<ClinicSettings, Invalid> {
        parse_form(&form(pairs)).and_then(|s| s.validate().map(|()| s))
    }

    #[test]
    fn every_field_name_is_one_validation_uses() {
        // Some nonsense value of each field is refused under that field's name
        // (a largest group out of bounds is reported on the smallest, so a
        // largest group below the smallest is tried too).
        for f in F::ALL {
            let named = ["100000", "0", "-1", "3"].iter().any(|v| {
                checked(&[(f.name(), v)])
                    .err()
                    .is_some_and(|e| e.0.iter().any(|x| x.field == f.name()))
            });
            assert!(named, "no refusal names {}", f.name());
        }
    }

    #[test]
    fn unreadable_numbers_are_named_and_other_problems_still_shown() {
        let e = parse_form(&form(&[
            ("iv_dose_min", "half"),
            ("group_size_max", "7.5"),
            ("minimum_age_years", ""),
            ("min_hours_between_sessions", "1"),
        ]))
        .unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "minimum_age_years",
                "iv_dose_min",
                "group_size_max",
                "min_hours_between_sessions"
            ]
        );
        assert!(e.0[1].message.contains("IV dose: lowest"), "{e:?}");
        assert!(e.0[2].message.contains("whole number"), "{e:?}");
    }

    #[test]
    fn a_huge_or_negative_whole_number_is_refused_by_range_not_wrapped() {
        let e = parse_form(&form(&[("minimum_age_years", "274")]));
        assert!(
            e.is_ok(),
            "parsing alone accepts it: validation is the service's"
        );
        let s = e.unwrap();
        assert_eq!(s.thresholds.minimum_age_years, 255);
        assert!(s.validate().is_err());
        let s = parse_form(&form(&[("group_size_min", "-3")])).unwrap();
        assert_eq!(s.group_size_min, 0);
        assert!(s.validate().is_err());
    }
}
