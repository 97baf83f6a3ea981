//! The minimum time between one client's medicine sessions (issue 4: "sessions of
//! one client at least a configurable minimum apart, default 48 hours").
//!
//! The gap is measured **start to start**, that is between doses, because that is
//! what "48 hours apart" means on a dosing schedule: a Monday, Wednesday, Friday
//! series at 10:00 is exactly 48 hours apart. Measured end to start, the same series
//! would be refused (Monday's session ends at 13:00, 45 hours before Wednesday's).

use jiff::{SignedDuration, Timestamp};

use super::interval::{Interval, merge};

/// Busy time to subtract from the client's free time so that every slot the finder
/// then offers — a session of `minutes` starting at `x`, which must lie wholly in
/// free time — starts at least `min_gap_hours` from the start of every one of
/// `other_sessions` (the client's other booked medicine sessions).
///
/// For another session starting at `s` with gap `g`, the allowed starts are
/// `x <= s - g` or `x >= s + g`. A session `[x, x + minutes)` avoids the block
/// `[s - g + minutes, s + g)` exactly when one of those holds, so that is the
/// block returned. When `minutes >= 2g` that block is empty and the other session
/// itself (also returned as busy) does the work, which is exact as long as the gap
/// is no longer than the other session; the defaults (180 minutes, 48 hours) are
/// far from either edge. The result is merged.
pub fn spacing_block(
    other_sessions: &[Interval],
    min_gap_hours: u16,
    minutes: u16,
) -> Vec<Interval> {
    let gap = SignedDuration::from_hours(i64::from(min_gap_hours));
    let length = SignedDuration::from_mins(i64::from(minutes));
    let mut busy = Vec::with_capacity(other_sessions.len() * 2);
    for session in other_sessions.iter().filter(|s| !s.is_empty()) {
        let from = session
            .start
            .checked_sub(gap)
            .and_then(|t| t.checked_add(length))
            .unwrap_or(Timestamp::MIN);
        let to = session.start.checked_add(gap).unwrap_or(Timestamp::MAX);
        busy.extend(Interval::new(from, to));
        busy.push(*session);
    }
    merge(busy)
}

/// The booking-time check of the same rule: whether a medicine session starting at
/// `start` is at least `min_gap_hours` from the start of each of `other_sessions`.
/// The booking use case calls this so a slot the finder never offered is still
/// refused.
pub fn far_enough_apart(start: Timestamp, other_sessions: &[Interval], min_gap_hours: u16) -> bool {
    let gap = SignedDuration::from_hours(i64::from(min_gap_hours));
    other_sessions
        .iter()
        .filter(|s| !s.is_empty())
        .all(|s| start.duration_since(s.start).abs() >= gap)
}
