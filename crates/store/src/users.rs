//! Accounts (staff and clients), their roles and recovery codes.

use jiff::Timestamp;
use threshold_domain::ids::UserId;
use threshold_domain::{Role, RoleSet};

use crate::conn::Conn;
use crate::error::Result;
use crate::params;
use crate::value::Row;

/// An account as stored.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub is_staff: bool,
    pub password_hash: Option<String>,
    /// Encrypted with the field cipher (bound to this user's id).
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
    pub active: bool,
    pub created_at: Timestamp,
    pub roles: RoleSet,
}

const COLUMNS: &str = "id, email, name, is_staff, password_hash, totp_secret, totp_enabled,
     totp_last_step, active, created_at";

fn row(r: &Row) -> Result<UserRow> {
    Ok(UserRow {
        id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        is_staff: r.get(3)?,
        password_hash: r.get(4)?,
        totp_secret: r.get(5)?,
        totp_enabled: r.get(6)?,
        totp_last_step: r.get(7)?,
        active: r.get(8)?,
        created_at: r.get(9)?,
        roles: RoleSet::empty(),
    })
}

/// What a new account starts with.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub id: UserId,
    pub email: &'a str,
    pub name: &'a str,
    pub roles: &'a [Role],
    pub password_hash: Option<&'a str>,
    pub now: Timestamp,
}

pub fn insert(c: &mut dyn Conn, u: &NewUser<'_>) -> Result<()> {
    let is_staff = u.roles.iter().any(|r| r.is_staff());
    c.execute(
        "insert into users (id, email, name, search_name, is_staff, password_hash, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $7)",
        params![u.id, u.email, u.name, u.name.to_lowercase(), is_staff, u.password_hash, u.now],
    )?;
    set_roles(c, u.id, u.roles)
}

pub fn roles_of(c: &mut dyn Conn, id: UserId) -> Result<RoleSet> {
    let mut set = RoleSet::empty();
    for r in c.query(
        "select role from user_roles where user_id = $1",
        params![id],
    )? {
        if let Ok(role) = r.get::<String>(0)?.parse::<Role>() {
            set.insert(role);
        }
    }
    Ok(set)
}

pub fn set_roles(c: &mut dyn Conn, id: UserId, roles: &[Role]) -> Result<()> {
    c.execute("delete from user_roles where user_id = $1", params![id])?;
    for r in roles {
        c.execute(
            "insert into user_roles (user_id, role) values ($1, $2) on conflict do nothing",
            params![id, r.as_str()],
        )?;
    }
    Ok(())
}

fn with_roles(c: &mut dyn Conn, r: Option<Row>) -> Result<Option<UserRow>> {
    match r {
        Some(r) => {
            let mut u = row(&r)?;
            u.roles = roles_of(c, u.id)?;
            Ok(Some(u))
        }
        None => Ok(None),
    }
}

pub fn get(c: &mut dyn Conn, id: UserId) -> Result<Option<UserRow>> {
    let r = c.query_opt(
        &format!("select {COLUMNS} from users where id = $1"),
        params![id],
    )?;
    with_roles(c, r)
}

/// `email` must already be lowercased (see `threshold_domain::text::Email`).
pub fn find_by_email(c: &mut dyn Conn, email: &str) -> Result<Option<UserRow>> {
    let r = c.query_opt(
        &format!("select {COLUMNS} from users where email = $1"),
        params![email],
    )?;
    with_roles(c, r)
}

/// Staff accounts (or all accounts), by name.
pub fn list(c: &mut dyn Conn, staff_only: bool) -> Result<Vec<UserRow>> {
    let sql = format!(
        "select {COLUMNS} from users where ($1 = false or is_staff) order by search_name, email"
    );
    let rows = c.query(&sql, params![staff_only])?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut u = row(&r)?;
        u.roles = roles_of(c, u.id)?;
        out.push(u);
    }
    Ok(out)
}

/// Active staff holding `role`, by name (for assignment pickers).
pub fn with_role(c: &mut dyn Conn, role: Role) -> Result<Vec<(UserId, String)>> {
    c.query(
        "select u.id, u.name from users u join user_roles r on r.user_id = u.id
         where r.role = $1 and u.active order by u.search_name",
        params![role.as_str()],
    )?
    .iter()
    .map(|r| Ok((r.get(0)?, r.get(1)?)))
    .collect()
}

pub fn set_password(c: &mut dyn Conn, id: UserId, hash: &str, now: Timestamp) -> Result<u64> {
    c.execute(
        "update users set password_hash = $2, updated_at = $3 where id = $1",
        params![id, hash, now],
    )
}

pub fn set_name(c: &mut dyn Conn, id: UserId, name: &str, now: Timestamp) -> Result<u64> {
    c.execute(
        "update users set name = $2, search_name = $3, updated_at = $4 where id = $1",
        params![id, name, name.to_lowercase(), now],
    )
}

/// Turns the second factor on with `secret` (encrypted), or off with `None`.
pub fn set_totp(c: &mut dyn Conn, id: UserId, secret: Option<&str>, now: Timestamp) -> Result<u64> {
    c.execute(
        "update users set totp_secret = $2, totp_enabled = $3, totp_last_step = null, updated_at = $4
         where id = $1",
        params![id, secret, secret.is_some(), now],
    )
}

/// Records that the code for time step `step` was used; refuses (returns false)
/// a step at or before the last one used, so a code works once (RFC 6238 §5.2).
pub fn use_totp_step(c: &mut dyn Conn, id: UserId, step: i64) -> Result<bool> {
    let n = c.execute(
        "update users set totp_last_step = $2
         where id = $1 and (totp_last_step is null or totp_last_step < $2)",
        params![id, step],
    )?;
    Ok(n == 1)
}

pub fn set_active(c: &mut dyn Conn, id: UserId, active: bool, now: Timestamp) -> Result<u64> {
    c.execute(
        "update users set active = $2, updated_at = $3 where id = $1",
        params![id, active, now],
    )
}

/// Replaces the user's recovery codes with these (hashed) ones.
pub fn replace_recovery_codes(c: &mut dyn Conn, id: UserId, hashes: &[String]) -> Result<()> {
    c.execute("delete from recovery_codes where user_id = $1", params![id])?;
    for h in hashes {
        c.execute(
            "insert into recovery_codes (user_id, code_hash) values ($1, $2)",
            params![id, h],
        )?;
    }
    Ok(())
}

/// Uses an unused code; false if it is unknown or already used.
pub fn use_recovery_code(c: &mut dyn Conn, id: UserId, hash: &str, now: Timestamp) -> Result<bool> {
    let n = c.execute(
        "update recovery_codes set used_at = $3 where user_id = $1 and code_hash = $2 and used_at is null",
        params![id, hash, now],
    )?;
    Ok(n == 1)
}

pub fn unused_recovery_codes(c: &mut dyn Conn, id: UserId) -> Result<i64> {
    c.query_i64(
        "select count(*) from recovery_codes where user_id = $1 and used_at is null",
        params![id],
    )
}

pub fn count(c: &mut dyn Conn) -> Result<i64> {
    c.query_i64("select count(*) from users", params![])
}

/// Names of the accounts with these ids (for showing who did what).
pub fn names(c: &mut dyn Conn, ids: &[String]) -> Result<Vec<(String, String)>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(r) = c.query_opt(
            "select id, name from users where id = $1",
            params![id.as_str()],
        )? {
            out.push((r.get(0)?, r.get(1)?));
        }
    }
    Ok(out)
}
