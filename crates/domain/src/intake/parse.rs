//! One reader for both checks: a draft check runs every parser on the fields that
//! are filled in; a submission also asks for the required fields, checks bounds
//! and dates against today, and builds the [`Intake`].

use jiff::civil::Date;

use super::{
    EmergencyContact, Intake, IntakeDraft, PriorTreatment, Support, SupportPerson, age_years,
};
use crate::clinical::Answer;
use crate::text::{FreeText, PersonName, Phone};
use crate::validation::Invalid;

mod lists;

/// Reads `d`. With `submit` as today's date, a clean read yields the intake; as a
/// draft check (`None`) it yields nothing.
pub(super) fn read(d: &IntakeDraft, submit: Option<Date>) -> Result<Option<Intake>, Invalid> {
    let mut r = Reader {
        errors: Invalid::new(),
        submit,
    };

    let legal_name = r.required("legal_name", &d.legal_name, "Enter your legal name.", name);
    let preferred_name = r.optional(&d.preferred_name, |s| name("preferred_name", s));
    let date_of_birth = r.date_of_birth(&d.date_of_birth);
    let sex = match d.sex {
        None if r.submitting() => {
            r.errors.push("sex", "Choose your sex as recorded.");
            None
        }
        sex => sex,
    };
    let pronouns = r.optional(&d.pronouns, |s| {
        FreeText::parse_line("pronouns", "your pronouns", s, Intake::PRONOUNS_MAX)
    });
    let address = r.optional(&d.address, |s| {
        FreeText::parse("address", "your address", s, Intake::ADDRESS_MAX)
    });

    let contact_name = r.required(
        "emergency_contact_name",
        &d.emergency_contact_name,
        "Enter the name of someone we can call in an emergency.",
        name,
    );
    let contact_relationship = r.optional(&d.emergency_contact_relationship, |s| {
        FreeText::parse_line(
            "emergency_contact_relationship",
            "how you know your emergency contact",
            s,
            Intake::RELATIONSHIP_MAX,
        )
    });
    let contact_phone = r.required(
        "emergency_contact_phone",
        &d.emergency_contact_phone,
        "Enter your emergency contact's phone number.",
        Phone::parse,
    );

    let ride_home = r.support_person(
        "support_ride_home",
        &d.support_ride_home_name,
        &d.support_ride_home_phone,
        "the person who can drive you home",
    );
    let sitter = r.support_person(
        "support_sitter",
        &d.support_sitter_name,
        &d.support_sitter_phone,
        "the person who could sit with you at home",
    );
    let no_one = [
        &d.support_ride_home_name,
        &d.support_ride_home_phone,
        &d.support_sitter_name,
        &d.support_sitter_phone,
    ]
    .iter()
    .all(|s| s.trim().is_empty());
    if r.submitting() && no_one {
        r.errors.push(
            "support",
            "Name someone who can drive you home after a session, or someone who could sit with you at home.",
        );
    }
    let support_notes = r.optional(&d.support_notes, |s| {
        FreeText::parse(
            "support_notes",
            "about your support",
            s,
            Intake::SUPPORT_NOTES_MAX,
        )
    });

    let goals = r.required(
        "goals",
        &d.goals,
        "Tell us what you hope to gain from this work.",
        |f, s| FreeText::parse(f, "your goals", s, Intake::NARRATIVE_MAX),
    );
    let what_brings_you = r.optional(&d.what_brings_you, |s| {
        FreeText::parse(
            "what_brings_you",
            "what brings you to us",
            s,
            Intake::NARRATIVE_MAX,
        )
    });
    let prior_notes = r.optional(&d.prior_treatments, |s| {
        FreeText::parse(
            "prior_treatments",
            "your earlier treatments",
            s,
            Intake::NARRATIVE_MAX,
        )
    });
    let prior_treatment = PriorTreatment {
        notes: prior_notes,
        ketamine_or_esketamine: r.answer("prior_ketamine", &d.prior_ketamine),
        ect: r.answer("prior_ect", &d.prior_ect),
        tms: r.answer("prior_tms", &d.prior_tms),
        psychedelics: r.answer("prior_psychedelics", &d.prior_psychedelics),
    };

    let medications = r.medications(d);
    let allergies = r.optional(&d.allergies, |s| {
        FreeText::parse("allergies", "your allergies", s, Intake::ALLERGIES_MAX)
    });
    let history = r.history(d);
    let weight_kg = r.measure(&d.weight_kg, &WEIGHT);
    let height_cm = r.measure(&d.height_cm, &HEIGHT);

    let Reader { errors, submit } = r;
    if !errors.is_empty() {
        return Err(errors);
    }
    let (
        Some(_),
        Some(legal_name),
        Some(date_of_birth),
        Some(sex),
        Some(contact_name),
        Some(contact_phone),
        Some(goals),
        Some(medications),
        Some(history),
        Some(weight_kg),
        Some(height_cm),
    ) = (
        submit,
        legal_name,
        date_of_birth,
        sex,
        contact_name,
        contact_phone,
        goals,
        medications,
        history,
        weight_kg,
        height_cm,
    )
    else {
        // A draft check, which builds nothing.
        return Ok(None);
    };
    Ok(Some(Intake {
        legal_name,
        preferred_name,
        date_of_birth,
        sex,
        pronouns,
        address,
        emergency_contact: EmergencyContact {
            name: contact_name,
            relationship: contact_relationship,
            phone: contact_phone,
        },
        support: Support {
            ride_home,
            sitter,
            notes: support_notes,
        },
        goals,
        what_brings_you,
        prior_treatment,
        medications,
        allergies,
        history,
        weight_kg,
        height_cm,
    }))
}

fn name(field: &str, raw: &str) -> Result<PersonName, Invalid> {
    PersonName::parse(field, raw)
}

/// A measurement typed as a number, with the bounds a submission must meet.
struct Measure {
    field: &'static str,
    unparsed: &'static str,
    missing: &'static str,
    out_of_range: &'static str,
    range: std::ops::RangeInclusive<f64>,
}

const WEIGHT: Measure = Measure {
    field: "weight_kg",
    unparsed: "Enter your weight in kilograms as a number, for example 72.5.",
    missing: "Enter your weight in kilograms.",
    out_of_range: "Your weight must be between 25 and 350 kg; check it is in kilograms, not pounds.",
    range: Intake::WEIGHT_KG,
};

const HEIGHT: Measure = Measure {
    field: "height_cm",
    unparsed: "Enter your height in centimetres as a number, for example 172.",
    missing: "Enter your height in centimetres.",
    out_of_range: "Your height must be between 100 and 250 cm; check it is in centimetres, not metres or feet.",
    range: Intake::HEIGHT_CM,
};

struct Reader {
    errors: Invalid,
    /// Today's date when submitting; `None` for a draft check.
    submit: Option<Date>,
}

impl Reader {
    fn submitting(&self) -> bool {
        self.submit.is_some()
    }

    /// A field a submission needs: blank is an error only when submitting.
    fn required<T>(
        &mut self,
        field: &str,
        raw: &str,
        missing: &str,
        parse: impl FnOnce(&str, &str) -> Result<T, Invalid>,
    ) -> Option<T> {
        if raw.trim().is_empty() {
            if self.submitting() {
                self.errors.push(field, missing);
            }
            return None;
        }
        self.errors.check(parse(field, raw))
    }

    /// A field that may stay blank.
    fn optional<T>(
        &mut self,
        raw: &str,
        parse: impl FnOnce(&str) -> Result<T, Invalid>,
    ) -> Option<T> {
        if raw.trim().is_empty() {
            return None;
        }
        self.errors.check(parse(raw))
    }

    fn date_of_birth(&mut self, raw: &str) -> Option<Date> {
        const FIELD: &str = "date_of_birth";
        let born = self.required(
            FIELD,
            raw,
            "Enter your date of birth, for example 1985-04-23.",
            parse_date,
        )?;
        let today = self.submit?;
        let age = age_years(born, today);
        if born > today {
            self.errors
                .push(FIELD, "Your date of birth cannot be in the future.");
            None
        } else if age > i32::from(Intake::MAX_AGE_YEARS) {
            self.errors.push(
                FIELD,
                format!(
                    "Check the year: this date of birth makes you older than {}.",
                    Intake::MAX_AGE_YEARS
                ),
            );
            None
        } else {
            Some(born)
        }
    }

    /// A name and phone that go together: a submission needs both or neither.
    fn support_person(
        &mut self,
        prefix: &str,
        raw_name: &str,
        raw_phone: &str,
        who: &str,
    ) -> Option<SupportPerson> {
        if raw_name.trim().is_empty() && raw_phone.trim().is_empty() {
            // Nobody named here; the caller asks for someone across both people.
            return None;
        }
        let person_name = self.required(
            &format!("{prefix}_name"),
            raw_name,
            &format!("Enter the name of {who}."),
            name,
        );
        let phone = self.required(
            &format!("{prefix}_phone"),
            raw_phone,
            &format!("Enter a phone number for {who}."),
            Phone::parse,
        );
        Some(SupportPerson {
            name: person_name?,
            phone: phone?,
        })
    }

    /// A structured yes / no / not sure; blank is "not known".
    fn answer(&mut self, field: &str, raw: &str) -> Answer {
        let s = raw.trim();
        if s.is_empty() {
            return Answer::Unknown;
        }
        match s.parse::<Answer>() {
            Ok(a) => a,
            Err(()) => {
                self.errors.push(field, "Answer yes, no or not sure.");
                Answer::Unknown
            }
        }
    }

    fn measure(&mut self, raw: &str, m: &Measure) -> Option<f64> {
        let value = self.required(m.field, raw, m.missing, |field, s| {
            decimal(s).ok_or_else(|| Invalid::field(field, m.unparsed))
        })?;
        if self.submitting() && !m.range.contains(&value) {
            self.errors.push(m.field, m.out_of_range);
            return None;
        }
        Some(value)
    }
}

/// `YYYY-MM-DD` exactly, and a date that exists.
fn parse_date(field: &str, raw: &str) -> Result<Date, Invalid> {
    let shape = || {
        Invalid::field(
            field,
            "Enter the date as year-month-day, for example 1985-04-23.",
        )
    };
    let parts: Vec<&str> = raw.trim().split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(shape());
    };
    let digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return Err(shape());
    }
    match (y.parse::<i16>(), m.parse::<i8>(), d.parse::<i8>()) {
        (Ok(y), Ok(m), Ok(d)) => Date::new(y, m, d).map_err(|_| {
            Invalid::field(
                field,
                "That date does not exist; check the day and the month.",
            )
        }),
        _ => Err(shape()),
    }
}

/// A plain non-negative decimal such as `72` or `72.5`: no sign, exponent, unit,
/// comma, `inf` or `NaN`.
fn decimal(raw: &str) -> Option<f64> {
    let s = raw.trim();
    let well_formed = s.len() <= 16
        && s.chars().all(|c| c.is_ascii_digit() || c == '.')
        && s.chars().filter(|c| *c == '.').count() <= 1
        && s.chars().any(|c| c.is_ascii_digit());
    if !well_formed {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}
