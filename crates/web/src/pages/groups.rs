//! Coordinators' pages beyond the day: the week at a location, a group's
//! roster (members, readiness, attendance, the circle's enrolment and
//! waitlist), rescheduling, and the waitlist; the portal's offers.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use threshold_domain::ids::LocationId;
use threshold_domain::schedule::AppointmentKind;
use threshold_service::Principal;
use threshold_service::groups::{RescheduleForm, Roster, WaitForm};
use threshold_service::schedule::SlotView;
use threshold_store::groups::WaitRow;
use threshold_store::schedule::AppointmentRow;

use crate::error::{AppError, AppResult};
use crate::extract::{Form, Signed};
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, after_action, page_with, see_other};

fn kind_label(k: &str) -> &'static str {
    k.parse::<AppointmentKind>()
        .map_or("Appointment", |k| k.label())
}

fn parse_day(raw: &str) -> Result<Option<jiff::civil::Date>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        raw => raw
            .parse()
            .map(Some)
            .map_err(|_| AppError::bad_request("The day must be a date like 2026-12-01.")),
    }
}

// ---- week -------------------------------------------------------------------

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct WeekParams {
    location: String,
    day: String,
}

#[derive(Template)]
#[template(path = "week.html")]
struct WeekPage {
    chrome: Chrome,
    locations: Vec<threshold_store::locations::LocationRow>,
    location: String,
    day: String,
    tz: jiff::tz::TimeZone,
    days: Vec<(jiff::civil::Date, Vec<AppointmentRow>)>,
}

impl WeekPage {
    fn hm(&self, t: &jiff::Timestamp) -> String {
        t.to_zoned_datetime(self.tz.clone())
            .strftime("%H:%M")
            .to_string()
    }
    fn kind_label(&self, k: &str) -> &'static str {
        kind_label(k)
    }
    fn is_group(&self, k: &str) -> bool {
        k.parse::<AppointmentKind>().is_ok_and(|k| k.is_group())
    }
    fn day_name(&self, d: &jiff::civil::Date) -> String {
        d.strftime("%A %e %B").to_string()
    }
    fn week_from(&self, days: i64) -> String {
        self.day
            .parse::<jiff::civil::Date>()
            .map(|d| d.saturating_add(jiff::Span::new().days(days)).to_string())
            .unwrap_or_default()
    }
}

pub async fn week(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Query(params): Query<WeekParams>,
) -> AppResult {
    let choices = st.services.schedule_choices(&p).await?;
    let location = match params.location.parse::<LocationId>() {
        Ok(l) => l,
        Err(_) => choices
            .locations
            .first()
            .map(|l| l.id)
            .ok_or_else(AppError::not_found)?,
    };
    let zone = choices
        .locations
        .iter()
        .find(|l| l.id == location)
        .and_then(|l| jiff::tz::TimeZone::get(&l.time_zone).ok())
        .ok_or_else(AppError::not_found)?;
    let day = match parse_day(&params.day)? {
        Some(d) => d,
        None => {
            // The week starts on the Monday of today's week.
            let today = st.services.now().to_zoned_datetime(zone).date();
            today.saturating_sub(
                jiff::Span::new().days(i64::from(today.weekday().to_monday_zero_offset())),
            )
        }
    };
    let (tz, days) = st.services.week_at(&p, location, day).await?;
    Ok(page_with(
        StatusCode::OK,
        &WeekPage {
            chrome: ctx.chrome("Week"),
            locations: choices.locations,
            location: location.to_string(),
            day: day.to_string(),
            tz,
            days,
        },
    ))
}

// ---- roster -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "roster.html")]
struct RosterPage {
    chrome: Chrome,
    r: Roster,
    clients: Vec<(threshold_domain::ids::ClientId, String)>,
    errors: Errors,
}

impl RosterPage {
    fn at(&self, t: &jiff::Timestamp) -> String {
        t.to_zoned_datetime(self.r.tz.clone())
            .strftime("%A %e %B %Y, %H:%M %Z")
            .to_string()
    }
    fn hm(&self, t: &jiff::Timestamp) -> String {
        t.to_zoned_datetime(self.r.tz.clone())
            .strftime("%H:%M")
            .to_string()
    }
    fn capacity(&self) -> i64 {
        self.r.appointment.capacity.unwrap_or(0)
    }
    fn is_circle(&self) -> bool {
        self.r.kind == AppointmentKind::IntegrationCircle
    }
    fn too_few(&self) -> bool {
        self.r.kind == AppointmentKind::GroupMedicineSession
            && i64::try_from(self.r.members.len()).unwrap_or(0) < self.r.min_size
    }
    fn open(&self) -> bool {
        self.r.appointment.status == "booked" && !self.r.started
    }
}

async fn roster_page(
    st: &AppState,
    ctx: &PageCtx,
    p: &Principal,
    id: &str,
    status: StatusCode,
    errors: Errors,
) -> AppResult {
    let r = st.services.roster(p, id).await?;
    let clients = if r.may_manage {
        st.services.schedule_choices(p).await?.clients
    } else {
        Vec::new()
    };
    let title = r.kind.label();
    Ok(page_with(
        status,
        &RosterPage {
            chrome: ctx.chrome(title),
            r,
            clients,
            errors,
        },
    ))
}

pub async fn roster(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    roster_page(&st, &ctx, &p, &id, StatusCode::OK, Errors::default()).await
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct MemberFields {
    client: String,
    attendance: String,
    /// The roster to return to (series actions).
    appointment: String,
}

fn roster_url(id: &str) -> String {
    // Ids are UUIDs; anything else is not put into a URL.
    match uuid::Uuid::parse_str(id.trim()) {
        Ok(u) => format!("/schedule/appointments/{u}?done=saved"),
        Err(_) => "/schedule?done=saved".into(),
    }
}

pub async fn add_member(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<MemberFields>,
) -> AppResult {
    let r = st.services.add_member(&p, &id, &f.client).await;
    after_action(r, &roster_url(&id), |status, errors| {
        roster_page(&st, &ctx, &p, &id, status, errors)
    })
    .await
}

pub async fn remove_member(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path((id, client)): Path<(String, String)>,
) -> AppResult {
    let r = st.services.remove_member(&p, &id, &client).await;
    after_action(r, &roster_url(&id), |status, errors| {
        roster_page(&st, &ctx, &p, &id, status, errors)
    })
    .await
}

pub async fn attendance(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<MemberFields>,
) -> AppResult {
    let r = st
        .services
        .record_attendance(&p, &id, &f.client, &f.attendance)
        .await;
    after_action(r, &roster_url(&id), |status, errors| {
        roster_page(&st, &ctx, &p, &id, status, errors)
    })
    .await
}

pub async fn enroll(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(series): Path<String>,
    Form(f): Form<MemberFields>,
) -> AppResult {
    let r = st.services.enroll(&p, &series, &f.client).await;
    let back = f.appointment.clone();
    after_action(r, &roster_url(&back), |status, errors| {
        roster_page(&st, &ctx, &p, &back, status, errors)
    })
    .await
}

pub async fn unenroll(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(series): Path<String>,
    Form(f): Form<MemberFields>,
) -> AppResult {
    let r = st.services.unenroll(&p, &series, &f.client).await;
    let back = f.appointment.clone();
    after_action(r, &roster_url(&back), |status, errors| {
        roster_page(&st, &ctx, &p, &back, status, errors)
    })
    .await
}

// ---- reschedule ---------------------------------------------------------------

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RescheduleParams {
    from: String,
    days: String,
}

#[derive(Template)]
#[template(path = "reschedule.html")]
struct ReschedulePage {
    chrome: Chrome,
    a: AppointmentRow,
    tz: jiff::tz::TimeZone,
    slots: Vec<SlotView>,
    from: String,
    days: String,
    errors: Errors,
}

impl ReschedulePage {
    fn at(&self, t: &jiff::Timestamp) -> String {
        t.to_zoned_datetime(self.tz.clone())
            .strftime("%a %Y-%m-%d %H:%M")
            .to_string()
    }
    fn hm(&self, t: &jiff::Timestamp) -> String {
        t.to_zoned_datetime(self.tz.clone())
            .strftime("%H:%M")
            .to_string()
    }
    fn kind_label(&self, k: &str) -> &'static str {
        kind_label(k)
    }
}

async fn reschedule_page(
    st: &AppState,
    ctx: &PageCtx,
    p: &Principal,
    id: &str,
    params: RescheduleParams,
    status: StatusCode,
    mut errors: Errors,
) -> AppResult {
    let (a, tz, slots) = match st
        .services
        .reschedule_times(p, id, &params.from, &params.days)
        .await
    {
        Ok(x) => x,
        // A bad window: the page again with the error and no times.
        Err(threshold_service::Error::Invalid(inv)) => {
            errors.0.extend(inv.0);
            let (a, tz, _) = st.services.reschedule_times(p, id, "", "").await?;
            (a, tz, Vec::new())
        }
        Err(e) => return Err(e.into()),
    };
    Ok(page_with(
        status,
        &ReschedulePage {
            chrome: ctx.chrome("Reschedule"),
            a,
            tz,
            slots,
            from: params.from,
            days: params.days,
            errors,
        },
    ))
}

pub async fn reschedule_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Query(params): Query<RescheduleParams>,
) -> AppResult {
    reschedule_page(
        &st,
        &ctx,
        &p,
        &id,
        params,
        StatusCode::OK,
        Errors::default(),
    )
    .await
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RescheduleFields {
    start: String,
    clinicians: String,
    room: String,
    partner: String,
    reason: String,
}

pub async fn reschedule(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<RescheduleFields>,
) -> AppResult {
    let form = RescheduleForm {
        start: f.start.clone(),
        clinicians: f
            .clinicians
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        room: f.room.clone(),
        partner: f.partner.clone(),
        reason: f.reason.clone(),
    };
    match st.services.reschedule(&p, &id, &form).await {
        Ok(_) => Ok(see_other("/schedule?done=rescheduled")),
        Err(threshold_service::Error::Invalid(inv)) => {
            reschedule_page(
                &st,
                &ctx,
                &p,
                &id,
                RescheduleParams::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
                Errors(inv.0),
            )
            .await
        }
        Err(threshold_service::Error::Conflict(message)) => {
            reschedule_page(
                &st,
                &ctx,
                &p,
                &id,
                RescheduleParams::default(),
                StatusCode::CONFLICT,
                Errors(vec![threshold_domain::FieldError {
                    field: "start".into(),
                    message,
                }]),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- waitlist -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "waitlist.html")]
struct WaitlistPage {
    chrome: Chrome,
    list: Vec<WaitRow>,
    clients: Vec<(threshold_domain::ids::ClientId, String)>,
    locations: Vec<threshold_store::locations::LocationRow>,
    kinds: Vec<AppointmentKind>,
    f: WaitFields,
    errors: Errors,
}

impl WaitlistPage {
    fn kind_label(&self, k: &str) -> &'static str {
        kind_label(k)
    }
    fn location_name(&self, l: &LocationId) -> String {
        self.locations
            .iter()
            .find(|x| x.id == *l)
            .map(|x| x.name.clone())
            .unwrap_or_default()
    }
    fn since(&self, t: &jiff::Timestamp) -> String {
        self.chrome.when(t)
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct WaitFields {
    client: String,
    kind: String,
    location: String,
    appointment: String,
    series: String,
}

async fn waitlist_page(
    st: &AppState,
    ctx: &PageCtx,
    p: &Principal,
    f: WaitFields,
    status: StatusCode,
    errors: Errors,
) -> AppResult {
    let list = st.services.waitlist(p).await?;
    let choices = st.services.schedule_choices(p).await?;
    Ok(page_with(
        status,
        &WaitlistPage {
            chrome: ctx.chrome("Waitlist"),
            list,
            clients: choices.clients,
            locations: choices.locations,
            kinds: AppointmentKind::ALL
                .into_iter()
                .filter(|k| *k != AppointmentKind::Consultation && !k.is_group())
                .collect(),
            f,
            errors,
        },
    ))
}

pub async fn waitlist(State(st): State<AppState>, ctx: PageCtx, Signed(p): Signed) -> AppResult {
    waitlist_page(
        &st,
        &ctx,
        &p,
        WaitFields::default(),
        StatusCode::OK,
        Errors::default(),
    )
    .await
}

pub async fn join_waitlist(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Form(f): Form<WaitFields>,
) -> AppResult {
    let form = WaitForm {
        client: f.client.clone(),
        kind: f.kind.clone(),
        location: f.location.clone(),
        appointment: f.appointment.clone(),
        series: f.series.clone(),
    };
    let r = st.services.join_waitlist(&p, &form).await.map(|_| ());
    // From a roster, go back to it.
    let ok = if f.appointment.is_empty() {
        "/schedule/waitlist?done=saved".to_owned()
    } else {
        roster_url(&f.appointment)
    };
    after_action(r, &ok, |status, errors| {
        waitlist_page(&st, &ctx, &p, f.clone(), status, errors)
    })
    .await
}

pub async fn remove_wait(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    st.services.remove_wait(&p, &id).await?;
    Ok(see_other("/schedule/waitlist?done=saved"))
}

// ---- portal offers --------------------------------------------------------------

pub async fn accept_offer(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    match st.services.accept_offer(&p, &id).await {
        Ok(()) => Ok(see_other("/portal?done=offer-accepted")),
        Err(threshold_service::Error::Conflict(_)) => Ok(see_other("/portal?done=offer-gone")),
        Err(e) => Err(e.into()),
    }
}

pub async fn decline_offer(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    st.services.decline_offer(&p, &id).await?;
    Ok(see_other("/portal?done=offer-declined"))
}
