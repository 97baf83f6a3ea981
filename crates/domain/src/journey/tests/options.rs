//! The plan's options and what they require.

use crate::journey::*;

#[test]
fn required_consents_follow_every_combination_of_options() {
    use ConsentKind::*;
    let home = SessionLocation::InHome {
        qualification_checklist_complete: true,
    };
    let iv = Route::Iv {
        partner: Some("Riverside Infusions".into()),
    };
    let cases: [(SessionLocation, Route, SessionFormat, &[ConsentKind]); 8] = [
        (
            SessionLocation::InOffice,
            Route::Lozenge,
            SessionFormat::Individual,
            &[KapInformedConsent],
        ),
        (
            SessionLocation::InOffice,
            Route::Lozenge,
            SessionFormat::Group,
            &[KapInformedConsent, GroupConfidentiality],
        ),
        (
            SessionLocation::InOffice,
            iv.clone(),
            SessionFormat::Individual,
            &[KapInformedConsent, IvPartnerRelease],
        ),
        (
            SessionLocation::InOffice,
            iv.clone(),
            SessionFormat::Group,
            &[KapInformedConsent, GroupConfidentiality, IvPartnerRelease],
        ),
        (
            home,
            Route::Lozenge,
            SessionFormat::Individual,
            &[KapInformedConsent, InHome],
        ),
        (
            home,
            Route::Lozenge,
            SessionFormat::Group,
            &[KapInformedConsent, InHome, GroupConfidentiality],
        ),
        (
            home,
            iv.clone(),
            SessionFormat::Individual,
            &[KapInformedConsent, InHome, IvPartnerRelease],
        ),
        (
            home,
            iv.clone(),
            SessionFormat::Group,
            &[
                KapInformedConsent,
                InHome,
                GroupConfidentiality,
                IvPartnerRelease,
            ],
        ),
    ];
    for (location, route, format, expected) in cases {
        let plan = PlanFacts {
            location,
            route: route.clone(),
            format,
            sessions: 6,
        };
        assert_eq!(
            required_consents(&plan),
            expected,
            "{} {} {}",
            location.as_str(),
            route.kind(),
            format.as_str()
        );
    }
}

#[test]
fn the_home_checklist_does_not_change_which_consents_are_required() {
    let plan = |done| PlanFacts {
        location: SessionLocation::InHome {
            qualification_checklist_complete: done,
        },
        route: Route::Lozenge,
        format: SessionFormat::Individual,
        sessions: 6,
    };
    assert_eq!(
        required_consents(&plan(false)),
        required_consents(&plan(true))
    );
}

#[test]
fn a_signature_counts_only_for_the_current_version_and_until_withdrawn() {
    let s = SignedConsent {
        kind: ConsentKind::InHome,
        version_signed: 3,
        current_version: 3,
        withdrawn: false,
    };
    assert!(s.counts());
    assert!(
        !SignedConsent {
            version_signed: 2,
            ..s
        }
        .counts()
    );
    assert!(
        !SignedConsent {
            withdrawn: true,
            ..s
        }
        .counts()
    );
}

#[test]
fn a_prescription_is_valid_on_its_expiry_day_and_expired_the_day_after() {
    let p = PrescriptionFacts {
        signed: true,
        expires_on: jiff::civil::date(2025, 3, 10),
        route: RouteKind::Lozenge,
    };
    assert!(!p.is_expired(jiff::civil::date(2025, 3, 9)));
    assert!(!p.is_expired(jiff::civil::date(2025, 3, 10)));
    assert!(p.is_expired(jiff::civil::date(2025, 3, 11)));
}

#[test]
fn a_blank_partner_is_no_partner() {
    assert_eq!(
        Route::Iv {
            partner: Some("  ".into())
        }
        .partner(),
        None
    );
    assert_eq!(
        Route::Iv {
            partner: Some(" Riverside ".into())
        }
        .partner(),
        Some("Riverside")
    );
}

#[test]
fn option_names_round_trip() {
    for k in ConsentKind::ALL {
        assert_eq!(k.as_str().parse::<ConsentKind>(), Ok(k));
    }
    for r in RouteKind::ALL {
        assert_eq!(r.as_str().parse::<RouteKind>(), Ok(r));
    }
    for f in SessionFormat::ALL {
        assert_eq!(f.as_str().parse::<SessionFormat>(), Ok(f));
    }
}
