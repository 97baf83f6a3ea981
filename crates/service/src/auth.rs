//! Signing in and out: passwords, the second factor (TOTP with recovery codes),
//! sessions, re-authentication, password changes and resets, and throttling.

use jiff::{SignedDuration, Timestamp};
use threshold_domain::RoleSet;
use threshold_domain::audit::AuditAction;
use threshold_domain::ids::UserId;
use threshold_domain::text::{Email, NewPassword};
use threshold_store::Conn;
use threshold_store::sessions::{NewSession, Stage};
use threshold_store::throttle::Counter;
use totp_rs::{Builder as TotpBuilder, Secret, Totp};

use crate::audit::{Entry, write_in};
use crate::crypto::{Binding, random_token, secret_hash};
use crate::error::{Error, Result};
use crate::principal::{Actor, Principal, RequestMeta, Via};
use crate::{Services, passwords};

/// How often a session's "last seen" is written (finer is not needed for a
/// 30-minute idle limit, and each write costs a commit).
const TOUCH_EVERY: SignedDuration = SignedDuration::from_secs(60);

/// Where the person goes after the password step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Fully signed in.
    Done,
    /// Enter the code from the authenticator app (or a recovery code).
    SecondFactor,
    /// A staff member without a second factor: set one up first.
    Enrol,
}

/// A new session: `token` goes in the cookie and nowhere else.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: String,
    pub next: Next,
    pub is_staff: bool,
}

/// A session that has passed the password but not yet the second factor.
#[derive(Debug, Clone)]
pub struct PartialSession {
    pub id_hash: String,
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub roles: RoleSet,
    pub stage: Stage,
    pub pending_totp_secret: Option<String>,
    pub meta: RequestMeta,
}

impl PartialSession {
    fn actor_principal(&self) -> Principal {
        Principal {
            user_id: self.user_id,
            email: self.email.clone(),
            name: self.name.clone(),
            roles: self.roles,
            via: Via::Session {
                id_hash: self.id_hash.clone(),
                reauth_at: None,
            },
            meta: self.meta.clone(),
        }
    }
}

/// What a session cookie turned out to be.
#[derive(Debug, Clone)]
pub enum SessionState {
    Full(Principal),
    Partial(PartialSession),
}

/// What a person sees while setting up their authenticator app.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret_base32: String,
    pub otpauth_url: String,
}

fn throttle_key_account(email: &str) -> String {
    format!("account:{}", secret_hash(&email.to_lowercase()))
}

fn throttle_key_address(meta: &RequestMeta) -> Option<String> {
    meta.source_ip.as_ref().map(|ip| format!("address:{ip}"))
}

fn ms(d: SignedDuration) -> i64 {
    d.as_millis().try_into().unwrap_or(i64::MAX)
}

fn recovery_normalise(code: &str) -> String {
    code.trim().to_lowercase().replace(['-', ' '], "")
}

fn totp_for(secret: Vec<u8>, issuer: &str, account: &str) -> Result<Totp> {
    let issuer: String = issuer.chars().filter(|c| *c != ':').collect();
    let account: String = account.chars().filter(|c| *c != ':').collect();
    TotpBuilder::new()
        .with_secret(secret)
        .with_issuer(Some(issuer))
        .with_account_name(account)
        .build()
        .map_err(|e| Error::Internal(format!("TOTP setup failed: {e:?}")))
}

impl Services {
    fn totp_binding(user: &UserId) -> String {
        user.to_string()
    }

    fn seal_totp(&self, user: UserId, secret_b32: &str) -> String {
        let row = Self::totp_binding(&user);
        self.cipher.encrypt(
            secret_b32,
            Binding {
                table: "users",
                column: "totp_secret",
                row_id: &row,
            },
        )
    }

    fn open_totp(&self, user: UserId, sealed: &str) -> Result<Totp> {
        let row = Self::totp_binding(&user);
        let b32 = self
            .cipher
            .decrypt(
                sealed,
                Binding {
                    table: "users",
                    column: "totp_secret",
                    row_id: &row,
                },
            )
            .map_err(|e| Error::Internal(e.to_string()))?;
        let bytes = Secret::try_from_base32(&b32)
            .map_err(|e| Error::Internal(format!("stored TOTP secret unreadable: {e:?}")))?
            .as_ref()
            .to_vec();
        totp_for(bytes, &self.settings.clinic_name, "")
    }

    fn unix_now(&self) -> u64 {
        u64::try_from(self.now().as_second()).unwrap_or(0)
    }

    /// Refuses with the time to wait when the account or address is locked out.
    async fn check_throttle(&self, keys: Vec<String>) -> Result<()> {
        let now = self.now().as_millisecond();
        let counters = self
            .db
            .read(move |c| {
                keys.iter()
                    .map(|k| threshold_store::throttle::get(c, k))
                    .collect::<threshold_store::Result<Vec<_>>>()
            })
            .await?;
        let wait = counters
            .into_iter()
            .flatten()
            .filter_map(|c| c.locked_until_ms)
            .filter(|until| *until > now)
            .max();
        match wait {
            Some(until) => Err(Error::RateLimited {
                retry_after_secs: u64::try_from((until - now + 999) / 1000).unwrap_or(60),
            }),
            None => Ok(()),
        }
    }

    /// Counts a failure against each key, locking a key that reached its limit.
    fn count_failure(
        &self,
        c: &mut dyn Conn,
        key: &str,
        limit: i64,
        now: Timestamp,
    ) -> threshold_store::Result<()> {
        let policy = self.settings.throttle;
        let now_ms = now.as_millisecond();
        let prev = threshold_store::throttle::get(c, key)?;
        let mut counter = match prev {
            Some(p) if now_ms - p.window_start_ms < ms(policy.window) => p,
            _ => Counter {
                failures: 0,
                window_start_ms: now_ms,
                locked_until_ms: None,
            },
        };
        counter.failures += 1;
        if counter.failures >= limit {
            counter.locked_until_ms = Some(now_ms + ms(policy.lockout));
            counter.failures = 0;
            counter.window_start_ms = now_ms;
        }
        threshold_store::throttle::put(c, key, counter)
    }

    /// Creates a session in the caller's transaction and returns its secret.
    pub(crate) fn new_session_for(
        &self,
        c: &mut dyn Conn,
        user: UserId,
        is_staff: bool,
        stage: Stage,
        meta: &RequestMeta,
        now: Timestamp,
    ) -> threshold_store::Result<String> {
        self.new_session(c, user, is_staff, stage, meta, now)
    }

    fn new_session(
        &self,
        c: &mut dyn Conn,
        user: UserId,
        is_staff: bool,
        stage: Stage,
        meta: &RequestMeta,
        now: Timestamp,
    ) -> threshold_store::Result<String> {
        let token = random_token(32);
        let (idle, absolute) = if is_staff {
            (self.settings.staff_idle, self.settings.staff_absolute)
        } else {
            (self.settings.client_idle, self.settings.client_absolute)
        };
        threshold_store::sessions::insert(
            c,
            &NewSession {
                id_hash: &secret_hash(&token),
                user_id: user,
                stage,
                now,
                expires_at: now + absolute,
                idle_ms: ms(idle),
                source_ip: meta.source_ip.as_deref(),
                user_agent: meta.user_agent.as_deref().map(|u| &u[..u.len().min(300)]),
            },
        )?;
        Ok(token)
    }

    /// The password step. The answer and its timing are the same whether or not
    /// the account exists.
    pub async fn sign_in(
        &self,
        email: &str,
        password: String,
        meta: &RequestMeta,
    ) -> Result<SignedIn> {
        let email_key = email.trim().to_lowercase();
        let mut keys = vec![throttle_key_account(&email_key)];
        keys.extend(throttle_key_address(meta));
        if let Err(e) = self.check_throttle(keys.clone()).await {
            // Attempts refused by a lockout are failed sign-ins too: recorded.
            let lookup = email_key.clone();
            let subject = self
                .db
                .read(move |c| threshold_store::users::find_by_email(c, &lookup))
                .await?
                .map(|u| u.id);
            let mut entry = Entry::failed(AuditAction::SignInFailed).detail("locked out");
            if let Some(id) = subject {
                entry = entry.subject("user", id);
            }
            self.audit(Actor::Anonymous(meta), entry).await?;
            return Err(e);
        }

        let lookup = email_key.clone();
        let user = self
            .db
            .read(move |c| threshold_store::users::find_by_email(c, &lookup))
            .await?;
        let stored = user
            .as_ref()
            .filter(|u| u.active)
            .and_then(|u| u.password_hash.clone());
        let ok = passwords::verify(password, stored).await;
        let now = self.now();
        let meta2 = meta.clone();
        if !ok {
            let policy = self.settings.throttle;
            let svc = self.clone();
            let subject = user.as_ref().map(|u| u.id);
            self.db
                .write(move |c| {
                    svc.count_failure(c, &keys[0], policy.account_failures, now)?;
                    if let Some(k) = keys.get(1) {
                        svc.count_failure(c, k, policy.address_failures, now)?;
                    }
                    let mut e = Entry::failed(AuditAction::SignInFailed);
                    if let Some(id) = subject {
                        e = e.subject("user", id);
                    }
                    write_in(c, Actor::Anonymous(&meta2), e, now)
                })
                .await?;
            return Err(Error::BadCredentials);
        }
        let Some(user) = user else {
            return Err(Error::BadCredentials);
        };
        let is_staff = user.is_staff;
        let stage = if user.totp_enabled {
            Stage::SecondFactor
        } else if is_staff {
            Stage::Enrol
        } else {
            Stage::Full
        };
        let svc = self.clone();
        let account_key = keys[0].clone();
        let principal = Principal {
            user_id: user.id,
            email: user.email.clone(),
            name: user.name.clone(),
            roles: user.roles,
            via: Via::Token {
                id: threshold_domain::ids::TokenId::new(),
            },
            meta: meta.clone(),
        };
        let token = self
            .db
            .write(move |c| {
                threshold_store::throttle::clear(c, &account_key)?;
                let token = svc.new_session(c, user.id, is_staff, stage, &meta2, now)?;
                write_in(
                    c,
                    Actor::User(&principal),
                    Entry::ok(AuditAction::SignIn)
                        .subject("user", user.id)
                        .detail(stage.as_str()),
                    now,
                )?;
                Ok::<_, Error>(token)
            })
            .await?;
        Ok(SignedIn {
            token,
            next: match stage {
                Stage::Full => Next::Done,
                Stage::SecondFactor => Next::SecondFactor,
                Stage::Enrol => Next::Enrol,
            },
            is_staff,
        })
    }

    /// Resolves a session cookie. Expired sessions (idle or absolute) and those of
    /// deactivated users are removed and answer `None`.
    pub async fn session(&self, token: &str, meta: RequestMeta) -> Result<Option<SessionState>> {
        if token.is_empty() || token.len() > 100 {
            return Ok(None);
        }
        let hash = secret_hash(token);
        let h = hash.clone();
        let Some(s) = self
            .db
            .read(move |c| threshold_store::sessions::get(c, &h))
            .await?
        else {
            return Ok(None);
        };
        let now = self.now();
        let idle_over = s.last_seen_at.as_millisecond() + s.idle_ms <= now.as_millisecond();
        if now >= s.expires_at || idle_over || !s.user_active {
            let h = hash.clone();
            self.db
                .write(move |c| threshold_store::sessions::delete(c, &h))
                .await?;
            return Ok(None);
        }
        if now.duration_since(s.last_seen_at) >= TOUCH_EVERY {
            let h = hash.clone();
            self.db
                .write(move |c| threshold_store::sessions::touch(c, &h, now))
                .await?;
        }
        Ok(Some(match s.stage {
            Stage::Full => SessionState::Full(Principal {
                user_id: s.user_id,
                email: s.user_email,
                name: s.user_name,
                roles: s.roles,
                via: Via::Session {
                    id_hash: hash,
                    reauth_at: s.reauth_at,
                },
                meta,
            }),
            stage => SessionState::Partial(PartialSession {
                id_hash: hash,
                user_id: s.user_id,
                email: s.user_email,
                name: s.user_name,
                roles: s.roles,
                stage,
                pending_totp_secret: s.pending_totp_secret,
                meta,
            }),
        }))
    }

    /// The second step: a TOTP code (each code works once) or an unused recovery
    /// code. Success replaces the session with a fresh one (new id).
    pub async fn second_factor(&self, partial: &PartialSession, code: &str) -> Result<String> {
        if partial.stage != Stage::SecondFactor {
            return Err(Error::Conflict(
                "This session is not waiting for a code.".into(),
            ));
        }
        let key = throttle_key_account(&partial.email);
        if let Err(e) = self.check_throttle(vec![key.clone()]).await {
            self.audit(
                Actor::User(&partial.actor_principal()),
                Entry::failed(AuditAction::SecondFactorFailed)
                    .subject("user", partial.user_id)
                    .detail("locked out"),
            )
            .await?;
            return Err(e);
        }
        let uid = partial.user_id;
        let user = self
            .db
            .read(move |c| threshold_store::users::get(c, uid))
            .await?
            .ok_or(Error::Unauthenticated)?;
        let sealed = user.totp_secret.clone().ok_or(Error::Unauthenticated)?;
        let totp = self.open_totp(uid, &sealed)?;
        let code = code.trim().replace(' ', "");
        let step = if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
            totp.check(&code, self.unix_now())
                .and_then(|s| i64::try_from(s).ok())
        } else {
            None
        };
        let recovery =
            (step.is_none() && code.len() >= 10).then(|| secret_hash(&recovery_normalise(&code)));
        let now = self.now();
        let svc = self.clone();
        let p = partial.actor_principal();
        let old = partial.id_hash.clone();
        let policy = self.settings.throttle;
        let result = self
            .db
            .write(move |c| {
                let accepted = match (step, &recovery) {
                    (Some(step), _) => threshold_store::users::use_totp_step(c, uid, step)?,
                    (None, Some(hash)) => {
                        let used = threshold_store::users::use_recovery_code(c, uid, hash, now)?;
                        if used {
                            write_in(
                                c,
                                Actor::User(&p),
                                Entry::ok(AuditAction::RecoveryCodeUsed).subject("user", uid),
                                now,
                            )?;
                        }
                        used
                    }
                    (None, None) => false,
                };
                if !accepted {
                    svc.count_failure(c, &key, policy.account_failures, now)?;
                    write_in(
                        c,
                        Actor::User(&p),
                        Entry::failed(AuditAction::SecondFactorFailed).subject("user", uid),
                        now,
                    )?;
                    return Ok(None);
                }
                threshold_store::throttle::clear(c, &key)?;
                threshold_store::sessions::delete(c, &old)?;
                let token = svc.new_session(c, uid, user.is_staff, Stage::Full, &p.meta, now)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::SecondFactor).subject("user", uid),
                    now,
                )?;
                Ok::<_, Error>(Some(token))
            })
            .await?;
        result.ok_or(Error::BadCode)
    }

    /// Starts (or shows again) authenticator set-up for a session that must enrol.
    /// The secret is kept, encrypted, on the session until it is confirmed.
    pub async fn begin_enrolment(&self, partial: &PartialSession) -> Result<Enrolment> {
        if partial.stage != Stage::Enrol {
            return Err(Error::Conflict("A second factor is already set up.".into()));
        }
        let secret_b32 = match &partial.pending_totp_secret {
            Some(sealed) => self
                .cipher
                .decrypt(
                    sealed,
                    Binding {
                        table: "sessions",
                        column: "pending_totp_secret",
                        row_id: &partial.id_hash,
                    },
                )
                .map_err(|e| Error::Internal(e.to_string()))?,
            None => {
                let secret = Secret::generate();
                let b32 = secret.to_base32();
                let sealed = self.cipher.encrypt(
                    &b32,
                    Binding {
                        table: "sessions",
                        column: "pending_totp_secret",
                        row_id: &partial.id_hash,
                    },
                );
                let h = partial.id_hash.clone();
                self.db
                    .write(move |c| {
                        threshold_store::sessions::set_pending_totp(c, &h, Some(&sealed))
                    })
                    .await?;
                b32
            }
        };
        let bytes = Secret::try_from_base32(&secret_b32)
            .map_err(|e| Error::Internal(format!("{e:?}")))?
            .as_ref()
            .to_vec();
        let totp = totp_for(bytes, &self.settings.clinic_name, &partial.email)?;
        let otpauth_url = totp
            .to_url()
            .map_err(|e| Error::Internal(format!("{e:?}")))?;
        Ok(Enrolment {
            secret_base32: secret_b32,
            otpauth_url,
        })
    }

    /// Confirms set-up with a code from the app. Returns the new session token and
    /// ten single-use recovery codes, shown once.
    pub async fn confirm_enrolment(
        &self,
        partial: &PartialSession,
        code: &str,
    ) -> Result<(String, Vec<String>)> {
        let enrol = self.begin_enrolment(partial).await?;
        let bytes = Secret::try_from_base32(&enrol.secret_base32)
            .map_err(|e| Error::Internal(format!("{e:?}")))?
            .as_ref()
            .to_vec();
        let totp = totp_for(bytes, &self.settings.clinic_name, &partial.email)?;
        let code = code.trim().replace(' ', "");
        let Some(step) = totp
            .check(&code, self.unix_now())
            .and_then(|s| i64::try_from(s).ok())
        else {
            return Err(Error::Invalid(threshold_domain::Invalid::field(
                "code",
                "That code is not right. Enter the 6-digit code your authenticator app shows now.",
            )));
        };
        let codes: Vec<String> = (0..10)
            .map(|_| {
                let raw = random_token(8).to_lowercase().replace(['-', '_'], "x");
                format!("{}-{}", &raw[..5], &raw[5..10])
            })
            .collect();
        let hashes: Vec<String> = codes
            .iter()
            .map(|c| secret_hash(&recovery_normalise(c)))
            .collect();
        let sealed = self.seal_totp(partial.user_id, &enrol.secret_base32);
        let now = self.now();
        let uid = partial.user_id;
        let old = partial.id_hash.clone();
        let p = partial.actor_principal();
        let svc = self.clone();
        let is_staff = partial.roles.is_staff();
        let token = self
            .db
            .write(move |c| {
                threshold_store::users::set_totp(c, uid, Some(&sealed), now)?;
                threshold_store::users::use_totp_step(c, uid, step)?;
                threshold_store::users::replace_recovery_codes(c, uid, &hashes)?;
                threshold_store::sessions::delete(c, &old)?;
                let token = svc.new_session(c, uid, is_staff, Stage::Full, &p.meta, now)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::TotpEnrolled).subject("user", uid),
                    now,
                )?;
                Ok::<_, Error>(token)
            })
            .await?;
        Ok((token, codes))
    }

    /// Ends one session.
    pub async fn sign_out(&self, id_hash: &str, actor: &Principal) -> Result<()> {
        let h = id_hash.to_owned();
        let now = self.now();
        let p = actor.clone();
        self.db
            .write(move |c| {
                threshold_store::sessions::delete(c, &h)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::SignOut).subject("user", p.user_id),
                    now,
                )
            })
            .await?;
        Ok(())
    }

    /// Ends a session that never finished signing in (no audit principal needed).
    pub async fn abandon_partial(&self, partial: &PartialSession) -> Result<()> {
        let h = partial.id_hash.clone();
        self.db
            .write(move |c| threshold_store::sessions::delete(c, &h))
            .await?;
        Ok(())
    }

    /// A client chooses to protect their account with an authenticator app: this
    /// session goes back to the enrolment step (the same one staff complete at
    /// their first sign-in), which ends with recovery codes and a fresh session.
    /// Staff always have a second factor, so this is for clients only.
    pub async fn start_client_totp(&self, p: &Principal) -> Result<()> {
        self.require(p, threshold_domain::Permission::ClientPortal)
            .await?;
        let Some(hash) = p.session_hash().map(str::to_owned) else {
            return Err(Error::Forbidden);
        };
        let uid = p.user_id;
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                let user = threshold_store::users::get(c, uid)?.ok_or(Error::Unauthenticated)?;
                if user.totp_enabled {
                    return Err(Error::Conflict(
                        "Your account already has a second factor.".into(),
                    ));
                }
                threshold_store::sessions::set_pending_totp(c, &hash, None)?;
                threshold_store::sessions::set_stage(c, &hash, Stage::Enrol, now)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::SecondFactor)
                        .subject("user", uid)
                        .detail("enrolment started"),
                    now,
                )?;
                Ok(())
            })
            .await
    }

    /// "Sign out all my sessions", this one included.
    pub async fn sign_out_everywhere(&self, p: &Principal) -> Result<u64> {
        let now = self.now();
        let p = p.clone();
        let n = self
            .db
            .write(move |c| {
                let n = threshold_store::sessions::delete_for_user(c, p.user_id)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::SignOutEverywhere)
                        .subject("user", p.user_id)
                        .detail(format!("{n} sessions")),
                    now,
                )?;
                Ok::<_, Error>(n)
            })
            .await?;
        Ok(n)
    }

    /// Confirms the person at the keyboard again (password, or a current TOTP
    /// code) before a sensitive action; valid for a few minutes on this session.
    pub async fn reauthenticate(&self, p: &Principal, secret: String) -> Result<()> {
        let Some(hash) = p.session_hash().map(str::to_owned) else {
            return Err(Error::Forbidden);
        };
        let uid = p.user_id;
        let user = self
            .db
            .read(move |c| threshold_store::users::get(c, uid))
            .await?
            .ok_or(Error::Unauthenticated)?;
        let digits = secret.trim().len() == 6 && secret.trim().chars().all(|c| c.is_ascii_digit());
        let ok = match (&user.totp_secret, digits) {
            (Some(sealed), true) => self
                .open_totp(uid, sealed)?
                .check(secret.trim(), self.unix_now())
                .and_then(|s| i64::try_from(s).ok()),
            _ => None,
        };
        let via_password =
            ok.is_none() && passwords::verify(secret, user.password_hash.clone()).await;
        let now = self.now();
        let p2 = p.clone();
        let accepted = self
            .db
            .write(move |c| {
                let accepted = match ok {
                    Some(step) => threshold_store::users::use_totp_step(c, uid, step)?,
                    None => via_password,
                };
                if accepted {
                    threshold_store::sessions::set_reauth(c, &hash, now)?;
                    write_in(
                        c,
                        Actor::User(&p2),
                        Entry::ok(AuditAction::Reauthenticated).subject("user", uid),
                        now,
                    )?;
                } else {
                    write_in(
                        c,
                        Actor::User(&p2),
                        Entry::failed(AuditAction::Reauthenticated).subject("user", uid),
                        now,
                    )?;
                }
                Ok::<_, Error>(accepted)
            })
            .await?;
        if accepted {
            Ok(())
        } else {
            Err(Error::BadCredentials)
        }
    }

    /// Changes one's own password; every other session of the account ends.
    pub async fn change_password(
        &self,
        p: &Principal,
        current: String,
        new: &str,
        confirm: &str,
    ) -> Result<()> {
        let new = NewPassword::parse("new_password", new, Some(confirm)).map_err(|mut e| {
            for f in &mut e.0 {
                if f.field == "password_confirm" {
                    f.field = "new_password_confirm".into();
                }
            }
            e
        })?;
        let uid = p.user_id;
        let user = self
            .db
            .read(move |c| threshold_store::users::get(c, uid))
            .await?
            .ok_or(Error::Unauthenticated)?;
        if !passwords::verify(current, user.password_hash.clone()).await {
            return Err(Error::Invalid(threshold_domain::Invalid::field(
                "current_password",
                "Your current password is not right.",
            )));
        }
        let hash = passwords::hash(new.expose().to_owned()).await?;
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                threshold_store::users::set_password(c, uid, &hash, now)?;
                match p.session_hash() {
                    Some(keep) => threshold_store::sessions::delete_for_user_except(c, uid, keep)?,
                    None => threshold_store::sessions::delete_for_user(c, uid)?,
                };
                threshold_store::resets::invalidate_for_user(c, uid, now)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::PasswordChanged).subject("user", uid),
                    now,
                )
            })
            .await?;
        Ok(())
    }

    /// Mails a reset link when the address belongs to an active account that has a
    /// password. Answers the same either way.
    pub async fn request_password_reset(&self, email: &str, meta: &RequestMeta) -> Result<()> {
        let email = Email::parse("email", email)?;
        let lookup = email.as_str().to_owned();
        let user = self
            .db
            .read(move |c| threshold_store::users::find_by_email(c, &lookup))
            .await?;
        let now = self.now();
        let meta = meta.clone();
        let Some(user) = user.filter(|u| u.active && u.password_hash.is_some()) else {
            self.audit(
                Actor::Anonymous(&meta),
                Entry::failed(AuditAction::PasswordResetRequested),
            )
            .await?;
            return Ok(());
        };
        let token = random_token(32);
        let expires = now + self.settings.reset_ttl;
        let mail = self.mail_password_reset(&user.email, &token, expires);
        let uid = user.id;
        self.db
            .write(move |c| {
                threshold_store::resets::invalidate_for_user(c, uid, now)?;
                threshold_store::resets::insert(c, &secret_hash(&token), uid, now, expires)?;
                crate::mail::queue_in(c, &mail, now)?;
                write_in(
                    c,
                    Actor::Anonymous(&meta),
                    Entry::ok(AuditAction::PasswordResetRequested).subject("user", uid),
                    now,
                )
            })
            .await?;
        self.mail_queued();
        Ok(())
    }

    /// Whether a reset link can still be used (for showing the form).
    pub async fn reset_link_valid(&self, token: &str) -> Result<bool> {
        let h = secret_hash(token);
        let now = self.now();
        Ok(self
            .db
            .read(move |c| threshold_store::resets::valid_user(c, &h, now))
            .await?
            .is_some())
    }

    /// Sets a new password through a reset link; every session of the account ends.
    pub async fn reset_password(
        &self,
        token: &str,
        new: &str,
        confirm: &str,
        meta: &RequestMeta,
    ) -> Result<()> {
        let new = NewPassword::parse("password", new, Some(confirm))?;
        if !self.reset_link_valid(token).await? {
            return Err(Error::LinkExpired);
        }
        let hash = passwords::hash(new.expose().to_owned()).await?;
        let h = secret_hash(token);
        let now = self.now();
        let meta = meta.clone();
        self.db
            .write(move |c| {
                let Some(uid) = threshold_store::resets::valid_user(c, &h, now)? else {
                    return Err(Error::LinkExpired);
                };
                if !threshold_store::resets::consume(c, &h, now)? {
                    return Err(Error::LinkExpired);
                }
                threshold_store::users::set_password(c, uid, &hash, now)?;
                threshold_store::sessions::delete_for_user(c, uid)?;
                threshold_store::resets::invalidate_for_user(c, uid, now)?;
                write_in(
                    c,
                    Actor::Anonymous(&meta),
                    Entry::ok(AuditAction::PasswordReset).subject("user", uid),
                    now,
                )?;
                Ok(())
            })
            .await
    }

    /// Resolves a bearer token. Unknown, revoked, or belonging to a deactivated or
    /// non-staff account: refused (and recorded).
    pub async fn authenticate_token(&self, bearer: &str, meta: RequestMeta) -> Result<Principal> {
        let refuse = |svc: &Services, meta: RequestMeta| {
            let svc = svc.clone();
            async move {
                svc.audit(
                    Actor::Anonymous(&meta),
                    Entry::denied(AuditAction::TokenRefused),
                )
                .await?;
                Err::<Principal, Error>(Error::Unauthenticated)
            }
        };
        if !bearer.starts_with(crate::tokens::PREFIX) || bearer.len() > 200 {
            return refuse(self, meta).await;
        }
        let h = secret_hash(bearer);
        let found = self
            .db
            .read(move |c| {
                let Some(t) = threshold_store::tokens::find_by_hash(c, &h)? else {
                    return Ok(None);
                };
                let user = threshold_store::users::get(c, t.user_id)?;
                Ok::<_, Error>(user.map(|u| (t, u)))
            })
            .await?;
        let Some((t, u)) = found.filter(|(t, u)| t.revoked_at.is_none() && u.active && u.is_staff)
        else {
            return refuse(self, meta).await;
        };
        if t.last_used_at
            .is_none_or(|l| self.now().duration_since(l) >= TOUCH_EVERY)
        {
            let now = self.now();
            self.db
                .write(move |c| threshold_store::tokens::touch(c, t.id, now))
                .await?;
        }
        let mut roles = u.roles;
        // A token never acts as a client.
        if roles.contains(threshold_domain::Role::Client) {
            roles = RoleSet::of(&roles.iter().filter(|r| r.is_staff()).collect::<Vec<_>>());
        }
        Ok(Principal {
            user_id: u.id,
            email: u.email,
            name: u.name,
            roles,
            via: Via::Token { id: t.id },
            meta,
        })
    }
}
