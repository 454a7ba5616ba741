//! Readiness's reference data passed explicitly (`References`,
//! `readiness_with`), the fast status lookups it uses agreeing with the
//! catalog's entries on the real embedded catalog, and a damaged edits file
//! reported under its own problem code.

use chrono::{NaiveDate, TimeZone, Utc};
use procode::billing::{
    readiness, readiness_with, CodeLine, CodeSource, CodeStatus, EditBatch, Editor, Invoice, Money,
    ProblemCode, References,
};
use procode::ncci::{NcciBuilder, NcciEdits};
use procode::problem::LineFacts;
use procode::{Catalog, Code, CodeSystem};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn edits() -> NcciEdits {
    let ptp = "column1\tcolumn2\tdeletion_date\tmodifier_indicator\trationale\n\
               45380\t45378\t9999-12-31\t0\tCPT Separate procedure definition\n";
    let mut b = NcciBuilder::new();
    b.read_ptp("ptp.tsv", ptp.as_bytes()).unwrap();
    NcciEdits::from_bytes(b.build().unwrap()).unwrap()
}

fn invoice() -> Invoice {
    let mut inv = Invoice::new(
        "INV-1",
        "S-1",
        day(2025, 3, 3),
        Money::parse("900", "USD").unwrap(),
        None,
    );
    let line = |c: &str| {
        CodeLine::manual(CodeSystem::Cpt, c, "colonoscopy")
            .unwrap()
            .with_diagnoses(["K63.5"])
            .unwrap()
            .with_place_of_service("22")
            .unwrap()
            .with_rate_override("100".parse().unwrap())
            .unwrap()
    };
    let batch = EditBatch::new().add(line("45378")).add(line("45380"));
    inv.edit(&batch, &Editor::new("me", Utc.timestamp_opt(0, 0).unwrap()))
        .unwrap();
    inv
}

#[test]
fn explicit_references_give_what_attached_edits_give() {
    let cat = Catalog::embedded().unwrap();
    let e = edits();
    let inv = invoice();
    let attached = readiness(&inv, &cat.with_ncci(e.clone()), None);
    let explicit = readiness_with(&inv, &cat, References::with_ncci(&e), None);
    assert_eq!(attached, explicit);
    assert!(explicit
        .iter()
        .any(|p| p.code == ProblemCode::NcciPtpConflict && p.line_id.as_deref() == Some("L1")));
    // Explicit references replace the source's own: none means no NCCI check.
    let none = readiness_with(&inv, &cat.with_ncci(e), References::none(), None);
    assert_eq!(none, readiness(&inv, &cat, None));
    assert!(!none.iter().any(|p| p.code == ProblemCode::NcciPtpConflict));
}

#[test]
fn ncci_checks_take_line_facts() {
    let e = edits();
    let c = |s: &str| Code::parse(s).unwrap();
    let line = |id: &'static str, code: &str| LineFacts {
        id,
        system: CodeSystem::Cpt,
        code: c(code),
        date_of_service: Some(day(2025, 3, 3)),
        modifiers: &[],
        units: 1,
        diagnoses: &[],
    };
    let found = e
        .check_facts(&[line("A", "45378"), line("B", "45380")])
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].code, ProblemCode::NcciPtpConflict);
    assert_eq!(found[0].line_id.as_deref(), Some("A"));
    // The same as the billing-side convenience on code lines.
    assert_eq!(
        found[0].message,
        e.check(&invoice()).unwrap()[0]
            .message
            .replace("L1", "A")
            .replace("L2", "B")
    );
}

#[test]
fn a_catalog_answers_status_as_its_entries_say_on_real_codes() {
    let cat = Catalog::embedded().unwrap();
    let dates = [
        None,
        Some(day(2015, 10, 1)),
        Some(day(2020, 6, 30)),
        Some(day(2025, 3, 3)),
        Some(day(2026, 11, 1)),
    ];
    let (mut checked, mut with_history) = (0, 0);
    for (k, e) in cat.entries().enumerate() {
        let e = e.unwrap();
        let several = cat.versions(&e.code, e.system).unwrap().len() > 1;
        if !several && k % 11 != 0 {
            continue;
        }
        with_history += usize::from(several);
        for d in dates {
            let by_entry = match d {
                Some(d) => cat.entry_on(&e.code, e.system, d),
                None => cat.entry(&e.code, e.system),
            };
            assert_eq!(
                cat.status(&e.code, e.system, d),
                by_entry.as_ref().map(CodeStatus::of),
                "{} {} on {d:?}",
                e.system,
                e.code
            );
            checked += 1;
        }
    }
    assert!(checked > 40_000, "{checked}");
    assert!(
        with_history > 0,
        "the embedded catalog holds codes with several versions"
    );
    assert_eq!(
        cat.status(&Code::parse("ZZZZ9").unwrap(), CodeSystem::Hcpcs, None),
        None
    );
}
