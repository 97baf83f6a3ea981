//! Half-open interval algebra.

use jiff::SignedDuration;

use super::*;

#[test]
fn an_interval_must_start_before_it_ends() {
    assert!(Interval::new(at("2026-01-05T10:00:00Z"), at("2026-01-05T10:00:00Z")).is_none());
    assert!(Interval::new(at("2026-01-05T11:00:00Z"), at("2026-01-05T10:00:00Z")).is_none());
    let one = iv("2026-01-05T10:00:00Z", "2026-01-05T11:30:00Z");
    assert_eq!(one.duration(), SignedDuration::from_mins(90));
}

#[test]
fn back_to_back_appointments_do_not_overlap() {
    let first = iv("2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z");
    let second = iv("2026-01-05T11:00:00Z", "2026-01-05T12:00:00Z");
    let straddling = iv("2026-01-05T10:59:00Z", "2026-01-05T11:01:00Z");
    assert!(!first.overlaps(&second));
    assert!(first.overlaps(&straddling) && second.overlaps(&straddling));
}

#[test]
fn containment_is_inclusive_of_both_ends() {
    let day = iv("2026-01-05T09:00:00Z", "2026-01-05T17:00:00Z");
    assert!(day.contains(&day));
    assert!(day.contains(&iv("2026-01-05T16:00:00Z", "2026-01-05T17:00:00Z")));
    assert!(!day.contains(&iv("2026-01-05T16:00:00Z", "2026-01-05T17:01:00Z")));
    assert!(day.contains_instant(at("2026-01-05T09:00:00Z")));
    assert!(!day.contains_instant(at("2026-01-05T17:00:00Z")));
}

#[test]
fn merge_sorts_and_coalesces_overlapping_and_touching_intervals() {
    let merged = merge(vec![
        iv("2026-01-05T13:00:00Z", "2026-01-05T14:00:00Z"),
        iv("2026-01-05T09:00:00Z", "2026-01-05T10:00:00Z"),
        iv("2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z"),
        iv("2026-01-05T09:30:00Z", "2026-01-05T10:30:00Z"),
        Interval {
            start: at("2026-01-05T15:00:00Z"),
            end: at("2026-01-05T15:00:00Z"),
        },
    ]);
    assert_eq!(
        merged,
        vec![
            iv("2026-01-05T09:00:00Z", "2026-01-05T11:00:00Z"),
            iv("2026-01-05T13:00:00Z", "2026-01-05T14:00:00Z"),
        ]
    );
}

#[test]
fn subtracting_bookings_leaves_the_gaps_between_them() {
    let free = [
        iv("2026-01-05T09:00:00Z", "2026-01-05T12:00:00Z"),
        iv("2026-01-05T13:00:00Z", "2026-01-05T17:00:00Z"),
    ];
    let busy = [
        iv("2026-01-05T08:00:00Z", "2026-01-05T09:30:00Z"),
        iv("2026-01-05T10:00:00Z", "2026-01-05T10:30:00Z"),
        iv("2026-01-05T11:30:00Z", "2026-01-05T14:00:00Z"),
        iv("2026-01-05T16:00:00Z", "2026-01-05T18:00:00Z"),
    ];
    assert_eq!(
        subtract(&free, &busy),
        vec![
            iv("2026-01-05T09:30:00Z", "2026-01-05T10:00:00Z"),
            iv("2026-01-05T10:30:00Z", "2026-01-05T11:30:00Z"),
            iv("2026-01-05T14:00:00Z", "2026-01-05T16:00:00Z"),
        ]
    );
    assert_eq!(subtract(&free, &[]), free.to_vec());
    assert!(subtract(&free, &[iv("2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z")]).is_empty());
}

#[test]
fn intersecting_two_calendars_keeps_the_common_time() {
    let clinician = [
        iv("2026-01-05T09:00:00Z", "2026-01-05T12:00:00Z"),
        iv("2026-01-05T13:00:00Z", "2026-01-05T17:00:00Z"),
    ];
    let room = [
        iv("2026-01-05T11:00:00Z", "2026-01-05T14:00:00Z"),
        iv("2026-01-05T16:00:00Z", "2026-01-05T16:30:00Z"),
    ];
    assert_eq!(
        intersect(&clinician, &room),
        vec![
            iv("2026-01-05T11:00:00Z", "2026-01-05T12:00:00Z"),
            iv("2026-01-05T13:00:00Z", "2026-01-05T14:00:00Z"),
            iv("2026-01-05T16:00:00Z", "2026-01-05T16:30:00Z"),
        ]
    );
    assert!(intersect(&clinician, &[]).is_empty());
}
