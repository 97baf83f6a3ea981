//! Half-open spans of UTC time and the set algebra the scheduler is built from:
//! availability minus bookings, one person's free time intersected with another's.

use jiff::{SignedDuration, Timestamp};

/// The span `[start, end)` between two instants.
///
/// Half-open so that back-to-back appointments (10:00–11:00, then 11:00–12:00)
/// neither overlap nor leave a gap between them. [`Interval::new`] refuses
/// `start >= end`; the fields are public for reading, and every function here
/// treats an interval built by hand with `start >= end` as empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interval {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Interval {
    /// The interval from `start` up to (not including) `end`, when `start < end`.
    pub fn new(start: Timestamp, end: Timestamp) -> Option<Interval> {
        (start < end).then_some(Interval { start, end })
    }

    /// The interval of `length` from `start`, when the length is positive and the
    /// end is representable.
    pub fn starting_at(start: Timestamp, length: SignedDuration) -> Option<Interval> {
        let end = start.checked_add(length).ok()?;
        Interval::new(start, end)
    }

    pub fn is_empty(&self) -> bool {
        self.start >= self.end
    }

    /// Whether the two share at least one instant; touching ends do not overlap.
    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end && !self.is_empty() && !other.is_empty()
    }

    /// Whether `other` lies wholly inside this interval (an appointment inside a
    /// free period).
    pub fn contains(&self, other: &Interval) -> bool {
        !other.is_empty() && self.start <= other.start && other.end <= self.end
    }

    /// Whether the instant `t` lies in `[start, end)`.
    pub fn contains_instant(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }

    /// The exact elapsed time, which across a daylight-saving change differs from
    /// the difference of the wall-clock times.
    pub fn duration(&self) -> SignedDuration {
        if self.is_empty() {
            SignedDuration::ZERO
        } else {
            self.end.duration_since(self.start)
        }
    }

    /// The instants both intervals share, if any.
    pub fn intersection(&self, other: &Interval) -> Option<Interval> {
        Interval::new(self.start.max(other.start), self.end.min(other.end))
    }
}

/// Sorts the intervals and coalesces those that overlap or touch, dropping empty
/// ones. The result is strictly increasing with a gap between neighbours: the form
/// every other function here (and [`find_slots`](super::find_slots)) expects.
pub fn merge(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.retain(|iv| !iv.is_empty());
    intervals.sort_unstable();
    let mut out: Vec<Interval> = Vec::with_capacity(intervals.len());
    for iv in intervals {
        match out.last_mut() {
            Some(last) if iv.start <= last.end => last.end = last.end.max(iv.end),
            _ => out.push(iv),
        }
    }
    out
}

/// Whether `intervals` is already in the form [`merge`] returns.
pub(crate) fn is_merged(intervals: &[Interval]) -> bool {
    intervals.iter().all(|iv| !iv.is_empty())
        && intervals.windows(2).all(|w| match w {
            [a, b] => a.end < b.start,
            _ => true,
        })
}

/// The parts of `free` not covered by `busy` (availability minus bookings, or minus
/// leave), merged.
pub fn subtract(free: &[Interval], busy: &[Interval]) -> Vec<Interval> {
    let free = merge(free.to_vec());
    let busy = merge(busy.to_vec());
    let mut out = Vec::with_capacity(free.len());
    // Busy intervals before `first` end before the current free interval starts,
    // so they cannot touch it or any later one.
    let mut first = 0;
    for f in free {
        while busy.get(first).is_some_and(|b| b.end <= f.start) {
            first += 1;
        }
        let mut cursor = f.start;
        for b in busy.get(first..).unwrap_or_default() {
            if b.start >= f.end {
                break;
            }
            if b.start > cursor {
                out.push(Interval {
                    start: cursor,
                    end: b.start,
                });
            }
            cursor = cursor.max(b.end);
        }
        if cursor < f.end {
            out.push(Interval {
                start: cursor,
                end: f.end,
            });
        }
    }
    out
}

/// The instants in both `a` and `b` (for example when a clinician and a room are
/// both free), merged.
pub fn intersect(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let a = merge(a.to_vec());
    let b = merge(b.to_vec());
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        if let Some(both) = x.intersection(y) {
            out.push(both);
        }
        if x.end < y.end {
            i += 1;
        } else {
            j += 1;
        }
    }
    // Pieces of two merged lists never touch, so `out` is already merged.
    out
}
