//! Threshold's domain: the types and rules every other crate builds on.
//!
//! Nothing here performs I/O or knows about HTTP or SQL. Values are parsed once at
//! the edge into the newtypes below ("parse, don't validate"), so inner code never
//! re-checks them.
#![forbid(unsafe_code)]

pub mod audit;
pub mod careplan;
pub mod clinical;
pub mod clock;
pub mod ids;
pub mod inquiry;
pub mod intake;
pub mod journey;
pub mod questionnaire;
pub mod role;
pub mod rules;
pub mod schedule;
pub mod settings;
pub mod text;
pub mod validation;

pub use clock::{Clock, ManualClock, SystemClock};
pub use jiff::Timestamp;
pub use role::{Permission, Role, RoleSet};
pub use validation::{FieldError, Invalid};
