//! Claim scrubbing beyond NCCI on the real data (issue 15): Excludes1 pairs
//! from the CDC tabular list, add-on code edits from the CMS file,
//! manifestation and code-first sequencing, severities.

use crate::billing_common;

use std::sync::OnceLock;

use billing_common::{at, catalog, data_dir, day, usd};
use chrono::NaiveDate;
use procode::billing::*;
use procode::ncci::{AddOnType, NcciBuilder, NcciEdits};
use procode::{Catalog, Code, CodeSystem};

/// An ICD-10-CM-only line (a HCPCS visit code) pointing at `dx`.
fn dx_line(id: &str, dx: &[&str]) -> CodeLine {
    CodeLine::manual(CodeSystem::Hcpcs, "G0438", "Wellness visit")
        .unwrap()
        .with_id(id)
        .with_diagnoses(dx.iter().copied())
        .unwrap()
        .with_place_of_service("11")
        .unwrap()
}

fn invoice_on(date: NaiveDate, lines: Vec<CodeLine>) -> Invoice {
    let mut inv = Invoice::new("INV-15", "S-1", date, usd("120"), None);
    let mut batch = EditBatch::new();
    for l in lines {
        batch = batch.add(l);
    }
    inv.edit(&batch, &Editor::new("billing", at(3, 9))).unwrap();
    inv
}

fn invoice(lines: Vec<CodeLine>) -> Invoice {
    invoice_on(day(2025, 3, 3), lines)
}

fn problems_of(inv: &Invoice, source: &Catalog, code: ProblemCode) -> Vec<Problem> {
    readiness(inv, source, None)
        .into_iter()
        .filter(|p| p.code == code)
        .collect()
}

/// The one problem `code` of an invoice, checked to be there once with
/// `severity`.
fn only_problem(inv: &Invoice, source: &Catalog, code: ProblemCode, severity: Severity) -> Problem {
    let mut p = problems_of(inv, source, code);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].severity(), severity);
    p.remove(0)
}

/// (chapter, code, excluded, note owner, note text): one Excludes1 pair per
/// chapter, picked from the tabular XML; the code sits under the note, the
/// excluded code under its target (a code, or a category with "-").
const EXCLUDES1: [(u8, &str, &str, &str, &str); 20] = [
    (
        1,
        "B20",
        "R75",
        "B20",
        "inconclusive serologic evidence of HIV (R75)",
    ),
    (
        2,
        "C64.1",
        "C7A.093",
        "C64",
        "malignant carcinoid tumor of the kidney (C7A.093)",
    ),
    (
        3,
        "D56.0",
        "P83.2",
        "D56.0",
        "hydrops fetalis not due to immune hemolysis (P83.2)",
    ),
    (
        4,
        "E88.01",
        "C88.00",
        "E88.0",
        "Waldenström macroglobulinemia (C88.00)",
    ),
    (
        5,
        "F06.70",
        "R41.81",
        "F06.7",
        "age related cognitive decline (R41.81)",
    ),
    (
        6,
        "G71.3",
        "E88.40",
        "G71.3",
        "mitochondrial metabolism disorders (E88.4.-)",
    ),
    (
        7,
        "H53.10",
        "E50.5",
        "H53.1",
        "subjective visual disturbances due to vitamin A deficiency (E50.5)",
    ),
    (
        8,
        "H62.40",
        "B00.1",
        "H62.4",
        "herpes viral [herpes simplex] (B00.1)",
    ),
    (9, "I41", "A36.81", "I41", "diphtheritic (A36.81)"),
    (10, "J03.00", "J36", "J03", "peritonsillar abscess (J36)"),
    (11, "K12.0", "A69.0", "K12", "cancrum oris (A69.0)"),
    (
        12,
        "L68.0",
        "Q84.2",
        "section L60-L75",
        "congenital malformations of integument (Q84.-)",
    ),
    (
        13,
        "M85.00",
        "Q78.1",
        "M85",
        "polyostotic fibrous dysplasia (Q78.1)",
    ),
    (
        14,
        "N13.4",
        "Q62.31",
        "N13.4",
        "congenital hydroureter (Q62.3-)",
    ),
    (
        15,
        "O99.820",
        "Z22.330",
        "O99.82",
        "Carrier of streptococcus group B (GBS) in a nonpregnant woman (Z22.330)",
    ),
    (
        16,
        "P93.0",
        "P96.1",
        "P93",
        "withdrawal symptoms from maternal use of drugs of addiction (P96.1)",
    ),
    (17, "Q10.0", "Q11.2", "Q10", "cryptophthalmos NOS (Q11.2)"),
    (
        18,
        "R06.4",
        "F45.8",
        "R06.4",
        "psychogenic hyperventilation (F45.8)",
    ),
    (20, "Y66", "Z66", "Y66", "DNR status (Z66)"),
    (
        21,
        "Z45.811",
        "Z42.1",
        "Z45.81",
        "encounter for breast reconstruction following mastectomy (Z42.1)",
    ),
];

/// Excludes2 pairs ("not included here": may be coded together), one per
/// chapter.
const EXCLUDES2: [(&str, &str); 18] = [
    ("B88.01", "B86"),
    ("D24.1", "N60.21"),
    ("D53.8", "E61.5"),
    ("E86.0", "R57.1"),
    ("F45.0", "F98.8"),
    ("G08", "G95.11"),
    ("H20.10", "H30.20"),
    ("H60.40", "H95.00"),
    ("I72.0", "Q27.30"),
    ("J18.0", "J21.0"),
    ("K63.5", "K51.40"),
    ("L02.01", "J34.0"),
    ("N34.0", "N30.30"),
    ("O23.00", "O98.211"),
    ("P83.0", "L21.0"),
    ("Q45.0", "Q79.0"),
    ("R63.30", "P92.01"),
    ("Z77.010", "P04.0"),
];

fn code(s: &str) -> Code {
    Code::parse(s).unwrap()
}

#[test]
fn excludes1_pairs_from_twenty_chapters_fire_with_their_note() {
    let cat = catalog();
    let chapters: std::collections::HashSet<u8> = EXCLUDES1.iter().map(|r| r.0).collect();
    assert_eq!(chapters.len(), 20);
    for (_, a, b, owner, note) in EXCLUDES1 {
        // Either order, on one line or on two lines of the claim.
        for lines in [
            vec![dx_line("1", &[a, b])],
            vec![dx_line("1", &[b]), dx_line("2", &[a])],
        ] {
            let inv = invoice(lines.clone());
            let p = [only_problem(
                &inv,
                cat,
                ProblemCode::Excludes1Conflict,
                Severity::Error,
            )];
            match &p[0].detail {
                Some(ProblemDetail::Excludes1Conflict {
                    code: c,
                    excluded,
                    note: n,
                    note_at,
                }) => {
                    let pair = [*c, *excluded];
                    assert!(
                        pair.contains(&code(a)) && pair.contains(&code(b)),
                        "{pair:?}"
                    );
                    if *c == code(a) {
                        assert_eq!(n, note, "{a}: {:?}", p[0].detail);
                        assert_eq!(note_at, owner, "{a}");
                    }
                }
                other => panic!("{a} + {b}: {other:?}"),
            }
            assert!(
                p[0].message.contains("never coded together"),
                "{}",
                p[0].message
            );
            let on_one_line = lines.len() == 1;
            assert_eq!(p[0].line_id.is_some(), on_one_line);
        }
    }
}

#[test]
fn excludes1_range_and_category_targets() {
    let cat = catalog();
    let conflicts = |dx: &[&str]| {
        problems_of(
            &invoice(vec![dx_line("1", dx)]),
            cat,
            ProblemCode::Excludes1Conflict,
        )
    };
    // E74 "Excludes1: diabetes mellitus (E08-E13)": a range of categories.
    let p = conflicts(&["E74.00", "E11.9"]);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(p[0].message.contains("(E08-E13)"), "{}", p[0].message);
    // E09, E10 and E13 are inside the range too; E14 does not exist, E15 is not in it.
    for inside in ["E09.9", "E10.9", "E13.9", "E08.9"] {
        assert_eq!(conflicts(&["E74.00", inside]).len(), 1, "{inside}");
    }
    assert!(conflicts(&["E74.00", "E03.9"]).is_empty());
    // E13 "Excludes1: … (E10.-)": a category with all its descendants.
    let p = conflicts(&["E13.9", "E10.65"]);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(p[0].message.contains("E10.-"), "{}", p[0].message);
    // A note on a section or chapter applies to every code below it: K73
    // "Excludes1: viral hepatitis (chronic) (B15-B19)".
    assert_eq!(conflicts(&["K73.0", "B18.2"]).len(), 1);
}

#[test]
fn excludes2_pairs_never_fire() {
    let cat = catalog();
    for (a, b) in EXCLUDES2 {
        let inv = invoice(vec![dx_line("1", &[a, b])]);
        let all = readiness(&inv, cat, None);
        assert!(
            all.iter().all(|p| p.code != ProblemCode::Excludes1Conflict),
            "{a} + {b}: {all:#?}"
        );
    }
}

#[test]
fn manifestation_first_fires_second_does_not() {
    let cat = catalog();
    // F02.80 Dementia in other diseases classified elsewhere; G30.9 Alzheimer's.
    let first = invoice(vec![dx_line("1", &["F02.80", "G30.9"])]);
    let p = [only_problem(
        &first,
        cat,
        ProblemCode::ManifestationFirst,
        Severity::Error,
    )];
    assert_eq!(p[0].line_id.as_deref(), Some("1"));
    assert_eq!(
        p[0].detail,
        Some(ProblemDetail::ManifestationFirst {
            code: code("F02.80")
        })
    );
    let second = invoice(vec![dx_line("1", &["G30.9", "F02.80"])]);
    // Only the advisory CODE_SET_NOT_CURRENT may remain (the HCPCS release
    // held does not cover the date).
    let left = readiness(&second, cat, None);
    assert!(
        left.iter()
            .all(|p| p.code == ProblemCode::CodeSetNotCurrent),
        "{left:#?}"
    );
    // A manifestation code is not reported again as CODE_FIRST_NOTE.
    assert!(problems_of(&first, cat, ProblemCode::CodeFirstNote).is_empty());
    // Other manifestation codes: G63 "Polyneuropathy in diseases classified elsewhere".
    let g63 = invoice(vec![dx_line("1", &["G63", "E11.42"])]);
    assert_eq!(
        problems_of(&g63, cat, ProblemCode::ManifestationFirst).len(),
        1
    );
}

#[test]
fn code_first_note_is_a_warning_and_conditional_notes_are_silent() {
    let cat = catalog();
    // J12.82 Pneumonia due to coronavirus disease 2019: "Code first
    // COVID-19 (U07.1)".
    let alone = invoice(vec![dx_line("1", &["J12.82"])]);
    let p = only_problem(&alone, cat, ProblemCode::CodeFirstNote, Severity::Warning);
    match &p.detail {
        Some(ProblemDetail::CodeFirstNote {
            code: c,
            note,
            note_at,
        }) => {
            assert_eq!(*c, code("J12.82"));
            assert_eq!(note, "COVID-19 (U07.1)");
            assert_eq!(note_at, "J12.82");
        }
        other => panic!("{other:?}"),
    }
    // With COVID-19 on the claim (even on another line), nothing.
    let with = invoice(vec![dx_line("1", &["J12.82"]), dx_line("2", &["U07.1"])]);
    assert!(problems_of(&with, cat, ProblemCode::CodeFirstNote).is_empty());
    // D63.1 Anemia in chronic kidney disease sits under D63 "Anemia in
    // chronic diseases classified elsewhere": a manifestation, an error.
    let d631 = invoice(vec![dx_line("1", &["D63.1"])]);
    assert_eq!(
        problems_of(&d631, cat, ProblemCode::ManifestationFirst).len(),
        1
    );
    // Conditional notes: D61.2 ("Code first, if applicable, toxic effects …
    // (T51-T65)"), A84.89 (", if applicable, transfusion related infection"),
    // B20 ("… complicating pregnancy …, if applicable").
    for c in ["D61.2", "A84.89", "B20", "D59.39"] {
        let inv = invoice(vec![dx_line("1", &[c])]);
        assert!(
            problems_of(&inv, cat, ProblemCode::CodeFirstNote).is_empty(),
            "{c}"
        );
    }
}

/// The real edits file: PTP table left out (the add-on file is what is
/// tested), the CMS add-on edits from the TSV.
fn addon_catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| {
        let mut b = NcciBuilder::new();
        let n = b
            .load_addon(data_dir().join("ncci_addon_medicare.tsv"))
            .unwrap();
        assert_eq!(n, 9000);
        let edits = NcciEdits::from_bytes(b.build().unwrap()).unwrap();
        catalog().with_ncci(edits)
    })
}

fn cpt(id: &str, c: &str, date: NaiveDate) -> CodeLine {
    CodeLine::manual(CodeSystem::Cpt, c, "procedure")
        .unwrap()
        .with_id(id)
        .with_diagnoses(["I46.9"])
        .unwrap()
        .with_place_of_service("21")
        .unwrap()
        .with_date_of_service(date)
}

#[test]
fn add_on_without_primary_fires_and_clears_with_a_primary() {
    let d = day(2026, 1, 15);
    // 99292 (critical care, each additional 30 minutes): type 1, primary 99291.
    let alone = invoice_on(d, vec![cpt("1", "99292", d)]);
    let p = only_problem(
        &alone,
        addon_catalog(),
        ProblemCode::AddOnWithoutPrimary,
        Severity::Error,
    );
    match &p.detail {
        Some(ProblemDetail::AddOnWithoutPrimary {
            add_on,
            edit_type,
            date_of_service,
            primaries,
        }) => {
            assert_eq!(*add_on, code("99292"));
            assert_eq!(*edit_type, AddOnType::PrimaryRequired);
            assert_eq!(*date_of_service, Some(d));
            assert!(primaries.contains(&code("99291")), "{primaries:?}");
        }
        other => panic!("{other:?}"),
    }
    let with = vec![cpt("1", "99291", d), cpt("2", "99292", d)];
    assert_eq!(missing_primaries(d, with), 0);
    // The primary on another day does not count.
    let other_day = vec![cpt("1", "99291", day(2026, 1, 14)), cpt("2", "99292", d)];
    assert_eq!(missing_primaries(d, other_day), 1);
    // Before the edit's effective date (2013-04-01): silent.
    let early = day(2013, 3, 1);
    assert_eq!(missing_primaries(early, vec![cpt("1", "99292", early)]), 0);
}

/// How many `ADD_ON_WITHOUT_PRIMARY` problems an invoice dated `on` with
/// these lines has against the add-on edits.
fn missing_primaries(on: NaiveDate, lines: Vec<CodeLine>) -> usize {
    let inv = invoice_on(on, lines);
    problems_of(&inv, addon_catalog(), ProblemCode::AddOnWithoutPrimary).len()
}

#[test]
fn a_deleted_add_on_edit_is_silent() {
    // 0836T: type 1 with primary 88177, effective 2024-01-01, deleted 2024-03-31.
    let in_force = day(2024, 2, 1);
    assert_eq!(
        missing_primaries(in_force, vec![cpt("1", "0836T", in_force)]),
        1
    );
    let after = day(2024, 4, 1);
    assert_eq!(missing_primaries(after, vec![cpt("1", "0836T", after)]), 0);
}

#[test]
fn type_3_is_a_warning_and_type_2_is_silent() {
    let cat = addon_catalog();
    let d = day(2026, 1, 15);
    // 0984T: type 3, primaries 36221… effective 2025-10-01.
    let inv = invoice_on(d, vec![cpt("1", "0984T", d)]);
    only_problem(
        &inv,
        cat,
        ProblemCode::AddOnPrimaryNotListed,
        Severity::Warning,
    );
    assert_eq!(missing_primaries(d, vec![cpt("1", "0984T", d)]), 0);
    let with = invoice_on(d, vec![cpt("1", "36221", d), cpt("2", "0984T", d)]);
    assert!(problems_of(&with, cat, ProblemCode::AddOnPrimaryNotListed).is_empty());
    // 0054T: type 2 (contractor-defined primaries).
    let t2 = invoice_on(d, vec![cpt("1", "0054T", d)]);
    let all = readiness(&t2, cat, None);
    assert!(
        all.iter().all(|p| !matches!(
            p.code,
            ProblemCode::AddOnWithoutPrimary | ProblemCode::AddOnPrimaryNotListed
        )),
        "{all:#?}"
    );
}

#[test]
fn the_xlsx_as_published_loads_the_same_edits_as_the_tsv() {
    let mut t = NcciBuilder::new();
    t.load_addon(data_dir().join("ncci_addon_medicare.tsv"))
        .unwrap();
    let mut x = NcciBuilder::new();
    let n = x
        .load_addon(data_dir().join("cms/AOC_V2026Q2-MCR.xlsx"))
        .unwrap();
    assert_eq!(n, 9000);
    assert_eq!(t.build().unwrap(), x.build().unwrap());
}

#[test]
fn severity_is_in_the_json_of_every_problem() {
    let cat = catalog();
    let inv = invoice(vec![dx_line("1", &["J12.82", "F41"])]);
    let problems = readiness(&inv, cat, None);
    let v: serde_json::Value = serde_json::to_value(&problems).unwrap();
    let by_code = |c: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|p| p["code"] == c)
            .unwrap_or_else(|| panic!("{c} in {v}"))
            .clone()
    };
    assert_eq!(by_code("CODE_FIRST_NOTE")["severity"], "warning");
    assert_eq!(by_code("DIAGNOSIS_NOT_BILLABLE")["severity"], "error");
    // Read back (severity is derived from the code and accepted).
    let back: Vec<Problem> = serde_json::from_value(v).unwrap();
    assert_eq!(back, problems);
    // A header's message lists its billable codes.
    let nb = &problems
        .iter()
        .find(|p| p.code == ProblemCode::DiagnosisNotBillable)
        .unwrap()
        .message;
    assert!(nb.contains("F41.0, F41.1, F41.3, F41.8, F41.9"), "{nb}");
    // A code that needs a 7th character lists them.
    let inv = invoice(vec![dx_line("1", &["S00.00"])]);
    let p = readiness(&inv, cat, None);
    let m = &p
        .iter()
        .find(|p| p.code == ProblemCode::DiagnosisNotBillable)
        .unwrap()
        .message;
    assert!(
        m.contains("7th character: A (initial encounter), D (subsequent encounter), S (sequela)"),
        "{m}"
    );
}

/// The catalog without its diagnosis memo: the structure decoded on every
/// call, as before the memo.
struct Unmemoised<'a>(&'a Catalog);

impl CodeSource for Unmemoised<'_> {
    fn entry(&self, code: &Code, system: CodeSystem) -> Option<procode::Entry> {
        self.0.entry(code, system)
    }

    fn entry_on(&self, code: &Code, system: CodeSystem, date: NaiveDate) -> Option<procode::Entry> {
        self.0.entry_on(code, system, date)
    }

    fn status(&self, code: &Code, system: CodeSystem, on: Option<NaiveDate>) -> Option<CodeStatus> {
        self.0.status(code, system, on)
    }

    fn references(&self) -> References<'_> {
        self.0.references()
    }

    fn structure(
        &self,
    ) -> Result<Option<procode::import::tabular::TabularView<'_>>, procode::error::CatalogError>
    {
        self.0.structure()
    }

    fn releases(&self) -> &[procode::Release] {
        self.0.releases()
    }
}

#[test]
fn the_diagnosis_memo_answers_as_the_structure_does() {
    // The embedded catalog's clones share one memo (the other tests of this
    // binary fill it too): each claim is checked twice, so that its codes
    // are certainly answered from the memo the second time.
    let cat = Catalog::embedded()
        .unwrap()
        .with_ncci(NcciEdits::from_bytes(NcciBuilder::new().build().unwrap()).unwrap());
    let bare = Unmemoised(&cat);
    assert!(bare.diagnosis_memo().is_none());
    let memo = cat.diagnosis_memo().unwrap();
    let mut claims: Vec<Vec<&str>> = Vec::new();
    for (_, a, b, _, _) in EXCLUDES1 {
        claims.push(vec![a, b]);
        claims.push(vec![b, a]);
    }
    claims.extend(EXCLUDES2.iter().map(|(a, b)| vec![*a, *b]));
    // Sequencing, a header, an FY2027 code placed by its prefix (K74.0A), a
    // code the structure cannot place and one the catalog does not know.
    for c in [
        vec!["F02.80", "G30.9"],
        vec!["G30.9", "F02.80"],
        vec!["J12.82"],
        vec!["J12.82", "U07.1"],
        vec!["D63.1", "N18.3"],
        vec!["D61.2", "A84.89", "B20"],
        vec!["E74.00", "E11.9", "E13.9", "E10.65", "K73.0", "B18.2"],
        vec!["K74.0A", "B18.2"],
        vec!["F41", "S00.00", "Z99.99", "U00"],
    ] {
        claims.push(c);
    }
    let mut fired = std::collections::HashSet::new();
    for dx in &claims {
        // On one line, and one line per diagnosis.
        let per_line: Vec<CodeLine> = dx
            .iter()
            .enumerate()
            .map(|(i, d)| dx_line(&format!("L{i}"), &[d]))
            .collect();
        for inv in [invoice(vec![dx_line("1", dx)]), invoice(per_line)] {
            let want = readiness(&inv, &bare, None);
            // Decoded into the memo (unless met before), then from the memo.
            assert_eq!(readiness(&inv, &cat, None), want, "{dx:?}");
            assert_eq!(readiness(&inv, &cat, None), want, "{dx:?}");
            fired.extend(want.iter().map(|p| p.code));
        }
    }
    for c in [
        ProblemCode::Excludes1Conflict,
        ProblemCode::ManifestationFirst,
        ProblemCode::CodeFirstNote,
        ProblemCode::DiagnosisNotBillable,
        ProblemCode::UnknownDiagnosis,
    ] {
        assert!(
            fired.contains(&c),
            "{c:?} never fired: the test proves little"
        );
    }
    assert!(memo.len() >= 40, "{memo:?}");
    // Clones share the memo (and so do the threads that use them).
    assert_eq!(cat.clone().diagnosis_memo().unwrap().len(), memo.len());
}
