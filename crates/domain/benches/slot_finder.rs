//! Criterion benchmark of the slot finder (issue 4, "Benchmark"): one query for an
//! IV medicine session over an 8-week window, with 50 clinicians, 20 rooms and 5
//! partner providers 70% booked, and the same query with 5 clinicians and 2 rooms.
//!
//! `cargo bench -p threshold-domain --bench slot_finder`; the fixture is shared with
//! `examples/slot_finder_bench`, which prints the summary without criterion.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use threshold_domain::schedule::find_slots;

#[path = "../examples/slot_finder_bench/fixture.rs"]
mod fixture;

fn slot_finder(c: &mut Criterion) {
    let (large, small) = match (fixture::scenario(50, 20, 5), fixture::scenario(5, 2, 5)) {
        (Ok(large), Ok(small)) => (large, small),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("could not build the benchmark's calendars: {e}");
            return;
        }
    };
    let mut group = c.benchmark_group("find_slots iv medicine session, 8 weeks, 70% booked");
    for scenario in [&large, &small] {
        group.bench_function(scenario.name.as_str(), |b| {
            b.iter(|| find_slots(black_box(&scenario.query), black_box(&scenario.resources)))
        });
    }
    group.finish();
    fixture::print_summary(&large, &small);
}

criterion_group!(benches, slot_finder);
criterion_main!(benches);
