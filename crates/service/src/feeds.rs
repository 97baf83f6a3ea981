//! Private calendar feeds (iCalendar, [RFC 5545](https://www.rfc-editor.org/rfc/rfc5545)):
//! a staff member or a client subscribes their calendar program to a URL whose
//! unguessable token is the only credential. Only its hash is stored; a new feed
//! revokes the old one, and a revoked or unknown token is "not found".
//!
//! The events carry no clinical detail: the title is "Appointment" with the
//! clinic's name, never the kind of appointment; the place is the location's name
//! and address (or "Video"), never the room; a staff member's feed names no client.

mod ics;

use jiff::{SignedDuration, Timestamp};
use threshold_domain::Permission;
use threshold_domain::audit::AuditAction;
use threshold_domain::ids::{ClientId, UserId};
use threshold_store::Conn;
use threshold_store::locations::LocationRow;
use threshold_store::schedule::AppointmentRow;

use crate::Services;
use crate::audit::{Entry, write_in};
use crate::crypto::{random_token, secret_hash};
use crate::error::{Error, Result};
use crate::principal::{Actor, Principal};

/// How far back and ahead a feed reaches.
const PAST_DAYS: i64 = 30;
const AHEAD_DAYS: i64 = 180;

/// Whose feed it is.
#[derive(Debug, Clone, Copy)]
enum Owner {
    Staff(UserId),
    Client(ClientId),
}

impl Owner {
    fn key(self) -> String {
        match self {
            Owner::Staff(u) => format!("user:{u}"),
            Owner::Client(c) => format!("client:{c}"),
        }
    }

    fn parse(key: &str) -> Option<Self> {
        match key.split_once(':')? {
            ("user", id) => id.parse().ok().map(Owner::Staff),
            ("client", id) => id.parse().ok().map(Owner::Client),
            _ => None,
        }
    }

    /// The audit entry's subject: the person the feed belongs to.
    fn entry(self, action: AuditAction) -> Entry {
        match self {
            Owner::Staff(u) => Entry::ok(action).subject("user", u),
            Owner::Client(c) => Entry::ok(action).subject("client", c).client(Some(c)),
        }
    }
}

impl Services {
    /// The caller's own feed owner: staff by their account, clients by their
    /// client record. Nobody can name another owner.
    async fn feed_owner(&self, p: &Principal) -> Result<Owner> {
        if p.can(Permission::StaffArea) {
            return Ok(Owner::Staff(p.user_id));
        }
        self.require(p, Permission::ClientPortal).await?;
        let uid = p.user_id;
        let client = self
            .db
            .read(move |c| threshold_store::clients::by_user(c, uid))
            .await?
            .ok_or(Error::NotFound)?;
        Ok(Owner::Client(client.id))
    }

    /// Creates the caller's calendar feed, revoking any earlier one, and returns
    /// its full URL. The token in it is not stored and cannot be shown again.
    pub async fn create_my_feed(&self, p: &Principal) -> Result<String> {
        let owner = self.feed_owner(p).await?;
        let token = random_token(32);
        let hash = secret_hash(&token);
        let id = uuid::Uuid::now_v7().to_string();
        let now = self.now();
        let entry = owner
            .entry(AuditAction::CalendarFeedCreated)
            .detail(format!("calendar feed {id}"));
        let actor_p = p.clone();
        self.db
            .write(move |c| {
                let key = owner.key();
                threshold_store::feeds::revoke_for_owner(c, &key, now)?;
                threshold_store::feeds::insert(c, &id, &key, &hash, now)?;
                write_in(c, Actor::User(&actor_p), entry, now)?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(self.link(&format!("/calendar/{token}.ics")))
    }

    /// Revokes the caller's feed; false when there was none.
    pub async fn revoke_my_feed(&self, p: &Principal) -> Result<bool> {
        let owner = self.feed_owner(p).await?;
        let now = self.now();
        let entry = owner
            .entry(AuditAction::CalendarFeedRevoked)
            .detail("calendar feed");
        let actor_p = p.clone();
        self.db
            .write(move |c| {
                let n = threshold_store::feeds::revoke_for_owner(c, &owner.key(), now)?;
                if n > 0 {
                    write_in(c, Actor::User(&actor_p), entry, now)?;
                }
                Ok::<_, Error>(n > 0)
            })
            .await
    }

    /// When the caller's active feed was created, if they have one.
    /// Someone who cannot have a feed (no staff or portal access) has none.
    pub async fn my_feed_status(&self, p: &Principal) -> Result<Option<Timestamp>> {
        if !p.can(Permission::StaffArea) && !p.can(Permission::ClientPortal) {
            return Ok(None);
        }
        let key = match self.feed_owner(p).await {
            Ok(owner) => owner.key(),
            Err(Error::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(self
            .db
            .read(move |c| threshold_store::feeds::active_for_owner(c, &key))
            .await?
            .map(|f| f.created_at))
    }

    /// The calendar behind a feed token: its owner's appointments from 30 days
    /// ago to 180 days ahead. The token is the credential, so there is no
    /// principal; an unknown or revoked token (or one of a deactivated account)
    /// is [`Error::NotFound`]. Each read is audited with the owner as subject,
    /// never with the token.
    pub async fn feed_ics(&self, token: &str) -> Result<String> {
        let hash = secret_hash(token);
        let now = self.now();
        let from = now - SignedDuration::from_hours(24 * PAST_DAYS);
        let to = now + SignedDuration::from_hours(24 * AHEAD_DAYS);
        let (owner, list, places) = self
            .db
            .read(move |c| {
                let feed =
                    threshold_store::feeds::active_by_hash(c, &hash)?.ok_or(Error::NotFound)?;
                let owner = Owner::parse(&feed.owner).ok_or(Error::NotFound)?;
                let list = appointments_of(c, owner, from, to)?;
                let mut places: Vec<LocationRow> = Vec::new();
                for a in &list {
                    if !places.iter().any(|l| l.id == a.location_id) {
                        places.extend(threshold_store::locations::get(c, a.location_id)?);
                    }
                }
                Ok::<_, Error>((owner, list, places))
            })
            .await?;
        self.audit(
            Actor::System,
            owner
                .entry(AuditAction::CalendarViewed)
                .detail("calendar feed"),
        )
        .await?;
        let events: Vec<ics::Event> = list
            .iter()
            .filter_map(|a| self.event(owner, a, &places))
            .collect();
        ics::calendar(
            &format!("{} appointments", self.settings.clinic_name),
            now,
            &events,
        )
        .map_err(|e| Error::Internal(format!("calendar feed: {e}")))
    }

    /// One appointment as the feed shows it, without clinical detail.
    fn event(
        &self,
        owner: Owner,
        a: &AppointmentRow,
        places: &[LocationRow],
    ) -> Option<ics::Event> {
        let place = places.iter().find(|l| l.id == a.location_id)?;
        let location = if a.video {
            "Video".to_owned()
        } else {
            let address: Vec<&str> = place
                .address
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            std::iter::once(place.name.as_str())
                .chain(address)
                .collect::<Vec<_>>()
                .join(", ")
        };
        Some(ics::Event {
            uid: format!("{}@threshold", a.id),
            start: a.starts_at,
            end: a.ends_at,
            zone: place.time_zone.clone(),
            summary: format!("Appointment · {}", self.settings.clinic_name),
            location,
            description: match owner {
                Owner::Staff(_) => Some(format!("Details: {}", self.link("/staff"))),
                Owner::Client(_) => Some(format!("Your portal: {}", self.link("/portal"))),
            },
            cancelled: matches!(a.status.as_str(), "cancelled" | "rescheduled"),
        })
    }
}

/// The owner's appointments in [from, to); none when the account is no longer
/// active (the feed then reads as not found).
fn appointments_of(
    c: &mut dyn Conn,
    owner: Owner,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<AppointmentRow>> {
    let list = match owner {
        Owner::Staff(u) => {
            let user = threshold_store::users::get(c, u)?.ok_or(Error::NotFound)?;
            if !user.active {
                return Err(Error::NotFound);
            }
            let mut list = threshold_store::schedule::for_user(c, u, from, to)?;
            // A partner's people also get their organisation's sessions.
            if user.roles.contains(threshold_domain::Role::MedicalPartner)
                && let Some(org) = threshold_store::careplan::partner_of(c, u)?
            {
                for a in threshold_store::schedule::for_partner(c, &org, from, to)? {
                    if !list.iter().any(|x| x.id == a.id) {
                        list.push(a);
                    }
                }
                list.sort_by_key(|a| a.starts_at);
            }
            list
        }
        Owner::Client(id) => {
            threshold_store::clients::get(c, id)?.ok_or(Error::NotFound)?;
            threshold_store::schedule::for_client(c, id, from)?
                .into_iter()
                .filter(|a| a.starts_at < to)
                .collect()
        }
    };
    // Booked and past ones stay; cancelled and moved ones go out as cancelled so calendar
    // programs remove them; no-shows are left out.
    Ok(list
        .into_iter()
        .filter(|a| {
            matches!(
                a.status.as_str(),
                "booked" | "completed" | "cancelled" | "rescheduled"
            )
        })
        .collect())
}
