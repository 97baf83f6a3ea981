//! The kinds of appointment a KAP practice books, their default length, and the
//! people and rooms each needs (issue 4, "Appointment types").

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::journey::RouteKind;

/// What is being booked. The journey decides *whether* it may be booked (the
/// medicine-session gate); this type only knows what it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppointmentKind {
    /// Held with an inquirer, before the person is a client.
    Consultation,
    IntakeAssessment,
    Preparation,
    /// One client's monitored ketamine session.
    MedicineSession,
    /// Several members dosed together, with at least two facilitators.
    GroupMedicineSession,
    Integration,
    /// A recurring group meeting for integration, with facilitators and members.
    IntegrationCircle,
    FollowUp,
}

/// A kind's defaults before the clinic's settings change them: administrators set
/// the lengths, so these are only the starting values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindDefaults {
    /// Minutes the appointment blocks; for medicine sessions this includes arrival
    /// and discharge, not just the dose.
    pub minutes: u16,
    /// Whether it may be held by video instead of in a room.
    pub video_allowed: bool,
}

/// What kind of room an appointment needs. The caller filters its rooms by this
/// before asking the slot finder, which only sees rooms that qualify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoomNeed {
    /// By video or at the client's home.
    None,
    Any,
    /// An IV chair with monitoring equipment.
    IvCapable,
    /// A group room with enough capacity.
    Group,
    /// A group room that is also IV-capable (an IV group session).
    IvGroup,
}

/// The people and room an appointment needs, all at once for its whole length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// At least this many distinct clinicians (facilitators for groups).
    pub clinicians: u8,
    pub room: RoomNeed,
    /// A partner medical provider (the IV route).
    pub partner: bool,
    /// Whether one client's own calendar constrains the time. False for group
    /// kinds: the group's time is chosen first and each member is then added to
    /// its roster (with their own checks), so no single client is asked.
    pub client: bool,
}

/// A kind name that is not one of [`AppointmentKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown appointment kind {0:?}")]
pub struct UnknownKind(pub String);

impl AppointmentKind {
    pub const ALL: [AppointmentKind; 8] = [
        AppointmentKind::Consultation,
        AppointmentKind::IntakeAssessment,
        AppointmentKind::Preparation,
        AppointmentKind::MedicineSession,
        AppointmentKind::GroupMedicineSession,
        AppointmentKind::Integration,
        AppointmentKind::IntegrationCircle,
        AppointmentKind::FollowUp,
    ];

    /// The stable kebab-case name used in URLs, forms, JSON and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentKind::Consultation => "consultation",
            AppointmentKind::IntakeAssessment => "intake-assessment",
            AppointmentKind::Preparation => "preparation",
            AppointmentKind::MedicineSession => "medicine-session",
            AppointmentKind::GroupMedicineSession => "group-medicine-session",
            AppointmentKind::Integration => "integration",
            AppointmentKind::IntegrationCircle => "integration-circle",
            AppointmentKind::FollowUp => "follow-up",
        }
    }

    /// For staff pages. Clients' calendars and feeds say "Appointment" instead, so
    /// the treatment is not disclosed there.
    pub fn label(self) -> &'static str {
        match self {
            AppointmentKind::Consultation => "Consultation",
            AppointmentKind::IntakeAssessment => "Intake and assessment",
            AppointmentKind::Preparation => "Preparation",
            AppointmentKind::MedicineSession => "Medicine session",
            AppointmentKind::GroupMedicineSession => "Group medicine session",
            AppointmentKind::Integration => "Integration",
            AppointmentKind::IntegrationCircle => "Integration circle",
            AppointmentKind::FollowUp => "Follow-up",
        }
    }

    /// Default length and video permission (DESIGN.md: a medicine session blocks
    /// about three hours including arrival and discharge).
    pub fn defaults(self) -> KindDefaults {
        let (minutes, video_allowed) = match self {
            AppointmentKind::Consultation => (30, true),
            AppointmentKind::IntakeAssessment => (90, false),
            AppointmentKind::Preparation => (60, true),
            AppointmentKind::MedicineSession => (180, false),
            AppointmentKind::GroupMedicineSession => (210, false),
            AppointmentKind::Integration => (60, true),
            AppointmentKind::IntegrationCircle => (90, false),
            AppointmentKind::FollowUp => (30, true),
        };
        KindDefaults {
            minutes,
            video_allowed,
        }
    }

    /// Whether ketamine is given, so the spacing rule between a client's sessions
    /// applies ([`spacing_block`](super::spacing_block)).
    pub fn is_medicine(self) -> bool {
        matches!(
            self,
            AppointmentKind::MedicineSession | AppointmentKind::GroupMedicineSession
        )
    }

    /// Whether members join a roster rather than one client being booked.
    pub fn is_group(self) -> bool {
        matches!(
            self,
            AppointmentKind::GroupMedicineSession | AppointmentKind::IntegrationCircle
        )
    }

    /// What the kind needs when held in the office and not by video.
    pub fn needs(self, route: Option<RouteKind>) -> Needs {
        needs_for(self, route, false, false)
    }
}

/// What an appointment of `kind` needs.
///
/// - `route` matters for medicine sessions only: IV needs a partner provider and,
///   in the office, an IV-capable room.
/// - `in_home` matters for the individual medicine session only: no room, because
///   the client is at home; the session monitor is named on the booking, not found
///   here. Group kinds are always held in a group room.
/// - `video` drops the room for kinds whose [`KindDefaults::video_allowed`] is
///   true, and is ignored for the others: refusing a video request for, say, a
///   medicine session is the booking use case's job, and it reads the same flag.
pub fn needs_for(
    kind: AppointmentKind,
    route: Option<RouteKind>,
    in_home: bool,
    video: bool,
) -> Needs {
    let iv = route == Some(RouteKind::Iv);
    let by_video = video && kind.defaults().video_allowed;
    match kind {
        AppointmentKind::MedicineSession => Needs {
            clinicians: 1,
            room: match (in_home, iv) {
                (true, _) => RoomNeed::None,
                (false, true) => RoomNeed::IvCapable,
                (false, false) => RoomNeed::Any,
            },
            partner: iv,
            client: true,
        },
        AppointmentKind::GroupMedicineSession => Needs {
            clinicians: 2,
            room: if iv {
                RoomNeed::IvGroup
            } else {
                RoomNeed::Group
            },
            partner: iv,
            client: false,
        },
        AppointmentKind::IntegrationCircle => Needs {
            clinicians: 2,
            room: RoomNeed::Group,
            partner: false,
            client: false,
        },
        AppointmentKind::Consultation
        | AppointmentKind::IntakeAssessment
        | AppointmentKind::Preparation
        | AppointmentKind::Integration
        | AppointmentKind::FollowUp => Needs {
            clinicians: 1,
            room: if by_video {
                RoomNeed::None
            } else {
                RoomNeed::Any
            },
            partner: false,
            client: true,
        },
    }
}

impl fmt::Display for AppointmentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AppointmentKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, UnknownKind> {
        AppointmentKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}
