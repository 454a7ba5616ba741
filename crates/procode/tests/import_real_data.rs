//! The importers on the real CMS data set (and on small in-memory inputs for
//! the error cases).
//!
//! The data directory is `PROCODE_DATA_DIR`, or else `target/data`, unpacked
//! from the vendored `data/` by `make data`. These tests fail (never skip) when it is missing.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use procode::import::{
    load_data_dir, read_hcpcs_xlsx, read_mapped, read_order_file, read_order_file_path,
    read_std_tsv, Addenda, ChangeReport, ColumnMapping, IcdSet, StdFile,
};
use procode::{CodeSystem, Entry, ImportError};

fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("PROCODE_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/data"),
    };
    assert!(
        dir.join("hcpcs_level2.tsv").is_file() && dir.join("cms").is_dir(),
        "the code-set data directory {} is missing or incomplete: set PROCODE_DATA_DIR to the \
         directory holding hcpcs_level2.tsv, modifiers.tsv, icd10cm.tsv, icd10pcs.tsv, \
         place_of_service.tsv and cms/ (the CMS release files), or run `make data` to unpack the \
         vendored files into target/data",
        dir.display()
    );
    dir
}

fn tsv(file: StdFile) -> &'static [Entry] {
    static CELLS: [OnceLock<Vec<Entry>>; 5] = [const { OnceLock::new() }; 5];
    let i = StdFile::ALL
        .iter()
        .position(|f| *f == file)
        .expect("a known file");
    CELLS[i].get_or_init(|| {
        load_data_dir(&data_dir(), &[file])
            .unwrap_or_else(|e| panic!("importing {}: {e}", file.file_name()))
    })
}

fn order(set: IcdSet) -> &'static [Entry] {
    static CM: OnceLock<Vec<Entry>> = OnceLock::new();
    static PCS: OnceLock<Vec<Entry>> = OnceLock::new();
    let (cell, name) = match set {
        IcdSet::Cm => (&CM, "icd10cm_order_2026.txt"),
        IcdSet::Pcs => (&PCS, "icd10pcs_order_2026.txt"),
    };
    cell.get_or_init(|| {
        read_order_file_path(set, &data_dir().join("cms").join(name))
            .unwrap_or_else(|e| panic!("importing {name}: {e}"))
    })
}

fn addenda(set: IcdSet) -> Addenda {
    let name = match set {
        IcdSet::Cm => "icd10cm_order_addenda_2026.txt",
        IcdSet::Pcs => "icd10pcs_order_addenda_2026.txt",
    };
    Addenda::from_path(set, &data_dir().join("cms").join(name))
        .unwrap_or_else(|e| panic!("parsing {name}: {e}"))
}

/// Compares two entry lists, reporting the first difference (not the lists).
fn assert_same(got: &[Entry], want: &[Entry], what: &str) {
    if let Some(i) = (0..got.len().min(want.len())).find(|&i| got[i] != want[i]) {
        panic!(
            "{what}: first difference at index {i}:\n got  {:?}\n want {:?}",
            got[i], want[i]
        );
    }
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
}

fn billable_count(entries: &[Entry]) -> usize {
    entries.iter().filter(|e| e.billable).count()
}

fn sorted(mut entries: Vec<Entry>) -> Vec<Entry> {
    entries.sort_by_key(|e| (e.system, e.code));
    entries
}

#[test]
fn every_tsv_imports_with_the_documented_counts() {
    let expect = [
        (StdFile::Hcpcs, 8_463, 8_463),
        (StdFile::Modifiers, 383, 383),
        (StdFile::Icd10Cm, 98_186, 74_719),
        (StdFile::Icd10Pcs, 80_029, 79_115),
        (StdFile::PlaceOfService, 52, 52),
    ];
    for (file, rows, billable) in expect {
        let entries = tsv(file);
        assert_eq!(entries.len(), rows, "{}", file.file_name());
        assert_eq!(billable_count(entries), billable, "{}", file.file_name());
        assert!(entries.iter().all(|e| e.system == file.system()));
    }
    let hcpcs = tsv(StdFile::Hcpcs);
    assert_eq!(
        hcpcs.iter().filter(|e| e.terminated.is_some()).count(),
        1_205
    );
    assert_eq!(hcpcs.iter().filter(|e| e.action == Some('A')).count(), 76);
    let find = |file: StdFile, code: &str| {
        tsv(file)
            .iter()
            .find(|e| e.code.as_str() == code)
            .unwrap_or_else(|| panic!("{code} in {}", file.file_name()))
    };
    let gt = find(StdFile::Modifiers, "GT");
    assert_eq!(gt.short_description, "Interactivetelecommunication");
    let office = find(StdFile::PlaceOfService, "11");
    assert_eq!(office.short_description, "Office");
    assert_eq!(office.description, "Office");
    let f411 = find(StdFile::Icd10Cm, "F411");
    assert_eq!(f411.description, "Generalized anxiety disorder");
    assert!(f411.effective.is_none() && f411.terminated.is_none());
}

#[test]
fn load_data_dir_reads_the_embedded_default_set() {
    let entries = load_data_dir(&data_dir(), StdFile::DEFAULT_EMBEDDED).expect("data dir");
    assert_eq!(entries.len(), 8_463 + 383 + 52 + 98_186);
    let systems: HashSet<CodeSystem> = entries.iter().map(|e| e.system).collect();
    assert_eq!(
        systems,
        HashSet::from([
            CodeSystem::Hcpcs,
            CodeSystem::Modifier,
            CodeSystem::Pos,
            CodeSystem::Icd10Cm
        ])
    );
    let missing = load_data_dir(&data_dir().join("no-such-dir"), &[StdFile::Hcpcs]).unwrap_err();
    assert!(matches!(missing, ImportError::Io { .. }), "{missing}");
    assert!(missing.to_string().contains("hcpcs_level2.tsv"));
}

#[test]
fn order_files_give_the_same_entries_as_the_tsvs() {
    for (set, file, what) in [
        (IcdSet::Cm, StdFile::Icd10Cm, "CM order file vs TSV"),
        (IcdSet::Pcs, StdFile::Icd10Pcs, "PCS order file vs TSV"),
    ] {
        assert_same(order(set), tsv(file), what);
    }
}

#[test]
fn hcpcs_xlsx_gives_the_same_entries_as_the_tsvs() {
    let xlsx = read_hcpcs_xlsx(&data_dir().join("cms/HCPC2025_OCT_ANWEB.xlsx")).expect("xlsx");
    assert_eq!(xlsx.len(), 8_846);
    let (modifiers, codes): (Vec<Entry>, Vec<Entry>) = xlsx
        .into_iter()
        .partition(|e| e.system == CodeSystem::Modifier);
    // The TSVs are sorted by code; compare every field (dates, action code).
    let codes = sorted(codes);
    let modifiers = sorted(modifiers);
    for (got, want) in [
        (&codes, tsv(StdFile::Hcpcs)),
        (&modifiers, tsv(StdFile::Modifiers)),
    ] {
        assert_same(got, want, "xlsx vs TSV");
    }
    // The quality-data reporting codes: the xlsx importer applies the rule
    // to PRICE1 and BETOS, the TSV import marks those `hcpcs_reporting.tsv`
    // lists; the comparison above proves the vendored list is the rule's.
    assert_eq!(codes.iter().filter(|e| e.reporting).count(), 1_827);
    assert!(modifiers.iter().all(|e| !e.reporting));
    // The cells stored as numbers or left empty in the workbook.
    let c9088 = codes
        .iter()
        .find(|e| e.code.as_str() == "C9088")
        .expect("C9088");
    assert_eq!(
        c9088.terminated,
        chrono::NaiveDate::from_ymd_opt(2025, 9, 30)
    );
    assert_eq!(c9088.action, Some('D'));
}

fn check_addenda_round_trip(
    set: IcdSet,
    codes: (u64, u64),
    headers: (u64, u64),
    misplaced: &[&str],
) {
    let next = order(set).to_vec();
    let addenda = addenda(set);
    let summary = addenda
        .summary()
        .expect("the addenda has a summary")
        .clone();
    assert_eq!((summary.codes.previous, summary.codes.current), codes);
    assert_eq!((summary.headers.previous, summary.headers.current), headers);
    assert_eq!(billable_count(&next) as u64, summary.codes.current);
    assert_eq!(
        (next.len() - billable_count(&next)) as u64,
        summary.headers.current
    );

    let (prev, back_report) = addenda.revert(next.clone()).expect("revert");
    assert_eq!(billable_count(&prev) as u64, summary.codes.previous);
    assert_eq!(
        (prev.len() - billable_count(&prev)) as u64,
        summary.headers.previous
    );
    assert_eq!(back_report.added.len(), addenda.deleted().count());
    assert_eq!(back_report.deleted.len(), addenda.added().count());

    let (again, report): (Vec<Entry>, ChangeReport) = addenda.apply(prev.clone()).expect("apply");
    // The same entries, every field equal...
    assert_same(
        &sorted(again.clone()),
        &sorted(next.clone()),
        "apply(revert(x)) vs x, in code order",
    );
    // ... the entries the release did not add in the same order ...
    let added: HashSet<_> = addenda.added().map(|e| e.code).collect();
    let kept = |v: &[Entry]| -> Vec<Entry> {
        v.iter()
            .filter(|e| !added.contains(&e.code))
            .cloned()
            .collect()
    };
    assert_same(
        &kept(&again),
        &kept(&next),
        "apply(revert(x)) vs x, kept entries",
    );
    // ... and the added ones at their CMS tabular position, except where CMS
    // placed a new code out of code order (an addenda has no order numbers,
    // so that position cannot be derived from it).
    let predecessor = |v: &[Entry]| -> std::collections::HashMap<String, String> {
        v.windows(2)
            .map(|w| (w[1].code.to_string(), w[0].code.to_string()))
            .collect()
    };
    let (want, got) = (predecessor(&next), predecessor(&again));
    let moved: Vec<String> = addenda
        .added()
        .map(|e| e.code.to_string())
        .filter(|c| want.get(c) != got.get(c))
        .collect();
    assert_eq!(
        moved, misplaced,
        "added codes not at their tabular position"
    );
    if misplaced.is_empty() {
        assert_same(&again, &next, "apply(revert(x)) vs x");
    }
    assert_eq!(report.code_counts(), summary.codes.changes);
    assert_eq!(report.header_counts(), summary.headers.changes);

    // Applying twice, or reverting the previous release, is refused.
    let twice = addenda.apply(next).unwrap_err();
    assert!(
        matches!(twice, ImportError::AddendaConflict { .. }),
        "{twice}"
    );
    let back_twice = addenda.revert(prev).unwrap_err();
    assert!(
        matches!(back_twice, ImportError::AddendaConflict { .. }),
        "{back_twice}"
    );
}

#[test]
fn cm_addenda_turns_fy2026_into_fy2025_and_back() {
    // CMS lists L98A right after the L984 subtree and Y93L before Y938/Y939,
    // not in code order.
    check_addenda_round_trip(
        IcdSet::Cm,
        (74_260, 74_719),
        (23_324, 23_467),
        &["L98A", "Y93L"],
    );
    let a = addenda(IcdSet::Cm);
    assert_eq!(a.added().count(), 630);
    assert_eq!(a.deleted().count(), 28);
    assert_eq!(a.revisions().count(), 45);
    let new: HashSet<String> = a.new_codes().iter().map(|c| c.to_string()).collect();
    assert!(new.contains("B8801") && !new.contains("B880"));
    assert_eq!(
        new.len(),
        614,
        "630 additions, 16 of them re-adding a deleted code"
    );
}

#[test]
fn pcs_addenda_turns_fy2026_into_fy2025_and_back() {
    check_addenda_round_trip(IcdSet::Pcs, (78_986, 79_115), (910, 914), &[]);
    let a = addenda(IcdSet::Pcs);
    let summary = a.summary().expect("summary");
    assert_eq!(summary.headers.changes.revisions_short_title_only, 1);
    assert_eq!(summary.codes.changes.additions, 156);
    assert_eq!(summary.codes.previous_file, "icd10pcs_order_2025.txt");
    assert!(a.new_codes().iter().any(|c| c.as_str() == "00H033J"));
}

// ---- error cases on small in-memory inputs ----

const HCPCS_HEADER: &str = "code\tshort_description\tlong_description\teffective_date\ttermination_date\taction_effective_date\taction_code\n";
const ICD_HEADER: &str = "code\tdescription\tbillable\tshort_description\n";

fn std_err(file: StdFile, text: &str) -> String {
    read_std_tsv(file, file.file_name(), text.as_bytes())
        .expect_err("the input is bad")
        .to_string()
}

#[test]
fn bad_date_names_line_and_column() {
    let text = format!(
        "{HCPCS_HEADER}A0021\tOutside state\tAmbulance service\t1985-01-01\t\t1996-09-10\tN\n\
         A0080\tEscort\tNon-emergency transportation\t1982-01-01\t2025-02-30\t2003-01-01\tN\n"
    );
    assert_eq!(
        std_err(StdFile::Hcpcs, &text),
        "hcpcs_level2.tsv:3: column termination_date: invalid date \"2025-02-30\": there is no such day in the calendar"
    );
    let text = format!("{HCPCS_HEADER}A1\tDressing\tDressing for one wound\t07/01/2002\t\t\tN\n");
    assert!(std_err(StdFile::Modifiers, &text)
        .starts_with("modifiers.tsv:2: column effective_date: invalid date \"07/01/2002\": write dates as yyyy-mm-dd"));
}

#[test]
fn bad_billable_flag_names_line_and_column() {
    let text = format!("{ICD_HEADER}F41\tOther anxiety disorders\t0\tOther anxiety\nF411\tGeneralized anxiety disorder\tY\tGAD\n");
    assert_eq!(
        std_err(StdFile::Icd10Cm, &text),
        "icd10cm.tsv:3: column billable: invalid billable flag \"Y\": use 1 (billable) or 0 (header, not billable)"
    );
}

#[test]
fn invalid_code_names_line_and_column() {
    let text = "code\tname\tdescription\n11\tOffice\tA location\n1A\tBad\tNot a POS\n";
    let e = std_err(StdFile::PlaceOfService, text);
    assert!(
        e.starts_with("place_of_service.tsv:3: column code: \"1A\" is not a valid pos code: expected two digits"),
        "{e}"
    );
    let text = format!("{ICD_HEADER}0DTJ4ZZ\tResection of Appendix\t1\tResection of Appendix\n");
    assert!(std_err(StdFile::Icd10Cm, &text).starts_with("icd10cm.tsv:2: column code:"));
}

#[test]
fn duplicate_code_names_both_lines() {
    let text = format!(
        "{ICD_HEADER}F41\tOther anxiety disorders\t0\tx\nF411\tGAD\t1\tx\nF41.1\tGAD again\t1\tx\n"
    );
    let err = read_std_tsv(StdFile::Icd10Cm, "icd10cm.tsv", text.as_bytes()).unwrap_err();
    assert!(
        matches!(
            err,
            ImportError::DuplicateCode {
                line: 4,
                first_line: 3,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "icd10cm.tsv:4: duplicate icd10cm code F411 (first seen on line 3)"
    );
}

#[test]
fn missing_or_unexpected_column_is_reported() {
    let text = "code\tdescription\tshort_description\nF41\tOther\tOther\n";
    let err = read_std_tsv(StdFile::Icd10Cm, "icd10cm.tsv", text.as_bytes()).unwrap_err();
    assert!(matches!(err, ImportError::MissingColumn { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "icd10cm.tsv: missing column \"billable\" in the header (found: code, description, short_description)"
    );
    let text = "code\tdescription\tbillable\tshort_description\tnotes\n";
    assert!(std_err(StdFile::Icd10Cm, text)
        .starts_with("icd10cm.tsv:1: column 5: unexpected column \"notes\""));
    let text = format!("{ICD_HEADER}F41\tOther\t0\n");
    assert!(std_err(StdFile::Icd10Cm, &text).starts_with(
        "icd10cm.tsv:2: column 4: expected 4 tab-separated fields like the header, found 3"
    ));
    let mapping = ColumnMapping::new(CodeSystem::Cpt, "CPT Code", "Descriptor");
    let err = read_mapped(
        &mapping,
        "cpt.csv",
        "Code,Descriptor\n99213,Office visit\n".as_bytes(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cpt.csv: missing column \"CPT Code\" in the header (found: Code, Descriptor)"
    );
}

#[test]
fn mapped_file_errors_name_line_and_column() {
    let csv = "Code,Descriptor,Start\n99213,\"Office visit, est\",2024-01-01\n99214,Office visit,2024-13-01\n";
    let mapping = ColumnMapping::new(CodeSystem::Cpt, "Code", "Descriptor").with_effective("start");
    let err = read_mapped(&mapping, "cpt.csv", csv.as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cpt.csv:3: column Start: invalid date \"2024-13-01\": there is no such day in the calendar"
    );
    let first: String = csv.lines().take(2).map(|l| format!("{l}\n")).collect();
    let ok = read_mapped(&mapping, "cpt.csv", first.as_bytes()).expect("first row");
    assert_eq!(ok[0].description, "Office visit, est");
}

const ORDER_OK: &str =
    "00001 A00     0 Cholera                                                      Cholera\r\n";

#[test]
fn short_fixed_width_line_names_line_and_column() {
    let text = format!("{ORDER_OK}00002 A000    1 Cholera due to Vibrio\r\n");
    let err = read_order_file(IcdSet::Cm, "order.txt", text.as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "order.txt:2: column 38: the line is 37 characters long, too short for a record: the long title starts in column 78 (layout: code in columns 7-13, short title in 17-76, long title from 78)"
    );
    let bad_flag = format!(
        "{ORDER_OK}00002 A000    X Cholera due to Vibrio cholerae 01, biovar cholerae           Cholera due\r\n"
    );
    let err = read_order_file(IcdSet::Cm, "order.txt", bad_flag.as_bytes()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("order.txt:2: column 15: invalid header flag \"X\""),
        "{err}"
    );
    let back = format!("{ORDER_OK}{ORDER_OK}");
    let err = read_order_file(IcdSet::Cm, "order.txt", back.as_bytes()).unwrap_err();
    assert!(err
        .to_string()
        .starts_with("order.txt:2: column 1-5: order number 1 does not follow 1"));
}

const CM_ADD: &str = "Add:         1 B8801   Infestation by Demodex mites                                 Infestation by Demodex mites\r\n";

#[test]
fn unknown_addenda_line_kind_names_line_and_column() {
    let text = format!(
        "{CM_ADD}Modify:      1 B8809   Other acariasis                                              Other acariasis\r\n"
    );
    let err = Addenda::from_reader(IcdSet::Cm, "addenda.txt", text.as_bytes()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("addenda.txt:2: column 1-13: unknown addenda line kind \"Modify:\""),
        "{err}"
    );
    let text = "Revise from: 1 L02212  Cutaneous abscess of back [any part, except buttock]         Cutaneous abscess of back [any part, except buttock]\r\n".to_owned() + CM_ADD;
    let err = Addenda::from_reader(IcdSet::Cm, "addenda.txt", text.as_bytes()).unwrap_err();
    assert!(
        err.to_string().starts_with("addenda.txt:2: column 1-13: \"Revise from:\" of L02212 on line 1 must be followed by its \"Revise to:\""),
        "{err}"
    );
    let text = format!("{CM_ADD}\r\nCodes\r\n  1 codes in a.txt\r\n  2 codes in b.txt\r\n  1 additions\r\n  0 deletions\r\n  0 changes\r\n");
    let err = Addenda::from_reader(IcdSet::Cm, "addenda.txt", text.as_bytes()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("addenda.txt:8: column 1-: summary line \"0 changes\" is not understood"),
        "{err}"
    );
}

#[test]
fn addenda_summary_is_checked_against_the_records() {
    let summary = |additions: u32| {
        format!(
            "{CM_ADD}\r\nHeaders\r\n  0 headers in a.txt\r\n  0 headers in b.txt\r\n  0 additions\r\n  0 deletions\r\n  0 revisions\r\nof which\r\n  0 revisions to both long and short titles\r\n  0 revisions to long title only\r\n  0 revisions to short title only\r\n\r\nCodes\r\n  1 codes in a.txt\r\n  2 codes in b.txt\r\n  {additions} additions\r\n  0 deletions\r\n  0 revisions\r\nof which\r\n  0 revisions to both long and short titles\r\n  0 revisions to long title only\r\n  0 revisions to short title only\r\n"
        )
    };
    let ok = Addenda::from_reader(IcdSet::Cm, "addenda.txt", summary(1).as_bytes()).expect("ok");
    assert_eq!(ok.summary().map(|s| s.codes.current), Some(2));
    let err = Addenda::from_reader(IcdSet::Cm, "addenda.txt", summary(2).as_bytes()).unwrap_err();
    assert!(matches!(err, ImportError::BadFile { .. }), "{err}");
    assert!(err
        .to_string()
        .contains("the summary section \"Codes\" says"));
}

#[test]
fn addenda_conflicts_name_the_addenda_line() {
    let text = "Add:         0 B880    Other acariasis                                              Other acariasis\r\n\
                Delete:      1 B880    Other acariasis                                              Other acariasis\r\n";
    let a = Addenda::from_reader(IcdSet::Cm, "addenda.txt", text.as_bytes()).expect("parse");
    let err = a.apply(Vec::new()).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "addenda.txt:2: icd10cm code B880: Delete: names a code that is not in the entries"
        ),
        "{err}"
    );
    let prev = read_order_file(
        IcdSet::Cm,
        "order.txt",
        "00001 B880    1 Other acariasis                                              Other acariasis (changed)\r\n"
            .as_bytes(),
    )
    .expect("order");
    let err = a.apply(prev).unwrap_err();
    assert!(
        err.to_string().contains("titles") || err.to_string().contains("long title"),
        "{err}"
    );
}

#[test]
fn sources_compose_every_importer_and_bring_an_order_file_forward() {
    let cms = data_dir().join("cms");
    let custom = Entry::new(
        procode::Code::parse("INTAKE1").unwrap(),
        CodeSystem::Custom,
        "Intake call",
    );
    let mut sources = procode::Sources::new();
    assert!(sources.is_empty());
    sources
        .data_dir(data_dir(), &[StdFile::PlaceOfService])
        .tsv(StdFile::Modifiers, data_dir().join("modifiers.tsv"))
        .order_file(IcdSet::Cm, cms.join("icd10cm_order_2026.txt"))
        .addenda(IcdSet::Cm, cms.join("icd10cm_order_addenda_2027.txt"))
        .entries([custom.clone()]);
    assert!(!sources.is_empty());
    let got = sources.load().unwrap();

    // The same, by hand: FY2026 brought forward to FY2027, its new codes
    // effective on 2026-10-01.
    let fy2027 =
        Addenda::from_path(IcdSet::Cm, &cms.join("icd10cm_order_addenda_2027.txt")).unwrap();
    let (mut cm, report) = fy2027.apply(order(IcdSet::Cm).to_vec()).unwrap();
    assert_eq!(
        report.code_counts(),
        fy2027.summary().unwrap().codes.changes
    );
    assert!(fy2027.mark_new_codes(&mut cm) > 100);
    let mut want = tsv(StdFile::PlaceOfService).to_vec();
    want.extend_from_slice(tsv(StdFile::Modifiers));
    want.extend(cm);
    want.push(custom);
    assert_same(&got, &want, "Sources::load");

    let cat = procode::Catalog::build(got).unwrap();
    let new = cat.require("C78.31", None, None).unwrap();
    assert_eq!(new.effective, chrono::NaiveDate::from_ymd_opt(2026, 10, 1));
    let before = chrono::NaiveDate::from_ymd_opt(2026, 9, 30);
    let e = cat
        .require("C78.31", Some(CodeSystem::Icd10Cm), before)
        .unwrap_err();
    assert!(matches!(e, procode::CatalogError::NotInCatalog { .. }));
    assert_eq!(
        e.to_string(),
        "no icd10cm code \"C78.31\" in the catalog valid on 2026-09-30"
    );
    // A bad code is still a code error, not "not in the catalog".
    assert!(matches!(
        cat.require("C78#", None, None),
        Err(procode::CatalogError::Code(_))
    ));

    // An addenda needs the release it applies to.
    let mut orphan = procode::Sources::new();
    orphan.addenda(IcdSet::Cm, cms.join("icd10cm_order_addenda_2027.txt"));
    let e = orphan.load().unwrap_err();
    assert!(matches!(e, ImportError::BadFile { .. }), "{e}");
    assert!(e.to_string().contains("give that order file too"), "{e}");
}
