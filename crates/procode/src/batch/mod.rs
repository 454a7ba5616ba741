//! Scrubbing at scale: claim lines in, problems out, as Apache Arrow record
//! batches (feature `arrow`).
//!
//! Billing companies, clearinghouses and payers check millions of claim
//! lines at a time, in engines that speak Arrow (Spark, Polars, DuckDB,
//! pandas through pyarrow). This module takes claim lines in a long format
//! and returns the problems of each claim; it holds **no rules of its own**.
//! Every claim becomes an [`Invoice`](crate::billing::Invoice) of
//! [`CodeLine`](crate::billing::CodeLine)s, built with the core's types and
//! shape checks, and its problems are exactly those of
//! [`readiness`](crate::billing::readiness) for that document, NCCI and MUE
//! included when the source has edits attached
//! ([`Catalog::with_ncci`](crate::Catalog::with_ncci)). Every check the
//! core gains flows through unchanged.
//!
//! # Input: claim lines (one row per line)
//!
//! | column | Arrow type | required | meaning |
//! |---|---|---|---|
//! | `claim_id` | string or integer | yes | the claim: its lines form one document |
//! | `line_id` | string or integer | yes | the line, unique within its claim |
//! | `date_of_service` | date32, date64 or ISO string | yes | the line's date of service |
//! | `code` | string | yes | the billed code, dotted or not (`G0444`, `99213`) |
//! | `system` | string | yes | its code system: `hcpcs`, `cpt`, `icd10pcs`, `custom`, … |
//! | `units` | integer | yes | units billed (0 is reported as `INVALID_UNITS`) |
//! | `modifiers` | list of strings | no | modifiers in order (null: none) |
//! | `diagnoses` | list of strings | no | ICD-10-CM codes in pointer order (null: none) |
//! | `place_of_service` | string | no | the POS code (null: `INVALID_PLACE_OF_SERVICE`) |
//! | `rate` | decimal or decimal string | no | rate per unit (null: `NO_RATE`); never a float |
//! | `payer_id` | string | no | the payer, the same on every line of a claim |
//!
//! Strings may be `utf8`, `large_utf8`, `utf8_view` or dictionary-encoded;
//! lists `list` or `large_list`. A column not in the table, a missing
//! required column, a column of another type, a null where a value is
//! needed or a code without the shape of its system is a [`BatchError`]
//! naming the column and the row (0-based across the whole input). The
//! rows of one claim must be **contiguous** (grouped or sorted by
//! `claim_id`, in any claim order); a claim may span record batches. A
//! claim that reappears after another claim is
//! [`BatchError::ClaimNotContiguous`]: the scrub remembers a 128-bit hash
//! of every claim id it has seen to tell (16 bytes a claim).
//!
//! A claim is checked as a draft invoice in US dollars whose id is the claim
//! id, dated its earliest date of service. Rates come from the `rate`
//! column only (no fee schedule is consulted): a line without one is
//! `NO_RATE`.
//!
//! # Output: problems (one row per problem)
//!
//! | column | Arrow type | meaning |
//! |---|---|---|
//! | `claim_id` | utf8 | the claim (integer ids as their decimal text) |
//! | `line_id` | utf8, nullable | the line (null for a claim-level problem) |
//! | `problem` | utf8 | the stable problem code (`MISSING_DIAGNOSIS`, `NCCI_PTP_CONFLICT`, …) |
//! | `severity` | utf8 | `error` or `warning` ([`ProblemCode::severity`]) |
//! | `message` | utf8 | the message for people |
//! | `detail` | utf8, nullable | the problem's structured detail as JSON (NCCI problems) |
//!
//! Problems come in input order of their claims, and within a claim in
//! readiness order.
//!
//! # Streams and threads
//!
//! [`Scrub`] consumes record batches one at a time ([`Scrub::push`], then
//! [`Scrub::finish`]), so memory stays bounded by a batch whatever the size
//! of the input. The room of the output's columns is recycled: when the
//! caller drops a problems batch, its vectors go back to a small
//! process-wide pool (two per column and 128 MiB in all at most) for the
//! next scrub to write into. Claims complete within a batch are checked in parallel
//! across [`Scrub::threads`] threads (all cores by default); the output is
//! the same for any thread count.
//!
//! What claims share is worked out once, not once per claim: the status of
//! each code (validity dates, billable flag: per worker thread and batch),
//! what the ICD-10-CM structure says of each diagnosis (its Excludes1 and
//! code-first notes: the catalog's
//! [`DiagnosisMemo`](crate::billing::DiagnosisMemo), shared by every
//! thread) and the JSON of each distinct problem detail (per worker). The
//! rules themselves run as readiness runs them.
//!
//! # Example
//! ```
//! use std::sync::Arc;
//! use arrow_array::builder::{ListBuilder, StringBuilder};
//! use arrow_array::{ArrayRef, Date32Array, Int32Array, RecordBatch, StringArray};
//! use procode::batch::Scrub;
//! use procode::Catalog;
//!
//! let text = |v: &[&str]| -> ArrayRef { Arc::new(StringArray::from(v.to_vec())) };
//! let mut dx = ListBuilder::new(StringBuilder::new());
//! dx.values().append_value("F41.1");
//! dx.append(true);
//! dx.append(true); // the second line has no diagnosis
//! let batch = RecordBatch::try_from_iter([
//!     ("claim_id", text(&["C1", "C1"])),
//!     ("line_id", text(&["1", "2"])),
//!     ("date_of_service", Arc::new(Date32Array::from(vec![20_395, 20_395])) as ArrayRef),
//!     ("code", text(&["H0004", "G0444"])),
//!     ("system", text(&["hcpcs", "hcpcs"])),
//!     ("units", Arc::new(Int32Array::from(vec![4, 1])) as ArrayRef),
//!     ("diagnoses", Arc::new(dx.finish()) as ArrayRef),
//!     ("place_of_service", text(&["11", "11"])),
//!     ("rate", text(&["30.00", "25.50"])),
//! ])
//! .unwrap();
//! let cat = Catalog::embedded().unwrap();
//! let problems = Scrub::new(&cat).push_last(&batch).unwrap();
//! assert_eq!(problems.num_rows(), 1);
//! let col = |name: &str| problems.column_by_name(name).unwrap().as_any()
//!     .downcast_ref::<StringArray>().unwrap().value(0).to_owned();
//! assert_eq!(col("problem"), "MISSING_DIAGNOSIS");
//! assert_eq!(col("line_id"), "2");
//! assert_eq!(col("severity"), "error");
//! ```

mod column;
mod detail_json;
mod document;
mod error;
mod input;
mod memo;
mod output;
mod validate;

use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::num::NonZeroUsize;
use std::ops::Range;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::billing::CodeSource;
#[cfg(doc)]
use crate::billing::ProblemCode;
use crate::memo::WordHash;
use document::{check_claim, ClaimLines, Columns, Worker};
use memo::Memo;
use output::ProblemsBuilder;

pub use error::BatchError;
pub use validate::{code_verdict, validate_codes, CodeVerdict};

/// Input column: the claim id.
pub const CLAIM_ID: &str = "claim_id";
/// Input column: the line id.
pub const LINE_ID: &str = "line_id";
/// Input column: the date of service.
pub const DATE_OF_SERVICE: &str = "date_of_service";
/// Input column: the billed code.
pub const CODE: &str = "code";
/// Input column: its code system.
pub const SYSTEM: &str = "system";
/// Input column: the units.
pub const UNITS: &str = "units";
/// Input column: the modifiers.
pub const MODIFIERS: &str = "modifiers";
/// Input column: the diagnoses in pointer order.
pub const DIAGNOSES: &str = "diagnoses";
/// Input column: the place of service.
pub const PLACE_OF_SERVICE: &str = "place_of_service";
/// Input column: the rate per unit.
pub const RATE: &str = "rate";
/// Input column: the payer.
pub const PAYER_ID: &str = "payer_id";

/// Every input column, required ones first.
pub const COLUMNS: [&str; 11] = [
    CLAIM_ID,
    LINE_ID,
    DATE_OF_SERVICE,
    CODE,
    SYSTEM,
    UNITS,
    MODIFIERS,
    DIAGNOSES,
    PLACE_OF_SERVICE,
    RATE,
    PAYER_ID,
];

/// The input columns that must be present.
pub const REQUIRED: [&str; 6] = [CLAIM_ID, LINE_ID, DATE_OF_SERVICE, CODE, SYSTEM, UNITS];

const KNOWN_COLUMNS: &str = "claim_id, line_id, date_of_service, code, system, units, modifiers, diagnoses, place_of_service, rate, payer_id";

/// The input schema with its preferred types (strings as utf8, dates as
/// date32, lists of utf8, units int32, rates decimal128(18, 4)). Other
/// types listed in the [module docs](self) are accepted too.
///
/// # Example
/// ```
/// let s = procode::batch::claim_lines_schema();
/// assert_eq!(s.fields().len(), procode::batch::COLUMNS.len());
/// assert!(!s.field_with_name("claim_id").unwrap().is_nullable());
/// ```
pub fn claim_lines_schema() -> Schema {
    let list = || DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
    Schema::new(vec![
        Field::new(CLAIM_ID, DataType::Utf8, false),
        Field::new(LINE_ID, DataType::Utf8, false),
        Field::new(DATE_OF_SERVICE, DataType::Date32, false),
        Field::new(CODE, DataType::Utf8, false),
        Field::new(SYSTEM, DataType::Utf8, false),
        Field::new(UNITS, DataType::Int32, false),
        Field::new(MODIFIERS, list(), true),
        Field::new(DIAGNOSES, list(), true),
        Field::new(PLACE_OF_SERVICE, DataType::Utf8, true),
        Field::new(RATE, DataType::Decimal128(18, 4), true),
        Field::new(PAYER_ID, DataType::Utf8, true),
    ])
}

/// The output schema: `claim_id`, `line_id`, `problem`, `severity`,
/// `message`, `detail`, all utf8 (`line_id` and `detail` nullable).
pub fn problems_schema() -> SchemaRef {
    output::schema()
}

/// A scrub of a stream of claim-line record batches: push batches in order,
/// then finish. Each push returns the problems of the claims it completed
/// (possibly none); a claim that runs to the end of a batch waits for the
/// next one. After an error the scrub is spent: every later call returns
/// the same error.
///
/// `S` is where codes are looked up: a [`Catalog`](crate::Catalog) (or a
/// reference to one), with NCCI edits attached for the NCCI checks.
///
/// # Example
/// ```
/// use procode::batch::Scrub;
/// let cat = procode::Catalog::embedded().unwrap();
/// let mut scrub = Scrub::new(&cat).threads(2);
/// // for batch in reader { let problems = scrub.push(&batch?)?; ... }
/// let rest = scrub.finish().unwrap();
/// assert_eq!(rest.num_rows(), 0);
/// ```
pub struct Scrub<S> {
    source: S,
    threads: usize,
    pending: Option<ClaimLines>,
    /// The 128-bit hashes of the claim ids seen (already uniform: hashed
    /// again in one multiply).
    seen: HashSet<u128, BuildHasherDefault<WordHash>>,
    rows: u64,
    failed: Option<BatchError>,
    /// What each worker thread keeps from batch to batch (lookups, detail
    /// JSON, reused room); one per thread used so far.
    workers: Vec<Worker>,
}

impl<S: CodeSource + Sync> Scrub<S> {
    /// A scrub looking codes up in `source`, on all cores.
    pub fn new(source: S) -> Scrub<S> {
        Scrub {
            source,
            threads: 0,
            pending: None,
            seen: HashSet::default(),
            rows: 0,
            failed: None,
            workers: Vec::new(),
        }
    }

    /// Sets how many threads check the claims of a batch (0: one per core).
    pub fn threads(mut self, threads: usize) -> Scrub<S> {
        self.threads = threads;
        self
    }

    /// The rows consumed so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Scrubs the next record batch of the stream; returns the problems of
    /// the claims it completed.
    pub fn push(&mut self, batch: &RecordBatch) -> Result<RecordBatch, BatchError> {
        self.guard(|s| s.step(Some(batch)))
    }

    /// Scrubs the last record batch of the stream (or a whole input in one
    /// batch): every claim is complete at its end.
    pub fn push_last(&mut self, batch: &RecordBatch) -> Result<RecordBatch, BatchError> {
        self.guard(|s| {
            let mut out = s.step_inner(Some(batch), true)?;
            out.finish()
        })
    }

    /// Ends the stream: returns the problems of the last claim.
    pub fn finish(&mut self) -> Result<RecordBatch, BatchError> {
        self.guard(|s| s.step(None))
    }

    fn guard(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<RecordBatch, BatchError>,
    ) -> Result<RecordBatch, BatchError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let r = f(self);
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    fn step(&mut self, batch: Option<&RecordBatch>) -> Result<RecordBatch, BatchError> {
        let last = batch.is_none();
        self.step_inner(batch, last)?.finish()
    }

    fn step_inner(
        &mut self,
        batch: Option<&RecordBatch>,
        last: bool,
    ) -> Result<ProblemsBuilder, BatchError> {
        if self.workers.is_empty() {
            self.workers.push(Worker::default());
        }
        let Some(batch) = batch else {
            let mut out = ProblemsBuilder::for_lines(0);
            if let Some(p) = self.pending.take() {
                let Worker { memo, scratch } = &mut self.workers[0];
                check_claim(p, &Memo::new(&self.source, memo), scratch, &mut out);
            }
            return Ok(out);
        };
        let cols = Columns::new(batch)?;
        let base = self.rows;
        let n = cols.len;
        // The claims starting in this batch, by their first row.
        let mut starts: Vec<usize> = Vec::new();
        let mut prev = None;
        for i in 0..n {
            let row = base + i as u64;
            let id = cols.claim_id(i, row)?;
            let same = match prev {
                Some(p) => p == id,
                None => self
                    .pending
                    .as_ref()
                    .is_some_and(|p| id.matches(&p.claim_id)),
            };
            if !same {
                if !self.seen.insert(id.hash128()) {
                    return Err(BatchError::ClaimNotContiguous {
                        claim_id: id.to_text().into_owned(),
                        row,
                    });
                }
                starts.push(i);
            }
            prev = Some(id);
        }
        let first = starts.first().copied().unwrap_or(n);
        if let Some(p) = self.pending.as_mut() {
            p.read(&cols, 0..first, base, &mut self.workers[0].scratch.reading)?;
        }
        let mut ranges: Vec<Range<usize>> = starts
            .iter()
            .enumerate()
            .map(|(k, &s)| s..starts.get(k + 1).copied().unwrap_or(n))
            .collect();
        let tail = if last { None } else { ranges.pop() };
        let done = if last || !starts.is_empty() {
            self.pending.take()
        } else {
            None
        };
        let out = self.check_all(done, &ranges, &cols, base)?;
        if let Some(r) = tail {
            let id = cols.claim_id(r.start, base + r.start as u64)?;
            let scratch = &mut self.workers[0].scratch;
            let mut claim = ClaimLines::start(&cols, r.start, id, scratch);
            claim.read(
                &cols,
                r.clone(),
                base + r.start as u64,
                &mut scratch.reading,
            )?;
            self.pending = Some(claim);
        }
        self.rows += n as u64;
        Ok(out)
    }

    /// Reads and checks the complete claims: `first` (already read) and
    /// those of `ranges`, in order, across threads.
    fn check_all(
        &mut self,
        first: Option<ClaimLines>,
        ranges: &[Range<usize>],
        cols: &Columns<'_>,
        base: u64,
    ) -> Result<ProblemsBuilder, BatchError> {
        let lines: usize = ranges.iter().map(|r| r.len()).sum();
        let threads = self
            .thread_count()
            .min(lines / MIN_LINES_PER_THREAD)
            .min(ranges.len())
            .max(1);
        if self.workers.len() < threads {
            self.workers.resize_with(threads, Worker::default);
        }
        let source = &self.source;
        let run = |chunk: &[Range<usize>],
                   out: &mut ProblemsBuilder,
                   worker: &mut Worker|
         -> Result<(), BatchError> {
            // One memo per thread: lookups repeat across claims.
            let Worker { memo, scratch } = worker;
            let memo = Memo::new(source, memo);
            for r in chunk {
                let row = base + r.start as u64;
                let id = cols.claim_id(r.start, row)?;
                let mut claim = ClaimLines::start(cols, r.start, id, scratch);
                claim.read(cols, r.clone(), row, &mut scratch.reading)?;
                check_claim(claim, &memo, scratch, out);
            }
            Ok(())
        };
        let mut out = ProblemsBuilder::for_lines(lines.div_ceil(threads) + 1);
        let Some((mine, others)) = self.workers.split_first_mut() else {
            return Ok(out);
        };
        if let Some(c) = first {
            let Worker { memo, scratch } = &mut *mine;
            check_claim(c, &Memo::new(source, memo), scratch, &mut out);
        }
        if threads == 1 {
            run(ranges, &mut out, mine)?;
            return Ok(out);
        }
        // Contiguous chunks of about equal line counts, checked in parallel;
        // joined in order, so the output does not depend on the threads.
        let per = lines.div_ceil(threads);
        let chunks = chunks_of_lines(ranges, per, threads);
        let Some((head, rest)) = chunks.split_first() else {
            return Ok(out);
        };
        let results: Vec<Result<ProblemsBuilder, BatchError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = rest
                .iter()
                .zip(others.iter_mut())
                .map(|(c, worker)| {
                    let run = &run;
                    scope.spawn(move || {
                        let mut b = ProblemsBuilder::for_lines(per);
                        run(c, &mut b, worker).map(|()| b)
                    })
                })
                .collect();
            // The first chunk on this thread, into `out` itself.
            let mine = run(head, &mut out, mine);
            let mut all = vec![mine.map(|()| ProblemsBuilder::for_lines(0))];
            all.extend(handles.into_iter().map(|h| match h.join() {
                Ok(r) => r,
                Err(panic) => std::panic::resume_unwind(panic),
            }));
            all
        });
        for r in results {
            out.extend(r?);
        }
        Ok(out)
    }

    fn thread_count(&self) -> usize {
        // Asking the system reads cgroup files: once per process.
        static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
        match self.threads {
            0 => *CORES
                .get_or_init(|| std::thread::available_parallelism().map_or(1, NonZeroUsize::get)),
            n => n,
        }
    }
}

/// Below this many lines a thread is not worth starting.
const MIN_LINES_PER_THREAD: usize = 512;

/// `ranges` (the claims' line ranges, in order) cut into contiguous chunks
/// of about `per` lines each (at most `threads` chunks when `per` is the
/// lines divided by the threads).
fn chunks_of_lines(ranges: &[Range<usize>], per: usize, threads: usize) -> Vec<&[Range<usize>]> {
    let mut chunks: Vec<&[Range<usize>]> = Vec::with_capacity(threads);
    let (mut from, mut acc) = (0, 0);
    for (k, r) in ranges.iter().enumerate() {
        acc += r.len();
        if acc >= per {
            chunks.push(&ranges[from..=k]);
            from = k + 1;
            acc = 0;
        }
    }
    if from < ranges.len() {
        chunks.push(&ranges[from..]);
    }
    chunks
}
