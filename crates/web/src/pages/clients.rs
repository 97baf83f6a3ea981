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
}

impl ChartPage {
    fn when(&self, t: &jiff::Timestamp) -> String {
        self.chrome.when(t)
    }
    fn role_label(&self, r: &str) -> &'static str {
        r.parse::<Role>().map_or("Member", |r| r.label())
    }
}

fn parse_id(id: &str) -> Result<ClientId, AppError> {
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
    Ok(page_with(
        status,
        &ChartPage {
            chrome: ctx.chrome(chart.client.name.clone()),
            c: chart,
            can_manage_team,
            candidates,
            errors,
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
