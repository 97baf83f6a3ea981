//! The pure core of scheduling (issue 4): time intervals, appointment kinds and what
//! each needs, weekly availability in local wall-clock time, the medicine-session
//! spacing rule and the slot finder.
//!
//! Everything here is a function of its inputs: the store loads availability,
//! bookings and rooms, the service turns them into [`Candidate`]s and a
//! [`SlotQuery`], and [`find_slots`] answers without I/O. Instants are UTC
//! [`jiff::Timestamp`]s; wall-clock times only appear in [`WeeklyRule`]s and the
//! slot grid, and they are turned into instants in the location's zone by one
//! documented policy ([`resolve_local`]).

mod finder;
mod interval;
mod kind;
mod local;
mod spacing;
mod weekly;

#[cfg(test)]
mod tests;

pub use finder::{Candidate, DEFAULT_STEP_MINUTES, Resources, Slot, SlotQuery, find_slots};
pub use interval::{Interval, intersect, merge, subtract};
pub use kind::{AppointmentKind, KindDefaults, Needs, RoomNeed, UnknownKind, needs_for};
pub use local::{align_up, resolve_local};
pub use spacing::{far_enough_apart, spacing_block};
pub use weekly::{Exception, WeeklyRule, expand, parse_weekday, weekday_name};
