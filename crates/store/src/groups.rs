//! Group storage: the rosters of group medicine sessions and integration circle
//! meetings, circle series with their enrolled members, the waitlist, and
//! rescheduling.

use jiff::Timestamp;
use threshold_domain::ids::{ClientId, JourneyId, LocationId, UserId};

use crate::conn::Conn;
use crate::error::Result;
use crate::params;
use crate::schedule::hold_cells;
use crate::value::Value;

// ---- rosters ----------------------------------------------------------------

/// One member on a group appointment's roster.
#[derive(Debug, Clone)]
pub struct MemberRow {
    pub appointment_id: String,
    pub client_id: ClientId,
    pub client_name: String,
    pub journey_id: Option<JourneyId>,
    pub seat: i64,
    /// `member`, `enrolled` or `drop-in`.
    pub mode: String,
    /// `attended`, `absent`, or none yet.
    pub attendance: Option<String>,
}

/// A group appointment's roster, by name.
pub fn members(c: &mut dyn Conn, appointment: &str) -> Result<Vec<MemberRow>> {
    c.query(
        "select m.appointment_id, m.client_id, cl.name, m.journey_id, m.seat, m.mode, m.attendance
         from appointment_members m join clients cl on cl.id = m.client_id
         where m.appointment_id = $1 order by cl.name, m.client_id",
        params![appointment],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(MemberRow {
            appointment_id: r.take(0)?,
            client_id: r.get(1)?,
            client_name: r.take(2)?,
            journey_id: r.get(3)?,
            seat: r.get(4)?,
            mode: r.take(5)?,
            attendance: r.take(6)?,
        })
    })
    .collect()
}

/// What adding a member came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    Added,
    /// Every seat up to the capacity is taken.
    Full,
    /// Already on the roster.
    Already,
    /// The appointment is no longer booked (cancelled meanwhile).
    Closed,
}

/// Adds a member in the lowest free seat and holds their time. A race for the
/// last seat fails with a unique violation (the seat) in the caller's
/// transaction; a member booked elsewhere at the time fails on their cells.
#[allow(clippy::too_many_arguments)]
pub fn add_member(
    c: &mut dyn Conn,
    appointment: &str,
    client: ClientId,
    journey: Option<JourneyId>,
    mode: &str,
    capacity: i64,
    (starts_at, ends_at): (Timestamp, Timestamp),
    by: UserId,
    now: Timestamp,
) -> Result<Added> {
    // Still booked? The update also locks the appointment's row on PostgreSQL,
    // so a cancellation racing this addition waits for it and then releases
    // the new member's cells with everyone else's.
    if c.execute(
        "update appointments set updated_at = $2 where id = $1 and status = 'booked'",
        params![appointment, now],
    )? == 0
    {
        return Ok(Added::Closed);
    }
    let taken: Vec<(ClientId, i64)> = c
        .query(
            "select client_id, seat from appointment_members where appointment_id = $1 order by seat",
            params![appointment],
        )?
        .into_iter()
        .map(|r| Ok((r.get(0)?, r.get(1)?)))
        .collect::<Result<_>>()?;
    if taken.iter().any(|(m, _)| *m == client) {
        return Ok(Added::Already);
    }
    let Some(seat) = (1..=capacity).find(|s| !taken.iter().any(|(_, t)| t == s)) else {
        return Ok(Added::Full);
    };
    c.execute(
        "insert into appointment_members (appointment_id, client_id, journey_id, seat, mode, added_by, added_at)
         values ($1, $2, $3, $4, $5, $6, $7)",
        params![appointment, client, journey, seat, mode, by, now],
    )?;
    hold_cells(
        c,
        appointment,
        &[format!("client:{client}")],
        starts_at,
        ends_at,
    )?;
    Ok(Added::Added)
}

/// Takes a member off a roster and frees their time; false when not on it.
pub fn remove_member(c: &mut dyn Conn, appointment: &str, client: ClientId) -> Result<bool> {
    let n = c.execute(
        "delete from appointment_members where appointment_id = $1 and client_id = $2",
        params![appointment, client],
    )?;
    c.execute(
        "delete from resource_cells where appointment_id = $1 and resource = $2",
        params![appointment, format!("client:{client}")],
    )?;
    Ok(n == 1)
}

/// Records a member's attendance; false when they are not on the roster.
pub fn set_attendance(
    c: &mut dyn Conn,
    appointment: &str,
    client: ClientId,
    attendance: &str,
) -> Result<bool> {
    Ok(c.execute(
        "update appointment_members set attendance = $3 where appointment_id = $1 and client_id = $2",
        params![appointment, client, attendance],
    )? == 1)
}

// ---- circle series ----------------------------------------------------------

#[derive(Debug, Clone)]
pub struct SeriesRow {
    pub id: String,
    pub name: String,
    pub location_id: LocationId,
    pub capacity: i64,
}

pub fn insert_series(c: &mut dyn Conn, s: &SeriesRow, by: UserId, now: Timestamp) -> Result<()> {
    c.execute(
        "insert into circle_series (id, name, location_id, capacity, created_by, created_at)
         values ($1, $2, $3, $4, $5, $6)",
        params![
            s.id.as_str(),
            s.name.as_str(),
            s.location_id,
            s.capacity,
            by,
            now
        ],
    )?;
    Ok(())
}

pub fn series_get(c: &mut dyn Conn, id: &str) -> Result<Option<SeriesRow>> {
    let rows = c.query(
        "select id, name, location_id, capacity from circle_series where id = $1",
        params![id],
    )?;
    series_rows(rows).map(|v| v.into_iter().next())
}

fn series_rows(rows: Vec<crate::Row>) -> Result<Vec<SeriesRow>> {
    rows.into_iter()
        .map(|mut r| {
            Ok(SeriesRow {
                id: r.take(0)?,
                name: r.take(1)?,
                location_id: r.get(2)?,
                capacity: r.get(3)?,
            })
        })
        .collect()
}

/// The booked meetings of a series that end after `from`, soonest first.
pub fn series_meetings(
    c: &mut dyn Conn,
    series: &str,
    from: Timestamp,
) -> Result<Vec<(String, Timestamp, Timestamp)>> {
    c.query(
        "select id, starts_at, ends_at from appointments
         where series_id = $1 and status = 'booked' and ends_at > $2 order by starts_at, id",
        params![series, from],
    )?
    .into_iter()
    .map(|mut r| Ok((r.take(0)?, r.get(1)?, r.get(2)?)))
    .collect()
}

/// Enrols a client; false when already enrolled (and not left).
pub fn enroll(
    c: &mut dyn Conn,
    series: &str,
    client: ClientId,
    by: UserId,
    now: Timestamp,
) -> Result<bool> {
    let n = c.execute(
        "update series_members set left_at = null, enrolled_by = $3, enrolled_at = $4
         where series_id = $1 and client_id = $2 and left_at is not null",
        params![series, client, by, now],
    )?;
    if n == 1 {
        return Ok(true);
    }
    Ok(c.execute(
        "insert into series_members (series_id, client_id, enrolled_by, enrolled_at)
         values ($1, $2, $3, $4) on conflict (series_id, client_id) do nothing",
        params![series, client, by, now],
    )? == 1)
}

/// Ends an enrolment; false when not enrolled.
pub fn unenroll(c: &mut dyn Conn, series: &str, client: ClientId, now: Timestamp) -> Result<bool> {
    Ok(c.execute(
        "update series_members set left_at = $3 where series_id = $1 and client_id = $2 and left_at is null",
        params![series, client, now],
    )? == 1)
}

/// A series' enrolled members (not left): (client, name).
pub fn enrolled(c: &mut dyn Conn, series: &str) -> Result<Vec<(ClientId, String)>> {
    c.query(
        "select m.client_id, cl.name from series_members m join clients cl on cl.id = m.client_id
         where m.series_id = $1 and m.left_at is null order by cl.name, m.client_id",
        params![series],
    )?
    .into_iter()
    .map(|mut r| Ok((r.get(0)?, r.take(1)?)))
    .collect()
}

// ---- rescheduling -------------------------------------------------------------

/// Marks `old` rescheduled (releasing its time) and points it at `new`; false
/// when it was no longer booked.
pub fn mark_rescheduled(
    c: &mut dyn Conn,
    old: &str,
    new: &str,
    reason_enc: &str,
    now: Timestamp,
) -> Result<bool> {
    if !crate::schedule::set_status(c, old, "rescheduled", Some(reason_enc), now)? {
        return Ok(false);
    }
    c.execute(
        "update appointments set replaced_by = $2 where id = $1",
        params![old, new],
    )?;
    Ok(true)
}

// ---- waitlist -----------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct WaitRow {
    pub id: String,
    pub client_id: ClientId,
    pub client_name: String,
    pub kind: String,
    pub location_id: LocationId,
    pub appointment_id: Option<String>,
    pub series_id: Option<String>,
    pub status: String,
    pub offered_appointment: Option<String>,
    pub offered_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

const WAIT_SELECT: &str =
    "select w.id, w.client_id, cl.name, w.kind, w.location_id, w.appointment_id,
        w.series_id, w.status, w.offered_appointment, w.offered_at, w.created_at
     from waitlist w join clients cl on cl.id = w.client_id";

fn waits(rows: Vec<crate::Row>) -> Result<Vec<WaitRow>> {
    rows.into_iter()
        .map(|mut r| {
            Ok(WaitRow {
                id: r.take(0)?,
                client_id: r.get(1)?,
                client_name: r.take(2)?,
                kind: r.take(3)?,
                location_id: r.get(4)?,
                appointment_id: r.take(5)?,
                series_id: r.take(6)?,
                status: r.take(7)?,
                offered_appointment: r.take(8)?,
                offered_at: r.get(9)?,
                created_at: r.get(10)?,
            })
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub fn wait_insert(
    c: &mut dyn Conn,
    id: &str,
    client: ClientId,
    kind: &str,
    location: LocationId,
    appointment: Option<&str>,
    series: Option<&str>,
    by: UserId,
    now: Timestamp,
) -> Result<()> {
    c.execute(
        "insert into waitlist (id, client_id, kind, location_id, appointment_id, series_id, status,
           created_by, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, 'waiting', $7, $8, $8)",
        params![id, client, kind, location, appointment, series, by, now],
    )?;
    Ok(())
}

/// Entries still waiting or offered, oldest first.
pub fn wait_open(c: &mut dyn Conn) -> Result<Vec<WaitRow>> {
    let rows = c.query(
        &format!(
            "{WAIT_SELECT} where w.status in ('waiting', 'offered') order by w.created_at, w.id"
        ),
        params![],
    )?;
    waits(rows)
}

pub fn wait_get(c: &mut dyn Conn, id: &str) -> Result<Option<WaitRow>> {
    let rows = c.query(&format!("{WAIT_SELECT} where w.id = $1"), params![id])?;
    Ok(waits(rows)?.into_iter().next())
}

/// A client's offers and waiting entries.
pub fn wait_for_client(c: &mut dyn Conn, client: ClientId) -> Result<Vec<WaitRow>> {
    let rows = c.query(
        &format!(
            "{WAIT_SELECT} where w.client_id = $1 and w.status in ('waiting', 'offered')
             order by w.created_at, w.id"
        ),
        params![client],
    )?;
    waits(rows)
}

/// The longest-waiting entry for a group appointment, a series, or (when both
/// are none) a kind at a location.
pub fn wait_next(
    c: &mut dyn Conn,
    kind: &str,
    location: LocationId,
    appointment: Option<&str>,
    series: Option<&str>,
    exclude: Option<ClientId>,
) -> Result<Option<WaitRow>> {
    // Nobody's id is the empty string, so "exclude no one" needs no second query.
    let exclude = exclude.map(|c| c.to_string()).unwrap_or_default();
    let rows = match (appointment, series) {
        (_, Some(s)) => c.query(
            &format!(
                "{WAIT_SELECT} where w.status = 'waiting' and w.series_id = $1 and w.client_id <> $2
                 order by w.created_at, w.id limit 1"
            ),
            params![s, exclude.as_str()],
        )?,
        (Some(a), None) => c.query(
            &format!(
                "{WAIT_SELECT} where w.status = 'waiting' and w.appointment_id = $1 and w.client_id <> $2
                 order by w.created_at, w.id limit 1"
            ),
            params![a, exclude.as_str()],
        )?,
        (None, None) => c.query(
            &format!(
                "{WAIT_SELECT} where w.status = 'waiting' and w.kind = $1 and w.location_id = $2 and w.client_id <> $3
                   and w.appointment_id is null and w.series_id is null
                 order by w.created_at, w.id limit 1"
            ),
            params![kind, location, exclude.as_str()],
        )?,
    };
    Ok(waits(rows)?.into_iter().next())
}

/// Moves an entry from one status to another; false when it was not in `from`.
/// Moving to `offered` records what was offered and when.
pub fn wait_set(
    c: &mut dyn Conn,
    id: &str,
    from: &[&str],
    to: &str,
    offered: Option<&str>,
    now: Timestamp,
) -> Result<bool> {
    assert!(!from.is_empty(), "wait_set needs a status to move from");
    // The statuses it may move from are bound, like everything else.
    let mut params: Vec<Value> = vec![id.into(), to.into(), now.into()];
    let mut set = String::from("status = $2, updated_at = $3");
    if to == "offered" {
        params.push(offered.into());
        set.push_str(", offered_appointment = $4, offered_at = $3");
    }
    let first = params.len() + 1;
    let list: Vec<String> = from
        .iter()
        .enumerate()
        .map(|(i, st)| {
            params.push((*st).into());
            format!("${}", first + i)
        })
        .collect();
    let n = c.execute(
        &format!(
            "update waitlist set {set} where id = $1 and status in ({})",
            list.join(", ")
        ),
        &params,
    )?;
    Ok(n == 1)
}

/// Offers older than `before` (or whose time has come): (entry id, client,
/// offered appointment).
pub fn wait_stale_offers(
    c: &mut dyn Conn,
    before: Timestamp,
    now: Timestamp,
) -> Result<Vec<(String, ClientId, Option<String>)>> {
    c.query(
        "select w.id, w.client_id, w.offered_appointment from waitlist w
         left join appointments a on a.id = w.offered_appointment
         where w.status = 'offered' and (w.offered_at < $1 or a.starts_at <= $2)
         order by w.offered_at, w.id",
        params![before, now],
    )?
    .into_iter()
    .map(|mut r| Ok((r.take(0)?, r.get(1)?, r.take(2)?)))
    .collect()
}

/// Acceptances that never finished (the request died between claiming the
/// offer and recording the outcome), older than `before`.
pub fn wait_stuck(c: &mut dyn Conn, before: Timestamp) -> Result<Vec<WaitRow>> {
    let rows = c.query(
        &format!("{WAIT_SELECT} where w.status = 'accepting' and w.updated_at < $1 order by w.id"),
        params![before],
    )?;
    waits(rows)
}

/// Closes every open entry for a group appointment (it was cancelled);
/// returns (entry id, client) of each.
pub fn wait_close_for(
    c: &mut dyn Conn,
    appointment: &str,
    now: Timestamp,
) -> Result<Vec<(String, ClientId)>> {
    let open: Vec<(String, ClientId)> = c
        .query(
            "select id, client_id from waitlist
             where appointment_id = $1 and status in ('waiting', 'offered', 'accepting')",
            params![appointment],
        )?
        .into_iter()
        .map(|mut r| Ok((r.take(0)?, r.get(1)?)))
        .collect::<Result<_>>()?;
    c.execute(
        "update waitlist set status = 'removed', updated_at = $2
         where appointment_id = $1 and status in ('waiting', 'offered', 'accepting')",
        params![appointment, now],
    )?;
    Ok(open)
}
