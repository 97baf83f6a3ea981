//! `/api/v1` for the care journey from assessment to a consented plan:
//! assessment entries, the physician review and decision, plans, prescriptions,
//! readiness, and the client's consents. Same permissions as the pages.
//! Decisions and prescriptions need a signed-in browser session that
//! re-authenticated (the `reauth` field), so API tokens can never make them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use threshold_domain::careplan::{AssessmentForm, DecisionForm, PlanForm, PrescriptionForm};
use threshold_domain::ids::ClientId;
use threshold_service::Principal;
use threshold_service::principal::Via;
use utoipa::{OpenApi, ToSchema};

use crate::error::{AppError, AppResult, ErrorInfo};
use crate::extract::{ApiJson, Signed};
use crate::state::AppState;

fn client_id(id: &str) -> Result<ClientId, AppError> {
    id.parse().map_err(|_| AppError::not_found())
}

/// Decisions and prescriptions: never with a token.
fn session_only(p: &Principal) -> Result<(), AppError> {
    match p.via {
        Via::Session { .. } => Ok(()),
        Via::Token { .. } => Err(ErrorInfo::new(
            StatusCode::FORBIDDEN,
            "session_required",
            "Eligibility decisions and prescriptions need a physician signed in to a browser session who re-authenticated; API tokens cannot make them.",
        )
        .into()),
    }
}

fn rfc3339(t: &jiff::Timestamp) -> String {
    format!("{t:.3}")
}

/// One assessment entry. Which fields count depends on `kind`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AssessmentCreate {
    /// `vitals`, `clinician` (clinicians only) or `physician` (physicians only).
    #[schema(required = true)]
    pub kind: String,
    /// Vitals: mmHg.
    pub systolic: Option<u16>,
    pub diastolic: Option<u16>,
    /// Vitals: beats a minute.
    pub heart_rate: Option<u16>,
    /// Clinician: `ready`, `ready-with-support` or `not-yet`.
    pub readiness: Option<String>,
    /// Clinician and physician: the findings. Stored encrypted.
    pub findings: Option<String>,
}

fn num(v: Option<u16>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

/// Records an assessment entry for a client on the caller's care team.
#[utoipa::path(
    post,
    path = "/api/v1/clients/{id}/assessments",
    tag = "care",
    params(("id" = String, Path, description = "The client's id")),
    request_body = AssessmentCreate,
    responses(
        (status = 201, description = "Recorded"),
        (status = 403, description = "The caller may not record assessments", body = ErrorInfo),
        (status = 404, description = "No such client on the caller's care teams", body = ErrorInfo),
        (status = 409, description = "The journey is not at assessment or review", body = ErrorInfo),
        (status = 422, description = "Validation failed", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn record_assessment(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AssessmentCreate>,
) -> AppResult {
    let id = client_id(&id)?;
    let form = AssessmentForm {
        kind: b.kind,
        systolic: num(b.systolic),
        diastolic: num(b.diastolic),
        heart_rate: num(b.heart_rate),
        readiness: b.readiness.unwrap_or_default(),
        findings: b.findings.unwrap_or_default(),
    };
    st.services.record_assessment(&p, id, &form).await?;
    Ok(StatusCode::CREATED.into_response())
}

/// Where the journey stands and what its next step still needs.
#[derive(Debug, Serialize, ToSchema)]
pub struct JourneyState {
    pub stage: String,
    /// Whether medicine sessions may be booked now (only from eligible on).
    pub ready: Option<bool>,
    /// What keeps readiness (or the next step) closed.
    pub missing: Vec<MissingItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MissingItem {
    /// Stable code (`consent-unsigned`, `prescription-expired`, ...).
    pub code: String,
    pub label: String,
}

async fn journey_state(st: &AppState, p: &Principal, id: ClientId) -> AppResult {
    let chart = st.services.client_chart(p, id).await?;
    let (Some(j), Some(care)) = (chart.journey, chart.care) else {
        return Err(AppError::not_found());
    };
    let (ready, missing) = match &care.readiness {
        Some(r) => (Some(r.is_ready()), r.missing().to_vec()),
        None => (None, care.next_gaps.clone()),
    };
    Ok(Json(JourneyState {
        stage: j.stage.as_str().into(),
        ready,
        missing: missing
            .iter()
            .map(|m| MissingItem {
                code: m.code().into(),
                label: m.label(),
            })
            .collect(),
    })
    .into_response())
}

/// The journey's stage and readiness for medicine sessions (care team only).
#[utoipa::path(
    get,
    path = "/api/v1/clients/{id}/readiness",
    tag = "care",
    params(("id" = String, Path, description = "The client's id")),
    responses(
        (status = 200, description = "Stage and readiness", body = JourneyState),
        (status = 404, description = "No such client on the caller's care teams", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn readiness(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id = client_id(&id)?;
    journey_state(&st, &p, id).await
}

/// Assessment → physician review, when its gate holds.
#[utoipa::path(
    post,
    path = "/api/v1/clients/{id}/review-request",
    tag = "care",
    params(("id" = String, Path, description = "The client's id")),
    responses(
        (status = 200, description = "Moved; the new state", body = JourneyState),
        (status = 403, description = "The caller may not", body = ErrorInfo),
        (status = 404, description = "No such client on the caller's care teams", body = ErrorInfo),
        (status = 409, description = "The gate is closed; the message names what is missing", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn request_review(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id = client_id(&id)?;
    st.services.request_review(&p, id).await?;
    journey_state(&st, &p, id).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueEntry {
    pub client_id: String,
    pub name: String,
    pub waiting_since: String,
}

/// Clients waiting for the caller's review (physicians).
#[utoipa::path(
    get,
    path = "/api/v1/review-queue",
    tag = "care",
    responses(
        (status = 200, description = "Longest waiting first", body = [QueueEntry]),
        (status = 403, description = "Not a physician", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn review_queue(State(st): State<AppState>, Signed(p): Signed) -> AppResult {
    let items = st.services.review_queue(&p).await?;
    Ok(Json(
        items
            .into_iter()
            .map(|i| QueueEntry {
                client_id: i.client_id.to_string(),
                name: i.name,
                waiting_since: rfc3339(&i.since),
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingBody {
    /// The rule's id (`absolute.psychosis`, `relative.liver-disease`, ...).
    pub rule: String,
    /// `absolute`, `relative` or `informational`.
    pub severity: String,
    pub title: String,
    pub evidence: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewBody {
    pub stage: String,
    pub ruleset_version: String,
    /// 0 when the clinic's settings were never changed from the defaults.
    pub settings_version: i64,
    pub findings: Vec<FindingBody>,
    /// What the rules could not judge for lack of data.
    pub missing: Vec<String>,
}

/// The contraindication evaluation a decision would be made on now.
#[utoipa::path(
    get,
    path = "/api/v1/clients/{id}/review",
    tag = "care",
    params(("id" = String, Path, description = "The client's id")),
    responses(
        (status = 200, description = "The evaluation", body = ReviewBody),
        (status = 403, description = "Not a physician", body = ErrorInfo),
        (status = 404, description = "No such client on the caller's care teams", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn review(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id = client_id(&id)?;
    let r = st.services.review(&p, id).await?;
    Ok(Json(ReviewBody {
        stage: r.stage.as_str().into(),
        ruleset_version: r.evaluation.ruleset_version.clone(),
        settings_version: r.settings_version,
        findings: r
            .evaluation
            .findings
            .iter()
            .map(|f| FindingBody {
                rule: f.rule.as_str().into(),
                severity: f.severity.as_str().into(),
                title: f.title.clone(),
                evidence: f.evidence.clone(),
            })
            .collect(),
        missing: r
            .evaluation
            .missing
            .iter()
            .map(|m| m.title.clone())
            .collect(),
    })
    .into_response())
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OverrideBody {
    /// A relative rule's id.
    pub rule: String,
    pub reason: String,
}

/// The physician's decision.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct DecisionCreate {
    /// `eligible`, `deferred` or `referred-out`.
    #[schema(required = true)]
    pub decision: String,
    /// Eligible: one written reason per relative finding.
    pub overrides: Vec<OverrideBody>,
    /// Eligible with data missing: why.
    pub unjudged_reason: Option<String>,
    /// Deferred: `YYYY-MM-DD`, after today.
    pub revisit_on: Option<String>,
    /// Deferred: supports offered (the client sees it).
    pub supports: Option<String>,
    /// Referred out: reason and resources (the client sees both).
    pub referral_reason: Option<String>,
    pub referral_resources: Option<String>,
    pub note: Option<String>,
    /// Password or TOTP code, unless the session re-authenticated in the last 5 minutes.
    pub reauth: Option<String>,
}

/// Records the physician's decision. Browser sessions only (CSRF header), with
/// re-authentication; tokens get 403.
#[utoipa::path(
    post,
    path = "/api/v1/clients/{id}/decision",
    tag = "care",
    params(("id" = String, Path, description = "The client's id")),
    request_body = DecisionCreate,
    responses(
        (status = 200, description = "Decided; the new state", body = JourneyState),
        (status = 403, description = "Not a physician, or an API token", body = ErrorInfo),
        (status = 404, description = "No such client on the caller's care teams", body = ErrorInfo),
        (status = 409, description = "Not waiting for review", body = ErrorInfo),
        (status = 422, description = "Refused: an absolute contraindication, a missing override reason, re-authentication needed, ...", body = ErrorInfo),
    ),
    security(())
)]
pub async fn decide(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DecisionCreate>,
) -> AppResult {
    session_only(&p)?;
    let id = client_id(&id)?;
    let form = DecisionForm {
        decision: b.decision,
        overrides: b
            .overrides
            .into_iter()
            .map(|o| (o.rule, o.reason))
            .collect(),
        unjudged_reason: b.unjudged_reason.unwrap_or_default(),
        revisit_on: b.revisit_on.unwrap_or_default(),
        supports: b.supports.unwrap_or_default(),
        referral_reason: b.referral_reason.unwrap_or_default(),
        referral_resources: b.referral_resources.unwrap_or_default(),
        note: b.note.unwrap_or_default(),
    };
    st.services
        .decide(&p, id, &form, b.reauth.as_deref().unwrap_or(""))
        .await?;
    journey_state(&st, &p, id).await
}

/// The treatment plan with its support plan.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct PlanBody {
    /// `in-office` or `in-home`.
    #[schema(required = true)]
    pub location: String,
    /// In-home: every item of `session-monitor`, `bp-cuff`, `quiet-private-space`, `phone`, `emergency-care-nearby`.
    pub home_items: Vec<String>,
    /// `iv` or `lozenge`.
    #[schema(required = true)]
    pub route: String,
    /// IV: a partner organisation's id.
    pub partner: Option<String>,
    /// `individual` or `group`.
    #[schema(required = true)]
    pub format: String,
    #[schema(required = true)]
    pub sessions: u8,
    /// Who takes the client home, or (in-home) the adult session monitor.
    #[schema(required = true)]
    pub support_name: String,
    #[schema(required = true)]
    pub support_phone: String,
}

/// Saves the plan. The first plan of an eligible client moves the journey to consents.
#[utoipa::path(
    put,
    path = "/api/v1/clients/{id}/plan",
    tag = "care",
    params(("id" = String, Path, description = "The client's id")),
    request_body = PlanBody,
    responses(
        (status = 200, description = "Saved; the new state", body = JourneyState),
        (status = 403, description = "The caller may not", body = ErrorInfo),
        (status = 404, description = "No such client on the caller's care teams", body = ErrorInfo),
        (status = 409, description = "Not eligible", body = ErrorInfo),
        (status = 422, description = "Validation failed", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn save_plan(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PlanBody>,
) -> AppResult {
    let id = client_id(&id)?;
    let form = PlanForm {
        location: b.location,
        home_items: b.home_items,
        route: b.route,
        partner: b.partner.unwrap_or_default(),
        format: b.format,
        sessions: b.sessions.to_string(),
        support_name: b.support_name,
        support_phone: b.support_phone,
    };
    st.services.save_plan(&p, id, &form).await?;
    journey_state(&st, &p, id).await
}

/// A prescription for the plan's route.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct PrescriptionCreate {
    /// mg for lozenges, mg/kg for IV.
    #[schema(required = true)]
    pub dose_min: f64,
    #[schema(required = true)]
    pub dose_max: f64,
    /// The largest booster, if one may be given.
    pub booster_max: Option<f64>,
    /// Lozenges: how many the pharmacy dispenses.
    pub quantity: Option<u16>,
    /// `YYYY-MM-DD`, after today and within a year.
    #[schema(required = true)]
    pub expires_on: String,
    /// Required when a dose is outside the clinic's allowed range.
    pub range_reason: Option<String>,
    /// Password or TOTP code, unless the session re-authenticated in the last 5 minutes.
    pub reauth: Option<String>,
}

/// The physician signs a prescription. Browser sessions only, with
/// re-authentication; tokens get 403.
#[utoipa::path(
    post,
    path = "/api/v1/clients/{id}/prescriptions",
    tag = "care",
    params(("id" = String, Path, description = "The client's id")),
    request_body = PrescriptionCreate,
    responses(
        (status = 200, description = "Signed; the new state", body = JourneyState),
        (status = 403, description = "Not a physician, or an API token", body = ErrorInfo),
        (status = 404, description = "No such client on the caller's care teams", body = ErrorInfo),
        (status = 409, description = "No plan, or no licence details on the profile", body = ErrorInfo),
        (status = 422, description = "Validation failed", body = ErrorInfo),
    ),
    security(())
)]
pub async fn sign_prescription(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PrescriptionCreate>,
) -> AppResult {
    session_only(&p)?;
    let id = client_id(&id)?;
    let form = PrescriptionForm {
        dose_min: b.dose_min.to_string(),
        dose_max: b.dose_max.to_string(),
        booster_allowed: b.booster_max.is_some(),
        booster_max: b.booster_max.map(|v| v.to_string()).unwrap_or_default(),
        quantity: b.quantity.map(|q| q.to_string()).unwrap_or_default(),
        expires_on: b.expires_on,
        range_reason: b.range_reason.unwrap_or_default(),
    };
    st.services
        .sign_prescription(&p, id, &form, b.reauth.as_deref().unwrap_or(""))
        .await?;
    journey_state(&st, &p, id).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentEntry {
    /// `kap-informed-consent`, `in-home`, `group-confidentiality`, `iv-partner-release`.
    pub kind: String,
    pub title: Option<String>,
    /// The version in force.
    pub version: Option<i64>,
    pub required: bool,
    /// Signed for the version in force and not withdrawn.
    pub signed: bool,
    pub withdrawn: bool,
}

/// The signed-in client's consents.
#[utoipa::path(
    get,
    path = "/api/v1/portal/consents",
    tag = "care",
    responses(
        (status = 200, description = "The consents the plan needs, and any signed", body = [ConsentEntry]),
        (status = 403, description = "Not a client", body = ErrorInfo),
    ),
    security(())
)]
pub async fn my_consents(State(st): State<AppState>, Signed(p): Signed) -> AppResult {
    let care = st.services.my_care(&p).await?;
    Ok(Json(
        care.consents
            .iter()
            .map(|c| ConsentEntry {
                kind: c.kind.as_str().into(),
                title: c.current.as_ref().map(|d| d.title.clone()),
                version: c.current.as_ref().map(|d| d.version),
                required: c.required,
                signed: c.counts,
                withdrawn: c
                    .signature
                    .as_ref()
                    .is_some_and(|s| s.withdrawn_at.is_some()),
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ConsentSign {
    /// The version read.
    #[schema(required = true)]
    pub version: i64,
    /// The client's full name as the clinic has it.
    #[schema(required = true)]
    pub signed_name: String,
    /// Must be true.
    #[schema(required = true)]
    pub agree: bool,
}

/// The client signs a consent document.
#[utoipa::path(
    post,
    path = "/api/v1/portal/consents/{kind}",
    tag = "care",
    params(("kind" = String, Path, description = "The document's kind")),
    request_body = ConsentSign,
    responses(
        (status = 201, description = "Signed"),
        (status = 404, description = "Not a document the client's plan needs", body = ErrorInfo),
        (status = 409, description = "A newer version is in force, or already signed", body = ErrorInfo),
        (status = 422, description = "Validation failed", body = ErrorInfo),
    ),
    security(())
)]
pub async fn sign_consent(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(kind): Path<String>,
    ApiJson(b): ApiJson<ConsentSign>,
) -> AppResult {
    st.services
        .sign_consent(&p, &kind, &b.version.to_string(), &b.signed_name, b.agree)
        .await?;
    Ok(StatusCode::CREATED.into_response())
}

/// The client withdraws a consent.
#[utoipa::path(
    post,
    path = "/api/v1/portal/consents/{kind}/withdraw",
    tag = "care",
    params(("kind" = String, Path, description = "The document's kind")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 409, description = "Nothing signed to withdraw", body = ErrorInfo),
    ),
    security(())
)]
pub async fn withdraw_consent(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(kind): Path<String>,
) -> AppResult {
    st.services.withdraw_consent(&p, &kind).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(OpenApi)]
#[openapi(
    paths(record_assessment, readiness, request_review, review_queue, review, decide, save_plan, sign_prescription, my_consents, sign_consent, withdraw_consent),
    components(schemas(AssessmentCreate, JourneyState, MissingItem, QueueEntry, FindingBody, ReviewBody, OverrideBody, DecisionCreate, PlanBody, PrescriptionCreate, ConsentEntry, ConsentSign)),
    tags((name = "care", description = "Assessment, physician review, plans, prescriptions, readiness and the client's consents"))
)]
pub struct CareApi;
