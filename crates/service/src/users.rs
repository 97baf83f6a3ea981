//! Staff accounts, managed by administrators (and by the operator from the
//! command line for the first account).

use threshold_domain::audit::AuditAction;
use threshold_domain::ids::UserId;
use threshold_domain::text::{Email, NewPassword, PersonName};
use threshold_domain::{Invalid, Permission, Role};
use threshold_store::users::{NewUser, UserRow};

use crate::audit::{Entry, write_in};
use crate::error::{Error, Result};
use crate::principal::{Actor, Principal};
use crate::{Services, passwords};

/// Raw input for a new staff account.
#[derive(Debug, Clone, Default)]
pub struct StaffForm {
    pub email: String,
    pub name: String,
    pub roles: Vec<String>,
}

/// A valid new staff account.
pub struct NewStaff {
    pub email: Email,
    pub name: PersonName,
    pub roles: Vec<Role>,
}

/// Parses staff role names; clients are never made here.
pub fn parse_staff_roles(raw: &[String]) -> Result<Vec<Role>, Invalid> {
    let mut roles = Vec::new();
    for r in raw {
        match r.trim().parse::<Role>() {
            Ok(Role::Client) | Err(_) => {
                return Err(Invalid::field(
                    "roles",
                    format!(
                        "Unknown staff role {:?}. Choose from administrator, coordinator, clinician, physician, medical-partner.",
                        r.chars().take(40).collect::<String>()
                    ),
                ));
            }
            Ok(role) => {
                if !roles.contains(&role) {
                    roles.push(role);
                }
            }
        }
    }
    if roles.is_empty() {
        return Err(Invalid::field("roles", "Choose at least one role."));
    }
    roles.sort();
    Ok(roles)
}

impl NewStaff {
    pub fn parse(f: &StaffForm) -> Result<Self, Invalid> {
        let mut errors = Invalid::new();
        let email = errors.check(Email::parse("email", &f.email));
        let name = errors.check(PersonName::parse("name", &f.name));
        let roles = errors.check(parse_staff_roles(&f.roles));
        match (email, name, roles) {
            (Some(email), Some(name), Some(roles)) => Ok(Self { email, name, roles }),
            _ => Err(errors),
        }
    }
}

fn taken() -> Error {
    Error::Invalid(Invalid::field(
        "email",
        "An account with this email address already exists.",
    ))
}

impl Services {
    /// The operator creates a staff account with a password (from `threshold user
    /// add`). The person sets up their second factor at first sign-in.
    pub async fn create_staff_with_password(
        &self,
        staff: NewStaff,
        password: &str,
    ) -> Result<UserId> {
        let password = NewPassword::parse("password", password, None)?;
        let hash = passwords::hash(password.expose().to_owned()).await?;
        let id = UserId::new();
        let now = self.now();
        let record = Entry::ok(AuditAction::UserCreated)
            .subject("user", id)
            .detail(
                staff
                    .roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            )
            .record(Actor::Operator, now);
        self.db
            .write(move |c| {
                threshold_store::users::insert(
                    c,
                    &NewUser {
                        id,
                        email: staff.email.as_str(),
                        name: staff.name.as_str(),
                        roles: &staff.roles,
                        password_hash: Some(&hash),
                        now,
                    },
                )
                .map_err(|e| if e.is_unique() { taken() } else { e.into() })?;
                threshold_store::audit::append(c, record)?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(id)
    }

    /// An administrator creates a staff account; the person gets an invitation
    /// mail to choose a password.
    pub async fn create_staff(&self, p: &Principal, form: &StaffForm) -> Result<UserId> {
        self.require(p, Permission::ManageUsers).await?;
        let staff = NewStaff::parse(form)?;
        let id = UserId::new();
        let now = self.now();
        let svc = self.clone();
        let p = p.clone();
        self.db
            .write(move |c| {
                threshold_store::users::insert(
                    c,
                    &NewUser {
                        id,
                        email: staff.email.as_str(),
                        name: staff.name.as_str(),
                        roles: &staff.roles,
                        password_hash: None,
                        now,
                    },
                )
                .map_err(|e| if e.is_unique() { taken() } else { e.into() })?;
                svc.issue_invitation_in(
                    c,
                    crate::invitations::Invitee {
                        user: id,
                        name: staff.name.as_str(),
                        email: staff.email.as_str(),
                        is_staff: true,
                    },
                    Some(p.user_id),
                    now,
                )?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::UserCreated)
                        .subject("user", id)
                        .detail(
                            staff
                                .roles
                                .iter()
                                .map(|r| r.as_str())
                                .collect::<Vec<_>>()
                                .join(","),
                        ),
                    now,
                )?;
                Ok::<_, Error>(())
            })
            .await?;
        self.mail_queued();
        Ok(id)
    }

    /// Every staff account, for the administration page.
    pub async fn staff_list(&self, p: &Principal) -> Result<Vec<UserRow>> {
        self.require(p, Permission::ManageUsers).await?;
        let users = self
            .db
            .read(|c| threshold_store::users::list(c, true))
            .await?;
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::UserListed).subjects("user", users.iter().map(|u| u.id)),
        )
        .await?;
        Ok(users)
    }

    /// One staff account (clients are not managed here: answers not found).
    pub async fn staff_member(&self, p: &Principal, id: UserId) -> Result<UserRow> {
        self.require(p, Permission::ManageUsers).await?;
        let u = self
            .db
            .read(move |c| threshold_store::users::get(c, id))
            .await?
            .filter(|u| u.is_staff)
            .ok_or(Error::NotFound)?;
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::UserViewed).subject("user", id),
        )
        .await?;
        Ok(u)
    }

    /// Changes a staff member's roles. An administrator cannot remove their own
    /// administrator role (someone must be able to undo mistakes).
    pub async fn set_staff_roles(&self, p: &Principal, id: UserId, raw: &[String]) -> Result<()> {
        self.require(p, Permission::ManageUsers).await?;
        let roles = parse_staff_roles(raw)?;
        if id == p.user_id && !roles.contains(&Role::Administrator) {
            return Err(Error::Invalid(Invalid::field(
                "roles",
                "You cannot remove your own administrator role; ask another administrator.",
            )));
        }
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                threshold_store::users::get(c, id)?
                    .filter(|u| u.is_staff)
                    .ok_or(Error::NotFound)?;
                threshold_store::users::set_roles(c, id, &roles)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::UserRolesChanged)
                        .subject("user", id)
                        .detail(
                            roles
                                .iter()
                                .map(|r| r.as_str())
                                .collect::<Vec<_>>()
                                .join(","),
                        ),
                    now,
                )?;
                Ok(())
            })
            .await
    }

    /// Deactivates an account: its sessions and tokens end at once.
    pub async fn deactivate_user(&self, p: &Principal, id: UserId) -> Result<()> {
        self.require(p, Permission::ManageUsers).await?;
        if id == p.user_id {
            return Err(Error::Conflict(
                "You cannot deactivate your own account.".into(),
            ));
        }
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                threshold_store::users::get(c, id)?
                    .filter(|u| u.is_staff)
                    .ok_or(Error::NotFound)?;
                threshold_store::users::set_active(c, id, false, now)?;
                threshold_store::sessions::delete_for_user(c, id)?;
                threshold_store::tokens::revoke_all_for_user(c, id, now)?;
                threshold_store::invitations::revoke_open(c, id, now)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::UserDeactivated).subject("user", id),
                    now,
                )?;
                Ok(())
            })
            .await
    }

    pub async fn reactivate_user(&self, p: &Principal, id: UserId) -> Result<()> {
        self.require(p, Permission::ManageUsers).await?;
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                threshold_store::users::get(c, id)?
                    .filter(|u| u.is_staff)
                    .ok_or(Error::NotFound)?;
                threshold_store::users::set_active(c, id, true, now)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::UserReactivated).subject("user", id),
                    now,
                )?;
                Ok(())
            })
            .await
    }

    /// Clears a person's second factor and recovery codes and ends their sessions;
    /// at their next sign-in they set up a new one.
    pub async fn reset_second_factor(&self, p: &Principal, id: UserId) -> Result<()> {
        self.require(p, Permission::ManageUsers).await?;
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                threshold_store::users::get(c, id)?
                    .filter(|u| u.is_staff)
                    .ok_or(Error::NotFound)?;
                threshold_store::users::set_totp(c, id, None, now)?;
                threshold_store::users::replace_recovery_codes(c, id, &[])?;
                threshold_store::sessions::delete_for_user(c, id)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::SecondFactorReset).subject("user", id),
                    now,
                )?;
                Ok(())
            })
            .await
    }

    /// The signed-in person's own account.
    pub async fn my_account(&self, p: &Principal) -> Result<(UserRow, i64)> {
        let uid = p.user_id;
        self.db
            .read(move |c| {
                let u = threshold_store::users::get(c, uid)?.ok_or(Error::NotFound)?;
                let codes = threshold_store::users::unused_recovery_codes(c, uid)?;
                Ok((u, codes))
            })
            .await
    }

    /// Every active staff member, by name (for "held by" pickers).
    pub async fn active_staff(&self) -> Result<Vec<(UserId, String)>> {
        Ok(self
            .db
            .read(|c| threshold_store::users::list(c, true))
            .await?
            .into_iter()
            .filter(|u| u.active)
            .map(|u| (u.id, u.name))
            .collect())
    }

    /// Staff who can be assigned inquiries (coordinators and administrators).
    pub async fn assignable_staff(&self) -> Result<Vec<(UserId, String)>> {
        Ok(self
            .db
            .read(|c| {
                let mut v = threshold_store::users::with_role(c, Role::Coordinator)?;
                for a in threshold_store::users::with_role(c, Role::Administrator)? {
                    if !v.iter().any(|(id, _)| *id == a.0) {
                        v.push(a);
                    }
                }
                Ok::<_, threshold_store::StoreError>(v)
            })
            .await?)
    }
}
