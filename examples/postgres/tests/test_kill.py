"""A worker killed (SIGKILL) in the middle of its transaction leaves nothing
half-written: not the document without its audit row, not the audit row
without the document, and no lock behind."""

from __future__ import annotations

import json
import os
import pathlib
import random
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import psycopg

import procode
import procode_pg
from conftest import AT, EXAMPLE, check_integrity, setup_encounters

CHILD = textwrap.dedent(
    """
    import sys, time, uuid
    import procode, procode_pg
    from workload import BASE
    dsn, sid, op_id = sys.argv[1], sys.argv[2], uuid.UUID(sys.argv[3])

    def step(enc, rev):
        enc.complete(procode.EditBatch().edit("L1", units=2), actor="doomed", at=BASE,
                     invoice_id="INV-" + sid, expected_revision=rev)
        return "complete", {}

    def hang():
        print("IN-TRANSACTION", flush=True)
        time.sleep(120)

    with procode_pg.Store.connect(dsn, application_name="procode-doomed") as store:
        store.update_encounter(sid, step, actor="doomed", at=BASE, op_id=op_id, before_commit=hang)
    """
)


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(EXAMPLE), os.environ.get("PYTHONPATH", "")]))


def _wait_backend_gone(dsn: str, application_name: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(200):
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (application_name,)
            ).fetchone()
            if row is not None and row[0] == 0:
                return
            time.sleep(0.05)
    raise AssertionError(f"the backend of {application_name} is still there")


def test_killed_inside_the_transaction_leaves_nothing(dsn: str, index_path: str) -> None:
    [sid] = setup_encounters(dsn, index_path, 1)
    with procode_pg.Store.connect(dsn) as store:
        before = store.load_encounter(sid)
        audit_before = store.audit_rows("encounter", sid)
    op_id = uuid.uuid4()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, dsn, sid, str(op_id)], env=_env(), stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip() == "IN-TRANSACTION", line
    # Both writes are made, the COMMIT is not: the row is locked, changed
    # inside the transaction.
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT state FROM pg_stat_activity WHERE application_name = 'procode-doomed'"
        ).fetchone()
        assert row is not None and row[0] == "idle in transaction"
        locked = conn.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
            " WHERE a.application_name = 'procode-doomed' AND l.mode = 'RowExclusiveLock'"
        ).fetchone()
        assert locked is not None and locked[0] >= 2, "the UPDATE and the INSERT are made"
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    _wait_backend_gone(dsn, "procode-doomed")

    with procode_pg.Store.connect(dsn) as store:
        after = store.load_encounter(sid)
        assert after.revision == before.revision
        assert after.encounter == before.encounter
        assert after.encounter.session.state == "booked"
        assert store.audit_rows("encounter", sid) == audit_before
        hit = store.conn.execute("SELECT count(*) FROM audit_log WHERE op_id = %s", (op_id,)).fetchone()
        assert hit is not None and hit[0] == 0
        # No lock left behind: the next writer gets the row at once.
        store.conn.execute("SET lock_timeout = '2s'")

        def complete(enc: procode.Encounter, rev: int) -> tuple[str, dict[str, object]]:
            enc.complete(actor="dr", at=AT, invoice_id="INV-" + sid, expected_revision=rev)
            return "complete", {}

        done = store.update_encounter(sid, complete, actor="dr", at=AT)
        assert (done.revision_from, done.conflicts) == (before.revision, 0)
    check_integrity(dsn, [sid])


def test_workers_killed_at_random_leave_every_document_whole(
    dsn: str, index_path: str, tmp_path: pathlib.Path
) -> None:
    """Workers are SIGKILLed at random moments while they edit 5 shared
    encounters; whatever each was doing, every stored document is whole."""
    ids = setup_encounters(dsn, index_path, 5)
    rng = random.Random(19)
    results: list[pathlib.Path] = []

    def spawn(n: int) -> subprocess.Popen[bytes]:
        path = tmp_path / f"w{n}.jsonl"
        results.append(path)
        return subprocess.Popen(
            [sys.executable, str(EXAMPLE / "workload.py"), dsn, index_path, str(n), "100000",
             str(path), str(n), ",".join(ids)],
            env=_env(),
        )

    running = [spawn(n) for n in range(3)]
    killed = 0
    next_id = 3
    # Start killing once the workers store steps (they open the catalog and
    # connect first; a loaded machine may take a while).
    deadline = time.monotonic() + 60
    while not any(p.exists() and '"op_id"' in p.read_text() for p in results):
        assert time.monotonic() < deadline, "no worker stored a step within 60 s"
        time.sleep(0.1)
    for _ in range(6):
        time.sleep(rng.uniform(0.2, 0.6))
        victim = running.pop(rng.randrange(len(running)))
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        killed += 1
        running.append(spawn(next_id))
        next_id += 1
    time.sleep(0.5)
    for p in running:
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
    for n in range(next_id):
        _wait_backend_gone(dsn, f"procode-worker-{n}")

    check_integrity(dsn, ids)
    # Every step a worker saw committed is stored (a step killed between
    # its COMMIT and its report line is stored too, unreported).
    with procode_pg.Store.connect(dsn) as store:
        stored = {
            str(r[0])
            for r in store.conn.execute("SELECT op_id FROM audit_log WHERE operation <> 'book'").fetchall()
        }
    reported = [
        json.loads(t)["op_id"]
        for p in results
        if p.exists()
        for t in p.read_text().splitlines()
        if '"op_id"' in t
    ]
    assert reported, "the workers stored steps before they were killed"
    assert set(reported) <= stored
    assert killed == 6
