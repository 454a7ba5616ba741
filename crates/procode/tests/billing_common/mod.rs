//! Shared helpers of the billing tests: the real code sets as a
//! `CodeSource`, loaded once per test binary.
//!
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use procode::billing::{Currency, Money};
use procode::{Catalog, Code, CodeSystem, Entry};

/// The data directory: `PROCODE_DATA_DIR`, else `target/data` (for
/// messages: the catalog itself is compiled in from the vendored data).
pub fn data_dir() -> PathBuf {
    std::env::var_os("PROCODE_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/data"))
}

/// The embedded default catalog (HCPCS Level II, modifiers, place of service,
/// ICD-10-CM), built from the real code-set data. Panics loudly when this build
/// has no data: these tests never skip.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        Catalog::embedded()
            .unwrap_or_else(|e| panic!("{e} (data looked for in {})", data_dir().display()))
    })
}

/// The catalog entry of a code; panics when the real data lacks it.
pub fn entry(system: CodeSystem, code: &str) -> Entry {
    let c = Code::parse(code).expect("a valid code");
    catalog()
        .lookup_code(&c, system, None)
        .expect("the catalog reads")
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

/// H0004 (behavioral health counseling, per 15 minutes) picked from the
/// catalog, 4 units, modifier HO, for F41.1 at the office.
pub fn counseling_line() -> procode::billing::CodeLine {
    procode::billing::CodeLine::from_entry(&entry(CodeSystem::Hcpcs, "H0004"))
        .with_units(4)
        .unwrap()
        .with_modifiers(["HO"])
        .unwrap()
        .with_diagnoses(["F41.1"])
        .unwrap()
        .with_place_of_service("11")
        .unwrap()
}

/// G0444 (annual depression screening) for F32.9 at the office.
pub fn screening_line() -> procode::billing::CodeLine {
    procode::billing::CodeLine::from_entry(&entry(CodeSystem::Hcpcs, "G0444"))
        .with_diagnoses(["F32.9"])
        .unwrap()
        .with_place_of_service("11")
        .unwrap()
}

/// A batch that changes one line's units.
pub fn set_units(line_id: &str, units: u32) -> procode::billing::EditBatch {
    procode::billing::EditBatch::new().edit(
        line_id,
        procode::billing::LineChanges::default().units(units),
    )
}

/// The invoice update of a completion that changed these lines.
pub fn updated(changed_lines: &[&str], must_resend: bool) -> procode::billing::InvoiceUpdate {
    procode::billing::InvoiceUpdate::Updated {
        changed_lines: changed_lines.iter().map(|l| l.to_string()).collect(),
        must_resend,
    }
}

/// The payer fee schedule `AETNA-2025` (payer `AETNA`, USD) of a CSV.
pub fn aetna_schedule(csv: &str) -> procode::billing::FeeSchedule {
    procode::billing::FeeSchedule::from_reader(
        "AETNA-2025",
        Some("AETNA".into()),
        Currency::Usd,
        "aetna.csv",
        csv.as_bytes(),
        b',',
    )
    .expect("a valid fee schedule")
}
