//! Every route, the access it needs, and the guard that enforces it.
//!
//! Deny by default: a route is only reachable through [`table`], where each entry
//! names its [`Access`]; the guard runs before the handler. A test walks the same
//! table and proves each route refuses an anonymous caller and a caller of the
//! wrong role.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post, put};
use threshold_domain::Permission;
use threshold_domain::audit::AuditAction;
use threshold_service::Actor;
use threshold_service::audit::Entry;

use crate::error::{AppError, ErrorInfo};
use crate::pages::admin_clinic;
use crate::pages::{
    account, admin_audit, admin_locations, admin_mail, admin_types, admin_users, alerts,
    availability, calendar, care, clients, consents, groups, inquiries, intake, portal, public,
    questionnaires, schedule, signin, staff,
};
use crate::session::Auth;
use crate::state::AppState;
use crate::views::see_other;
use crate::{api, api_care, api_clinic, api_groups, api_schedule, middleware};

/// What a route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    Public,
    /// A session that has passed the password but owes its second factor.
    Partial,
    /// Anyone fully signed in.
    Signed,
    /// Fully signed in with this permission.
    Perm(Permission),
}

/// One row of the route table.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

fn api_path(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/fhir/")
}

fn page_home(auth: &Auth) -> &'static str {
    match auth {
        Auth::Full(p) if p.can(Permission::StaffArea) => "/staff",
        Auth::Full(_) => "/portal",
        Auth::Partial(p) if p.stage == threshold_store::sessions::Stage::Enrol => "/signin/setup",
        Auth::Partial(_) => "/signin/code",
        Auth::Anonymous => "/signin",
    }
}

async fn guard(
    State((st, access)): State<(AppState, Access)>,
    req: Request,
    next: Next,
) -> Response {
    let auth = req
        .extensions()
        .get::<Auth>()
        .cloned()
        .unwrap_or(Auth::Anonymous);
    let path = req.uri().path().to_owned();
    let api = api_path(&path);
    match (access, &auth) {
        (Access::Public, _) => next.run(req).await,
        (Access::Partial, Auth::Partial(_)) => next.run(req).await,
        (Access::Partial, _) => see_other(page_home(&auth)),
        (Access::Signed, Auth::Full(_)) => next.run(req).await,
        (Access::Perm(perm), Auth::Full(p)) => {
            if p.can(perm) {
                return next.run(req).await;
            }
            let entry = Entry::denied(AuditAction::AccessDenied).detail(format!(
                "{} {}",
                req.method(),
                matched(&req)
            ));
            if let Err(e) = st.services.audit(Actor::User(p), entry).await {
                return AppError::from(e).into_response();
            }
            AppError::status(StatusCode::FORBIDDEN).into_response()
        }
        (_, Auth::Partial(_)) if !api => see_other(page_home(&auth)),
        _ if api => {
            let mut res =
                AppError::from(ErrorInfo::for_status(StatusCode::UNAUTHORIZED)).into_response();
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            res
        }
        _ => {
            if req.method() == Method::GET {
                see_other(&format!(
                    "/signin?next={}",
                    percent_encoding::utf8_percent_encode(
                        &path,
                        percent_encoding::NON_ALPHANUMERIC
                    )
                ))
            } else {
                see_other("/signin")
            }
        }
    }
}

fn matched(req: &Request) -> String {
    req.extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "?".to_owned(), |m| m.as_str().to_owned())
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/style.css"),
    )
        .into_response()
}

async fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../static/icon.svg"),
    )
        .into_response()
}

/// The route table: (method, path, access, handler).
pub fn table() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use Access::*;
    use Permission::*;
    let r =
        |method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>| {
            (
                RouteSpec {
                    method,
                    path,
                    access,
                },
                handler,
            )
        };
    let g = Method::GET;
    let p = Method::POST;
    vec![
        // Public
        r(g.clone(), "/", Public, get(public::home)),
        r(
            g.clone(),
            "/consultation",
            Public,
            get(public::consultation_form),
        ),
        r(
            p.clone(),
            "/consultation",
            Public,
            post(public::consultation_submit),
        ),
        r(
            g.clone(),
            "/consultation/received",
            Public,
            get(public::consultation_received),
        ),
        r(g.clone(), "/signin", Public, get(signin::signin_form)),
        r(p.clone(), "/signin", Public, post(signin::signin_submit)),
        r(
            g.clone(),
            "/password/forgot",
            Public,
            get(signin::forgot_form),
        ),
        r(
            p.clone(),
            "/password/forgot",
            Public,
            post(signin::forgot_submit),
        ),
        r(
            g.clone(),
            "/password/reset/{token}",
            Public,
            get(signin::reset_form),
        ),
        r(
            p.clone(),
            "/password/reset/{token}",
            Public,
            post(signin::reset_submit),
        ),
        r(
            g.clone(),
            "/invitation/{token}",
            Public,
            get(signin::invitation_form),
        ),
        r(
            p.clone(),
            "/invitation/{token}",
            Public,
            post(signin::invitation_submit),
        ),
        r(p.clone(), "/signout", Public, post(signin::signout)),
        // The token in the path is the credential (`{token}.ics`: the router has
        // no suffixes, so the handler strips `.ics`).
        r(g.clone(), "/calendar/{token}", Public, get(calendar::feed)),
        r(g.clone(), "/static/style.css", Public, get(stylesheet)),
        r(g.clone(), "/static/icon.svg", Public, get(icon)),
        r(g.clone(), "/healthz", Public, get(api::healthz)),
        r(g.clone(), "/metrics", Public, get(middleware::metrics)),
        r(g.clone(), "/api/v1/openapi.json", Public, get(api::openapi)),
        r(
            p.clone(),
            "/api/v1/inquiries",
            Public,
            post(api::create_inquiry),
        ),
        // Half-way through signing in
        r(g.clone(), "/signin/code", Partial, get(signin::code_form)),
        r(
            p.clone(),
            "/signin/code",
            Partial,
            post(signin::code_submit),
        ),
        r(g.clone(), "/signin/setup", Partial, get(signin::setup_form)),
        r(
            p.clone(),
            "/signin/setup",
            Partial,
            post(signin::setup_submit),
        ),
        // Any signed-in person
        r(g.clone(), "/account", Signed, get(account::show)),
        r(
            p.clone(),
            "/account/second-factor",
            Perm(ClientPortal),
            post(account::start_second_factor),
        ),
        r(
            p.clone(),
            "/account/password",
            Signed,
            post(account::change_password),
        ),
        r(
            p.clone(),
            "/account/sign-out-everywhere",
            Signed,
            post(account::sign_out_everywhere),
        ),
        r(
            p.clone(),
            "/account/tokens/{id}/revoke",
            Signed,
            post(account::revoke_token),
        ),
        r(
            p.clone(),
            "/account/calendar-feed",
            Signed,
            post(calendar::create),
        ),
        r(
            p.clone(),
            "/account/calendar-feed/revoke",
            Signed,
            post(calendar::revoke),
        ),
        // Staff
        r(g.clone(), "/staff", Perm(StaffArea), get(staff::home)),
        r(
            g.clone(),
            "/inquiries",
            Perm(ViewInquiries),
            get(inquiries::queue),
        ),
        r(
            g.clone(),
            "/inquiries/new",
            Perm(RecordPhoneInquiry),
            get(inquiries::phone_form),
        ),
        r(
            p.clone(),
            "/inquiries/new",
            Perm(RecordPhoneInquiry),
            post(inquiries::phone_submit),
        ),
        r(
            g.clone(),
            "/inquiries/{id}",
            Perm(ViewInquiries),
            get(inquiries::detail),
        ),
        r(
            p.clone(),
            "/inquiries/{id}/assign",
            Perm(ManageInquiries),
            post(inquiries::assign),
        ),
        r(
            p.clone(),
            "/inquiries/{id}/contact",
            Perm(ManageInquiries),
            post(inquiries::contact),
        ),
        r(
            p.clone(),
            "/inquiries/{id}/status",
            Perm(ManageInquiries),
            post(inquiries::status),
        ),
        r(
            p.clone(),
            "/inquiries/{id}/convert",
            Perm(ConvertInquiry),
            post(inquiries::convert),
        ),
        r(
            p.clone(),
            "/inquiries/{id}/invitation/resend",
            Perm(ConvertInquiry),
            post(inquiries::resend),
        ),
        r(
            p.clone(),
            "/inquiries/{id}/invitation/revoke",
            Perm(ConvertInquiry),
            post(inquiries::revoke),
        ),
        r(
            g.clone(),
            "/api/v1/inquiries",
            Perm(ViewInquiries),
            get(api::list_inquiries),
        ),
        r(
            g.clone(),
            "/api/v1/inquiries/{id}",
            Perm(ViewInquiries),
            get(api::get_inquiry),
        ),
        r(
            p.clone(),
            "/api/v1/clients/{id}/assessments",
            Perm(RecordAssessment),
            post(api_care::record_assessment),
        ),
        r(
            g.clone(),
            "/api/v1/clients/{id}/readiness",
            Perm(ViewClinical),
            get(api_care::readiness),
        ),
        r(
            p.clone(),
            "/api/v1/clients/{id}/review-request",
            Perm(RecordAssessment),
            post(api_care::request_review),
        ),
        r(
            g.clone(),
            "/api/v1/review-queue",
            Perm(DecideEligibility),
            get(api_care::review_queue),
        ),
        r(
            g.clone(),
            "/api/v1/clients/{id}/review",
            Perm(DecideEligibility),
            get(api_care::review),
        ),
        r(
            p.clone(),
            "/api/v1/clients/{id}/decision",
            Perm(DecideEligibility),
            post(api_care::decide),
        ),
        r(
            Method::PUT,
            "/api/v1/clients/{id}/plan",
            Perm(RecordAssessment),
            put(api_care::save_plan),
        ),
        r(
            p.clone(),
            "/api/v1/clients/{id}/prescriptions",
            Perm(DecideEligibility),
            post(api_care::sign_prescription),
        ),
        r(
            g.clone(),
            "/api/v1/portal/consents",
            Perm(ClientPortal),
            get(api_care::my_consents),
        ),
        r(
            p.clone(),
            "/api/v1/portal/consents/{kind}",
            Perm(ClientPortal),
            post(api_care::sign_consent),
        ),
        r(
            p.clone(),
            "/api/v1/portal/consents/{kind}/withdraw",
            Perm(ClientPortal),
            post(api_care::withdraw_consent),
        ),
        r(
            g.clone(),
            "/api/v1/settings",
            Perm(ManageClinic),
            get(api_clinic::get_settings),
        ),
        r(
            Method::PUT,
            "/api/v1/settings",
            Perm(ManageClinic),
            put(api_clinic::put_settings),
        ),
        r(
            g.clone(),
            "/api/v1/partners",
            Perm(ManageClinic),
            get(api_clinic::list_partners),
        ),
        r(
            p.clone(),
            "/api/v1/partners",
            Perm(ManageClinic),
            post(api_clinic::create_partner),
        ),
        r(
            Method::PUT,
            "/api/v1/partners/{id}",
            Perm(ManageClinic),
            put(api_clinic::update_partner),
        ),
        r(
            g.clone(),
            "/api/v1/consent-documents",
            Perm(ManageClinic),
            get(api_clinic::list_consent_documents),
        ),
        r(
            g.clone(),
            "/api/v1/consent-documents/{kind}",
            Perm(ManageClinic),
            get(api_clinic::consent_document_versions),
        ),
        r(
            p.clone(),
            "/api/v1/consent-documents/{kind}",
            Perm(ManageClinic),
            post(api_clinic::publish_consent_document),
        ),
        r(g.clone(), "/clients", Perm(ViewClients), get(clients::list)),
        r(
            g.clone(),
            "/schedule",
            Perm(ManageSchedule),
            get(schedule::show),
        ),
        r(
            g.clone(),
            "/admin/appointment-types",
            Perm(ManageClinic),
            get(admin_types::show),
        ),
        r(
            p.clone(),
            "/admin/appointment-types",
            Perm(ManageClinic),
            post(admin_types::save),
        ),
        r(
            p.clone(),
            "/schedule/change-requests/{id}/handled",
            Perm(ManageSchedule),
            post(schedule::handle_change),
        ),
        r(
            p.clone(),
            "/portal/appointments/{id}/change",
            Perm(ClientPortal),
            post(portal::request_change),
        ),
        r(g.clone(), "/my-day", Perm(StaffArea), get(schedule::my_day)),
        r(
            g.clone(),
            "/api/v1/my-day",
            Perm(StaffArea),
            get(api_groups::my_day),
        ),
        r(
            p.clone(),
            "/api/v1/schedule/slots",
            Perm(ManageSchedule),
            post(api_schedule::slots),
        ),
        r(
            p.clone(),
            "/api/v1/appointments",
            Perm(ManageSchedule),
            post(api_schedule::book),
        ),
        r(
            p.clone(),
            "/api/v1/appointments/{id}/close",
            Perm(ManageSchedule),
            post(api_schedule::close),
        ),
        r(
            g.clone(),
            "/api/v1/portal/appointments",
            Perm(ClientPortal),
            get(api_schedule::my_appointments),
        ),
        r(
            g.clone(),
            "/api/v1/availability",
            Perm(StaffArea),
            get(api_schedule::availability),
        ),
        r(
            p.clone(),
            "/api/v1/availability",
            Perm(StaffArea),
            post(api_schedule::add_availability),
        ),
        r(
            g.clone(),
            "/schedule/availability",
            Perm(StaffArea),
            get(availability::show),
        ),
        r(
            p.clone(),
            "/schedule/availability",
            Perm(StaffArea),
            post(availability::add_rule),
        ),
        r(
            p.clone(),
            "/schedule/availability/remove",
            Perm(StaffArea),
            post(availability::remove_rule),
        ),
        r(
            p.clone(),
            "/schedule/availability/exception",
            Perm(StaffArea),
            post(availability::add_exception),
        ),
        r(
            p.clone(),
            "/schedule/find",
            Perm(ManageSchedule),
            post(schedule::find),
        ),
        r(
            p.clone(),
            "/schedule/book",
            Perm(ManageSchedule),
            post(schedule::book),
        ),
        r(
            p.clone(),
            "/appointments/{id}/close",
            Perm(ManageSchedule),
            post(schedule::close),
        ),
        r(
            g.clone(),
            "/api/v1/schedule/week",
            Perm(ManageSchedule),
            get(api_groups::week),
        ),
        r(
            g.clone(),
            "/api/v1/appointments/{id}/roster",
            Perm(StaffArea),
            get(api_groups::roster),
        ),
        r(
            p.clone(),
            "/api/v1/appointments/{id}/members",
            Perm(ManageSchedule),
            post(api_groups::add_member),
        ),
        r(
            p.clone(),
            "/api/v1/appointments/{id}/members/{client}/remove",
            Perm(ManageSchedule),
            post(api_groups::remove_member),
        ),
        r(
            p.clone(),
            "/api/v1/appointments/{id}/attendance",
            Perm(StaffArea),
            post(api_groups::attendance),
        ),
        r(
            p.clone(),
            "/api/v1/appointments/{id}/reschedule",
            Perm(ManageSchedule),
            post(api_groups::reschedule),
        ),
        r(
            p.clone(),
            "/api/v1/series/{id}/enrolments",
            Perm(ManageSchedule),
            post(api_groups::enroll),
        ),
        r(
            p.clone(),
            "/api/v1/series/{id}/enrolments/{client}/end",
            Perm(ManageSchedule),
            post(api_groups::unenroll),
        ),
        r(
            g.clone(),
            "/api/v1/waitlist",
            Perm(ManageSchedule),
            get(api_groups::waitlist),
        ),
        r(
            p.clone(),
            "/api/v1/waitlist",
            Perm(ManageSchedule),
            post(api_groups::join_waitlist),
        ),
        r(
            p.clone(),
            "/api/v1/waitlist/{id}/remove",
            Perm(ManageSchedule),
            post(api_groups::remove_wait),
        ),
        r(
            g.clone(),
            "/api/v1/portal/offers",
            Perm(ClientPortal),
            get(api_groups::my_offers),
        ),
        r(
            p.clone(),
            "/api/v1/portal/offers/{id}/accept",
            Perm(ClientPortal),
            post(api_groups::accept_offer),
        ),
        r(
            p.clone(),
            "/api/v1/portal/offers/{id}/decline",
            Perm(ClientPortal),
            post(api_groups::decline_offer),
        ),
        r(
            p.clone(),
            "/api/v1/availability/exceptions",
            Perm(StaffArea),
            post(api_groups::add_exception),
        ),
        r(
            p.clone(),
            "/api/v1/account/calendar-feed",
            Signed,
            post(api_groups::create_feed),
        ),
        r(
            p.clone(),
            "/api/v1/account/calendar-feed/revoke",
            Signed,
            post(api_groups::revoke_feed),
        ),
        r(
            g.clone(),
            "/schedule/week",
            Perm(ManageSchedule),
            get(groups::week),
        ),
        r(
            g.clone(),
            "/schedule/appointments/{id}",
            Perm(StaffArea),
            get(groups::roster),
        ),
        r(
            p.clone(),
            "/schedule/appointments/{id}/members",
            Perm(ManageSchedule),
            post(groups::add_member),
        ),
        r(
            p.clone(),
            "/schedule/appointments/{id}/members/{client}/remove",
            Perm(ManageSchedule),
            post(groups::remove_member),
        ),
        r(
            p.clone(),
            "/schedule/appointments/{id}/attendance",
            Perm(StaffArea),
            post(groups::attendance),
        ),
        r(
            p.clone(),
            "/schedule/series/{id}/enrol",
            Perm(ManageSchedule),
            post(groups::enroll),
        ),
        r(
            p.clone(),
            "/schedule/series/{id}/leave",
            Perm(ManageSchedule),
            post(groups::unenroll),
        ),
        r(
            g.clone(),
            "/schedule/appointments/{id}/reschedule",
            Perm(ManageSchedule),
            get(groups::reschedule_form),
        ),
        r(
            p.clone(),
            "/schedule/appointments/{id}/reschedule",
            Perm(ManageSchedule),
            post(groups::reschedule),
        ),
        r(
            g.clone(),
            "/schedule/waitlist",
            Perm(ManageSchedule),
            get(groups::waitlist),
        ),
        r(
            p.clone(),
            "/schedule/waitlist",
            Perm(ManageSchedule),
            post(groups::join_waitlist),
        ),
        r(
            p.clone(),
            "/schedule/waitlist/{id}/remove",
            Perm(ManageSchedule),
            post(groups::remove_wait),
        ),
        r(
            p.clone(),
            "/portal/offers/{id}/accept",
            Perm(ClientPortal),
            post(groups::accept_offer),
        ),
        r(
            p.clone(),
            "/portal/offers/{id}/decline",
            Perm(ClientPortal),
            post(groups::decline_offer),
        ),
        r(
            g.clone(),
            "/clients/{id}/questionnaires/{task}",
            Perm(ViewClinical),
            get(questionnaires::staff_form),
        ),
        r(
            p.clone(),
            "/clients/{id}/questionnaires/{task}",
            Perm(ViewClinical),
            post(questionnaires::staff_submit),
        ),
        r(g.clone(), "/alerts", Perm(ViewClinical), get(alerts::list)),
        r(
            p.clone(),
            "/clients/{id}/assessment",
            Perm(RecordAssessment),
            post(care::record_assessment),
        ),
        r(
            p.clone(),
            "/clients/{id}/review-request",
            Perm(RecordAssessment),
            post(care::request_review),
        ),
        r(
            p.clone(),
            "/clients/{id}/revisit",
            Perm(RecordAssessment),
            post(care::revisit),
        ),
        r(
            p.clone(),
            "/clients/{id}/withdraw",
            Perm(RecordAssessment),
            post(care::withdraw),
        ),
        r(
            p.clone(),
            "/clients/{id}/plan",
            Perm(RecordAssessment),
            post(care::save_plan),
        ),
        r(
            p.clone(),
            "/clients/{id}/prescription",
            Perm(DecideEligibility),
            post(care::sign_prescription),
        ),
        r(
            g.clone(),
            "/clients/{id}/prescription",
            Perm(ViewClinical),
            get(care::prescription),
        ),
        r(
            g.clone(),
            "/review",
            Perm(DecideEligibility),
            get(care::queue),
        ),
        r(
            g.clone(),
            "/review/{id}",
            Perm(DecideEligibility),
            get(care::review),
        ),
        r(
            p.clone(),
            "/review/{id}",
            Perm(DecideEligibility),
            post(care::decide),
        ),
        r(
            p.clone(),
            "/alerts/{id}/acknowledge",
            Perm(ViewClinical),
            post(alerts::acknowledge),
        ),
        r(
            g.clone(),
            "/clients/{id}",
            Perm(ViewClients),
            get(clients::chart),
        ),
        r(
            p.clone(),
            "/clients/{id}/care-team",
            Perm(ManageCareTeam),
            post(clients::add_member),
        ),
        r(
            p.clone(),
            "/clients/{id}/care-team/remove",
            Perm(ManageCareTeam),
            post(clients::remove_member),
        ),
        // Administration
        r(
            g.clone(),
            "/admin/users",
            Perm(ManageUsers),
            get(admin_users::list),
        ),
        r(
            g.clone(),
            "/admin/users/new",
            Perm(ManageUsers),
            get(admin_users::new_form),
        ),
        r(
            p.clone(),
            "/admin/users/new",
            Perm(ManageUsers),
            post(admin_users::create),
        ),
        r(
            g.clone(),
            "/admin/users/{id}",
            Perm(ManageUsers),
            get(admin_users::show),
        ),
        r(
            p.clone(),
            "/admin/users/{id}/roles",
            Perm(ManageUsers),
            post(admin_users::set_roles),
        ),
        r(
            p.clone(),
            "/admin/users/{id}/deactivate",
            Perm(ManageUsers),
            post(admin_users::deactivate),
        ),
        r(
            p.clone(),
            "/admin/users/{id}/reactivate",
            Perm(ManageUsers),
            post(admin_users::reactivate),
        ),
        r(
            p.clone(),
            "/admin/users/{id}/reset-second-factor",
            Perm(ManageUsers),
            post(admin_users::reset_factor),
        ),
        r(
            p.clone(),
            "/admin/users/{id}/invitation",
            Perm(ManageUsers),
            post(admin_users::invite),
        ),
        r(
            p.clone(),
            "/admin/users/{id}/prescriber",
            Perm(ManageUsers),
            post(admin_users::set_prescriber),
        ),
        r(
            p.clone(),
            "/admin/users/{id}/partner",
            Perm(ManageUsers),
            post(admin_users::set_partner),
        ),
        r(
            g.clone(),
            "/admin/locations",
            Perm(ManageLocations),
            get(admin_locations::list),
        ),
        r(
            p.clone(),
            "/admin/locations",
            Perm(ManageLocations),
            post(admin_locations::create),
        ),
        r(
            g.clone(),
            "/admin/locations/{id}",
            Perm(ManageLocations),
            get(admin_locations::show),
        ),
        r(
            p.clone(),
            "/admin/locations/{id}",
            Perm(ManageLocations),
            post(admin_locations::update),
        ),
        r(
            p.clone(),
            "/admin/locations/{id}/rooms",
            Perm(ManageLocations),
            post(admin_locations::add_room),
        ),
        r(
            p.clone(),
            "/admin/locations/{id}/rooms/{room}",
            Perm(ManageLocations),
            post(admin_locations::update_room),
        ),
        r(
            g.clone(),
            "/admin/audit",
            Perm(ViewAudit),
            get(admin_audit::list),
        ),
        r(
            g.clone(),
            "/admin/mail",
            Perm(ViewMailOutbox),
            get(admin_mail::list),
        ),
        r(
            p.clone(),
            "/admin/mail/{id}/retry",
            Perm(ViewMailOutbox),
            post(admin_mail::retry),
        ),
        r(
            g.clone(),
            "/admin/settings",
            Perm(ManageClinic),
            get(admin_clinic::settings),
        ),
        r(
            p.clone(),
            "/admin/settings",
            Perm(ManageClinic),
            post(admin_clinic::save_settings),
        ),
        r(
            g.clone(),
            "/admin/partners",
            Perm(ManageClinic),
            get(admin_clinic::partners),
        ),
        r(
            p.clone(),
            "/admin/partners",
            Perm(ManageClinic),
            post(admin_clinic::create_partner),
        ),
        r(
            g.clone(),
            "/admin/partners/{id}",
            Perm(ManageClinic),
            get(admin_clinic::partner),
        ),
        r(
            p.clone(),
            "/admin/partners/{id}",
            Perm(ManageClinic),
            post(admin_clinic::update_partner),
        ),
        r(
            g.clone(),
            "/admin/consents",
            Perm(ManageClinic),
            get(admin_clinic::consents),
        ),
        r(
            g.clone(),
            "/admin/consents/{kind}",
            Perm(ManageClinic),
            get(admin_clinic::consent),
        ),
        r(
            p.clone(),
            "/admin/consents/{kind}",
            Perm(ManageClinic),
            post(admin_clinic::publish_consent),
        ),
        // Clients
        r(
            g.clone(),
            "/portal/intake",
            Perm(ClientPortal),
            get(intake::form),
        ),
        r(
            p.clone(),
            "/portal/intake",
            Perm(ClientPortal),
            post(intake::save),
        ),
        r(
            g.clone(),
            "/portal/questionnaires/{task}",
            Perm(ClientPortal),
            get(questionnaires::portal_form),
        ),
        r(
            p.clone(),
            "/portal/questionnaires/{task}",
            Perm(ClientPortal),
            post(questionnaires::portal_submit),
        ),
        r(
            g.clone(),
            "/portal/consents/{kind}",
            Perm(ClientPortal),
            get(consents::show),
        ),
        r(
            p.clone(),
            "/portal/consents/{kind}",
            Perm(ClientPortal),
            post(consents::sign),
        ),
        r(
            p.clone(),
            "/portal/consents/{kind}/withdraw",
            Perm(ClientPortal),
            post(consents::withdraw),
        ),
        r(g, "/portal", Perm(ClientPortal), get(portal::home)),
    ]
}

/// The route table without handlers (for tests and documentation).
pub fn specs() -> Vec<RouteSpec> {
    table().into_iter().map(|(s, _)| s).collect()
}

async fn not_found() -> Response {
    AppError::not_found().into_response()
}

/// Builds the application router.
pub fn router(state: AppState) -> Router {
    let mut router: Router<AppState> = Router::new();
    for (spec, handler) in table() {
        let guarded = handler.route_layer(from_fn_with_state((state.clone(), spec.access), guard));
        router = router.route(spec.path, guarded);
    }
    router
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), middleware::context))
        .layer(axum::extract::DefaultBodyLimit::max(
            state.config.max_body_bytes,
        ))
        .with_state(state)
}
