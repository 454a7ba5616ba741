//! Search quality: the development set of `benches/search-quality/dev.tsv`
//! (realistic typeahead queries, each with the codes a coder would accept),
//! the scorer of its README (hit@1, hit@3, hit@10 and MRR over the first 10,
//! per query, per category and overall) and the runners that put each query to
//! procode and to the SQLite FTS5 peer ([`crate::fts::FtsPeer`]) the way the
//! product's typeahead would.
//!
//! The dev-set reader is strict: a wrong header, a row with a missing or extra
//! field, an unknown system, a malformed code or a repeated id is a typed
//! [`DevSetError`] with its line number, never a skipped row.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use procode::{Catalog, CodeSystem, SearchOptions};

/// How many results each query asks for, and the depth the metrics look at.
pub const DEPTH: usize = 10;

/// The columns of a dev-set file, in order.
pub const DEV_COLUMNS: [&str; 5] = ["id", "query", "system", "expected", "note"];

/// The development set shipped in the repository.
pub fn dev_set_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("search-quality/dev.tsv")
}

/// A dev-set file that cannot be used, with the line (1-based) where it fails.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DevSetError {
    /// The file could not be read.
    Io {
        /// What the OS said.
        message: String,
    },
    /// The first line is not the header `id, query, system, expected, note`.
    Header {
        /// The header found.
        found: String,
    },
    /// A row does not have exactly five tab-separated fields.
    Fields {
        /// The line.
        line: usize,
        /// How many fields it has.
        found: usize,
    },
    /// The id is not `<category>-<nn>` or repeats an earlier id.
    Id {
        /// The line.
        line: usize,
        /// The id.
        id: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The query is empty.
    EmptyQuery {
        /// The line.
        line: usize,
    },
    /// The system is neither `any` nor a code system procode knows.
    System {
        /// The line.
        line: usize,
        /// The value found.
        found: String,
    },
    /// An expected code is empty or not upper-case letters and digits.
    Expected {
        /// The line.
        line: usize,
        /// The offending code (empty when the list has an empty item).
        code: String,
    },
}

impl fmt::Display for DevSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DevSetError::Io { message } => write!(f, "cannot read the dev set: {message}"),
            DevSetError::Header { found } => write!(
                f,
                "line 1: the header must be {:?}, found {found:?}",
                DEV_COLUMNS.join("\t")
            ),
            DevSetError::Fields { line, found } => {
                write!(f, "line {line}: 5 tab-separated fields expected, found {found}")
            }
            DevSetError::Id { line, id, problem } => write!(f, "line {line}: id {id:?} {problem}"),
            DevSetError::EmptyQuery { line } => write!(f, "line {line}: the query is empty"),
            DevSetError::System { line, found } => write!(
                f,
                "line {line}: unknown system {found:?} (any, hcpcs, icd10cm, icd10pcs, modifier, pos, cpt, custom)"
            ),
            DevSetError::Expected { line, code } => write!(
                f,
                "line {line}: expected code {code:?} is not upper-case letters and digits without dots"
            ),
        }
    }
}

impl std::error::Error for DevSetError {}

/// One query of the set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevQuery {
    /// The id, `<category>-<nn>`.
    pub id: String,
    /// The category (the id before the `-`).
    pub category: String,
    /// Exactly what the user typed.
    pub query: String,
    /// The picker's system filter; `None` for `any`.
    pub system: Option<CodeSystem>,
    /// The acceptable codes, normalised (upper case, no dots).
    pub expected: BTreeSet<String>,
    /// Why these codes are the right picks.
    pub note: String,
    /// The line of the file.
    pub line: usize,
}

impl DevQuery {
    /// The system as the file spells it (`any` without a filter).
    pub fn system_name(&self) -> &'static str {
        self.system.map_or("any", CodeSystem::as_str)
    }

    /// The rank (1-based) of the first acceptable result among the first
    /// [`DEPTH`]: its code is expected and, under a system filter, its system is
    /// that system. `None` when no such result is there.
    pub fn rank<'a, I>(&self, results: I) -> Option<usize>
    where
        I: IntoIterator<Item = (&'a str, CodeSystem)>,
    {
        results
            .into_iter()
            .take(DEPTH)
            .position(|(code, system)| {
                self.expected.contains(code) && self.system.is_none_or(|s| s == system)
            })
            .map(|i| i + 1)
    }
}

/// Reads a dev-set file.
pub fn read_dev_set(path: &Path) -> Result<Vec<DevQuery>, DevSetError> {
    let text = std::fs::read_to_string(path).map_err(|e| DevSetError::Io {
        message: format!("{}: {e}", path.display()),
    })?;
    parse_dev_set(&text)
}

/// Parses the text of a dev-set file.
pub fn parse_dev_set(text: &str) -> Result<Vec<DevQuery>, DevSetError> {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or("");
    if header != DEV_COLUMNS.join("\t") {
        return Err(DevSetError::Header {
            found: header.to_owned(),
        });
    }
    let mut out = Vec::new();
    let mut ids = BTreeSet::new();
    for (i, raw) in lines.enumerate() {
        let line = i + 2;
        let f: Vec<&str> = raw.split('\t').collect();
        if f.len() != DEV_COLUMNS.len() {
            return Err(DevSetError::Fields {
                line,
                found: f.len(),
            });
        }
        let id = f[0];
        let bad_id = |problem| DevSetError::Id {
            line,
            id: id.to_owned(),
            problem,
        };
        let category = match id.split_once('-') {
            Some((c, n))
                if !c.is_empty()
                    && c.bytes().all(|b| b.is_ascii_lowercase())
                    && !n.is_empty()
                    && n.bytes().all(|b| b.is_ascii_digit()) =>
            {
                c.to_owned()
            }
            _ => return Err(bad_id("is not <category>-<nn>")),
        };
        if !ids.insert(id.to_owned()) {
            return Err(bad_id("repeats an earlier id"));
        }
        if f[1].trim().is_empty() {
            return Err(DevSetError::EmptyQuery { line });
        }
        let system = match f[2] {
            "any" => None,
            s => Some(s.parse::<CodeSystem>().map_err(|_| DevSetError::System {
                line,
                found: s.to_owned(),
            })?),
        };
        let mut expected = BTreeSet::new();
        for code in f[3].split(',') {
            if code.is_empty()
                || !code
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            {
                return Err(DevSetError::Expected {
                    line,
                    code: code.to_owned(),
                });
            }
            expected.insert(code.to_owned());
        }
        out.push(DevQuery {
            id: id.to_owned(),
            category,
            query: f[1].to_owned(),
            system,
            expected,
            note: f[4].to_owned(),
            line,
        });
    }
    Ok(out)
}

/// The four metrics of a group of queries, each the mean over its queries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    /// How many queries.
    pub queries: usize,
    /// Share of queries ranked first.
    pub hit1: f64,
    /// Share of queries ranked in the first three.
    pub hit3: f64,
    /// Share of queries ranked in the first ten.
    pub hit10: f64,
    /// Mean of 1/rank (0 without a rank in the first ten).
    pub mrr: f64,
}

impl Scores {
    /// The scores of a list of ranks (one per query, `None` = no hit in the
    /// first [`DEPTH`]). An empty list scores 0 everywhere.
    pub fn of(ranks: &[Option<usize>]) -> Scores {
        let n = ranks.len();
        if n == 0 {
            return Scores {
                queries: 0,
                hit1: 0.0,
                hit3: 0.0,
                hit10: 0.0,
                mrr: 0.0,
            };
        }
        let share =
            |k: usize| ranks.iter().filter(|r| r.is_some_and(|r| r <= k)).count() as f64 / n as f64;
        let mrr = ranks
            .iter()
            .map(|r| match r {
                Some(r) if *r <= DEPTH => 1.0 / *r as f64,
                _ => 0.0,
            })
            .sum::<f64>()
            / n as f64;
        Scores {
            queries: n,
            hit1: share(1),
            hit3: share(3),
            hit10: share(DEPTH),
            mrr,
        }
    }
}

/// Overall and per-category scores of one system under test.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    /// Over every query.
    pub overall: Scores,
    /// Per category, in the order categories first appear in the set.
    pub categories: Vec<(String, Scores)>,
}

impl Scorecard {
    /// Scores `ranks[i]`, the rank of `set[i]`.
    ///
    /// # Panics
    /// When the two lists differ in length (a bug of the caller).
    pub fn new(set: &[DevQuery], ranks: &[Option<usize>]) -> Scorecard {
        assert_eq!(set.len(), ranks.len(), "one rank per query");
        let mut order: Vec<&str> = Vec::new();
        let mut by_cat: BTreeMap<&str, Vec<Option<usize>>> = BTreeMap::new();
        for (q, r) in set.iter().zip(ranks) {
            if !by_cat.contains_key(q.category.as_str()) {
                order.push(&q.category);
            }
            by_cat.entry(&q.category).or_default().push(*r);
        }
        Scorecard {
            overall: Scores::of(ranks),
            categories: order
                .into_iter()
                .map(|c| (c.to_owned(), Scores::of(&by_cat[c])))
                .collect(),
        }
    }
}

/// What one system under test returned for one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The results, best first: normalised code, system and description.
    pub results: Vec<(String, CodeSystem, String)>,
    /// The error the system under test answered with, if any (then no results).
    pub error: Option<String>,
    /// How the results were found, when the system says (procode's
    /// [`procode::SearchMode`], lower case: `codeprefix`, `words`, `typo`, `none`).
    pub mode: Option<String>,
}

impl Answer {
    /// The answer of a system that refused the query with `error`.
    pub fn failed(error: impl std::fmt::Display) -> Answer {
        Answer {
            results: Vec::new(),
            error: Some(error.to_string()),
            mode: None,
        }
    }

    /// The rank of the first acceptable result for `q`.
    pub fn rank(&self, q: &DevQuery) -> Option<usize> {
        q.rank(self.results.iter().map(|(c, s, _)| (c.as_str(), *s)))
    }
}

/// The options of the typeahead's call for `q`: limit [`DEPTH`], the row's
/// system filter, no date of service.
pub fn procode_options(q: &DevQuery) -> SearchOptions {
    SearchOptions::default().system(q.system).limit(DEPTH)
}

/// Puts `q` to procode as `procode search QUERY --json --limit 10 [--system S]`
/// does: [`Catalog::search`] with limit [`DEPTH`], the row's system filter and
/// no date of service. A query procode rejects (for instance one with too many
/// words) answers no results and the error, as the CLI prints an error.
pub fn ask_procode(catalog: &Catalog, q: &DevQuery) -> Answer {
    match catalog.search(&q.query, &procode_options(q)) {
        Ok(r) => Answer {
            results: r
                .iter()
                .map(|e| (e.code.as_str().to_owned(), e.system, e.description.clone()))
                .collect(),
            error: None,
            mode: Some(format!("{:?}", r.mode).to_lowercase()),
        },
        Err(e) => Answer::failed(e),
    }
}

/// Median of `runs` timed calls of `f`, after one warm-up call, in ns.
pub fn median_ns(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let s = std::time::Instant::now();
            f();
            s.elapsed().as_nanos() as f64
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

/// The nearest-rank percentile `p` (0..=100) of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The latency of a set of queries: p50, p99 and max (ns) of the per-query
/// latencies, and which query was the slowest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latency {
    /// The median query.
    pub p50: f64,
    /// The 99th percentile (nearest rank).
    pub p99: f64,
    /// The slowest query's latency.
    pub max: f64,
    /// The slowest query's index.
    pub slowest: usize,
}

impl Latency {
    /// The summary of per-query latencies (ns).
    pub fn of(latency_ns: &[f64]) -> Latency {
        let mut sorted = latency_ns.to_vec();
        sorted.sort_by(f64::total_cmp);
        let slowest = latency_ns
            .iter()
            .enumerate()
            .max_by(|x, y| x.1.total_cmp(y.1))
            .map_or(0, |(i, _)| i);
        Latency {
            p50: percentile(&sorted, 50.0),
            p99: percentile(&sorted, 99.0),
            max: percentile(&sorted, 100.0),
            slowest,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = "id\tquery\tsystem\texpected\tnote\n\
        clin-01\tanxiety\ticd10cm\tF419\tNOS\n\
        clin-02\tdepression\ticd10cm\tF32A,F329\ttwo picks\n\
        abbr-01\thtn\ticd10cm\tI10\tHTN\n\
        dme-01\tcpap\tany\tE0601\tno filter\n";

    fn answer(codes: &[(&str, CodeSystem)]) -> Answer {
        Answer {
            results: codes
                .iter()
                .map(|(c, s)| (c.to_string(), *s, String::new()))
                .collect(),
            error: None,
            mode: None,
        }
    }

    #[test]
    fn parses_the_fixture() {
        let set = parse_dev_set(FIXTURE).unwrap();
        assert_eq!(set.len(), 4);
        assert_eq!(set[1].category, "clin");
        assert_eq!(set[1].line, 3);
        assert!(set[1].expected.contains("F329"));
        assert_eq!(set[3].system, None);
        assert_eq!(set[2].system, Some(CodeSystem::Icd10Cm));
    }

    #[test]
    fn rank_needs_the_filtered_system_and_the_first_ten() {
        let set = parse_dev_set(FIXTURE).unwrap();
        let htn = &set[2];
        // I10 as a code of another system does not count under icd10cm.
        let a = answer(&[("I10", CodeSystem::Custom), ("I10", CodeSystem::Icd10Cm)]);
        assert_eq!(a.rank(htn), Some(2));
        // Without a filter any system counts.
        let cpap = &set[3];
        assert_eq!(answer(&[("E0601", CodeSystem::Hcpcs)]).rank(cpap), Some(1));
        // An acceptable code at position 11 is no rank.
        let mut eleven: Vec<(&str, CodeSystem)> = vec![("X", CodeSystem::Icd10Cm); 10];
        eleven.push(("I10", CodeSystem::Icd10Cm));
        assert_eq!(answer(&eleven).rank(htn), None);
        // Any of the listed codes is a hit; the first one found gives the rank.
        let dep = &set[1];
        let a = answer(&[
            ("F32", CodeSystem::Icd10Cm),
            ("F329", CodeSystem::Icd10Cm),
            ("F32A", CodeSystem::Icd10Cm),
        ]);
        assert_eq!(a.rank(dep), Some(2));
    }

    #[test]
    fn scores_follow_the_readme() {
        let set = parse_dev_set(FIXTURE).unwrap();
        // ranks: 1, 3, none, 10
        let ranks = [Some(1), Some(3), None, Some(10)];
        let card = Scorecard::new(&set, &ranks);
        let o = card.overall;
        assert_eq!(o.queries, 4);
        assert!((o.hit1 - 0.25).abs() < 1e-12);
        assert!((o.hit3 - 0.5).abs() < 1e-12);
        assert!((o.hit10 - 0.75).abs() < 1e-12);
        let mrr = (1.0 + 1.0 / 3.0 + 0.0 + 0.1) / 4.0;
        assert!((o.mrr - mrr).abs() < 1e-12);
        // Categories in first-seen order, each averaged over its own queries.
        let names: Vec<&str> = card.categories.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(names, ["clin", "abbr", "dme"]);
        let clin = card.categories[0].1;
        assert_eq!(clin.queries, 2);
        assert!((clin.hit1 - 0.5).abs() < 1e-12);
        assert!((clin.hit3 - 1.0).abs() < 1e-12);
        assert!((clin.mrr - (1.0 + 1.0 / 3.0) / 2.0).abs() < 1e-12);
        assert_eq!(card.categories[1].1.hit10, 0.0);
        assert!((card.categories[2].1.mrr - 0.1).abs() < 1e-12);
    }

    #[test]
    fn bad_files_are_typed_errors_with_lines() {
        let h = "id\tquery\tsystem\texpected\tnote\n";
        assert!(matches!(
            parse_dev_set("id\tquery\n"),
            Err(DevSetError::Header { .. })
        ));
        assert_eq!(
            parse_dev_set(&format!("{h}clin-01\tx\ticd10cm\tI10\n")),
            Err(DevSetError::Fields { line: 2, found: 4 })
        );
        assert!(matches!(
            parse_dev_set(&format!("{h}clin01\tx\ticd10cm\tI10\tn\n")),
            Err(DevSetError::Id { line: 2, .. })
        ));
        assert!(matches!(
            parse_dev_set(&format!(
                "{h}clin-01\tx\ticd10cm\tI10\tn\nclin-01\ty\ticd10cm\tI10\tn\n"
            )),
            Err(DevSetError::Id { line: 3, .. })
        ));
        assert_eq!(
            parse_dev_set(&format!("{h}clin-01\tx\tsnomed\tI10\tn\n")),
            Err(DevSetError::System {
                line: 2,
                found: "snomed".into()
            })
        );
        assert_eq!(
            parse_dev_set(&format!("{h}clin-01\tx\ticd10cm\tI10,e11.9\tn\n")),
            Err(DevSetError::Expected {
                line: 2,
                code: "e11.9".into()
            })
        );
        assert_eq!(
            parse_dev_set(&format!("{h}clin-01\t \ticd10cm\tI10\tn\n")),
            Err(DevSetError::EmptyQuery { line: 2 })
        );
    }

    #[test]
    fn nearest_rank_percentiles_and_the_slowest() {
        let v: Vec<f64> = (1..=70).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 35.0);
        assert_eq!(percentile(&v, 99.0), 70.0);
        assert_eq!(percentile(&v, 100.0), 70.0);
        assert_eq!(percentile(&[5.0], 50.0), 5.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
        let l = Latency::of(&[3.0, 9.0, 1.0]);
        assert_eq!((l.p50, l.max, l.slowest), (3.0, 9.0, 1));
    }

    #[test]
    fn the_shipped_dev_set_parses() {
        let set = read_dev_set(&dev_set_path()).unwrap();
        assert_eq!(set.len(), 70);
        for q in &set {
            assert!(
                q.system != Some(CodeSystem::Cpt),
                "{}: CPT is not shipped",
                q.id
            );
        }
    }
}
