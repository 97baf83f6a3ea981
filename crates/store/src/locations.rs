//! Clinic locations and their rooms.

use jiff::Timestamp;
use threshold_domain::ids::{LocationId, RoomId};

use crate::conn::Conn;
use crate::error::Result;
use crate::params;

#[derive(Debug, Clone)]
pub struct LocationRow {
    pub id: LocationId,
    pub name: String,
    pub time_zone: String,
    pub address: String,
    pub phone: Option<String>,
    pub active: bool,
}

pub struct LocationFields<'a> {
    pub name: &'a str,
    pub time_zone: &'a str,
    pub address: &'a str,
    pub phone: Option<&'a str>,
    pub active: bool,
}

pub fn insert(
    c: &mut dyn Conn,
    id: LocationId,
    f: &LocationFields<'_>,
    now: Timestamp,
) -> Result<()> {
    c.execute(
        "insert into locations (id, name, time_zone, address, phone, active, created_at)
         values ($1, $2, $3, $4, $5, $6, $7)",
        params![id, f.name, f.time_zone, f.address, f.phone, f.active, now],
    )?;
    Ok(())
}

pub fn update(c: &mut dyn Conn, id: LocationId, f: &LocationFields<'_>) -> Result<u64> {
    c.execute(
        "update locations set name = $2, time_zone = $3, address = $4, phone = $5, active = $6 where id = $1",
        params![id, f.name, f.time_zone, f.address, f.phone, f.active],
    )
}

const COLUMNS: &str = "id, name, time_zone, address, phone, active";

fn row(r: &crate::Row) -> Result<LocationRow> {
    Ok(LocationRow {
        id: r.get(0)?,
        name: r.get(1)?,
        time_zone: r.get(2)?,
        address: r.get(3)?,
        phone: r.get(4)?,
        active: r.get(5)?,
    })
}

pub fn list(c: &mut dyn Conn) -> Result<Vec<LocationRow>> {
    c.query(
        &format!("select {COLUMNS} from locations order by name"),
        params![],
    )?
    .iter()
    .map(row)
    .collect()
}

pub fn get(c: &mut dyn Conn, id: LocationId) -> Result<Option<LocationRow>> {
    c.query_opt(
        &format!("select {COLUMNS} from locations where id = $1"),
        params![id],
    )?
    .map(|r| row(&r))
    .transpose()
}

#[derive(Debug, Clone)]
pub struct RoomRow {
    pub id: RoomId,
    pub location_id: LocationId,
    pub name: String,
    pub capacity: i64,
    pub iv_capable: bool,
    pub group_capable: bool,
    pub active: bool,
}

pub struct RoomFields<'a> {
    pub name: &'a str,
    pub capacity: i64,
    pub iv_capable: bool,
    pub group_capable: bool,
    pub active: bool,
}

pub fn insert_room(
    c: &mut dyn Conn,
    id: RoomId,
    location: LocationId,
    f: &RoomFields<'_>,
    now: Timestamp,
) -> Result<()> {
    c.execute(
        "insert into rooms (id, location_id, name, capacity, iv_capable, group_capable, active, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        params![id, location, f.name, f.capacity, f.iv_capable, f.group_capable, f.active, now],
    )?;
    Ok(())
}

pub fn update_room(c: &mut dyn Conn, id: RoomId, f: &RoomFields<'_>) -> Result<u64> {
    c.execute(
        "update rooms set name = $2, capacity = $3, iv_capable = $4, group_capable = $5, active = $6
         where id = $1",
        params![id, f.name, f.capacity, f.iv_capable, f.group_capable, f.active],
    )
}

const ROOM_COLUMNS: &str = "id, location_id, name, capacity, iv_capable, group_capable, active";

fn room(r: &crate::Row) -> Result<RoomRow> {
    Ok(RoomRow {
        id: r.get(0)?,
        location_id: r.get(1)?,
        name: r.get(2)?,
        capacity: r.get(3)?,
        iv_capable: r.get(4)?,
        group_capable: r.get(5)?,
        active: r.get(6)?,
    })
}

pub fn rooms(c: &mut dyn Conn, location: LocationId) -> Result<Vec<RoomRow>> {
    c.query(
        &format!("select {ROOM_COLUMNS} from rooms where location_id = $1 order by name"),
        params![location],
    )?
    .iter()
    .map(room)
    .collect()
}

pub fn get_room(c: &mut dyn Conn, id: RoomId) -> Result<Option<RoomRow>> {
    c.query_opt(
        &format!("select {ROOM_COLUMNS} from rooms where id = $1"),
        params![id],
    )?
    .map(|r| room(&r))
    .transpose()
}
