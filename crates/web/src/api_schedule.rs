//! `/api/v1` for scheduling: the slot finder, booking, cancellation and no-shows,
//! and the signed-in client's appointments. Same permissions as the pages.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use threshold_service::schedule::{BookingForm, RuleForm, SlotSearch};
use threshold_store::schedule::AppointmentRow;
use utoipa::{OpenApi, ToSchema};

use crate::error::{AppResult, ErrorInfo};
use crate::extract::{ApiJson, Signed};
use crate::state::AppState;

fn rfc3339(t: &jiff::Timestamp) -> String {
    format!("{t:.3}")
}

/// A slot-finder query.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SlotQueryBody {
    /// `consultation`, `intake-assessment`, `preparation`, `medicine-session`, `group-medicine-session`, `integration`, `integration-circle`, `follow-up`.
    #[schema(required = true)]
    pub kind: String,
    /// A location's id.
    #[schema(required = true)]
    pub location: String,
    /// The client's id (every kind but integration circles).
    pub client: Option<String>,
    /// `YYYY-MM-DD` in the location's zone; default today.
    pub from: Option<String>,
    /// 1–62, default 14.
    pub days: Option<u16>,
    /// 1–50, default 10.
    pub limit: Option<u16>,
    pub video: bool,
    /// Consultations only: the inquiry, instead of a client.
    pub inquiry: Option<String>,
    /// Group medicine sessions only: `lozenge` (default) or `iv`.
    pub route: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SlotBody {
    /// RFC 3339, UTC.
    pub start: String,
    pub end: String,
    pub clinicians: Vec<String>,
    pub clinician_names: Vec<String>,
    pub room: Option<String>,
    pub room_name: Option<String>,
    pub partner: Option<String>,
    pub partner_name: Option<String>,
}

/// The earliest times when everyone and everything needed is free.
#[utoipa::path(
    post,
    path = "/api/v1/schedule/slots",
    tag = "schedule",
    request_body = SlotQueryBody,
    responses(
        (status = 200, description = "Earliest first", body = [SlotBody]),
        (status = 403, description = "The caller may not schedule", body = ErrorInfo),
        (status = 409, description = "The client is not ready for medicine sessions (the message names what is missing)", body = ErrorInfo),
        (status = 422, description = "Validation failed", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn slots(
    State(st): State<AppState>,
    Signed(p): Signed,
    ApiJson(b): ApiJson<SlotQueryBody>,
) -> AppResult {
    let search = SlotSearch {
        kind: b.kind,
        location: b.location,
        client: b.client.unwrap_or_default(),
        from: b.from.unwrap_or_default(),
        days: b.days.map(|d| d.to_string()).unwrap_or_default(),
        limit: b.limit.map(|d| d.to_string()).unwrap_or_default(),
        video: b.video,
        inquiry: b.inquiry.unwrap_or_default(),
        route: b.route.unwrap_or_default(),
    };
    let found = st.services.find_times(&p, &search).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|v| SlotBody {
                start: rfc3339(&v.slot.start),
                end: rfc3339(&v.slot.end),
                clinicians: v.slot.clinicians,
                clinician_names: v.clinician_names,
                room: v.slot.room,
                room_name: v.room_name,
                partner: v.slot.partner,
                partner_name: v.partner_name,
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

/// A booking of an offered slot.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct BookingBody {
    #[schema(required = true)]
    pub kind: String,
    #[schema(required = true)]
    pub location: String,
    pub client: Option<String>,
    /// The slot's start, RFC 3339.
    #[schema(required = true)]
    pub start: String,
    #[schema(required = true)]
    pub clinicians: Vec<String>,
    pub room: Option<String>,
    pub partner: Option<String>,
    pub video: bool,
    /// Consultations only: the inquiry, instead of a client.
    pub inquiry: Option<String>,
    /// Group medicine sessions only: `lozenge` (default) or `iv`.
    pub route: Option<String>,
    /// Integration circles: the series' name (required) and how many weekly
    /// meetings to book at the same local time (1–26, default 1).
    pub name: Option<String>,
    pub weeks: Option<u16>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Booked {
    pub id: String,
}

/// Books a slot. Every rule is checked again; two requests racing for one slot
/// make exactly one appointment (the other gets 409).
#[utoipa::path(
    post,
    path = "/api/v1/appointments",
    tag = "schedule",
    request_body = BookingBody,
    responses(
        (status = 201, description = "Booked", body = Booked),
        (status = 403, description = "The caller may not schedule", body = ErrorInfo),
        (status = 404, description = "No such client", body = ErrorInfo),
        (status = 409, description = "Taken, or a rule refuses it (the message says which)", body = ErrorInfo),
        (status = 422, description = "Validation failed", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn book(
    State(st): State<AppState>,
    Signed(p): Signed,
    ApiJson(b): ApiJson<BookingBody>,
) -> AppResult {
    let id = st
        .services
        .book(
            &p,
            &BookingForm {
                kind: b.kind,
                location: b.location,
                client: b.client.unwrap_or_default(),
                start: b.start,
                clinicians: b.clinicians,
                room: b.room.unwrap_or_default(),
                partner: b.partner.unwrap_or_default(),
                video: b.video,
                inquiry: b.inquiry.unwrap_or_default(),
                route: b.route.unwrap_or_default(),
                name: b.name.unwrap_or_default(),
                weeks: b.weeks.map(|w| w.to_string()).unwrap_or_default(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Booked { id })).into_response())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CloseBody {
    /// `cancelled` or `no-show`.
    #[schema(required = true)]
    pub status: String,
    /// Required to cancel. Stored encrypted.
    pub reason: Option<String>,
}

/// Cancels an appointment (with a reason) or records a no-show.
#[utoipa::path(
    post,
    path = "/api/v1/appointments/{id}/close",
    tag = "schedule",
    params(("id" = String, Path, description = "The appointment's id")),
    request_body = CloseBody,
    responses(
        (status = 204, description = "Done"),
        (status = 404, description = "No such appointment", body = ErrorInfo),
        (status = 409, description = "Not booked any more", body = ErrorInfo),
        (status = 422, description = "Validation failed", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn close(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CloseBody>,
) -> AppResult {
    st.services
        .close_appointment(&p, &id, &b.status, b.reason.as_deref().unwrap_or(""))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentBody {
    pub id: String,
    pub kind: String,
    pub starts_at: String,
    pub ends_at: String,
    pub video: bool,
    pub room_name: Option<String>,
    pub status: String,
}

fn body(a: AppointmentRow) -> AppointmentBody {
    AppointmentBody {
        starts_at: rfc3339(&a.starts_at),
        ends_at: rfc3339(&a.ends_at),
        id: a.id,
        kind: a.kind,
        video: a.video,
        room_name: a.room_name,
        status: a.status,
    }
}

/// The signed-in client's upcoming appointments.
#[utoipa::path(
    get,
    path = "/api/v1/portal/appointments",
    tag = "schedule",
    responses(
        (status = 200, description = "Soonest first", body = [AppointmentBody]),
        (status = 403, description = "Not a client", body = ErrorInfo),
    ),
    security(())
)]
pub async fn my_appointments(State(st): State<AppState>, Signed(p): Signed) -> AppResult {
    let list = st.services.my_appointments(&p).await?;
    Ok(Json(list.into_iter().map(body).collect::<Vec<_>>()).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleBody {
    pub id: String,
    pub location: String,
    /// `monday` … `sunday`.
    pub weekday: String,
    /// `HH:MM`, local time at the location.
    pub start: String,
    pub end: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OwnerBody {
    /// `user` or `partner`.
    pub kind: String,
    pub id: String,
    pub name: String,
    pub rules: Vec<RuleBody>,
}

/// Weekly availability: a coordinator's view lists every clinician, physician
/// and partner; anyone else sees their own.
#[utoipa::path(
    get,
    path = "/api/v1/availability",
    tag = "schedule",
    responses(
        (status = 200, description = "Owners with their weekly rules", body = [OwnerBody]),
        (status = 401, description = "No valid credentials", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn availability(State(st): State<AppState>, Signed(p): Signed) -> AppResult {
    let book = st.services.availability_book(&p).await?;
    Ok(Json(
        book.owners
            .into_iter()
            .map(|(o, rules, _)| OwnerBody {
                kind: o.kind.into(),
                id: o.id,
                name: o.name,
                rules: rules
                    .into_iter()
                    .map(|r| RuleBody {
                        id: r.id,
                        location: r.location_id.to_string(),
                        weekday: r.weekday,
                        start: r.start_time,
                        end: r.end_time,
                    })
                    .collect(),
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RuleCreate {
    /// `user` or `partner`; staff may only add their own (`user` and their id).
    #[schema(required = true)]
    pub owner_kind: String,
    #[schema(required = true)]
    pub owner_id: String,
    #[schema(required = true)]
    pub location: String,
    #[schema(required = true)]
    pub weekday: String,
    #[schema(required = true)]
    pub start: String,
    #[schema(required = true)]
    pub end: String,
}

/// Adds a weekly availability rule.
#[utoipa::path(
    post,
    path = "/api/v1/availability",
    tag = "schedule",
    request_body = RuleCreate,
    responses(
        (status = 201, description = "Added"),
        (status = 403, description = "Someone else's hours, without the schedule permission", body = ErrorInfo),
        (status = 422, description = "Validation failed", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn add_availability(
    State(st): State<AppState>,
    Signed(p): Signed,
    ApiJson(b): ApiJson<RuleCreate>,
) -> AppResult {
    st.services
        .add_availability(
            &p,
            &RuleForm {
                owner_kind: b.owner_kind,
                owner_id: b.owner_id,
                location: b.location,
                weekday: b.weekday,
                start: b.start,
                end: b.end,
            },
        )
        .await?;
    Ok(StatusCode::CREATED.into_response())
}

#[derive(OpenApi)]
#[openapi(
    paths(slots, book, close, my_appointments, availability, add_availability),
    components(schemas(SlotQueryBody, SlotBody, BookingBody, Booked, CloseBody, AppointmentBody, RuleBody, OwnerBody, RuleCreate)),
    tags((name = "schedule", description = "The slot finder, booking, cancellation and the client's appointments"))
)]
pub struct ScheduleApi;
