"""Revisions (issue 19): `doc.revision` on every document, bumped by every
mutation; `expected_revision=` on every mutating call, refused with
`procode.StaleDocument` (document unchanged) when the document moved on."""

import datetime as dt
import pickle
from decimal import Decimal
from typing import Any, Callable

import pytest

import procode

DOS = dt.date(2025, 3, 3)


def counseling(catalog: procode.Catalog) -> procode.CodeLine:
    return procode.CodeLine.from_entry(
        catalog.lookup("H0004", system="hcpcs"), units=4, diagnoses=["F41.1"], place_of_service="11"
    )


def screening(catalog: procode.Catalog) -> procode.CodeLine:
    return procode.CodeLine.from_entry(
        catalog.lookup("G0444", system="hcpcs"), diagnoses=["F32.9"], place_of_service="11"
    )


def book(catalog: procode.Catalog, at: dt.datetime, paid_in_advance: bool) -> procode.Encounter:
    svc = procode.Service("SVC-1", "Counseling", Decimal("120"), paid_in_advance=paid_in_advance)
    svc.edit(procode.EditBatch().add(counseling(catalog)), actor="admin", at=at)
    return procode.Encounter.book(
        svc,
        session_id="S-1",
        client_id="C-9",
        date=DOS,
        invoice_id="INV-1" if paid_in_advance else None,
    )


def test_service_revision_counts_every_change(catalog, at):
    svc = procode.Service("SVC-1", "Visit", Decimal("80"))
    assert svc.revision == 1
    svc.edit(procode.EditBatch().add(counseling(catalog)), actor="admin", at=at, expected_revision=1)
    assert svc.revision == 2
    svc.name = "Visit, 30 minutes"
    assert svc.revision == 3
    svc.update(price=Decimal("90"), expected_revision=3)
    assert (svc.revision, svc.price) == (4, Decimal("90"))
    svc.update(name="Visit, 30 minutes", price=Decimal("90"))
    assert svc.revision == 4, "no change, no new revision"
    assert procode.Service.from_json(svc.to_json()).revision == 4
    assert svc.to_dict()["revision"] == 4


def test_stale_service_edit_raises_and_changes_nothing(catalog, at):
    svc = procode.Service("SVC-1", "Visit", Decimal("80"))
    svc.edit(procode.EditBatch().add(counseling(catalog)), actor="admin", at=at)
    before = svc.to_json()
    with pytest.raises(procode.StaleDocument) as e:
        svc.edit(procode.EditBatch().add(screening(catalog)), actor="b", at=at, expected_revision=1)
    assert (e.value.document, e.value.expected, e.value.current) == ("service SVC-1", 1, 2)
    assert "revision 2, not the expected 1" in str(e.value)
    assert isinstance(e.value, procode.ProcodeError)
    assert svc.to_json() == before
    with pytest.raises(procode.StaleDocument):
        svc.update(name="Other", expected_revision=1)
    assert svc.to_json() == before
    # Instances cross process pools with their fields.
    back = pickle.loads(pickle.dumps(e.value))
    assert type(back) is procode.StaleDocument
    assert (back.document, back.expected, back.current) == ("service SVC-1", 1, 2)


@pytest.mark.parametrize("bad", [-1, True, "2", 1.5, 2**64])
def test_a_bad_expected_revision_is_invalid_argument(catalog, at, bad: Any):
    svc = procode.Service("SVC-1", "Visit", Decimal("80"))
    with pytest.raises(procode.InvalidArgument, match="expected_revision"):
        svc.edit(procode.EditBatch(), actor="a", at=at, expected_revision=bad)
    enc = book(catalog, at, paid_in_advance=False)
    with pytest.raises(procode.InvalidArgument, match="expected_revision"):
        enc.no_show(expected_revision=bad)
    assert enc.session.state == "booked"


def test_every_encounter_step_bumps_the_revision(catalog, at):
    enc = book(catalog, at, paid_in_advance=True)
    assert (enc.session.revision, enc.invoice.revision, enc.revision) == (1, 1, 2)
    steps: list[Callable[[int], Any]] = [
        lambda r: enc.review(
            procode.EditBatch().edit("L1", units=2), actor="fd", at=at, expected_revision=r
        ),
        lambda r: enc.confirm(
            procode.Payment("P1", Decimal("60"), at), expected_revision=r
        ),
        lambda r: enc.complete(
            procode.EditBatch().add(screening(catalog)), actor="dr", at=at, expected_revision=r
        ),
        lambda r: enc.edit_invoice(
            procode.EditBatch().edit("L2", units=2), actor="billing", at=at, expected_revision=r
        ),
        lambda r: enc.send_invoice(expected_revision=r),
        lambda r: enc.record_payment(
            procode.Payment("P2", enc.invoice.balance, at), expected_revision=r
        ),
    ]
    for step in steps:
        loaded = enc.revision
        step(loaded)
        assert enc.revision > loaded
        # The same step against the revision it was loaded at is now stale.
        before = enc.to_json()
        with pytest.raises(procode.StaleDocument) as e:
            step(loaded)
        assert e.value.document == "the encounter of session S-1"
        assert (e.value.expected, e.value.current) == (loaded, enc.revision)
        assert enc.to_json() == before
    assert enc.invoice.state == "paid"
    back = procode.Encounter.from_json(enc.to_json())
    assert back.revision == enc.revision
    assert back.session.revision == enc.session.revision
    assert back.invoice.revision == enc.invoice.revision


@pytest.mark.parametrize("step", ["cancel", "no_show", "void"])
def test_transitions_take_expected_revision(catalog, at, step: str):
    enc = book(catalog, at, paid_in_advance=False)
    if step == "void":
        enc.complete(actor="dr", at=at, invoice_id="INV-2")
    loaded = enc.revision
    call: Callable[..., Any] = {
        "cancel": enc.cancel,
        "no_show": enc.no_show,
        "void": enc.void_invoice,
    }[step]
    before = enc.to_json()
    with pytest.raises(procode.StaleDocument):
        call(expected_revision=loaded + 1)
    assert enc.to_json() == before
    call(expected_revision=loaded)
    assert enc.revision == loaded + 1


def test_refused_step_keeps_the_revision(catalog, at):
    enc = book(catalog, at, paid_in_advance=False)
    loaded = enc.revision
    with pytest.raises(procode.InvalidTransition):
        enc.confirm(expected_revision=loaded)
    assert enc.revision == loaded
    # A document of revision 0 does not load.
    d = enc.session.to_dict()
    d["revision"] = 0
    with pytest.raises(procode.InconsistentDocument, match="revision 0"):
        procode.Session.from_dict(d)
