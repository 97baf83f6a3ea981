#!/bin/sh
# The slot finder over an 8-week window with 50 clinicians, 20 rooms and 5 partner
# providers, 70% of their available time booked, against 5 clinicians and 2 rooms:
# prints the time per query and the ratio (issue 4's benchmark). The criterion
# version with confidence intervals: cargo bench -p threshold-domain --bench slot_finder
set -eu
cd "$(dirname "$0")/.."
exec cargo run --quiet --release -p threshold-domain --example slot_finder_bench
