"""Regressions of issue 12 ("never a panic, never a silent accept") on the
Python surface; each test names its item."""

from __future__ import annotations

import copy
import datetime as dt
import json
import pickle
import subprocess
import sys
import textwrap
from decimal import Decimal
from typing import Any

import pytest

import procode
from conftest import CLAIM_CONTEXT

DOS = "2025-03-03"

LINE: dict[str, Any] = {
    "id": "L1",
    "system": "hcpcs",
    "code": "H0004",
    "provenance": "catalog",
    "description": "Counseling",
    "units": 4,
    "modifiers": ["HO"],
    "diagnoses": ["F411"],
    "place_of_service": "11",
    "date_of_service": DOS,
    "rate": {"per_unit": "30", "source": {"kind": "override"}},
}

INVOICE: dict[str, Any] = {
    "kind": "invoice",
    "id": "INV-7",
    "session_id": "S-1",
    "date": DOS,
    "state": "sent",
    "price": {"amount": "150.00", "currency": "USD"},
    "payer_id": "60054",
    "lines": [LINE],
    "next_line": 2,
    "payments": [],
    "version": 1,
    "sent_version": 1,
    "audit": [],
}

SERVICE: dict[str, Any] = {
    "kind": "service",
    "id": "SVC-1",
    "name": "Counseling",
    "price": {"amount": "120.00", "currency": "USD"},
    "paid_in_advance": False,
    "insurance_billable": True,
    "lines": [LINE],
    "next_line": 2,
}


def with_changes(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    d = copy.deepcopy(doc)
    d.update(changes)
    return d


# ---------------------------------------------------------------- item 1, 2


def test_item1_claims_of_incomplete_documents_raise_claim_not_ready(catalog):
    service = procode.Service.from_dict(SERVICE)
    problems = procode.claim_problems(service, CLAIM_CONTEXT, catalog=catalog)
    assert "NOT_BILLABLE" in [p.code for p in problems]
    for fmt in ("x12", "fhir", "cms1500"):
        with pytest.raises(procode.ClaimNotReady) as e:
            procode.export_claim(service, CLAIM_CONTEXT, fmt, catalog=catalog)
        assert "NOT_BILLABLE" in e.value.codes

    line = dict(LINE)
    del line["place_of_service"]
    inv = procode.Invoice.from_dict(with_changes(INVOICE, lines=[line]))
    assert [p.code for p in procode.readiness(inv, catalog)] == ["INVALID_PLACE_OF_SERVICE"]
    # An ordinary `except Exception` catches the refusal (a panic would not).
    try:
        procode.export_claim(inv, CLAIM_CONTEXT, catalog=catalog)
    except Exception as e:  # noqa: BLE001 - the point of the test
        assert isinstance(e, procode.ClaimNotReady)
        assert [c for c in e.codes if c != "CODE_SET_NOT_CURRENT"] == ["INVALID_PLACE_OF_SERVICE"]
        assert e.problems[0].line_id == "L1"
    else:
        pytest.fail("exported an invoice line without a place of service")


def test_item2_the_library_writes_nothing_to_the_hosts_stderr():
    script = textwrap.dedent(
        f"""
        import procode
        ctx = {CLAIM_CONTEXT!r}
        svc = procode.Service.from_dict({SERVICE!r})
        line = {LINE!r}
        del line["place_of_service"]
        inv = dict({INVOICE!r}, lines=[line])
        inv = procode.Invoice.from_dict(inv)
        cat = procode.Catalog.embedded()
        for doc in (svc, inv):
            procode.claim_problems(doc, ctx, catalog=cat)
            for fmt in ("x12", "fhir", "cms1500"):
                try:
                    procode.export_claim(doc, ctx, fmt, catalog=cat)
                except procode.ClaimNotReady:
                    pass
        print("done")
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "done"
    assert out.stderr == ""


# ---------------------------------------------------------------- item 3


def test_item3_unknown_fields_are_refused_naming_the_field():
    with pytest.raises(procode.DocumentError, match=r"at paid_in_advence: unknown field `paid_in_advence`"):
        procode.Service.from_dict(with_changes(SERVICE, paid_in_advence=True))
    with pytest.raises(procode.DocumentError, match=r"at payer_idd: unknown field"):
        procode.Invoice.from_dict(with_changes(INVOICE, payer_idd="X"))
    line = dict(LINE, modifier=["HO"])
    with pytest.raises(procode.DocumentError, match=r"lines\[0\]\.modifier: unknown field `modifier`"):
        procode.document_from_dict(with_changes(INVOICE, lines=[line]))
    with pytest.raises(procode.DocumentError, match="unknown field `unit`"):
        procode.EditBatch.from_dict({"ops": [{"op": "edit", "line_id": "L1", "changes": {"unit": 3}}]})
    with pytest.raises(procode.DocumentError, match="modifier"):
        procode.CodeLine.from_dict(dict(LINE, modifier=["HO"]))
    with pytest.raises(procode.RateError, match="unknown field `rat`"):
        procode.FeeSchedule.from_dict({"id": "S", "currency": "USD", "entries": [{"code": "H0004", "rat": "1"}]})
    with pytest.raises(procode.PolicyError, match="unknown field"):
        procode.EditPolicy.from_dict({"rules": [], "loosen": True})
    with pytest.raises(procode.InvalidClaimContext, match=r"subscriber\.adress: unknown field"):
        procode.claim_problems(
            procode.Invoice.from_dict(INVOICE),
            dict(CLAIM_CONTEXT, subscriber=dict(CLAIM_CONTEXT["subscriber"], adress={})),
        )


def test_item3_an_edit_that_changes_nothing_changes_nothing(at):
    svc = procode.Service("SVC", "Counseling", Decimal("100"), paid_in_advance=True)
    svc.edit(procode.EditBatch().add(procode.CodeLine("H0004", "hcpcs", "c", units=2)), actor="a", at=at)
    enc = procode.Encounter.book(svc, session_id="S", client_id="C", date=dt.date(2025, 3, 3), invoice_id="I")
    enc.confirm()
    before = enc.to_json()
    for batch in (
        procode.EditBatch().edit("L1"),
        procode.EditBatch().edit("L1", units=2),
        procode.EditBatch().edit("L1", description="c"),
    ):
        out = enc.edit_invoice(batch, actor="billing", at=at)
        assert out.changed_lines == [] and out.must_resend is False
        assert enc.to_json() == before
    inv = enc.invoice
    assert inv is not None and inv.version == 1 and inv.audit == [] and not inv.needs_resend


# ---------------------------------------------------------------- item 4


def test_item4_impossible_documents_do_not_load():
    with pytest.raises(procode.InconsistentDocument, match="paid but has no payments"):
        procode.Invoice.from_dict(with_changes(INVOICE, state="paid"))
    assert issubclass(procode.InconsistentDocument, procode.DocumentError)
    payment = {"id": "P1", "amount": {"amount": "500", "currency": "USD"}, "received_at": "2025-03-03T10:00:00Z"}
    with pytest.raises(procode.InconsistentDocument, match="exceed its total"):
        procode.document_from_dict(with_changes(INVOICE, payments=[payment]))
    # An encounter whose invoice belongs to another session.
    svc = procode.Service("SVC", "Counseling", Decimal("100"), paid_in_advance=True)
    enc = procode.Encounter.book(svc, session_id="S", client_id="C", date=dt.date(2025, 3, 3), invoice_id="I")
    data = enc.to_dict()
    data["invoice"]["session_id"] = "S-9"
    with pytest.raises(procode.InconsistentDocument, match="belongs to session S-9"):
        procode.Encounter.from_dict(data)
    data = enc.to_dict()
    data["invoice"] = None
    with pytest.raises(procode.InconsistentDocument, match="names invoice"):
        procode.Encounter.from_dict(data)


# ---------------------------------------------------------------- item 5, 6


def test_item5_amounts_beyond_the_maximum_are_refused_at_the_edit(at):
    inv = procode.Invoice("INV-1", "S-1", dt.date(2025, 3, 3), Decimal("100"))
    svc = procode.Service("SVC", "Counseling", Decimal("100"))
    line = procode.CodeLine("H0004", "hcpcs", "c", units=4_000_000_000, rate=Decimal("999999"))
    with pytest.raises(procode.AmountTooLarge, match="above the largest amount procode bills"):
        svc.edit(procode.EditBatch().add(line), actor="a", at=at)
    assert svc.lines == []
    assert issubclass(procode.AmountTooLarge, procode.EditError)
    assert inv.total == Decimal("0.00")


def test_item6_out_of_range_integers_name_their_field(catalog):
    for units in (-1, 2**40):
        with pytest.raises(procode.InvalidLine, match="units: .* is out of range"):
            procode.CodeLine("H0004", "hcpcs", "c", units=units)
    with pytest.raises(procode.InvalidArgument, match="limit: -1 is out of range"):
        catalog.search("G04", limit=-1)
    with pytest.raises(procode.InvalidArgument, match="limit"):
        catalog.search("G04", limit=2**70)
    assert len(catalog.search("G04", limit=2)) == 2
    with pytest.raises(procode.InvalidArgument, match="code: column index -1 is out of range"):
        procode.MappedSource("x.csv", system="cpt", code=-1)
    for cls in (procode.InvalidLine, procode.InvalidArgument):
        assert issubclass(cls, procode.ProcodeError) and issubclass(cls, ValueError)


# ---------------------------------------------------------------- item 7, 8


def test_item7_completion_edits_the_invoice_lines_in_place(at):
    svc = procode.Service("SVC", "Counseling", Decimal("90"), paid_in_advance=True)
    svc.edit(
        procode.EditBatch().add(procode.CodeLine("H0004", "hcpcs", "Counseling", units=2, diagnoses=["F41.1"])),
        actor="admin",
        at=at,
    )
    enc = procode.Encounter.book(svc, session_id="S", client_id="C", date=dt.date(2025, 3, 3), invoice_id="I")
    assert enc.confirm() == "sent"
    enc.edit_invoice(
        procode.EditBatch().edit("L1", rate=Decimal("25.00"), description="Sliding scale"), actor="billing", at=at
    )
    assert enc.invoice is not None and enc.invoice.total == Decimal("50.00")
    done = enc.complete(procode.EditBatch().edit("L1", units=3), actor="dr.lee", at=at)
    assert done.invoice == {"kind": "updated", "changed_lines": ["L1"], "must_resend": True}
    inv = enc.invoice
    assert inv is not None
    [line] = inv.lines
    assert (line.units, line.rate, line.description) == (3, Decimal("25.00"), "Sliding scale")
    assert inv.total == Decimal("75.00")
    last = inv.audit[-1]
    assert (last.context, last.action, last.actor) == ("session_completion", "edit", "dr.lee")


def test_item8_a_rate_never_falls_to_a_lesser_source(at):
    svc = procode.Service("SVC", "Counseling", Decimal("160"))
    svc.edit(procode.EditBatch().add(procode.CodeLine("H0004", "hcpcs", "c", units=4)), actor="a", at=at)
    aetna = procode.FeeSchedule("AETNA-2025", payer_id="AETNA")
    aetna.add("H0004", Decimal("31.00"))
    aetna.add("H0004", Decimal("34.00"), modifiers=["HO"])
    enc = procode.Encounter.book(
        svc, session_id="S", client_id="C", date=dt.date(2025, 3, 3), payer_id="AETNA", pricing=[aetna]
    )
    batch = procode.EditBatch().edit("L1", modifiers=["HO"])
    before = enc.to_json()
    with pytest.raises(procode.ScheduleMissing, match="AETNA-2025"):
        enc.complete(batch, actor="dr.lee", at=at, invoice_id="I")
    assert enc.to_json() == before
    enc.complete(batch, actor="dr.lee", at=at, invoice_id="I", pricing=[aetna])
    assert enc.invoice is not None and enc.invoice.total == Decimal("136.00")


# ---------------------------------------------------------------- item 11


ERROR_CLASSES = [
    "ProcodeError",
    "InvalidCode",
    "UnknownCode",
    "CatalogError",
    "SourceError",
    "InvalidMoney",
    "InvalidLine",
    "InvalidArgument",
    "EditError",
    "EditNotAllowed",
    "UnknownLine",
    "DuplicateLineId",
    "BelowPaid",
    "AmountTooLarge",
    "ScheduleMissing",
    "InvalidTransition",
    "RateError",
    "PolicyError",
    "DocumentError",
    "InconsistentDocument",
    "ClaimError",
    "ClaimNotReady",
    "InvalidClaimContext",
]


@pytest.mark.parametrize("name", ERROR_CLASSES)
def test_item11_every_exception_class_has_its_name_and_pickles(name):
    cls = getattr(procode, name)
    assert cls.__name__ == name and cls.__qualname__ == name
    assert cls.__module__ == "procode._native"
    assert issubclass(cls, procode.ProcodeError)
    e = cls("a message")
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is cls and back.args == e.args


def test_item11_raised_errors_pickle_with_their_details(catalog):
    with pytest.raises(procode.UnknownLine) as edit:
        procode.Invoice.from_dict(INVOICE).to_dict()
        svc = procode.Service.from_dict(SERVICE)
        svc.edit(procode.EditBatch().remove("L9"), actor="a", at=dt.datetime(2025, 3, 3, tzinfo=dt.timezone.utc))
    back = pickle.loads(pickle.dumps(edit.value))
    assert type(back) is procode.UnknownLine and str(back) == str(edit.value)
    line = dict(LINE)
    del line["place_of_service"]
    inv = procode.Invoice.from_dict(with_changes(INVOICE, lines=[line]))
    with pytest.raises(procode.ClaimNotReady) as e:
        procode.export_claim(inv, CLAIM_CONTEXT, catalog=catalog)
    back = pickle.loads(pickle.dumps(e.value))
    assert type(back) is procode.ClaimNotReady
    assert back.codes == e.value.codes and back.problems == e.value.problems
    assert str(back) == str(e.value)
    p = e.value.problems[0]
    assert pickle.loads(pickle.dumps(p)) == p
    assert procode.Problem(**p.to_dict()) == p


# ---------------------------------------------------------------- item 12


def test_item12_messages_speak_python(catalog):
    with pytest.raises(procode.InvalidArgument, match=r'code="ZZZ99" is typed by hand: give its system too'):
        procode.EditBatch().edit("L1", code="ZZZ99")
    with pytest.raises(ValueError):
        procode.EditBatch().edit("L1", code="ZZZ99")
    with pytest.raises(TypeError, match=r"diagnoses must be a list of ICD-10-CM codes such as \[\"F41.1\"\], not str"):
        procode.EditBatch().edit("L1", diagnoses="F41.1")
    with pytest.raises(TypeError, match="modifiers must be a list of modifier codes"):
        procode.CodeLine("H0004", "hcpcs", "c", modifiers="HO")
    with pytest.raises(TypeError, match=r"diagnoses must be a list of ICD-10-CM codes such as \[\"F41.1\"\]: found a int"):
        procode.CodeLine("H0004", "hcpcs", "c", diagnoses=[411])
    assert procode.CodeLine("H0004", "hcpcs", "c", diagnoses=("F41.1",)).diagnoses == ["F41.1"]
    with pytest.raises(TypeError, match="include must be a list of data file names"):
        procode.Catalog.build(data_dir=".", include="hcpcs")
    inv = procode.Invoice.from_dict(INVOICE)
    with pytest.raises(procode.InvalidClaimContext) as e:
        procode.export_claim(inv, {}, catalog=catalog)
    assert str(e.value) == "invalid claim context: missing field `submitter`"
    bad = copy.deepcopy(CLAIM_CONTEXT)
    del bad["billing_provider"]["npi"]
    with pytest.raises(procode.InvalidClaimContext, match="billing_provider: missing field `npi`"):
        procode.claim_problems(inv, bad, catalog=catalog)
    # A JSON string still gives the line and column of a syntax error.
    with pytest.raises(procode.InvalidClaimContext, match="line 1 column"):
        procode.claim_problems(inv, json.dumps(CLAIM_CONTEXT)[:-1], catalog=catalog)
