//! Administration: browsing the audit trail.

use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;
use threshold_domain::audit::ChainedRecord;
use threshold_domain::ids::{ClientId, UserId};
use threshold_store::audit::AuditFilter;

use crate::error::{AppError, AppResult};
use crate::extract::Signed;
use crate::state::AppState;
use crate::views::{Chrome, PageCtx, page};

const PAGE: i64 = 100;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct AuditParams {
    actor: String,
    action: String,
    client: String,
    subject: String,
    from: String,
    to: String,
    before: String,
}

fn day_start(field: &str, s: &str) -> Result<Option<i64>, AppError> {
    if s.is_empty() {
        return Ok(None);
    }
    let d: jiff::civil::Date = s
        .parse()
        .map_err(|_| AppError::bad_request(format!("{field} must be a date like 2026-11-25")))?;
    let ts = d
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .map_err(|_| AppError::bad_request(format!("{field} is out of range")))?
        .timestamp();
    Ok(Some(ts.as_millisecond()))
}

fn parse(p: &AuditParams) -> Result<AuditFilter, AppError> {
    let id = |field: &str, s: &str| -> Result<Option<String>, AppError> {
        if s.is_empty() {
            return Ok(None);
        }
        s.parse::<UserId>()
            .map(|u| Some(u.to_string()))
            .map_err(|_| AppError::bad_request(format!("{field} must be a record id")))
    };
    let action = match p.action.as_str() {
        "" => None,
        a if a.len() <= 60
            && a.chars()
                .all(|c| c.is_ascii_lowercase() || c == '.' || c == '-') =>
        {
            Some(a.to_owned())
        }
        _ => {
            return Err(AppError::bad_request(
                "action must be an action name such as inquiry.viewed, or a prefix such as inquiry.",
            ));
        }
    };
    let client = match p.client.as_str() {
        "" => None,
        s => Some(
            s.parse::<ClientId>()
                .map_err(|_| AppError::bad_request("client must be a client id"))?
                .to_string(),
        ),
    };
    let to = day_start("to", &p.to)?.map(|t| t + 86_400_000);
    let before = match p.before.as_str() {
        "" => None,
        s => Some(
            s.parse::<i64>()
                .map_err(|_| AppError::bad_request("before must be an entry number"))?,
        ),
    };
    Ok(AuditFilter {
        actor_user_id: id("actor", &p.actor)?,
        action,
        client_id: client,
        subject_id: id("subject", &p.subject)?,
        from_ms: day_start("from", &p.from)?,
        to_ms: to,
        before_seq: before,
    })
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    chrome: Chrome,
    rows: Vec<ChainedRecord>,
    names: Vec<(String, String)>,
    p: AuditParams,
    older: Option<String>,
}

impl AuditPage {
    fn when(&self, ms: &i64) -> String {
        jiff::Timestamp::from_millisecond(*ms)
            .map(|t| {
                t.to_zoned_datetime(self.chrome.tz.clone())
                    .strftime("%Y-%m-%d %H:%M:%S %Z")
                    .to_string()
            })
            .unwrap_or_default()
    }
    fn name_of(&self, id: &str) -> Option<&str> {
        self.names
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, n)| n.as_str())
    }
    /// The first few record ids; the rest are behind "and N more".
    fn first_subjects(&self, r: &ChainedRecord) -> Vec<String> {
        r.record
            .subject_ids
            .split(',')
            .filter(|s| !s.is_empty())
            .take(3)
            .map(str::to_owned)
            .collect()
    }
    fn more_subjects(&self, r: &ChainedRecord) -> Vec<String> {
        r.record
            .subject_ids
            .split(',')
            .filter(|s| !s.is_empty())
            .skip(3)
            .map(str::to_owned)
            .collect()
    }
}

pub async fn list(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(pr): Signed,
    Query(p): Query<AuditParams>,
) -> AppResult {
    let filter = parse(&p)?;
    let (rows, names) = st.services.audit_search(&pr, filter, PAGE).await?;
    let older = (rows.len() as i64 == PAGE).then(|| {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        format!(
            "/admin/audit?actor={}&action={}&client={}&subject={}&from={}&to={}&before={}",
            enc(&p.actor),
            enc(&p.action),
            enc(&p.client),
            enc(&p.subject),
            enc(&p.from),
            enc(&p.to),
            rows.last().map_or(0, |r| r.record.seq)
        )
    });
    Ok(page(&AuditPage {
        chrome: ctx.chrome("Audit trail"),
        rows,
        names,
        p,
        older,
    }))
}
