//! Journeys (one per client episode), their timeline and care teams.

use jiff::Timestamp;
use threshold_domain::ids::{ClientId, JourneyId, UserId};

use crate::conn::Conn;
use crate::error::Result;
use crate::params;
use crate::value::Row;

/// A journey as stored; `stage` is the domain's stage name.
#[derive(Debug, Clone)]
pub struct JourneyRow {
    pub id: JourneyId,
    pub client_id: ClientId,
    pub stage: String,
    pub opened_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    /// `YYYY-MM-DD`.
    pub consultation_on: String,
    pub consultation_by: UserId,
    pub consultation_by_name: Option<String>,
    pub consultation_outcome_enc: String,
    pub updated_at: Timestamp,
}

pub struct NewJourney<'a> {
    pub id: JourneyId,
    pub client_id: ClientId,
    pub stage: &'a str,
    pub consultation_on: &'a str,
    pub consultation_by: UserId,
    pub consultation_outcome_enc: &'a str,
    pub now: Timestamp,
}

pub fn insert(c: &mut dyn Conn, j: &NewJourney<'_>) -> Result<()> {
    c.execute(
        "insert into journeys (id, client_id, stage, opened_at, consultation_on, consultation_by,
             consultation_outcome_enc, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $4)",
        params![
            j.id,
            j.client_id,
            j.stage,
            j.now,
            j.consultation_on,
            j.consultation_by,
            j.consultation_outcome_enc
        ],
    )?;
    Ok(())
}

const COLUMNS: &str = "j.id, j.client_id, j.stage, j.opened_at, j.closed_at, j.consultation_on,
     j.consultation_by, (select u.name from users u where u.id = j.consultation_by),
     j.consultation_outcome_enc, j.updated_at";

fn row(mut r: Row) -> Result<JourneyRow> {
    Ok(JourneyRow {
        id: r.get(0)?,
        client_id: r.get(1)?,
        stage: r.take(2)?,
        opened_at: r.get(3)?,
        closed_at: r.get(4)?,
        consultation_on: r.take(5)?,
        consultation_by: r.get(6)?,
        consultation_by_name: r.take(7)?,
        consultation_outcome_enc: r.take(8)?,
        updated_at: r.get(9)?,
    })
}

pub fn get(c: &mut dyn Conn, id: JourneyId) -> Result<Option<JourneyRow>> {
    c.query_opt(
        &format!("select {COLUMNS} from journeys j where j.id = $1"),
        params![id],
    )?
    .map(row)
    .transpose()
}

/// The client's current (newest) journey.
pub fn current_for_client(c: &mut dyn Conn, client: ClientId) -> Result<Option<JourneyRow>> {
    c.query_opt(
        &format!("select {COLUMNS} from journeys j where j.client_id = $1 order by j.opened_at desc, j.id desc limit 1"),
        params![client],
    )?
    .map(row)
    .transpose()
}

/// Records a move and sets the journey's stage. A move from a stage is recorded
/// only while the journey is still at that stage: returns false (and changes
/// nothing) when someone else moved it first.
#[allow(clippy::too_many_arguments)]
pub fn record_transition(
    c: &mut dyn Conn,
    transition_id: &str,
    journey: JourneyId,
    from: Option<&str>,
    to: &str,
    by: Option<UserId>,
    reason_enc: Option<&str>,
    closes: bool,
    now: Timestamp,
) -> Result<bool> {
    if let Some(from) = from {
        let n = c.execute(
            "update journeys set stage = $2, updated_at = $3, closed_at = $4 where id = $1 and stage = $5",
            params![journey, to, now, closes.then_some(now), from],
        )?;
        if n != 1 {
            return Ok(false);
        }
    }
    c.execute(
        "insert into journey_transitions (id, journey_id, at, from_stage, to_stage, by_user, reason_enc)
         values ($1, $2, $3, $4, $5, $6, $7)",
        params![transition_id, journey, now, from, to, by, reason_enc],
    )?;
    Ok(true)
}

/// One step of the timeline.
#[derive(Debug, Clone)]
pub struct TransitionRow {
    pub id: String,
    pub at: Timestamp,
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub by_name: Option<String>,
    pub reason_enc: Option<String>,
}

/// The timeline, oldest first.
pub fn transitions(c: &mut dyn Conn, journey: JourneyId) -> Result<Vec<TransitionRow>> {
    c.query(
        "select t.id, t.at, t.from_stage, t.to_stage, (select u.name from users u where u.id = t.by_user), t.reason_enc
         from journey_transitions t where t.journey_id = $1 order by t.at, t.id",
        params![journey],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(TransitionRow {
            id: r.take(0)?,
            at: r.get(1)?,
            from_stage: r.take(2)?,
            to_stage: r.take(3)?,
            by_name: r.take(4)?,
            reason_enc: r.take(5)?,
        })
    })
    .collect()
}

/// A care-team member.
#[derive(Debug, Clone)]
pub struct Member {
    pub user_id: UserId,
    pub name: String,
    /// `clinician` or `physician`.
    pub role: String,
    pub added_at: Timestamp,
}

pub fn care_team(c: &mut dyn Conn, journey: JourneyId) -> Result<Vec<Member>> {
    c.query(
        "select t.user_id, u.name, t.role, t.added_at from care_team t join users u on u.id = t.user_id
         where t.journey_id = $1 order by t.role, u.search_name",
        params![journey],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(Member {
            user_id: r.get(0)?,
            name: r.take(1)?,
            role: r.take(2)?,
            added_at: r.get(3)?,
        })
    })
    .collect()
}

pub fn add_member(
    c: &mut dyn Conn,
    journey: JourneyId,
    user: UserId,
    role: &str,
    by: Option<UserId>,
    now: Timestamp,
) -> Result<u64> {
    c.execute(
        "insert into care_team (journey_id, user_id, role, added_at, added_by) values ($1, $2, $3, $4, $5)
         on conflict do nothing",
        params![journey, user, role, now, by],
    )
}

pub fn remove_member(
    c: &mut dyn Conn,
    journey: JourneyId,
    user: UserId,
    role: &str,
) -> Result<u64> {
    c.execute(
        "delete from care_team where journey_id = $1 and user_id = $2 and role = $3",
        params![journey, user, role],
    )
}

/// Whether `user` is on the journey's care team (in any role).
pub fn is_member(c: &mut dyn Conn, journey: JourneyId, user: UserId) -> Result<bool> {
    Ok(c.query_i64(
        "select count(*) from care_team where journey_id = $1 and user_id = $2",
        params![journey, user],
    )? > 0)
}

/// A line of the client directory.
#[derive(Debug, Clone)]
pub struct ClientListItem {
    pub client_id: ClientId,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub journey_id: Option<JourneyId>,
    pub stage: Option<String>,
    pub updated_at: Option<Timestamp>,
}

/// Clients with their current journey; only those whose journey has `member` on
/// its care team when `member` is given. Newest activity first.
pub fn client_list(
    c: &mut dyn Conn,
    member: Option<UserId>,
    limit: i64,
) -> Result<Vec<ClientListItem>> {
    let base = "select cl.id, cl.name, cl.email, cl.phone, j.id, j.stage, j.updated_at
         from clients cl
         left join journeys j on j.id = (select j2.id from journeys j2 where j2.client_id = cl.id
                                         order by j2.opened_at desc, j2.id desc limit 1)";
    let rows = match member {
        Some(u) => c.query(
            &format!(
                "{base} where exists (select 1 from care_team t where t.journey_id = j.id and t.user_id = $1)
                 order by j.updated_at desc, cl.id limit {}",
                limit.max(0)
            ),
            params![u],
        )?,
        None => c.query(
            &format!("{base} order by j.updated_at desc, cl.id limit {}", limit.max(0)),
            params![],
        )?,
    };
    rows.into_iter()
        .map(|mut r| {
            Ok(ClientListItem {
                client_id: r.get(0)?,
                name: r.take(1)?,
                email: r.take(2)?,
                phone: r.take(3)?,
                journey_id: r.get(4)?,
                stage: r.take(5)?,
                updated_at: r.get(6)?,
            })
        })
        .collect()
}
