//! Single-use, expiring password-reset links. Only the token's hash is stored.

use jiff::Timestamp;
use threshold_domain::ids::UserId;

use crate::conn::Conn;
use crate::error::Result;
use crate::params;

pub fn insert(
    c: &mut dyn Conn,
    token_hash: &str,
    user_id: UserId,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<()> {
    c.execute(
        "insert into password_resets (token_hash, user_id, created_at, expires_at) values ($1, $2, $3, $4)",
        params![token_hash, user_id, now, expires_at],
    )?;
    Ok(())
}

/// The user a still-valid link belongs to.
pub fn valid_user(c: &mut dyn Conn, token_hash: &str, now: Timestamp) -> Result<Option<UserId>> {
    c.query_opt(
        "select user_id from password_resets where token_hash = $1 and used_at is null and expires_at > $2",
        params![token_hash, now],
    )?
    .map(|r| r.get(0))
    .transpose()
}

/// Marks the link used; false if it was used (or expired) in the meantime.
pub fn consume(c: &mut dyn Conn, token_hash: &str, now: Timestamp) -> Result<bool> {
    let n = c.execute(
        "update password_resets set used_at = $2 where token_hash = $1 and used_at is null and expires_at > $2",
        params![token_hash, now],
    )?;
    Ok(n == 1)
}

/// Ends every open link of a user (a new one was sent, or the password changed).
pub fn invalidate_for_user(c: &mut dyn Conn, user_id: UserId, now: Timestamp) -> Result<u64> {
    c.execute(
        "update password_resets set used_at = $2 where user_id = $1 and used_at is null",
        params![user_id, now],
    )
}
