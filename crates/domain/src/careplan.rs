//! What the care team records between intake and preparation, parsed at the edge:
//! assessment findings, the physician's eligibility decision, the treatment plan
//! with its home qualification checklist and support plan, and the prescription.
//!
//! Each `*Form` holds the fields as typed; `parse` checks them all at once and
//! names every field that is wrong, so a page can show every problem together.

use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::clinical::BloodPressure;
use crate::journey::{
    Decision, PlanFacts, Route, RouteKind, SessionFormat, SessionLocation, SupportRole,
};
use crate::rules::{Evaluation, RuleId, Severity, can_override};
use crate::settings::{ClinicSettings, DoseRange};
use crate::text::{FreeText, PersonName, Phone};
use crate::validation::Invalid;

#[cfg(test)]
mod tests;

/// The longest clinical note accepted in one field.
pub const NOTE_MAX: usize = 8000;

/// Which part of the assessment an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssessmentKind {
    /// Blood pressure and heart rate taken at assessment.
    Vitals,
    /// The clinician's psychological assessment, with readiness.
    Clinician,
    /// The physician's medical assessment.
    Physician,
}

impl AssessmentKind {
    pub const ALL: [AssessmentKind; 3] = [
        AssessmentKind::Vitals,
        AssessmentKind::Clinician,
        AssessmentKind::Physician,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentKind::Vitals => "vitals",
            AssessmentKind::Clinician => "clinician",
            AssessmentKind::Physician => "physician",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            AssessmentKind::Vitals => "Vitals at assessment",
            AssessmentKind::Clinician => "Clinician's psychological assessment",
            AssessmentKind::Physician => "Physician's medical assessment",
        }
    }
}

impl FromStr for AssessmentKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or(())
    }
}

/// The clinician's judgement of readiness for this depth of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PsychReadiness {
    Ready,
    ReadyWithSupport,
    NotYet,
}

impl PsychReadiness {
    pub const ALL: [PsychReadiness; 3] = [
        PsychReadiness::Ready,
        PsychReadiness::ReadyWithSupport,
        PsychReadiness::NotYet,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            PsychReadiness::Ready => "ready",
            PsychReadiness::ReadyWithSupport => "ready-with-support",
            PsychReadiness::NotYet => "not-yet",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            PsychReadiness::Ready => "Ready for this depth of work",
            PsychReadiness::ReadyWithSupport => "Ready, with added preparation and support",
            PsychReadiness::NotYet => "Not ready yet",
        }
    }
}

impl FromStr for PsychReadiness {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or(())
    }
}

/// An assessment entry as typed. Which fields count depends on `kind`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AssessmentForm {
    pub kind: String,
    pub systolic: String,
    pub diastolic: String,
    pub heart_rate: String,
    pub readiness: String,
    pub findings: String,
}

/// A checked assessment entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Assessment {
    Vitals {
        bp: BloodPressure,
        heart_rate: u16,
    },
    Clinician {
        readiness: PsychReadiness,
        findings: FreeText,
    },
    Physician {
        findings: FreeText,
    },
}

impl Assessment {
    pub fn kind(&self) -> AssessmentKind {
        match self {
            Assessment::Vitals { .. } => AssessmentKind::Vitals,
            Assessment::Clinician { .. } => AssessmentKind::Clinician,
            Assessment::Physician { .. } => AssessmentKind::Physician,
        }
    }
}

/// Heart rates accepted at assessment, beats a minute.
pub const HEART_RATE: std::ops::RangeInclusive<u16> = 20..=250;

impl AssessmentForm {
    pub fn parse(&self) -> Result<Assessment, Invalid> {
        let kind = self
            .kind
            .trim()
            .parse::<AssessmentKind>()
            .map_err(|()| Invalid::field("kind", "Choose what this entry records."))?;
        let mut e = Invalid::new();
        let findings = |e: &mut Invalid, label: &str| {
            e.check(FreeText::parse("findings", label, &self.findings, NOTE_MAX))
        };
        match kind {
            AssessmentKind::Vitals => {
                let bp = e.check(BloodPressure::parse(
                    "systolic",
                    &self.systolic,
                    "diastolic",
                    &self.diastolic,
                ));
                let hr = match self.heart_rate.trim().parse::<u16>() {
                    Ok(v) if HEART_RATE.contains(&v) => Some(v),
                    _ => {
                        e.push(
                            "heart_rate",
                            format!(
                                "Enter the heart rate in beats a minute, between {} and {}.",
                                HEART_RATE.start(),
                                HEART_RATE.end()
                            ),
                        );
                        None
                    }
                };
                match (bp, hr) {
                    (Some(bp), Some(heart_rate)) if e.is_empty() => {
                        Ok(Assessment::Vitals { bp, heart_rate })
                    }
                    _ => Err(e),
                }
            }
            AssessmentKind::Clinician => {
                let readiness = match self.readiness.trim().parse::<PsychReadiness>() {
                    Ok(r) => Some(r),
                    Err(()) => {
                        e.push(
                            "readiness",
                            "Choose whether the client is ready for this depth of work.",
                        );
                        None
                    }
                };
                let f = findings(&mut e, "the psychological assessment");
                match (readiness, f) {
                    (Some(readiness), Some(findings)) if e.is_empty() => {
                        Ok(Assessment::Clinician {
                            readiness,
                            findings,
                        })
                    }
                    _ => Err(e),
                }
            }
            AssessmentKind::Physician => findings(&mut e, "the medical assessment")
                .map(|findings| Assessment::Physician { findings })
                .ok_or(e),
        }
    }
}

/// The physician's decision as typed. `overrides` holds one written reason per
/// relative finding, keyed by rule id.
#[derive(Debug, Clone, Default)]
pub struct DecisionForm {
    pub decision: String,
    pub overrides: Vec<(String, String)>,
    /// Why the physician finds the client eligible although some rules could not
    /// be judged for lack of data.
    pub unjudged_reason: String,
    pub revisit_on: String,
    pub supports: String,
    pub referral_reason: String,
    pub referral_resources: String,
    pub note: String,
}

/// A relative finding the physician overrode, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    pub rule: RuleId,
    pub reason: String,
}

/// A checked decision, ready to store with the evaluation it was made on.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionRecord {
    pub decision: Decision,
    pub overrides: Vec<Override>,
    pub unjudged_reason: Option<String>,
    pub revisit_on: Option<Date>,
    pub supports: Option<String>,
    pub referral_reason: Option<String>,
    pub referral_resources: Option<String>,
    pub note: Option<String>,
}

/// The form field for the override reason of `rule`.
pub fn override_field(rule: RuleId) -> String {
    format!("override_{}", rule.as_str())
}

impl DecisionForm {
    /// Checks the decision against the evaluation it is made on. "Eligible" is
    /// refused while any absolute contraindication fired (no one can override
    /// one); each relative finding needs a written reason; rules left unjudged for
    /// lack of data need a reason too. "Deferred" needs a revisit date after
    /// `today` and the supports offered; "referred out" needs the reason and the
    /// resources given to the client.
    pub fn parse(&self, evaluation: &Evaluation, today: Date) -> Result<DecisionRecord, Invalid> {
        let decision = Decision::ALL
            .into_iter()
            .find(|d| d.as_str() == self.decision.trim())
            .ok_or_else(|| {
                Invalid::field("decision", "Choose eligible, deferred or referred out.")
            })?;
        let mut e = Invalid::new();
        let note = e
            .check(FreeText::parse_optional(
                "note", "the note", &self.note, NOTE_MAX,
            ))
            .flatten()
            .map(FreeText::into_string);
        let mut record = DecisionRecord {
            decision,
            overrides: Vec::new(),
            unjudged_reason: None,
            revisit_on: None,
            supports: None,
            referral_reason: None,
            referral_resources: None,
            note,
        };
        // Reasons for rules that did not fire are ignored, never stored.
        for (rule, _) in &self.overrides {
            if rule.parse::<RuleId>().is_err() {
                e.push("overrides", "An override names a rule that does not exist.");
            }
        }
        match decision {
            Decision::Eligible => {
                for f in evaluation.absolute() {
                    e.push(
                        "decision",
                        format!(
                            "{} is an absolute contraindication ({}); it cannot be overridden, so the client cannot be found eligible.",
                            f.title,
                            f.rule.as_str()
                        ),
                    );
                }
                for f in evaluation.relative() {
                    if !can_override(f) {
                        continue;
                    }
                    let raw = self
                        .overrides
                        .iter()
                        .find(|(r, _)| r.as_str() == f.rule.as_str())
                        .map(|(_, reason)| reason.as_str())
                        .unwrap_or("");
                    let field = override_field(f.rule);
                    if let Some(reason) = e.check(FreeText::parse(
                        &field,
                        &format!("why you override \u{201c}{}\u{201d}", f.title),
                        raw,
                        NOTE_MAX,
                    )) {
                        record.overrides.push(Override {
                            rule: f.rule,
                            reason: reason.into_string(),
                        });
                    }
                }
                if !evaluation.is_complete() {
                    record.unjudged_reason = e
                        .check(FreeText::parse(
                            "unjudged_reason",
                            "why the client is eligible although some rules could not be judged",
                            &self.unjudged_reason,
                            NOTE_MAX,
                        ))
                        .map(FreeText::into_string);
                }
            }
            Decision::Deferred => {
                record.revisit_on = match self.revisit_on.trim().parse::<Date>() {
                    Ok(d) if d <= today => {
                        e.push("revisit_on", "The revisit date must be after today.");
                        None
                    }
                    Ok(d) if d > today.saturating_add(jiff::Span::new().years(2)) => {
                        e.push("revisit_on", "The revisit date must be within two years.");
                        None
                    }
                    Ok(d) => Some(d),
                    Err(_) => {
                        e.push(
                            "revisit_on",
                            "Enter the date to revisit, for example 2027-03-01.",
                        );
                        None
                    }
                };
                record.supports = e
                    .check(FreeText::parse(
                        "supports",
                        "the supports offered meanwhile",
                        &self.supports,
                        NOTE_MAX,
                    ))
                    .map(FreeText::into_string);
            }
            Decision::ReferredOut => {
                record.referral_reason = e
                    .check(FreeText::parse(
                        "referral_reason",
                        "the reason for referring out",
                        &self.referral_reason,
                        NOTE_MAX,
                    ))
                    .map(FreeText::into_string);
                record.referral_resources = e
                    .check(FreeText::parse(
                        "referral_resources",
                        "the referral resources given to the client",
                        &self.referral_resources,
                        NOTE_MAX,
                    ))
                    .map(FreeText::into_string);
            }
        }
        e.into_result().map(|()| record)
    }
}

/// The home qualification checklist for in-home sessions (issue 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HomeItem {
    SessionMonitor,
    BpCuff,
    QuietPrivateSpace,
    Phone,
    EmergencyCareNearby,
}

impl HomeItem {
    pub const ALL: [HomeItem; 5] = [
        HomeItem::SessionMonitor,
        HomeItem::BpCuff,
        HomeItem::QuietPrivateSpace,
        HomeItem::Phone,
        HomeItem::EmergencyCareNearby,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            HomeItem::SessionMonitor => "session-monitor",
            HomeItem::BpCuff => "bp-cuff",
            HomeItem::QuietPrivateSpace => "quiet-private-space",
            HomeItem::Phone => "phone",
            HomeItem::EmergencyCareNearby => "emergency-care-nearby",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            HomeItem::SessionMonitor => "An adult session monitor is available for every session",
            HomeItem::BpCuff => "A working blood-pressure cuff is at home",
            HomeItem::QuietPrivateSpace => "A quiet, private space to lie down undisturbed",
            HomeItem::Phone => "A phone that works in that space",
            HomeItem::EmergencyCareNearby => "Emergency care can be reached quickly from the home",
        }
    }
}

impl FromStr for HomeItem {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or(())
    }
}

/// The treatment plan as typed.
#[derive(Debug, Clone, Default)]
pub struct PlanForm {
    pub location: String,
    /// Checked home items, by `HomeItem::as_str`.
    pub home_items: Vec<String>,
    pub route: String,
    /// A partner organisation id, for IV.
    pub partner: String,
    pub format: String,
    pub sessions: String,
    pub support_name: String,
    pub support_phone: String,
}

/// A checked plan with its support plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub location: SessionLocation,
    pub home_items: Vec<HomeItem>,
    pub route: Route,
    pub format: SessionFormat,
    pub sessions: u8,
    pub support_role: SupportRole,
    pub support_name: PersonName,
    pub support_phone: Phone,
}

impl Plan {
    pub fn facts(&self) -> PlanFacts {
        PlanFacts {
            location: self.location,
            route: self.route.clone(),
            format: self.format,
            sessions: self.sessions,
        }
    }
}

/// Sessions a plan may hold in its series.
pub const SERIES: std::ops::RangeInclusive<u8> = 1..=24;

impl PlanForm {
    /// Checks the plan. In-home is refused unless every home qualification item
    /// is checked; IV needs a partner (its existence is the service's to check).
    pub fn parse(&self) -> Result<Plan, Invalid> {
        let mut e = Invalid::new();
        let mut home_items = Vec::new();
        for raw in &self.home_items {
            match raw.parse::<HomeItem>() {
                Ok(i) if !home_items.contains(&i) => home_items.push(i),
                Ok(_) => {}
                Err(()) => e.push("home_items", "A checklist item is not one we know."),
            }
        }
        home_items.sort_by_key(|i| HomeItem::ALL.iter().position(|x| x == i));
        let location = match self.location.trim() {
            "in-office" => Some(SessionLocation::InOffice),
            "in-home" => {
                let missing: Vec<&str> = HomeItem::ALL
                    .into_iter()
                    .filter(|i| !home_items.contains(i))
                    .map(HomeItem::label)
                    .collect();
                if !missing.is_empty() {
                    e.push(
                        "home_items",
                        format!(
                            "In-home sessions need every item of the home qualification checklist. Not yet confirmed: {}.",
                            missing.join("; ")
                        ),
                    );
                }
                Some(SessionLocation::InHome {
                    qualification_checklist_complete: missing.is_empty(),
                })
            }
            _ => {
                e.push("location", "Choose in the office or at home.");
                None
            }
        };
        let route = match self.route.trim().parse::<RouteKind>() {
            Ok(RouteKind::Lozenge) => Some(Route::Lozenge),
            Ok(RouteKind::Iv) => {
                let p = self.partner.trim();
                if p.is_empty() {
                    e.push(
                        "partner",
                        "IV sessions need a partner medical provider; choose one.",
                    );
                    None
                } else {
                    Some(Route::Iv {
                        partner: Some(p.to_owned()),
                    })
                }
            }
            Err(()) => {
                e.push("route", "Choose IV or lozenge.");
                None
            }
        };
        let format = match self.format.trim() {
            "individual" => Some(SessionFormat::Individual),
            "group" => Some(SessionFormat::Group),
            _ => {
                e.push("format", "Choose individual or group.");
                None
            }
        };
        let sessions = match self.sessions.trim().parse::<u8>() {
            Ok(n) if SERIES.contains(&n) => Some(n),
            _ => {
                e.push(
                    "sessions",
                    format!(
                        "Enter the number of medicine sessions in the series, {} to {}.",
                        SERIES.start(),
                        SERIES.end()
                    ),
                );
                None
            }
        };
        let support_role = location.map(SupportRole::needed_for);
        let who = match support_role {
            Some(SupportRole::SessionMonitor) => "the adult session monitor",
            _ => "the person taking the client home",
        };
        let name = e.check(
            PersonName::parse("support_name", &self.support_name)
                .map_err(|_| Invalid::field("support_name", format!("Enter the name of {who}."))),
        );
        let phone = e.check(
            Phone::parse("support_phone", &self.support_phone).map_err(|inv| {
                if self.support_phone.trim().is_empty() {
                    Invalid::field("support_phone", format!("Enter the phone number of {who}."))
                } else {
                    inv
                }
            }),
        );
        match (location, route, format, sessions, support_role, name, phone) {
            (
                Some(location),
                Some(route),
                Some(format),
                Some(sessions),
                Some(support_role),
                Some(support_name),
                Some(support_phone),
            ) if e.is_empty() => Ok(Plan {
                location,
                home_items,
                route,
                format,
                sessions,
                support_role,
                support_name,
                support_phone,
            }),
            _ => Err(e),
        }
    }
}

/// The prescription as typed.
#[derive(Debug, Clone, Default)]
pub struct PrescriptionForm {
    pub dose_min: String,
    pub dose_max: String,
    pub booster_allowed: bool,
    pub booster_max: String,
    /// Lozenges only: how many a pharmacy dispenses.
    pub quantity: String,
    pub expires_on: String,
    /// Required when a dose is outside the clinic's allowed range.
    pub range_reason: String,
}

/// A checked prescription (without the prescriber, whom the service adds).
#[derive(Debug, Clone, PartialEq)]
pub struct Prescription {
    pub route: RouteKind,
    pub dose_min: f64,
    pub dose_max: f64,
    pub booster_max: Option<f64>,
    pub quantity: Option<u16>,
    pub expires_on: Date,
    pub range_reason: Option<String>,
}

impl Prescription {
    /// "mg/kg" for IV, "mg" for lozenges.
    pub fn unit(&self) -> &'static str {
        dose_unit(self.route)
    }
}

pub fn dose_unit(route: RouteKind) -> &'static str {
    match route {
        RouteKind::Iv => "mg/kg",
        RouteKind::Lozenge => "mg",
    }
}

/// Lozenges a single dispensing may hand over.
pub const QUANTITY: std::ops::RangeInclusive<u16> = 1..=60;

impl PrescriptionForm {
    /// Checks a prescription for `route` against the clinic's allowed dose range.
    /// A dose outside the range is accepted only with the physician's written
    /// reason. The expiry must be after `today` and within a year.
    pub fn parse(
        &self,
        route: RouteKind,
        settings: &ClinicSettings,
        today: Date,
    ) -> Result<Prescription, Invalid> {
        let range: DoseRange = match route {
            RouteKind::Iv => settings.iv_dose_mg_per_kg,
            RouteKind::Lozenge => settings.lozenge_dose_mg,
        };
        let unit = dose_unit(route);
        let mut e = Invalid::new();
        let dose = |e: &mut Invalid, field: &str, label: &str, raw: &str| -> Option<f64> {
            match raw.trim().parse::<f64>() {
                Ok(v) if v.is_finite() && v > 0.0 && v <= 5000.0 => Some(v),
                _ => {
                    e.push(field, format!("Enter {label} in {unit}, a number above 0."));
                    None
                }
            }
        };
        let min = dose(&mut e, "dose_min", "the lowest dose", &self.dose_min);
        let max = dose(&mut e, "dose_max", "the highest dose", &self.dose_max);
        if let (Some(a), Some(b)) = (min, max)
            && a > b
        {
            e.push("dose_max", "The highest dose cannot be below the lowest.");
        }
        let booster = if self.booster_allowed {
            dose(
                &mut e,
                "booster_max",
                "the largest booster",
                &self.booster_max,
            )
        } else {
            None
        };
        let outside: Vec<f64> = [min, max, booster.map(|b| max.unwrap_or(0.0) + b)]
            .into_iter()
            .flatten()
            .filter(|v| !range.contains(*v))
            .collect();
        let range_reason = if outside.is_empty() {
            None
        } else {
            let r = e.check(FreeText::parse(
                "range_reason",
                &format!(
                    "why this prescription goes outside the allowed range of {}\u{2013}{} {unit} (a dose with its booster counts)",
                    fmt_dose(range.min),
                    fmt_dose(range.max)
                ),
                &self.range_reason,
                NOTE_MAX,
            ));
            r.map(FreeText::into_string)
        };
        let quantity = match route {
            RouteKind::Lozenge => match self.quantity.trim().parse::<u16>() {
                Ok(q) if QUANTITY.contains(&q) => Some(q),
                _ => {
                    e.push(
                        "quantity",
                        format!(
                            "Enter how many lozenges the pharmacy dispenses, {} to {}.",
                            QUANTITY.start(),
                            QUANTITY.end()
                        ),
                    );
                    None
                }
            },
            RouteKind::Iv => None,
        };
        let expires_on = match self.expires_on.trim().parse::<Date>() {
            Ok(d) if d <= today => {
                e.push("expires_on", "The expiry date must be after today.");
                None
            }
            Ok(d) if d > today.saturating_add(jiff::Span::new().years(1)) => {
                e.push("expires_on", "A prescription may run for at most a year.");
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                e.push(
                    "expires_on",
                    "Enter the expiry date, for example 2027-02-28.",
                );
                None
            }
        };
        match (min, max, expires_on) {
            (Some(dose_min), Some(dose_max), Some(expires_on)) if e.is_empty() => {
                Ok(Prescription {
                    route,
                    dose_min,
                    dose_max,
                    booster_max: booster,
                    quantity,
                    expires_on,
                    range_reason,
                })
            }
            _ => Err(e),
        }
    }
}

/// A dose as people write it: no trailing zeros ("0.5", "200").
pub fn fmt_dose(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Whether an evaluation has findings of this severity (for templates).
pub fn count(e: &Evaluation, s: Severity) -> usize {
    e.findings.iter().filter(|f| f.severity == s).count()
}
