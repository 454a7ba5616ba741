"""Fixtures of the PostgreSQL tests: the server's DSN (from run-tests.sh,
which starts a private server), the catalog index file, and a fresh,
migrated database per test."""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal

import psycopg
import pytest

HERE = pathlib.Path(__file__).resolve().parent
EXAMPLE = HERE.parent
ROOT = EXAMPLE.parent.parent
sys.path.insert(0, str(EXAMPLE))

import procode  # noqa: E402
import procode_pg  # noqa: E402

AT = dt.datetime(2025, 3, 3, 7, 0, tzinfo=dt.timezone.utc)


def _server_dsn() -> str:
    dsn = os.environ.get("PROCODE_PG_DSN")
    if not dsn:
        raise RuntimeError(
            "PROCODE_PG_DSN is not set: run these tests with examples/postgres/run-tests.sh "
            "(it starts a private PostgreSQL server)"
        )
    return dsn


@pytest.fixture(scope="session")
def index_path() -> str:
    """The catalog index file every worker opens (built once per run)."""
    path = os.environ.get("PROCODE_PG_INDEX")
    if path and pathlib.Path(path).exists():
        return path
    out = ROOT / "target" / "postgres" / "catalog.idx"
    out.parent.mkdir(parents=True, exist_ok=True)
    data = pathlib.Path(os.environ.get("PROCODE_DATA_DIR", ROOT / "target" / "data"))
    procode.Catalog.build(str(out), data_dir=str(data), include=["hcpcs", "modifiers", "pos", "icd10cm"])
    return str(out)


@pytest.fixture
def dsn() -> Iterator[str]:
    """A fresh database with the migrations applied; dropped afterwards."""
    server = _server_dsn()
    name = f"procode_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    db = psycopg.conninfo.make_conninfo(server, dbname=name)
    with psycopg.connect(db, autocommit=True) as conn:
        applied = procode_pg.migrate(conn)
        assert applied == ["0001_documents", "0002_audit_log"]
        assert procode_pg.migrate(conn) == [], "migrations apply once"
    yield db
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def setup_encounters(dsn: str, index_path: str, n: int) -> list[str]:
    """A counseling service (H0004 for F41.1 from the catalog) and `n`
    booked sessions of it, stored. Returns the session ids."""
    cat = procode_pg.catalog(index_path)
    entry = cat.lookup("H0004", system="hcpcs")
    assert entry is not None
    svc = procode.Service("SVC-1", "Counseling, 60 minutes", Decimal("120.00"))
    svc.edit(
        procode.EditBatch().add(
            procode.CodeLine.from_entry(entry, units=4, diagnoses=["F41.1"], place_of_service="11")
        ),
        actor="admin",
        at=AT,
    )
    ids = [f"S-{i:02d}" for i in range(1, n + 1)]
    with procode_pg.Store.connect(dsn) as store:
        store.put_service(svc, actor="admin", at=AT)
        for i, sid in enumerate(ids):
            store.book(
                "SVC-1",
                session_id=sid,
                client_id=f"C-{i % 7}",
                date=dt.date(2025, 3, 3) + dt.timedelta(days=i % 5),
                actor="front-desk",
                at=AT,
            )
    return ids


def check_integrity(dsn: str, ids: list[str]) -> dict[str, procode.Encounter]:
    """What must hold for every stored encounter, whatever happened to the
    processes writing it: the document loads (procode's consistency checks:
    no impossible invoice), its revision column is its revision, the audit
    rows form one unbroken chain of compare-and-swaps from the booking to
    the stored revision, and the procode audit entries of those rows, in
    order, are exactly the document's audit logs. Returns the encounters."""
    out: dict[str, procode.Encounter] = {}
    with procode_pg.Store.connect(dsn) as store:
        for sid in ids:
            loaded = store.load_encounter(sid)
            enc = loaded.encounter
            assert enc.revision == loaded.revision, sid
            rows = store.audit_rows("encounter", sid)
            assert rows, sid
            assert rows[0]["operation"] == "book" and rows[0]["revision_from"] == 0, sid
            for a, b in zip(rows, rows[1:]):
                assert b["revision_from"] == a["revision_to"], f"{sid}: a gap or a fork in the chain: {a} then {b}"
            assert rows[-1]["revision_to"] == loaded.revision, f"{sid}: stored revision without its audit row"
            session_entries = [e for r in rows for e in r["entries"].get("session", [])]
            invoice_entries = [e for r in rows for e in r["entries"].get("invoice", [])]
            assert session_entries == [e.to_dict() for e in enc.session.audit], sid
            inv = enc.invoice
            assert invoice_entries == ([e.to_dict() for e in inv.audit] if inv else []), sid
            # No impossible state (beyond what procode checks when loading).
            row = store.conn.execute(
                "SELECT session_state, invoice_state, invoice_id, client_id, date_of_service"
                " FROM encounters WHERE id = %s",
                (sid,),
            ).fetchone()
            assert row is not None
            assert row[0] == enc.session.state
            assert row[3] == enc.session.client_id and row[4] == enc.session.date
            if inv is None:
                assert row[1] is None and enc.session.state == "booked", sid
            else:
                assert (row[1], row[2]) == (inv.state, inv.id)
                assert enc.session.state == "completed", sid
                assert inv.total == sum((ln.amount() or Decimal(0) for ln in inv.lines), Decimal(0))
                assert inv.paid == sum((p.amount for p in inv.payments), Decimal(0))
                assert inv.balance == inv.total - inv.paid >= 0
                assert (inv.state == "paid") == (inv.balance == 0 and bool(inv.payments)), sid
                assert inv.state in ("draft", "sent", "paid"), sid
                if inv.state == "draft":
                    assert not inv.payments and inv.sent_version is None
            out[sid] = enc
        # Nothing left open: no transaction of a dead worker holds a row.
        stuck = store.conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND state LIKE 'idle in transaction%%'"
        ).fetchone()
        assert stuck is not None and stuck[0] == 0
    return out
