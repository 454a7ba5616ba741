//! Claim lines for the batch-scrub figures: real codes from a catalog,
//! 1 to 6 lines a claim in 2025, a problem planted on about a third of the
//! claims (the mix of `examples/spark/claims_data.py`), generated batch by
//! batch so a stream of any length stays in bounded memory.

use std::sync::Arc;

use arrow_array::builder::{
    Date32Builder, Decimal128Builder, Int32Builder, ListBuilder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use chrono::{Datelike, NaiveDate};
use procode::{Catalog, CodeSystem, Entry};

/// Real codes to draw from.
pub struct CodePools {
    hcpcs: Vec<String>,
    terminated: Vec<String>,
    icd: Vec<String>,
    headers: Vec<String>,
    modifiers: Vec<String>,
    pos: Vec<String>,
}

impl CodePools {
    /// Codes of `catalog` valid through January to September 2025.
    pub fn new(catalog: &Catalog) -> CodePools {
        let (from, to) = (day(2025, 1, 1), day(2025, 9, 30));
        let entries: Vec<Entry> = catalog
            .entries()
            .collect::<Result<_, _>>()
            .expect("the catalog reads");
        let valid = |e: &&Entry| e.is_valid_on(from) && e.is_valid_on(to);
        let pick = |s: CodeSystem, step: usize, f: &dyn Fn(&Entry) -> bool| -> Vec<String> {
            entries
                .iter()
                .filter(|e| e.system == s && f(e))
                .step_by(step)
                .map(|e| e.code.as_str().to_owned())
                .collect()
        };
        CodePools {
            hcpcs: pick(CodeSystem::Hcpcs, 5, &|e| valid(&e) && e.billable),
            terminated: pick(CodeSystem::Hcpcs, 5, &|e| {
                e.terminated.is_some_and(|t| t < from)
            }),
            icd: pick(CodeSystem::Icd10Cm, 41, &|e| valid(&e) && e.billable),
            headers: pick(CodeSystem::Icd10Cm, 41, &|e| !e.billable),
            modifiers: pick(CodeSystem::Modifier, 3, &|e| valid(&e)),
            pos: pick(CodeSystem::Pos, 1, &|e| valid(&e)),
        }
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

/// A stream of claim-lines record batches of about `batch_lines` rows each
/// (whole claims), `lines` rows in all.
pub struct ClaimLines<'a> {
    pools: &'a CodePools,
    left: usize,
    batch_lines: usize,
    next_claim: u64,
    rng: u64,
}

impl<'a> ClaimLines<'a> {
    /// `lines` rows from `pools`, seeded.
    pub fn new(pools: &'a CodePools, lines: usize, batch_lines: usize, seed: u64) -> Self {
        ClaimLines {
            pools,
            left: lines,
            batch_lines,
            next_claim: 0,
            rng: seed | 1,
        }
    }

    fn below(&mut self, n: usize) -> usize {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng % n as u64) as usize
    }

    fn pick<'p>(&mut self, v: &'p [String]) -> &'p str {
        &v[self.below(v.len())]
    }
}

/// The column builders of one batch, in the order of the input schema.
struct Columns {
    claim: StringBuilder,
    line: StringBuilder,
    dos: Date32Builder,
    code: StringBuilder,
    system: StringBuilder,
    units: Int32Builder,
    mods: ListBuilder<StringBuilder>,
    dx: ListBuilder<StringBuilder>,
    pos: StringBuilder,
    rate: Decimal128Builder,
    payer: StringBuilder,
}

impl Columns {
    fn new() -> Columns {
        Columns {
            claim: StringBuilder::new(),
            line: StringBuilder::new(),
            dos: Date32Builder::new(),
            code: StringBuilder::new(),
            system: StringBuilder::new(),
            units: Int32Builder::new(),
            mods: ListBuilder::new(StringBuilder::new()),
            dx: ListBuilder::new(StringBuilder::new()),
            pos: StringBuilder::new(),
            rate: Decimal128Builder::new(),
            payer: StringBuilder::new(),
        }
    }

    /// The batch of the rows appended.
    fn finish(mut self) -> RecordBatch {
        let rate = self
            .rate
            .finish()
            .with_precision_and_scale(12, 2)
            .expect("a decimal type");
        let cols: Vec<(&str, ArrayRef)> = vec![
            ("claim_id", Arc::new(self.claim.finish())),
            ("line_id", Arc::new(self.line.finish())),
            ("date_of_service", Arc::new(self.dos.finish())),
            ("code", Arc::new(self.code.finish())),
            ("system", Arc::new(self.system.finish())),
            ("units", Arc::new(self.units.finish())),
            ("modifiers", Arc::new(self.mods.finish())),
            ("diagnoses", Arc::new(self.dx.finish())),
            ("place_of_service", Arc::new(self.pos.finish())),
            ("rate", Arc::new(rate)),
            ("payer_id", Arc::new(self.payer.finish())),
        ];
        RecordBatch::try_from_iter(cols).expect("a claim-lines batch")
    }
}

/// One line of a claim: its claim id, 0-based position, date (days since
/// the epoch) and payer, and the defect planted on it, if any.
struct LineSpec<'s> {
    claim_id: &'s str,
    k: usize,
    day: i32,
    payer_id: &'s str,
    planted: Option<usize>,
}

impl ClaimLines<'_> {
    /// Appends one line to `c` (the random draws in column order).
    fn push_line(&mut self, c: &mut Columns, l: &LineSpec<'_>) {
        let p = self.pools;
        let planted = l.planted;
        c.claim.append_value(l.claim_id);
        c.line.append_value((l.k + 1).to_string());
        c.dos.append_value(l.day);
        let code = match planted {
            Some(0) => "G0999",
            Some(1) => self.pick(&p.terminated),
            _ => self.pick(&p.hcpcs),
        };
        c.code.append_value(code);
        c.system.append_value("hcpcs");
        c.units.append_value(if planted == Some(2) { 0 } else { 1 });
        if planted == Some(3) {
            for _ in 0..5 {
                c.mods.values().append_value(self.pick(&p.modifiers));
            }
            c.mods.append(true);
        } else if self.below(10) < 3 {
            c.mods.values().append_value(self.pick(&p.modifiers));
            c.mods.append(true);
        } else {
            c.mods.append(false);
        }
        match planted {
            Some(4) => c.dx.append(true),
            Some(5) => {
                c.dx.values().append_value(self.pick(&p.headers));
                c.dx.append(true);
            }
            _ => {
                for _ in 0..1 + self.below(3) {
                    c.dx.values().append_value(self.pick(&p.icd));
                }
                c.dx.append(true);
            }
        }
        if planted == Some(6) {
            c.pos.append_null();
        } else {
            c.pos.append_value(self.pick(&p.pos));
        }
        if planted == Some(7) {
            c.rate.append_null();
        } else {
            c.rate.append_value(1000 + self.below(30_000) as i128);
        }
        c.payer.append_value(l.payer_id);
    }
}

impl Iterator for ClaimLines<'_> {
    type Item = RecordBatch;

    fn next(&mut self) -> Option<RecordBatch> {
        if self.left == 0 {
            return None;
        }
        let mut c = Columns::new();
        let mut rows = 0;
        let epoch = day(1970, 1, 1).num_days_from_ce();
        while rows < self.batch_lines && self.left > 0 {
            let id = format!("C{:08}", self.next_claim);
            self.next_claim += 1;
            let d = day(2025, 1, 1).num_days_from_ce() - epoch + self.below(270) as i32;
            let n = (1 + self.below(6)).min(self.left);
            let plant = if self.below(100) < 30 {
                Some((self.below(n), self.below(10)))
            } else {
                None
            };
            let payer_id = format!("PAYER{}", self.below(6));
            for k in 0..n {
                let planted = plant.filter(|(at, _)| *at == k).map(|(_, kind)| kind);
                let spec = LineSpec {
                    claim_id: &id,
                    k,
                    day: d,
                    payer_id: &payer_id,
                    planted,
                };
                self.push_line(&mut c, &spec);
            }
            rows += n;
            self.left -= n;
        }
        Some(c.finish())
    }
}

/// Kibibytes of a `/proc/self/status` field (`VmHWM`, `VmRSS`).
pub fn status_kib(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The child process of the memory figure: scrubs `lines` generated claim
/// lines streamed in 65,536-line batches on the embedded catalog with the
/// NCCI edits of `edits`, all cores; prints `peak_kib_before
/// peak_kib_after seconds problems`.
pub fn scrub_memory_probe(lines: usize, edits: &std::path::Path) {
    let edits = procode::ncci::NcciEdits::open(edits).expect("the edits file opens");
    let cat = Catalog::embedded().expect("embedded").with_ncci(edits);
    let pools = CodePools::new(&cat);
    let before = status_kib("VmHWM:").unwrap_or(0);
    let started = std::time::Instant::now();
    let mut scrub = procode::batch::Scrub::new(&cat);
    let mut problems = 0;
    for batch in ClaimLines::new(&pools, lines, 65_536, 11) {
        problems += scrub.push(&batch).expect("scrubs").num_rows();
    }
    problems += scrub.finish().expect("scrubs").num_rows();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{before} {} {seconds} {problems}",
        status_kib("VmHWM:").unwrap_or(0)
    );
}

/// Runs `python` on `script` with `args`; its last stdout line as JSON.
pub fn python_json(
    python: &std::path::Path,
    script: &std::path::Path,
    args: &[String],
) -> Result<serde_json::Value, String> {
    let out = std::process::Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(5).collect();
        return Err(format!(
            "{} failed: {}",
            script.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or("");
    serde_json::from_str(last).map_err(|e| format!("{}: {e}: {last:?}", script.display()))
}

/// The scrub's output rows, batch after batch, hashed in order (every column
/// as text or null) and, when `dump` is given, written to it tab-separated
/// (`\N` for null): how the scrub examples show two builds give the same
/// problems. Returns the row count and the hash.
pub fn hash_output(
    results: &[RecordBatch],
    mut dump: Option<&mut dyn std::io::Write>,
) -> std::io::Result<(usize, u64)> {
    use arrow_array::{Array, StringArray};
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut rows = 0;
    for r in results {
        rows += r.num_rows();
        let cols: Vec<&StringArray> = r
            .columns()
            .iter()
            .map(|c| {
                c.as_any()
                    .downcast_ref::<StringArray>()
                    .expect("the problems batch's columns are text")
            })
            .collect();
        for i in 0..r.num_rows() {
            let row: Vec<Option<&str>> = cols
                .iter()
                .map(|c| c.is_valid(i).then(|| c.value(i)))
                .collect();
            row.hash(&mut h);
            if let Some(o) = dump.as_mut() {
                let text: Vec<&str> = row.iter().map(|v| v.unwrap_or("\\N")).collect();
                writeln!(o, "{}", text.join("\t"))?;
            }
        }
    }
    Ok((rows, h.finish()))
}
