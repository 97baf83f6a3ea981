//! The client directory and a client's chart.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use threshold_domain::ids::ClientId;
use threshold_domain::{Permission, Role};
use threshold_service::Error;
use threshold_service::journeys::Chart;
use threshold_store::journeys::ClientListItem;

use crate::error::{AppError, AppResult};
use crate::extract::{Form, Signed};
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, page, page_with, see_other};

#[derive(Template)]
#[template(path = "clients.html")]
struct ClientsPage {
    chrome: Chrome,
    clients: Vec<ClientListItem>,
    all: bool,
}

impl ClientsPage {
    fn when(&self, t: &jiff::Timestamp) -> String {
        self.chrome.when(t)
    }
    fn stage(&self, s: &Option<String>) -> String {
        s.as_deref()
            .and_then(|s| s.parse::<threshold_domain::journey::Stage>().ok())
            .map_or("—".to_owned(), |s| s.label().to_owned())
    }
}

pub async fn list(State(st): State<AppState>, ctx: PageCtx, Signed(p): Signed) -> AppResult {
    let clients = st.services.client_directory(&p).await?;
    Ok(page(&ClientsPage {
        chrome: ctx.chrome("Clients"),
        clients,
        all: p.roles.contains(Role::Coordinator) || p.roles.contains(Role::Administrator),
    }))
}

pub struct Candidate {
    pub id: String,
    pub name: String,
    pub role: &'static str,
    pub role_label: &'static str,
}

#[derive(Template)]
#[template(path = "client.html")]
struct ChartPage {
    chrome: Chrome,
    c: Chart,
    can_manage_team: bool,
    candidates: Vec<Candidate>,
    errors: Errors,
    /// What the viewer may record on this chart.
    me_clinician: bool,
    me_physician: bool,
    /// Active partner organisations, for the plan's IV partner.
    partners: Vec<threshold_store::careplan::PartnerRow>,
    /// The fields of a form that was refused, shown again as typed.
    posted: Vec<(String, String)>,
    home_items: [threshold_domain::careplan::HomeItem; 5],
    readiness_choices: [threshold_domain::careplan::PsychReadiness; 3],
}

impl ChartPage {
    /// A refused form's value as typed, else the saved value.
    fn v(&self, name: &str, saved: &str) -> String {
        if self.posted.is_empty() {
            return saved.to_owned();
        }
        self.posted
            .iter()
            .find(|(k, _)| k == name)
            .map_or(String::new(), |(_, v)| v.clone())
    }
    /// Whether a checkbox or radio is on: as posted, else as saved.
    fn on(&self, name: &str, value: &str, saved: bool) -> bool {
        if self.posted.is_empty() {
            return saved;
        }
        self.posted.iter().any(|(k, v)| k == name && v == value)
    }
    fn plan_saved(&self, field: &str) -> String {
        let Some(p) = self.c.care.as_ref().and_then(|c| c.plan.as_ref()) else {
            return match field {
                "location" => "in-office".into(),
                "route" => "lozenge".into(),
                "format" => "individual".into(),
                "sessions" => "6".into(),
                _ => String::new(),
            };
        };
        match field {
            "location" => p.location.clone(),
            "route" => p.route.clone(),
            "format" => p.format.clone(),
            "sessions" => p.sessions.to_string(),
            "partner" => p.partner_id.clone().unwrap_or_default(),
            "support_name" => p.support_name.clone(),
            "support_phone" => p.support_phone.clone(),
            _ => String::new(),
        }
    }
    fn home_checked(&self, item: &threshold_domain::careplan::HomeItem) -> bool {
        let saved = self
            .c
            .care
            .as_ref()
            .and_then(|c| c.plan.as_ref())
            .is_some_and(|p| p.home_items.contains(item));
        self.on("home_items", item.as_str(), saved)
    }
    fn stage_is(&self, names: &str) -> bool {
        self.c
            .journey
            .as_ref()
            .is_some_and(|j| names.split(' ').any(|n| n == j.stage.as_str()))
    }
    fn dose(&self, v: &f64) -> String {
        threshold_domain::careplan::fmt_dose(*v)
    }
    /// Which chart form was posted and refused, if any.
    fn posted_form(&self) -> &str {
        let has = |n: &str| self.posted.iter().any(|(k, _)| k == n);
        if let Some((_, k)) = self.posted.iter().find(|(k, _)| k == "kind") {
            k
        } else if has("location") {
            "plan"
        } else if has("dose_max") {
            "prescription"
        } else {
            ""
        }
    }
    /// The id of an input: the bare field name in the form that was refused (so
    /// the error summary's links land on it), else prefixed by its form.
    fn eid(&self, form: &str, name: &str) -> String {
        if self.posted_form() == form {
            name.to_owned()
        } else {
            format!("{form}-{name}")
        }
    }
    /// The error for a field of this form, if this form was refused.
    fn err(&self, form: &str, name: &str) -> Option<&str> {
        if self.posted_form() == form {
            self.errors.get(name)
        } else {
            None
        }
    }
    /// A form's value: as typed when it was refused, else empty.
    fn pv(&self, form: &str, name: &str) -> String {
        if self.posted_form() == form {
            self.v(name, "")
        } else {
            String::new()
        }
    }
    fn plan_v(&self, name: &str) -> String {
        if self.posted_form() == "plan" {
            self.v(name, "")
        } else {
            self.plan_saved(name)
        }
    }
    fn when(&self, t: &jiff::Timestamp) -> String {
        self.chrome.when(t)
    }
    fn role_label(&self, r: &str) -> &'static str {
        r.parse::<Role>().map_or("Member", |r| r.label())
    }
}

pub(crate) fn parse_id(id: &str) -> Result<ClientId, AppError> {
    id.parse().map_err(|_| AppError::not_found())
}

async fn render(
    st: &AppState,
    ctx: &PageCtx,
    p: &threshold_service::Principal,
    id: ClientId,
    status: StatusCode,
    errors: Errors,
) -> AppResult {
    render_posted(st, ctx, p, id, status, errors, Vec::new()).await
}

/// The chart, with a refused form's fields shown again as typed.
pub(crate) async fn render_posted(
    st: &AppState,
    ctx: &PageCtx,
    p: &threshold_service::Principal,
    id: ClientId,
    status: StatusCode,
    errors: Errors,
    mut posted: Vec<(String, String)>,
) -> AppResult {
    // Never echo a password back into the page.
    posted.retain(|(k, _)| k != "reauth" && k != "csrf");
    let chart = st.services.client_chart(p, id).await?;
    let can_manage_team = p.can(Permission::ManageCareTeam);
    let candidates = if can_manage_team {
        st.services
            .care_team_candidates()
            .await?
            .into_iter()
            .map(|(id, name, role)| Candidate {
                id: id.to_string(),
                name,
                role: role.as_str(),
                role_label: role.label(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let partners = if chart.clinical {
        st.services.partners(p, false).await?
    } else {
        Vec::new()
    };
    Ok(page_with(
        status,
        &ChartPage {
            chrome: ctx.chrome(chart.client.name.clone()),
            c: chart,
            can_manage_team,
            candidates,
            errors,
            me_clinician: p.roles.contains(Role::Clinician),
            me_physician: p.roles.contains(Role::Physician),
            partners,
            posted,
            home_items: threshold_domain::careplan::HomeItem::ALL,
            readiness_choices: threshold_domain::careplan::PsychReadiness::ALL,
        },
    ))
}

pub async fn chart(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id = parse_id(&id)?;
    render(&st, &ctx, &p, id, StatusCode::OK, Errors::default()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MemberFields {
    /// `<role>:<user id>` from the picker, or separate fields from the API.
    member: String,
    user: String,
    role: String,
}

impl MemberFields {
    fn split(&self) -> (String, String) {
        match self.member.split_once(':') {
            Some((role, user)) => (user.to_owned(), role.to_owned()),
            None => (self.user.clone(), self.role.clone()),
        }
    }
}

async fn change(
    st: &AppState,
    ctx: &PageCtx,
    p: &threshold_service::Principal,
    id: ClientId,
    r: Result<(), Error>,
) -> AppResult {
    match r {
        Ok(()) => Ok(see_other(&format!("/clients/{id}?done=saved"))),
        Err(Error::Invalid(inv)) => {
            render(
                st,
                ctx,
                p,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Errors(inv.0),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_member(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<MemberFields>,
) -> AppResult {
    let id = parse_id(&id)?;
    let (user, role) = f.split();
    let r = st.services.add_care_team_member(&p, id, &user, &role).await;
    change(&st, &ctx, &p, id, r).await
}

pub async fn remove_member(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<MemberFields>,
) -> AppResult {
    let id = parse_id(&id)?;
    let (user, role) = f.split();
    let r = st
        .services
        .remove_care_team_member(&p, id, &user, &role)
        .await;
    change(&st, &ctx, &p, id, r).await
}
