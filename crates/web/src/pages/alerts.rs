//! The safety-alert inbox of clinicians and physicians.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use threshold_service::Error;
use threshold_service::questionnaires::Alert;

use crate::error::AppResult;
use crate::extract::{Form, Signed};
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, page_with, see_other};

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    chrome: Chrome,
    alerts: Vec<Alert>,
    errors: Errors,
    /// The alert whose acknowledgement was refused: its field carries the errors.
    failed: Option<String>,
}

impl AlertsPage {
    /// The textarea's id: `action` for the refused form (the error summary links
    /// there), `action-<id>` for the others.
    fn field_id(&self, alert: &str) -> String {
        if self.failed.as_deref() == Some(alert) {
            "action".to_owned()
        } else {
            format!("action-{alert}")
        }
    }
    fn failed_here(&self, alert: &str) -> bool {
        self.failed.as_deref() == Some(alert)
    }
    fn when(&self, t: &jiff::Timestamp) -> String {
        self.chrome.when(t)
    }
}

async fn render(
    st: &AppState,
    ctx: &PageCtx,
    p: &threshold_service::Principal,
    status: StatusCode,
    errors: Errors,
    failed: Option<String>,
) -> AppResult {
    let alerts = st.services.my_alerts(p).await?;
    Ok(page_with(
        status,
        &AlertsPage {
            chrome: ctx.chrome("Alerts"),
            alerts,
            errors,
            failed,
        },
    ))
}

pub async fn list(State(st): State<AppState>, ctx: PageCtx, Signed(p): Signed) -> AppResult {
    render(&st, &ctx, &p, StatusCode::OK, Errors::default(), None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AckFields {
    action: String,
}

pub async fn acknowledge(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<AckFields>,
) -> AppResult {
    match st.services.acknowledge_alert(&p, &id, &f.action).await {
        Ok(()) => Ok(see_other("/alerts?done=acknowledged")),
        Err(Error::Invalid(inv)) => {
            render(
                &st,
                &ctx,
                &p,
                StatusCode::UNPROCESSABLE_ENTITY,
                Errors(inv.0),
                Some(id),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
