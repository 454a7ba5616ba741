//! `cargo run --release -p procode-benches --bin search-quality [-- --set FILE] [--all]`
//! (or `make search-quality`)
//!
//! The search-quality report of issue 14: every query of the development set
//! (`benches/search-quality/dev.tsv`, or `--set FILE` in the same format) put
//! to procode as its typeahead would (`procode search QUERY --json --limit 10
//! [--system S]`: the embedded catalog, limit 10, no date of service) and to an
//! SQLite FTS5 (bm25) peer over the same descriptions; prints hit@1/3/10 and
//! MRR overall and per category for both, the latency per query, and the
//! queries procode misses (no acceptable code in its first three), with its top
//! three. `--all` lists every query, not only the misses.
//! `--procode-only` skips the peer and lists every query's latency and answer
//! (mode, total, first page), to compare two builds.
//!
//! It is a report, not a test: nothing here fails on low figures.

use std::hint::black_box;
use std::path::PathBuf;

use procode::Catalog;
use procode_benches::fts::FtsPeer;
use procode_benches::quality::{
    ask_procode, dev_set_path, median_ns, procode_options, read_dev_set, Answer, DevQuery, Latency,
    Scorecard, Scores,
};

/// Timed runs of each query (after one warm-up run); the query's latency is
/// their median.
const PROCODE_RUNS: usize = 31;
/// The same for the peers (milliseconds per query at worst).
const PEER_RUNS: usize = 11;

fn main() {
    if let Err(e) = run() {
        eprintln!("search-quality: {e}");
        std::process::exit(1);
    }
}

struct Args {
    set: PathBuf,
    all: bool,
    procode_only: bool,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        set: dev_set_path(),
        all: false,
        procode_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--set" => {
                a.set = it
                    .next()
                    .map(PathBuf::from)
                    .ok_or("--set needs a file name")?
            }
            "--all" => a.all = true,
            "--procode-only" => a.procode_only = true,
            "--bench" => {} // passed by `cargo bench`; ignored.
            other => {
                return Err(format!(
                    "unknown argument {other:?} (usage: search-quality [--set FILE] [--all] [--procode-only])"
                ))
            }
        }
    }
    Ok(a)
}

fn show_ns(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn rank_text(r: Option<usize>) -> String {
    r.map_or("—".into(), |r| r.to_string())
}

/// One system under test: its name, its answers and ranks, its latencies.
struct Run {
    name: String,
    answers: Vec<Answer>,
    ranks: Vec<Option<usize>>,
    latency_ns: Vec<f64>,
}

impl Run {
    /// Scores `ask` on every query and times `search`, the bare call behind it
    /// (the product's search call, without the harness's copying of results).
    fn measure<T>(
        name: &str,
        set: &[DevQuery],
        runs: usize,
        ask: impl Fn(&DevQuery) -> Answer,
        search: impl Fn(&DevQuery) -> T,
    ) -> Run {
        let answers: Vec<Answer> = set.iter().map(&ask).collect();
        let ranks = set.iter().zip(&answers).map(|(q, a)| a.rank(q)).collect();
        let latency_ns = set
            .iter()
            .map(|q| {
                median_ns(runs, || {
                    black_box(search(black_box(q)));
                })
            })
            .collect();
        Run {
            name: name.to_owned(),
            answers,
            ranks,
            latency_ns,
        }
    }
}

fn scores_cells(s: &Scores) -> String {
    format!(
        "{} | {} | {} | {:.2}",
        pct(s.hit1),
        pct(s.hit3),
        pct(s.hit10),
        s.mrr
    )
}

fn run() -> Result<(), String> {
    let a = args()?;
    let set = read_dev_set(&a.set).map_err(|e| format!("{}: {e}", a.set.display()))?;
    let catalog = Catalog::embedded().map_err(|e| e.to_string())?;
    if a.procode_only {
        return procode_only(&set, &catalog);
    }
    let entries = catalog
        .entries()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    // The peers, each over the same entries as procode. When the core can read
    // the ICD-10-CM tabular list's inclusion terms, add the second peer here:
    //   FtsPeer::build("FTS5 titles + inclusion terms", &entries, &|e| terms_of(e))
    let peers = [FtsPeer::titles(&entries).map_err(|e| format!("FTS5 peer: {e}"))?];

    let mut runs = vec![Run::measure(
        "procode",
        &set,
        PROCODE_RUNS,
        |q| ask_procode(&catalog, q),
        |q| catalog.search(&q.query, &procode_options(q)),
    )];
    for p in &peers {
        runs.push(Run::measure(
            p.name(),
            &set,
            PEER_RUNS,
            |q| p.ask(q),
            |q| p.search(&q.query, q.system),
        ));
    }
    print_scores(&a, &set, &catalog, entries.len(), &runs);
    print_latency(&set, &runs);
    print_misses(&a, &set, &runs);
    Ok(())
}

/// `--procode-only`: no peer; every query's latency (slowest first) and
/// the answer procode gives (mode, total, the codes of its first page), a
/// listing two builds can be compared by.
fn procode_only(set: &[DevQuery], catalog: &Catalog) -> Result<(), String> {
    let run = Run::measure(
        "procode",
        set,
        PROCODE_RUNS,
        |q| ask_procode(catalog, q),
        |q| catalog.search(&q.query, &procode_options(q)),
    );
    let l = Latency::of(&run.latency_ns);
    println!(
        "procode over {} queries: p50 {}, p99 {}, max {}",
        set.len(),
        show_ns(l.p50),
        show_ns(l.p99),
        show_ns(l.max)
    );
    let mut order: Vec<usize> = (0..set.len()).collect();
    order.sort_by(|&x, &y| run.latency_ns[y].total_cmp(&run.latency_ns[x]));
    for i in order {
        println!(
            "latency {:>10} {:?}",
            show_ns(run.latency_ns[i]),
            set[i].query
        );
    }
    for q in set {
        let r = catalog
            .search(&q.query, &procode_options(q))
            .map_err(|e| e.to_string())?;
        let codes: Vec<String> = r.iter().map(|e| e.code.to_string()).collect();
        println!(
            "answer {} {:?} mode {} total {} [{}]",
            q.id,
            q.query,
            r.mode.as_str(),
            r.total,
            codes.join(" ")
        );
    }
    Ok(())
}

/// The header line and the table of hit@1/3/10 and MRR per system, overall
/// and per category.
fn print_scores(a: &Args, set: &[DevQuery], catalog: &Catalog, entries: usize, runs: &[Run]) {
    let cards: Vec<Scorecard> = runs.iter().map(|r| Scorecard::new(set, &r.ranks)).collect();

    println!(
        "procode search quality: {} ({} queries); procode = Catalog::embedded() ({} codes) \
         search, limit 10, no date of service, the row's system filter; peers over the same {} entries",
        a.set.display(),
        set.len(),
        catalog.len(),
        entries
    );
    println!();
    let mut head = String::from("| scope | queries |");
    let mut rule = String::from("|---|---:|");
    for r in runs {
        head.push_str(&format!(
            " {0} hit@1 | {0} hit@3 | {0} hit@10 | {0} MRR |",
            r.name
        ));
        rule.push_str("---:|---:|---:|---:|");
    }
    println!("{head}\n{rule}");
    let line = |scope: &str, pick: &dyn Fn(&Scorecard) -> Scores| {
        let n = pick(&cards[0]).queries;
        let cells: Vec<String> = cards.iter().map(|c| scores_cells(&pick(c))).collect();
        println!("| {scope} | {n} | {} |", cells.join(" | "));
    };
    line("**all**", &|c| c.overall);
    for (i, (cat, _)) in cards[0].categories.iter().enumerate() {
        line(cat, &|c| c.categories[i].1);
    }

    println!();
}

/// The latency table (p50, p99, max per system) and procode's slowest five.
fn print_latency(set: &[DevQuery], runs: &[Run]) {
    println!(
        "latency per query (the median of {PROCODE_RUNS} runs for procode, {PEER_RUNS} for a peer, \
         after a warm-up), over the {} queries:",
        set.len()
    );
    println!();
    println!("| system | p50 | p99 | max | slowest query |\n|---|---:|---:|---:|---|");
    for r in runs {
        let l = Latency::of(&r.latency_ns);
        let slowest = set
            .get(l.slowest)
            .map(|q| format!("{:?} ({})", q.query, q.system_name()))
            .unwrap_or_default();
        println!(
            "| {} | {} | {} | {} | {slowest} |",
            r.name,
            show_ns(l.p50),
            show_ns(l.p99),
            show_ns(l.max),
        );
    }
}

/// The queries procode misses (or every query with `--all`), with its top three.
fn print_misses(a: &Args, set: &[DevQuery], runs: &[Run]) {
    let procode = &runs[0];
    let mut order: Vec<usize> = (0..set.len()).collect();
    order.sort_by(|&x, &y| procode.latency_ns[y].total_cmp(&procode.latency_ns[x]));
    let slowest: Vec<String> = order
        .iter()
        .take(5)
        .map(|&i| format!("{:?} {}", set[i].query, show_ns(procode.latency_ns[i])))
        .collect();
    println!();
    println!("slowest procode queries: {}", slowest.join(", "));
    let listed: Vec<usize> = (0..set.len())
        .filter(|&i| a.all || procode.ranks[i].is_none_or(|r| r > 3))
        .collect();
    println!();
    if a.all {
        println!("every query:");
    } else {
        println!(
            "misses: {} queries without an acceptable code in procode's first three",
            listed.len()
        );
    }
    println!();
    let mut head = String::from("| id | query | system | expected | procode rank | procode mode |");
    let mut rule = String::from("|---|---|---|---|---:|---|");
    for r in &runs[1..] {
        head.push_str(&format!(" {} rank |", r.name));
        rule.push_str("---:|");
    }
    println!("{head} procode top 3 |\n{rule}---|");
    for i in listed {
        let q = &set[i];
        let expected: Vec<&str> = q.expected.iter().map(String::as_str).collect();
        let mut row = format!(
            "| {} | {} | {} | {} | {} | {} |",
            q.id,
            q.query,
            q.system_name(),
            expected.join(","),
            rank_text(procode.ranks[i]),
            procode.answers[i].mode.as_deref().unwrap_or("error"),
        );
        for r in &runs[1..] {
            row.push_str(&format!(" {} |", rank_text(r.ranks[i])));
        }
        let top: Vec<String> = match &procode.answers[i].error {
            Some(e) => vec![format!("error: {e}")],
            None if procode.answers[i].results.is_empty() => vec!["(nothing)".into()],
            None => procode.answers[i]
                .results
                .iter()
                .take(3)
                .map(|(c, _, d)| format!("{c} {}", clip(d, 48)))
                .collect(),
        };
        row.push_str(&format!(" {} |", top.join("; ").replace('|', "/")));
        println!("{row}");
    }
}

/// The first `n` characters of `s`, with an ellipsis when cut.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_cuts_on_characters() {
        assert_eq!(clip("Crohn’s disease", 7), "Crohn’s…");
        assert_eq!(clip("short", 48), "short");
    }
}
