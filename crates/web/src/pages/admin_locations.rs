//! Administration: locations and rooms.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use threshold_domain::ids::{LocationId, RoomId};
use threshold_service::locations::{LocationForm, RoomForm};
use threshold_service::{Actor, Error};
use threshold_store::locations::{LocationRow, RoomRow};

use crate::error::{AppError, AppResult};
use crate::extract::{Form, Signed};
use crate::state::AppState;
use crate::views::{Chrome, Errors, PageCtx, page_with, see_other};

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct LocationFields {
    name: String,
    time_zone: String,
    address: String,
    phone: String,
    active: String,
}

impl LocationFields {
    fn form(&self, default_active: bool) -> LocationForm {
        LocationForm {
            name: self.name.clone(),
            time_zone: self.time_zone.clone(),
            address: self.address.clone(),
            phone: self.phone.clone(),
            active: default_active || !self.active.is_empty(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin_locations.html")]
struct LocationsPage {
    chrome: Chrome,
    locations: Vec<(LocationRow, Vec<RoomRow>)>,
    f: LocationFields,
    errors: Errors,
}

async fn render_list(
    st: &AppState,
    ctx: &PageCtx,
    p: &threshold_service::Principal,
    status: StatusCode,
    f: LocationFields,
    errors: Errors,
) -> AppResult {
    let locations = st.services.locations(p).await?;
    Ok(page_with(
        status,
        &LocationsPage {
            chrome: ctx.chrome("Locations and rooms"),
            locations,
            f,
            errors,
        },
    ))
}

pub async fn list(State(st): State<AppState>, ctx: PageCtx, Signed(p): Signed) -> AppResult {
    render_list(
        &st,
        &ctx,
        &p,
        StatusCode::OK,
        LocationFields::default(),
        Errors::default(),
    )
    .await
}

pub async fn create(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Form(f): Form<LocationFields>,
) -> AppResult {
    match st
        .services
        .create_location(Actor::User(&p), &f.form(true))
        .await
    {
        Ok(id) => Ok(see_other(&format!("/admin/locations/{id}?done=created"))),
        Err(Error::Invalid(inv)) => {
            render_list(
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

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RoomFields {
    name: String,
    capacity: String,
    iv_capable: String,
    group_capable: String,
    active: String,
}

impl RoomFields {
    fn form(&self, default_active: bool) -> RoomForm {
        RoomForm {
            name: self.name.clone(),
            capacity: self.capacity.clone(),
            iv_capable: !self.iv_capable.is_empty(),
            group_capable: !self.group_capable.is_empty(),
            active: default_active || !self.active.is_empty(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin_location.html")]
struct LocationPage {
    chrome: Chrome,
    location: LocationRow,
    rooms: Vec<RoomRow>,
    room: RoomFields,
    errors: Errors,
}

fn parse_id(id: &str) -> Result<LocationId, AppError> {
    id.parse().map_err(|_| AppError::not_found())
}

async fn render_one(
    st: &AppState,
    ctx: &PageCtx,
    p: &threshold_service::Principal,
    id: LocationId,
    status: StatusCode,
    room: RoomFields,
    errors: Errors,
) -> AppResult {
    let (location, rooms) = st.services.location(p, id).await?;
    Ok(page_with(
        status,
        &LocationPage {
            chrome: ctx.chrome(location.name.clone()),
            location,
            rooms,
            room,
            errors,
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
    render_one(
        &st,
        &ctx,
        &p,
        id,
        StatusCode::OK,
        RoomFields::default(),
        Errors::default(),
    )
    .await
}

pub async fn update(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<LocationFields>,
) -> AppResult {
    let id = parse_id(&id)?;
    match st.services.update_location(&p, id, &f.form(false)).await {
        Ok(()) => Ok(see_other(&format!("/admin/locations/{id}?done=saved"))),
        Err(Error::Invalid(inv)) => {
            render_one(
                &st,
                &ctx,
                &p,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                RoomFields::default(),
                Errors(inv.0),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_room(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path(id): Path<String>,
    Form(f): Form<RoomFields>,
) -> AppResult {
    let id = parse_id(&id)?;
    match st
        .services
        .create_room(Actor::User(&p), id, &f.form(true))
        .await
    {
        Ok(_) => Ok(see_other(&format!("/admin/locations/{id}?done=created"))),
        Err(Error::Invalid(inv)) => {
            render_one(
                &st,
                &ctx,
                &p,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                f,
                Errors(inv.0),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn update_room(
    State(st): State<AppState>,
    ctx: PageCtx,
    Signed(p): Signed,
    Path((id, room)): Path<(String, String)>,
    Form(f): Form<RoomFields>,
) -> AppResult {
    let id = parse_id(&id)?;
    let room: RoomId = room.parse().map_err(|_| AppError::not_found())?;
    match st.services.update_room(&p, id, room, &f.form(false)).await {
        Ok(()) => Ok(see_other(&format!("/admin/locations/{id}?done=saved"))),
        Err(Error::Invalid(inv)) => {
            render_one(
                &st,
                &ctx,
                &p,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                RoomFields::default(),
                Errors(inv.0),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
