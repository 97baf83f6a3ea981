//! The journey's moves, gates, timeline, plan options and readiness, tested on
//! shared fixtures.

mod moves;
mod options;
mod readiness;

use jiff::Timestamp;
use jiff::civil::{Date, date};

use super::*;
use crate::ids::UserId;
use crate::text::{PersonName, Phone};

fn today() -> Date {
    date(2025, 3, 10)
}

fn support(role: SupportRole) -> SupportPlan {
    SupportPlan {
        role,
        name: PersonName::parse("name", "Grace Hopper").unwrap(),
        phone: Phone::parse("phone", "+1 555 010 0199").unwrap(),
    }
}

fn signed(kind: ConsentKind, version: u32) -> SignedConsent {
    SignedConsent {
        kind,
        version_signed: version,
        current_version: version,
        withdrawn: false,
    }
}

fn published(version: u32) -> Vec<PublishedConsent> {
    ConsentKind::ALL
        .into_iter()
        .map(|kind| PublishedConsent { kind, version })
        .collect()
}

/// An eligible client with a complete in-office, lozenge, individual plan.
fn ready_in_office() -> ReadinessFacts {
    ReadinessFacts {
        decision: Some(Decision::Eligible),
        plan: Some(PlanFacts {
            location: SessionLocation::InOffice,
            route: Route::Lozenge,
            format: SessionFormat::Individual,
            sessions: 6,
        }),
        prescription: Some(PrescriptionFacts {
            signed: true,
            expires_on: date(2025, 6, 30),
            route: RouteKind::Lozenge,
        }),
        consents: vec![signed(ConsentKind::KapInformedConsent, 3)],
        published_consents: published(3),
        support_plan: Some(support(SupportRole::RideHome)),
    }
}

fn in_home_iv_group(checklist: bool, partner: Option<&str>) -> PlanFacts {
    PlanFacts {
        location: SessionLocation::InHome {
            qualification_checklist_complete: checklist,
        },
        route: Route::Iv {
            partner: partner.map(str::to_owned),
        },
        format: SessionFormat::Group,
        sessions: 6,
    }
}

/// Every gate holds.
fn complete() -> GateFacts {
    GateFacts {
        today: today(),
        intake_submitted: true,
        baseline_completed: vec!["phq-9".into(), "gad-7".into(), "pcl-5".into()],
        required_baseline: vec!["phq-9".into(), "gad-7".into(), "pcl-5".into()],
        assessment_recorded: true,
        readiness: ready_in_office(),
    }
}

/// Every legal move of the journey, written out by hand from DESIGN.md.
fn legal_moves() -> Vec<(Stage, Stage)> {
    use Stage::*;
    let mut moves = vec![
        (Intake, Assessment),
        (Assessment, PhysicianReview),
        (PhysicianReview, Eligible),
        (PhysicianReview, Deferred),
        (PhysicianReview, ReferredOut),
        (Deferred, Assessment),
        (Eligible, Plan),
        (Plan, Consents),
        (Consents, Preparation),
        (Preparation, MedicineSessions),
        (MedicineSessions, Integration),
        (Integration, Maintenance),
        (Integration, Completed),
        (Maintenance, Completed),
    ];
    for from in [
        Intake,
        Assessment,
        PhysicianReview,
        Eligible,
        Deferred,
        Plan,
        Consents,
        Preparation,
        MedicineSessions,
        Integration,
        Maintenance,
    ] {
        moves.push((from, Withdrawn));
    }
    moves
}

/// Complete facts, with the decision that a decision move needs.
fn complete_for(to: Stage) -> GateFacts {
    let mut facts = complete();
    match to {
        Stage::Deferred => facts.readiness.decision = Some(Decision::Deferred),
        Stage::ReferredOut => facts.readiness.decision = Some(Decision::ReferredOut),
        _ => {}
    }
    facts
}

fn at() -> Timestamp {
    "2025-03-10T15:00:00Z".parse().unwrap()
}
