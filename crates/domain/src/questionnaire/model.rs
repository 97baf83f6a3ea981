//! The shape of an instrument as data: items and their answer options, skip logic,
//! how a result is computed (a sum with bands, or the highest matching risk rule) and
//! which flags it raises. One engine ([`super::score`]) interprets every instrument;
//! adding an instrument means adding a definition, not scoring code.

use std::collections::BTreeMap;

use super::{InstrumentId, Risk, ScoringContext};
use crate::clinical::Sex;

/// One questionnaire as the clinic uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instrument {
    pub id: InstrumentId,
    /// The full published name ("Patient Health Questionnaire-9").
    pub title: &'static str,
    /// What the person reads before the first item: the time frame and how to answer.
    pub instructions: &'static str,
    /// In the order they are asked; numbered 1, 2, 3, … without gaps.
    pub items: &'static [Item],
    pub scoring: Scoring,
    /// Flags raised by the answers or the total, evaluated after scoring.
    pub flags: &'static [FlagRule],
    pub loinc: Loinc,
    /// Who wrote it and on what terms it may be used.
    pub source: &'static str,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The key answers are stored under; the form field is `item-{number}`.
    pub number: u8,
    /// The number as printed on the instrument ("9", or "6a" for a follow-up).
    pub label: &'static str,
    /// The item's wording exactly as the instrument prints it.
    pub text: &'static str,
    /// Examples or clarification printed with the item, if any.
    pub help: Option<&'static str>,
    /// In the order the instrument prints them.
    pub options: &'static [AnswerOption],
    /// Skip logic: the item is asked only when this holds for the answers given to
    /// the items before it. `None` means always asked.
    pub show_if: Option<Condition>,
}

impl Item {
    /// The form field name that carries this item's answer.
    pub fn field(&self) -> String {
        format!("item-{}", self.number)
    }

    pub fn option(&self, value: u8) -> Option<&'static AnswerOption> {
        self.options.iter().find(|o| o.value == value)
    }

    /// The smallest value any option carries.
    pub fn min_value(&self) -> u8 {
        self.options.iter().map(|o| o.value).min().unwrap_or(0)
    }

    /// The largest value any option carries.
    pub fn max_value(&self) -> u8 {
        self.options.iter().map(|o| o.value).max().unwrap_or(0)
    }
}

/// One printed answer and the value it is stored and scored as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerOption {
    pub value: u8,
    pub label: &'static str,
}

/// LOINC codes for export (<https://loinc.org>). `panel` identifies the whole form;
/// `result` the headline result (the total score, or the risk level for the C-SSRS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loinc {
    pub panel: Option<&'static str>,
    pub result: Option<&'static str>,
}

/// How an instrument's result is computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scoring {
    /// The sum of the item values (reverse-scored items count as `max + min − value`),
    /// placed in a band; subscales are sums over groups of items.
    Sum(SumScoring),
    /// No total: the result is the highest risk level whose rule holds (the C-SSRS
    /// screener's triage), `Risk::None` when none does.
    Risk(RiskScoring),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumScoring {
    /// Items scored in reverse (DAST-10 item 3: "no" scores 1).
    pub reverse_scored: &'static [u8],
    pub subscales: &'static [Subscale],
    /// Cover the instrument's range without gaps or overlaps, lowest first. Empty
    /// when the instrument reports a total without bands (PCL-5, AUDIT-C).
    pub bands: &'static [Band],
}

/// A named sum over some of the items (PCL-5's DSM-5 symptom clusters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscale {
    /// Stable name for storage ("cluster-b").
    pub key: &'static str,
    pub label: &'static str,
    pub items: &'static [u8],
}

/// A severity band of totals, inclusive on both ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    pub min: u16,
    pub max: u16,
    /// Stable name for storage ("moderately-severe").
    pub key: &'static str,
    pub label: &'static str,
    /// 0 for the lowest band, rising with severity, so bands of one instrument can be
    /// compared and charted.
    pub severity: u8,
}

impl Band {
    pub fn contains(&self, total: u16) -> bool {
        (self.min..=self.max).contains(&total)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskScoring {
    /// Checked together; the highest risk among those that hold wins.
    pub rules: &'static [RiskRule],
    /// From this level up the result raises `Flag::SuicideRisk(level)`.
    pub flag_from: Risk,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskRule {
    pub risk: Risk,
    pub when: Condition,
}

/// A flag the instrument raises when its condition holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagRule {
    pub when: Condition,
    pub flag: super::Flag,
}

/// A fact about the answers (and, after scoring, the total). Skip logic uses only
/// the answer conditions; an unanswered item satisfies no condition about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// The item was answered with exactly this value.
    AnswerIs {
        item: u8,
        value: u8,
    },
    /// The item was answered with this value or more.
    AnswerAtLeast {
        item: u8,
        value: u8,
    },
    /// The total reached the threshold.
    TotalAtLeast(Threshold),
    Any(&'static [Condition]),
    All(&'static [Condition]),
}

/// A cut-off on the total: fixed by the instrument, or taken from the clinic's
/// settings or the respondent at scoring time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    Fixed(u16),
    /// PCL-5's probable-PTSD cut-off, a clinic setting ([`ScoringContext::pcl5_cutoff`]).
    Pcl5Cutoff,
    /// Depends on the respondent's recorded sex (AUDIT-C). `other` applies when sex
    /// is intersex or not recorded: instruments put the more cautious (lower)
    /// cut-off there, so a missing record never hides a positive screen.
    BySex {
        male: u16,
        female: u16,
        other: u16,
    },
}

impl Threshold {
    pub fn resolve(self, ctx: &ScoringContext) -> u16 {
        match self {
            Threshold::Fixed(n) => n,
            Threshold::Pcl5Cutoff => u16::from(ctx.pcl5_cutoff),
            Threshold::BySex {
                male,
                female,
                other,
            } => match ctx.sex {
                Sex::Male => male,
                Sex::Female => female,
                Sex::Intersex | Sex::NotRecorded => other,
            },
        }
    }
}

/// What a condition is evaluated against.
pub(super) struct Facts<'a> {
    pub answers: &'a BTreeMap<u8, u8>,
    /// Known only after scoring; skip logic runs without it.
    pub total: Option<u16>,
    pub ctx: Option<&'a ScoringContext>,
}

impl Condition {
    pub(super) fn holds(&self, facts: &Facts<'_>) -> bool {
        match self {
            Condition::AnswerIs { item, value } => facts.answers.get(item) == Some(value),
            Condition::AnswerAtLeast { item, value } => {
                facts.answers.get(item).is_some_and(|v| v >= value)
            }
            Condition::TotalAtLeast(threshold) => match (facts.total, facts.ctx) {
                (Some(total), Some(ctx)) => total >= threshold.resolve(ctx),
                _ => false,
            },
            Condition::Any(all) => all.iter().any(|c| c.holds(facts)),
            Condition::All(all) => all.iter().all(|c| c.holds(facts)),
        }
    }

    /// Every item the condition looks at, so a definition can be checked for
    /// references to items that do not exist or come later.
    pub fn items(&self) -> Vec<u8> {
        match self {
            Condition::AnswerIs { item, .. } | Condition::AnswerAtLeast { item, .. } => {
                vec![*item]
            }
            Condition::TotalAtLeast(_) => Vec::new(),
            Condition::Any(all) | Condition::All(all) => {
                all.iter().flat_map(Condition::items).collect()
            }
        }
    }
}

impl Instrument {
    pub fn item(&self, number: u8) -> Option<&'static Item> {
        self.items.iter().find(|i| i.number == number)
    }

    /// The lowest and highest possible totals, for instruments that sum.
    pub fn total_range(&self) -> Option<(u16, u16)> {
        match self.scoring {
            Scoring::Sum(_) => Some(self.items.iter().fold((0, 0), |(lo, hi), i| {
                (lo + u16::from(i.min_value()), hi + u16::from(i.max_value()))
            })),
            Scoring::Risk(_) => None,
        }
    }

    /// The bands of a summed instrument (empty for the others).
    pub fn bands(&self) -> &'static [Band] {
        match &self.scoring {
            Scoring::Sum(s) => s.bands,
            Scoring::Risk(_) => &[],
        }
    }

    /// The band a total falls in.
    pub fn band_for(&self, total: u16) -> Option<&'static Band> {
        self.bands().iter().find(|b| b.contains(total))
    }
}
