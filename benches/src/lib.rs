//! Shared fixtures of the procode benchmarks: the large catalog of SPEC §4
//! (HCPCS + ICD-10-CM + ICD-10-PCS), the query sets, and the peers every procode
//! figure is compared with in the same run — SQLite (rusqlite, bundled, with
//! FTS5) and binary search over a sorted `Vec<String>` of codes.
//!
//! Both the criterion benches (`benches/catalog.rs`) and the `report` command use
//! these, so they measure the same data with the same queries.
#![deny(missing_docs)]

use std::path::{Path, PathBuf};

mod billing_bench;
pub use billing_bench::BillingFixture;
mod readiness_bench;
pub use readiness_bench::{readiness_counts, readiness_fixture, EntriesOnly, Parts};
mod scrub_bench;
pub use scrub_bench::{
    hash_output, python_json, scrub_memory_probe, status_kib, ClaimLines, CodePools,
};

pub mod fts;
pub mod memory;
pub mod quality;
pub mod scaling;
pub mod synonyms;

use procode::import::tsv::{load_data_dir, StdFile};
use procode::{Catalog, Code, CodeSystem, Entry, IndexBuilder};
use rusqlite::{params, Connection};

/// The files of the large catalog of SPEC §4 (about 187k codes).
pub const LARGE: &[StdFile] = &[StdFile::Hcpcs, StdFile::Icd10Cm, StdFile::Icd10Pcs];

/// The files of the small catalog of the open benchmark (about 430 codes).
pub const SMALL: &[StdFile] = &[StdFile::Modifiers, StdFile::PlaceOfService];

/// How many codes the exact-lookup benchmark rotates through.
pub const LOOKUP_COUNT: usize = 1000;

/// Code-prefix queries: what is typed into procode's search box, and the
/// normalised code prefix the peers get. procode reads a query as a code when it
/// has a digit or a dot, so the one-letter prefix is typed as `G.`.
pub const PREFIX_QUERIES: &[(&str, &str)] =
    &[("G.", "G"), ("G0", "G0"), ("G04", "G04"), ("E116", "E116")];

/// Word queries, top 10. The first is the SPEC §4 row; the others are further
/// two- and three-word typeahead queries over the three code systems.
pub const WORD_QUERIES: &[&str] = &[
    "diab mell",
    "chron kidney dis",
    "wheelchair seat",
    "bypass coronary art",
];

/// One-typo queries, top 10 (SQLite has no peer for these).
pub const TYPO_QUERIES: &[&str] = &["wheelchiar", "pyschotherapy", "diabetis mellitus"];

/// How many results every search asks for.
pub const TOP: usize = 10;

/// The code-set data directory: `PROCODE_DATA_DIR`, else `target/data` (unpacked
/// from the vendored `data/` by `make data`). Panics with a message saying how to provide the data when a
/// file of the large catalog is missing.
pub fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("PROCODE_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/data"),
    };
    for f in LARGE.iter().chain(SMALL) {
        let p = dir.join(f.file_name());
        if !p.is_file() {
            panic!(
                "procode benchmarks need the code-set data: {} is missing. Run `make data` \
                 (it unpacks the vendored data/ into target/data) or name a directory \
                 of the files with PROCODE_DATA_DIR.",
                p.display()
            );
        }
    }
    dir
}

/// Parses the given TSVs of `dir` (the peer of opening an index file).
pub fn parse_tsvs(dir: &Path, files: &[StdFile]) -> Vec<Entry> {
    load_data_dir(dir, files)
        .unwrap_or_else(|e| panic!("cannot load the TSVs in {}: {e}", dir.display()))
}

/// Builds a procode index in memory from already parsed entries.
pub fn build_index(entries: &[Entry]) -> Vec<u8> {
    let mut b = IndexBuilder::new();
    b.extend(entries.iter().cloned());
    b.build().expect("the catalog builds")
}

/// The SPEC §4 build figure: parse the TSVs and build the index in memory.
pub fn build_from_tsvs(dir: &Path, files: &[StdFile]) -> Vec<u8> {
    let mut b = IndexBuilder::new();
    b.extend(parse_tsvs(dir, files));
    b.build().expect("the catalog builds")
}

/// Total size in bytes of the given TSVs.
pub fn tsv_bytes(dir: &Path, files: &[StdFile]) -> u64 {
    files
        .iter()
        .map(|f| {
            std::fs::metadata(dir.join(f.file_name()))
                .map(|m| m.len())
                .unwrap_or(0)
        })
        .sum()
}

/// A file under [`std::env::temp_dir`] that is removed when dropped.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
}

impl TempFile {
    /// A fresh path named after this process and `name`; any old file there is
    /// removed first.
    pub fn new(name: &str) -> TempFile {
        let path =
            std::env::temp_dir().join(format!("procode-bench-{}-{}", std::process::id(), name));
        let _ = std::fs::remove_file(&path);
        TempFile { path }
    }

    /// The path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// One row as the SQLite peer returns it: every column fetched into owned
/// strings, as procode returns an owned [`Entry`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteRow {
    /// The normalised code.
    pub code: String,
    /// The code system tag ([`CodeSystem::to_u8`]).
    pub system: i64,
    /// The long description.
    pub description: String,
    /// The short description.
    pub short: String,
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SqliteRow> {
    Ok(SqliteRow {
        code: r.get(0)?,
        system: r.get(1)?,
        description: r.get(2)?,
        short: r.get(3)?,
    })
}

/// The SQLite peer: a `WITHOUT ROWID` table keyed by `(code, system)` for exact
/// lookup and code-prefix range queries, and an FTS5 table (default `unicode61`
/// tokenizer, own content, optimised after the bulk load) over the long and
/// short descriptions for word search.
pub struct Sqlite {
    conn: Connection,
}

const SCHEMA: &str = "
    CREATE TABLE codes(
        code TEXT NOT NULL,
        system INTEGER NOT NULL,
        description TEXT NOT NULL,
        short TEXT NOT NULL,
        PRIMARY KEY(code, system)
    ) WITHOUT ROWID;
    CREATE VIRTUAL TABLE codes_fts USING fts5(
        code UNINDEXED, system UNINDEXED, description, short
    );";

impl Sqlite {
    /// Builds the database in memory (the peer of the build benchmark).
    pub fn build_in_memory(entries: &[Entry]) -> Sqlite {
        let conn = Connection::open_in_memory().expect("SQLite opens in memory");
        Sqlite::fill(conn, entries)
    }

    /// Builds the database in the file `path` (replacing it) and returns it
    /// opened for queries, with a 256 MiB page cache and memory map so that,
    /// like procode's memory-mapped index, warm queries never read the disk.
    pub fn build_file(path: &Path, entries: &[Entry]) -> Sqlite {
        let _ = std::fs::remove_file(path);
        let conn = Connection::open(path).expect("SQLite creates its file");
        let db = Sqlite::fill(conn, entries);
        db.conn
            .execute_batch("PRAGMA cache_size = -262144; PRAGMA mmap_size = 268435456;")
            .expect("pragmas");
        db
    }

    fn fill(conn: Connection, entries: &[Entry]) -> Sqlite {
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;",
        )
        .expect("pragmas");
        conn.execute_batch(SCHEMA)
            .expect("schema (FTS5 is compiled in)");
        conn.execute_batch("BEGIN").expect("begin");
        {
            let mut t = conn
                .prepare("INSERT INTO codes VALUES (?1, ?2, ?3, ?4)")
                .expect("prepare");
            let mut f = conn
                .prepare("INSERT INTO codes_fts VALUES (?1, ?2, ?3, ?4)")
                .expect("prepare");
            for e in entries {
                let p = params![
                    e.code.as_str(),
                    e.system.to_u8(),
                    e.description,
                    e.short_description
                ];
                t.execute(p).expect("insert");
                f.execute(p).expect("insert");
            }
        }
        conn.execute_batch("COMMIT; INSERT INTO codes_fts(codes_fts) VALUES('optimize');")
            .expect("commit");
        Sqlite { conn }
    }

    /// Primary-key lookup through a cached prepared statement.
    pub fn lookup(&self, code: &str, system: CodeSystem) -> Option<SqliteRow> {
        let mut s = self
            .conn
            .prepare_cached(
                "SELECT code, system, description, short FROM codes \
                 WHERE code = ?1 AND system = ?2",
            )
            .expect("prepare");
        let mut rows = s.query(params![code, system.to_u8()]).expect("query");
        rows.next().expect("step").map(|r| row(r).expect("row"))
    }

    /// The first [`TOP`] codes starting with `prefix` (a normalised code prefix of
    /// ASCII letters and digits), in `(code, system)` order: an indexed range
    /// query on the primary key.
    pub fn prefix(&self, prefix: &str) -> Vec<SqliteRow> {
        let mut hi = prefix.as_bytes().to_vec();
        if let Some(last) = hi.last_mut() {
            *last += 1;
        }
        let hi = String::from_utf8(hi).expect("ASCII prefix");
        let mut s = self
            .conn
            .prepare_cached(
                "SELECT code, system, description, short FROM codes \
                 WHERE code >= ?1 AND code < ?2 ORDER BY code, system LIMIT ?3",
            )
            .expect("prepare");
        s.query_map(params![prefix, hi, TOP as i64], row)
            .expect("query")
            .map(|r| r.expect("row"))
            .collect()
    }

    /// The FTS5 MATCH expression of a word query: every word a prefix
    /// (`diab mell` → `"diab"* "mell"*`).
    pub fn match_expr(query: &str) -> String {
        query
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| format!("\"{}\"*", w.to_lowercase()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Word search: every query word a prefix of a word of the long or short
    /// description (FTS5 prefix MATCH), the [`TOP`] matches with the shortest
    /// description, then by code and system.
    pub fn words(&self, match_expr: &str) -> Vec<SqliteRow> {
        let mut s = self
            .conn
            .prepare_cached(
                "SELECT code, system, description, short FROM codes_fts \
                 WHERE codes_fts MATCH ?1 \
                 ORDER BY length(description), code, system LIMIT ?2",
            )
            .expect("prepare");
        s.query_map(params![match_expr, TOP as i64], row)
            .expect("query")
            .map(|r| r.expect("row"))
            .collect()
    }
}

/// The sorted-`Vec<String>` peer of code-prefix typeahead: every code of the
/// catalog (a code in two systems appears twice), sorted.
#[derive(Debug, Clone)]
pub struct SortedCodes {
    codes: Vec<String>,
}

impl SortedCodes {
    /// Collects and sorts the codes of `entries`.
    pub fn new(entries: &[Entry]) -> SortedCodes {
        let mut codes: Vec<String> = entries.iter().map(|e| e.code.as_str().to_owned()).collect();
        codes.sort_unstable();
        SortedCodes { codes }
    }

    /// The first [`TOP`] codes starting with `prefix`, cloned into owned strings:
    /// `partition_point` to the first code ≥ `prefix`, then a scan while the
    /// prefix holds. It returns codes only, no descriptions.
    pub fn prefix(&self, prefix: &str) -> Vec<String> {
        let start = self.codes.partition_point(|c| c.as_str() < prefix);
        self.codes[start..]
            .iter()
            .take_while(|c| c.starts_with(prefix))
            .take(TOP)
            .cloned()
            .collect()
    }
}

/// A second sorted-`Vec` peer that returns what procode returns: every entry of
/// the catalog sorted by `(code, system)`, the first [`TOP`] matches cloned into
/// owned [`Entry`] values (descriptions included).
#[derive(Debug, Clone)]
pub struct SortedEntries {
    entries: Vec<Entry>,
}

impl SortedEntries {
    /// Clones and sorts `entries`.
    pub fn new(entries: &[Entry]) -> SortedEntries {
        let mut entries = entries.to_vec();
        entries.sort_unstable_by_key(|e| (e.code, e.system));
        SortedEntries { entries }
    }

    /// The first [`TOP`] entries whose code starts with `prefix`, cloned.
    pub fn prefix(&self, prefix: &str) -> Vec<Entry> {
        let start = self.entries.partition_point(|e| e.code.as_str() < prefix);
        self.entries[start..]
            .iter()
            .take_while(|e| e.code.as_str().starts_with(prefix))
            .take(TOP)
            .cloned()
            .collect()
    }
}

/// `LOOKUP_COUNT` real codes spread evenly over the catalog, as normalised code
/// strings with their system.
pub fn lookup_set(entries: &[Entry]) -> Vec<(String, CodeSystem)> {
    let step = (entries.len() / LOOKUP_COUNT).max(1);
    entries
        .iter()
        .step_by(step)
        .take(LOOKUP_COUNT)
        .map(|e| (e.code.as_str().to_owned(), e.system))
        .collect()
}

/// Everything the benchmarks compare, built once: the large catalog as parsed
/// entries, as a procode index (in memory and in a temporary file, plus a small
/// index file for the open benchmark), as a SQLite database file, and as a sorted
/// code list.
pub struct Fixture {
    /// The code-set data directory.
    pub dir: PathBuf,
    /// The entries of the large catalog, in TSV order.
    pub entries: Vec<Entry>,
    /// The large index, built in memory.
    pub index_bytes: Vec<u8>,
    /// The large index file.
    pub index_file: TempFile,
    /// The small index file (modifiers + place of service).
    pub small_index_file: TempFile,
    /// The large catalog opened from its file (memory-mapped, fully verified).
    pub catalog: Catalog,
    /// The SQLite database file of the large catalog.
    pub sqlite_file: TempFile,
    /// The SQLite database of the large catalog, opened from its file.
    pub sqlite: Sqlite,
    /// The sorted codes of the large catalog.
    pub sorted: SortedCodes,
    /// The sorted entries of the large catalog.
    pub sorted_entries: SortedEntries,
    /// The codes the exact-lookup benchmark rotates through.
    pub lookups: Vec<(String, CodeSystem)>,
    /// The same codes parsed, for [`Catalog::lookup_code`].
    pub parsed_lookups: Vec<(Code, CodeSystem)>,
}

impl Fixture {
    /// Loads the data and builds every structure (a few seconds).
    pub fn load() -> Fixture {
        let dir = data_dir();
        let entries = parse_tsvs(&dir, LARGE);
        let index_bytes = build_index(&entries);
        let index_file = TempFile::new("large.idx");
        std::fs::write(index_file.path(), &index_bytes).expect("index file written");
        let small_index_file = TempFile::new("small.idx");
        let small = build_index(&parse_tsvs(&dir, SMALL));
        std::fs::write(small_index_file.path(), small).expect("index file written");
        let catalog = Catalog::open(index_file.path()).expect("the index opens");
        let sqlite_file = TempFile::new("large.sqlite");
        let sqlite = Sqlite::build_file(sqlite_file.path(), &entries);
        let sorted = SortedCodes::new(&entries);
        let sorted_entries = SortedEntries::new(&entries);
        let lookups = lookup_set(&entries);
        let parsed_lookups = lookups
            .iter()
            .map(|(c, s)| (Code::parse(c).expect("a stored code parses"), *s))
            .collect();
        Fixture {
            dir,
            entries,
            index_bytes,
            index_file,
            small_index_file,
            catalog,
            sqlite_file,
            sqlite,
            sorted,
            sorted_entries,
            lookups,
            parsed_lookups,
        }
    }

    /// Size in bytes of the SQLite database file.
    pub fn sqlite_bytes(&self) -> u64 {
        std::fs::metadata(self.sqlite_file.path())
            .map(|m| m.len())
            .unwrap_or(0)
    }

    /// Size in bytes of the SQLite database without its FTS5 tables (the
    /// `codes` table and its key only), from the `dbstat` virtual table.
    pub fn sqlite_table_bytes(&self) -> u64 {
        self.sqlite
            .conn
            .query_row(
                "SELECT sum(pgsize) FROM dbstat WHERE name NOT LIKE 'codes_fts%'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .unwrap_or(0)
    }
}

/// The CMS NCCI tables of the data directory: the PTP table (gzip TSV) and
/// the MUE table.
pub fn ncci_files(dir: &Path) -> (PathBuf, PathBuf) {
    let ptp = dir.join("ncci_ptp_practitioner.tsv.gz");
    let mue = dir.join("mue_practitioner.tsv");
    assert!(
        ptp.is_file() && mue.is_file(),
        "the NCCI tables are missing in {}",
        dir.display()
    );
    (ptp, mue)
}

/// Loads the NCCI tables and builds the edits file in memory.
pub fn build_edits(dir: &Path) -> Vec<u8> {
    let (ptp, mue) = ncci_files(dir);
    let mut b = procode::ncci::NcciBuilder::new();
    b.load_ptp(&ptp).expect("PTP table loads");
    b.load_mue(&mue).expect("MUE table loads");
    b.build().expect("edits build")
}

/// A typical 20-line claim of one date of service for the edit checks: an
/// office visit with labs, ECG, vaccines, injections and spirometry (a few
/// NCCI problems, as real claims have).
pub fn ncci_claim() -> Vec<procode::billing::CodeLine> {
    claim_of(&[
        ("99214", 1, &["25"]),
        ("93000", 1, &[]),
        ("36415", 1, &[]),
        ("80053", 1, &[]),
        ("85025", 1, &[]),
        ("83036", 1, &[]),
        ("80061", 1, &[]),
        ("84443", 1, &[]),
        ("82306", 1, &[]),
        ("81003", 1, &[]),
        ("87880", 1, &[]),
        ("90471", 1, &[]),
        ("90686", 1, &[]),
        ("96372", 2, &[]),
        ("J1885", 4, &[]),
        ("J3420", 1, &[]),
        ("71046", 1, &[]),
        ("94010", 1, &[]),
        ("94760", 1, &[]),
        ("G0444", 1, &[]),
    ])
}

/// A worst-case 20-line claim: colonoscopy, ECG, critical care, labs,
/// drugs and minor surgery on one day, about 30 NCCI problems.
pub fn ncci_claim_worst() -> Vec<procode::billing::CodeLine> {
    claim_of(&[
        ("45380", 1, &[]),
        ("45378", 1, &[]),
        ("93000", 1, &[]),
        ("93005", 1, &["59"]),
        ("99291", 1, &[]),
        ("99292", 2, &[]),
        ("J0585", 200, &[]),
        ("36415", 1, &[]),
        ("80053", 1, &[]),
        ("85025", 1, &[]),
        ("71046", 1, &[]),
        ("99213", 1, &["25"]),
        ("96372", 2, &[]),
        ("J1885", 4, &[]),
        ("20610", 1, &["RT"]),
        ("76942", 1, &[]),
        ("12001", 1, &[]),
        ("11042", 1, &[]),
        ("97110", 3, &["GP"]),
        ("97140", 2, &["GP", "59"]),
    ])
}

fn claim_of(codes: &[(&str, u32, &[&str])]) -> Vec<procode::billing::CodeLine> {
    use procode::billing::CodeLine;
    use procode::CodeSystem;
    let day = chrono::NaiveDate::from_ymd_opt(2025, 3, 3).expect("date");
    codes
        .iter()
        .enumerate()
        .map(|(i, (c, units, mods))| {
            let system = if c.as_bytes()[0].is_ascii_digit() {
                CodeSystem::Cpt
            } else {
                CodeSystem::Hcpcs
            };
            let mut l = CodeLine::manual(system, c, "claim line")
                .expect("code")
                .with_id(format!("L{}", i + 1))
                .with_date_of_service(day)
                .with_modifiers(mods.iter().copied())
                .expect("modifiers");
            l.units = *units;
            l
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_expr_makes_prefix_terms() {
        assert_eq!(Sqlite::match_expr("Diab  mell"), "\"diab\"* \"mell\"*");
        assert_eq!(Sqlite::match_expr("non-er"), "\"non\"* \"er\"*");
    }

    #[test]
    fn peers_agree_on_a_small_catalog() {
        let mk = |c: &str, s, d: &str| Entry::new(Code::parse(c).unwrap(), s, d);
        let entries = vec![
            mk("G0402", CodeSystem::Hcpcs, "Initial preventive exam"),
            mk("G0438", CodeSystem::Hcpcs, "Annual wellness visit"),
            mk("E119", CodeSystem::Icd10Cm, "Type 2 diabetes mellitus"),
            mk("E109", CodeSystem::Icd10Cm, "Type 1 diabetes mellitus"),
        ];
        let db = Sqlite::build_in_memory(&entries);
        let hit = db.lookup("G0438", CodeSystem::Hcpcs).unwrap();
        assert_eq!(hit.description, "Annual wellness visit");
        assert!(db.lookup("G0438", CodeSystem::Icd10Cm).is_none());
        let p: Vec<String> = db.prefix("G04").into_iter().map(|r| r.code).collect();
        assert_eq!(p, ["G0402", "G0438"]);
        assert_eq!(SortedCodes::new(&entries).prefix("G04"), p);
        let e: Vec<String> = SortedEntries::new(&entries)
            .prefix("G04")
            .into_iter()
            .map(|e| e.code.as_str().to_owned())
            .collect();
        assert_eq!(e, p);
        let w: Vec<String> = db
            .words(&Sqlite::match_expr("diab mell"))
            .into_iter()
            .map(|r| r.code)
            .collect();
        assert_eq!(w, ["E109", "E119"]);
        let cat = Catalog::from_bytes(build_index(&entries)).unwrap();
        let opts = procode::SearchOptions::default();
        let ours: Vec<String> = cat
            .search("G04", &opts)
            .unwrap()
            .iter()
            .map(|e| e.code.as_str().to_owned())
            .collect();
        assert_eq!(ours, p);
    }
}
