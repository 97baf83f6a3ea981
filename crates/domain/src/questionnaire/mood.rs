//! PHQ-9 and GAD-7. Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt
//! Kroenke and colleagues with an educational grant from Pfizer Inc.; no permission
//! is required to reproduce, translate, display or distribute them.

use super::model::{
    AnswerOption, Band, Condition, FlagRule, Instrument, Item, Loinc, Scoring, SumScoring,
};
use super::{Flag, InstrumentId};

/// The answer scale both instruments print.
const FREQUENCY: &[AnswerOption] = &[
    AnswerOption {
        value: 0,
        label: "Not at all",
    },
    AnswerOption {
        value: 1,
        label: "Several days",
    },
    AnswerOption {
        value: 2,
        label: "More than half the days",
    },
    AnswerOption {
        value: 3,
        label: "Nearly every day",
    },
];

const fn item(number: u8, label: &'static str, text: &'static str) -> Item {
    Item {
        number,
        label,
        text,
        help: None,
        options: FREQUENCY,
        show_if: None,
    }
}

const fn band(min: u16, max: u16, key: &'static str, label: &'static str, severity: u8) -> Band {
    Band {
        min,
        max,
        key,
        label,
        severity,
    }
}

/// Patient Health Questionnaire-9 (Kroenke, Spitzer, Williams, J Gen Intern Med
/// 2001;16:606–13). LOINC panel 44249-1, total 44261-6.
pub(super) static PHQ9: Instrument = Instrument {
    id: InstrumentId::Phq9,
    title: "Patient Health Questionnaire-9 (PHQ-9)",
    instructions: "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items: &[
        item(1, "1", "Little interest or pleasure in doing things"),
        item(2, "2", "Feeling down, depressed, or hopeless"),
        item(
            3,
            "3",
            "Trouble falling or staying asleep, or sleeping too much",
        ),
        item(4, "4", "Feeling tired or having little energy"),
        item(5, "5", "Poor appetite or overeating"),
        item(
            6,
            "6",
            "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
        ),
        item(
            7,
            "7",
            "Trouble concentrating on things, such as reading the newspaper or watching television",
        ),
        item(
            8,
            "8",
            "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or restless that you have been moving around a lot more than usual",
        ),
        item(
            9,
            "9",
            "Thoughts that you would be better off dead or of hurting yourself in some way",
        ),
    ],
    scoring: Scoring::Sum(SumScoring {
        reverse_scored: &[],
        subscales: &[],
        bands: &[
            band(0, 4, "none", "None", 0),
            band(5, 9, "mild", "Mild", 1),
            band(10, 14, "moderate", "Moderate", 2),
            band(15, 19, "moderately-severe", "Moderately severe", 3),
            band(20, 27, "severe", "Severe", 4),
        ],
    }),
    flags: &[FlagRule {
        when: Condition::AnswerAtLeast { item: 9, value: 1 },
        flag: Flag::SuicidalIdeation,
    }],
    loinc: Loinc {
        panel: Some("44249-1"),
        result: Some("44261-6"),
    },
    source: "Kroenke K, Spitzer RL, Williams JBW. The PHQ-9. J Gen Intern Med 2001;16:606–13. No permission required to reproduce.",
};

/// Generalized Anxiety Disorder-7 (Spitzer, Kroenke, Williams, Löwe, Arch Intern
/// Med 2006;166:1092–7). LOINC panel 69737-5, total 70274-6.
pub(super) static GAD7: Instrument = Instrument {
    id: InstrumentId::Gad7,
    title: "Generalized Anxiety Disorder-7 (GAD-7)",
    instructions: "Over the last 2 weeks, how often have you been bothered by the following problems?",
    items: &[
        item(1, "1", "Feeling nervous, anxious, or on edge"),
        item(2, "2", "Not being able to stop or control worrying"),
        item(3, "3", "Worrying too much about different things"),
        item(4, "4", "Trouble relaxing"),
        item(5, "5", "Being so restless that it is hard to sit still"),
        item(6, "6", "Becoming easily annoyed or irritable"),
        item(7, "7", "Feeling afraid, as if something awful might happen"),
    ],
    scoring: Scoring::Sum(SumScoring {
        reverse_scored: &[],
        subscales: &[],
        bands: &[
            band(0, 4, "minimal", "Minimal", 0),
            band(5, 9, "mild", "Mild", 1),
            band(10, 14, "moderate", "Moderate", 2),
            band(15, 21, "severe", "Severe", 3),
        ],
    }),
    flags: &[],
    loinc: Loinc {
        panel: Some("69737-5"),
        result: Some("70274-6"),
    },
    source: "Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for assessing generalized anxiety disorder: the GAD-7. Arch Intern Med 2006;166:1092–7. No permission required to reproduce.",
};
