//! Private calendar feeds: one active per owner (`user:<id>` or `client:<id>`),
//! found by the SHA-256 of the token in its URL. The token itself is never stored.

use jiff::Timestamp;

use crate::conn::Conn;
use crate::error::Result;
use crate::{Row, params};

#[derive(Debug, Clone)]
pub struct FeedRow {
    pub id: String,
    /// `user:<id>` or `client:<id>`.
    pub owner: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

const COLUMNS: &str = "id, owner, created_at, revoked_at";

fn row(mut r: Row) -> Result<FeedRow> {
    Ok(FeedRow {
        id: r.take(0)?,
        owner: r.take(1)?,
        created_at: r.get(2)?,
        revoked_at: r.get(3)?,
    })
}

/// Stores a new active feed. Fails with a unique violation when the owner still
/// has an active one (revoke it first, in the same transaction).
pub fn insert(
    c: &mut dyn Conn,
    id: &str,
    owner: &str,
    token_hash: &str,
    now: Timestamp,
) -> Result<()> {
    c.execute(
        "insert into calendar_feeds (id, owner, token_hash, created_at) values ($1, $2, $3, $4)",
        params![id, owner, token_hash, now],
    )?;
    Ok(())
}

/// Revokes the owner's active feed; the number revoked (0 or 1).
pub fn revoke_for_owner(c: &mut dyn Conn, owner: &str, now: Timestamp) -> Result<u64> {
    c.execute(
        "update calendar_feeds set revoked_at = $2 where owner = $1 and revoked_at is null",
        params![owner, now],
    )
}

/// The owner's active feed, if any.
pub fn active_for_owner(c: &mut dyn Conn, owner: &str) -> Result<Option<FeedRow>> {
    c.query_opt(
        &format!("select {COLUMNS} from calendar_feeds where owner = $1 and revoked_at is null"),
        params![owner],
    )?
    .map(row)
    .transpose()
}

/// The active feed whose token hashes to `token_hash`; none when unknown or revoked.
pub fn active_by_hash(c: &mut dyn Conn, token_hash: &str) -> Result<Option<FeedRow>> {
    c.query_opt(
        &format!(
            "select {COLUMNS} from calendar_feeds where token_hash = $1 and revoked_at is null"
        ),
        params![token_hash],
    )?
    .map(row)
    .transpose()
}
