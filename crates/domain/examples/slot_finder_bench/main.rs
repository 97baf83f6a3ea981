//! Prints the slot finder's time per query for the benchmark, without
//! criterion's statistics: `cargo run --release -p threshold-domain --example
//! slot_finder_bench`. The calendars are the criterion bench's (`benches/`).

mod fixture;

fn main() {
    match (fixture::scenario(50, 20, 5), fixture::scenario(5, 2, 5)) {
        (Ok(large), Ok(small)) => fixture::print_summary(&large, &small),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("could not build the benchmark's calendars: {e}");
            std::process::exit(1);
        }
    }
}
