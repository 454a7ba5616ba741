"""Claim lines per second from Python, on one generated dataset: the batch
scrub (`procode.scrub`, one thread and all cores) against its peer, calling
`procode.readiness` one document at a time (each claim built as an invoice
dict and read with `procode.document_from_dict`, as a host without the batch
API would). The embedded catalog with the real NCCI edits. Prints JSON:
wall times (best of several rounds) and, for a loaded machine, the CPU time
of the calling thread for the one-thread scrub and the per-document loop
(`*_cpu_s`), with the load average.

    python benches/python/scrub_throughput.py DATA_DIR [LINES]
"""

import json
import os
import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples" / "spark"))

import claims_data  # noqa: E402

import procode  # noqa: E402


def best(fn, rounds):
    return best_of(fn, rounds, time.perf_counter)


def best_of(fn, rounds, clock):
    times = []
    for _ in range(rounds):
        t = clock()
        fn()
        times.append(clock() - t)
    return min(times)


def main() -> None:
    data = pathlib.Path(sys.argv[1])
    lines = int(sys.argv[2]) if len(sys.argv) > 2 else 60_000
    with tempfile.TemporaryDirectory() as tmp:
        edits = pathlib.Path(tmp) / "ncci.edits"
        procode.build_edits(edits, ptp=data / "ncci_ptp_practitioner.tsv.gz", mue=data / "mue_practitioner.tsv")
        cat = procode.Catalog.embedded().with_ncci(edits)
        table, _ = claims_data.generate(lines, seed=2025)
        n = table.num_rows
        procode.scrub(table, cat, threads=1)  # warm-up
        one = best(lambda: procode.scrub(table, cat, threads=1), 5)
        cores = os.cpu_count() or 1
        every = best(lambda: procode.scrub(table, cat, threads=0), 5)

        def per_document():
            count = 0
            for d in claims_data.invoice_dicts(table):
                count += len(procode.readiness(procode.document_from_dict(d), cat))
            return count

        peer = best(per_document, 2)
        # CPU time of this thread, for a loaded machine: on one thread the
        # scrub runs on the calling thread (GIL released), and so does the
        # per-document loop.
        one_cpu = best_of(lambda: procode.scrub(table, cat, threads=1), 5, time.thread_time)
        peer_cpu = best_of(per_document, 2, time.thread_time)
        docs = [procode.document_from_dict(d) for d in claims_data.invoice_dicts(table)]
        readiness_only = best(lambda: [procode.readiness(d, cat) for d in docs], 2)
    print(
        json.dumps(
            {
                "lines": n,
                "claims": len(docs),
                "cores": cores,
                "scrub_1_thread_s": one,
                "scrub_all_cores_s": every,
                "per_document_s": peer,
                "per_document_readiness_only_s": readiness_only,
                "scrub_1_thread_cpu_s": one_cpu,
                "per_document_cpu_s": peer_cpu,
                "load_average": os.getloadavg()[0],
            }
        )
    )


if __name__ == "__main__":
    main()
