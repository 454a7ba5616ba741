//! Criterion benchmarks of the NCCI edits: building the edits file from the
//! CMS tables (2.5M PTP edits, gzip TSV) and checking a 20-line claim.
//!
//! `cargo bench -p procode-benches --bench ncci`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use procode::ncci::NcciEdits;
use procode_benches::{build_edits, data_dir, ncci_claim};

fn benches(c: &mut Criterion) {
    let dir = data_dir();
    let bytes = build_edits(&dir);
    let edits = NcciEdits::from_bytes(bytes).expect("edits open");
    let claim = ncci_claim();

    {
        let mut g = c.benchmark_group("ncci check");
        g.bench_function("PTP + MUE, 20-line claim", |b| {
            b.iter(|| black_box(edits.check_lines(black_box(&claim), None).unwrap()))
        });
        g.finish();
    }
    {
        let mut g = c.benchmark_group("ncci build");
        g.sample_size(10);
        g.bench_function("gunzip + parse + build (2.5M PTP, 14.7k MUE)", |b| {
            b.iter(|| black_box(build_edits(&dir)))
        });
        g.finish();
    }
}

criterion_group!(ncci, benches);
criterion_main!(ncci);
