//! Moves, gates and the timeline.

use super::*;
use crate::journey::*;

// ---- moves -------------------------------------------------------------------

#[test]
fn every_legal_move_is_allowed_when_its_gate_holds() {
    for (from, to) in legal_moves() {
        let m = transition(from, to, &complete_for(to))
            .unwrap_or_else(|e| panic!("{from} → {to}: {e}"));
        assert_eq!((m.from(), m.to()), (from, to));
        assert_eq!(Transition::between(from, to), Some(m.transition()));
    }
}

#[test]
fn every_other_pair_of_stages_is_refused_as_not_a_move() {
    let legal = legal_moves();
    for from in Stage::ALL {
        for to in Stage::ALL {
            if legal.contains(&(from, to)) {
                continue;
            }
            assert_eq!(
                transition(from, to, &complete_for(to)),
                Err(Refusal::NotAllowed { from, to }),
                "{from} → {to}"
            );
        }
    }
}

#[test]
fn each_named_transition_covers_exactly_its_moves() {
    let mut named: Vec<(Stage, Stage)> = Transition::ALL
        .into_iter()
        .flat_map(|t| {
            Stage::ALL
                .into_iter()
                .filter(move |s| t.allowed_from(*s))
                .map(move |s| (s, t.to()))
        })
        .collect();
    let mut legal = legal_moves();
    named.sort_by_key(|(a, b)| (a.as_str(), b.as_str()));
    legal.sort_by_key(|(a, b)| (a.as_str(), b.as_str()));
    assert_eq!(named, legal);
}

#[test]
fn intake_straight_to_plan_is_refused_and_says_where_intake_can_go() {
    let e = transition(Stage::Intake, Stage::Plan, &complete()).unwrap_err();
    assert_eq!(
        e,
        Refusal::NotAllowed {
            from: Stage::Intake,
            to: Stage::Plan
        }
    );
    assert_eq!(
        e.to_string(),
        "A journey cannot move from intake to treatment plan; from intake it can move to assessment, withdrawn from care."
    );
}

#[test]
fn physician_review_straight_to_plan_is_refused() {
    let e = transition(Stage::PhysicianReview, Stage::Plan, &complete()).unwrap_err();
    assert!(matches!(e, Refusal::NotAllowed { .. }));
    assert!(e.to_string().contains("eligible, deferred, referred out"));
}

#[test]
fn referred_out_ends_the_episode_and_cannot_move_anywhere() {
    for to in Stage::ALL {
        let e = transition(Stage::ReferredOut, to, &complete_for(to)).unwrap_err();
        assert!(e.to_string().contains("ends the episode"), "{e}");
    }
    assert!(Stage::ReferredOut.next_stages().is_empty());
}

#[test]
fn a_deferred_client_may_return_to_assessment_without_further_gates() {
    let m = transition(Stage::Deferred, Stage::Assessment, &GateFacts::new(today())).unwrap();
    assert_eq!(m.transition(), Transition::Revisit);
}

#[test]
fn a_journey_cannot_move_to_the_stage_it_is_in() {
    assert!(transition(Stage::Plan, Stage::Plan, &complete()).is_err());
}

// ---- gates -------------------------------------------------------------------

#[test]
fn intake_cannot_be_left_before_the_form_is_submitted() {
    let e = transition(Stage::Intake, Stage::Assessment, &GateFacts::new(today())).unwrap_err();
    assert_eq!(e.missing(), [Missing::IntakeNotSubmitted]);
}

#[test]
fn review_is_refused_naming_each_baseline_questionnaire_not_completed() {
    let facts = GateFacts {
        baseline_completed: vec!["phq-9".into()],
        ..complete()
    };
    let e = transition(Stage::Assessment, Stage::PhysicianReview, &facts).unwrap_err();
    assert_eq!(
        e.missing(),
        [
            Missing::BaselineQuestionnaire("gad-7".into()),
            Missing::BaselineQuestionnaire("pcl-5".into())
        ]
    );
    assert!(e.to_string().contains("gad-7 is not completed"), "{e}");
}

#[test]
fn review_lists_intake_questionnaires_and_assessment_together() {
    let facts = GateFacts {
        required_baseline: vec!["phq-9".into(), "phq-9".into()],
        ..GateFacts::new(today())
    };
    let e = transition(Stage::Assessment, Stage::PhysicianReview, &facts).unwrap_err();
    assert_eq!(
        e.missing(),
        [
            Missing::IntakeNotSubmitted,
            Missing::BaselineQuestionnaire("phq-9".into()),
            Missing::AssessmentNotRecorded,
        ]
    );
}

#[test]
fn no_decision_can_be_applied_without_the_questionnaires_and_history() {
    let mut facts = complete();
    facts.intake_submitted = false;
    facts.baseline_completed.clear();
    let e = transition(Stage::PhysicianReview, Stage::Eligible, &facts).unwrap_err();
    assert_eq!(e.missing().len(), 4);
    assert_eq!(e.missing()[0], Missing::IntakeNotSubmitted);
}

#[test]
fn a_decision_move_needs_that_decision() {
    let mut facts = complete();
    facts.readiness.decision = None;
    let e = transition(Stage::PhysicianReview, Stage::Eligible, &facts).unwrap_err();
    assert_eq!(e.missing(), [Missing::NoDecision]);

    facts.readiness.decision = Some(Decision::Deferred);
    let e = transition(Stage::PhysicianReview, Stage::Eligible, &facts).unwrap_err();
    assert_eq!(
        e.missing(),
        [Missing::DecisionIsNot {
            wanted: Decision::Eligible,
            recorded: Decision::Deferred
        }]
    );
    assert!(
        e.to_string()
            .contains("decision is \u{201c}deferred\u{201d}, not \u{201c}eligible\u{201d}")
    );
}

#[test]
fn no_plan_without_an_eligible_decision() {
    let mut facts = complete();
    facts.readiness.decision = Some(Decision::ReferredOut);
    assert!(transition(Stage::Eligible, Stage::Plan, &facts).is_err());
    assert!(transition(Stage::Plan, Stage::Consents, &facts).is_err());
}

#[test]
fn a_plan_is_not_ready_for_consents_until_home_and_partner_are_settled() {
    let mut facts = complete();
    facts.readiness.plan = Some(in_home_iv_group(false, None));
    let e = transition(Stage::Plan, Stage::Consents, &facts).unwrap_err();
    assert_eq!(
        e.missing(),
        [Missing::HomeQualificationIncomplete, Missing::NoIvPartner]
    );

    facts.readiness.plan = None;
    let e = transition(Stage::Plan, Stage::Consents, &facts).unwrap_err();
    assert_eq!(e.missing(), [Missing::NoPlan]);
}

#[test]
fn preparation_is_reached_only_when_ready_for_medicine_sessions() {
    let mut facts = complete();
    facts.readiness.prescription = None;
    let e = transition(Stage::Consents, Stage::Preparation, &facts).unwrap_err();
    assert_eq!(e.missing(), [Missing::NoPrescription]);
    assert_eq!(
        e.to_string(),
        "The journey cannot move from consents to preparation yet: there is no prescription for the plan."
    );
}

#[test]
fn a_consent_withdrawn_in_preparation_stops_the_series_from_starting() {
    let mut facts = complete();
    facts.readiness.consents[0].withdrawn = true;
    let e = transition(Stage::Preparation, Stage::MedicineSessions, &facts).unwrap_err();
    assert_eq!(e.missing()[0].code(), "consent-withdrawn");
}

// ---- timeline ----------------------------------------------------------------

#[test]
fn a_move_records_who_when_and_its_label_when_no_reason_is_given() {
    let by = UserId::new();
    let m = transition(Stage::Intake, Stage::Assessment, &complete()).unwrap();
    let r = m.record(by, at(), "  ").unwrap();
    assert_eq!(r.from, Some(Stage::Intake));
    assert_eq!(r.to, Stage::Assessment);
    assert_eq!(r.by, by);
    assert_eq!(r.at, at());
    assert_eq!(r.reason, "Intake submitted");
    assert_eq!(r.transition(), Some(Transition::SubmitIntake));
}

#[test]
fn withdrawing_from_care_needs_a_written_reason() {
    let m = transition(Stage::Plan, Stage::Withdrawn, &complete()).unwrap();
    let e = m.record(UserId::new(), at(), "").unwrap_err();
    assert_eq!(e.0[0].field, "reason");
    let r = m
        .record(UserId::new(), at(), "Client is moving abroad.")
        .unwrap();
    assert_eq!(r.reason, "Client is moving abroad.");
}

#[test]
fn the_journey_opens_at_intake_with_the_consultation_as_its_first_entry() {
    assert!(TransitionRecord::opening(UserId::new(), at(), " ").is_err());
    let r = TransitionRecord::opening(
        UserId::new(),
        at(),
        "Consultation 2025-03-01 with Dr Shah: suitable for assessment.",
    )
    .unwrap();
    assert_eq!((r.from, r.to), (None, Stage::Intake));
    assert_eq!(r.transition(), None);
}
