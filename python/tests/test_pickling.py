"""Every value object pickles and copies; a Catalog is plainly not iterable."""

import copy
import datetime as dt
import pickle
from decimal import Decimal

import pytest

import procode


def _roundtrips(obj):
    for clone in (
        pickle.loads(pickle.dumps(obj)),
        pickle.loads(pickle.dumps(obj, protocol=2)),
        copy.copy(obj),
        copy.deepcopy(obj),
    ):
        assert type(clone) is type(obj)
        assert clone == obj
        assert clone is not obj


def test_entries_pickle_with_every_field(catalog):
    for code in ("G0438", "F41.9", "J1885", "GT", "11"):
        entry = catalog.lookup(code)
        if entry is None:
            continue
        _roundtrips(entry)
        clone = pickle.loads(pickle.dumps(entry))
        assert (clone.code, clone.system, clone.description, clone.short_description) == (
            entry.code,
            entry.system,
            entry.description,
            entry.short_description,
        )
        assert (clone.effective, clone.terminated, clone.billable) == (
            entry.effective,
            entry.terminated,
            entry.billable,
        )
    header = catalog.lookup("F41")
    assert header is not None and not header.billable
    assert pickle.loads(pickle.dumps(header)).billable is False


def test_search_results_pickle(catalog):
    hits = list(catalog.search("anxiety", limit=5))
    assert hits and pickle.loads(pickle.dumps(hits)) == hits


def test_documents_and_values_pickle(catalog):
    service = procode.Service("SVC-1", "Psychotherapy", Decimal("150.00"))
    service.edit(
        procode.EditBatch().add(procode.CodeLine.from_entry(catalog.lookup("G0438"))),
        actor="front-desk",
        at=dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc),
    )
    assert len(service.lines) == 1
    _roundtrips(service)
    _roundtrips(procode.CodeLine("G0438", "hcpcs", "Annual wellness visit", units=2))
    _roundtrips(procode.EditBatch().remove("L1"))
    _roundtrips(procode.EditPolicy())
    fee = procode.FeeSchedule("default")
    _roundtrips(fee)
    _roundtrips(
        procode.Payment("P1", Decimal("20.00"), dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.timezone.utc))
    )
    invoice = procode.Invoice("INV-1", "S-1", dt.date(2026, 12, 1), Decimal("150.00"))
    _roundtrips(invoice)


def test_an_encounter_pickles_in_every_state(catalog):
    enc = procode.Encounter.book(
        procode.Service("SVC-1", "Visit", Decimal("100.00")),
        session_id="S-1",
        invoice_id="INV-1",
        client_id="C-1",
        date=dt.date(2026, 12, 1),
    )
    _roundtrips(enc)


def test_a_catalog_is_not_iterable_and_says_why(catalog):
    with pytest.raises(TypeError, match="not iterable"):
        list(catalog)
    with pytest.raises(TypeError, match="not iterable"):
        iter(catalog)
    assert len(catalog) > 100_000
    with pytest.raises(TypeError):
        pickle.dumps(catalog)
