//! Scheduling storage: appointment type settings, weekly availability rules and
//! exceptions, appointments with their people, and the resource cells whose
//! primary key refuses a double booking.

use jiff::Timestamp;
use threshold_domain::ids::{ClientId, JourneyId, LocationId, UserId};

use crate::conn::Conn;
use crate::error::Result;
use crate::value::Value;
use crate::{Row, params};

/// Minutes each resource cell covers.
pub const CELL_MINUTES: i64 = 5;

/// The cells an interval covers: every 5-minute cell it touches.
pub fn cells(start: Timestamp, end: Timestamp) -> std::ops::Range<i64> {
    let s = start.as_second().div_euclid(CELL_MINUTES * 60);
    let e = (end.as_second() + CELL_MINUTES * 60 - 1).div_euclid(CELL_MINUTES * 60);
    s..e
}

// ---- appointment types -----------------------------------------------------

pub fn type_settings(c: &mut dyn Conn) -> Result<Vec<(String, i64, bool)>> {
    c.query(
        "select kind, minutes, video_allowed from appointment_types order by kind",
        params![],
    )?
    .into_iter()
    .map(|mut r| Ok((r.take(0)?, r.get(1)?, r.get(2)?)))
    .collect()
}

pub fn set_type(
    c: &mut dyn Conn,
    kind: &str,
    minutes: i64,
    video: bool,
    by: UserId,
    now: Timestamp,
) -> Result<()> {
    c.execute(
        "insert into appointment_types (kind, minutes, video_allowed, updated_by, updated_at)
         values ($1, $2, $3, $4, $5)
         on conflict (kind) do update set minutes = excluded.minutes,
           video_allowed = excluded.video_allowed, updated_by = excluded.updated_by,
           updated_at = excluded.updated_at",
        params![kind, minutes, video, by, now],
    )?;
    Ok(())
}

// ---- availability ----------------------------------------------------------

#[derive(Debug, Clone)]
pub struct RuleRow {
    pub id: String,
    pub owner_kind: String,
    pub owner_id: String,
    pub location_id: LocationId,
    pub weekday: String,
    pub start_time: String,
    pub end_time: String,
}

fn rule(mut r: Row) -> Result<RuleRow> {
    Ok(RuleRow {
        id: r.take(0)?,
        owner_kind: r.take(1)?,
        owner_id: r.take(2)?,
        location_id: r.get(3)?,
        weekday: r.take(4)?,
        start_time: r.take(5)?,
        end_time: r.take(6)?,
    })
}

const RULE_COLS: &str = "id, owner_kind, owner_id, location_id, weekday, start_time, end_time";

pub fn insert_rule(c: &mut dyn Conn, r: &RuleRow, by: UserId, now: Timestamp) -> Result<()> {
    c.execute(
        "insert into availability_rules (id, owner_kind, owner_id, location_id, weekday, start_time, end_time, created_by, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params![
            r.id.as_str(),
            r.owner_kind.as_str(),
            r.owner_id.as_str(),
            r.location_id,
            r.weekday.as_str(),
            r.start_time.as_str(),
            r.end_time.as_str(),
            by,
            now
        ],
    )?;
    Ok(())
}

/// Deletes one of an owner's rules; the number deleted (0 when not theirs).
pub fn delete_rule(c: &mut dyn Conn, id: &str, owner_kind: &str, owner_id: &str) -> Result<u64> {
    c.execute(
        "delete from availability_rules where id = $1 and owner_kind = $2 and owner_id = $3",
        params![id, owner_kind, owner_id],
    )
}

pub fn rules_for(c: &mut dyn Conn, owner_kind: &str, owner_id: &str) -> Result<Vec<RuleRow>> {
    c.query(
        &format!(
            "select {RULE_COLS} from availability_rules where owner_kind = $1 and owner_id = $2
             order by location_id, weekday, start_time"
        ),
        params![owner_kind, owner_id],
    )?
    .into_iter()
    .map(rule)
    .collect()
}

/// Every rule at a location (all owners), for the slot finder.
pub fn rules_at(c: &mut dyn Conn, location: LocationId) -> Result<Vec<RuleRow>> {
    c.query(
        &format!("select {RULE_COLS} from availability_rules where location_id = $1 order by owner_kind, owner_id"),
        params![location],
    )?
    .into_iter()
    .map(rule)
    .collect()
}

#[derive(Debug, Clone)]
pub struct ExceptionRow {
    pub id: String,
    pub owner_kind: String,
    pub owner_id: String,
    pub location_id: Option<LocationId>,
    /// `leave` or `extra`.
    pub kind: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
}

pub fn insert_exception(
    c: &mut dyn Conn,
    e: &ExceptionRow,
    by: UserId,
    now: Timestamp,
) -> Result<()> {
    c.execute(
        "insert into availability_exceptions (id, owner_kind, owner_id, location_id, kind, starts_at, ends_at, created_by, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params![
            e.id.as_str(),
            e.owner_kind.as_str(),
            e.owner_id.as_str(),
            e.location_id,
            e.kind.as_str(),
            e.starts_at,
            e.ends_at,
            by,
            now
        ],
    )?;
    Ok(())
}

pub fn delete_exception(
    c: &mut dyn Conn,
    id: &str,
    owner_kind: &str,
    owner_id: &str,
) -> Result<u64> {
    c.execute(
        "delete from availability_exceptions where id = $1 and owner_kind = $2 and owner_id = $3",
        params![id, owner_kind, owner_id],
    )
}

/// Exceptions overlapping [from, to): one owner's when `owner` is given, else all.
pub fn exceptions(
    c: &mut dyn Conn,
    owner: Option<(&str, &str)>,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<ExceptionRow>> {
    let cols = "id, owner_kind, owner_id, location_id, kind, starts_at, ends_at";
    let rows = match owner {
        Some((k, id)) => c.query(
            &format!(
                "select {cols} from availability_exceptions
                 where owner_kind = $1 and owner_id = $2 and ends_at > $3 and starts_at < $4 order by starts_at"
            ),
            params![k, id, from, to],
        )?,
        None => c.query(
            &format!(
                "select {cols} from availability_exceptions where ends_at > $1 and starts_at < $2 order by starts_at"
            ),
            params![from, to],
        )?,
    };
    rows.into_iter()
        .map(|mut r| {
            Ok(ExceptionRow {
                id: r.take(0)?,
                owner_kind: r.take(1)?,
                owner_id: r.take(2)?,
                location_id: r.get(3)?,
                kind: r.take(4)?,
                starts_at: r.get(5)?,
                ends_at: r.get(6)?,
            })
        })
        .collect()
}

// ---- appointments ----------------------------------------------------------

#[derive(Debug, Clone)]
pub struct AppointmentRow {
    pub id: String,
    pub kind: String,
    pub location_id: LocationId,
    pub room_id: Option<String>,
    pub room_name: Option<String>,
    pub partner_id: Option<String>,
    pub partner_name: Option<String>,
    pub client_id: Option<ClientId>,
    pub client_name: Option<String>,
    /// A consultation's inquiry (before the person is a client).
    pub inquiry_id: Option<String>,
    pub inquiry_name: Option<String>,
    pub journey_id: Option<JourneyId>,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub video: bool,
    /// `booked`, `cancelled`, `no-show` or `completed`.
    pub status: String,
    pub status_reason_enc: Option<String>,
    /// (user id, name, role) of the staff on it.
    pub people: Vec<(UserId, String, String)>,
    /// Group appointments: the most members it takes.
    pub capacity: Option<i64>,
    /// Integration circles: the series this meeting belongs to.
    pub series_id: Option<String>,
    /// A rescheduled appointment: the one that replaced it.
    pub replaced_by: Option<String>,
    /// Group appointments: how many members are on the roster.
    pub members: i64,
}

/// Stores an appointment, its people and its cells in one transaction (the
/// caller's). Fails with a unique violation when any cell is already held.
pub fn insert_appointment(
    c: &mut dyn Conn,
    a: &AppointmentRow,
    resources: &[String],
    by: UserId,
    now: Timestamp,
) -> Result<()> {
    c.execute(
        "insert into appointments (id, kind, location_id, room_id, partner_id, client_id, journey_id,
           starts_at, ends_at, video, status, created_by, created_at, updated_at, inquiry_id, capacity, series_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'booked', $11, $12, $12, $13, $14, $15)",
        params![
            a.id.as_str(),
            a.kind.as_str(),
            a.location_id,
            a.room_id.clone(),
            a.partner_id.clone(),
            a.client_id,
            a.journey_id,
            a.starts_at,
            a.ends_at,
            a.video,
            by,
            now,
            a.inquiry_id.clone(),
            a.capacity,
            a.series_id.clone()
        ],
    )?;
    for (user, _, role) in &a.people {
        c.execute(
            "insert into appointment_people (appointment_id, user_id, role) values ($1, $2, $3)",
            params![a.id.as_str(), *user, role.as_str()],
        )?;
    }
    hold_cells(c, &a.id, resources, a.starts_at, a.ends_at)
}

pub(crate) fn hold_cells(
    c: &mut dyn Conn,
    appointment: &str,
    resources: &[String],
    start: Timestamp,
    end: Timestamp,
) -> Result<()> {
    let range = cells(start, end);
    let mut values: Vec<Value> = Vec::new();
    for r in resources {
        for cell in range.clone() {
            values.push(Value::from(r.as_str()));
            values.push(Value::from(cell));
            values.push(Value::from(appointment));
        }
    }
    // Bounded chunks keep each statement's parameter count modest.
    for chunk in values.chunks(900) {
        let rows: Vec<String> = (0..chunk.len() / 3)
            .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
            .collect();
        c.execute(
            &format!(
                "insert into resource_cells (resource, cell, appointment_id) values {}",
                rows.join(", ")
            ),
            chunk,
        )?;
    }
    Ok(())
}

/// Sets an appointment's status; releasing its cells unless it stays `booked`.
/// Returns false when it was not booked.
pub fn set_status(
    c: &mut dyn Conn,
    id: &str,
    status: &str,
    reason_enc: Option<&str>,
    now: Timestamp,
) -> Result<bool> {
    let n = c.execute(
        "update appointments set status = $2, status_reason_enc = $3, updated_at = $4
         where id = $1 and status = 'booked'",
        params![id, status, reason_enc, now],
    )?;
    if n == 1 && matches!(status, "cancelled" | "rescheduled") {
        c.execute(
            "delete from resource_cells where appointment_id = $1",
            params![id],
        )?;
    }
    Ok(n == 1)
}

const APPT_SELECT: &str = "select a.id, a.kind, a.location_id, a.room_id, r.name, a.partner_id, o.name, a.client_id, cl.name,
        a.journey_id, a.starts_at, a.ends_at, a.video, a.status, a.status_reason_enc, a.inquiry_id, i.name,
        a.capacity, a.series_id, a.replaced_by,
        (select count(*) from appointment_members m where m.appointment_id = a.id)
     from appointments a
     left join rooms r on r.id = a.room_id
     left join partner_organisations o on o.id = a.partner_id
     left join clients cl on cl.id = a.client_id
     left join inquiries i on i.id = a.inquiry_id";

fn appointments_from(c: &mut dyn Conn, rows: Vec<Row>) -> Result<Vec<AppointmentRow>> {
    let mut out = Vec::with_capacity(rows.len());
    for mut r in rows {
        let id: String = r.take(0)?;
        let people = c
            .query(
                "select p.user_id, u.name, p.role from appointment_people p join users u on u.id = p.user_id
                 where p.appointment_id = $1 order by u.name",
                params![id.as_str()],
            )?
            .into_iter()
            .map(|mut p| Ok((p.get(0)?, p.take(1)?, p.take(2)?)))
            .collect::<Result<Vec<_>>>()?;
        out.push(AppointmentRow {
            id,
            kind: r.take(1)?,
            location_id: r.get(2)?,
            room_id: r.take(3)?,
            room_name: r.take(4)?,
            partner_id: r.take(5)?,
            partner_name: r.take(6)?,
            client_id: r.get(7)?,
            client_name: r.take(8)?,
            journey_id: r.get(9)?,
            starts_at: r.get(10)?,
            ends_at: r.get(11)?,
            video: r.get(12)?,
            status: r.take(13)?,
            status_reason_enc: r.take(14)?,
            inquiry_id: r.take(15)?,
            inquiry_name: r.take(16)?,
            capacity: r.get(17)?,
            series_id: r.take(18)?,
            replaced_by: r.take(19)?,
            members: r.get(20)?,
            people,
        });
    }
    Ok(out)
}

pub fn appointment(c: &mut dyn Conn, id: &str) -> Result<Option<AppointmentRow>> {
    let rows = c.query(&format!("{APPT_SELECT} where a.id = $1"), params![id])?;
    Ok(appointments_from(c, rows)?.into_iter().next())
}

/// A location's appointments overlapping [from, to), booked ones and others.
pub fn at_location(
    c: &mut dyn Conn,
    location: LocationId,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<AppointmentRow>> {
    let rows = c.query(
        &format!(
            "{APPT_SELECT} where a.location_id = $1 and a.ends_at > $2 and a.starts_at < $3
             order by a.starts_at, a.id"
        ),
        params![location, from, to],
    )?;
    appointments_from(c, rows)
}

/// A client's appointments from `from` on (all statuses), soonest first.
pub fn for_client(
    c: &mut dyn Conn,
    client: ClientId,
    from: Timestamp,
) -> Result<Vec<AppointmentRow>> {
    let rows = c.query(
        &format!(
            "{APPT_SELECT} where (a.client_id = $1 or exists (select 1 from appointment_members m
               where m.appointment_id = a.id and m.client_id = $1))
             and a.ends_at > $2 order by a.starts_at, a.id"
        ),
        params![client, from],
    )?;
    appointments_from(c, rows)
}

/// A staff member's appointments overlapping [from, to).
pub fn for_user(
    c: &mut dyn Conn,
    user: UserId,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<AppointmentRow>> {
    let rows = c.query(
        &format!(
            "{APPT_SELECT} where exists (select 1 from appointment_people p where p.appointment_id = a.id and p.user_id = $1)
               and a.ends_at > $2 and a.starts_at < $3 order by a.starts_at, a.id"
        ),
        params![user, from, to],
    )?;
    appointments_from(c, rows)
}

/// One resource's hold: (resource key, start, end, appointment id).
pub type Busy = (String, Timestamp, Timestamp, String);

/// A partner organisation's booked appointments overlapping [from, to).
pub fn for_partner(
    c: &mut dyn Conn,
    partner: &str,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<AppointmentRow>> {
    let rows = c.query(
        &format!(
            "{APPT_SELECT} where a.partner_id = $1 and a.ends_at > $2 and a.starts_at < $3
             order by a.starts_at, a.id"
        ),
        params![partner, from, to],
    )?;
    appointments_from(c, rows)
}

/// The held intervals of each resource in [from, to), from booked appointments,
/// group members included.
pub fn busy(c: &mut dyn Conn, from: Timestamp, to: Timestamp) -> Result<Vec<Busy>> {
    let rows = c.query(
        "select 'user:' || p.user_id, a.starts_at, a.ends_at, a.id from appointments a
           join appointment_people p on p.appointment_id = a.id
           where a.status = 'booked' and a.ends_at > $1 and a.starts_at < $2
         union all
         select 'room:' || a.room_id, a.starts_at, a.ends_at, a.id from appointments a
           where a.status = 'booked' and a.room_id is not null and a.ends_at > $1 and a.starts_at < $2
         union all
         select 'partner:' || a.partner_id, a.starts_at, a.ends_at, a.id from appointments a
           where a.status = 'booked' and a.partner_id is not null and a.ends_at > $1 and a.starts_at < $2
         union all
         select 'client:' || a.client_id, a.starts_at, a.ends_at, a.id from appointments a
           where a.status = 'booked' and a.client_id is not null and a.ends_at > $1 and a.starts_at < $2
         union all
         select 'inquiry:' || a.inquiry_id, a.starts_at, a.ends_at, a.id from appointments a
           where a.status = 'booked' and a.inquiry_id is not null and a.ends_at > $1 and a.starts_at < $2
         union all
         select 'client:' || m.client_id, a.starts_at, a.ends_at, a.id from appointments a
           join appointment_members m on m.appointment_id = a.id
           where a.status = 'booked' and a.ends_at > $1 and a.starts_at < $2",
        params![from, to],
    )?;
    rows.into_iter()
        .map(|mut r| Ok((r.take(0)?, r.get(1)?, r.get(2)?, r.take(3)?)))
        .collect()
}

/// Booked or held medicine sessions of a client, their own and the groups they
/// are on (for the spacing rule and the series count): (start, end, id).
pub fn medicine_sessions(
    c: &mut dyn Conn,
    client: ClientId,
) -> Result<Vec<(Timestamp, Timestamp, String)>> {
    c.query(
        "select a.starts_at, a.ends_at, a.id from appointments a
         where (a.client_id = $1 or exists (select 1 from appointment_members m
                where m.appointment_id = a.id and m.client_id = $1))
           and a.kind in ('medicine-session', 'group-medicine-session')
           and a.status in ('booked', 'completed') order by a.starts_at",
        params![client],
    )?
    .into_iter()
    .map(|mut r| Ok((r.get(0)?, r.get(1)?, r.take(2)?)))
    .collect()
}

// ---- reminders -------------------------------------------------------------

/// A booked appointment a reminder may be due for.
#[derive(Debug, Clone)]
pub struct ReminderCandidate {
    pub appointment_id: String,
    pub kind: String,
    pub starts_at: Timestamp,
    pub video: bool,
    pub client_email: String,
    pub client_name: String,
    pub location_name: String,
    pub location_zone: String,
    pub location_address: String,
    pub client_id: ClientId,
    /// On a group's roster rather than the appointment's own client.
    pub member: bool,
}

/// Booked appointments with a client that start in (now, until].
pub fn reminder_candidates(
    c: &mut dyn Conn,
    now: Timestamp,
    until: Timestamp,
) -> Result<Vec<ReminderCandidate>> {
    c.query(
        "select a.id, a.kind, a.starts_at, a.video, cl.email, cl.name, l.name, l.time_zone, l.address
           , cl.id, 0
         from appointments a
         join clients cl on cl.id = a.client_id
         join locations l on l.id = a.location_id
         where a.status = 'booked' and a.starts_at > $1 and a.starts_at <= $2
         union all
         select a.id, a.kind, a.starts_at, a.video, cl.email, cl.name, l.name, l.time_zone, l.address, cl.id, 1
         from appointments a
         join appointment_members m on m.appointment_id = a.id
         join clients cl on cl.id = m.client_id
         join locations l on l.id = a.location_id
         where a.status = 'booked' and a.starts_at > $1 and a.starts_at <= $2
         order by 3, 1, 10",
        params![now, until],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(ReminderCandidate {
            appointment_id: r.take(0)?,
            kind: r.take(1)?,
            starts_at: r.get(2)?,
            video: r.get(3)?,
            client_email: r.take(4)?,
            client_name: r.take(5)?,
            location_name: r.take(6)?,
            location_zone: r.take(7)?,
            location_address: r.take(8)?,
            client_id: r.get(9)?,
            member: r.get::<i64>(10)? == 1,
        })
    })
    .collect()
}

/// Records that a reminder is being sent; false when it already was.
pub fn claim_reminder(
    c: &mut dyn Conn,
    appointment: &str,
    kind: &str,
    now: Timestamp,
) -> Result<bool> {
    Ok(c.execute(
        "insert into appointment_reminders (appointment_id, kind, sent_at) values ($1, $2, $3)
         on conflict (appointment_id, kind) do nothing",
        params![appointment, kind, now],
    )? == 1)
}

// ---- change requests -------------------------------------------------------

#[derive(Debug, Clone)]
pub struct ChangeRequestRow {
    pub id: String,
    pub appointment_id: String,
    pub client_id: ClientId,
    pub client_name: String,
    pub starts_at: Timestamp,
    pub note_enc: String,
    pub created_at: Timestamp,
}

pub fn insert_change_request(
    c: &mut dyn Conn,
    id: &str,
    appointment: &str,
    client: ClientId,
    note_enc: &str,
    now: Timestamp,
) -> Result<()> {
    c.execute(
        "insert into appointment_change_requests (id, appointment_id, client_id, note_enc, created_at)
         values ($1, $2, $3, $4, $5)",
        params![id, appointment, client, note_enc, now],
    )?;
    Ok(())
}

/// Requests nobody has handled yet, oldest first.
pub fn open_change_requests(c: &mut dyn Conn) -> Result<Vec<ChangeRequestRow>> {
    c.query(
        "select r.id, r.appointment_id, r.client_id, cl.name, a.starts_at, r.note_enc, r.created_at
         from appointment_change_requests r
         join clients cl on cl.id = r.client_id
         join appointments a on a.id = r.appointment_id
         where r.handled_at is null order by r.created_at, r.id limit 200",
        params![],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(ChangeRequestRow {
            id: r.take(0)?,
            appointment_id: r.take(1)?,
            client_id: r.get(2)?,
            client_name: r.take(3)?,
            starts_at: r.get(4)?,
            note_enc: r.take(5)?,
            created_at: r.get(6)?,
        })
    })
    .collect()
}

pub fn handle_change_request(
    c: &mut dyn Conn,
    id: &str,
    by: UserId,
    now: Timestamp,
) -> Result<u64> {
    c.execute(
        "update appointment_change_requests set handled_at = $2, handled_by = $3
         where id = $1 and handled_at is null",
        params![id, now, by],
    )
}
