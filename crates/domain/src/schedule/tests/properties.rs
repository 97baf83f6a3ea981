//! Properties of the slot finder on small random calendars: every slot it offers
//! keeps every rule, and it misses no free start (checked against a brute force
//! over every minute of the window).
//!
//! The calendars sit on a 15-minute grid around daylight-saving changes and in
//! zones with odd offsets, so the grid and the window edges are exercised too.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::*;

/// Where a case's calendars start, and in which zone: ordinary days and the days
/// around daylight-saving changes.
const PLACES: [(&str, &str); 7] = [
    ("UTC", "2026-06-01T00:00:00Z"),
    ("America/Los_Angeles", "2026-06-01T07:00:00Z"),
    ("America/Los_Angeles", "2026-03-07T08:00:00Z"),
    ("America/Los_Angeles", "2026-10-31T07:00:00Z"),
    ("Europe/Berlin", "2026-03-28T00:00:00Z"),
    ("Asia/Kathmandu", "2026-01-05T00:00:00Z"),
    ("Australia/Lord_Howe", "2026-04-04T00:00:00Z"),
];

#[derive(Debug, Clone)]
struct Case {
    query: SlotQuery,
    resources: Resources,
}

fn quarter(base: Timestamp, quarters: i64) -> Timestamp {
    base.checked_add(SignedDuration::from_mins(15 * quarters))
        .unwrap()
}

/// Availability minus bookings, on the 15-minute grid, over about three days
/// from six hours before `base`; sometimes handed over unmerged.
fn free_time(base: Timestamp) -> impl Strategy<Value = Vec<Interval>> {
    // Half the calendars are open all three days before their bookings.
    let available = prop_oneof![
        1 => Just(vec![(0i64, 4 * 78i64)]),
        1 => proptest::collection::vec((0i64..4 * 66, 4i64..4 * 30), 1..5),
    ];
    let busy = proptest::collection::vec((0i64..4 * 78, 1i64..16), 0..8);
    (available, busy, any::<bool>()).prop_map(move |(available, busy, raw)| {
        let to_intervals = |spans: Vec<(i64, i64)>| -> Vec<Interval> {
            spans
                .into_iter()
                .filter_map(|(from, len)| {
                    Interval::new(quarter(base, from - 24), quarter(base, from - 24 + len))
                })
                .collect()
        };
        if raw && busy.is_empty() {
            to_intervals(available)
        } else {
            subtract(&to_intervals(available), &to_intervals(busy))
        }
    })
}

fn candidates(
    prefix: &'static str,
    base: Timestamp,
    min: usize,
    max: usize,
) -> impl Strategy<Value = Vec<Candidate>> {
    proptest::collection::vec(free_time(base), min..=max).prop_map(move |frees| {
        frees
            .into_iter()
            .enumerate()
            // Reversed ids, so id order is not the order given.
            .map(|(i, free)| Candidate {
                id: format!("{prefix}{}", 9 - i),
                free,
            })
            .collect()
    })
}

fn case() -> impl Strategy<Value = Case> {
    (0..PLACES.len()).prop_flat_map(|place| {
        let (zone_name, base) = PLACES[place];
        let base = at(base);
        let tz = zone(zone_name);
        let window = (
            0i64..16,
            prop_oneof![1 => 1i64..4 * 6, 4 => 4 * 6..4 * 48i64],
        )
            .prop_map(move |(from, len)| {
                Interval::new(quarter(base, from), quarter(base, from + len)).unwrap()
            });
        let needs =
            (0u8..=7, any::<bool>(), 0u8..3).prop_map(|(clinicians, room, partner)| Needs {
                // Mostly one or two, sometimes none or three.
                clinicians: [1, 1, 1, 1, 2, 2, 0, 3][usize::from(clinicians)],
                room: if room { RoomNeed::Any } else { RoomNeed::None },
                partner: partner == 0,
                client: true,
            });
        (
            (
                window,
                prop_oneof![3 => 1u16..=120, 1 => 1u16..=240],
                prop::sample::select(vec![0u16, 15, 20, 30, 60]),
                1usize..40,
                needs,
            ),
            (
                prop_oneof![3 => 0i64..4 * 3600, 1 => 0i64..36 * 3600],
                proptest::option::of(free_time(base)),
            ),
            (
                candidates("c", base, 1, 3),
                candidates("r", base, 0, 2),
                candidates("p", base, 0, 2),
            ),
        )
            .prop_map(
                move |(
                    (window, minutes, step, limit, needs),
                    (now, client_free),
                    (clinicians, rooms, partners),
                )| Case {
                    query: SlotQuery {
                        window,
                        minutes,
                        step_minutes: step,
                        limit,
                        needs,
                        tz: tz.clone(),
                        not_before: base
                            .checked_add(SignedDuration::from_secs(now - 3600))
                            .unwrap(),
                        client_free,
                    },
                    resources: Resources {
                        clinicians,
                        rooms,
                        partners,
                    },
                },
            )
    })
}

/// Grid points by their own definition: the local wall-clock time is a whole
/// multiple of the step after midnight.
fn on_grid(t: Timestamp, step: u16, tz: &TimeZone) -> bool {
    let step = i32::from(if step == 0 {
        DEFAULT_STEP_MINUTES
    } else {
        step
    });
    let local = tz.to_datetime(t);
    local.second() == 0
        && local.subsec_nanosecond() == 0
        && (i32::from(local.hour()) * 60 + i32::from(local.minute())) % step == 0
}

/// Whether the union of `free` (which may be handed over unmerged) covers `slot`.
fn free_over(free: &[Interval], slot: &Interval) -> bool {
    merge(free.to_vec()).iter().any(|f| f.contains(slot))
}

/// The ids of `candidates` free over `slot`, in id order.
fn free_ids(candidates: &[Candidate], slot: &Interval) -> Vec<String> {
    let mut ids: Vec<String> = candidates
        .iter()
        .filter(|c| free_over(&c.free, slot))
        .map(|c| c.id.clone())
        .collect();
    ids.sort();
    ids
}

/// Every start a slot could have, by checking every minute of the window.
fn brute_force(case: &Case) -> Vec<Timestamp> {
    let q = &case.query;
    let r = &case.resources;
    let length = SignedDuration::from_mins(i64::from(q.minutes));
    let mut starts = Vec::new();
    let mut t = q.window.start;
    while t < q.window.end {
        let slot = Interval::starting_at(t, length).unwrap();
        let ok = on_grid(t, q.step_minutes, &q.tz)
            && t >= q.not_before
            && q.window.contains(&slot)
            && q.client_free.as_ref().is_none_or(|f| free_over(f, &slot))
            && (q.needs.room == RoomNeed::None || !free_ids(&r.rooms, &slot).is_empty())
            && (!q.needs.partner || !free_ids(&r.partners, &slot).is_empty())
            && free_ids(&r.clinicians, &slot).len() >= usize::from(q.needs.clinicians);
        if ok {
            starts.push(t);
        }
        t = t.checked_add(SignedDuration::from_mins(1)).unwrap();
    }
    starts
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn every_offered_slot_keeps_every_rule(case in case()) {
        let q = &case.query;
        let r = &case.resources;
        let slots = find_slots(q, r);
        prop_assert!(slots.len() <= q.limit);
        for pair in slots.windows(2) {
            prop_assert!(pair[0].start < pair[1].start, "not sorted: {:?}", pair);
        }
        for slot in &slots {
            let span = Interval::new(slot.start, slot.end).unwrap();
            prop_assert_eq!(span.duration(), SignedDuration::from_mins(i64::from(q.minutes)));
            prop_assert!(q.window.contains(&span));
            prop_assert!(slot.start >= q.not_before);
            prop_assert!(on_grid(slot.start, q.step_minutes, &q.tz), "off the grid: {}", slot.start);
            if let Some(client) = &q.client_free {
                prop_assert!(free_over(client, &span));
            }
            // The first free clinicians, room and partner in id order: each free,
            // the clinicians distinct and as many as needed.
            let clinicians = free_ids(&r.clinicians, &span);
            let needed = usize::from(q.needs.clinicians);
            prop_assert_eq!(&slot.clinicians, &clinicians[..needed].to_vec());
            let room = free_ids(&r.rooms, &span).into_iter().next();
            prop_assert_eq!(&slot.room, &room.filter(|_| q.needs.room != RoomNeed::None));
            prop_assert_eq!(slot.room.is_some(), q.needs.room != RoomNeed::None);
            let partner = free_ids(&r.partners, &span).into_iter().next();
            prop_assert_eq!(&slot.partner, &partner.filter(|_| q.needs.partner));
            prop_assert_eq!(slot.partner.is_some(), q.needs.partner);
        }
    }

    #[test]
    fn no_free_start_is_missed(case in case()) {
        let got: Vec<Timestamp> = find_slots(&case.query, &case.resources)
            .into_iter()
            .map(|s| s.start)
            .collect();
        let all = brute_force(&case);
        let expected = &all[..all.len().min(case.query.limit)];
        prop_assert_eq!(&got[..], expected);
    }
}
