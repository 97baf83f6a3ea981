//! The JSON API under `/api/v1`, described by the OpenAPI document at
//! `/api/v1/openapi.json`. Errors are `{code, message, field?, errors?}`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use threshold_domain::ids::InquiryId;
use threshold_domain::inquiry::InquiryForm;
use threshold_service::{Actor, Error};
use utoipa::{OpenApi, ToSchema};

use crate::error::{AppError, AppResult, ErrorInfo, FieldErrorSchema};
use crate::extract::{ApiJson, Meta};
use crate::pages::inquiries::{QueueParams, parse_queue};
use crate::session::Auth;
use crate::state::AppState;

/// A consultation request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InquiryCreate {
    /// Full name, 1–200 characters.
    #[serde(default)]
    #[schema(required = true)]
    pub name: String,
    #[serde(default)]
    #[schema(required = true)]
    pub email: String,
    /// Required when `preferred_contact` is `phone` or `text`.
    #[serde(default)]
    pub phone: Option<String>,
    /// `email`, `phone` or `text`.
    #[serde(default)]
    #[schema(required = true)]
    pub preferred_contact: String,
    /// What brings them to the clinic, 1–4000 characters. Stored encrypted.
    #[serde(default)]
    #[schema(required = true)]
    pub reason: String,
    #[serde(default)]
    pub heard_from: Option<String>,
    /// Must be true: the person agreed to be contacted.
    #[serde(default)]
    #[schema(required = true)]
    pub consent_to_contact: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InquirySummary {
    pub id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub preferred_contact: String,
    pub status: String,
    /// `web` or `phone`.
    pub source: String,
    pub assigned_to_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InquiryList {
    pub items: Vec<InquirySummary>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub at: String,
    /// `created`, `assigned`, `contact`, `status`, `converted`, `invited`, `invitation-revoked`.
    pub kind: String,
    pub by: Option<String>,
    pub contact_method: Option<String>,
    pub contact_outcome: Option<String>,
    pub note: Option<String>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InquiryDetailBody {
    pub id: String,
    pub created_at: String,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub preferred_contact: String,
    pub reason: String,
    pub heard_from: Option<String>,
    pub source: String,
    pub status: String,
    pub closed_reason: Option<String>,
    pub assigned_to: Option<String>,
    pub assigned_to_name: Option<String>,
    pub client_id: Option<String>,
    pub history: Vec<HistoryEntry>,
}

/// Query parameters of the inquiry list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListParams {
    /// `open` (default), `all`, `new`, `contacted`, `consultation-booked`, `closed`, `converted`.
    status: Option<String>,
    /// Case-insensitive part of the name, at most 100 characters.
    q: Option<String>,
    /// `newest` (default), `oldest`, `name`.
    sort: Option<String>,
    /// 1-based page number.
    page: Option<i64>,
    /// 1–200, default 50.
    per_page: Option<i64>,
    /// `1` for only inquiries assigned to the caller.
    mine: Option<String>,
}

/// Creates an inquiry. Anonymous callers are rate-limited per address; with a
/// staff token (or a signed-in coordinator) it records a phone inquiry instead and
/// is not rate-limited.
#[utoipa::path(
    post,
    path = "/api/v1/inquiries",
    tag = "inquiries",
    request_body = InquiryCreate,
    responses(
        (status = 201, description = "Created", body = Created),
        (status = 400, description = "Malformed body", body = ErrorInfo),
        (status = 401, description = "Invalid or revoked token", body = ErrorInfo),
        (status = 403, description = "The token's roles may not record phone inquiries", body = ErrorInfo),
        (status = 413, description = "Body too large", body = ErrorInfo),
        (status = 415, description = "Not application/json", body = ErrorInfo),
        (status = 422, description = "Validation failed; `field` names the first field", body = ErrorInfo),
        (status = 429, description = "Too many requests from this address", body = ErrorInfo),
    ),
    security((), ("bearer" = []))
)]
pub async fn create_inquiry(
    State(st): State<AppState>,
    auth: axum::Extension<Auth>,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<InquiryCreate>,
) -> AppResult {
    let form = InquiryForm {
        name: body.name,
        email: body.email,
        phone: body.phone.unwrap_or_default(),
        preferred_contact: body.preferred_contact,
        reason: body.reason,
        heard_from: body.heard_from.unwrap_or_default(),
        consent_to_contact: body.consent_to_contact,
    };
    let id = match &auth.0 {
        Auth::Full(p) => st.services.submit_inquiry(Actor::User(p), &form).await?,
        _ => {
            if let Some(ip) = meta.source_ip.as_ref().and_then(|s| s.parse().ok())
                && st.public_limiter.check_key(&ip).is_err()
            {
                return Err(Error::RateLimited {
                    retry_after_secs: 600,
                }
                .into());
            }
            st.services
                .submit_inquiry(Actor::Anonymous(&meta), &form)
                .await?
        }
    };
    Ok((StatusCode::CREATED, Json(Created { id: id.to_string() })).into_response())
}

/// RFC 3339 in UTC with millisecond precision (`2026-11-25T18:15:06.123Z`).
fn rfc3339(t: &jiff::Timestamp) -> String {
    format!("{t:.3}")
}

/// The coordinator's queue, paginated. Every call is recorded in the audit trail
/// with the inquiries it returned.
#[utoipa::path(
    get,
    path = "/api/v1/inquiries",
    tag = "inquiries",
    params(ListParams),
    responses(
        (status = 200, description = "A page of inquiries", body = InquiryList),
        (status = 400, description = "A parameter is not one of the allowed values", body = ErrorInfo),
        (status = 401, description = "No valid credentials", body = ErrorInfo),
        (status = 403, description = "The caller may not see inquiries", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn list_inquiries(
    State(st): State<AppState>,
    crate::extract::Signed(p): crate::extract::Signed,
    Query(params): Query<QueueParams>,
) -> AppResult {
    let q = parse_queue(&params)?;
    let page = st.services.inquiry_queue(&p, q).await?;
    let body = InquiryList {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page
            .items
            .into_iter()
            .map(|i| InquirySummary {
                id: i.id.to_string(),
                created_at: rfc3339(&i.created_at),
                name: i.name,
                email: i.email,
                phone: i.phone,
                preferred_contact: i.preferred_contact.as_str().into(),
                status: i.status.as_str().into(),
                source: i.source.as_str().into(),
                assigned_to_name: i.assigned_name,
            })
            .collect(),
    };
    Ok(Json(body).into_response())
}

/// One inquiry with its history. Recorded in the audit trail.
#[utoipa::path(
    get,
    path = "/api/v1/inquiries/{id}",
    tag = "inquiries",
    params(("id" = String, Path, description = "The inquiry's id")),
    responses(
        (status = 200, description = "The inquiry", body = InquiryDetailBody),
        (status = 401, description = "No valid credentials", body = ErrorInfo),
        (status = 403, description = "The caller may not see inquiries", body = ErrorInfo),
        (status = 404, description = "No such inquiry", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn get_inquiry(
    State(st): State<AppState>,
    crate::extract::Signed(p): crate::extract::Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id: InquiryId = id.parse().map_err(|_| AppError::not_found())?;
    let d = st.services.inquiry(&p, id).await?;
    let i = d.inquiry;
    Ok(Json(InquiryDetailBody {
        id: i.id.to_string(),
        created_at: rfc3339(&i.created_at),
        name: i.name,
        email: i.email,
        phone: i.phone,
        preferred_contact: i.preferred_contact.as_str().into(),
        reason: d.reason,
        heard_from: i.heard_from,
        source: i.source.as_str().into(),
        status: i.status.as_str().into(),
        closed_reason: i.closed_reason.map(|r| r.as_str().into()),
        assigned_to: i.assigned_to.map(|u| u.to_string()),
        assigned_to_name: i.assigned_name,
        client_id: i.client_id.map(|c| c.to_string()),
        history: d
            .history
            .into_iter()
            .map(|h| HistoryEntry {
                at: rfc3339(&h.at),
                kind: h.kind.as_str().into(),
                by: h.actor_name,
                contact_method: h.contact_method.map(|m| m.as_str().into()),
                contact_outcome: h.contact_outcome.map(|o| o.as_str().into()),
                note: h.note,
                from_status: h.from_status.map(|s| s.as_str().into()),
                to_status: h.to_status.map(|s| s.as_str().into()),
            })
            .collect(),
    })
    .into_response())
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A staff API token (`threshold token create`), starting thr_",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Threshold API",
        description = "Ketamine-assisted psychotherapy practice platform. Errors are JSON {code, message, field?, errors?}. Writes made with a browser session cookie must carry the CSRF token in X-CSRF-Token.",
    ),
    paths(create_inquiry, list_inquiries, get_inquiry),
    components(schemas(ErrorInfo, FieldErrorSchema, InquiryCreate, Created, InquiryList, InquirySummary, InquiryDetailBody, HistoryEntry)),
    modifiers(&BearerAuth),
    tags((name = "inquiries", description = "Consultation requests and the coordinator's queue"))
)]
pub struct ApiDoc;

/// `/api/v1/openapi.json`
pub async fn openapi() -> Response {
    Json(document()).into_response()
}

/// The whole document: the inquiry API with the care and clinic APIs merged in.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::api_care::CareApi::openapi());
    doc.merge(crate::api_clinic::ClinicApi::openapi());
    doc.merge(crate::api_schedule::ScheduleApi::openapi());
    doc.merge(crate::api_groups::GroupsApi::openapi());
    doc
}

/// `/healthz`: 200 once the database answers.
pub async fn healthz(State(st): State<AppState>) -> Response {
    match st.services.db.ping().await {
        Ok(()) => Json(serde_json::json!({"status": "ok"})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database did not answer");
            let mut i = ErrorInfo::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "The database is not answering.",
            );
            i.internal = None;
            let mut res = (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable"})),
            )
                .into_response();
            res.extensions_mut().insert(crate::views::Rendered);
            res
        }
    }
}
