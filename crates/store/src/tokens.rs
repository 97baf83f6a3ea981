//! Staff API tokens. Only a SHA-256 of the token is stored.

use jiff::Timestamp;
use threshold_domain::ids::{TokenId, UserId};

use crate::conn::Conn;
use crate::error::Result;
use crate::params;

#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: TokenId,
    pub user_id: UserId,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

pub fn insert(
    c: &mut dyn Conn,
    id: TokenId,
    user_id: UserId,
    name: &str,
    token_hash: &str,
    now: Timestamp,
) -> Result<()> {
    c.execute(
        "insert into api_tokens (id, user_id, name, token_hash, created_at) values ($1, $2, $3, $4, $5)",
        params![id, user_id, name, token_hash, now],
    )?;
    Ok(())
}

const COLUMNS: &str = "id, user_id, name, created_at, last_used_at, revoked_at";

fn row(r: &crate::Row) -> Result<TokenRow> {
    Ok(TokenRow {
        id: r.get(0)?,
        user_id: r.get(1)?,
        name: r.get(2)?,
        created_at: r.get(3)?,
        last_used_at: r.get(4)?,
        revoked_at: r.get(5)?,
    })
}

pub fn find_by_hash(c: &mut dyn Conn, token_hash: &str) -> Result<Option<TokenRow>> {
    c.query_opt(
        &format!("select {COLUMNS} from api_tokens where token_hash = $1"),
        params![token_hash],
    )?
    .map(|r| row(&r))
    .transpose()
}

pub fn get(c: &mut dyn Conn, id: TokenId) -> Result<Option<TokenRow>> {
    c.query_opt(
        &format!("select {COLUMNS} from api_tokens where id = $1"),
        params![id],
    )?
    .map(|r| row(&r))
    .transpose()
}

pub fn list_for_user(c: &mut dyn Conn, user_id: UserId) -> Result<Vec<TokenRow>> {
    c.query(
        &format!("select {COLUMNS} from api_tokens where user_id = $1 order by created_at desc"),
        params![user_id],
    )?
    .iter()
    .map(row)
    .collect()
}

/// Records use, at most once a minute per token, so a busy integration does not
/// turn every read into a write.
pub fn touch(c: &mut dyn Conn, id: TokenId, now: Timestamp) -> Result<u64> {
    c.execute(
        "update api_tokens set last_used_at = $2
         where id = $1 and (last_used_at is null or last_used_at < $3)",
        params![id, now, now.as_millisecond() - 60_000],
    )
}

pub fn revoke(c: &mut dyn Conn, id: TokenId, now: Timestamp) -> Result<u64> {
    c.execute(
        "update api_tokens set revoked_at = $2 where id = $1 and revoked_at is null",
        params![id, now],
    )
}

pub fn revoke_all_for_user(c: &mut dyn Conn, user_id: UserId, now: Timestamp) -> Result<u64> {
    c.execute(
        "update api_tokens set revoked_at = $2 where user_id = $1 and revoked_at is null",
        params![user_id, now],
    )
}
