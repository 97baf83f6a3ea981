//! The layout every page shares, and rendering helpers.

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use jiff::Timestamp;
use threshold_domain::{FieldError, Permission};
use threshold_service::RequestMeta;

use crate::error::AppError;
use crate::session::{Auth, CsrfToken};
use crate::state::AppState;

/// One link in the navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What the shared layout needs on every page.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub title: String,
    pub clinic_name: String,
    pub user_name: Option<String>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    pub request_id: String,
    pub notice: Option<&'static str>,
    /// Shown as a second-factor reminder and so on.
    pub signed_in: bool,
    /// The zone times are shown in.
    pub tz: jiff::tz::TimeZone,
}

impl Chrome {
    /// An instant as people read it, in the clinic's time zone.
    pub fn when(&self, t: &Timestamp) -> String {
        when(t, &self.tz)
    }
}

/// Marks a response a handler rendered itself (a form shown again with its
/// errors), so the middleware does not replace it with an error page.
#[derive(Debug, Clone, Copy)]
pub struct Rendered;

/// Everything a page handler needs to render: who is asking and the layout.
pub struct PageCtx {
    pub auth: Auth,
    pub csrf: String,
    pub meta: RequestMeta,
    pub path: String,
    pub clinic_name: String,
    pub notice: Option<&'static str>,
    pub tz: jiff::tz::TimeZone,
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let done = parts
            .uri
            .query()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("done=")))
            .and_then(notice_text);
        Ok(Self {
            auth: parts
                .extensions
                .get::<Auth>()
                .cloned()
                .unwrap_or(Auth::Anonymous),
            csrf: parts
                .extensions
                .get::<CsrfToken>()
                .map(|c| c.0.clone())
                .unwrap_or_default(),
            meta: parts
                .extensions
                .get::<RequestMeta>()
                .cloned()
                .unwrap_or_default(),
            path: parts.uri.path().to_owned(),
            clinic_name: state.services.settings.clinic_name.clone(),
            notice: done,
            tz: state.services.display_zone().await,
        })
    }
}

/// Messages shown after a form was handled (`?done=…`): fixed texts, so nothing a
/// person typed ever travels in a URL.
fn notice_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "saved" => "Saved.",
        "assigned" => "The inquiry's assignment was saved.",
        "contact" => "The contact attempt was recorded.",
        "status" => "The status was changed.",
        "converted" => "The client record was created and an invitation was sent.",
        "invited" => "A new invitation was sent; the previous link no longer works.",
        "revoked" => "The invitation was revoked.",
        "recorded" => "The phone inquiry was recorded.",
        "created" => "Created.",
        "deactivated" => "The account was deactivated; its sessions and tokens ended.",
        "reactivated" => "The account was reactivated.",
        "factor-reset" => {
            "The second factor was reset; they will set up a new one at their next sign-in."
        }
        "roles" => "The roles were saved.",
        "password" => "Your password was changed. Your other sessions were signed out.",
        "token-revoked" => "The token was revoked.",
        "feed-revoked" => "Your calendar feed was revoked; its address no longer works.",
        "retried" => "The message will be sent again.",
        "answered" => "Thank you. Your answers were saved.",
        "draft-saved" => "Your draft was saved. You can come back to it at any time.",
        "intake-submitted" => "Thank you. Your intake form was sent to your care team.",
        "alert-raised" => "The answers were saved and raised a safety alert to the care team.",
        "acknowledged" => "The alert was acknowledged and your action recorded.",
        "signed-out" => "You are signed out.",
        "reset-sent" => {
            "If an account uses that address, we sent it a link to reset the password. It works for one hour."
        }
        "password-reset" => "Your password was changed. Sign in with the new one.",
        "booked" => "Booked. The client sees it in their portal.",
        "rescheduled" => "Moved. The client sees the new time in their portal.",
        "offer-accepted" => "Thank you. The place is yours; it is in your appointments below.",
        "offer-gone" => {
            "Sorry, that place was taken before you answered. You are still on the waitlist."
        }
        "offer-declined" => "Thank you. The place was offered to the next person.",
        "change-requested" => {
            "Your request was sent. Your care coordinator will contact you to find another time."
        }
        "published" => {
            "The new version is published. Clients who signed an earlier version will be asked to sign again."
        }
        "assessment" => "The assessment entry was recorded.",
        "review-requested" => "The client was sent to physician review.",
        "decided" => "The decision was recorded.",
        "revisit" => "The client is back at assessment.",
        "withdrawn" => {
            "The client's journey was closed as withdrawn, with your reason on the timeline."
        }
        "plan" => "The plan was saved.",
        "prescription" => "The prescription was signed.",
        "consent-signed" => {
            "Thank you. Your signature was recorded; you can keep a copy from this page."
        }
        "consent-withdrawn" => {
            "Your consent was withdrawn. Your care team has been told through your record."
        }
        _ => return None,
    })
}

impl PageCtx {
    /// The layout for a page titled `title`.
    pub fn chrome(&self, title: impl Into<String>) -> Chrome {
        let mut c = chrome(
            &self.auth,
            &self.csrf,
            &self.meta,
            &self.clinic_name,
            &self.path,
            title.into(),
            self.notice,
        );
        c.tz = self.tz.clone();
        c
    }
}

pub fn chrome(
    auth: &Auth,
    csrf: &str,
    meta: &RequestMeta,
    clinic_name: &str,
    path: &str,
    title: String,
    notice: Option<&'static str>,
) -> Chrome {
    let mut nav = Vec::new();
    let mut add = |href: &'static str, label: &'static str| {
        let current = if href == "/" {
            path == "/"
        } else {
            path == href || path.starts_with(&format!("{href}/"))
        };
        nav.push(NavItem {
            href,
            label,
            current,
        });
    };
    let (user_name, signed_in) = match auth {
        Auth::Full(p) => {
            if p.can(Permission::StaffArea) {
                add("/staff", "Home");
            }
            if p.can(Permission::ViewInquiries) {
                add("/inquiries", "Inquiries");
            }
            if p.can(Permission::ViewClients) {
                add("/clients", "Clients");
            }
            if p.can(Permission::ManageSchedule) {
                add("/schedule", "Schedule");
            }
            if p.can(Permission::ViewClinical) {
                add("/alerts", "Alerts");
            }
            if p.can(Permission::DecideEligibility) {
                add("/review", "Review");
            }
            if p.can(Permission::ManageUsers) {
                add("/admin/users", "Users");
            }
            if p.can(Permission::ManageLocations) {
                add("/admin/locations", "Locations");
            }
            if p.can(Permission::ManageClinic) {
                add("/admin/settings", "Clinic");
            }
            if p.can(Permission::ViewAudit) {
                add("/admin/audit", "Audit trail");
            }
            if p.can(Permission::ViewMailOutbox) {
                add("/admin/mail", "Mail");
            }
            if p.can(Permission::ClientPortal) {
                add("/portal", "My portal");
            }
            add("/account", "Account");
            (Some(p.name.clone()), true)
        }
        Auth::Partial(p) => (Some(p.name.clone()), true),
        Auth::Anonymous => {
            add("/consultation", "Request a consultation");
            add("/signin", "Sign in");
            (None, false)
        }
    };
    Chrome {
        title,
        clinic_name: clinic_name.to_owned(),
        user_name,
        nav,
        csrf: csrf.to_owned(),
        request_id: meta.request_id.clone(),
        notice,
        signed_in,
        tz: jiff::tz::TimeZone::UTC,
    }
}

/// Renders a template as a 200 page.
pub fn page<T: Template>(t: &T) -> Response {
    page_with(StatusCode::OK, t)
}

/// Renders a template with a status (422 for a form shown again with errors).
pub fn page_with<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => {
            let mut res = (status, Html(html)).into_response();
            res.extensions_mut().insert(Rendered);
            res
        }
        Err(e) => {
            let mut err = crate::error::ErrorInfo::for_status(StatusCode::INTERNAL_SERVER_ERROR);
            err.internal = Some(format!("template: {e}"));
            AppError::from(err).into_response()
        }
    }
}

/// A 303 See Other to `to` (after a form post).
pub fn see_other(to: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = to.parse() {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// After a form action: on success a 303 to `ok`; when the input was refused
/// (422) or clashed with the record's state (409) the page is shown again with the
/// problem, through `again`; anything else is an error page.
pub async fn after_action<F, Fut>(
    result: Result<(), threshold_service::Error>,
    ok: &str,
    again: F,
) -> crate::error::AppResult
where
    F: FnOnce(StatusCode, Errors) -> Fut,
    Fut: std::future::Future<Output = crate::error::AppResult>,
{
    use threshold_service::Error;
    match result {
        Ok(()) => Ok(see_other(ok)),
        Err(Error::Invalid(inv)) => again(StatusCode::UNPROCESSABLE_ENTITY, Errors(inv.0)).await,
        Err(Error::Conflict(message)) => {
            again(
                StatusCode::CONFLICT,
                Errors(vec![FieldError {
                    field: "actions".into(),
                    message,
                }]),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Field errors looked up by name in templates.
#[derive(Debug, Clone, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
    /// Every message for a field (a decision can be refused for several reasons).
    pub fn all(&self, field: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
            .collect()
    }
    pub fn list(&self) -> &[FieldError] {
        &self.0
    }
}

/// An instant as people read it, in the given zone (`2026-11-25 10:15 PST`).
pub fn when(t: &Timestamp, tz: &jiff::tz::TimeZone) -> String {
    t.to_zoned_datetime(tz.clone())
        .strftime("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub status: u16,
    pub heading: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    /// The Content-Security-Policy allows no inline script or style, so a
    /// template that used them would silently lose them in every browser.
    #[test]
    fn templates_use_no_inline_script_style_or_handlers() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap().to_lowercase();
            for bad in [
                "style=\"",
                "<script",
                "<style",
                " onclick=",
                " onload=",
                " onsubmit=",
                "javascript:",
            ] {
                assert!(!text.contains(bad), "{} uses {bad}", path.display());
            }
            checked += 1;
        }
        assert!(checked > 10, "templates were found and read");
    }
}
