//! Administration: the mail outbox. Queued mail stays visible when the SMTP
//! server is down; in demo mode the messages are shown in full, so invitation
//! links can be followed without a mail server.

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use threshold_domain::ids::MailId;
use threshold_store::outbox::{MailRow, MailStatus};

use crate::error::{AppError, AppResult};
use crate::extract::Signed;
use crate::state::AppState;
use crate::views::{Chrome, PageCtx, page, see_other};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MailParams {
    status: String,
    page: String,
}

#[derive(Template)]
#[template(path = "admin_mail.html")]
struct MailPage {
    chrome: Chrome,
    rows: Vec<MailRow>,
    queued: i64,
    sent: i64,
    failed: i64,
    demo: bool,
    status: String,
    page: i64,
}

impl MailPage {
    /// The first link in a message (demo mode: invitation and reset links).
    fn link_in(&self, body: &str) -> Option<String> {
        let start = body.find("http://").or_else(|| body.find("https://"))?;
        let rest = &body[start..];
        Some(rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())].to_owned())
    }
    fn when(&self, t: &jiff::Timestamp) -> String {
        self.chrome.when(t)
    }
}

pub async fn list(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Query(q): Query<MailParams>,
) -> AppResult {
    let status = match q.status.as_str() {
        "" => None,
        s => Some(
            MailStatus::parse(s)
                .ok_or_else(|| AppError::bad_request("status must be queued, sent or failed"))?,
        ),
    };
    let page_no = match q.page.as_str() {
        "" => 1,
        s => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=100_000).contains(n))
            .ok_or_else(|| AppError::bad_request("page must be a whole number from 1"))?,
    };
    let (rows, (queued, sent, failed)) = st.services.outbox(&p, status, page_no).await?;
    Ok(page(&MailPage {
        chrome: ctx.chrome("Mail outbox"),
        rows,
        queued,
        sent,
        failed,
        demo: st.services.settings.demo,
        status: q.status,
        page: page_no,
    }))
}

pub async fn retry(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id: MailId = id.parse().map_err(|_| AppError::not_found())?;
    st.services.retry_mail(&p, id).await?;
    Ok(see_other("/admin/mail?done=retried"))
}
