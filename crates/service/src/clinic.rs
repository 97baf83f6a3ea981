//! What administrators manage for the care journey: the clinic settings (each
//! change a new, audited version), partner medical provider organisations,
//! consent documents (versioned text) and prescribers' licence details.

use threshold_domain::audit::AuditAction;
use threshold_domain::ids::UserId;
use threshold_domain::journey::ConsentKind;
use threshold_domain::settings::ClinicSettings;
use threshold_domain::text::{Email, FreeText, Phone};
use threshold_domain::{Invalid, Permission};
use threshold_store::careplan::{ConsentDocRow, PartnerRow, SettingsChange};

use crate::Services;
use crate::audit::{Entry, write_in};
use crate::careplan::settings_in;
use crate::error::{Error, Result};
use crate::principal::{Actor, Principal};

/// A partner organisation as typed.
#[derive(Debug, Clone, Default)]
pub struct PartnerForm {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub notes: String,
    pub active: bool,
}

impl PartnerForm {
    fn parse(&self, id: String) -> Result<PartnerRow, Invalid> {
        let mut e = Invalid::new();
        let name = e.check(FreeText::parse_line(
            "name",
            "the organisation's name",
            &self.name,
            200,
        ));
        let phone = if self.phone.trim().is_empty() {
            None
        } else {
            e.check(Phone::parse("phone", &self.phone))
                .map(|p| p.as_str().to_owned())
        };
        let email = if self.email.trim().is_empty() {
            None
        } else {
            e.check(Email::parse("email", &self.email))
                .map(|p| p.as_str().to_owned())
        };
        let notes = e
            .check(FreeText::parse_optional(
                "notes",
                "the notes",
                &self.notes,
                4000,
            ))
            .flatten()
            .map(FreeText::into_string);
        match name {
            Some(name) if e.is_empty() => Ok(PartnerRow {
                id,
                name: name.into_string(),
                phone,
                email,
                notes,
                active: self.active,
            }),
            _ => Err(e),
        }
    }
}

/// The longest consent document accepted.
pub const CONSENT_BODY_MAX: usize = 100_000;

impl Services {
    /// The settings in force (version 0 means the defaults, never changed) and
    /// the latest changes.
    pub async fn clinic_settings(
        &self,
        p: &Principal,
    ) -> Result<(i64, ClinicSettings, Vec<SettingsChange>)> {
        self.require(p, Permission::ManageClinic).await?;
        let (v, s, h) = self
            .db
            .read(|c| {
                let (v, s) = settings_in(c)?;
                Ok::<_, Error>((v, s, threshold_store::careplan::settings_history(c, 20)?))
            })
            .await?;
        Ok((v, s, h))
    }

    /// Stores a new version of the settings; returns its number.
    pub async fn save_clinic_settings(&self, p: &Principal, s: ClinicSettings) -> Result<i64> {
        self.require(p, Permission::ManageClinic).await?;
        s.validate()?;
        let json = serde_json::to_string(&s).map_err(|e| Error::Internal(e.to_string()))?;
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                let v = threshold_store::careplan::settings_insert(c, &json, Some(p.user_id), now)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::SettingsChanged)
                        .subject("settings", v)
                        .detail(json),
                    now,
                )?;
                Ok(v)
            })
            .await
    }

    /// Partner organisations; active ones only unless `all`. Staff choosing a
    /// partner for a plan see active ones; administrators see all.
    pub async fn partners(&self, p: &Principal, all: bool) -> Result<Vec<PartnerRow>> {
        if all {
            self.require(p, Permission::ManageClinic).await?;
        } else {
            self.require(p, Permission::StaffArea).await?;
        }
        Ok(self
            .db
            .read(move |c| threshold_store::careplan::partners(c, !all))
            .await?)
    }

    pub async fn partner(&self, p: &Principal, id: &str) -> Result<PartnerRow> {
        self.require(p, Permission::ManageClinic).await?;
        let id = id.to_owned();
        self.db
            .read(move |c| threshold_store::careplan::partner_get(c, &id))
            .await?
            .ok_or(Error::NotFound)
    }

    /// Creates (`id` None) or changes a partner organisation; returns its id.
    pub async fn save_partner(
        &self,
        p: &Principal,
        id: Option<&str>,
        form: &PartnerForm,
    ) -> Result<String> {
        self.require(p, Permission::ManageClinic).await?;
        let creating = id.is_none();
        let id = match id {
            Some(i) => {
                let i = i.to_owned();
                let probe = i.clone();
                self.db
                    .read(move |c| threshold_store::careplan::partner_get(c, &probe))
                    .await?
                    .ok_or(Error::NotFound)?;
                i
            }
            None => uuid::Uuid::now_v7().to_string(),
        };
        let row = form.parse(id.clone())?;
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                if !threshold_store::careplan::partner_save(c, &row, now)? {
                    return Err(Invalid::field(
                        "name",
                        "Another partner organisation already has this name.",
                    )
                    .into());
                }
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(if creating {
                        AuditAction::PartnerCreated
                    } else {
                        AuditAction::PartnerChanged
                    })
                    .subject("partner", row.id.as_str())
                    .detail(if row.active { "active" } else { "inactive" }),
                    now,
                )?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(id)
    }

    /// The version in force of each consent document.
    pub async fn consent_documents(&self, p: &Principal) -> Result<Vec<ConsentDocRow>> {
        self.require(p, Permission::ManageClinic).await?;
        Ok(self
            .db
            .read(threshold_store::careplan::consent_docs_current)
            .await?)
    }

    /// Every version of one document, newest first.
    pub async fn consent_document_versions(
        &self,
        p: &Principal,
        kind: &str,
    ) -> Result<(ConsentKind, Vec<ConsentDocRow>)> {
        self.require(p, Permission::ManageClinic).await?;
        let kind: ConsentKind = kind.parse().map_err(|()| Error::NotFound)?;
        let k = kind.as_str();
        let v = self
            .db
            .read(move |c| threshold_store::careplan::consent_doc_versions(c, k))
            .await?;
        Ok((kind, v))
    }

    /// Publishes a new version of a consent document; clients who signed an
    /// earlier version are asked to sign again. Returns the version number.
    pub async fn publish_consent(
        &self,
        p: &Principal,
        kind: &str,
        title: &str,
        body: &str,
    ) -> Result<i64> {
        self.require(p, Permission::ManageClinic).await?;
        let mut e = Invalid::new();
        let kind = match kind.parse::<ConsentKind>() {
            Ok(k) => Some(k),
            Err(()) => {
                e.push("kind", "Choose which consent document this is.");
                None
            }
        };
        let title = e.check(FreeText::parse_line("title", "the title", title, 200));
        let body = e.check(FreeText::parse(
            "body",
            "the text of the document",
            body,
            CONSENT_BODY_MAX,
        ));
        let (Some(kind), Some(title), Some(body)) = (kind, title, body) else {
            return Err(e.into());
        };
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                let latest = threshold_store::careplan::consent_doc_versions(c, kind.as_str())?
                    .into_iter()
                    .next();
                if latest.is_some_and(|d| d.title == title.as_str() && d.body == body.as_str()) {
                    return Err(Error::Conflict(
                        "This is the text already in force; a new version would ask every client to sign again for nothing.".into(),
                    ));
                }
                let v = threshold_store::careplan::consent_doc_publish(
                    c,
                    kind.as_str(),
                    title.as_str(),
                    body.as_str(),
                    Some(p.user_id),
                    now,
                )?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::ConsentPublished)
                        .subject("consent-document", kind.as_str())
                        .detail(format!("version {v}")),
                    now,
                )?;
                Ok(v)
            })
            .await
    }

    /// Sets a user's licence and registration numbers (what prescriptions print).
    pub async fn set_prescriber_details(
        &self,
        p: &Principal,
        user: UserId,
        licence: &str,
        registration: &str,
    ) -> Result<()> {
        self.require(p, Permission::ManageUsers).await?;
        let mut e = Invalid::new();
        let licence = e
            .check(FreeText::parse_optional(
                "licence_number",
                "the licence number",
                licence,
                64,
            ))
            .flatten();
        let registration = e
            .check(FreeText::parse_optional(
                "registration_number",
                "the registration number",
                registration,
                64,
            ))
            .flatten();
        for (f, v) in [
            ("licence_number", &licence),
            ("registration_number", &registration),
        ] {
            if v.as_ref().is_some_and(|t| t.as_str().contains('\n')) {
                e.push(f, "Enter the number on one line.");
            }
        }
        e.into_result()?;
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                threshold_store::users::get(c, user)?
                    .filter(|u| u.is_staff)
                    .ok_or(Error::NotFound)?;
                threshold_store::careplan::set_prescriber(
                    c,
                    user,
                    licence.as_ref().map(FreeText::as_str),
                    registration.as_ref().map(FreeText::as_str),
                    now,
                )?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::ProfileChanged)
                        .subject("user", user)
                        .detail("prescriber details"),
                    now,
                )?;
                Ok(())
            })
            .await
    }

    /// A user's licence and registration numbers.
    pub async fn prescriber_details(
        &self,
        user: UserId,
    ) -> Result<(Option<String>, Option<String>)> {
        Ok(self
            .db
            .read(move |c| threshold_store::careplan::prescriber(c, user))
            .await?
            .map(|(_, l, r)| (l, r))
            .unwrap_or_default())
    }
}

// ---- partner organisations' people -------------------------------------------

impl Services {
    /// The partner organisation a medical-partner account belongs to.
    pub async fn partner_of(&self, user: UserId) -> Result<Option<String>> {
        Ok(self
            .db
            .read(move |c| threshold_store::careplan::partner_of(c, user))
            .await?)
    }

    /// Makes a medical-partner account one of a partner organisation's people
    /// (administrators), or with an empty `partner` no one's.
    pub async fn set_partner_person(
        &self,
        p: &Principal,
        user: UserId,
        partner: &str,
    ) -> Result<()> {
        self.require(p, Permission::ManageUsers).await?;
        let partner = partner.trim().to_owned();
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                let u = threshold_store::users::get(c, user)?
                    .filter(|u| u.is_staff)
                    .ok_or(Error::NotFound)?;
                if !partner.is_empty() {
                    if !u.roles.contains(threshold_domain::Role::MedicalPartner) {
                        return Err(Invalid::field(
                            "partner",
                            "Only a medical-partner account belongs to a partner organisation.",
                        )
                        .into());
                    }
                    threshold_store::careplan::partner_get(c, &partner)?
                        .filter(|x| x.active)
                        .ok_or_else(|| {
                            Invalid::field("partner", "Choose an active partner organisation.")
                        })?;
                }
                threshold_store::careplan::set_partner_of(
                    c,
                    user,
                    (!partner.is_empty()).then_some(partner.as_str()),
                    p.user_id,
                    now,
                )?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::PartnerChanged)
                        .subject("user", user)
                        .detail(if partner.is_empty() {
                            "no partner organisation".to_owned()
                        } else {
                            format!("person of partner {partner}")
                        }),
                    now,
                )?;
                Ok(())
            })
            .await
    }
}

impl Services {
    /// A partner organisation's own people (administrators).
    pub async fn partner_people(
        &self,
        p: &Principal,
        partner: &str,
    ) -> Result<Vec<(UserId, String)>> {
        self.require(p, Permission::ManageClinic).await?;
        let partner = partner.to_owned();
        Ok(self
            .db
            .read(move |c| threshold_store::careplan::partner_people(c, &partner))
            .await?)
    }
}
