//! Raw form input and completeness.

use super::*;

fn raw(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn parse(id: InstrumentId, pairs: &[(&str, &str)]) -> Result<Answers, Invalid> {
    Answers::parse(def(id), &raw(pairs))
}

#[test]
fn form_fields_parse_into_answers() {
    let a = parse(
        InstrumentId::Gad7,
        &[("item-1", "0"), ("item-2", " 3 "), ("csrf_token", "xyz")],
    )
    .unwrap();
    assert_eq!(a.instrument(), InstrumentId::Gad7);
    assert_eq!(a.iter().collect::<Vec<_>>(), [(1, 0), (2, 3)]);
}

#[test]
fn an_empty_value_is_not_yet_answered() {
    let a = parse(InstrumentId::Phq9, &[("item-1", ""), ("item-2", "1")]).unwrap();
    assert_eq!(a.get(1), None);
    assert_eq!(a.len(), 1);
}

#[test]
fn an_out_of_range_value_is_refused_naming_the_field() {
    let e = parse(InstrumentId::Phq9, &[("item-9", "4")]).unwrap_err();
    assert_eq!(fields(&e), ["item-9"]);
    assert_eq!(
        e.0[0].message,
        "Choose one of the answers to question 9 (0 = Not at all, 1 = Several days, 2 = More than half the days, 3 = Nearly every day)."
    );
    let e = parse(InstrumentId::Dast10, &[("item-3", "2")]).unwrap_err();
    assert_eq!(fields(&e), ["item-3"]);
}

#[test]
fn a_value_that_is_not_a_number_is_refused_without_repeating_it() {
    for bad in ["abc", "-1", "1.5", "256", "0x1"] {
        let e = parse(InstrumentId::Gad7, &[("item-2", bad)]).unwrap_err();
        assert_eq!(fields(&e), ["item-2"], "{bad:?}");
        assert!(!e.0[0].message.contains(bad), "{bad:?} echoed");
    }
}

#[test]
fn an_unknown_item_is_refused() {
    for field in ["item-10", "item-0", "item-", "item-x", "item-09", "item-+1"] {
        let e = parse(InstrumentId::Phq9, &[(field, "1")]).unwrap_err();
        assert_eq!(fields(&e), [field]);
        assert_eq!(e.0[0].message, "The PHQ-9 has no such question.");
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let e = parse(
        InstrumentId::Phq9,
        &[
            ("item-1", "9"),
            ("item-2", "1"),
            ("item-12", "0"),
            ("item-3", "x"),
        ],
    )
    .unwrap_err();
    assert_eq!(fields(&e), ["item-1", "item-12", "item-3"]);
}

#[test]
fn an_item_answered_twice_is_refused() {
    let e = parse(InstrumentId::Phq9, &[("item-1", "1"), ("item-1", "2")]).unwrap_err();
    assert_eq!(fields(&e), ["item-1"]);
}

#[test]
fn incomplete_answers_are_refused_naming_the_first_missing_item() {
    let a = answers(
        InstrumentId::Phq9,
        &[(1, 1), (2, 1), (3, 1), (5, 1), (6, 1), (8, 1), (9, 0)],
    );
    let e = score_default(&a).unwrap_err();
    assert_eq!(fields(&e), ["item-4", "item-7"]);
    assert_eq!(e.0[0].message, "Answer question 4.");
}

#[test]
fn no_answers_at_all_are_refused_from_item_1() {
    for id in InstrumentId::ALL {
        let e = score_default(&Answers::empty(id)).unwrap_err();
        assert_eq!(e.0[0].field, "item-1", "{id}");
    }
}

#[test]
fn answers_to_one_instrument_cannot_be_scored_as_another() {
    let a = every(InstrumentId::Gad7, 0);
    let e = score(def(InstrumentId::Phq9), &a, &ScoringContext::default()).unwrap_err();
    assert_eq!(fields(&e), ["instrument"]);
}

#[test]
fn stored_values_are_checked_like_form_input() {
    let e = Answers::from_values(def(InstrumentId::AuditC), [(1, 5), (4, 0)]).unwrap_err();
    assert_eq!(fields(&e), ["item-1", "item-4"]);
}
