"""Issue 15 from Python: Excludes1 pairs, manifestation and code-first
sequencing, add-on codes without their primary, each problem with its
severity and detail; issue 13 item 5: the ICD-10-CM structure."""

import json
import os
import pathlib
from typing import Any

import procode

# PROCODE_DATA_DIR, else the vendored data unpacked by `make data`.
DATA = pathlib.Path(
    os.environ.get("PROCODE_DATA_DIR") or pathlib.Path(__file__).resolve().parents[2] / "target" / "data"
)


def invoice(lines: list[tuple[str, str, list[str]]]) -> Any:
    doc: dict[str, Any] = {
        "kind": "invoice", "id": "INV-15", "session_id": "S-1", "date": "2026-01-15",
        "state": "draft", "price": {"amount": "100.00", "currency": "USD"},
        "lines": [], "next_line": 1, "payments": [], "version": 1, "sent_version": None,
        "audit": [],
    }
    for i, (system, code, dx) in enumerate(lines, start=1):
        doc["lines"].append({
            "id": f"L{i}", "system": system, "code": code, "provenance": "manual",
            "description": "x", "units": 1, "modifiers": [], "diagnoses": dx,
            "place_of_service": "11", "date_of_service": "2026-01-15",
            "rate": {"per_unit": "10", "source": {"kind": "override"}},
        })
    doc["next_line"] = len(lines) + 1
    return procode.document_from_json(json.dumps(doc))


def by_code(problems: list[procode.Problem], code: str) -> list[procode.Problem]:
    return [p for p in problems if p.code == code]


def test_excludes1_manifestation_and_code_first() -> None:
    cat = procode.Catalog.embedded()
    ps = procode.readiness(invoice([("hcpcs", "G0438", ["E74.00", "E11.9"])]), cat)
    (x,) = by_code(ps, "EXCLUDES1_CONFLICT")
    assert x.severity == "error"
    assert x.detail == {
        "kind": "excludes1_conflict", "code": "E7400", "excluded": "E119",
        "note": "diabetes mellitus (E08-E13)", "note_at": "E74",
    }
    assert x.to_dict()["severity"] == "error"
    # Excludes2 never fires.
    ps = procode.readiness(invoice([("hcpcs", "G0438", ["J18.0", "J21.0"])]), cat)
    assert not by_code(ps, "EXCLUDES1_CONFLICT")
    ps = procode.readiness(invoice([("hcpcs", "G0438", ["F02.80", "G30.9"])]), cat)
    (m,) = by_code(ps, "MANIFESTATION_FIRST")
    assert m.severity == "error" and m.detail == {"kind": "manifestation_first", "code": "F0280"}
    assert not procode.readiness(invoice([("hcpcs", "G0438", ["G30.9", "F02.80"])]), cat)
    ps = procode.readiness(invoice([("hcpcs", "G0438", ["J12.82"])]), cat)
    (c,) = by_code(ps, "CODE_FIRST_NOTE")
    assert c.severity == "warning"
    assert c.detail is not None and c.detail["note"] == "COVID-19 (U07.1)"


def test_add_on_without_primary(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "aoc.ncci"
    procode.build_edits(out, addon=DATA / "cms" / "AOC_V2026Q2-MCR.xlsx")
    cat = procode.Catalog.embedded().with_ncci(out)
    ps = procode.readiness(invoice([("cpt", "99292", ["I46.9"])]), cat)
    (a,) = by_code(ps, "ADD_ON_WITHOUT_PRIMARY")
    assert a.severity == "error"
    assert a.detail is not None
    assert a.detail["primaries"] == ["99291"] and a.detail["edit_type"] == 1
    ps = procode.readiness(
        invoice([("cpt", "99291", ["I46.9"]), ("cpt", "99292", ["I46.9"])]), cat
    )
    assert not by_code(ps, "ADD_ON_WITHOUT_PRIMARY")


def test_structure() -> None:
    cat = procode.Catalog.embedded()
    assert cat.children("F41") == ["F41.0", "F41.1", "F41.3", "F41.8", "F41.9"]
    assert [a["id"] for a in cat.ancestors("F41.1") or []] == ["5", "F40-F48", "F41"]
    assert any(
        n["kind"] == "inclusionTerm" and n["text"] == "Plantar fasciitis"
        for n in cat.notes("M72.2") or []
    )
    chars = cat.seventh_characters("S00.00") or []
    assert [c["character"] for c in chars] == ["A", "D", "S"]
    t = cat.tree("F02.80")
    assert t is not None and t["manifestation"] is True
    assert cat.tree("U99") is None
    # A header's problem lists its billable codes.
    ps = procode.readiness(invoice([("hcpcs", "G0438", ["F41"])]), cat)
    (nb,) = by_code(ps, "DIAGNOSIS_NOT_BILLABLE")
    assert "F41.0, F41.1, F41.3, F41.8, F41.9" in nb.message
