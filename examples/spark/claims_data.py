"""A generated claim-lines dataset for the Spark job, its test and the
benchmarks: real codes from procode's embedded catalog (HCPCS Level II,
modifiers, place of service, ICD-10-CM), 1 to 6 lines a claim in 2025, and
known problems planted on some claims.

    python examples/spark/claims_data.py OUT.parquet --lines 200000

The table has the claim-lines columns of the README ("Scrubbing at scale").
`generate` returns it with the planted problems: a list of
``(claim_id, line_id, problem)`` that a scrub must report.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from decimal import Decimal
from typing import Any, Iterator, Optional

import pyarrow as pa

import procode

SCHEMA = pa.schema(
    [
        pa.field("claim_id", pa.string(), nullable=False),
        pa.field("line_id", pa.string(), nullable=False),
        pa.field("date_of_service", pa.date32(), nullable=False),
        pa.field("code", pa.string(), nullable=False),
        pa.field("system", pa.string(), nullable=False),
        pa.field("units", pa.int32(), nullable=False),
        pa.field("modifiers", pa.list_(pa.string())),
        pa.field("diagnoses", pa.list_(pa.string())),
        pa.field("place_of_service", pa.string()),
        pa.field("rate", pa.decimal128(12, 2)),
        pa.field("payer_id", pa.string()),
    ]
)

FIRST_DAY = dt.date(2025, 1, 1)
LAST_DAY = dt.date(2025, 9, 30)

# Planted problems: (kind, the problem code a scrub reports for it).
PLANTS = [
    ("unknown_code", "UNKNOWN_CODE"),
    ("terminated_code", "CODE_NOT_EFFECTIVE"),
    ("no_diagnosis", "MISSING_DIAGNOSIS"),
    ("unknown_diagnosis", "UNKNOWN_DIAGNOSIS"),
    ("header_diagnosis", "DIAGNOSIS_NOT_BILLABLE"),
    ("five_modifiers", "TOO_MANY_MODIFIERS"),
    ("unknown_modifier", "UNKNOWN_MODIFIER"),
    ("zero_units", "INVALID_UNITS"),
    ("no_place", "INVALID_PLACE_OF_SERVICE"),
    ("unknown_place", "INVALID_PLACE_OF_SERVICE"),
    ("no_rate", "NO_RATE"),
    ("ncci_pair", "NCCI_PTP_CONFLICT"),
    ("mue", "MUE_EXCEEDED"),
]


class Pools:
    """Real codes to draw from, found in the embedded catalog."""

    def __init__(self, catalog: Optional[procode.Catalog] = None) -> None:
        cat = catalog or procode.Catalog.embedded()

        def valid(e: procode.Entry) -> bool:
            return e.is_valid_on(FIRST_DAY) and e.is_valid_on(LAST_DAY)

        def codes(system: str, prefixes: list[str], keep: Any) -> list[str]:
            out: list[str] = []
            for p in prefixes:
                out += [e.code for e in cat.search(p, system=system, limit=60) if keep(e)]
            return sorted(set(out))

        hcpcs_prefixes = ["G0", "G2", "H0", "H2", "A0", "A4", "E0", "J1", "J7", "K0", "L3", "Q4", "S9", "T1", "T2", "99"]
        self.hcpcs = codes("hcpcs", hcpcs_prefixes, lambda e: valid(e) and e.billable)
        # Avoid the codes planted below turning up by chance.
        self.hcpcs = [c for c in self.hcpcs if c not in ("G0438", "G0439", "G0444")]
        self.terminated = codes(
            "hcpcs", hcpcs_prefixes + ["J9", "G9", "Q0"], lambda e: e.terminated is not None and e.terminated < FIRST_DAY
        )
        icd_prefixes = ["F3", "F4", "F9", "E1", "I1", "J4", "M5", "R5", "Z0", "Z1", "K2", "N3"]
        self.icd = codes("icd10cm", icd_prefixes, lambda e: valid(e) and e.billable)
        self.headers = codes("icd10cm", icd_prefixes, lambda e: not e.billable)
        self.modifiers = [m for m in ["GT", "95", "HO", "HN", "U1", "25", "59", "GA", "KX", "XU"] if self._has(cat, m, "modifier")]
        self.pos = [p for p in ["02", "03", "10", "11", "12", "22", "49", "53", "57", "99"] if self._has(cat, p, "pos")]
        self.unknown_hcpcs = self._absent(cat, "hcpcs", ["G0999", "A9998", "Q9899", "K9990"])
        self.unknown_icd = self._absent(cat, "icd10cm", ["Z9999", "F99999", "U999"])
        self.unknown_modifier = self._absent(cat, "modifier", ["Z9", "9Z", "ZZ", "Y9"])
        self.unknown_pos = self._absent(cat, "pos", ["00", "98", "97", "48"])
        assert len(self.hcpcs) > 300 and len(self.icd) > 300, "too few real codes found"
        assert self.terminated and self.headers and len(self.modifiers) > 5 and len(self.pos) > 5

    @staticmethod
    def _has(cat: procode.Catalog, code: str, system: str) -> bool:
        e = cat.lookup(code, system)
        return e is not None and e.is_valid_on(FIRST_DAY) and e.is_valid_on(LAST_DAY)

    @staticmethod
    def _absent(cat: procode.Catalog, system: str, candidates: list[str]) -> str:
        for c in candidates:
            if cat.lookup(c, system) is None:
                return c
        raise AssertionError(f"no absent {system} code among {candidates}")


def _claims(pools: Pools, claims: int, seed: int, plant_percent: int, first: int) -> Iterator[tuple[list[dict[str, Any]], list[tuple[str, str, str]]]]:
    r = random.Random(seed)
    days = (LAST_DAY - FIRST_DAY).days - 1
    for c in range(first, first + claims):
        claim = f"C{c:08d}"
        dos = FIRST_DAY + dt.timedelta(days=r.randrange(days))
        payer = f"PAYER{r.randrange(6)}" if r.random() < 0.8 else None
        n = 1 + r.randrange(6)
        lines: list[dict[str, Any]] = []
        for k in range(n):
            lines.append(
                {
                    "claim_id": claim,
                    "line_id": str(k + 1),
                    "date_of_service": dos,
                    "code": r.choice(pools.hcpcs),
                    "system": "hcpcs",
                    "units": 1,
                    "modifiers": [r.choice(pools.modifiers)] if r.random() < 0.3 else None,
                    "diagnoses": [r.choice(pools.icd) for _ in range(1 + r.randrange(3))],
                    "place_of_service": r.choice(pools.pos),
                    "rate": Decimal(f"{10 + r.randrange(300)}.{r.randrange(100):02d}"),
                    "payer_id": payer,
                }
            )
        planted: list[tuple[str, str, str]] = []
        if r.randrange(100) < plant_percent:
            kind, problem = r.choice(PLANTS)
            line = r.choice(lines)
            if kind == "unknown_code":
                line["code"] = pools.unknown_hcpcs
            elif kind == "terminated_code":
                line["code"] = r.choice(pools.terminated)
            elif kind == "no_diagnosis":
                line["diagnoses"] = None if r.random() < 0.5 else []
            elif kind == "unknown_diagnosis":
                line["diagnoses"] = [pools.unknown_icd] + line["diagnoses"]
            elif kind == "header_diagnosis":
                line["diagnoses"] = [r.choice(pools.headers)]
            elif kind == "five_modifiers":
                line["modifiers"] = pools.modifiers[:5]
            elif kind == "unknown_modifier":
                line["modifiers"] = [pools.unknown_modifier]
            elif kind == "zero_units":
                line["units"] = 0
            elif kind == "no_place":
                line["place_of_service"] = None
            elif kind == "unknown_place":
                line["place_of_service"] = pools.unknown_pos
            elif kind == "no_rate":
                line["rate"] = None
            elif kind == "ncci_pair":
                # G0438 and G0439 on one day: an active CMS PTP edit; the
                # column-2 line (G0439) gets the problem.
                line["code"] = "G0438"
                second = dict(line, line_id=f"{n + 1}", code="G0439")
                lines.append(second)
                line = second
            elif kind == "mue":
                # G0444: at most 1 unit a day (MUE 1, MAI 2).
                line["code"] = "G0444"
                line["units"] = 2
            planted.append((claim, line["line_id"], problem))
        # Dotted diagnoses are normalised by the scrub as by the core.
        dx = lines[0]["diagnoses"]
        if dx and r.random() < 0.2 and len(dx[0]) > 3:
            dx[0] = dx[0][:3] + "." + dx[0][3:]
        yield lines, planted


def batches(
    lines: int, *, seed: int = 2025, plant_percent: int = 30, batch_lines: int = 65536, pools: Optional[Pools] = None
) -> Iterator[tuple[pa.RecordBatch, list[tuple[str, str, str]]]]:
    """About `lines` claim lines as record batches of about `batch_lines`
    rows (claims whole within a batch), each with its planted problems."""
    pools = pools or Pools()
    rows: list[dict[str, Any]] = []
    planted: list[tuple[str, str, str]] = []
    done = 0
    first = 0
    while done < lines:
        claims = max(1, min(4096, (lines - done) // 3))
        for ls, p in _claims(pools, claims, seed + first, plant_percent, first):
            rows += ls
            planted += p
            done += len(ls)
            if len(rows) >= batch_lines or done >= lines:
                yield pa.RecordBatch.from_pylist(rows, schema=SCHEMA), planted
                rows, planted = [], []
            if done >= lines:
                break
        first += claims
    if rows:
        yield pa.RecordBatch.from_pylist(rows, schema=SCHEMA), planted


def generate(lines: int, *, seed: int = 2025, plant_percent: int = 30) -> tuple[pa.Table, list[tuple[str, str, str]]]:
    """About `lines` claim lines (whole claims), and the planted problems."""
    out = list(batches(lines, seed=seed, plant_percent=plant_percent))
    table = pa.Table.from_batches([b for b, _ in out], schema=SCHEMA)
    return table, [p for _, ps in out for p in ps]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="the Parquet file to write")
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=2025)
    args = ap.parse_args()
    import pyarrow.parquet as pq

    with pq.ParquetWriter(args.out, SCHEMA) as w:
        for b, _ in batches(args.lines, seed=args.seed):
            w.write_batch(b)


if __name__ == "__main__":
    main()


def invoice_dicts(table: pa.Table) -> Iterator[dict[str, Any]]:
    """The claims of a claim-lines table as invoice dicts for
    ``procode.document_from_dict``: what a host calling ``readiness`` one
    document at a time would build (the peer of the batch scrub)."""
    current: Optional[str] = None
    lines: list[dict[str, Any]] = []
    payer: Optional[str] = None

    def invoice() -> dict[str, Any]:
        return {
            "kind": "invoice",
            "id": current,
            "session_id": current,
            "date": min(line["date_of_service"] for line in lines),
            "state": "draft",
            "price": {"amount": "0.00", "currency": "USD"},
            "payer_id": payer,
            "lines": lines,
            "next_line": len(lines) + 1,
            "payments": [],
            "version": 1,
            "sent_version": None,
            "audit": [],
        }

    for row in table.to_pylist():
        if row["claim_id"] != current:
            if lines:
                yield invoice()
            current, lines, payer = row["claim_id"], [], row["payer_id"]
        rate = row["rate"]
        lines.append(
            {
                "id": row["line_id"],
                "system": row["system"],
                "code": row["code"],
                "provenance": "manual",
                "official_description": None,
                "description": "",
                "units": row["units"],
                "modifiers": row["modifiers"] or [],
                "diagnoses": row["diagnoses"] or [],
                "place_of_service": row["place_of_service"],
                "date_of_service": row["date_of_service"].isoformat(),
                "rate": None if rate is None else {"per_unit": str(rate), "source": {"kind": "override"}},
            }
        )
    if lines:
        yield invoice()
