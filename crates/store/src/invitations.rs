//! One-time invitations with which a new client sets their password.

use jiff::Timestamp;
use threshold_domain::ids::{InvitationId, UserId};

use crate::conn::Conn;
use crate::error::Result;
use crate::params;

#[derive(Debug, Clone)]
pub struct InvitationRow {
    pub id: InvitationId,
    pub user_id: UserId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub accepted_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl InvitationRow {
    pub fn is_open(&self, now: Timestamp) -> bool {
        self.accepted_at.is_none() && self.revoked_at.is_none() && self.expires_at > now
    }
}

const COLUMNS: &str = "id, user_id, created_at, expires_at, accepted_at, revoked_at";

fn row(r: &crate::Row) -> Result<InvitationRow> {
    Ok(InvitationRow {
        id: r.get(0)?,
        user_id: r.get(1)?,
        created_at: r.get(2)?,
        expires_at: r.get(3)?,
        accepted_at: r.get(4)?,
        revoked_at: r.get(5)?,
    })
}

pub fn insert(
    c: &mut dyn Conn,
    id: InvitationId,
    user_id: UserId,
    token_hash: &str,
    now: Timestamp,
    expires_at: Timestamp,
    created_by: Option<UserId>,
) -> Result<()> {
    c.execute(
        "insert into invitations (id, user_id, token_hash, created_at, expires_at, created_by)
         values ($1, $2, $3, $4, $5, $6)",
        params![id, user_id, token_hash, now, expires_at, created_by],
    )?;
    Ok(())
}

pub fn find_by_hash(c: &mut dyn Conn, token_hash: &str) -> Result<Option<InvitationRow>> {
    c.query_opt(
        &format!("select {COLUMNS} from invitations where token_hash = $1"),
        params![token_hash],
    )?
    .map(|r| row(&r))
    .transpose()
}

/// The newest invitation of a user.
pub fn latest_for_user(c: &mut dyn Conn, user_id: UserId) -> Result<Option<InvitationRow>> {
    c.query_opt(
        &format!("select {COLUMNS} from invitations where user_id = $1 order by created_at desc, id desc limit 1"),
        params![user_id],
    )?
    .map(|r| row(&r))
    .transpose()
}

/// Revokes every invitation of the user that is still open.
pub fn revoke_open(c: &mut dyn Conn, user_id: UserId, now: Timestamp) -> Result<u64> {
    c.execute(
        "update invitations set revoked_at = $2
         where user_id = $1 and accepted_at is null and revoked_at is null",
        params![user_id, now],
    )
}

/// Marks an open invitation accepted; false if it is no longer open.
pub fn accept(c: &mut dyn Conn, id: InvitationId, now: Timestamp) -> Result<bool> {
    let n = c.execute(
        "update invitations set accepted_at = $2
         where id = $1 and accepted_at is null and revoked_at is null and expires_at > $2",
        params![id, now],
    )?;
    Ok(n == 1)
}
