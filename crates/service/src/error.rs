//! The service layer's error: what went wrong in terms a person or a client
//! program can act on. The web layer renders each variant (HTML or JSON) and never
//! shows the inside of `Store` or `Internal`.

use threshold_domain::Invalid;
use threshold_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input refused, field by field. Nothing was changed.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// No such record, or one this principal may not know exists.
    #[error("not found")]
    NotFound,
    /// Signed in, but this principal may not do this.
    #[error("forbidden")]
    Forbidden,
    /// No valid credentials.
    #[error("not signed in")]
    Unauthenticated,
    /// Email and password did not match an active account (never says which).
    #[error("the email address or password is not right")]
    BadCredentials,
    /// The second-factor code was not right.
    #[error("that code is not right")]
    BadCode,
    /// The request conflicts with the record's state; the message says how.
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts; try again after this many seconds.
    #[error("too many attempts")]
    RateLimited { retry_after_secs: u64 },
    /// A link (invitation, password reset) that is unknown, used, revoked or expired.
    #[error("this link is no longer valid")]
    LinkExpired,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
