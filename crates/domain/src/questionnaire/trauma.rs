//! PCL-5, the PTSD Checklist for DSM-5 (Weathers, Litz, Keane, Palmieri, Marx &
//! Schnurr, 2013; National Center for PTSD). In the public domain.
//!
//! The instructions are the published ones with "circle one of the numbers to the
//! right" put as "choose one of the answers", since the form is on a screen.

use super::model::{
    AnswerOption, Condition, FlagRule, Instrument, Item, Loinc, Scoring, Subscale, SumScoring,
    Threshold,
};
use super::{Flag, InstrumentId};

const BOTHERED: &[AnswerOption] = &[
    AnswerOption {
        value: 0,
        label: "Not at all",
    },
    AnswerOption {
        value: 1,
        label: "A little bit",
    },
    AnswerOption {
        value: 2,
        label: "Moderately",
    },
    AnswerOption {
        value: 3,
        label: "Quite a bit",
    },
    AnswerOption {
        value: 4,
        label: "Extremely",
    },
];

const fn item(number: u8, label: &'static str, text: &'static str) -> Item {
    Item {
        number,
        label,
        text,
        help: None,
        options: BOTHERED,
        show_if: None,
    }
}

/// LOINC panel 101697-1, total 101698-9. Probable PTSD at or above the clinic's
/// cut-off (default 33; Bovin et al., Psychol Assess 2016;28:1379–91). Cluster
/// scores follow DSM-5: B intrusions 1–5, C avoidance 6–7, D negative alterations in
/// cognitions and mood 8–14, E alterations in arousal and reactivity 15–20.
pub(super) static PCL5: Instrument = Instrument {
    id: InstrumentId::Pcl5,
    title: "PTSD Checklist for DSM-5 (PCL-5)",
    instructions: "Below is a list of problems that people sometimes have in response to a very stressful experience. Please read each problem carefully and then choose one of the answers to indicate how much you have been bothered by that problem in the past month. In the past month, how much were you bothered by:",
    items: &[
        item(
            1,
            "1",
            "Repeated, disturbing, and unwanted memories of the stressful experience?",
        ),
        item(
            2,
            "2",
            "Repeated, disturbing dreams of the stressful experience?",
        ),
        item(
            3,
            "3",
            "Suddenly feeling or acting as if the stressful experience were actually happening again (as if you were actually back there reliving it)?",
        ),
        item(
            4,
            "4",
            "Feeling very upset when something reminded you of the stressful experience?",
        ),
        item(
            5,
            "5",
            "Having strong physical reactions when something reminded you of the stressful experience (for example, heart pounding, trouble breathing, sweating)?",
        ),
        item(
            6,
            "6",
            "Avoiding memories, thoughts, or feelings related to the stressful experience?",
        ),
        item(
            7,
            "7",
            "Avoiding external reminders of the stressful experience (for example, people, places, conversations, activities, objects, or situations)?",
        ),
        item(
            8,
            "8",
            "Trouble remembering important parts of the stressful experience?",
        ),
        item(
            9,
            "9",
            "Having strong negative beliefs about yourself, other people, or the world (for example, having thoughts such as: I am bad, there is something seriously wrong with me, no one can be trusted, the world is completely dangerous)?",
        ),
        item(
            10,
            "10",
            "Blaming yourself or someone else for the stressful experience or what happened after it?",
        ),
        item(
            11,
            "11",
            "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
        ),
        item(
            12,
            "12",
            "Loss of interest in activities that you used to enjoy?",
        ),
        item(13, "13", "Feeling distant or cut off from other people?"),
        item(
            14,
            "14",
            "Trouble experiencing positive feelings (for example, being unable to feel happiness or have loving feelings for people close to you)?",
        ),
        item(
            15,
            "15",
            "Irritable behavior, angry outbursts, or acting aggressively?",
        ),
        item(
            16,
            "16",
            "Taking too many risks or doing things that could cause you harm?",
        ),
        item(17, "17", "Being “superalert” or watchful or on guard?"),
        item(18, "18", "Feeling jumpy or easily startled?"),
        item(19, "19", "Having difficulty concentrating?"),
        item(20, "20", "Trouble falling or staying asleep?"),
    ],
    scoring: Scoring::Sum(SumScoring {
        reverse_scored: &[],
        subscales: &[
            Subscale {
                key: "cluster-b",
                label: "Cluster B: intrusion",
                items: &[1, 2, 3, 4, 5],
            },
            Subscale {
                key: "cluster-c",
                label: "Cluster C: avoidance",
                items: &[6, 7],
            },
            Subscale {
                key: "cluster-d",
                label: "Cluster D: negative alterations in cognitions and mood",
                items: &[8, 9, 10, 11, 12, 13, 14],
            },
            Subscale {
                key: "cluster-e",
                label: "Cluster E: alterations in arousal and reactivity",
                items: &[15, 16, 17, 18, 19, 20],
            },
        ],
        bands: &[],
    }),
    flags: &[FlagRule {
        when: Condition::TotalAtLeast(Threshold::Pcl5Cutoff),
        flag: Flag::ProbablePtsd,
    }],
    loinc: Loinc {
        panel: Some("101697-1"),
        result: Some("101698-9"),
    },
    source: "Weathers FW, Litz BT, Keane TM, Palmieri PA, Marx BP, Schnurr PP. The PTSD Checklist for DSM-5 (PCL-5). National Center for PTSD, 2013. Public domain.",
};
