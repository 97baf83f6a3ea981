//! Server-side sign-in sessions. The cookie holds a random secret; the table holds
//! only its SHA-256, so a copy of the database opens no session.

use jiff::Timestamp;
use threshold_domain::RoleSet;
use threshold_domain::ids::UserId;

use crate::conn::Conn;
use crate::error::Result;
use crate::params;

/// How far a session has come through sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Password accepted; the second factor is still owed.
    SecondFactor,
    /// Password accepted; a staff member who must first set up a second factor.
    Enrol,
    /// Fully signed in.
    Full,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::SecondFactor => "second-factor",
            Stage::Enrol => "enrol",
            Stage::Full => "full",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "second-factor" => Some(Stage::SecondFactor),
            "enrol" => Some(Stage::Enrol),
            "full" => Some(Stage::Full),
            _ => None,
        }
    }
}

/// A session with what the request needs to know about its user.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: UserId,
    pub stage: Stage,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    pub idle_ms: i64,
    pub reauth_at: Option<Timestamp>,
    pub pending_totp_secret: Option<String>,
    pub user_email: String,
    pub user_name: String,
    pub user_active: bool,
    pub totp_enabled: bool,
    pub roles: RoleSet,
}

pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub user_id: UserId,
    pub stage: Stage,
    pub now: Timestamp,
    pub expires_at: Timestamp,
    pub idle_ms: i64,
    pub source_ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub fn insert(c: &mut dyn Conn, s: &NewSession<'_>) -> Result<()> {
    c.execute(
        "insert into sessions (id_hash, user_id, stage, created_at, last_seen_at, expires_at, idle_ms,
             source_ip, user_agent)
         values ($1, $2, $3, $4, $4, $5, $6, $7, $8)",
        params![
            s.id_hash,
            s.user_id,
            s.stage.as_str(),
            s.now,
            s.expires_at,
            s.idle_ms,
            s.source_ip,
            s.user_agent
        ],
    )?;
    Ok(())
}

/// The session and its user, whatever its age: the caller decides about expiry.
pub fn get(c: &mut dyn Conn, id_hash: &str) -> Result<Option<SessionRow>> {
    let Some(r) = c.query_opt(
        "select s.id_hash, s.user_id, s.stage, s.created_at, s.last_seen_at, s.expires_at, s.idle_ms,
                s.reauth_at, s.pending_totp_secret, u.email, u.name, u.active, u.totp_enabled
         from sessions s join users u on u.id = s.user_id where s.id_hash = $1",
        params![id_hash],
    )?
    else {
        return Ok(None);
    };
    let user_id: UserId = r.get(1)?;
    Ok(Some(SessionRow {
        id_hash: r.get(0)?,
        user_id,
        stage: r.parse(2, Stage::parse)?,
        created_at: r.get(3)?,
        last_seen_at: r.get(4)?,
        expires_at: r.get(5)?,
        idle_ms: r.get(6)?,
        reauth_at: r.get(7)?,
        pending_totp_secret: r.get(8)?,
        user_email: r.get(9)?,
        user_name: r.get(10)?,
        user_active: r.get(11)?,
        totp_enabled: r.get(12)?,
        roles: crate::users::roles_of(c, user_id)?,
    }))
}

pub fn touch(c: &mut dyn Conn, id_hash: &str, now: Timestamp) -> Result<u64> {
    c.execute(
        "update sessions set last_seen_at = $2 where id_hash = $1 and last_seen_at < $2",
        params![id_hash, now],
    )
}

pub fn set_stage(c: &mut dyn Conn, id_hash: &str, stage: Stage, now: Timestamp) -> Result<u64> {
    c.execute(
        "update sessions set stage = $2, last_seen_at = $3, pending_totp_secret = null where id_hash = $1",
        params![id_hash, stage.as_str(), now],
    )
}

pub fn set_reauth(c: &mut dyn Conn, id_hash: &str, now: Timestamp) -> Result<u64> {
    c.execute(
        "update sessions set reauth_at = $2, last_seen_at = $2 where id_hash = $1",
        params![id_hash, now],
    )
}

pub fn set_pending_totp(c: &mut dyn Conn, id_hash: &str, secret: Option<&str>) -> Result<u64> {
    c.execute(
        "update sessions set pending_totp_secret = $2 where id_hash = $1",
        params![id_hash, secret],
    )
}

pub fn delete(c: &mut dyn Conn, id_hash: &str) -> Result<u64> {
    c.execute("delete from sessions where id_hash = $1", params![id_hash])
}

/// Ends every session of a user (deactivation, password change, "sign out all").
pub fn delete_for_user(c: &mut dyn Conn, user_id: UserId) -> Result<u64> {
    c.execute("delete from sessions where user_id = $1", params![user_id])
}

/// Removes sessions past their absolute or idle limit.
pub fn delete_expired(c: &mut dyn Conn, now: Timestamp) -> Result<u64> {
    c.execute(
        "delete from sessions where expires_at <= $1 or last_seen_at + idle_ms <= $1",
        params![now],
    )
}

/// Ends every other session of a user (after a password change).
pub fn delete_for_user_except(c: &mut dyn Conn, user_id: UserId, keep: &str) -> Result<u64> {
    c.execute(
        "delete from sessions where user_id = $1 and id_hash <> $2",
        params![user_id, keep],
    )
}

pub fn count_for_user(c: &mut dyn Conn, user_id: UserId) -> Result<i64> {
    c.query_i64(
        "select count(*) from sessions where user_id = $1",
        params![user_id],
    )
}
