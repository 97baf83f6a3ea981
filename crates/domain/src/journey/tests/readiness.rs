//! Medicine-session readiness: Ready, or everything that is missing.

use super::*;
use crate::journey::*;

// ---- readiness ---------------------------------------------------------------

#[test]
fn a_complete_in_office_lozenge_individual_plan_is_ready() {
    assert_eq!(
        medicine_session_readiness(&ready_in_office(), today()),
        Readiness::Ready
    );
}

#[test]
fn a_complete_in_home_iv_group_plan_is_ready() {
    let facts = ReadinessFacts {
        plan: Some(in_home_iv_group(true, Some("Riverside Infusions"))),
        prescription: Some(PrescriptionFacts {
            route: RouteKind::Iv,
            ..ready_in_office().prescription.unwrap()
        }),
        consents: ConsentKind::ALL.into_iter().map(|k| signed(k, 3)).collect(),
        support_plan: Some(support(SupportRole::SessionMonitor)),
        ..ready_in_office()
    };
    assert!(medicine_session_readiness(&facts, today()).is_ready());
}

#[test]
fn an_in_home_iv_group_plan_lists_every_missing_element() {
    let facts = ReadinessFacts {
        plan: Some(in_home_iv_group(false, Some(" "))),
        prescription: None,
        support_plan: None,
        ..ready_in_office()
    };
    let r = medicine_session_readiness(&facts, today());
    assert_eq!(
        r.missing(),
        [
            Missing::HomeQualificationIncomplete,
            Missing::NoIvPartner,
            Missing::NoPrescription,
            Missing::ConsentUnsigned {
                kind: ConsentKind::InHome,
                current_version: Some(3)
            },
            Missing::ConsentUnsigned {
                kind: ConsentKind::GroupConfidentiality,
                current_version: Some(3)
            },
            Missing::ConsentUnsigned {
                kind: ConsentKind::IvPartnerRelease,
                current_version: Some(3)
            },
            Missing::NoSupportPlan {
                needed: Some(SupportRole::SessionMonitor)
            },
        ]
    );
    assert_eq!(
        r.missing()[3].label(),
        "The in-home session consent (version 3) is not signed"
    );
    assert_eq!(
        r.missing()[6].label(),
        "No adult session monitor is named for in-home sessions"
    );
}

#[test]
fn with_nothing_recorded_readiness_names_every_piece() {
    let r = medicine_session_readiness(&ReadinessFacts::default(), today());
    let codes: Vec<_> = r.missing().iter().map(Missing::code).collect();
    assert_eq!(
        codes,
        [
            "no-decision",
            "no-plan",
            "no-prescription",
            "consent-unsigned",
            "no-support-plan"
        ]
    );
    assert_eq!(
        r.missing()[3].label(),
        "The KAP informed consent is not signed (no version of it is published yet)"
    );
}

#[test]
fn a_deferred_client_is_not_ready() {
    let facts = ReadinessFacts {
        decision: Some(Decision::Deferred),
        ..ready_in_office()
    };
    assert_eq!(
        medicine_session_readiness(&facts, today()).missing(),
        [Missing::DecisionIsNot {
            wanted: Decision::Eligible,
            recorded: Decision::Deferred
        }]
    );
}

#[test]
fn a_withdrawn_consent_makes_the_client_not_ready() {
    let mut facts = ready_in_office();
    facts.consents[0].withdrawn = true;
    let r = medicine_session_readiness(&facts, today());
    assert_eq!(
        r.missing(),
        [Missing::ConsentWithdrawn {
            kind: ConsentKind::KapInformedConsent,
            version: 3
        }]
    );
    assert_eq!(
        r.missing()[0].label(),
        "The KAP informed consent (version 3) was withdrawn"
    );
}

#[test]
fn signing_again_after_a_withdrawal_counts() {
    let mut facts = ready_in_office();
    facts.consents[0].withdrawn = true;
    facts
        .consents
        .push(signed(ConsentKind::KapInformedConsent, 3));
    assert!(medicine_session_readiness(&facts, today()).is_ready());
}

#[test]
fn a_prescription_that_expired_yesterday_makes_the_client_not_ready() {
    let mut facts = ready_in_office();
    facts.prescription = Some(PrescriptionFacts {
        expires_on: date(2025, 3, 9),
        ..ready_in_office().prescription.unwrap()
    });
    let r = medicine_session_readiness(&facts, today());
    assert_eq!(
        r.missing(),
        [Missing::PrescriptionExpired {
            expired_on: date(2025, 3, 9)
        }]
    );
    assert_eq!(
        r.missing()[0].label(),
        "The prescription expired on 2025-03-09"
    );
}

#[test]
fn a_prescription_is_still_valid_on_its_expiry_day() {
    let mut facts = ready_in_office();
    facts.prescription = Some(PrescriptionFacts {
        expires_on: today(),
        ..ready_in_office().prescription.unwrap()
    });
    assert!(medicine_session_readiness(&facts, today()).is_ready());
}

#[test]
fn an_unsigned_prescription_for_the_wrong_route_lists_both_problems() {
    let mut facts = ready_in_office();
    facts.prescription = Some(PrescriptionFacts {
        signed: false,
        expires_on: date(2025, 6, 30),
        route: RouteKind::Iv,
    });
    let r = medicine_session_readiness(&facts, today());
    assert_eq!(
        r.missing(),
        [
            Missing::PrescriptionUnsigned,
            Missing::PrescriptionRouteMismatch {
                prescribed: RouteKind::Iv,
                planned: RouteKind::Lozenge
            }
        ]
    );
    assert_eq!(
        r.missing()[1].label(),
        "The prescription is for IV but the plan uses lozenge"
    );
}

#[test]
fn a_consent_signed_for_version_2_when_version_3_is_current_is_missing() {
    let mut facts = ready_in_office();
    facts.consents = vec![SignedConsent {
        kind: ConsentKind::KapInformedConsent,
        version_signed: 2,
        current_version: 3,
        withdrawn: false,
    }];
    let r = medicine_session_readiness(&facts, today());
    assert_eq!(
        r.missing(),
        [Missing::ConsentOutdated {
            kind: ConsentKind::KapInformedConsent,
            signed_version: 2,
            current_version: 3
        }]
    );
}

#[test]
fn a_newer_published_version_outranks_a_stale_signature_record() {
    // The signature row still says version 3 is current, but version 4 is published.
    let mut facts = ready_in_office();
    facts.published_consents = published(4);
    let r = medicine_session_readiness(&facts, today());
    assert_eq!(r.missing()[0].code(), "consent-outdated");
}

#[test]
fn the_support_plan_must_fit_the_location() {
    let facts = ReadinessFacts {
        plan: Some(in_home_iv_group(true, Some("Riverside Infusions"))),
        prescription: Some(PrescriptionFacts {
            route: RouteKind::Iv,
            ..ready_in_office().prescription.unwrap()
        }),
        consents: ConsentKind::ALL.into_iter().map(|k| signed(k, 3)).collect(),
        support_plan: Some(support(SupportRole::RideHome)),
        ..ready_in_office()
    };
    assert_eq!(
        medicine_session_readiness(&facts, today()).missing(),
        [Missing::SupportPlanWrongRole {
            needed: SupportRole::SessionMonitor,
            named: SupportRole::RideHome
        }]
    );
}

#[test]
fn a_plan_with_no_sessions_is_not_ready() {
    let mut facts = ready_in_office();
    if let Some(plan) = facts.plan.as_mut() {
        plan.sessions = 0;
    }
    assert_eq!(
        medicine_session_readiness(&facts, today()).missing(),
        [Missing::NoSessionsPlanned]
    );
}

#[test]
fn missing_codes_are_unique() {
    let all = [
        Missing::IntakeNotSubmitted,
        Missing::BaselineQuestionnaire(String::new()),
        Missing::AssessmentNotRecorded,
        Missing::NoDecision,
        Missing::DecisionIsNot {
            wanted: Decision::Eligible,
            recorded: Decision::Deferred,
        },
        Missing::NoPlan,
        Missing::NoSessionsPlanned,
        Missing::HomeQualificationIncomplete,
        Missing::NoIvPartner,
        Missing::NoPrescription,
        Missing::PrescriptionUnsigned,
        Missing::PrescriptionExpired {
            expired_on: today(),
        },
        Missing::PrescriptionRouteMismatch {
            prescribed: RouteKind::Iv,
            planned: RouteKind::Lozenge,
        },
        Missing::ConsentUnsigned {
            kind: ConsentKind::InHome,
            current_version: None,
        },
        Missing::ConsentOutdated {
            kind: ConsentKind::InHome,
            signed_version: 1,
            current_version: 2,
        },
        Missing::ConsentWithdrawn {
            kind: ConsentKind::InHome,
            version: 1,
        },
        Missing::NoSupportPlan { needed: None },
        Missing::SupportPlanWrongRole {
            needed: SupportRole::RideHome,
            named: SupportRole::SessionMonitor,
        },
    ];
    let mut codes: Vec<_> = all.iter().map(Missing::code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), all.len());
}
