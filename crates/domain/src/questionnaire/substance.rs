//! AUDIT-C (alcohol) and DAST-10 (other drugs): a positive AUDIT-C, or a DAST-10 of
//! moderate or worse, is a relative contraindication (DESIGN.md).

use super::model::{
    AnswerOption, Band, Condition, FlagRule, Instrument, Item, Loinc, Scoring, SumScoring,
    Threshold,
};
use super::{Flag, InstrumentId};

const fn option(value: u8, label: &'static str) -> AnswerOption {
    AnswerOption { value, label }
}

const fn item(
    number: u8,
    label: &'static str,
    text: &'static str,
    options: &'static [AnswerOption],
) -> Item {
    Item {
        number,
        label,
        text,
        help: None,
        options,
        show_if: None,
    }
}

/// AUDIT-C: items 1–3 of the WHO Alcohol Use Disorders Identification Test
/// (Babor et al., WHO 2001; Bush et al., Arch Intern Med 1998;158:1789–95). Positive
/// at 4 or more for men, 3 or more for women and when sex is not recorded or
/// intersex (the lower cut-off, so a missing record never hides a positive screen). LOINC panel 72109-2,
/// total 75626-2.
pub(super) static AUDIT_C: Instrument = Instrument {
    id: InstrumentId::AuditC,
    title: "Alcohol Use Disorders Identification Test – Consumption (AUDIT-C)",
    instructions: "The following questions are about your use of alcoholic beverages during the past year.",
    items: &[
        item(
            1,
            "1",
            "How often do you have a drink containing alcohol?",
            &[
                option(0, "Never"),
                option(1, "Monthly or less"),
                option(2, "2 to 4 times a month"),
                option(3, "2 to 3 times a week"),
                option(4, "4 or more times a week"),
            ],
        ),
        item(
            2,
            "2",
            "How many drinks containing alcohol do you have on a typical day when you are drinking?",
            &[
                option(0, "1 or 2"),
                option(1, "3 or 4"),
                option(2, "5 or 6"),
                option(3, "7, 8, or 9"),
                option(4, "10 or more"),
            ],
        ),
        item(
            3,
            "3",
            "How often do you have six or more drinks on one occasion?",
            &[
                option(0, "Never"),
                option(1, "Less than monthly"),
                option(2, "Monthly"),
                option(3, "Weekly"),
                option(4, "Daily or almost daily"),
            ],
        ),
    ],
    scoring: Scoring::Sum(SumScoring {
        reverse_scored: &[],
        subscales: &[],
        bands: &[],
    }),
    flags: &[FlagRule {
        when: Condition::TotalAtLeast(Threshold::BySex {
            male: 4,
            female: 3,
            other: 3,
        }),
        flag: Flag::AuditCPositive,
    }],
    loinc: Loinc {
        panel: Some("72109-2"),
        result: Some("75626-2"),
    },
    source: "Babor TF et al. AUDIT: The Alcohol Use Disorders Identification Test, 2nd ed. WHO, 2001; items 1–3. Free to use.",
};

/// As the form prints its columns: Yes, then No.
const YES_NO: &[AnswerOption] = &[option(1, "Yes"), option(0, "No")];

const fn yes_no(number: u8, label: &'static str, text: &'static str) -> Item {
    item(number, label, text, YES_NO)
}

/// Drug Abuse Screening Test, 10 items (Skinner, Addict Behav 1982;7:363–71;
/// © 1982 Harvey A. Skinner). Item 3 is reverse-scored: "no" to "always able to
/// stop" scores 1. LOINC panel 82666-9, total 82667-7.
pub(super) static DAST10: Instrument = Instrument {
    id: InstrumentId::Dast10,
    title: "Drug Abuse Screening Test (DAST-10)",
    instructions: "The following questions concern information about your possible involvement with drugs not including alcoholic beverages during the past 12 months. In the statements “drug abuse” refers to (1) the use of prescribed or over-the-counter drugs in excess of the directions, and (2) any nonmedical use of drugs. The various classes of drugs may include cannabis (e.g., marijuana, hash), solvents, tranquilizers (e.g., Valium), barbiturates, cocaine, stimulants (e.g., speed), hallucinogens (e.g., LSD) or narcotics (e.g., heroin). Remember that the questions do not include alcoholic beverages. Please answer every question. If you have trouble with a statement, then choose the response that is mostly right.",
    items: &[
        yes_no(
            1,
            "1",
            "Have you used drugs other than those required for medical reasons?",
        ),
        yes_no(2, "2", "Do you abuse more than one drug at a time?"),
        yes_no(
            3,
            "3",
            "Are you always able to stop using drugs when you want to?",
        ),
        yes_no(
            4,
            "4",
            "Have you had “blackouts” or “flashbacks” as a result of drug use?",
        ),
        yes_no(
            5,
            "5",
            "Do you ever feel bad or guilty about your drug use?",
        ),
        yes_no(
            6,
            "6",
            "Does your spouse (or parents) ever complain about your involvement with drugs?",
        ),
        yes_no(
            7,
            "7",
            "Have you neglected your family because of your use of drugs?",
        ),
        yes_no(
            8,
            "8",
            "Have you engaged in illegal activities in order to obtain drugs?",
        ),
        yes_no(
            9,
            "9",
            "Have you ever experienced withdrawal symptoms (felt sick) when you stopped taking drugs?",
        ),
        yes_no(
            10,
            "10",
            "Have you had medical problems as a result of your drug use (e.g., memory loss, hepatitis, convulsions, bleeding, etc.)?",
        ),
    ],
    scoring: Scoring::Sum(SumScoring {
        reverse_scored: &[3],
        subscales: &[],
        bands: &[
            Band {
                min: 0,
                max: 0,
                key: "none",
                label: "None",
                severity: 0,
            },
            Band {
                min: 1,
                max: 2,
                key: "low",
                label: "Low",
                severity: 1,
            },
            Band {
                min: 3,
                max: 5,
                key: "moderate",
                label: "Moderate",
                severity: 2,
            },
            Band {
                min: 6,
                max: 8,
                key: "substantial",
                label: "Substantial",
                severity: 3,
            },
            Band {
                min: 9,
                max: 10,
                key: "severe",
                label: "Severe",
                severity: 4,
            },
        ],
    }),
    flags: &[FlagRule {
        when: Condition::TotalAtLeast(Threshold::Fixed(3)),
        flag: Flag::DrugUseModerateOrWorse,
    }],
    loinc: Loinc {
        panel: Some("82666-9"),
        result: Some("82667-7"),
    },
    source: "Skinner HA. The Drug Abuse Screening Test. Addict Behav 1982;7:363–71. © 1982 Harvey A. Skinner; free for non-commercial clinical use.",
};
