"""8 worker processes × 200 random edits on 20 shared encounters, through
the load → procode step (expected revision) → compare-and-swap → retry
loop: no edit is lost, every conflict is retried (or reported), no invoice
ends in an impossible state, and every invoice the workers made is ready
for a claim."""

from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
import subprocess
import sys
import time

import procode
import procode_pg
from conftest import EXAMPLE, ROOT, check_integrity, setup_encounters

WORKERS = int(os.environ.get("PROCODE_PG_WORKERS", "8"))
EDITS = int(os.environ.get("PROCODE_PG_EDITS", "200"))
ENCOUNTERS = 20


def test_concurrent_workers_lose_nothing(dsn: str, index_path: str, tmp_path: pathlib.Path) -> None:
    ids = setup_encounters(dsn, index_path, ENCOUNTERS)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(EXAMPLE), os.environ.get("PYTHONPATH", "")]))
    results = [tmp_path / f"worker-{w}.jsonl" for w in range(WORKERS)]
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, str(EXAMPLE / "workload.py"), dsn, index_path, str(w), str(EDITS),
             str(results[w]), str(1000 + w), ",".join(ids)],
            env=env,
        )
        for w in range(WORKERS)
    ]
    codes = [p.wait(timeout=600) for p in procs]
    elapsed = time.perf_counter() - start
    assert codes == [0] * WORKERS

    ops, summaries, reported = [], [], []
    for path in results:
        for text in path.read_text().splitlines():
            rec = json.loads(text)
            if "summary" in rec:
                summaries.append(rec)
            elif "op_id" in rec:
                ops.append(rec)
            else:
                reported.append(rec)
    assert len(summaries) == WORKERS
    assert len(ops) == WORKERS * EDITS
    assert all(op["revision_to"] > op["revision_from"] for op in ops)

    encounters = check_integrity(dsn, ids)

    # Every stored edit is in the audit table, exactly as the worker saw it,
    # and nothing else is.
    with procode_pg.Store.connect(dsn) as store:
        rows = {
            str(r[0]): (r[1], r[2], r[3])
            for r in store.conn.execute(
                "SELECT op_id, document_id, revision_from, revision_to FROM audit_log"
                " WHERE document_kind = 'encounter' AND operation <> 'book'"
            ).fetchall()
        }
    assert len(rows) == len(ops)
    lost = [op for op in ops if rows.get(op["op_id"]) != (op["encounter"], op["revision_from"], op["revision_to"])]
    assert lost == []

    # ... and in the final documents: each code edit's audit entries (its
    # actor and time), each payment, each completion.
    for op in ops:
        enc = encounters[op["encounter"]]
        at = dt.datetime.fromisoformat(op["at"])
        audit = list(enc.session.audit) + (list(enc.invoice.audit) if enc.invoice else [])
        mine = [e for e in audit if e.actor == op["actor"] and e.at == at]
        if op["operation"] in ("add_line", "edit_units", "remove_line", "complete"):
            assert mine, f"{op['operation']} {op['tag']} is not in {op['encounter']}"
        if op["operation"] == "payment":
            assert enc.invoice is not None
            assert f"P-{op['tag']}" in [p.id for p in enc.invoice.payments]
        if op["operation"] == "complete":
            assert enc.session.state == "completed"

    # Readiness is clean for every invoice the workers made.
    cat = procode_pg.catalog(index_path)
    completed = [e for e in encounters.values() if e.invoice is not None]
    assert completed, "the workers completed sessions"
    for enc in completed:
        assert enc.invoice is not None
        assert procode.readiness(enc.invoice, cat) == [], enc.session.id

    # The revisions account for every step: booking + the workers' steps.
    total = sum(e.revision for e in encounters.values())
    assert total == len(ids) + sum(op["revision_to"] - op["revision_from"] for op in ops)

    conflicts = sum(s["conflicts"] for s in summaries)
    gave_up = sum(s["gave_up"] for s in summaries)
    refused = sum(s["refused"] for s in summaries)
    assert gave_up == len([r for r in reported if "gave_up" in r])
    assert refused == len([r for r in reported if "refused" in r])
    by_op: dict[str, int] = {}
    for op in ops:
        by_op[op["operation"]] = by_op.get(op["operation"], 0) + 1
    states: dict[str, int] = {}
    for e in encounters.values():
        s = e.invoice.state if e.invoice else "no invoice"
        states[s] = states.get(s, 0) + 1
    figures = {
        "workers": WORKERS,
        "edits_per_worker": EDITS,
        "encounters": len(ids),
        "edits_stored": len(ops),
        "seconds": round(elapsed, 2),
        "edits_per_second": round(len(ops) / elapsed, 1),
        "conflicts_seen_and_retried": conflicts,
        "conflicts_reported_after_max_attempts": gave_up,
        "refused_by_procode_and_reported": refused,
        "lost": len(lost),
        "operations": by_op,
        "final_invoice_states": states,
    }
    out = ROOT / "target" / "postgres" / "figures.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print("\nconcurrency figures:", json.dumps(figures))
