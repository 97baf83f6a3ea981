//! The Columbia Suicide Severity Rating Scale screener (C-SSRS Screen Version;
//! Posner et al., Am J Psychiatry 2011;168:1266–77; © The Research Foundation for
//! Mental Hygiene, free to use in clinical settings without permission), in its two
//! wordings: the screener used at baseline (ideation in the past month, behaviour
//! ever with a "past 3 months" follow-up) and "since last visit", used before each
//! medicine session and before discharge.
//!
//! Skip logic as printed: "If YES to 2, ask questions 3, 4, 5 and 6. If NO to 2, go
//! directly to question 6." Triage as the screener's colour coding: high = yes to 4
//! or 5, or behaviour in the past 3 months; moderate = yes to 3, or behaviour more
//! than 3 months ago; low = yes to 1 or 2 only; none = all no.
//!
//! LOINC screener panel 93373-9, risk level 93374-7 (DESIGN.md asks for these to be
//! checked against LOINC before any export).

use super::model::{
    AnswerOption, Condition, Instrument, Item, Loinc, RiskRule, RiskScoring, Scoring,
};
use super::{InstrumentId, Risk};

const YES: u8 = 1;
const NO: u8 = 0;

/// As the form prints its columns: YES, then NO.
const YES_NO: &[AnswerOption] = &[
    AnswerOption {
        value: YES,
        label: "Yes",
    },
    AnswerOption {
        value: NO,
        label: "No",
    },
];

/// Q3–5 are asked only after a yes to Q2.
const AFTER_YES_TO_2: Option<Condition> = Some(Condition::AnswerIs {
    item: 2,
    value: YES,
});

const BEHAVIOUR_EXAMPLES: &str = "Examples: Collected pills, obtained a gun, gave away valuables, wrote a will or suicide note, took out pills but didn’t swallow any, held a gun but changed your mind or it was grabbed from your hand, went to the roof but didn’t jump; or actually took pills, tried to shoot yourself, cut yourself, tried to hang yourself, etc.";

const fn item(number: u8, label: &'static str, text: &'static str) -> Item {
    Item {
        number,
        label,
        text,
        help: None,
        options: YES_NO,
        show_if: None,
    }
}

const fn after_yes_to_2(number: u8, label: &'static str, text: &'static str) -> Item {
    Item {
        show_if: AFTER_YES_TO_2,
        ..item(number, label, text)
    }
}

const fn yes(item: u8) -> Condition {
    Condition::AnswerIs { item, value: YES }
}

const fn no(item: u8) -> Condition {
    Condition::AnswerIs { item, value: NO }
}

const LOINC: Loinc = Loinc {
    panel: Some("93373-9"),
    result: Some("93374-7"),
};

const SOURCE: &str = "Columbia–Suicide Severity Rating Scale (C-SSRS), Screen Version. Posner K et al., Am J Psychiatry 2011;168:1266–77. © The Research Foundation for Mental Hygiene; free for clinical use.";

/// Item 7 is the follow-up to question 6, printed as "If YES, ask: Was this within
/// the past 3 months?".
pub(super) static CSSRS_SCREENER: Instrument = Instrument {
    id: InstrumentId::CssrsScreener,
    title: "Columbia–Suicide Severity Rating Scale, screener (C-SSRS)",
    instructions: "Questions 1 to 5 are about the past month. Question 6 is about your whole life.",
    items: &[
        item(
            1,
            "1",
            "Have you wished you were dead or wished you could go to sleep and not wake up?",
        ),
        item(
            2,
            "2",
            "Have you actually had any thoughts of killing yourself?",
        ),
        after_yes_to_2(
            3,
            "3",
            "Have you been thinking about how you might do this?",
        ),
        after_yes_to_2(
            4,
            "4",
            "Have you had these thoughts and had some intention of acting on them?",
        ),
        after_yes_to_2(
            5,
            "5",
            "Have you started to work out or worked out the details of how to kill yourself? Do you intend to carry out this plan?",
        ),
        Item {
            help: Some(BEHAVIOUR_EXAMPLES),
            ..item(
                6,
                "6",
                "Have you ever done anything, started to do anything, or prepared to do anything to end your life?",
            )
        },
        Item {
            show_if: Some(yes(6)),
            ..item(7, "6a", "Was this within the past 3 months?")
        },
    ],
    scoring: Scoring::Risk(RiskScoring {
        rules: &[
            RiskRule {
                risk: Risk::High,
                when: Condition::Any(&[yes(4), yes(5), Condition::All(&[yes(6), yes(7)])]),
            },
            RiskRule {
                risk: Risk::Moderate,
                when: Condition::Any(&[yes(3), Condition::All(&[yes(6), no(7)])]),
            },
            RiskRule {
                risk: Risk::Low,
                when: Condition::Any(&[yes(1), yes(2)]),
            },
        ],
        flag_from: Risk::Moderate,
    }),
    flags: &[],
    loinc: LOINC,
    source: SOURCE,
};

/// No follow-up to question 6: behaviour since the last visit is recent by
/// definition, so any yes to it is high risk.
pub(super) static CSSRS_SINCE_LAST_VISIT: Instrument = Instrument {
    id: InstrumentId::CssrsSinceLastVisit,
    title: "Columbia–Suicide Severity Rating Scale, screener since last visit (C-SSRS)",
    instructions: "Since your last visit:",
    items: &[
        item(
            1,
            "1",
            "Have you wished you were dead or wished you could go to sleep and not wake up?",
        ),
        item(
            2,
            "2",
            "Have you actually had any thoughts about killing yourself?",
        ),
        after_yes_to_2(3, "3", "Have you thought about how you might do this?"),
        after_yes_to_2(
            4,
            "4",
            "Have you had any intention of acting on these thoughts of killing yourself, as opposed to you have the thoughts but you definitely would not act on them?",
        ),
        after_yes_to_2(
            5,
            "5",
            "Have you started to work out or worked out the details of how to kill yourself? Did you intend to carry out this plan?",
        ),
        Item {
            help: Some(BEHAVIOUR_EXAMPLES),
            ..item(
                6,
                "6",
                "Have you done anything, started to do anything, or prepared to do anything to end your life?",
            )
        },
    ],
    scoring: Scoring::Risk(RiskScoring {
        rules: &[
            RiskRule {
                risk: Risk::High,
                when: Condition::Any(&[yes(4), yes(5), yes(6)]),
            },
            RiskRule {
                risk: Risk::Moderate,
                when: yes(3),
            },
            RiskRule {
                risk: Risk::Low,
                when: Condition::Any(&[yes(1), yes(2)]),
            },
        ],
        flag_from: Risk::Moderate,
    }),
    flags: &[],
    loinc: LOINC,
    source: SOURCE,
};
