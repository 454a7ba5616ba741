"""The reference Spark job (examples/spark/scrub_job.py) in Spark local mode
(local[2]): 200,000 generated claim lines of real codes with planted
problems, the index and NCCI edits files shipped to the executors; the
problems it writes as Parquet equal the single-process procode.scrub row for
row."""

import json
import pathlib
import sys

import pyarrow.parquet as pq

import procode

from conftest import data_dir

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples" / "spark"))

import claims_data  # noqa: E402
import scrub_job  # noqa: E402

COLUMNS = ["claim_id", "line_id", "problem", "severity", "message", "detail"]


def sorted_rows(table) -> list[tuple]:
    cols = [table.column(c).to_pylist() for c in COLUMNS]
    rows = [tuple(r[:5]) + (None if r[5] is None else json.dumps(json.loads(r[5]), sort_keys=True),) for r in zip(*cols)]
    return sorted(rows, key=lambda r: tuple("" if v is None else v for v in r))


def test_spark_job_equals_single_process_scrub(tmp_path: pathlib.Path, edits_file: pathlib.Path) -> None:
    table, planted = claims_data.generate(200_000, seed=7)
    assert table.num_rows >= 200_000
    lines = tmp_path / "claim_lines.parquet"
    pq.write_table(table, lines, row_group_size=40_000)
    index = tmp_path / "codes.idx"
    procode.Catalog.build(index, data_dir=data_dir(), include=["hcpcs", "modifiers", "pos", "icd10cm"])

    spark = scrub_job.session("local[2]")
    try:
        assert spark.sparkContext.defaultParallelism == 2
        seconds = scrub_job.run(spark, str(lines), str(tmp_path / "problems"), str(index), str(edits_file))
    finally:
        spark.stop()
    assert seconds > 0
    got = pq.read_table(tmp_path / "problems")
    assert got.schema.names == COLUMNS

    single = procode.scrub(table, procode.Catalog.open(index).with_ncci(edits_file))
    assert single.num_rows > 10_000
    assert sorted_rows(got) == sorted_rows(single)
    found = set(zip(*[got.column(c).to_pylist() for c in COLUMNS[:3]]))
    assert len(planted) > 10_000
    assert [p for p in planted if p not in found] == []
    kinds = {p for _, _, p in planted}
    assert {k for _, k in claims_data.PLANTS} == kinds
