//! The care journey: one state machine per client episode, from intake to an
//! approved, consented plan and on through the medicine sessions (DESIGN.md "The
//! journey"; issue 3).
//!
//! The gates are the safety of the practice, so they live here and not in the
//! pages: [`transition`] refuses a move the journey does not have, or one whose gate
//! does not hold, naming everything that is missing; [`medicine_session_readiness`]
//! answers Ready, or lists what stands between the client and a medicine session.
//! Both read plain facts ([`GateFacts`], [`ReadinessFacts`]) that the service
//! assembles from the store, so the rules are pure and tested here.
//!
//! ```text
//! intake → assessment → physician review ─┬→ eligible → plan → consents → preparation
//!              ↑                           ├→ deferred ─┐ (revisit)
//!              └───────────────────────────┼────────────┘
//!                                          └→ referred out (ends the episode)
//! preparation → medicine sessions → integration → maintenance → completed
//!                                               └──────────────→ completed
//! any stage that has not ended → withdrawn (with a written reason)
//! ```

mod plan;
mod readiness;
mod stage;
mod transition;

#[cfg(test)]
mod tests;

pub use plan::{
    ConsentKind, PlanFacts, PrescriptionFacts, PublishedConsent, Route, RouteKind, SessionFormat,
    SessionLocation, SignedConsent, SupportPlan, SupportRole, required_consents,
};
pub use readiness::{Missing, Readiness, ReadinessFacts, medicine_session_readiness};
pub use stage::{Decision, Stage, UnknownStage};
pub use transition::{GateFacts, Move, Refusal, Transition, TransitionRecord, transition};
