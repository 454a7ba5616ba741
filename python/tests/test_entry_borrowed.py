"""Entries from lookups and searches read the catalog's index lazily (the
descriptions decoded, the dates built, when read): they equal, field for
field, entries built whole, on the embedded catalog's real codes."""

import datetime as dt
import pickle

import procode


def whole(e: procode.Entry) -> procode.Entry:
    """The same entry, built whole from its fields."""
    return procode.Entry(
        e.code,
        e.system,
        e.description,
        short_description=e.short_description,
        effective=e.effective,
        terminated=e.terminated,
        billable=e.billable,
    )


def test_lookup_entries_equal_whole_entries(catalog):
    for code, system in [("F41.1", "icd10cm"), ("G0438", "hcpcs"), ("E11.9", None), ("11", "pos"), ("GT", "modifier")]:
        e = catalog.lookup(code, system=system)
        assert e is not None
        # Fixed fields first (no description decoded yet), then the rest.
        assert e.billable in (True, False)
        assert e.effective is None or isinstance(e.effective, dt.date)
        w = whole(e)
        assert e == w and hash(e) == hash(w)
        assert e.to_dict() == w.to_dict()
        assert repr(e) == repr(w)
        assert pickle.loads(pickle.dumps(e)) == e


def test_search_pages_equal_whole_entries_and_outlive_their_results(catalog):
    for query in ["G04", "E11.6", "f41.", "diab mell", "wheelchiar"]:
        found = catalog.search(query, limit=10)
        assert len(found) > 0
        entries = list(found)
        del found
        for e in entries:
            w = whole(e)
            assert e == w
            assert e.to_dict() == w.to_dict()
        # A prefix page is in code order and every code has the prefix.
        if query == "G04":
            assert [e.code for e in entries] == sorted(e.code for e in entries)
            assert all(e.code.startswith("G04") for e in entries)


def test_prefix_page_equals_the_lookups_of_its_codes(catalog):
    found = catalog.search("E116", system="icd10cm", limit=25, offset=3)
    assert found.total > len(found) > 0
    for e in found:
        assert catalog.lookup(e.code, system="icd10cm") == e
        assert e.description == catalog.lookup(e.code, system="icd10cm").description


def test_lines_from_borrowed_entries(catalog):
    e = catalog.lookup("G0438", system="hcpcs")
    line = procode.CodeLine.from_entry(e)
    assert line.code == "G0438"
    assert line.description == e.description
