//! A small iCalendar ([RFC 5545](https://www.rfc-editor.org/rfc/rfc5545)) writer
//! for the feeds: events in local time with `TZID`, and a `VTIMEZONE` for each
//! zone built from jiff's own transitions, so calendar programs place times right
//! on both sides of a daylight-saving change.
//!
//! Written by hand rather than with the `icalendar` crate: that crate's builder
//! has no way to nest `STANDARD`/`DAYLIGHT` sub-components inside a `VTIMEZONE`,
//! and keeping the writer apart from the parser the tests read the feed with
//! makes the test a check of one implementation by another. What a writer needs
//! is small: content lines folded at 75 octets (3.1), TEXT escaping (3.3.11),
//! CRLF line ends.

use std::collections::BTreeMap;

use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};

/// One event as the feed shows it. Every text is already free of clinical
/// detail; this module only writes it.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub uid: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// IANA name of the zone the event is shown in (the location's).
    pub zone: String,
    pub summary: String,
    pub location: String,
    pub description: Option<String>,
    pub cancelled: bool,
}

/// The text of a calendar. A zone name jiff does not know is an error.
pub(crate) fn calendar(
    name: &str,
    stamp: Timestamp,
    events: &[Event],
) -> Result<String, jiff::Error> {
    let mut w = Writer::default();
    w.line("BEGIN:VCALENDAR");
    w.line("VERSION:2.0");
    w.line("PRODID:-//Threshold//Calendar feed//EN");
    w.line("CALSCALE:GREGORIAN");
    w.text("X-WR-CALNAME", name);
    w.line("REFRESH-INTERVAL;VALUE=DURATION:PT1H");
    w.line("X-PUBLISHED-TTL:PT1H");
    // Each zone used, with the span of its events.
    let mut zones: BTreeMap<&str, (TimeZone, Timestamp, Timestamp)> = BTreeMap::new();
    for e in events {
        if let Some((_, from, to)) = zones.get_mut(e.zone.as_str()) {
            *from = (*from).min(e.start);
            *to = (*to).max(e.end);
        } else {
            zones.insert(&e.zone, (TimeZone::get(&e.zone)?, e.start, e.end));
        }
    }
    for (id, (tz, from, to)) in &zones {
        vtimezone(&mut w, id, tz, *from, *to)?;
    }
    let dtstamp = utc(stamp);
    for e in events {
        let Some((tz, _, _)) = zones.get(e.zone.as_str()) else {
            continue;
        };
        w.line("BEGIN:VEVENT");
        w.line(&format!("UID:{}", e.uid));
        w.line(&format!("DTSTAMP:{dtstamp}"));
        w.line(&format!(
            "DTSTART;TZID={}:{}",
            e.zone,
            local(e.start.to_zoned_datetime(tz.clone()).datetime())
        ));
        w.line(&format!(
            "DTEND;TZID={}:{}",
            e.zone,
            local(e.end.to_zoned_datetime(tz.clone()).datetime())
        ));
        w.text("SUMMARY", &e.summary);
        w.text("LOCATION", &e.location);
        if let Some(d) = &e.description {
            w.text("DESCRIPTION", d);
        }
        w.line(if e.cancelled {
            "STATUS:CANCELLED"
        } else {
            "STATUS:CONFIRMED"
        });
        w.line("TRANSP:OPAQUE");
        w.line("END:VEVENT");
    }
    w.line("END:VCALENDAR");
    Ok(w.out)
}

/// A `VTIMEZONE` (3.6.5) covering whole years from the first event's to the last
/// one's: the observance in force at the start, then one per transition, each
/// with its onset in the local time before it (as the RFC asks).
fn vtimezone(
    w: &mut Writer,
    id: &str,
    tz: &TimeZone,
    from: Timestamp,
    to: Timestamp,
) -> Result<(), jiff::Error> {
    let year_start = |t: Timestamp, next: i16| {
        let y = t.to_zoned_datetime(tz.clone()).date().year();
        jiff::civil::date(y.saturating_add(next), 1, 1).to_zoned_datetime(tz.clone())
    };
    let from = year_start(from, 0)?.timestamp();
    let to = year_start(to, 1)?.timestamp();
    w.line("BEGIN:VTIMEZONE");
    w.line(&format!("TZID:{id}"));
    let mut transitions: Vec<_> = tz.preceding(from).take(1).collect();
    transitions.extend(tz.following(from).take_while(|t| t.timestamp() < to));
    if transitions.is_empty() {
        // A zone without recorded transitions (UTC, a fixed offset).
        let info = tz.to_offset_info(from);
        let o = offset(info.offset());
        w.line("BEGIN:STANDARD");
        w.line("DTSTART:19700101T000000");
        w.line(&format!("TZOFFSETFROM:{o}"));
        w.line(&format!("TZOFFSETTO:{o}"));
        w.text("TZNAME", info.abbreviation());
        w.line("END:STANDARD");
    }
    for t in &transitions {
        let at = t.timestamp();
        let before = tz.to_offset(at.checked_sub(SignedDuration::from_secs(1))?);
        let kind = if t.dst().is_dst() {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        w.line(&format!("BEGIN:{kind}"));
        w.line(&format!("DTSTART:{}", local(before.to_datetime(at))));
        w.line(&format!("TZOFFSETFROM:{}", offset(before)));
        w.line(&format!("TZOFFSETTO:{}", offset(t.offset())));
        w.text("TZNAME", t.abbreviation());
        w.line(&format!("END:{kind}"));
    }
    w.line("END:VTIMEZONE");
    Ok(())
}

/// `YYYYMMDDTHHMMSS`, a "floating" local form, read with the TZID beside it.
fn local(dt: DateTime) -> String {
    dt.strftime("%Y%m%dT%H%M%S").to_string()
}

fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// A UTC offset as `+HHMM` (or `+HHMMSS` when it has seconds), 3.3.14.
fn offset(o: Offset) -> String {
    let s = o.seconds();
    let sign = if s < 0 { '-' } else { '+' };
    let s = s.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

/// TEXT escaping (3.3.11): backslash, semicolon and comma escaped, line breaks
/// as `\n`, other control characters dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[derive(Default)]
struct Writer {
    out: String,
}

impl Writer {
    /// A property with a TEXT value.
    fn text(&mut self, name: &str, value: &str) {
        self.line(&format!("{name}:{}", escape(value)));
    }

    /// One content line, folded so no physical line passes 75 octets (the
    /// leading space of a continuation counts), never inside a UTF-8 character.
    fn line(&mut self, line: &str) {
        let mut width = 0;
        for c in line.chars() {
            let n = c.len_utf8();
            if width + n > 75 {
                self.out.push_str("\r\n ");
                width = 1;
            }
            self.out.push(c);
            width += n;
        }
        self.out.push_str("\r\n");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let mut w = Writer::default();
        w.text("SUMMARY", &"é".repeat(100));
        assert!(w.out.ends_with("\r\n"));
        for l in w.out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{l:?} is {} octets", l.len());
        }
        let unfolded = w.out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{}\r\n", "é".repeat(100)));
    }

    #[test]
    fn text_escapes_commas_semicolons_backslashes_and_newlines() {
        assert_eq!(escape("a,b;c\\d\ne\r"), "a\\,b\\;c\\\\d\\ne");
    }

    #[test]
    fn offsets_are_written_as_signed_hours_and_minutes() {
        assert_eq!(offset(Offset::constant(-8)), "-0800");
        assert_eq!(offset(Offset::from_seconds(19800).unwrap()), "+0530");
    }

    #[test]
    fn los_angeles_has_standard_and_daylight_observances_with_their_onsets() {
        let ev = Event {
            uid: "a@threshold".into(),
            start: "2026-11-03T18:00:00Z".parse().unwrap(),
            end: "2026-11-03T19:00:00Z".parse().unwrap(),
            zone: "America/Los_Angeles".into(),
            summary: "Appointment".into(),
            location: "Video".into(),
            description: None,
            cancelled: false,
        };
        let text = calendar("x", ev.start, &[ev]).unwrap();
        assert!(text.contains(
            "BEGIN:DAYLIGHT\r\nDTSTART:20260308T020000\r\nTZOFFSETFROM:-0800\r\nTZOFFSETTO:-0700\r\n"
        ));
        assert!(text.contains(
            "BEGIN:STANDARD\r\nDTSTART:20261101T020000\r\nTZOFFSETFROM:-0700\r\nTZOFFSETTO:-0800\r\n"
        ));
        assert!(text.contains("DTSTART;TZID=America/Los_Angeles:20261103T100000\r\n"));
    }
}
