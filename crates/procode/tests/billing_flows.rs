//! The five billing flows of SPEC §2, walked end to end on real HCPCS,
//! modifier, place-of-service and ICD-10-CM codes. After every refusal the
//! documents are compared with their state before: nothing may change.

use crate::billing_common;

use billing_common::{
    aetna_schedule, at, catalog, counseling_line, day, entry, json, screening_line, set_units,
    updated, usd,
};
use procode::billing::*;
use procode::CodeSystem;

fn fee_schedules() -> Vec<FeeSchedule> {
    let csv = "code,modifiers,rate,effective,terminated\n\
               H0004,HO,30.125,2025-01-01,\n\
               H0004,,28.00,2025-01-01,\n\
               G0444,,21.50,,\n";
    vec![aetna_schedule(csv)]
}

/// A service set up from the catalog, paid in advance or not.
fn service(paid_in_advance: bool) -> Service {
    let mut svc = Service::new("SVC-1", "Counseling, 60 minutes", usd("120"))
        .with_paid_in_advance(paid_in_advance);
    let ed = Editor::new("admin", at(1, 8));
    svc.edit(&EditBatch::new().add(counseling_line()), &ed)
        .unwrap();
    svc
}

fn request(paid_in_advance: bool) -> BookingRequest {
    let r = BookingRequest::new("S-1", "C-9", day(2025, 3, 3)).with_payer("AETNA");
    if paid_in_advance {
        r.with_invoice_id("INV-7")
    } else {
        r
    }
}

/// Asserts that `f` fails and leaves the encounter exactly as it was.
fn refused<T: std::fmt::Debug, E: std::fmt::Debug>(
    enc: &mut Encounter,
    f: impl FnOnce(&mut Encounter) -> Result<T, E>,
) -> E {
    let before = enc.clone();
    let before_json = json(enc);
    let err = f(enc).expect_err("the step must be refused");
    assert_eq!(*enc, before, "refused step changed the encounter: {err:?}");
    assert_eq!(json(enc), before_json);
    err
}

#[test]
fn flow1_service_setup_from_the_catalog() {
    let ed = Editor::new("admin", at(1, 8));
    let mut svc = Service::new("SVC-1", "Counseling", usd("120"));
    let h0004 = entry(CodeSystem::Hcpcs, "H0004");

    // Picking from the catalog fills both descriptions.
    let out = svc
        .edit(&EditBatch::new().add(counseling_line()), &ed)
        .unwrap();
    assert_eq!(out.changed_lines, ["L1"]);
    let l1 = &svc.lines()[0];
    assert_eq!(l1.provenance, Provenance::Catalog);
    assert_eq!(
        l1.official_description.as_deref(),
        Some(h0004.description.as_str())
    );
    assert_eq!(l1.description, h0004.description);
    assert_eq!(l1.rate.as_ref().unwrap().source, RateSource::ServicePrice);

    // The shown description is editable; the official one is kept.
    svc.edit(
        &EditBatch::new().edit(
            "L1",
            LineChanges::default().description("Counseling (15 min)"),
        ),
        &ed,
    )
    .unwrap();
    assert_eq!(svc.lines()[0].description, "Counseling (15 min)");
    assert_eq!(
        svc.lines()[0].official_description.as_deref(),
        Some(h0004.description.as_str())
    );

    // A manual line, then a catalog code replacing it.
    let manual = CodeLine::manual(CodeSystem::Hcpcs, "g0444", "Screening").unwrap();
    svc.edit(&EditBatch::new().add(manual), &ed).unwrap();
    assert_eq!(svc.lines()[1].id, "L2");
    assert_eq!(svc.lines()[1].provenance, Provenance::Manual);
    svc.edit(
        &EditBatch::new().edit(
            "L2",
            LineChanges::default().code(CodeChange::from_entry(&entry(CodeSystem::Hcpcs, "G0438"))),
        ),
        &ed,
    )
    .unwrap();
    assert_eq!(svc.lines()[1].code.as_str(), "G0438");
    assert_eq!(svc.lines()[1].provenance, Provenance::Catalog);
    assert_eq!(
        svc.lines()[1].description,
        entry(CodeSystem::Hcpcs, "G0438").description
    );

    // Refusals leave the service unchanged: zero units, five modifiers,
    // unknown line, duplicate id, and a batch whose last op is bad.
    let bad_batches = [
        EditBatch::new().edit("L1", LineChanges::default().units(0)),
        EditBatch::new().remove("L9"),
        EditBatch::new().add(screening_line().with_id("L1")),
        EditBatch::new()
            .add(screening_line())
            .remove("L2")
            .edit("L2", LineChanges::default().units(2)),
    ];
    for batch in &bad_batches {
        let before = svc.clone();
        let err = svc.edit(batch, &ed).unwrap_err();
        assert_eq!(svc, before, "{err}");
    }
    assert!(matches!(
        svc.edit(&bad_batches[0], &ed),
        Err(EditError::InvalidLine {
            source: LineError::ZeroUnits,
            ..
        })
    ));
    let mut five = counseling_line();
    five.modifiers = ["HO", "GT", "GQ", "HE", "U1"]
        .iter()
        .map(|m| m.parse().unwrap())
        .collect();
    let before = svc.clone();
    assert!(matches!(
        svc.edit(&EditBatch::new().add(five), &ed),
        Err(EditError::InvalidLine {
            source: LineError::TooManyModifiers { count: 5, .. },
            ..
        })
    ));
    assert_eq!(svc, before);
    assert!(counseling_line()
        .with_modifiers(["HO", "GT", "GQ", "HE", "U1"])
        .is_err());

    // Remove, and the id is not reused.
    svc.edit(&EditBatch::new().remove("L2"), &ed).unwrap();
    svc.edit(&EditBatch::new().add(screening_line()), &ed)
        .unwrap();
    assert_eq!(svc.lines()[1].id, "L3");

    // Every change is in the audit log, in order, with context and actor.
    let actions: Vec<_> = svc
        .audit()
        .iter()
        .map(|e| (e.action, e.line_id.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            (EditAction::Add, "L1"),
            (EditAction::Edit, "L1"),
            (EditAction::Add, "L2"),
            (EditAction::Edit, "L2"),
            (EditAction::Remove, "L2"),
            (EditAction::Add, "L3"),
        ]
    );
    let e = &svc.audit().entries()[1];
    assert_eq!(
        (e.context, e.actor.as_str(), e.at),
        (EditContext::Service, "admin", at(1, 8))
    );
    assert_eq!(e.before.as_ref().unwrap().description, h0004.description);
    assert_eq!(e.after.as_ref().unwrap().description, "Counseling (15 min)");
    assert!(svc.audit().entries()[4].after.is_none());
}

#[test]
fn flow2_paid_in_advance_booking_review_confirm_and_lock() {
    let schedules = fee_schedules();
    let pricing = Pricing::new(&schedules);
    let ed = Editor::new("front-desk", at(2, 9)).with_pricing(pricing);
    let svc = service(true);

    // Booking without an invoice id is refused.
    assert!(matches!(
        Encounter::book(&svc, request(false), pricing),
        Err(TransitionError::BadBooking { .. })
    ));
    let mut enc = Encounter::book(&svc, request(true), pricing).unwrap();
    assert_eq!(enc.session().state(), SessionState::PendingConfirmation);
    let inv = enc.invoice().unwrap();
    assert_eq!(inv.state(), InvoiceState::Draft);
    assert_eq!(inv.lines().len(), 1);
    assert_eq!(inv.lines()[0].date_of_service, Some(day(2025, 3, 3)));
    // Payer schedule, code + modifier: 30.125 × 4 = 120.50.
    assert_eq!(
        inv.lines()[0].rate.as_ref().unwrap().source,
        RateSource::PayerSchedule {
            schedule_id: "AETNA-2025".into(),
            entry: "H0004:HO".into()
        }
    );
    assert_eq!(inv.total(), usd("120.50"));
    assert_eq!(enc.session().lines(), inv.lines());

    // Review: add a screening, telehealth modifier on the counseling line.
    let out = enc
        .review(
            &EditBatch::new().add(screening_line()).edit(
                "L1",
                LineChanges::default().modifiers(["HO", "GT"]).unwrap(),
            ),
            &ed,
        )
        .unwrap();
    assert_eq!(out.changed_lines, ["L2", "L1"]);
    assert!(!out.must_resend);
    let inv = enc.invoice().unwrap();
    assert_eq!(enc.session().lines(), inv.lines());
    // H0004 with HO+GT has no entry: falls back to the code alone (28.00).
    assert_eq!(
        inv.lines()[0].rate.as_ref().unwrap().source,
        RateSource::PayerSchedule {
            schedule_id: "AETNA-2025".into(),
            entry: "H0004".into()
        }
    );
    assert_eq!(inv.total(), usd("133.50")); // 4 × 28.00 + 21.50
    assert_eq!(enc.session().audit().len(), 2);
    assert_eq!(inv.audit().len(), 2);
    assert!(inv
        .audit()
        .iter()
        .all(|e| e.context == EditContext::BookingReview));

    // A refused review changes neither document.
    refused(&mut enc, |e| {
        e.review(&EditBatch::new().add(screening_line()).remove("L9"), &ed)
    });

    // Overpaying at confirmation refuses the whole confirmation.
    refused(&mut enc, |e| {
        e.confirm(Some(Payment::new("P1", usd("200"), at(2, 10))))
    });
    // Confirming with full payment: session booked, invoice paid.
    let state = enc
        .confirm(Some(Payment::new("P1", usd("133.50"), at(2, 10))))
        .unwrap();
    assert_eq!(state, InvoiceState::Paid);
    assert_eq!(enc.session().state(), SessionState::Booked);
    assert_eq!(enc.invoice().unwrap().balance(), usd("0"));

    // No more review, no more confirmation, no invoice edit of a paid invoice.
    let err = refused(&mut enc, |e| e.review(&EditBatch::new().remove("L2"), &ed));
    assert!(matches!(
        err,
        EditError::NotAllowed {
            context: EditContext::BookingReview,
            state: DocumentState::Session {
                state: SessionState::Booked
            },
            ..
        }
    ));
    refused(&mut enc, |e| e.confirm(None));
    let err = refused(&mut enc, |e| {
        e.edit_invoice(&EditBatch::new().add(screening_line()), &ed)
    });
    assert_eq!(
        err.to_string(),
        "cannot add a code to invoice INV-7 in invoice_edit: invoice is paid"
    );
    for batch in [
        EditBatch::new().edit("L1", LineChanges::default().units(1)),
        EditBatch::new().remove("L1"),
    ] {
        refused(&mut enc, |e| e.edit_invoice(&batch, &ed));
    }
    refused(&mut enc, |e| e.void_invoice());
    refused(&mut enc, |e| e.send_invoice());
}

#[test]
fn flow2_confirm_without_payment_then_partial_and_full_payments() {
    let svc = service(true);
    let mut enc = Encounter::book(&svc, request(true), Pricing::none()).unwrap();
    assert_eq!(enc.invoice().unwrap().total(), usd("480.00")); // service price × 4 units
    assert_eq!(enc.confirm(None).unwrap(), InvoiceState::Sent);
    assert_eq!(enc.session().state(), SessionState::Booked);

    assert_eq!(
        enc.record_payment(Payment::new("P1", usd("100"), at(3, 9)))
            .unwrap(),
        InvoiceState::Sent
    );
    assert_eq!(enc.invoice().unwrap().balance(), usd("380.00"));
    let err = refused(&mut enc, |e| {
        e.record_payment(Payment::new("P2", usd("380.01"), at(3, 9)))
    });
    assert!(matches!(err, TransitionError::Overpayment { .. }), "{err}");
    refused(&mut enc, |e| {
        e.record_payment(Payment::new("P1", usd("1"), at(3, 9)))
    });
    refused(&mut enc, |e| {
        e.record_payment(Payment::new("P3", usd("0"), at(3, 9)))
    });
    refused(&mut enc, |e| {
        e.record_payment(Payment::new(
            "P3",
            Money::parse("1", "EUR").unwrap(),
            at(3, 9),
        ))
    });
    refused(&mut enc, |e| e.void_invoice()); // it has a payment
    assert_eq!(
        enc.record_payment(Payment::new("P2", usd("380"), at(3, 9)))
            .unwrap(),
        InvoiceState::Paid
    );
    refused(&mut enc, |e| {
        e.record_payment(Payment::new("P4", usd("1"), at(3, 9)))
    });
}

#[test]
fn flow2_cancel_before_confirmation_voids_the_draft() {
    let ed = Editor::new("front-desk", at(2, 9));
    let svc = service(true);
    let mut enc = Encounter::book(&svc, request(true), Pricing::none()).unwrap();
    enc.cancel().unwrap();
    assert_eq!(enc.session().state(), SessionState::Cancelled);
    assert_eq!(enc.invoice().unwrap().state(), InvoiceState::Void);

    // Nothing changes a cancelled session or a void invoice.
    refused(&mut enc, |e| {
        e.review(&EditBatch::new().add(screening_line()), &ed)
    });
    refused(&mut enc, |e| e.review(&EditBatch::new(), &ed));
    refused(&mut enc, |e| {
        e.complete(&EditBatch::new().add(screening_line()), &ed, None)
    });
    refused(&mut enc, |e| e.complete(&EditBatch::new(), &ed, None));
    refused(&mut enc, |e| {
        e.edit_invoice(&EditBatch::new().remove("L1"), &ed)
    });
    refused(&mut enc, |e| e.confirm(None));
    refused(&mut enc, |e| e.cancel());
    refused(&mut enc, |e| e.no_show());
    refused(&mut enc, |e| e.send_invoice());
}

#[test]
fn flow3_normal_booking_has_the_service_codes_and_no_review() {
    let ed = Editor::new("front-desk", at(2, 9));
    let svc = service(false);
    let mut enc = Encounter::book(&svc, request(false), Pricing::none()).unwrap();
    assert_eq!(enc.session().state(), SessionState::Booked);
    assert!(enc.invoice().is_none());
    assert_eq!(enc.session().lines().len(), 1);
    assert_eq!(enc.session().lines()[0].code.as_str(), "H0004");
    assert_eq!(
        enc.session().lines()[0].description,
        svc.lines()[0].description
    );

    let err = refused(&mut enc, |e| {
        e.review(&EditBatch::new().add(screening_line()), &ed)
    });
    assert_eq!(
        err.to_string(),
        "cannot add a code to session S-1 in booking_review: session is booked"
    );
    refused(&mut enc, |e| e.review(&EditBatch::new(), &ed));
    refused(&mut enc, |e| e.confirm(None));
    refused(&mut enc, |e| e.edit_invoice(&EditBatch::new(), &ed));

    // No-show is final.
    let mut ns = enc.clone();
    ns.no_show().unwrap();
    assert_eq!(ns.session().state(), SessionState::NoShow);
    refused(&mut ns, |e| {
        e.complete(&EditBatch::new(), &ed, Some("INV-1"))
    });
}

#[test]
fn flow4_completion_creates_a_draft_invoice_from_the_codes() {
    let ed = Editor::new("dr.lee", at(3, 11));
    let svc = service(false);
    let mut enc = Encounter::book(&svc, request(false), Pricing::none()).unwrap();

    // An invoice id is needed; the failed attempt changes nothing.
    refused(&mut enc, |e| e.complete(&EditBatch::new(), &ed, None));

    let batch = EditBatch::new()
        .edit(
            "L1",
            LineChanges::default()
                .units(3)
                .place_of_service("10")
                .unwrap(),
        )
        .add(screening_line());
    let done = enc.complete(&batch, &ed, Some("INV-9")).unwrap();
    assert_eq!(done.session_changes, ["L1", "L2"]);
    assert_eq!(
        done.invoice,
        InvoiceUpdate::Created {
            invoice_id: "INV-9".into()
        }
    );
    assert!(done.differences.is_empty());
    assert_eq!(enc.session().state(), SessionState::Completed);
    assert_eq!(enc.session().invoice_id(), Some("INV-9"));
    let inv = enc.invoice().unwrap();
    assert_eq!(inv.state(), InvoiceState::Draft);
    assert_eq!(inv.lines(), enc.session().lines());
    assert_eq!(inv.total(), usd("480.00")); // 3 × 120 + 1 × 120
    let audit = enc.session().audit();
    assert_eq!(audit.len(), 2);
    assert!(audit
        .iter()
        .all(|e| e.context == EditContext::SessionCompletion && e.actor == "dr.lee"));

    // Completed sessions are locked outside invoice editing.
    refused(&mut enc, |e| {
        e.complete(&EditBatch::new().remove("L1"), &ed, None)
    });
    refused(&mut enc, |e| e.complete(&EditBatch::new(), &ed, None));
    refused(&mut enc, |e| e.cancel());
    // Invoice editing in billing still works on the draft, session untouched.
    let session_before = enc.session().clone();
    enc.edit_invoice(&EditBatch::new().remove("L2"), &ed)
        .unwrap();
    assert_eq!(*enc.session(), session_before);
    assert_eq!(enc.invoice().unwrap().lines().len(), 1);
}

#[test]
fn flow4_completion_updates_an_existing_draft_in_the_same_step() {
    let ed = Editor::new("dr.lee", at(3, 11));
    let svc = service(false);
    let enc = Encounter::book(&svc, request(false), Pricing::none()).unwrap();
    let (session, _) = enc.into_parts();
    let draft = Invoice::new("INV-3", "S-1", session.date(), session.price(), None);
    let wrong = Invoice::new("INV-3", "S-2", session.date(), session.price(), None);
    assert!(Encounter::from_parts(session.clone(), Some(wrong)).is_err());
    let mut enc = Encounter::from_parts(session, Some(draft)).unwrap();

    let done = enc.complete(&set_units("L1", 2), &ed, None).unwrap();
    assert_eq!(done.invoice, updated(&["L1"], false));
    let inv = enc.invoice().unwrap();
    assert_eq!(inv.lines(), enc.session().lines());
    assert_eq!(inv.lines()[0].units, 2);
    assert_eq!(
        inv.audit().entries()[0].context,
        EditContext::SessionCompletion
    );
}

#[test]
fn flow4_completion_updates_a_sent_invoice_which_must_be_resent() {
    let ed = Editor::new("dr.lee", at(3, 11));
    let svc = service(true);
    let mut enc = Encounter::book(&svc, request(true), Pricing::none()).unwrap();
    enc.confirm(None).unwrap();
    enc.record_payment(Payment::new("P1", usd("200"), at(3, 9)))
        .unwrap();
    assert_eq!(enc.invoice().unwrap().version(), 1);

    // Dropping the total below the 200.00 paid is refused, atomically.
    let err = refused(&mut enc, |e| e.complete(&set_units("L1", 1), &ed, None));
    assert!(
        matches!(err, TransitionError::Edit(EditError::BelowPaid { .. })),
        "{err}"
    );

    let done = enc
        .complete(&EditBatch::new().add(screening_line()), &ed, None)
        .unwrap();
    assert_eq!(done.invoice, updated(&["L2"], true));
    let inv = enc.invoice().unwrap();
    assert_eq!(inv.state(), InvoiceState::Sent);
    assert!(inv.needs_resend());
    assert_eq!(inv.version(), 2);
    assert_eq!(inv.total(), usd("600.00"));
    assert_eq!(inv.balance(), usd("400.00"));
    assert_eq!(enc.send_invoice().unwrap(), 2);
    assert!(!enc.invoice().unwrap().needs_resend());
    refused(&mut enc, |e| e.send_invoice()); // nothing new to send
}

#[test]
fn flow4_completion_with_a_paid_invoice_changes_the_session_only() {
    let ed = Editor::new("dr.lee", at(3, 11));
    let svc = service(true);
    let mut enc = Encounter::book(&svc, request(true), Pricing::none()).unwrap();
    enc.confirm(Some(Payment::new("P1", usd("480"), at(2, 10))))
        .unwrap();
    let invoice_before = enc.invoice().unwrap().clone();

    let batch = EditBatch::new()
        .edit(
            "L1",
            LineChanges::default()
                .units(5)
                .modifiers(["HO", "GT"])
                .unwrap(),
        )
        .add(screening_line());
    let done = enc.complete(&batch, &ed, None).unwrap();
    assert_eq!(
        done.invoice,
        InvoiceUpdate::Unchanged {
            state: InvoiceState::Paid
        }
    );
    assert_eq!(*enc.invoice().unwrap(), invoice_before);
    assert_eq!(enc.session().state(), SessionState::Completed);
    let ids: Vec<_> = done
        .differences
        .iter()
        .map(|d| d.line_id.as_str())
        .collect();
    assert_eq!(ids, ["L1", "L2"]);
    assert_eq!(done.differences[0].session.as_ref().unwrap().units, 5);
    assert_eq!(done.differences[0].invoice.as_ref().unwrap().units, 4);
    assert!(done.differences[1].invoice.is_none());
}

#[test]
fn flow5_invoice_editing_per_the_policy() {
    let schedules = fee_schedules();
    let ed = Editor::new("billing", at(4, 14)).with_pricing(Pricing::new(&schedules));
    let svc = service(false);
    let mut enc = Encounter::book(&svc, request(false), Pricing::new(&schedules)).unwrap();
    enc.complete(&EditBatch::new(), &ed, Some("INV-7")).unwrap();
    let (_, inv) = enc.into_parts();
    let mut inv = inv.unwrap();

    // Draft: edit freely, no resend.
    let out = inv
        .edit(&EditBatch::new().add(screening_line()), &ed)
        .unwrap();
    assert!(!out.must_resend);
    assert_eq!(inv.total(), usd("142.00")); // 30.125 × 4 = 120.50, + 21.50

    // Override a rate; amounts round half away from zero.
    inv.edit(
        &EditBatch::new().edit(
            "L2",
            LineChanges::default().rate_override("21.125".parse().unwrap()),
        ),
        &ed,
    )
    .unwrap();
    assert_eq!(
        inv.lines()[1].rate.as_ref().unwrap().source,
        RateSource::Override
    );
    assert_eq!(inv.total(), usd("141.63")); // 120.50 + 21.13

    // Sent: edits allowed, the client must get the new version.
    inv.send().unwrap();
    inv.record_payment(Payment::new("P1", usd("120.50"), at(4, 15)))
        .unwrap();
    let out = inv
        .edit(
            &EditBatch::new().edit("L2", LineChanges::default().units(2)),
            &ed,
        )
        .unwrap();
    assert!(out.must_resend);
    assert!(inv.needs_resend());

    // Below what was paid: refused, unchanged.
    let before = inv.clone();
    let err = inv.edit(&EditBatch::new().remove("L1"), &ed).unwrap_err();
    assert!(matches!(err, EditError::BelowPaid { .. }), "{err}");
    assert_eq!(inv, before);

    // A host tightens the policy: sent invoices become read-only.
    let mut strict = EditPolicy::default();
    strict.forbid(EditContext::InvoiceEdit, InvoiceState::Sent.into());
    let strict_ed = Editor::new("billing", at(4, 16)).with_policy(&strict);
    let err = inv
        .edit(
            &EditBatch::new().edit("L2", LineChanges::default().units(1)),
            &strict_ed,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot edit a code on invoice INV-7 in invoice_edit: invoice is sent"
    );
    assert_eq!(inv, before);
    // The same policy loaded from JSON.
    let loaded = EditPolicy::from_json(&strict.to_json()).unwrap();
    assert_eq!(loaded, strict);

    // Void: locked.
    let mut draft = Invoice::new("INV-8", "S-2", day(2025, 3, 4), usd("50"), None);
    draft
        .edit(&EditBatch::new().add(screening_line()), &ed)
        .unwrap();
    draft.void().unwrap();
    let before = draft.clone();
    for batch in [
        EditBatch::new().add(counseling_line()),
        EditBatch::new().edit("L1", LineChanges::default().units(2)),
        EditBatch::new().remove("L1"),
    ] {
        assert!(matches!(
            draft.edit(&batch, &ed),
            Err(EditError::NotAllowed { .. })
        ));
        assert_eq!(draft, before);
    }
    assert!(draft.void().is_err());
    assert_eq!(draft, before);
    assert!(catalog().len() > 100_000);
}
