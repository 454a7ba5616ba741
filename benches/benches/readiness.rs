//! Criterion benchmark of insurance readiness on a 20-line claim with every
//! check (issue 15): catalog checks, NCCI PTP and MUE, add-on code edits,
//! Excludes1 pairs and diagnosis sequencing — beside its peer, the same
//! claim through readiness with the catalog alone (no edits, no ICD-10-CM
//! structure: the checks before issue 15 and NCCI).
//!
//! `cargo bench -p procode-benches --bench readiness -- --warm-up-time 1 --measurement-time 2`

use std::hint::black_box;

use chrono::NaiveDate;
use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use procode::billing::{
    readiness, CodeSource, CodeStatus, DiagnosisMemo, EditBatch, Editor, Invoice, Money,
};
use procode::error::CatalogError;
use procode::import::tabular::TabularView;
use procode::ncci::{NcciBuilder, NcciEdits};
use procode::{Catalog, Code, CodeSystem, Entry, Release};
use procode_benches::{data_dir, ncci_claim, ncci_files};

/// The catalog alone: entries only, no reference data.
struct EntriesOnly<'a>(&'a Catalog);

impl CodeSource for EntriesOnly<'_> {
    fn entry(&self, code: &Code, system: CodeSystem) -> Option<Entry> {
        self.0.entry(code, system)
    }
}

/// The catalog's own answers (statuses without decoding descriptions,
/// releases), with its ICD-10-CM structure or without, never its edits:
/// the parts of "all checks" measured one by one.
struct Parts<'a> {
    cat: &'a Catalog,
    structure: bool,
}

impl CodeSource for Parts<'_> {
    fn entry(&self, code: &Code, system: CodeSystem) -> Option<Entry> {
        self.cat.entry(code, system)
    }

    fn entry_on(&self, code: &Code, system: CodeSystem, date: NaiveDate) -> Option<Entry> {
        self.cat.entry_on(code, system, date)
    }

    fn status(
        &self,
        code: &Code,
        system: CodeSystem,
        date: Option<NaiveDate>,
    ) -> Option<CodeStatus> {
        self.cat.status(code, system, date)
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

fn benches(c: &mut Criterion) {
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
    let all = readiness(&inv, &cat, None);
    let bare = readiness(&inv, &EntriesOnly(&cat), None);
    eprintln!(
        "20-line claim: {} problems with every check, {} with the catalog alone",
        all.len(),
        bare.len()
    );

    let mut g = c.benchmark_group("readiness");
    g.bench_function("20-line claim, all checks", |b| {
        b.iter(|| black_box(readiness(black_box(&inv), &cat, None)))
    });
    g.bench_function("peer: 20-line claim, catalog checks only", |b| {
        let bare = EntriesOnly(&cat);
        b.iter(|| black_box(readiness(black_box(&inv), &bare, None)))
    });
    g.finish();

    // The parts of "all checks", one by one (to see where the time goes).
    let mut g = c.benchmark_group("readiness parts");
    let edits = cat.ncci().expect("edits attached");
    g.bench_function("catalog statuses only (no structure, no edits)", |b| {
        let parts = Parts {
            cat: &cat,
            structure: false,
        };
        b.iter(|| black_box(readiness(black_box(&inv), &parts, None)))
    });
    g.bench_function("catalog statuses + ICD-10-CM structure (no edits)", |b| {
        let parts = Parts {
            cat: &cat,
            structure: true,
        };
        b.iter(|| black_box(readiness(black_box(&inv), &parts, None)))
    });
    g.bench_function("NCCI PTP and MUE alone", |b| {
        b.iter(|| black_box(edits.check(black_box(&inv))))
    });
    g.finish();
}

criterion_group!(readiness_bench, benches);
criterion_main!(readiness_bench);
