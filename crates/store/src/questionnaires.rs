//! Questionnaires due (tasks), answered (responses), and the safety alerts they
//! raise.

use jiff::Timestamp;
use threshold_domain::ids::{ClientId, JourneyId, UserId};

use crate::conn::Conn;
use crate::error::Result;
use crate::params;
use crate::value::Row;

/// A questionnaire due for a journey.
#[derive(Debug, Clone)]
pub struct TaskRow {
    pub id: String,
    pub journey_id: JourneyId,
    pub instrument: String,
    pub reason: String,
    pub due_at: Timestamp,
    pub response_id: Option<String>,
    pub cancelled_at: Option<Timestamp>,
}

impl TaskRow {
    pub fn is_open(&self) -> bool {
        self.response_id.is_none() && self.cancelled_at.is_none()
    }
}

pub fn insert_task(
    c: &mut dyn Conn,
    id: &str,
    journey: JourneyId,
    instrument: &str,
    reason: &str,
    due_at: Timestamp,
    now: Timestamp,
) -> Result<()> {
    c.execute(
        "insert into questionnaire_tasks (id, journey_id, instrument, reason, due_at, created_at)
         values ($1, $2, $3, $4, $5, $6)",
        params![id, journey, instrument, reason, due_at, now],
    )?;
    Ok(())
}

const TASK_COLUMNS: &str = "id, journey_id, instrument, reason, due_at, response_id, cancelled_at";

fn task(mut r: Row) -> Result<TaskRow> {
    Ok(TaskRow {
        id: r.take(0)?,
        journey_id: r.get(1)?,
        instrument: r.take(2)?,
        reason: r.take(3)?,
        due_at: r.get(4)?,
        response_id: r.take(5)?,
        cancelled_at: r.get(6)?,
    })
}

pub fn get_task(c: &mut dyn Conn, id: &str) -> Result<Option<TaskRow>> {
    c.query_opt(
        &format!("select {TASK_COLUMNS} from questionnaire_tasks where id = $1"),
        params![id],
    )?
    .map(task)
    .transpose()
}

/// Every task of a journey, due first.
pub fn tasks(c: &mut dyn Conn, journey: JourneyId) -> Result<Vec<TaskRow>> {
    c.query(
        &format!("select {TASK_COLUMNS} from questionnaire_tasks where journey_id = $1 order by due_at, id"),
        params![journey],
    )?
    .into_iter()
    .map(task)
    .collect()
}

/// Marks an open task done by `response`; false if it was no longer open.
pub fn complete_task(c: &mut dyn Conn, id: &str, response: &str) -> Result<bool> {
    Ok(c.execute(
        "update questionnaire_tasks set response_id = $2
         where id = $1 and response_id is null and cancelled_at is null",
        params![id, response],
    )? == 1)
}

/// A stored result.
#[derive(Debug, Clone)]
pub struct ResponseRow {
    pub id: String,
    pub journey_id: JourneyId,
    pub task_id: Option<String>,
    pub instrument: String,
    pub answers_enc: String,
    pub total: Option<i64>,
    pub band: Option<String>,
    pub band_label: Option<String>,
    pub risk: Option<String>,
    pub flags: String,
    pub subscales: String,
    pub entered_by: Option<UserId>,
    pub entered_by_name: Option<String>,
    pub on_behalf: bool,
    pub submitted_at: Timestamp,
}

pub struct NewResponse<'a> {
    pub id: &'a str,
    pub journey_id: JourneyId,
    pub task_id: Option<&'a str>,
    pub instrument: &'a str,
    pub answers_enc: &'a str,
    pub total: Option<i64>,
    pub band: Option<&'a str>,
    pub band_label: Option<&'a str>,
    pub risk: Option<&'a str>,
    pub flags: &'a str,
    pub subscales: &'a str,
    pub entered_by: Option<UserId>,
    pub on_behalf: bool,
    pub now: Timestamp,
}

pub fn insert_response(c: &mut dyn Conn, r: &NewResponse<'_>) -> Result<()> {
    c.execute(
        "insert into questionnaire_responses (id, journey_id, task_id, instrument, answers_enc, total, band,
             band_label, risk, flags, subscales, entered_by, on_behalf, submitted_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        params![
            r.id,
            r.journey_id,
            r.task_id,
            r.instrument,
            r.answers_enc,
            r.total,
            r.band,
            r.band_label,
            r.risk,
            r.flags,
            r.subscales,
            r.entered_by,
            r.on_behalf,
            r.now
        ],
    )?;
    Ok(())
}

const RESPONSE_COLUMNS: &str =
    "r.id, r.journey_id, r.task_id, r.instrument, r.answers_enc, r.total, r.band,
     r.band_label, r.risk, r.flags, r.subscales, r.entered_by,
     (select u.name from users u where u.id = r.entered_by), r.on_behalf, r.submitted_at";

fn response(mut r: Row) -> Result<ResponseRow> {
    Ok(ResponseRow {
        id: r.take(0)?,
        journey_id: r.get(1)?,
        task_id: r.take(2)?,
        instrument: r.take(3)?,
        answers_enc: r.take(4)?,
        total: r.get(5)?,
        band: r.take(6)?,
        band_label: r.take(7)?,
        risk: r.take(8)?,
        flags: r.take(9)?,
        subscales: r.take(10)?,
        entered_by: r.get(11)?,
        entered_by_name: r.take(12)?,
        on_behalf: r.get(13)?,
        submitted_at: r.get(14)?,
    })
}

/// A journey's results, newest first.
pub fn responses(c: &mut dyn Conn, journey: JourneyId) -> Result<Vec<ResponseRow>> {
    c.query(
        &format!(
            "select {RESPONSE_COLUMNS} from questionnaire_responses r where r.journey_id = $1
             order by r.submitted_at desc, r.id desc"
        ),
        params![journey],
    )?
    .into_iter()
    .map(response)
    .collect()
}

/// Instruments with at least one result in the journey.
pub fn completed_instruments(c: &mut dyn Conn, journey: JourneyId) -> Result<Vec<String>> {
    c.query(
        "select distinct instrument from questionnaire_responses where journey_id = $1 order by instrument",
        params![journey],
    )?
    .into_iter()
    .map(|mut r| r.take(0))
    .collect()
}

/// A safety alert.
#[derive(Debug, Clone)]
pub struct AlertRow {
    pub id: String,
    pub journey_id: JourneyId,
    pub client_id: ClientId,
    pub client_name: String,
    pub kind: String,
    pub response_id: Option<String>,
    pub raised_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub acknowledged_by_name: Option<String>,
    pub action_enc: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub fn insert_alert(
    c: &mut dyn Conn,
    id: &str,
    journey: JourneyId,
    client: ClientId,
    kind: &str,
    response: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    c.execute(
        "insert into alerts (id, journey_id, client_id, kind, response_id, raised_at) values ($1, $2, $3, $4, $5, $6)",
        params![id, journey, client, kind, response, now],
    )?;
    Ok(())
}

const ALERT_COLUMNS: &str =
    "a.id, a.journey_id, a.client_id, (select cl.name from clients cl where cl.id = a.client_id),
     a.kind, a.response_id, a.raised_at, a.acknowledged_at,
     (select u.name from users u where u.id = a.acknowledged_by), a.action_enc";

fn alert(mut r: Row) -> Result<AlertRow> {
    Ok(AlertRow {
        id: r.take(0)?,
        journey_id: r.get(1)?,
        client_id: r.get(2)?,
        client_name: r.take::<Option<String>>(3)?.unwrap_or_default(),
        kind: r.take(4)?,
        response_id: r.take(5)?,
        raised_at: r.get(6)?,
        acknowledged_at: r.get(7)?,
        acknowledged_by_name: r.take(8)?,
        action_enc: r.take(9)?,
    })
}

pub fn get_alert(c: &mut dyn Conn, id: &str) -> Result<Option<AlertRow>> {
    c.query_opt(
        &format!("select {ALERT_COLUMNS} from alerts a where a.id = $1"),
        params![id],
    )?
    .map(alert)
    .transpose()
}

/// A journey's alerts, newest first.
pub fn alerts_for_journey(c: &mut dyn Conn, journey: JourneyId) -> Result<Vec<AlertRow>> {
    c.query(
        &format!("select {ALERT_COLUMNS} from alerts a where a.journey_id = $1 order by a.raised_at desc, a.id desc"),
        params![journey],
    )?
    .into_iter()
    .map(alert)
    .collect()
}

/// Unacknowledged alerts of the journeys whose care team `user` is on, oldest first.
pub fn open_alerts_for_member(c: &mut dyn Conn, user: UserId) -> Result<Vec<AlertRow>> {
    c.query(
        &format!(
            "select {ALERT_COLUMNS} from alerts a
             where a.acknowledged_at is null
               and exists (select 1 from care_team t where t.journey_id = a.journey_id and t.user_id = $1)
             order by a.raised_at, a.id"
        ),
        params![user],
    )?
    .into_iter()
    .map(alert)
    .collect()
}

/// Open alerts of journeys with no care team yet (nobody else would see them).
pub fn open_unassigned_alerts(c: &mut dyn Conn) -> Result<Vec<AlertRow>> {
    c.query(
        &format!(
            "select {ALERT_COLUMNS} from alerts a
             where a.acknowledged_at is null
               and not exists (select 1 from care_team t where t.journey_id = a.journey_id)
             order by a.raised_at, a.id"
        ),
        params![],
    )?
    .into_iter()
    .map(alert)
    .collect()
}

/// Records the acknowledgement; false if it was already acknowledged.
pub fn acknowledge_alert(
    c: &mut dyn Conn,
    id: &str,
    by: UserId,
    action_enc: &str,
    now: Timestamp,
) -> Result<bool> {
    Ok(c.execute(
        "update alerts set acknowledged_at = $3, acknowledged_by = $2, action_enc = $4
         where id = $1 and acknowledged_at is null",
        params![id, by, now, action_enc],
    )? == 1)
}

/// The care team's members' e-mail addresses (for alert mail).
pub fn care_team_emails(c: &mut dyn Conn, journey: JourneyId) -> Result<Vec<String>> {
    c.query(
        "select distinct u.email from care_team t join users u on u.id = t.user_id
         where t.journey_id = $1 and u.active order by u.email",
        params![journey],
    )?
    .into_iter()
    .map(|mut r| r.take(0))
    .collect()
}

/// Cancels a journey's open tasks given for `reason` (a session that was
/// cancelled or moved); returns how many.
pub fn cancel_open_tasks(
    c: &mut dyn Conn,
    journey: JourneyId,
    reason: &str,
    now: Timestamp,
) -> Result<u64> {
    c.execute(
        "update questionnaire_tasks set cancelled_at = $3
         where journey_id = $1 and reason = $2 and response_id is null and cancelled_at is null",
        params![journey, reason, now],
    )
}
