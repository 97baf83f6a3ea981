use super::*;
use crate::clinical::{Answer, HistoryItem, MedicationClass};

mod properties;

fn bp(systolic: u16, diastolic: u16) -> BloodPressure {
    BloodPressure::new(systolic, diastolic).unwrap()
}

fn med(name: &str, class: MedicationClass) -> Medication {
    Medication {
        name: name.into(),
        class,
        dose_text: "1 tablet".into(),
        frequency: "daily".into(),
        lorazepam_equivalent_mg_per_day: None,
        morphine_equivalent_mg_per_day: None,
    }
}

fn benzo(name: &str, lorazepam_mg: f64) -> Medication {
    Medication {
        lorazepam_equivalent_mg_per_day: Some(lorazepam_mg),
        ..med(name, MedicationClass::Benzodiazepine)
    }
}

fn opioid(name: &str, mme: Option<f64>) -> Medication {
    Medication {
        morphine_equivalent_mg_per_day: mme,
        ..med(name, MedicationClass::Opioid)
    }
}

/// An adult with nothing to report, every answer given.
fn clean() -> EligibilityInput {
    EligibilityInput {
        age_years: Some(35),
        history: MedicalHistory::uniform(Answer::No),
        medications: Some(vec![med("sertraline", MedicationClass::SsriSnri)]),
        assessment_bp: vec![bp(128, 82), bp(124, 80)],
        audit_c_positive: Some(false),
        dast10_total: Some(0),
    }
}

fn with_history(item: HistoryItem, answer: Answer) -> EligibilityInput {
    let mut input = clean();
    input.history.set(item, answer);
    input
}

fn with_med(m: Medication) -> EligibilityInput {
    let mut input = clean();
    if let Some(list) = input.medications.as_mut() {
        list.push(m);
    }
    input
}

fn eval(input: &EligibilityInput) -> Evaluation {
    evaluate(input, &Thresholds::default())
}

fn fired(input: &EligibilityInput) -> Vec<RuleId> {
    eval(input).findings.iter().map(|f| f.rule).collect()
}

/// For every rule, the smallest change to a clean input that should fire it alone.
fn triggers() -> Vec<(RuleId, EligibilityInput)> {
    use HistoryItem as H;
    let yes = |item| with_history(item, Answer::Yes);
    vec![
        (
            RuleId::AgeUnderMinimum,
            EligibilityInput {
                age_years: Some(17),
                ..clean()
            },
        ),
        (RuleId::Psychosis, yes(H::ActivePsychosis)),
        (RuleId::Psychosis, yes(H::PsychoticDisorderHistory)),
        (
            RuleId::ManiaOrBipolarPsychoticFeatures,
            yes(H::CurrentMania),
        ),
        (RuleId::PregnancyOrBreastfeeding, yes(H::Pregnant)),
        (RuleId::PregnancyOrBreastfeeding, yes(H::Breastfeeding)),
        (RuleId::KetamineAllergy, yes(H::KetamineAllergy)),
        (
            RuleId::UncontrolledHypertension,
            EligibilityInput {
                assessment_bp: vec![bp(172, 104), bp(168, 98)],
                ..clean()
            },
        ),
        (
            RuleId::UnstableCardiovascularOrCerebrovascular,
            yes(H::UnstableCardiovascularDisease),
        ),
        (
            RuleId::UnstableCardiovascularOrCerebrovascular,
            yes(H::CerebrovascularDisease),
        ),
        (
            RuleId::RaisedIntracranialPressure,
            yes(H::RaisedIntracranialPressure),
        ),
        (
            RuleId::SubstanceUseDisorder,
            yes(H::ActiveSubstanceUseDisorder),
        ),
        (
            RuleId::KetaminePcpOrOpioidMisuse,
            yes(H::KetaminePcpMisusePastYear),
        ),
        (
            RuleId::KetaminePcpOrOpioidMisuse,
            yes(H::OpioidMisusePastYear),
        ),
        (
            RuleId::BipolarWithoutMoodStabiliser,
            yes(H::BipolarDisorder),
        ),
        (
            RuleId::BenzodiazepineDose,
            with_med(benzo("clonazepam", 4.0)),
        ),
        (
            RuleId::Maoi,
            with_med(med("phenelzine", MedicationClass::Maoi)),
        ),
        (
            RuleId::HighDoseOpioid,
            with_med(opioid("oxycodone", Some(120.0))),
        ),
        (RuleId::LiverDisease, yes(H::SignificantLiverDisease)),
        (
            RuleId::FamilySchizophreniaSpectrum,
            yes(H::FamilySchizophreniaSpectrum),
        ),
        (RuleId::Glaucoma, yes(H::UncontrolledGlaucoma)),
        (RuleId::Hyperthyroidism, yes(H::UncontrolledHyperthyroidism)),
        (
            RuleId::PreviousKetamineReaction,
            yes(H::PreviousKetamineReaction),
        ),
        (RuleId::Bladder, yes(H::BladderSymptoms)),
        (
            RuleId::AuditCPositive,
            EligibilityInput {
                audit_c_positive: Some(true),
                ..clean()
            },
        ),
        (
            RuleId::Dast10Moderate,
            EligibilityInput {
                dast10_total: Some(4),
                ..clean()
            },
        ),
        (
            RuleId::Lamotrigine,
            with_med(med("lamotrigine", MedicationClass::Lamotrigine)),
        ),
        (
            RuleId::Stimulant,
            with_med(med("methylphenidate", MedicationClass::Stimulant)),
        ),
    ]
}

#[test]
fn a_clean_input_fires_nothing_and_misses_nothing() {
    let ev = eval(&clean());
    assert_eq!(ev.findings, []);
    assert_eq!(ev.missing, []);
    assert!(ev.is_complete());
    assert!(!ev.has_absolute());
}

#[test]
fn every_rule_fires_alone_on_its_trigger_and_not_on_a_clean_input() {
    let clean = fired(&clean());
    for (rule, input) in triggers() {
        assert!(!clean.contains(&rule), "{rule} fired on a clean input");
        let ev = eval(&input);
        assert_eq!(
            ev.findings.iter().map(|f| f.rule).collect::<Vec<_>>(),
            [rule],
            "trigger for {rule}"
        );
        let f = &ev.findings[0];
        assert_eq!(f.severity, rule.severity());
        assert_eq!(f.title, rule.title(&Thresholds::default()));
        assert!(!f.evidence.is_empty(), "{rule} gave no evidence");
        assert!(ev.is_complete(), "{rule}: {:?}", ev.missing);
    }
}

#[test]
fn every_rule_of_the_rule_set_has_a_trigger_above() {
    let covered: Vec<RuleId> = triggers().into_iter().map(|(r, _)| r).collect();
    for rule in RuleId::ALL {
        assert!(covered.contains(&rule), "no trigger for {rule}");
    }
}

#[test]
fn history_evidence_names_the_fact_it_read() {
    let ev = eval(&with_history(HistoryItem::Pregnant, Answer::Yes));
    assert_eq!(ev.findings[0].evidence, ["Pregnant: yes"]);
}

#[test]
fn under_the_minimum_age_fires_and_the_minimum_itself_does_not() {
    let at = |age| {
        fired(&EligibilityInput {
            age_years: Some(age),
            ..clean()
        })
    };
    assert_eq!(at(17), [RuleId::AgeUnderMinimum]);
    assert_eq!(at(18), []);
    let ev = eval(&EligibilityInput {
        age_years: Some(17),
        ..clean()
    });
    assert_eq!(ev.findings[0].evidence, ["Age 17 (minimum 18)"]);
}

#[test]
fn exactly_160_over_100_does_not_count_and_161_over_100_does() {
    let twice = |s, d| EligibilityInput {
        assessment_bp: vec![bp(s, d), bp(s, d)],
        ..clean()
    };
    assert_eq!(fired(&twice(160, 100)), []);
    assert_eq!(fired(&twice(161, 100)), [RuleId::UncontrolledHypertension]);
    assert_eq!(fired(&twice(150, 101)), [RuleId::UncontrolledHypertension]);
}

#[test]
fn one_high_reading_is_not_enough_and_two_are() {
    let readings = |r: Vec<BloodPressure>| EligibilityInput {
        assessment_bp: r,
        ..clean()
    };
    assert_eq!(fired(&readings(vec![bp(172, 104), bp(130, 85)])), []);
    let ev = eval(&readings(vec![bp(172, 104), bp(130, 85), bp(165, 95)]));
    let f = ev.finding(RuleId::UncontrolledHypertension).unwrap();
    assert_eq!(
        f.evidence,
        [
            "BP 172/104 at assessment",
            "BP 165/95 at assessment",
            "2 of 3 assessment readings above 160/100"
        ]
    );
}

#[test]
fn a_single_reading_is_not_enough_data_to_clear_hypertension() {
    let ev = eval(&EligibilityInput {
        assessment_bp: vec![bp(172, 104)],
        ..clean()
    });
    assert!(!ev.fired(RuleId::UncontrolledHypertension));
    assert!(ev.is_unjudged(RuleId::UncontrolledHypertension));
    assert_eq!(ev.missing[0].field, "assessment_bp");
    assert_eq!(
        ev.missing[0].title,
        "Blood pressure at assessment: 1 of 2 readings recorded (1 above 160/100)"
    );
    let none = eval(&EligibilityInput {
        assessment_bp: vec![],
        ..clean()
    });
    assert!(none.is_unjudged(RuleId::UncontrolledHypertension));
}

#[test]
fn lorazepam_3_0_is_within_the_limit_and_3_1_is_not() {
    assert_eq!(fired(&with_med(benzo("lorazepam", 3.0))), []);
    assert_eq!(
        fired(&with_med(benzo("lorazepam", 3.1))),
        [RuleId::BenzodiazepineDose]
    );
}

#[test]
fn benzodiazepine_doses_add_up_to_one_daily_total() {
    let mut input = with_med(benzo("lorazepam", 1.5));
    if let Some(list) = input.medications.as_mut() {
        list.push(benzo("clonazepam", 1.5));
    }
    assert_eq!(fired(&input), [], "1.5 + 1.5 is exactly the limit");

    let mut input = with_med(benzo("lorazepam", 2.0));
    if let Some(list) = input.medications.as_mut() {
        list.push(benzo("clonazepam", 2.0));
    }
    let ev = eval(&input);
    let f = ev.finding(RuleId::BenzodiazepineDose).unwrap();
    assert_eq!(
        f.evidence.last().map(String::as_str),
        Some("lorazepam 4.0 mg/day equivalent in total, above 3.0 mg")
    );
    assert_eq!(
        f.evidence[0],
        "lorazepam 1 tablet daily: lorazepam 2.0 mg/day equivalent"
    );
}

#[test]
fn a_benzodiazepine_without_its_equivalent_is_missing_data_not_a_pass() {
    let mut input = with_med(med("alprazolam", MedicationClass::Benzodiazepine));
    let ev = eval(&input);
    assert!(!ev.fired(RuleId::BenzodiazepineDose));
    assert_eq!(
        ev.missing[0].field,
        "medications[1].lorazepam_equivalent_mg_per_day"
    );
    assert_eq!(ev.missing[0].rules, [RuleId::BenzodiazepineDose]);

    // What is known already exceeds the limit: the rule fires and says "at least".
    if let Some(list) = input.medications.as_mut() {
        list.push(benzo("clonazepam", 4.0));
    }
    let ev = eval(&input);
    let f = ev.finding(RuleId::BenzodiazepineDose).unwrap();
    assert!(f.evidence.last().unwrap().contains("at least 4.0"));
}

#[test]
fn a_nonsense_stored_dose_is_treated_as_missing() {
    let ev = eval(&with_med(benzo("lorazepam", f64::NAN)));
    assert!(ev.is_unjudged(RuleId::BenzodiazepineDose));
    let ev = eval(&with_med(benzo("lorazepam", -4.0)));
    assert!(ev.is_unjudged(RuleId::BenzodiazepineDose));
}

#[test]
fn opioids_are_high_dose_from_90_mme_a_day() {
    assert_eq!(fired(&with_med(opioid("tramadol", Some(89.9)))), []);
    assert_eq!(
        fired(&with_med(opioid("oxycodone", Some(90.0)))),
        [RuleId::HighDoseOpioid]
    );
    let mut input = with_med(opioid("oxycodone", Some(45.0)));
    if let Some(list) = input.medications.as_mut() {
        list.push(opioid("morphine", Some(45.0)));
    }
    assert_eq!(fired(&input), [RuleId::HighDoseOpioid]);
}

#[test]
fn an_opioid_without_its_morphine_equivalent_is_missing_data() {
    let ev = eval(&with_med(opioid("buprenorphine", None)));
    assert!(ev.findings.is_empty());
    assert_eq!(
        ev.missing[0].field,
        "medications[1].morphine_equivalent_mg_per_day"
    );
    assert_eq!(ev.missing[0].rules, [RuleId::HighDoseOpioid]);
}

#[test]
fn bipolar_disorder_with_a_mood_stabiliser_does_not_fire_the_relative_rule() {
    let mut input = with_history(HistoryItem::BipolarDisorder, Answer::Yes);
    if let Some(list) = input.medications.as_mut() {
        list.push(med("lithium", MedicationClass::MoodStabiliser));
    }
    assert_eq!(fired(&input), []);
    assert!(eval(&input).is_complete());
}

#[test]
fn lamotrigine_alone_is_not_counted_as_a_mood_stabiliser() {
    let mut input = with_history(HistoryItem::BipolarDisorder, Answer::Yes);
    if let Some(list) = input.medications.as_mut() {
        list.push(med("lamotrigine", MedicationClass::Lamotrigine));
    }
    let ev = eval(&input);
    assert_eq!(
        ev.findings.iter().map(|f| f.rule).collect::<Vec<_>>(),
        [RuleId::BipolarWithoutMoodStabiliser, RuleId::Lamotrigine]
    );
    let f = ev.finding(RuleId::BipolarWithoutMoodStabiliser).unwrap();
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("not counted as a mood stabiliser"))
    );
}

#[test]
fn bipolar_disorder_with_psychotic_features_is_absolute() {
    let mut input = with_history(HistoryItem::BipolarDisorder, Answer::Yes);
    input.history.bipolar_psychotic_features = Answer::Yes;
    let ev = eval(&input);
    assert!(ev.has_absolute());
    assert!(ev.fired(RuleId::ManiaOrBipolarPsychoticFeatures));
    assert_eq!(
        ev.finding(RuleId::ManiaOrBipolarPsychoticFeatures)
            .unwrap()
            .evidence,
        ["Bipolar disorder with psychotic features: yes"]
    );
}

#[test]
fn bipolar_disorder_without_knowing_about_psychotic_features_is_missing_data() {
    let mut input = with_history(HistoryItem::BipolarDisorder, Answer::Yes);
    input.history.bipolar_psychotic_features = Answer::Unknown;
    let ev = eval(&input);
    assert!(ev.is_unjudged(RuleId::ManiaOrBipolarPsychoticFeatures));
    assert_eq!(ev.missing[0].field, "history.bipolar-psychotic-features");

    // Without bipolar disorder the question does not arise.
    let mut input = clean();
    input.history.bipolar_psychotic_features = Answer::Unknown;
    assert!(eval(&input).is_complete());
}

#[test]
fn dast_10_is_moderate_from_3_and_audit_c_fires_only_when_positive() {
    let dast = |n| {
        fired(&EligibilityInput {
            dast10_total: Some(n),
            ..clean()
        })
    };
    assert_eq!(dast(2), []);
    assert_eq!(dast(3), [RuleId::Dast10Moderate]);
    assert_eq!(dast(10), [RuleId::Dast10Moderate]);
    assert_eq!(
        fired(&EligibilityInput {
            audit_c_positive: Some(false),
            ..clean()
        }),
        []
    );
}

#[test]
fn thresholds_are_honoured_when_a_clinic_changes_them() {
    let input = EligibilityInput {
        assessment_bp: vec![bp(155, 90), bp(152, 96)],
        ..clean()
    };
    assert_eq!(fired(&input), []);
    let strict = Thresholds {
        hypertension_systolic_above: 150,
        hypertension_diastolic_above: 95,
        ..Thresholds::default()
    };
    let ev = evaluate(&input, &strict);
    assert_eq!(ev.findings.len(), 1);
    assert_eq!(
        ev.findings[0].title,
        "Uncontrolled hypertension: 2 or more assessment readings above 150/95"
    );
    assert_eq!(ev.thresholds, strict);

    let three = Thresholds {
        hypertension_readings_required: 3,
        ..strict.clone()
    };
    let ev = evaluate(&input, &three);
    assert!(ev.findings.is_empty());
    assert!(ev.is_unjudged(RuleId::UncontrolledHypertension));

    let older = Thresholds {
        minimum_age_years: 21,
        ..Thresholds::default()
    };
    let ev = evaluate(
        &EligibilityInput {
            age_years: Some(20),
            ..clean()
        },
        &older,
    );
    assert_eq!(ev.findings[0].title, "Under the minimum age of 21");

    let benzo_limit = Thresholds {
        benzodiazepine_lorazepam_mg_per_day_max: 2.0,
        ..Thresholds::default()
    };
    assert_eq!(
        evaluate(&with_med(benzo("lorazepam", 2.5)), &benzo_limit).findings[0].rule,
        RuleId::BenzodiazepineDose
    );
    let opioid_limit = Thresholds {
        high_dose_opioid_mme_per_day: 50.0,
        ..Thresholds::default()
    };
    assert_eq!(
        evaluate(&with_med(opioid("oxycodone", Some(50.0))), &opioid_limit).findings[0].rule,
        RuleId::HighDoseOpioid
    );
}

#[test]
fn nothing_known_means_every_rule_is_unjudged_not_passed() {
    let ev = eval(&EligibilityInput::default());
    assert!(ev.findings.is_empty());
    assert!(!ev.is_complete());
    for rule in RuleId::ALL {
        assert!(ev.is_unjudged(rule), "{rule} passed on no data");
    }
    let fields: Vec<_> = ev.missing.iter().map(|m| m.field.as_str()).collect();
    for f in [
        "age_years",
        "assessment_bp",
        "medications",
        "audit_c_positive",
        "dast10_total",
        "history.pregnant",
    ] {
        assert!(fields.contains(&f), "{f} not listed as missing");
    }
}

#[test]
fn one_missing_list_is_reported_once_with_every_rule_it_left_unjudged() {
    let ev = eval(&EligibilityInput {
        medications: None,
        ..clean()
    });
    assert_eq!(ev.missing.len(), 1);
    assert_eq!(ev.missing[0].field, "medications");
    assert_eq!(
        ev.missing[0].rules,
        [
            RuleId::BenzodiazepineDose,
            RuleId::HighDoseOpioid,
            RuleId::Maoi,
            RuleId::Lamotrigine,
            RuleId::Stimulant
        ]
    );
}

#[test]
fn not_sure_is_reported_as_missing_never_as_no() {
    let ev = eval(&with_history(
        HistoryItem::FamilySchizophreniaSpectrum,
        Answer::Unknown,
    ));
    assert!(ev.findings.is_empty());
    assert_eq!(ev.missing.len(), 1);
    assert_eq!(ev.missing[0].field, "history.family-schizophrenia-spectrum");
    assert_eq!(
        ev.missing[0].title,
        "First-degree relative with a schizophrenia-spectrum disorder: not known"
    );
    assert_eq!(ev.missing[0].rules, [RuleId::FamilySchizophreniaSpectrum]);
}

#[test]
fn a_rule_fires_on_what_it_has_even_when_other_data_is_missing() {
    let mut input = EligibilityInput::default();
    input.history.pregnant = Answer::Yes;
    let ev = eval(&input);
    assert_eq!(ev.findings.len(), 1);
    assert!(ev.has_absolute());
    assert!(!ev.is_unjudged(RuleId::PregnancyOrBreastfeeding));
}

#[test]
fn findings_are_ordered_absolute_relative_informational_then_by_id() {
    let mut input = with_med(med("methylphenidate", MedicationClass::Stimulant));
    if let Some(list) = input.medications.as_mut() {
        list.push(med("lamotrigine", MedicationClass::Lamotrigine));
        list.push(benzo("diazepam", 6.0));
    }
    input.history.bladder_symptoms = Answer::Yes;
    input.history.pregnant = Answer::Yes;
    input.history.ketamine_allergy = Answer::Yes;
    input.age_years = Some(16);
    input.audit_c_positive = Some(true);
    let ev = eval(&input);
    let ids: Vec<_> = ev.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(
        ids,
        [
            "absolute.age-under-18",
            "absolute.ketamine-allergy",
            "absolute.pregnancy-or-breastfeeding",
            "relative.audit-c-positive",
            "relative.benzodiazepine-dose",
            "relative.bladder",
            "info.lamotrigine",
            "info.stimulant"
        ]
    );
    assert_eq!(ev.absolute().len(), 3);
    assert_eq!(ev.relative().len(), 3);
    assert_eq!(ev.informational().len(), 2);
    assert_eq!(eval(&input), ev, "the same input gives the same evaluation");
}

#[test]
fn the_ruleset_version_is_stamped_on_every_evaluation() {
    assert_eq!(eval(&clean()).ruleset_version, RULESET_VERSION);
    assert_eq!(
        eval(&EligibilityInput::default()).ruleset_version,
        RULESET_VERSION
    );
    assert!(!RULESET_VERSION.is_empty());
}

#[test]
fn relative_findings_may_be_overridden_and_absolute_never() {
    for (rule, input) in triggers() {
        let ev = eval(&input);
        let f = &ev.findings[0];
        assert_eq!(
            can_override(f),
            rule.severity() == Severity::Relative,
            "{rule}"
        );
    }
    let forged = Finding {
        rule: RuleId::KetamineAllergy,
        severity: Severity::Relative,
        title: String::new(),
        evidence: vec![],
    };
    assert!(
        !can_override(&forged),
        "a stored severity cannot soften an absolute rule"
    );
}

#[test]
fn rule_ids_are_unique_stable_and_ordered() {
    let mut sorted = RuleId::ALL;
    sorted.sort();
    assert_eq!(sorted, RuleId::ALL, "ALL is in finding order");
    for rule in RuleId::ALL {
        assert_eq!(rule.as_str().parse::<RuleId>(), Ok(rule));
        let prefix = match rule.severity() {
            Severity::Absolute => "absolute.",
            Severity::Relative => "relative.",
            Severity::Informational => "info.",
        };
        assert!(rule.as_str().starts_with(prefix), "{rule}");
    }
    let mut ids: Vec<_> = RuleId::ALL.iter().map(|r| r.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), RuleId::ALL.len());
    assert!("absolute.nonsense".parse::<RuleId>().is_err());
}

#[test]
fn doses_print_without_noise() {
    assert_eq!(rule_id::mg(3.0), "3.0");
    assert_eq!(rule_id::mg(3.1), "3.1");
    assert_eq!(rule_id::mg(3.05), "3.05");
    assert_eq!(rule_id::mg(90.0), "90.0");
}
