"""ICD-10-CM FY2027 with its history, release windows, verdicts and diffs
through Python, on the real data."""

import datetime as dt

import procode

DEC = dt.date(2026, 12, 1)
SEP = dt.date(2026, 9, 30)
OCT = dt.date(2026, 10, 1)


def test_versions_per_date_of_service(catalog):
    assert catalog.lookup("T52.8X1A", as_of=DEC) is None
    assert catalog.lookup("T52.8X1A", as_of=SEP) is not None
    assert catalog.lookup("D69.1", as_of=SEP).billable
    assert not catalog.lookup("D69.1", as_of=DEC).billable
    assert not catalog.lookup("D69.1").billable
    v = catalog.versions("D69.1", "icd10cm")
    assert [e.billable for e in v] == [True, False]
    assert catalog.lookup("qa1").code == "QA1"
    assert any(e.code == "M67A01" for e in catalog.search("plantar fasciitis", as_of=DEC))


def test_validate_gives_the_reason(catalog):
    v = catalog.validate("T52.8X1A", "icd10cm", DEC)
    assert v["verdict"] == "terminated"
    assert v["terminated"] == "2026-09-30"
    assert [e["code"] for e in v["codes"]] == ["T52811A", "T52821A", "T52891A"]
    v = catalog.validate("D69.1", as_of=DEC)
    assert v["verdict"] == "header"
    assert [e["code"] for e in v["codes"]] == ["D6911", "D6919"]
    assert catalog.validate("M67.A01", as_of=dt.date(2026, 9, 1))["verdict"] == "not_yet_effective"
    assert catalog.validate("Z99.999", "icd10cm")["verdict"] == "unknown"
    assert catalog.validate("E11.9", as_of=DEC)["verdict"] == "valid"


def test_releases_and_code_set_not_current(catalog, at):
    names = [r["name"] for r in catalog.releases]
    assert "ICD-10-CM FY2027" in names and "HCPCS 2025 October quarter" in names
    fy27 = next(r for r in catalog.releases if r["name"] == "ICD-10-CM FY2027")
    assert (fy27["valid_from"], fy27["valid_through"]) == ("2026-10-01", "2027-09-30")


def test_diff_fy2026_to_fy2027(catalog):
    d = catalog.diff(from_date=SEP, to_date=OCT, system="icd10cm")
    assert (len(d["added"]), len(d["deleted"]), len(d["changed"])) == (238, 21, 19)
    mine = catalog.diff(from_date=SEP, to_date=OCT, codes=["D69.1", "F41.1", "T52.8X1A"])
    assert (len(mine["added"]), len(mine["deleted"]), len(mine["changed"])) == (0, 1, 1)
    assert mine["changed"][0]["before"]["billable"] is True
