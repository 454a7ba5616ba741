//! Readiness of the 20-line claim of `benches/readiness.rs`, in a loop, for
//! a figure that a loaded machine does not distort: run it under
//! `perf stat -e task-clock` (CPU time of this process only) with N calls and
//! with none, and divide the difference by N.
//!
//! ```sh
//! cargo build --release -p procode-benches --example readiness_cpu
//! B=target/release/examples/readiness_cpu
//! perf stat -e task-clock $B all 0; perf stat -e task-clock $B all 100000
//! ```
//!
//! Modes: `all` (every check), `peer` (the catalog alone, entries only),
//! `structure` (catalog statuses and the ICD-10-CM structure, no edits),
//! `ncci` (the NCCI PTP and MUE check alone), `batch` (the report's billing
//! row: a copy of the encounter, the 10-edit batch under booking review and
//! readiness on the embedded catalog) and `copy` (the copy alone, which the
//! report takes off).

use std::hint::black_box;

use procode::billing::readiness;
use procode::Catalog;
use procode_benches::{readiness_fixture, BillingFixture, EntriesOnly, Parts};

fn main() {
    let (cat, inv) = readiness_fixture();
    let mode = std::env::args().nth(1).unwrap_or_default();
    let n: u32 = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let bare = EntriesOnly(&cat);
    let parts = Parts {
        cat: &cat,
        structure: true,
    };
    let edits = cat.ncci().expect("edits attached");
    let embedded = Catalog::embedded().expect("the embedded catalog");
    let billing = BillingFixture::new(&embedded);
    let t = std::time::Instant::now();
    let mut problems = 0usize;
    for _ in 0..n {
        problems += match mode.as_str() {
            "all" => readiness(black_box(&inv), &cat, None).len(),
            "peer" => readiness(black_box(&inv), &bare, None).len(),
            "structure" => readiness(black_box(&inv), &parts, None).len(),
            "ncci" => edits.check(black_box(&inv)).map_or(0, |p| p.len()),
            "batch" => black_box(&billing).run(&embedded),
            "copy" => black_box(&billing).copy_only(),
            other => panic!("unknown mode {other:?}: all, peer, structure, ncci, batch or copy"),
        };
    }
    eprintln!(
        "{mode}: {n} calls, {:?} wall per call, {problems} problems",
        t.elapsed() / n.max(1)
    );
}
