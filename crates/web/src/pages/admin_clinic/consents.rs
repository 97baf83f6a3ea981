//! Consent documents: each kind with its version in force, and one kind's
//! versions with a form to publish the next.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use threshold_domain::journey::ConsentKind;
use threshold_service::Principal;
use threshold_store::careplan::ConsentDocRow;

use crate::error::{AppError, AppResult};
use crate::extract::{Form, Signed};
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, after_action, page_with};

pub struct DocSummary {
    pub kind: &'static str,
    pub label: &'static str,
    pub current: Option<ConsentDocRow>,
}

#[derive(Template)]
#[template(path = "admin_consents.html")]
struct ConsentsPage {
    chrome: Chrome,
    docs: Vec<DocSummary>,
}

impl ConsentsPage {
    fn when(&self, t: &jiff::Timestamp) -> String {
        self.chrome.when(t)
    }
}

pub async fn consents(State(st): State<AppState>, ctx: PageCtx, Signed(p): Signed) -> AppResult {
    let current = st.services.consent_documents(&p).await?;
    let docs = ConsentKind::ALL
        .into_iter()
        .map(|k| DocSummary {
            kind: k.as_str(),
            label: k.label(),
            current: current.iter().find(|d| d.kind == k.as_str()).cloned(),
        })
        .collect();
    Ok(page_with(
        StatusCode::OK,
        &ConsentsPage {
            chrome: ctx.chrome("Consent documents"),
            docs,
        },
    ))
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct PublishFields {
    title: String,
    body: String,
}

#[derive(Template)]
#[template(path = "admin_consent.html")]
struct ConsentPage {
    chrome: Chrome,
    kind: &'static str,
    label: &'static str,
    versions: Vec<ConsentDocRow>,
    next_version: i64,
    f: PublishFields,
    errors: Errors,
}

impl ConsentPage {
    fn when(&self, t: &jiff::Timestamp) -> String {
        self.chrome.when(t)
    }
}

fn parse_kind(kind: &str) -> Result<ConsentKind, AppError> {
    kind.parse().map_err(|()| AppError::not_found())
}

async fn render_consent(
    st: &AppState,
    ctx: &PageCtx,
    p: &Principal,
    kind: ConsentKind,
    status: StatusCode,
    typed: Option<PublishFields>,
    errors: Errors,
) -> AppResult {
    let (kind, versions) = st
        .services
        .consent_document_versions(p, kind.as_str())
        .await?;
    // The form starts from the text in force, or from the starter text.
    let f = typed.unwrap_or_else(|| match versions.first() {
        Some(d) => PublishFields {
            title: d.title.clone(),
            body: d.body.clone(),
        },
        None => {
            let (title, body) = threshold_service::consent_texts::starter(kind);
            PublishFields {
                title: title.to_owned(),
                body: body.to_owned(),
            }
        }
    });
    Ok(page_with(
        status,
        &ConsentPage {
            chrome: ctx.chrome(kind.label()),
            kind: kind.as_str(),
            label: kind.label(),
            next_version: versions.first().map_or(1, |d| d.version + 1),
            versions,
            f,
            errors,
        },
    ))
}

pub async fn consent(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(kind): Path<String>,
) -> AppResult {
    let kind = parse_kind(&kind)?;
    render_consent(&st, &ctx, &p, kind, StatusCode::OK, None, Errors::default()).await
}

pub async fn publish_consent(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(kind): Path<String>,
    Form(f): Form<PublishFields>,
) -> AppResult {
    let kind = parse_kind(&kind)?;
    let r = st
        .services
        .publish_consent(&p, kind.as_str(), &f.title, &f.body)
        .await;
    after_action(
        r.map(|_| ()),
        &format!("/admin/consents/{kind}?done=published"),
        |status, errors| render_consent(&st, &ctx, &p, kind, status, Some(f.clone()), errors),
    )
    .await
}
