"""The exception hierarchy, every refusal, and money/date types at the
boundary."""

import datetime as dt
from decimal import Decimal

import pytest

import procode

DOS = dt.date(2025, 3, 3)


def test_hierarchy():
    for cls in (
        procode.InvalidCode,
        procode.UnknownCode,
        procode.CatalogError,
        procode.SourceError,
        procode.InvalidMoney,
        procode.InvalidLine,
        procode.EditError,
        procode.InvalidTransition,
        procode.RateError,
        procode.PolicyError,
        procode.DocumentError,
    ):
        assert issubclass(cls, procode.ProcodeError)
    for cls in (procode.EditNotAllowed, procode.UnknownLine, procode.DuplicateLineId, procode.BelowPaid):
        assert issubclass(cls, procode.EditError)
    assert issubclass(procode.InvalidCode, ValueError)
    assert issubclass(procode.InvalidMoney, ValueError)
    assert issubclass(procode.UnknownCode, KeyError)
    assert issubclass(procode.UnknownLine, KeyError)
    assert procode.EditNotAllowed.__module__ == "procode._native"


def test_invalid_codes_and_systems(catalog):
    with pytest.raises(procode.InvalidCode, match="invalid character"):
        catalog.lookup("G04#")
    with pytest.raises(ValueError, match="unknown code system"):
        catalog.search("x", system="loinc")
    with pytest.raises(procode.InvalidCode, match="empty code"):
        catalog.lookup(" . ")
    with pytest.raises(procode.InvalidCode, match="not a valid hcpcs code"):
        procode.CodeLine("99213", "hcpcs", "x")
    with pytest.raises(procode.InvalidCode, match="invalid place_of_service"):
        procode.CodeLine("G0438", "hcpcs", "x", place_of_service="1A")
    assert catalog.lookup("G0438", system="HCPCS") is not None


def test_unknown_code_is_a_key_error(catalog):
    with pytest.raises(procode.UnknownCode, match="K9999"):
        catalog["K9999"]
    with pytest.raises(KeyError):
        catalog["K9999"]


def test_dates_must_be_dates(catalog):
    with pytest.raises(TypeError, match="datetime.date"):
        catalog.lookup("G0438", as_of="2025-01-01")
    with pytest.raises(TypeError, match="not datetime"):
        catalog.search("G04", as_of=dt.datetime(2025, 1, 1))
    with pytest.raises(TypeError):
        procode.Encounter.book(procode.Service("S", "n", 1), session_id="s", client_id="c", date="2025-03-03")


def test_times_must_be_aware(at):
    svc = procode.Service("S", "n", Decimal("1"))
    batch = procode.EditBatch().add(procode.CodeLine("G0438", "hcpcs", "x"))
    with pytest.raises(TypeError, match="timezone-aware"):
        svc.edit(batch, actor="a", at=dt.datetime(2025, 1, 1))
    with pytest.raises(TypeError):
        svc.edit(batch, actor="a", at=dt.date(2025, 1, 1))
    other = dt.datetime(2025, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    svc.edit(batch, actor="a", at=other)
    assert svc.audit[0].at == other
    assert svc.audit[0].at.utcoffset() == dt.timedelta(0)


def test_money_is_decimal_and_float_is_refused(at):
    with pytest.raises(TypeError, match="float"):
        procode.Service("S", "n", 120.0)
    with pytest.raises(TypeError):
        procode.Service("S", "n", "120")
    with pytest.raises(TypeError):
        procode.Service("S", "n", True)
    with pytest.raises(TypeError, match="float"):
        procode.Payment("P", 1.5, at)
    with pytest.raises(TypeError, match="float"):
        procode.CodeLine("G0438", "hcpcs", "x", rate=30.0)
    with pytest.raises(TypeError, match="float"):
        procode.EditBatch().edit("L1", rate=1.0)
    fees = procode.FeeSchedule("F")
    with pytest.raises(TypeError, match="float"):
        fees.add("H0004", 30.5)
    svc = procode.Service("S", "n", Decimal("1e2"))
    assert svc.price == Decimal("100.00") and isinstance(svc.price, Decimal)
    with pytest.raises(TypeError, match="float"):
        svc.price = 99.5
    svc.price = 99
    assert svc.price == Decimal("99.00")
    assert procode.Service("S", "n", Decimal("120.005")).price == Decimal("120.01")


def test_invalid_money():
    with pytest.raises(procode.InvalidMoney, match="negative"):
        procode.Service("S", "n", Decimal("-1"))
    with pytest.raises(procode.InvalidMoney, match="unknown currency"):
        procode.Service("S", "n", Decimal("1"), currency="XXX")
    with pytest.raises(procode.InvalidMoney):
        procode.Service("S", "n", Decimal("NaN"))
    with pytest.raises(procode.InvalidMoney, match="too large"):
        procode.Service("S", "n", Decimal("1e20"))
    assert procode.Service("S", "n", Decimal("5"), currency="jpy").price == Decimal("5")


def test_invalid_lines():
    with pytest.raises(procode.InvalidLine, match="units must be greater than zero"):
        procode.CodeLine("G0438", "hcpcs", "x", units=0)
    with pytest.raises(procode.InvalidLine, match="at most 4"):
        procode.CodeLine("G0438", "hcpcs", "x", modifiers=["GT", "95", "HO", "25", "59"])
    # Out-of-range integers are InvalidLine naming the field, never a bare
    # OverflowError (issue 12, item 6).
    for units in (-1, 2**32, 2**40, 2**200):
        with pytest.raises(procode.InvalidLine, match=r"units: .* is out of range: give a whole number from 1 to 4294967295"):
            procode.CodeLine("G0438", "hcpcs", "x", units=units)
        with pytest.raises(procode.InvalidLine, match="units"):
            procode.EditBatch().edit("L1", units=units)
    with pytest.raises(TypeError, match="units must be an int, not str"):
        procode.CodeLine("G0438", "hcpcs", "x", units="3")
    assert procode.CodeLine("G0438", "hcpcs", "x", units=2**32 - 1).units == 2**32 - 1


def _booked(at):
    svc = procode.Service("SVC", "Counseling", Decimal("100"), paid_in_advance=True)
    svc.edit(procode.EditBatch().add(procode.CodeLine("H0004", "hcpcs", "c")), actor="a", at=at)
    return svc


def test_every_refusal_leaves_the_documents_unchanged(at):
    svc = _booked(at)
    with pytest.raises(procode.InvalidTransition, match="needs an invoice id"):
        procode.Encounter.book(svc, session_id="S", client_id="C", date=DOS)
    enc = procode.Encounter.book(svc, session_id="S", client_id="C", date=DOS, invoice_id="I")

    def refused(exc, fn, match=None):
        before = enc.to_json()
        with pytest.raises(exc, match=match):
            fn()
        assert enc.to_json() == before

    refused(procode.UnknownLine, lambda: enc.review(procode.EditBatch().remove("L9"), actor="a", at=at))
    refused(
        procode.DuplicateLineId,
        lambda: enc.review(
            procode.EditBatch().add(procode.CodeLine("G0438", "hcpcs", "x", id="L1")), actor="a", at=at
        ),
    )
    refused(procode.InvalidLine, lambda: enc.review(procode.EditBatch().edit("L1", units=0), actor="a", at=at))
    refused(procode.InvalidTransition, lambda: enc.complete(actor="a", at=at), "cannot complete session S")
    refused(procode.InvalidTransition, lambda: enc.record_payment(procode.Payment("P", 1, at)), "invoice is draft")
    refused(procode.InvalidTransition, lambda: enc.confirm(procode.Payment("P", 0, at)), "greater than zero")
    refused(procode.InvalidTransition, lambda: enc.confirm(procode.Payment("P", 101, at)), "exceeds the balance")
    refused(
        procode.InvalidTransition,
        lambda: enc.confirm(procode.Payment("P", 1, at, currency="EUR")),
        "is in USD; the payment is in EUR",
    )
    assert enc.confirm(procode.Payment("P1", 40, at)) == "sent"
    refused(procode.InvalidTransition, lambda: enc.record_payment(procode.Payment("P1", 1, at)), "already has payment")
    refused(procode.InvalidTransition, lambda: enc.void_invoice(), "has been paid")
    refused(procode.EditNotAllowed, lambda: enc.review(procode.EditBatch().edit("L1", units=2), actor="a", at=at))
    refused(procode.BelowPaid, lambda: enc.edit_invoice(procode.EditBatch().edit("L1", rate=Decimal("10")), actor="a", at=at))

    normal = procode.Encounter.book(procode.Service("N", "n", Decimal("1")), session_id="S2", client_id="C", date=DOS)
    with pytest.raises(procode.InvalidTransition, match="has no invoice"):
        normal.send_invoice()
    with pytest.raises(procode.InvalidTransition, match="belongs to session"):
        procode.Encounter.from_parts(normal.session, enc.invoice)


def test_bad_json_is_a_document_error():
    with pytest.raises(procode.DocumentError, match="invalid service: EOF while parsing"):
        procode.Service.from_json("{")
    with pytest.raises(procode.DocumentError, match="expected a session document, got a service"):
        procode.Session.from_json(procode.Service("S", "n", 1).to_json())
    with pytest.raises(procode.DocumentError):
        procode.Invoice.from_dict({"kind": "invoice", "price": 1.5})
    with pytest.raises(ValueError):
        procode.document_from_json('{"kind": "receipt"}')


def test_catalog_errors(tmp_path):
    with pytest.raises(procode.CatalogError, match="cannot access index file"):
        procode.Catalog.open(tmp_path / "missing.idx")
    bad = tmp_path / "bad.idx"
    bad.write_bytes(b"not an index at all" * 10)
    with pytest.raises(procode.CatalogError, match="not a procode index"):
        procode.Catalog.open(bad)
    with pytest.raises(ValueError, match="verify"):
        procode.Catalog.open(bad, verify="maybe")
    with pytest.raises(procode.CatalogError, match="duplicate"):
        procode.Catalog.build(entries=[procode.Entry("X1", "custom", "a"), procode.Entry("X1", "custom", "b")])


def test_source_errors(tmp_path):
    with pytest.raises(procode.SourceError, match="cannot read"):
        procode.Catalog.build(data_dir=tmp_path, include=["hcpcs"])
    with pytest.raises(procode.InvalidCode, match="unknown data file"):
        procode.Catalog.build(data_dir=tmp_path, include=["loinc"])
    f = tmp_path / "cpt.csv"
    f.write_text("code,description\n99213,\n")
    with pytest.raises(procode.SourceError, match="cpt.csv:2"):
        procode.Catalog.build(mapped=[procode.MappedSource(f, system="cpt")])
    with pytest.raises(ValueError, match="exactly one of"):
        procode.MappedSource(f)


def test_policy_errors():
    with pytest.raises(ValueError, match="invalid edit context"):
        procode.EditPolicy().forbid("billing", "invoice", "sent")
    with pytest.raises(ValueError, match="invalid document state"):
        procode.EditPolicy().forbid("invoice_edit", "invoice", "lost")
