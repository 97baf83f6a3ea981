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
}

impl AlertsPage {
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
) -> AppResult {
    let alerts = st.services.my_alerts(p).await?;
    Ok(page_with(
        status,
        &AlertsPage {
            chrome: ctx.chrome("Alerts"),
            alerts,
            errors,
        },
    ))
}

pub async fn list(State(st): State<AppState>, ctx: PageCtx, Signed(p): Signed) -> AppResult {
    render(&st, &ctx, &p, StatusCode::OK, Errors::default()).await
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
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
