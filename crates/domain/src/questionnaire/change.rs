//! Change between two totals of the same instrument (DESIGN.md, questionnaire table):
//! PHQ-9 response and remission, PCL-5 reliable and clinically meaningful change.

use serde::Serialize;

/// A PHQ-9 total below this is remission (Kroenke et al., J Gen Intern Med
/// 2001;16:606–13: 0–4 is "none–minimal").
pub const PHQ9_REMISSION_BELOW: u16 = 5;

/// A PCL-5 change of at least this many points is reliable, not noise (National
/// Center for PTSD, "Using the PTSD Checklist for DSM-5").
pub const PCL5_RELIABLE_CHANGE: u16 = 5;

/// A PCL-5 change of at least this many points is clinically meaningful (same
/// source).
pub const PCL5_MEANINGFUL_CHANGE: u16 = 10;

/// Response to treatment: the PHQ-9 total fell by at least half from baseline. A
/// baseline of 0 has nothing to fall from, so it is never a response.
pub fn phq9_response(baseline: u16, current: u16) -> bool {
    baseline > 0 && current <= baseline && 2 * u32::from(baseline - current) >= u32::from(baseline)
}

/// Remission: a PHQ-9 total below 5.
pub fn phq9_remission(current: u16) -> bool {
    current < PHQ9_REMISSION_BELOW
}

/// How a PCL-5 total moved from baseline. Lower totals are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pcl5Change {
    /// Fell by 10 points or more.
    MeaningfulImprovement,
    /// Fell by 5 to 9 points.
    ReliableImprovement,
    /// Moved by fewer than 5 points either way.
    NoReliableChange,
    /// Rose by 5 to 9 points.
    ReliableWorsening,
    /// Rose by 10 points or more.
    MeaningfulWorsening,
}

impl Pcl5Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Pcl5Change::MeaningfulImprovement => "meaningful-improvement",
            Pcl5Change::ReliableImprovement => "reliable-improvement",
            Pcl5Change::NoReliableChange => "no-reliable-change",
            Pcl5Change::ReliableWorsening => "reliable-worsening",
            Pcl5Change::MeaningfulWorsening => "meaningful-worsening",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Pcl5Change::MeaningfulImprovement => "Clinically meaningful improvement",
            Pcl5Change::ReliableImprovement => "Reliable improvement",
            Pcl5Change::NoReliableChange => "No reliable change",
            Pcl5Change::ReliableWorsening => "Reliable worsening",
            Pcl5Change::MeaningfulWorsening => "Clinically meaningful worsening",
        }
    }
}

pub fn pcl5_change(baseline: u16, current: u16) -> Pcl5Change {
    let step = baseline.abs_diff(current);
    let improved = current < baseline;
    match (step, improved) {
        (s, true) if s >= PCL5_MEANINGFUL_CHANGE => Pcl5Change::MeaningfulImprovement,
        (s, true) if s >= PCL5_RELIABLE_CHANGE => Pcl5Change::ReliableImprovement,
        (s, false) if s >= PCL5_MEANINGFUL_CHANGE => Pcl5Change::MeaningfulWorsening,
        (s, false) if s >= PCL5_RELIABLE_CHANGE => Pcl5Change::ReliableWorsening,
        _ => Pcl5Change::NoReliableChange,
    }
}
