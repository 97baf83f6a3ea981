//! The audit trail: append (in the caller's transaction), browse, and walk in order
//! for verification.

use threshold_domain::audit::{AuditRecord, ChainedRecord, GENESIS};

use crate::builder::Query;
use crate::conn::{Backend, Conn};
use crate::error::Result;
use crate::params;
use crate::value::Row;

/// The key of the PostgreSQL advisory lock that makes the chain one line even with
/// several server copies writing at once. Held until the transaction ends, so
/// append as the last statement of a transaction.
const CHAIN_LOCK: i64 = 0x0061_7564_6974; // "audit"

/// Appends `entry` (its `seq` is assigned here) and returns the stored sequence
/// number. Must run inside the transaction of the change it records.
pub fn append(c: &mut dyn Conn, mut entry: AuditRecord) -> Result<i64> {
    if c.backend() == Backend::Postgres {
        c.query("select pg_advisory_xact_lock($1)", params![CHAIN_LOCK])?;
    }
    let head = c.query_opt("select seq, hash from audit_head where id = 1", params![])?;
    let (prev_seq, prev_hash) = match head {
        Some(r) => (r.get::<i64>(0)?, r.get::<String>(1)?),
        None => (0, GENESIS.to_owned()),
    };
    entry.seq = prev_seq + 1;
    let hash = entry.chain_hash(&prev_hash);
    c.execute(
        "insert into audit_log (seq, at, actor_user_id, actor_roles, action, outcome, subject_type,
             subject_ids, client_id, request_id, source_ip, detail, prev_hash, hash)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        params![
            entry.seq,
            entry.at_ms,
            entry.actor_user_id.clone(),
            entry.actor_roles.clone(),
            entry.action.clone(),
            entry.outcome.clone(),
            entry.subject_type.clone(),
            entry.subject_ids.clone(),
            entry.client_id.clone(),
            entry.request_id.clone(),
            entry.source_ip.clone(),
            entry.detail.clone(),
            prev_hash,
            hash.clone()
        ],
    )?;
    c.execute(
        "insert into audit_head (id, seq, hash) values (1, $1, $2)
         on conflict (id) do update set seq = excluded.seq, hash = excluded.hash",
        params![entry.seq, hash],
    )?;
    Ok(entry.seq)
}

const COLUMNS: &str =
    "seq, at, actor_user_id, actor_roles, action, outcome, subject_type, subject_ids,
     client_id, request_id, source_ip, detail, prev_hash, hash";

fn chained(r: &Row) -> Result<ChainedRecord> {
    Ok(ChainedRecord {
        record: AuditRecord {
            seq: r.get(0)?,
            at_ms: r.get(1)?,
            actor_user_id: r.get(2)?,
            actor_roles: r.get(3)?,
            action: r.get(4)?,
            outcome: r.get(5)?,
            subject_type: r.get(6)?,
            subject_ids: r.get(7)?,
            client_id: r.get(8)?,
            request_id: r.get(9)?,
            source_ip: r.get(10)?,
            detail: r.get(11)?,
        },
        prev_hash: r.get(12)?,
        hash: r.get(13)?,
    })
}

/// Entries with `seq > after`, oldest first, at most `limit`: the verifier walks
/// the whole chain in pages without holding it all in memory.
pub fn page_after(c: &mut dyn Conn, after: i64, limit: i64) -> Result<Vec<ChainedRecord>> {
    let sql = format!("select {COLUMNS} from audit_log where seq > $1 order by seq limit $2");
    c.query(&sql, params![after, limit])?
        .iter()
        .map(chained)
        .collect()
}

/// The head the chain recorded separately (catches removal of the newest rows).
pub fn head(c: &mut dyn Conn) -> Result<Option<(i64, String)>> {
    c.query_opt("select seq, hash from audit_head where id = 1", params![])?
        .map(|r| Ok((r.get(0)?, r.get(1)?)))
        .transpose()
}

/// What an administrator filters the trail by. Every field is optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_user_id: Option<String>,
    /// Exact action name, or a prefix ending in `.` (`inquiry.`).
    pub action: Option<String>,
    pub client_id: Option<String>,
    pub subject_id: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Keyset pagination: only entries older than this sequence number.
    pub before_seq: Option<i64>,
}

/// Newest first, at most `limit`.
pub fn search(c: &mut dyn Conn, f: &AuditFilter, limit: i64) -> Result<Vec<ChainedRecord>> {
    let mut q = Query::new(&format!("select {COLUMNS} from audit_log where 1 = 1"));
    if let Some(a) = &f.actor_user_id {
        let p = q.arg(a);
        q.push(&format!(" and actor_user_id = {p}"));
    }
    if let Some(a) = &f.action {
        if let Some(prefix) = a.strip_suffix('.') {
            let p = q.arg(format!("{prefix}.%"));
            q.push(&format!(" and action like {p}"));
        } else {
            let p = q.arg(a);
            q.push(&format!(" and action = {p}"));
        }
    }
    if let Some(cl) = &f.client_id {
        let p = q.arg(cl);
        q.push(&format!(" and client_id = {p}"));
    }
    if let Some(s) = &f.subject_id {
        let exact = q.arg(s);
        let within = q.arg(format!("%{s}%"));
        q.push(&format!(
            " and (subject_ids = {exact} or subject_ids like {within})"
        ));
    }
    if let Some(t) = f.from_ms {
        let p = q.arg(t);
        q.push(&format!(" and at >= {p}"));
    }
    if let Some(t) = f.to_ms {
        let p = q.arg(t);
        q.push(&format!(" and at < {p}"));
    }
    if let Some(s) = f.before_seq {
        let p = q.arg(s);
        q.push(&format!(" and seq < {p}"));
    }
    let p = q.arg(limit);
    q.push(&format!(" order by seq desc limit {p}"));
    c.query(&q.sql, &q.args)?.iter().map(chained).collect()
}

/// How many entries the trail holds.
pub fn count(c: &mut dyn Conn) -> Result<i64> {
    c.query_i64("select count(*) from audit_log", params![])
}
