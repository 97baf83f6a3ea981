//! The engine: skip logic, completeness and scoring for any [`Instrument`].

use std::collections::BTreeMap;

use super::model::Facts;
use super::{
    Answers, Flag, Instrument, Item, Risk, Scored, Scoring, ScoringContext, Severity, SubscaleScore,
};
use crate::validation::Invalid;

/// The items to show given the answers so far, in order. An item whose condition
/// refers to an unanswered (or itself hidden) item stays hidden, so a page can ask
/// in steps: Q3–5 of the C-SSRS appear once Q2 is answered "yes".
pub fn visible_items(instrument: &Instrument, answers: &Answers) -> Vec<&'static Item> {
    walk(instrument, answers).0
}

/// The visible items not answered yet, in order.
pub fn unanswered_items(instrument: &Instrument, answers: &Answers) -> Vec<&'static Item> {
    visible_items(instrument, answers)
        .into_iter()
        .filter(|i| answers.get(i.number).is_none())
        .collect()
}

/// Visible items, and the answers given to them (answers to hidden items dropped).
fn walk(instrument: &Instrument, answers: &Answers) -> (Vec<&'static Item>, BTreeMap<u8, u8>) {
    let mut shown = Vec::new();
    let mut seen = BTreeMap::new();
    for item in instrument.items {
        let visible = item.show_if.as_ref().is_none_or(|c| {
            c.holds(&Facts {
                answers: &seen,
                total: None,
                ctx: None,
            })
        });
        if visible {
            shown.push(item);
            if let Some(v) = answers.get(item.number) {
                seen.insert(item.number, v);
            }
        }
    }
    (shown, seen)
}

/// Scores complete answers. Refused, with every problem under its item's field:
/// answers to another instrument, any visible item left unanswered (in item order,
/// so the first error names the first missing item), and any answer to an item the
/// skip logic hides (see the module documentation for why these are not ignored).
pub fn score(
    instrument: &Instrument,
    answers: &Answers,
    ctx: &ScoringContext,
) -> Result<Scored, Invalid> {
    if answers.instrument() != instrument.id {
        return Err(Invalid::field(
            "instrument",
            format!(
                "These answers belong to the {}, not the {}.",
                answers.instrument().label(),
                instrument.id.label()
            ),
        ));
    }
    let (shown, given) = walk(instrument, answers);
    let mut errors = Invalid::new();
    for item in instrument.items {
        let is_shown = shown.iter().any(|s| s.number == item.number);
        let answered = answers.get(item.number).is_some();
        if is_shown && !answered {
            errors.push(&item.field(), format!("Answer question {}.", item.label));
        } else if !is_shown && answered {
            errors.push(
                &item.field(),
                format!(
                    "Question {} does not apply given your other answers; leave it unanswered.",
                    item.label
                ),
            );
        }
    }
    errors.into_result()?;

    let mut scored = Scored {
        instrument: instrument.id,
        total: None,
        band: None,
        subscales: Vec::new(),
        risk: None,
        flags: Vec::new(),
    };
    match &instrument.scoring {
        Scoring::Sum(sum) => {
            let points = |number: u8| -> u16 {
                let value = given.get(&number).copied().unwrap_or(0);
                match instrument.item(number) {
                    Some(item) if sum.reverse_scored.contains(&number) => {
                        (u16::from(item.max_value()) + u16::from(item.min_value()))
                            .saturating_sub(u16::from(value))
                    }
                    _ => u16::from(value),
                }
            };
            let total = instrument.items.iter().map(|i| points(i.number)).sum();
            scored.total = Some(total);
            scored.band = instrument.band_for(total).map(|b| Severity {
                key: b.key,
                label: b.label,
                rank: b.severity,
            });
            scored.subscales = sum
                .subscales
                .iter()
                .map(|s| SubscaleScore {
                    key: s.key,
                    label: s.label,
                    score: s.items.iter().map(|n| points(*n)).sum(),
                    max: s
                        .items
                        .iter()
                        .filter_map(|n| instrument.item(*n))
                        .map(|i| u16::from(i.max_value()))
                        .sum(),
                })
                .collect();
        }
        Scoring::Risk(rules) => {
            let facts = Facts {
                answers: &given,
                total: None,
                ctx: Some(ctx),
            };
            let risk = rules
                .rules
                .iter()
                .filter(|r| r.when.holds(&facts))
                .map(|r| r.risk)
                .max()
                .unwrap_or(Risk::None);
            scored.risk = Some(risk);
            scored.band = Some(Severity {
                key: risk.as_str(),
                label: risk.label(),
                rank: risk.rank(),
            });
            if risk >= rules.flag_from {
                scored.flags.push(Flag::SuicideRisk(risk));
            }
        }
    }
    let facts = Facts {
        answers: &given,
        total: scored.total,
        ctx: Some(ctx),
    };
    for rule in instrument.flags {
        if rule.when.holds(&facts) && !scored.flags.contains(&rule.flag) {
            scored.flags.push(rule.flag);
        }
    }
    Ok(scored)
}
