//! Locations and rooms, managed by administrators.

use threshold_domain::audit::AuditAction;
use threshold_domain::ids::{LocationId, RoomId};
use threshold_domain::text::{FreeText, Phone};
use threshold_domain::{Invalid, Permission};
use threshold_store::locations::{LocationFields, LocationRow, RoomFields, RoomRow};

use crate::Services;
use crate::audit::{Entry, write_in};
use crate::error::{Error, Result};
use crate::principal::{Actor, Principal};

/// Raw location fields from a form or the command line.
#[derive(Debug, Clone, Default)]
pub struct LocationForm {
    pub name: String,
    pub time_zone: String,
    pub address: String,
    pub phone: String,
    pub active: bool,
}

struct ValidLocation {
    name: FreeText,
    time_zone: String,
    address: FreeText,
    phone: Option<Phone>,
    active: bool,
}

fn parse_location(f: &LocationForm) -> Result<ValidLocation, Invalid> {
    let mut e = Invalid::new();
    let name = e.check(FreeText::parse_line(
        "name",
        "a name for the location",
        &f.name,
        120,
    ));
    let tz = f.time_zone.trim();
    let time_zone = if tz.is_empty() {
        e.push(
            "time_zone",
            "Enter the location's time zone, for example America/New_York.",
        );
        None
    } else if jiff::tz::TimeZone::get(tz).is_err() || tz.len() > 64 {
        e.push(
            "time_zone",
            "That is not a time zone we know. Use an IANA name such as America/New_York or Europe/London.",
        );
        None
    } else {
        Some(tz.to_owned())
    };
    let address = e.check(FreeText::parse("address", "the address", &f.address, 500));
    let phone = if f.phone.trim().is_empty() {
        None
    } else {
        e.check(Phone::parse("phone", &f.phone))
    };
    match (name, time_zone, address) {
        (Some(name), Some(time_zone), Some(address)) if e.is_empty() => Ok(ValidLocation {
            name,
            time_zone,
            address,
            phone,
            active: f.active,
        }),
        _ => Err(e),
    }
}

/// Raw room fields.
#[derive(Debug, Clone, Default)]
pub struct RoomForm {
    pub name: String,
    pub capacity: String,
    pub iv_capable: bool,
    pub group_capable: bool,
    pub active: bool,
}

fn parse_room(f: &RoomForm) -> Result<(FreeText, i64), Invalid> {
    let mut e = Invalid::new();
    let name = e.check(FreeText::parse_line(
        "name",
        "a name for the room",
        &f.name,
        80,
    ));
    let capacity = match f.capacity.trim().parse::<i64>() {
        Ok(n) if (1..=50).contains(&n) => Some(n),
        _ => {
            e.push(
                "capacity",
                "Enter how many clients the room holds, a whole number from 1 to 50.",
            );
            None
        }
    };
    match (name, capacity) {
        (Some(n), Some(c)) if e.is_empty() => Ok((n, c)),
        _ => Err(e),
    }
}

fn name_taken(e: threshold_store::StoreError) -> Error {
    if e.is_unique() {
        Error::Invalid(Invalid::field(
            "name",
            "That name is already in use; choose another.",
        ))
    } else {
        e.into()
    }
}

impl Services {
    /// The zone pages show times in: the clinic's first active location's, or UTC
    /// before there is one. Remembered for a minute (and forgotten at once when
    /// this server changes a location).
    pub async fn display_zone(&self) -> jiff::tz::TimeZone {
        let now = self.now();
        if let Ok(cached) = self.display_zone.read()
            && let Some((at, tz)) = cached.as_ref()
            && now.duration_since(*at) < jiff::SignedDuration::from_secs(60)
        {
            return tz.clone();
        }
        let tz = match self.clinic_contact().await {
            Ok(Some(l)) => jiff::tz::TimeZone::get(&l.time_zone).unwrap_or(jiff::tz::TimeZone::UTC),
            _ => jiff::tz::TimeZone::UTC,
        };
        if let Ok(mut cached) = self.display_zone.write() {
            *cached = Some((now, tz.clone()));
        }
        tz
    }

    fn forget_display_zone(&self) {
        if let Ok(mut cached) = self.display_zone.write() {
            *cached = None;
        }
    }

    /// Every location with its rooms (administrators).
    pub async fn locations(&self, p: &Principal) -> Result<Vec<(LocationRow, Vec<RoomRow>)>> {
        self.require(p, Permission::ManageLocations).await?;
        Ok(self
            .db
            .read(|c| {
                let mut out = Vec::new();
                for l in threshold_store::locations::list(c)? {
                    let rooms = threshold_store::locations::rooms(c, l.id)?;
                    out.push((l, rooms));
                }
                Ok::<_, threshold_store::StoreError>(out)
            })
            .await?)
    }

    /// The clinic's contact details for clients and visitors: the first active
    /// location. Not personal data.
    pub async fn clinic_contact(&self) -> Result<Option<LocationRow>> {
        Ok(self
            .db
            .read(|c| {
                Ok::<_, threshold_store::StoreError>(
                    threshold_store::locations::list(c)?
                        .into_iter()
                        .find(|l| l.active),
                )
            })
            .await?)
    }

    pub async fn location(
        &self,
        p: &Principal,
        id: LocationId,
    ) -> Result<(LocationRow, Vec<RoomRow>)> {
        self.require(p, Permission::ManageLocations).await?;
        self.db
            .read(move |c| {
                let l = threshold_store::locations::get(c, id)?.ok_or(Error::NotFound)?;
                let rooms = threshold_store::locations::rooms(c, id)?;
                Ok((l, rooms))
            })
            .await
    }

    pub async fn create_location(&self, actor: Actor<'_>, f: &LocationForm) -> Result<LocationId> {
        if let Actor::User(p) = actor {
            self.require(p, Permission::ManageLocations).await?;
        }
        let v = parse_location(f)?;
        let id = LocationId::new();
        let now = self.now();
        let record = Entry::ok(AuditAction::LocationCreated)
            .subject("location", id)
            .record(actor, now);
        self.db
            .write(move |c| {
                threshold_store::locations::insert(
                    c,
                    id,
                    &LocationFields {
                        name: v.name.as_str(),
                        time_zone: &v.time_zone,
                        address: v.address.as_str(),
                        phone: v.phone.as_ref().map(|p| p.as_str()),
                        active: true,
                    },
                    now,
                )
                .map_err(name_taken)?;
                threshold_store::audit::append(c, record)?;
                Ok::<_, Error>(())
            })
            .await?;
        self.forget_display_zone();
        Ok(id)
    }

    pub async fn update_location(
        &self,
        p: &Principal,
        id: LocationId,
        f: &LocationForm,
    ) -> Result<()> {
        self.require(p, Permission::ManageLocations).await?;
        let v = parse_location(f)?;
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                let n = threshold_store::locations::update(
                    c,
                    id,
                    &LocationFields {
                        name: v.name.as_str(),
                        time_zone: &v.time_zone,
                        address: v.address.as_str(),
                        phone: v.phone.as_ref().map(|p| p.as_str()),
                        active: v.active,
                    },
                )
                .map_err(name_taken)?;
                if n == 0 {
                    return Err(Error::NotFound);
                }
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::LocationChanged).subject("location", id),
                    now,
                )?;
                Ok(())
            })
            .await
    }

    pub async fn create_room(
        &self,
        actor: Actor<'_>,
        location: LocationId,
        f: &RoomForm,
    ) -> Result<RoomId> {
        if let Actor::User(p) = actor {
            self.require(p, Permission::ManageLocations).await?;
        }
        let (name, capacity) = parse_room(f)?;
        let id = RoomId::new();
        let now = self.now();
        let (iv, group) = (f.iv_capable, f.group_capable);
        let record = Entry::ok(AuditAction::RoomCreated)
            .subject("room", id)
            .record(actor, now);
        self.db
            .write(move |c| {
                threshold_store::locations::get(c, location)?.ok_or(Error::NotFound)?;
                threshold_store::locations::insert_room(
                    c,
                    id,
                    location,
                    &RoomFields {
                        name: name.as_str(),
                        capacity,
                        iv_capable: iv,
                        group_capable: group,
                        active: true,
                    },
                    now,
                )
                .map_err(name_taken)?;
                threshold_store::audit::append(c, record)?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(id)
    }

    pub async fn update_room(
        &self,
        p: &Principal,
        location: LocationId,
        id: RoomId,
        f: &RoomForm,
    ) -> Result<()> {
        self.require(p, Permission::ManageLocations).await?;
        let (name, capacity) = parse_room(f)?;
        let now = self.now();
        let p = p.clone();
        let (iv, group, active) = (f.iv_capable, f.group_capable, f.active);
        self.db
            .write(move |c| {
                let room = threshold_store::locations::get_room(c, id)?
                    .filter(|r| r.location_id == location)
                    .ok_or(Error::NotFound)?;
                threshold_store::locations::update_room(
                    c,
                    room.id,
                    &RoomFields {
                        name: name.as_str(),
                        capacity,
                        iv_capable: iv,
                        group_capable: group,
                        active,
                    },
                )
                .map_err(name_taken)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::RoomChanged).subject("room", id),
                    now,
                )?;
                Ok(())
            })
            .await
    }
}
