//! Tests of the questionnaire engine and the shipped definitions.

use super::*;
use crate::clinical::Sex;
use crate::validation::Invalid;

mod cssrs;
mod definitions;
mod parsing;
mod props;
mod sums;

fn def(id: InstrumentId) -> &'static Instrument {
    definition(id)
}

/// Answers from `(item, value)` pairs; panics (test only) if any pair is invalid.
fn answers(id: InstrumentId, pairs: &[(u8, u8)]) -> Answers {
    Answers::from_values(def(id), pairs.iter().copied()).unwrap()
}

/// Every item answered with the same value.
fn every(id: InstrumentId, value: u8) -> Answers {
    let pairs: Vec<_> = def(id).items.iter().map(|i| (i.number, value)).collect();
    answers(id, &pairs)
}

/// Complete answers of a summed instrument whose total is exactly `total`, filled
/// from the first item on (reverse-scored items answered so they count as needed).
fn with_total(id: InstrumentId, total: u16) -> Answers {
    let instrument = def(id);
    let Scoring::Sum(sum) = &instrument.scoring else {
        panic!("{id} has no total");
    };
    let mut left = total;
    let pairs: Vec<_> = instrument
        .items
        .iter()
        .map(|i| {
            let points = left.min(u16::from(i.max_value()));
            left -= points;
            let points = u8::try_from(points).unwrap();
            let value = if sum.reverse_scored.contains(&i.number) {
                i.max_value() + i.min_value() - points
            } else {
                points
            };
            (i.number, value)
        })
        .collect();
    assert_eq!(left, 0, "{total} is beyond {id}'s range");
    answers(id, &pairs)
}

fn score_default(answers: &Answers) -> Result<Scored, Invalid> {
    score(
        def(answers.instrument()),
        answers,
        &ScoringContext::default(),
    )
}

fn scored(answers: &Answers) -> Scored {
    score_default(answers).unwrap()
}

fn fields(e: &Invalid) -> Vec<&str> {
    e.0.iter().map(|f| f.field.as_str()).collect()
}
