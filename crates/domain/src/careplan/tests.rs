use super::*;
use crate::rules::{Evaluation, Finding, MissingData, RULESET_VERSION, Thresholds};

fn day(s: &str) -> Date {
    s.parse().unwrap()
}

fn evaluation(findings: Vec<Finding>, missing: Vec<MissingData>) -> Evaluation {
    Evaluation {
        ruleset_version: RULESET_VERSION.into(),
        thresholds: Thresholds::default(),
        findings,
        missing,
    }
}

fn finding(rule: RuleId) -> Finding {
    Finding {
        rule,
        severity: rule.severity(),
        title: rule.title(&Thresholds::default()),
        evidence: vec!["evidence".into()],
    }
}

const TODAY: &str = "2026-11-25";

#[test]
fn vitals_need_both_pressures_and_a_plausible_heart_rate() {
    let ok = AssessmentForm {
        kind: "vitals".into(),
        systolic: "128".into(),
        diastolic: "82".into(),
        heart_rate: "71".into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    assert_eq!(ok.kind(), AssessmentKind::Vitals);
    let e = AssessmentForm {
        kind: "vitals".into(),
        systolic: "".into(),
        diastolic: "82".into(),
        heart_rate: "700".into(),
        ..Default::default()
    }
    .parse()
    .unwrap_err();
    assert!(e.message_for("systolic").is_some(), "{e:?}");
    assert!(e.message_for("heart_rate").is_some(), "{e:?}");
}

#[test]
fn the_clinicians_assessment_needs_readiness_and_findings() {
    let e = AssessmentForm {
        kind: "clinician".into(),
        readiness: "maybe".into(),
        ..Default::default()
    }
    .parse()
    .unwrap_err();
    assert!(e.message_for("readiness").is_some());
    assert!(e.message_for("findings").is_some());
    let a = AssessmentForm {
        kind: "clinician".into(),
        readiness: "ready-with-support".into(),
        findings: "Clear goals; good support.".into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    assert!(matches!(
        a,
        Assessment::Clinician {
            readiness: PsychReadiness::ReadyWithSupport,
            ..
        }
    ));
}

#[test]
fn an_unknown_kind_is_refused() {
    let e = AssessmentForm {
        kind: "dna".into(),
        ..Default::default()
    }
    .parse()
    .unwrap_err();
    assert!(e.message_for("kind").is_some());
}

#[test]
fn an_absolute_contraindication_can_never_be_overridden() {
    let ev = evaluation(vec![finding(RuleId::Psychosis)], vec![]);
    let form = DecisionForm {
        decision: "eligible".into(),
        overrides: vec![(RuleId::Psychosis.as_str().into(), "I insist".into())],
        ..Default::default()
    };
    let e = form.parse(&ev, day(TODAY)).unwrap_err();
    assert!(
        e.message_for("decision")
            .unwrap()
            .contains("cannot be overridden"),
        "{e:?}"
    );
}

#[test]
fn a_relative_contraindication_needs_a_written_reason_and_keeps_it() {
    let ev = evaluation(vec![finding(RuleId::LiverDisease)], vec![]);
    let mut form = DecisionForm {
        decision: "eligible".into(),
        ..Default::default()
    };
    let e = form.parse(&ev, day(TODAY)).unwrap_err();
    assert!(
        e.message_for(&override_field(RuleId::LiverDisease))
            .is_some()
    );
    form.overrides = vec![(
        RuleId::LiverDisease.as_str().into(),
        "LFTs normal in October; hepatology agrees.".into(),
    )];
    let r = form.parse(&ev, day(TODAY)).unwrap();
    assert_eq!(r.decision, Decision::Eligible);
    assert_eq!(r.overrides.len(), 1);
    assert_eq!(r.overrides[0].rule, RuleId::LiverDisease);
}

#[test]
fn informational_findings_need_no_override() {
    let ev = evaluation(vec![finding(RuleId::Lamotrigine)], vec![]);
    let r = DecisionForm {
        decision: "eligible".into(),
        ..Default::default()
    }
    .parse(&ev, day(TODAY))
    .unwrap();
    assert!(r.overrides.is_empty());
}

#[test]
fn eligible_on_an_incomplete_evaluation_needs_a_reason() {
    let ev = evaluation(
        vec![],
        vec![MissingData {
            field: "history.pregnant".into(),
            title: "Pregnant: not known".into(),
            rules: vec![RuleId::PregnancyOrBreastfeeding],
        }],
    );
    let mut form = DecisionForm {
        decision: "eligible".into(),
        ..Default::default()
    };
    assert!(
        form.parse(&ev, day(TODAY))
            .unwrap_err()
            .message_for("unjudged_reason")
            .is_some()
    );
    form.unjudged_reason = "Negative pregnancy test at assessment.".into();
    assert!(
        form.parse(&ev, day(TODAY))
            .unwrap()
            .unjudged_reason
            .is_some()
    );
}

#[test]
fn deferral_needs_a_future_revisit_date_and_supports() {
    let ev = evaluation(vec![], vec![]);
    let mut form = DecisionForm {
        decision: "deferred".into(),
        revisit_on: TODAY.into(),
        ..Default::default()
    };
    let e = form.parse(&ev, day(TODAY)).unwrap_err();
    assert!(e.message_for("revisit_on").is_some());
    assert!(e.message_for("supports").is_some());
    form.revisit_on = "2027-02-01".into();
    form.supports = "Weekly therapy; BP follow-up with GP.".into();
    let r = form.parse(&ev, day(TODAY)).unwrap();
    assert_eq!(r.revisit_on, Some(day("2027-02-01")));
}

#[test]
fn referral_needs_reason_and_resources() {
    let ev = evaluation(vec![finding(RuleId::Psychosis)], vec![]);
    let e = DecisionForm {
        decision: "referred-out".into(),
        ..Default::default()
    }
    .parse(&ev, day(TODAY))
    .unwrap_err();
    assert!(e.message_for("referral_reason").is_some());
    assert!(e.message_for("referral_resources").is_some());
}

#[test]
fn an_unknown_decision_or_rule_is_refused() {
    let ev = evaluation(vec![], vec![]);
    let e = DecisionForm {
        decision: "approved!".into(),
        ..Default::default()
    }
    .parse(&ev, day(TODAY))
    .unwrap_err();
    assert!(e.message_for("decision").is_some());
    let e = DecisionForm {
        decision: "eligible".into(),
        overrides: vec![("relative.made-up".into(), "x".into())],
        ..Default::default()
    }
    .parse(&ev, day(TODAY))
    .unwrap_err();
    assert!(e.message_for("overrides").is_some());
}

fn plan_form() -> PlanForm {
    PlanForm {
        location: "in-office".into(),
        route: "lozenge".into(),
        format: "individual".into(),
        sessions: "6".into(),
        support_name: "Robin Ride".into(),
        support_phone: "+1 555 0100".into(),
        ..Default::default()
    }
}

#[test]
fn an_in_office_lozenge_plan_needs_someone_to_take_the_client_home() {
    let p = plan_form().parse().unwrap();
    assert_eq!(p.support_role, SupportRole::RideHome);
    assert_eq!(p.facts().sessions, 6);
    let mut f = plan_form();
    f.support_name = "".into();
    f.support_phone = "".into();
    let e = f.parse().unwrap_err();
    assert!(e.message_for("support_name").unwrap().contains("home"));
    assert!(e.message_for("support_phone").is_some());
}

#[test]
fn in_home_needs_the_whole_checklist_and_a_monitor() {
    let mut f = plan_form();
    f.location = "in-home".into();
    f.home_items = vec!["bp-cuff".into(), "phone".into()];
    let e = f.parse().unwrap_err();
    let m = e.message_for("home_items").unwrap();
    assert!(m.contains("session monitor"), "{m}");
    f.home_items = HomeItem::ALL.iter().map(|i| i.as_str().into()).collect();
    let p = f.parse().unwrap();
    assert_eq!(p.support_role, SupportRole::SessionMonitor);
    assert_eq!(
        p.location,
        SessionLocation::InHome {
            qualification_checklist_complete: true
        }
    );
}

#[test]
fn iv_needs_a_partner_and_sessions_are_bounded() {
    let mut f = plan_form();
    f.route = "iv".into();
    f.sessions = "0".into();
    let e = f.parse().unwrap_err();
    assert!(e.message_for("partner").is_some());
    assert!(e.message_for("sessions").is_some());
    f.partner = "some-partner-id".into();
    f.sessions = "25".into();
    assert!(f.parse().unwrap_err().message_for("sessions").is_some());
    f.sessions = "6".into();
    assert_eq!(f.parse().unwrap().route.partner(), Some("some-partner-id"));
}

fn rx() -> PrescriptionForm {
    PrescriptionForm {
        dose_min: "150".into(),
        dose_max: "300".into(),
        booster_allowed: true,
        booster_max: "100".into(),
        quantity: "6".into(),
        expires_on: "2027-02-28".into(),
        range_reason: "".into(),
    }
}

#[test]
fn a_lozenge_prescription_within_range_needs_no_reason() {
    let s = ClinicSettings::default();
    let p = rx().parse(RouteKind::Lozenge, &s, day(TODAY)).unwrap();
    assert_eq!(p.quantity, Some(6));
    assert_eq!(p.booster_max, Some(100.0));
    assert_eq!(p.unit(), "mg");
    assert!(p.range_reason.is_none());
}

#[test]
fn a_dose_outside_the_range_needs_the_physicians_reason() {
    let s = ClinicSettings::default();
    let mut f = rx();
    f.booster_max = "150".into(); // 300 + 150 > 400
    let e = f.parse(RouteKind::Lozenge, &s, day(TODAY)).unwrap_err();
    assert!(e.message_for("range_reason").unwrap().contains("100"));
    f.range_reason = "Tolerance documented at 400 mg in prior care.".into();
    assert!(
        f.parse(RouteKind::Lozenge, &s, day(TODAY))
            .unwrap()
            .range_reason
            .is_some()
    );
}

#[test]
fn iv_doses_are_in_mg_per_kg_and_need_no_quantity() {
    let s = ClinicSettings::default();
    let f = PrescriptionForm {
        dose_min: "0.4".into(),
        dose_max: "0.5".into(),
        expires_on: "2027-01-31".into(),
        ..Default::default()
    };
    let p = f.parse(RouteKind::Iv, &s, day(TODAY)).unwrap();
    assert_eq!(p.unit(), "mg/kg");
    assert_eq!(p.quantity, None);
    let mut f = f;
    f.dose_max = "1.0".into();
    assert!(
        f.parse(RouteKind::Iv, &s, day(TODAY))
            .unwrap_err()
            .message_for("range_reason")
            .is_some()
    );
}

#[test]
fn bad_doses_quantities_and_dates_are_refused_by_field() {
    let s = ClinicSettings::default();
    let f = PrescriptionForm {
        dose_min: "300".into(),
        dose_max: "200".into(),
        booster_allowed: true,
        booster_max: "NaN".into(),
        quantity: "0".into(),
        expires_on: TODAY.into(),
        range_reason: "".into(),
    };
    let e = f.parse(RouteKind::Lozenge, &s, day(TODAY)).unwrap_err();
    for field in ["dose_max", "booster_max", "quantity", "expires_on"] {
        assert!(e.message_for(field).is_some(), "{field}: {e:?}");
    }
    let mut f = rx();
    f.expires_on = "2028-01-01".into();
    assert!(
        f.parse(RouteKind::Lozenge, &s, day(TODAY))
            .unwrap_err()
            .message_for("expires_on")
            .unwrap()
            .contains("year")
    );
}

#[test]
fn doses_print_without_trailing_zeros() {
    assert_eq!(fmt_dose(0.5), "0.5");
    assert_eq!(fmt_dose(200.0), "200");
    assert_eq!(fmt_dose(0.75), "0.75");
}
