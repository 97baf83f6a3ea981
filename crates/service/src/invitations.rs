//! Invitations: the one-time link with which a new client (or staff member) sets
//! a password. Expiring, single-use, resendable and revocable.

use jiff::Timestamp;
use threshold_domain::audit::AuditAction;
use threshold_domain::ids::{InvitationId, UserId};
use threshold_domain::text::NewPassword;
use threshold_store::Conn;
use threshold_store::sessions::Stage;

use crate::audit::{Entry, write_in};
use crate::auth::{Next, SignedIn};
use crate::crypto::{random_token, secret_hash};
use crate::error::{Error, Result};
use crate::principal::{Actor, Principal, RequestMeta, Via};
use crate::{Services, passwords};

/// Who an invitation is for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Invitee<'a> {
    pub user: UserId,
    pub name: &'a str,
    pub email: &'a str,
    pub is_staff: bool,
}

/// What the invitation page shows.
#[derive(Debug, Clone)]
pub struct InvitationView {
    pub name: String,
    pub email: String,
    pub is_staff: bool,
    pub expires_at: Timestamp,
}

impl Services {
    /// Revokes the user's open invitations, issues a new one and queues its mail,
    /// all in the caller's transaction. Returns the expiry.
    pub(crate) fn issue_invitation_in(
        &self,
        c: &mut dyn Conn,
        to: Invitee<'_>,
        created_by: Option<UserId>,
        now: Timestamp,
    ) -> threshold_store::Result<Timestamp> {
        let Invitee {
            user,
            name,
            email,
            is_staff,
        } = to;
        threshold_store::invitations::revoke_open(c, user, now)?;
        let token = random_token(32);
        let expires = now + self.settings.invitation_ttl;
        threshold_store::invitations::insert(
            c,
            InvitationId::new(),
            user,
            &secret_hash(&token),
            now,
            expires,
            created_by,
        )?;
        let mail = self.mail_invitation(email, name, &token, expires, is_staff);
        crate::mail::queue_in(c, &mail, now)?;
        Ok(expires)
    }

    /// The invitation behind a link, if it can still be used.
    pub async fn invitation(&self, token: &str) -> Result<InvitationView> {
        if token.len() > 100 {
            return Err(Error::LinkExpired);
        }
        let h = secret_hash(token);
        let now = self.now();
        self.db
            .read(move |c| {
                let inv = threshold_store::invitations::find_by_hash(c, &h)?
                    .filter(|i| i.is_open(now))
                    .ok_or(Error::LinkExpired)?;
                let u = threshold_store::users::get(c, inv.user_id)?
                    .filter(|u| u.active)
                    .ok_or(Error::LinkExpired)?;
                Ok(InvitationView {
                    name: u.name,
                    email: u.email,
                    is_staff: u.is_staff,
                    expires_at: inv.expires_at,
                })
            })
            .await
    }

    /// Sets the password through the invitation and signs the person in (staff
    /// then set up their second factor).
    pub async fn accept_invitation(
        &self,
        token: &str,
        password: &str,
        confirm: &str,
        meta: &RequestMeta,
    ) -> Result<SignedIn> {
        let password = NewPassword::parse("password", password, Some(confirm))?;
        let view = self.invitation(token).await?;
        let hash = passwords::hash(password.expose().to_owned()).await?;
        let h = secret_hash(token);
        let now = self.now();
        let meta = meta.clone();
        let svc = self.clone();
        let is_staff = view.is_staff;
        let token = self
            .db
            .write(move |c| {
                let inv =
                    threshold_store::invitations::find_by_hash(c, &h)?.ok_or(Error::LinkExpired)?;
                if !threshold_store::invitations::accept(c, inv.id, now)? {
                    return Err(Error::LinkExpired);
                }
                let user =
                    threshold_store::users::get(c, inv.user_id)?.ok_or(Error::LinkExpired)?;
                threshold_store::users::set_password(c, user.id, &hash, now)?;
                let stage = if is_staff { Stage::Enrol } else { Stage::Full };
                let token = svc.new_session_for(c, user.id, is_staff, stage, &meta, now)?;
                let p = Principal {
                    user_id: user.id,
                    email: user.email.clone(),
                    name: user.name.clone(),
                    roles: user.roles,
                    via: Via::Session {
                        id_hash: secret_hash(&token),
                        reauth_at: None,
                    },
                    meta: meta.clone(),
                };
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::InvitationAccepted).subject("user", user.id),
                    now,
                )?;
                Ok(token)
            })
            .await?;
        Ok(SignedIn {
            token,
            next: if is_staff { Next::Enrol } else { Next::Done },
            is_staff,
        })
    }

    /// Sends a staff member a fresh invitation (administrators).
    pub async fn resend_staff_invitation(&self, p: &Principal, user: UserId) -> Result<()> {
        self.require(p, threshold_domain::Permission::ManageUsers)
            .await?;
        let now = self.now();
        let svc = self.clone();
        let p = p.clone();
        self.db
            .write(move |c| {
                let u = threshold_store::users::get(c, user)?
                    .filter(|u| u.is_staff)
                    .ok_or(Error::NotFound)?;
                if u.password_hash.is_some() {
                    return Err(Error::Conflict(
                        "This person has already set a password; they can reset it from the sign-in page.".into(),
                    ));
                }
                svc.issue_invitation_in(c, Invitee { user: u.id, name: &u.name, email: &u.email, is_staff: true }, Some(p.user_id), now)?;
                write_in(c, Actor::User(&p), Entry::ok(AuditAction::InvitationSent).subject("user", u.id), now)?;
                Ok(())
            })
            .await?;
        self.mail_queued();
        Ok(())
    }
}
