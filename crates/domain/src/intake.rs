//! The client's intake form (issue 3, "Client portal"; DESIGN.md "The journey"):
//! demographics, emergency contact, support system, goals, prior treatments,
//! medications, allergies, the medical and psychiatric history, weight and height.
//!
//! The form has two shapes. An [`IntakeDraft`] is what the client has typed so far,
//! every field optional and kept as text, so the portal can save it as they go and
//! resume it later (the service stores it, encrypted, as JSON). [`IntakeDraft::submit`]
//! parses a draft into an [`Intake`], whose fields are typed and complete, reporting
//! every problem at once under the form's field names. [`IntakeDraft::check_draft`]
//! runs the same parsers on the fields that are filled in, without asking for the
//! rest, so a draft never stores text no submission could accept.
//!
//! The draft is also the stored form of a submitted intake: an [`Intake`] is not
//! deserialized but re-parsed, with `submit(submitted_on)`, from the draft saved at
//! submission ([`Intake::to_draft`] gives the canonical one). So stored data always
//! passes through the same checks as typed data.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize};

use crate::clinical::{Answer, MedicalHistory, Medication, MedicationForm, Sex};
use crate::rules::EligibilityInput;
use crate::text::{FreeText, PersonName, Phone};
use crate::validation::Invalid;

mod parse;

#[cfg(test)]
mod tests;

/// The intake form as the client has filled it in so far. An empty string means
/// "not filled in"; every field may be missing from stored JSON, so a draft saved
/// by an older release still loads. Field names are the form's field names, and
/// the names every [`Invalid`] error uses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IntakeDraft {
    // Demographics.
    /// The name on identity documents and prescriptions.
    pub legal_name: String,
    /// The name the care team should use, when it differs.
    pub preferred_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// Sex as recorded, for sex-specific instrument cut-offs (see [`Sex`]). A blank
    /// form value reads as `None`.
    #[serde(deserialize_with = "blank_or_sex")]
    pub sex: Option<Sex>,
    pub pronouns: String,
    /// Postal address, several lines allowed.
    pub address: String,

    // Emergency contact.
    pub emergency_contact_name: String,
    pub emergency_contact_relationship: String,
    pub emergency_contact_phone: String,

    // Support system: the discharge criteria release a client only to a responsible
    // adult (DESIGN.md, "Discharge"), so submission needs at least one of these.
    /// Who can drive the client home after an in-office session.
    pub support_ride_home_name: String,
    pub support_ride_home_phone: String,
    /// Who could sit with the client at home.
    pub support_sitter_name: String,
    pub support_sitter_phone: String,
    /// Anything else about their support: friends, groups, a therapist.
    pub support_notes: String,

    // Goals and what brings them.
    pub goals: String,
    pub what_brings_you: String,

    // Prior treatments and therapies.
    /// Therapies, medications and programmes tried before, in the client's words.
    pub prior_treatments: String,
    /// Each `yes`, `no` or `unknown` ([`Answer`]); blank reads as not known.
    pub prior_ketamine: String,
    /// Electroconvulsive therapy.
    pub prior_ect: String,
    /// Transcranial magnetic stimulation.
    pub prior_tms: String,
    /// Any psychedelic experience, clinical or not.
    pub prior_psychedelics: String,

    // Medications, structured (DESIGN.md "Medications").
    pub medications: Vec<MedicationForm>,
    /// "I take no medications": an empty list alone means "not filled in yet".
    pub no_medications: bool,

    /// Allergies in the client's words. A known ketamine allergy is asked in the
    /// history, where the rules read it.
    pub allergies: String,

    /// The history answers keyed by [`crate::clinical::HistoryItem`] id, as
    /// [`MedicalHistory::parse`] reads them.
    pub history: BTreeMap<String, String>,

    /// Self-reported; dosing uses the weight measured on the day of a session.
    pub weight_kg: String,
    pub height_cm: String,
}

impl IntakeDraft {
    /// The checks that apply even to an unfinished form: every field that is filled
    /// in has a sensible length and characters, numbers and dates parse, choices
    /// are among the offered ones, and the medication list has at most
    /// [`Medication::LIST_MAX`] entries. Empty fields are fine.
    pub fn check_draft(&self) -> Result<(), Invalid> {
        parse::read(self, None).map(|_| ())
    }

    /// Parses the form for submission: every required field present and every
    /// value valid on `today` (the clinic's date), with every problem reported at
    /// once, each under its field's name.
    pub fn submit(&self, today: Date) -> Result<Intake, Invalid> {
        parse::read(self, Some(today))?.ok_or_else(|| {
            Invalid::field("intake", "The form could not be read; please try again.")
        })
    }
}

/// A submitted intake: complete, typed, valid.
#[derive(Debug, Clone, PartialEq)]
pub struct Intake {
    pub legal_name: PersonName,
    pub preferred_name: Option<PersonName>,
    pub date_of_birth: Date,
    pub sex: Sex,
    pub pronouns: Option<FreeText>,
    pub address: Option<FreeText>,
    pub emergency_contact: EmergencyContact,
    pub support: Support,
    pub goals: FreeText,
    pub what_brings_you: Option<FreeText>,
    pub prior_treatment: PriorTreatment,
    /// Empty when the client said they take no medications.
    pub medications: Vec<Medication>,
    pub allergies: Option<FreeText>,
    pub history: MedicalHistory,
    pub weight_kg: f64,
    pub height_cm: f64,
}

/// Who to call if something goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyContact {
    pub name: PersonName,
    /// "Partner", "sister", ...
    pub relationship: Option<FreeText>,
    pub phone: Phone,
}

/// One person of the client's support system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportPerson {
    pub name: PersonName,
    pub phone: Phone,
}

/// The client's support system; at least one person is named. The treatment plan
/// later names its own support plan (ride home or session monitor); these are the
/// people it starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Support {
    pub ride_home: Option<SupportPerson>,
    pub sitter: Option<SupportPerson>,
    pub notes: Option<FreeText>,
}

/// Treatments tried before. Blank structured answers are kept as not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorTreatment {
    pub notes: Option<FreeText>,
    /// Ketamine or esketamine, in any setting.
    pub ketamine_or_esketamine: Answer,
    pub ect: Answer,
    pub tms: Answer,
    pub psychedelics: Answer,
}

impl Intake {
    /// No living person is older; anything above is a typo in the year.
    pub const MAX_AGE_YEARS: u8 = 120;
    /// Kilograms a person can plausibly weigh. Pounds typed as kilograms pass when
    /// under the top, which is why IV dosing uses the weight measured on the day.
    pub const WEIGHT_KG: RangeInclusive<f64> = 25.0..=350.0;
    /// Centimetres; refuses metres (`1.75`) and feet.
    pub const HEIGHT_CM: RangeInclusive<f64> = 100.0..=250.0;

    pub const PRONOUNS_MAX: usize = 50;
    pub const ADDRESS_MAX: usize = 500;
    pub const RELATIONSHIP_MAX: usize = 100;
    pub const ALLERGIES_MAX: usize = 1_000;
    pub const SUPPORT_NOTES_MAX: usize = 2_000;
    /// Goals, what brings them and prior treatments: a page or so each.
    pub const NARRATIVE_MAX: usize = 4_000;

    /// Age in whole years on `date`: a birthday counts from the day itself, and a
    /// 29 February birthday from 1 March in other years. Zero before birth; capped
    /// at 255.
    pub fn age_on(&self, date: Date) -> u8 {
        u8::try_from(age_years(self.date_of_birth, date).max(0)).unwrap_or(u8::MAX)
    }

    /// What the contraindication rules read from the intake on `today`: age,
    /// history and medications (known, possibly empty). Assessment blood pressures
    /// and questionnaire results stay "not known" for the service to fill in.
    pub fn eligibility_input(&self, today: Date) -> EligibilityInput {
        EligibilityInput {
            age_years: Some(self.age_on(today)),
            history: self.history.clone(),
            medications: Some(self.medications.clone()),
            ..EligibilityInput::default()
        }
    }

    /// The preferred name when given, else the legal name.
    pub fn display_name(&self) -> &PersonName {
        self.preferred_name.as_ref().unwrap_or(&self.legal_name)
    }

    /// The draft that submits to this intake: what to store, and what the client
    /// starts from when they correct a submitted form.
    pub fn to_draft(&self) -> IntakeDraft {
        let text = |t: &Option<FreeText>| t.as_ref().map(|t| t.as_str().to_owned());
        let (ride_name, ride_phone) = person(self.support.ride_home.as_ref());
        let (sit_name, sit_phone) = person(self.support.sitter.as_ref());
        IntakeDraft {
            legal_name: self.legal_name.as_str().to_owned(),
            preferred_name: self
                .preferred_name
                .as_ref()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default(),
            date_of_birth: self.date_of_birth.to_string(),
            sex: Some(self.sex),
            pronouns: text(&self.pronouns).unwrap_or_default(),
            address: text(&self.address).unwrap_or_default(),
            emergency_contact_name: self.emergency_contact.name.as_str().to_owned(),
            emergency_contact_relationship: text(&self.emergency_contact.relationship)
                .unwrap_or_default(),
            emergency_contact_phone: self.emergency_contact.phone.as_str().to_owned(),
            support_ride_home_name: ride_name,
            support_ride_home_phone: ride_phone,
            support_sitter_name: sit_name,
            support_sitter_phone: sit_phone,
            support_notes: text(&self.support.notes).unwrap_or_default(),
            goals: self.goals.as_str().to_owned(),
            what_brings_you: text(&self.what_brings_you).unwrap_or_default(),
            prior_treatments: text(&self.prior_treatment.notes).unwrap_or_default(),
            prior_ketamine: self
                .prior_treatment
                .ketamine_or_esketamine
                .as_str()
                .to_owned(),
            prior_ect: self.prior_treatment.ect.as_str().to_owned(),
            prior_tms: self.prior_treatment.tms.as_str().to_owned(),
            prior_psychedelics: self.prior_treatment.psychedelics.as_str().to_owned(),
            medications: self.medications.iter().map(medication_form).collect(),
            no_medications: self.medications.is_empty(),
            allergies: text(&self.allergies).unwrap_or_default(),
            history: crate::clinical::HistoryItem::ALL
                .iter()
                .map(|i| {
                    (
                        i.as_str().to_owned(),
                        self.history.get(*i).as_str().to_owned(),
                    )
                })
                .collect(),
            weight_kg: self.weight_kg.to_string(),
            height_cm: self.height_cm.to_string(),
        }
    }
}

/// Whole years from `born` to `on`, negative before birth.
fn age_years(born: Date, on: Date) -> i32 {
    let years = i32::from(on.year()) - i32::from(born.year());
    if (on.month(), on.day()) < (born.month(), born.day()) {
        years - 1
    } else {
        years
    }
}

fn person(p: Option<&SupportPerson>) -> (String, String) {
    p.map(|p| (p.name.as_str().to_owned(), p.phone.as_str().to_owned()))
        .unwrap_or_default()
}

fn medication_form(m: &Medication) -> MedicationForm {
    let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    MedicationForm {
        name: m.name.clone(),
        class: m.class.as_str().to_owned(),
        dose: m.dose_text.clone(),
        frequency: m.frequency.clone(),
        lorazepam_equivalent_mg_per_day: number(m.lorazepam_equivalent_mg_per_day),
        morphine_equivalent_mg_per_day: number(m.morphine_equivalent_mg_per_day),
    }
}

/// A form posts an unchosen select as `""`; that is "not filled in", not an error.
fn blank_or_sex<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Sex>, D::Error> {
    match Option::<String>::deserialize(deserializer)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => s.trim().parse::<Sex>().map(Some).map_err(|()| {
            serde::de::Error::invalid_value(
                serde::de::Unexpected::Str(&s),
                &"female, male, intersex or not-recorded",
            )
        }),
    }
}
