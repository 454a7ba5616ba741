//! Property test of the document → readiness → claim path (issue 12): any
//! generated document JSON (services, sessions, invoices in any state, lines
//! complete or not, consistent or not), edit batch and claim context goes
//! through loading, editing, readiness, claim checking and export in every
//! format without a panic; every refusal is a typed error; a refused edit
//! leaves the document exactly as it was; whatever an edit produces loads
//! back from its own JSON; an export succeeds exactly when the claim check
//! finds no problem.

use crate::billing_common;

use billing_common::{at, catalog};
use procode::billing::*;
use procode::claim::{self, ClaimContext, ClaimError, ClaimFormat, EXAMPLE_CONTEXT};
use proptest::prelude::*;
use serde_json::{json, Value};

const CODES: [(&str, &str); 6] = [
    ("hcpcs", "H0004"),
    ("hcpcs", "G0444"),
    ("hcpcs", "G0438"),
    ("hcpcs", "Z9999"), // not in the catalog
    ("cpt", "99213"),   // CPT: not in the embedded catalog
    ("icd10cm", "F411"),
];
const MODIFIERS: [&str; 5] = ["HO", "GT", "95", "ZZ", "59"];
const DIAGNOSES: [&str; 5] = ["F411", "F41", "Z1331", "F4310", "Q9999"];
const PLACES: [Option<&str>; 4] = [None, Some("11"), Some("02"), Some("98")];
const DATES: [Option<&str>; 4] = [
    None,
    Some("2025-03-03"),
    Some("2025-02-28"),
    Some("2026-01-01"),
];

#[derive(Debug, Clone)]
struct LineSpec {
    code: usize,
    units: u32,
    modifiers: Vec<usize>,
    diagnoses: Vec<usize>,
    place: usize,
    date: usize,
    rate: Option<(u64, u32, u8)>,
}

fn line_spec() -> impl Strategy<Value = LineSpec> {
    (
        0..CODES.len(),
        prop_oneof![Just(0u32), 1u32..5, Just(4_000_000_000u32)],
        proptest::collection::vec(0..MODIFIERS.len(), 0..6),
        proptest::collection::vec(0..DIAGNOSES.len(), 0..6),
        0..PLACES.len(),
        0..DATES.len(),
        proptest::option::of((0u64..2_000_000_000, 0u32..4, 0u8..3)),
    )
        .prop_map(
            |(code, units, modifiers, diagnoses, place, date, rate)| LineSpec {
                code,
                units,
                modifiers,
                diagnoses,
                place,
                date,
                rate,
            },
        )
}

fn line_json(i: usize, l: &LineSpec) -> Value {
    let (system, code) = CODES[l.code];
    let mut v = json!({
        "id": format!("L{}", i + 1),
        "system": system,
        "code": code,
        "provenance": "manual",
        "description": format!("line {i}"),
        "units": l.units,
        "modifiers": l.modifiers.iter().map(|&m| MODIFIERS[m]).collect::<Vec<_>>(),
        "diagnoses": l.diagnoses.iter().map(|&d| DIAGNOSES[d]).collect::<Vec<_>>(),
    });
    if let Some(p) = PLACES[l.place] {
        v["place_of_service"] = json!(p);
    }
    if let Some(d) = DATES[l.date] {
        v["date_of_service"] = json!(d);
    }
    if let Some((mantissa, scale, source)) = l.rate {
        let per_unit = rust_decimal::Decimal::new(mantissa as i64, scale).to_string();
        let source = match source {
            0 => json!({"kind": "override"}),
            1 => json!({"kind": "service_price"}),
            _ => json!({"kind": "payer_schedule", "schedule_id": "AETNA", "entry": code}),
        };
        v["rate"] = json!({"per_unit": per_unit, "source": source});
    }
    v
}

const SESSION_STATES: [&str; 5] = [
    "pending_confirmation",
    "booked",
    "completed",
    "cancelled",
    "no_show",
];
const INVOICE_STATES: [&str; 5] = ["draft", "sent", "paid", "void", "sent"];

#[derive(Debug, Clone)]
struct DocSpec {
    kind: u8,
    state: u8,
    lines: Vec<LineSpec>,
    payments: Vec<u32>,
    sent: bool,
    derived: bool,
    typo: bool,
}

/// A line a claim takes: a catalog code with a billable diagnosis, a known
/// place, a date before the example context's creation and a rate.
fn clean_line() -> impl Strategy<Value = LineSpec> {
    (0usize..3, 1u32..5, any::<bool>(), 0usize..2, 1u64..50_000).prop_map(
        |(code, units, ho, date, cents)| LineSpec {
            code,
            units,
            modifiers: if ho { vec![0] } else { Vec::new() },
            diagnoses: vec![0],
            place: 1,
            date,
            rate: Some((cents, 2, 0)),
        },
    )
}

fn doc_spec() -> impl Strategy<Value = DocSpec> {
    prop_oneof![
        1 => any_doc(),
        1 => (proptest::collection::vec(clean_line(), 1..8), any::<bool>()).prop_map(
            |(lines, session)| DocSpec {
                kind: if session { 1 } else { 2 },
                state: if session { 2 } else { 1 },
                lines,
                payments: Vec::new(),
                sent: true,
                derived: false,
                typo: false,
            }
        ),
    ]
}

fn any_doc() -> impl Strategy<Value = DocSpec> {
    (
        0u8..3,
        0u8..5,
        proptest::collection::vec(line_spec(), 0..6),
        proptest::collection::vec(1u32..20_000, 0..3),
        any::<bool>(),
        any::<bool>(),
        proptest::bool::weighted(0.1),
    )
        .prop_map(
            |(kind, state, lines, payments, sent, derived, typo)| DocSpec {
                kind,
                state,
                lines,
                payments,
                sent,
                derived,
                typo,
            },
        )
}

/// The document's JSON; consistent or not, complete or not.
fn doc_json(d: &DocSpec) -> String {
    let lines: Vec<Value> = d
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| line_json(i, l))
        .collect();
    let price = json!({"amount": "150.00", "currency": "USD"});
    let mut v = match d.kind {
        0 => json!({
            "kind": "service", "id": "SVC-1", "name": "Counseling", "price": price,
            "paid_in_advance": d.sent, "insurance_billable": true, "lines": lines,
            "next_line": lines.len() + 1,
        }),
        1 => json!({
            "kind": "session", "id": "S-1", "client_id": "C-1", "service_id": "SVC-1",
            "date": "2025-03-03",
            "state": SESSION_STATES[d.state as usize],
            "price": price, "payer_id": "AETNA", "lines": lines, "next_line": lines.len() + 1,
        }),
        _ => {
            let payments: Vec<Value> = d
                .payments
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    json!({"id": format!("P{i}"),
                           "amount": {"amount": rust_decimal::Decimal::new(i64::from(*c), 2).to_string(), "currency": "USD"},
                           "received_at": "2025-03-03T10:00:00Z"})
                })
                .collect();
            let mut v = json!({
                "kind": "invoice", "id": "INV-7", "session_id": "S-1", "date": "2025-03-03",
                "state": INVOICE_STATES[d.state as usize],
                "price": price, "payer_id": "AETNA", "lines": lines,
                "next_line": lines.len() + 1, "payments": payments, "version": 2,
            });
            if d.sent {
                v["sent_version"] = json!(1);
            }
            if d.derived {
                v["total"] = json!({"amount": "145.50", "currency": "USD"});
            }
            v
        }
    };
    if d.typo {
        v["paid_in_advence"] = json!(true);
    }
    v.to_string()
}

#[derive(Debug, Clone)]
enum OpSpec {
    Add(LineSpec),
    Edit {
        line: usize,
        units: Option<u32>,
        modifiers: Option<Vec<usize>>,
        place: Option<usize>,
        rate: Option<Option<u64>>,
    },
    Remove(usize),
}

fn op_spec() -> impl Strategy<Value = OpSpec> {
    prop_oneof![
        line_spec().prop_map(OpSpec::Add),
        (
            0usize..7,
            proptest::option::of(prop_oneof![Just(0u32), 1u32..6, Just(4_000_000_000u32)]),
            proptest::option::of(proptest::collection::vec(0..MODIFIERS.len(), 0..3)),
            proptest::option::of(1..PLACES.len()),
            proptest::option::of(proptest::option::of(0u64..2_000_000_000_000)),
        )
            .prop_map(|(line, units, modifiers, place, rate)| OpSpec::Edit {
                line,
                units,
                modifiers,
                place,
                rate,
            }),
        (0usize..7).prop_map(OpSpec::Remove),
    ]
}

/// The batch's JSON (through the JSON reader, as hosts send it).
fn batch_json(ops: &[OpSpec]) -> String {
    let ops: Vec<Value> = ops
        .iter()
        .map(|op| match op {
            OpSpec::Add(l) => {
                let mut v = line_json(0, l);
                v["id"] = json!("");
                v["op"] = json!("add");
                v
            }
            OpSpec::Edit {
                line,
                units,
                modifiers,
                place,
                rate,
            } => {
                let mut changes = json!({});
                if let Some(u) = units {
                    changes["units"] = json!(u);
                }
                if let Some(m) = modifiers {
                    changes["modifiers"] =
                        json!(m.iter().map(|&m| MODIFIERS[m]).collect::<Vec<_>>());
                }
                if let Some(p) = place.and_then(|p| PLACES[p]) {
                    changes["place_of_service"] = json!(p);
                }
                match rate {
                    Some(Some(r)) => {
                        changes["rate"] = json!({"kind": "override", "per_unit": rust_decimal::Decimal::new(*r as i64, 2).to_string()})
                    }
                    Some(None) => changes["rate"] = json!({"kind": "resolve"}),
                    None => {}
                }
                json!({"op": "edit", "line_id": format!("L{}", line + 1), "changes": changes})
            }
            OpSpec::Remove(l) => json!({"op": "remove", "line_id": format!("L{}", l + 1)}),
        })
        .collect();
    json!({ "ops": ops }).to_string()
}

/// A claim context, intact or with one field damaged.
fn context_json(damage: u8) -> String {
    let mut v: Value = serde_json::from_str(EXAMPLE_CONTEXT).unwrap();
    match damage {
        1 => v["billing_provider"]["npi"] = json!("1245319590"),
        2 => v["billing_provider"]["address"]["zip"] = json!("0213"),
        3 => v["relationship"] = json!("19"),
        4 => v["billing_provider"]["tax_id"] = json!({"ssn": "666-12-3456"}),
        5 => v["subscriber"]["address"]["zip"] = json!(""),
        6 => v["submitter"]["contact"] = json!({"name": "Dana", "phone": "555-01"}),
        7 => v["payer"]["nam"] = json!("typo"),
        8 => v["rendering_provider"]["npi"] = json!("1245319599"),
        _ => {}
    }
    v.to_string()
}

/// Readiness, the claim check and every export: never a panic; an export
/// succeeds exactly when the check is empty, and refuses with exactly the
/// check's problems otherwise.
fn stat(what: &str) {
    if std::env::var_os("PROCODE_PROP_STATS").is_some() {
        eprintln!("stat: {what}");
    }
}

fn claims_agree(doc: &Document, ctx: &ClaimContext) -> Result<(), TestCaseError> {
    let ready = readiness(doc, catalog(), None);
    let problems = claim::check(doc, ctx, catalog());
    for p in &ready {
        prop_assert!(problems.contains(p), "check lacks readiness's {}", p);
    }
    for format in [ClaimFormat::X12, ClaimFormat::Fhir, ClaimFormat::Cms1500] {
        match claim::export(doc, ctx, catalog(), format) {
            Ok(text) => {
                stat("exported");
                // Warnings (CODE_SET_NOT_CURRENT) never stop a claim.
                prop_assert!(
                    problems
                        .iter()
                        .all(|p| p.code.severity() == procode::billing::Severity::Warning),
                    "exported with problems {:?}",
                    problems
                );
                prop_assert!(!text.is_empty());
            }
            Err(ClaimError::NotReady { problems: p, .. }) => {
                prop_assert!(!p.is_empty());
                prop_assert_eq!(&p, &problems);
            }
            Err(e) => prop_assert!(false, "untyped refusal: {e}"),
        }
    }
    Ok(())
}

/// Runs `edit` on a copy of `doc`: the edited copy when it succeeds, `None`
/// when it is refused, and then the copy must be unchanged.
fn kept_unless_refused<T: Clone + PartialEq + std::fmt::Debug>(
    mut doc: T,
    edit: impl FnOnce(&mut T) -> bool,
) -> Result<Option<T>, TestCaseError> {
    let before = doc.clone();
    if edit(&mut doc) {
        return Ok(Some(doc));
    }
    prop_assert_eq!(&doc, &before);
    Ok(None)
}

/// Applies the batch to the document the way its kind is edited; a refusal
/// must leave it unchanged. Returns the edited document, if any.
fn edit(doc: &Document, batch: &EditBatch) -> Result<Option<Document>, TestCaseError> {
    let ed = Editor::new("prop", at(5, 9));
    Ok(match doc.clone() {
        Document::Service(s) => {
            kept_unless_refused(s, |s| s.edit(batch, &ed).is_ok())?.map(Document::Service)
        }
        Document::Invoice(i) => {
            kept_unless_refused(i, |i| i.edit(batch, &ed).is_ok())?.map(Document::Invoice)
        }
        Document::Session(s) => {
            let Ok(enc) = Encounter::from_parts(s, None) else {
                return Ok(None);
            };
            kept_unless_refused(enc, |enc| {
                if enc.session().state() == SessionState::PendingConfirmation {
                    enc.review(batch, &ed).is_ok()
                } else {
                    enc.complete(batch, &ed, Some("INV-9")).is_ok()
                }
            })?
            .map(|enc| Document::Session(enc.session().clone()))
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn documents_batches_and_contexts_never_panic(
        spec in doc_spec(),
        ops in proptest::collection::vec(op_spec(), 0..5),
        damage in 0u8..10,
    ) {
        // Loading: a document, or a typed refusal naming what is wrong.
        let doc = match Document::from_json(&doc_json(&spec)) {
            Ok(d) => d,
            Err(DocumentError::Json(e)) => {
                stat("json refused");
                prop_assert!(!e.message.is_empty());
                return Ok(());
            }
            Err(DocumentError::Inconsistent { problem, .. }) => {
                stat("inconsistent");
                prop_assert!(!problem.is_empty());
                return Ok(());
            }
            Err(e) => return Err(TestCaseError::fail(format!("unexpected {e}"))),
        };
        // Loaded documents write the JSON they were read from, give or take
        // the derived fields.
        prop_assert_eq!(&Document::from_json(&serde_json::to_string(&doc).unwrap()).unwrap(), &doc);
        let ctx = match ClaimContext::from_json(&context_json(damage)) {
            Ok(c) => Some(c),
            Err(ClaimError::InvalidContext { message }) => {
                prop_assert!(message.contains("nam"), "{}", message);
                None
            }
            Err(e) => return Err(TestCaseError::fail(format!("unexpected {e}"))),
        };
        if let Some(ctx) = &ctx {
            claims_agree(&doc, ctx)?;
        }
        let batch = match parse_json::<EditBatch>(&batch_json(&ops), "edit batch") {
            Ok(b) => b,
            Err(e) => return Err(TestCaseError::fail(format!("a generated batch is refused: {e}"))),
        };
        stat("loaded");
        if let Some(edited) = edit(&doc, &batch)? {
            stat("edited");
            // Whatever an edit makes loads back as itself.
            let text = serde_json::to_string(&edited).unwrap();
            let back = Document::from_json(&text);
            prop_assert_eq!(back.as_ref().ok(), Some(&edited), "{:?}", back.as_ref().err());
            if let Some(ctx) = &ctx {
                claims_agree(&edited, ctx)?;
            }
        }
    }
}
