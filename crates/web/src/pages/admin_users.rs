//! Administration: staff accounts.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use threshold_domain::Role;
use threshold_domain::ids::UserId;
use threshold_service::Error;
use threshold_service::users::StaffForm;
use threshold_store::users::UserRow;

use crate::error::{AppError, AppResult};
use crate::extract::{Form, Signed};
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, after_action, page, page_with, see_other};

pub struct RoleBox {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

fn role_boxes(selected: &[String]) -> Vec<RoleBox> {
    Role::STAFF
        .iter()
        .map(|r| RoleBox {
            value: r.as_str(),
            label: r.label(),
            checked: selected.iter().any(|s| s == r.as_str()),
        })
        .collect()
}

fn role_labels(u: &UserRow) -> String {
    u.roles
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<UserRow>,
}

impl UsersPage {
    fn roles(&self, u: &UserRow) -> String {
        role_labels(u)
    }
}

pub async fn list(State(st): State<AppState>, ctx: PageCtx, Signed(p): Signed) -> AppResult {
    let users = st.services.staff_list(&p).await?;
    Ok(page(&UsersPage {
        chrome: ctx.chrome("Staff accounts"),
        users,
    }))
}

#[derive(Template)]
#[template(path = "admin_user_new.html")]
struct NewUserPage {
    chrome: Chrome,
    email: String,
    name: String,
    roles: Vec<RoleBox>,
    errors: Errors,
}

pub async fn new_form(ctx: PageCtx) -> axum::response::Response {
    page(&NewUserPage {
        chrome: ctx.chrome("Add a staff member"),
        email: String::new(),
        name: String::new(),
        roles: role_boxes(&[]),
        errors: Errors::default(),
    })
}

/// A form with repeated `role` fields: read them all.
fn roles_from(body: &[(String, String)]) -> Vec<String> {
    body.iter()
        .filter(|(k, _)| k == "role")
        .map(|(_, v)| v.clone())
        .collect()
}

fn value(body: &[(String, String)], key: &str) -> String {
    body.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

pub async fn create(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Form(body): Form<Vec<(String, String)>>,
) -> AppResult {
    let form = StaffForm {
        email: value(&body, "email"),
        name: value(&body, "name"),
        roles: roles_from(&body),
    };
    match st.services.create_staff(&p, &form).await {
        Ok(id) => Ok(see_other(&format!("/admin/users/{id}?done=created"))),
        Err(Error::Invalid(inv)) => Ok(page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewUserPage {
                chrome: ctx.chrome("Add a staff member"),
                roles: role_boxes(&form.roles),
                email: form.email,
                name: form.name,
                errors: Errors(inv.0),
            },
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    chrome: Chrome,
    user: UserRow,
    roles: Vec<RoleBox>,
    errors: Errors,
    is_self: bool,
    /// The prescriber form is shown for physicians (and anyone who has details).
    prescriber: bool,
    licence_number: String,
    registration_number: String,
    /// Medical partners: the organisations they may belong to, and theirs.
    partners: Vec<threshold_store::careplan::PartnerRow>,
    partner: String,
}

impl UserPage {
    fn when(&self, t: &jiff::Timestamp) -> String {
        self.chrome.when(t)
    }
}

fn parse_id(id: &str) -> Result<UserId, AppError> {
    id.parse().map_err(|_| AppError::not_found())
}

async fn render_user(
    st: &AppState,
    ctx: &PageCtx,
    p: &threshold_service::Principal,
    id: UserId,
    status: StatusCode,
    errors: Errors,
) -> AppResult {
    let user = st.services.staff_member(p, id).await?;
    let selected: Vec<String> = user.roles.iter().map(|r| r.as_str().to_owned()).collect();
    let (licence, registration) = st.services.prescriber_details(id).await?;
    let prescriber =
        user.roles.contains(Role::Physician) || licence.is_some() || registration.is_some();
    let (partners, partner) = if user.roles.contains(Role::MedicalPartner) {
        (
            st.services.partners(p, true).await?,
            st.services.partner_of(id).await?.unwrap_or_default(),
        )
    } else {
        (Vec::new(), String::new())
    };
    Ok(page_with(
        status,
        &UserPage {
            chrome: ctx.chrome(user.name.clone()),
            roles: role_boxes(&selected),
            is_self: user.id == p.user_id,
            user,
            errors,
            prescriber,
            licence_number: licence.unwrap_or_default(),
            registration_number: registration.unwrap_or_default(),
            partners,
            partner,
        },
    ))
}

pub async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id = parse_id(&id)?;
    render_user(&st, &ctx, &p, id, StatusCode::OK, Errors::default()).await
}

async fn after(
    st: &AppState,
    ctx: &PageCtx,
    p: &threshold_service::Principal,
    id: UserId,
    r: Result<(), Error>,
    done: &str,
) -> AppResult {
    after_action(
        r,
        &format!("/admin/users/{id}?done={done}"),
        |status, errors| render_user(st, ctx, p, id, status, errors),
    )
    .await
}

pub async fn set_roles(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(body): Form<Vec<(String, String)>>,
) -> AppResult {
    let id = parse_id(&id)?;
    let r = st
        .services
        .set_staff_roles(&p, id, &roles_from(&body))
        .await;
    after(&st, &ctx, &p, id, r, "roles").await
}

pub async fn deactivate(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id = parse_id(&id)?;
    let r = st.services.deactivate_user(&p, id).await;
    after(&st, &ctx, &p, id, r, "deactivated").await
}

pub async fn reactivate(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id = parse_id(&id)?;
    let r = st.services.reactivate_user(&p, id).await;
    after(&st, &ctx, &p, id, r, "reactivated").await
}

pub async fn reset_factor(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id = parse_id(&id)?;
    let r = st.services.reset_second_factor(&p, id).await;
    after(&st, &ctx, &p, id, r, "factor-reset").await
}

pub async fn invite(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let id = parse_id(&id)?;
    let r = st.services.resend_staff_invitation(&p, id).await;
    after(&st, &ctx, &p, id, r, "invited").await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PrescriberFields {
    licence_number: String,
    registration_number: String,
}

/// The licence and registration numbers printed on this person's prescriptions.
pub async fn set_prescriber(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<PrescriberFields>,
) -> AppResult {
    let id = parse_id(&id)?;
    let r = st
        .services
        .set_prescriber_details(&p, id, &f.licence_number, &f.registration_number)
        .await;
    after(&st, &ctx, &p, id, r, "saved").await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PartnerFields {
    partner: String,
}

/// The partner organisation a medical-partner account belongs to.
pub async fn set_partner(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<PartnerFields>,
) -> AppResult {
    let id = parse_id(&id)?;
    let r = st.services.set_partner_person(&p, id, &f.partner).await;
    after(&st, &ctx, &p, id, r, "saved").await
}
