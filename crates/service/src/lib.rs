//! Threshold's use cases. Each takes the acting [`Principal`] (or another
//! [`Actor`]) and parsed input, checks permission, enforces the rule, and writes
//! its audit entry in the same transaction as the change.
//!
//! Which error to use where: use cases return [`Error`]; storage errors convert
//! into it with `?`; validation problems are [`threshold_domain::Invalid`] (the
//! web layer shows them next to their fields).
#![forbid(unsafe_code)]

pub mod audit;
pub mod auth;
pub mod careplan;
pub mod clinic;
pub mod consent_texts;
pub mod consents;
pub mod crypto;
pub mod demo;
mod demo_journeys;
pub mod error;
pub mod feeds;
pub mod groups;
pub mod inquiries;
pub mod intake;
pub mod invitations;
pub mod journeys;
pub mod locations;
pub mod mail;
pub mod passwords;
pub mod portal;
pub mod principal;
pub mod questionnaires;
pub mod reminders;
pub mod schedule;
pub mod tokens;
pub mod users;

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use threshold_domain::Clock;
use threshold_store::Db;
use tokio::sync::Notify;

pub use crate::crypto::FieldCipher;
pub use crate::error::{Error, Result};
pub use crate::principal::{Actor, Principal, RequestMeta, Via};

/// Limits for sign-in throttling.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures allowed per account within `window` before it is locked.
    pub account_failures: i64,
    /// Failures allowed per source address within `window`.
    pub address_failures: i64,
    pub window: SignedDuration,
    pub lockout: SignedDuration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            account_failures: 5,
            address_failures: 20,
            window: SignedDuration::from_mins(15),
            lockout: SignedDuration::from_mins(15),
        }
    }
}

/// Settings the use cases need. Defaults are the clinic defaults DESIGN.md names.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Shown in mail and pages.
    pub clinic_name: String,
    /// The address people reach this server at, for links in mail (no trailing /).
    pub public_url: String,
    pub mail_from: String,
    pub staff_idle: SignedDuration,
    pub staff_absolute: SignedDuration,
    pub client_idle: SignedDuration,
    pub client_absolute: SignedDuration,
    pub invitation_ttl: SignedDuration,
    pub reset_ttl: SignedDuration,
    pub throttle: ThrottlePolicy,
    /// Demo mode: queued mail is shown to administrators in full.
    pub demo: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            clinic_name: "Threshold".into(),
            public_url: "http://127.0.0.1:8080".into(),
            mail_from: "Threshold <no-reply@localhost>".into(),
            staff_idle: SignedDuration::from_mins(30),
            staff_absolute: SignedDuration::from_hours(12),
            client_idle: SignedDuration::from_mins(30),
            client_absolute: SignedDuration::from_hours(12),
            invitation_ttl: SignedDuration::from_hours(24 * 7),
            reset_ttl: SignedDuration::from_hours(1),
            throttle: ThrottlePolicy::default(),
            demo: false,
        }
    }
}

/// Everything a use case needs: the database, the clock, the field cipher and the
/// settings. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub cipher: FieldCipher,
    pub settings: Arc<Settings>,
    /// Poked when mail is queued, so the sender does not wait for its next round.
    pub mail_wake: Arc<Notify>,
    /// The time zone pages show times in, remembered for a minute.
    pub(crate) display_zone: Arc<std::sync::RwLock<Option<(Timestamp, jiff::tz::TimeZone)>>>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

impl Services {
    pub fn new(db: Db, clock: Arc<dyn Clock>, cipher: FieldCipher, settings: Settings) -> Self {
        Self {
            db,
            clock,
            cipher,
            settings: Arc::new(settings),
            mail_wake: Arc::new(Notify::new()),
            display_zone: Arc::default(),
        }
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// A link to a page of this server, for mail.
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.settings.public_url.trim_end_matches('/'), path)
    }
}
