//! The fixture of the readiness benchmark (issue 15), shared by the
//! criterion bench (`benches/readiness.rs`) and the CPU-time loop
//! (`examples/readiness_cpu.rs`): the embedded catalog with the real NCCI
//! PTP, MUE and add-on edits, a 20-line claim, and the sources that measure
//! parts of readiness.

use chrono::NaiveDate;
use chrono::{TimeZone, Utc};
use procode::billing::{
    readiness, CodeSource, CodeStatus, DiagnosisMemo, EditBatch, Editor, Invoice, Money,
};
use procode::error::CatalogError;
use procode::import::tabular::TabularView;
use procode::ncci::{NcciBuilder, NcciEdits};
use procode::{Catalog, Code, CodeSystem, Entry, Release};

use crate::{data_dir, ncci_claim, ncci_files};

/// The catalog alone: entries only, no reference data.
pub struct EntriesOnly<'a>(pub &'a Catalog);

impl CodeSource for EntriesOnly<'_> {
    fn entry(&self, code: &Code, system: CodeSystem) -> Option<Entry> {
        self.0.entry(code, system)
    }
}

/// The catalog's own answers (statuses without decoding descriptions,
/// releases), with its ICD-10-CM structure or without, never its edits:
/// the parts of "all checks" measured one by one.
pub struct Parts<'a> {
    /// The catalog.
    pub cat: &'a Catalog,
    /// Whether its ICD-10-CM structure (and diagnosis memo) is used.
    pub structure: bool,
}

impl CodeSource for Parts<'_> {
    fn entry(&self, code: &Code, system: CodeSystem) -> Option<Entry> {
        self.cat.entry(code, system)
    }

    fn entry_on(&self, code: &Code, system: CodeSystem, date: NaiveDate) -> Option<Entry> {
        self.cat.entry_on(code, system, date)
    }

    fn status(&self, code: &Code, system: CodeSystem, on: Option<NaiveDate>) -> Option<CodeStatus> {
        self.cat.status(code, system, on)
    }

    fn structure(&self) -> Result<Option<TabularView<'_>>, CatalogError> {
        if self.structure {
            self.cat.structure()
        } else {
            Ok(None)
        }
    }

    fn diagnosis_memo(&self) -> Option<&DiagnosisMemo> {
        if self.structure {
            self.cat.diagnosis_memo()
        } else {
            None
        }
    }

    fn releases(&self) -> &[Release] {
        self.cat.releases()
    }
}

/// The embedded catalog with the real PTP, MUE and add-on edits attached,
/// and a 20-line claim of one date of service (the `ncci check` claim: an
/// office visit with labs, ECG, vaccines, injections and spirometry, each
/// line pointing at one to four of eight diagnoses).
pub fn readiness_fixture() -> (Catalog, Invoice) {
    let dir = data_dir();
    let (ptp, mue) = ncci_files(&dir);
    let mut b = NcciBuilder::new();
    b.load_ptp(&ptp).expect("PTP");
    b.load_mue(&mue).expect("MUE");
    b.load_addon(dir.join("ncci_addon_medicare.tsv"))
        .expect("add-on edits");
    let edits = NcciEdits::from_bytes(b.build().expect("build")).expect("open");
    let cat = Catalog::embedded()
        .expect("embedded catalog")
        .with_ncci(edits);
    assert!(cat.has_structure());

    // An office visit with labs, ECG, vaccines, injections and spirometry,
    // each line pointing at one to four of eight diagnoses.
    let dx = [
        "E11.9", "I10", "E78.5", "J45.909", "Z23", "R05.9", "E66.9", "Z00.00",
    ];
    let mut batch = EditBatch::new();
    for (i, line) in ncci_claim().into_iter().enumerate() {
        let n = 1 + i % 4;
        let pointers: Vec<&str> = (0..n).map(|k| dx[(i + k) % dx.len()]).collect();
        let line = line
            .with_diagnoses(pointers)
            .expect("diagnoses")
            .with_place_of_service("11")
            .expect("POS")
            .with_rate_override("10".parse().expect("rate"))
            .expect("rate");
        batch = batch.add(line);
    }
    let mut inv = Invoice::new(
        "INV-B",
        "S-1",
        chrono::NaiveDate::from_ymd_opt(2025, 3, 3).expect("date"),
        Money::parse("200", "USD").expect("money"),
        None,
    );
    inv.edit(
        &batch,
        &Editor::new("bench", Utc.timestamp_opt(0, 0).single().expect("time")),
    )
    .expect("edit");
    (cat, inv)
}

/// The problems of the fixture's claim with every check and with the
/// catalog alone (entries only), for the benches' first line.
pub fn readiness_counts(cat: &Catalog, inv: &Invoice) -> (usize, usize) {
    (
        readiness(inv, cat, None).len(),
        readiness(inv, &EntriesOnly(cat), None).len(),
    )
}
