//! NCCI edits files: loading errors name file, line and column; damaged files
//! are typed errors on open (or, lazily verified, on the lookup that meets
//! the damage), never panics.

use crate::claim_follow;

use std::io::Write;

use chrono::NaiveDate;
use procode::billing::CodeLine;
use procode::ncci::{NcciBuilder, NcciEdits, Verify};
use procode::{Code, CodeSystem, ColumnError, NcciError, RowError};

const PTP_HEAD: &str = "column1\tcolumn2\tdeletion_date\tmodifier_indicator\trationale\n";
const MUE_HEAD: &str = "code\tmue\tmai\trationale\teffective_date\n";

fn small() -> Vec<u8> {
    let ptp = format!(
        "{PTP_HEAD}45380\t45378\t9999-12-31\t0\tCPT Separate procedure definition\n\
         93000\t93005\t9999-12-31\t1\tHCPCS/CPT procedure code definition\n\
         93000\t93010\t2019-12-31\t1\tHCPCS/CPT procedure code definition\n\
         93000\t93010\t2022-12-31\t0\tMutually exclusive procedures\n"
    );
    let mue = format!("{MUE_HEAD}99291\t1\t2\tCode Descriptor / CPT Instruction\t2024-07-01\n");
    let mut b = NcciBuilder::new();
    b.read_ptp("ptp.tsv", ptp.as_bytes()).unwrap();
    b.read_mue("mue.tsv", mue.as_bytes()).unwrap();
    b.build().unwrap()
}

fn ptp_err(body: &str) -> NcciError {
    let mut b = NcciBuilder::new();
    b.read_ptp("user.tsv", body.as_bytes()).unwrap_err()
}

fn code(s: &str) -> Code {
    Code::parse(s).unwrap()
}

#[test]
fn bad_rows_name_line_and_column() {
    let cases = [
        (
            format!("{PTP_HEAD}45380\t45378\t9999-12-31\t2\tx\n"),
            2,
            "modifier_indicator",
        ),
        (
            format!("{PTP_HEAD}45380\t45378\t9999-12-31\t0\tx\n45380\t45378\t2024-02-30\t0\tx\n"),
            3,
            "deletion_date",
        ),
        (
            format!("{PTP_HEAD}45380\t45#78\t9999-12-31\t0\tx\n"),
            2,
            "column2",
        ),
        (
            format!("{PTP_HEAD}45380\t45378\t9999-12-31\n"),
            2,
            "modifier_indicator",
        ),
        (format!("{PTP_HEAD}\n"), 2, "column2"),
        // Empty fields on the first row are parsed (and refused), not taken
        // for the "previous row's" value the reader reuses.
        (
            format!("{PTP_HEAD}45380\t45378\t\t0\tx\n"),
            2,
            "deletion_date",
        ),
        (
            format!("{PTP_HEAD}\t45378\t9999-12-31\t0\tx\n"),
            2,
            "column1",
        ),
    ];
    for (body, line, column) in cases {
        match ptp_err(&body) {
            NcciError::BadRow(RowError {
                file,
                line: l,
                column: c,
                ..
            }) => {
                assert_eq!(
                    (file.as_str(), l, c.as_str()),
                    ("user.tsv", line, column),
                    "{body:?}"
                );
            }
            other => panic!("{body:?}: {other}"),
        }
    }
    assert!(matches!(
        ptp_err("column1\tcolumn2\tdeletion_date\trationale\n"),
        NcciError::MissingColumn(ColumnError { column, .. }) if column == "modifier_indicator"
    ));
    assert!(matches!(ptp_err(""), NcciError::BadFile { .. }));
    let mut b = NcciBuilder::new();
    // An MAI out of 1-3; a limit that is not a number.
    for (row, bad) in [
        ("99291\t1\t4\tx\t2024-07-01", "mai"),
        ("99291\tmany\t2\tx\t2024-07-01", "mue"),
    ] {
        let e = b
            .read_mue("m.tsv", format!("{MUE_HEAD}{row}\n").as_bytes())
            .unwrap_err();
        assert!(
            matches!(e, NcciError::BadRow(RowError { line: 2, ref column, .. }) if column == bad),
            "{e}"
        );
    }
}

#[test]
fn duplicates_are_errors_but_rationale_variants_are_kept() {
    let mut b = NcciBuilder::new();
    b.read_ptp(
        "u.tsv",
        format!("{PTP_HEAD}88108\t88162\t1996-01-01\t9\tA\n88108\t88162\t1996-01-01\t9\tA\n")
            .as_bytes(),
    )
    .unwrap();
    let e2 = b.build().unwrap_err();
    match e2 {
        NcciError::DuplicateEdit { line, first, .. } => {
            assert_eq!(line, 3);
            assert_eq!(first, "u.tsv:2");
        }
        other => panic!("{other}"),
    }
    let mut b = NcciBuilder::new();
    b.read_ptp(
        "u.tsv",
        format!("{PTP_HEAD}88108\t88162\t1996-01-01\t9\tA\n88108\t88162\t1996-01-01\t9\tB\n")
            .as_bytes(),
    )
    .unwrap();
    let e = NcciEdits::from_bytes(b.build().unwrap()).unwrap();
    assert_eq!(e.ptp(&code("88108"), &code("88162")).unwrap().len(), 2);
    let mut b = NcciBuilder::new();
    let m = format!("{MUE_HEAD}99291\t1\t2\tx\t2024-07-01\n");
    b.read_mue("a.tsv", m.as_bytes()).unwrap();
    assert!(matches!(
        b.read_mue("b.tsv", m.as_bytes()).unwrap_err(),
        NcciError::DuplicateMue { line: 2, .. }
    ));
}

#[test]
fn user_files_plain_or_gzip() {
    let dir = std::env::temp_dir().join(format!("procode-ncci-small-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body = format!("{PTP_HEAD}93000\t93005\t9999-12-31\t1\tdefinition\r\n");
    let plain = dir.join("ptp.txt");
    std::fs::write(&plain, &body).unwrap();
    let gz = dir.join("ptp.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(body.as_bytes()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    for p in [&plain, &gz] {
        let mut b = NcciBuilder::new();
        assert_eq!(b.load_ptp(p).unwrap(), 1);
        let out = dir.join("e.idx");
        b.write_to(&out).unwrap();
        let e = NcciEdits::open(&out).unwrap();
        assert_eq!(
            e.ptp(&code("93000"), &code("93005")).unwrap()[0].rationale,
            "definition"
        );
    }
    assert!(matches!(
        NcciBuilder::new().load_ptp(dir.join("missing.tsv")),
        Err(NcciError::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn several_records_of_one_pair_strictest_active_decides() {
    let e = NcciEdits::from_bytes(small()).unwrap();
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let check = |d: NaiveDate, m2: &[&str]| {
        let a = CodeLine::manual(CodeSystem::Cpt, "93000", "a")
            .unwrap()
            .with_id("A")
            .with_date_of_service(d);
        let b = CodeLine::manual(CodeSystem::Cpt, "93010", "b")
            .unwrap()
            .with_id("B")
            .with_date_of_service(d)
            .with_modifiers(m2.iter().copied())
            .unwrap();
        e.check_lines(&[a, b], None).unwrap()
    };
    // 2019: both records active, indicator 0 decides.
    assert_eq!(check(day(2019, 6, 1), &["59"]).len(), 1);
    // 2021: only the indicator-0 record.
    assert_eq!(check(day(2021, 6, 1), &["59"]).len(), 1);
    // 2023: none.
    assert!(check(day(2023, 6, 1), &[]).is_empty());
}

#[test]
fn damaged_files_are_typed_errors() {
    let good = small();
    assert!(NcciEdits::from_bytes(good.clone()).is_ok());
    // Every truncation.
    for n in [0, 3, 8, 20, 47, 48, 100, good.len() / 2, good.len() - 1] {
        let r = NcciEdits::from_bytes(good[..n].to_vec());
        assert!(
            matches!(
                r,
                Err(NcciError::Truncated { .. } | NcciError::NotAnEditsFile)
            ),
            "cut at {n}: {r:?}"
        );
    }
    // Every single-byte flip: an error with full verification.
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x40;
        assert!(
            NcciEdits::from_bytes(bad).is_err(),
            "flip at {i} went unnoticed"
        );
    }
    // Lazy: opening succeeds when the damage is in a section; lookups then
    // return errors or answers, never panic.
    for i in 48..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0xff;
        if let Ok(e) = NcciEdits::from_bytes_with(bad, Verify::Lazy) {
            let _ = e.ptp(&code("93000"), &code("93010"));
            let _ = e.mue(&code("99291"));
            let l = CodeLine::manual(CodeSystem::Cpt, "93000", "a").unwrap();
            let _ = e.check_lines(&[l.clone(), l], None);
        }
    }
    // A catalog file is not an edits file, and vice versa.
    let cat = procode::IndexBuilder::new().build().unwrap();
    assert!(matches!(
        NcciEdits::from_bytes(cat),
        Err(NcciError::NotAnEditsFile)
    ));
    assert!(procode::Catalog::from_bytes(good.clone()).is_err());
    // A future version is named as such (before any checksum).
    let mut v2 = good.clone();
    v2[8] = 2;
    assert!(matches!(
        NcciEdits::from_bytes(v2),
        Err(NcciError::UnsupportedVersion {
            found: 2,
            supported: 1
        })
    ));
}

#[test]
fn a_lazily_opened_damaged_code_index_fails_closed_in_readiness() {
    let good = small();
    // Find the code fst's offset from the section table (first row).
    let off = u64::from_le_bytes(good[56..64].try_into().unwrap()) as usize;
    let len = u64::from_le_bytes(good[64..72].try_into().unwrap()) as usize;
    let mut bad = good.clone();
    bad[off + len / 2] ^= 0x55;
    let e = NcciEdits::from_bytes_with(bad, Verify::Lazy).unwrap();
    assert!(matches!(
        e.ptp(&code("93000"), &code("93005")),
        Err(NcciError::ChecksumMismatch { .. })
    ));
    let cat = procode::Catalog::from_bytes(procode::IndexBuilder::new().build().unwrap())
        .unwrap()
        .with_ncci(e);
    let doc: procode::billing::Document = serde_json::from_value(serde_json::json!({
        "kind": "invoice", "id": "INV-1", "session_id": "S-1", "date": "2025-03-03",
        "state": "draft", "price": {"amount": "1.00", "currency": "USD"}, "payer_id": null,
        "lines": [CodeLine::manual(CodeSystem::Cpt, "93000", "a").unwrap().with_id("L1")],
        "next_line": 2, "payments": [], "version": 1, "sent_version": null,
        "needs_resend": false, "audit": []
    }))
    .unwrap();
    let p = claim_follow::readiness(&doc, &cat, None);
    assert!(p.iter().any(|p| p.code.as_str() == "NCCI_EDITS_UNREADABLE"
        && p.line_id.is_none()
        && p.message.contains("could not be checked")));
    assert!(!p.iter().any(|p| p.code.as_str() == "NCCI_PTP_CONFLICT"));
}
