//! Appointment kinds: names, defaults and what each needs.

use super::*;
use crate::journey::RouteKind;

#[test]
fn kind_names_round_trip_and_unknown_names_are_refused() {
    for kind in AppointmentKind::ALL {
        assert_eq!(kind.as_str().parse::<AppointmentKind>(), Ok(kind));
        assert_eq!(kind.to_string(), kind.as_str());
        let json = serde_json::to_string(&kind).unwrap();
        assert_eq!(json, format!("\"{}\"", kind.as_str()));
    }
    assert_eq!(
        "medicine-session".parse(),
        Ok(AppointmentKind::MedicineSession)
    );
    assert_eq!(
        "medicine_session".parse::<AppointmentKind>(),
        Err(UnknownKind("medicine_session".into()))
    );
    let mut labels: Vec<_> = AppointmentKind::ALL.iter().map(|k| k.label()).collect();
    labels.sort_unstable();
    labels.dedup();
    assert_eq!(labels.len(), AppointmentKind::ALL.len());
}

#[test]
fn default_lengths_and_video_follow_the_issue() {
    let d = |k: AppointmentKind| (k.defaults().minutes, k.defaults().video_allowed);
    assert_eq!(d(AppointmentKind::Consultation), (30, true));
    assert_eq!(d(AppointmentKind::IntakeAssessment), (90, false));
    assert_eq!(d(AppointmentKind::Preparation), (60, true));
    assert_eq!(d(AppointmentKind::MedicineSession), (180, false));
    assert_eq!(d(AppointmentKind::GroupMedicineSession), (210, false));
    assert_eq!(d(AppointmentKind::Integration), (60, true));
    assert_eq!(d(AppointmentKind::IntegrationCircle), (90, false));
    assert_eq!(d(AppointmentKind::FollowUp), (30, true));
}

#[test]
fn an_iv_medicine_session_needs_a_clinician_an_iv_room_and_a_partner() {
    let needs = AppointmentKind::MedicineSession.needs(Some(RouteKind::Iv));
    assert_eq!(
        needs,
        Needs {
            clinicians: 1,
            room: RoomNeed::IvCapable,
            partner: true,
            client: true
        }
    );
    let lozenge = AppointmentKind::MedicineSession.needs(Some(RouteKind::Lozenge));
    assert_eq!((lozenge.room, lozenge.partner), (RoomNeed::Any, false));
}

#[test]
fn an_in_home_medicine_session_needs_no_room_and_cannot_become_video() {
    let home = needs_for(
        AppointmentKind::MedicineSession,
        Some(RouteKind::Lozenge),
        true,
        false,
    );
    assert_eq!(
        (home.clinicians, home.room, home.partner),
        (1, RoomNeed::None, false)
    );
    let video = needs_for(
        AppointmentKind::MedicineSession,
        Some(RouteKind::Lozenge),
        false,
        true,
    );
    assert_eq!(video.room, RoomNeed::Any);
}

#[test]
fn groups_need_two_facilitators_and_a_group_room_but_no_single_client() {
    for kind in [
        AppointmentKind::GroupMedicineSession,
        AppointmentKind::IntegrationCircle,
    ] {
        let needs = kind.needs(None);
        assert_eq!(
            (needs.clinicians, needs.room, needs.client),
            (2, RoomNeed::Group, false)
        );
        assert!(kind.is_group());
        assert_eq!(needs_for(kind, None, true, true), needs);
    }
    let iv = AppointmentKind::GroupMedicineSession.needs(Some(RouteKind::Iv));
    assert!(iv.partner);
    assert_eq!(
        iv.room,
        RoomNeed::IvGroup,
        "an IV group needs an IV-capable group room"
    );
}

#[test]
fn talking_appointments_need_a_room_unless_held_by_video() {
    for kind in [
        AppointmentKind::Consultation,
        AppointmentKind::Preparation,
        AppointmentKind::Integration,
        AppointmentKind::FollowUp,
    ] {
        assert_eq!(kind.needs(None).room, RoomNeed::Any);
        let video = needs_for(kind, None, false, true);
        assert_eq!(
            (video.clinicians, video.room, video.client),
            (1, RoomNeed::None, true)
        );
    }
    let intake = needs_for(AppointmentKind::IntakeAssessment, None, false, true);
    assert_eq!(
        intake.room,
        RoomNeed::Any,
        "intake may not be held by video"
    );
    assert!(AppointmentKind::MedicineSession.is_medicine());
    assert!(!AppointmentKind::Integration.is_medicine());
}
