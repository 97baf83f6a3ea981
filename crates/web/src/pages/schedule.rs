//! The coordinator's calendar: a location's day, the slot finder and booking,
//! cancellation and no-shows.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use threshold_domain::ids::LocationId;
use threshold_service::Principal;
use threshold_service::schedule::{BookingForm, ScheduleChoices, SlotSearch, SlotView};
use threshold_store::schedule::AppointmentRow;

use crate::error::{AppError, AppResult};
use crate::extract::{Form, Signed};
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, page_with, see_other};

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct DayParams {
    location: String,
    day: String,
    /// From an inquiry's page: book its consultation.
    inquiry: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct FindFields {
    kind: String,
    location: String,
    client: String,
    from: String,
    days: String,
    video: String,
    inquiry: String,
    route: String,
}

#[derive(Template)]
#[template(path = "schedule.html")]
struct SchedulePage {
    chrome: Chrome,
    choices: ScheduleChoices,
    location: String,
    day: String,
    tz: jiff::tz::TimeZone,
    appointments: Vec<AppointmentRow>,
    f: FindFields,
    slots: Option<Vec<SlotView>>,
    errors: Errors,
    kinds: [threshold_domain::schedule::AppointmentKind; 8],
    changes: Vec<threshold_service::schedule::ChangeRequest>,
}

impl SchedulePage {
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
        k.parse::<threshold_domain::schedule::AppointmentKind>()
            .map_or("Appointment", |k| k.label())
    }
    fn is_group(&self, k: &str) -> bool {
        k.parse::<threshold_domain::schedule::AppointmentKind>()
            .is_ok_and(|k| k.is_group())
    }
    /// The day before or after the one shown (`YYYY-MM-DD`), for paging.
    fn day_from(&self, days: i64) -> String {
        self.day
            .parse::<jiff::civil::Date>()
            .map(|d| d.saturating_add(jiff::Span::new().days(days)).to_string())
            .unwrap_or_default()
    }
}

/// What the page shows besides the day: the finder's fields and its results.
struct View {
    params: DayParams,
    f: FindFields,
    slots: Option<Vec<SlotView>>,
}

async fn render(
    st: &AppState,
    ctx: &PageCtx,
    p: &Principal,
    v: View,
    status: StatusCode,
    errors: Errors,
) -> AppResult {
    let View { params, f, slots } = v;
    let choices = st.services.schedule_choices(p).await?;
    let changes = st.services.change_requests(p).await?;
    let location = match params.location.parse::<LocationId>() {
        Ok(l) => Some(l),
        Err(_) => choices.locations.first().map(|l| l.id),
    };
    let (tz, appointments, day) = match location {
        Some(l) => {
            let tz = choices
                .locations
                .iter()
                .find(|x| x.id == l)
                .and_then(|x| jiff::tz::TimeZone::get(&x.time_zone).ok())
                .ok_or_else(AppError::not_found)?;
            let today = st.services.now().to_zoned_datetime(tz.clone()).date();
            let day = match params.day.trim() {
                "" => today,
                raw => raw.parse::<jiff::civil::Date>().map_err(|_| {
                    AppError::bad_request("The day must be a date like 2026-12-01.")
                })?,
            };
            let (tz, list) = st.services.day_at(p, l, day).await?;
            (tz, list, day.to_string())
        }
        None => (jiff::tz::TimeZone::UTC, Vec::new(), String::new()),
    };
    let location = location.map(|l| l.to_string()).unwrap_or_default();
    let mut f = f;
    if f.location.is_empty() {
        f.location = location.clone();
    }
    Ok(page_with(
        status,
        &SchedulePage {
            chrome: ctx.chrome("Schedule"),
            choices,
            location,
            day,
            tz,
            appointments,
            f,
            slots,
            errors,
            kinds: threshold_domain::schedule::AppointmentKind::ALL,
            changes,
        },
    ))
}

/// The page again after a refused search or booking: field errors as they are,
/// a clash with the record's state on `conflict_field`.
async fn again(
    st: &AppState,
    ctx: &PageCtx,
    p: &Principal,
    view: View,
    e: threshold_service::Error,
    conflict_field: &str,
) -> AppResult {
    let (status, errors) = match e {
        threshold_service::Error::Invalid(inv) => (StatusCode::UNPROCESSABLE_ENTITY, Errors(inv.0)),
        threshold_service::Error::Conflict(message) => (
            StatusCode::CONFLICT,
            Errors(vec![threshold_domain::FieldError {
                field: conflict_field.into(),
                message,
            }]),
        ),
        other => return Err(other.into()),
    };
    render(st, ctx, p, view, status, errors).await
}

pub async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Query(params): Query<DayParams>,
) -> AppResult {
    let f = FindFields {
        kind: if params.inquiry.is_empty() {
            String::new()
        } else {
            "consultation".into()
        },
        inquiry: params.inquiry.clone(),
        ..FindFields::default()
    };
    render(
        &st,
        &ctx,
        &p,
        View {
            params,
            f,
            slots: None,
        },
        StatusCode::OK,
        Errors::default(),
    )
    .await
}

pub async fn find(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Form(f): Form<FindFields>,
) -> AppResult {
    let search = SlotSearch {
        kind: f.kind.clone(),
        location: f.location.clone(),
        client: f.client.clone(),
        from: f.from.clone(),
        days: f.days.clone(),
        limit: String::new(),
        video: !f.video.is_empty(),
        inquiry: f.inquiry.clone(),
        route: f.route.clone(),
    };
    let params = DayParams {
        location: f.location.clone(),
        day: f.from.clone(),
        inquiry: String::new(),
    };
    match st.services.find_times(&p, &search).await {
        Ok(slots) => {
            let view = View {
                params,
                f,
                slots: Some(slots),
            };
            render(&st, &ctx, &p, view, StatusCode::OK, Errors::default()).await
        }
        Err(e) => {
            again(
                &st,
                &ctx,
                &p,
                View {
                    params,
                    f,
                    slots: None,
                },
                e,
                "client",
            )
            .await
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct BookFields {
    kind: String,
    location: String,
    client: String,
    start: String,
    clinicians: String,
    room: String,
    partner: String,
    video: String,
    inquiry: String,
    route: String,
    name: String,
    weeks: String,
}

pub async fn book(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Form(b): Form<BookFields>,
) -> AppResult {
    let form = BookingForm {
        kind: b.kind.clone(),
        location: b.location.clone(),
        client: b.client.clone(),
        start: b.start.clone(),
        clinicians: b
            .clinicians
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        room: b.room.clone(),
        partner: b.partner.clone(),
        video: !b.video.is_empty(),
        inquiry: b.inquiry.clone(),
        route: b.route.clone(),
        name: b.name.clone(),
        weeks: b.weeks.clone(),
    };
    let params = DayParams {
        location: b.location.clone(),
        day: String::new(),
        inquiry: String::new(),
    };
    let f = FindFields {
        kind: b.kind.clone(),
        location: b.location.clone(),
        client: b.client.clone(),
        inquiry: b.inquiry.clone(),
        route: b.route.clone(),
        ..FindFields::default()
    };
    match st.services.book(&p, &form).await {
        Ok(_) => Ok(see_other(&format!(
            "/schedule?location={}&done=booked",
            clean_location(&b.location)
        ))),
        Err(e) => {
            again(
                &st,
                &ctx,
                &p,
                View {
                    params,
                    f,
                    slots: None,
                },
                e,
                "start",
            )
            .await
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct CloseFields {
    status: String,
    reason: String,
    location: String,
}

pub async fn close(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<CloseFields>,
) -> AppResult {
    let r = st
        .services
        .close_appointment(&p, &id, &f.status, &f.reason)
        .await;
    let params = DayParams {
        location: f.location.clone(),
        day: String::new(),
        inquiry: String::new(),
    };
    crate::views::after_action(
        r,
        &format!(
            "/schedule?location={}&done=saved",
            clean_location(&f.location)
        ),
        |status, errors| {
            render(
                &st,
                &ctx,
                &p,
                View {
                    params,
                    f: FindFields::default(),
                    slots: None,
                },
                status,
                errors,
            )
        },
    )
    .await
}

/// A location id fit for a URL (anything else becomes empty).
fn clean_location(raw: &str) -> String {
    raw.trim()
        .parse::<LocationId>()
        .map(|l| l.to_string())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "my_day.html")]
struct MyDay {
    chrome: Chrome,
    day: String,
    items: Vec<threshold_service::schedule::DayItem>,
}

impl MyDay {
    fn hm(&self, t: &jiff::Timestamp) -> String {
        t.to_zoned_datetime(self.chrome.tz.clone())
            .strftime("%H:%M")
            .to_string()
    }
    fn kind_label(&self, k: &str) -> &'static str {
        k.parse::<threshold_domain::schedule::AppointmentKind>()
            .map_or("Appointment", |k| k.label())
    }
}

/// A staff member's own appointments on one day, with what is still missing.
pub async fn my_day(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Query(params): Query<DayParams>,
) -> AppResult {
    let day = match params.day.trim() {
        "" => None,
        raw => Some(
            raw.parse::<jiff::civil::Date>()
                .map_err(|_| AppError::bad_request("The day must be a date like 2026-12-01."))?,
        ),
    };
    let (day, items) = st.services.my_day(&p, day).await?;
    Ok(crate::views::page(&MyDay {
        chrome: ctx.chrome("My day"),
        day: day.to_string(),
        items,
    }))
}

/// Marks a client's change request handled.
pub async fn handle_change(
    State(st): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> AppResult {
    st.services.handle_change(&p, &id).await?;
    Ok(see_other("/schedule?done=saved"))
}
