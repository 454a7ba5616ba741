"""procode's catalog from Python against the standard library's `sqlite3`
over the same code sets (the embedded catalog's: HCPCS Level II, modifiers,
place of service, ICD-10-CM), in the same run:

* exact lookup: `cat.lookup(code, system=...)`, rotating over 1,000 real
  codes, against a `WITHOUT ROWID` table keyed by (code, system);
* code prefix top 10: `cat.search(prefix, limit=10)` against
  `WHERE code >= ? AND code < ? ORDER BY code, system LIMIT 10`;
* word search top 10: `cat.search("diab mell", limit=10)` against FTS5
  (`"diab"* "mell"*`, shortest description first).

SQLite hands back tuples of every column; procode hands back `Entry`
objects whose descriptions are decoded when read, so each procode figure is
also given with both descriptions of every result read (`... read`).
Prints JSON: nanoseconds per call, best of 7 rounds.

    python benches/python/catalog_vs_sqlite.py DATA_DIR
"""

import csv
import json
import sqlite3
import sys
import time

import procode

PREFIXES = [("G.", "G", None), ("G04", "G04", None), ("E11", "E11", "icd10cm"), ("E116", "E116", None)]
WORDS = "diab mell"

# (file, system, code, long description, short description, billable)
FILES = [
    ("hcpcs_level2.tsv", "hcpcs", "code", "long_description", "short_description", None),
    ("modifiers.tsv", "modifier", "code", "long_description", "short_description", None),
    ("place_of_service.tsv", "pos", "code", "description", "name", None),
    ("icd10cm.tsv", "icd10cm", "code", "description", "short_description", "billable"),
]


def load(data: str) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(
        "create table codes (code text, system text, description text, short text, "
        "effective text, terminated text, billable int, primary key (code, system)) without rowid"
    )
    db.execute("create virtual table words using fts5(code unindexed, system unindexed, description, short)")
    for name, system, code, long, short, billable in FILES:
        with open(f"{data}/{name}", newline="") as fh:
            for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                row = (
                    r[code],
                    system,
                    r[long],
                    r[short],
                    r.get("effective_date") or None,
                    r.get("termination_date") or None,
                    int(r[billable]) if billable else 1,
                )
                db.execute("insert or ignore into codes values (?, ?, ?, ?, ?, ?, ?)", row)
                db.execute("insert into words values (?, ?, ?, ?)", (row[0], system, row[2], row[3]))
    db.execute("insert into words(words) values ('optimize')")
    db.commit()
    return db


def best(fn, n: int, rounds: int = 7) -> float:
    fn(0)
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        for i in range(n):
            fn(i)
        out.append((time.perf_counter() - t) / n)
    return min(out) * 1e9


def read_all(entries) -> None:
    for e in entries:
        e.description
        e.short_description


def main() -> None:
    data = sys.argv[1]
    cat = procode.Catalog.embedded()
    db = load(data)
    codes = db.execute("select code, system from codes").fetchall()
    step = max(1, len(codes) // 1000)
    lookups = codes[::step][:1000]
    n = len(lookups)
    one = db.execute  # bound once, as a host would keep its cursor
    out = {"codes": len(codes)}

    def ours_lookup(i):
        c, s = lookups[i % n]
        return cat.lookup(c, system=s)

    def ours_lookup_read(i):
        e = ours_lookup(i)
        e.description
        e.short_description

    out["lookup"] = best(ours_lookup, 20_000)
    out["lookup read"] = best(ours_lookup_read, 20_000)
    lk = "select code, system, description, short, effective, terminated, billable from codes where code = ? and system = ?"
    out["lookup sqlite"] = best(lambda i: one(lk, lookups[i % n]).fetchone(), 20_000)

    pq = (
        "select code, system, description, short, effective, terminated, billable from codes "
        "where code >= ? and code < ? {} order by code, system limit 10"
    )
    for query, prefix, system in PREFIXES:
        hi = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        sql = pq.format("and system = ?" if system else "")
        args = (prefix, hi, system) if system else (prefix, hi)
        got = [e.code for e in cat.search(query, system=system, limit=10)]
        want = [r[0] for r in one(sql, args).fetchall()]
        assert got == want, (query, got, want)
        key = f"prefix {query}" + (f" ({system})" if system else "")
        out[key] = best(lambda i: cat.search(query, system=system, limit=10), 20_000)
        out[key + " read"] = best(lambda i: read_all(cat.search(query, system=system, limit=10)), 20_000)
        out[key + " sqlite"] = best(lambda i: one(sql, args).fetchall(), 5_000)

    match = " ".join('"%s"*' % w for w in WORDS.split())
    ws = "select code, system, description, short from words where words match ? order by length(description), code limit 10"
    out[f"words {WORDS}"] = best(lambda i: cat.search(WORDS, limit=10), 5_000)
    out[f"words {WORDS} read"] = best(lambda i: read_all(cat.search(WORDS, limit=10)), 5_000)
    out[f"words {WORDS} sqlite"] = best(lambda i: one(ws, (match,)).fetchall(), 200)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
