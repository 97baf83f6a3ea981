//! The care team's work between assessment and a consented plan: assessment
//! entries, the request for review, the physician's review queue and decision,
//! the plan and the prescription (with its printable page).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use threshold_domain::careplan::{
    AssessmentForm, DecisionForm, PlanForm, PrescriptionForm, fmt_dose, override_field,
};
use threshold_domain::ids::ClientId;
use threshold_domain::rules::Finding;
use threshold_service::careplan::{PlanView, PrescriptionView, Review};
use threshold_service::{Error, Principal};
use threshold_store::careplan::QueueItem;
use threshold_store::clients::ClientRow;

use crate::error::AppResult;
use crate::extract::{Form, Signed};
use crate::pages::clients::{parse_id, render_posted};
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, page, page_with, see_other};

type Fields = Vec<(String, String)>;

fn field(f: &Fields, name: &str) -> String {
    f.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// After an action on the chart: back to the chart with a notice, or the chart
/// again with the problem and the form as typed.
async fn on_chart(
    st: &AppState,
    ctx: &PageCtx,
    p: &Principal,
    id: ClientId,
    r: Result<(), Error>,
    done: &str,
    posted: Fields,
) -> AppResult {
    crate::views::after_action(
        r,
        &format!("/clients/{id}?done={done}"),
        |status, errors| render_posted(st, ctx, p, id, status, errors, posted),
    )
    .await
}

pub async fn record_assessment(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> AppResult {
    let id = parse_id(&id)?;
    let form = AssessmentForm {
        kind: field(&f, "kind"),
        systolic: field(&f, "systolic"),
        diastolic: field(&f, "diastolic"),
        heart_rate: field(&f, "heart_rate"),
        readiness: field(&f, "readiness"),
        findings: field(&f, "findings"),
    };
    let r = st.services.record_assessment(&p, id, &form).await;
    on_chart(&st, &ctx, &p, id, r, "assessment", f).await
}

pub async fn request_review(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id = parse_id(&id)?;
    let r = st.services.request_review(&p, id).await;
    on_chart(&st, &ctx, &p, id, r, "review-requested", Vec::new()).await
}

pub async fn revisit(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id = parse_id(&id)?;
    let r = st.services.revisit(&p, id).await;
    on_chart(&st, &ctx, &p, id, r, "revisit", Vec::new()).await
}

pub async fn withdraw(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> AppResult {
    let id = parse_id(&id)?;
    let r = st
        .services
        .withdraw_journey(&p, id, &field(&f, "reason"))
        .await;
    on_chart(&st, &ctx, &p, id, r, "withdrawn", f).await
}

pub(crate) fn plan_form(f: &Fields) -> PlanForm {
    PlanForm {
        location: field(f, "location"),
        home_items: f
            .iter()
            .filter(|(k, _)| k == "home_items")
            .map(|(_, v)| v.clone())
            .collect(),
        route: field(f, "route"),
        partner: field(f, "partner"),
        format: field(f, "format"),
        sessions: field(f, "sessions"),
        support_name: field(f, "support_name"),
        support_phone: field(f, "support_phone"),
    }
}

pub async fn save_plan(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> AppResult {
    let id = parse_id(&id)?;
    let r = st.services.save_plan(&p, id, &plan_form(&f)).await;
    on_chart(&st, &ctx, &p, id, r, "plan", f).await
}

pub(crate) fn prescription_form(f: &Fields) -> PrescriptionForm {
    PrescriptionForm {
        dose_min: field(f, "dose_min"),
        dose_max: field(f, "dose_max"),
        booster_allowed: !field(f, "booster_allowed").is_empty(),
        booster_max: field(f, "booster_max"),
        quantity: field(f, "quantity"),
        expires_on: field(f, "expires_on"),
        range_reason: field(f, "range_reason"),
    }
}

pub async fn sign_prescription(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> AppResult {
    let id = parse_id(&id)?;
    let r = st
        .services
        .sign_prescription(&p, id, &prescription_form(&f), &field(&f, "reauth"))
        .await;
    on_chart(&st, &ctx, &p, id, r, "prescription", f).await
}

#[derive(Template)]
#[template(path = "prescription.html")]
struct PrescriptionPage {
    chrome: Chrome,
    client: ClientRow,
    plan: PlanView,
    rx: PrescriptionView,
}

impl PrescriptionPage {
    fn when(&self, t: &jiff::Timestamp) -> String {
        self.chrome.when(t)
    }
    fn dose(&self, v: &f64) -> String {
        fmt_dose(*v)
    }
    fn unit(&self) -> &'static str {
        if self.rx.row.route == "iv" {
            "mg/kg"
        } else {
            "mg"
        }
    }
}

/// The prescription in force, as a clean page a pharmacy can read (print it
/// from the browser).
pub async fn prescription(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id = parse_id(&id)?;
    let (client, plan, rx) = st.services.prescription(&p, id).await?;
    Ok(page(&PrescriptionPage {
        chrome: ctx.chrome("Prescription"),
        client,
        plan,
        rx,
    }))
}

#[derive(Template)]
#[template(path = "review_queue.html")]
struct QueuePage {
    chrome: Chrome,
    items: Vec<QueueItem>,
}

impl QueuePage {
    fn when(&self, t: &jiff::Timestamp) -> String {
        self.chrome.when(t)
    }
}

pub async fn queue(State(st): State<AppState>, ctx: PageCtx, Signed(p): Signed) -> AppResult {
    let items = st.services.review_queue(&p).await?;
    Ok(page(&QueuePage {
        chrome: ctx.chrome("Physician review"),
        items,
    }))
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    chrome: Chrome,
    r: Review,
    errors: Errors,
    posted: Fields,
}

impl ReviewPage {
    fn when(&self, t: &jiff::Timestamp) -> String {
        self.chrome.when(t)
    }
    fn v(&self, name: &str) -> String {
        field(&self.posted, name)
    }
    fn chosen(&self, value: &str) -> bool {
        field(&self.posted, "decision") == value
    }
    fn override_name(&self, f: &Finding) -> String {
        override_field(f.rule)
    }
    fn can_decide(&self) -> bool {
        self.r.stage == threshold_domain::journey::Stage::PhysicianReview
    }
}

async fn render_review(
    st: &AppState,
    ctx: &PageCtx,
    p: &Principal,
    id: ClientId,
    status: StatusCode,
    errors: Errors,
    mut posted: Fields,
) -> AppResult {
    posted.retain(|(k, _)| k != "reauth" && k != "csrf");
    let r = st.services.review(p, id).await?;
    Ok(page_with(
        status,
        &ReviewPage {
            chrome: ctx.chrome(format!("Review: {}", r.client.name)),
            r,
            errors,
            posted,
        },
    ))
}

pub async fn review(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id = parse_id(&id)?;
    render_review(
        &st,
        &ctx,
        &p,
        id,
        StatusCode::OK,
        Errors::default(),
        Vec::new(),
    )
    .await
}

pub(crate) fn decision_form(f: &Fields) -> DecisionForm {
    DecisionForm {
        decision: field(f, "decision"),
        overrides: f
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("override_")
                    .map(|r| (r.to_owned(), v.clone()))
            })
            .filter(|(_, v)| !v.trim().is_empty())
            .collect(),
        unjudged_reason: field(f, "unjudged_reason"),
        revisit_on: field(f, "revisit_on"),
        supports: field(f, "supports"),
        referral_reason: field(f, "referral_reason"),
        referral_resources: field(f, "referral_resources"),
        note: field(f, "note"),
    }
}

pub async fn decide(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> AppResult {
    let id = parse_id(&id)?;
    let r = st
        .services
        .decide(&p, id, &decision_form(&f), &field(&f, "reauth"))
        .await
        .map(|_| ());
    match r {
        Ok(()) => Ok(see_other(&format!("/clients/{id}?done=decided"))),
        Err(e) => {
            crate::views::after_action(Err(e), "", |status, errors| {
                render_review(&st, &ctx, &p, id, status, errors, f)
            })
            .await
        }
    }
}
