//! Deterministic calendars for the slot-finder benchmark: a Los Angeles location,
//! an 8-week window, weekday availability around 08:00–18:00 local that varies per
//! person, and about 70% of each resource's available time already booked with
//! appointments of realistic lengths.

use std::time::{Duration, Instant};

use jiff::SignedDuration;
use jiff::civil::{Time, Weekday, date};
use jiff::tz::TimeZone;
use threshold_domain::journey::RouteKind;
use threshold_domain::schedule::{
    AppointmentKind, Candidate, Interval, Resources, Slot, SlotQuery, WeeklyRule, expand,
    find_slots, merge, subtract,
};

/// The share of available time booked.
const BOOKED: f64 = 0.70;

pub struct Scenario {
    pub name: String,
    pub query: SlotQuery,
    pub resources: Resources,
    /// The booked share actually drawn, to show the fixture is what it claims.
    pub booked_share: f64,
}

/// splitmix64: small, deterministic, good enough to scatter bookings.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// Weekdays from about 08:00 to 18:00, each person a little different: starts
/// between 07:00 and 09:00, ends between 16:00 and 19:00, sometimes a weekday off.
fn weekly(rng: &mut Rng) -> Result<Vec<WeeklyRule>, jiff::Error> {
    let day_off = rng.below(4) == 0;
    let off = rng.below(5);
    let mut rules = Vec::new();
    for (i, weekday) in Weekday::Monday.cycle_forward().take(5).enumerate() {
        if day_off && i as u64 == off {
            continue;
        }
        let start = Time::new(7, 0, 0, 0)?
            .checked_add(SignedDuration::from_mins(30 * rng.below(5) as i64))?;
        let end = Time::new(16, 0, 0, 0)?
            .checked_add(SignedDuration::from_mins(30 * rng.below(7) as i64))?;
        rules.push(WeeklyRule {
            weekday,
            start,
            end,
        });
    }
    Ok(rules)
}

/// Books about [`BOOKED`] of `free`: walks each free interval in appointment-sized
/// pieces (30, 60, 90 or 180 minutes, on the quarter hour) and books each piece
/// with that probability. Returns the remaining free time and the booked minutes.
fn book(free: &[Interval], rng: &mut Rng) -> Result<(Vec<Interval>, i64), jiff::Error> {
    let mut busy = Vec::new();
    let mut booked = 0;
    for iv in free {
        let mut cursor = iv.start;
        while cursor < iv.end {
            let minutes = [30, 60, 90, 180][rng.below(4) as usize];
            let end = cursor
                .checked_add(SignedDuration::from_mins(minutes))?
                .min(iv.end);
            if rng.chance(BOOKED) {
                busy.extend(Interval::new(cursor, end));
                booked += end.duration_since(cursor).as_secs() / 60;
            }
            cursor = end;
        }
    }
    Ok((subtract(free, &busy), booked))
}

fn candidates(
    prefix: &str,
    n: usize,
    tz: &TimeZone,
    window: Interval,
    rng: &mut Rng,
    minutes: &mut (i64, i64),
) -> Result<Vec<Candidate>, jiff::Error> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let available = expand(&weekly(rng)?, &[], tz, window);
        let (free, booked) = book(&available, rng)?;
        minutes.0 += available
            .iter()
            .map(|iv| iv.duration().as_secs() / 60)
            .sum::<i64>();
        minutes.1 += booked;
        out.push(Candidate {
            id: format!("{prefix}-{i:02}"),
            free,
        });
    }
    Ok(out)
}

/// The query: an IV medicine session (clinician, IV-capable room, partner,
/// 180 minutes), at most 10 slots, over 8 weeks from Monday 2026-04-06, for a
/// client free on weekdays 08:00–20:00 apart from a few appointments. The first
/// `clinicians`/`rooms`/`partners` of one fixed population are used, so the small
/// case is a subset of the large one.
pub fn scenario(clinicians: usize, rooms: usize, partners: usize) -> Result<Scenario, jiff::Error> {
    let tz = TimeZone::get("America/Los_Angeles")?;
    let start = date(2026, 4, 6)
        .at(0, 0, 0, 0)
        .to_zoned_datetime(tz.clone())?
        .timestamp();
    let window = Interval {
        start,
        end: start.checked_add(SignedDuration::from_hours(8 * 7 * 24))?,
    };
    // The whole population is drawn every time, so the small case is a subset.
    let mut rng = Rng(0x7412_2026);
    let mut minutes = [(0, 0); 3];
    let all_clinicians = candidates("clinician", 50, &tz, window, &mut rng, &mut minutes[0])?;
    let all_rooms = candidates("room", 20, &tz, window, &mut rng, &mut minutes[1])?;
    let all_partners = candidates("partner", 5, &tz, window, &mut rng, &mut minutes[2])?;
    let (available, booked) = minutes.iter().fold((0, 0), |(a, b), (x, y)| (a + x, b + y));

    let client_rules: Vec<WeeklyRule> = Weekday::Monday
        .cycle_forward()
        .take(5)
        .map(|weekday| WeeklyRule {
            weekday,
            start: jiff::civil::time(8, 0, 0, 0),
            end: jiff::civil::time(20, 0, 0, 0),
        })
        .collect();
    // A weekly Tuesday 10:00 appointment elsewhere.
    let client_busy: Vec<Interval> = (0..8)
        .filter_map(|week| {
            let at = start
                .checked_add(SignedDuration::from_hours(week * 7 * 24 + 24 + 10))
                .ok()?;
            Interval::starting_at(at, SignedDuration::from_hours(1))
        })
        .collect();
    let client_free = subtract(
        &expand(&client_rules, &[], &tz, window),
        &merge(client_busy),
    );

    let kind = AppointmentKind::MedicineSession;
    let query = SlotQuery {
        window,
        minutes: kind.defaults().minutes,
        step_minutes: 15,
        limit: 10,
        needs: kind.needs(Some(RouteKind::Iv)),
        tz,
        not_before: start,
        client_free: Some(client_free),
    };
    Ok(Scenario {
        name: format!("{clinicians} clinicians, {rooms} rooms, {partners} partners"),
        query,
        resources: Resources {
            clinicians: all_clinicians.into_iter().take(clinicians).collect(),
            rooms: all_rooms.into_iter().take(rooms).collect(),
            partners: all_partners.into_iter().take(partners).collect(),
        },
        booked_share: booked as f64 / available.max(1) as f64,
    })
}

/// The mean time of one query over enough runs to fill about half a second, and
/// the slots it found.
pub fn time_per_query(scenario: &Scenario) -> (Duration, Vec<Slot>) {
    let slots = find_slots(&scenario.query, &scenario.resources);
    let began = Instant::now();
    let mut runs = 0u32;
    while began.elapsed() < Duration::from_millis(500) || runs < 10 {
        std::hint::black_box(find_slots(
            std::hint::black_box(&scenario.query),
            std::hint::black_box(&scenario.resources),
        ));
        runs += 1;
    }
    (began.elapsed() / runs, slots)
}

fn describe(scenario: &Scenario, per_query: Duration, slots: &[Slot]) {
    let first = slots
        .first()
        .map(|s| s.start.to_string())
        .unwrap_or_default();
    let last = slots
        .last()
        .map(|s| s.start.to_string())
        .unwrap_or_default();
    let intervals: usize = [
        &scenario.resources.clinicians,
        &scenario.resources.rooms,
        &scenario.resources.partners,
    ]
    .iter()
    .flat_map(|c| c.iter())
    .map(|c| c.free.len())
    .sum();
    eprintln!(
        "{}: {:.3} ms per query, {} slots ({first} .. {last}), {intervals} free intervals",
        scenario.name,
        per_query.as_secs_f64() * 1e3,
        slots.len(),
    );
}

/// Prints both cases and their ratio, the figures the issue asks to record.
pub fn print_summary(large: &Scenario, small: &Scenario) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    eprintln!(
        "slot finder: IV medicine session, 180 min, limit 10, 8 weeks, {:.0}% of available time booked, {cores} cores",
        large.booked_share * 100.0
    );
    let (large_time, large_slots) = time_per_query(large);
    let (small_time, small_slots) = time_per_query(small);
    describe(large, large_time, &large_slots);
    describe(small, small_time, &small_slots);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    eprintln!(
        "per query: {:.3} ms (50/20/5) vs {:.3} ms (5/2/5), ratio {:.2}",
        ms(large_time),
        ms(small_time),
        large_time.as_secs_f64() / small_time.as_secs_f64().max(f64::MIN_POSITIVE),
    );
    // The worst case for the search: no limit, so the whole 8 weeks are walked.
    let mut every = Scenario {
        name: format!("{} (every slot in the window)", large.name),
        query: large.query.clone(),
        resources: large.resources.clone(),
        booked_share: large.booked_share,
    };
    every.query.limit = usize::MAX;
    let (every_time, every_slots) = time_per_query(&every);
    describe(&every, every_time, &every_slots);
}
