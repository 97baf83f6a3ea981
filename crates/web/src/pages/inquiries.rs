//! The coordinator's inquiry queue, an inquiry's page and its actions.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use threshold_domain::ids::{InquiryId, UserId};
use threshold_domain::inquiry::{ClosedReason, ContactMethod, ContactOutcome, InquiryStatus};
use threshold_domain::{FieldError, Permission};
use threshold_service::inquiries::{InquiryDetail, QueuePage, QueueQuery, SEARCH_MAX};
use threshold_service::{Actor, Error};
use threshold_store::inquiries::{EventKind, Sort};

use crate::error::{AppError, AppResult, ErrorInfo};
use crate::extract::{Form, Signed};
use crate::pages::public::{ConsultationFields, ConsultationPage, contact_choices};
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, after_action, page, page_with, see_other};

/// Queue parameters as they arrive in a query string.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct QueueParams {
    pub status: String,
    pub q: String,
    pub sort: String,
    pub page: String,
    pub per_page: String,
    pub mine: String,
}

fn bad(field: &str, message: &str) -> AppError {
    let mut i = ErrorInfo::new(StatusCode::BAD_REQUEST, "bad_parameter", message);
    i.field = Some(field.to_owned());
    i.errors = vec![FieldError {
        field: field.into(),
        message: message.into(),
    }];
    AppError::from(i)
}

/// Parses queue parameters against allow-lists; anything else is refused with
/// the parameter named. The default view is the open inquiries, newest first.
pub fn parse_queue(p: &QueueParams) -> Result<QueueQuery, AppError> {
    let (status, open_only) = match p.status.as_str() {
        "" | "open" => (None, true),
        "all" => (None, false),
        s => match s.parse::<InquiryStatus>() {
            Ok(st) => (Some(st), false),
            Err(()) => {
                return Err(bad(
                    "status",
                    "status must be one of open, all, new, contacted, consultation-booked, closed, converted",
                ));
            }
        },
    };
    let sort = match p.sort.as_str() {
        "" | "newest" => Sort::Newest,
        "oldest" => Sort::Oldest,
        "name" => Sort::Name,
        _ => return Err(bad("sort", "sort must be one of newest, oldest, name")),
    };
    let page = match p.page.as_str() {
        "" => 1,
        s => match s.parse::<i64>() {
            Ok(n) if (1..=1_000_000).contains(&n) => n,
            _ => return Err(bad("page", "page must be a whole number from 1")),
        },
    };
    let per_page = match p.per_page.as_str() {
        "" => 0,
        s => match s.parse::<i64>() {
            Ok(n) if (1..=200).contains(&n) => n,
            _ => {
                return Err(bad(
                    "per_page",
                    "per_page must be a whole number from 1 to 200",
                ));
            }
        },
    };
    if p.q.chars().count() > SEARCH_MAX {
        return Err(bad("q", "the search may be at most 100 characters"));
    }
    Ok(QueueQuery {
        status,
        open_only,
        search: Some(p.q.clone()),
        sort,
        mine: matches!(p.mine.as_str(), "1" | "true" | "yes" | "on"),
        page,
        per_page,
    })
}

pub struct Opt {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "inquiries.html")]
struct QueuePageView {
    chrome: Chrome,
    page: QueuePage,
    statuses: Vec<Opt>,
    sorts: Vec<Opt>,
    q: String,
    mine: bool,
    status_param: String,
    sort_param: String,
    can_record: bool,
}

impl QueuePageView {
    fn when(&self, t: &jiff::Timestamp) -> String {
        self.chrome.when(t)
    }
    fn link(&self, page: i64) -> String {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        format!(
            "/inquiries?status={}&sort={}&q={}{}&page={page}",
            enc(&self.status_param),
            enc(&self.sort_param),
            enc(&self.q),
            if self.mine { "&mine=1" } else { "" }
        )
    }
}

pub async fn queue(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Query(params): Query<QueueParams>,
) -> AppResult {
    let q = parse_queue(&params)?;
    let mine = q.mine;
    let page_data = st.services.inquiry_queue(&p, q).await?;
    let status_param = if params.status.is_empty() {
        "open".to_owned()
    } else {
        params.status.clone()
    };
    let sort_param = if params.sort.is_empty() {
        "newest".to_owned()
    } else {
        params.sort.clone()
    };
    let mut statuses = vec![
        Opt {
            value: "open",
            label: "Open (new, contacted, booked)",
            selected: false,
        },
        Opt {
            value: "all",
            label: "All",
            selected: false,
        },
    ];
    statuses.extend(InquiryStatus::ALL.iter().map(|s| Opt {
        value: s.as_str(),
        label: s.label(),
        selected: false,
    }));
    for o in &mut statuses {
        o.selected = o.value == status_param;
    }
    let sorts = [
        ("newest", "Newest first"),
        ("oldest", "Oldest first"),
        ("name", "Name"),
    ]
    .into_iter()
    .map(|(v, l)| Opt {
        value: v,
        label: l,
        selected: v == sort_param,
    })
    .collect();
    Ok(page(&QueuePageView {
        chrome: ctx.chrome("Inquiries"),
        page: page_data,
        statuses,
        sorts,
        q: params.q.clone(),
        mine,
        status_param,
        sort_param,
        can_record: p.can(Permission::RecordPhoneInquiry),
    }))
}

fn parse_id(id: &str) -> Result<InquiryId, AppError> {
    id.parse().map_err(|_| AppError::not_found())
}

#[derive(Template)]
#[template(path = "inquiry.html")]
struct InquiryView {
    chrome: Chrome,
    d: InquiryDetail,
    staff: Vec<(UserId, String)>,
    statuses: Vec<Opt>,
    reasons: Vec<Opt>,
    methods: Vec<Opt>,
    outcomes: Vec<Opt>,
    errors: Errors,
    can_manage: bool,
    can_convert: bool,
    all_staff: Vec<(UserId, String)>,
    today: String,
    me: UserId,
    consultation: ConvertFields,
}

impl InquiryView {
    fn when(&self, t: &jiff::Timestamp) -> String {
        self.chrome.when(t)
    }
    fn held_by_selected(&self, id: &UserId) -> bool {
        match self.consultation.consultation_by.parse::<UserId>() {
            Ok(u) => u == *id,
            Err(_) => *id == self.me,
        }
    }
    fn consultation_date(&self) -> &str {
        if self.consultation.consultation_on.is_empty() {
            &self.today
        } else {
            &self.consultation.consultation_on
        }
    }
    fn is_assigned(&self, id: &UserId) -> bool {
        self.d.inquiry.assigned_to.as_ref() == Some(id)
    }
    fn describe(&self, h: &threshold_service::inquiries::HistoryItem) -> String {
        match h.kind {
            EventKind::Created => "Inquiry received".into(),
            EventKind::Assigned => match &h.assigned_name {
                Some(n) => format!("Assigned to {n}"),
                None => "Unassigned".into(),
            },
            EventKind::Contact => format!(
                "Contact by {}: {}",
                h.contact_method.map_or("?", |m| m.label()).to_lowercase(),
                h.contact_outcome.map_or("?", |o| o.label()).to_lowercase()
            ),
            EventKind::Status => format!(
                "Status changed from {} to {}{}",
                h.from_status.map_or("?", |s| s.label()).to_lowercase(),
                h.to_status.map_or("?", |s| s.label()).to_lowercase(),
                h.closed_reason
                    .map(|r| format!(" ({})", r.label().to_lowercase()))
                    .unwrap_or_default()
            ),
            EventKind::Converted => "Converted to a client".into(),
            EventKind::Invited => "Portal invitation sent".into(),
            EventKind::InvitationRevoked => "Portal invitation revoked".into(),
        }
    }
}

async fn render_detail(
    st: &AppState,
    ctx: &PageCtx,
    p: &threshold_service::Principal,
    id: InquiryId,
    status: StatusCode,
    errors: Errors,
) -> AppResult {
    render_detail_with(st, ctx, p, id, status, errors, ConvertFields::default()).await
}

#[allow(clippy::too_many_arguments)]
async fn render_detail_with(
    st: &AppState,
    ctx: &PageCtx,
    p: &threshold_service::Principal,
    id: InquiryId,
    status: StatusCode,
    errors: Errors,
    consultation: ConvertFields,
) -> AppResult {
    let d = st.services.inquiry(p, id).await?;
    let staff = st.services.assignable_staff().await?;
    let current = d.inquiry.status;
    let statuses = InquiryStatus::ALL
        .iter()
        .filter(|s| current.can_change_to(**s))
        .map(|s| Opt {
            value: s.as_str(),
            label: s.label(),
            selected: false,
        })
        .collect();
    let reasons = ClosedReason::ALL
        .iter()
        .map(|r| Opt {
            value: r.as_str(),
            label: r.label(),
            selected: false,
        })
        .collect();
    let methods = ContactMethod::ALL
        .iter()
        .map(|m| Opt {
            value: m.as_str(),
            label: m.label(),
            selected: *m == d.inquiry.preferred_contact,
        })
        .collect();
    let outcomes = ContactOutcome::ALL
        .iter()
        .map(|o| Opt {
            value: o.as_str(),
            label: o.label(),
            selected: false,
        })
        .collect();
    Ok(page_with(
        status,
        &InquiryView {
            chrome: ctx.chrome(format!("Inquiry from {}", d.inquiry.name)),
            d,
            staff,
            statuses,
            reasons,
            methods,
            outcomes,
            errors,
            can_manage: p.can(Permission::ManageInquiries),
            can_convert: p.can(Permission::ConvertInquiry),
            all_staff: st.services.active_staff().await?,
            today: st
                .services
                .now()
                .to_zoned_datetime(ctx.tz.clone())
                .date()
                .to_string(),
            me: p.user_id,
            consultation,
        },
    ))
}

pub async fn detail(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id = parse_id(&id)?;
    render_detail(&st, &ctx, &p, id, StatusCode::OK, Errors::default()).await
}

/// Runs an action; validation problems show the inquiry page again with them.
async fn act(
    st: &AppState,
    ctx: &PageCtx,
    p: &threshold_service::Principal,
    id: InquiryId,
    result: Result<(), Error>,
    done: &str,
) -> AppResult {
    after_action(
        result,
        &format!("/inquiries/{id}?done={done}"),
        |status, errors| render_detail(st, ctx, p, id, status, errors),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AssignFields {
    assigned_to: String,
}

pub async fn assign(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<AssignFields>,
) -> AppResult {
    let id = parse_id(&id)?;
    let to = match f.assigned_to.as_str() {
        "" => None,
        s => match s.parse::<UserId>() {
            Ok(u) => Some(u),
            Err(_) => {
                let e = threshold_domain::Invalid::field(
                    "assigned_to",
                    "Choose an active coordinator or administrator.",
                );
                return act(&st, &ctx, &p, id, Err(Error::Invalid(e)), "assigned").await;
            }
        },
    };
    let r = st.services.assign_inquiry(&p, id, to).await;
    act(&st, &ctx, &p, id, r, "assigned").await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ContactFields {
    method: String,
    outcome: String,
    note: String,
}

pub async fn contact(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<ContactFields>,
) -> AppResult {
    let id = parse_id(&id)?;
    let r = st
        .services
        .log_contact(&p, id, &f.method, &f.outcome, &f.note)
        .await;
    act(&st, &ctx, &p, id, r, "contact").await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusFields {
    status: String,
    closed_reason: String,
}

pub async fn status(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<StatusFields>,
) -> AppResult {
    let id = parse_id(&id)?;
    let r = st
        .services
        .change_inquiry_status(&p, id, &f.status, &f.closed_reason)
        .await;
    act(&st, &ctx, &p, id, r, "status").await
}

/// The consultation that preceded the conversion.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ConvertFields {
    pub consultation_on: String,
    pub consultation_by: String,
    pub consultation_outcome: String,
}

pub async fn convert(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<ConvertFields>,
) -> AppResult {
    let id = parse_id(&id)?;
    let form = threshold_service::journeys::ConsultationForm {
        on: f.consultation_on.clone(),
        by: f.consultation_by.clone(),
        outcome: f.consultation_outcome.clone(),
    };
    match st.services.convert_inquiry(&p, id, &form).await {
        Ok(_) => Ok(see_other(&format!("/inquiries/{id}?done=converted"))),
        Err(Error::Invalid(inv)) => {
            render_detail_with(
                &st,
                &ctx,
                &p,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Errors(inv.0),
                f,
            )
            .await
        }
        Err(e) => act(&st, &ctx, &p, id, Err(e), "converted").await,
    }
}

pub async fn resend(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id = parse_id(&id)?;
    let r = st.services.resend_client_invitation(&p, id).await;
    act(&st, &ctx, &p, id, r, "invited").await
}

pub async fn revoke(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id = parse_id(&id)?;
    let r = st.services.revoke_client_invitation(&p, id).await;
    act(&st, &ctx, &p, id, r, "revoked").await
}

pub async fn phone_form(ctx: PageCtx) -> axum::response::Response {
    page(&ConsultationPage {
        chrome: ctx.chrome("Record a phone inquiry"),
        f: ConsultationFields::default(),
        errors: Errors::default(),
        choices: contact_choices("phone"),
        staff: true,
        action: "/inquiries/new",
    })
}

pub async fn phone_submit(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Form(f): Form<ConsultationFields>,
) -> AppResult {
    match st
        .services
        .submit_inquiry(Actor::User(&p), &f.to_form())
        .await
    {
        Ok(id) => Ok(see_other(&format!("/inquiries/{id}?done=recorded"))),
        Err(Error::Invalid(inv)) => Ok(page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ConsultationPage {
                chrome: ctx.chrome("Record a phone inquiry"),
                choices: contact_choices(&f.preferred_contact),
                f,
                errors: Errors(inv.0),
                staff: true,
                action: "/inquiries/new",
            },
        )),
        Err(e) => Err(e.into()),
    }
}
