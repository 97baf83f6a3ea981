//! C-SSRS screener: skip logic and every risk level, in both versions.

use super::*;

const YES: u8 = 1;
const NO: u8 = 0;

fn numbers(items: &[&Item]) -> Vec<u8> {
    items.iter().map(|i| i.number).collect()
}

fn screener(pairs: &[(u8, u8)]) -> Scored {
    scored(&answers(InstrumentId::CssrsScreener, pairs))
}

fn since_last_visit(pairs: &[(u8, u8)]) -> Scored {
    scored(&answers(InstrumentId::CssrsSinceLastVisit, pairs))
}

#[test]
fn questions_1_2_and_6_are_always_asked() {
    let id = InstrumentId::CssrsScreener;
    assert_eq!(
        numbers(&visible_items(def(id), &Answers::empty(id))),
        [1, 2, 6]
    );
    let no_to_2 = answers(id, &[(1, YES), (2, NO)]);
    assert_eq!(numbers(&visible_items(def(id), &no_to_2)), [1, 2, 6]);
}

#[test]
fn questions_3_to_5_appear_once_question_2_is_yes() {
    let id = InstrumentId::CssrsScreener;
    let yes_to_2 = answers(id, &[(1, NO), (2, YES)]);
    assert_eq!(
        numbers(&visible_items(def(id), &yes_to_2)),
        [1, 2, 3, 4, 5, 6]
    );
    assert_eq!(numbers(&unanswered_items(def(id), &yes_to_2)), [3, 4, 5, 6]);
}

#[test]
fn the_past_3_months_follow_up_appears_only_after_yes_to_question_6() {
    let id = InstrumentId::CssrsScreener;
    let no_to_6 = answers(id, &[(1, NO), (2, NO), (6, NO)]);
    assert_eq!(numbers(&visible_items(def(id), &no_to_6)), [1, 2, 6]);
    let yes_to_6 = answers(id, &[(1, NO), (2, NO), (6, YES)]);
    assert_eq!(numbers(&visible_items(def(id), &yes_to_6)), [1, 2, 6, 7]);
    assert_eq!(def(id).item(7).unwrap().label, "6a");
}

#[test]
fn answers_to_questions_hidden_by_a_no_to_question_2_are_refused() {
    for value in [YES, NO] {
        let a = answers(
            InstrumentId::CssrsScreener,
            &[(1, NO), (2, NO), (3, value), (6, NO)],
        );
        let e = score_default(&a).unwrap_err();
        assert_eq!(fields(&e), ["item-3"]);
        assert!(e.0[0].message.contains("does not apply"));
    }
}

#[test]
fn a_follow_up_answer_after_no_to_question_6_is_refused() {
    let a = answers(
        InstrumentId::CssrsScreener,
        &[(1, NO), (2, NO), (6, NO), (7, YES)],
    );
    assert_eq!(fields(&score_default(&a).unwrap_err()), ["item-7"]);
}

#[test]
fn yes_to_question_2_requires_questions_3_to_5() {
    let a = answers(InstrumentId::CssrsScreener, &[(1, NO), (2, YES), (6, NO)]);
    let e = score_default(&a).unwrap_err();
    assert_eq!(fields(&e), ["item-3", "item-4", "item-5"]);
}

#[test]
fn yes_to_question_6_requires_the_follow_up() {
    let a = answers(InstrumentId::CssrsScreener, &[(1, NO), (2, NO), (6, YES)]);
    assert_eq!(fields(&score_default(&a).unwrap_err()), ["item-7"]);
}

#[test]
fn all_no_is_no_risk_and_no_flag() {
    let s = screener(&[(1, NO), (2, NO), (6, NO)]);
    assert_eq!(s.risk, Some(Risk::None));
    assert_eq!(s.total, None);
    assert_eq!(s.band.unwrap().rank, 0);
    assert!(s.flags.is_empty());
    assert!(!s.raises_safety_alert());
}

#[test]
fn yes_to_question_1_or_2_only_is_low_risk_without_an_alert() {
    let wish = screener(&[(1, YES), (2, NO), (6, NO)]);
    assert_eq!(wish.risk, Some(Risk::Low));
    let thoughts = screener(&[(1, YES), (2, YES), (3, NO), (4, NO), (5, NO), (6, NO)]);
    assert_eq!(thoughts.risk, Some(Risk::Low));
    assert!(thoughts.flags.is_empty());
    assert!(!thoughts.raises_safety_alert());
}

#[test]
fn yes_to_question_3_is_moderate_risk_and_raises_an_alert() {
    let s = screener(&[(1, YES), (2, YES), (3, YES), (4, NO), (5, NO), (6, NO)]);
    assert_eq!(s.risk, Some(Risk::Moderate));
    assert_eq!(s.flags, [Flag::SuicideRisk(Risk::Moderate)]);
    assert_eq!(s.band.unwrap().label, "Moderate risk");
    assert!(s.raises_safety_alert());
}

#[test]
fn behaviour_more_than_3_months_ago_is_moderate_risk() {
    let s = screener(&[(1, NO), (2, NO), (6, YES), (7, NO)]);
    assert_eq!(s.risk, Some(Risk::Moderate));
    assert!(s.raises_safety_alert());
}

#[test]
fn behaviour_within_3_months_is_high_risk() {
    let s = screener(&[(1, NO), (2, NO), (6, YES), (7, YES)]);
    assert_eq!(s.risk, Some(Risk::High));
    assert_eq!(s.flags, [Flag::SuicideRisk(Risk::High)]);
    assert!(s.raises_safety_alert());
}

#[test]
fn yes_to_question_4_or_5_is_high_risk() {
    for (q4, q5) in [(YES, NO), (NO, YES), (YES, YES)] {
        let s = screener(&[(1, NO), (2, YES), (3, NO), (4, q4), (5, q5), (6, NO)]);
        assert_eq!(s.risk, Some(Risk::High), "Q4 {q4}, Q5 {q5}");
    }
}

#[test]
fn the_highest_matching_level_wins() {
    let s = screener(&[
        (1, YES),
        (2, YES),
        (3, YES),
        (4, YES),
        (5, NO),
        (6, YES),
        (7, NO),
    ]);
    assert_eq!(s.risk, Some(Risk::High));
    assert_eq!(s.flags, [Flag::SuicideRisk(Risk::High)]);
}

#[test]
fn since_last_visit_has_no_follow_up_and_any_behaviour_is_high_risk() {
    let id = InstrumentId::CssrsSinceLastVisit;
    assert_eq!(def(id).items.len(), 6);
    let yes_to_6 = answers(id, &[(1, NO), (2, NO), (6, YES)]);
    assert_eq!(numbers(&visible_items(def(id), &yes_to_6)), [1, 2, 6]);
    assert_eq!(scored(&yes_to_6).risk, Some(Risk::High));
    let e = Answers::parse(def(id), &[("item-7".into(), "1".into())]).unwrap_err();
    assert_eq!(fields(&e), ["item-7"]);
}

#[test]
fn since_last_visit_levels_follow_the_same_triage() {
    let none = since_last_visit(&[(1, NO), (2, NO), (6, NO)]);
    assert_eq!(none.risk, Some(Risk::None));
    let low = since_last_visit(&[(1, YES), (2, NO), (6, NO)]);
    assert_eq!(low.risk, Some(Risk::Low));
    let moderate = since_last_visit(&[(1, YES), (2, YES), (3, YES), (4, NO), (5, NO), (6, NO)]);
    assert_eq!(moderate.risk, Some(Risk::Moderate));
    assert!(moderate.raises_safety_alert());
    let high = since_last_visit(&[(1, YES), (2, YES), (3, NO), (4, NO), (5, YES), (6, NO)]);
    assert_eq!(high.risk, Some(Risk::High));
}

#[test]
fn since_last_visit_also_hides_questions_3_to_5_after_no_to_question_2() {
    let a = answers(
        InstrumentId::CssrsSinceLastVisit,
        &[(1, NO), (2, NO), (4, YES), (6, NO)],
    );
    assert_eq!(fields(&score_default(&a).unwrap_err()), ["item-4"]);
}
