//! The embedded ICD-10-CM is the current release (FY2027) with its history:
//! every change record of the official FY2027 addenda, read here with a
//! parser of the test's own, agrees with the catalog on both sides of
//! 2026-10-01; the import is checked against the addenda's footer; the new
//! code shapes parse, look up and are found.

use crate::billing_common;

use std::collections::{BTreeMap, HashSet};

use billing_common::{catalog, data_dir, day};
use procode::billing::{readiness, CodeLine, EditBatch, Editor, Invoice, ProblemCode};
use procode::import::{with_history, Addenda, IcdSet};
use procode::{Catalog, Code, CodeSystem, Entry, ImportError, SearchMode, SearchOptions};

const CM: CodeSystem = CodeSystem::Icd10Cm;

/// One `Add:` / `Delete:` / `Revise from:` / `Revise to:` line, cut by the
/// column layout CMS documents (kind 1-13, flag 14, code 16-22, short title
/// 24-83, long title 85-end).
#[derive(Debug, Clone)]
struct Rec {
    kind: String,
    billable: bool,
    code: String,
    long: String,
}

fn addenda_2027_text() -> String {
    std::fs::read_to_string(data_dir().join("cms/icd10cm_order_addenda_2027.txt"))
        .expect("the FY2027 addenda is in the data directory")
}

fn records() -> Vec<Rec> {
    let mut out = Vec::new();
    for line in addenda_2027_text().lines() {
        let line = line.trim_end_matches('\r');
        let kind = line.get(..13).unwrap_or("").trim().to_owned();
        if !["Add:", "Delete:", "Revise from:", "Revise to:"].contains(&kind.as_str()) {
            continue;
        }
        let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        out.push(Rec {
            billable: &line[13..14] == "1",
            code: line[15..22].trim().to_owned(),
            long: collapse(line.get(84..).unwrap_or("")),
            kind,
        });
    }
    out
}

fn lookup(code: &str, on: chrono::NaiveDate) -> Option<Entry> {
    catalog().lookup(code, Some(CM), Some(on)).unwrap()
}

const BEFORE: (i32, u32, u32) = (2026, 9, 30);
const AFTER: (i32, u32, u32) = (2026, 10, 1);

fn before() -> chrono::NaiveDate {
    day(BEFORE.0, BEFORE.1, BEFORE.2)
}

fn after() -> chrono::NaiveDate {
    day(AFTER.0, AFTER.1, AFTER.2)
}

#[test]
fn every_addenda_record_agrees_on_both_sides_of_the_release_date() {
    let recs = records();
    let deleted: BTreeMap<&str, &Rec> = recs
        .iter()
        .filter(|r| r.kind == "Delete:")
        .map(|r| (r.code.as_str(), r))
        .collect();
    let added: BTreeMap<&str, &Rec> = recs
        .iter()
        .filter(|r| r.kind == "Add:")
        .map(|r| (r.code.as_str(), r))
        .collect();
    let mut checked: HashSet<&str> = HashSet::new();
    let (mut n_added, mut n_deleted, mut n_flipped, mut n_revised) = (0, 0, 0, 0);
    for (code, add) in &added {
        let now = lookup(code, after()).unwrap_or_else(|| panic!("{code} on 2026-10-01"));
        assert_eq!(now.description, add.long, "{code}");
        assert_eq!(now.billable, add.billable, "{code}");
        match deleted.get(code) {
            None => {
                n_added += 1;
                assert!(lookup(code, before()).is_none(), "{code} is new in FY2027");
                assert_eq!(now.effective, Some(after()), "{code}");
            }
            Some(del) => {
                n_flipped += 1;
                let then = lookup(code, before()).unwrap();
                assert_eq!(then.billable, del.billable, "{code}");
                assert_ne!(then.billable, now.billable, "{code}");
                assert_eq!(then.description, del.long, "{code}");
                assert_eq!(then.terminated, Some(before()), "{code}");
            }
        }
        checked.insert(code);
    }
    for (code, del) in &deleted {
        if added.contains_key(code) {
            continue;
        }
        n_deleted += 1;
        let then = lookup(code, before()).unwrap_or_else(|| panic!("{code} on 2026-09-30"));
        assert_eq!(then.description, del.long, "{code}");
        assert_eq!(then.billable, del.billable, "{code}");
        assert!(
            lookup(code, after()).is_none(),
            "{code} is deleted in FY2027"
        );
        // Without a date the deleted code is still known, terminated.
        let undated = catalog().lookup(code, Some(CM), None).unwrap().unwrap();
        assert_eq!(undated.terminated, Some(before()), "{code}");
        checked.insert(code);
    }
    for w in recs.windows(2) {
        if w[0].kind == "Revise from:" && w[1].kind == "Revise to:" {
            n_revised += 1;
            let code = w[0].code.as_str();
            assert_eq!(lookup(code, before()).unwrap().description, w[0].long);
            assert_eq!(lookup(code, after()).unwrap().description, w[1].long);
            let undated = catalog().lookup(code, Some(CM), None).unwrap().unwrap();
            assert_eq!(
                undated.description, w[1].long,
                "no date: the current version"
            );
            checked.insert(code);
        }
    }
    // The addenda's own figures (SOURCES.md): 238 new, 21 removed, 15 flips,
    // 4 revisions.
    assert_eq!((n_added, n_deleted, n_flipped, n_revised), (238, 21, 15, 4));
    assert!(checked.len() >= 200, "{} codes checked", checked.len());
}

#[test]
fn unchanged_codes_are_the_same_on_both_sides() {
    let changed: HashSet<String> = records().into_iter().map(|r| r.code).collect();
    let mut n = 0;
    for (i, e) in catalog().entries().map(Result::unwrap).enumerate() {
        if e.system != CM || changed.contains(e.code.as_str()) || i % 97 != 0 {
            continue;
        }
        let (a, b) = (
            lookup(e.code.as_str(), before()),
            lookup(e.code.as_str(), after()),
        );
        let a = a.unwrap_or_else(|| panic!("{}", e.code));
        assert_eq!(Some(&a), b.as_ref(), "{}", e.code);
        assert_eq!(a, e);
        n += 1;
    }
    assert!(n > 500, "{n}");
}

#[test]
fn counts_per_release_match_the_addenda_footer() {
    // FY2027: 98,403 entries, 74,879 billable; FY2026: 98,186 and 74,719.
    let mut counts = BTreeMap::new();
    for on in [before(), after()] {
        let (mut all, mut billable) = (0u64, 0u64);
        for e in catalog().entries().map(Result::unwrap) {
            if e.system != CM {
                continue;
            }
            for v in catalog().versions(&e.code, CM).unwrap() {
                if v.is_valid_on(on) {
                    all += 1;
                    billable += u64::from(v.billable);
                }
            }
        }
        counts.insert(on, (all, billable));
    }
    assert_eq!(counts[&before()], (98_186, 74_719));
    assert_eq!(counts[&after()], (98_403, 74_879));
}

#[test]
fn the_import_refuses_an_addenda_whose_counts_do_not_match() {
    let dir = data_dir();
    let text = addenda_2027_text();
    let order =
        procode::import::read_order_file_path(IcdSet::Cm, &dir.join("cms/icd10cm_order_2026.txt"))
            .unwrap();
    // The real file brings FY2026 forward.
    let a = Addenda::from_reader(
        IcdSet::Cm,
        "icd10cm_order_addenda_2027.txt",
        text.as_bytes(),
    )
    .unwrap();
    let (entries, report) = a.bring_forward(order.clone()).unwrap();
    assert_eq!(report.added.len(), 253);
    assert_eq!(entries.len(), 98_186 + 238 + 15 + 4);
    // A footer total that is wrong.
    let bad = text.replace("  74879 codes in", "  74878 codes in");
    let e = Addenda::from_reader(IcdSet::Cm, "x_2027.txt", bad.as_bytes()).unwrap_err();
    assert!(matches!(e, ImportError::BadFile { .. }), "{e}");
    // A change line missing while the footer still counts it.
    let missing: String = text
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("Add:         1 F64A "))
        .collect();
    assert_eq!(missing.len() + 124, text.len());
    let e = Addenda::from_reader(IcdSet::Cm, "x_2027.txt", missing.as_bytes()).unwrap_err();
    assert!(matches!(e, ImportError::BadFile { .. }), "{e}");
    // A footer consistent with itself that does not match the entries given.
    let short: Vec<Entry> = order.iter().skip(1).cloned().collect();
    let e = a.bring_forward(short).unwrap_err();
    assert!(
        matches!(&e, ImportError::BadFile { problem, .. } if problem.contains("release given")),
        "{e}"
    );
    // No footer at all: refused, the import cannot be checked.
    let cut = text.split("\r\n\r\nHeaders").next().unwrap().to_owned() + "\r\n";
    let a = Addenda::from_reader(IcdSet::Cm, "x_2027.txt", cut.as_bytes()).unwrap();
    let e = a.bring_forward(order).unwrap_err();
    assert!(e.to_string().contains("footer"), "{e}");
}

#[test]
fn with_history_records_both_fiscal_years() {
    let dir = data_dir();
    let later = dir.join("cms/icd10cm_order_addenda_2027.txt");
    let h = with_history(
        IcdSet::Cm,
        &dir.join("cms/icd10cm_order_2026.txt"),
        Some(&dir.join("cms/icd10cm_order_addenda_2026.txt")),
        &[later.as_path()],
    )
    .unwrap();
    let names: Vec<&str> = h.releases.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["ICD-10-CM FY2026", "ICD-10-CM FY2027"]);
    assert_eq!(h.releases[1].valid_from, after());
    assert_eq!(h.releases[1].valid_through, Some(day(2027, 9, 30)));
    assert_eq!(h.releases[0].valid_through, Some(before()));
    // The same entries built into a catalog answer as the embedded one.
    let cat = Catalog::build(h.entries).unwrap();
    for code in ["D69.1", "T52.8X1A", "F64A", "L02.232"] {
        for on in [before(), after()] {
            assert_eq!(
                cat.lookup(code, Some(CM), Some(on)).unwrap(),
                lookup(code, on),
                "{code} {on}"
            );
        }
    }
}

#[test]
fn issue_examples_answer_per_date_of_service() {
    let dec = day(2026, 12, 1);
    // Deleted 2026-10-01.
    assert!(lookup("T52.8X1A", dec).is_none());
    assert!(lookup("T52.8X1A", day(2026, 9, 1)).is_some());
    // D69.1 becomes a header.
    assert!(
        !catalog()
            .lookup("D69.1", None, None)
            .unwrap()
            .unwrap()
            .billable
    );
    assert!(lookup("D69.1", day(2026, 9, 1)).unwrap().billable);
    assert!(!lookup("D69.1", dec).unwrap().billable);
    // Plantar fasciitis is found on a FY2027 date, not on a FY2026 one.
    let opts = SearchOptions::default().system(CM).as_of(dec).limit(10);
    let hits = catalog().search("plantar fasciitis", &opts).unwrap();
    assert_eq!(hits.mode, SearchMode::Words);
    assert!(
        hits.iter().any(|e| e.code.as_str() == "M67A01"),
        "{:?}",
        hits.iter().map(|e| e.code).collect::<Vec<_>>()
    );
    let old = SearchOptions::default().system(CM).as_of(day(2026, 9, 1));
    let hits = catalog().search("plantar fasciitis", &old).unwrap();
    assert!(hits.iter().all(|e| !e.code.as_str().starts_with("M67A")));
    // A revised title: found by the old words on an old date, shown as it
    // was; shown with the new title on a new date.
    for (words, on, title_end) in [("globin", old, "globin"), ("globulin", opts, "globulin")] {
        let hits = catalog()
            .search(&format!("rabies immune {words}"), &on.limit(5))
            .unwrap();
        let z = hits.iter().find(|e| e.code.as_str() == "Z2914").unwrap();
        assert!(z.description.ends_with(title_end), "{}", z.description);
    }
    // Code-prefix search with a date shows the version in force.
    let d69 = |on| {
        catalog()
            .search("D69.1", &SearchOptions::default().system(CM).as_of(on))
            .unwrap()
            .entries
            .into_iter()
            .find(|e| e.code.as_str() == "D691")
            .unwrap()
    };
    assert!(d69(day(2026, 9, 1)).billable);
    assert!(!d69(dec).billable);
    // The versions, oldest first.
    let v = catalog()
        .versions(&Code::parse("D691").unwrap(), CM)
        .unwrap();
    assert_eq!(v.len(), 2);
    assert!(v[0].billable && !v[1].billable);
    assert_eq!(v[0].terminated, Some(before()));
    assert_eq!(v[1].effective, Some(after()));
}

/// Readiness of an invoice dated `on` whose one line is G0438 (annual
/// wellness visit, office) for diagnosis `dx`.
fn wellness_visit_problems(on: chrono::NaiveDate, dx: &str) -> Vec<procode::billing::Problem> {
    let line = CodeLine::manual(CodeSystem::Hcpcs, "G0438", "Annual wellness visit")
        .unwrap()
        .with_diagnoses([dx])
        .unwrap()
        .with_place_of_service("11")
        .unwrap();
    let mut inv = Invoice::new("INV-1", "S-1", on, billing_common::usd("10"), None);
    inv.edit(
        &EditBatch::new().add(line),
        &Editor::new("me", billing_common::at(3, 9)),
    )
    .unwrap();
    readiness(&inv, catalog(), None)
}

#[test]
fn readiness_uses_the_version_in_force_on_the_line_date() {
    let problems = |on: chrono::NaiveDate, dx: &str| {
        wellness_visit_problems(on, dx)
            .into_iter()
            .map(|p| p.code)
            .filter(|c| *c != ProblemCode::UnknownCode)
            .collect::<Vec<_>>()
    };
    let sep = day(2026, 9, 1);
    let dec = day(2026, 12, 1);
    // (diagnosis, problem, reported in September, reported in December)
    for (dx, code, in_sep, in_dec) in [
        ("D69.1", ProblemCode::DiagnosisNotBillable, false, true),
        ("T52.8X1A", ProblemCode::CodeNotEffective, false, true),
        ("M67.A01", ProblemCode::CodeNotEffective, true, false),
    ] {
        assert_eq!(
            problems(sep, dx).contains(&code),
            in_sep,
            "{dx} in September"
        );
        assert_eq!(
            problems(dec, dx).contains(&code),
            in_dec,
            "{dx} in December"
        );
    }
}

#[test]
fn new_code_shapes_parse_look_up_and_are_found() {
    for (typed, norm, shown) in [
        ("F64A", "F64A", "F64.A"),
        ("k31b", "K31B", "K31.B"),
        ("K74.0A", "K740A", "K74.0A"),
        ("j4b", "J4B", "J4B"),
        ("K6A", "K6A", "K6A"),
        ("qa1", "QA1", "QA1"),
        ("QA1", "QA1", "QA1"),
        ("m67.a01", "M67A01", "M67.A01"),
    ] {
        let c = Code::parse_for(CM, typed).unwrap();
        assert_eq!(c.as_str(), norm);
        assert_eq!(c.display_for(CM), shown);
        let e = lookup(typed, after()).unwrap_or_else(|| panic!("{typed}"));
        assert_eq!(e.code.as_str(), norm);
        assert_eq!(e.display_code(), shown);
        // By code prefix (as typed, and the first characters only).
        let opts = SearchOptions::default().system(CM).as_of(after()).limit(50);
        let hits = catalog().search(typed, &opts).unwrap();
        assert_eq!(hits.mode, SearchMode::CodePrefix, "{typed}");
        assert_eq!(hits[0].code.as_str(), norm, "{typed}");
        assert!(hits.iter().all(|h| h.code.as_str().starts_with(norm)));
        // By words of its title.
        let words: Vec<&str> = e
            .description
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| w.len() > 2)
            .take(4)
            .collect();
        let q = words.join(" ");
        let hits = catalog().search(&q, &opts.limit(100)).unwrap();
        assert!(
            hits.iter().any(|h| h.code == e.code),
            "{typed}: {q:?} finds {:?}",
            hits.iter().map(|h| h.code).collect::<Vec<_>>()
        );
    }
    // Children of the new three-character categories are found by prefix.
    let opts = SearchOptions::default().system(CM).limit(50);
    let qa = catalog().search("QA1", &opts).unwrap();
    assert!(
        qa.len() > 1,
        "{:?}",
        qa.iter().map(|e| e.code).collect::<Vec<_>>()
    );
}

#[test]
fn validate_says_why_a_code_is_not_valid_on_a_date() {
    use procode::catalog::Verdict;
    let cat = catalog();
    let dec = Some(day(2026, 12, 1));
    let codes =
        |v: &Verdict| -> Vec<String> { v.codes().iter().map(|e| e.code.to_string()).collect() };
    // Terminated, with the codes new under T52.8 for the same intent and
    // encounter.
    let v = cat.validate("T52.8X1A", Some(CM), dec).unwrap();
    match &v {
        Verdict::Terminated { terminated, .. } => assert_eq!(*terminated, before()),
        other => panic!("{other:?}"),
    }
    assert_eq!(codes(&v), ["T52811A", "T52821A", "T52891A"]);
    // Every one of the 21 deleted codes is terminated on 2026-12-01 and
    // valid on 2026-09-30; their replacements are all new on 2026-10-01.
    let recs = records();
    let added: HashSet<&str> = recs
        .iter()
        .filter(|r| r.kind == "Add:")
        .map(|r| r.code.as_str())
        .collect();
    let mut n = 0;
    for r in recs
        .iter()
        .filter(|r| r.kind == "Delete:" && !added.contains(r.code.as_str()))
    {
        let v = cat.validate(&r.code, Some(CM), dec).unwrap();
        assert_eq!(v.as_str(), "terminated", "{}", r.code);
        for e in v.codes() {
            assert_eq!(e.effective, Some(after()), "{} -> {}", r.code, e.code);
            assert!(e.billable);
        }
        assert!(
            cat.validate(&r.code, Some(CM), Some(before()))
                .unwrap()
                .is_valid()
                || !r.billable
        );
        n += 1;
    }
    assert_eq!(n, 21);
    // Not yet effective.
    let v = cat
        .validate("M67.A01", None, Some(day(2026, 9, 1)))
        .unwrap();
    assert!(
        matches!(v, Verdict::NotYetEffective { effective, .. } if effective == after()),
        "{v:?}"
    );
    assert!(cat.validate("M67.A01", None, dec).unwrap().is_valid());
    // A header with its billable children, per date.
    let v = cat.validate("D69.1", Some(CM), dec).unwrap();
    assert_eq!(v.as_str(), "header");
    assert_eq!(codes(&v), ["D6911", "D6919"]);
    assert!(cat
        .validate("D69.1", Some(CM), Some(day(2026, 9, 1)))
        .unwrap()
        .is_valid());
    let v = cat.validate("QA1", None, None).unwrap();
    assert_eq!(v.as_str(), "header");
    assert!(!v.codes().is_empty());
    // Unknown.
    let v = cat.validate("Z99.999", Some(CM), None).unwrap();
    assert!(matches!(v, Verdict::Unknown { .. }));
    assert!(cat.validate("G04#", None, None).is_err());
    // The JSON form.
    let j = serde_json::to_value(cat.validate("T52.8X1A", Some(CM), dec).unwrap()).unwrap();
    assert_eq!(j["verdict"], "terminated");
    assert_eq!(j["code"], "T52.8X1A");
    assert_eq!(j["terminated"], "2026-09-30");
    assert_eq!(j["codes"].as_array().unwrap().len(), 3);
    let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 7, "{keys:?}");
}

#[test]
fn code_set_not_current_warns_outside_every_release_window() {
    use procode::billing::{ProblemDetail, Severity};
    let warnings = |on: chrono::NaiveDate| {
        wellness_visit_problems(on, "E11.9")
            .into_iter()
            .filter(|p| p.code == ProblemCode::CodeSetNotCurrent)
            .collect::<Vec<_>>()
    };
    // Today: HCPCS (October 2025 quarter) is not current, ICD-10-CM FY2027 is.
    let w = warnings(day(2026, 12, 1));
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].code.severity(), Severity::Warning);
    assert_eq!(w[0].line_id.as_deref(), Some("L1"));
    match &w[0].detail {
        Some(ProblemDetail::CodeSetNotCurrent {
            system,
            date_of_service,
            newest,
            newest_valid_through,
            ..
        }) => {
            assert_eq!(*system, CodeSystem::Hcpcs);
            assert_eq!(*date_of_service, day(2026, 12, 1));
            assert_eq!(newest, "HCPCS 2025 October quarter");
            assert_eq!(*newest_valid_through, Some(day(2025, 12, 31)));
        }
        other => panic!("{other:?}"),
    }
    assert!(w[0].message.contains("hcpcs") && w[0].message.contains("2026-12-01"));
    // Inside every window: none.
    assert!(warnings(day(2025, 11, 3)).is_empty());
    // Before ICD-10-CM existed, and before the first release held: outside.
    let w = warnings(day(2014, 6, 1));
    let systems: Vec<CodeSystem> = w
        .iter()
        .map(|p| match &p.detail {
            Some(ProblemDetail::CodeSetNotCurrent { system, .. }) => *system,
            _ => panic!(),
        })
        .collect();
    assert_eq!(
        systems,
        [CodeSystem::Hcpcs, CodeSystem::Icd10Cm, CodeSystem::Pos]
    );
    // The releases, as recorded.
    let names: Vec<&str> = catalog()
        .releases()
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "HCPCS 2025 October quarter",
            "HCPCS 2025 October quarter",
            "CMS Place of Service 20240502",
            "ICD-10-CM FY2026",
            "ICD-10-CM FY2027"
        ]
    );
}

#[test]
fn diff_fy2026_to_fy2027_reports_238_added_21_deleted_19_changed() {
    use procode::catalog::{diff, DiffOptions};
    // Two dates of service on the embedded catalog.
    let opts = DiffOptions::default().system(Some(CM));
    let d = catalog().diff_dates(before(), after(), &opts).unwrap();
    assert_eq!(
        (d.added.len(), d.deleted.len(), d.changed.len()),
        (238, 21, 19)
    );
    let flips = d.changed.iter().filter(|c| c.billable_changed()).count();
    let revised = d.changed.iter().filter(|c| c.title_changed()).count();
    assert_eq!((flips, revised), (15, 4));
    assert!(d.deleted.iter().any(|e| e.code.as_str() == "T528X1A"));
    assert!(d.added.iter().any(|e| e.code.as_str() == "QA1"));
    // Two catalogs: FY2026 built from icd10cm.tsv, and the embedded FY2027.
    let fy26: Vec<Entry> = procode::import::read_std_tsv_path(
        procode::import::StdFile::Icd10Cm,
        &data_dir().join("icd10cm.tsv"),
    )
    .unwrap();
    let old = Catalog::build(fy26).unwrap();
    let d2 = diff(&old, catalog(), &opts).unwrap();
    assert_eq!(
        (d2.added.len(), d2.deleted.len(), d2.changed.len()),
        (238, 21, 19)
    );
    let codes = |d: &procode::catalog::CatalogDiff| {
        (
            d.added.iter().map(|e| e.code).collect::<Vec<_>>(),
            d.deleted.iter().map(|e| e.code).collect::<Vec<_>>(),
            d.changed.iter().map(|c| c.after.code).collect::<Vec<_>>(),
        )
    };
    assert_eq!(codes(&d), codes(&d2));
    // A practice's codes only.
    let mine = DiffOptions::default()
        .system(Some(CM))
        .codes(["D691", "F411", "T528X1A", "M67A01"].map(|c| Code::parse(c).unwrap()));
    let d3 = catalog().diff_dates(before(), after(), &mine).unwrap();
    assert_eq!(
        (d3.added.len(), d3.deleted.len(), d3.changed.len()),
        (1, 1, 1)
    );
    // Nothing changes within a release.
    assert!(catalog()
        .diff_dates(day(2026, 10, 2), day(2027, 9, 30), &opts)
        .unwrap()
        .is_empty());
}
