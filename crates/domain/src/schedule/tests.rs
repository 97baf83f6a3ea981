//! Tests of the scheduling core: interval algebra, kinds and needs, weekly
//! availability with exceptions, daylight-saving weeks, the grid, the spacing rule
//! and the slot finder (examples and properties).

mod dst;
mod finder;
mod intervals;
mod kinds;
mod properties;
mod weekly;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::*;

/// An instant from RFC 3339 text, for readable expectations.
fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// The interval between two RFC 3339 instants.
fn iv(start: &str, end: &str) -> Interval {
    Interval::new(at(start), at(end)).unwrap()
}

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap()
}

fn la() -> TimeZone {
    zone("America/Los_Angeles")
}

fn berlin() -> TimeZone {
    zone("Europe/Berlin")
}
