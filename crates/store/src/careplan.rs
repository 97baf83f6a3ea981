//! From assessment to a consented plan: clinic settings, partner organisations,
//! prescriber details, assessment entries, eligibility decisions, plans,
//! prescriptions, consent documents and signatures. Encrypted columns (`*_enc`)
//! arrive encrypted; this module never sees their plain text.

use jiff::Timestamp;
use threshold_domain::ids::{ClientId, JourneyId, UserId};

use crate::conn::Conn;
use crate::error::Result;
use crate::params;

// ---- clinic settings -------------------------------------------------------

/// The settings version in force (the highest), as stored JSON.
pub fn settings_current(c: &mut dyn Conn) -> Result<Option<(i64, String)>> {
    c.query_opt(
        "select version, settings_json from clinic_settings order by version desc limit 1",
        params![],
    )?
    .map(|mut r| Ok((r.get(0)?, r.take(1)?)))
    .transpose()
}

pub fn settings_version(c: &mut dyn Conn, version: i64) -> Result<Option<String>> {
    c.query_opt(
        "select settings_json from clinic_settings where version = $1",
        params![version],
    )?
    .map(|mut r| r.take(0))
    .transpose()
}

/// Stores a new version after the current one and returns its number. Two
/// changes racing both read the same current version; the primary key lets only
/// one insert it, and the other fails rather than silently overwrite.
pub fn settings_insert(
    c: &mut dyn Conn,
    json: &str,
    by: Option<UserId>,
    now: Timestamp,
) -> Result<i64> {
    let next = c.query_i64(
        "select coalesce(max(version), 0) + 1 from clinic_settings",
        params![],
    )?;
    c.execute(
        "insert into clinic_settings (version, settings_json, changed_by, changed_at) values ($1, $2, $3, $4)",
        params![next, json, by, now],
    )?;
    Ok(next)
}

#[derive(Debug, Clone)]
pub struct SettingsChange {
    pub version: i64,
    pub json: String,
    pub by_name: Option<String>,
    pub at: Timestamp,
}

pub fn settings_history(c: &mut dyn Conn, limit: i64) -> Result<Vec<SettingsChange>> {
    c.query(
        &format!(
            "select s.version, s.settings_json, u.name, s.changed_at from clinic_settings s
             left join users u on u.id = s.changed_by order by s.version desc limit {}",
            limit.max(0)
        ),
        params![],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(SettingsChange {
            version: r.get(0)?,
            json: r.take(1)?,
            by_name: r.take(2)?,
            at: r.get(3)?,
        })
    })
    .collect()
}

// ---- partner organisations -------------------------------------------------

#[derive(Debug, Clone)]
pub struct PartnerRow {
    pub id: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub notes: Option<String>,
    pub active: bool,
}

const PARTNER_COLS: &str = "id, name, phone, email, notes, active";

fn partner(mut r: crate::Row) -> Result<PartnerRow> {
    Ok(PartnerRow {
        id: r.take(0)?,
        name: r.take(1)?,
        phone: r.take(2)?,
        email: r.take(3)?,
        notes: r.take(4)?,
        active: r.get(5)?,
    })
}

pub fn partners(c: &mut dyn Conn, only_active: bool) -> Result<Vec<PartnerRow>> {
    let rows = if only_active {
        c.query(
            &format!("select {PARTNER_COLS} from partner_organisations where active = $1 order by search_name"),
            params![true],
        )?
    } else {
        c.query(
            &format!("select {PARTNER_COLS} from partner_organisations order by search_name"),
            params![],
        )?
    };
    rows.into_iter().map(partner).collect()
}

pub fn partner_get(c: &mut dyn Conn, id: &str) -> Result<Option<PartnerRow>> {
    c.query_opt(
        &format!("select {PARTNER_COLS} from partner_organisations where id = $1"),
        params![id],
    )?
    .map(partner)
    .transpose()
}

/// Inserts or updates a partner. Returns false when another partner has the
/// same name (case and spacing aside).
pub fn partner_save(c: &mut dyn Conn, p: &PartnerRow, now: Timestamp) -> Result<bool> {
    let key = p
        .name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let clash = c.query_i64(
        "select count(*) from partner_organisations where search_name = $1 and id <> $2",
        params![key.as_str(), p.id.as_str()],
    )?;
    if clash > 0 {
        return Ok(false);
    }
    c.execute(
        "insert into partner_organisations (id, name, search_name, phone, email, notes, active, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $8)
         on conflict (id) do update set name = excluded.name, search_name = excluded.search_name,
           phone = excluded.phone, email = excluded.email, notes = excluded.notes,
           active = excluded.active, updated_at = excluded.updated_at",
        params![
            p.id.as_str(),
            p.name.as_str(),
            key,
            p.phone.clone(),
            p.email.clone(),
            p.notes.clone(),
            p.active,
            now
        ],
    )?;
    Ok(true)
}

// ---- prescriber details ----------------------------------------------------

/// A user's name, licence number and registration number.
pub type Prescriber = (String, Option<String>, Option<String>);

/// Name, licence and registration numbers of a user.
pub fn prescriber(c: &mut dyn Conn, user: UserId) -> Result<Option<Prescriber>> {
    c.query_opt(
        "select name, licence_number, registration_number from users where id = $1",
        params![user],
    )?
    .map(|mut r| Ok((r.take(0)?, r.take(1)?, r.take(2)?)))
    .transpose()
}

pub fn set_prescriber(
    c: &mut dyn Conn,
    user: UserId,
    licence: Option<&str>,
    registration: Option<&str>,
    now: Timestamp,
) -> Result<u64> {
    c.execute(
        "update users set licence_number = $2, registration_number = $3, updated_at = $4 where id = $1",
        params![user, licence, registration, now],
    )
}

// ---- assessments -----------------------------------------------------------

#[derive(Debug, Clone)]
pub struct AssessmentRow {
    pub id: String,
    pub journey_id: JourneyId,
    pub kind: String,
    pub systolic: Option<i64>,
    pub diastolic: Option<i64>,
    pub heart_rate: Option<i64>,
    pub readiness: Option<String>,
    pub findings_enc: Option<String>,
    pub recorded_by: UserId,
    pub recorded_by_name: Option<String>,
    pub recorded_at: Timestamp,
}

pub fn assessment_insert(c: &mut dyn Conn, a: &AssessmentRow) -> Result<()> {
    c.execute(
        "insert into assessments (id, journey_id, kind, systolic, diastolic, heart_rate, readiness, findings_enc, recorded_by, recorded_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        params![
            a.id.as_str(),
            a.journey_id,
            a.kind.as_str(),
            a.systolic,
            a.diastolic,
            a.heart_rate,
            a.readiness.clone(),
            a.findings_enc.clone(),
            a.recorded_by,
            a.recorded_at
        ],
    )?;
    Ok(())
}

/// A journey's assessment entries, oldest first.
pub fn assessments(c: &mut dyn Conn, journey: JourneyId) -> Result<Vec<AssessmentRow>> {
    c.query(
        "select a.id, a.journey_id, a.kind, a.systolic, a.diastolic, a.heart_rate, a.readiness,
                a.findings_enc, a.recorded_by, u.name, a.recorded_at
         from assessments a left join users u on u.id = a.recorded_by
         where a.journey_id = $1 order by a.recorded_at, a.id",
        params![journey],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(AssessmentRow {
            id: r.take(0)?,
            journey_id: r.get(1)?,
            kind: r.take(2)?,
            systolic: r.get(3)?,
            diastolic: r.get(4)?,
            heart_rate: r.get(5)?,
            readiness: r.take(6)?,
            findings_enc: r.take(7)?,
            recorded_by: r.get(8)?,
            recorded_by_name: r.take(9)?,
            recorded_at: r.get(10)?,
        })
    })
    .collect()
}

// ---- eligibility decisions -------------------------------------------------

#[derive(Debug, Clone)]
pub struct DecisionRow {
    pub id: String,
    pub journey_id: JourneyId,
    pub decision: String,
    pub ruleset_version: String,
    pub settings_version: i64,
    pub evaluation_enc: String,
    pub reasons_enc: String,
    pub revisit_on: Option<String>,
    pub decided_by: UserId,
    pub decided_by_name: Option<String>,
    pub decided_at: Timestamp,
}

pub fn decision_insert(c: &mut dyn Conn, d: &DecisionRow) -> Result<()> {
    c.execute(
        "insert into eligibility_decisions (id, journey_id, decision, ruleset_version, settings_version,
           evaluation_enc, reasons_enc, revisit_on, decided_by, decided_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        params![
            d.id.as_str(),
            d.journey_id,
            d.decision.as_str(),
            d.ruleset_version.as_str(),
            d.settings_version,
            d.evaluation_enc.as_str(),
            d.reasons_enc.as_str(),
            d.revisit_on.clone(),
            d.decided_by,
            d.decided_at
        ],
    )?;
    Ok(())
}

/// A journey's decisions, newest first.
pub fn decisions(c: &mut dyn Conn, journey: JourneyId) -> Result<Vec<DecisionRow>> {
    c.query(
        "select d.id, d.journey_id, d.decision, d.ruleset_version, d.settings_version, d.evaluation_enc,
                d.reasons_enc, d.revisit_on, d.decided_by, u.name, d.decided_at
         from eligibility_decisions d left join users u on u.id = d.decided_by
         where d.journey_id = $1 order by d.decided_at desc, d.id desc",
        params![journey],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(DecisionRow {
            id: r.take(0)?,
            journey_id: r.get(1)?,
            decision: r.take(2)?,
            ruleset_version: r.take(3)?,
            settings_version: r.get(4)?,
            evaluation_enc: r.take(5)?,
            reasons_enc: r.take(6)?,
            revisit_on: r.take(7)?,
            decided_by: r.get(8)?,
            decided_by_name: r.take(9)?,
            decided_at: r.get(10)?,
        })
    })
    .collect()
}

/// A client waiting for the physician's review.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub client_id: ClientId,
    pub name: String,
    pub journey_id: JourneyId,
    pub since: Timestamp,
}

/// Clients at physician review whose care team has `physician` as a physician,
/// longest waiting first.
pub fn review_queue(c: &mut dyn Conn, physician: UserId) -> Result<Vec<QueueItem>> {
    c.query(
        "select cl.id, cl.name, j.id, j.updated_at from journeys j
         join clients cl on cl.id = j.client_id
         where j.stage = 'physician-review'
           and exists (select 1 from care_team t where t.journey_id = j.id and t.user_id = $1 and t.role = 'physician')
         order by j.updated_at, j.id limit 500",
        params![physician],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(QueueItem {
            client_id: r.get(0)?,
            name: r.take(1)?,
            journey_id: r.get(2)?,
            since: r.get(3)?,
        })
    })
    .collect()
}

// ---- plans -----------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct PlanRow {
    pub journey_id: JourneyId,
    pub location: String,
    /// Checked home qualification items, space-separated.
    pub home_items: String,
    pub route: String,
    pub partner_id: Option<String>,
    pub partner_name: Option<String>,
    pub format: String,
    pub sessions: i64,
    pub support_role: String,
    pub support_name_enc: String,
    pub support_phone_enc: String,
    pub updated_by: UserId,
    pub updated_at: Timestamp,
}

pub fn plan_save(c: &mut dyn Conn, p: &PlanRow) -> Result<()> {
    c.execute(
        "insert into plans (journey_id, location, home_items, route, partner_id, format, sessions,
           support_role, support_name_enc, support_phone_enc, updated_by, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         on conflict (journey_id) do update set location = excluded.location, home_items = excluded.home_items,
           route = excluded.route, partner_id = excluded.partner_id, format = excluded.format,
           sessions = excluded.sessions, support_role = excluded.support_role,
           support_name_enc = excluded.support_name_enc, support_phone_enc = excluded.support_phone_enc,
           updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        params![
            p.journey_id,
            p.location.as_str(),
            p.home_items.as_str(),
            p.route.as_str(),
            p.partner_id.clone(),
            p.format.as_str(),
            p.sessions,
            p.support_role.as_str(),
            p.support_name_enc.as_str(),
            p.support_phone_enc.as_str(),
            p.updated_by,
            p.updated_at
        ],
    )?;
    Ok(())
}

pub fn plan_get(c: &mut dyn Conn, journey: JourneyId) -> Result<Option<PlanRow>> {
    c.query_opt(
        "select p.journey_id, p.location, p.home_items, p.route, p.partner_id, o.name, p.format, p.sessions,
                p.support_role, p.support_name_enc, p.support_phone_enc, p.updated_by, p.updated_at
         from plans p left join partner_organisations o on o.id = p.partner_id
         where p.journey_id = $1",
        params![journey],
    )?
    .map(|mut r| {
        Ok(PlanRow {
            journey_id: r.get(0)?,
            location: r.take(1)?,
            home_items: r.take(2)?,
            route: r.take(3)?,
            partner_id: r.take(4)?,
            partner_name: r.take(5)?,
            format: r.take(6)?,
            sessions: r.get(7)?,
            support_role: r.take(8)?,
            support_name_enc: r.take(9)?,
            support_phone_enc: r.take(10)?,
            updated_by: r.get(11)?,
            updated_at: r.get(12)?,
        })
    })
    .transpose()
}

// ---- prescriptions ---------------------------------------------------------

#[derive(Debug, Clone)]
pub struct PrescriptionRow {
    pub id: String,
    pub journey_id: JourneyId,
    pub route: String,
    pub dose_min: f64,
    pub dose_max: f64,
    pub booster_max: Option<f64>,
    pub quantity: Option<i64>,
    pub expires_on: String,
    pub range_reason_enc: Option<String>,
    pub settings_version: i64,
    pub prescriber_id: UserId,
    pub prescriber_name: String,
    pub licence_number: String,
    pub registration_number: String,
    pub signed_at: Timestamp,
    pub superseded_at: Option<Timestamp>,
}

/// Stores a signed prescription; the journey's earlier ones are superseded.
pub fn prescription_insert(c: &mut dyn Conn, p: &PrescriptionRow) -> Result<()> {
    c.execute(
        "update prescriptions set superseded_at = $2 where journey_id = $1 and superseded_at is null",
        params![p.journey_id, p.signed_at],
    )?;
    c.execute(
        "insert into prescriptions (id, journey_id, route, dose_min, dose_max, booster_max, quantity, expires_on,
           range_reason_enc, settings_version, prescriber_id, prescriber_name, licence_number,
           registration_number, signed_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        params![
            p.id.as_str(),
            p.journey_id,
            p.route.as_str(),
            p.dose_min,
            p.dose_max,
            p.booster_max,
            p.quantity,
            p.expires_on.as_str(),
            p.range_reason_enc.clone(),
            p.settings_version,
            p.prescriber_id,
            p.prescriber_name.as_str(),
            p.licence_number.as_str(),
            p.registration_number.as_str(),
            p.signed_at
        ],
    )?;
    Ok(())
}

/// The prescription in force for a journey (the latest, not superseded).
pub fn prescription_current(
    c: &mut dyn Conn,
    journey: JourneyId,
) -> Result<Option<PrescriptionRow>> {
    c.query_opt(
        "select id, journey_id, route, dose_min, dose_max, booster_max, quantity, expires_on, range_reason_enc,
                settings_version, prescriber_id, prescriber_name, licence_number, registration_number,
                signed_at, superseded_at
         from prescriptions where journey_id = $1 and superseded_at is null
         order by signed_at desc, id desc limit 1",
        params![journey],
    )?
    .map(|mut r| {
        Ok(PrescriptionRow {
            id: r.take(0)?,
            journey_id: r.get(1)?,
            route: r.take(2)?,
            dose_min: r.get(3)?,
            dose_max: r.get(4)?,
            booster_max: r.get(5)?,
            quantity: r.get(6)?,
            expires_on: r.take(7)?,
            range_reason_enc: r.take(8)?,
            settings_version: r.get(9)?,
            prescriber_id: r.get(10)?,
            prescriber_name: r.take(11)?,
            licence_number: r.take(12)?,
            registration_number: r.take(13)?,
            signed_at: r.get(14)?,
            superseded_at: r.get(15)?,
        })
    })
    .transpose()
}

// ---- consent documents and signatures --------------------------------------

#[derive(Debug, Clone)]
pub struct ConsentDocRow {
    pub kind: String,
    pub version: i64,
    pub title: String,
    pub body: String,
    pub published_by_name: Option<String>,
    pub published_at: Timestamp,
}

fn consent_doc(mut r: crate::Row) -> Result<ConsentDocRow> {
    Ok(ConsentDocRow {
        kind: r.take(0)?,
        version: r.get(1)?,
        title: r.take(2)?,
        body: r.take(3)?,
        published_by_name: r.take(4)?,
        published_at: r.get(5)?,
    })
}

const DOC_COLS: &str = "d.kind, d.version, d.title, d.body, u.name, d.published_at
     from consent_documents d left join users u on u.id = d.published_by";

/// The version in force of each kind (the highest).
pub fn consent_docs_current(c: &mut dyn Conn) -> Result<Vec<ConsentDocRow>> {
    c.query(
        &format!(
            "select {DOC_COLS} where d.version = (select max(d2.version) from consent_documents d2 where d2.kind = d.kind)
             order by d.kind"
        ),
        params![],
    )?
    .into_iter()
    .map(consent_doc)
    .collect()
}

/// Every version of one kind, newest first.
pub fn consent_doc_versions(c: &mut dyn Conn, kind: &str) -> Result<Vec<ConsentDocRow>> {
    c.query(
        &format!("select {DOC_COLS} where d.kind = $1 order by d.version desc"),
        params![kind],
    )?
    .into_iter()
    .map(consent_doc)
    .collect()
}

pub fn consent_doc_get(
    c: &mut dyn Conn,
    kind: &str,
    version: i64,
) -> Result<Option<ConsentDocRow>> {
    c.query_opt(
        &format!("select {DOC_COLS} where d.kind = $1 and d.version = $2"),
        params![kind, version],
    )?
    .map(consent_doc)
    .transpose()
}

/// Publishes the next version of a document and returns its number.
pub fn consent_doc_publish(
    c: &mut dyn Conn,
    kind: &str,
    title: &str,
    body: &str,
    by: Option<UserId>,
    now: Timestamp,
) -> Result<i64> {
    let next = c.query_i64(
        "select coalesce(max(version), 0) + 1 from consent_documents where kind = $1",
        params![kind],
    )?;
    c.execute(
        "insert into consent_documents (kind, version, title, body, published_by, published_at)
         values ($1, $2, $3, $4, $5, $6)",
        params![kind, next, title, body, by, now],
    )?;
    Ok(next)
}

#[derive(Debug, Clone)]
pub struct SignatureRow {
    pub id: String,
    pub journey_id: JourneyId,
    pub kind: String,
    pub version: i64,
    pub signed_name: String,
    pub signed_by: UserId,
    pub signed_at: Timestamp,
    pub signed_from: Option<String>,
    pub withdrawn_at: Option<Timestamp>,
}

pub fn signature_insert(c: &mut dyn Conn, s: &SignatureRow) -> Result<()> {
    c.execute(
        "insert into consent_signatures (id, journey_id, kind, version, signed_name, signed_by, signed_at, signed_from)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        params![
            s.id.as_str(),
            s.journey_id,
            s.kind.as_str(),
            s.version,
            s.signed_name.as_str(),
            s.signed_by,
            s.signed_at,
            s.signed_from.clone()
        ],
    )?;
    Ok(())
}

/// A journey's signatures, newest first.
pub fn signatures(c: &mut dyn Conn, journey: JourneyId) -> Result<Vec<SignatureRow>> {
    c.query(
        "select id, journey_id, kind, version, signed_name, signed_by, signed_at, signed_from, withdrawn_at
         from consent_signatures where journey_id = $1 order by signed_at desc, id desc",
        params![journey],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(SignatureRow {
            id: r.take(0)?,
            journey_id: r.get(1)?,
            kind: r.take(2)?,
            version: r.get(3)?,
            signed_name: r.take(4)?,
            signed_by: r.get(5)?,
            signed_at: r.get(6)?,
            signed_from: r.take(7)?,
            withdrawn_at: r.get(8)?,
        })
    })
    .collect()
}

/// Withdraws every standing signature of `kind` in the journey; returns how many.
pub fn signature_withdraw(
    c: &mut dyn Conn,
    journey: JourneyId,
    kind: &str,
    by: UserId,
    now: Timestamp,
) -> Result<u64> {
    c.execute(
        "update consent_signatures set withdrawn_at = $3, withdrawn_by = $4
         where journey_id = $1 and kind = $2 and withdrawn_at is null",
        params![journey, kind, now, by],
    )
}

// ---- partner people ---------------------------------------------------------

/// The organisation a medical-partner account belongs to.
pub fn partner_of(c: &mut dyn Conn, user: UserId) -> Result<Option<String>> {
    c.query(
        "select p.partner_id from partner_people p
         join partner_organisations o on o.id = p.partner_id
         where p.user_id = $1 and o.active",
        params![user],
    )?
    .into_iter()
    .next()
    .map(|mut r| r.take(0))
    .transpose()
}

/// Sets (or, with `None`, clears) the organisation an account belongs to.
pub fn set_partner_of(
    c: &mut dyn Conn,
    user: UserId,
    partner: Option<&str>,
    by: UserId,
    now: Timestamp,
) -> Result<()> {
    c.execute(
        "delete from partner_people where user_id = $1",
        params![user],
    )?;
    if let Some(partner) = partner {
        c.execute(
            "insert into partner_people (user_id, partner_id, added_by, added_at) values ($1, $2, $3, $4)",
            params![user, partner, by, now],
        )?;
    }
    Ok(())
}

/// An organisation's people: (user id, name), by name.
pub fn partner_people(c: &mut dyn Conn, partner: &str) -> Result<Vec<(UserId, String)>> {
    c.query(
        "select u.id, u.name from partner_people p join users u on u.id = p.user_id
         where p.partner_id = $1 and u.active order by u.name, u.id",
        params![partner],
    )?
    .into_iter()
    .map(|mut r| Ok((r.get(0)?, r.take(1)?)))
    .collect()
}
