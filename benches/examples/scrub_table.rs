//! The batch scrub of a claim-lines table written as TSV (one record batch,
//! one thread), for instruction counts of the very lines the Python
//! benchmark scrubs (`benches/python/scrub_throughput.py`: 60,002 lines of
//! `claims_data.generate(60_000, seed=2025)`, one record batch) without
//! Python around them. Write its table with one line a row: claim id, line
//! id, date as days from 1970, code, system, units, modifiers and
//! diagnoses comma-joined, place of service, rate, payer; `\N` for a null,
//! an empty field for an empty list:
//!
//! ```python
//! import datetime, sys; sys.path.insert(0, "examples/spark")
//! import claims_data
//! t, _ = claims_data.generate(60_000, seed=2025)
//! n = lambda v: "\\N" if v is None else str(v)
//! l = lambda v: "\\N" if v is None else ",".join(v)
//! with open("claims.tsv", "w") as f:
//!     for r in t.to_pylist():
//!         days = (r["date_of_service"] - datetime.date(1970, 1, 1)).days
//!         f.write("\t".join([r["claim_id"], r["line_id"], str(days), r["code"], r["system"],
//!             str(r["units"]), l(r["modifiers"]), l(r["diagnoses"]),
//!             n(r["place_of_service"]), n(r["rate"]), n(r["payer_id"])]) + "\n")
//! ```
//!
//! ```sh
//! cargo build --release -p procode-benches --example scrub_table
//! valgrind --tool=callgrind --toggle-collect='*Scrub*step*' \
//!     target/release/examples/scrub_table claims.tsv ncci.edits 3
//! ```
//!
//! Arguments: the TSV, an edits file (`procode.build_edits` of the PTP and
//! MUE tables in `target/data`), the rounds (default 1; each a fresh
//! `Scrub`, as each Python call is) and optionally a file to write every
//! output row to (tab-separated), to compare the output of two builds.
//! Prints the rows and a hash of them.

use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, Date32Array, Decimal128Array, Int32Array, RecordBatch, StringArray};
use procode::batch::Scrub;
use procode::ncci::NcciEdits;
use procode::Catalog;
use procode_benches::hash_output;

fn main() {
    let mut args = std::env::args().skip(1);
    let tsv = args.next().expect("a TSV of claim lines");
    let edits = args.next().expect("an edits file");
    let rounds: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let dump = args.next();
    let batch = read(&std::fs::read_to_string(tsv).expect("the TSV reads"));
    let edits = NcciEdits::open(edits).expect("edits open");
    let cat = Catalog::embedded().expect("embedded").with_ncci(edits);
    let mut out = dump.map(|p| std::io::BufWriter::new(std::fs::File::create(p).expect("dump")));
    let (mut rows, mut hash) = (0, 0);
    for round in 0..rounds {
        let mut s = Scrub::new(&cat).threads(1);
        let results = [s.push(&batch).expect("scrubs"), s.finish().expect("scrubs")];
        let dump = out
            .as_mut()
            .filter(|_| round == 0)
            .map(|o| o as &mut dyn Write);
        (rows, hash) = hash_output(&results, dump).expect("dump");
    }
    println!(
        "{} lines, {rows} problems, output hash {hash:016x}",
        batch.num_rows()
    );
}

fn read(text: &str) -> RecordBatch {
    let mut cols: Vec<Vec<&str>> = vec![Vec::new(); 11];
    for line in text.lines() {
        for (k, f) in line.split('\t').enumerate() {
            cols[k].push(f);
        }
    }
    let null = |v: &&str| *v == "\\N";
    let text = |k: usize| -> ArrayRef {
        Arc::new(StringArray::from(
            cols[k]
                .iter()
                .map(|v| (!null(v)).then_some(*v))
                .collect::<Vec<_>>(),
        ))
    };
    let list = |k: usize| -> ArrayRef {
        let mut b = ListBuilder::new(StringBuilder::new());
        for v in &cols[k] {
            if null(v) {
                b.append(false);
                continue;
            }
            for item in v.split(',').filter(|s| !s.is_empty()) {
                b.values().append_value(item);
            }
            b.append(true);
        }
        Arc::new(b.finish())
    };
    let cents = |v: &&str| -> Option<i128> {
        (!null(v)).then(|| {
            let (a, b) = v.split_once('.').unwrap_or((v, "0"));
            a.parse::<i128>().expect("rate") * 100
                + format!("{b:0<2}").parse::<i128>().expect("rate")
        })
    };
    RecordBatch::try_from_iter([
        ("claim_id", text(0)),
        ("line_id", text(1)),
        (
            "date_of_service",
            Arc::new(Date32Array::from(
                cols[2]
                    .iter()
                    .map(|v| v.parse::<i32>().expect("days"))
                    .collect::<Vec<_>>(),
            )) as ArrayRef,
        ),
        ("code", text(3)),
        ("system", text(4)),
        (
            "units",
            Arc::new(Int32Array::from(
                cols[5]
                    .iter()
                    .map(|v| v.parse::<i32>().expect("units"))
                    .collect::<Vec<_>>(),
            )) as ArrayRef,
        ),
        ("modifiers", list(6)),
        ("diagnoses", list(7)),
        ("place_of_service", text(8)),
        (
            "rate",
            Arc::new(
                Decimal128Array::from(cols[9].iter().map(cents).collect::<Vec<_>>())
                    .with_precision_and_scale(12, 2)
                    .expect("decimal"),
            ) as ArrayRef,
        ),
        ("payer_id", text(10)),
    ])
    .expect("a batch")
}
