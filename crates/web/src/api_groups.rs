//! `/api/v1` for groups and the rest of scheduling: the week at a location,
//! group rosters and attendance, circle enrolment, rescheduling, the waitlist
//! and its offers, availability exceptions and calendar feeds. Same rules and
//! permissions as the pages.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use threshold_service::groups::{RescheduleForm, WaitForm};
use threshold_service::schedule::ExceptionForm;
use threshold_store::schedule::AppointmentRow;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::api_schedule::Booked;
use crate::error::{AppError, AppResult, ErrorInfo};
use crate::extract::{ApiJson, Signed};
use crate::state::AppState;

fn rfc3339(t: &jiff::Timestamp) -> String {
    format!("{t:.3}")
}

/// An appointment as staff see it on the calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffAppointment {
    pub id: String,
    pub kind: String,
    pub starts_at: String,
    pub ends_at: String,
    pub status: String,
    pub video: bool,
    pub client: Option<String>,
    pub client_name: Option<String>,
    pub inquiry: Option<String>,
    pub room: Option<String>,
    pub room_name: Option<String>,
    pub partner: Option<String>,
    pub partner_name: Option<String>,
    /// (user id, name) of the clinicians or facilitators.
    pub people: Vec<(String, String)>,
    /// Groups: places and members on the roster.
    pub capacity: Option<i64>,
    pub members: i64,
    /// Circles: the series this meeting belongs to.
    pub series: Option<String>,
}

fn staff_body(a: AppointmentRow) -> StaffAppointment {
    StaffAppointment {
        starts_at: rfc3339(&a.starts_at),
        ends_at: rfc3339(&a.ends_at),
        id: a.id,
        kind: a.kind,
        status: a.status,
        video: a.video,
        client: a.client_id.map(|c| c.to_string()),
        client_name: a.client_name,
        inquiry: a.inquiry_id,
        room: a.room_id,
        room_name: a.room_name,
        partner: a.partner_id,
        partner_name: a.partner_name,
        people: a
            .people
            .into_iter()
            .map(|(u, n, _)| (u.to_string(), n))
            .collect(),
        capacity: a.capacity,
        members: a.members,
        series: a.series_id,
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct WeekQuery {
    /// A location's id.
    pub location: String,
    /// The first of the seven days, `YYYY-MM-DD` in the location's zone.
    pub day: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WeekDay {
    /// `YYYY-MM-DD`, local.
    pub day: String,
    pub appointments: Vec<StaffAppointment>,
}

/// A location's seven days from `day`: people, rooms and groups.
#[utoipa::path(
    get,
    path = "/api/v1/schedule/week",
    tag = "schedule",
    params(WeekQuery),
    responses(
        (status = 200, description = "Seven days, each with its appointments", body = [WeekDay]),
        (status = 400, description = "Bad location or day", body = ErrorInfo),
        (status = 403, description = "The caller may not schedule", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn week(
    State(st): State<AppState>,
    Signed(p): Signed,
    Query(q): Query<WeekQuery>,
) -> AppResult {
    let location = q
        .location
        .trim()
        .parse()
        .map_err(|_| AppError::bad_request("location: choose a location."))?;
    let day = q
        .day
        .trim()
        .parse()
        .map_err(|_| AppError::bad_request("day: a date like 2026-12-01."))?;
    let (_, days) = st.services.week_at(&p, location, day).await?;
    Ok(Json(
        days.into_iter()
            .map(|(d, list)| WeekDay {
                day: d.to_string(),
                appointments: list.into_iter().map(staff_body).collect(),
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberBody {
    pub client: String,
    pub name: String,
    /// `member`, `enrolled` or `drop-in`.
    pub mode: String,
    /// `attended`, `absent` or null.
    pub attendance: Option<String>,
    /// What keeps the member from taking part; empty when ready.
    pub missing: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RosterBody {
    pub appointment: StaffAppointment,
    pub members: Vec<MemberBody>,
    /// The clinic's smallest group medicine session.
    pub min_size: i64,
    /// Circles: the enrolled members (client ids).
    pub enrolled: Vec<String>,
    /// Waiting for a place here: client ids, longest first.
    pub waiting: Vec<String>,
}

/// A group's roster with each member's readiness (coordinators and the group's
/// facilitators).
#[utoipa::path(
    get,
    path = "/api/v1/appointments/{id}/roster",
    tag = "groups",
    params(("id" = String, Path, description = "A group appointment's id")),
    responses(
        (status = 200, description = "The roster", body = RosterBody),
        (status = 404, description = "No such group, or not yours to see", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn roster(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    let r = st.services.roster(&p, &id).await?;
    Ok(Json(RosterBody {
        members: r
            .members
            .into_iter()
            .map(|m| MemberBody {
                client: m.row.client_id.to_string(),
                name: m.row.client_name,
                mode: m.row.mode,
                attendance: m.row.attendance,
                missing: m.missing,
            })
            .collect(),
        min_size: r.min_size,
        enrolled: r.enrolled.iter().map(|(c, _)| c.to_string()).collect(),
        waiting: r.waiting.iter().map(|w| w.client_id.to_string()).collect(),
        appointment: staff_body(r.appointment),
    })
    .into_response())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct MemberCreate {
    #[schema(required = true)]
    pub client: String,
}

/// Adds a member (a circle meeting: a drop-in). Refused with every reason when
/// the client does not meet the group's rules, and when the group is full.
#[utoipa::path(
    post,
    path = "/api/v1/appointments/{id}/members",
    tag = "groups",
    params(("id" = String, Path, description = "A group appointment's id")),
    request_body = MemberCreate,
    responses(
        (status = 204, description = "Added"),
        (status = 404, description = "No such group or client", body = ErrorInfo),
        (status = 409, description = "Full, or a rule refuses the member (the message says which)", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn add_member(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MemberCreate>,
) -> AppResult {
    st.services.add_member(&p, &id, &b.client).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Takes a member off the roster; the place is offered to the next person
/// waiting.
#[utoipa::path(
    post,
    path = "/api/v1/appointments/{id}/members/{client}/remove",
    tag = "groups",
    params(
        ("id" = String, Path, description = "A group appointment's id"),
        ("client" = String, Path, description = "The member's client id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "Not on the roster", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn remove_member(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path((id, client)): Path<(String, String)>,
) -> AppResult {
    st.services.remove_member(&p, &id, &client).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AttendanceBody {
    #[schema(required = true)]
    pub client: String,
    /// `attended` or `absent`.
    #[schema(required = true)]
    pub attendance: String,
}

/// Records a member's attendance once the meeting has started.
#[utoipa::path(
    post,
    path = "/api/v1/appointments/{id}/attendance",
    tag = "groups",
    params(("id" = String, Path, description = "A group appointment's id")),
    request_body = AttendanceBody,
    responses(
        (status = 204, description = "Recorded"),
        (status = 404, description = "No such group or member", body = ErrorInfo),
        (status = 409, description = "Not started yet", body = ErrorInfo),
        (status = 422, description = "Validation failed", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn attendance(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AttendanceBody>,
) -> AppResult {
    st.services
        .record_attendance(&p, &id, &b.client, &b.attendance)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Enrols a client in a circle series: every meeting still to come.
#[utoipa::path(
    post,
    path = "/api/v1/series/{id}/enrolments",
    tag = "groups",
    params(("id" = String, Path, description = "A circle series' id")),
    request_body = MemberCreate,
    responses(
        (status = 204, description = "Enrolled"),
        (status = 404, description = "No such series or client", body = ErrorInfo),
        (status = 409, description = "A meeting is full, or the client may not join", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn enroll(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MemberCreate>,
) -> AppResult {
    st.services.enroll(&p, &id, &b.client).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Ends an enrolment: the client leaves every meeting still to come.
#[utoipa::path(
    post,
    path = "/api/v1/series/{id}/enrolments/{client}/end",
    tag = "groups",
    params(
        ("id" = String, Path, description = "A circle series' id"),
        ("client" = String, Path, description = "The client's id"),
    ),
    responses(
        (status = 204, description = "Ended"),
        (status = 404, description = "Not enrolled", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn unenroll(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path((id, client)): Path<(String, String)>,
) -> AppResult {
    st.services.unenroll(&p, &id, &client).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RescheduleBody {
    /// A start the finder offered, RFC 3339.
    #[schema(required = true)]
    pub start: String,
    #[schema(required = true)]
    pub clinicians: Vec<String>,
    pub room: Option<String>,
    pub partner: Option<String>,
    /// Why; stored encrypted on the old appointment.
    #[schema(required = true)]
    pub reason: String,
}

/// Moves an individual appointment in one action: the new one is booked and
/// the old one released together, under every booking rule.
#[utoipa::path(
    post,
    path = "/api/v1/appointments/{id}/reschedule",
    tag = "schedule",
    params(("id" = String, Path, description = "The appointment's id")),
    request_body = RescheduleBody,
    responses(
        (status = 201, description = "Moved; the new appointment's id", body = Booked),
        (status = 404, description = "No such appointment", body = ErrorInfo),
        (status = 409, description = "Taken, not booked, a group, or a rule refuses it", body = ErrorInfo),
        (status = 422, description = "Validation failed", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn reschedule(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RescheduleBody>,
) -> AppResult {
    let id = st
        .services
        .reschedule(
            &p,
            &id,
            &RescheduleForm {
                start: b.start,
                clinicians: b.clinicians,
                room: b.room.unwrap_or_default(),
                partner: b.partner.unwrap_or_default(),
                reason: b.reason,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Booked { id })).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WaitBody {
    pub id: String,
    pub client: String,
    pub client_name: String,
    pub kind: String,
    pub location: String,
    pub appointment: Option<String>,
    pub series: Option<String>,
    /// `waiting` or `offered`.
    pub status: String,
    /// What was offered: a group, or a freed appointment's time.
    pub offered_appointment: Option<String>,
    pub since: String,
}

fn wait_body(w: threshold_store::groups::WaitRow) -> WaitBody {
    WaitBody {
        since: rfc3339(&w.created_at),
        id: w.id,
        client: w.client_id.to_string(),
        client_name: w.client_name,
        kind: w.kind,
        location: w.location_id.to_string(),
        appointment: w.appointment_id,
        series: w.series_id,
        status: w.status,
        offered_appointment: w.offered_appointment,
    }
}

/// Everyone waiting or offered a place, longest first.
#[utoipa::path(
    get,
    path = "/api/v1/waitlist",
    tag = "groups",
    responses(
        (status = 200, description = "Open entries", body = [WaitBody]),
        (status = 403, description = "The caller may not schedule", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn waitlist(State(st): State<AppState>, Signed(p): Signed) -> AppResult {
    let list = st.services.waitlist(&p).await?;
    Ok(Json(list.into_iter().map(wait_body).collect::<Vec<_>>()).into_response())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct WaitCreate {
    #[schema(required = true)]
    pub client: String,
    /// For a type of appointment: its kind and location.
    pub kind: Option<String>,
    pub location: Option<String>,
    /// For a group: its appointment id, or a circle's series id.
    pub appointment: Option<String>,
    pub series: Option<String>,
}

/// Puts a client on a waitlist: for a group, a circle, or a type of
/// appointment at a location.
#[utoipa::path(
    post,
    path = "/api/v1/waitlist",
    tag = "groups",
    request_body = WaitCreate,
    responses(
        (status = 201, description = "Waiting", body = Booked),
        (status = 404, description = "No such client, group or series", body = ErrorInfo),
        (status = 409, description = "Already waiting for that", body = ErrorInfo),
        (status = 422, description = "Validation failed", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn join_waitlist(
    State(st): State<AppState>,
    Signed(p): Signed,
    ApiJson(b): ApiJson<WaitCreate>,
) -> AppResult {
    let id = st
        .services
        .join_waitlist(
            &p,
            &WaitForm {
                client: b.client,
                kind: b.kind.unwrap_or_default(),
                location: b.location.unwrap_or_default(),
                appointment: b.appointment.unwrap_or_default(),
                series: b.series.unwrap_or_default(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Booked { id })).into_response())
}

/// Takes someone off the waitlist.
#[utoipa::path(
    post,
    path = "/api/v1/waitlist/{id}/remove",
    tag = "groups",
    params(("id" = String, Path, description = "The entry's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such open entry", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn remove_wait(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    st.services.remove_wait(&p, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfferBody {
    pub id: String,
    pub kind: String,
    /// The offered time, RFC 3339.
    pub starts_at: Option<String>,
}

/// The signed-in client's open offers of a freed place.
#[utoipa::path(
    get,
    path = "/api/v1/portal/offers",
    tag = "groups",
    responses(
        (status = 200, description = "Open offers", body = [OfferBody]),
        (status = 403, description = "Not a client", body = ErrorInfo),
    ),
    security(())
)]
pub async fn my_offers(State(st): State<AppState>, Signed(p): Signed) -> AppResult {
    let list = st.services.my_offers(&p).await?;
    Ok(Json(
        list.into_iter()
            .map(|o| OfferBody {
                starts_at: o.starts_at.as_ref().map(rfc3339),
                id: o.wait.id,
                kind: o.wait.kind,
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

/// The client accepts an offer: the place is booked under every rule, or 409
/// when it went meanwhile (they stay on the waitlist).
#[utoipa::path(
    post,
    path = "/api/v1/portal/offers/{id}/accept",
    tag = "groups",
    params(("id" = String, Path, description = "The offer's id")),
    responses(
        (status = 204, description = "Booked"),
        (status = 404, description = "No such offer of yours", body = ErrorInfo),
        (status = 409, description = "The place is gone", body = ErrorInfo),
    ),
    security(())
)]
pub async fn accept_offer(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    st.services.accept_offer(&p, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The client declines an offer; the next person is offered the place.
#[utoipa::path(
    post,
    path = "/api/v1/portal/offers/{id}/decline",
    tag = "groups",
    params(("id" = String, Path, description = "The offer's id")),
    responses(
        (status = 204, description = "Declined"),
        (status = 404, description = "No such offer of yours", body = ErrorInfo),
    ),
    security(())
)]
pub async fn decline_offer(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    st.services.decline_offer(&p, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ExceptionCreate {
    /// `user` or `partner`; staff may only add their own.
    #[schema(required = true)]
    pub owner_kind: String,
    #[schema(required = true)]
    pub owner_id: String,
    #[schema(required = true)]
    pub location: String,
    /// `leave` or `extra`.
    #[schema(required = true)]
    pub kind: String,
    /// Local date-times at the location, `2026-12-24T09:00`.
    #[schema(required = true)]
    pub from: String,
    #[schema(required = true)]
    pub to: String,
}

/// Adds leave or one-off extra hours.
#[utoipa::path(
    post,
    path = "/api/v1/availability/exceptions",
    tag = "schedule",
    request_body = ExceptionCreate,
    responses(
        (status = 201, description = "Added"),
        (status = 403, description = "Someone else's hours, without the schedule permission", body = ErrorInfo),
        (status = 422, description = "Validation failed", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn add_exception(
    State(st): State<AppState>,
    Signed(p): Signed,
    ApiJson(b): ApiJson<ExceptionCreate>,
) -> AppResult {
    st.services
        .add_exception(
            &p,
            &ExceptionForm {
                owner_kind: b.owner_kind,
                owner_id: b.owner_id,
                location: b.location,
                kind: b.kind,
                from: b.from,
                to: b.to,
            },
        )
        .await?;
    Ok(StatusCode::CREATED.into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedBody {
    /// The feed's address; shown once, revoked by creating another or revoking.
    pub url: String,
}

/// Creates the caller's iCalendar feed (revoking any earlier one).
#[utoipa::path(
    post,
    path = "/api/v1/account/calendar-feed",
    tag = "schedule",
    responses(
        (status = 201, description = "The new feed's address", body = FeedBody),
        (status = 401, description = "No valid credentials", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn create_feed(State(st): State<AppState>, Signed(p): Signed) -> AppResult {
    let url = st.services.create_my_feed(&p).await?;
    Ok((StatusCode::CREATED, Json(FeedBody { url })).into_response())
}

/// Revokes the caller's iCalendar feed.
#[utoipa::path(
    post,
    path = "/api/v1/account/calendar-feed/revoke",
    tag = "schedule",
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "There was no feed", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn revoke_feed(State(st): State<AppState>, Signed(p): Signed) -> AppResult {
    if st.services.revoke_my_feed(&p).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(AppError::not_found())
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct DayQuery {
    /// `YYYY-MM-DD` in the clinic's zone; default today.
    pub day: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayItemBody {
    pub appointment: StaffAppointment,
    /// What is still missing for it (readiness, questionnaires due).
    pub missing: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyDayBody {
    pub day: String,
    pub items: Vec<DayItemBody>,
}

/// The caller's own appointments on a day, each with what is still missing
/// (a partner's people also see their organisation's sessions).
#[utoipa::path(
    get,
    path = "/api/v1/my-day",
    tag = "schedule",
    params(DayQuery),
    responses(
        (status = 200, description = "The day", body = MyDayBody),
        (status = 400, description = "Bad day", body = ErrorInfo),
        (status = 403, description = "Not staff", body = ErrorInfo),
    ),
    security(("bearer" = []))
)]
pub async fn my_day(
    State(st): State<AppState>,
    Signed(p): Signed,
    Query(q): Query<DayQuery>,
) -> AppResult {
    let day = match q.day.trim() {
        "" => None,
        raw => Some(
            raw.parse()
                .map_err(|_| AppError::bad_request("day: a date like 2026-12-01."))?,
        ),
    };
    let (day, items) = st.services.my_day(&p, day).await?;
    Ok(Json(MyDayBody {
        day: day.to_string(),
        items: items
            .into_iter()
            .map(|i| DayItemBody {
                appointment: staff_body(i.appointment),
                missing: i.missing,
            })
            .collect(),
    })
    .into_response())
}

#[derive(OpenApi)]
#[openapi(
    paths(
        week, roster, add_member, remove_member, attendance, enroll, unenroll, reschedule,
        waitlist, join_waitlist, remove_wait, my_offers, accept_offer, decline_offer,
        add_exception, create_feed, revoke_feed, my_day
    ),
    components(schemas(
        StaffAppointment, WeekDay, MemberBody, RosterBody, MemberCreate, AttendanceBody,
        RescheduleBody, WaitBody, WaitCreate, OfferBody, ExceptionCreate, FeedBody,
        DayItemBody, MyDayBody
    )),
    tags((name = "groups", description = "Group rosters, circles, attendance and the waitlist"))
)]
pub struct GroupsApi;
