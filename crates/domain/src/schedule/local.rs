//! Local wall-clock time to UTC instants, with the practice's daylight-saving policy
//! in one place.
//!
//! Availability is entered as wall-clock times ("Mondays 10:00–17:00") in the
//! location's zone, so a weekly 10:00 stays at 10:00 local time across changes:
//! 17:00 UTC in Los Angeles summer (PDT, UTC−7), 18:00 UTC in winter (PST, UTC−8).
//! Twice a year a wall-clock time is not one instant, and [`resolve_local`] decides:
//!
//! - **Gap** (spring forward: 02:30 on 2026-03-08 in America/Los_Angeles never
//!   happens, the clocks go from 01:59:59 PST to 03:00 PDT): the time moves to the
//!   *first instant after the gap*, the transition itself (03:00 PDT = 10:00 UTC).
//!   Availability "from 02:30" begins as soon as the clock shows a time at or past
//!   02:30, and availability "until 02:30" ends there too, so a rule lying wholly
//!   inside the gap yields nothing rather than an invented hour. (This differs from
//!   jiff's `compatible`, which would shift 02:30 by the gap's length to 03:30.)
//! - **Fold** (fall back: 01:30 on 2026-11-01 in America/Los_Angeles happens twice,
//!   first in PDT then in PST): the *earlier* occurrence (01:30 PDT = 08:30 UTC).
//!   An availability 01:00–03:00 that night therefore lasts three real hours, which
//!   is what the person sitting there experiences.

use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};

/// The instant a wall-clock time in `tz` stands for, by the policy above: the
/// instant itself when it exists once, the end of the gap when it does not exist,
/// the earlier one when it exists twice. `None` only at the edges of the
/// representable range (years around ±9999).
pub fn resolve_local(dt: DateTime, tz: &TimeZone) -> Option<Timestamp> {
    let ambiguous = tz.to_ambiguous_timestamp(dt);
    match ambiguous.offset() {
        AmbiguousOffset::Unambiguous { .. } | AmbiguousOffset::Fold { .. } => {
            ambiguous.earlier().ok()
        }
        AmbiguousOffset::Gap { .. } => {
            // Read with the offset after the gap, the time lies before the
            // transition; read with the offset before it, after. The transition is
            // the first one following the earlier reading.
            let before_transition = ambiguous.earlier().ok()?;
            match tz.following(before_transition).next() {
                Some(transition) => Some(transition.timestamp()),
                None => ambiguous.later().ok(),
            }
        }
    }
}

/// The earliest instant at or after `t` whose wall-clock time in `tz` is a whole
/// multiple of `step_minutes` after local midnight, so slots start at
/// :00, :15, :30 and :45 local time even in zones whose offset is not whole hours
/// (Asia/Kathmandu, UTC+05:45). A step of 0 is treated as 1 minute.
///
/// Across an offset change the grid follows the offset in force at each instant;
/// instants whose rounding would overflow the representable range give
/// [`Timestamp::MAX`], after which no slot can fit.
pub fn align_up(t: Timestamp, step_minutes: u16, tz: &TimeZone) -> Timestamp {
    let step = i128::from(step_minutes.max(1)) * 60 * 1_000_000_000;
    let round_up = |from: Timestamp, offset: Offset| {
        let local = from.as_nanosecond() + i128::from(offset.seconds()) * 1_000_000_000;
        let since_midnight = local.rem_euclid(DAY);
        let past = since_midnight % step;
        // The next multiple of the step today, or the next midnight if sooner (for
        // a step that does not divide the day).
        let up = if past == 0 {
            0
        } else {
            (step - past).min(DAY - since_midnight)
        };
        Timestamp::from_nanosecond(from.as_nanosecond() + up).unwrap_or(Timestamp::MAX)
    };
    let mut from = t;
    // Each round either succeeds or moves past one offset change; zones change
    // offset at most a few times a year, so two rounds suffice, four are a margin.
    for _ in 0..4 {
        let offset = tz.to_offset(from);
        let candidate = round_up(from, offset);
        if tz.to_offset(candidate) == offset {
            return candidate;
        }
        // The offset changed in (from, candidate]: no grid point of the old offset
        // lies before the change, so continue from the change under the new one.
        match tz.following(from).next() {
            Some(transition) if transition.timestamp() <= candidate => {
                from = transition.timestamp();
            }
            _ => return candidate,
        }
    }
    round_up(from, tz.to_offset(from))
}

const DAY: i128 = 86_400 * 1_000_000_000;

/// The next grid point strictly after `t`.
pub(crate) fn next_grid_point(t: Timestamp, step_minutes: u16, tz: &TimeZone) -> Timestamp {
    match t.checked_add(SignedDuration::from_nanos(1)) {
        Ok(after) => align_up(after, step_minutes, tz),
        Err(_) => Timestamp::MAX,
    }
}
