//! The batch scrub of `benches/scrub.rs` (65,536 generated lines, seed 7,
//! 16k-line batches, the embedded catalog with the real NCCI edits) on one
//! thread, for figures a loaded machine does not distort: instruction counts
//! under callgrind, collected in `Scrub::step` only.
//!
//! ```sh
//! cargo build --release -p procode-benches --example scrub_cpu
//! B=target/release/examples/scrub_cpu
//! valgrind --tool=callgrind --toggle-collect='*Scrub*step*' $B 1
//! ```
//!
//! Arguments: the rounds (default 1) and, optionally, a file to write every
//! output row to (tab-separated), to compare the output of two builds. The
//! edits file is built once into the temporary directory and then opened
//! from there (building it under valgrind would take minutes). Prints the
//! rows, a hash of them and the best thread CPU time per line.

use std::io::Write;

use procode::batch::Scrub;
use procode::ncci::NcciEdits;
use procode::Catalog;
use procode_benches::{build_edits, data_dir, hash_output, ClaimLines, CodePools};

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let dump = args.next();
    let path = std::env::temp_dir().join("procode-scrub-cpu-ncci.edits");
    if !path.is_file() {
        std::fs::write(&path, build_edits(&data_dir())).expect("the edits file is written");
    }
    let edits = NcciEdits::open(&path).expect("edits open");
    let cat = Catalog::embedded().expect("embedded").with_ncci(edits);
    let pools = CodePools::new(&cat);
    let lines = 65_536;
    let batches: Vec<_> = ClaimLines::new(&pools, lines, 16_384, 7).collect();
    let mut best = f64::INFINITY;
    let mut rows = 0;
    let mut hash = 0;
    let mut out = dump.map(|p| std::io::BufWriter::new(std::fs::File::create(p).expect("dump")));
    for round in 0..rounds {
        let t = cpu_seconds();
        let mut s = Scrub::new(&cat).threads(1);
        let mut results = Vec::new();
        for batch in &batches {
            results.push(s.push(batch).expect("scrubs"));
        }
        results.push(s.finish().expect("scrubs"));
        best = best.min(cpu_seconds() - t);
        let dump = out
            .as_mut()
            .filter(|_| round == 0)
            .map(|o| o as &mut dyn Write);
        (rows, hash) = hash_output(&results, dump).expect("dump");
    }
    println!(
        "{lines} lines, {rows} problems, output hash {hash:016x}, best {:.3} µs/line of thread CPU over {rounds} rounds",
        best * 1e6 / lines as f64
    );
}

/// This thread's CPU time (user and system), from `/proc/thread-self/stat`.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // Fields 14 and 15 (utime, stime) in clock ticks; index 11, 12 after ')'.
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}
