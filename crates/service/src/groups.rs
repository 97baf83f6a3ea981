//! Groups: the roster of a group medicine session or an integration circle
//! meeting, circle series with enrolled and drop-in members, attendance, the
//! waitlist that offers a freed place to the next person, and rescheduling.
//!
//! A group is booked first (its time, facilitators and room, through the slot
//! finder) and members are added to its roster one by one, each with their own
//! checks. Seats are numbered up to the capacity and unique in the database, so
//! two additions racing for the last place cannot both succeed; a member's time
//! is held in the same resource cells as any appointment, so they cannot be in
//! two places at once.

use jiff::Timestamp;
use threshold_domain::audit::AuditAction;
use threshold_domain::ids::{ClientId, JourneyId};
use threshold_domain::journey::{ConsentKind, Readiness, Stage};
use threshold_domain::schedule::{AppointmentKind, Interval, far_enough_apart};
use threshold_domain::{Invalid, Permission};
use threshold_store::groups::{Added, MemberRow, SeriesRow, WaitRow};
use threshold_store::schedule::AppointmentRow;

use crate::Services;
use crate::audit::{Entry, write_in};
use crate::error::{Error, Result};
use crate::principal::{Actor, Principal};
use crate::schedule::{BookingForm, SlotSearch, SlotView};

/// One member on a roster with what still stands in their way.
#[derive(Debug, Clone)]
pub struct MemberView {
    pub row: MemberRow,
    /// Empty when the member may take part; otherwise each missing item.
    pub missing: Vec<String>,
}

/// A group appointment with its roster, for coordinators and its facilitators.
#[derive(Debug, Clone)]
pub struct Roster {
    pub appointment: AppointmentRow,
    pub kind: AppointmentKind,
    pub tz: jiff::tz::TimeZone,
    pub members: Vec<MemberView>,
    pub series: Option<SeriesRow>,
    /// Circles: the enrolled members of the series.
    pub enrolled: Vec<(ClientId, String)>,
    /// People waiting for a place in this group (or its series).
    pub waiting: Vec<WaitRow>,
    /// The clinic's smallest group (group medicine sessions).
    pub min_size: i64,
    /// Whether attendance may be taken (the meeting has started).
    pub started: bool,
    /// Whether the viewer may change the roster (coordinators).
    pub may_manage: bool,
}

/// Stages in which a client may join an integration circle.
fn in_care(stage: &str) -> bool {
    stage.parse::<Stage>().is_ok_and(|s| {
        matches!(
            s,
            Stage::Preparation | Stage::MedicineSessions | Stage::Integration | Stage::Maintenance
        )
    })
}

impl Services {
    async fn group_appointment(&self, id: &str) -> Result<(AppointmentRow, AppointmentKind)> {
        let id = id.to_owned();
        let a = self
            .db
            .read(move |c| threshold_store::schedule::appointment(c, &id))
            .await?
            .ok_or(Error::NotFound)?;
        let kind: AppointmentKind = a
            .kind
            .parse()
            .map_err(|_| Error::Internal("appointment kind".into()))?;
        if !kind.is_group() {
            return Err(Error::NotFound);
        }
        Ok((a, kind))
    }

    /// Coordinators, or a facilitator of this appointment.
    async fn may_see_group(&self, p: &Principal, a: &AppointmentRow) -> Result<bool> {
        if p.can(Permission::ManageSchedule) {
            self.require(p, Permission::ManageSchedule).await?;
            return Ok(true);
        }
        self.require(p, Permission::StaffArea).await?;
        if a.people.iter().any(|(u, _, _)| *u == p.user_id) {
            Ok(false)
        } else {
            self.audit(
                Actor::User(p),
                Entry::denied(AuditAction::RosterViewed).subject("appointment", a.id.as_str()),
            )
            .await?;
            Err(Error::NotFound)
        }
    }

    /// What keeps `client` from joining the group appointment `a`; empty when
    /// nothing does. Group medicine: ready on the day, a group plan held in the
    /// office on the group's route, the group confidentiality agreement signed,
    /// the spacing from their other sessions, and a place in their series.
    /// Circles: in care (preparation or later).
    async fn member_missing(
        &self,
        client: ClientId,
        a: &AppointmentRow,
        kind: AppointmentKind,
    ) -> Result<(Option<JourneyId>, Vec<String>)> {
        let (journey, plan, sigs, docs, sessions, settings) = self
            .db
            .read(move |c| {
                let j = threshold_store::journeys::current_for_client(c, client)?;
                let (plan, sigs) = match &j {
                    Some(j) => (
                        threshold_store::careplan::plan_get(c, j.id)?,
                        threshold_store::careplan::signatures(c, j.id)?,
                    ),
                    None => (None, Vec::new()),
                };
                Ok::<_, Error>((
                    j,
                    plan,
                    sigs,
                    threshold_store::careplan::consent_docs_current(c)?,
                    threshold_store::schedule::medicine_sessions(c, client)?,
                    crate::careplan::settings_in(c)?.1,
                ))
            })
            .await?;
        let Some(journey) = journey.filter(|j| j.closed_at.is_none()) else {
            return Ok((None, vec!["not in care".into()]));
        };
        let mut missing = Vec::new();
        if kind == AppointmentKind::IntegrationCircle {
            if !in_care(&journey.stage) {
                missing.push("not yet in preparation or later".into());
            }
            return Ok((Some(journey.id), missing));
        }
        let tz = self.location_zone(a.location_id).await?;
        let day = a.starts_at.to_zoned_datetime(tz).date();
        if let Readiness::NotReady(m) = self.medicine_session_readiness(journey.id, day).await? {
            missing.extend(m.iter().map(|x| x.label()));
        }
        match &plan {
            None => missing.push("no treatment plan".into()),
            Some(plan) => {
                if plan.format != "group" {
                    missing.push("the plan is for individual sessions, not a group".into());
                }
                if plan.location == "in-home" {
                    missing.push("the plan is for sessions at home".into());
                }
                let iv = plan.route == "iv";
                if iv != a.partner_id.is_some() {
                    missing.push(format!(
                        "the plan's route ({}) is not this group's",
                        if iv { "IV" } else { "lozenge" }
                    ));
                } else if iv && plan.partner_id != a.partner_id {
                    missing.push("the plan names another partner provider".into());
                }
                let done = sessions.iter().filter(|(_, _, id)| *id != a.id).count();
                if i64::try_from(done).unwrap_or(i64::MAX) >= plan.sessions {
                    missing.push(format!(
                        "the plan's series of {} sessions is fully booked",
                        plan.sessions
                    ));
                }
            }
        }
        let kind_name = ConsentKind::GroupConfidentiality.as_str();
        let current = docs.iter().find(|d| d.kind == kind_name).map(|d| d.version);
        let signed = sigs
            .iter()
            .any(|s| s.kind == kind_name && s.withdrawn_at.is_none() && Some(s.version) == current);
        if !signed {
            missing.push("the group confidentiality agreement is not signed".into());
        }
        let others: Vec<Interval> = sessions
            .iter()
            .filter(|(_, _, id)| *id != a.id)
            .filter_map(|(s, e, _)| Interval::new(*s, *e))
            .collect();
        if !far_enough_apart(a.starts_at, &others, settings.min_hours_between_sessions) {
            missing.push(format!(
                "another medicine session is less than {} hours away",
                settings.min_hours_between_sessions
            ));
        }
        Ok((Some(journey.id), missing))
    }

    /// A group appointment's roster with each member's readiness.
    pub async fn roster(&self, p: &Principal, appointment: &str) -> Result<Roster> {
        let (a, kind) = self.group_appointment(appointment).await?;
        let may_manage = self.may_see_group(p, &a).await?;
        let tz = self.location_zone(a.location_id).await?;
        // Facilitators see the roster; who waits or is enrolled is the
        // coordinators' business.
        let full = may_manage;
        let (id, series_id) = (a.id.clone(), a.series_id.clone());
        let (members, series, enrolled, waiting, settings) = self
            .db
            .read(move |c| {
                let series = match &series_id {
                    Some(s) => threshold_store::groups::series_get(c, s)?,
                    None => None,
                };
                let enrolled = match &series_id {
                    Some(s) if full => threshold_store::groups::enrolled(c, s)?,
                    _ => Vec::new(),
                };
                let waiting = if full {
                    threshold_store::groups::wait_open(c)?
                        .into_iter()
                        .filter(|w| {
                            w.appointment_id.as_deref() == Some(id.as_str())
                                || (series_id.is_some() && w.series_id == series_id)
                        })
                        .collect::<Vec<_>>()
                } else {
                    Vec::new()
                };
                Ok::<_, Error>((
                    threshold_store::groups::members(c, &id)?,
                    series,
                    enrolled,
                    waiting,
                    crate::careplan::settings_in(c)?.1,
                ))
            })
            .await?;
        let mut views = Vec::with_capacity(members.len());
        for m in members {
            let (_, missing) = self.member_missing(m.client_id, &a, kind).await?;
            views.push(MemberView { row: m, missing });
        }
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::RosterViewed)
                .subject("appointment", a.id.as_str())
                .subjects(
                    "client",
                    views
                        .iter()
                        .map(|m| m.row.client_id)
                        .chain(enrolled.iter().map(|(c, _)| *c))
                        .chain(waiting.iter().map(|w| w.client_id)),
                ),
        )
        .await?;
        let started = a.starts_at <= self.now();
        Ok(Roster {
            appointment: a,
            kind,
            tz,
            members: views,
            series,
            enrolled,
            waiting,
            min_size: i64::from(settings.group_size_min),
            started,
            may_manage,
        })
    }

    /// Adds a client to a group appointment's roster (a circle meeting as a
    /// drop-in). A member who does not meet the group's rules is refused with
    /// every reason, and nothing changes.
    pub async fn add_member(&self, p: &Principal, appointment: &str, client: &str) -> Result<()> {
        self.require(p, Permission::ManageSchedule).await?;
        let client: ClientId = client
            .trim()
            .parse()
            .map_err(|_| Invalid::field("client", "Choose a client."))?;
        let (a, kind) = self.group_appointment(appointment).await?;
        let mode = if kind == AppointmentKind::IntegrationCircle {
            "drop-in"
        } else {
            "member"
        };
        self.add_member_checked(p, &a, kind, client, mode).await
    }

    async fn add_member_checked(
        &self,
        p: &Principal,
        a: &AppointmentRow,
        kind: AppointmentKind,
        client: ClientId,
        mode: &str,
    ) -> Result<()> {
        if a.status != "booked" || a.starts_at <= self.now() {
            return Err(Error::Conflict(
                "Members can be added only to a booked group that has not started.".into(),
            ));
        }
        let exists = self
            .db
            .read(move |c| threshold_store::clients::get(c, client))
            .await?
            .is_some();
        if !exists {
            return Err(Error::NotFound);
        }
        let (journey, missing) = self.member_missing(client, a, kind).await?;
        if !missing.is_empty() {
            self.audit(
                Actor::User(p),
                Entry::denied(AuditAction::RosterChanged)
                    .subject("appointment", a.id.as_str())
                    .client(Some(client))
                    .detail("not eligible"),
            )
            .await?;
            return Err(Error::Conflict(format!(
                "This client cannot join the group: {}.",
                missing.join("; ")
            )));
        }
        let row = a.clone();
        let tz = self.location_zone(a.location_id).await?;
        let mode = mode.to_owned();
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                add_in(c, &p, &row, kind, client, journey, &mode, &tz, now)?;
                Ok(())
            })
            .await
    }

    /// Takes a member off a roster (a circle's enrolled member leaves this
    /// meeting only) and offers the freed place to the next person waiting.
    pub async fn remove_member(
        &self,
        p: &Principal,
        appointment: &str,
        client: &str,
    ) -> Result<()> {
        self.require(p, Permission::ManageSchedule).await?;
        let client: ClientId = client.trim().parse().map_err(|_| Error::NotFound)?;
        let (a, kind) = self.group_appointment(appointment).await?;
        let now = self.now();
        if a.status != "booked" || a.starts_at <= now {
            return Err(Error::Conflict(
                "The roster of a group that has started or ended stays as it was.".into(),
            ));
        }
        let p = p.clone();
        let link = self.link("/portal");
        let clinic = self.settings.clinic_name.clone();
        self.db
            .write(move |c| {
                // Checked again where it counts: the group may have been
                // cancelled since it was read.
                let a = threshold_store::schedule::appointment(c, &a.id)?.ok_or(Error::NotFound)?;
                if a.status != "booked" || a.starts_at <= now {
                    return Err(Error::Conflict(
                        "The roster of a group that has started or ended stays as it was.".into(),
                    ));
                }
                let journey = threshold_store::groups::members(c, &a.id)?
                    .into_iter()
                    .find(|m| m.client_id == client)
                    .and_then(|m| m.journey_id);
                if !threshold_store::groups::remove_member(c, &a.id, client)? {
                    return Err(Error::NotFound);
                }
                crate::schedule::drop_pre_session(c, journey, &a, now)?;
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::RosterChanged)
                        .subject("appointment", a.id.as_str())
                        .client(Some(client))
                        .detail("member removed"),
                    now,
                )?;
                // A freed place in a group medicine session goes to whoever
                // waits for it; a circle's places are offered when someone
                // leaves the whole circle.
                if kind == AppointmentKind::GroupMedicineSession {
                    offer_next_in(c, Actor::User(&p), &a, &clinic, &link, now, None)?;
                }
                Ok(())
            })
            .await?;
        self.mail_wake.notify_one();
        Ok(())
    }

    /// Records whether a member came (coordinators or the group's facilitators,
    /// once the meeting has started).
    pub async fn record_attendance(
        &self,
        p: &Principal,
        appointment: &str,
        client: &str,
        attendance: &str,
    ) -> Result<()> {
        let (a, _) = self.group_appointment(appointment).await?;
        self.may_see_group(p, &a).await?;
        if !matches!(attendance, "attended" | "absent") {
            return Err(Invalid::field("attendance", "Choose attended or absent.").into());
        }
        if a.starts_at > self.now() || !matches!(a.status.as_str(), "booked" | "completed") {
            return Err(Error::Conflict(
                "Attendance is taken once the meeting has started, and not for a cancelled one."
                    .into(),
            ));
        }
        let client: ClientId = client.trim().parse().map_err(|_| Error::NotFound)?;
        let attendance = attendance.to_owned();
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                if !threshold_store::groups::set_attendance(c, &a.id, client, &attendance)? {
                    return Err(Error::NotFound);
                }
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::AttendanceRecorded)
                        .subject("appointment", a.id.as_str())
                        .client(Some(client))
                        .detail(attendance),
                    now,
                )?;
                Ok(())
            })
            .await
    }

    /// Enrols a client in a circle series: they join every meeting still to
    /// come, all or none (a full meeting refuses the enrolment).
    pub async fn enroll(&self, p: &Principal, series: &str, client: &str) -> Result<()> {
        self.require(p, Permission::ManageSchedule).await?;
        let client: ClientId = client
            .trim()
            .parse()
            .map_err(|_| Invalid::field("client", "Choose a client."))?;
        self.enroll_checked(p, series, client).await
    }

    /// Enrols without the permission check: the coordinator's action, or a
    /// client accepting an offered place in the circle.
    async fn enroll_checked(&self, p: &Principal, series: &str, client: ClientId) -> Result<()> {
        let sid = series.to_owned();
        let now = self.now();
        let (row, meetings) = self
            .db
            .read(move |c| {
                Ok::<_, Error>((
                    threshold_store::groups::series_get(c, &sid)?,
                    threshold_store::groups::series_meetings(c, &sid, now)?,
                ))
            })
            .await?;
        let row = row.ok_or(Error::NotFound)?;
        let mut appts = Vec::new();
        for (id, starts, _) in meetings.into_iter().filter(|(_, s, _)| *s > now) {
            let (a, kind) = self.group_appointment(&id).await?;
            let (journey, missing) = self.member_missing(client, &a, kind).await?;
            if !missing.is_empty() {
                self.audit(
                    Actor::User(p),
                    Entry::denied(AuditAction::RosterChanged)
                        .subject("series", row.id.as_str())
                        .client(Some(client))
                        .detail("not eligible"),
                )
                .await?;
                return Err(Error::Conflict(format!(
                    "This client cannot join the circle: {}.",
                    missing.join("; ")
                )));
            }
            appts.push((a, journey, starts));
        }
        if appts.is_empty() {
            return Err(Error::Conflict(
                "This circle has no meetings left to join.".into(),
            ));
        }
        let tz = self.location_zone(row.location_id).await?;
        let p = p.clone();
        self.db
            .write(move |c| {
                threshold_store::groups::enroll(c, &row.id, client, p.user_id, now)?;
                for (a, journey, _) in &appts {
                    // Already a drop-in at one meeting: keep that place.
                    let already = threshold_store::groups::members(c, &a.id)?
                        .iter()
                        .any(|m| m.client_id == client);
                    if !already {
                        add_in(
                            c,
                            &p,
                            a,
                            AppointmentKind::IntegrationCircle,
                            client,
                            *journey,
                            "enrolled",
                            &tz,
                            now,
                        )?;
                    }
                }
                Ok(())
            })
            .await
    }

    /// Ends an enrolment: the client leaves every meeting still to come, and
    /// each freed place is offered to the next person waiting for the circle.
    pub async fn unenroll(&self, p: &Principal, series: &str, client: &str) -> Result<()> {
        self.require(p, Permission::ManageSchedule).await?;
        let client: ClientId = client.trim().parse().map_err(|_| Error::NotFound)?;
        let sid = series.to_owned();
        let now = self.now();
        let p = p.clone();
        let link = self.link("/portal");
        let clinic = self.settings.clinic_name.clone();
        self.db
            .write(move |c| {
                if !threshold_store::groups::unenroll(c, &sid, client, now)? {
                    return Err(Error::NotFound);
                }
                let mut freed = None;
                for (id, starts, _) in threshold_store::groups::series_meetings(c, &sid, now)? {
                    if starts > now && threshold_store::groups::remove_member(c, &id, client)? {
                        freed.get_or_insert(id);
                    }
                }
                // One place in the circle opened: offer it once, to whoever
                // waits for the circle.
                if let Some(id) = freed {
                    let a =
                        threshold_store::schedule::appointment(c, &id)?.ok_or(Error::NotFound)?;
                    offer_next_in(c, Actor::User(&p), &a, &clinic, &link, now, None)?;
                }
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::RosterChanged)
                        .subject("series", sid.as_str())
                        .client(Some(client))
                        .detail("left the circle"),
                    now,
                )?;
                Ok(())
            })
            .await?;
        self.mail_wake.notify_one();
        Ok(())
    }
}

/// Adds a member inside a transaction, mapping the database's refusals.
#[allow(clippy::too_many_arguments)]
fn add_in(
    c: &mut dyn threshold_store::Conn,
    p: &Principal,
    a: &AppointmentRow,
    kind: AppointmentKind,
    client: ClientId,
    journey: Option<JourneyId>,
    mode: &str,
    tz: &jiff::tz::TimeZone,
    now: Timestamp,
) -> Result<()> {
    let capacity = a.capacity.unwrap_or(0);
    match threshold_store::groups::add_member(
        c,
        &a.id,
        client,
        journey,
        mode,
        capacity,
        (a.starts_at, a.ends_at),
        p.user_id,
        now,
    ) {
        Ok(Added::Added) => {}
        Ok(Added::Full) => {
            return Err(Error::Conflict(format!(
                "The group is full ({capacity} places); add the client to its waitlist."
            )));
        }
        Ok(Added::Closed) => {
            return Err(Error::Conflict("This group is no longer booked.".into()));
        }
        Ok(Added::Already) => {
            return Err(Error::Conflict(
                "This client is already on the roster.".into(),
            ));
        }
        Err(e) if e.is_unique() => {
            return Err(Error::Conflict(
                "This client has another appointment at that time, or the last place was just taken."
                    .into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    if kind.is_medicine()
        && let Some(j) = journey
    {
        crate::schedule::attach_pre_session(c, j, a.starts_at, tz, now)?;
    }
    write_in(
        c,
        Actor::User(p),
        Entry::ok(AuditAction::RosterChanged)
            .subject("appointment", a.id.as_str())
            .client(Some(client))
            .detail(format!("added as {mode}")),
        now,
    )?;
    Ok(())
}

/// Offers a freed place to the longest-waiting person: for a group, whoever
/// waits for it (or its series); for an individual appointment, whoever waits
/// for its type at its location. They get a mail with no details but a link to
/// the portal, where they accept or decline.
pub(crate) fn offer_next_in(
    c: &mut dyn threshold_store::Conn,
    actor: Actor<'_>,
    freed: &AppointmentRow,
    clinic: &str,
    link: &str,
    now: Timestamp,
    exclude: Option<ClientId>,
) -> Result<()> {
    // A circle's place is a place in the series: once this meeting has begun,
    // offer it from the next one.
    let next_meeting;
    let freed = match &freed.series_id {
        Some(series) if freed.starts_at <= now => {
            let Some((id, _, _)) = threshold_store::groups::series_meetings(c, series, now)?
                .into_iter()
                .find(|(_, s, _)| *s > now)
            else {
                return Ok(());
            };
            next_meeting =
                threshold_store::schedule::appointment(c, &id)?.ok_or(Error::NotFound)?;
            &next_meeting
        }
        _ => freed,
    };
    if freed.starts_at <= now {
        return Ok(());
    }
    let group = freed
        .kind
        .parse::<AppointmentKind>()
        .is_ok_and(AppointmentKind::is_group);
    let (appointment, series) = match (group, &freed.series_id) {
        (true, Some(s)) => (None, Some(s.as_str())),
        (true, None) => (Some(freed.id.as_str()), None),
        (false, _) => (None, None),
    };
    // A group offers a place only while it is booked and has one.
    if group && freed.status != "booked" {
        return Ok(());
    }
    if group
        && threshold_store::groups::members(c, &freed.id)?.len()
            >= usize::try_from(freed.capacity.unwrap_or(0)).unwrap_or(0)
    {
        return Ok(());
    }
    let Some(next) = threshold_store::groups::wait_next(
        c,
        &freed.kind,
        freed.location_id,
        appointment,
        series,
        exclude,
    )?
    else {
        return Ok(());
    };
    if !threshold_store::groups::wait_set(
        c,
        &next.id,
        &["waiting"],
        "offered",
        Some(&freed.id),
        now,
    )? {
        return Ok(());
    }
    if let Some(client) = threshold_store::clients::get(c, next.client_id)? {
        crate::mail::queue_in(
            c,
            &crate::mail::Outgoing {
                kind: "waitlist-offer",
                to: client.email,
                subject: format!("{clinic}: a place has opened up for you"),
                body: format!(
                    "Hello {},\n\nA place you were waiting for has opened up. Sign in to accept or decline it:\n\n{link}\n\nThe place is held for you for {OFFER_HOURS} hours; after that it is offered to the next person waiting.\n\n{}\n\n— {clinic}\n",
                    client.name,
                    crate::mail::CRISIS
                ),
            },
            now,
        )?;
    }
    write_in(
        c,
        actor,
        Entry::ok(AuditAction::WaitlistChanged)
            .subject("waitlist", next.id.as_str())
            .client(Some(next.client_id))
            .detail("offered"),
        now,
    )?;
    Ok(())
}

/// A waitlist entry as typed: a client waiting for a group (an appointment id
/// or a series id) or for a type of appointment at a location.
#[derive(Debug, Clone, Default)]
pub struct WaitForm {
    pub client: String,
    pub kind: String,
    pub location: String,
    pub appointment: String,
    pub series: String,
}

/// An offer as the client sees it.
#[derive(Debug, Clone)]
pub struct Offer {
    pub wait: WaitRow,
    pub starts_at: Option<Timestamp>,
    pub zone: jiff::tz::TimeZone,
}

impl Services {
    /// Puts a client on a waitlist.
    pub async fn join_waitlist(&self, p: &Principal, f: &WaitForm) -> Result<String> {
        self.require(p, Permission::ManageSchedule).await?;
        let mut e = Invalid::new();
        let client: Option<ClientId> = f.client.trim().parse().ok();
        if client.is_none() {
            e.push("client", "Choose a client.");
        }
        let (kind, location, appointment, series) = match (f.appointment.trim(), f.series.trim()) {
            ("", "") => {
                let kind = e.check(crate::schedule::parse_kind(&f.kind));
                let location = f
                    .location
                    .trim()
                    .parse::<threshold_domain::ids::LocationId>()
                    .ok();
                if location.is_none() {
                    e.push("location", "Choose a location.");
                }
                (kind, location, None, None)
            }
            (a, "") => {
                let (row, kind) = self.group_appointment(a).await?;
                (Some(kind), Some(row.location_id), Some(row.id), None)
            }
            (_, s) => {
                let sid = s.to_owned();
                let row = self
                    .db
                    .read(move |c| threshold_store::groups::series_get(c, &sid))
                    .await?
                    .ok_or(Error::NotFound)?;
                (
                    Some(AppointmentKind::IntegrationCircle),
                    Some(row.location_id),
                    None,
                    Some(row.id),
                )
            }
        };
        e.into_result()?;
        let (Some(client), Some(kind), Some(location)) = (client, kind, location) else {
            return Err(Error::Internal("waitlist form".into()));
        };
        if kind == AppointmentKind::Consultation {
            return Err(
                Invalid::field("kind", "Consultations are booked from the inquiry.").into(),
            );
        }
        self.location_zone(location).await?;
        let exists = self
            .db
            .read(move |c| threshold_store::clients::get(c, client))
            .await?
            .is_some();
        if !exists {
            return Err(Error::NotFound);
        }
        let id = uuid::Uuid::now_v7().to_string();
        let now = self.now();
        let p = p.clone();
        let wid = id.clone();
        self.db
            .write(move |c| {
                let dup = threshold_store::groups::wait_for_client(c, client)?
                    .into_iter()
                    .any(|w| {
                        w.kind == kind.as_str()
                            && w.location_id == location
                            && w.appointment_id == appointment
                            && w.series_id == series
                    });
                if dup {
                    return Err(Error::Conflict(
                        "This client is already waiting for that.".into(),
                    ));
                }
                match threshold_store::groups::wait_insert(
                    c,
                    &wid,
                    client,
                    kind.as_str(),
                    location,
                    appointment.as_deref(),
                    series.as_deref(),
                    p.user_id,
                    now,
                ) {
                    Ok(()) => {}
                    // Someone else added them a moment ago.
                    Err(e) if e.is_unique() => {
                        return Err(Error::Conflict(
                            "This client is already waiting for that.".into(),
                        ));
                    }
                    Err(e) => return Err(e.into()),
                }
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::WaitlistChanged)
                        .subject("waitlist", wid.as_str())
                        .client(Some(client))
                        .detail(format!("waiting for {}", kind.as_str())),
                    now,
                )?;
                Ok(())
            })
            .await?;
        Ok(id)
    }

    /// Everyone waiting or offered a place, oldest first (coordinators).
    pub async fn waitlist(&self, p: &Principal) -> Result<Vec<WaitRow>> {
        self.require(p, Permission::ManageSchedule).await?;
        let list = self.db.read(threshold_store::groups::wait_open).await?;
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::WaitlistViewed)
                .subjects("client", list.iter().map(|w| w.client_id)),
        )
        .await?;
        Ok(list)
    }

    /// Takes someone off the waitlist (coordinators).
    pub async fn remove_wait(&self, p: &Principal, id: &str) -> Result<()> {
        self.require(p, Permission::ManageSchedule).await?;
        let id = id.to_owned();
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                let w = threshold_store::groups::wait_get(c, &id)?.ok_or(Error::NotFound)?;
                if !threshold_store::groups::wait_set(
                    c,
                    &id,
                    &["waiting", "offered", "accepting"],
                    "removed",
                    None,
                    now,
                )? {
                    return Err(Error::NotFound);
                }
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::WaitlistChanged)
                        .subject("waitlist", id.as_str())
                        .client(Some(w.client_id))
                        .detail("removed"),
                    now,
                )?;
                Ok(())
            })
            .await
    }

    /// The signed-in client's open offers.
    pub async fn my_offers(&self, p: &Principal) -> Result<Vec<Offer>> {
        self.require(p, Permission::ClientPortal).await?;
        let uid = p.user_id;
        let rows = self
            .db
            .read(move |c| {
                let client = threshold_store::clients::by_user(c, uid)?.ok_or(Error::NotFound)?;
                let mut out = Vec::new();
                for w in threshold_store::groups::wait_for_client(c, client.id)? {
                    if w.status != "offered" {
                        continue;
                    }
                    let when = match &w.offered_appointment {
                        Some(a) => {
                            threshold_store::schedule::appointment(c, a)?.map(|a| a.starts_at)
                        }
                        None => None,
                    };
                    out.push((w, when));
                }
                Ok::<_, Error>(out)
            })
            .await?;
        let zone = self.display_zone().await;
        Ok(rows
            .into_iter()
            .map(|(wait, starts_at)| Offer {
                wait,
                starts_at,
                zone: zone.clone(),
            })
            .collect())
    }

    /// The client accepts an offered place: joins the group (a circle: enrols
    /// in it), or books the freed time with the same people and room, under
    /// every rule a coordinator's booking meets. The offer is claimed first, so
    /// a second click cannot book twice. If the place went meanwhile, the client
    /// keeps waiting and the place (if any) goes to the next person.
    pub async fn accept_offer(&self, p: &Principal, id: &str) -> Result<()> {
        self.require(p, Permission::ClientPortal).await?;
        let uid = p.user_id;
        let wid = id.to_owned();
        let now = self.now();
        let (client, wait, freed) = self
            .db
            .write(move |c| {
                let client = threshold_store::clients::by_user(c, uid)?.ok_or(Error::NotFound)?;
                let w = threshold_store::groups::wait_get(c, &wid)?
                    .filter(|w| w.client_id == client.id)
                    .ok_or(Error::NotFound)?;
                if !threshold_store::groups::wait_set(
                    c,
                    &wid,
                    &["offered"],
                    "accepting",
                    None,
                    now,
                )? {
                    return Err(Error::NotFound);
                }
                let freed = match &w.offered_appointment {
                    Some(a) => threshold_store::schedule::appointment(c, a)?,
                    None => None,
                };
                Ok::<_, Error>((client, w, freed.ok_or(Error::NotFound)?))
            })
            .await?;
        // Whatever happens from here, the claim is resolved below (and an
        // acceptance that never got there is swept up by `lapse_offers`).
        let kind: Option<AppointmentKind> = freed.kind.parse().ok();
        let group = kind.is_some_and(AppointmentKind::is_group);
        let result = match (&wait.series_id, kind) {
            (_, None) => Err(Error::Internal("appointment kind".into())),
            (Some(series), _) => self.enroll_checked(p, series, client.id).await,
            (None, Some(k)) if k.is_group() => {
                let mode = if k == AppointmentKind::IntegrationCircle {
                    "drop-in"
                } else {
                    "member"
                };
                self.add_member_checked(p, &freed, k, client.id, mode).await
            }
            (None, Some(_)) => {
                let form = BookingForm {
                    kind: freed.kind.clone(),
                    location: freed.location_id.to_string(),
                    client: client.id.to_string(),
                    start: freed.starts_at.to_string(),
                    clinicians: freed.people.iter().map(|(u, _, _)| u.to_string()).collect(),
                    room: freed.room_id.clone().unwrap_or_default(),
                    partner: freed.partner_id.clone().unwrap_or_default(),
                    video: freed.video,
                    ..BookingForm::default()
                };
                match self.prepare_booking(&form, None).await {
                    Ok(prepared) => self.store_booking(p, prepared, None).await.map(|_| ()),
                    Err(e) => Err(e),
                }
            }
        };
        let taken = result.is_ok();
        let p2 = p.clone();
        let wid = wait.id.clone();
        let link = self.link("/portal");
        let clinic = self.settings.clinic_name.clone();
        let now = self.now();
        self.db
            .write(move |c| {
                let to = if taken { "accepted" } else { "waiting" };
                threshold_store::groups::wait_set(c, &wid, &["accepting"], to, None, now)?;
                write_in(
                    c,
                    Actor::User(&p2),
                    Entry::ok(AuditAction::WaitlistChanged)
                        .subject("waitlist", wid.as_str())
                        .client(Some(wait.client_id))
                        .detail(to),
                    now,
                )?;
                // Could not take a group's place (no longer eligible, say): if
                // it is still there, the next person is offered it. A freed time
                // that failed was most likely taken by someone else; it is not
                // offered again.
                if !taken
                    && group
                    && let Some(fresh) = threshold_store::schedule::appointment(c, &freed.id)?
                {
                    offer_next_in(
                        c,
                        Actor::User(&p2),
                        &fresh,
                        &clinic,
                        &link,
                        now,
                        Some(wait.client_id),
                    )?;
                }
                Ok::<_, Error>(())
            })
            .await?;
        self.mail_wake.notify_one();
        match result {
            Ok(()) => Ok(()),
            Err(Error::Conflict(_) | Error::Invalid(_)) => Err(Error::Conflict(
                "That place is no longer available; you are still on the waitlist and we will write when another opens."
                    .into(),
            )),
            Err(e) => Err(e),
        }
    }

    /// The client declines an offer; the place goes to the next person.
    pub async fn decline_offer(&self, p: &Principal, id: &str) -> Result<()> {
        self.require(p, Permission::ClientPortal).await?;
        let uid = p.user_id;
        let wid = id.to_owned();
        let now = self.now();
        let p = p.clone();
        let link = self.link("/portal");
        let clinic = self.settings.clinic_name.clone();
        self.db
            .write(move |c| {
                let client = threshold_store::clients::by_user(c, uid)?.ok_or(Error::NotFound)?;
                let w = threshold_store::groups::wait_get(c, &wid)?
                    .filter(|w| w.client_id == client.id)
                    .ok_or(Error::NotFound)?;
                if !threshold_store::groups::wait_set(c, &wid, &["offered"], "declined", None, now)?
                {
                    return Err(Error::NotFound);
                }
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::WaitlistChanged)
                        .subject("waitlist", wid.as_str())
                        .client(Some(client.id))
                        .detail("declined"),
                    now,
                )?;
                if let Some(a) = &w.offered_appointment
                    && let Some(freed) = threshold_store::schedule::appointment(c, a)?
                    && freed.starts_at > now
                {
                    offer_next_in(c, Actor::User(&p), &freed, &clinic, &link, now, None)?;
                }
                Ok(())
            })
            .await?;
        self.mail_wake.notify_one();
        Ok(())
    }
}

/// A reschedule as typed: the new slot (as the finder offered it) and why.
#[derive(Debug, Clone, Default)]
pub struct RescheduleForm {
    pub start: String,
    pub clinicians: Vec<String>,
    pub room: String,
    pub partner: String,
    pub reason: String,
}

impl Services {
    async fn reschedulable(&self, id: &str) -> Result<AppointmentRow> {
        let id = id.to_owned();
        let a = self
            .db
            .read(move |c| threshold_store::schedule::appointment(c, &id))
            .await?
            .ok_or(Error::NotFound)?;
        let kind: AppointmentKind = a.kind.parse().map_err(|_| Error::Internal("kind".into()))?;
        if kind.is_group() {
            return Err(Error::Conflict(
                "A group is not moved as a whole; cancel it and book a new one.".into(),
            ));
        }
        if a.status != "booked" {
            return Err(Error::Conflict(
                "This appointment is no longer booked.".into(),
            ));
        }
        Ok(a)
    }

    /// Times an appointment could move to: the finder for the same type, client
    /// and location, treating the appointment's own time, spacing and series
    /// place as free.
    pub async fn reschedule_times(
        &self,
        p: &Principal,
        id: &str,
        from: &str,
        days: &str,
    ) -> Result<(AppointmentRow, jiff::tz::TimeZone, Vec<SlotView>)> {
        self.require(p, Permission::ManageSchedule).await?;
        let a = self.reschedulable(id).await?;
        let search = SlotSearch {
            kind: a.kind.clone(),
            location: a.location_id.to_string(),
            client: a.client_id.map(|c| c.to_string()).unwrap_or_default(),
            inquiry: a.inquiry_id.clone().unwrap_or_default(),
            from: from.to_owned(),
            days: days.to_owned(),
            limit: "20".into(),
            video: a.video,
            route: String::new(),
        };
        let found = self
            .find_times_ignoring(p, &search, Some(a.id.clone()))
            .await?;
        let tz = self.location_zone(a.location_id).await?;
        Ok((a, tz, found))
    }

    /// Moves an appointment to a new time in one action: the new booking and the
    /// old one's release happen in one transaction, so the client is never
    /// without the appointment nor booked twice. The reason is stored
    /// encrypted on the old appointment.
    pub async fn reschedule(&self, p: &Principal, id: &str, f: &RescheduleForm) -> Result<String> {
        self.require(p, Permission::ManageSchedule).await?;
        let a = self.reschedulable(id).await?;
        let reason =
            threshold_domain::text::FreeText::parse("reason", "the reason", &f.reason, 2000)?;
        let form = BookingForm {
            kind: a.kind.clone(),
            location: a.location_id.to_string(),
            client: a.client_id.map(|c| c.to_string()).unwrap_or_default(),
            start: f.start.clone(),
            clinicians: f.clinicians.clone(),
            room: f.room.clone(),
            partner: f.partner.clone(),
            video: a.video,
            inquiry: a.inquiry_id.clone().unwrap_or_default(),
            ..BookingForm::default()
        };
        let prepared = self.prepare_booking(&form, Some(&a)).await?;
        let enc = self.cipher.encrypt(
            reason.as_str(),
            crate::crypto::Binding {
                table: "appointments",
                column: "status_reason_enc",
                row_id: &a.id,
            },
        );
        self.store_booking(p, prepared, Some((a.id.clone(), enc)))
            .await
    }
}

impl Services {
    /// A location's appointments over the seven local days from `day`
    /// (coordinators): people, rooms and groups, day by day.
    pub async fn week_at(
        &self,
        p: &Principal,
        location: threshold_domain::ids::LocationId,
        day: jiff::civil::Date,
    ) -> Result<(
        jiff::tz::TimeZone,
        Vec<(jiff::civil::Date, Vec<AppointmentRow>)>,
    )> {
        self.require(p, Permission::ManageSchedule).await?;
        let tz = self.location_zone(location).await?;
        let from = crate::schedule::day_start(day, &tz)?;
        let to = crate::schedule::day_start(day.saturating_add(jiff::Span::new().days(7)), &tz)?;
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
        let mut days: Vec<(jiff::civil::Date, Vec<AppointmentRow>)> = (0..7)
            .map(|i| (day.saturating_add(jiff::Span::new().days(i)), Vec::new()))
            .collect();
        for a in list {
            let d = a.starts_at.to_zoned_datetime(tz.clone()).date();
            if let Some((_, v)) = days.iter_mut().find(|(x, _)| *x == d) {
                v.push(a);
            }
        }
        Ok((tz, days))
    }
}

/// How long an offer waits for an answer before it passes to the next person.
pub const OFFER_HOURS: i64 = 24;

impl Services {
    /// Offers unanswered for [`OFFER_HOURS`] (or whose time has come) lapse:
    /// the person leaves the waitlist and the place, if still there, goes to
    /// the next. Acceptances that never finished are settled. Run by the clock
    /// with the reminders; safe on several copies. One entry failing does not
    /// hold up the others.
    pub async fn lapse_offers(&self) -> Result<usize> {
        let now = self.now();
        let before = now - jiff::SignedDuration::from_hours(OFFER_HOURS);
        let stuck_before = now - jiff::SignedDuration::from_mins(10);
        let (stale, stuck) = self
            .db
            .read(move |c| {
                Ok::<_, Error>((
                    threshold_store::groups::wait_stale_offers(c, before, now)?,
                    threshold_store::groups::wait_stuck(c, stuck_before)?,
                ))
            })
            .await?;
        let link = self.link("/portal");
        let clinic = self.settings.clinic_name.clone();
        let mut lapsed = 0;
        for (id, client, offered) in stale {
            let (link, clinic, wid) = (link.clone(), clinic.clone(), id.clone());
            let r = self
                .db
                .write(move |c| {
                    if !threshold_store::groups::wait_set(
                        c,
                        &id,
                        &["offered"],
                        "lapsed",
                        None,
                        now,
                    )? {
                        return Ok::<_, Error>(false);
                    }
                    write_in(
                        c,
                        Actor::System,
                        Entry::ok(AuditAction::WaitlistChanged)
                            .subject("waitlist", id.as_str())
                            .client(Some(client))
                            .detail("lapsed"),
                        now,
                    )?;
                    if let Some(a) = offered
                        && let Some(freed) = threshold_store::schedule::appointment(c, &a)?
                    {
                        offer_next_in(c, Actor::System, &freed, &clinic, &link, now, Some(client))?;
                    }
                    Ok(true)
                })
                .await;
            match r {
                Ok(true) => lapsed += 1,
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, waitlist = %wid, "lapsing an offer failed"),
            }
        }
        for w in stuck {
            let wid = w.id.clone();
            let r = self
                .db
                .write(move |c| {
                    // Did the place get taken before the request died?
                    let taken = match (&w.series_id, &w.offered_appointment) {
                        (Some(series), _) => threshold_store::groups::enrolled(c, series)?
                            .iter()
                            .any(|(x, _)| *x == w.client_id),
                        (None, Some(a)) => {
                            threshold_store::groups::members(c, a)?
                                .iter()
                                .any(|m| m.client_id == w.client_id)
                                || match threshold_store::schedule::appointment(c, a)? {
                                    Some(freed) => threshold_store::schedule::for_client(
                                        c,
                                        w.client_id,
                                        freed.starts_at,
                                    )?
                                    .iter()
                                    .any(|x| {
                                        x.status == "booked" && x.starts_at == freed.starts_at
                                    }),
                                    None => false,
                                }
                        }
                        (None, None) => false,
                    };
                    let to = if taken { "accepted" } else { "waiting" };
                    if threshold_store::groups::wait_set(c, &w.id, &["accepting"], to, None, now)? {
                        write_in(
                            c,
                            Actor::System,
                            Entry::ok(AuditAction::WaitlistChanged)
                                .subject("waitlist", w.id.as_str())
                                .client(Some(w.client_id))
                                .detail(to),
                            now,
                        )?;
                    }
                    Ok::<_, Error>(())
                })
                .await;
            if let Err(e) = r {
                tracing::error!(error = %e, waitlist = %wid, "settling an acceptance failed");
            }
        }
        if lapsed > 0 {
            self.mail_wake.notify_one();
        }
        Ok(lapsed)
    }
}
