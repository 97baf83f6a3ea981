//! The intake form: drafts, submission, and what it hands to the rules.

mod draft;
mod eligibility;

use std::collections::BTreeMap;

use jiff::civil::{Date, date};

use super::*;
use crate::clinical::{HistoryItem, MedicationClass};

fn today() -> Date {
    date(2025, 3, 10)
}

fn history(answer: &str) -> BTreeMap<String, String> {
    HistoryItem::ALL
        .iter()
        .map(|i| (i.as_str().to_owned(), answer.to_owned()))
        .collect()
}

fn medication(name: &str, class: &str) -> MedicationForm {
    MedicationForm {
        name: name.into(),
        class: class.into(),
        dose: "100 mg".into(),
        frequency: "once daily".into(),
        ..MedicationForm::default()
    }
}

fn benzodiazepine(lorazepam_mg: &str) -> MedicationForm {
    MedicationForm {
        lorazepam_equivalent_mg_per_day: lorazepam_mg.into(),
        ..medication("clonazepam", "benzodiazepine")
    }
}

/// A draft with every field filled in.
fn complete() -> IntakeDraft {
    IntakeDraft {
        legal_name: "Ada Lovelace".into(),
        preferred_name: "Ada".into(),
        date_of_birth: "1985-04-23".into(),
        sex: Some(Sex::Female),
        pronouns: "she/her".into(),
        address: "12 St James's Square\nLondon".into(),
        emergency_contact_name: "Charles Babbage".into(),
        emergency_contact_relationship: "friend".into(),
        emergency_contact_phone: "+44 20 7946 0018".into(),
        support_ride_home_name: "Mary Somerville".into(),
        support_ride_home_phone: "+44 20 7946 0019".into(),
        support_sitter_name: String::new(),
        support_sitter_phone: String::new(),
        support_notes: "A weekly writing group.".into(),
        goals: "Feel less stuck; return to my work.".into(),
        what_brings_you: "Depression that two medications did not lift.".into(),
        prior_treatments: "CBT for a year; sertraline.".into(),
        prior_ketamine: "no".into(),
        prior_ect: "no".into(),
        prior_tms: "yes".into(),
        prior_psychedelics: "unknown".into(),
        medications: vec![medication("sertraline", "ssri-snri")],
        no_medications: false,
        allergies: "Penicillin (rash).".into(),
        history: history("no"),
        weight_kg: "61.5".into(),
        height_cm: "165".into(),
    }
}

fn submitted(d: &IntakeDraft) -> Intake {
    d.submit(today()).unwrap()
}

fn error_fields(e: &Invalid) -> Vec<&str> {
    e.0.iter().map(|f| f.field.as_str()).collect()
}

/// Submits `d` and expects exactly one problem, on `field`.
fn refused_on(d: &IntakeDraft, field: &str) {
    let e = d.submit(today()).unwrap_err();
    assert_eq!(error_fields(&e), [field], "{e:?}");
}

#[test]
fn a_complete_draft_submits_with_typed_fields() {
    let intake = submitted(&complete());
    assert_eq!(intake.legal_name.as_str(), "Ada Lovelace");
    assert_eq!(intake.display_name().as_str(), "Ada");
    assert_eq!(intake.date_of_birth, date(1985, 4, 23));
    assert_eq!(intake.sex, Sex::Female);
    assert_eq!(intake.emergency_contact.phone.as_str(), "+44 20 7946 0018");
    let ride = intake.support.ride_home.as_ref().unwrap();
    assert_eq!(ride.name.as_str(), "Mary Somerville");
    assert_eq!(intake.support.sitter, None);
    assert_eq!(intake.prior_treatment.tms, Answer::Yes);
    assert_eq!(intake.prior_treatment.psychedelics, Answer::Unknown);
    assert_eq!(intake.medications[0].class, MedicationClass::SsriSnri);
    assert_eq!(intake.history, MedicalHistory::uniform(Answer::No));
    assert_eq!((intake.weight_kg, intake.height_cm), (61.5, 165.0));
    assert!(complete().check_draft().is_ok());
}

#[test]
fn optional_fields_may_stay_blank() {
    let d = IntakeDraft {
        preferred_name: String::new(),
        pronouns: String::new(),
        address: String::new(),
        emergency_contact_relationship: String::new(),
        support_notes: String::new(),
        what_brings_you: String::new(),
        prior_treatments: String::new(),
        prior_ketamine: String::new(),
        prior_ect: String::new(),
        prior_tms: String::new(),
        prior_psychedelics: String::new(),
        allergies: String::new(),
        ..complete()
    };
    let intake = submitted(&d);
    assert_eq!(intake.display_name().as_str(), "Ada Lovelace");
    assert_eq!(intake.prior_treatment.ect, Answer::Unknown);
    assert_eq!(intake.allergies, None);
}

/// Blanks one part of a draft.
type Clear = fn(&mut IntakeDraft);

#[test]
fn each_missing_required_field_is_named() {
    let cases: [(&str, Clear); 11] = [
        ("legal_name", |d| d.legal_name = " ".into()),
        ("date_of_birth", |d| d.date_of_birth.clear()),
        ("sex", |d| d.sex = None),
        ("emergency_contact_name", |d| {
            d.emergency_contact_name.clear()
        }),
        ("emergency_contact_phone", |d| {
            d.emergency_contact_phone.clear()
        }),
        ("support", |d| {
            d.support_ride_home_name.clear();
            d.support_ride_home_phone.clear();
        }),
        ("goals", |d| d.goals.clear()),
        ("history.pregnant", |d| {
            d.history.remove("pregnant");
        }),
        ("medications", |d| d.medications.clear()),
        ("weight_kg", |d| d.weight_kg.clear()),
        ("height_cm", |d| d.height_cm.clear()),
    ];
    for (field, clear) in cases {
        let mut d = complete();
        clear(&mut d);
        refused_on(&d, field);
        assert!(
            d.check_draft().is_ok(),
            "{field}: a draft may leave it blank"
        );
    }
}

#[test]
fn an_empty_draft_names_every_missing_field_at_once() {
    let e = IntakeDraft::default().submit(today()).unwrap_err();
    let fields = error_fields(&e);
    for field in [
        "legal_name",
        "date_of_birth",
        "sex",
        "emergency_contact_name",
        "emergency_contact_phone",
        "support",
        "goals",
        "history.hypertension",
        "history.opioid-misuse-past-year",
        "medications",
        "weight_kg",
        "height_cm",
    ] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    assert!(e.0.iter().all(|f| !f.message.is_empty()));
}

#[test]
fn one_support_person_is_enough_and_needs_both_name_and_phone() {
    let mut d = complete();
    d.support_ride_home_name.clear();
    d.support_ride_home_phone.clear();
    d.support_sitter_name = "Mary Somerville".into();
    d.support_sitter_phone = "+44 20 7946 0019".into();
    let intake = submitted(&d);
    assert_eq!(intake.support.ride_home, None);
    assert!(intake.support.sitter.is_some());

    d.support_sitter_phone.clear();
    refused_on(&d, "support_sitter_phone");
    d.support_sitter_name.clear();
    d.support_sitter_phone = "+44 20 7946 0019".into();
    refused_on(&d, "support_sitter_name");
    d.support_sitter_phone = "call Mary".into();
    let e = d.submit(today()).unwrap_err();
    assert_eq!(
        error_fields(&e),
        ["support_sitter_name", "support_sitter_phone"]
    );
}

#[test]
fn a_future_or_absurd_date_of_birth_is_refused() {
    for bad in [
        "2025-03-11",
        "2090-01-01",
        "1904-03-09",
        "1800-01-01",
        "0000-01-01",
    ] {
        let d = IntakeDraft {
            date_of_birth: bad.into(),
            ..complete()
        };
        refused_on(&d, "date_of_birth");
        assert!(
            d.check_draft().is_ok(),
            "{bad}: well-formed, judged at submission"
        );
    }
    for bad in [
        "1985-02-30",
        "23/04/1985",
        "85-04-23",
        "1985-4-23",
        "1985-04-23T00:00",
        "x",
    ] {
        let d = IntakeDraft {
            date_of_birth: bad.into(),
            ..complete()
        };
        refused_on(&d, "date_of_birth");
        assert_eq!(
            error_fields(&d.check_draft().unwrap_err()),
            ["date_of_birth"],
            "{bad}"
        );
    }
}

#[test]
fn a_date_of_birth_up_to_today_and_up_to_120_years_ago_is_accepted() {
    for (dob, age) in [("2025-03-10", 0), ("1905-03-10", 120), ("2007-03-10", 18)] {
        let d = IntakeDraft {
            date_of_birth: dob.into(),
            ..complete()
        };
        assert_eq!(submitted(&d).age_on(today()), age, "{dob}");
    }
}

#[test]
fn age_counts_whole_years_from_the_birthday() {
    let intake = submitted(&complete());
    assert_eq!(intake.age_on(date(2025, 4, 22)), 39);
    assert_eq!(intake.age_on(date(2025, 4, 23)), 40);
    assert_eq!(intake.age_on(date(1980, 1, 1)), 0);

    let leap = submitted(&IntakeDraft {
        date_of_birth: "2004-02-29".into(),
        ..complete()
    });
    assert_eq!(leap.age_on(date(2025, 2, 28)), 20);
    assert_eq!(leap.age_on(date(2025, 3, 1)), 21);
    assert_eq!(leap.age_on(date(2028, 2, 29)), 24);
}

#[test]
fn weight_and_height_bounds_are_inclusive() {
    let with = |w: &str, h: &str| IntakeDraft {
        weight_kg: w.into(),
        height_cm: h.into(),
        ..complete()
    };
    for (w, h) in [
        ("25", "100"),
        ("350", "250"),
        ("350.0", "249.9"),
        (" 72. ", "165"),
    ] {
        let intake = submitted(&with(w, h));
        assert!(Intake::WEIGHT_KG.contains(&intake.weight_kg), "{w}");
        assert!(Intake::HEIGHT_CM.contains(&intake.height_cm), "{h}");
    }
    for w in ["24.9", "350.1", "0", "600"] {
        refused_on(&with(w, "165"), "weight_kg");
        assert!(
            with(w, "165").check_draft().is_ok(),
            "{w} parses in a draft"
        );
    }
    for h in ["99.9", "250.1", "1.75", "5"] {
        refused_on(&with("61.5", h), "height_cm");
    }
    for bad in ["-70", "70 kg", "70,5", "NaN", "inf", "1e2", ".", "7.0.1"] {
        let d = with(bad, "165");
        refused_on(&d, "weight_kg");
        assert_eq!(
            error_fields(&d.check_draft().unwrap_err()),
            ["weight_kg"],
            "{bad}"
        );
    }
}

#[test]
fn no_medications_differs_from_a_list_not_filled_in() {
    let mut d = complete();
    d.medications.clear();
    let e = d.submit(today()).unwrap_err();
    assert_eq!(error_fields(&e), ["medications"]);
    assert!(
        e.message_for("medications")
            .unwrap()
            .contains("no medications")
    );

    d.no_medications = true;
    let intake = submitted(&d);
    assert!(intake.medications.is_empty());
    assert_eq!(intake.eligibility_input(today()).medications, Some(vec![]));

    d.medications = vec![medication("sertraline", "ssri-snri")];
    refused_on(&d, "no_medications");
}

#[test]
fn medication_problems_name_their_entry_and_field() {
    let mut d = complete();
    d.medications = vec![
        medication("sertraline", "ssri-snri"),
        benzodiazepine("1"),
        medication("phenelzine", "MAO inhibitor"),
        benzodiazepine(""),
    ];
    let e = d.submit(today()).unwrap_err();
    assert_eq!(
        error_fields(&e),
        [
            "medications[2].class",
            "medications[3].lorazepam_equivalent_mg_per_day"
        ]
    );
    // A draft checks what is filled in: the bad class, not the missing dose.
    assert_eq!(
        error_fields(&d.check_draft().unwrap_err()),
        ["medications[2].class"]
    );
}
