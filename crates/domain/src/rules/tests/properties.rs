//! Properties over arbitrary inputs: the engine is deterministic, orders its
//! findings, and never leaves a rule silently unjudged.

use proptest::prelude::*;

use super::{eval, med};
use crate::clinical::{
    Answer, BloodPressure, HistoryItem, MedicalHistory, Medication, MedicationClass,
};
use crate::rules::{EligibilityInput, RULESET_VERSION};

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![Just(Answer::Yes), Just(Answer::No), Just(Answer::Unknown)]
}

fn medication() -> impl Strategy<Value = Medication> {
    (
        proptest::sample::select(MedicationClass::ALL.to_vec()),
        proptest::option::of(0.0f64..12.0),
        proptest::option::of(0.0f64..200.0),
    )
        .prop_map(|(class, lorazepam, mme)| Medication {
            lorazepam_equivalent_mg_per_day: lorazepam
                .filter(|_| class == MedicationClass::Benzodiazepine),
            morphine_equivalent_mg_per_day: mme.filter(|_| class == MedicationClass::Opioid),
            ..med("x", class)
        })
}

fn input() -> impl Strategy<Value = EligibilityInput> {
    (
        proptest::option::of(0u8..100),
        proptest::collection::vec(answer(), HistoryItem::ALL.len()),
        proptest::option::of(proptest::collection::vec(medication(), 0..6)),
        proptest::collection::vec((90u16..200, 50u16..89), 0..4),
        proptest::option::of(any::<bool>()),
        proptest::option::of(0u8..=10),
    )
        .prop_map(|(age, answers, medications, bps, audit, dast)| {
            let mut history = MedicalHistory::default();
            for (item, a) in HistoryItem::ALL.iter().zip(answers) {
                history.set(*item, a);
            }
            EligibilityInput {
                age_years: age,
                history,
                medications,
                assessment_bp: bps
                    .into_iter()
                    .filter_map(|(s, d)| BloodPressure::new(s, d).ok())
                    .collect(),
                audit_c_positive: audit,
                dast10_total: dast,
            }
        })
}

proptest! {
    #[test]
    fn any_input_gives_a_deterministic_ordered_consistent_evaluation(input in input()) {
        let ev = eval(&input);
        prop_assert_eq!(&eval(&input), &ev);
        prop_assert_eq!(ev.ruleset_version.as_str(), RULESET_VERSION);
        for pair in ev.findings.windows(2) {
            prop_assert!(pair[0].rule < pair[1].rule);
        }
        for f in &ev.findings {
            prop_assert_eq!(f.severity, f.rule.severity());
            prop_assert!(!f.evidence.is_empty());
            prop_assert!(!ev.is_unjudged(f.rule), "{} both fired and unjudged", f.rule);
        }
        for m in &ev.missing {
            prop_assert!(!m.rules.is_empty());
        }
        prop_assert_eq!(ev.has_absolute(), !ev.absolute().is_empty());
    }

    #[test]
    fn complete_data_leaves_no_rule_unjudged(
        input in input()
    ) {
        let complete = input.age_years.is_some()
            && input.history.unknown().is_empty()
            && input.assessment_bp.len() >= 2
            && input.audit_c_positive.is_some()
            && input.dast10_total.is_some()
            && input.medications.as_ref().is_some_and(|list| list.iter().all(|m| match m.class {
                MedicationClass::Benzodiazepine => m.lorazepam_equivalent_mg_per_day.is_some(),
                MedicationClass::Opioid => m.morphine_equivalent_mg_per_day.is_some(),
                _ => true,
            }));
        let ev = eval(&input);
        if complete {
            prop_assert!(ev.is_complete(), "{:?}", ev.missing);
        }
    }
}
