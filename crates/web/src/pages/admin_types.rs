//! Administration: each appointment type's length and whether it may be held by
//! video.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use threshold_service::Principal;
use threshold_service::schedule::KindSetting;

use crate::error::AppResult;
use crate::extract::{Form, Signed};
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, after_action, page_with};

#[derive(Template)]
#[template(path = "admin_types.html")]
struct Page {
    chrome: Chrome,
    kinds: Vec<KindSetting>,
    errors: Errors,
    failed: String,
}

async fn render(
    st: &AppState,
    ctx: &PageCtx,
    p: &Principal,
    status: StatusCode,
    errors: Errors,
    failed: String,
) -> AppResult {
    st.services
        .require(p, threshold_domain::Permission::ManageClinic)
        .await?;
    let kinds = st.services.kind_settings().await?;
    Ok(page_with(
        status,
        &Page {
            chrome: ctx.chrome("Appointment types"),
            kinds,
            errors,
            failed,
        },
    ))
}

pub async fn show(State(st): State<AppState>, ctx: PageCtx, Signed(p): Signed) -> AppResult {
    render(
        &st,
        &ctx,
        &p,
        StatusCode::OK,
        Errors::default(),
        String::new(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Fields {
    kind: String,
    minutes: String,
    video: String,
}

pub async fn save(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Form(f): Form<Fields>,
) -> AppResult {
    let r = st
        .services
        .set_kind_setting(&p, &f.kind, &f.minutes, !f.video.is_empty())
        .await;
    let failed = f.kind.clone();
    after_action(
        r,
        "/admin/appointment-types?done=saved",
        |status, errors| render(&st, &ctx, &p, status, errors, failed),
    )
    .await
}
