//! The transactional mail outbox. Mail is queued in the same transaction as the
//! change that causes it, then a sender claims it with a lease, so two server
//! copies never send the same message and a crash mid-send leaves it to be retried.

use jiff::Timestamp;
use threshold_domain::ids::MailId;

use crate::conn::{Backend, Conn};
use crate::error::Result;
use crate::params;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStatus {
    Queued,
    Sent,
    /// Gave up after the last retry; stays visible until an administrator retries.
    Failed,
}

impl MailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Queued => "queued",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "queued" => Some(MailStatus::Queued),
            "sent" => Some(MailStatus::Sent),
            "failed" => Some(MailStatus::Failed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct MailRow {
    pub id: MailId,
    pub created_at: Timestamp,
    pub kind: String,
    pub to_addr: String,
    pub subject: String,
    pub body_text: String,
    pub status: MailStatus,
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    pub sent_at: Option<Timestamp>,
}

pub struct NewMail<'a> {
    pub id: MailId,
    pub kind: &'a str,
    pub to_addr: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub now: Timestamp,
}

pub fn enqueue(c: &mut dyn Conn, m: &NewMail<'_>) -> Result<()> {
    c.execute(
        "insert into outbox (id, created_at, kind, to_addr, subject, body_text, status, attempts, next_attempt_at)
         values ($1, $2, $3, $4, $5, $6, 'queued', 0, $2)",
        params![m.id, m.now, m.kind, m.to_addr, m.subject, m.body_text],
    )?;
    Ok(())
}

const COLUMNS: &str =
    "id, created_at, kind, to_addr, subject, body_text, status, attempts, next_attempt_at,
     last_error, sent_at";

fn row(r: &crate::Row) -> Result<MailRow> {
    Ok(MailRow {
        id: r.get(0)?,
        created_at: r.get(1)?,
        kind: r.get(2)?,
        to_addr: r.get(3)?,
        subject: r.get(4)?,
        body_text: r.get(5)?,
        status: r.parse(6, MailStatus::parse)?,
        attempts: r.get(7)?,
        next_attempt_at: r.get(8)?,
        last_error: r.get(9)?,
        sent_at: r.get(10)?,
    })
}

/// Claims up to `limit` due messages for `worker` until `lease_until`. A message
/// whose earlier claim lapsed (its sender died) is due again.
pub fn claim_due(
    c: &mut dyn Conn,
    worker: &str,
    now: Timestamp,
    lease_until: Timestamp,
    limit: i64,
) -> Result<Vec<MailRow>> {
    // PostgreSQL: rows another copy is claiming right now are skipped, not waited
    // for. SQLite has one writer at a time, so the plain form is already exclusive.
    let lock = match c.backend() {
        Backend::Postgres => " for update skip locked",
        Backend::Sqlite => "",
    };
    let ids: Vec<MailId> = c
        .query(
            &format!(
                "select id from outbox
                 where status = 'queued' and next_attempt_at <= $1
                   and (claimed_until is null or claimed_until <= $1)
                 order by next_attempt_at, id limit $2{lock}"
            ),
            params![now, limit],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect::<Result<_>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let n = c.execute(
            "update outbox set claimed_by = $2, claimed_until = $3
             where id = $1 and status = 'queued' and (claimed_until is null or claimed_until <= $4)",
            params![id, worker, lease_until, now],
        )?;
        if n == 1
            && let Some(r) = c.query_opt(
                &format!("select {COLUMNS} from outbox where id = $1"),
                params![id],
            )?
        {
            out.push(row(&r)?);
        }
    }
    Ok(out)
}

/// Records a successful send by the worker that holds the claim.
pub fn mark_sent(c: &mut dyn Conn, id: MailId, worker: &str, now: Timestamp) -> Result<u64> {
    c.execute(
        "update outbox set status = 'sent', sent_at = $3, attempts = attempts + 1, claimed_by = null,
             claimed_until = null, last_error = null
         where id = $1 and claimed_by = $2",
        params![id, worker, now],
    )
}

/// Records a failed attempt: retry at `next_at`, or give up (`failed`) when
/// `give_up`.
pub fn mark_failed_attempt(
    c: &mut dyn Conn,
    id: MailId,
    worker: &str,
    next_at: Timestamp,
    error: &str,
    give_up: bool,
) -> Result<u64> {
    let status = if give_up { "failed" } else { "queued" };
    c.execute(
        "update outbox set status = $3, attempts = attempts + 1, next_attempt_at = $4, last_error = $5,
             claimed_by = null, claimed_until = null
         where id = $1 and claimed_by = $2",
        params![id, worker, status, next_at, error],
    )
}

/// An administrator asks for a failed message to be tried again now: a new series
/// of attempts, with the full backoff.
pub fn retry(c: &mut dyn Conn, id: MailId, now: Timestamp) -> Result<u64> {
    c.execute(
        "update outbox set status = 'queued', attempts = 0, next_attempt_at = $2, claimed_by = null, claimed_until = null
         where id = $1 and status = 'failed'",
        params![id, now],
    )
}

pub fn get(c: &mut dyn Conn, id: MailId) -> Result<Option<MailRow>> {
    c.query_opt(
        &format!("select {COLUMNS} from outbox where id = $1"),
        params![id],
    )?
    .map(|r| row(&r))
    .transpose()
}

/// Newest first.
pub fn list(
    c: &mut dyn Conn,
    status: Option<MailStatus>,
    limit: i64,
    offset: i64,
) -> Result<Vec<MailRow>> {
    match status {
        Some(s) => c.query(
            &format!("select {COLUMNS} from outbox where status = $1 order by created_at desc, id desc limit $2 offset $3"),
            params![s.as_str(), limit, offset],
        )?,
        None => c.query(
            &format!("select {COLUMNS} from outbox order by created_at desc, id desc limit $1 offset $2"),
            params![limit, offset],
        )?,
    }
    .iter()
    .map(row)
    .collect()
}

/// How many messages are in each status: (queued, sent, failed).
pub fn counts(c: &mut dyn Conn) -> Result<(i64, i64, i64)> {
    let mut out = (0, 0, 0);
    for r in c.query(
        "select status, count(*) from outbox group by status",
        params![],
    )? {
        let n: i64 = r.get(1)?;
        match r.parse(0, MailStatus::parse)? {
            MailStatus::Queued => out.0 = n,
            MailStatus::Sent => out.1 = n,
            MailStatus::Failed => out.2 = n,
        }
    }
    Ok(out)
}

/// Mail to one address, newest first (tests and the demo use it to follow links).
pub fn to_address(c: &mut dyn Conn, addr: &str) -> Result<Vec<MailRow>> {
    c.query(
        &format!(
            "select {COLUMNS} from outbox where to_addr = $1 order by created_at desc, id desc"
        ),
        params![addr],
    )?
    .iter()
    .map(row)
    .collect()
}
