//! Regressions of issue 12 ("never a panic, never a silent accept") on the
//! Rust surface, one test per item; each test names its item.

use crate::billing_common;

use billing_common::{aetna_schedule, at, catalog, day, entry, set_units, updated, usd};
use procode::billing::*;
use procode::claim::{self, ClaimContext, ClaimError, ClaimFormat, EXAMPLE_CONTEXT};
use procode::CodeSystem;
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn ctx() -> ClaimContext {
    ClaimContext::from_json(EXAMPLE_CONTEXT).unwrap()
}

fn example_invoice() -> Value {
    serde_json::from_str(claim::EXAMPLE_INVOICE).unwrap()
}

/// The codes of the errors (the suites' 2025-03 dates also draw
/// `CODE_SET_NOT_CURRENT` warnings, tested in `history_real_data`).
fn codes(problems: &[Problem]) -> Vec<&'static str> {
    problems
        .iter()
        .filter(|p| p.code.severity() == procode::billing::Severity::Error)
        .map(|p| p.code.as_str())
        .collect()
}

/// Item 1: the claim layer reports, never panics, on a service with lines
/// and on an invoice line without a place of service.
#[test]
fn item1_claims_of_incomplete_documents_are_refused_not_panics() {
    let mut svc = Service::new("SVC-1", "Counseling", usd("120"));
    let line = CodeLine::from_entry(&entry(CodeSystem::Hcpcs, "H0004"))
        .with_diagnoses(["F41.1"])
        .unwrap()
        .with_place_of_service("11")
        .unwrap();
    svc.edit(&EditBatch::new().add(line), &Editor::new("a", at(3, 9)))
        .unwrap();
    let svc = Document::Service(svc);
    let problems = claim::check(&svc, &ctx(), catalog());
    assert!(codes(&problems).contains(&"NOT_BILLABLE"), "{problems:?}");
    for format in [ClaimFormat::X12, ClaimFormat::Fhir, ClaimFormat::Cms1500] {
        let e = claim::export(&svc, &ctx(), catalog(), format).unwrap_err();
        assert!(matches!(e, ClaimError::NotReady { .. }), "{e}");
        assert_eq!(e.problems(), &problems[..]);
    }

    let mut v = example_invoice();
    v["lines"][0]
        .as_object_mut()
        .unwrap()
        .remove("place_of_service");
    let inv = Document::from_json(&v.to_string()).unwrap();
    let problems = claim::check(&inv, &ctx(), catalog());
    assert_eq!(codes(&problems), ["INVALID_PLACE_OF_SERVICE"]);
    assert_eq!(problems[0].line_id.as_deref(), Some("L1"));
    for format in [ClaimFormat::X12, ClaimFormat::Fhir, ClaimFormat::Cms1500] {
        let e = claim::export(&inv, &ctx(), catalog(), format).unwrap_err();
        assert_eq!(e.problems(), &problems[..]);
    }
    // A line of a session without its own date takes the session's.
    let ok = Document::from_json(claim::EXAMPLE_INVOICE).unwrap();
    assert!(codes(&claim::check(&ok, &ctx(), catalog())).is_empty());
}

/// Item 3: every input type refuses unknown fields, naming the field and
/// where it is.
#[test]
fn item3_unknown_fields_are_refused_with_their_path() {
    let json_err = |r: Result<Document, DocumentError>| match r {
        Err(DocumentError::Json(e)) => e,
        other => panic!("expected a JSON error, got {other:?}"),
    };
    let svc = json!({"kind": "service", "id": "SVC-1", "name": "n",
        "price": {"amount": "1", "currency": "USD"}, "paid_in_advance": false,
        "paid_in_advence": true, "insurance_billable": true});
    let e = json_err(Document::from_json(&svc.to_string()));
    assert_eq!(e.path.as_deref(), Some("paid_in_advence"));
    assert!(
        e.to_string().contains("unknown field `paid_in_advence`"),
        "{e}"
    );

    let mut inv = example_invoice();
    inv["payer_idd"] = json!("60054");
    let e = json_err(Document::from_json(&inv.to_string()));
    assert_eq!(e.path.as_deref(), Some("payer_idd"));

    let mut inv = example_invoice();
    inv["lines"][1]["modifier"] = json!(["HO"]);
    let e = json_err(Document::from_json(&inv.to_string()));
    assert_eq!(e.path.as_deref(), Some("lines[1].modifier"));
    assert!(
        e.to_string()
            .starts_with("invalid invoice at lines[1].modifier: unknown field `modifier`"),
        "{e}"
    );

    let mut inv = example_invoice();
    inv["lines"][0]["rate"]["source"]["schedule"] = json!("x");
    assert!(Document::from_json(&inv.to_string()).is_err());
    let mut inv = example_invoice();
    inv["payments"] = json!([{"id": "P1", "amount": {"amount": "1", "currency": "USD"},
        "received_at": "2025-03-03T10:00:00Z", "method": "card"}]);
    let e = json_err(Document::from_json(&inv.to_string()));
    assert_eq!(e.path.as_deref(), Some("payments[0].method"));

    // Edit batches, lines, fee schedules, policies, booking requests,
    // payments, encounters and claim contexts alike.
    let e = parse_json::<EditBatch>(
        r#"{"ops": [{"op": "edit", "line_id": "L1", "changes": {"unit": 3}}]}"#,
        "edit batch",
    )
    .unwrap_err();
    assert!(e.to_string().contains("unknown field `unit`"), "{e}");
    assert!(parse_json::<EditBatch>(r#"{"ops": [], "dry_run": true}"#, "edit batch").is_err());
    assert!(parse_json::<EditBatch>(
        r#"{"ops": [{"op": "remove", "line_id": "L1", "why": "x"}]}"#,
        "edit batch"
    )
    .is_err());
    assert!(parse_json::<LineChanges>(
        r#"{"rate": {"kind": "resolve", "per_unit": "3"}}"#,
        "changes"
    )
    .is_err());
    assert!(parse_json::<BookingRequest>(
        r#"{"session_id": "S", "client_id": "C", "date": "2025-03-03", "payer": "X"}"#,
        "booking request"
    )
    .is_err());
    assert!(matches!(
        FeeSchedule::from_json(
            r#"{"id": "S", "currency": "USD", "entries": [{"code": "H0004", "rate": "1", "modifier": ["HO"]}]}"#
        ),
        Err(RateError::Json(_))
    ));
    let policy = EditPolicy::default()
        .to_json()
        .replace("\"rules\"", "\"rule\"");
    assert!(matches!(
        EditPolicy::from_json(&policy),
        Err(PolicyError::Json(_))
    ));
    assert!(matches!(
        EditPolicy::from_json(
            r#"{"rules": [{"context": "service", "on": {"document": "service", "state": "x"}, "actions": []}]}"#
        ),
        Err(PolicyError::Json(_))
    ));
    let e = Encounter::from_json(r#"{"session": {"id": "S"}, "invoce": null}"#).unwrap_err();
    assert!(e.to_string().contains("invoce"), "{e}");
    let mut c: Value = serde_json::from_str(EXAMPLE_CONTEXT).unwrap();
    c["subscriber"]["adress"] = json!({});
    let e = ClaimContext::from_json(&c.to_string()).unwrap_err();
    assert!(
        e.to_string()
            .contains("subscriber.adress: unknown field `adress`"),
        "{e}"
    );
}

/// Item 3: an edit that changes nothing is a true no-op: no changed line,
/// no version, no audit entry, no resend.
#[test]
fn item3_an_edit_that_changes_nothing_changes_nothing() {
    let mut inv = Invoice::from_json(claim::EXAMPLE_INVOICE).unwrap();
    assert_eq!((inv.version(), inv.needs_resend()), (1, false));
    let before = inv.clone();
    let ed = Editor::new("billing", at(5, 9));
    let same_units = inv.lines()[0].units;
    for batch in [
        EditBatch::new().edit("L1", LineChanges::default()),
        EditBatch::new().edit("L1", LineChanges::default().units(same_units)),
        EditBatch::new().edit(
            "L2",
            LineChanges::default().description(inv.lines()[1].description.clone()),
        ),
    ] {
        let out = inv.edit(&batch, &ed).unwrap();
        assert!(out.changed_lines.is_empty(), "{out:?}");
        assert!(!out.must_resend);
        assert_eq!(inv, before);
    }
    // One real change among no-ops: only it counts.
    let out = inv
        .edit(
            &EditBatch::new()
                .edit("L1", LineChanges::default())
                .edit("L2", LineChanges::default().units(2)),
            &ed,
        )
        .unwrap();
    assert_eq!(out.changed_lines, ["L2"]);
    assert!(out.must_resend);
    assert_eq!((inv.version(), inv.audit().len()), (2, 1));
    // An edit of a line that does not exist is still refused.
    assert!(matches!(
        inv.edit(&EditBatch::new().edit("L9", LineChanges::default()), &ed),
        Err(EditError::UnknownLine { .. })
    ));
}

/// Item 4: impossible documents do not load; the error is typed.
#[test]
fn item4_impossible_documents_are_refused_when_loaded() {
    let inconsistent = |v: Value| match Document::from_json(&v.to_string()) {
        Err(DocumentError::Inconsistent { problem, .. }) => problem,
        other => panic!("expected Inconsistent, got {other:?}"),
    };
    let payment = |amount: &str| json!([{"id": "P1", "amount": {"amount": amount, "currency": "USD"}, "received_at": "2025-03-03T10:00:00Z"}]);
    for (state, paid, problem) in [
        // Paid, no payments, a balance of 145.50.
        (Some("paid"), None, "paid but has no payments"),
        // Paid with a payment that does not cover it.
        (Some("paid"), Some("50.50"), "has a balance"),
        // Payments above the total.
        (None, Some("200"), "exceed its total"),
        // A draft with payments, or sent before; a void one with payments.
        (Some("draft"), None, "draft but has a sent_version"),
        (Some("void"), Some("5"), "void but has payments"),
    ] {
        let mut v = example_invoice();
        if let Some(state) = state {
            v["state"] = json!(state);
        }
        if let Some(amount) = paid {
            v["payments"] = payment(amount);
        }
        assert!(inconsistent(v).contains(problem), "{problem}");
    }
    // Two lines with one id; a derived total that does not add up.
    let mut v = example_invoice();
    v["lines"][1]["id"] = json!("L1");
    assert!(inconsistent(v).contains("two lines have the id"));
    let mut v = example_invoice();
    v["total"] = json!({"amount": "1.00", "currency": "USD"});
    assert!(inconsistent(v).contains("total"));
    // An invoice that is fully paid loads.
    let mut v = example_invoice();
    v["state"] = json!("paid");
    v["payments"] = payment("145.50");
    assert!(Document::from_json(&v.to_string()).is_ok());

    // Encounters: the invoice must belong to the session, and a session
    // naming an invoice must come with it.
    let svc = {
        let mut s = Service::new("SVC", "n", usd("100")).with_paid_in_advance(true);
        let l = CodeLine::from_entry(&entry(CodeSystem::Hcpcs, "H0004"));
        s.edit(&EditBatch::new().add(l), &Editor::new("a", at(3, 9)))
            .unwrap();
        s
    };
    let enc = Encounter::book(
        &svc,
        BookingRequest::new("S-1", "C", day(2025, 3, 3)).with_invoice_id("INV-1"),
        Pricing::none(),
    )
    .unwrap();
    let text = serde_json::to_string(&enc).unwrap();
    assert_eq!(Encounter::from_json(&text).unwrap(), enc);
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["invoice"]["session_id"] = json!("S-2");
    assert!(matches!(
        Encounter::from_json(&v.to_string()),
        Err(DocumentError::Unlinked { .. })
    ));
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["invoice"] = Value::Null;
    let e = Encounter::from_json(&v.to_string()).unwrap_err();
    assert!(matches!(e, DocumentError::Unlinked { .. }), "{e}");
    let (session, _) = enc.into_parts();
    assert!(matches!(
        Encounter::from_parts(session, None),
        Err(TransitionError::WrongInvoice { given: None, .. })
    ));
}

/// Item 5: amounts beyond the documented maximum are refused at the edit
/// that would exceed it; totals are exact sums, never capped.
#[test]
fn item5_totals_are_exact_or_refused() {
    let ed = Editor::new("billing", at(3, 9));
    let mut inv = Invoice::new("INV-1", "S-1", day(2025, 3, 3), usd("100"), None);
    let huge = CodeLine::manual(CodeSystem::Hcpcs, "H0004", "x")
        .unwrap()
        .with_units(4_000_000_000)
        .unwrap()
        .with_rate_override(dec("999999"))
        .unwrap();
    let before = inv.clone();
    let e = inv.edit(&EditBatch::new().add(huge), &ed).unwrap_err();
    assert!(
        matches!(&e, EditError::AmountTooLarge { line_id: Some(id), .. } if id == "L1"),
        "{e}"
    );
    assert_eq!(inv, before);
    // Each line fits, the total does not.
    let big = |id: &str| {
        CodeLine::manual(CodeSystem::Hcpcs, "H0004", "x")
            .unwrap()
            .with_id(id)
            .with_rate_override(dec("600000000000"))
            .unwrap()
    };
    inv.edit(&EditBatch::new().add(big("A")), &ed).unwrap();
    assert_eq!(inv.total().amount(), dec("600000000000.00"));
    let e = inv.edit(&EditBatch::new().add(big("B")), &ed).unwrap_err();
    assert!(
        matches!(&e, EditError::AmountTooLarge { line_id: None, .. }),
        "{e}"
    );
    assert_eq!(inv.total().amount(), dec("600000000000.00"));
    // A sum up to the maximum is exact.
    let rest = CodeLine::manual(CodeSystem::Hcpcs, "G0444", "x")
        .unwrap()
        .with_rate_override(dec("399999999999.99"))
        .unwrap();
    inv.edit(&EditBatch::new().add(rest), &ed).unwrap();
    assert_eq!(inv.total().amount(), dec("999999999999.99"));
    // A document whose lines exceed it does not load.
    let mut v: Value =
        serde_json::from_str(&serde_json::to_string(&Document::Invoice(inv)).unwrap()).unwrap();
    v["lines"][0]["units"] = json!(4_000_000_000u32);
    v.as_object_mut().unwrap().remove("total");
    v.as_object_mut().unwrap().remove("balance");
    assert!(matches!(
        Document::from_json(&v.to_string()),
        Err(DocumentError::Inconsistent { .. })
    ));
}

fn prepaid_service(units: u32) -> Service {
    let svc = Service::new("SVC-1", "Counseling", usd("90")).with_paid_in_advance(true);
    counseling_service(svc, units)
}

/// The service with one H0004 line of `units` for F41.1 at the office.
fn counseling_service(mut svc: Service, units: u32) -> Service {
    let line = CodeLine::from_entry(&entry(CodeSystem::Hcpcs, "H0004"))
        .with_units(units)
        .unwrap()
        .with_diagnoses(["F41.1"])
        .unwrap()
        .with_place_of_service("11")
        .unwrap();
    svc.edit(&EditBatch::new().add(line), &Editor::new("admin", at(1, 9)))
        .unwrap();
    svc
}

/// Item 7: completing a session applies its edits to the invoice's lines:
/// what billing set survives, the audit log records the change.
#[test]
fn item7_completion_edits_the_invoice_lines_in_place() {
    let svc = prepaid_service(2);
    let req = BookingRequest::new("S-1", "C-1", day(2025, 3, 3)).with_invoice_id("INV-1");
    let mut enc = Encounter::book(&svc, req, Pricing::none()).unwrap();
    assert_eq!(enc.confirm(None).unwrap(), InvoiceState::Sent);
    let billing = Editor::new("billing", at(3, 12));
    enc.edit_invoice(
        &EditBatch::new().edit(
            "L1",
            LineChanges::default()
                .rate_override(dec("25.00"))
                .description("Sliding scale"),
        ),
        &billing,
    )
    .unwrap();
    assert_eq!(enc.invoice().unwrap().total(), usd("50.00"));
    enc.send_invoice().unwrap();

    let clinician = Editor::new("dr.lee", at(3, 15));
    let done = enc.complete(&set_units("L1", 3), &clinician, None).unwrap();
    assert_eq!(done.invoice, updated(&["L1"], true));
    assert!(done.differences.is_empty());
    let inv = enc.invoice().unwrap();
    let line = &inv.lines()[0];
    assert_eq!(line.units, 3);
    assert_eq!(line.description, "Sliding scale");
    assert_eq!(line.rate.as_ref().unwrap().source, RateSource::Override);
    assert_eq!(inv.total(), usd("75.00"));
    let last = inv.audit().entries().last().unwrap();
    assert_eq!(
        (last.context, last.action, last.actor.as_str()),
        (EditContext::SessionCompletion, EditAction::Edit, "dr.lee")
    );
    assert_eq!(last.before.as_ref().unwrap().units, 2);
    assert_eq!(last.after.as_ref().unwrap().units, 3);
    // The session's own line has the service price: the two documents keep
    // their own fields.
    assert_eq!(enc.session().lines()[0].units, 3);
    assert_eq!(
        enc.session().lines()[0].rate.as_ref().unwrap().per_unit,
        dec("90.00")
    );
}

/// Item 7: a line billing removed from the invoice is not brought back by a
/// completion that edits it; the completion reports the difference.
#[test]
fn item7_completion_does_not_resurrect_removed_lines() {
    let mut svc = prepaid_service(2);
    let second = CodeLine::from_entry(&entry(CodeSystem::Hcpcs, "G0444"))
        .with_diagnoses(["F41.1"])
        .unwrap();
    svc.edit(
        &EditBatch::new().add(second),
        &Editor::new("admin", at(1, 9)),
    )
    .unwrap();
    let req = BookingRequest::new("S-1", "C-1", day(2025, 3, 3)).with_invoice_id("INV-1");
    let mut enc = Encounter::book(&svc, req, Pricing::none()).unwrap();
    enc.confirm(None).unwrap();
    let ed = Editor::new("billing", at(3, 12));
    enc.edit_invoice(&EditBatch::new().remove("L2"), &ed)
        .unwrap();
    let done = enc
        .complete(
            &EditBatch::new().edit("L2", LineChanges::default().units(2)),
            &ed,
            None,
        )
        .unwrap();
    assert_eq!(enc.invoice().unwrap().lines().len(), 1);
    assert_eq!(done.differences.len(), 1);
    assert_eq!(done.differences[0].line_id, "L2");
    assert!(done.differences[0].invoice.is_none());
    assert_eq!(done.differences[0].session.as_ref().unwrap().units, 2);
}

/// Item 8: a rate resolved from a fee schedule never silently falls to a
/// lesser source when a later step lacks that schedule.
#[test]
fn item8_fee_schedules_are_not_forgotten_between_steps() {
    let svc = counseling_service(Service::new("SVC-1", "Counseling", usd("160")), 4);
    let schedules = [aetna_schedule(
        "code,modifiers,rate\nH0004,,31.00\nH0004,HO,34.00\n",
    )];
    let req = BookingRequest::new("S-1", "C-1", day(2025, 3, 3)).with_payer("AETNA");
    let mut enc = Encounter::book(&svc, req, Pricing::new(&schedules)).unwrap();
    assert_eq!(
        enc.session().lines()[0].rate.as_ref().unwrap().per_unit,
        dec("31.00")
    );

    // Changing the modifiers re-resolves the rate: without the schedule the
    // step is refused, and nothing changes.
    let batch = EditBatch::new().edit("L1", LineChanges::default().modifiers(["HO"]).unwrap());
    let before = enc.clone();
    let e = enc
        .complete(&batch, &Editor::new("dr.lee", at(3, 15)), Some("INV-1"))
        .unwrap_err();
    assert!(
        matches!(&e, TransitionError::Edit(EditError::ScheduleMissing { schedule_id, .. }) if schedule_id == "AETNA-2025"),
        "{e}"
    );
    assert_eq!(enc, before);
    // A change that does not touch the rate keeps it without the schedule.
    let mut units_only = enc.clone();
    units_only
        .complete(
            &EditBatch::new().edit("L1", LineChanges::default().units(3)),
            &Editor::new("dr.lee", at(3, 15)),
            Some("INV-1"),
        )
        .unwrap();
    assert_eq!(units_only.invoice().unwrap().total(), usd("93.00"));
    // With the schedule: the payer's HO rate, 34.00 × 4.
    let ed = Editor::new("dr.lee", at(3, 15)).with_pricing(Pricing::new(&schedules));
    enc.complete(&batch, &ed, Some("INV-1")).unwrap();
    assert_eq!(enc.invoice().unwrap().total(), usd("136.00"));
    // An explicit resolve without the schedule is refused too; an override
    // needs none.
    let mut inv = enc.invoice().unwrap().clone();
    let plain = Editor::new("billing", at(4, 9));
    assert!(matches!(
        inv.edit(
            &EditBatch::new().edit("L1", LineChanges::default().resolve_rate()),
            &plain
        ),
        Err(EditError::ScheduleMissing { .. })
    ));
    inv.edit(
        &EditBatch::new().edit("L1", LineChanges::default().rate_override(dec("20"))),
        &plain,
    )
    .unwrap();
    assert_eq!(inv.total(), usd("80.00"));
    // Booking a service whose rates came from a schedule needs it too.
    let std = FeeSchedule::from_reader(
        "STD",
        None,
        Currency::Usd,
        "std.csv",
        "code,rate\nH0004,30.00\n".as_bytes(),
        b',',
    )
    .unwrap();
    let defaults = [std];
    let mut priced = Service::new("SVC-2", "Counseling", usd("160"));
    priced
        .edit(
            &EditBatch::new().add(CodeLine::from_entry(&entry(CodeSystem::Hcpcs, "H0004"))),
            &Editor::new("admin", at(1, 9)).with_pricing(Pricing::new(&defaults)),
        )
        .unwrap();
    assert_eq!(
        priced.lines()[0].rate.as_ref().unwrap().per_unit,
        dec("30.00")
    );
    assert!(matches!(
        Encounter::book(
            &priced,
            BookingRequest::new("S-2", "C", day(2025, 3, 3)),
            Pricing::none()
        ),
        Err(TransitionError::Edit(EditError::ScheduleMissing { .. }))
    ));
}
