//! The slot finder on hand-made calendars, and the spacing rule.

use crate::journey::RouteKind;

use super::*;

fn candidate(id: &str, free: &[Interval]) -> Candidate {
    Candidate {
        id: id.into(),
        free: free.to_vec(),
    }
}

/// Monday 2026-01-05 in Los Angeles (UTC-8): 08:00 to 18:00 local.
fn monday() -> Interval {
    iv("2026-01-05T16:00:00Z", "2026-01-06T02:00:00Z")
}

fn query(needs: Needs, minutes: u16) -> SlotQuery {
    SlotQuery {
        window: monday(),
        minutes,
        step_minutes: DEFAULT_STEP_MINUTES,
        limit: 10,
        needs,
        tz: la(),
        not_before: at("2026-01-01T00:00:00Z"),
        client_free: None,
    }
}

fn iv_session() -> Needs {
    AppointmentKind::MedicineSession.needs(Some(RouteKind::Iv))
}

#[test]
fn an_iv_session_is_offered_only_when_clinician_iv_room_and_partner_are_all_free() {
    let resources = Resources {
        clinicians: vec![candidate(
            "dr-b",
            &[iv("2026-01-05T17:00:00Z", "2026-01-05T23:00:00Z")],
        )],
        rooms: vec![candidate(
            "iv-1",
            &[iv("2026-01-05T18:00:00Z", "2026-01-06T02:00:00Z")],
        )],
        partners: vec![candidate(
            "infuse",
            &[iv("2026-01-05T16:00:00Z", "2026-01-05T21:30:00Z")],
        )],
    };
    let mut q = query(iv_session(), 180);
    q.limit = 100;
    let slots = find_slots(&q, &resources);
    // Common time 18:00Z-21:30Z holds a 3-hour session starting 18:00 to 18:30.
    let got: Vec<_> = slots.iter().map(|s| s.start).collect();
    assert_eq!(
        got,
        vec![
            at("2026-01-05T18:00:00Z"),
            at("2026-01-05T18:15:00Z"),
            at("2026-01-05T18:30:00Z")
        ]
    );
    let first = &slots[0];
    assert_eq!(first.end, at("2026-01-05T21:00:00Z"));
    assert_eq!(first.clinicians, vec!["dr-b".to_owned()]);
    assert_eq!(first.room.as_deref(), Some("iv-1"));
    assert_eq!(first.partner.as_deref(), Some("infuse"));

    let without_partner = Resources {
        partners: vec![],
        ..resources.clone()
    };
    assert!(find_slots(&q, &without_partner).is_empty());
}

#[test]
fn resources_are_chosen_in_id_order_and_the_limit_is_kept() {
    let all_day = [monday()];
    let resources = Resources {
        clinicians: vec![
            candidate("c", &all_day),
            candidate("a", &all_day),
            candidate("b", &all_day),
        ],
        rooms: vec![candidate("room-2", &all_day), candidate("room-1", &all_day)],
        partners: vec![],
    };
    let mut q = query(AppointmentKind::IntegrationCircle.needs(None), 90);
    q.limit = 3;
    let slots = find_slots(&q, &resources);
    assert_eq!(slots.len(), 3);
    for (slot, start) in slots.iter().zip([
        "2026-01-05T16:00:00Z",
        "2026-01-05T16:15:00Z",
        "2026-01-05T16:30:00Z",
    ]) {
        assert_eq!(slot.start, at(start));
        assert_eq!(slot.clinicians, vec!["a".to_owned(), "b".to_owned()]);
        assert_eq!(slot.room.as_deref(), Some("room-1"));
        assert_eq!(slot.partner, None);
    }
}

#[test]
fn a_group_needs_two_distinct_facilitators_at_once() {
    let resources = Resources {
        clinicians: vec![
            candidate("a", &[iv("2026-01-05T16:00:00Z", "2026-01-05T19:00:00Z")]),
            // The same person listed twice counts once.
            candidate("a", &[monday()]),
            candidate("b", &[iv("2026-01-05T18:00:00Z", "2026-01-05T22:00:00Z")]),
        ],
        rooms: vec![candidate("group", &[monday()])],
        partners: vec![],
    };
    let mut q = query(AppointmentKind::IntegrationCircle.needs(None), 60);
    q.limit = 100;
    let slots = find_slots(&q, &resources);
    let got: Vec<_> = slots.iter().map(|s| s.start).collect();
    assert_eq!(got, vec![at("2026-01-05T18:00:00Z")]);
}

#[test]
fn no_slot_is_offered_in_the_past_and_the_first_is_on_the_grid_after_now() {
    let resources = Resources {
        clinicians: vec![candidate("a", &[monday()])],
        rooms: vec![candidate("r", &[monday()])],
        partners: vec![],
    };
    let mut q = query(AppointmentKind::FollowUp.needs(None), 30);
    q.not_before = at("2026-01-05T20:07:31Z");
    let slots = find_slots(&q, &resources);
    assert_eq!(slots[0].start, at("2026-01-05T20:15:00Z"));
    q.not_before = at("2026-01-06T01:31:00Z");
    assert!(
        find_slots(&q, &resources).is_empty(),
        "a 30-minute slot would overrun the window"
    );
}

#[test]
fn the_client_must_be_free_too() {
    let resources = Resources {
        clinicians: vec![candidate("a", &[monday()])],
        rooms: vec![],
        partners: vec![],
    };
    let mut q = query(
        needs_for(AppointmentKind::Integration, None, false, true),
        60,
    );
    q.client_free = Some(vec![iv("2026-01-05T23:10:00Z", "2026-01-06T00:30:00Z")]);
    let got: Vec<_> = find_slots(&q, &resources).iter().map(|s| s.start).collect();
    assert_eq!(
        got,
        vec![at("2026-01-05T23:15:00Z"), at("2026-01-05T23:30:00Z")]
    );
    q.client_free = Some(vec![]);
    assert!(find_slots(&q, &resources).is_empty());
}

#[test]
fn a_needed_room_without_candidates_or_a_zero_length_finds_nothing() {
    let resources = Resources {
        clinicians: vec![candidate("a", &[monday()])],
        rooms: vec![],
        partners: vec![],
    };
    assert!(
        find_slots(
            &query(AppointmentKind::FollowUp.needs(None), 30),
            &resources
        )
        .is_empty()
    );
    let video = needs_for(AppointmentKind::FollowUp, None, false, true);
    assert!(find_slots(&query(video, 0), &resources).is_empty());
    assert_eq!(find_slots(&query(video, 30), &resources).len(), 10);
}

#[test]
fn unmerged_free_lists_are_read_as_their_union() {
    let resources = Resources {
        clinicians: vec![candidate(
            "a",
            &[
                iv("2026-01-05T19:00:00Z", "2026-01-05T20:00:00Z"),
                iv("2026-01-05T18:00:00Z", "2026-01-05T19:00:00Z"),
            ],
        )],
        rooms: vec![],
        partners: vec![],
    };
    let q = query(
        needs_for(AppointmentKind::Preparation, None, false, true),
        120,
    );
    let got: Vec<_> = find_slots(&q, &resources).iter().map(|s| s.start).collect();
    assert_eq!(got, vec![at("2026-01-05T18:00:00Z")]);
}

#[test]
fn sessions_48_hours_apart_start_to_start_may_be_booked_on_monday_wednesday_friday() {
    let monday_session = iv("2026-01-05T18:00:00Z", "2026-01-05T21:00:00Z");
    let block = spacing_block(&[monday_session], 48, 180);
    // No start strictly between Saturday 18:00Z and Wednesday 18:00Z: a 3-hour
    // session starting after Saturday 18:00Z would reach into the block.
    assert_eq!(
        block,
        vec![iv("2026-01-03T21:00:00Z", "2026-01-07T18:00:00Z")]
    );
    let client_free = subtract(
        &[iv("2026-01-01T00:00:00Z", "2026-01-10T00:00:00Z")],
        &block,
    );
    let fits = |start: &str| {
        let session =
            Interval::starting_at(at(start), jiff::SignedDuration::from_hours(3)).unwrap();
        client_free.iter().any(|f| f.contains(&session))
    };
    assert!(fits("2026-01-07T18:00:00Z"), "Wednesday at the same time");
    assert!(!fits("2026-01-07T17:45:00Z"));
    assert!(
        fits("2026-01-03T18:00:00Z"),
        "Saturday before, 48 hours earlier"
    );
    assert!(!fits("2026-01-03T18:15:00Z"));
    assert!(far_enough_apart(
        at("2026-01-07T18:00:00Z"),
        &[monday_session],
        48
    ));
    assert!(!far_enough_apart(
        at("2026-01-07T17:59:00Z"),
        &[monday_session],
        48
    ));
    assert!(far_enough_apart(
        at("2026-01-03T18:00:00Z"),
        &[monday_session],
        48
    ));
}

#[test]
fn a_spacing_shorter_than_half_a_session_still_keeps_sessions_apart() {
    let other = iv("2026-01-05T18:00:00Z", "2026-01-05T21:00:00Z");
    let block = spacing_block(&[other], 1, 180);
    assert_eq!(block, vec![other]);
}
