//! Answers to one instrument, parsed from raw form fields.

use std::collections::BTreeMap;

use super::{Instrument, InstrumentId, Item};
use crate::validation::Invalid;

/// Answers to one instrument: item number → the value of the chosen option.
///
/// Every value is one the item offers (parse, don't validate), but the set may be
/// partial: completeness and skip logic are [`super::score`]'s business, so a page can
/// keep answers while it shows the next questions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    instrument: InstrumentId,
    values: BTreeMap<u8, u8>,
}

/// Form fields that carry answers are named `item-{number}`.
const PREFIX: &str = "item-";

impl Answers {
    /// No answers yet.
    pub fn empty(instrument: InstrumentId) -> Self {
        Self {
            instrument,
            values: BTreeMap::new(),
        }
    }

    /// Parses raw form fields. Fields named `item-{number}` are answers; every other
    /// field belongs to the page (CSRF token, submit button) and is left alone. An
    /// empty value means "not answered yet". Every problem is reported, each under
    /// its field: items the instrument does not have, values that are not numbers
    /// or not among the item's options, and an item answered twice. The messages
    /// never repeat the value sent, which is health information.
    pub fn parse(instrument: &Instrument, raw: &[(String, String)]) -> Result<Self, Invalid> {
        let mut errors = Invalid::new();
        let mut values = BTreeMap::new();
        for (field, value) in raw {
            let Some(suffix) = field.strip_prefix(PREFIX) else {
                continue;
            };
            let Some(item) = suffix
                .parse::<u8>()
                .ok()
                .filter(|n| suffix == n.to_string())
                .and_then(|n| instrument.item(n))
            else {
                errors.push(
                    field,
                    format!("The {} has no such question.", instrument.id.label()),
                );
                continue;
            };
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match value
                .parse::<u8>()
                .ok()
                .filter(|v| item.option(*v).is_some())
            {
                Some(v) => {
                    if values.insert(item.number, v).is_some() {
                        errors.push(
                            field,
                            format!("Question {} was answered twice.", item.label),
                        );
                    }
                }
                None => errors.push(field, choose_message(item)),
            }
        }
        errors.into_result()?;
        Ok(Self {
            instrument: instrument.id,
            values,
        })
    }

    /// Builds answers from stored `(item, value)` pairs, with the same checks as
    /// [`Answers::parse`].
    pub fn from_values(
        instrument: &Instrument,
        values: impl IntoIterator<Item = (u8, u8)>,
    ) -> Result<Self, Invalid> {
        let raw: Vec<(String, String)> = values
            .into_iter()
            .map(|(item, value)| (format!("{PREFIX}{item}"), value.to_string()))
            .collect();
        Self::parse(instrument, &raw)
    }

    pub fn instrument(&self) -> InstrumentId {
        self.instrument
    }

    pub fn get(&self, item: u8) -> Option<u8> {
        self.values.get(&item).copied()
    }

    /// `(item, value)` in item order.
    pub fn iter(&self) -> impl Iterator<Item = (u8, u8)> + '_ {
        self.values.iter().map(|(k, v)| (*k, *v))
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// "Choose one of the answers to question 3 (0 = No, 1 = Yes)."
fn choose_message(item: &Item) -> String {
    let listed: Vec<String> = item
        .options
        .iter()
        .map(|o| format!("{} = {}", o.value, o.label))
        .collect();
    format!(
        "Choose one of the answers to question {} ({}).",
        item.label,
        listed.join(", ")
    )
}
