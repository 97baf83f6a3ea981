//! Intake forms: one per journey, kept as an encrypted JSON draft until submitted.

use jiff::Timestamp;
use threshold_domain::ids::{JourneyId, UserId};

use crate::conn::Conn;
use crate::error::Result;
use crate::params;

#[derive(Debug, Clone)]
pub struct IntakeRow {
    pub journey_id: JourneyId,
    pub draft_enc: String,
    /// `draft` or `submitted`.
    pub status: String,
    pub updated_at: Timestamp,
    pub submitted_at: Option<Timestamp>,
}

pub fn get(c: &mut dyn Conn, journey: JourneyId) -> Result<Option<IntakeRow>> {
    c.query_opt(
        "select journey_id, draft_enc, status, updated_at, submitted_at from intakes where journey_id = $1",
        params![journey],
    )?
    .map(|mut r| {
        Ok(IntakeRow {
            journey_id: r.get(0)?,
            draft_enc: r.take(1)?,
            status: r.take(2)?,
            updated_at: r.get(3)?,
            submitted_at: r.get(4)?,
        })
    })
    .transpose()
}

/// Saves the draft (creating the row on first save). A submitted intake is not
/// changed: returns false.
pub fn save_draft(
    c: &mut dyn Conn,
    journey: JourneyId,
    draft_enc: &str,
    now: Timestamp,
) -> Result<bool> {
    let n = c.execute(
        "insert into intakes (journey_id, draft_enc, status, updated_at) values ($1, $2, 'draft', $3)
         on conflict (journey_id) do update set draft_enc = excluded.draft_enc, updated_at = excluded.updated_at
         where intakes.status = 'draft'",
        params![journey, draft_enc, now],
    )?;
    Ok(n == 1)
}

/// Marks the draft submitted; false if it already was.
pub fn submit(c: &mut dyn Conn, journey: JourneyId, by: UserId, now: Timestamp) -> Result<bool> {
    Ok(c.execute(
        "update intakes set status = 'submitted', submitted_at = $2, submitted_by = $3, updated_at = $2
         where journey_id = $1 and status = 'draft'",
        params![journey, now, by],
    )? == 1)
}
