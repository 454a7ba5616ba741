//! Revisions (issue 19): every document carries a revision that goes up
//! with every mutation and only then; a call made against a revision the
//! document no longer has is `StaleDocument` and changes nothing. Walked on
//! real HCPCS and ICD-10-CM codes from the catalog.

use crate::billing_common;

use billing_common::{at, counseling_line, day, json, screening_line, usd};
use procode::billing::*;
use proptest::prelude::*;

fn service(paid_in_advance: bool) -> Service {
    let mut svc = Service::new("SVC-1", "Counseling, 60 minutes", usd("120"))
        .with_paid_in_advance(paid_in_advance);
    svc.edit(
        &EditBatch::new().add(counseling_line()),
        &Editor::new("admin", at(1, 8)),
    )
    .unwrap();
    svc
}

fn book(paid_in_advance: bool) -> Encounter {
    let mut req = BookingRequest::new("S-1", "C-9", day(2025, 3, 3));
    if paid_in_advance {
        req = req.with_invoice_id("INV-1");
    }
    Encounter::book(&service(paid_in_advance), req, Pricing::none()).unwrap()
}

fn payment(id: &str, amount: &str) -> Payment {
    Payment::new(id, usd(amount), at(3, 12))
}

#[test]
fn a_new_document_is_at_revision_one_and_every_service_change_bumps_it() {
    let ed = Editor::new("admin", at(1, 8));
    let mut svc = Service::new("SVC-1", "Visit", usd("80"));
    assert_eq!(svc.revision(), 1);
    svc.edit(&EditBatch::new().add(counseling_line()), &ed)
        .unwrap();
    assert_eq!(svc.revision(), 2);
    // A no-op edit (the field's own value) changes nothing: same revision.
    svc.edit(
        &EditBatch::new().edit("L1", LineChanges::default().units(4)),
        &ed,
    )
    .unwrap();
    assert_eq!(svc.revision(), 2);
    svc.set_name("Visit, 30 minutes");
    assert_eq!(svc.revision(), 3);
    svc.set_name("Visit, 30 minutes");
    assert_eq!(svc.revision(), 3, "the same name is no change");
    svc.set_price(usd("90"));
    assert_eq!(svc.revision(), 4);
    svc.set_price(usd("90"));
    assert_eq!(svc.revision(), 4);
    // A refused batch: unchanged, revision included.
    let before = svc.clone();
    let e = svc.edit(&EditBatch::new().remove("L9"), &ed).unwrap_err();
    assert!(matches!(e, EditError::UnknownLine { .. }), "{e}");
    assert_eq!(svc, before);
}

#[test]
fn every_invoice_mutation_bumps_its_revision() {
    let ed = Editor::new("billing", at(3, 9));
    let mut inv = Invoice::new("INV-7", "S-1", day(2025, 3, 3), usd("100"), None);
    assert_eq!(inv.revision(), 1);
    inv.edit(&EditBatch::new().add(screening_line()), &ed)
        .unwrap();
    assert_eq!((inv.revision(), inv.version()), (2, 2));
    inv.send().unwrap();
    assert_eq!(inv.revision(), 3);
    inv.record_payment(payment("P1", "40")).unwrap();
    assert_eq!(inv.revision(), 4);
    let before = inv.clone();
    assert!(
        inv.void().is_err(),
        "an invoice with payments is not voided"
    );
    assert_eq!(inv, before);
    inv.record_payment(payment("P2", "60")).unwrap();
    assert_eq!((inv.revision(), inv.state()), (5, InvoiceState::Paid));

    let mut draft = Invoice::new("INV-8", "S-2", day(2025, 3, 3), usd("100"), None);
    draft.void().unwrap();
    assert_eq!(draft.revision(), 2);
}

#[test]
fn every_encounter_step_bumps_the_encounter_revision() {
    let ed = Editor::new("front-desk", at(3, 9));
    // Paid in advance: review, confirm, complete, edit, send, pay.
    let mut enc = book(true);
    let (s, i) = (enc.session().revision(), enc.invoice().unwrap().revision());
    assert_eq!((s, i, enc.revision()), (1, 1, 2));
    let mut last = enc.revision();
    let mut step = |enc: &Encounter, what: &str| {
        assert!(
            enc.revision() > last,
            "{what}: {} after {last}",
            enc.revision()
        );
        last = enc.revision();
    };
    enc.review(
        &EditBatch::new().edit("L1", LineChanges::default().units(2)),
        &ed,
    )
    .unwrap();
    assert_eq!(
        (enc.session().revision(), enc.invoice().unwrap().revision()),
        (2, 2)
    );
    step(&enc, "review");
    enc.confirm(Some(payment("P1", "60"))).unwrap();
    step(&enc, "confirm");
    enc.complete(&EditBatch::new().add(screening_line()), &ed, None)
        .unwrap();
    step(&enc, "complete");
    enc.edit_invoice(
        &EditBatch::new().edit("L2", LineChanges::default().units(2)),
        &ed,
    )
    .unwrap();
    step(&enc, "edit_invoice");
    enc.send_invoice().unwrap();
    step(&enc, "send_invoice");
    let balance = enc.invoice().unwrap().balance().amount().to_string();
    enc.record_payment(payment("P2", &balance)).unwrap();
    step(&enc, "record_payment");

    // A normal booking: complete creates the invoice; void; cancel; no-show.
    let mut enc = book(false);
    assert_eq!(enc.revision(), 1);
    enc.complete(&EditBatch::new(), &ed, Some("INV-2")).unwrap();
    assert_eq!(
        (enc.session().revision(), enc.invoice().unwrap().revision()),
        (2, 1)
    );
    enc.void_invoice().unwrap();
    assert_eq!(enc.invoice().unwrap().revision(), 2);

    let mut enc = book(false);
    enc.no_show().unwrap();
    assert_eq!(enc.revision(), 2);
    let mut enc = book(true);
    enc.cancel().unwrap();
    assert_eq!(
        (enc.session().revision(), enc.invoice().unwrap().revision()),
        (2, 2),
        "the cancellation and the draft's void"
    );
}

#[test]
fn a_stale_expected_revision_is_refused_and_changes_nothing() {
    let ed = Editor::new("billing", at(3, 9));
    let mut enc = book(true);
    let loaded = enc.revision();
    // Someone else's step lands first.
    enc.review(&EditBatch::new().add(screening_line()), &ed)
        .unwrap();
    let before = enc.clone();
    let e = enc.expect_revision(Some(loaded)).unwrap_err();
    assert_eq!(e.expected, loaded);
    assert_eq!(e.current, enc.revision());
    assert_eq!(
        e.document,
        Revised::Encounter {
            session: DocumentRef {
                kind: DocumentKind::Session,
                id: "S-1".into()
            }
        }
    );
    let msg = e.to_string();
    assert!(
        msg.contains("session S-1") && msg.contains(&format!("revision {}", enc.revision())),
        "{msg}"
    );
    assert_eq!(enc, before);

    // Through `?`, as the error of each kind of call.
    fn confirm_at(enc: &mut Encounter, rev: u64) -> Result<InvoiceState, TransitionError> {
        enc.expect_revision(Some(rev))?
            .confirm(Some(Payment::new("P1", usd("1"), at(3, 12))))
    }
    let e = confirm_at(&mut enc, loaded).unwrap_err();
    assert!(matches!(e, TransitionError::Stale(_)), "{e}");
    assert_eq!(enc, before);
    let current = enc.revision();
    assert_eq!(confirm_at(&mut enc, current).unwrap(), InvoiceState::Sent);

    fn edit_at(svc: &mut Service, rev: u64, ed: &Editor<'_>) -> Result<EditOutcome, EditError> {
        svc.expect_revision(Some(rev))?
            .edit(&EditBatch::new().add(screening_line()), ed)
    }
    let mut svc = service(false);
    let rev = svc.revision();
    svc.set_price(usd("130"));
    let before = svc.clone();
    let e = edit_at(&mut svc, rev, &ed).unwrap_err();
    match &e {
        EditError::Stale(s) => {
            assert_eq!((s.expected, s.current), (rev, rev + 1));
            assert_eq!(s.document.to_string(), "service SVC-1");
        }
        other => panic!("expected Stale, got {other}"),
    }
    assert_eq!(svc, before);
    edit_at(&mut svc, rev + 1, &ed).unwrap();
    assert_eq!(svc.revision(), rev + 2);
    // No expectation: the call goes ahead.
    svc.expect_revision(None).unwrap().set_name("Other");
    assert_eq!(svc.revision(), rev + 3);

    // Invoices and sessions answer too.
    let mut inv = Invoice::new("INV-7", "S-1", day(2025, 3, 3), usd("100"), None);
    let e = inv.expect_revision(Some(2)).unwrap_err();
    assert_eq!(e.document.to_string(), "invoice INV-7");
    inv.expect_revision(Some(1)).unwrap().send().unwrap();
    let mut session = book(false).into_parts().0;
    assert!(session.expect_revision(Some(0)).is_err());
}

#[test]
fn revisions_round_trip_through_json_and_are_checked_when_read() {
    let ed = Editor::new("billing", at(3, 9));
    let mut enc = book(true);
    enc.review(&EditBatch::new().add(screening_line()), &ed)
        .unwrap();
    enc.confirm(None).unwrap();
    let text = json(&enc);
    let back = Encounter::from_json(&text).unwrap();
    assert_eq!(back, enc);
    assert_eq!(back.revision(), enc.revision());
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["session"]["revision"], 3);
    assert_eq!(v["invoice"]["revision"], 3);

    let svc = service(false);
    let doc = json(&Document::Service(svc.clone()));
    assert!(doc.contains(r#""revision":2"#), "{doc}");
    assert_eq!(Service::from_json(&doc).unwrap().revision(), 2);

    // Documents written before revisions existed read as revision 1.
    let old = procode::claim::EXAMPLE_INVOICE;
    assert!(!old.contains("revision"));
    assert_eq!(Invoice::from_json(old).unwrap().revision(), 1);
    // Revision 0 does not exist; a revision is a whole number.
    let zero = doc.replace(r#""revision":2"#, r#""revision":0"#);
    let e = Document::from_json(&zero).unwrap_err();
    assert!(
        matches!(&e, DocumentError::Inconsistent { problem, .. } if problem.contains("revision 0")),
        "{e}"
    );
    for bad in [r#""revision":-1"#, r#""revision":"2""#, r#""revision":1.5"#] {
        let e = Document::from_json(&doc.replace(r#""revision":2"#, bad)).unwrap_err();
        assert!(
            matches!(&e, DocumentError::Json(j) if j.path.as_deref() == Some("revision")),
            "{bad}: {e}"
        );
    }
    let inv_zero = old.replacen(r#""id": "INV-7","#, r#""id": "INV-7", "revision": 0,"#, 1);
    assert!(inv_zero.contains(r#""revision": 0"#), "{inv_zero}");
    assert!(matches!(
        Invoice::from_json(&inv_zero),
        Err(DocumentError::Inconsistent { .. })
    ));
}

/// One step of the model test.
#[derive(Debug, Clone)]
enum Step {
    Review(u8),
    Confirm(Option<u32>),
    Cancel,
    NoShow,
    Complete(u8),
    EditInvoice(u8),
    Send,
    Pay(u32),
    Void,
    /// The next step is made against a revision `n` behind the current one
    /// (0: the current revision).
    Stale(u8),
}

fn batch(k: u8) -> EditBatch {
    match k % 5 {
        0 => EditBatch::new().add(screening_line()),
        1 => EditBatch::new().edit("L1", LineChanges::default().units(u32::from(k % 3) + 1)),
        2 => EditBatch::new().remove("L2"),
        // A no-op: L1 keeps its units when they are 4.
        3 => EditBatch::new().edit("L1", LineChanges::default().units(4)),
        _ => EditBatch::new(),
    }
}

fn step_strategy() -> impl Strategy<Value = Step> {
    prop_oneof![
        any::<u8>().prop_map(Step::Review),
        proptest::option::of(1u32..300).prop_map(Step::Confirm),
        Just(Step::Cancel),
        Just(Step::NoShow),
        any::<u8>().prop_map(Step::Complete),
        any::<u8>().prop_map(Step::EditInvoice),
        Just(Step::Send),
        (1u32..300).prop_map(Step::Pay),
        Just(Step::Void),
        (0u8..3).prop_map(Step::Stale),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Over random sequences of steps (many refused): each document's
    /// revision changes exactly when the document does, and only upwards;
    /// the encounter's revision too; a stale step changes nothing.
    #[test]
    fn the_revision_changes_exactly_when_the_document_does(
        paid_in_advance in any::<bool>(),
        steps in proptest::collection::vec(step_strategy(), 1..25),
    ) {
        let ed = Editor::new("model", at(3, 9));
        let mut enc = book(paid_in_advance);
        let mut expected: Option<u64> = None;
        let mut payments = 0u32;
        for step in steps {
            if let Step::Stale(n) = step {
                expected = Some(enc.revision().saturating_sub(u64::from(n)));
                continue;
            }
            let before = enc.clone();
            let stale = expected.is_some_and(|e| e != enc.revision());
            let ok = match enc.expect_revision(expected.take()) {
                Err(e) => {
                    prop_assert!(stale, "refused at the current revision: {e}");
                    false
                }
                Ok(enc) => {
                    prop_assert!(!stale);
                    match step {
                        Step::Review(k) => enc.review(&batch(k), &ed).is_ok(),
                        Step::Confirm(p) => {
                            payments += 1;
                            enc.confirm(p.map(|a| payment(&format!("P{payments}"), &a.to_string()))).is_ok()
                        }
                        Step::Cancel => enc.cancel().is_ok(),
                        Step::NoShow => enc.no_show().is_ok(),
                        Step::Complete(k) => enc.complete(&batch(k), &ed, Some("INV-9")).is_ok(),
                        Step::EditInvoice(k) => enc.edit_invoice(&batch(k), &ed).is_ok(),
                        Step::Send => enc.send_invoice().is_ok(),
                        Step::Pay(a) => {
                            payments += 1;
                            enc.record_payment(payment(&format!("P{payments}"), &a.to_string())).is_ok()
                        }
                        Step::Void => enc.void_invoice().is_ok(),
                        Step::Stale(_) => unreachable!("handled above"),
                    }
                }
            };
            if !ok {
                prop_assert_eq!(&enc, &before, "a refused step changed the encounter");
            }
            // Each document: changed ⇔ its revision went up (by at least one).
            let (s0, s1) = (before.session(), enc.session());
            if s0 == s1 {
                prop_assert_eq!(s0.revision(), s1.revision());
            } else {
                prop_assert!(s1.revision() > s0.revision(), "{:?}: session changed at the same revision", step);
            }
            match (before.invoice(), enc.invoice()) {
                (Some(i0), Some(i1)) if i0 == i1 => prop_assert_eq!(i0.revision(), i1.revision()),
                (Some(i0), Some(i1)) => prop_assert!(i1.revision() > i0.revision(), "{:?}: invoice changed at the same revision", step),
                (None, Some(i1)) => prop_assert_eq!(i1.revision(), 1),
                (None, None) => {}
                (Some(_), None) => prop_assert!(false, "the invoice went away"),
            }
            if enc == before {
                prop_assert_eq!(enc.revision(), before.revision());
            } else {
                prop_assert!(enc.revision() > before.revision());
            }
            // And the revision survives JSON.
            let back = Encounter::from_json(&json(&enc)).unwrap();
            prop_assert_eq!(back.revision(), enc.revision());
        }
    }
}
