//! What scoring needs besides the answers, and what it produces: the respondent's
//! sex and the clinic's settings in, the total, band, subscales, risk and flags out.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

use super::InstrumentId;
use crate::clinical::Sex;

/// What scoring needs beyond the answers: facts about the respondent and the
/// clinic's settings in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoringContext {
    /// The respondent's sex as recorded at intake ([`crate::clinical::Sex`]); the
    /// AUDIT-C cut-off depends on it.
    pub sex: Sex,
    /// PCL-5 total at or above which PTSD is probable. A clinic setting: 31–33 are
    /// used in the literature (Bovin et al., Psychol Assess 2016;28:1379–91).
    pub pcl5_cutoff: u8,
}

impl ScoringContext {
    pub const DEFAULT_PCL5_CUTOFF: u8 = 33;
}

impl Default for ScoringContext {
    fn default() -> Self {
        Self {
            sex: Sex::NotRecorded,
            pcl5_cutoff: Self::DEFAULT_PCL5_CUTOFF,
        }
    }
}

/// Suicide risk from the C-SSRS screener's triage, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Risk {
    None,
    Low,
    Moderate,
    High,
}

impl Risk {
    pub const ALL: [Risk; 4] = [Risk::None, Risk::Low, Risk::Moderate, Risk::High];
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::None => "none",
            Risk::Low => "low",
            Risk::Moderate => "moderate",
            Risk::High => "high",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Risk::None => "No risk identified",
            Risk::Low => "Low risk",
            Risk::Moderate => "Moderate risk",
            Risk::High => "High risk",
        }
    }
    /// 0 for none up to 3 for high.
    pub fn rank(self) -> u8 {
        self as u8
    }
}

impl FromStr for Risk {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Risk::ALL.into_iter().find(|x| x.as_str() == s).ok_or(())
    }
}

/// Something in a result the care team must see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flag {
    /// PHQ-9 item 9 ("thoughts that you would be better off dead…") above 0.
    SuicidalIdeation,
    /// C-SSRS risk of moderate or high.
    SuicideRisk(Risk),
    /// AUDIT-C at or above the cut-off for the respondent's sex.
    AuditCPositive,
    /// PCL-5 at or above the clinic's cut-off.
    ProbablePtsd,
    /// DAST-10 of 3 or more: a relative contraindication (DESIGN.md).
    DrugUseModerateOrWorse,
}

impl Flag {
    pub const ALL: [Flag; 8] = [
        Flag::SuicidalIdeation,
        Flag::SuicideRisk(Risk::None),
        Flag::SuicideRisk(Risk::Low),
        Flag::SuicideRisk(Risk::Moderate),
        Flag::SuicideRisk(Risk::High),
        Flag::AuditCPositive,
        Flag::ProbablePtsd,
        Flag::DrugUseModerateOrWorse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Flag::SuicidalIdeation => "suicidal-ideation",
            Flag::SuicideRisk(Risk::None) => "suicide-risk-none",
            Flag::SuicideRisk(Risk::Low) => "suicide-risk-low",
            Flag::SuicideRisk(Risk::Moderate) => "suicide-risk-moderate",
            Flag::SuicideRisk(Risk::High) => "suicide-risk-high",
            Flag::AuditCPositive => "audit-c-positive",
            Flag::ProbablePtsd => "probable-ptsd",
            Flag::DrugUseModerateOrWorse => "drug-use-moderate-or-worse",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Flag::SuicidalIdeation => "Thoughts of death or self-harm (PHQ-9 item 9)",
            Flag::SuicideRisk(Risk::None) => "No suicide risk identified (C-SSRS)",
            Flag::SuicideRisk(Risk::Low) => "Low suicide risk (C-SSRS)",
            Flag::SuicideRisk(Risk::Moderate) => "Moderate suicide risk (C-SSRS)",
            Flag::SuicideRisk(Risk::High) => "High suicide risk (C-SSRS)",
            Flag::AuditCPositive => "Positive alcohol screen (AUDIT-C)",
            Flag::ProbablePtsd => "Probable PTSD (PCL-5)",
            Flag::DrugUseModerateOrWorse => "Drug use moderate or worse (DAST-10)",
        }
    }

    /// Raises an alert to the care team at once (DESIGN.md: "a positive
    /// suicide-risk screen at any point").
    pub fn is_safety_alert(self) -> bool {
        matches!(
            self,
            Flag::SuicidalIdeation | Flag::SuicideRisk(Risk::Moderate | Risk::High)
        )
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Flag {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An unknown flag name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown questionnaire flag {0:?}")]
pub struct UnknownFlag(pub String);

impl FromStr for Flag {
    type Err = UnknownFlag;
    fn from_str(s: &str) -> Result<Self, UnknownFlag> {
        Flag::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| UnknownFlag(s.to_owned()))
    }
}

/// Where a result falls: a band of a summed instrument, or the C-SSRS risk level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Severity {
    /// Stable name for storage ("moderately-severe", "high").
    pub key: &'static str,
    pub label: &'static str,
    /// 0 for the lowest level, rising with severity.
    pub rank: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubscaleScore {
    pub key: &'static str,
    pub label: &'static str,
    pub score: u16,
    pub max: u16,
}

/// A scored questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scored {
    pub instrument: InstrumentId,
    /// `None` for the C-SSRS, which has no total.
    pub total: Option<u16>,
    pub band: Option<Severity>,
    pub subscales: Vec<SubscaleScore>,
    /// C-SSRS only.
    pub risk: Option<Risk>,
    pub flags: Vec<Flag>,
}

impl Scored {
    /// PHQ-9 item 9 above 0, or a C-SSRS result of moderate or high: the care team
    /// is alerted at once and the client sees crisis resources.
    pub fn raises_safety_alert(&self) -> bool {
        self.flags.iter().any(|f| f.is_safety_alert())
    }

    pub fn has_flag(&self, flag: Flag) -> bool {
        self.flags.contains(&flag)
    }
}
