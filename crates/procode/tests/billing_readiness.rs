//! Insurance readiness on real codes: one test per problem code, and a
//! clean invoice with none.

use crate::billing_common;
use crate::claim_follow;

use billing_common::{at, catalog, day, entry, json, usd};
// Every document readiness rejects here also goes through the claim checks.
use claim_follow::{codes_of, readiness};
use procode::billing::*;
use procode::CodeSystem;

/// The clean line of these tests: counseling with HO, for F41.1, at the office.
fn clean_line() -> CodeLine {
    billing_common::counseling_line()
}

/// A draft invoice dated 2025-03-03 holding these lines.
fn invoice(lines: Vec<CodeLine>) -> Invoice {
    let mut inv = Invoice::new("INV-7", "S-1", day(2025, 3, 3), usd("120"), None);
    let mut batch = EditBatch::new();
    for l in lines {
        batch = batch.add(l);
    }
    inv.edit(&batch, &Editor::new("billing", at(3, 9))).unwrap();
    inv
}

/// The invoice with its first line rewritten through JSON, as a host could
/// hand over a document holding data edits would refuse.
fn tampered(inv: &Invoice, f: impl FnOnce(&mut serde_json::Value)) -> Invoice {
    let mut v: serde_json::Value = serde_json::from_str(&json(inv)).unwrap();
    f(&mut v["lines"][0]);
    v.as_object_mut().unwrap().remove("total");
    v.as_object_mut().unwrap().remove("balance");
    serde_json::from_value(v).unwrap()
}

fn codes(inv: &Invoice) -> Vec<&'static str> {
    readiness(inv, catalog(), None)
        .iter()
        .map(|p| p.code.as_str())
        .collect()
}

fn only(inv: &Invoice, code: ProblemCode) -> Problem {
    let problems = readiness(inv, catalog(), None);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].code, code);
    problems[0].clone()
}

#[test]
fn a_clean_invoice_is_ready() {
    let inv = invoice(vec![
        clean_line(),
        CodeLine::from_entry(&entry(CodeSystem::Hcpcs, "G0444"))
            .with_diagnoses(["F32.9", "F41.1"])
            .unwrap()
            .with_place_of_service("10")
            .unwrap()
            .with_modifiers(["GT"])
            .unwrap(),
    ]);
    assert_eq!(readiness(&inv, catalog(), None), []);
    assert_eq!(
        readiness(&Document::Invoice(inv.clone()), catalog(), None),
        []
    );
    let dx: Vec<_> = inv
        .diagnoses()
        .iter()
        .map(|d| d.display_for(CodeSystem::Icd10Cm))
        .collect();
    assert_eq!(dx, ["F41.1", "F32.9"]);
}

#[test]
fn missing_code() {
    let p = only(&invoice(vec![]), ProblemCode::MissingCode);
    assert_eq!(p.line_id, None);
    assert!(p.message.contains("INV-7"), "{}", p.message);
}

#[test]
fn unknown_code() {
    let manual = CodeLine::manual(CodeSystem::Hcpcs, "H9999", "Typed by hand").unwrap();
    let mut l = clean_line();
    l.code = manual.code;
    l.provenance = Provenance::Manual;
    let p = only(&invoice(vec![l]), ProblemCode::UnknownCode);
    assert_eq!(p.line_id.as_deref(), Some("L1"));
    assert_eq!(p.code.as_str(), "UNKNOWN_CODE");
}

#[test]
fn code_not_effective() {
    // A4397 was terminated on 2021-12-31.
    let a4397 = entry(CodeSystem::Hcpcs, "A4397");
    assert_eq!(a4397.terminated, Some(day(2021, 12, 31)));
    let l = CodeLine::from_entry(&a4397)
        .with_diagnoses(["F41.1"])
        .unwrap()
        .with_place_of_service("11")
        .unwrap();
    let p = only(&invoice(vec![l.clone()]), ProblemCode::CodeNotEffective);
    assert!(p.message.contains("2025-03-03"), "{}", p.message);
    // On a date of service before its termination it is fine.
    let earlier = l.with_date_of_service(day(2021, 6, 1));
    assert_eq!(codes(&invoice(vec![earlier])), Vec::<&str>::new());
    // G0438 did not exist before 2011.
    let g0438 = clean_line().with_date_of_service(day(2010, 6, 1));
    let mut g = g0438;
    g.code = entry(CodeSystem::Hcpcs, "G0438").code;
    g.modifiers.clear();
    assert_eq!(codes(&invoice(vec![g])), ["CODE_NOT_EFFECTIVE"]);
}

#[test]
fn missing_diagnosis() {
    let mut l = clean_line();
    l.diagnoses.clear();
    only(&invoice(vec![l]), ProblemCode::MissingDiagnosis);
}

#[test]
fn unknown_diagnosis() {
    let l = clean_line().with_diagnoses(["Z99.99"]).unwrap();
    let p = only(&invoice(vec![l]), ProblemCode::UnknownDiagnosis);
    assert!(p.message.contains("Z99.99"), "{}", p.message);
}

#[test]
fn diagnosis_not_billable() {
    let l = clean_line().with_diagnoses(["F41"]).unwrap();
    let p = only(&invoice(vec![l]), ProblemCode::DiagnosisNotBillable);
    assert!(p.message.contains("F41"), "{}", p.message);
}

#[test]
fn too_many_modifiers() {
    let inv = tampered(&invoice(vec![clean_line()]), |l| {
        l["modifiers"] = serde_json::json!(["HO", "GT", "GQ", "HE", "U1"]);
    });
    only(&inv, ProblemCode::TooManyModifiers);
}

#[test]
fn unknown_modifier() {
    let l = clean_line().with_modifiers(["HO", "ZZ"]).unwrap();
    let p = only(&invoice(vec![l]), ProblemCode::UnknownModifier);
    assert!(p.message.contains("ZZ"));
}

#[test]
fn invalid_units() {
    let inv = tampered(&invoice(vec![clean_line()]), |l| l["units"] = 0.into());
    assert_eq!(inv.lines()[0].units, 0);
    only(&inv, ProblemCode::InvalidUnits);
}

#[test]
fn invalid_place_of_service() {
    let l = clean_line().with_place_of_service("98").unwrap();
    only(&invoice(vec![l]), ProblemCode::InvalidPlaceOfService);
    let mut none = clean_line();
    none.place_of_service = None;
    only(&invoice(vec![none]), ProblemCode::InvalidPlaceOfService);
}

#[test]
fn no_rate() {
    let inv = tampered(&invoice(vec![clean_line()]), |l| {
        l["rate"] = serde_json::Value::Null
    });
    only(&inv, ProblemCode::NoRate);
    // Pricing that can resolve one (here the service price) clears it.
    assert_eq!(readiness(&inv, catalog(), Some(Pricing::none())), []);
}

#[test]
fn every_problem_at_once_is_listed_with_its_line() {
    let bad = CodeLine::manual(CodeSystem::Hcpcs, "H9999", "x")
        .unwrap()
        .with_modifiers(["ZZ"])
        .unwrap()
        .with_diagnoses(["F41", "Z99.99"])
        .unwrap()
        .with_place_of_service("98")
        .unwrap();
    let inv = invoice(vec![clean_line(), bad]);
    let problems = readiness(&inv, catalog(), None);
    assert_eq!(
        codes_of(&problems),
        [
            ("UNKNOWN_CODE", Some("L2")),
            ("UNKNOWN_MODIFIER", Some("L2")),
            ("DIAGNOSIS_NOT_BILLABLE", Some("L2")),
            ("UNKNOWN_DIAGNOSIS", Some("L2")),
            ("INVALID_PLACE_OF_SERVICE", Some("L2")),
        ]
    );
    let j = serde_json::to_value(&problems[0]).unwrap();
    assert_eq!(j["code"], "UNKNOWN_CODE");
    for c in ProblemCode::ALL {
        assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
    }
}
