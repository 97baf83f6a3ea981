//! Consultation requests, their history, and the coordinator's queue.

use jiff::Timestamp;
use threshold_domain::ids::{ClientId, InquiryEventId, InquiryId, UserId};
use threshold_domain::inquiry::{
    ClosedReason, ContactMethod, ContactOutcome, InquirySource, InquiryStatus,
};

use crate::builder::Query;
use crate::conn::Conn;
use crate::error::Result;
use crate::params;
use crate::value::Row;

/// An inquiry as stored. `reason_enc` is the field cipher's output.
#[derive(Debug, Clone)]
pub struct InquiryRow {
    pub id: InquiryId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub preferred_contact: ContactMethod,
    pub reason_enc: String,
    pub heard_from: Option<String>,
    pub consent_at: Timestamp,
    pub source: InquirySource,
    pub entered_by: Option<UserId>,
    pub entered_by_name: Option<String>,
    pub status: InquiryStatus,
    pub closed_reason: Option<ClosedReason>,
    pub assigned_to: Option<UserId>,
    pub assigned_name: Option<String>,
    pub client_id: Option<ClientId>,
}

pub struct NewInquiryRow<'a> {
    pub id: InquiryId,
    pub now: Timestamp,
    pub name: &'a str,
    pub search_name: &'a str,
    pub email: &'a str,
    pub phone: Option<&'a str>,
    pub preferred_contact: ContactMethod,
    pub reason_enc: &'a str,
    pub heard_from: Option<&'a str>,
    pub source: InquirySource,
    pub entered_by: Option<UserId>,
}

/// Adds `delta` to the number of inquiries in `status`.
fn count_status(c: &mut dyn Conn, status: InquiryStatus, delta: i64) -> Result<()> {
    c.execute(
        "insert into inquiry_status_counts (status, n) values ($1, $2)
         on conflict (status) do update set n = inquiry_status_counts.n + excluded.n",
        params![status.as_str(), delta],
    )?;
    Ok(())
}

pub fn insert(c: &mut dyn Conn, i: &NewInquiryRow<'_>) -> Result<()> {
    count_status(c, InquiryStatus::New, 1)?;
    c.execute(
        "insert into inquiries (id, created_at, updated_at, name, search_name, email, phone,
             preferred_contact, reason_enc, heard_from, consent_at, source, entered_by, status)
         values ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $2, $10, $11, 'new')",
        params![
            i.id,
            i.now,
            i.name,
            i.search_name,
            i.email,
            i.phone,
            i.preferred_contact.as_str(),
            i.reason_enc,
            i.heard_from,
            i.source.as_str(),
            i.entered_by
        ],
    )?;
    Ok(())
}

fn parse_contact(s: &str) -> Option<ContactMethod> {
    s.parse().ok()
}
fn parse_status(s: &str) -> Option<InquiryStatus> {
    s.parse().ok()
}

pub fn get(c: &mut dyn Conn, id: InquiryId) -> Result<Option<InquiryRow>> {
    let Some(r) = c.query_opt(
        "select i.id, i.created_at, i.updated_at, i.name, i.email, i.phone, i.preferred_contact,
                i.reason_enc, i.heard_from, i.consent_at, i.source, i.entered_by, e.name, i.status,
                i.closed_reason, i.assigned_to, a.name, cl.id
         from inquiries i
         left join users e on e.id = i.entered_by
         left join users a on a.id = i.assigned_to
         left join clients cl on cl.inquiry_id = i.id
         where i.id = $1",
        params![id],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(InquiryRow {
        id: r.get(0)?,
        created_at: r.get(1)?,
        updated_at: r.get(2)?,
        name: r.get(3)?,
        email: r.get(4)?,
        phone: r.get(5)?,
        preferred_contact: r.parse(6, parse_contact)?,
        reason_enc: r.get(7)?,
        heard_from: r.get(8)?,
        consent_at: r.get(9)?,
        source: r.parse(10, InquirySource::parse)?,
        entered_by: r.get(11)?,
        entered_by_name: r.get(12)?,
        status: r.parse(13, parse_status)?,
        closed_reason: r
            .get::<Option<String>>(14)?
            .and_then(|s| s.parse::<ClosedReason>().ok()),
        assigned_to: r.get(15)?,
        assigned_name: r.get(16)?,
        client_id: r.get(17)?,
    }))
}

/// The order of the queue. Only these; a request cannot name a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Newest,
    Oldest,
    Name,
}

impl Sort {
    fn order_by(self) -> &'static str {
        match self {
            Sort::Newest => " order by i.created_at desc, i.id desc",
            Sort::Oldest => " order by i.created_at asc, i.id asc",
            Sort::Name => " order by i.search_name asc, i.id asc",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: Option<InquiryStatus>,
    /// Only open inquiries (new, contacted, consultation booked).
    pub open_only: bool,
    /// Case-insensitive part of the name.
    pub name_contains: Option<String>,
    pub assigned_to: Option<UserId>,
    pub sort: Sort,
}

/// One line of the queue.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub id: InquiryId,
    pub created_at: Timestamp,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub preferred_contact: ContactMethod,
    pub status: InquiryStatus,
    pub source: InquirySource,
    pub assigned_name: Option<String>,
}

fn filtered(base: &str, f: &QueueFilter) -> Query {
    let mut q = Query::new(base);
    if let Some(s) = f.status {
        let p = q.arg(s.as_str());
        q.push(&format!(" and i.status = {p}"));
    } else if f.open_only {
        q.push(" and i.is_open = true");
    }
    if let Some(n) = &f.name_contains {
        // Escape LIKE's wildcards so a search for "50%" means the characters.
        let escaped = n
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let p = q.arg(format!("%{escaped}%"));
        q.push(&format!(" and i.search_name like {p} escape '\\'"));
    }
    if let Some(a) = f.assigned_to {
        let p = q.arg(a);
        q.push(&format!(" and i.assigned_to = {p}"));
    }
    q
}

/// A page of the queue and the total number of matches.
pub fn queue(
    c: &mut dyn Conn,
    f: &QueueFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<QueueItem>, i64)> {
    let total = if f.name_contains.is_none() && f.assigned_to.is_none() {
        // Kept per status in the same transactions as the changes: no table count.
        let counts = status_totals(c)?;
        let of = |s: InquiryStatus| counts.iter().find(|(k, _)| *k == s).map_or(0, |(_, n)| *n);
        match (f.status, f.open_only) {
            (Some(s), _) => of(s),
            (None, true) => InquiryStatus::ALL
                .iter()
                .filter(|s| s.is_open())
                .map(|s| of(*s))
                .sum(),
            (None, false) => counts.iter().map(|(_, n)| n).sum(),
        }
    } else {
        let q = filtered("select count(*) from inquiries i where 1 = 1", f);
        c.query_i64(&q.sql, &q.args)?
    };
    let mut q = filtered(
        // The assignee's name by a keyed lookup per row: with a left join SQLite's
        // planner may scan the users table for every row (several times slower).
        "select i.id, i.created_at, i.name, i.email, i.phone, i.preferred_contact, i.status, i.source,
                (select a.name from users a where a.id = i.assigned_to)
         from inquiries i where 1 = 1",
        f,
    );
    q.push(f.sort.order_by());
    // Written into the text rather than bound: SQLite plans a literal LIMIT as a
    // short ordered index walk (about half the time of a bound one, measured).
    // Both are integers, so nothing a person typed reaches the text.
    q.push(&format!(" limit {} offset {}", limit.max(0), offset.max(0)));
    let items = c
        .query(&q.sql, &q.args)?
        .into_iter()
        .map(|mut r: Row| {
            Ok(QueueItem {
                id: r.get(0)?,
                created_at: r.get(1)?,
                name: r.take(2)?,
                email: r.take(3)?,
                phone: r.take(4)?,
                preferred_contact: r.parse(5, parse_contact)?,
                status: r.parse(6, parse_status)?,
                source: r.parse(7, InquirySource::parse)?,
                assigned_name: r.take(8)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((items, total))
}

pub fn set_status(
    c: &mut dyn Conn,
    id: InquiryId,
    status: InquiryStatus,
    closed_reason: Option<ClosedReason>,
    now: Timestamp,
) -> Result<u64> {
    let Some(before) = c.query_opt("select status from inquiries where id = $1", params![id])?
    else {
        return Ok(0);
    };
    let before = before.parse(0, parse_status)?;
    let n = c.execute(
        "update inquiries set status = $2, closed_reason = $3, updated_at = $4 where id = $1",
        params![
            id,
            status.as_str(),
            closed_reason.map(ClosedReason::as_str),
            now
        ],
    )?;
    if before != status {
        count_status(c, before, -1)?;
        count_status(c, status, 1)?;
    }
    Ok(n)
}

pub fn assign(c: &mut dyn Conn, id: InquiryId, to: Option<UserId>, now: Timestamp) -> Result<u64> {
    c.execute(
        "update inquiries set assigned_to = $2, updated_at = $3 where id = $1",
        params![id, to, now],
    )
}

/// What kind of thing happened to an inquiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Created,
    Assigned,
    Contact,
    Status,
    Converted,
    Invited,
    InvitationRevoked,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::Assigned => "assigned",
            EventKind::Contact => "contact",
            EventKind::Status => "status",
            EventKind::Converted => "converted",
            EventKind::Invited => "invited",
            EventKind::InvitationRevoked => "invitation-revoked",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        [
            EventKind::Created,
            EventKind::Assigned,
            EventKind::Contact,
            EventKind::Status,
            EventKind::Converted,
            EventKind::Invited,
            EventKind::InvitationRevoked,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One entry of an inquiry's history.
#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    pub contact_method: Option<ContactMethod>,
    pub contact_outcome: Option<ContactOutcome>,
    pub note_enc: Option<String>,
    pub from_status: Option<InquiryStatus>,
    pub to_status: Option<InquiryStatus>,
    pub closed_reason: Option<ClosedReason>,
    pub assigned_to: Option<UserId>,
}

pub fn add_event(
    c: &mut dyn Conn,
    id: InquiryEventId,
    inquiry: InquiryId,
    kind: EventKind,
    actor: Option<UserId>,
    now: Timestamp,
    e: &NewEvent,
) -> Result<()> {
    c.execute(
        "insert into inquiry_events (id, inquiry_id, at, actor_id, kind, contact_method, contact_outcome,
             note_enc, from_status, to_status, closed_reason, assigned_to)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        params![
            id,
            inquiry,
            now,
            actor,
            kind.as_str(),
            e.contact_method.map(ContactMethod::as_str),
            e.contact_outcome.map(ContactOutcome::as_str),
            e.note_enc.clone(),
            e.from_status.map(InquiryStatus::as_str),
            e.to_status.map(InquiryStatus::as_str),
            e.closed_reason.map(ClosedReason::as_str),
            e.assigned_to
        ],
    )?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct EventRow {
    pub id: InquiryEventId,
    pub at: Timestamp,
    pub actor_name: Option<String>,
    pub kind: EventKind,
    pub contact_method: Option<ContactMethod>,
    pub contact_outcome: Option<ContactOutcome>,
    pub note_enc: Option<String>,
    pub from_status: Option<InquiryStatus>,
    pub to_status: Option<InquiryStatus>,
    pub closed_reason: Option<ClosedReason>,
    pub assigned_name: Option<String>,
}

/// The history, oldest first.
pub fn events(c: &mut dyn Conn, inquiry: InquiryId) -> Result<Vec<EventRow>> {
    c.query(
        "select e.id, e.at, u.name, e.kind, e.contact_method, e.contact_outcome, e.note_enc,
                e.from_status, e.to_status, e.closed_reason, a.name
         from inquiry_events e
         left join users u on u.id = e.actor_id
         left join users a on a.id = e.assigned_to
         where e.inquiry_id = $1 order by e.at, e.id",
        params![inquiry],
    )?
    .iter()
    .map(|r| {
        let opt = |i: usize| -> Result<Option<String>> { r.get(i) };
        Ok(EventRow {
            id: r.get(0)?,
            at: r.get(1)?,
            actor_name: r.get(2)?,
            kind: r.parse(3, EventKind::parse)?,
            contact_method: opt(4)?.and_then(|s| s.parse().ok()),
            contact_outcome: opt(5)?.and_then(|s| s.parse().ok()),
            note_enc: r.get(6)?,
            from_status: opt(7)?.and_then(|s| s.parse().ok()),
            to_status: opt(8)?.and_then(|s| s.parse().ok()),
            closed_reason: opt(9)?.and_then(|s| s.parse().ok()),
            assigned_name: r.get(10)?,
        })
    })
    .collect()
}

pub fn count(c: &mut dyn Conn) -> Result<i64> {
    c.query_i64("select count(*) from inquiries", params![])
}

/// The number of inquiries in each status.
pub fn status_totals(c: &mut dyn Conn) -> Result<Vec<(InquiryStatus, i64)>> {
    c.query("select status, n from inquiry_status_counts", params![])?
        .iter()
        .map(|r| Ok((r.parse(0, parse_status)?, r.get(1)?)))
        .collect()
}

/// How many inquiries are new, open, and open and assigned to `user`.
pub fn status_counts(c: &mut dyn Conn, user: UserId) -> Result<(i64, i64, i64)> {
    let totals = status_totals(c)?;
    let new = totals
        .iter()
        .filter(|(s, _)| *s == InquiryStatus::New)
        .map(|(_, n)| n)
        .sum();
    let open = totals
        .iter()
        .filter(|(s, _)| s.is_open())
        .map(|(_, n)| n)
        .sum();
    let mine = c.query_i64(
        "select count(*) from inquiries where assigned_to = $1 and is_open = true",
        params![user],
    )?;
    Ok((new, open, mine))
}
