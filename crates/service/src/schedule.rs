//! Scheduling use cases: availability, the slot finder, booking (with the
//! medicine-session gate and a database guarantee against double booking),
//! cancellation and no-shows, and the lists people see.
//!
//! Booking re-runs the slot finder on exactly the chosen people, room and partner,
//! so a slot it offered books unless someone else took it first, and every rule
//! is enforced by one piece of code.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use threshold_domain::audit::AuditAction;
use threshold_domain::ids::{ClientId, LocationId, UserId};
use threshold_domain::journey::{Readiness, RouteKind};
use threshold_domain::questionnaire::PRE_SESSION_SET;
use threshold_domain::schedule::{
    AppointmentKind, Candidate, Exception, Interval, Resources, RoomNeed, Slot, SlotQuery,
    WeeklyRule, expand, find_slots, needs_for, spacing_block, subtract,
};
use threshold_domain::{Invalid, Permission, Role};
use threshold_store::schedule::{AppointmentRow, ExceptionRow, RuleRow};

use crate::Services;
use crate::audit::{Entry, write_in};
use crate::error::{Error, Result};
use crate::principal::{Actor, Principal};

/// The slot finder's grid, minutes.
pub const STEP_MINUTES: u16 = 15;
/// The longest window one search covers.
pub const MAX_WINDOW_DAYS: i64 = 62;

/// A slot-finder request as typed.
#[derive(Debug, Clone, Default)]
pub struct SlotSearch {
    pub kind: String,
    pub location: String,
    /// A client id; required for every kind but consultations and circles.
    pub client: String,
    /// `YYYY-MM-DD`, local; empty means today.
    pub from: String,
    /// Days to search, 1–62; empty means 14.
    pub days: String,
    pub limit: String,
    pub video: bool,
    /// Consultations: the inquiry, before the person is a client.
    pub inquiry: String,
    /// Group medicine sessions: `lozenge` (empty) or `iv`, since no one
    /// client's plan decides it.
    pub route: String,
}

/// A booking as typed (what the slot finder offered).
#[derive(Debug, Clone, Default)]
pub struct BookingForm {
    pub kind: String,
    pub location: String,
    pub client: String,
    /// RFC 3339 instant.
    pub start: String,
    pub clinicians: Vec<String>,
    pub room: String,
    pub partner: String,
    pub video: bool,
    /// Consultations: the inquiry, before the person is a client.
    pub inquiry: String,
    /// Group medicine sessions: `lozenge` (empty) or `iv`.
    pub route: String,
    /// Integration circles: the series' name and how many weekly meetings
    /// (empty means one).
    pub name: String,
    pub weeks: String,
}

/// A weekly availability rule as typed: local times at a location.
#[derive(Debug, Clone, Default)]
pub struct RuleForm {
    /// `user` or `partner`.
    pub owner_kind: String,
    pub owner_id: String,
    pub location: String,
    pub weekday: String,
    pub start: String,
    pub end: String,
}

/// Leave or extra hours as typed: local date-times (`2026-12-24T09:00`).
#[derive(Debug, Clone, Default)]
pub struct ExceptionForm {
    pub owner_kind: String,
    pub owner_id: String,
    pub location: String,
    /// `leave` or `extra`.
    pub kind: String,
    pub from: String,
    pub to: String,
}

/// A checked search's choices.
struct Checked {
    kind: AppointmentKind,
    location: LocationId,
    client: Option<ClientId>,
    inquiry: Option<threshold_domain::ids::InquiryId>,
    limit: usize,
    route: Option<RouteKind>,
}

/// A found slot with names for people.
#[derive(Debug, Clone)]
pub struct SlotView {
    pub slot: Slot,
    pub clinician_names: Vec<String>,
    pub room_name: Option<String>,
    pub partner_name: Option<String>,
}

/// Everything a checked search needs.
struct Plan {
    kind: AppointmentKind,
    location: LocationId,
    tz: TimeZone,
    client: Option<ClientId>,
    inquiry: Option<threshold_domain::ids::InquiryId>,
    window: Interval,
    limit: usize,
    video: bool,
    /// Group medicine sessions: the route chosen for the group.
    route: Option<RouteKind>,
    /// Rescheduling: the appointment being replaced, whose time, spacing and
    /// series place the new one may take.
    ignore: Option<String>,
}

pub(crate) fn parse_kind(raw: &str) -> Result<AppointmentKind, Invalid> {
    raw.trim()
        .parse::<AppointmentKind>()
        .map_err(|_| Invalid::field("kind", "Choose the type of appointment."))
}

fn weekday_rules(rows: &[RuleRow]) -> Vec<WeeklyRule> {
    rows.iter()
        .filter_map(|r| WeeklyRule::parse(&r.weekday, &r.start_time, &r.end_time).ok())
        .collect()
}

fn exception(e: &ExceptionRow) -> Option<Exception> {
    match e.kind.as_str() {
        "leave" => Some(Exception::Leave {
            from: e.starts_at,
            to: e.ends_at,
        }),
        "extra" => Some(Exception::Extra {
            from: e.starts_at,
            to: e.ends_at,
        }),
        _ => None,
    }
}

impl Services {
    /// Minutes for a kind: the administrators' setting, else the default.
    async fn minutes_for(&self, kind: AppointmentKind) -> Result<u16> {
        let settings = self
            .db
            .read(threshold_store::schedule::type_settings)
            .await?;
        Ok(settings
            .iter()
            .find(|(k, _, _)| k == kind.as_str())
            .and_then(|(_, m, _)| u16::try_from(*m).ok())
            .unwrap_or(kind.defaults().minutes))
    }

    pub(crate) async fn location_zone(&self, location: LocationId) -> Result<TimeZone> {
        let row = self
            .db
            .read(move |c| threshold_store::locations::get(c, location))
            .await?
            .filter(|l| l.active)
            .ok_or_else(|| Invalid::field("location", "Choose an active location."))?;
        TimeZone::get(&row.time_zone).map_err(|e| Error::Internal(format!("zone: {e}")))
    }

    fn check_search(&self, s: &SlotSearch) -> Result<Checked, Invalid> {
        let mut e = Invalid::new();
        let kind = e.check(parse_kind(&s.kind));
        let location = match s.location.trim().parse::<LocationId>() {
            Ok(l) => Some(l),
            Err(_) => {
                e.push("location", "Choose a location.");
                None
            }
        };
        let client = match s.client.trim() {
            "" => None,
            raw => match raw.parse::<ClientId>() {
                Ok(c) => Some(c),
                Err(_) => {
                    e.push("client", "Choose a client.");
                    None
                }
            },
        };
        let inquiry = match s.inquiry.trim() {
            "" => None,
            raw => match raw.parse::<threshold_domain::ids::InquiryId>() {
                Ok(i) if kind == Some(AppointmentKind::Consultation) => Some(i),
                _ => {
                    e.push("inquiry", "Only a consultation is booked for an inquiry.");
                    None
                }
            },
        };
        match kind {
            Some(k) if k.is_group() && client.is_some() => {
                e.push(
                    "client",
                    "A group is booked without a client; add members to its roster afterwards.",
                );
            }
            Some(k) if !k.is_group() && client.is_none() && inquiry.is_none() => {
                e.push("client", "Choose the client this appointment is for.");
            }
            _ => {}
        }
        let route = match (kind, s.route.trim()) {
            (Some(AppointmentKind::GroupMedicineSession), "" | "lozenge") => {
                Some(RouteKind::Lozenge)
            }
            (Some(AppointmentKind::GroupMedicineSession), "iv") => Some(RouteKind::Iv),
            (Some(AppointmentKind::GroupMedicineSession), _) => {
                e.push(
                    "route",
                    "Choose lozenge or IV for a group medicine session.",
                );
                None
            }
            // Other kinds take the route from the client's plan, if at all.
            _ => None,
        };
        let limit = match s.limit.trim() {
            "" => 10,
            raw => match raw.parse::<usize>() {
                Ok(n @ 1..=50) => n,
                _ => {
                    e.push("limit", "Ask for between 1 and 50 times.");
                    10
                }
            },
        };
        match (kind, location) {
            (Some(k), Some(l)) if e.is_empty() => Ok(Checked {
                kind: k,
                location: l,
                client,
                inquiry,
                limit,
                route,
            }),
            _ => Err(e),
        }
    }

    async fn plan_search(&self, s: &SlotSearch) -> Result<Plan> {
        let Checked {
            kind,
            location,
            client,
            inquiry,
            limit,
            route,
        } = self.check_search(s)?;
        self.check_inquiry(inquiry).await?;
        let tz = self.location_zone(location).await?;
        let now = self.now();
        let today = now.to_zoned_datetime(tz.clone()).date();
        let from = match s.from.trim() {
            "" => today,
            raw => raw.parse::<Date>().map_err(|_| {
                Invalid::field(
                    "from",
                    "Enter the first day to search, for example 2026-12-01.",
                )
            })?,
        };
        if from < today {
            return Err(Invalid::field("from", "Search from today or later.").into());
        }
        let days: i64 = match s.days.trim() {
            "" => 14,
            raw => match raw.parse::<i64>() {
                Ok(n) if (1..=MAX_WINDOW_DAYS).contains(&n) => n,
                _ => {
                    return Err(Invalid::field(
                        "days",
                        format!("Search between 1 and {MAX_WINDOW_DAYS} days."),
                    )
                    .into());
                }
            },
        };
        let start = day_start(from, &tz)?;
        let end = day_start(from.saturating_add(jiff::Span::new().days(days)), &tz)?;
        let window = Interval::new(start.max(now), end)
            .ok_or_else(|| Invalid::field("from", "There is no time left in that window."))?;
        let video_ok = self.video_allowed_for(kind).await?;
        if video_ok || !s.video {
            Ok(Plan {
                kind,
                location,
                tz,
                client,
                inquiry,
                window,
                limit,
                video: s.video && video_ok,
                route,
                ignore: None,
            })
        } else {
            Err(Invalid::field("video", "This type of appointment is not held by video.").into())
        }
    }

    /// What a medicine session needs from the client's plan, after the readiness
    /// gate: (route, in_home, group). Refuses a client who is not ready on `on`.
    async fn medicine_gate(
        &self,
        client: ClientId,
        kind: AppointmentKind,
        on: Date,
    ) -> Result<(RouteKind, bool, Option<String>)> {
        let journey = self
            .db
            .read(move |c| threshold_store::journeys::current_for_client(c, client))
            .await?
            .ok_or(Error::NotFound)?;
        match self.medicine_session_readiness(journey.id, on).await? {
            Readiness::Ready => {}
            Readiness::NotReady(missing) => {
                let list: Vec<String> = missing.iter().map(|m| m.label()).collect();
                return Err(Error::Conflict(format!(
                    "This client is not ready for medicine sessions: {}.",
                    list.join("; ")
                )));
            }
        }
        let jid = journey.id;
        let plan = self
            .db
            .read(move |c| threshold_store::careplan::plan_get(c, jid))
            .await?
            .ok_or_else(|| Error::Conflict("There is no treatment plan.".into()))?;
        let route: RouteKind = plan
            .route
            .parse()
            .map_err(|()| Error::Internal("plan route".into()))?;
        let group = plan.format == "group";
        if group != (kind == AppointmentKind::GroupMedicineSession) {
            return Err(Error::Conflict(format!(
                "The plan is for {} sessions.",
                if group { "group" } else { "individual" }
            )));
        }
        Ok((route, plan.location == "in-home", plan.partner_id))
    }

    /// The candidates for a search: availability minus bookings.
    async fn resources_for(
        &self,
        plan: &Plan,
        needs_room: RoomNeed,
        partner_only: Option<&str>,
    ) -> Result<(Resources, Vec<(String, String)>)> {
        let location = plan.location;
        let (from, to) = (plan.window.start, plan.window.end);
        let (rules, exceptions, busy, rooms, clinicians, partners) = self
            .db
            .read(move |c| {
                Ok::<_, Error>((
                    threshold_store::schedule::rules_at(c, location)?,
                    threshold_store::schedule::exceptions(c, None, from, to)?,
                    threshold_store::schedule::busy(c, from, to)?,
                    threshold_store::locations::rooms(c, location)?,
                    threshold_store::users::with_role(c, Role::Clinician)?,
                    threshold_store::careplan::partners(c, true)?,
                ))
            })
            .await?;
        let busy_of = |key: &str| -> Vec<Interval> {
            busy.iter()
                .filter(|(k, _, _, a)| k == key && plan.ignore.as_ref() != Some(a))
                .filter_map(|(_, s, e, _)| Interval::new(*s, *e))
                .collect()
        };
        let free_of = |kind: &str, id: &str| -> Vec<Interval> {
            let own: Vec<RuleRow> = rules
                .iter()
                .filter(|r| r.owner_kind == kind && r.owner_id == id)
                .cloned()
                .collect();
            let ex: Vec<Exception> = exceptions
                .iter()
                .filter(|e| e.owner_kind == kind && e.owner_id == id)
                .filter_map(exception)
                .collect();
            let avail = expand(&weekday_rules(&own), &ex, &plan.tz, plan.window);
            subtract(&avail, &busy_of(&format!("{kind}:{id}")))
        };
        let mut names = Vec::new();
        let clinicians: Vec<Candidate> = clinicians
            .into_iter()
            .map(|(id, name)| {
                let id = id.to_string();
                names.push((format!("user:{id}"), name));
                Candidate {
                    free: free_of("user", &id),
                    id,
                }
            })
            .filter(|c| !c.free.is_empty())
            .collect();
        let rooms: Vec<Candidate> = rooms
            .into_iter()
            .filter(|r| r.active)
            .filter(|r| match needs_room {
                RoomNeed::None => false,
                RoomNeed::Any => true,
                RoomNeed::IvCapable => r.iv_capable,
                RoomNeed::Group => r.group_capable,
                RoomNeed::IvGroup => r.group_capable && r.iv_capable,
            })
            .map(|r| {
                let id = r.id.to_string();
                names.push((format!("room:{id}"), r.name));
                Candidate {
                    free: subtract(&[plan.window], &busy_of(&format!("room:{id}"))),
                    id,
                }
            })
            .collect();
        let partners: Vec<Candidate> = partners
            .into_iter()
            .filter(|p| partner_only.is_none_or(|only| only == p.id))
            .map(|p| {
                names.push((format!("partner:{}", p.id), p.name));
                Candidate {
                    free: free_of("partner", &p.id),
                    id: p.id,
                }
            })
            .collect();
        Ok((
            Resources {
                clinicians,
                rooms,
                partners,
            },
            names,
        ))
    }

    /// The times when everyone and everything an appointment needs is free.
    pub async fn find_times(&self, p: &Principal, s: &SlotSearch) -> Result<Vec<SlotView>> {
        self.find_times_ignoring(p, s, None).await
    }

    /// The finder, treating one appointment (being rescheduled) as not there.
    pub(crate) async fn find_times_ignoring(
        &self,
        p: &Principal,
        s: &SlotSearch,
        ignore: Option<String>,
    ) -> Result<Vec<SlotView>> {
        self.require(p, Permission::ManageSchedule).await?;
        let mut plan = self.plan_search(s).await?;
        plan.ignore = ignore;
        let (slots, names) = self.search(&plan, None).await?;
        if let Some(client) = plan.client {
            self.audit(
                Actor::User(p),
                Entry::ok(AuditAction::SlotsSearched)
                    .subject("client", client)
                    .client(Some(client))
                    .detail(plan.kind.as_str()),
            )
            .await?;
        }
        Ok(slots.into_iter().map(|slot| view(slot, &names)).collect())
    }

    /// Runs the finder; `only` restricts the candidates to one booking's choice.
    async fn search(
        &self,
        plan: &Plan,
        only: Option<&BookingForm>,
    ) -> Result<(Vec<Slot>, Vec<(String, String)>)> {
        let on = plan.window.start.to_zoned_datetime(plan.tz.clone()).date();
        let (route, in_home, plan_partner) = match (plan.kind, plan.client) {
            (AppointmentKind::MedicineSession | AppointmentKind::GroupMedicineSession, Some(c)) => {
                let (r, h, partner) = self.medicine_gate(c, plan.kind, on).await?;
                (Some(r), h, partner)
            }
            _ => (plan.route, false, None),
        };
        let needs = needs_for(plan.kind, route, in_home, plan.video);
        let minutes = self.minutes_for(plan.kind).await?;
        let (mut resources, names) = self
            .resources_for(plan, needs.room, plan_partner.as_deref())
            .await?;
        let client_free = match (plan.client, plan.inquiry) {
            (None, Some(inquiry)) => {
                let (from, to) = (plan.window.start, plan.window.end);
                let busy = self
                    .db
                    .read(move |c| threshold_store::schedule::busy(c, from, to))
                    .await?;
                let key = format!("inquiry:{inquiry}");
                let blocked: Vec<Interval> = busy
                    .iter()
                    .filter(|(k, _, _, a)| *k == key && plan.ignore.as_ref() != Some(a))
                    .filter_map(|(_, s, e, _)| Interval::new(*s, *e))
                    .collect();
                Some(subtract(&[plan.window], &blocked))
            }
            (Some(client), _) if needs.client => {
                let (from, to) = (plan.window.start, plan.window.end);
                let (busy, sessions, settings) = self
                    .db
                    .read(move |c| {
                        Ok::<_, Error>((
                            threshold_store::schedule::busy(c, from, to)?,
                            threshold_store::schedule::medicine_sessions(c, client)?,
                            crate::careplan::settings_in(c)?.1,
                        ))
                    })
                    .await?;
                let key = format!("client:{client}");
                let mut blocked: Vec<Interval> = busy
                    .iter()
                    .filter(|(k, _, _, a)| *k == key && plan.ignore.as_ref() != Some(a))
                    .filter_map(|(_, s, e, _)| Interval::new(*s, *e))
                    .collect();
                if matches!(
                    plan.kind,
                    AppointmentKind::MedicineSession | AppointmentKind::GroupMedicineSession
                ) {
                    let others: Vec<Interval> = sessions
                        .iter()
                        .filter(|(_, _, a)| plan.ignore.as_ref() != Some(a))
                        .filter_map(|(s, e, _)| Interval::new(*s, *e))
                        .collect();
                    blocked.extend(spacing_block(
                        &others,
                        settings.min_hours_between_sessions,
                        minutes,
                    ));
                }
                Some(subtract(&[plan.window], &blocked))
            }
            _ => None,
        };
        if let Some(b) = only {
            resources
                .clinicians
                .retain(|c| b.clinicians.contains(&c.id));
            resources.rooms.retain(|r| r.id == b.room);
            resources.partners.retain(|x| x.id == b.partner);
        }
        let q = SlotQuery {
            window: plan.window,
            minutes,
            step_minutes: STEP_MINUTES,
            limit: plan.limit,
            needs,
            tz: plan.tz.clone(),
            not_before: self.now(),
            client_free,
        };
        Ok((find_slots(&q, &resources), names))
    }

    /// Books what the slot finder offered. Every rule is checked again on exactly
    /// the chosen people, room and partner; the database refuses a double
    /// booking even when two requests race. An integration circle books a
    /// series of weekly meetings at the same local time, all or none.
    pub async fn book(&self, p: &Principal, b: &BookingForm) -> Result<String> {
        self.require(p, Permission::ManageSchedule).await?;
        let prepared = self.prepare_booking(b, None).await?;
        self.store_booking(p, prepared, None).await
    }

    /// Checks a booking and works out its appointment rows (one, or a circle's
    /// weekly meetings). `replacing` is the appointment a reschedule replaces.
    pub(crate) async fn prepare_booking(
        &self,
        b: &BookingForm,
        replacing: Option<&AppointmentRow>,
    ) -> Result<Prepared> {
        let start: Timestamp = b
            .start
            .trim()
            .parse()
            .map_err(|_| Invalid::field("start", "Choose one of the offered times."))?;
        if start < self.now() {
            return Err(Invalid::field("start", "That time has passed; find another.").into());
        }
        let kind = parse_kind(&b.kind)?;
        let minutes = self.minutes_for(kind).await?;
        let search = SlotSearch {
            kind: b.kind.clone(),
            location: b.location.clone(),
            client: b.client.clone(),
            video: b.video,
            inquiry: b.inquiry.clone(),
            route: b.route.clone(),
            ..SlotSearch::default()
        };
        let Checked {
            kind,
            location,
            client,
            inquiry,
            route,
            ..
        } = self.check_search(&search)?;
        let (weeks, series_name) = if kind == AppointmentKind::IntegrationCircle {
            let mut e = Invalid::new();
            let name = e.check(threshold_domain::text::FreeText::parse_line(
                "name",
                "the circle's name",
                &b.name,
                100,
            ));
            let weeks = match b.weeks.trim() {
                "" => Some(1),
                raw => match raw.parse::<i64>() {
                    Ok(n @ 1..=MAX_SERIES_WEEKS) => Some(n),
                    _ => {
                        e.push(
                            "weeks",
                            format!("Book between 1 and {MAX_SERIES_WEEKS} weekly meetings."),
                        );
                        None
                    }
                },
            };
            e.into_result()?;
            (
                weeks.unwrap_or(1),
                name.map(threshold_domain::text::FreeText::into_string),
            )
        } else {
            (1, None)
        };
        self.check_inquiry(inquiry).await?;
        let tz = self.location_zone(location).await?;
        if let Some(c) = client {
            let exists = self
                .db
                .read(move |x| threshold_store::clients::get(x, c))
                .await?
                .is_some();
            if !exists {
                return Err(Error::NotFound);
            }
        }
        let video = b.video && self.video_allowed_for(kind).await?;
        let local_start = start.to_zoned_datetime(tz.clone()).datetime();
        let mut slots = Vec::new();
        let mut failed = Vec::new();
        let mut names = Vec::new();
        for week in 0..weeks {
            let at = threshold_domain::schedule::resolve_local(
                local_start.saturating_add(jiff::Span::new().weeks(week)),
                &tz,
            )
            .ok_or_else(|| Error::Internal("local time".into()))?;
            let end = at + jiff::SignedDuration::from_mins(i64::from(minutes));
            let window = Interval::new(at, end)
                .ok_or_else(|| Invalid::field("start", "Choose one of the offered times."))?;
            let plan = Plan {
                kind,
                location,
                tz: tz.clone(),
                client,
                inquiry,
                window,
                limit: 1,
                video,
                route,
                ignore: replacing.map(|r| r.id.clone()),
            };
            let (found, n) = self.search(&plan, Some(b)).await?;
            names = n;
            match found.into_iter().find(|s| s.start == at) {
                Some(slot) => slots.push(slot),
                None => failed.push(
                    at.to_zoned_datetime(tz.clone())
                        .strftime("%Y-%m-%d")
                        .to_string(),
                ),
            }
        }
        if !failed.is_empty() {
            return Err(Error::Conflict(if weeks > 1 {
                format!(
                    "The chosen people or room are not free every week; not free on {}.",
                    failed.join(", ")
                )
            } else {
                "That time no longer works for the people, room or partner chosen (or the client); find another slot.".into()
            }));
        }
        if kind.is_medicine() && client.is_some() {
            self.series_check(client, replacing.map(|r| r.id.as_str()))
                .await?;
        }
        let capacity = if kind.is_group() {
            let room = slots.first().and_then(|s| s.room.clone());
            let (rooms, settings) = self
                .db
                .read(move |c| {
                    Ok::<_, Error>((
                        threshold_store::locations::rooms(c, location)?,
                        crate::careplan::settings_in(c)?.1,
                    ))
                })
                .await?;
            let room_cap = rooms
                .iter()
                .find(|r| Some(r.id.to_string()) == room)
                .map_or(0, |r| r.capacity);
            let cap = if kind == AppointmentKind::GroupMedicineSession {
                room_cap.min(i64::from(settings.group_size_max))
            } else {
                room_cap
            };
            if cap < 2 {
                return Err(
                    Invalid::field("room", "This room holds too few people for a group.").into(),
                );
            }
            Some(cap)
        } else {
            None
        };
        let journey = match client {
            Some(c) => self
                .db
                .read(move |x| threshold_store::journeys::current_for_client(x, c))
                .await?
                .map(|j| j.id),
            None => None,
        };
        let series = series_name.map(|name| threshold_store::groups::SeriesRow {
            id: uuid::Uuid::now_v7().to_string(),
            name,
            location_id: location,
            capacity: capacity.unwrap_or(0),
        });
        let rows = slots
            .into_iter()
            .map(|slot| {
                let people: Vec<(UserId, String, String)> = slot
                    .clinicians
                    .iter()
                    .filter_map(|id| {
                        let uid: UserId = id.parse().ok()?;
                        let name = names
                            .iter()
                            .find(|(k, _)| *k == format!("user:{id}"))
                            .map(|(_, n)| n.clone())
                            .unwrap_or_default();
                        let role = if kind.is_group() {
                            "facilitator"
                        } else {
                            "clinician"
                        };
                        Some((uid, name, role.to_owned()))
                    })
                    .collect();
                let mut resources: Vec<String> = slot
                    .clinicians
                    .iter()
                    .map(|c| format!("user:{c}"))
                    .collect();
                if let Some(r) = &slot.room {
                    resources.push(format!("room:{r}"));
                }
                if let Some(x) = &slot.partner {
                    resources.push(format!("partner:{x}"));
                }
                if let Some(c) = client {
                    resources.push(format!("client:{c}"));
                }
                if let Some(i) = inquiry {
                    resources.push(format!("inquiry:{i}"));
                }
                let row = AppointmentRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    kind: kind.as_str().to_owned(),
                    location_id: location,
                    room_id: slot.room.clone(),
                    room_name: None,
                    partner_id: slot.partner.clone(),
                    partner_name: None,
                    client_id: client,
                    client_name: None,
                    inquiry_id: inquiry.map(|i| i.to_string()),
                    inquiry_name: None,
                    journey_id: journey,
                    starts_at: slot.start,
                    ends_at: slot.end,
                    video,
                    status: "booked".into(),
                    status_reason_enc: None,
                    people,
                    capacity,
                    series_id: series.as_ref().map(|s| s.id.clone()),
                    replaced_by: None,
                    members: 0,
                };
                (row, resources)
            })
            .collect();
        Ok(Prepared {
            rows,
            series,
            tz,
            inquiry,
        })
    }

    /// Stores a prepared booking in one transaction; a reschedule marks the old
    /// appointment replaced in the same transaction, before the new one takes
    /// its cells. Returns the (first) new appointment's id.
    pub(crate) async fn store_booking(
        &self,
        p: &Principal,
        prepared: Prepared,
        replacing: Option<(String, String)>,
    ) -> Result<String> {
        let Prepared {
            rows,
            series,
            tz,
            inquiry,
        } = prepared;
        let first = rows
            .first()
            .map(|(r, _)| (r.id.clone(), r.starts_at))
            .ok_or_else(|| Error::Internal("nothing to book".into()))?;
        let now = self.now();
        let p2 = p.clone();
        let p = p.clone();
        let zone = tz.clone();
        let link = self.link("/portal");
        let clinic = self.settings.clinic_name.clone();
        self.db
            .write(move |c| {
                if let Some((old, reason_enc)) = &replacing {
                    let before =
                        threshold_store::schedule::appointment(c, old)?.ok_or(Error::NotFound)?;
                    if !threshold_store::groups::mark_rescheduled(
                        c,
                        old,
                        &rows[0].0.id,
                        reason_enc,
                        now,
                    )? {
                        return Err(Error::Conflict(
                            "This appointment is no longer booked.".into(),
                        ));
                    }
                    notify_clients_in(
                        c,
                        &before,
                        &Notice::Moved(rows[0].0.starts_at),
                        &clinic,
                        &link,
                        now,
                    )?;
                    drop_pre_session(c, before.journey_id, &before, now)?;
                    // The old time is free unless the new one overlaps it.
                    let new = &rows[0].0;
                    if new.starts_at >= before.ends_at || new.ends_at <= before.starts_at {
                        crate::groups::offer_next_in(
                            c,
                            Actor::User(&p),
                            &before,
                            &clinic,
                            &link,
                            now,
                            before.client_id,
                        )?;
                    }
                }
                if let Some(s) = &series {
                    threshold_store::groups::insert_series(c, s, p.user_id, now)?;
                }
                for (row, resources) in &rows {
                    match threshold_store::schedule::insert_appointment(
                        c, row, resources, p.user_id, now,
                    ) {
                        Ok(()) => {}
                        Err(e) if e.is_unique() => {
                            return Err(Error::Conflict(
                                "Someone booked that time a moment ago; find another slot.".into(),
                            ));
                        }
                        Err(e) => return Err(e.into()),
                    }
                    let medicine = row
                        .kind
                        .parse::<AppointmentKind>()
                        .is_ok_and(|k| k.is_medicine());
                    if medicine && let Some(j) = row.journey_id {
                        attach_pre_session(c, j, row.starts_at, &zone, now)?;
                    }
                    let mut entry = Entry::ok(if replacing.is_some() {
                        AuditAction::AppointmentChanged
                    } else {
                        AuditAction::AppointmentBooked
                    })
                    .subject("appointment", row.id.as_str())
                    .client(row.client_id)
                    .detail(row.kind.clone());
                    if let Some((old, _)) = &replacing {
                        entry = entry
                            .subject("appointment", old.as_str())
                            .detail(format!("{} rescheduled", row.kind));
                    }
                    write_in(c, Actor::User(&p), entry, now)?;
                }
                Ok(())
            })
            .await?;
        if let Some(i) = inquiry {
            self.after_consultation_booked(&p2, i, first.1, &tz).await?;
        }
        self.mail_wake.notify_one();
        Ok(first.0)
    }

    /// Marks the inquiry "consultation booked" and tells the person when.
    async fn after_consultation_booked(
        &self,
        p: &Principal,
        inquiry: threshold_domain::ids::InquiryId,
        start: Timestamp,
        tz: &TimeZone,
    ) -> Result<()> {
        match self
            .change_inquiry_status(p, inquiry, "consultation-booked", "")
            .await
        {
            Ok(()) | Err(Error::Conflict(_) | Error::Invalid(_)) => {}
            Err(e) => return Err(e),
        }
        let row = self
            .db
            .read(move |c| threshold_store::inquiries::get(c, inquiry))
            .await?
            .ok_or(Error::NotFound)?;
        let when = start
            .to_zoned_datetime(tz.clone())
            .strftime("%A %e %B at %H:%M %Z")
            .to_string();
        let clinic = self.settings.clinic_name.clone();
        let mail = crate::mail::Outgoing {
            kind: "consultation-booked",
            to: row.email.clone(),
            subject: format!("Your consultation with {clinic}: {when}"),
            body: format!(
                "Hello {},\n\nYour free consultation with {clinic} is booked for {when}. We will call or meet you as agreed; if the time does not suit you, reply to this email.\n",
                row.name
            ),
        };
        let now = self.now();
        self.db
            .write(move |c| crate::mail::queue_in(c, &mail, now).map(|_| ()))
            .await?;
        self.mail_wake.notify_one();
        Ok(())
    }

    /// A consultation's inquiry must exist and still be open.
    async fn check_inquiry(&self, inquiry: Option<threshold_domain::ids::InquiryId>) -> Result<()> {
        let Some(i) = inquiry else {
            return Ok(());
        };
        let row = self
            .db
            .read(move |c| threshold_store::inquiries::get(c, i))
            .await?
            .ok_or(Error::NotFound)?;
        if !row.status.is_open() {
            return Err(
                Invalid::field("inquiry", "This inquiry is closed or already converted.").into(),
            );
        }
        Ok(())
    }

    /// No more medicine sessions than the plan's series without an extension.
    pub(crate) async fn series_check(
        &self,
        client: Option<ClientId>,
        ignore: Option<&str>,
    ) -> Result<()> {
        let Some(client) = client else {
            return Ok(());
        };
        let ignore = ignore.map(str::to_owned);
        let (done, planned) = self
            .db
            .read(move |c| {
                let j = threshold_store::journeys::current_for_client(c, client)?
                    .ok_or(Error::NotFound)?;
                let planned =
                    threshold_store::careplan::plan_get(c, j.id)?.map_or(0, |p| p.sessions);
                Ok::<_, Error>((
                    threshold_store::schedule::medicine_sessions(c, client)?
                        .iter()
                        .filter(|(_, _, id)| ignore.as_ref() != Some(id))
                        .count(),
                    planned,
                ))
            })
            .await?;
        if i64::try_from(done).unwrap_or(i64::MAX) >= planned {
            return Err(Error::Conflict(format!(
                "The plan's series of {planned} medicine sessions is fully booked; a physician must extend the plan first."
            )));
        }
        Ok(())
    }

    /// Cancels (`cancelled`, with a reason) or records a no-show.
    pub async fn close_appointment(
        &self,
        p: &Principal,
        id: &str,
        status: &str,
        reason: &str,
    ) -> Result<()> {
        self.require(p, Permission::ManageSchedule).await?;
        if !matches!(status, "cancelled" | "no-show") {
            return Err(Invalid::field("status", "Choose cancel or no-show.").into());
        }
        // A no-show needs no reason; a cancellation does.
        let reason = match (status, reason.trim()) {
            ("no-show", "") => "No-show".to_owned(),
            _ => threshold_domain::text::FreeText::parse("reason", "the reason", reason, 2000)?
                .into_string(),
        };
        let enc = self.cipher.encrypt(
            &reason,
            crate::crypto::Binding {
                table: "appointments",
                column: "status_reason_enc",
                row_id: id,
            },
        );
        let id = id.to_owned();
        let status = status.to_owned();
        let now = self.now();
        let p = p.clone();
        let link = self.link("/portal");
        let clinic = self.settings.clinic_name.clone();
        self.db
            .write(move |c| {
                let a = threshold_store::schedule::appointment(c, &id)?.ok_or(Error::NotFound)?;
                if !threshold_store::schedule::set_status(c, &id, &status, Some(&enc), now)? {
                    return Err(Error::Conflict(
                        "This appointment is no longer booked.".into(),
                    ));
                }
                let members = threshold_store::groups::members(c, &a.id)?;
                if status == "cancelled" && a.starts_at > now {
                    notify_clients_in(c, &a, &Notice::Cancelled, &clinic, &link, now)?;
                    drop_pre_session(c, a.journey_id, &a, now)?;
                    for m in &members {
                        drop_pre_session(c, m.journey_id, &a, now)?;
                    }
                    // Nobody waits for a group that will not meet.
                    for (entry, client) in threshold_store::groups::wait_close_for(c, &a.id, now)? {
                        write_in(
                            c,
                            Actor::User(&p),
                            Entry::ok(AuditAction::WaitlistChanged)
                                .subject("waitlist", entry.as_str())
                                .client(Some(client))
                                .detail("removed: the group was cancelled"),
                            now,
                        )?;
                    }
                }
                // A cancelled individual appointment's time goes to the next
                // person waiting for that type of appointment there.
                let group = a
                    .kind
                    .parse::<AppointmentKind>()
                    .is_ok_and(|k| k.is_group());
                if status == "cancelled" && !group && a.inquiry_id.is_none() && a.starts_at > now {
                    crate::groups::offer_next_in(
                        c,
                        Actor::User(&p),
                        &a,
                        &clinic,
                        &link,
                        now,
                        None,
                    )?;
                }
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::AppointmentChanged)
                        .subject("appointment", id.as_str())
                        .client(a.client_id)
                        .subjects("client", members.iter().map(|m| m.client_id))
                        .detail(status),
                    now,
                )?;
                Ok(())
            })
            .await?;
        self.mail_wake.notify_one();
        Ok(())
    }

    /// A location's appointments on one local day (coordinators).
    pub async fn day_at(
        &self,
        p: &Principal,
        location: LocationId,
        day: Date,
    ) -> Result<(TimeZone, Vec<AppointmentRow>)> {
        self.require(p, Permission::ManageSchedule).await?;
        let tz = self.location_zone(location).await?;
        let from = day_start(day, &tz)?;
        let to = day_start(day.saturating_add(jiff::Span::new().days(1)), &tz)?;
        let list = self
            .db
            .read(move |c| threshold_store::schedule::at_location(c, location, from, to))
            .await?;
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::CalendarViewed)
                .subject("location", location)
                .subjects("client", list.iter().filter_map(|a| a.client_id)),
        )
        .await?;
        Ok((tz, list))
    }

    /// The signed-in client's upcoming appointments.
    pub async fn my_appointments(&self, p: &Principal) -> Result<Vec<AppointmentRow>> {
        self.require(p, Permission::ClientPortal).await?;
        let uid = p.user_id;
        let now = self.now();
        let list = self
            .db
            .read(move |c| {
                let client = threshold_store::clients::by_user(c, uid)?.ok_or(Error::NotFound)?;
                Ok::<_, Error>(threshold_store::schedule::for_client(c, client.id, now)?)
            })
            .await?;
        Ok(list.into_iter().filter(|a| a.status == "booked").collect())
    }

    /// A staff member's or partner's weekly availability rule.
    pub async fn add_availability(&self, p: &Principal, f: &RuleForm) -> Result<()> {
        let (owner_kind, owner_id, location, weekday, start, end) = (
            f.owner_kind.as_str(),
            f.owner_id.as_str(),
            f.location.as_str(),
            f.weekday.as_str(),
            f.start.as_str(),
            f.end.as_str(),
        );
        self.may_edit(p, owner_kind, owner_id).await?;
        if !matches!(owner_kind, "user" | "partner") {
            return Err(Error::NotFound);
        }
        WeeklyRule::parse(weekday, start, end)?;
        let location: LocationId = location
            .trim()
            .parse()
            .map_err(|_| Invalid::field("location", "Choose a location."))?;
        self.location_zone(location).await?;
        let row = RuleRow {
            id: uuid::Uuid::now_v7().to_string(),
            owner_kind: owner_kind.to_owned(),
            owner_id: owner_id.to_owned(),
            location_id: location,
            weekday: weekday.trim().to_lowercase(),
            start_time: start.trim().to_owned(),
            end_time: end.trim().to_owned(),
        };
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                threshold_store::schedule::insert_rule(c, &row, p.user_id, now)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::AvailabilityChanged)
                        .subject(
                            if row.owner_kind == "user" {
                                "user"
                            } else {
                                "partner"
                            },
                            row.owner_id.as_str(),
                        )
                        .detail(format!(
                            "{} {}-{}",
                            row.weekday, row.start_time, row.end_time
                        )),
                    now,
                )?;
                Ok(())
            })
            .await
    }
}

/// The most weekly meetings one circle series books at once.
pub const MAX_SERIES_WEEKS: i64 = 26;

/// A checked booking, ready to store.
pub(crate) struct Prepared {
    rows: Vec<(AppointmentRow, Vec<String>)>,
    series: Option<threshold_store::groups::SeriesRow>,
    tz: TimeZone,
    inquiry: Option<threshold_domain::ids::InquiryId>,
}

/// Attaches the pre-session questionnaires to a medicine session, due a day
/// before it.
pub(crate) fn attach_pre_session(
    c: &mut dyn threshold_store::Conn,
    journey: threshold_domain::ids::JourneyId,
    starts_at: Timestamp,
    tz: &TimeZone,
    now: Timestamp,
) -> Result<()> {
    let reason = pre_session_reason(starts_at, tz);
    for instrument in PRE_SESSION_SET {
        threshold_store::questionnaires::insert_task(
            c,
            &uuid::Uuid::now_v7().to_string(),
            journey,
            instrument.as_str(),
            &reason,
            starts_at - jiff::SignedDuration::from_hours(24),
            now,
        )?;
    }
    Ok(())
}

/// Why the pre-session questionnaires are due: the session's local day.
pub(crate) fn pre_session_reason(starts_at: Timestamp, tz: &TimeZone) -> String {
    let local = starts_at.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d");
    format!("before your session on {local}")
}

/// Withdraws the open pre-session questionnaires of a session that was
/// cancelled or moved (or that a member left).
pub(crate) fn drop_pre_session(
    c: &mut dyn threshold_store::Conn,
    journey: Option<threshold_domain::ids::JourneyId>,
    a: &AppointmentRow,
    now: Timestamp,
) -> Result<()> {
    let medicine = a
        .kind
        .parse::<AppointmentKind>()
        .is_ok_and(|k| k.is_medicine());
    if let (true, Some(j)) = (medicine, journey) {
        let zone = threshold_store::locations::get(c, a.location_id)?
            .and_then(|l| TimeZone::get(&l.time_zone).ok())
            .unwrap_or(TimeZone::UTC);
        threshold_store::questionnaires::cancel_open_tasks(
            c,
            j,
            &pre_session_reason(a.starts_at, &zone),
            now,
        )?;
    }
    Ok(())
}

/// What a client is told about a change to their appointment.
pub(crate) enum Notice {
    Cancelled,
    Moved(Timestamp),
}

/// Tells the appointment's client (or, for a group, every member) that it was
/// cancelled or moved: the time and the clinic only, never the treatment.
pub(crate) fn notify_clients_in(
    c: &mut dyn threshold_store::Conn,
    a: &AppointmentRow,
    notice: &Notice,
    clinic: &str,
    link: &str,
    now: Timestamp,
) -> Result<()> {
    let zone = threshold_store::locations::get(c, a.location_id)?
        .and_then(|l| TimeZone::get(&l.time_zone).ok())
        .unwrap_or(TimeZone::UTC);
    let when = |t: Timestamp| {
        t.to_zoned_datetime(zone.clone())
            .strftime("%A %e %B at %H:%M %Z")
            .to_string()
    };
    let mut people = Vec::new();
    if let Some(client) = a.client_id {
        people.extend(threshold_store::clients::get(c, client)?);
    }
    for m in threshold_store::groups::members(c, &a.id)? {
        people.extend(threshold_store::clients::get(c, m.client_id)?);
    }
    let old = when(a.starts_at);
    for person in people {
        let (subject, body) = match notice {
            Notice::Cancelled => (
                format!("{clinic}: your appointment on {old} is cancelled"),
                format!(
                    "Hello {},\n\nYour appointment with {clinic} on {old} is cancelled. Your care coordinator will be in touch about another time; you can also see your appointments and ask for a change here:\n\n{link}\n\n{}\n\n— {clinic}\n",
                    person.name,
                    crate::mail::CRISIS
                ),
            ),
            Notice::Moved(to) => {
                let new = when(*to);
                (
                    format!("{clinic}: your appointment has moved to {new}"),
                    format!(
                        "Hello {},\n\nYour appointment with {clinic} on {old} has moved to {new}. If the new time does not suit you, ask for a change here:\n\n{link}\n\n{}\n\n— {clinic}\n",
                        person.name,
                        crate::mail::CRISIS
                    ),
                )
            }
        };
        crate::mail::queue_in(
            c,
            &crate::mail::Outgoing {
                kind: "appointment-changed",
                to: person.email,
                subject,
                body,
            },
            now,
        )?;
    }
    Ok(())
}

/// The first instant of a local day.
pub(crate) fn day_start(d: Date, tz: &TimeZone) -> Result<Timestamp> {
    threshold_domain::schedule::resolve_local(d.at(0, 0, 0, 0), tz)
        .ok_or_else(|| Error::Internal(format!("no start of day {d}")))
}

fn view(slot: Slot, names: &[(String, String)]) -> SlotView {
    let name = |key: String| {
        names
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, n)| n.clone())
    };
    SlotView {
        clinician_names: slot
            .clinicians
            .iter()
            .filter_map(|c| name(format!("user:{c}")))
            .collect(),
        room_name: slot.room.clone().and_then(|r| name(format!("room:{r}"))),
        partner_name: slot
            .partner
            .clone()
            .and_then(|x| name(format!("partner:{x}"))),
        slot,
    }
}

/// What the coordinator's scheduling page offers to choose from.
#[derive(Debug, Clone, Default)]
pub struct ScheduleChoices {
    pub locations: Vec<threshold_store::locations::LocationRow>,
    pub clients: Vec<(ClientId, String)>,
}

impl Services {
    /// Active locations and the clients a coordinator may book for.
    pub async fn schedule_choices(&self, p: &Principal) -> Result<ScheduleChoices> {
        self.require(p, Permission::ManageSchedule).await?;
        let (locations, clients) = self
            .db
            .read(|c| {
                Ok::<_, Error>((
                    threshold_store::locations::list(c)?,
                    threshold_store::journeys::client_list(c, None, 500)?,
                ))
            })
            .await?;
        Ok(ScheduleChoices {
            locations: locations.into_iter().filter(|l| l.active).collect(),
            clients: clients.into_iter().map(|c| (c.client_id, c.name)).collect(),
        })
    }
}

/// Whose availability a page shows: staff who hold clinical roles and partners.
#[derive(Debug, Clone)]
pub struct Owner {
    /// `user` or `partner`.
    pub kind: &'static str,
    pub id: String,
    pub name: String,
}

/// The availability page: every owner with their rules and coming exceptions.
#[derive(Debug, Clone, Default)]
pub struct AvailabilityBook {
    pub owners: Vec<(Owner, Vec<RuleRow>, Vec<ExceptionRow>)>,
    pub locations: Vec<threshold_store::locations::LocationRow>,
}

impl Services {
    /// Coordinators see and set everyone's; other staff their own.
    pub async fn availability_book(&self, p: &Principal) -> Result<AvailabilityBook> {
        self.require(p, Permission::StaffArea).await?;
        let all = p.can(Permission::ManageSchedule);
        let uid = p.user_id;
        let now = self.now();
        let later = now + jiff::SignedDuration::from_hours(24 * 120);
        let me = p.name.clone();
        let is_partner = p.roles.contains(Role::MedicalPartner);
        self.db
            .read(move |c| {
                // A partner's people keep their organisation's hours.
                let partner = match is_partner {
                    true => match threshold_store::careplan::partner_of(c, uid)? {
                        Some(id) => threshold_store::careplan::partner_get(c, &id)?,
                        None => None,
                    },
                    false => None,
                };
                let mut owners: Vec<Owner> = Vec::new();
                if all {
                    for role in [Role::Clinician, Role::Physician] {
                        for (id, name) in threshold_store::users::with_role(c, role)? {
                            let id = id.to_string();
                            if !owners.iter().any(|o| o.id == id) {
                                owners.push(Owner {
                                    kind: "user",
                                    id,
                                    name,
                                });
                            }
                        }
                    }
                    for partner in threshold_store::careplan::partners(c, true)? {
                        owners.push(Owner {
                            kind: "partner",
                            id: partner.id,
                            name: partner.name,
                        });
                    }
                } else if let Some(partner) = partner {
                    owners.push(Owner {
                        kind: "partner",
                        id: partner.id,
                        name: partner.name,
                    });
                } else {
                    owners.push(Owner {
                        kind: "user",
                        id: uid.to_string(),
                        name: me,
                    });
                }
                let mut out = Vec::new();
                for o in owners {
                    let mut rules = threshold_store::schedule::rules_for(c, o.kind, &o.id)?;
                    // Monday first, then by start time.
                    rules.sort_by_key(|r| {
                        (
                            threshold_domain::schedule::parse_weekday(&r.weekday)
                                .map_or(7_i8, |d| d.to_monday_zero_offset()),
                            r.start_time.clone(),
                        )
                    });
                    let ex = threshold_store::schedule::exceptions(
                        c,
                        Some((o.kind, &o.id)),
                        now,
                        later,
                    )?;
                    out.push((o, rules, ex));
                }
                Ok::<_, Error>(AvailabilityBook {
                    owners: out,
                    locations: threshold_store::locations::list(c)?
                        .into_iter()
                        .filter(|l| l.active)
                        .collect(),
                })
            })
            .await
    }

    /// Staff keep their own hours and a partner's people their organisation's;
    /// coordinators keep everyone's.
    async fn may_edit(&self, p: &Principal, owner_kind: &str, owner_id: &str) -> Result<()> {
        let own = match owner_kind {
            "user" => owner_id == p.user_id.to_string(),
            "partner" if p.roles.contains(Role::MedicalPartner) => {
                self.partner_of(p.user_id).await?.as_deref() == Some(owner_id)
            }
            _ => false,
        };
        if own {
            self.require(p, Permission::StaffArea).await
        } else {
            self.require(p, Permission::ManageSchedule).await
        }
    }

    /// Removes one weekly rule.
    pub async fn remove_availability(
        &self,
        p: &Principal,
        owner_kind: &str,
        owner_id: &str,
        rule: &str,
    ) -> Result<()> {
        self.may_edit(p, owner_kind, owner_id).await?;
        let (k, o, r) = (owner_kind.to_owned(), owner_id.to_owned(), rule.to_owned());
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                if threshold_store::schedule::delete_rule(c, &r, &k, &o)? == 0 {
                    return Err(Error::NotFound);
                }
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::AvailabilityChanged)
                        .subject(if k == "user" { "user" } else { "partner" }, o.as_str())
                        .detail("rule removed"),
                    now,
                )?;
                Ok(())
            })
            .await
    }

    /// Leave or one-off extra hours, as local date-times at a location.
    pub async fn add_exception(&self, p: &Principal, f: &ExceptionForm) -> Result<()> {
        let (owner_kind, owner_id, location, kind, from, to) = (
            f.owner_kind.as_str(),
            f.owner_id.as_str(),
            f.location.as_str(),
            f.kind.as_str(),
            f.from.as_str(),
            f.to.as_str(),
        );
        self.may_edit(p, owner_kind, owner_id).await?;
        if !matches!(owner_kind, "user" | "partner") {
            return Err(Error::NotFound);
        }
        let mut e = Invalid::new();
        if !matches!(kind, "leave" | "extra") {
            e.push("kind", "Choose leave or extra hours.");
        }
        let location: Option<LocationId> = location.trim().parse().ok();
        if location.is_none() {
            e.push("location", "Choose a location.");
        }
        let parse = |field: &str, raw: &str, e: &mut Invalid| -> Option<jiff::civil::DateTime> {
            match raw.trim().parse::<jiff::civil::DateTime>() {
                Ok(d) => Some(d),
                Err(_) => {
                    e.push(
                        field,
                        "Enter a date and time, for example 2026-12-24T09:00.",
                    );
                    None
                }
            }
        };
        let f = parse("from", from, &mut e);
        let t = parse("to", to, &mut e);
        let (Some(location), Some(f), Some(t)) = (location, f, t) else {
            return Err(e.into());
        };
        e.into_result()?;
        let tz = self.location_zone(location).await?;
        let (Some(starts_at), Some(ends_at)) = (
            threshold_domain::schedule::resolve_local(f, &tz),
            threshold_domain::schedule::resolve_local(t, &tz),
        ) else {
            return Err(Invalid::field(
                "from",
                "That time does not exist in the clinic's time zone.",
            )
            .into());
        };
        if ends_at <= starts_at {
            return Err(Invalid::field("to", "The end must be after the start.").into());
        }
        if ends_at - starts_at > jiff::SignedDuration::from_hours(24 * 62) {
            return Err(Invalid::field("to", "Enter at most 62 days at a time.").into());
        }
        let row = ExceptionRow {
            id: uuid::Uuid::now_v7().to_string(),
            owner_kind: owner_kind.to_owned(),
            owner_id: owner_id.to_owned(),
            location_id: Some(location),
            kind: kind.to_owned(),
            starts_at,
            ends_at,
        };
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                threshold_store::schedule::insert_exception(c, &row, p.user_id, now)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::AvailabilityChanged)
                        .subject(
                            if row.owner_kind == "user" {
                                "user"
                            } else {
                                "partner"
                            },
                            row.owner_id.as_str(),
                        )
                        .detail(row.kind.clone()),
                    now,
                )?;
                Ok(())
            })
            .await
    }
}

/// One appointment on a staff member's day, with what is still missing for it.
#[derive(Debug, Clone)]
pub struct DayItem {
    pub appointment: AppointmentRow,
    /// Medicine sessions: what readiness still misses on the day; open
    /// questionnaires due before it.
    pub missing: Vec<String>,
}

impl Services {
    /// A staff member's own appointments on a local day (the clinic's zone).
    pub async fn my_day(&self, p: &Principal, day: Option<Date>) -> Result<(Date, Vec<DayItem>)> {
        self.require(p, Permission::StaffArea).await?;
        let tz = self.display_zone().await;
        let day = day.unwrap_or_else(|| self.now().to_zoned_datetime(tz.clone()).date());
        let from = day_start(day, &tz)?;
        let to = day_start(day.saturating_add(jiff::Span::new().days(1)), &tz)?;
        let uid = p.user_id;
        let is_partner = p.roles.contains(Role::MedicalPartner);
        let list = self
            .db
            .read(move |c| {
                let mut list = threshold_store::schedule::for_user(c, uid, from, to)?;
                // A partner's people see their organisation's sessions.
                // Of sessions they are not on, they see when and where, not who.
                if is_partner && let Some(org) = threshold_store::careplan::partner_of(c, uid)? {
                    for mut a in threshold_store::schedule::for_partner(c, &org, from, to)? {
                        if !list.iter().any(|x| x.id == a.id) {
                            a.client_id = None;
                            a.client_name = None;
                            a.journey_id = None;
                            a.inquiry_id = None;
                            a.inquiry_name = None;
                            list.push(a);
                        }
                    }
                    list.sort_by_key(|a| a.starts_at);
                }
                Ok::<_, Error>(list)
            })
            .await?;
        let mut out = Vec::new();
        for a in list.into_iter().filter(|a| a.status == "booked") {
            let mut missing = Vec::new();
            let medicine = a
                .kind
                .parse::<AppointmentKind>()
                .is_ok_and(|k| k.is_medicine());
            if let (true, Some(j)) = (medicine, a.journey_id) {
                if let Readiness::NotReady(m) = self.medicine_session_readiness(j, day).await? {
                    missing.extend(m.iter().map(|x| x.label()));
                }
                let open = self
                    .tasks_of(j)
                    .await?
                    .into_iter()
                    .filter(|t| !t.done && t.due_at <= a.starts_at)
                    .count();
                if open > 0 {
                    missing.push(format!(
                        "{open} questionnaire(s) due before the session are not filled in"
                    ));
                }
            }
            out.push(DayItem {
                appointment: a,
                missing,
            });
        }
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::CalendarViewed)
                .subject("user", p.user_id)
                .subjects("client", out.iter().filter_map(|d| d.appointment.client_id)),
        )
        .await?;
        Ok((day, out))
    }
}

/// A client's change request as a coordinator reads it.
#[derive(Debug, Clone)]
pub struct ChangeRequest {
    pub row: threshold_store::schedule::ChangeRequestRow,
    pub note: String,
}

fn note_binding(id: &str) -> crate::crypto::Binding<'_> {
    crate::crypto::Binding {
        table: "appointment_change_requests",
        column: "note_enc",
        row_id: id,
    }
}

impl Services {
    /// The client asks to change one of their own appointments. Another
    /// client's appointment is "not found". The coordinators get a mail that
    /// names no one and says nothing about health.
    pub async fn request_change(&self, p: &Principal, appointment: &str, note: &str) -> Result<()> {
        self.require(p, Permission::ClientPortal).await?;
        let note = threshold_domain::text::FreeText::parse(
            "note",
            "what you would like to change",
            note,
            2000,
        )?;
        let uid = p.user_id;
        let appt = appointment.to_owned();
        let (client, row) = self
            .db
            .read(move |c| {
                let client = threshold_store::clients::by_user(c, uid)?.ok_or(Error::NotFound)?;
                Ok::<_, Error>((client, threshold_store::schedule::appointment(c, &appt)?))
            })
            .await?;
        let Some(row) = row.filter(|a| a.client_id == Some(client.id) && a.status == "booked")
        else {
            self.audit(
                Actor::User(p),
                Entry::denied(AuditAction::AppointmentChanged)
                    .subject("appointment", appointment)
                    .client(Some(client.id)),
            )
            .await?;
            return Err(Error::NotFound);
        };
        let id = uuid::Uuid::now_v7().to_string();
        let enc = self.cipher.encrypt(note.as_str(), note_binding(&id));
        let now = self.now();
        let p = p.clone();
        let link = self.link("/schedule");
        let clinic = self.settings.clinic_name.clone();
        self.db
            .write(move |c| {
                threshold_store::schedule::insert_change_request(c, &id, &row.id, client.id, &enc, now)?;
                for (coordinator, _) in threshold_store::users::with_role(c, Role::Coordinator)? {
                    if let Some(u) = threshold_store::users::get(c, coordinator)? {
                        crate::mail::queue_in(
                            c,
                            &crate::mail::Outgoing {
                                kind: "change-request",
                                to: u.email,
                                subject: format!("{clinic}: a client asked to change an appointment"),
                                body: format!(
                                    "A client asked to change an appointment. The request is on the schedule page:\n\n{link}\n"
                                ),
                            },
                            now,
                        )?;
                    }
                }
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::AppointmentChanged)
                        .subject("appointment", row.id.as_str())
                        .client(Some(client.id))
                        .detail("change requested"),
                    now,
                )?;
                Ok::<_, Error>(())
            })
            .await?;
        self.mail_wake.notify_one();
        Ok(())
    }

    /// Open change requests (coordinators).
    pub async fn change_requests(&self, p: &Principal) -> Result<Vec<ChangeRequest>> {
        self.require(p, Permission::ManageSchedule).await?;
        let rows = self
            .db
            .read(threshold_store::schedule::open_change_requests)
            .await?;
        rows.into_iter()
            .map(|row| {
                let note = self
                    .cipher
                    .decrypt(&row.note_enc, note_binding(&row.id))
                    .map_err(|e| Error::Internal(format!("change request {}: {e}", row.id)))?;
                Ok(ChangeRequest { row, note })
            })
            .collect()
    }

    /// Marks a change request handled.
    pub async fn handle_change(&self, p: &Principal, id: &str) -> Result<()> {
        self.require(p, Permission::ManageSchedule).await?;
        let id = id.to_owned();
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                if threshold_store::schedule::handle_change_request(c, &id, p.user_id, now)? == 0 {
                    return Err(Error::NotFound);
                }
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::AppointmentChanged)
                        .subject("change-request", id.as_str())
                        .detail("change request handled"),
                    now,
                )?;
                Ok(())
            })
            .await
    }
}

/// An appointment type's length and video permission as in force.
#[derive(Debug, Clone)]
pub struct KindSetting {
    pub kind: AppointmentKind,
    pub minutes: u16,
    pub video_allowed: bool,
    /// Whether this kind may ever be held by video (never a medicine session or
    /// the assessment, which takes blood pressure).
    pub video_possible: bool,
    /// Whether the clinic changed it from the default.
    pub changed: bool,
}

/// Lengths an administrator may set, minutes.
pub const KIND_MINUTES: std::ops::RangeInclusive<u16> = 15..=480;

fn video_possible(kind: AppointmentKind) -> bool {
    !kind.is_medicine() && kind != AppointmentKind::IntakeAssessment
}

impl Services {
    /// Every appointment type with its length and video permission.
    pub async fn kind_settings(&self) -> Result<Vec<KindSetting>> {
        let stored = self
            .db
            .read(threshold_store::schedule::type_settings)
            .await?;
        Ok(AppointmentKind::ALL
            .into_iter()
            .map(|kind| {
                let row = stored.iter().find(|(k, _, _)| k == kind.as_str());
                let d = kind.defaults();
                KindSetting {
                    kind,
                    minutes: row
                        .and_then(|(_, m, _)| u16::try_from(*m).ok())
                        .unwrap_or(d.minutes),
                    video_allowed: row.map_or(d.video_allowed, |(_, _, v)| *v)
                        && video_possible(kind),
                    video_possible: video_possible(kind),
                    changed: row.is_some(),
                }
            })
            .collect())
    }

    /// Sets an appointment type's length and whether it may be held by video.
    pub async fn set_kind_setting(
        &self,
        p: &Principal,
        kind: &str,
        minutes: &str,
        video: bool,
    ) -> Result<()> {
        self.require(p, Permission::ManageClinic).await?;
        let kind = parse_kind(kind)?;
        let minutes = match minutes.trim().parse::<u16>() {
            Ok(m) if KIND_MINUTES.contains(&m) && m % 5 == 0 => m,
            _ => {
                return Err(Invalid::field(
                    "minutes",
                    format!(
                        "Enter the length in minutes, a multiple of 5 from {} to {}.",
                        KIND_MINUTES.start(),
                        KIND_MINUTES.end()
                    ),
                )
                .into());
            }
        };
        if video && !video_possible(kind) {
            return Err(Invalid::field(
                "video",
                format!("{} is never held by video.", kind.label()),
            )
            .into());
        }
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                threshold_store::schedule::set_type(
                    c,
                    kind.as_str(),
                    i64::from(minutes),
                    video,
                    p.user_id,
                    now,
                )?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::SettingsChanged)
                        .subject("appointment-type", kind.as_str())
                        .detail(format!("{minutes} minutes, video {video}")),
                    now,
                )?;
                Ok(())
            })
            .await
    }

    /// Whether this kind may be held by video now.
    async fn video_allowed_for(&self, kind: AppointmentKind) -> Result<bool> {
        Ok(self
            .kind_settings()
            .await?
            .into_iter()
            .any(|k| k.kind == kind && k.video_allowed))
    }
}
