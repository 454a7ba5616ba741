//! Shared helpers of the billing tests: the real code sets as a
//! `CodeSource`, loaded once per test binary.
//!
//! `load_code_source` is the one place that knows how the code sets are
//! read; it will be swapped for the real catalog once that is merged.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use procode::billing::{Currency, Money};
use procode::{Code, CodeSystem, Entry};

/// The catalog the tests look codes up in.
pub type CodeMap = HashMap<(CodeSystem, Code), Entry>;

/// The data directory: `PROCODE_DATA_DIR`, else `../shared/data` beside the
/// checkout. Panics loudly when it is missing: these tests never skip.
pub fn data_dir() -> PathBuf {
    let dir = std::env::var_os("PROCODE_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    assert!(
        dir.join("hcpcs_level2.tsv").is_file(),
        "code-set data not found in {}: set PROCODE_DATA_DIR to the directory holding \
         hcpcs_level2.tsv, modifiers.tsv, place_of_service.tsv and icd10cm.tsv",
        dir.display()
    );
    dir
}

/// The real code sets (HCPCS Level II, modifiers, place of service,
/// ICD-10-CM), loaded once.
pub fn catalog() -> &'static CodeMap {
    static CATALOG: OnceLock<CodeMap> = OnceLock::new();
    CATALOG.get_or_init(|| load_code_source(&data_dir()))
}

/// Reads the normalised TSVs into a map. Any bad row panics with its file
/// and line.
pub fn load_code_source(dir: &Path) -> CodeMap {
    let mut map = CodeMap::new();
    for (file, system) in [
        ("hcpcs_level2.tsv", CodeSystem::Hcpcs),
        ("modifiers.tsv", CodeSystem::Modifier),
    ] {
        for_rows(&dir.join(file), |line, row| {
            let code = code(file, line, row.get("code"));
            let long = row.get("long_description").unwrap_or_default();
            let short = row.get("short_description").unwrap_or_default();
            let entry = Entry::new(code, system, long)
                .with_short_description(short)
                .with_effective(date(file, line, row.get("effective_date")))
                .with_terminated(date(file, line, row.get("termination_date")))
                .with_action(row.get("action_code").and_then(|a| a.chars().next()));
            map.insert((system, code), entry);
        });
    }
    for_rows(&dir.join("place_of_service.tsv"), |line, row| {
        let code = code("place_of_service.tsv", line, row.get("code"));
        let entry = Entry::new(
            code,
            CodeSystem::Pos,
            row.get("description").unwrap_or_default(),
        )
        .with_short_description(row.get("name").unwrap_or_default());
        map.insert((CodeSystem::Pos, code), entry);
    });
    for_rows(&dir.join("icd10cm.tsv"), |line, row| {
        let code = code("icd10cm.tsv", line, row.get("code"));
        let billable = match row.get("billable") {
            Some("1") => true,
            Some("0") => false,
            other => panic!("icd10cm.tsv:{line}: billable must be 0 or 1, got {other:?}"),
        };
        let entry = Entry::new(
            code,
            CodeSystem::Icd10Cm,
            row.get("description").unwrap_or_default(),
        )
        .with_short_description(row.get("short_description").unwrap_or_default())
        .with_billable(billable);
        map.insert((CodeSystem::Icd10Cm, code), entry);
    });
    map
}

struct Row<'a> {
    headers: &'a csv::StringRecord,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        let i = self.headers.iter().position(|h| h == name)?;
        self.record.get(i).map(str::trim)
    }
}

fn for_rows(path: &Path, mut f: impl FnMut(u64, &Row<'_>)) {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .from_path(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let headers = rdr
        .headers()
        .unwrap_or_else(|e| panic!("{}: bad header: {e}", path.display()))
        .clone();
    for rec in rdr.records() {
        let record = rec.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        f(
            line,
            &Row {
                headers: &headers,
                record: &record,
            },
        );
    }
}

fn code(file: &str, line: u64, text: Option<&str>) -> Code {
    let text = text.unwrap_or_else(|| panic!("{file}:{line}: no code column"));
    Code::parse(text).unwrap_or_else(|e| panic!("{file}:{line}: {e}"))
}

fn date(file: &str, line: u64, text: Option<&str>) -> Option<NaiveDate> {
    match text {
        None | Some("") => None,
        Some(t) => Some(
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .unwrap_or_else(|e| panic!("{file}:{line}: bad date {t:?}: {e}")),
        ),
    }
}

/// The catalog entry of a code; panics when the real data lacks it.
pub fn entry(system: CodeSystem, code: &str) -> Entry {
    let c = Code::parse(code).expect("a valid code");
    catalog()
        .get(&(system, c))
        .cloned()
        .unwrap_or_else(|| panic!("{system} {code} is not in the code-set data"))
}

/// A date.
pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// A host-supplied time on 2025-03-`d` at `h`:00 UTC.
pub fn at(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, d, h, 0, 0)
        .single()
        .expect("a valid time")
}

/// US dollars.
pub fn usd(amount: &str) -> Money {
    Money::parse(amount, "USD").expect("a valid amount")
}

/// An amount in a currency.
pub fn money(amount: &str, currency: Currency) -> Money {
    Money::parse(amount, currency.as_str()).expect("a valid amount")
}

/// The JSON of a value, for before/after comparisons.
pub fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("serialisable")
}
