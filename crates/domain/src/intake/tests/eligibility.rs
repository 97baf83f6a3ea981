//! What a submitted intake hands to the contraindication rules.

use super::*;
use crate::rules::{self, RuleId, Severity, Thresholds};

#[test]
fn eligibility_input_carries_age_history_and_medications() {
    let mut d = complete();
    d.history.insert("hypertension".into(), "yes".into());
    d.history.insert("seizures".into(), "unknown".into());
    d.medications.push(benzodiazepine("4"));
    let intake = submitted(&d);
    let input = intake.eligibility_input(today());

    assert_eq!(input.age_years, Some(39));
    assert_eq!(input.history, intake.history);
    assert_eq!(input.history.get(HistoryItem::Hypertension), Answer::Yes);
    assert_eq!(input.medications.as_deref(), Some(&intake.medications[..]));
    // The assessment and questionnaires are the service's to fill in.
    assert!(input.assessment_bp.is_empty());
    assert_eq!((input.audit_c_positive, input.dast10_total), (None, None));

    let evaluation = rules::evaluate(&input, &Thresholds::default());
    let benzo = evaluation.finding(RuleId::BenzodiazepineDose).unwrap();
    assert_eq!(benzo.severity, Severity::Relative);
    assert!(!evaluation.has_absolute());
    assert!(!evaluation.is_unjudged(RuleId::AgeUnderMinimum));
}

#[test]
fn a_minor_submits_and_the_rules_not_the_form_refuse_them() {
    let intake = submitted(&IntakeDraft {
        date_of_birth: "2010-06-01".into(),
        ..complete()
    });
    let input = intake.eligibility_input(today());
    assert_eq!(input.age_years, Some(14));
    let evaluation = rules::evaluate(&input, &Thresholds::default());
    assert!(evaluation.fired(RuleId::AgeUnderMinimum));
}
