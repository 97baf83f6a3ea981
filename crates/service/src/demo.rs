//! The demo clinic `threshold demo` seeds on an empty database: one location with
//! rooms, one account for each staff role with a fixed password and a fixed TOTP
//! secret (printed at every start and written in the README), a client who has
//! set up their portal, and a few inquiries at different stages.

use threshold_domain::inquiry::InquiryForm;
use threshold_domain::{Role, ids::InquiryId};

use crate::Services;
use crate::error::Result;
use crate::locations::{LocationForm, RoomForm};
use crate::principal::{Actor, Principal, RequestMeta, Via};
use crate::users::NewStaff;

/// The password of every demo account.
pub const PASSWORD: &str = "kap-demo-passphrase";

/// A demo sign-in.
#[derive(Debug, Clone, Copy)]
pub struct DemoAccount {
    pub email: &'static str,
    pub name: &'static str,
    pub role: Role,
    /// Base32 TOTP secret (RFC 6238, SHA-1, 6 digits, 30 s); `None` for the client.
    pub totp_secret: Option<&'static str>,
}

pub const ACCOUNTS: [DemoAccount; 7] = [
    DemoAccount {
        email: "admin@demo.threshold.test",
        name: "Avery Admin",
        role: Role::Administrator,
        totp_secret: Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXA"),
    },
    DemoAccount {
        email: "coordinator@demo.threshold.test",
        name: "Casey Coordinator",
        role: Role::Coordinator,
        totp_secret: Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXB"),
    },
    DemoAccount {
        email: "clinician@demo.threshold.test",
        name: "Morgan Clinician",
        role: Role::Clinician,
        totp_secret: Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXC"),
    },
    DemoAccount {
        email: "facilitator@demo.threshold.test",
        name: "Robin Facilitator",
        role: Role::Clinician,
        totp_secret: Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXF"),
    },
    DemoAccount {
        email: "physician@demo.threshold.test",
        name: "Dr. Riley Physician",
        role: Role::Physician,
        totp_secret: Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXD"),
    },
    DemoAccount {
        email: "partner@demo.threshold.test",
        name: "Jordan Partner",
        role: Role::MedicalPartner,
        totp_secret: Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXE"),
    },
    DemoAccount {
        email: "client@demo.threshold.test",
        name: "Sam Client",
        role: Role::Client,
        totp_secret: None,
    },
];

fn inquiry(
    name: &str,
    email: &str,
    phone: &str,
    contact: &str,
    reason: &str,
    heard: &str,
) -> InquiryForm {
    InquiryForm {
        name: name.into(),
        email: email.into(),
        phone: phone.into(),
        preferred_contact: contact.into(),
        reason: reason.into(),
        heard_from: heard.into(),
        consent_to_contact: true,
    }
}

impl Services {
    /// Seeds the demo clinic when the database has no accounts; returns whether it
    /// seeded.
    pub async fn seed_demo(&self) -> Result<bool> {
        if self.db.read(|c| threshold_store::users::count(c)).await? > 0 {
            return Ok(false);
        }
        let location = self
            .create_location(
                Actor::System,
                &LocationForm {
                    name: "Threshold Demo Clinic".into(),
                    time_zone: "America/Los_Angeles".into(),
                    address: "1200 SE Morrison St, Suite 300\nPortland, OR 97214".into(),
                    phone: "+1 503 555 0142".into(),
                    active: true,
                },
            )
            .await?;
        for (name, capacity, iv, group) in [
            ("Cedar (IV chair)", "1", true, false),
            ("Willow", "1", false, false),
            ("Oak group room", "8", false, true),
        ] {
            self.create_room(
                Actor::System,
                location,
                &RoomForm {
                    name: name.into(),
                    capacity: capacity.into(),
                    iv_capable: iv,
                    group_capable: group,
                    active: true,
                },
            )
            .await?;
        }

        let mut coordinator = None;
        let mut administrator = None;
        let mut clinical: Vec<(threshold_domain::ids::UserId, Role)> = Vec::new();
        for a in ACCOUNTS.iter().filter(|a| a.role.is_staff()) {
            let staff = NewStaff::parse(&crate::users::StaffForm {
                email: a.email.into(),
                name: a.name.into(),
                roles: vec![a.role.as_str().into()],
            })?;
            let id = self.create_staff_with_password(staff, PASSWORD).await?;
            if matches!(a.role, Role::Clinician | Role::Physician) {
                clinical.push((id, a.role));
            }
            if let Some(secret) = a.totp_secret {
                let sealed = self.seal_totp_for_demo(id, secret);
                let now = self.now();
                self.db
                    .write(move |c| threshold_store::users::set_totp(c, id, Some(&sealed), now))
                    .await?;
            }
            if a.role == Role::Administrator {
                administrator = Some(Principal {
                    user_id: id,
                    email: a.email.into(),
                    name: a.name.into(),
                    roles: threshold_domain::RoleSet::of(&[Role::Administrator]),
                    via: Via::Token {
                        id: threshold_domain::ids::TokenId::new(),
                    },
                    meta: RequestMeta {
                        request_id: "demo-seed".into(),
                        ..RequestMeta::default()
                    },
                });
            }
            if a.role == Role::Coordinator {
                coordinator = Some(Principal {
                    user_id: id,
                    email: a.email.into(),
                    name: a.name.into(),
                    roles: threshold_domain::RoleSet::of(&[Role::Coordinator]),
                    via: Via::Token {
                        id: threshold_domain::ids::TokenId::new(),
                    },
                    meta: RequestMeta {
                        request_id: "demo-seed".into(),
                        ..RequestMeta::default()
                    },
                });
            }
        }
        let Some(coord) = coordinator else {
            return Ok(true);
        };

        let seeded: Vec<InquiryId> = {
            let mut ids = Vec::new();
            for f in [
                inquiry(
                    "Sam Client",
                    "client@demo.threshold.test",
                    "+1 503 555 0110",
                    "email",
                    "Treatment-resistant depression for six years; two antidepressants have not helped. My psychiatrist mentioned KAP.",
                    "My psychiatrist",
                ),
                inquiry(
                    "Alex Rivera",
                    "alex.rivera@example.org",
                    "+1 503 555 0111",
                    "phone",
                    "Looking for help with PTSD after a car accident. I have a therapist already.",
                    "Search engine",
                ),
                inquiry(
                    "Jamie Chen",
                    "jamie.chen@example.org",
                    "",
                    "email",
                    "Curious whether ketamine-assisted therapy could help with long-standing anxiety.",
                    "A friend",
                ),
                inquiry(
                    "Robin Okafor",
                    "robin.okafor@example.org",
                    "+1 503 555 0113",
                    "text",
                    "Depression and burnout. Would prefer evening appointments if possible.",
                    "",
                ),
                inquiry(
                    "Taylor Novak",
                    "taylor.novak@example.org",
                    "+1 503 555 0114",
                    "phone",
                    "I was referred by my GP for depression.",
                    "GP referral",
                ),
            ] {
                ids.push(self.submit_inquiry(Actor::System, &f).await?);
            }
            ids
        };
        // Sam has been through the consultation and set up the portal.
        self.log_contact(
            &coord,
            seeded[0],
            "phone",
            "reached",
            "Consultation held by phone; good fit for an intake.",
        )
        .await?;
        let today = self
            .now()
            .to_zoned_datetime(self.display_zone().await)
            .date();
        let client = self
            .convert_inquiry(
                &coord,
                seeded[0],
                &crate::journeys::ConsultationForm {
                    on: today.to_string(),
                    by: String::new(),
                    outcome: "Free 20-minute consultation by phone. Good candidate for an intake; \
                              interested in in-office lozenge sessions."
                        .into(),
                },
            )
            .await?;
        // Sam's care team: the demo clinician and physician.
        for (user, role) in &clinical {
            self.add_care_team_member(&coord, client, &user.to_string(), role.as_str())
                .await?;
        }
        self.set_demo_client_password().await?;
        // Alex: contacted, consultation booked.
        self.log_contact(&coord, seeded[1], "phone", "left-message", "")
            .await?;
        self.change_inquiry_status(&coord, seeded[1], "consultation-booked", "")
            .await?;
        self.assign_inquiry(&coord, seeded[1], Some(coord.user_id))
            .await?;
        // Taylor: closed, referred elsewhere.
        self.log_contact(
            &coord,
            seeded[4],
            "phone",
            "reached",
            "Prefers a clinic closer to home.",
        )
        .await?;
        self.change_inquiry_status(&coord, seeded[4], "closed", "referred-elsewhere")
            .await?;
        // Clients at every later stage of the journey.
        let named = |role: Role| {
            clinical.iter().find(|(_, r)| *r == role).map(|(id, _)| {
                let name = ACCOUNTS
                    .iter()
                    .find(|a| a.role == role)
                    .map_or("", |a| a.name);
                (*id, name.to_owned())
            })
        };
        if let (Some(administrator), Some(clinician), Some(physician)) = (
            administrator,
            named(Role::Clinician),
            named(Role::Physician),
        ) {
            self.seed_demo_journeys(&crate::demo_journeys::Cast {
                coordinator: coord,
                administrator,
                clinician,
                physician,
            })
            .await?;
        }
        Ok(true)
    }

    fn seal_totp_for_demo(&self, user: threshold_domain::ids::UserId, secret: &str) -> String {
        self.cipher.encrypt(
            secret,
            crate::crypto::Binding {
                table: "users",
                column: "totp_secret",
                row_id: &user.to_string(),
            },
        )
    }

    async fn set_demo_client_password(&self) -> Result<()> {
        let hash = crate::passwords::hash(PASSWORD.to_owned()).await?;
        let now = self.now();
        self.db
            .write(move |c| {
                if let Some(u) =
                    threshold_store::users::find_by_email(c, "client@demo.threshold.test")?
                {
                    threshold_store::users::set_password(c, u.id, &hash, now)?;
                    threshold_store::invitations::revoke_open(c, u.id, now)?;
                }
                Ok::<_, threshold_store::StoreError>(())
            })
            .await?;
        Ok(())
    }
}
