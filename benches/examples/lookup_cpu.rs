//! Exact lookup and code-prefix pages of the large catalog in a loop, for
//! figures that a loaded machine does not distort: run it under
//! `perf stat -e instructions,task-clock` with N calls and with none, and
//! divide the difference by N (or `perf record -g` it with a large N).
//!
//! ```sh
//! cargo build --release -p procode-benches --example lookup_cpu
//! B=target/release/examples/lookup_cpu
//! perf stat -e instructions,task-clock $B prefix:G04 0
//! perf stat -e instructions,task-clock $B prefix:G04 1000000
//! # where the machine has no counters, instructions of the loop alone:
//! valgrind --tool=callgrind --toggle-collect='lookup_cpu::calls' $B prefix:G04 2000
//! ```
//!
//! Modes: `lookup` (`lookup_ref`, fixed fields only, the codes of the
//! report's exact-lookup row rotating), `lookup2` (the same, both
//! descriptions read into a reused buffer), `prefix:Q` (`search_refs(Q)`
//! top 10, both descriptions of every result read), `owned:Q` (the owned
//! `search(Q)` top 10), `vec:P` (the sorted `Vec<Entry>` peer, top 10
//! entries whose code starts with `P` cloned). The large index is built
//! once into `$TMPDIR/procode-lookup-cpu.idx` and reopened by later runs.

use std::hint::black_box;

use procode::{Catalog, CodeSystem, EntryRef, SearchOptions};
use procode_benches::{build_index, data_dir, lookup_set, parse_tsvs, SortedEntries, LARGE, TOP};

fn read_both(e: &EntryRef<'_>, buf: &mut String) {
    buf.clear();
    e.write_description(buf).expect("decodes");
    e.write_short_description(buf).expect("decodes");
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let n: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let entries = parse_tsvs(&data_dir(), LARGE);
    let path = std::env::temp_dir().join("procode-lookup-cpu.idx");
    if !path.is_file() {
        std::fs::write(&path, build_index(&entries)).expect("index file written");
    }
    let cat = Catalog::open(&path).expect("the index opens");
    let lookups = lookup_set(&entries);
    let sorted = (mode.starts_with("vec:")).then(|| SortedEntries::new(&entries));
    let (kind, arg) = mode.split_once(':').unwrap_or((mode.as_str(), ""));
    // The first code-prefix search reads the code order: not measured.
    let opts = SearchOptions::default().limit(TOP);
    black_box(cat.search_refs("A0", &opts).expect("searches"));
    let t = std::time::Instant::now();
    let seen = calls(&cat, sorted.as_ref(), &lookups, kind, arg, n);
    eprintln!(
        "{mode}: {n} calls, {:?} wall per call ({seen})",
        t.elapsed() / u32::try_from(n.max(1)).unwrap_or(u32::MAX)
    );
}

/// The measured loop (a function of its own, so that
/// `valgrind --tool=callgrind --toggle-collect=lookup_cpu::calls` counts it
/// alone).
#[inline(never)]
fn calls(
    cat: &Catalog,
    sorted: Option<&SortedEntries>,
    lookups: &[(String, CodeSystem)],
    kind: &str,
    arg: &str,
    n: usize,
) -> usize {
    let opts = SearchOptions::default().limit(TOP);
    let mut buf = String::with_capacity(512);
    let mut seen = 0usize;
    for i in 0..n {
        let (code, system) = &lookups[i % lookups.len()];
        seen += match kind {
            "lookup" => cat
                .lookup_ref(black_box(code), Some(*system), None)
                .expect("looks up")
                .map_or(0, |e| e.billable() as usize),
            "lookup2" => {
                let e = cat.lookup_ref(black_box(code), Some(*system), None);
                let e = e.expect("looks up").expect("found");
                read_both(&e, &mut buf);
                buf.len()
            }
            "prefix" => {
                let found = cat.search_refs(black_box(arg), &opts).expect("searches");
                for e in &found.entries {
                    read_both(e, &mut buf);
                    black_box(&buf);
                }
                found.entries.len()
            }
            "owned" => cat.search(black_box(arg), &opts).expect("searches").len(),
            "vec" => sorted.map_or(0, |s| s.prefix(black_box(arg)).len()),
            other => panic!("unknown mode {other:?}: lookup, lookup2, prefix:Q, owned:Q or vec:P"),
        };
    }
    seen
}
