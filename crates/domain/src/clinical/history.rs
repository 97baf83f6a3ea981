//! The medical and psychiatric history that the contraindication rules read, asked
//! on the intake form and confirmed at assessment.
//!
//! Every fact is a three-way [`Answer`]: yes, no, or not known. "Not known" is the
//! default, so a history nobody filled in reads as unknown rather than as a clean
//! bill of health, and the rules report it as missing data (see
//! [`crate::rules::MissingData`]).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::validation::Invalid;

/// One answer to a yes/no question, with "not known" kept distinct from "no".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Answer {
    Yes,
    No,
    /// Not answered, or answered "not sure". Never read as "no".
    #[default]
    Unknown,
}

impl Answer {
    pub const ALL: [Answer; 3] = [Answer::Yes, Answer::No, Answer::Unknown];

    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::Unknown => "unknown",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Answer::Yes => "Yes",
            Answer::No => "No",
            Answer::Unknown => "Not sure",
        }
    }

    pub fn is_yes(self) -> bool {
        self == Answer::Yes
    }

    pub fn is_unknown(self) -> bool {
        self == Answer::Unknown
    }
}

impl From<bool> for Answer {
    fn from(b: bool) -> Self {
        if b { Answer::Yes } else { Answer::No }
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Answer {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Answer::ALL.into_iter().find(|x| x.as_str() == s).ok_or(())
    }
}

macro_rules! history_items {
    ($( $(#[$doc:meta])* $variant:ident, $field:ident, $id:literal, $label:literal, $question:literal; )+) => {
        /// One fact of the history. The id is stable (database, API, form field); the
        /// label is the short phrase shown on the chart and in a finding's evidence;
        /// the question is what the intake form asks.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum HistoryItem {
            $( $(#[$doc])* $variant, )+
        }

        impl HistoryItem {
            /// Every item, in the order the intake form asks them.
            pub const ALL: &'static [HistoryItem] = &[ $( HistoryItem::$variant, )+ ];

            pub fn as_str(self) -> &'static str {
                match self { $( HistoryItem::$variant => $id, )+ }
            }

            pub fn label(self) -> &'static str {
                match self { $( HistoryItem::$variant => $label, )+ }
            }

            pub fn question(self) -> &'static str {
                match self { $( HistoryItem::$variant => $question, )+ }
            }
        }

        /// The history facts, one [`Answer`] each. Missing fields deserialize as
        /// unknown.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(default)]
        pub struct MedicalHistory {
            $( $(#[$doc])* pub $field: Answer, )+
        }

        impl MedicalHistory {
            pub fn get(&self, item: HistoryItem) -> Answer {
                match item { $( HistoryItem::$variant => self.$field, )+ }
            }

            pub fn set(&mut self, item: HistoryItem, answer: Answer) {
                match item { $( HistoryItem::$variant => self.$field = answer, )+ }
            }
        }
    };
}

// The list is data; the macro only spells it out as an enum, a struct and their
// lookups so the three cannot drift apart.
history_items! {
    Hypertension, hypertension, "hypertension",
        "High blood pressure",
        "Have you been told you have high blood pressure (hypertension)?";
    HeartDisease, heart_disease, "heart-disease",
        "Heart disease",
        "Do you have any heart condition (for example angina, a past heart attack, heart failure or an irregular heartbeat)?";
    /// Stroke, brain aneurysm or other disease of the brain's blood vessels.
    CerebrovascularDisease, cerebrovascular_disease, "cerebrovascular-disease",
        "Stroke, brain aneurysm or other cerebrovascular disease",
        "Have you had a stroke, a brain aneurysm, a bleed in the brain or another disease of the brain's blood vessels?";
    /// Serious and not stable: recent heart attack, unstable angina, uncontrolled
    /// arrhythmia or heart failure, aortic aneurysm.
    UnstableCardiovascularDisease, unstable_cardiovascular_disease, "unstable-cardiovascular-disease",
        "Serious unstable cardiovascular disease",
        "Is a heart or blood-vessel condition currently unstable or getting worse (for example a heart attack in the past 6 months, chest pain at rest, or an aortic aneurysm)?";
    RaisedIntracranialPressure, raised_intracranial_pressure, "raised-intracranial-pressure",
        "Raised intracranial pressure",
        "Have you been told you have raised pressure inside the skull (raised intracranial pressure)?";
    SignificantLiverDisease, significant_liver_disease, "significant-liver-disease",
        "Significant liver disease",
        "Do you have significant liver disease (for example cirrhosis or hepatitis affecting how your liver works)?";
    Seizures, seizures, "seizures",
        "Seizures or epilepsy",
        "Have you had seizures or been diagnosed with epilepsy?";
    UncontrolledGlaucoma, uncontrolled_glaucoma, "uncontrolled-glaucoma",
        "Uncontrolled glaucoma or raised intraocular pressure",
        "Do you have glaucoma or raised pressure in the eye that is not controlled by treatment?";
    UncontrolledHyperthyroidism, uncontrolled_hyperthyroidism, "uncontrolled-hyperthyroidism",
        "Uncontrolled hyperthyroidism",
        "Do you have an overactive thyroid (hyperthyroidism) that is not controlled by treatment?";
    Pregnant, pregnant, "pregnant",
        "Pregnant",
        "Are you pregnant, or could you be pregnant?";
    Breastfeeding, breastfeeding, "breastfeeding",
        "Breastfeeding",
        "Are you breastfeeding?";
    PsychoticDisorderHistory, psychotic_disorder_history, "psychotic-disorder-history",
        "History of a psychotic disorder",
        "Have you ever been diagnosed with a psychotic disorder (for example schizophrenia or schizoaffective disorder)?";
    ActivePsychosis, active_psychosis, "active-psychosis",
        "Active psychosis",
        "Are you currently hearing or seeing things others do not, or holding beliefs others find very unusual?";
    CurrentMania, current_mania, "current-mania",
        "Current mania",
        "Are you currently in a manic or hypomanic episode?";
    BipolarDisorder, bipolar_disorder, "bipolar-disorder",
        "Bipolar disorder",
        "Have you been diagnosed with bipolar disorder?";
    /// Asked only when bipolar disorder is yes; "no" when it is no.
    BipolarPsychoticFeatures, bipolar_psychotic_features, "bipolar-psychotic-features",
        "Bipolar disorder with psychotic features",
        "During mood episodes, have you had psychotic symptoms (hearing or seeing things, or fixed unusual beliefs)?";
    /// Parent, sibling or child.
    FamilySchizophreniaSpectrum, family_schizophrenia_spectrum, "family-schizophrenia-spectrum",
        "First-degree relative with a schizophrenia-spectrum disorder",
        "Has a parent, brother, sister or child been diagnosed with schizophrenia or another psychotic disorder?";
    KetamineAllergy, ketamine_allergy, "ketamine-allergy",
        "Known allergy to ketamine",
        "Are you allergic to ketamine?";
    PreviousKetamineReaction, previous_ketamine_reaction, "previous-ketamine-reaction",
        "Previous bad reaction to ketamine",
        "Have you had a bad reaction to ketamine before (medical or psychological)?";
    BladderSymptoms, bladder_symptoms, "bladder-symptoms",
        "Bladder symptoms or past ketamine cystitis",
        "Do you have bladder problems (pain, urgency, passing urine often, blood in urine), or have you had ketamine-related cystitis?";
    /// Any substance, moderate or severe (DSM-5: 4 or more criteria), not in
    /// sustained remission.
    ActiveSubstanceUseDisorder, active_substance_use_disorder, "active-substance-use-disorder",
        "Active moderate-to-severe substance use disorder",
        "Are you currently struggling with alcohol or drug use to the point that it causes you serious problems?";
    KetaminePcpMisusePastYear, ketamine_pcp_misuse_past_year, "ketamine-pcp-misuse-past-year",
        "Ketamine or PCP misuse in the past year",
        "In the past year, have you used ketamine or PCP other than as prescribed?";
    OpioidMisusePastYear, opioid_misuse_past_year, "opioid-misuse-past-year",
        "Opioid misuse in the past year",
        "In the past year, have you used opioids (painkillers, heroin, fentanyl) other than as prescribed?";
}

impl fmt::Display for HistoryItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HistoryItem {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        HistoryItem::ALL
            .iter()
            .copied()
            .find(|x| x.as_str() == s)
            .ok_or(())
    }
}

impl MedicalHistory {
    /// Every fact set to the same answer (the demo's "nothing to report" is
    /// `uniform(Answer::No)`).
    pub fn uniform(answer: Answer) -> Self {
        let mut h = MedicalHistory::default();
        for item in HistoryItem::ALL {
            h.set(*item, answer);
        }
        h
    }

    /// The facts answered yes, in form order.
    pub fn answered_yes(&self) -> Vec<HistoryItem> {
        self.with(Answer::Yes)
    }

    /// The facts not known, in form order.
    pub fn unknown(&self) -> Vec<HistoryItem> {
        self.with(Answer::Unknown)
    }

    fn with(&self, answer: Answer) -> Vec<HistoryItem> {
        HistoryItem::ALL
            .iter()
            .copied()
            .filter(|i| self.get(*i) == answer)
            .collect()
    }

    /// Parses the intake form's answers, keyed by [`HistoryItem::as_str`], each
    /// `yes`, `no` or `unknown` ("not sure"). Every question needs an answer, except
    /// psychotic features, which is "no" when bipolar disorder is "no". Errors name
    /// `history.<id>`; unknown keys are refused rather than dropped.
    pub fn parse(answers: &BTreeMap<String, String>) -> Result<Self, Invalid> {
        let mut errors = Invalid::new();
        for key in answers.keys() {
            if key.parse::<HistoryItem>().is_err() {
                errors.push(
                    &format!("history.{key}"),
                    "This is not a question of the medical history.",
                );
            }
        }
        let mut history = MedicalHistory::default();
        for item in HistoryItem::ALL.iter().copied() {
            let raw = answers.get(item.as_str()).map(|s| s.trim()).unwrap_or("");
            let field = format!("history.{}", item.as_str());
            if raw.is_empty() {
                if item == HistoryItem::BipolarPsychoticFeatures
                    && history.bipolar_disorder == Answer::No
                {
                    history.set(item, Answer::No);
                } else {
                    errors.push(&field, "Answer yes, no or not sure.");
                }
                continue;
            }
            match raw.parse::<Answer>() {
                Ok(a) => history.set(item, a),
                Err(()) => errors.push(&field, "Answer yes, no or not sure."),
            }
        }
        if history.bipolar_disorder == Answer::No
            && history.bipolar_psychotic_features != Answer::No
        {
            errors.push(
                "history.bipolar-psychotic-features",
                "Psychotic features are asked about only with bipolar disorder; answer bipolar disorder yes or not sure, or clear this answer.",
            );
        }
        errors.into_result().map(|()| history)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(answer: &str) -> BTreeMap<String, String> {
        HistoryItem::ALL
            .iter()
            .map(|i| (i.as_str().to_owned(), answer.to_owned()))
            .collect()
    }

    #[test]
    fn an_empty_history_is_unknown_not_no() {
        let h = MedicalHistory::default();
        assert_eq!(h.unknown().len(), HistoryItem::ALL.len());
        assert!(h.answered_yes().is_empty());
        assert_eq!(h.get(HistoryItem::Pregnant), Answer::Unknown);
    }

    #[test]
    fn item_ids_are_unique_and_round_trip() {
        let mut ids: Vec<_> = HistoryItem::ALL.iter().map(|i| i.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), HistoryItem::ALL.len());
        for i in HistoryItem::ALL {
            assert_eq!(i.as_str().parse::<HistoryItem>(), Ok(*i));
            assert!(i.question().ends_with('?'), "{i}");
        }
    }

    #[test]
    fn get_and_set_touch_only_their_own_item() {
        for item in HistoryItem::ALL.iter().copied() {
            let mut h = MedicalHistory::uniform(Answer::No);
            h.set(item, Answer::Yes);
            assert_eq!(h.answered_yes(), vec![item]);
        }
    }

    #[test]
    fn a_complete_form_parses() {
        let mut form = all("no");
        form.insert("pregnant".into(), " yes ".into());
        form.insert("seizures".into(), "unknown".into());
        let h = MedicalHistory::parse(&form).unwrap();
        assert_eq!(h.pregnant, Answer::Yes);
        assert_eq!(h.seizures, Answer::Unknown);
        assert_eq!(h.ketamine_allergy, Answer::No);
    }

    #[test]
    fn every_unanswered_question_is_named() {
        let e = MedicalHistory::parse(&BTreeMap::new()).unwrap_err();
        assert_eq!(e.0.len(), HistoryItem::ALL.len());
        assert_eq!(
            e.message_for("history.ketamine-allergy"),
            Some("Answer yes, no or not sure.")
        );
    }

    #[test]
    fn psychotic_features_may_be_left_out_only_when_there_is_no_bipolar_disorder() {
        let mut form = all("no");
        form.remove("bipolar-psychotic-features");
        let h = MedicalHistory::parse(&form).unwrap();
        assert_eq!(h.bipolar_psychotic_features, Answer::No);

        form.insert("bipolar-disorder".into(), "yes".into());
        let e = MedicalHistory::parse(&form).unwrap_err();
        assert!(
            e.message_for("history.bipolar-psychotic-features")
                .is_some()
        );
    }

    #[test]
    fn psychotic_features_without_bipolar_disorder_is_refused() {
        let mut form = all("no");
        form.insert("bipolar-psychotic-features".into(), "yes".into());
        let e = MedicalHistory::parse(&form).unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert_eq!(e.0[0].field, "history.bipolar-psychotic-features");
    }

    #[test]
    fn unknown_keys_and_values_are_refused() {
        let mut form = all("no");
        form.insert("pregnant".into(), "maybe".into());
        form.insert("favourite-colour".into(), "no".into());
        let e = MedicalHistory::parse(&form).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["history.favourite-colour", "history.pregnant"]);
    }
}
