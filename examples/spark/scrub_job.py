"""The reference Spark job: scrub a claim-lines dataset with procode on every
executor and write the problems as Parquet.

    spark-submit examples/spark/scrub_job.py \\
        --input claim_lines.parquet --output problems/ \\
        --index codes.idx --edits ncci.edits

The index (and NCCI edits) files are shipped to the executors with
``SparkContext.addFile`` and opened once per executor Python process, by
memory map: every task of that process shares the same pages. Each partition
is scrubbed with ``mapInArrow``: Spark hands Arrow record batches to
``procode.scrub_batches``, which reads them without a copy and yields the
problems batch by batch (bounded memory). The lines are grouped by
``claim_id`` first (hash-partitioned, then sorted within the partition,
keeping their input order within a claim), so every claim is whole in one
partition and contiguous.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any, Iterator, Optional

import procode

#: The problems schema as Spark DDL (procode.problems_schema()).
PROBLEMS_DDL = "claim_id string, line_id string, problem string, severity string, message string, detail string"

# The catalog of this executor process: opened on first use, kept for every
# later task the process runs (Spark reuses its Python workers).
_CATALOG: Optional[tuple[tuple[str, Optional[str]], procode.Catalog]] = None


def executor_catalog(index_name: str, edits_name: Optional[str]) -> procode.Catalog:
    """The catalog of the shipped files, opened once per process."""
    global _CATALOG
    key = (index_name, edits_name)
    if _CATALOG is None or _CATALOG[0] != key:
        from pyspark import SparkFiles

        cat = procode.Catalog.open(SparkFiles.get(index_name), verify="lazy")
        if edits_name is not None:
            cat = cat.with_ncci(SparkFiles.get(edits_name))
        _CATALOG = (key, cat)
    return _CATALOG[1]


def scrub_partition(index_name: str, edits_name: Optional[str]) -> Any:
    """The ``mapInArrow`` function: record batches of claim lines in,
    record batches of problems out."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        first = next(batches, None)
        if first is None:
            return
        reader = pa.RecordBatchReader.from_batches(first.schema, _chain(first, batches))
        cat = executor_catalog(index_name, edits_name)
        # One thread per task: Spark runs the tasks in parallel.
        yield from procode.scrub_batches(reader, cat, threads=1)

    return run


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def scrub_claim_lines(
    spark: Any,
    lines: Any,
    index_path: str,
    edits_path: Optional[str] = None,
    partitions: Optional[int] = None,
) -> Any:
    """The problems of a claim-lines DataFrame, as a DataFrame
    (``PROBLEMS_DDL``). Ships the index and edits files to the executors."""
    from pyspark.sql import functions as F

    sc = spark.sparkContext
    sc.addFile(index_path)
    index_name = os.path.basename(index_path)
    edits_name = None
    if edits_path is not None:
        sc.addFile(edits_path)
        edits_name = os.path.basename(edits_path)
    grouped = (
        lines.withColumn("_seq", F.monotonically_increasing_id())
        .repartition(partitions or sc.defaultParallelism, "claim_id")
        .sortWithinPartitions("claim_id", "_seq")
        .drop("_seq")
    )
    return grouped.mapInArrow(scrub_partition(index_name, edits_name), PROBLEMS_DDL)


def run(
    spark: Any,
    input_path: str,
    output_path: str,
    index_path: str,
    edits_path: Optional[str] = None,
    partitions: Optional[int] = None,
) -> float:
    """Reads claim lines from Parquet, writes the problems as Parquet;
    returns the seconds taken."""
    started = time.perf_counter()
    lines = spark.read.parquet(input_path)
    problems = scrub_claim_lines(spark, lines, index_path, edits_path, partitions)
    problems.write.mode("overwrite").parquet(output_path)
    return time.perf_counter() - started


def session(master: Optional[str] = "local[2]", app: str = "procode-scrub") -> Any:
    """A Spark session with this module shipped to the executors (so
    ``mapInArrow`` finds ``scrub_partition`` and the per-process catalog).
    ``master`` None leaves it to spark-submit."""
    import sys

    from pyspark.sql import SparkSession

    # The executors' Python is this one (with procode installed).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder
    if master is not None:
        builder = builder.master(master)
    spark = (
        builder.appName(app)
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )
    spark.sparkContext.addPyFile(__file__)
    return spark


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", required=True, help="claim lines, Parquet")
    ap.add_argument("--output", required=True, help="where the problems go, Parquet")
    ap.add_argument("--index", required=True, help="the procode index file (procode build)")
    ap.add_argument("--edits", help="the NCCI edits file (procode build-edits)")
    ap.add_argument("--master", default=None, help="e.g. local[2]; default: spark-submit's")
    ap.add_argument("--partitions", type=int, default=None)
    args = ap.parse_args()
    spark = session(args.master)
    seconds = run(spark, args.input, args.output, args.index, args.edits, args.partitions)
    print(f"scrubbed {args.input} in {seconds:.1f} s -> {args.output}")
    spark.stop()


if __name__ == "__main__":
    main()
