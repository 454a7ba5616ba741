//! NCCI edits over the real CMS tables (`ncci_ptp_practitioner.tsv.gz`, 2.5M
//! PTP edits, and `mue_practitioner.tsv`). The edits file is built once per
//! test binary.

use crate::claim_follow;
use crate::common;

use std::sync::OnceLock;

use chrono::NaiveDate;
use claim_follow::{codes_of, readiness};
use procode::billing::{CodeLine, Problem, ProblemCode, ProblemDetail};
use procode::ncci::{ModifierIndicator, MueAdjudication, NcciBuilder, NcciEdits, PtpEdit, Verify};
use procode::{Code, CodeSystem, NcciError};

/// The edits file bytes built from the real tables.
fn edits_bytes() -> &'static [u8] {
    static B: OnceLock<Vec<u8>> = OnceLock::new();
    B.get_or_init(|| {
        let dir = common::data_dir();
        // A missing table is an error naming the file.
        let mut b = NcciBuilder::new();
        let ptp = b.load_ptp(dir.join("ncci_ptp_practitioner.tsv.gz"));
        ptp.unwrap_or_else(|e| panic!("the PTP table loads: {e}"));
        let mue = b.load_mue(dir.join("mue_practitioner.tsv"));
        mue.unwrap_or_else(|e| panic!("the MUE table loads: {e}"));
        b.build().expect("the edits file builds")
    })
}

fn edits() -> &'static NcciEdits {
    static E: OnceLock<NcciEdits> = OnceLock::new();
    E.get_or_init(|| NcciEdits::from_bytes(edits_bytes().to_vec()).expect("the edits file opens"))
}

fn code(s: &str) -> Code {
    Code::parse(s).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn line(id: &str, c: &str, units: u32, modifiers: &[&str], dos: NaiveDate) -> CodeLine {
    let system = if c.as_bytes()[0].is_ascii_digit() {
        CodeSystem::Cpt
    } else {
        CodeSystem::Hcpcs
    };
    let mut l = CodeLine::manual(system, c, "test line")
        .unwrap()
        .with_id(id)
        .with_date_of_service(dos);
    l.units = units;
    l.modifiers = modifiers.iter().map(|m| code(m)).collect();
    l
}

const DOS: fn() -> NaiveDate = || day(2025, 3, 3);

/// The one PTP edit record of a pair (column 1, column 2).
fn only_ptp(column1: &str, column2: &str) -> PtpEdit {
    let mut recs = edits().ptp(&code(column1), &code(column2)).unwrap();
    assert_eq!(recs.len(), 1, "{column1}/{column2}: {recs:?}");
    recs.remove(0)
}

/// The problems of lines L1 and L2 of one code, each given as (units, date
/// of service).
fn two_lines(
    e: &NcciEdits,
    c: &str,
    (units1, dos1): (u32, NaiveDate),
    (units2, dos2): (u32, NaiveDate),
) -> Vec<procode::billing::Problem> {
    let lines = [
        line("L1", c, units1, &[], dos1),
        line("L2", c, units2, &[], dos2),
    ];
    e.check_lines(&lines, None).unwrap()
}

#[test]
fn every_row_is_kept() {
    let e = edits();
    assert_eq!(e.ptp_rows(), 2_546_017);
    assert_eq!(e.mue_rows(), 14_677);
    // The one key with two rationales keeps both records.
    let dup = e.ptp(&code("88108"), &code("88162")).unwrap();
    assert_eq!(dup.len(), 2);
    assert!(dup.iter().all(|r| r.deleted == Some(day(1996, 1, 1))
        && r.modifier_indicator == ModifierIndicator::NotApplicable));
    assert_ne!(dup[0].rationale, dup[1].rationale);
    println!("edits file: {} bytes, {} pairs", e.size(), e.pair_count());
}

#[test]
fn colonoscopy_45380_with_45378_is_never_allowed() {
    let e = edits();
    let rec = only_ptp("45380", "45378");
    assert_eq!(rec.modifier_indicator, ModifierIndicator::NotAllowed);
    assert_eq!(rec.deleted, None);
    assert_eq!(rec.rationale, "CPT Separate procedure definition");
    // Not the other way round.
    assert!(e.ptp(&code("45378"), &code("45380")).unwrap().is_empty());
    // Even with 59 on the column-2 line.
    let lines = [
        line("L1", "45380", 1, &[], DOS()),
        line("L2", "45378", 1, &["59"], DOS()),
    ];
    let p = e.check_lines(&lines, None).unwrap();
    assert_eq!(codes_of(&p), [("NCCI_PTP_CONFLICT", Some("L2"))]);
    match &p[0].detail {
        Some(ProblemDetail::PtpConflict {
            column1_line,
            column2_line,
            modifier_can_clear,
            edit,
            ..
        }) => {
            assert_eq!((column1_line.as_str(), column2_line.as_str()), ("L1", "L2"));
            assert!(!modifier_can_clear);
            assert_eq!(edit.rationale, "CPT Separate procedure definition");
        }
        other => panic!("unexpected detail {other:?}"),
    }
    assert!(p[0].message.contains("no modifier"), "{}", p[0].message);
}

#[test]
fn ecg_93000_with_93005_only_with_a_modifier_on_column_two() {
    let e = edits();
    let recs = e.ptp(&code("93000"), &code("93005")).unwrap();
    assert_eq!(recs[0].modifier_indicator, ModifierIndicator::Allowed);
    let check = |m1: &[&str], m2: &[&str]| {
        let lines = [
            line("A", "93000", 1, m1, DOS()),
            line("B", "93005", 1, m2, DOS()),
        ];
        e.check_lines(&lines, None).unwrap()
    };
    let p = check(&[], &[]);
    assert_eq!(codes_of(&p), [("NCCI_PTP_CONFLICT", Some("B"))]);
    assert!(matches!(
        p[0].detail,
        Some(ProblemDetail::PtpConflict {
            modifier_can_clear: true,
            ..
        })
    ));
    for m in ["59", "XU", "XE", "XS", "XP", "RT", "25", "91"] {
        assert!(check(&[], &[m]).is_empty(), "modifier {m} clears it");
    }
    // Not a NCCI-associated modifier, or on the column-1 line: still a conflict.
    assert_eq!(check(&[], &["GT"]).len(), 1);
    assert_eq!(check(&["59"], &[]).len(), 1);
}

#[test]
fn a_deleted_edit_fires_until_its_deletion_date() {
    let e = edits();
    assert_eq!(only_ptp("64630", "95900").deleted, Some(day(2012, 12, 31)));
    let on = |d: NaiveDate| {
        let lines = [
            line("L1", "64630", 1, &[], d),
            line("L2", "95900", 1, &[], d),
        ];
        e.check_lines(&lines, None).unwrap().len()
    };
    assert_eq!(on(day(2012, 12, 31)), 1);
    assert_eq!(on(day(2010, 6, 1)), 1);
    assert_eq!(on(day(2013, 1, 1)), 0);
    assert_eq!(on(DOS()), 0);
    // A pair deleted twice (two rows): active up to the later deletion.
    let on2 = |d: NaiveDate| {
        let lines = [
            line("L1", "00100", 1, &[], d),
            line("L2", "99201", 1, &[], d),
        ];
        e.check_lines(&lines, None).unwrap().len()
    };
    assert_eq!(e.ptp(&code("00100"), &code("99201")).unwrap().len(), 2);
    assert_eq!(on2(day(2020, 6, 1)), 1);
    assert_eq!(on2(day(2021, 1, 1)), 0);
}

#[test]
fn modifier_indicator_9_never_fires() {
    let e = edits();
    let rec = only_ptp("78831", "A9572");
    assert_eq!(rec.modifier_indicator, ModifierIndicator::NotApplicable);
    let d = day(2019, 6, 1);
    assert!(rec.is_active_on(d));
    let lines = [
        line("L1", "78831", 1, &[], d),
        line("L2", "A9572", 1, &[], d),
    ];
    assert!(e.check_lines(&lines, None).unwrap().is_empty());
}

#[test]
fn different_days_never_conflict() {
    let e = edits();
    let lines = [
        line("L1", "45380", 1, &[], day(2025, 3, 3)),
        line("L2", "45378", 1, &[], day(2025, 3, 4)),
    ];
    assert!(e.check_lines(&lines, None).unwrap().is_empty());
    // The document's date fills in lines without one.
    let mut a = line("L1", "45380", 1, &[], DOS());
    let mut b = line("L2", "45378", 1, &[], DOS());
    a.date_of_service = None;
    b.date_of_service = None;
    assert_eq!(
        e.check_lines(&[a.clone(), b.clone()], Some(DOS()))
            .unwrap()
            .len(),
        1
    );
    // Undated lines (a service's) are one day; only undeleted edits count.
    assert_eq!(e.check_lines(&[a, b], None).unwrap().len(), 1);
    let mut c = line("L1", "64630", 1, &[], DOS());
    let mut d = line("L2", "95900", 1, &[], DOS());
    c.date_of_service = None;
    d.date_of_service = None;
    assert!(e.check_lines(&[c, d], None).unwrap().is_empty());
}

#[test]
fn real_mue_values() {
    let e = edits();
    let j = e.mue(&code("J0585")).unwrap().unwrap();
    assert_eq!((j.units, j.mai), (600, MueAdjudication::DateClinical));
    assert_eq!(j.effective, Some(day(2024, 7, 1)));
    let cc = e.mue(&code("99291")).unwrap().unwrap();
    assert_eq!((cc.units, cc.mai), (1, MueAdjudication::DatePolicy));
    assert_eq!(e.mue(&code("99292")).unwrap().unwrap().units, 8);
    assert!(e.mue(&code("ZZZZZ")).unwrap().is_none());
}

#[test]
fn mue_sums_units_per_date_of_service_for_mai_2_and_3() {
    let e = edits();
    // J0585, 600 units, MAI 3.
    let ok = [line("L1", "J0585", 600, &[], DOS())];
    assert!(e.check_lines(&ok, None).unwrap().is_empty());
    let p = two_lines(e, "J0585", (300, DOS()), (301, DOS()));
    assert_eq!(codes_of(&p), [("MUE_EXCEEDED", Some("L1"))]);
    match &p[0].detail {
        Some(ProblemDetail::MueExceeded {
            mue,
            mai,
            units,
            lines,
            ..
        }) => {
            assert_eq!(
                (*mue, *mai, *units),
                (600, MueAdjudication::DateClinical, 601)
            );
            assert_eq!(lines, &["L1", "L2"]);
        }
        other => panic!("unexpected detail {other:?}"),
    }
    // Different days are counted apart.
    assert!(two_lines(e, "J0585", (400, day(2025, 3, 3)), (400, day(2025, 3, 4))).is_empty());
    // 99291: one per day (MAI 2), the same code twice on one day.
    let p = two_lines(e, "99291", (1, DOS()), (1, DOS()));
    assert_eq!(codes_of(&p), [("MUE_EXCEEDED", Some("L1"))]);
    assert!(p[0].message.contains("MAI 2"), "{}", p[0].message);
    assert!(two_lines(e, "99291", (1, day(2025, 3, 3)), (1, day(2025, 3, 4))).is_empty());
    // Before the table's effective date the MUE does not apply.
    let early = [line("L1", "99291", 2, &[], day(2024, 6, 30))];
    assert!(e.check_lines(&early, None).unwrap().is_empty());
}

#[test]
fn mue_mai_1_limits_each_line() {
    let e = edits();
    let m = e.mue(&code("99486")).unwrap().unwrap();
    assert_eq!((m.units, m.mai), (4, MueAdjudication::Line));
    // Two lines within the limit: fine although the day's sum is over it.
    assert!(two_lines(e, "99486", (4, DOS()), (3, DOS())).is_empty());
    let p = two_lines(e, "99486", (4, DOS()), (5, DOS()));
    assert_eq!(codes_of(&p), [("MUE_EXCEEDED", Some("L2"))]);
    assert!(matches!(
        p[0].detail,
        Some(ProblemDetail::MueExceeded {
            units: 5,
            mue: 4,
            mai: MueAdjudication::Line,
            ..
        })
    ));
    // Contrast MAI 3: 93000 allows 3 per day, summed.
    let p = two_lines(e, "93000", (2, DOS()), (2, DOS()));
    assert_eq!(codes_of(&p), [("MUE_EXCEEDED", Some("L1"))]);
}

#[test]
fn same_code_twice_is_not_a_pair_with_itself() {
    let e = edits();
    assert!(two_lines(e, "93000", (1, DOS()), (1, DOS())).is_empty());
}

#[test]
fn readiness_reports_edits_attached_to_the_catalog() {
    let catalog = common::full_catalog();
    let lines = vec![
        line("L1", "45380", 1, &[], DOS()),
        line("L2", "45378", 1, &[], DOS()),
        line("L3", "99291", 2, &[], DOS()),
    ];
    let doc = invoice(&lines);
    let ncci_of = |problems: Vec<Problem>| -> Vec<Problem> {
        let ncci = [ProblemCode::NcciPtpConflict, ProblemCode::MueExceeded];
        problems
            .into_iter()
            .filter(|p| ncci.contains(&p.code))
            .collect()
    };
    assert!(ncci_of(readiness(&doc, catalog, None)).is_empty());
    let with = catalog.with_ncci(edits().clone());
    let p = readiness(&doc, &with, None);
    assert_eq!(
        codes_of(&ncci_of(p.clone())),
        [
            ("NCCI_PTP_CONFLICT", Some("L2")),
            ("NCCI_PTP_CONFLICT", Some("L3")),
            ("NCCI_PTP_CONFLICT", Some("L3")),
            ("MUE_EXCEEDED", Some("L3")),
        ]
    );
    // Manual CPT codes are still unknown to the catalog.
    assert!(p.iter().any(|p| p.code == ProblemCode::UnknownCode));
}

/// A draft invoice of these lines, read from JSON.
fn invoice(lines: &[CodeLine]) -> procode::billing::Document {
    let json = serde_json::json!({
        "kind": "invoice", "id": "INV-1", "session_id": "S-1", "date": "2025-03-03",
        "state": "draft", "price": {"amount": "100.00", "currency": "USD"}, "payer_id": null,
        "lines": lines, "next_line": 4, "payments": [], "version": 1, "sent_version": null,
        "needs_resend": false, "audit": []
    });
    serde_json::from_value(json).expect("an invoice")
}

#[test]
fn the_file_round_trips_through_disk_full_and_lazy() {
    let dir = std::env::temp_dir().join(format!("procode-ncci-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("edits.idx");
    std::fs::write(&path, edits_bytes()).unwrap();
    for verify in [Verify::Full, Verify::Lazy] {
        let e = NcciEdits::open_with(&path, verify).unwrap();
        assert_eq!(e.ptp_rows(), 2_546_017);
        let recs = e.ptp(&code("93000"), &code("93005")).unwrap();
        assert_eq!(recs, edits().ptp(&code("93000"), &code("93005")).unwrap());
    }
    // A truncated real file is a typed error, never a panic.
    let cut = &edits_bytes()[..edits_bytes().len() - 1000];
    std::fs::write(&path, cut).unwrap();
    assert!(matches!(
        NcciEdits::open(&path),
        Err(NcciError::Truncated { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}
