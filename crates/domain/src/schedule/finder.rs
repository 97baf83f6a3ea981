//! The slot finder (issue 4, "Finding time"): the start times, on the location's
//! local grid, when everyone and everything an appointment needs is free.
//!
//! It is pure: the caller computes each resource's free time (availability minus
//! bookings, rooms already filtered by capability, the client's free time already
//! minus the spacing rule) and the finder only searches. Booking a slot it offered
//! then succeeds unless someone took it in between, which the store's constraints
//! catch.
//!
//! The search jumps rather than walks. Each requirement (the client, a room, a
//! partner, k clinicians) answers "the earliest start at or after t that I could
//! accept"; if any answer is later than t, no start before it can work, so t jumps
//! there (rounded up to the grid). Each resource remembers its answer and its
//! position in its free list, and both only move forward, so a query costs about
//! one binary search per resource plus a few steps per jump, however long the
//! window.

use std::borrow::Cow;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::interval::{Interval, is_merged, merge};
use super::kind::{Needs, RoomNeed};
use super::local::{align_up, next_grid_point};

/// The grid slots start on when the query does not say.
pub const DEFAULT_STEP_MINUTES: u16 = 15;

/// A person, room or partner provider the finder may choose, with the times it may
/// be booked. `free` is best given merged ([`merge`]); it is merged here otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    pub free: Vec<Interval>,
}

/// What to look for.
#[derive(Debug, Clone)]
pub struct SlotQuery {
    /// Slots lie wholly inside this window.
    pub window: Interval,
    /// The appointment's length.
    pub minutes: u16,
    /// The local grid slots start on; 0 means [`DEFAULT_STEP_MINUTES`].
    pub step_minutes: u16,
    /// At most this many slots.
    pub limit: usize,
    pub needs: Needs,
    /// The location's zone, for the grid.
    pub tz: TimeZone,
    /// "Now": no slot starts before it.
    pub not_before: Timestamp,
    /// When one client's calendar matters: the times the client may be booked,
    /// already minus their other appointments and minus
    /// [`spacing_block`](super::spacing_block) around their other medicine sessions.
    /// `None` when no client constrains the time.
    pub client_free: Option<Vec<Interval>>,
}

/// The candidates, by kind. Rooms are already filtered by the capability the
/// appointment needs. Candidates sharing an id count once (the first is used).
#[derive(Debug, Clone, Default)]
pub struct Resources {
    pub clinicians: Vec<Candidate>,
    pub rooms: Vec<Candidate>,
    pub partners: Vec<Candidate>,
}

/// One offered start, with the resources it would use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub start: Timestamp,
    pub end: Timestamp,
    /// Exactly `needs.clinicians` distinct ids, in id order.
    pub clinicians: Vec<String>,
    pub room: Option<String>,
    pub partner: Option<String>,
}

/// The earliest slots, at most `q.limit`, earliest first, each on the local grid
/// (see [`align_up`]), inside `q.window`, not before `q.not_before`, with
/// `needs.clinicians` distinct clinicians, a room when `needs.room` is not
/// [`RoomNeed::None`], a partner when `needs.partner`, and the client (when
/// `q.client_free` is given) all free for the whole slot.
///
/// Resources are chosen deterministically: the first free ones in id order. The
/// finder never spreads load; that is a policy the caller can apply by ordering or
/// filtering candidates. A zero `minutes` or `limit` finds nothing.
pub fn find_slots(q: &SlotQuery, r: &Resources) -> Vec<Slot> {
    let mut slots = Vec::new();
    if q.limit == 0 || q.minutes == 0 || q.window.is_empty() {
        return slots;
    }
    let step = if q.step_minutes == 0 {
        DEFAULT_STEP_MINUTES
    } else {
        q.step_minutes
    };
    let length = SignedDuration::from_mins(i64::from(q.minutes));
    let needed = usize::from(q.needs.clinicians);
    let mut clinicians = tracks(if needed > 0 { &r.clinicians[..] } else { &[] });
    let mut rooms = (q.needs.room != RoomNeed::None).then(|| tracks(&r.rooms));
    let mut partners = q.needs.partner.then(|| tracks(&r.partners));
    let mut client = q.client_free.as_deref().map(|free| Track::new("", free));
    let mut soonest = Vec::with_capacity(clinicians.len());

    let mut t = align_up(q.window.start.max(q.not_before), step, &q.tz);
    while slots.len() < q.limit {
        let end = match t.checked_add(length) {
            Ok(end) if end <= q.window.end => end,
            _ => break,
        };
        // The latest of the requirements' earliest acceptable starts; `None` when
        // one of them can accept nothing more.
        let mut latest = Some(t);
        if let Some(client) = client.as_mut() {
            latest = later(latest, client.next_start(t, length));
        }
        if let Some(rooms) = rooms.as_mut() {
            latest = later(latest, earliest(rooms, t, length));
        }
        if let Some(partners) = partners.as_mut() {
            latest = later(latest, earliest(partners, t, length));
        }
        if needed > 0 {
            soonest.clear();
            soonest.extend(
                clinicians
                    .iter_mut()
                    .filter_map(|c| c.next_start(t, length)),
            );
            let kth = if soonest.len() < needed {
                None
            } else {
                let (_, kth, _) = soonest.select_nth_unstable(needed - 1);
                Some(*kth)
            };
            latest = later(latest, kth);
        }
        let Some(latest) = latest else { break };
        if latest > t {
            t = align_up(latest, step, &q.tz);
            continue;
        }
        // Every requirement accepts t; the answers are cached, so these are cheap.
        let pick = |tracks: &mut Vec<Track<'_>>, n: usize| -> Vec<String> {
            tracks
                .iter_mut()
                .filter_map(|c| (c.next_start(t, length) == Some(t)).then(|| c.id.to_owned()))
                .take(n)
                .collect()
        };
        let first =
            |tracks: Option<&mut Vec<Track<'_>>>| tracks.and_then(|tracks| pick(tracks, 1).pop());
        let room = first(rooms.as_mut());
        let partner = first(partners.as_mut());
        slots.push(Slot {
            start: t,
            end,
            clinicians: pick(&mut clinicians, needed),
            room,
            partner,
        });
        t = next_grid_point(t, step, &q.tz);
    }
    slots
}

/// The later of two lower bounds, where `None` (nothing more possible) wins.
fn later(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    Some(a?.max(b?))
}

/// The earliest start at or after `t` that any one of `tracks` accepts.
fn earliest(tracks: &mut [Track<'_>], t: Timestamp, length: SignedDuration) -> Option<Timestamp> {
    tracks
        .iter_mut()
        .filter_map(|c| c.next_start(t, length))
        .min()
}

/// The candidates in id order, one per id, ready to search.
fn tracks(candidates: &[Candidate]) -> Vec<Track<'_>> {
    let mut sorted: Vec<&Candidate> = candidates.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    sorted.dedup_by(|later, earlier| later.id == earlier.id);
    sorted
        .into_iter()
        .map(|c| Track::new(&c.id, &c.free))
        .collect()
}

/// One resource's free list with the search's memory of it.
struct Track<'a> {
    id: &'a str,
    free: Cow<'a, [Interval]>,
    /// Free intervals before this index cannot hold a slot starting at or after
    /// the last time asked.
    cursor: usize,
    /// The last answer: `Some(None)` once nothing more fits, `Some(Some(s))` for
    /// the earliest start at or after some earlier-asked time.
    answer: Option<Option<Timestamp>>,
}

impl<'a> Track<'a> {
    fn new(id: &'a str, free: &'a [Interval]) -> Track<'a> {
        let free = if is_merged(free) {
            Cow::Borrowed(free)
        } else {
            Cow::Owned(merge(free.to_vec()))
        };
        Track {
            id,
            free,
            cursor: 0,
            answer: None,
        }
    }

    /// The earliest `s >= t` with `[s, s + length)` inside one free interval.
    ///
    /// Callers ask with non-decreasing `t`. An earlier answer `s >= t` is still the
    /// answer (nothing in `[t, s)` fitted then, nor does now), so it is reused.
    fn next_start(&mut self, t: Timestamp, length: SignedDuration) -> Option<Timestamp> {
        match self.answer {
            Some(None) => return None,
            Some(Some(s)) if s >= t => return Some(s),
            _ => {}
        }
        let answer = self.search(t, length);
        self.answer = Some(answer);
        answer
    }

    fn search(&mut self, t: Timestamp, length: SignedDuration) -> Option<Timestamp> {
        let need_end = t.checked_add(length).ok()?;
        let rest = self.free.get(self.cursor..).unwrap_or_default();
        self.cursor += rest.partition_point(|iv| iv.end < need_end);
        while let Some(iv) = self.free.get(self.cursor) {
            let s = iv.start.max(t);
            if s.checked_add(length).is_ok_and(|end| end <= iv.end) {
                return Some(s);
            }
            // Too short from here on, and later asks start no earlier.
            self.cursor += 1;
        }
        None
    }
}
