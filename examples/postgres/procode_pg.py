"""A host's storage of procode documents in PostgreSQL (psycopg 3).

The optimistic-concurrency contract of procode, on a real database:

1. load a document's JSON and its revision (``SELECT doc, revision``);
2. mutate it with procode against that revision (``expected_revision=``);
3. store it with a compare-and-swap on the revision column
   (``UPDATE ... WHERE id = %s AND revision = %s``) and append its audit row
   in the same transaction. No row updated means someone else stored
   first: reload and run the step again (up to ``max_attempts``), or report
   the conflict (:class:`Conflict`).

Nothing is locked while procode works; a transaction only holds the row
for the UPDATE and the audit INSERT. A step that procode refuses (an edit
the policy forbids, a payment above the balance, ...) raises its procode
exception and nothing is written.

Documents are JSONB (the lossless procode JSON); the columns hosts query
(client, date of service, session and invoice state, invoice id) are
generated from the document by the database, so they can never disagree
with it. The audit log is its own append-only table (see
``migrations/0002_audit_log.sql``).

The catalog is opened once per process from an index file
(:func:`catalog`): the file is memory-mapped, so every worker process
shares the same pages.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import json
import pathlib
import random
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, Optional

import psycopg

import procode

MIGRATIONS = pathlib.Path(__file__).resolve().parent / "migrations"

#: A step on an encounter: gets the freshly loaded encounter and its
#: revision, makes one procode call with ``expected_revision=`` and returns
#: ``(operation, detail)`` for the audit row. Run again on every retry, so
#: it must depend only on the encounter it is given.
Step = Callable[[procode.Encounter, int], tuple[str, dict[str, Any]]]


class StoreError(Exception):
    """Base class of the errors of this module."""


class NotFound(StoreError, KeyError):
    """No document with that id."""


class Conflict(StoreError):
    """The document kept changing under the step: ``attempts`` compare-and-swaps
    failed. Nothing of the step was stored."""

    def __init__(self, kind: str, doc_id: str, attempts: int) -> None:
        super().__init__(f"{kind} {doc_id}: still changing after {attempts} attempts")
        self.kind = kind
        self.doc_id = doc_id
        self.attempts = attempts


@functools.lru_cache(maxsize=None)
def catalog(index_path: str) -> procode.Catalog:
    """The catalog of an index file, opened once per process (memory-mapped:
    the pages are shared by every process that opens the file)."""
    return procode.Catalog.open(index_path)


def migrate(conn: psycopg.Connection[Any]) -> list[str]:
    """Applies the SQL files of ``migrations/`` not applied yet, in name order,
    each in its own transaction, under an advisory lock (several processes
    may start at once). Returns the versions applied now."""
    applied: list[str] = []
    with conn.transaction():
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
    for path in sorted(MIGRATIONS.glob("*.sql")):
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(4711019)")
            done = conn.execute(
                "SELECT 1 FROM schema_migrations WHERE version = %s", (path.stem,)
            ).fetchone()
            if done:
                continue
            conn.execute(path.read_text())
            conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (path.stem,))
            applied.append(path.stem)
    return applied


@dataclasses.dataclass(frozen=True)
class Stored:
    """What a stored step did."""

    op_id: uuid.UUID
    doc_id: str
    operation: str
    revision_from: int
    revision_to: int
    #: Compare-and-swaps lost before this one succeeded.
    conflicts: int


@dataclasses.dataclass(frozen=True)
class Loaded:
    """A document as loaded, with the revision the store holds for it."""

    encounter: procode.Encounter
    revision: int


def _audit_dicts(entries: list[procode.AuditEntry]) -> list[dict[str, Any]]:
    return [e.to_dict() for e in entries]


def _new_entries(before: Optional[procode.Encounter], after: procode.Encounter) -> dict[str, Any]:
    """The entries a step added to the encounter's audit logs."""
    out: dict[str, Any] = {}
    s0 = len(before.session.audit) if before else 0
    out["session"] = _audit_dicts(after.session.audit[s0:])
    inv_after = after.invoice
    if inv_after is not None:
        inv_before = before.invoice if before else None
        i0 = len(inv_before.audit) if inv_before is not None else 0
        out["invoice"] = _audit_dicts(inv_after.audit[i0:])
    return out


class Store:
    """Services and encounters of one database connection (one per thread or
    process; psycopg connections are not shared)."""

    def __init__(self, conn: psycopg.Connection[Any], *, seed: Optional[int] = None) -> None:
        self.conn = conn
        self._rng = random.Random(seed)

    @classmethod
    @contextlib.contextmanager
    def connect(cls, dsn: str, *, application_name: str = "procode") -> Iterator[Store]:
        """A store on a new connection, closed afterwards."""
        with psycopg.connect(dsn, autocommit=True, application_name=application_name) as conn:
            yield cls(conn)

    # ------------------------------------------------------------- services

    def put_service(self, service: procode.Service, *, actor: str, at: dt.datetime) -> Stored:
        """Stores a new service (revision as procode gives it)."""
        op_id = uuid.uuid4()
        with self.conn.transaction():
            self.conn.execute(
                "INSERT INTO services (id, revision, doc) VALUES (%s, %s, %s::jsonb)",
                (service.id, service.revision, service.to_json()),
            )
            self._audit(
                op_id, "service", service.id, 0, service.revision, actor, at, "create", {},
                {"service": _audit_dicts(service.audit)},
            )
        return Stored(op_id, service.id, "create", 0, service.revision, 0)

    def load_service(self, service_id: str) -> tuple[procode.Service, int]:
        row = self.conn.execute(
            "SELECT doc::text, revision FROM services WHERE id = %s", (service_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"service {service_id}")
        return procode.Service.from_json(row[0]), int(row[1])

    # ----------------------------------------------------------- encounters

    def book(
        self,
        service_id: str,
        *,
        session_id: str,
        client_id: str,
        date: dt.date,
        actor: str,
        at: dt.datetime,
        payer_id: Optional[str] = None,
        invoice_id: Optional[str] = None,
    ) -> Stored:
        """Books a session for a stored service and stores the encounter."""
        service, _ = self.load_service(service_id)
        enc = procode.Encounter.book(
            service,
            session_id=session_id,
            client_id=client_id,
            date=date,
            payer_id=payer_id,
            invoice_id=invoice_id,
        )
        op_id = uuid.uuid4()
        with self.conn.transaction():
            self.conn.execute(
                "INSERT INTO encounters (id, revision, doc) VALUES (%s, %s, %s::jsonb)",
                (session_id, enc.revision, enc.to_json()),
            )
            self._audit(
                op_id, "encounter", session_id, 0, enc.revision, actor, at, "book",
                {"service_id": service_id, "service_revision": service.revision},
                _new_entries(None, enc),
            )
        return Stored(op_id, session_id, "book", 0, enc.revision, 0)

    def load_encounter(self, session_id: str) -> Loaded:
        """The stored encounter and its revision."""
        text, revision = self._load_text(session_id)
        return Loaded(procode.Encounter.from_json(text), revision)

    def _load_text(self, session_id: str) -> tuple[str, int]:
        row = self.conn.execute(
            "SELECT doc::text, revision FROM encounters WHERE id = %s", (session_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"encounter {session_id}")
        return str(row[0]), int(row[1])

    def update_encounter(
        self,
        session_id: str,
        step: Step,
        *,
        actor: str,
        at: dt.datetime,
        max_attempts: int = 50,
        op_id: Optional[uuid.UUID] = None,
        before_commit: Optional[Callable[[], None]] = None,
    ) -> Stored:
        """Runs ``step`` on the encounter and stores the result: load, step
        (against the loaded revision), compare-and-swap + audit row in one
        transaction; on a lost compare-and-swap, again from the load, up to
        ``max_attempts`` times (then :class:`Conflict`). ``before_commit``
        runs inside the transaction after both writes (tests kill the
        process there). A step that changes nothing stores nothing and
        returns ``revision_from == revision_to``."""
        op_id = op_id or uuid.uuid4()
        conflicts = 0
        for attempt in range(max_attempts):
            text, revision = self._load_text(session_id)
            before = procode.Encounter.from_json(text)
            enc = procode.Encounter.from_json(text)
            loaded = Loaded(before, revision)
            operation, detail = step(enc, loaded.revision)
            if enc.revision == loaded.revision:
                return Stored(op_id, session_id, operation, loaded.revision, loaded.revision, conflicts)
            with self.conn.transaction():
                cur = self.conn.execute(
                    "UPDATE encounters SET doc = %s::jsonb, revision = %s, updated_at = now()"
                    " WHERE id = %s AND revision = %s",
                    (enc.to_json(), enc.revision, session_id, loaded.revision),
                )
                if cur.rowcount == 1:
                    self._audit(
                        op_id, "encounter", session_id, loaded.revision, enc.revision, actor, at,
                        operation, detail, _new_entries(before, enc),
                    )
                    if before_commit is not None:
                        before_commit()
                    return Stored(op_id, session_id, operation, loaded.revision, enc.revision, conflicts)
            conflicts += 1
            # Someone stored first: back off a little (jittered), reload, retry.
            time.sleep(self._rng.uniform(0, 0.002 * min(attempt + 1, 10)))
        raise Conflict("encounter", session_id, max_attempts)

    def audit_rows(self, kind: str, doc_id: str) -> list[dict[str, Any]]:
        """The audit rows of a document, in revision order."""
        cur = self.conn.execute(
            "SELECT op_id, revision_from, revision_to, actor, operation, detail, entries"
            " FROM audit_log WHERE document_kind = %s AND document_id = %s ORDER BY revision_to",
            (kind, doc_id),
        )
        cols = [c.name for c in cur.description or []]
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    # -------------------------------------------------------------- helpers

    def _audit(
        self,
        op_id: uuid.UUID,
        kind: str,
        doc_id: str,
        revision_from: int,
        revision_to: int,
        actor: str,
        at: dt.datetime,
        operation: str,
        detail: dict[str, Any],
        entries: dict[str, Any],
    ) -> None:
        self.conn.execute(
            "INSERT INTO audit_log (op_id, document_kind, document_id, revision_from, revision_to,"
            " actor, at, operation, detail, entries)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb)",
            (
                op_id, kind, doc_id, revision_from, revision_to, actor, at, operation,
                json.dumps(detail, default=str), json.dumps(entries, default=str),
            ),
        )
