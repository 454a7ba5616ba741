//! Word and typo searches of the embedded catalog in a loop, for figures a
//! loaded machine does not distort, and a dump of many searches' answers,
//! to show a change to search leaves them as they were.
//!
//! ```sh
//! cargo build --release -p procode-benches --example search_cpu
//! B=target/release/examples/search_cpu
//! # instructions per search of one query (its system filter, limit 10):
//! valgrind --tool=callgrind --toggle-collect='search_cpu::calls' $B loop diabetis icd10cm 20
//! # every dev-set query's instructions, one profile each (in set order):
//! valgrind --tool=callgrind --toggle-collect='search_cpu::calls' \
//!   --dump-after='search_cpu::calls' --callgrind-out-file=cg.%p $B dev 10
//! # (then: grep summary cg.<pid>.<i>, divided by 10)
//! # the answers (`{:?}` of every `SearchResults`) of the probe searches:
//! $B dump benches/examples/search_probe.txt > before.txt
//! ```
//!
//! `loop QUERY SYSTEM N` searches QUERY N times under SYSTEM (`-`: none),
//! limit 10, after one warm-up search (which builds the ranking facts and the
//! word table). `dump [FILE...]` puts the development set (each query under
//! its own system filter and none), the SPEC §4 word and typo queries, the
//! shipped synonym list's terms and the queries of each FILE (one a line,
//! under no filter, `icd10cm` and `hcpcs`) to the embedded catalog, each
//! with six option sets (limit 10, 3 and 50, offset 10, billable only, a
//! date of service), and prints one line per search. `dev N` runs `loop`
//! of each development-set query in turn (one profile each with
//! `--dump-after`, files `cg.<pid>.1` … in the set's order); `dev-queries`
//! prints those queries and their systems, tab-separated.

use std::hint::black_box;

use chrono::NaiveDate;
use procode::{Catalog, CodeSystem, SearchOptions};
use procode_benches::quality::{dev_set_path, read_dev_set};
use procode_benches::{TYPO_QUERIES, WORD_QUERIES};

fn system_of(s: &str) -> Option<CodeSystem> {
    match s {
        "" | "-" => None,
        s => Some(s.parse().expect("a code system name")),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cat = Catalog::embedded().expect("the embedded catalog");
    match args.first().map(String::as_str) {
        Some("loop") => {
            let q = args.get(1).expect("loop QUERY SYSTEM N");
            let sys = system_of(args.get(2).map_or("-", String::as_str));
            let n: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
            let opts = SearchOptions::default().system(sys).limit(10);
            black_box(cat.search(q, &opts).expect("searches"));
            let t = std::time::Instant::now();
            let seen = calls(&cat, q, &opts, n);
            eprintln!(
                "{q}: {n} searches, {:?} wall per search ({seen} results)",
                t.elapsed() / u32::try_from(n.max(1)).unwrap_or(u32::MAX)
            );
        }
        Some("dev") => {
            // One `calls` per query: with `--dump-after=search_cpu::calls`
            // callgrind writes one profile per query, in this order.
            let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1);
            for q in read_dev_set(&dev_set_path()).expect("the dev set") {
                let opts = SearchOptions::default().system(q.system).limit(10);
                black_box(cat.search(&q.query, &opts).expect("searches"));
                calls(&cat, &q.query, &opts, n);
            }
        }
        Some("dev-queries") => {
            for q in read_dev_set(&dev_set_path()).expect("the dev set") {
                println!("{}\t{}", q.query, q.system.map_or("-", CodeSystem::as_str));
            }
        }
        Some("dump") => dump(&cat, &args[1..]),
        _ => eprintln!(
            "usage: search_cpu loop QUERY SYSTEM N | dev N | dump [FILE...] | dev-queries"
        ),
    }
}

/// The measured loop (a function of its own, so that `valgrind
/// --tool=callgrind --toggle-collect=search_cpu::calls` counts it alone).
#[inline(never)]
fn calls(cat: &Catalog, q: &str, opts: &SearchOptions, n: usize) -> usize {
    let mut seen = 0;
    for _ in 0..n {
        seen += black_box(cat.search(black_box(q), opts).expect("searches")).len();
    }
    seen
}

/// `dump`: one line per search, `query | system | options => answer`.
fn dump(cat: &Catalog, files: &[String]) {
    let mut queries: Vec<(String, Option<CodeSystem>)> = Vec::new();
    for q in read_dev_set(&dev_set_path()).expect("the dev set") {
        queries.push((q.query.clone(), q.system));
        queries.push((q.query, None));
    }
    for q in WORD_QUERIES.iter().chain(TYPO_QUERIES) {
        queries.push(((*q).to_owned(), None));
    }
    for e in cat.synonyms().entries() {
        queries.push((
            e.term.clone(),
            e.systems.as_ref().and_then(|s| s.first().copied()),
        ));
    }
    for f in files {
        let text = std::fs::read_to_string(f).expect("a query file");
        for q in text.lines().filter(|l| !l.trim().is_empty()) {
            for s in [None, Some(CodeSystem::Icd10Cm), Some(CodeSystem::Hcpcs)] {
                queries.push((q.to_owned(), s));
            }
        }
    }
    let date = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
    let base = SearchOptions::default();
    let sets = [
        ("limit 10", base),
        ("limit 3", base.limit(3)),
        ("limit 50", base.limit(50)),
        ("offset 10", base.offset(10)),
        ("billable", base.billable_only(true)),
        ("as of", base.as_of(date)),
    ];
    for (q, s) in &queries {
        for (name, o) in &sets {
            let opts = o.system(*s);
            let sys = s.map_or("-", CodeSystem::as_str);
            match cat.search(q, &opts) {
                Ok(r) => println!("{q} | {sys} | {name} => {r:?}"),
                Err(e) => println!("{q} | {sys} | {name} => error {e}"),
            }
        }
    }
}
