//! Recurring weekly availability in local wall-clock time, with one-off exceptions,
//! expanded into UTC free intervals for a window.

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

use super::interval::{Interval, merge, subtract};
use super::local::resolve_local;
use crate::validation::Invalid;

/// "Available on `weekday` from `start` to `end`", in the location's wall-clock
/// time, so it stays put across daylight-saving changes.
///
/// `end` is after `start` on the same day, except that an `end` of 00:00 means
/// midnight at the end of the day (an evening that runs to midnight). Availability
/// across midnight is two rules. [`WeeklyRule::new`] and [`WeeklyRule::parse`]
/// check this; [`expand`] ignores a rule built by hand that breaks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeeklyRule {
    pub weekday: Weekday,
    pub start: Time,
    pub end: Time,
}

/// A one-off change to the weekly pattern, in instants (a leave is entered in local
/// time by a person, and the edge turns it into instants with
/// [`resolve_local`](super::resolve_local)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exception {
    /// Not available in `[from, to)`, whatever the weekly rules say.
    Leave { from: Timestamp, to: Timestamp },
    /// Available in `[from, to)` in addition to the weekly rules.
    Extra { from: Timestamp, to: Timestamp },
}

impl Exception {
    /// The span it covers, or `None` when `from` is not before `to`.
    pub fn interval(&self) -> Option<Interval> {
        match *self {
            Exception::Leave { from, to } | Exception::Extra { from, to } => {
                Interval::new(from, to)
            }
        }
    }
}

impl WeeklyRule {
    /// A rule whose end is after its start (or is 00:00, the end of the day).
    pub fn new(weekday: Weekday, start: Time, end: Time) -> Result<WeeklyRule, Invalid> {
        let rule = WeeklyRule {
            weekday,
            start,
            end,
        };
        if rule.is_valid() {
            Ok(rule)
        } else {
            Err(Invalid::field("end", "The end must be after the start."))
        }
    }

    /// Parses the three form fields (`"monday"`, `"09:00"`, `"17:00"`), naming each
    /// field that is wrong. Times are `HH:MM` (or `HH:MM:SS`, as some browsers send);
    /// an end of `00:00` or `24:00` means midnight at the end of the day.
    pub fn parse(weekday: &str, start: &str, end: &str) -> Result<WeeklyRule, Invalid> {
        let mut invalid = Invalid::new();
        let day = parse_weekday(weekday);
        if day.is_none() {
            invalid.push("weekday", "Choose a day of the week.");
        }
        let start_time = parse_time(start, false);
        if start_time.is_none() {
            invalid.push("start", "Enter the start as HH:MM, for example 09:00.");
        }
        let end_time = parse_time(end, true);
        if end_time.is_none() {
            invalid.push("end", "Enter the end as HH:MM, for example 17:00.");
        }
        match (day, start_time, end_time) {
            (Some(day), Some(start), Some(end)) if invalid.is_empty() => {
                WeeklyRule::new(day, start, end)
            }
            _ => Err(invalid),
        }
    }

    fn is_valid(&self) -> bool {
        self.start < self.end || self.end == Time::midnight()
    }

    /// This rule on `day` (ignoring whether `day` is the rule's weekday), as instants
    /// in `tz`, by the daylight-saving policy of [`resolve_local`].
    fn on(&self, day: Date, tz: &TimeZone) -> Option<Interval> {
        if !self.is_valid() {
            return None;
        }
        let start = resolve_local(day.to_datetime(self.start), tz)?;
        let end = if self.end == Time::midnight() {
            resolve_local(day.tomorrow().ok()?.to_datetime(Time::midnight()), tz)?
        } else {
            resolve_local(day.to_datetime(self.end), tz)?
        };
        Interval::new(start, end)
    }
}

/// The weekday named in a form (`"monday"` … `"sunday"`, any case, surrounding
/// spaces ignored).
pub fn parse_weekday(s: &str) -> Option<Weekday> {
    let s = s.trim();
    Weekday::Monday
        .cycle_forward()
        .take(7)
        .find(|d| weekday_name(*d).eq_ignore_ascii_case(s))
}

/// The lowercase English name [`parse_weekday`] reads back.
pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "monday",
        Weekday::Tuesday => "tuesday",
        Weekday::Wednesday => "wednesday",
        Weekday::Thursday => "thursday",
        Weekday::Friday => "friday",
        Weekday::Saturday => "saturday",
        Weekday::Sunday => "sunday",
    }
}

/// `HH:MM` or `HH:MM:SS`; `24:00` (as midnight) only when `end_of_day` allows it.
fn parse_time(s: &str, end_of_day: bool) -> Option<Time> {
    let s = s.trim();
    if end_of_day && (s == "24:00" || s == "24:00:00") {
        return Some(Time::midnight());
    }
    let mut parts = s.split(':');
    let mut field = |max: i8| -> Option<i8> {
        let part = parts.next()?;
        if part.len() != 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: i8 = part.parse().ok()?;
        (n <= max).then_some(n)
    };
    let hour = field(23)?;
    let minute = field(59)?;
    let second = match parts.next() {
        None => 0,
        Some(part) => {
            if part.len() != 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            part.parse::<i8>().ok().filter(|n| *n <= 59)?
        }
    };
    if parts.next().is_some() {
        return None;
    }
    Time::new(hour, minute, second, 0).ok()
}

/// The free time in `window` that the weekly `rules` and the `exceptions` give, as
/// merged UTC intervals: each local day's rules turned into instants in `tz` (by
/// [`resolve_local`]'s daylight-saving policy), plus the extras, minus the leave,
/// clipped to the window.
pub fn expand(
    rules: &[WeeklyRule],
    exceptions: &[Exception],
    tz: &TimeZone,
    window: Interval,
) -> Vec<Interval> {
    if window.is_empty() {
        return Vec::new();
    }
    let mut free = Vec::new();
    // One local day of margin on each side: a day's rules may reach past the
    // window's local dates only through a fold or gap, but the margin costs little.
    let first = tz.to_datetime(window.start).date();
    let first = first.yesterday().unwrap_or(first);
    let last = tz.to_datetime(window.end).date();
    let last = last.tomorrow().unwrap_or(last);
    let mut day = first;
    loop {
        let weekday = day.weekday();
        for rule in rules.iter().filter(|r| r.weekday == weekday) {
            if let Some(iv) = rule.on(day, tz).and_then(|iv| iv.intersection(&window)) {
                free.push(iv);
            }
        }
        if day >= last {
            break;
        }
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    let mut leave = Vec::new();
    for exception in exceptions {
        let Some(iv) = exception.interval() else {
            continue;
        };
        match exception {
            Exception::Extra { .. } => free.extend(iv.intersection(&window)),
            Exception::Leave { .. } => leave.push(iv),
        }
    }
    subtract(&merge(free), &leave)
}
