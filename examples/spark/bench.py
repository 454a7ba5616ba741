"""Throughput of the Spark job in local mode with 1 and 2 executor slots
(local[1], local[2]) on one generated dataset; prints JSON. The time is the
job's (read Parquet, group by claim, scrub, write Parquet), after a warm-up
job on the same session (JVM and Python workers started, catalog opened).

    python examples/spark/bench.py DATA_DIR [LINES]
"""

import json
import pathlib
import sys
import tempfile

import pyarrow.parquet as pq

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import claims_data  # noqa: E402
import scrub_job  # noqa: E402

import procode  # noqa: E402


def main() -> None:
    data = pathlib.Path(sys.argv[1])
    lines = int(sys.argv[2]) if len(sys.argv) > 2 else 400_000
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        t = pathlib.Path(tmp)
        edits, index = t / "ncci.edits", t / "codes.idx"
        procode.build_edits(edits, ptp=data / "ncci_ptp_practitioner.tsv.gz", mue=data / "mue_practitioner.tsv")
        procode.Catalog.build(index, data_dir=data, include=["hcpcs", "modifiers", "pos", "icd10cm"])
        with pq.ParquetWriter(t / "lines.parquet", claims_data.SCHEMA) as w:
            n = 0
            for batch, _ in claims_data.batches(lines, seed=3):
                w.write_batch(batch)
                n += batch.num_rows
        warm = t / "warm.parquet"
        pq.write_table(claims_data.generate(20_000, seed=4)[0], warm)
        for slots in (1, 2):
            spark = scrub_job.session(f"local[{slots}]", app=f"procode-bench-{slots}")
            try:
                scrub_job.run(spark, str(warm), str(t / "warm-out"), str(index), str(edits), partitions=slots)
                seconds = scrub_job.run(
                    spark, str(t / "lines.parquet"), str(t / f"out-{slots}"), str(index), str(edits), partitions=2 * slots
                )
            finally:
                spark.stop()
            out[f"local_{slots}_s"] = seconds
        out["lines"] = n
    print(json.dumps(out))


if __name__ == "__main__":
    main()
