"""The workload of the PostgreSQL tests: front desk, clinicians and billing
editing the same encounters at once, through :mod:`procode_pg`.

Each worker process opens the catalog once (from the index file) and its
own connection, then makes ``edits`` random steps on random encounters of a
shared set. A step is chosen on the freshly loaded encounter (and chosen
again on every retry): complete a booked session (creating its invoice),
add / change / remove an invoice line, send or re-send the invoice, record
a partial (rarely a full) payment. Codes are real HCPCS codes looked up in
the catalog, each with an ICD-10-CM diagnosis.

The worker writes one JSON line per stored step to its result file, right
after the COMMIT, and a summary at the end.
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import random
import sys
from decimal import Decimal
from typing import Any, Optional

import procode
import procode_pg

#: Real HCPCS codes with a diagnosis each (ICD-10-CM).
CODES: list[tuple[str, str]] = [
    ("H0004", "F41.1"),
    ("G0444", "F32.9"),
    ("H0031", "F43.10"),
    ("H2019", "F33.1"),
    ("H0001", "F10.20"),
]

BASE = dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.timezone.utc)


class NothingToDo(Exception):
    """The encounter is done (paid, void): pick another one."""


def line(cat: procode.Catalog, rng: random.Random, tag: str) -> procode.CodeLine:
    code, dx = rng.choice(CODES)
    entry = cat.lookup(code, system="hcpcs")
    if entry is None:
        raise LookupError(f"HCPCS {code} is not in the catalog")
    return procode.CodeLine.from_entry(
        entry,
        description=f"{entry.description} [{tag}]",
        units=rng.randint(1, 4),
        diagnoses=[dx],
        place_of_service="11",
    )


def choose_step(
    cat: procode.Catalog, rng: random.Random, tag: str, actor: str, at: dt.datetime
) -> procode_pg.Step:
    """A step that picks what to do from the encounter it is given."""
    # One draw per attempt, so a retry may choose differently on the new state.
    def step(enc: procode.Encounter, rev: int) -> tuple[str, dict[str, Any]]:
        inv = enc.invoice
        roll = rng.random()
        if inv is None:
            if enc.session.state != "booked":
                raise NothingToDo()
            batch = procode.EditBatch().add(line(cat, rng, tag))
            enc.complete(batch, actor=actor, at=at, invoice_id=f"INV-{enc.session.id}", expected_revision=rev)
            return "complete", {"tag": tag}
        if inv.state not in ("draft", "sent"):
            raise NothingToDo()
        lines = inv.lines
        if inv.state == "sent" and roll < 0.06 and inv.balance > 0:
            full = rng.random() < 0.04
            amount = inv.balance if full else min(inv.balance, Decimal("5.00"))
            payment = procode.Payment(f"P-{tag}", amount, at)
            state = enc.record_payment(payment, expected_revision=rev)
            return "payment", {"tag": tag, "amount": str(amount), "state": state}
        if roll < 0.16 and (inv.state == "draft" or inv.needs_resend):
            version = enc.send_invoice(expected_revision=rev)
            return "send", {"tag": tag, "version": version}
        if roll < 0.26 and len(lines) > 1 and inv.state == "draft":
            victim = rng.choice(lines).id
            enc.edit_invoice(procode.EditBatch().remove(victim), actor=actor, at=at, expected_revision=rev)
            return "remove_line", {"tag": tag, "line_id": victim}
        if roll < 0.50 and lines:
            target = rng.choice(lines)
            units = target.units % 4 + 1
            enc.edit_invoice(
                procode.EditBatch().edit(target.id, units=units),
                actor=actor, at=at, expected_revision=rev,
            )
            return "edit_units", {"tag": tag, "line_id": target.id, "units": units}
        out = enc.edit_invoice(
            procode.EditBatch().add(line(cat, rng, tag)), actor=actor, at=at, expected_revision=rev
        )
        return "add_line", {"tag": tag, "line_id": out.changed_lines[0]}

    return step


def run_worker(
    dsn: str,
    index_path: str,
    worker: int,
    edits: int,
    encounter_ids: list[str],
    result_path: str,
    seed: int,
    max_attempts: int = 200,
) -> None:
    """Makes ``edits`` stored steps; appends one JSON line per stored step to
    ``result_path`` after its COMMIT, and a ``summary`` line at the end."""
    cat = procode_pg.catalog(index_path)
    rng = random.Random(seed)
    actor = f"worker-{worker}"
    stored = conflicts = gave_up = refused = 0
    out = pathlib.Path(result_path).open("a", encoding="utf-8")
    with procode_pg.Store.connect(dsn, application_name=f"procode-worker-{worker}") as store:
        i = 0
        while stored < edits:
            i += 1
            tag = f"w{worker}-{i}"
            at = BASE + dt.timedelta(seconds=i * 16 + worker)
            target = rng.choice(encounter_ids)
            try:
                res = store.update_encounter(
                    target, choose_step(cat, rng, tag, actor, at),
                    actor=actor, at=at, max_attempts=max_attempts,
                )
            except NothingToDo:
                continue
            except procode_pg.Conflict as e:
                gave_up += 1
                conflicts += e.attempts
                out.write(json.dumps({"gave_up": target, "tag": tag}) + "\n")
                out.flush()
                continue
            except procode.ProcodeError as e:
                # A business refusal (e.g. a remove below what was paid):
                # reported, nothing stored.
                refused += 1
                out.write(json.dumps({"refused": target, "tag": tag, "error": type(e).__name__}) + "\n")
                out.flush()
                continue
            conflicts += res.conflicts
            stored += 1
            out.write(
                json.dumps(
                    {
                        "op_id": str(res.op_id),
                        "encounter": res.doc_id,
                        "operation": res.operation,
                        "revision_from": res.revision_from,
                        "revision_to": res.revision_to,
                        "conflicts": res.conflicts,
                        "actor": actor,
                        "at": at.isoformat(),
                        "tag": tag,
                    }
                )
                + "\n"
            )
            out.flush()
    out.write(
        json.dumps(
            {"summary": worker, "stored": stored, "conflicts": conflicts, "gave_up": gave_up, "refused": refused}
        )
        + "\n"
    )
    out.close()


def main(argv: Optional[list[str]] = None) -> None:
    """``python workload.py DSN INDEX WORKER EDITS RESULT SEED ENC1,ENC2,...``"""
    a = argv if argv is not None else sys.argv[1:]
    run_worker(a[0], a[1], int(a[2]), int(a[3]), a[6].split(","), a[4], int(a[5]))


if __name__ == "__main__":
    main()
