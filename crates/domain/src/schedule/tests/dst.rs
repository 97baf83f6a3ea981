//! Daylight saving: a weekly time stays at the same local time, a time in the
//! spring-forward gap moves to the end of the gap, a time in the fall-back fold
//! takes its earlier occurrence; and the grid follows local time.

use jiff::civil::{DateTime, Weekday, date, time};
use jiff::tz::TimeZone;

use super::*;

fn local(s: &str) -> DateTime {
    s.parse().unwrap()
}

/// Every day of the week, 10:00 to 11:00 local time.
fn daily_ten_oclock() -> Vec<WeeklyRule> {
    Weekday::Monday
        .cycle_forward()
        .take(7)
        .map(|weekday| WeeklyRule {
            weekday,
            start: time(10, 0, 0, 0),
            end: time(11, 0, 0, 0),
        })
        .collect()
}

fn starts(tz: &TimeZone, window: Interval) -> Vec<Timestamp> {
    expand(&daily_ten_oclock(), &[], tz, window)
        .iter()
        .map(|iv| iv.start)
        .collect()
}

#[test]
fn ten_oclock_stays_ten_oclock_across_spring_forward_in_los_angeles() {
    // Clocks go 02:00 PST -> 03:00 PDT on Sunday 2026-03-08.
    let window = iv("2026-03-06T08:00:00Z", "2026-03-10T07:00:00Z");
    assert_eq!(
        starts(&la(), window),
        vec![
            at("2026-03-06T18:00:00Z"), // Friday 10:00 PST
            at("2026-03-07T18:00:00Z"), // Saturday 10:00 PST
            at("2026-03-08T17:00:00Z"), // Sunday 10:00 PDT
            at("2026-03-09T17:00:00Z"), // Monday 10:00 PDT
        ]
    );
    for one in expand(&daily_ten_oclock(), &[], &la(), window) {
        assert_eq!(one.duration().as_secs(), 3600);
    }
}

#[test]
fn ten_oclock_stays_ten_oclock_across_fall_back_in_los_angeles() {
    // Clocks go 02:00 PDT -> 01:00 PST on Sunday 2026-11-01.
    let window = iv("2026-10-30T07:00:00Z", "2026-11-03T08:00:00Z");
    assert_eq!(
        starts(&la(), window),
        vec![
            at("2026-10-30T17:00:00Z"), // Friday 10:00 PDT
            at("2026-10-31T17:00:00Z"), // Saturday 10:00 PDT
            at("2026-11-01T18:00:00Z"), // Sunday 10:00 PST
            at("2026-11-02T18:00:00Z"), // Monday 10:00 PST
        ]
    );
}

#[test]
fn ten_oclock_stays_ten_oclock_across_both_changes_in_berlin() {
    // Spring: 02:00 CET -> 03:00 CEST on Sunday 2026-03-29.
    let spring = iv("2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z");
    assert_eq!(
        starts(&berlin(), spring),
        vec![
            at("2026-03-27T09:00:00Z"),
            at("2026-03-28T09:00:00Z"),
            at("2026-03-29T08:00:00Z"),
            at("2026-03-30T08:00:00Z"),
        ]
    );
    // Autumn: 03:00 CEST -> 02:00 CET on Sunday 2026-10-25.
    let autumn = iv("2026-10-23T00:00:00Z", "2026-10-27T00:00:00Z");
    assert_eq!(
        starts(&berlin(), autumn),
        vec![
            at("2026-10-23T08:00:00Z"),
            at("2026-10-24T08:00:00Z"),
            at("2026-10-25T09:00:00Z"),
            at("2026-10-26T09:00:00Z"),
        ]
    );
}

#[test]
fn a_time_in_the_spring_forward_gap_moves_to_the_first_instant_after_it() {
    // 02:30 never happens in Los Angeles on 2026-03-08: it becomes 03:00 PDT.
    assert_eq!(
        resolve_local(local("2026-03-08T02:30"), &la()),
        Some(at("2026-03-08T10:00:00Z"))
    );
    assert_eq!(
        resolve_local(local("2026-03-08T03:00"), &la()),
        Some(at("2026-03-08T10:00:00Z"))
    );
    assert_eq!(
        resolve_local(local("2026-03-08T01:59"), &la()),
        Some(at("2026-03-08T09:59:00Z"))
    );
    // 02:30 in Berlin on 2026-03-29 becomes 03:00 CEST.
    assert_eq!(
        resolve_local(local("2026-03-29T02:30"), &berlin()),
        Some(at("2026-03-29T01:00:00Z"))
    );

    let sunday = |start: &str, end: &str| WeeklyRule::parse("sunday", start, end).unwrap();
    let window = iv("2026-03-08T08:00:00Z", "2026-03-09T08:00:00Z");
    // Availability from 02:30 begins when the clocks reach 03:00 PDT.
    assert_eq!(
        expand(&[sunday("02:30", "04:00")], &[], &la(), window),
        vec![iv("2026-03-08T10:00:00Z", "2026-03-08T11:00:00Z")]
    );
    // 01:00 to 03:00 that night is one real hour.
    assert_eq!(
        expand(&[sunday("01:00", "03:00")], &[], &la(), window),
        vec![iv("2026-03-08T09:00:00Z", "2026-03-08T10:00:00Z")]
    );
    // A rule wholly inside the gap gives nothing that day.
    assert!(expand(&[sunday("02:00", "02:45")], &[], &la(), window).is_empty());
}

#[test]
fn a_time_that_happens_twice_at_fall_back_takes_the_earlier_occurrence() {
    // 01:30 happens twice in Los Angeles on 2026-11-01: first in PDT (08:30Z).
    assert_eq!(
        resolve_local(local("2026-11-01T01:30"), &la()),
        Some(at("2026-11-01T08:30:00Z"))
    );
    // 02:30 happens twice in Berlin on 2026-10-25: first in CEST (00:30Z).
    assert_eq!(
        resolve_local(local("2026-10-25T02:30"), &berlin()),
        Some(at("2026-10-25T00:30:00Z"))
    );

    // 01:00 to 03:00 that night in Los Angeles is three real hours.
    let rule = WeeklyRule::parse("sunday", "01:00", "03:00").unwrap();
    let window = iv("2026-11-01T07:00:00Z", "2026-11-02T08:00:00Z");
    let got = expand(&[rule], &[], &la(), window);
    assert_eq!(
        got,
        vec![iv("2026-11-01T08:00:00Z", "2026-11-01T11:00:00Z")]
    );
    assert_eq!(got[0].duration().as_secs(), 3 * 3600);
}

#[test]
fn the_grid_rounds_up_to_the_next_local_quarter_hour() {
    let la = la();
    assert_eq!(
        align_up(at("2026-03-09T17:07:00Z"), 15, &la),
        at("2026-03-09T17:15:00Z")
    );
    assert_eq!(
        align_up(at("2026-03-09T17:15:00Z"), 15, &la),
        at("2026-03-09T17:15:00Z")
    );
    assert_eq!(
        align_up(at("2026-03-09T17:15:00.000000001Z"), 15, &la),
        at("2026-03-09T17:30:00Z")
    );
    assert_eq!(
        align_up(at("2026-03-09T17:01:00Z"), 60, &la),
        at("2026-03-09T18:00:00Z")
    );
    // Step 0 means every minute.
    assert_eq!(
        align_up(at("2026-03-09T17:01:30Z"), 0, &la),
        at("2026-03-09T17:02:00Z")
    );
}

#[test]
fn the_grid_follows_local_time_in_a_zone_with_a_quarter_hour_offset() {
    // Kathmandu is UTC+05:45: local 06:00 is 00:15Z.
    let kathmandu = zone("Asia/Kathmandu");
    assert_eq!(
        align_up(at("2026-01-05T00:00:00Z"), 15, &kathmandu),
        at("2026-01-05T00:00:00Z")
    );
    assert_eq!(
        align_up(at("2026-01-05T00:00:00Z"), 60, &kathmandu),
        at("2026-01-05T00:15:00Z")
    );
    assert_eq!(
        align_up(at("2026-01-05T00:20:00Z"), 30, &kathmandu),
        at("2026-01-05T00:45:00Z")
    );
}

#[test]
fn the_grid_crosses_a_half_hour_daylight_saving_change() {
    // Lord Howe Island goes from UTC+11 to UTC+10:30 at 02:00 local on 2026-04-05
    // (15:00Z on the 4th): at 15:00Z the clock reads 01:30, so the next whole local
    // hour is 02:00 at UTC+10:30, 15:30Z.
    let lord_howe = zone("Australia/Lord_Howe");
    assert_eq!(
        align_up(at("2026-04-04T14:45:00Z"), 60, &lord_howe),
        at("2026-04-04T15:30:00Z")
    );
    assert_eq!(
        align_up(at("2026-04-04T14:45:00Z"), 30, &lord_howe),
        at("2026-04-04T15:00:00Z")
    );
    // And across spring forward in Los Angeles, 01:59 PST rounds to 03:00 PDT.
    assert_eq!(
        align_up(at("2026-03-08T09:59:00Z"), 60, &la()),
        at("2026-03-08T10:00:00Z")
    );
    assert_eq!(date(2026, 3, 8).weekday(), Weekday::Sunday);
}
