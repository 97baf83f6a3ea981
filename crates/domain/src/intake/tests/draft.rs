//! Drafts: the light checks, the stored JSON shape, and a submitted intake's draft.

use super::*;

#[test]
fn check_draft_accepts_an_empty_or_half_filled_draft() {
    assert!(IntakeDraft::default().check_draft().is_ok());
    let half = IntakeDraft {
        legal_name: "Ada Lovelace".into(),
        support_ride_home_name: "Mary Somerville".into(),
        medications: vec![MedicationForm {
            name: "clonazepam".into(),
            ..MedicationForm::default()
        }],
        history: [("pregnant".to_owned(), "no".to_owned())].into(),
        ..IntakeDraft::default()
    };
    assert!(half.check_draft().is_ok());
}

#[test]
fn check_draft_refuses_over_long_or_malformed_fields() {
    let long = IntakeDraft {
        goals: "x".repeat(Intake::NARRATIVE_MAX + 1),
        ..IntakeDraft::default()
    };
    let e = long.check_draft().unwrap_err();
    assert_eq!(error_fields(&e), ["goals"]);
    assert!(e.0[0].message.contains("at most 4000 characters"));
    let at_limit = IntakeDraft {
        goals: "é".repeat(Intake::NARRATIVE_MAX),
        ..IntakeDraft::default()
    };
    assert!(at_limit.check_draft().is_ok());

    let bad = IntakeDraft {
        legal_name: "Ada\u{0}".into(),
        pronouns: "she\nher".into(),
        emergency_contact_phone: "ring ring".into(),
        prior_ect: "maybe".into(),
        medications: vec![MedicationForm {
            name: "n".repeat(Medication::NAME_MAX + 1),
            morphine_equivalent_mg_per_day: "lots".into(),
            ..MedicationForm::default()
        }],
        history: [
            ("pregnant".to_owned(), "perhaps".to_owned()),
            ("favourite-colour".to_owned(), "no".to_owned()),
        ]
        .into(),
        ..IntakeDraft::default()
    };
    assert_eq!(
        error_fields(&bad.check_draft().unwrap_err()),
        [
            "legal_name",
            "pronouns",
            "emergency_contact_phone",
            "prior_ect",
            "medications[0].name",
            "medications[0].morphine_equivalent_mg_per_day",
            "history.favourite-colour",
            "history.pregnant",
        ]
    );
}

#[test]
fn a_draft_lists_at_most_50_medications() {
    let mut d = IntakeDraft {
        medications: vec![medication("sertraline", "ssri-snri"); Medication::LIST_MAX],
        ..IntakeDraft::default()
    };
    assert!(d.check_draft().is_ok());
    d.medications.push(medication("sertraline", "ssri-snri"));
    assert_eq!(error_fields(&d.check_draft().unwrap_err()), ["medications"]);
    let full = IntakeDraft {
        medications: d.medications,
        ..complete()
    };
    refused_on(&full, "medications");
}

#[test]
fn the_draft_round_trips_through_json() {
    let mut d = complete();
    d.medications.push(benzodiazepine("4"));
    let stored = serde_json::to_value(&d).unwrap();
    // The medication list keeps the form's field names.
    let meds = stored["medications"]
        .as_array()
        .expect("medications is stored as an array");
    assert_eq!(meds.len(), 2);
    assert_eq!(meds[1]["lorazepam_equivalent_mg_per_day"], "4");
    assert_eq!(stored["sex"], "female");

    let back: IntakeDraft = serde_json::from_value(stored.clone()).unwrap();
    assert_eq!(serde_json::to_value(&back).unwrap(), stored);
    assert_eq!(back.submit(today()), d.submit(today()));

    let empty = serde_json::to_value(IntakeDraft::default()).unwrap();
    let back: IntakeDraft = serde_json::from_value(empty.clone()).unwrap();
    assert_eq!(serde_json::to_value(&back).unwrap(), empty);
}

#[test]
fn a_stored_draft_with_fields_missing_or_a_blank_choice_still_loads() {
    let stored = serde_json::json!({
        "legal_name": "Ada Lovelace",
        "sex": "",
        "medications": [{"name": "sertraline"}],
        "a_field_from_a_later_release": true,
    });
    let d: IntakeDraft = serde_json::from_value(stored).unwrap();
    assert_eq!(d.legal_name, "Ada Lovelace");
    assert_eq!(d.sex, None);
    assert_eq!(d.medications[0].name, "sertraline");
    assert!(d.goals.is_empty() && d.history.is_empty() && !d.no_medications);

    let null_sex = serde_json::json!({"sex": null});
    assert_eq!(
        serde_json::from_value::<IntakeDraft>(null_sex).unwrap().sex,
        None
    );
    let bad_sex = serde_json::json!({"sex": "unknown"});
    assert!(serde_json::from_value::<IntakeDraft>(bad_sex).is_err());
}
