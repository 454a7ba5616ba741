"""The seed's story through the Python API: a counseling service with codes
from the catalog, a paid-in-advance booking, review, confirmation with
payment, completion, invoice edits, payments and refusals."""

import datetime as dt
from decimal import Decimal

import pytest

import procode

DOS = dt.date(2025, 3, 3)


@pytest.fixture
def service(catalog, at) -> procode.Service:
    svc = procode.Service("SVC-1", "Counseling, 60 minutes", Decimal("120.00"), paid_in_advance=True)
    h0004 = catalog.lookup("H0004", system="hcpcs")
    line = procode.CodeLine.from_entry(
        h0004,
        description="Counseling, per 15 minutes",
        units=4,
        modifiers=["HO"],
        diagnoses=["F41.1"],
        place_of_service="11",
    )
    out = svc.edit(procode.EditBatch().add(line), actor="admin", at=at)
    assert out.changed_lines == ["L1"]
    assert out.document_kind == "service" and out.document_id == "SVC-1"
    return svc


def test_service_setup_from_catalog(service, catalog):
    [line] = service.lines
    h0004 = catalog.lookup("H0004")
    assert line.id == "L1"
    assert line.code == "H0004" and line.system == "hcpcs"
    assert line.provenance == "catalog"
    assert line.official_description == h0004.description
    assert line.description == "Counseling, per 15 minutes"
    assert line.units == 4
    assert line.modifiers == ["HO"]
    assert line.diagnoses == ["F41.1"]
    assert line.place_of_service == "11"
    assert service.price == Decimal("120.00")
    assert isinstance(service.price, Decimal)
    assert service.diagnoses == ["F41.1"]
    [entry] = service.audit
    assert entry.context == "service" and entry.action == "add"
    assert entry.actor == "admin" and entry.before is None and entry.after == line
    assert procode.readiness(service, catalog) == []


def test_manual_line_is_unknown_to_readiness(catalog, at):
    svc = procode.Service("SVC-2", "Visit", Decimal("80"))
    svc.edit(procode.EditBatch().add(procode.CodeLine("G0438", "hcpcs", "AWV")), actor="me", at=at)
    svc2 = procode.Service("SVC-3", "Visit", Decimal("80"))
    svc2.edit(procode.EditBatch().add(procode.CodeLine("K9999", "hcpcs", "made up")), actor="me", at=at)
    codes = [p.code for p in procode.readiness(svc2, catalog)]
    assert codes == ["UNKNOWN_CODE", "MISSING_DIAGNOSIS", "INVALID_PLACE_OF_SERVICE"]
    problems = procode.readiness(svc, catalog)
    assert [p.code for p in problems] == ["MISSING_DIAGNOSIS", "INVALID_PLACE_OF_SERVICE"]
    assert problems[0].line_id == "L1"
    assert problems[0].message
    assert "MISSING_DIAGNOSIS" in str(problems[0])


def test_readiness_of_header_diagnosis(catalog, at):
    svc = procode.Service("SVC-4", "Visit", Decimal("80"))
    line = procode.CodeLine.from_entry(catalog["H0004"], diagnoses=["F41"], place_of_service="11")
    svc.edit(procode.EditBatch().add(line), actor="me", at=at)
    assert [p.code for p in procode.readiness(svc, catalog)] == ["DIAGNOSIS_NOT_BILLABLE"]


def test_paid_in_advance_story(service, catalog, at):
    enc = procode.Encounter.book(
        service, session_id="S-1", client_id="C-9", date=DOS, invoice_id="INV-7", payer_id="AETNA"
    )
    assert enc.session.state == "pending_confirmation"
    assert enc.invoice.state == "draft"
    assert enc.session.lines[0].date_of_service == DOS
    # Service price is the rate of last resort: 120.00 per unit x 4 units.
    assert enc.invoice.lines[0].rate == Decimal("120.00")
    assert enc.invoice.lines[0].rate_source == {"kind": "service_price"}

    # Review: the rate is overridden and a diagnosis line is added.
    out = enc.review(
        procode.EditBatch().edit("L1", units=2, rate=Decimal("30.125")),
        actor="front-desk",
        at=at,
    )
    assert out.document_kind == "invoice" and out.changed_lines == ["L1"]
    assert enc.invoice.total == Decimal("60.25")
    assert enc.session.lines[0].units == 2
    assert enc.session.audit[0].context == "booking_review"

    # Confirm with full payment.
    pay = procode.Payment("P1", Decimal("60.25"), at)
    assert enc.confirm(pay) == "paid"
    assert enc.session.state == "booked"
    inv = enc.invoice
    assert inv.state == "paid" and inv.balance == Decimal("0.00") and inv.paid == Decimal("60.25")
    assert inv.payments == [pay]
    assert procode.readiness(inv, catalog) == []

    # Completion after payment: the session changes, the invoice does not.
    done = enc.complete(procode.EditBatch().edit("L1", units=3), actor="dr.lee", at=at)
    assert enc.session.state == "completed"
    assert done.session_changes == ["L1"]
    assert done.invoice == {"kind": "unchanged", "state": "paid"}
    [diff] = done.differences
    assert diff.line_id == "L1" and diff.session.units == 3 and diff.invoice.units == 2
    assert enc.invoice.lines[0].units == 2

    # A paid invoice refuses every edit and stays byte-for-byte the same.
    before = enc.to_json()
    invoice_before = enc.invoice
    for batch in (
        procode.EditBatch().add(procode.CodeLine.from_entry(catalog["G0438"])),
        procode.EditBatch().edit("L1", units=1),
        procode.EditBatch().remove("L1"),
    ):
        with pytest.raises(procode.EditNotAllowed, match="invoice INV-7 in invoice_edit: invoice is paid"):
            enc.edit_invoice(batch, actor="billing", at=at)
    assert enc.to_json() == before
    assert enc.invoice == invoice_before
    with pytest.raises(procode.InvalidTransition):
        enc.void_invoice()
    assert enc.to_json() == before


def test_normal_booking_complete_edit_invoice_and_pay(catalog, at):
    svc = procode.Service("SVC-9", "Wellness visit", Decimal("150"))
    awv = procode.CodeLine.from_entry(
        catalog["G0438"], diagnoses=["Z00.00"], place_of_service="11"
    )
    svc.edit(procode.EditBatch().add(awv), actor="admin", at=at)
    enc = procode.Encounter.book(svc, session_id="S-2", client_id="C-1", date=DOS)
    assert enc.session.state == "booked" and enc.invoice is None

    # Booking review exists only for paid-in-advance bookings.
    with pytest.raises(procode.EditNotAllowed, match="booking_review"):
        enc.review(procode.EditBatch().edit("L1", units=2), actor="x", at=at)

    with pytest.raises(procode.InvalidTransition, match="give the invoice id"):
        enc.complete(actor="dr", at=at)
    gad = catalog.lookup("F41.1")
    screen = procode.CodeLine.from_entry(
        catalog["G0444"], diagnoses=[gad.display_code], place_of_service="11", rate=Decimal("25")
    )
    done = enc.complete(procode.EditBatch().add(screen), actor="dr", at=at, invoice_id="INV-2")
    assert done.invoice == {"kind": "created", "invoice_id": "INV-2"}
    assert done.session_changes == ["L2"]
    inv = enc.invoice
    assert inv.state == "draft" and [l.id for l in inv.lines] == ["L1", "L2"]
    assert inv.total == Decimal("175.00")
    assert inv.diagnoses == ["Z00.00", "F41.1"]

    # Invoice edit of a draft, then send, then edit of a sent invoice.
    enc.edit_invoice(procode.EditBatch().edit("L2", description="Depression screen"), actor="b", at=at)
    assert enc.send_invoice() == 2
    out = enc.edit_invoice(procode.EditBatch().edit("L2", rate=Decimal("20")), actor="b", at=at)
    assert out.must_resend and enc.invoice.needs_resend
    assert enc.invoice.total == Decimal("170.00")
    assert enc.send_invoice() == 3

    # Partial payment leaves it sent; an edit may not go below what was paid.
    assert enc.record_payment(procode.Payment("P1", Decimal("100"), at)) == "sent"
    assert enc.invoice.balance == Decimal("70.00")
    with pytest.raises(procode.BelowPaid):
        enc.edit_invoice(procode.EditBatch().remove("L1"), actor="b", at=at)
    with pytest.raises(procode.InvalidTransition, match="exceeds the balance"):
        enc.record_payment(procode.Payment("P2", Decimal("70.01"), at))
    assert enc.record_payment(procode.Payment("P2", 70, at)) == "paid"

    # Audit: every change with its context.
    contexts = [(a.context, a.action, a.line_id) for a in enc.invoice.audit]
    assert ("invoice_edit", "edit", "L2") in contexts
    assert all(a.at == at for a in enc.invoice.audit)


def test_cancel_before_confirmation_voids_the_draft(service):
    enc = procode.Encounter.book(service, session_id="S-3", client_id="C", date=DOS, invoice_id="I-3")
    enc.cancel()
    assert enc.session.state == "cancelled" and enc.invoice.state == "void"
    with pytest.raises(procode.InvalidTransition, match="cannot confirm session S-3"):
        enc.confirm()


def test_no_show(service):
    enc = procode.Encounter.book(service, session_id="S-4", client_id="C", date=DOS, invoice_id="I-4")
    with pytest.raises(procode.InvalidTransition):
        enc.no_show()
    assert enc.confirm() == "sent"
    enc.no_show()
    assert enc.session.state == "no_show"


def test_fee_schedules_resolve_rates(service, at, tmp_path):
    default = procode.FeeSchedule("STD")
    default.add("H0004", Decimal("30.00"))
    aetna = procode.FeeSchedule("AETNA-2025", payer_id="AETNA")
    aetna.add("H0004", Decimal("32.50"), modifiers=["HO"], effective=dt.date(2025, 1, 1))
    assert len(aetna) == 1
    enc = procode.Encounter.book(
        service, session_id="S", client_id="C", date=DOS, invoice_id="I", payer_id="AETNA",
        pricing=[aetna, default],
    )
    line = enc.invoice.lines[0]
    assert line.rate == Decimal("32.50")
    assert line.rate_source == {"kind": "payer_schedule", "schedule_id": "AETNA-2025", "entry": "H0004:HO"}
    assert line.amount() == Decimal("130.00")
    other = procode.Encounter.book(
        service, session_id="S", client_id="C", date=DOS, invoice_id="I", pricing=[aetna, default]
    )
    assert other.invoice.lines[0].rate_source["kind"] == "default_schedule"

    csv = tmp_path / "fees.csv"
    csv.write_text("code,modifiers,rate,effective,terminated\nH0004,,30.00,2025-01-01,\n")
    loaded = procode.FeeSchedule.from_path(csv, id="STD")
    assert len(loaded) == 1 and loaded.payer_id is None
    assert procode.FeeSchedule.from_json(loaded.to_json()) == loaded
    with pytest.raises(procode.RateError, match="overlaps"):
        loaded.add("H0004", Decimal("31"))


def test_policy_is_data(service, at):
    policy = procode.EditPolicy().forbid("invoice_edit", "invoice", "sent")
    assert not policy.allows("invoice_edit", "invoice", "sent", "edit")
    assert policy.allows("invoice_edit", "invoice", "draft", "edit")
    assert procode.EditPolicy.from_json(policy.to_json()) == policy
    enc = procode.Encounter.book(service, session_id="S", client_id="C", date=DOS, invoice_id="I")
    enc.confirm()
    before = enc.to_json()
    with pytest.raises(procode.EditNotAllowed, match="invoice is sent"):
        enc.edit_invoice(procode.EditBatch().edit("L1", units=1), actor="b", at=at, policy=policy)
    assert enc.to_json() == before
    enc.edit_invoice(procode.EditBatch().edit("L1", units=1), actor="b", at=at)
    with pytest.raises(procode.PolicyError):
        procode.EditPolicy.from_json('{"rules": "nope"}')


def test_batch_is_atomic(service, at):
    batch = procode.EditBatch().edit("L1", units=2).remove("L7")
    assert len(batch) == 2
    before = service.to_json()
    with pytest.raises(procode.UnknownLine, match="L7"):
        service.edit(batch, actor="a", at=at)
    assert service.to_json() == before


def test_edit_code_with_entry_or_manual(service, catalog, at):
    service.edit(procode.EditBatch().edit("L1", code=catalog["H0005"]), actor="a", at=at)
    assert service.lines[0].code == "H0005"
    assert service.lines[0].provenance == "catalog"
    assert service.lines[0].description == catalog["H0005"].description
    service.edit(procode.EditBatch().edit("L1", code="G0444", system="hcpcs"), actor="a", at=at)
    assert service.lines[0].provenance == "manual"


def test_json_round_trips_are_lossless(service, at):
    enc = procode.Encounter.book(service, session_id="S-1", client_id="C-9", date=DOS, invoice_id="INV-7")
    enc.review(procode.EditBatch().edit("L1", units=3), actor="fd", at=at)
    enc.confirm(procode.Payment("P1", Decimal("20"), at))
    for doc in (service, enc.session, enc.invoice):
        cls = type(doc)
        assert cls.from_json(doc.to_json()) == doc
        assert cls.from_dict(doc.to_dict()) == doc
        assert procode.document_from_json(doc.to_json()) == doc
        assert procode.document_from_dict(doc.to_dict()) == doc
    assert service.to_dict()["kind"] == "service"
    d = enc.invoice.to_dict()
    assert d["kind"] == "invoice" and d["total"] == {"amount": "360.00", "currency": "USD"}
    assert d["payments"][0]["amount"] == {"amount": "20.00", "currency": "USD"}
    assert procode.Encounter.from_json(enc.to_json()) == enc
    assert procode.Encounter.from_dict(enc.to_dict()) == enc
    again = procode.Encounter.from_parts(enc.session, enc.invoice)
    assert again == enc
    line = service.lines[0]
    assert procode.CodeLine.from_dict(line.to_dict()) == line
    batch = procode.EditBatch().edit("L1", units=2, rate="resolve").remove("L2")
    assert procode.EditBatch.from_json(batch.to_json()) == batch


def test_session_json_is_the_core_json(service):
    enc = procode.Encounter.book(service, session_id="S-1", client_id="C-9", date=DOS, invoice_id="INV-7")
    d = enc.session.to_dict()
    assert d["kind"] == "session" and d["state"] == "pending_confirmation"
    assert d["date"] == "2025-03-03" and d["price"] == {"amount": "120.00", "currency": "USD"}
    assert d["lines"][0]["diagnoses"] == ["F411"]


def test_reprs(service, at):
    enc = procode.Encounter.book(service, session_id="S-1", client_id="C-9", date=DOS, invoice_id="INV-7")
    assert repr(enc) == "<Encounter session S-1 pending_confirmation invoice INV-7 draft>"
    assert repr(service.lines[0]).startswith("<CodeLine L1 hcpcs H0004 x4")
    assert repr(service).startswith("<Service SVC-1")
    assert "draft" in repr(enc.invoice)
