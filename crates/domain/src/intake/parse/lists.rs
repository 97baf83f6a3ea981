//! The two list-shaped sections of the form: the history answers and the
//! medication entries.

use super::{Reader, decimal};
use crate::clinical::{Answer, HistoryItem, MedicalHistory, Medication, MedicationClass};
use crate::intake::IntakeDraft;
use crate::text::FreeText;

impl Reader {
    /// Submission: [`MedicalHistory::parse`]. Draft: the keys are questions and the
    /// answers filled in are yes, no or not sure.
    pub(super) fn history(&mut self, d: &IntakeDraft) -> Option<MedicalHistory> {
        if self.submitting() {
            return self.errors.check(MedicalHistory::parse(&d.history));
        }
        for (key, value) in &d.history {
            if key.parse::<HistoryItem>().is_err() {
                // An unknown key is echoed in the field name; a long one is not.
                let field = if key.chars().count() <= 64 {
                    format!("history.{key}")
                } else {
                    "history".to_owned()
                };
                self.errors
                    .push(&field, "This is not a question of the medical history.");
            } else if !value.trim().is_empty() && value.trim().parse::<Answer>().is_err() {
                self.errors
                    .push(&format!("history.{key}"), "Answer yes, no or not sure.");
            }
        }
        None
    }

    /// "No medications" and "not filled in" differ: an empty list submits only with
    /// the `no_medications` box ticked, and the box contradicts a list.
    pub(super) fn medications(&mut self, d: &IntakeDraft) -> Option<Vec<Medication>> {
        if !self.submitting() {
            self.draft_medications(d);
            return None;
        }
        if d.no_medications && !d.medications.is_empty() {
            self.errors.push(
                "no_medications",
                "You ticked \u{201c}I take no medications\u{201d} but listed some: untick it, or remove the list.",
            );
        }
        if d.medications.is_empty() {
            if !d.no_medications {
                self.errors.push(
                    "medications",
                    "List the medications you take now, or tick \u{201c}I take no medications\u{201d}.",
                );
                return None;
            }
            return Some(Vec::new());
        }
        self.errors.check(Medication::parse_list(&d.medications))
    }

    /// The entries' filled-in fields, one at a time, under `medications[i].<field>`.
    fn draft_medications(&mut self, d: &IntakeDraft) {
        if d.medications.len() > Medication::LIST_MAX {
            self.errors.push(
                "medications",
                format!("List at most {} medications.", Medication::LIST_MAX),
            );
            return;
        }
        for (i, m) in d.medications.iter().enumerate() {
            let f = |name: &str| format!("medications[{i}].{name}");
            let lines = [
                (
                    "name",
                    "the medication's name",
                    &m.name,
                    Medication::NAME_MAX,
                ),
                ("dose", "the dose", &m.dose, Medication::DOSE_MAX),
                (
                    "frequency",
                    "how often",
                    &m.frequency,
                    Medication::FREQUENCY_MAX,
                ),
            ];
            for (field, label, raw, max) in lines {
                self.optional(raw, |s| FreeText::parse_line(&f(field), label, s, max));
            }
            if !m.class.trim().is_empty() && m.class.trim().parse::<MedicationClass>().is_err() {
                self.errors.push(
                    &f("class"),
                    "Choose the kind of medication; choose other if none fits.",
                );
            }
            let doses = [
                (
                    "lorazepam_equivalent_mg_per_day",
                    &m.lorazepam_equivalent_mg_per_day,
                    Medication::LORAZEPAM_EQUIVALENT_MAX,
                ),
                (
                    "morphine_equivalent_mg_per_day",
                    &m.morphine_equivalent_mg_per_day,
                    Medication::MORPHINE_EQUIVALENT_MAX,
                ),
            ];
            for (field, raw, max) in doses {
                let ok = raw.trim().is_empty() || decimal(raw).is_some_and(|v| v <= max);
                if !ok {
                    self.errors.push(
                        &f(field),
                        format!("Enter the daily dose as a number of mg between 0 and {max}."),
                    );
                }
            }
        }
    }
}
