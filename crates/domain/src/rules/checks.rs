//! One check per rule. The `match` in [`check`] is exhaustive, so a rule added to
//! [`RuleId`] does not compile until it has a check.

use crate::clinical::{Answer, HistoryItem, MedicalHistory, Medication, MedicationClass};

use super::rule_id::mg;
use super::{DAST10_MODERATE_FROM, EligibilityInput, RuleId, Thresholds};

/// Floating-point slack for dose sums: 1.5 + 1.5 must equal a 3.0 limit.
const EPSILON: f64 = 1e-9;

/// What one rule made of the input.
pub(super) enum Outcome {
    Clear,
    Fires(Vec<String>),
    CannotJudge(Vec<Gap>),
}

/// One piece of missing data.
pub(super) struct Gap {
    pub field: String,
    pub title: String,
}

impl Outcome {
    fn unless_gaps(gaps: Vec<Gap>) -> Outcome {
        if gaps.is_empty() {
            Outcome::Clear
        } else {
            Outcome::CannotJudge(gaps)
        }
    }
}

impl Gap {
    fn history(item: HistoryItem) -> Gap {
        Gap {
            field: format!("history.{}", item.as_str()),
            title: format!("{}: not known", item.label()),
        }
    }

    fn medications() -> Gap {
        Gap {
            field: "medications".into(),
            title: "Medication list: not recorded".into(),
        }
    }
}

pub(super) fn check(rule: RuleId, input: &EligibilityInput, t: &Thresholds) -> Outcome {
    use HistoryItem as H;
    let h = &input.history;
    let meds = input.medications.as_deref();
    match rule {
        RuleId::AgeUnderMinimum => age(input.age_years, t),
        RuleId::Psychosis => history(h, &[H::ActivePsychosis, H::PsychoticDisorderHistory]),
        RuleId::ManiaOrBipolarPsychoticFeatures => mania_or_psychotic_bipolar(h),
        RuleId::PregnancyOrBreastfeeding => history(h, &[H::Pregnant, H::Breastfeeding]),
        RuleId::KetamineAllergy => history(h, &[H::KetamineAllergy]),
        RuleId::UncontrolledHypertension => hypertension(input, t),
        RuleId::UnstableCardiovascularOrCerebrovascular => history(
            h,
            &[H::UnstableCardiovascularDisease, H::CerebrovascularDisease],
        ),
        RuleId::RaisedIntracranialPressure => history(h, &[H::RaisedIntracranialPressure]),
        RuleId::SubstanceUseDisorder => history(h, &[H::ActiveSubstanceUseDisorder]),
        RuleId::KetaminePcpOrOpioidMisuse => {
            history(h, &[H::KetaminePcpMisusePastYear, H::OpioidMisusePastYear])
        }
        RuleId::BipolarWithoutMoodStabiliser => bipolar_without_mood_stabiliser(h, meds),
        RuleId::BenzodiazepineDose => benzodiazepines(meds, t),
        RuleId::Maoi => any_of_class(meds, MedicationClass::Maoi),
        RuleId::HighDoseOpioid => opioids(meds, t),
        RuleId::LiverDisease => history(h, &[H::SignificantLiverDisease]),
        RuleId::FamilySchizophreniaSpectrum => history(h, &[H::FamilySchizophreniaSpectrum]),
        RuleId::Glaucoma => history(h, &[H::UncontrolledGlaucoma]),
        RuleId::Hyperthyroidism => history(h, &[H::UncontrolledHyperthyroidism]),
        RuleId::PreviousKetamineReaction => history(h, &[H::PreviousKetamineReaction]),
        RuleId::Bladder => history(h, &[H::BladderSymptoms]),
        RuleId::AuditCPositive => match input.audit_c_positive {
            Some(true) => Outcome::Fires(vec!["AUDIT-C positive".into()]),
            Some(false) => Outcome::Clear,
            None => Outcome::CannotJudge(vec![Gap {
                field: "audit_c_positive".into(),
                title: "AUDIT-C: not completed".into(),
            }]),
        },
        RuleId::Dast10Moderate => match input.dast10_total {
            Some(n) if n >= DAST10_MODERATE_FROM => Outcome::Fires(vec![format!(
                "DAST-10 total {n} (moderate or worse from {DAST10_MODERATE_FROM})"
            )]),
            Some(_) => Outcome::Clear,
            None => Outcome::CannotJudge(vec![Gap {
                field: "dast10_total".into(),
                title: "DAST-10: not completed".into(),
            }]),
        },
        RuleId::Lamotrigine => any_of_class(meds, MedicationClass::Lamotrigine),
        RuleId::Stimulant => any_of_class(meds, MedicationClass::Stimulant),
    }
}

fn age(age: Option<u8>, t: &Thresholds) -> Outcome {
    match age {
        Some(a) if a < t.minimum_age_years => {
            Outcome::Fires(vec![format!("Age {a} (minimum {})", t.minimum_age_years)])
        }
        Some(_) => Outcome::Clear,
        None => Outcome::CannotJudge(vec![Gap {
            field: "age_years".into(),
            title: "Age: not recorded".into(),
        }]),
    }
}

/// Fires on any item answered yes; otherwise lists the items not known.
fn history(h: &MedicalHistory, items: &[HistoryItem]) -> Outcome {
    let yes: Vec<String> = items
        .iter()
        .filter(|i| h.get(**i).is_yes())
        .map(|i| format!("{}: yes", i.label()))
        .collect();
    if !yes.is_empty() {
        return Outcome::Fires(yes);
    }
    Outcome::unless_gaps(
        items
            .iter()
            .filter(|i| h.get(**i).is_unknown())
            .map(|i| Gap::history(*i))
            .collect(),
    )
}

/// Psychotic features matter only with bipolar disorder: when bipolar disorder is
/// "no", an unknown answer about features leaves nothing to judge.
fn mania_or_psychotic_bipolar(h: &MedicalHistory) -> Outcome {
    let mut yes = Vec::new();
    for item in [
        HistoryItem::CurrentMania,
        HistoryItem::BipolarPsychoticFeatures,
    ] {
        if h.get(item).is_yes() {
            yes.push(format!("{}: yes", item.label()));
        }
    }
    if !yes.is_empty() {
        return Outcome::Fires(yes);
    }
    let mut gaps = Vec::new();
    if h.current_mania.is_unknown() {
        gaps.push(Gap::history(HistoryItem::CurrentMania));
    }
    if h.bipolar_psychotic_features.is_unknown() && h.bipolar_disorder != Answer::No {
        if h.bipolar_disorder.is_unknown() {
            gaps.push(Gap::history(HistoryItem::BipolarDisorder));
        }
        gaps.push(Gap::history(HistoryItem::BipolarPsychoticFeatures));
    }
    Outcome::unless_gaps(gaps)
}

/// Lamotrigine is its own class and is not counted as a mood stabiliser here: the
/// ketamine trials in bipolar depression required lithium or valproate (Diazgranados
/// et al., Arch Gen Psychiatry 2010;67:793–802), and lamotrigine protects little
/// against the manic switch this rule guards against. A physician who judges it
/// enough overrides the finding with that reason.
fn bipolar_without_mood_stabiliser(h: &MedicalHistory, meds: Option<&[Medication]>) -> Outcome {
    if h.bipolar_disorder == Answer::No {
        return Outcome::Clear;
    }
    let Some(meds) = meds else {
        let mut gaps = Vec::new();
        if h.bipolar_disorder.is_unknown() {
            gaps.push(Gap::history(HistoryItem::BipolarDisorder));
        }
        gaps.push(Gap::medications());
        return Outcome::CannotJudge(gaps);
    };
    if meds
        .iter()
        .any(|m| m.class == MedicationClass::MoodStabiliser)
    {
        return Outcome::Clear;
    }
    if h.bipolar_disorder.is_unknown() {
        return Outcome::CannotJudge(vec![Gap::history(HistoryItem::BipolarDisorder)]);
    }
    let mut evidence = vec![
        format!("{}: yes", HistoryItem::BipolarDisorder.label()),
        format!(
            "No mood stabiliser among {} recorded medication{}",
            meds.len(),
            if meds.len() == 1 { "" } else { "s" }
        ),
    ];
    for m in meds
        .iter()
        .filter(|m| m.class == MedicationClass::Lamotrigine)
    {
        evidence.push(format!(
            "{} (lamotrigine is not counted as a mood stabiliser by this rule)",
            m.describe()
        ));
    }
    Outcome::Fires(evidence)
}

/// "At least two readings above the limit": a reading of exactly the limit does
/// not count, and fewer readings than required cannot show the condition absent.
fn hypertension(input: &EligibilityInput, t: &Thresholds) -> Outcome {
    let (sys, dia) = (
        t.hypertension_systolic_above,
        t.hypertension_diastolic_above,
    );
    let required = usize::from(t.hypertension_readings_required.max(1));
    let readings = &input.assessment_bp;
    let high: Vec<_> = readings.iter().filter(|bp| bp.is_above(sys, dia)).collect();
    if high.len() >= required {
        let mut evidence: Vec<String> = high
            .iter()
            .map(|bp| format!("BP {bp} at assessment"))
            .collect();
        evidence.push(format!(
            "{} of {} assessment readings above {sys}/{dia}",
            high.len(),
            readings.len()
        ));
        return Outcome::Fires(evidence);
    }
    if readings.len() < required {
        return Outcome::CannotJudge(vec![Gap {
            field: "assessment_bp".into(),
            title: format!(
                "Blood pressure at assessment: {} of {required} readings recorded ({} above {sys}/{dia})",
                readings.len(),
                high.len()
            ),
        }]);
    }
    Outcome::Clear
}

fn any_of_class(meds: Option<&[Medication]>, class: MedicationClass) -> Outcome {
    let Some(meds) = meds else {
        return Outcome::CannotJudge(vec![Gap::medications()]);
    };
    let found: Vec<String> = meds
        .iter()
        .filter(|m| m.class == class)
        .map(Medication::describe)
        .collect();
    if found.is_empty() {
        Outcome::Clear
    } else {
        Outcome::Fires(found)
    }
}

/// How one class's daily doses, converted to a reference drug, add up.
struct DoseSum<'a> {
    known: Vec<(&'a Medication, f64)>,
    /// Entries of the class without a usable converted dose, with their index.
    unknown: Vec<(usize, &'a Medication)>,
    total: f64,
}

fn sum_doses(
    meds: &[Medication],
    class: MedicationClass,
    dose: impl Fn(&Medication) -> Option<f64>,
) -> DoseSum<'_> {
    let mut sum = DoseSum {
        known: Vec::new(),
        unknown: Vec::new(),
        total: 0.0,
    };
    for (i, m) in meds.iter().enumerate().filter(|(_, m)| m.class == class) {
        match dose(m) {
            // A stored value that is not a dose is as good as none.
            Some(v) if v.is_finite() && v >= 0.0 => {
                sum.known.push((m, v));
                sum.total += v;
            }
            _ => sum.unknown.push((i, m)),
        }
    }
    sum
}

/// Every benzodiazepine counts towards one daily total.
fn benzodiazepines(meds: Option<&[Medication]>, t: &Thresholds) -> Outcome {
    let Some(meds) = meds else {
        return Outcome::CannotJudge(vec![Gap::medications()]);
    };
    let limit = t.benzodiazepine_lorazepam_mg_per_day_max;
    let sum = sum_doses(meds, MedicationClass::Benzodiazepine, |m| {
        m.lorazepam_equivalent_mg_per_day
    });
    if sum.total > limit + EPSILON {
        let mut evidence: Vec<String> = sum
            .known
            .iter()
            .map(|(m, v)| format!("{}: lorazepam {} mg/day equivalent", m.describe(), mg(*v)))
            .collect();
        evidence.push(format!(
            "lorazepam {}{} mg/day equivalent in total, above {} mg",
            if sum.unknown.is_empty() {
                ""
            } else {
                "at least "
            },
            mg(sum.total),
            mg(limit)
        ));
        return Outcome::Fires(evidence);
    }
    Outcome::unless_gaps(
        sum.unknown
            .iter()
            .map(|(i, m)| Gap {
                field: format!("medications[{i}].lorazepam_equivalent_mg_per_day"),
                title: format!("{}: lorazepam-equivalent daily dose not recorded", m.name),
            })
            .collect(),
    )
}

/// Every opioid counts towards one daily total; "high-dose" starts at the threshold.
fn opioids(meds: Option<&[Medication]>, t: &Thresholds) -> Outcome {
    let Some(meds) = meds else {
        return Outcome::CannotJudge(vec![Gap::medications()]);
    };
    let threshold = t.high_dose_opioid_mme_per_day;
    let sum = sum_doses(meds, MedicationClass::Opioid, |m| {
        m.morphine_equivalent_mg_per_day
    });
    if !sum.known.is_empty() && sum.total >= threshold - EPSILON {
        let mut evidence: Vec<String> = sum
            .known
            .iter()
            .map(|(m, v)| format!("{}: morphine {} mg/day equivalent", m.describe(), mg(*v)))
            .collect();
        evidence.push(format!(
            "morphine {}{} mg/day equivalent in total, at or above {} mg",
            if sum.unknown.is_empty() {
                ""
            } else {
                "at least "
            },
            mg(sum.total),
            mg(threshold)
        ));
        return Outcome::Fires(evidence);
    }
    Outcome::unless_gaps(
        sum.unknown
            .iter()
            .map(|(i, m)| Gap {
                field: format!("medications[{i}].morphine_equivalent_mg_per_day"),
                title: format!("{}: morphine-equivalent daily dose not recorded", m.name),
            })
            .collect(),
    )
}
