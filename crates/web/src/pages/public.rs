//! The public pages: the start page and "Request a consultation".

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use threshold_domain::Permission;
use threshold_domain::inquiry::{ContactMethod, InquiryForm};
use threshold_service::{Actor, Error};

use crate::error::{AppError, AppResult};
use crate::extract::{Form, Meta};
use crate::session::Auth;
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, page, page_with, see_other};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
}

/// `/`: the start page; signed-in people go to their home.
pub async fn home(ctx: PageCtx) -> Response {
    match &ctx.auth {
        Auth::Full(p) if p.can(Permission::StaffArea) => see_other("/staff"),
        Auth::Full(p) if p.can(Permission::ClientPortal) => see_other("/portal"),
        Auth::Partial(_) => see_other("/signin/code"),
        _ => page(&HomePage {
            chrome: ctx.chrome("Ketamine-assisted psychotherapy"),
        }),
    }
}

/// The consultation form's fields as a browser sends them.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ConsultationFields {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub preferred_contact: String,
    pub reason: String,
    pub heard_from: String,
    pub consent_to_contact: String,
}

impl ConsultationFields {
    pub fn to_form(&self) -> InquiryForm {
        InquiryForm {
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            preferred_contact: self.preferred_contact.clone(),
            reason: self.reason.clone(),
            heard_from: self.heard_from.clone(),
            consent_to_contact: !self.consent_to_contact.is_empty(),
        }
    }
}

/// One radio option for the contact method.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

pub fn contact_choices(selected: &str) -> Vec<Choice> {
    ContactMethod::ALL
        .iter()
        .map(|m| Choice {
            value: m.as_str(),
            label: m.label(),
            checked: m.as_str() == selected,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "consultation.html")]
pub struct ConsultationPage {
    pub chrome: Chrome,
    pub f: ConsultationFields,
    pub errors: Errors,
    pub choices: Vec<Choice>,
    /// "Request a consultation" (public) or "Record a phone inquiry" (staff).
    pub staff: bool,
    pub action: &'static str,
}

pub async fn consultation_form(ctx: PageCtx) -> Response {
    page(&ConsultationPage {
        chrome: ctx.chrome("Request a consultation"),
        f: ConsultationFields::default(),
        errors: Errors::default(),
        choices: contact_choices(""),
        staff: false,
        action: "/consultation",
    })
}

pub async fn consultation_submit(
    State(st): State<AppState>,
    ctx: PageCtx,
    Meta(meta): Meta,
    Form(f): Form<ConsultationFields>,
) -> AppResult {
    if let Some(ip) = meta.source_ip.as_ref().and_then(|s| s.parse().ok())
        && st.public_limiter.check_key(&ip).is_err()
    {
        return Err(AppError::from(Error::RateLimited {
            retry_after_secs: 600,
        }));
    }
    match st
        .services
        .submit_inquiry(Actor::Anonymous(&meta), &f.to_form())
        .await
    {
        Ok(_) => Ok(see_other("/consultation/received")),
        Err(Error::Invalid(inv)) => Ok(page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ConsultationPage {
                chrome: ctx.chrome("Request a consultation"),
                choices: contact_choices(&f.preferred_contact),
                f,
                errors: Errors(inv.0),
                staff: false,
                action: "/consultation",
            },
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "consultation_received.html")]
struct ReceivedPage {
    chrome: Chrome,
}

pub async fn consultation_received(ctx: PageCtx) -> Response {
    page(&ReceivedPage {
        chrome: ctx.chrome("Request received"),
    })
}
