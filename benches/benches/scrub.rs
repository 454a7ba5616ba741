//! The batch scrub: claim lines per second through `procode::batch::Scrub`
//! on the embedded catalog with the real NCCI edits, one thread and all
//! cores.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use procode::batch::Scrub;
use procode::ncci::NcciEdits;
use procode::Catalog;
use procode_benches::{build_edits, data_dir, ClaimLines, CodePools};

fn scrub(c: &mut Criterion) {
    let edits = NcciEdits::from_bytes(build_edits(&data_dir())).expect("edits open");
    let cat = Catalog::embedded().expect("embedded").with_ncci(edits);
    let pools = CodePools::new(&cat);
    let lines = 65_536;
    let batches: Vec<_> = ClaimLines::new(&pools, lines, 16_384, 7).collect();
    let mut g = c.benchmark_group("scrub");
    g.throughput(Throughput::Elements(lines as u64));
    g.sample_size(10);
    for threads in [1, 0] {
        g.bench_function(format!("65536 lines, threads {threads}"), |b| {
            b.iter(|| {
                let mut s = Scrub::new(&cat).threads(threads);
                let mut n = 0;
                for batch in &batches {
                    n += s.push(batch).expect("scrubs").num_rows();
                }
                n + s.finish().expect("scrubs").num_rows()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, scrub);
criterion_main!(benches);
