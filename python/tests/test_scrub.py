"""Scrubbing at scale from Python: procode.scrub over Arrow data from
pyarrow, Polars and DuckDB equals readiness called one document at a time;
streams, threads, typed errors, validate_codes, the GIL."""

import datetime as dt
import decimal
import pathlib
import sys

import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pytest

import procode
from conftest import ticks_during

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples" / "spark"))

import claims_data  # noqa: E402



@pytest.fixture(scope="session")
def claims() -> tuple[pa.Table, list[tuple[str, str, str]]]:
    return claims_data.generate(12_000, seed=11)


def rows(table: pa.Table) -> list[tuple]:
    cols = ["claim_id", "line_id", "problem", "severity", "message", "detail"]
    return list(zip(*[table.column(c).to_pylist() for c in cols]))


def per_document(table: pa.Table, catalog: procode.Catalog) -> list[tuple]:
    """readiness, one document at a time: the behaviour scrub must match."""
    import json

    # The native function itself: conftest wraps procode.readiness to leave
    # out CODE_SET_NOT_CURRENT warnings, which scrub (rightly) reports.
    readiness = procode._native.readiness
    out = []
    for d in claims_data.invoice_dicts(table):
        doc = procode.document_from_dict(d)
        for p in readiness(doc, catalog):
            detail = None if p.detail is None else json.dumps(p.detail, separators=(",", ":"))
            out.append((d["id"], p.line_id, p.code, p.severity, p.message, detail))
    return out


def test_scrub_equals_readiness_per_document_with_ncci(claims, ncci_catalog) -> None:
    table, planted = claims
    got = procode.scrub(table, ncci_catalog)
    assert got.schema == procode.problems_schema()
    want = per_document(table, ncci_catalog)
    got_rows = rows(got)
    # detail JSON: compare parsed (key order is the core's, not json.dumps').
    import json

    norm = lambda rs: [r[:5] + (None if r[5] is None else json.loads(r[5]),) for r in rs]  # noqa: E731
    assert norm(got_rows) == norm(want)
    found = {(c, l, p) for c, l, p, *_ in got_rows}
    assert planted and all(p in found for p in planted), [p for p in planted if p not in found][:5]
    kinds = {p for _, _, p in planted}
    assert {"NCCI_PTP_CONFLICT", "MUE_EXCEEDED", "UNKNOWN_CODE", "NO_RATE"} <= kinds
    assert set(got.column("severity").to_pylist()) == {"error", "warning"}


def test_threads_batches_and_exporters_give_the_same_problems(claims, catalog) -> None:
    table, _ = claims
    want = rows(procode.scrub(table, catalog, threads=1))
    assert rows(procode.scrub(table, catalog, threads=2)) == want
    # Small batches: claims span batch boundaries.
    small = pa.Table.from_batches(table.to_batches(max_chunksize=7))
    assert rows(procode.scrub(small, catalog)) == want
    reader = pa.RecordBatchReader.from_batches(table.schema, small.to_batches())
    assert rows(procode.scrub(reader, catalog)) == want
    lazy = procode.scrub_batches(small, catalog, threads=1)
    batches = list(lazy)
    assert all(isinstance(b, pa.RecordBatch) for b in batches) and len(batches) > 1
    assert rows(pa.Table.from_batches(batches)) == want
    # One record batch (__arrow_c_array__).
    ids = table.column("claim_id").unique().to_pylist()[:100]
    one = table.filter(pa.compute.is_in(table.column("claim_id"), pa.array(ids))).combine_chunks()
    one_batch = one.to_batches()[0]
    assert one_batch.num_rows == one.num_rows
    assert rows(procode.scrub(one_batch, catalog)) == [r for r in want if r[0] in set(ids)]


def test_polars_and_duckdb_results_are_accepted(claims, catalog) -> None:
    polars = pytest.importorskip("polars")
    duckdb = pytest.importorskip("duckdb")
    table, _ = claims
    want = rows(procode.scrub(table, catalog))
    df = polars.from_arrow(table)
    assert isinstance(df, polars.DataFrame)
    assert rows(procode.scrub(df, catalog)) == want
    problems = polars.from_arrow(procode.scrub(df, catalog))
    assert problems.height == len(want)
    con = duckdb.connect()
    con.register("claim_lines", table)
    rel = con.sql("select * from claim_lines")
    assert rows(procode.scrub(rel, catalog)) == want
    reader = rel.to_arrow_reader(1000) if hasattr(rel, "to_arrow_reader") else rel.fetch_record_batch(1000)
    assert rows(procode.scrub(reader, catalog)) == want


def test_readme_polars_example_runs(capsys) -> None:
    pytest.importorskip("polars")
    text = (ROOT / "README.md").read_text()
    section = text.split("## Scrubbing at scale", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "MISSING_DIAGNOSIS" in out and "NO_RATE" in out


def _lines(**overrides) -> pa.Table:
    base = {
        "claim_id": ["A", "A", "B", "B", "C"],
        "line_id": ["1", "2", "1", "2", "1"],
        "date_of_service": [dt.date(2025, 3, 3)] * 5,
        "code": ["H0004", "G0444", "H0004", "G0444", "H0004"],
        "system": ["hcpcs"] * 5,
        "units": [4, 1, 4, 1, 4],
        "diagnoses": [["F41.1"]] * 5,
        "place_of_service": ["11"] * 5,
        "rate": [decimal.Decimal("30.00")] * 5,
    }
    base.update(overrides)
    return pa.table({k: v for k, v in base.items() if v is not None})


def test_bad_input_raises_scrub_error_naming_column_and_row(catalog) -> None:
    # Clean but for the advisory CODE_SET_NOT_CURRENT (2025-03 is before
    # the releases held).
    found = procode.scrub(_lines(), catalog).to_pylist()
    assert [r for r in found if r["severity"] == "error"] == []

    def err(table: pa.Table) -> procode.ScrubError:
        with pytest.raises(procode.ScrubError) as e:
            procode.scrub(table, catalog)
        assert isinstance(e.value, ValueError) and isinstance(e.value, procode.ProcodeError)
        return e.value

    e = err(_lines(units=None))
    assert (e.column, e.row) == ("units", None) and "missing column" in str(e)
    e = err(_lines(patient_name=["x"] * 5))
    assert e.column == "patient_name" and "unknown column" in str(e)
    e = err(_lines(rate=[1.5] * 5))
    assert e.column == "rate" and "never a float" in str(e)
    e = err(_lines(code=["H0004", "G0444", None, "G0444", "H0004"]))
    assert (e.column, e.row) == ("code", 2)
    e = err(_lines(code=["H0004", "G0444", "H0004", "99213", "H0004"]))
    assert (e.column, e.row) == ("code", 3) and "99213" in str(e)
    e = err(_lines(system=["hcpcs", "hcpcs", "hcpcs", "hcpcs", "loinc"]))
    assert (e.column, e.row) == ("system", 4)
    e = err(_lines(claim_id=["A", "A", "B", "A", "C"], line_id=["1", "2", "1", "3", "1"]))
    assert (e.column, e.row) == ("claim_id", 3) and "contiguous" in str(e)
    e = err(_lines(line_id=["1", "1", "1", "2", "1"]))
    assert (e.column, e.row) == ("line_id", 1)
    # Rows count across batches.
    t = _lines(code=["H0004", "G0444", "H0004", "G0444", "H04"])
    e = err(pa.Table.from_batches(t.to_batches(max_chunksize=2)))
    assert (e.column, e.row) == ("code", 4)
    # The lazy stream raises the same error when it reaches the row.
    with pytest.raises(procode.ScrubError) as lazy:
        list(procode.scrub_batches(pa.Table.from_batches(t.to_batches(max_chunksize=2)), catalog))
    assert (lazy.value.column, lazy.value.row) == ("code", 4)
    # Not Arrow at all.
    with pytest.raises(TypeError, match="__arrow_c_stream__"):
        procode.scrub([{"claim_id": "A"}], catalog)
    with pytest.raises(TypeError, match="record batch"):
        procode.scrub(pa.array([1, 2]), catalog)


def test_validate_codes_gives_a_verdict_per_row(catalog) -> None:
    codes = ["F41.1", "F41", "Z9999", "G0444", "99-x", None]
    v = procode.validate_codes(codes, "icd10cm", dt.date(2025, 6, 1), catalog)
    assert v.to_pylist() == ["valid", "not_billable", "unknown", "unknown", "malformed", None]
    assert set(v.to_pylist()) - {None} <= set(procode.VERDICTS)
    # Per-row systems and dates, from Arrow arrays; an old date.
    systems = pa.array(["icd10cm", "icd10cm", "hcpcs", "hcpcs", "hcpcs", "hcpcs"])
    dates = pa.array([dt.date(2025, 6, 1)] * 5 + [None], pa.date32())
    v = procode.validate_codes(pa.array(codes), systems, dates, catalog)
    assert v.to_pylist()[3] == "valid"
    g0444 = catalog.lookup("G0444", "hcpcs")
    assert g0444 is not None and g0444.effective is not None
    before = g0444.effective - dt.timedelta(days=1)
    assert procode.validate_codes(["G0444"], "hcpcs", before, catalog).to_pylist() == ["not_effective"]
    assert procode.validate_codes(["G0444"], "hcpcs", [before.isoformat()], catalog).to_pylist() == ["not_effective"]
    polars = pytest.importorskip("polars")
    assert procode.validate_codes(polars.Series(["F41.1", "F41"]), "icd10cm").to_pylist() == ["valid", "not_billable"]
    with pytest.raises(procode.ScrubError) as e:
        procode.validate_codes(["F41.1", "F41"], ["icd10cm"], None, catalog)
    assert e.value.column == "systems"
    with pytest.raises(procode.ScrubError) as e:
        procode.validate_codes(["F41.1", "F41"], ["icd10cm", "loinc"], None, catalog)
    assert (e.value.column, e.value.row) == ("systems", 1)


def test_schemas() -> None:
    assert procode.problems_schema().names == ["claim_id", "line_id", "problem", "severity", "message", "detail"]
    s = procode.claim_lines_schema()
    assert s.names[:6] == ["claim_id", "line_id", "date_of_service", "code", "system", "units"]
    assert s.field("rate").type == pa.decimal128(18, 4)
    empty = s.empty_table()
    assert procode.scrub(empty).num_rows == 0


def test_the_gil_is_released_while_scrubbing(claims, catalog) -> None:
    table, _ = claims
    big = pa.concat_tables(
        [table.set_column(0, "claim_id", pa.compute.binary_join_element_wise(table.column("claim_id"), str(k), "-")) for k in range(12)]
    )
    ticks, elapsed = ticks_during(lambda: procode.scrub(big, catalog, threads=1))
    assert elapsed > 0.1, f"the scrub took only {elapsed}s: too short to tell"
    # With the GIL held for the scrub, the loop could not run meanwhile.
    assert ticks > 10_000, f"{ticks} ticks during a {elapsed:.2f}s scrub"
