//! Weekly rules from form fields, and their expansion with leave and extra hours.

use jiff::civil::{Weekday, time};

use super::*;

#[test]
fn a_rule_parses_from_form_fields() {
    let rule = WeeklyRule::parse(" Monday ", "09:00", "17:30").unwrap();
    assert_eq!(
        rule,
        WeeklyRule {
            weekday: Weekday::Monday,
            start: time(9, 0, 0, 0),
            end: time(17, 30, 0, 0)
        }
    );
    assert_eq!(
        WeeklyRule::parse("sunday", "18:00:00", "24:00")
            .unwrap()
            .end,
        time(0, 0, 0, 0)
    );
    for day in Weekday::Monday.cycle_forward().take(7) {
        assert_eq!(parse_weekday(weekday_name(day)), Some(day));
    }
}

#[test]
fn every_bad_field_of_a_rule_is_named() {
    let err = WeeklyRule::parse("funday", "9am", "25:00").unwrap_err();
    assert!(err.message_for("weekday").is_some());
    assert!(err.message_for("start").is_some());
    assert!(err.message_for("end").is_some());
    for bad in [
        "9:00",
        "09:60",
        "09:00:61",
        "09:00:00:00",
        "",
        "0900",
        "24:00",
    ] {
        let err = WeeklyRule::parse("monday", bad, "23:00").unwrap_err();
        assert!(
            err.message_for("start").is_some(),
            "{bad:?} accepted as a start"
        );
    }
}

#[test]
fn a_rule_must_end_after_it_starts() {
    let err = WeeklyRule::parse("monday", "17:00", "09:00").unwrap_err();
    assert!(err.message_for("end").is_some());
    assert!(WeeklyRule::parse("monday", "09:00", "09:00").is_err());
    assert!(WeeklyRule::new(Weekday::Monday, time(0, 0, 0, 0), time(0, 0, 0, 0)).is_ok());
}

fn rule(day: &str, start: &str, end: &str) -> WeeklyRule {
    WeeklyRule::parse(day, start, end).unwrap()
}

#[test]
fn expansion_gives_each_matching_day_inside_the_window() {
    // Winter, so Los Angeles is UTC-8 all week. 2026-01-05 is a Monday.
    let rules = [
        rule("monday", "09:00", "12:00"),
        rule("monday", "13:00", "17:00"),
        rule("wednesday", "10:00", "11:00"),
    ];
    let window = iv("2026-01-05T18:00:00Z", "2026-01-13T00:00:00Z");
    assert_eq!(
        expand(&rules, &[], &la(), window),
        vec![
            iv("2026-01-05T18:00:00Z", "2026-01-05T20:00:00Z"),
            iv("2026-01-05T21:00:00Z", "2026-01-06T01:00:00Z"),
            iv("2026-01-07T18:00:00Z", "2026-01-07T19:00:00Z"),
            iv("2026-01-12T17:00:00Z", "2026-01-12T20:00:00Z"),
            iv("2026-01-12T21:00:00Z", "2026-01-13T00:00:00Z"),
        ]
    );
}

#[test]
fn leave_removes_and_extra_hours_add_time() {
    let rules = [
        rule("monday", "09:00", "17:00"),
        rule("tuesday", "09:00", "17:00"),
    ];
    let exceptions = [
        // A dentist appointment on Monday morning.
        Exception::Leave {
            from: at("2026-01-05T18:00:00Z"),
            to: at("2026-01-05T19:30:00Z"),
        },
        // All of Tuesday off.
        Exception::Leave {
            from: at("2026-01-06T08:00:00Z"),
            to: at("2026-01-07T08:00:00Z"),
        },
        // Saturday morning once, and a Monday evening joined to the afternoon.
        Exception::Extra {
            from: at("2026-01-10T17:00:00Z"),
            to: at("2026-01-10T20:00:00Z"),
        },
        Exception::Extra {
            from: at("2026-01-06T01:00:00Z"),
            to: at("2026-01-06T03:00:00Z"),
        },
        // Ignored: ends before it starts.
        Exception::Leave {
            from: at("2026-01-05T23:00:00Z"),
            to: at("2026-01-05T20:00:00Z"),
        },
    ];
    let window = iv("2026-01-05T08:00:00Z", "2026-01-12T08:00:00Z");
    assert_eq!(
        expand(&rules, &exceptions, &la(), window),
        vec![
            iv("2026-01-05T17:00:00Z", "2026-01-05T18:00:00Z"),
            iv("2026-01-05T19:30:00Z", "2026-01-06T03:00:00Z"),
            iv("2026-01-10T17:00:00Z", "2026-01-10T20:00:00Z"),
        ]
    );
}

#[test]
fn an_evening_to_midnight_runs_to_the_end_of_the_day() {
    let rules = [rule("friday", "18:00", "00:00")];
    let window = iv("2026-01-09T00:00:00Z", "2026-01-11T00:00:00Z");
    assert_eq!(
        expand(&rules, &[], &la(), window),
        vec![iv("2026-01-10T02:00:00Z", "2026-01-10T08:00:00Z")]
    );
}

#[test]
fn a_rule_built_by_hand_backwards_is_ignored() {
    let backwards = WeeklyRule {
        weekday: Weekday::Monday,
        start: time(17, 0, 0, 0),
        end: time(9, 0, 0, 0),
    };
    let window = iv("2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z");
    assert!(expand(&[backwards], &[], &la(), window).is_empty());
}
