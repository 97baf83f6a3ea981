//! The facts about a treatment plan that the gates read: the options the plan
//! chooses (DESIGN.md "Options the plan chooses"), the consents those options
//! require, the prescription and the support plan.
//!
//! These are plain data assembled by the service from the store; the full plan,
//! prescription and consent records (doses, prescriber, signed text) live elsewhere.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::text::{PersonName, Phone};

/// Where medicine sessions take place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionLocation {
    InOffice,
    /// At the client's home, only for those who qualify: the home qualification
    /// checklist (adult session monitor available, blood-pressure cuff, quiet
    /// private space, phone, distance to emergency care) must be complete.
    InHome {
        qualification_checklist_complete: bool,
    },
}

impl SessionLocation {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionLocation::InOffice => "in-office",
            SessionLocation::InHome { .. } => "in-home",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SessionLocation::InOffice => "In the office",
            SessionLocation::InHome { .. } => "At home",
        }
    }
    pub fn is_in_home(self) -> bool {
        matches!(self, SessionLocation::InHome { .. })
    }
}

/// How ketamine is given, without the plan's details: what a prescription names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouteKind {
    /// Intravenous infusion, weight-based (mg/kg), given by a partner medical
    /// provider.
    Iv,
    /// Troche or rapid-dissolving tablet (mg).
    Lozenge,
}

impl RouteKind {
    pub const ALL: [RouteKind; 2] = [RouteKind::Iv, RouteKind::Lozenge];
    pub fn as_str(self) -> &'static str {
        match self {
            RouteKind::Iv => "iv",
            RouteKind::Lozenge => "lozenge",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            RouteKind::Iv => "IV",
            RouteKind::Lozenge => "lozenge",
        }
    }
}

impl fmt::Display for RouteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RouteKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        RouteKind::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or(())
    }
}

/// The route the plan chooses, with what that route needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Route {
    /// IV through a named partner medical provider organisation (its name or id);
    /// `None` until the care team names one.
    Iv {
        partner: Option<String>,
    },
    Lozenge,
}

impl Route {
    pub fn kind(&self) -> RouteKind {
        match self {
            Route::Iv { .. } => RouteKind::Iv,
            Route::Lozenge => RouteKind::Lozenge,
        }
    }

    /// The partner organisation, if one is named (blank counts as none).
    pub fn partner(&self) -> Option<&str> {
        match self {
            Route::Iv { partner } => partner.as_deref().map(str::trim).filter(|p| !p.is_empty()),
            Route::Lozenge => None,
        }
    }
}

/// Alone or with a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionFormat {
    Individual,
    /// Needs every member's signed confidentiality agreement.
    Group,
}

impl SessionFormat {
    pub const ALL: [SessionFormat; 2] = [SessionFormat::Individual, SessionFormat::Group];
    pub fn as_str(self) -> &'static str {
        match self {
            SessionFormat::Individual => "individual",
            SessionFormat::Group => "group",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SessionFormat::Individual => "Individual",
            SessionFormat::Group => "Group",
        }
    }
}

impl FromStr for SessionFormat {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        SessionFormat::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or(())
    }
}

/// The plan's choices, as the gates need them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlanFacts {
    pub location: SessionLocation,
    pub route: Route,
    pub format: SessionFormat,
    /// Medicine sessions in the induction series (about 6 by default; the number is
    /// the care team's choice, at least one).
    pub sessions: u8,
}

/// A consent document the client may have to sign. Which ones depends on the plan
/// ([`required_consents`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentKind {
    /// Informed consent to ketamine-assisted psychotherapy: always required.
    KapInformedConsent,
    /// Consent to sessions at home, with a session monitor.
    InHome,
    /// The group's confidentiality agreement.
    GroupConfidentiality,
    /// Release of information to the IV partner medical provider.
    IvPartnerRelease,
}

impl ConsentKind {
    pub const ALL: [ConsentKind; 4] = [
        ConsentKind::KapInformedConsent,
        ConsentKind::InHome,
        ConsentKind::GroupConfidentiality,
        ConsentKind::IvPartnerRelease,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConsentKind::KapInformedConsent => "kap-informed-consent",
            ConsentKind::InHome => "in-home",
            ConsentKind::GroupConfidentiality => "group-confidentiality",
            ConsentKind::IvPartnerRelease => "iv-partner-release",
        }
    }

    /// The title shown on its own (a list heading, the document's title).
    pub fn label(self) -> &'static str {
        match self {
            ConsentKind::KapInformedConsent => "KAP informed consent",
            ConsentKind::InHome => "In-home session consent",
            ConsentKind::GroupConfidentiality => "Group confidentiality agreement",
            ConsentKind::IvPartnerRelease => "IV partner release of information",
        }
    }

    /// The name inside a sentence ("The in-home session consent is not signed").
    pub fn noun(self) -> &'static str {
        match self {
            ConsentKind::KapInformedConsent => "KAP informed consent",
            ConsentKind::InHome => "in-home session consent",
            ConsentKind::GroupConfidentiality => "group confidentiality agreement",
            ConsentKind::IvPartnerRelease => "IV partner release of information",
        }
    }
}

impl fmt::Display for ConsentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ConsentKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        ConsentKind::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or(())
    }
}

/// The consents a plan needs, in [`ConsentKind::ALL`] order: KAP informed consent
/// always; the in-home consent for in-home sessions; the group confidentiality
/// agreement for group sessions; the partner release for IV (issue 3, "Consents").
pub fn required_consents(plan: &PlanFacts) -> Vec<ConsentKind> {
    ConsentKind::ALL
        .into_iter()
        .filter(|k| match k {
            ConsentKind::KapInformedConsent => true,
            ConsentKind::InHome => plan.location.is_in_home(),
            ConsentKind::GroupConfidentiality => plan.format == SessionFormat::Group,
            ConsentKind::IvPartnerRelease => plan.route.kind() == RouteKind::Iv,
        })
        .collect()
}

/// One signature of a consent document, joined with the document's current version.
///
/// A signature counts only for the current version and only while not withdrawn: a
/// new version of a document asks for a new signature, and withdrawing a consent
/// blocks what depended on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignedConsent {
    pub kind: ConsentKind,
    pub version_signed: u32,
    /// The version of this document in force now.
    pub current_version: u32,
    pub withdrawn: bool,
}

impl SignedConsent {
    /// Whether this signature covers the document version in force now.
    pub fn counts(&self) -> bool {
        !self.withdrawn && self.version_signed == self.current_version
    }
}

/// The version of a consent document in force now, whether or not the client has
/// signed anything. Lets the readiness check say which version is unsigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublishedConsent {
    pub kind: ConsentKind,
    pub version: u32,
}

/// What readiness needs to know about the physician's prescription for this plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PrescriptionFacts {
    pub signed: bool,
    /// The last day the prescription may be used. It is valid on this day and
    /// expired from the next day on (the usual reading of an expiry date on a
    /// prescription: "use by", inclusive).
    pub expires_on: Date,
    pub route: RouteKind,
}

impl PrescriptionFacts {
    /// Expired when `today` is after the expiry day; the expiry day itself is valid.
    pub fn is_expired(&self, today: Date) -> bool {
        today > self.expires_on
    }
}

/// The role of the person in the support plan. Which one a plan needs follows its
/// location (DESIGN.md: "a support plan (ride home, or a session monitor at home)").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SupportRole {
    /// Takes the client home after each in-office session (no driving for 24
    /// hours, released to a responsible adult).
    RideHome,
    /// The adult physically present at an in-home session.
    SessionMonitor,
}

impl SupportRole {
    pub fn as_str(self) -> &'static str {
        match self {
            SupportRole::RideHome => "ride-home",
            SupportRole::SessionMonitor => "session-monitor",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SupportRole::RideHome => "Takes the client home",
            SupportRole::SessionMonitor => "Adult session monitor",
        }
    }
    /// The role a plan at this location needs.
    pub fn needed_for(location: SessionLocation) -> SupportRole {
        match location {
            SessionLocation::InOffice => SupportRole::RideHome,
            SessionLocation::InHome { .. } => SupportRole::SessionMonitor,
        }
    }
}

/// The named person who supports the client on session days. Name and phone are
/// parsed values, so a support plan always has both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportPlan {
    pub role: SupportRole,
    pub name: PersonName,
    pub phone: Phone,
}
