//! `cargo run --release -p procode-benches --bin report [-- --json]`
//!
//! Quick measurements of every SPEC §4 figure beside its peer, printed as one
//! table (or, with `--json`, as JSON). Plain `Instant` loops: each operation is
//! warmed up while the iteration count is calibrated, then timed in rounds; the
//! figure is the median round's time per operation. The whole report takes
//! well under two minutes on the 2-core machine; criterion (`cargo bench -p
//! procode-benches`) gives the statistically careful figures.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use procode::ncci::NcciEdits;
use procode::{Catalog, SearchOptions, Verify};
use procode_benches::{
    build_edits, build_index, ncci_claim, ncci_files, parse_tsvs, tsv_bytes, BillingFixture,
    Fixture, Sqlite, LARGE, PREFIX_QUERIES, SMALL, TOP, TYPO_QUERIES, WORD_QUERIES,
};
use serde_json::{json, Value};

/// A calibrated round of a fast operation lasts at least this long.
const FAST_ROUND: Duration = Duration::from_millis(20);
/// Rounds of a fast operation.
const FAST_ROUNDS: usize = 15;
/// Rounds of a slow operation (a build, a parse of the large TSVs).
const SLOW_ROUNDS: usize = 5;

/// The median time per call of `f(i)` (`i` counts calls, for rotating inputs).
fn median_ns(mut f: impl FnMut(usize), min_round: Duration, rounds: usize) -> f64 {
    // Calibration doubles the count until a round lasts `min_round`; it is the
    // warm-up too.
    let mut iters = 1usize;
    loop {
        let t = Instant::now();
        for i in 0..iters {
            f(i);
        }
        if t.elapsed() >= min_round || iters >= 1 << 26 {
            break;
        }
        iters *= 2;
    }
    let mut per: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            for i in 0..iters {
                f(i);
            }
            t.elapsed().as_nanos() as f64 / iters as f64
        })
        .collect();
    per.sort_by(f64::total_cmp);
    per[per.len() / 2]
}

fn fast(f: impl FnMut(usize)) -> f64 {
    median_ns(f, FAST_ROUND, FAST_ROUNDS)
}

fn slow(f: impl FnMut(usize)) -> f64 {
    median_ns(f, Duration::ZERO, SLOW_ROUNDS)
}

/// A figure of the table.
#[derive(Debug, Clone)]
enum Fig {
    Ns(f64),
    Bytes(u64),
    Text(&'static str),
}

impl Fig {
    fn show(&self) -> String {
        match self {
            Fig::Ns(ns) if *ns < 1e3 => format!("{ns:.0} ns"),
            Fig::Ns(ns) if *ns < 1e6 => format!("{:.2} µs", ns / 1e3),
            Fig::Ns(ns) if *ns < 1e9 => format!("{:.1} ms", ns / 1e6),
            Fig::Ns(ns) => format!("{:.2} s", ns / 1e9),
            Fig::Bytes(b) => format!("{:.1} MiB", *b as f64 / (1024.0 * 1024.0)),
            Fig::Text(t) => (*t).to_owned(),
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Fig::Ns(n) => Some(*n),
            Fig::Bytes(b) => Some(*b as f64),
            Fig::Text(_) => None,
        }
    }
}

/// One row: operation | procode | peer | peer figure | ratio | target | met?
struct Row {
    op: String,
    procode: Fig,
    peer: &'static str,
    peer_fig: Option<Fig>,
    target: &'static str,
    met: Option<bool>,
    /// Sizes show procode ÷ peer as a percentage; times show peer ÷ procode.
    size: bool,
}

impl Row {
    /// A time row: procode's figure beside its peer's (when it has one).
    fn time(
        op: String,
        ours: f64,
        peer: (&'static str, Option<f64>),
        target: &'static str,
        met: Option<bool>,
    ) -> Row {
        Row {
            op,
            procode: Fig::Ns(ours),
            peer: peer.0,
            peer_fig: peer.1.map(Fig::Ns),
            target,
            met,
            size: false,
        }
    }

    /// A size row (bytes): procode's figure beside its peer's.
    fn bytes(op: String, ours: u64, peer: (&'static str, u64), target: &'static str) -> Row {
        Row {
            op,
            procode: Fig::Bytes(ours),
            peer: peer.0,
            peer_fig: Some(Fig::Bytes(peer.1)),
            target,
            met: None,
            size: true,
        }
    }

    fn ratio(&self) -> Option<f64> {
        let p = self.procode.number()?;
        let q = self.peer_fig.as_ref()?.number()?;
        Some(if self.size { p / q } else { q / p })
    }

    fn ratio_text(&self) -> String {
        match self.ratio() {
            None => "—".into(),
            Some(r) if self.size => format!("{:.0}% of peer", r * 100.0),
            Some(r) if r >= 10.0 => format!("{r:.0}×"),
            Some(r) => format!("{r:.2}×"),
        }
    }

    fn json(&self) -> Value {
        json!({
            "operation": self.op,
            "procode": self.procode.show(),
            "procode_value": self.procode.number(),
            "unit": if self.size { "bytes" } else { "ns" },
            "peer": self.peer,
            "peer_value": self.peer_fig.as_ref().and_then(Fig::number),
            "ratio": self.ratio(),
            "ratio_meaning": if self.size { "procode / peer" } else { "peer / procode" },
            "target": self.target,
            "met": self.met,
        })
    }
}

/// Kibibytes of a `/proc/self/status` field (`VmHWM`, `VmRSS`).
fn status_kib(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The child process of the memory probe: open the embedded catalog, search
/// once, print `hwm_before rss_before hwm_after rss_after` in KiB.
fn embedded_probe() {
    let before = (status_kib("VmHWM:"), status_kib("VmRSS:"));
    let cat = Catalog::embedded().expect("this build carries the embedded catalog");
    let hits = cat
        .search("diab mell", &SearchOptions::default())
        .expect("search");
    black_box(hits);
    let after = (status_kib("VmHWM:"), status_kib("VmRSS:"));
    println!(
        "{} {} {} {}",
        before.0.unwrap_or(0),
        before.1.unwrap_or(0),
        after.0.unwrap_or(0),
        after.1.unwrap_or(0)
    );
}

/// Runs the memory probe in a fresh process (the report's own peak is the
/// fixture's); `None` when it cannot run.
fn embedded_memory() -> Option<[u64; 4]> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe).arg("--embedded-probe").output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let v: Vec<u64> = text
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    v.try_into().ok()
}

/// A document of `n` lines: the 20-line claim repeated, one date of service
/// per repetition (a long course of treatment on one invoice).
fn ncci_document(n: usize) -> Vec<procode::billing::CodeLine> {
    let claim = ncci_claim();
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
    (0..n)
        .map(|i| {
            let mut l = claim[i % claim.len()].clone();
            l.id = format!("L{}", i + 1);
            l.date_of_service = start.checked_add_days(chrono::Days::new((i / claim.len()) as u64));
            l
        })
        .collect()
}

/// The NCCI check over 100 to 100,000 lines (SPEC: O(n log n) in lines):
/// the time per line should stay about flat.
fn ncci_curve(edits: &NcciEdits) -> Vec<Row> {
    eprintln!("report: NCCI check curve ...");
    let mut rows = Vec::new();
    let mut per_line_1k = None;
    for n in [100usize, 1_000, 10_000, 100_000] {
        let doc = ncci_document(n);
        let t = median_ns(
            |_| {
                black_box(edits.check_lines(black_box(&doc), None).unwrap());
            },
            Duration::from_millis(50),
            5,
        );
        let per_line = t / n as f64;
        if n == 1_000 {
            per_line_1k = Some(per_line);
        }
        let last = n == 100_000;
        rows.push(Row {
            op: format!(
                "NCCI PTP + MUE check, {n}-line document ({} dates; {} per line)",
                n.div_ceil(20),
                Fig::Ns(per_line).show()
            ),
            procode: Fig::Ns(t),
            peer: "—",
            peer_fig: None,
            target: if last {
                "O(n log n): per line ≤ 3× the 1,000-line figure"
            } else {
                "O(n log n) (curve)"
            },
            met: if last {
                per_line_1k.map(|k| per_line <= 3.0 * k)
            } else {
                None
            },
            size: false,
        });
    }
    rows
}

// Long on purpose (about 460 lines): the report is one linear script whose
// blocks (lookup, prefix, words, typos, build, open, sizes, NCCI, Python,
// billing, scrub, output) each time one row family against its peer and
// read top to bottom like the table they print; the measuring itself lives
// in `fast`/`slow` and the fixtures.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if procode_benches::memory::probe_main(&args) {
        return;
    }
    if args.iter().any(|a| a == "--lookup-rows") {
        lookup_report();
        return;
    }
    if args.iter().any(|a| a == "--embedded-probe") {
        embedded_probe();
        return;
    }
    if let [flag, lines, edits] = &args[..] {
        if flag == "--scrub-probe" {
            let lines = lines.parse().expect("--scrub-probe LINES EDITS");
            procode_benches::scrub_memory_probe(lines, std::path::Path::new(edits));
            return;
        }
    }
    let as_json = args.iter().any(|a| a == "--json");
    let curve_only = args.iter().any(|a| a == "--ncci-curve");
    if let Some(a) = args
        .iter()
        .find(|a| !matches!(a.as_str(), "--json" | "--ncci-curve" | ""))
    {
        eprintln!("usage: report [--json] [--ncci-curve]   (unknown argument {a:?})");
        std::process::exit(2);
    }
    if curve_only {
        // Only the NCCI curve rows (building the edits file first).
        let edits =
            NcciEdits::from_bytes(build_edits(&procode_benches::data_dir())).expect("edits open");
        for r in ncci_curve(&edits) {
            println!("{} | {} | {}", r.op, r.procode.show(), r.target);
        }
        return;
    }
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; run the report with --release");
    }

    let started = Instant::now();
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into());
    eprintln!("report: loading the large catalog and building the peers ...");
    let fx = Fixture::load();
    let opts = SearchOptions::default().limit(TOP);
    let mut rows: Vec<Row> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    eprintln!("report: timing ...");

    // Exact lookup.
    let n = fx.lookups.len();
    let ours = fast(|i| {
        let (c, s) = &fx.lookups[i % n];
        black_box(fx.catalog.lookup(c, Some(*s), None).unwrap());
    });
    let peer = fast(|i| {
        let (c, s) = &fx.lookups[i % n];
        black_box(fx.sqlite.lookup(c, *s));
    });
    rows.push(Row {
        op: format!("exact lookup ({n} codes, rotating)"),
        procode: Fig::Ns(ours),
        peer: "SQLite primary key",
        peer_fig: Some(Fig::Ns(peer)),
        target: "≤ 250 ns; peer ≥ 5× slower",
        met: Some(ours <= 250.0 && peer / ours >= 5.0),
        size: false,
    });

    borrowed_rows(&fx, &mut rows);

    // Code-prefix typeahead.
    for (query, prefix) in PREFIX_QUERIES {
        let ours = fast(|_| {
            black_box(fx.catalog.search(black_box(query), &opts).unwrap());
        });
        let sql = fast(|_| {
            black_box(fx.sqlite.prefix(black_box(prefix)));
        });
        let vec = fast(|_| {
            black_box(fx.sorted.prefix(black_box(prefix)));
        });
        let ent = fast(|_| {
            black_box(fx.sorted_entries.prefix(black_box(prefix)));
        });
        let got = fx.catalog.search(query, &opts).unwrap();
        let codes: Vec<String> = got.iter().map(|e| e.code.as_str().to_owned()).collect();
        if codes != fx.sorted.prefix(prefix) {
            notes.push(format!(
                "prefix {prefix}: procode and the sorted Vec return different codes"
            ));
        }
        rows.push(Row {
            op: format!("code prefix {query:?} top {TOP}"),
            procode: Fig::Ns(ours),
            peer: "SQLite range query",
            peer_fig: Some(Fig::Ns(sql)),
            target: "≤ 1 µs; peer ≥ 5× slower",
            met: Some(ours <= 1e3 && sql / ours >= 5.0),
            size: false,
        });
        rows.push(Row {
            op: format!("code prefix {query:?} top {TOP}"),
            procode: Fig::Ns(ours),
            peer: "sorted Vec<String>",
            peer_fig: Some(Fig::Ns(vec)),
            target: "≤ 1 µs; within 2× of peer",
            met: Some(ours <= 1e3 && ours <= 2.0 * vec),
            size: false,
        });
        rows.push(Row {
            op: format!("code prefix {query:?} top {TOP}"),
            procode: Fig::Ns(ours),
            peer: "sorted Vec<Entry> (clones entries)",
            peer_fig: Some(Fig::Ns(ent)),
            target: "(info; returns what procode returns)",
            met: None,
            size: false,
        });
    }

    // Word search.
    for (k, query) in WORD_QUERIES.iter().enumerate() {
        let expr = Sqlite::match_expr(query);
        let ours = fast(|_| {
            black_box(fx.catalog.search(black_box(query), &opts).unwrap());
        });
        let peer = fast(|_| {
            black_box(fx.sqlite.words(black_box(&expr)));
        });
        let (a, b) = (
            fx.catalog.search(query, &opts).unwrap().len(),
            fx.sqlite.words(&expr).len(),
        );
        if a != b {
            notes.push(format!(
                "words {query:?}: procode returns {a} results, SQLite {b}"
            ));
        }
        let spec = k == 0;
        rows.push(Row {
            op: format!("word search {query:?} top {TOP}"),
            procode: Fig::Ns(ours),
            peer: "SQLite FTS5 prefix MATCH",
            peer_fig: Some(Fig::Ns(peer)),
            target: if spec {
                "≤ 10 µs; peer ≥ 10× slower"
            } else {
                "(info; SPEC row is \"diab mell\")"
            },
            met: spec.then_some(ours <= 10e3 && peer / ours >= 10.0),
            size: false,
        });
    }

    // One-typo search.
    for query in TYPO_QUERIES {
        let ours = fast(|_| {
            black_box(fx.catalog.search(black_box(query), &opts).unwrap());
        });
        rows.push(Row {
            op: format!("one-typo search {query:?} top {TOP}"),
            procode: Fig::Ns(ours),
            peer: "— (SQLite has none)",
            peer_fig: None,
            target: "≤ 50 µs",
            met: Some(ours <= 50e3),
            size: false,
        });
    }

    // Build from the TSVs, with its phases.
    let parse = slow(|_| {
        black_box(parse_tsvs(&fx.dir, LARGE));
    });
    let index = slow(|_| {
        black_box(build_index(black_box(&fx.entries)));
    });
    let ours = slow(|_| {
        black_box(procode_benches::build_from_tsvs(&fx.dir, LARGE));
    });
    let peer = slow(|_| {
        black_box(Sqlite::build_in_memory(&parse_tsvs(&fx.dir, LARGE)));
    });
    notes.push(format!(
        "build phases: parse the TSVs {} + build the index {} (from already parsed entries, \
         including cloning them into the builder)",
        Fig::Ns(parse).show(),
        Fig::Ns(index).show()
    ));
    rows.push(Row {
        op: format!("build the index from the TSVs ({} codes)", fx.entries.len()),
        procode: Fig::Ns(ours),
        peer: "SQLite table + FTS5 build",
        peer_fig: Some(Fig::Ns(peer)),
        target: "≤ 300 ms; peer ≥ 2× slower",
        met: Some(ours <= 300e6 && peer / ours >= 2.0),
        size: false,
    });

    // Open the index file.
    let small_parse = fast(|_| {
        black_box(parse_tsvs(&fx.dir, SMALL));
    });
    for (size, path, reparse) in [
        ("small", fx.small_index_file.path(), small_parse),
        ("large", fx.index_file.path(), parse),
    ] {
        let lazy = fast(|_| {
            black_box(Catalog::open_with(path, Verify::Lazy).unwrap());
        });
        let full = fast(|_| {
            black_box(Catalog::open_with(path, Verify::Full).unwrap());
        });
        let codes = Catalog::open(path).unwrap().len();
        rows.push(Row {
            op: format!("open the index file, {size} ({codes} codes), Verify::Lazy"),
            procode: Fig::Ns(lazy),
            peer: "re-parse the TSVs",
            peer_fig: Some(Fig::Ns(reparse)),
            target: "≤ 100 µs at any size",
            met: Some(lazy <= 100e3),
            size: false,
        });
        rows.push(Row {
            op: format!("open the index file, {size} ({codes} codes), Verify::Full"),
            procode: Fig::Ns(full),
            peer: "re-parse the TSVs",
            peer_fig: Some(Fig::Ns(reparse)),
            target: "(info; the target is about Lazy)",
            met: None,
            size: false,
        });
    }

    // Sizes.
    let index_bytes = fx.index_bytes.len() as u64;
    let tsv = tsv_bytes(&fx.dir, LARGE);
    rows.push(Row {
        op: "index file size".into(),
        procode: Fig::Bytes(index_bytes),
        peer: "TSV bytes",
        peer_fig: Some(Fig::Bytes(tsv)),
        target: "≤ 50% of the TSV bytes",
        met: Some(index_bytes as f64 <= 0.5 * tsv as f64),
        size: true,
    });
    rows.push(Row {
        op: "index file size".into(),
        procode: Fig::Bytes(index_bytes),
        peer: "SQLite file (table + FTS5)",
        peer_fig: Some(Fig::Bytes(fx.sqlite_bytes())),
        target: "(peer)",
        met: None,
        size: true,
    });
    rows.push(Row {
        op: "index file size".into(),
        procode: Fig::Bytes(index_bytes),
        peer: "SQLite table only (no FTS5)",
        peer_fig: Some(Fig::Bytes(fx.sqlite_table_bytes())),
        target: "(info)",
        met: None,
        size: true,
    });

    // NCCI edits: build, size, and the claim check.
    eprintln!("report: NCCI edits ...");
    let (ptp_path, _) = ncci_files(&fx.dir);
    let mut edits_bytes = Vec::new();
    let build = slow(|_| {
        edits_bytes = build_edits(&fx.dir);
    });
    let gunzip = slow(|_| {
        let f = std::fs::File::open(&ptp_path).expect("PTP table");
        let mut d = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(f));
        black_box(std::io::copy(&mut d, &mut std::io::sink()).expect("gunzip"));
    });
    let gz_bytes = std::fs::metadata(&ptp_path).expect("PTP table").len();
    let edits = NcciEdits::from_bytes(edits_bytes.clone()).expect("edits open");
    rows.push(Row {
        op: format!(
            "build the NCCI edits file ({} PTP edits, {} MUEs)",
            edits.ptp_rows(),
            edits.mue_rows()
        ),
        procode: Fig::Ns(build),
        peer: "gunzip the PTP TSV only",
        peer_fig: Some(Fig::Ns(gunzip)),
        target: "(info)",
        met: None,
        size: false,
    });
    rows.push(Row {
        op: format!("NCCI edits file size ({} pairs)", edits.pair_count()),
        procode: Fig::Bytes(edits_bytes.len() as u64),
        peer: "PTP gzip TSV bytes",
        peer_fig: Some(Fig::Bytes(gz_bytes)),
        target: "(info)",
        met: None,
        size: true,
    });
    let claim = ncci_claim();
    let check = fast(|_| {
        black_box(edits.check_lines(black_box(&claim), None).unwrap());
    });
    rows.push(Row {
        op: format!("NCCI PTP + MUE check, {}-line claim", claim.len()),
        procode: Fig::Ns(check),
        peer: "—",
        peer_fig: None,
        target: "≤ 10 µs",
        met: Some(check <= 10e3),
        size: false,
    });

    rows.extend(ncci_curve(&edits));

    // Python: procode's `Catalog.search` against sqlite3 FTS5, both from
    // Python, beside the same query in Rust on the same (embedded) catalog.
    let embedded = Catalog::embedded().expect("the embedded catalog");
    let rust_embedded = fast(|_| {
        black_box(embedded.search(PY_QUERY, &opts).unwrap());
    });
    match python_figures() {
        Ok((py, py_sqlite)) => {
            rows.push(Row {
                op: format!("Python cat.search {PY_QUERY:?} top 10 (embedded catalog)"),
                procode: Fig::Ns(py),
                peer: "sqlite3 FTS5 from Python",
                peer_fig: Some(Fig::Ns(py_sqlite)),
                target: "≤ 2 µs above the Rust figure",
                met: Some(py - rust_embedded <= 2_000.0),
                size: false,
            });
            notes.push(format!(
                "Python row: the same search from Rust takes {}, so Python adds {}",
                Fig::Ns(rust_embedded).show(),
                Fig::Ns(py - rust_embedded).show()
            ));
        }
        Err(why) => {
            notes.push(format!("Python row skipped: {why}"));
            rows.push(Row {
                op: "Python cat.search".into(),
                procode: Fig::Text("not measured (see the note)"),
                peer: "sqlite3 FTS5 from Python",
                peer_fig: None,
                target: "≤ 2 µs above the Rust figure",
                met: None,
                size: false,
            });
        }
    }

    // Billing: a 10-edit batch under booking review, then readiness.
    let bf = BillingFixture::new(&embedded);
    assert_eq!(bf.run(&embedded), 0, "the benchmark invoice is ready");
    let copy = fast(|_| {
        black_box(bf.copy_only());
    });
    let batch = fast(|_| {
        black_box(bf.run(&embedded));
    });
    let ours = (batch - copy).max(0.0);
    rows.push(Row {
        op: "apply a 10-edit batch + readiness".into(),
        procode: Fig::Ns(ours),
        peer: "—",
        peer_fig: None,
        target: "≤ 20 µs",
        met: Some(ours <= 20_000.0),
        size: false,
    });
    notes.push(format!(
        "billing row: {} per batch + readiness with the copy of the encounter, {} for the copy alone",
        Fig::Ns(batch).show(),
        Fig::Ns(copy).show()
    ));

    // Batch scrubbing (procode::batch, procode.scrub, the Spark job).
    eprintln!("report: batch scrub (Rust, Python, Spark; a few minutes) ...");
    scrub_rows(&edits, &edits_bytes, &mut rows, &mut notes);

    python_catalog_rows(&mut rows, &mut notes);
    memory_rows(&fx, &mut rows, &mut notes);
    scaling_rows(&fx, &mut rows);
    let mem = embedded_memory();
    let today = chrono::Local::now().date_naive();
    let elapsed = started.elapsed().as_secs_f64();

    if as_json {
        let memory = mem.map(|[hb, rb, ha, ra]| {
            json!({
                "vm_hwm_kib": ha,
                "vm_rss_kib": ra,
                "vm_hwm_before_kib": hb,
                "vm_rss_before_kib": rb,
                "rss_delta_kib": ra.saturating_sub(rb),
            })
        });
        let doc = json!({
            "date": today.to_string(),
            "codes": fx.entries.len(),
            "load_average_at_start": load,
            "rows": rows.iter().map(Row::json).collect::<Vec<_>>(),
            "sizes": {
                "index_bytes": index_bytes,
                "tsv_bytes": tsv,
                "sqlite_bytes": fx.sqlite_bytes(),
                "sqlite_table_bytes": fx.sqlite_table_bytes(),
            },
            "embedded_open_and_search_memory": memory,
            "notes": notes,
            "seconds": elapsed,
        });
        println!("{}", serde_json::to_string_pretty(&doc).expect("JSON"));
        return;
    }

    println!(
        "procode benchmark report, {today}: HCPCS + ICD-10-CM + ICD-10-PCS, {} codes; \
         median of {FAST_ROUNDS} rounds (builds and large parses: {SLOW_ROUNDS}); \
         1-min load average at start {load} on {} cores",
        fx.entries.len(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    println!("| operation | procode | peer | peer figure | ratio | SPEC target | met? |");
    println!("|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.op,
            r.procode.show(),
            r.peer,
            r.peer_fig.as_ref().map_or("—".into(), Fig::show),
            r.ratio_text(),
            r.target,
            match r.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "—",
            }
        );
    }
    println!();
    println!(
        "ratio: peer ÷ procode for times (above 1 = procode faster); procode ÷ peer for sizes."
    );
    println!(
        "sizes: index {index_bytes} B, TSVs {tsv} B, SQLite file {} B (without FTS5: {} B).",
        fx.sqlite_bytes(),
        fx.sqlite_table_bytes()
    );
    match mem {
        Some([hb, rb, ha, ra]) => println!(
            "memory, Catalog::embedded() + one search in a fresh process: peak (VmHWM) \
             {:.1} MiB, RSS {:.1} MiB, of which {:.1} MiB added by the open and search \
             (VmHWM before {:.1} MiB)",
            ha as f64 / 1024.0,
            ra as f64 / 1024.0,
            ra.saturating_sub(rb) as f64 / 1024.0,
            hb as f64 / 1024.0
        ),
        None => println!("memory: the embedded-catalog probe could not run"),
    }
    for n in &notes {
        println!("note: {n}");
    }
    println!("({elapsed:.0} s)");
}

/// The batch-scrub rows: the Rust scrub per line; from Python, `procode.scrub`
/// against `readiness` per document; the Spark job at 1 and 2 slots; the
/// peak memory of a streamed million lines.
// Long on purpose: one block per row of the scrub family, in table order.
fn scrub_rows(edits: &NcciEdits, edits_bytes: &[u8], rows: &mut Vec<Row>, notes: &mut Vec<String>) {
    use procode::batch::Scrub;
    use procode_benches::{python_json, ClaimLines, CodePools};

    let cat = Catalog::embedded()
        .expect("the embedded catalog")
        .with_ncci(edits.clone());
    let pools = CodePools::new(&cat);
    let lines = 131_072;
    let batches: Vec<_> = ClaimLines::new(&pools, lines, 65_536, 7).collect();
    let run = |threads: usize| {
        let mut s = Scrub::new(&cat).threads(threads);
        let mut n = 0;
        for b in &batches {
            n += s.push(b).expect("scrubs").num_rows();
        }
        n + s.finish().expect("scrubs").num_rows()
    };
    let one = slow(|_| {
        black_box(run(1));
    }) / lines as f64;
    let all = slow(|_| {
        black_box(run(0));
    }) / lines as f64;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    rows.push(Row {
        op: format!("Rust batch::Scrub, per line, 1 thread ({lines} lines, NCCI edits)"),
        procode: Fig::Ns(one),
        peer: "—",
        peer_fig: None,
        target: "(info)",
        met: None,
        size: false,
    });
    rows.push(Row {
        op: format!("Rust batch::Scrub, per line, {cores} threads"),
        procode: Fig::Ns(all),
        peer: "the same, 1 thread",
        peer_fig: Some(Fig::Ns(one)),
        target: "(info; the machine's cores)",
        met: None,
        size: false,
    });
    notes.push(format!(
        "Rust scrub: {:.0} lines/s on 1 thread, {:.0} lines/s on {cores}",
        1e9 / one,
        1e9 / all
    ));

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join(".venv/bin/python");
    let data = procode_benches::data_dir().display().to_string();
    let py = if python.is_file() {
        python_json(
            &python,
            &root.join("benches/python/scrub_throughput.py"),
            &[data.clone(), "60000".into()],
        )
    } else {
        Err("no .venv: run `make test-python` first".into())
    };
    let num = |v: &serde_json::Value, k: &str| v.get(k).and_then(serde_json::Value::as_f64);
    match &py {
        Ok(v) => {
            if let (Some(n), Some(one), Some(all), Some(peer), Some(ready)) = (
                num(v, "lines"),
                num(v, "scrub_1_thread_s"),
                num(v, "scrub_all_cores_s"),
                num(v, "per_document_s"),
                num(v, "per_document_readiness_only_s"),
            ) {
                let (one, all, peer) = (one * 1e9 / n, all * 1e9 / n, peer * 1e9 / n);
                rows.push(Row {
                    op: format!("Python procode.scrub, per line, 1 thread ({n} lines, NCCI edits)"),
                    procode: Fig::Ns(one),
                    peer: "readiness per document from Python",
                    peer_fig: Some(Fig::Ns(peer)),
                    target: "≥ 20× faster than the peer",
                    met: Some(peer / one >= 20.0),
                    size: false,
                });
                rows.push(Row {
                    op: format!("Python procode.scrub, per line, {cores} threads"),
                    procode: Fig::Ns(all),
                    peer: "readiness per document from Python",
                    peer_fig: Some(Fig::Ns(peer)),
                    target: "(info)",
                    met: None,
                    size: false,
                });
                notes.push(format!(
                    "Python scrub: {:.0} lines/s on 1 thread, {:.0} on {cores}; per document {:.0} lines/s, \
                     of which readiness itself {:.1} s of {:.1} s (the rest builds the documents)",
                    1e9 / one,
                    1e9 / all,
                    1e9 / peer,
                    ready,
                    peer * n / 1e9
                ));
            }
        }
        Err(why) => notes.push(format!("Python scrub rows skipped: {why}")),
    }

    let spark = if python.is_file() {
        python_json(
            &python,
            &root.join("examples/spark/bench.py"),
            &[data, "400000".into()],
        )
    } else {
        Err("no .venv".into())
    };
    match &spark {
        Ok(v) => {
            if let (Some(n), Some(s1), Some(s2)) =
                (num(v, "lines"), num(v, "local_1_s"), num(v, "local_2_s"))
            {
                let (one, two) = (s1 * 1e9 / n, s2 * 1e9 / n);
                rows.push(Row {
                    op: format!("Spark job, local[1], per line ({n} lines, Parquet in and out)"),
                    procode: Fig::Ns(one),
                    peer: "—",
                    peer_fig: None,
                    target: "(info)",
                    met: None,
                    size: false,
                });
                rows.push(Row {
                    op: "Spark job, local[2], per line".into(),
                    procode: Fig::Ns(two),
                    peer: "the same at local[1]",
                    peer_fig: Some(Fig::Ns(one)),
                    target: "(info)",
                    met: None,
                    size: false,
                });
                notes.push(format!(
                    "Spark: {:.0} lines/s at local[1], {:.0} lines/s at local[2]",
                    1e9 / one,
                    1e9 / two
                ));
            }
        }
        Err(why) => notes.push(format!("Spark rows skipped: {why}")),
    }

    // Peak memory of a streamed scrub, in fresh processes: a million lines
    // against a tenth of that.
    let file = procode_benches::TempFile::new("scrub-probe-edits");
    std::fs::write(file.path(), edits_bytes).expect("write the edits file");
    let probe = |lines: usize| -> Option<(u64, f64)> {
        let exe = std::env::current_exe().ok()?;
        let out = Command::new(exe)
            .arg("--scrub-probe")
            .arg(lines.to_string())
            .arg(file.path())
            .output()
            .ok()?;
        let text = String::from_utf8(out.stdout).ok()?;
        let v: Vec<&str> = text.split_whitespace().collect();
        Some((v.get(1)?.parse().ok()?, v.get(2)?.parse().ok()?))
    };
    match (probe(1_000_000), probe(100_000)) {
        (Some((big, secs)), Some((small, _))) => {
            rows.push(Row {
                op: "scrub 1,000,000 lines streamed (64k-line batches): peak RSS".into(),
                procode: Fig::Bytes(big * 1024),
                peer: "the same for 100,000 lines",
                peer_fig: Some(Fig::Bytes(small * 1024)),
                target: "bounded: about the peer's",
                met: Some((big as f64) <= 1.5 * small as f64),
                size: true,
            });
            notes.push(format!(
                "1M-line streamed scrub: {secs:.1} s, peak RSS {:.0} MiB (100k lines: {:.0} MiB)",
                big as f64 / 1024.0,
                small as f64 / 1024.0
            ));
        }
        _ => notes.push("the scrub memory probe could not run".into()),
    }
}

/// The query of the Python row.
const PY_QUERY: &str = "diab mell";

/// Times `procode.Catalog.search` and an sqlite3 FTS5 query from Python, in
/// the virtualenv that `make test-python` builds (`.venv` at the workspace
/// root). Returns nanoseconds per call: (procode, sqlite3).
fn python_figures() -> Result<(f64, f64), String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join(".venv/bin/python");
    if !python.is_file() {
        return Err("no .venv: run `make test-python` first (it builds the package)".into());
    }
    let data = procode_benches::data_dir();
    let out = Command::new(&python)
        .arg("-c")
        .arg(PY_SCRIPT)
        .arg(&data)
        .arg(PY_QUERY)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!(
            "the Python timing failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace().map(str::parse::<f64>);
    match (it.next(), it.next()) {
        (Some(Ok(a)), Some(Ok(b))) => Ok((a, b)),
        _ => Err(format!(
            "unexpected output from the Python timing: {text:?}"
        )),
    }
}

/// Builds an FTS5 table over the embedded code sets' descriptions and times
/// both searches (best of 7 rounds of 2000 calls); prints ns per call.
const PY_SCRIPT: &str = r#"
import csv, sqlite3, sys, time
import procode
data, query = sys.argv[1], sys.argv[2]
cat = procode.Catalog.embedded()
db = sqlite3.connect(":memory:")
db.execute("create virtual table f using fts5(code unindexed, description, short)")
def rows(name, code, desc, short):
    with open(f"{data}/{name}", newline="") as fh:
        for r in csv.DictReader(fh, delimiter="	", quoting=csv.QUOTE_NONE):
            yield (r[code], r[desc], r[short])
for name, cols in [("hcpcs_level2.tsv", ("code", "long_description", "short_description")),
                   ("modifiers.tsv", ("code", "long_description", "short_description")),
                   ("place_of_service.tsv", ("code", "name", "name")),
                   ("icd10cm.tsv", ("code", "description", "short_description"))]:
    db.executemany("insert into f values (?, ?, ?)", rows(name, *cols))
match = " ".join('"%s"*' % w for w in query.split())
sql = "select code, description, short from f where f match ? order by length(description), code limit 10"
def best(fn, n=2000, rounds=7):
    fn()
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        out.append((time.perf_counter() - t) / n)
    return min(out) * 1e9
ours = best(lambda: cat.search(query, limit=10))
peer = best(lambda: db.execute(sql, (match,)).fetchall(), n=200)
print(ours, peer)
"#;

/// Reads both descriptions of a borrowed entry into `buf` (cleared first):
/// what a typeahead shows of each result.
fn read_both(e: &procode::EntryRef<'_>, buf: &mut String) {
    buf.clear();
    e.write_description(buf).expect("decodes");
    e.write_short_description(buf).expect("decodes");
}

/// The borrowed-entry rows (issue 18 item 1): exact lookup and code-prefix
/// top 10 through `EntryRef`, the prefix rows reading both descriptions of
/// every result, beside SQLite and the sorted `Vec<Entry>`.
fn borrowed_rows(fx: &Fixture, rows: &mut Vec<Row>) {
    let n = fx.lookups.len();
    let sql = fast(|i| {
        let (c, s) = &fx.lookups[i % n];
        black_box(fx.sqlite.lookup(c, *s));
    });
    let fixed = fast(|i| {
        let (c, s) = &fx.lookups[i % n];
        black_box(fx.catalog.lookup_ref(c, Some(*s), None).unwrap());
    });
    let mut buf = String::with_capacity(512);
    let both = fast(|i| {
        let (c, s) = &fx.lookups[i % n];
        let e = fx.catalog.lookup_ref(c, Some(*s), None).unwrap().unwrap();
        read_both(&e, &mut buf);
        black_box(&buf);
    });
    rows.push(Row::time(
        format!("exact lookup, borrowed (lookup_ref; {n} codes, rotating)"),
        fixed,
        ("SQLite primary key", Some(sql)),
        "≤ 250 ns; peer ≥ 5× slower",
        Some(fixed <= 250.0 && sql / fixed >= 5.0),
    ));
    rows.push(Row::time(
        "exact lookup, borrowed, reading both descriptions".into(),
        both,
        ("SQLite primary key", Some(sql)),
        "(info; the row the SQLite peer matches)",
        None,
    ));
    let opts = SearchOptions::default().limit(TOP);
    for (query, prefix) in PREFIX_QUERIES {
        let ours = fast(|_| {
            let found = fx.catalog.search_refs(black_box(query), &opts).unwrap();
            for e in &found.entries {
                read_both(e, &mut buf);
                black_box(&buf);
            }
        });
        let sql = fast(|_| {
            black_box(fx.sqlite.prefix(black_box(prefix)));
        });
        let ent = fast(|_| {
            black_box(fx.sorted_entries.prefix(black_box(prefix)));
        });
        let op = format!("code prefix {query:?} top {TOP}, borrowed, both descriptions read");
        rows.push(Row::time(
            op.clone(),
            ours,
            ("SQLite range query", Some(sql)),
            "≤ 1 µs; peer ≥ 5× slower",
            Some(ours <= 1e3 && sql / ours >= 5.0),
        ));
        rows.push(Row::time(
            op,
            ours,
            ("sorted Vec<Entry> (clones entries)", Some(ent)),
            "≤ 1 µs; within 1.5× of peer",
            Some(ours <= 1e3 && ours <= 1.5 * ent),
        ));
    }
}

/// The memory rows (issue 18 item 5): peak RSS of a fresh process that
/// opens the embedded catalog and searches 1,000 times; eight processes
/// mapping the same index file, with the file's pages resident once.
fn memory_rows(fx: &Fixture, rows: &mut Vec<Row>, notes: &mut Vec<String>) {
    use procode_benches::memory::{searches_memory, shared_mapping};
    let Ok(exe) = std::env::current_exe() else {
        notes.push("memory rows skipped: no path to this binary".into());
        return;
    };
    match searches_memory(&exe) {
        Ok([hb, _, ha, ra]) => {
            rows.push(Row::bytes(
                "Catalog::embedded() + 1,000 searches, fresh process: peak RSS".into(),
                ha * 1024,
                ("the process before opening", hb * 1024),
                "(info; issue 18 item 5)",
            ));
            notes.push(format!(
                "memory, embedded + 1,000 searches: VmHWM {:.1} MiB (before the open {:.1} MiB), VmRSS after {:.1} MiB",
                ha as f64 / 1024.0,
                hb as f64 / 1024.0,
                ra as f64 / 1024.0
            ));
        }
        Err(e) => notes.push(format!("memory row skipped: {e}")),
    }
    let n = 8;
    match shared_mapping(&exe, fx.index_file.path(), n) {
        Ok(procs) => {
            let sum = |f: fn(&procode_benches::memory::ProcessMemory) -> u64| {
                procs.iter().map(f).sum::<u64>()
            };
            let (rss, pss) = (sum(|p| p.index_rss), sum(|p| p.index_pss));
            let shared = sum(|p| p.index_shared);
            rows.push(Row::bytes(
                format!("{n} processes mapping one index file: the file's pages, summed PSS"),
                pss * 1024,
                ("summed RSS of the mapping", rss * 1024),
                "(info) shared: PSS ≈ RSS ÷ processes",
            ));
            notes.push(format!(
                "{n} processes (Verify::Full open + 1,000 searches each) on the {:.1} MiB index: \
                 its mapping resident {:.1} MiB per process, {:.1} MiB of it shared; summed PSS \
                 {:.1} MiB against {:.1} MiB summed RSS; whole processes: RSS {:.1} MiB, PSS {:.1} MiB each (mean)",
                fx.index_file.path().metadata().map_or(0, |m| m.len()) as f64 / 1048576.0,
                rss as f64 / 1024.0 / n as f64,
                shared as f64 / 1024.0 / n as f64,
                pss as f64 / 1024.0,
                rss as f64 / 1024.0,
                sum(|p| p.rss) as f64 / 1024.0 / n as f64,
                sum(|p| p.pss) as f64 / 1024.0 / n as f64,
            ));
        }
        Err(e) => notes.push(format!("shared-mapping row skipped: {e}")),
    }
}

/// The scaling rows (issue 18 item 4): exact lookup, code prefix and word
/// search top 10 (borrowed, both descriptions read) on catalogs of 10k, 50k,
/// 187k and a synthetic 1M codes, each with the growth fitted over the curve.
fn scaling_rows(fx: &Fixture, rows: &mut Vec<Row>) {
    use procode_benches::scaling::{
        catalog, fitted_growth, lookups, sample, synthetic, SAMPLE_SIZES, SYNTHETIC_SIZE,
    };
    eprintln!("report: scaling curves (building 10k, 50k and 1M catalogs) ...");
    let mut sets: Vec<(usize, Catalog, Vec<_>)> = Vec::new();
    for n in SAMPLE_SIZES {
        let entries = sample(&fx.entries, n);
        let l = lookups(&entries);
        sets.push((entries.len(), catalog(entries), l));
    }
    sets.push((fx.entries.len(), fx.catalog.clone(), lookups(&fx.entries)));
    let big = synthetic(&fx.entries, SYNTHETIC_SIZE);
    let l = lookups(&big);
    sets.push((big.len(), catalog(big), l));
    let opts = SearchOptions::default().limit(TOP);
    let mut buf = String::with_capacity(512);
    let mut curves: [Vec<(f64, f64)>; 3] = Default::default();
    for (size, cat, l) in &sets {
        let n = l.len();
        let read = |q: &str, buf: &mut String| {
            for e in &cat.search_refs(q, &opts).unwrap().entries {
                read_both(e, buf);
            }
        };
        let figs = [
            fast(|i| {
                let (c, s) = &l[i % n];
                black_box(cat.lookup_code_ref(c, *s, None).unwrap());
            }),
            fast(|_| read("E11", &mut buf)),
            fast(|_| read("diab mell", &mut buf)),
        ];
        for (c, f) in curves.iter_mut().zip(figs) {
            c.push((*size as f64, f));
        }
    }
    let names = [
        "exact lookup_ref",
        "code prefix \"E11\" top 10, borrowed, descriptions read",
        "word search \"diab mell\" top 10, borrowed, descriptions read",
    ];
    for (name, curve) in names.iter().zip(&curves) {
        let growth = fitted_growth(curve);
        for &(size, t) in curve {
            rows.push(Row::time(
                format!("scaling: {name}, {size:.0} codes (fitted growth: {growth})"),
                t,
                ("—", None),
                "(info; issue 18 item 4)",
                None,
            ));
        }
    }
}

/// Only the rows of issue 18 items 1, 4 and 5 (borrowed lookups, Python
/// against sqlite3, memory, scaling), one JSON object a line:
/// `report --lookup-rows`.
fn lookup_report() {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    eprintln!("report: loading the large catalog and building the peers ...");
    let fx = Fixture::load();
    println!("{}", json!({ "loadavg_start": load.trim() }));
    // Each family is printed when done (with the load average then).
    let print = |rows: &mut Vec<Row>, notes: &mut Vec<String>| {
        for r in rows.drain(..) {
            println!("{}", r.json());
        }
        for n in notes.drain(..) {
            println!("{}", json!({ "note": n }));
        }
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!("{}", json!({ "loadavg": load.trim() }));
    };
    let (mut rows, mut notes) = (Vec::new(), Vec::new());
    borrowed_rows(&fx, &mut rows);
    print(&mut rows, &mut notes);
    python_catalog_rows(&mut rows, &mut notes);
    print(&mut rows, &mut notes);
    memory_rows(&fx, &mut rows, &mut notes);
    print(&mut rows, &mut notes);
    scaling_rows(&fx, &mut rows);
    print(&mut rows, &mut notes);
}

/// The Python rows of issue 18 item 1: `benches/python/catalog_vs_sqlite.py`
/// (procode's catalog against `sqlite3`, both from Python, in one run).
fn python_catalog_rows(rows: &mut Vec<Row>, notes: &mut Vec<String>) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join(".venv/bin/python");
    let script = root.join("benches/python/catalog_vs_sqlite.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(procode_benches::data_dir())
        .output();
    let figs: Value = match out {
        Ok(o) if o.status.success() => match serde_json::from_slice(&o.stdout) {
            Ok(v) => v,
            Err(e) => return notes.push(format!("Python catalog rows skipped: {e}")),
        },
        Ok(o) => {
            let why = String::from_utf8_lossy(&o.stderr).trim().to_owned();
            return notes.push(format!("Python catalog rows skipped: {why}"));
        }
        Err(e) => return notes.push(format!("Python catalog rows skipped (no .venv?): {e}")),
    };
    let keys = figs
        .as_object()
        .map(|o| o.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    for key in keys
        .iter()
        .filter(|k| figs[k.as_str()].is_number() && k.as_str() != "codes")
    {
        let Some(base) = key.strip_suffix(" sqlite") else {
            continue;
        };
        let peer = figs[key.as_str()].as_f64().unwrap_or(f64::NAN);
        for (suffix, what) in [
            ("", "entries, fields not read"),
            (" read", "both descriptions read"),
        ] {
            let ours = figs[format!("{base}{suffix}").as_str()].as_f64();
            let Some(ours) = ours else { continue };
            rows.push(Row::time(
                format!("Python {base} ({what})"),
                ours,
                ("sqlite3 from Python", Some(peer)),
                "peer ≥ 5× slower",
                Some(peer / ours >= 5.0),
            ));
        }
    }
}
