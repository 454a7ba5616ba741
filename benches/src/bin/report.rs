//! `cargo run --release -p procode-benches --bin report [-- --json] [--dev-set]`
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
    /// A row of `procode`'s figure alone: no peer, target "(info)".
    fn new(op: impl Into<String>, procode: Fig) -> Row {
        let size = matches!(procode, Fig::Bytes(_));
        Row {
            op: op.into(),
            procode,
            peer: "—",
            peer_fig: None,
            target: "(info)",
            met: None,
            size,
        }
    }

    /// A time row (nanoseconds per operation).
    fn ns(op: impl Into<String>, ns: f64) -> Row {
        Row::new(op, Fig::Ns(ns))
    }

    /// A size row (bytes).
    fn bytes(op: impl Into<String>, bytes: u64) -> Row {
        Row::new(op, Fig::Bytes(bytes))
    }

    /// The peer it is compared with, and the peer's figure if measured.
    fn peer(self, peer: &'static str, fig: Option<Fig>) -> Row {
        Row {
            peer,
            peer_fig: fig,
            ..self
        }
    }

    /// A peer whose time was measured.
    fn vs_ns(self, peer: &'static str, ns: f64) -> Row {
        self.peer(peer, Some(Fig::Ns(ns)))
    }

    /// The SPEC target and whether it is met (`None`: information only).
    fn target(self, target: &'static str, met: Option<bool>) -> Row {
        Row {
            target,
            met,
            ..self
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

    /// The row as a line of the Markdown table.
    fn markdown(&self) -> String {
        format!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            self.op,
            self.procode.show(),
            self.peer,
            self.peer_fig.as_ref().map_or("—".into(), Fig::show),
            self.ratio_text(),
            self.target,
            match self.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "—",
            }
        )
    }
}

/// What the row families produce: the table's rows and the notes under it.
#[derive(Default)]
struct Out {
    rows: Vec<Row>,
    notes: Vec<String>,
}

impl Out {
    fn row(&mut self, row: Row) {
        self.rows.push(row);
    }

    fn note(&mut self, note: String) {
        self.notes.push(note);
    }
}

/// The child process of the memory probe: open the embedded catalog, search
/// once, print `hwm_before rss_before hwm_after rss_after` in KiB.
fn embedded_probe() {
    use procode_benches::status_kib;
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
        let op = format!(
            "NCCI PTP + MUE check, {n}-line document ({} dates; {} per line)",
            n.div_ceil(20),
            Fig::Ns(per_line).show()
        );
        rows.push(if n == 100_000 {
            Row::ns(op, t).target(
                "O(n log n): per line ≤ 3× the 1,000-line figure",
                per_line_1k.map(|k| per_line <= 3.0 * k),
            )
        } else {
            Row::ns(op, t).target("O(n log n) (curve)", None)
        });
    }
    rows
}

/// What the command line asks for.
enum Mode {
    /// The whole report, as a table or (`--json`) as JSON.
    Report { json: bool },
    /// `--ncci-curve`: only the NCCI curve rows.
    NcciCurve,
    /// `--dev-set`: only the search-quality dev-set latency rows.
    DevSet,
    /// `--lookup-rows`: only the rows of issue 18 items 1, 4 and 5.
    LookupRows,
    /// A probe child process (`--embedded-probe`, `--scrub-probe`): done.
    Probed,
}

/// Parses the arguments (running a probe child's work if asked); exits with
/// status 2 on an unknown argument.
fn mode() -> Mode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if procode_benches::memory::probe_main(&args) {
        return Mode::Probed;
    }
    if args.iter().any(|a| a == "--lookup-rows") {
        return Mode::LookupRows;
    }
    if args.iter().any(|a| a == "--embedded-probe") {
        embedded_probe();
        return Mode::Probed;
    }
    if let [flag, lines, edits] = &args[..] {
        if flag == "--scrub-probe" {
            let lines = lines.parse().expect("--scrub-probe LINES EDITS");
            procode_benches::scrub_memory_probe(lines, std::path::Path::new(edits));
            return Mode::Probed;
        }
    }
    if let Some(a) = args
        .iter()
        .find(|a| !matches!(a.as_str(), "--json" | "--ncci-curve" | "--dev-set" | ""))
    {
        eprintln!("usage: report [--json] [--ncci-curve] [--dev-set] [--lookup-rows]   (unknown argument {a:?})");
        std::process::exit(2);
    }
    if args.iter().any(|a| a == "--dev-set") {
        return Mode::DevSet;
    }
    if args.iter().any(|a| a == "--ncci-curve") {
        return Mode::NcciCurve;
    }
    Mode::Report {
        json: args.iter().any(|a| a == "--json"),
    }
}

/// Each row family is one function called from here with one line, in the
/// order of the table.
fn main() {
    let as_json = match mode() {
        Mode::Probed => return,
        Mode::NcciCurve => return curve_only(),
        Mode::DevSet => return dev_set_only(),
        Mode::LookupRows => return lookup_report(),
        Mode::Report { json } => json,
    };
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; run the report with --release");
    }
    let started = Instant::now();
    let load = load_average();
    eprintln!("report: loading the large catalog and building the peers ...");
    let fx = Fixture::load();
    let mut out = Out::default();
    eprintln!("report: timing ...");
    lookup_rows(&fx, &mut out);
    borrowed_rows(&fx, &mut out);
    prefix_rows(&fx, &mut out);
    word_rows(&fx, &mut out);
    typo_rows(&fx, &mut out);
    let parse = build_rows(&fx, &mut out);
    open_rows(&fx, parse, &mut out);
    size_rows(&fx, &mut out);
    let (edits, edits_bytes) = ncci_rows(&fx, &mut out);
    let embedded = Catalog::embedded().expect("the embedded catalog");
    python_rows(&embedded, &mut out);
    dev_set_rows(&embedded, &mut out.rows, &mut out.notes);
    billing_rows(&embedded, &mut out);
    scrub_rows(&edits, &edits_bytes, &mut out);
    python_catalog_rows(&mut out);
    memory_rows(&fx, &mut out);
    scaling_rows(&fx, &mut out);
    let end = Ending {
        load,
        mem: embedded_memory(),
        today: chrono::Local::now().date_naive(),
        elapsed: started.elapsed().as_secs_f64(),
    };
    if as_json {
        print_json(&fx, &out, &end);
    } else {
        print_table(&fx, &out, &end);
    }
}

/// `--ncci-curve`: builds the edits file, prints only the NCCI curve rows.
fn curve_only() {
    let edits =
        NcciEdits::from_bytes(build_edits(&procode_benches::data_dir())).expect("edits open");
    for r in ncci_curve(&edits) {
        println!("{} | {} | {}", r.op, r.procode.show(), r.target);
    }
}

/// The 1-minute load average, as `/proc/loadavg` spells it ("?" if unknown).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

/// The search options of every search row: the top [`TOP`].
fn top() -> SearchOptions {
    SearchOptions::default().limit(TOP)
}

/// The time of one search of `query` in `cat` (top [`TOP`]).
fn time_search(cat: &Catalog, query: &str) -> f64 {
    let opts = top();
    fast(|_| {
        black_box(cat.search(black_box(query), &opts).unwrap());
    })
}

/// Exact lookup, rotating through the fixture's codes, beside SQLite.
fn lookup_rows(fx: &Fixture, out: &mut Out) {
    let n = fx.lookups.len();
    let ours = fast(|i| {
        let (c, s) = &fx.lookups[i % n];
        black_box(fx.catalog.lookup(c, Some(*s), None).unwrap());
    });
    let peer = fast(|i| {
        let (c, s) = &fx.lookups[i % n];
        black_box(fx.sqlite.lookup(c, *s));
    });
    out.row(
        Row::ns(format!("exact lookup, owned ({n} codes, rotating)"), ours)
            .vs_ns("SQLite primary key", peer)
            // Issue 18 item 1: a lookup returns a view into the index
            // (`lookup_ref`, the SPEC row below); the owned `Entry`, both
            // descriptions decoded into `String`s, stays for convenience.
            .target("(info; the SPEC row is lookup_ref below)", None),
    );
}

/// Code-prefix typeahead beside SQLite, a sorted `Vec<String>` and a sorted
/// `Vec<Entry>`; notes a prefix whose codes differ from the sorted Vec's.
///
/// The SPEC row times the typeahead call a host makes, `search_refs`: the
/// page of ten borrowed entries, each with its code, system, dates and
/// billable flag read from the index and its descriptions decoded when read
/// — what the `Vec<String>` peer returns is the ten codes. The owned
/// `search` (both descriptions decoded into `String`s for every result) is
/// the info row beside the `Vec<Entry>` that clones what it returns; the
/// page with both descriptions read is the 2026-12 row (`borrowed_rows`).
fn prefix_rows(fx: &Fixture, out: &mut Out) {
    for (query, prefix) in PREFIX_QUERIES {
        let opts = top();
        let ours = fast(|_| {
            black_box(fx.catalog.search_refs(black_box(query), &opts).unwrap());
        });
        let owned = time_search(&fx.catalog, query);
        let sql = fast(|_| {
            black_box(fx.sqlite.prefix(black_box(prefix)));
        });
        let vec = fast(|_| {
            black_box(fx.sorted.prefix(black_box(prefix)));
        });
        let ent = fast(|_| {
            black_box(fx.sorted_entries.prefix(black_box(prefix)));
        });
        let got = fx.catalog.search(query, &top()).unwrap();
        let codes: Vec<String> = got.iter().map(|e| e.code.as_str().to_owned()).collect();
        if codes != fx.sorted.prefix(prefix) {
            out.note(format!(
                "prefix {prefix}: procode and the sorted Vec return different codes"
            ));
        }
        let row = || {
            Row::ns(
                format!("code prefix {query:?} top {TOP} (search_refs)"),
                ours,
            )
        };
        out.row(row().vs_ns("SQLite range query", sql).target(
            "≤ 1 µs; peer ≥ 5× slower",
            Some(ours <= 1e3 && sql / ours >= 5.0),
        ));
        out.row(row().vs_ns("sorted Vec<String>", vec).target(
            "≤ 1 µs; within 2× of peer",
            Some(ours <= 1e3 && ours <= 2.0 * vec),
        ));
        out.row(
            Row::ns(
                format!("code prefix {query:?} top {TOP}, owned (descriptions decoded)"),
                owned,
            )
            .vs_ns("sorted Vec<Entry> (clones entries)", ent)
            .target("(info; returns what procode returns)", None),
        );
    }
}

/// Word search beside SQLite FTS5; notes a query whose result counts differ.
fn word_rows(fx: &Fixture, out: &mut Out) {
    for (k, query) in WORD_QUERIES.iter().enumerate() {
        let expr = Sqlite::match_expr(query);
        let ours = time_search(&fx.catalog, query);
        let peer = fast(|_| {
            black_box(fx.sqlite.words(black_box(&expr)));
        });
        let (a, b) = (
            fx.catalog.search(query, &top()).unwrap().len(),
            fx.sqlite.words(&expr).len(),
        );
        if a != b {
            out.note(format!(
                "words {query:?}: procode returns {a} results, SQLite {b}"
            ));
        }
        let spec = k == 0;
        let target = if spec {
            "≤ 10 µs; peer ≥ 10× slower"
        } else {
            "(info; SPEC row is \"diab mell\")"
        };
        out.row(
            Row::ns(format!("word search {query:?} top {TOP}"), ours)
                .vs_ns("SQLite FTS5 prefix MATCH", peer)
                .target(target, spec.then_some(ours <= 10e3 && peer / ours >= 10.0)),
        );
    }
}

/// One-typo search (SQLite has no peer).
fn typo_rows(fx: &Fixture, out: &mut Out) {
    for query in TYPO_QUERIES {
        let ours = time_search(&fx.catalog, query);
        out.row(
            Row::ns(format!("one-typo search {query:?} top {TOP}"), ours)
                .peer("— (SQLite has none)", None)
                .target("≤ 50 µs", Some(ours <= 50e3)),
        );
    }
}

/// The build from the TSVs beside SQLite's, with its phases in a note.
/// Returns the time to parse the large TSVs (the open rows' peer).
fn build_rows(fx: &Fixture, out: &mut Out) -> f64 {
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
    out.note(format!(
        "build phases: parse the TSVs {} + build the index {} (from already parsed entries, \
         including cloning them into the builder)",
        Fig::Ns(parse).show(),
        Fig::Ns(index).show()
    ));
    out.row(
        Row::ns(
            format!("build the index from the TSVs ({} codes)", fx.entries.len()),
            ours,
        )
        .vs_ns("SQLite table + FTS5 build", peer)
        .target(
            "≤ 300 ms; peer ≥ 2× slower",
            Some(ours <= 300e6 && peer / ours >= 2.0),
        ),
    );
    parse
}

/// Opening the small and the large index file (lazy and full verification)
/// beside re-parsing their TSVs (`large_parse`: the large TSVs' time).
fn open_rows(fx: &Fixture, large_parse: f64, out: &mut Out) {
    let small_parse = fast(|_| {
        black_box(parse_tsvs(&fx.dir, SMALL));
    });
    for (size, path, reparse) in [
        ("small", fx.small_index_file.path(), small_parse),
        ("large", fx.index_file.path(), large_parse),
    ] {
        let lazy = fast(|_| {
            black_box(Catalog::open_with(path, Verify::Lazy).unwrap());
        });
        let full = fast(|_| {
            black_box(Catalog::open_with(path, Verify::Full).unwrap());
        });
        let codes = Catalog::open(path).unwrap().len();
        let op = |verify: &str| format!("open the index file, {size} ({codes} codes), {verify}");
        out.row(
            Row::ns(op("Verify::Lazy"), lazy)
                .vs_ns("re-parse the TSVs", reparse)
                .target("≤ 100 µs at any size", Some(lazy <= 100e3)),
        );
        out.row(
            Row::ns(op("Verify::Full"), full)
                .vs_ns("re-parse the TSVs", reparse)
                .target("(info; the target is about Lazy)", None),
        );
    }
}

/// The index file's size beside the TSVs and SQLite's files.
fn size_rows(fx: &Fixture, out: &mut Out) {
    let index_bytes = fx.index_bytes.len() as u64;
    let tsv = tsv_bytes(&fx.dir, LARGE);
    let row = |peer, bytes| {
        Row::bytes("index file size", index_bytes).peer(peer, Some(Fig::Bytes(bytes)))
    };
    out.row(row("TSV bytes", tsv).target(
        "≤ 50% of the TSV bytes",
        Some(index_bytes as f64 <= 0.5 * tsv as f64),
    ));
    out.row(row("SQLite file (table + FTS5)", fx.sqlite_bytes()).target("(peer)", None));
    out.row(row("SQLite table only (no FTS5)", fx.sqlite_table_bytes()));
}

/// NCCI edits: the build, the file's size, the claim check and its curve.
/// Returns the edits and their file's bytes (the scrub rows use both).
fn ncci_rows(fx: &Fixture, out: &mut Out) -> (NcciEdits, Vec<u8>) {
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
    let op = format!(
        "build the NCCI edits file ({} PTP edits, {} MUEs)",
        edits.ptp_rows(),
        edits.mue_rows()
    );
    out.row(Row::ns(op, build).vs_ns("gunzip the PTP TSV only", gunzip));
    out.row(
        Row::bytes(
            format!("NCCI edits file size ({} pairs)", edits.pair_count()),
            edits_bytes.len() as u64,
        )
        .peer("PTP gzip TSV bytes", Some(Fig::Bytes(gz_bytes))),
    );
    let claim = ncci_claim();
    let check = fast(|_| {
        black_box(edits.check_lines(black_box(&claim), None).unwrap());
    });
    out.row(
        Row::ns(
            format!("NCCI PTP + MUE check, {}-line claim", claim.len()),
            check,
        )
        .target("≤ 10 µs", Some(check <= 10e3)),
    );
    out.rows.extend(ncci_curve(&edits));
    build_thread_rows(&fx.entries, build, &mut out.rows);
    (edits, edits_bytes)
}

/// Python: procode's `Catalog.search` against sqlite3 FTS5, both from
/// Python, beside the same query in Rust on the same (embedded) catalog.
fn python_rows(embedded: &Catalog, out: &mut Out) {
    let rust_embedded = time_search(embedded, PY_QUERY);
    let target = "≤ 2 µs above the Rust figure";
    match python_figures() {
        Ok((py, py_sqlite)) => {
            out.row(
                Row::ns(
                    format!("Python cat.search {PY_QUERY:?} top 10 (embedded catalog)"),
                    py,
                )
                .vs_ns("sqlite3 FTS5 from Python", py_sqlite)
                .target(target, Some(py - rust_embedded <= 2_000.0)),
            );
            out.note(format!(
                "Python row: the same search from Rust takes {}, so Python adds {}",
                Fig::Ns(rust_embedded).show(),
                Fig::Ns(py - rust_embedded).show()
            ));
        }
        Err(why) => {
            out.note(format!("Python row skipped: {why}"));
            out.row(
                Row::new(
                    "Python cat.search",
                    Fig::Text("not measured (see the note)"),
                )
                .peer("sqlite3 FTS5 from Python", None)
                .target(target, None),
            );
        }
    }
}

/// Billing: a 10-edit batch under booking review, then readiness (the copy
/// of the encounter each run starts from is measured apart and taken off).
fn billing_rows(embedded: &Catalog, out: &mut Out) {
    let bf = BillingFixture::new(embedded);
    assert_eq!(bf.run(embedded), 0, "the benchmark invoice is ready");
    let copy = fast(|_| {
        black_box(bf.copy_only());
    });
    let batch = fast(|_| {
        black_box(bf.run(embedded));
    });
    let ours = (batch - copy).max(0.0);
    out.row(
        Row::ns("apply a 10-edit batch + readiness", ours)
            .target("≤ 20 µs", Some(ours <= 20_000.0)),
    );
    out.note(format!(
        "billing row: {} per batch + readiness with the copy of the encounter, {} for the copy alone",
        Fig::Ns(batch).show(),
        Fig::Ns(copy).show()
    ));
}

/// What the report says after its rows.
struct Ending {
    /// The 1-minute load average at the start.
    load: String,
    /// The embedded-catalog memory probe: VmHWM, VmRSS before; after (KiB).
    mem: Option<[u64; 4]>,
    today: chrono::NaiveDate,
    /// Seconds the whole report took.
    elapsed: f64,
}

/// Prints the report as one JSON document.
fn print_json(fx: &Fixture, out: &Out, end: &Ending) {
    let memory = end.mem.map(|[hb, rb, ha, ra]| {
        json!({
            "vm_hwm_kib": ha,
            "vm_rss_kib": ra,
            "vm_hwm_before_kib": hb,
            "vm_rss_before_kib": rb,
            "rss_delta_kib": ra.saturating_sub(rb),
        })
    });
    let doc = json!({
        "date": end.today.to_string(),
        "codes": fx.entries.len(),
        "load_average_at_start": end.load,
        "rows": out.rows.iter().map(Row::json).collect::<Vec<_>>(),
        "sizes": {
            "index_bytes": fx.index_bytes.len() as u64,
            "tsv_bytes": tsv_bytes(&fx.dir, LARGE),
            "sqlite_bytes": fx.sqlite_bytes(),
            "sqlite_table_bytes": fx.sqlite_table_bytes(),
        },
        "embedded_open_and_search_memory": memory,
        "notes": out.notes,
        "seconds": end.elapsed,
    });
    println!("{}", serde_json::to_string_pretty(&doc).expect("JSON"));
}

/// Prints the report as a Markdown table with its notes.
fn print_table(fx: &Fixture, out: &Out, end: &Ending) {
    println!(
        "procode benchmark report, {}: HCPCS + ICD-10-CM + ICD-10-PCS, {} codes; \
         median of {FAST_ROUNDS} rounds (builds and large parses: {SLOW_ROUNDS}); \
         1-min load average at start {} on {} cores",
        end.today,
        fx.entries.len(),
        end.load,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    println!("| operation | procode | peer | peer figure | ratio | SPEC target | met? |");
    println!("|---|---|---|---|---|---|---|");
    for r in &out.rows {
        println!("{}", r.markdown());
    }
    println!();
    println!(
        "ratio: peer ÷ procode for times (above 1 = procode faster); procode ÷ peer for sizes."
    );
    println!(
        "sizes: index {} B, TSVs {} B, SQLite file {} B (without FTS5: {} B).",
        fx.index_bytes.len(),
        tsv_bytes(&fx.dir, LARGE),
        fx.sqlite_bytes(),
        fx.sqlite_table_bytes()
    );
    match end.mem {
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
    for n in &out.notes {
        println!("note: {n}");
    }
    println!("({:.0} s)", end.elapsed);
}

/// `--dev-set`: only the dev-set latency rows.
fn dev_set_only() {
    let (mut rows, mut notes) = (Vec::new(), Vec::new());
    dev_set_rows(
        &Catalog::embedded().expect("the embedded catalog"),
        &mut rows,
        &mut notes,
    );
    for r in &rows {
        let peer = r.peer_fig.as_ref().map_or("—".into(), Fig::show);
        let met = r.met.map_or("—", |m| if m { "yes" } else { "**no**" });
        println!(
            "| {} | {} | {} | {peer} | {} | {} | {met} |",
            r.op,
            r.procode.show(),
            r.peer,
            r.ratio_text(),
            r.target
        );
    }
    for n in &notes {
        println!("note: {n}");
    }
}

/// The search-quality development set's latency (issues 14 and 18 item 3):
/// every query put to `Catalog::embedded()` as the typeahead would (limit
/// 10, the row's system filter) and to the SQLite FTS5 titles peer over the
/// same entries; p50, p99 and max over the per-query medians.
fn dev_set_rows(embedded: &Catalog, rows: &mut Vec<Row>, notes: &mut Vec<String>) {
    use procode_benches::fts::FtsPeer;
    use procode_benches::quality::{
        dev_set_path, median_ns, procode_options, read_dev_set, Latency,
    };
    eprintln!("report: search-quality dev set latency ...");
    let set = read_dev_set(&dev_set_path()).expect("the shipped dev set");
    let entries: Vec<_> = embedded
        .entries()
        .collect::<Result<_, _>>()
        .expect("the embedded entries");
    let peer = FtsPeer::titles(&entries).expect("the FTS5 peer builds");
    let ours: Vec<f64> = set
        .iter()
        .map(|q| {
            median_ns(31, || {
                black_box(embedded.search(&q.query, &procode_options(q)).unwrap());
            })
        })
        .collect();
    let theirs: Vec<f64> = set
        .iter()
        .map(|q| median_ns(11, || drop(black_box(peer.search(&q.query, q.system)))))
        .collect();
    let (o, p) = (Latency::of(&ours), Latency::of(&theirs));
    let n = set.len();
    for (what, a, b) in [("p50", o.p50, p.p50), ("p99", o.p99, p.p99)] {
        rows.push(Row {
            op: format!("dev-set search latency {what} ({n} queries, embedded catalog)"),
            procode: Fig::Ns(a),
            peer: "SQLite FTS5 titles (bm25), same queries",
            peer_fig: Some(Fig::Ns(b)),
            target: "(info)",
            met: None,
            size: false,
        });
    }
    let slowest = |l: &Latency| set.get(l.slowest).map_or("", |q| q.query.as_str());
    rows.push(Row {
        op: format!(
            "dev-set max latency ({n} queries; slowest {:?})",
            slowest(&o)
        ),
        procode: Fig::Ns(o.max),
        peer: "SQLite FTS5 titles (bm25), same queries",
        peer_fig: Some(Fig::Ns(p.max)),
        target: "≤ 50 µs for every query",
        met: Some(o.max <= 50e3),
        size: false,
    });
    notes.push(format!(
        "dev set: the FTS5 peer's slowest query is {:?}",
        slowest(&p)
    ));
}

/// The build rows of issue 18 item 2: the index build from parsed entries
/// on one thread against the default two (the bytes are the same; a test
/// checks it), and the NCCI edits build (`ncci_build`, measured above)
/// against its target.
fn build_thread_rows(entries: &[procode::Entry], ncci_build: f64, rows: &mut Vec<Row>) {
    let mut b = procode::IndexBuilder::new();
    b.extend(entries.iter().cloned());
    let two = slow(|_| {
        black_box(b.build().expect("builds"));
    });
    b.parallel(false);
    let one = slow(|_| {
        black_box(b.build().expect("builds"));
    });
    rows.push(Row {
        op: format!(
            "build the index from parsed entries ({} codes), two threads",
            entries.len()
        ),
        procode: Fig::Ns(two),
        peer: "the same build on one thread",
        peer_fig: Some(Fig::Ns(one)),
        target: "(info)",
        met: None,
        size: false,
    });
    rows.push(Row {
        op: "build the NCCI edits file (the row above)".into(),
        procode: Fig::Ns(ncci_build),
        peer: "—",
        peer_fig: None,
        target: "≤ 400 ms",
        met: Some(ncci_build <= 400e6),
        size: false,
    });
}

/// The batch-scrub rows: the Rust scrub per line; from Python, `procode.scrub`
/// against `readiness` per document; the Spark job at 1 and 2 slots; the
/// peak memory of a streamed million lines.
fn scrub_rows(edits: &NcciEdits, edits_bytes: &[u8], out: &mut Out) {
    eprintln!("report: batch scrub (Rust, Python, Spark; a few minutes) ...");
    rust_scrub_rows(edits, out);
    python_scrub_rows(out);
    spark_rows(out);
    scrub_memory_rows(edits_bytes, out);
}

/// The machine's cores (1 if unknown).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The Rust `batch::Scrub` per line, on one thread and on all cores.
fn rust_scrub_rows(edits: &NcciEdits, out: &mut Out) {
    use procode::batch::Scrub;
    use procode_benches::{ClaimLines, CodePools};

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
    let cores = cores();
    out.row(Row::ns(
        format!("Rust batch::Scrub, per line, 1 thread ({lines} lines, NCCI edits)"),
        one,
    ));
    out.row(
        Row::ns(format!("Rust batch::Scrub, per line, {cores} threads"), all)
            .vs_ns("the same, 1 thread", one)
            .target("(info; the machine's cores)", None),
    );
    out.note(format!(
        "Rust scrub: {:.0} lines/s on 1 thread, {:.0} lines/s on {cores}",
        1e9 / one,
        1e9 / all
    ));
}

/// The `.venv` Python that `make test-python` builds (at the workspace
/// root), and the workspace root.
fn venv_python() -> Result<(std::path::PathBuf, std::path::PathBuf), String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join(".venv/bin/python");
    if !python.is_file() {
        return Err("no .venv: run `make test-python` first (it builds the package)".into());
    }
    Ok((python, root))
}

/// Runs a benchmark script (workspace-relative path) in the `.venv` with the
/// data directory and `lines` as arguments; its JSON output.
fn venv_script(script: &str, lines: &str) -> Result<Value, String> {
    let (python, root) = venv_python()?;
    let data = procode_benches::data_dir().display().to_string();
    procode_benches::python_json(&python, &root.join(script), &[data, lines.into()])
}

/// The number at `key` of a script's JSON output.
fn num(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

/// From Python: `procode.scrub` per line (1 thread, all cores) against
/// `readiness` per document.
fn python_scrub_rows(out: &mut Out) {
    let v = match venv_script("benches/python/scrub_throughput.py", "60000") {
        Ok(v) => v,
        Err(why) => return out.note(format!("Python scrub rows skipped: {why}")),
    };
    let (Some(n), Some(one), Some(all), Some(peer), Some(ready)) = (
        num(&v, "lines"),
        num(&v, "scrub_1_thread_s"),
        num(&v, "scrub_all_cores_s"),
        num(&v, "per_document_s"),
        num(&v, "per_document_readiness_only_s"),
    ) else {
        return;
    };
    let cores = cores();
    let (one, all, peer) = (one * 1e9 / n, all * 1e9 / n, peer * 1e9 / n);
    let vs = "readiness per document from Python";
    out.row(
        Row::ns(
            format!("Python procode.scrub, per line, 1 thread ({n} lines, NCCI edits)"),
            one,
        )
        .vs_ns(vs, peer)
        .target("≥ 20× faster than the peer", Some(peer / one >= 20.0)),
    );
    out.row(
        Row::ns(
            format!("Python procode.scrub, per line, {cores} threads"),
            all,
        )
        .vs_ns(vs, peer),
    );
    out.note(format!(
        "Python scrub: {:.0} lines/s on 1 thread, {:.0} on {cores}; per document {:.0} lines/s, \
         of which readiness itself {:.1} s of {:.1} s (the rest builds the documents)",
        1e9 / one,
        1e9 / all,
        1e9 / peer,
        ready,
        peer * n / 1e9
    ));
}

/// The Spark job per line at `local[1]` and `local[2]`.
fn spark_rows(out: &mut Out) {
    let v = match venv_script("examples/spark/bench.py", "400000") {
        Ok(v) => v,
        Err(why) => return out.note(format!("Spark rows skipped: {why}")),
    };
    let (Some(n), Some(s1), Some(s2)) =
        (num(&v, "lines"), num(&v, "local_1_s"), num(&v, "local_2_s"))
    else {
        return;
    };
    let (one, two) = (s1 * 1e9 / n, s2 * 1e9 / n);
    out.row(Row::ns(
        format!("Spark job, local[1], per line ({n} lines, Parquet in and out)"),
        one,
    ));
    out.row(Row::ns("Spark job, local[2], per line", two).vs_ns("the same at local[1]", one));
    out.note(format!(
        "Spark: {:.0} lines/s at local[1], {:.0} lines/s at local[2]",
        1e9 / one,
        1e9 / two
    ));
}

/// Peak memory of a streamed scrub, in fresh processes: a million lines
/// against a tenth of that.
fn scrub_memory_rows(edits_bytes: &[u8], out: &mut Out) {
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
    let (Some((big, secs)), Some((small, _))) = (probe(1_000_000), probe(100_000)) else {
        return out.note("the scrub memory probe could not run".into());
    };
    out.row(
        Row::bytes(
            "scrub 1,000,000 lines streamed (64k-line batches): peak RSS",
            big * 1024,
        )
        .peer("the same for 100,000 lines", Some(Fig::Bytes(small * 1024)))
        .target(
            "bounded: about the peer's",
            Some((big as f64) <= 1.5 * small as f64),
        ),
    );
    out.note(format!(
        "1M-line streamed scrub: {secs:.1} s, peak RSS {:.0} MiB (100k lines: {:.0} MiB)",
        big as f64 / 1024.0,
        small as f64 / 1024.0
    ));
}

/// The query of the Python row.
const PY_QUERY: &str = "diab mell";

/// Times `procode.Catalog.search` and an sqlite3 FTS5 query from Python, in
/// the virtualenv that `make test-python` builds (`.venv` at the workspace
/// root). Returns nanoseconds per call: (procode, sqlite3).
fn python_figures() -> Result<(f64, f64), String> {
    let (python, _) = venv_python()?;
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
fn borrowed_rows(fx: &Fixture, out: &mut Out) {
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
    out.row(
        Row::ns(
            format!("exact lookup, borrowed (lookup_ref; {n} codes, rotating)"),
            fixed,
        )
        .vs_ns("SQLite primary key", sql)
        .target(
            "≤ 250 ns; peer ≥ 5× slower",
            Some(fixed <= 250.0 && sql / fixed >= 5.0),
        ),
    );
    out.row(
        Row::ns("exact lookup, borrowed, reading both descriptions", both)
            .vs_ns("SQLite primary key", sql)
            .target("(info; the row the SQLite peer matches)", None),
    );
    let opts = top();
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
        let row = || {
            Row::ns(
                format!("code prefix {query:?} top {TOP}, borrowed, both descriptions read"),
                ours,
            )
        };
        out.row(row().vs_ns("SQLite range query", sql).target(
            "≤ 1 µs; peer ≥ 5× slower",
            Some(ours <= 1e3 && sql / ours >= 5.0),
        ));
        out.row(
            row()
                .vs_ns("sorted Vec<Entry> (clones entries)", ent)
                .target(
                    "≤ 1 µs; within 1.5× of peer",
                    Some(ours <= 1e3 && ours <= 1.5 * ent),
                ),
        );
    }
}

/// The memory rows (issue 18 item 5): peak RSS of a fresh process that
/// opens the embedded catalog and searches 1,000 times; eight processes
/// mapping the same index file, with the file's pages resident once.
fn memory_rows(fx: &Fixture, out: &mut Out) {
    use procode_benches::memory::{searches_memory, shared_mapping};
    let Ok(exe) = std::env::current_exe() else {
        return out.note("memory rows skipped: no path to this binary".into());
    };
    match searches_memory(&exe) {
        Ok([hb, _, ha, ra]) => {
            out.row(
                Row::bytes(
                    "Catalog::embedded() + 1,000 searches, fresh process: peak RSS",
                    ha * 1024,
                )
                .peer("the process before opening", Some(Fig::Bytes(hb * 1024)))
                .target("(info; issue 18 item 5)", None),
            );
            out.note(format!(
                "memory, embedded + 1,000 searches: VmHWM {:.1} MiB (before the open {:.1} MiB), VmRSS after {:.1} MiB",
                ha as f64 / 1024.0,
                hb as f64 / 1024.0,
                ra as f64 / 1024.0
            ));
        }
        Err(e) => out.note(format!("memory row skipped: {e}")),
    }
    let n = 8;
    match shared_mapping(&exe, fx.index_file.path(), n) {
        Ok(procs) => {
            let sum = |f: fn(&procode_benches::memory::ProcessMemory) -> u64| {
                procs.iter().map(f).sum::<u64>()
            };
            let (rss, pss) = (sum(|p| p.index_rss), sum(|p| p.index_pss));
            let shared = sum(|p| p.index_shared);
            out.row(
                Row::bytes(
                    format!("{n} processes mapping one index file: the file's pages, summed PSS"),
                    pss * 1024,
                )
                .peer("summed RSS of the mapping", Some(Fig::Bytes(rss * 1024)))
                .target("(info) shared: PSS ≈ RSS ÷ processes", None),
            );
            out.note(format!(
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
        Err(e) => out.note(format!("shared-mapping row skipped: {e}")),
    }
}

/// The scaling rows (issue 18 item 4): exact lookup, code prefix and word
/// search top 10 (borrowed, both descriptions read) on catalogs of 10k, 50k,
/// 187k and a synthetic 1M codes, each with the growth fitted over the curve.
fn scaling_rows(fx: &Fixture, out: &mut Out) {
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
    let opts = top();
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
            out.row(
                Row::ns(
                    format!("scaling: {name}, {size:.0} codes (fitted growth: {growth})"),
                    t,
                )
                .target("(info; issue 18 item 4)", None),
            );
        }
    }
}

/// Only the rows of issue 18 items 1, 4 and 5 (borrowed lookups, Python
/// against sqlite3, memory, scaling), one JSON object a line:
/// `report --lookup-rows`. Each family is printed when done, with the load
/// average then.
fn lookup_report() {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    eprintln!("report: loading the large catalog and building the peers ...");
    let fx = Fixture::load();
    println!("{}", json!({ "loadavg_start": load.trim() }));
    let print = |out: &mut Out| {
        for r in out.rows.drain(..) {
            println!("{}", r.json());
        }
        for n in out.notes.drain(..) {
            println!("{}", json!({ "note": n }));
        }
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!("{}", json!({ "loadavg": load.trim() }));
    };
    let mut out = Out::default();
    lookup_rows(&fx, &mut out);
    borrowed_rows(&fx, &mut out);
    print(&mut out);
    python_catalog_rows(&mut out);
    print(&mut out);
    memory_rows(&fx, &mut out);
    print(&mut out);
    scaling_rows(&fx, &mut out);
    print(&mut out);
}

/// The Python rows of issue 18 item 1: `benches/python/catalog_vs_sqlite.py`
/// (procode's catalog against `sqlite3`, both from Python, in one run).
fn python_catalog_rows(out: &mut Out) {
    let figs = venv_python().and_then(|(python, root)| {
        let data = procode_benches::data_dir().display().to_string();
        procode_benches::python_json(
            &python,
            &root.join("benches/python/catalog_vs_sqlite.py"),
            &[data],
        )
    });
    let figs = match figs {
        Ok(v) => v,
        Err(why) => return out.note(format!("Python catalog rows skipped: {why}")),
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
        let Some(peer) = num(&figs, key) else {
            continue;
        };
        // The SPEC row is the query: procode's entries decode a description
        // when it is read (issue 18 item 1), so the page with both
        // descriptions read is shown beside it for information.
        for (suffix, what, spec) in [
            ("", "entries, fields not read", true),
            (" read", "both descriptions read", false),
        ] {
            let Some(ours) = num(&figs, &format!("{base}{suffix}")) else {
                continue;
            };
            let row =
                Row::ns(format!("Python {base} ({what})"), ours).vs_ns("sqlite3 from Python", peer);
            out.row(if spec {
                row.target("peer ≥ 5× slower", Some(peer / ours >= 5.0))
            } else {
                row.target("(info; descriptions are decoded when read)", None)
            });
        }
    }
}
