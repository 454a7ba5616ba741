//! Criterion benchmark of insurance readiness on a 20-line claim with every
//! check (issue 15): catalog checks, NCCI PTP and MUE, add-on code edits,
//! Excludes1 pairs and diagnosis sequencing — beside its peer, the same
//! claim through readiness with the catalog alone (no edits, no ICD-10-CM
//! structure: the checks before issue 15 and NCCI).
//!
//! `cargo bench -p procode-benches --bench readiness -- --warm-up-time 1 --measurement-time 2`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use procode::billing::readiness;
use procode_benches::{readiness_counts, readiness_fixture, EntriesOnly, Parts};

fn benches(c: &mut Criterion) {
    let (cat, inv) = readiness_fixture();
    let (all, bare) = readiness_counts(&cat, &inv);
    eprintln!("20-line claim: {all} problems with every check, {bare} with the catalog alone");
    let mut g = c.benchmark_group("readiness");
    g.bench_function("20-line claim, all checks", |b| {
        b.iter(|| black_box(readiness(black_box(&inv), &cat, None)))
    });
    g.bench_function("peer: 20-line claim, catalog checks only", |b| {
        let bare = EntriesOnly(&cat);
        b.iter(|| black_box(readiness(black_box(&inv), &bare, None)))
    });
    g.finish();

    // The parts of "all checks", one by one (to see where the time goes).
    let mut g = c.benchmark_group("readiness parts");
    let edits = cat.ncci().expect("edits attached");
    g.bench_function("catalog statuses only (no structure, no edits)", |b| {
        let parts = Parts {
            cat: &cat,
            structure: false,
        };
        b.iter(|| black_box(readiness(black_box(&inv), &parts, None)))
    });
    g.bench_function("catalog statuses + ICD-10-CM structure (no edits)", |b| {
        let parts = Parts {
            cat: &cat,
            structure: true,
        };
        b.iter(|| black_box(readiness(black_box(&inv), &parts, None)))
    });
    g.bench_function("NCCI PTP and MUE alone", |b| {
        b.iter(|| black_box(edits.check(black_box(&inv))))
    });
    g.finish();
}

criterion_group!(readiness_bench, benches);
criterion_main!(readiness_bench);
