"""NCCI edits from Python: build an edits file from CMS-shaped tables, attach
it to a catalog, and readiness reports procedure-to-procedure conflicts and
medically unlikely edits, with structured detail."""

import pathlib

import pytest

import procode

PTP = (
    "column1\tcolumn2\tdeletion_date\tmodifier_indicator\trationale\n"
    "H0004\tG0444\t9999-12-31\t0\tMutually exclusive procedures\n"
)
MUE = "code\tmue\tmai\trationale\teffective_date\nH0004\t2\t3\tClinical: Data\t2024-07-01\n"


@pytest.fixture
def edits(tmp_path: pathlib.Path) -> pathlib.Path:
    (tmp_path / "ptp.tsv").write_text(PTP)
    (tmp_path / "mue.tsv").write_text(MUE)
    out = tmp_path / "edits.idx"
    written = procode.build_edits(out, ptp=tmp_path / "ptp.tsv", mue=tmp_path / "mue.tsv")
    assert written == out.stat().st_size
    return out


def test_readiness_reports_ncci_problems_once_edits_are_attached(
    catalog: procode.Catalog, edits: pathlib.Path
) -> None:
    invoice = procode.document_from_json(procode.EXAMPLE_INVOICE)
    assert procode.readiness(invoice, catalog) == []
    assert not catalog.has_ncci
    with_ncci = catalog.with_ncci(edits)
    assert with_ncci.has_ncci
    problems = procode.readiness(invoice, with_ncci)
    by_code = {p.code: p for p in problems}
    assert set(by_code) == {"NCCI_PTP_CONFLICT", "MUE_EXCEEDED"}
    mue = by_code["MUE_EXCEEDED"].detail
    assert mue is not None and mue["mue"] == 2 and mue["units"] == 4
    ptp = by_code["NCCI_PTP_CONFLICT"].detail
    assert ptp is not None and ptp["modifier_can_clear"] is False
    assert by_code["NCCI_PTP_CONFLICT"].line_id == "L2"


def test_bad_tables_and_files_raise_specific_errors(
    catalog: procode.Catalog, tmp_path: pathlib.Path
) -> None:
    (tmp_path / "mue.tsv").write_text(MUE.replace("\t2\t3", "\tmany\t3"))
    with pytest.raises(procode.SourceError, match="mue.tsv:2"):
        procode.build_edits(tmp_path / "x.idx", mue=tmp_path / "mue.tsv")
    with pytest.raises(ValueError):
        procode.build_edits(tmp_path / "x.idx")
    (tmp_path / "foreign.idx").write_bytes(b"not an edits file at all")
    with pytest.raises(procode.CatalogError):
        catalog.with_ncci(tmp_path / "foreign.idx")
    with pytest.raises(procode.CatalogError):
        catalog.with_ncci(tmp_path / "missing.idx")
