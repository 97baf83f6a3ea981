//! The client reads, signs, keeps and withdraws consent documents in the portal.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use threshold_service::consents::ConsentPage;
use threshold_service::{Error, Principal};

use crate::error::AppResult;
use crate::extract::{Form, Signed};
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, page_with, see_other};

#[derive(Template)]
#[template(path = "consent.html")]
struct Page {
    chrome: Chrome,
    c: ConsentPage,
    errors: Errors,
    signed_name: String,
}

impl Page {
    fn when(&self, t: &jiff::Timestamp) -> String {
        self.chrome.when(t)
    }
}

async fn render(
    st: &AppState,
    ctx: &PageCtx,
    p: &Principal,
    kind: &str,
    status: StatusCode,
    errors: Errors,
    signed_name: String,
) -> AppResult {
    let c = st.services.my_consent(p, kind).await?;
    Ok(page_with(
        status,
        &Page {
            chrome: ctx.chrome(c.document.title.clone()),
            c,
            errors,
            signed_name,
        },
    ))
}

pub async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(kind): Path<String>,
) -> AppResult {
    render(
        &st,
        &ctx,
        &p,
        &kind,
        StatusCode::OK,
        Errors::default(),
        String::new(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignFields {
    version: String,
    signed_name: String,
    agree: String,
}

pub async fn sign(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(kind): Path<String>,
    Form(f): Form<SignFields>,
) -> AppResult {
    let r = st
        .services
        .sign_consent(&p, &kind, &f.version, &f.signed_name, !f.agree.is_empty())
        .await;
    match r {
        Ok(()) => Ok(see_other(&format!(
            "/portal/consents/{kind}?done=consent-signed"
        ))),
        Err(Error::Invalid(inv)) => {
            render(
                &st,
                &ctx,
                &p,
                &kind,
                StatusCode::UNPROCESSABLE_ENTITY,
                Errors(inv.0),
                f.signed_name,
            )
            .await
        }
        Err(Error::Conflict(m)) => {
            render(
                &st,
                &ctx,
                &p,
                &kind,
                StatusCode::CONFLICT,
                Errors(vec![threshold_domain::FieldError {
                    field: "signed_name".into(),
                    message: m,
                }]),
                f.signed_name,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn withdraw(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(kind): Path<String>,
) -> AppResult {
    let r = st.services.withdraw_consent(&p, &kind).await;
    crate::views::after_action(r, "/portal?done=consent-withdrawn", |status, errors| {
        render(&st, &ctx, &p, &kind, status, errors, String::new())
    })
    .await
}
