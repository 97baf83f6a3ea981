//! Partner medical provider organisations: a list with a form to add one, and
//! a page to change or deactivate one.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use threshold_service::clinic::PartnerForm;
use threshold_service::{Error, Principal};
use threshold_store::careplan::PartnerRow;

use crate::error::AppResult;
use crate::extract::{Form, Signed};
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, after_action, page_with, see_other};

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct PartnerFields {
    name: String,
    phone: String,
    email: String,
    notes: String,
    active: String,
}

impl PartnerFields {
    fn form(&self) -> PartnerForm {
        PartnerForm {
            name: self.name.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            notes: self.notes.clone(),
            active: !self.active.is_empty(),
        }
    }

    fn of(p: &PartnerRow) -> Self {
        Self {
            name: p.name.clone(),
            phone: p.phone.clone().unwrap_or_default(),
            email: p.email.clone().unwrap_or_default(),
            notes: p.notes.clone().unwrap_or_default(),
            active: if p.active {
                "yes".into()
            } else {
                String::new()
            },
        }
    }

    /// A new partner starts active.
    fn blank() -> Self {
        Self {
            active: "yes".into(),
            ..Self::default()
        }
    }
}

#[derive(Template)]
#[template(path = "admin_partners.html")]
struct PartnersPage {
    chrome: Chrome,
    partners: Vec<PartnerRow>,
    f: PartnerFields,
    errors: Errors,
}

async fn render_partners(
    st: &AppState,
    ctx: &PageCtx,
    p: &Principal,
    status: StatusCode,
    f: PartnerFields,
    errors: Errors,
) -> AppResult {
    let partners = st.services.partners(p, true).await?;
    Ok(page_with(
        status,
        &PartnersPage {
            chrome: ctx.chrome("Partner organisations"),
            partners,
            f,
            errors,
        },
    ))
}

pub async fn partners(State(st): State<AppState>, ctx: PageCtx, Signed(p): Signed) -> AppResult {
    render_partners(
        &st,
        &ctx,
        &p,
        StatusCode::OK,
        PartnerFields::blank(),
        Errors::default(),
    )
    .await
}

pub async fn create_partner(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Form(f): Form<PartnerFields>,
) -> AppResult {
    match st.services.save_partner(&p, None, &f.form()).await {
        Ok(id) => Ok(see_other(&format!("/admin/partners/{id}?done=created"))),
        Err(Error::Invalid(inv)) => {
            render_partners(
                &st,
                &ctx,
                &p,
                StatusCode::UNPROCESSABLE_ENTITY,
                f,
                Errors(inv.0),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "admin_partner.html")]
struct PartnerPage {
    chrome: Chrome,
    partner: PartnerRow,
    f: PartnerFields,
    errors: Errors,
    /// The organisation's own people (medical-partner accounts).
    people: Vec<(threshold_domain::ids::UserId, String)>,
}

async fn render_partner(
    st: &AppState,
    ctx: &PageCtx,
    p: &Principal,
    id: &str,
    status: StatusCode,
    typed: Option<PartnerFields>,
    errors: Errors,
) -> AppResult {
    let partner = st.services.partner(p, id).await?;
    let people = st.services.partner_people(p, &partner.id).await?;
    Ok(page_with(
        status,
        &PartnerPage {
            chrome: ctx.chrome(partner.name.clone()),
            f: typed.unwrap_or_else(|| PartnerFields::of(&partner)),
            partner,
            errors,
            people,
        },
    ))
}

pub async fn partner(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    render_partner(&st, &ctx, &p, &id, StatusCode::OK, None, Errors::default()).await
}

pub async fn update_partner(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<PartnerFields>,
) -> AppResult {
    let r = st.services.save_partner(&p, Some(&id), &f.form()).await;
    after_action(
        r.map(|_| ()),
        &format!("/admin/partners/{id}?done=saved"),
        |status, errors| render_partner(&st, &ctx, &p, &id, status, Some(f.clone()), errors),
    )
    .await
}
