//! The index build of the large catalog in a loop, for figures a loaded
//! machine does not distort (callgrind instruction counts, user CPU
//! seconds), and a digest of the bytes built so a change can be checked to
//! keep the output byte for byte.
//!
//! ```sh
//! cargo build --release -p procode-benches --example build_cpu
//! B=target/release/examples/build_cpu
//! $B digest     # FNV-1a digests of the large index, the NCCI edits file and build_determinism's
//! /usr/bin/time -f '%U user %e wall' $B tsv 5     # 5 × parse + build (the report's row)
//! valgrind --tool=callgrind --toggle-collect='build_cpu::run' $B tsv1 1
//! ```
//!
//! Modes (each followed by a repetition count): `tsv` (`build_from_tsvs`:
//! parse the TSVs and build, two threads, the report's row), `tsv1` (the
//! same on one thread), `parse` (parse only), `build` / `build1` (build
//! from entries parsed once before the loop, two threads / one thread),
//! `edits` (the report's NCCI edits build: load the PTP and MUE tables of
//! the data directory and write the edits file in memory),
//! `compare` (the report's build row and its SQLite + FTS5 peer, rounds
//! interleaved, medians and their ratio, with the load average).

use std::hint::black_box;

use std::path::Path;

use procode::import::tabular::read_tabular_path;
use procode::import::tsv::StdFile;
use procode::import::{with_history, IcdSet};
use procode::IndexBuilder;
use std::time::Instant;

use procode_benches::{build_edits, build_from_tsvs, data_dir, parse_tsvs, Sqlite, LARGE};

/// 64-bit FNV-1a of `bytes`.
fn digest(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[inline(never)]
fn run(mode: &str, n: usize, entries: &[procode::Entry]) -> usize {
    let dir = data_dir();
    let mut total = 0;
    for _ in 0..n {
        let bytes = match mode {
            "tsv" | "tsv1" => {
                let mut b = IndexBuilder::new();
                b.extend(parse_tsvs(&dir, LARGE));
                b.parallel(mode == "tsv").build().expect("builds")
            }
            "parse" => {
                total += black_box(parse_tsvs(&dir, LARGE)).len();
                continue;
            }
            "edits" => build_edits(&dir),
            "build" | "build1" => {
                let mut b = IndexBuilder::new();
                b.extend(entries.iter().cloned());
                b.parallel(mode == "build").build().expect("builds")
            }
            other => panic!("unknown mode {other:?}"),
        };
        total += black_box(bytes).len();
    }
    total
}

/// The input of `tests/build_determinism.rs`: the five code sets,
/// ICD-10-CM with its history, the tabular list's inclusion terms as extra
/// search text and the tabular section.
fn full_builder(dir: &Path) -> IndexBuilder {
    let tsvs = [
        StdFile::Hcpcs,
        StdFile::Modifiers,
        StdFile::PlaceOfService,
        StdFile::Icd10Pcs,
    ];
    let mut b = IndexBuilder::new();
    b.extend(parse_tsvs(dir, &tsvs));
    let cms = dir.join("cms");
    let own = cms.join("icd10cm_order_addenda_2026.txt");
    let later = cms.join("icd10cm_order_addenda_2027.txt");
    let h = with_history(
        IcdSet::Cm,
        &cms.join("icd10cm_order_2026.txt"),
        Some(&own),
        &[&later],
    )
    .expect("ICD-10-CM comes forward");
    b.extend(h.entries);
    for r in h.releases {
        b.release(r);
    }
    let tabular = read_tabular_path(&cms.join("icd10cm_tabular_2026.xml")).expect("tabular");
    b.add_tabular(&tabular);
    b
}

/// The median of `times` (sorted in place), in ms.
fn median_ms(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2] * 1e3
}

/// The 1-minute load average, as `/proc/loadavg` gives it.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

/// `rounds` rounds of the report's build row and its peer, interleaved.
fn compare(dir: &Path, rounds: usize) {
    let (mut ours, mut peer) = (Vec::new(), Vec::new());
    let before = load();
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        black_box(build_from_tsvs(dir, LARGE));
        ours.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        black_box(Sqlite::build_in_memory(&parse_tsvs(dir, LARGE)));
        peer.push(t.elapsed().as_secs_f64());
    }
    let (ours, peer) = (median_ms(&mut ours), median_ms(&mut peer));
    println!(
        "build from the TSVs {ours:.1} ms, SQLite table + FTS5 {peer:.1} ms, ratio {:.2}x \
         (load {before} -> {})",
        peer / ours,
        load()
    );
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let n: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let dir = data_dir();
    if mode == "digest" {
        let entries = parse_tsvs(&dir, LARGE);
        for parallel in [true, false] {
            let mut b = IndexBuilder::new();
            b.extend(entries.iter().cloned());
            let bytes = b.parallel(parallel).build().expect("builds");
            println!(
                "large, parallel {parallel}: {} bytes, fnv {:016x}",
                bytes.len(),
                digest(&bytes)
            );
        }
        let edits = build_edits(&dir);
        println!(
            "NCCI edits file: {} bytes, fnv {:016x}",
            edits.len(),
            digest(&edits)
        );
        let mut b = full_builder(&dir);
        for parallel in [true, false] {
            let bytes = b.parallel(parallel).build().expect("builds");
            println!(
                "five sets with history, terms and tabular, parallel {parallel}: {} bytes, fnv {:016x}",
                bytes.len(),
                digest(&bytes)
            );
        }
        return;
    }
    if mode == "compare" {
        compare(&dir, n);
        return;
    }
    let entries = if mode.starts_with("build") {
        parse_tsvs(&dir, LARGE)
    } else {
        Vec::new()
    };
    println!("{}", run(&mode, n, &entries));
}
