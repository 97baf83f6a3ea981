//! Roles and the permissions they grant. Deny by default: a permission not listed
//! for any of a principal's roles is refused.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a person does at the clinic. Staff may hold several roles; clients hold only
/// `Client`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Administrator,
    Coordinator,
    Clinician,
    Physician,
    MedicalPartner,
    Client,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Administrator,
        Role::Coordinator,
        Role::Clinician,
        Role::Physician,
        Role::MedicalPartner,
        Role::Client,
    ];
    pub const STAFF: [Role; 5] = [
        Role::Administrator,
        Role::Coordinator,
        Role::Clinician,
        Role::Physician,
        Role::MedicalPartner,
    ];

    /// The name used on the command line, in the database and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Coordinator => "coordinator",
            Role::Clinician => "clinician",
            Role::Physician => "physician",
            Role::MedicalPartner => "medical-partner",
            Role::Client => "client",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Administrator => "Administrator",
            Role::Coordinator => "Care coordinator",
            Role::Clinician => "Clinician",
            Role::Physician => "Physician",
            Role::MedicalPartner => "Medical partner",
            Role::Client => "Client",
        }
    }

    pub fn is_staff(self) -> bool {
        self != Role::Client
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// What this role may do. The single source of truth for authorization.
    pub fn grants(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Administrator => matches!(
                p,
                StaffArea
                    | ViewClients
                    | ManageCareTeam
                    | ViewInquiries
                    | ManageInquiries
                    | RecordPhoneInquiry
                    | ConvertInquiry
                    | ManageUsers
                    | ManageLocations
                    | ViewAudit
                    | ViewMailOutbox
                    | ManageClinic
                    | ManageSchedule
            ),
            Role::Coordinator => matches!(
                p,
                StaffArea
                    | ViewClients
                    | ManageCareTeam
                    | ViewInquiries
                    | ManageInquiries
                    | RecordPhoneInquiry
                    | ConvertInquiry
                    | ManageSchedule
            ),
            Role::Clinician => {
                matches!(p, StaffArea | ViewClients | ViewClinical | RecordAssessment)
            }
            Role::Physician => matches!(
                p,
                StaffArea | ViewClients | ViewClinical | RecordAssessment | DecideEligibility
            ),
            Role::MedicalPartner => matches!(p, StaffArea),
            Role::Client => matches!(p, ClientPortal),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown role name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role {0:?}; expected one of administrator, coordinator, clinician, physician, medical-partner"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// Something a principal may be allowed to do. Routes and use cases name one each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See the staff home and one's own work.
    StaffArea,
    /// See clients' contact data and where their journey stands (coordinators: all
    /// clients; clinicians and physicians: those on their care teams).
    ViewClients,
    /// Put clinicians and physicians on a client's care team.
    ManageCareTeam,
    /// See clinical content — only ever for clients whose care team one is on.
    ViewClinical,
    /// See the inquiry queue and inquiries (personal data).
    ViewInquiries,
    /// Assign, log contact attempts, change status.
    ManageInquiries,
    /// Record an inquiry that arrived by phone.
    RecordPhoneInquiry,
    /// Turn an inquiry into a client and invite them.
    ConvertInquiry,
    /// Create users, change roles, deactivate, reset second factors.
    ManageUsers,
    /// Locations and rooms.
    ManageLocations,
    /// Browse the audit trail.
    ViewAudit,
    /// See queued and sent mail.
    ViewMailOutbox,
    /// The client's own portal.
    ClientPortal,
    /// Record assessment findings (vitals, psychological and medical assessment)
    /// and plans, for clients on one's care teams.
    RecordAssessment,
    /// Decide eligibility in the physician review; sign prescriptions.
    DecideEligibility,
    /// Clinic settings, partner organisations and consent documents.
    ManageClinic,
    /// Find times, book, cancel and record no-shows; set anyone's availability.
    ManageSchedule,
}

/// A set of roles, held by one person.
#[derive(Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct RoleSet(u8);

impl RoleSet {
    pub fn empty() -> Self {
        Self(0)
    }
    pub fn of(roles: &[Role]) -> Self {
        let mut s = Self::empty();
        for r in roles {
            s.insert(*r);
        }
        s
    }
    pub fn insert(&mut self, r: Role) {
        self.0 |= r.bit();
    }
    pub fn contains(&self, r: Role) -> bool {
        self.0 & r.bit() != 0
    }
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        Role::ALL.into_iter().filter(|r| self.contains(*r))
    }
    pub fn is_staff(&self) -> bool {
        self.iter().any(Role::is_staff)
    }
    pub fn allows(&self, p: Permission) -> bool {
        self.iter().any(|r| r.grants(p))
    }
    /// Comma-separated names, as written to the audit trail.
    pub fn names(&self) -> String {
        self.iter().map(Role::as_str).collect::<Vec<_>>().join(",")
    }
}

impl fmt::Debug for RoleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn clinical_roles_cannot_see_the_inquiry_queue() {
        for r in [
            Role::Clinician,
            Role::Physician,
            Role::MedicalPartner,
            Role::Client,
        ] {
            assert!(!r.grants(Permission::ViewInquiries), "{r}");
        }
        assert!(Role::Coordinator.grants(Permission::ViewInquiries));
    }

    #[test]
    fn clients_have_only_their_portal() {
        let set = RoleSet::of(&[Role::Client]);
        assert!(set.allows(Permission::ClientPortal));
        assert!(!set.allows(Permission::StaffArea));
        assert!(!set.is_staff());
    }

    #[test]
    fn several_roles_add_up() {
        let set = RoleSet::of(&[Role::Clinician, Role::Coordinator]);
        assert!(set.allows(Permission::ViewInquiries));
        assert!(!set.allows(Permission::ManageUsers));
        assert_eq!(set.names(), "coordinator,clinician");
    }
}
