"""The store's contract, one case at a time: a lost compare-and-swap is
retried on the new state, a conflict that never resolves is reported with
nothing stored, the audit log is append-only, and the columns hosts query
come from the document."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import psycopg
import pytest

import procode
import procode_pg
from conftest import AT, check_integrity, setup_encounters


def _units(line_units: int) -> procode_pg.Step:
    def step(enc: procode.Encounter, rev: int) -> tuple[str, dict[str, Any]]:
        enc.complete(
            procode.EditBatch().edit("L1", units=line_units), actor="dr", at=AT,
            invoice_id="INV-1", expected_revision=rev,
        )
        return "complete", {"units": line_units}

    return step


def test_a_lost_compare_and_swap_is_retried_on_the_new_state(dsn: str, index_path: str) -> None:
    [sid] = setup_encounters(dsn, index_path, 1)
    first_try = threading.Event()
    other_stored = threading.Event()
    seen: list[str] = []

    def slow_edit(enc: procode.Encounter, rev: int) -> tuple[str, dict[str, Any]]:
        # Billing's step: on its first attempt, the clinician stores first.
        seen.append(enc.session.state)
        if not first_try.is_set():
            first_try.set()
            assert other_stored.wait(10)
        if enc.invoice is None:
            enc.complete(actor="billing", at=AT, invoice_id="INV-1", expected_revision=rev)
            return "complete", {}
        enc.edit_invoice(procode.EditBatch().edit("L1", units=3), actor="billing", at=AT, expected_revision=rev)
        return "edit_units", {}

    result: dict[str, procode_pg.Stored] = {}

    def billing() -> None:
        with procode_pg.Store.connect(dsn) as store:
            result["billing"] = store.update_encounter(sid, slow_edit, actor="billing", at=AT)

    t = threading.Thread(target=billing)
    t.start()
    assert first_try.wait(10)
    with procode_pg.Store.connect(dsn) as store:
        done = store.update_encounter(sid, _units(2), actor="dr", at=AT)
    other_stored.set()
    t.join(10)
    assert done.conflicts == 0
    got = result["billing"]
    assert got.conflicts == 1, "billing's first compare-and-swap lost"
    assert seen == ["booked", "completed"], "the retry ran on the clinician's state"
    assert got.revision_from == done.revision_to
    encs = check_integrity(dsn, [sid])
    inv = encs[sid].invoice
    assert inv is not None and inv.lines[0].units == 3
    assert [e.actor for e in inv.audit][-1] == "billing"


def test_a_conflict_that_never_resolves_is_reported_and_stores_nothing(dsn: str, index_path: str) -> None:
    [sid] = setup_encounters(dsn, index_path, 1)
    with procode_pg.Store.connect(dsn) as store, procode_pg.Store.connect(dsn) as other:
        before = store.load_encounter(sid)

        def always_overtaken(enc: procode.Encounter, rev: int) -> tuple[str, dict[str, Any]]:
            # Another writer stores a change of the encounter before every
            # compare-and-swap of ours.
            other.conn.execute(
                "UPDATE encounters SET revision = revision + 1,"
                " doc = jsonb_set(doc, '{session,revision}', to_jsonb((doc->'session'->>'revision')::int + 1))"
                " WHERE id = %s",
                (sid,),
            )
            enc.no_show(expected_revision=rev)
            return "no_show", {}

        with pytest.raises(procode_pg.Conflict) as e:
            store.update_encounter(sid, always_overtaken, actor="x", at=AT, max_attempts=3)
        assert e.value.attempts == 3
        after = store.load_encounter(sid)
        assert after.revision == before.revision + 3
        assert after.encounter.session.state == "booked", "our no-show was never stored"
        rows = store.audit_rows("encounter", sid)
        assert [r["operation"] for r in rows] == ["book"]


def test_a_stale_expected_revision_is_refused_by_procode(dsn: str, index_path: str) -> None:
    [sid] = setup_encounters(dsn, index_path, 1)
    with procode_pg.Store.connect(dsn) as store:
        old = store.load_encounter(sid)
        store.update_encounter(sid, _units(2), actor="dr", at=AT)
        fresh = store.load_encounter(sid).encounter
        with pytest.raises(procode.StaleDocument) as e:
            fresh.send_invoice(expected_revision=old.revision)
        assert (e.value.expected, e.value.current) == (old.revision, fresh.revision)
        assert e.value.document == f"the encounter of session {sid}"


def test_the_audit_log_is_append_only(dsn: str, index_path: str) -> None:
    setup_encounters(dsn, index_path, 1)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for sql in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                conn.execute(sql)  # type: ignore[arg-type]
        row = conn.execute("SELECT count(*) FROM audit_log").fetchone()
        assert row is not None and row[0] == 2  # the service and the booking


def test_query_columns_come_from_the_document(dsn: str, index_path: str) -> None:
    ids = setup_encounters(dsn, index_path, 6)
    with procode_pg.Store.connect(dsn) as store:
        store.update_encounter(ids[0], _units(2), actor="dr", at=AT)
        rows = store.conn.execute(
            "SELECT id FROM encounters WHERE invoice_state IN ('draft', 'sent') ORDER BY date_of_service"
        ).fetchall()
        assert [r[0] for r in rows] == [ids[0]]
        by_client = store.conn.execute(
            "SELECT id FROM encounters WHERE client_id = 'C-1' ORDER BY date_of_service"
        ).fetchall()
        assert [r[0] for r in by_client] == [ids[1]]
        on_day = store.conn.execute(
            "SELECT count(*) FROM encounters WHERE date_of_service = %s", (dt.date(2025, 3, 3),)
        ).fetchone()
        assert on_day is not None and on_day[0] == 2  # S-01 and S-06
        # The plans use the indexes (with sequential scans off, as on a big table).
        store.conn.execute("SET enable_seqscan = off")
        plan = store.conn.execute(
            "EXPLAIN SELECT id FROM encounters WHERE invoice_state = 'sent' AND date_of_service > '2025-01-01'"
        ).fetchall()
        assert "encounters_open_invoices" in " ".join(r[0] for r in plan)
        # A column cannot be set apart from the document.
        with pytest.raises(psycopg.errors.GeneratedAlways):
            store.conn.execute("UPDATE encounters SET invoice_state = 'paid'")
