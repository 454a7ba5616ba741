//! The problems record batch.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::{Arc, OnceLock};

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};

use chrono::NaiveDate;

use super::column::TextColumn;
use super::BatchError;
use crate::billing::{gap_problem, Fx, Problem, ProblemCode, ProblemDetail};
use crate::code::CodeSystem;
use crate::ncci::{MueExceeded, MueLines};
use crate::release::Release;

pub(crate) fn schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        Arc::new(Schema::new(vec![
            Field::new("claim_id", DataType::Utf8, false),
            Field::new("line_id", DataType::Utf8, true),
            Field::new("problem", DataType::Utf8, false),
            Field::new("severity", DataType::Utf8, false),
            Field::new("message", DataType::Utf8, false),
            Field::new("detail", DataType::Utf8, true),
        ]))
    })
    .clone()
}

/// The JSON of the problem details one worker has written: claims share
/// many (the release window of a system on a date, the Excludes1 note of a
/// pair of diagnoses), and writing JSON costs more than finding it again.
/// Details that name the claim's own lines (NCCI PTP conflicts, MUEs) are
/// written each time: they seldom repeat, and keeping them would only push
/// out those that do. Bounded: forgets everything past [`MAX_DETAILS`].
#[derive(Default)]
pub(crate) struct Details {
    seen: HashMap<u64, Vec<Written>, BuildHasherDefault<Fx>>,
    held: usize,
}

/// A detail and its JSON.
type Written = (ProblemDetail, String);

/// How many details a [`Details`] holds at most.
const MAX_DETAILS: usize = 16_384;

impl Details {
    /// Appends the JSON of `d` to `column`: remembered, or written (and
    /// remembered); a detail not worth keeping is written straight into
    /// the column.
    pub(crate) fn push_json(&mut self, d: &ProblemDetail, column: &mut TextColumn) {
        let Some(key) = bucket_of(d) else {
            column.push_written(|s| append_json(d, s));
            return;
        };
        let found = self
            .seen
            .get(&key)
            .and_then(|b| b.iter().position(|(x, _)| x == d));
        if found.is_none() && self.held >= MAX_DETAILS {
            self.seen.clear();
            self.held = 0;
        }
        let bucket = self.seen.entry(key).or_default();
        let k = match found {
            Some(k) => k,
            None => {
                bucket.push((d.clone(), to_json(d)));
                self.held += 1;
                bucket.len() - 1
            }
        };
        column.push(&bucket[k].1);
    }
}

/// The JSON of a detail.
fn to_json(d: &ProblemDetail) -> String {
    let mut s = String::new();
    write_json(d, &mut s);
    s
}

/// Writes the JSON of a detail into `to` (emptied first, its room reused).
fn write_json(d: &ProblemDetail, to: &mut String) {
    to.clear();
    append_json(d, to);
}

/// Appends the JSON of a detail to `to`.
fn append_json(d: &ProblemDetail, to: &mut String) {
    let start = to.len();
    if let Err(e) = super::detail_json::write_json(d, to) {
        to.truncate(start);
        to.push_str(&serde_json::json!({ "unserialisable_detail": e.to_string() }).to_string());
    }
}

/// A cheap hash of the fields that tell most details apart (the rest is
/// compared in full on a hit); `None` for the details not worth keeping
/// (those naming the claim's lines).
fn bucket_of(d: &ProblemDetail) -> Option<u64> {
    let mut h = Fx::default();
    std::mem::discriminant(d).hash(&mut h);
    match d {
        ProblemDetail::PtpConflict { .. } | ProblemDetail::MueExceeded { .. } => return None,
        ProblemDetail::Excludes1Conflict { code, excluded, .. } => (code, excluded).hash(&mut h),
        ProblemDetail::AddOnWithoutPrimary {
            add_on,
            date_of_service,
            ..
        } => (add_on, date_of_service).hash(&mut h),
        ProblemDetail::ManifestationFirst { code } | ProblemDetail::CodeFirstNote { code, .. } => {
            code.hash(&mut h)
        }
        ProblemDetail::CodeSetNotCurrent {
            system,
            date_of_service,
            ..
        } => (system, date_of_service).hash(&mut h),
    }
    Some(h.finish())
}

/// The message and detail JSON of the `CODE_SET_NOT_CURRENT` problems one
/// worker has written, by code system and date of service: a batch of old
/// claims reports one on most claims, and they depend on the system, the
/// date and the newest release held only. Each is the core's problem
/// ([`gap_problem`]) written once. Bounded: forgets everything past
/// [`MAX_GAPS`].
#[derive(Default)]
pub(crate) struct Gaps {
    seen: HashMap<(CodeSystem, NaiveDate), Gap, BuildHasherDefault<Fx>>,
}

/// One written `CODE_SET_NOT_CURRENT` problem and the release it names.
struct Gap {
    newest: Release,
    /// The address of the source's release it was written from: the
    /// source's releases do not move or change while a scrub holds it, so
    /// the same address is the same release (compared in full otherwise).
    newest_at: usize,
    message: String,
    detail: String,
}

/// How many (system, date) problems a [`Gaps`] holds at most.
const MAX_GAPS: usize = 16_384;

/// Where a release is (its identity, see [`Gap::newest_at`]).
fn address(r: &Release) -> usize {
    std::ptr::from_ref(r) as usize
}

/// Builds the problems batch: one per worker thread, the problems of each
/// claim appended as soon as they are found (nothing of a claim outlives
/// its check), their details written as JSON through the worker's
/// [`Details`] (which outlive the batch). The columns are plain vectors
/// from a recycling pool ([`TextColumn`]), lent to the Arrow arrays.
pub(crate) struct ProblemsBuilder {
    claim_id: TextColumn,
    line_id: TextColumn,
    problem: TextColumn,
    severity: TextColumn,
    message: TextColumn,
    detail: TextColumn,
}

impl ProblemsBuilder {
    /// A builder with room for the problems of about `lines` claim lines
    /// (room reserved and not written costs address space only).
    pub(crate) fn for_lines(lines: usize) -> ProblemsBuilder {
        // About two problems a line at most in real batches, most messages
        // and details under 128 bytes (the columns grow past that).
        let rows = lines.saturating_mul(2);
        let col = |slot: usize, bytes: usize| TextColumn::new(slot, rows, bytes);
        ProblemsBuilder {
            claim_id: col(0, 16),
            line_id: col(1, 4),
            problem: col(2, 20),
            severity: col(3, 7),
            message: col(4, 128),
            detail: col(5, 128),
        }
    }

    /// Appends the problems of one claim (emptying `problems`, whose room
    /// serves the next claim), their details written through `details`.
    pub(crate) fn append(
        &mut self,
        claim_id: &str,
        problems: &mut Vec<Problem>,
        details: &mut Details,
    ) {
        for p in problems.drain(..) {
            self.claim_id.push(claim_id);
            self.line_id.push_option(p.line_id.as_deref());
            self.problem.push(p.code.as_str());
            self.severity.push(p.code.severity().as_str());
            self.message.push(&p.message);
            match &p.detail {
                Some(d) => details.push_json(d, &mut self.detail),
                None => self.detail.push_option(None),
            }
            // Written: its strings serve the next problems.
            p.recycle();
        }
    }

    /// Appends the `MUE_EXCEEDED` problem `m` on `lines` of claim
    /// `claim_id`: its message and detail written straight into their
    /// columns (the check's message writer, the detail as `serde_json`
    /// writes it), no [`Problem`] made.
    pub(crate) fn append_mue(&mut self, claim_id: &str, m: &MueExceeded<'_>, lines: MueLines<'_>) {
        let code = ProblemCode::MueExceeded;
        self.claim_id.push(claim_id);
        self.line_id.push_option(lines.ids().next());
        self.problem.push(code.as_str());
        self.severity.push(code.severity().as_str());
        self.message
            .push_written(|s| m.push_message(s, lines.ids()));
        self.detail
            .push_written(|s| super::detail_json::push_mue_json(s, m, lines.ids()));
    }

    /// Appends the `CODE_SET_NOT_CURRENT` problem of line `line_id` of claim
    /// `claim_id` (see [`crate::billing::release_gap`]): `gap_problem`'s, its
    /// message and detail written once per system and date by `gaps`.
    pub(crate) fn append_gap(
        &mut self,
        claim_id: &str,
        line_id: &str,
        system: CodeSystem,
        date: NaiveDate,
        newest: &Release,
        gaps: &mut Gaps,
    ) {
        let key = (system, date);
        if gaps.seen.len() >= MAX_GAPS && !gaps.seen.contains_key(&key) {
            gaps.seen.clear();
        }
        let written = || {
            let p = gap_problem(line_id, system, date, newest);
            let mut detail = String::new();
            if let Some(d) = &p.detail {
                write_json(d, &mut detail);
            }
            Gap {
                newest: newest.clone(),
                newest_at: address(newest),
                message: p.message,
                detail,
            }
        };
        let gap = match gaps.seen.entry(key) {
            Entry::Occupied(e)
                if e.get().newest_at == address(newest) || e.get().newest == *newest =>
            {
                e.into_mut()
            }
            Entry::Occupied(mut e) => {
                e.insert(written());
                e.into_mut()
            }
            Entry::Vacant(e) => e.insert(written()),
        };
        let code = ProblemCode::CodeSetNotCurrent;
        self.claim_id.push(claim_id);
        self.line_id.push(line_id);
        self.problem.push(code.as_str());
        self.severity.push(code.severity().as_str());
        self.message.push(&gap.message);
        self.detail.push(&gap.detail);
    }

    /// Appends the problems `other` holds, after this builder's.
    pub(crate) fn extend(&mut self, other: ProblemsBuilder) {
        let ProblemsBuilder {
            claim_id,
            line_id,
            problem,
            severity,
            message,
            detail,
        } = other;
        self.claim_id.extend(claim_id);
        self.line_id.extend(line_id);
        self.problem.extend(problem);
        self.severity.extend(severity);
        self.message.extend(message);
        self.detail.extend(detail);
    }

    pub(crate) fn finish(&mut self) -> Result<RecordBatch, BatchError> {
        let columns = [
            &mut self.claim_id,
            &mut self.line_id,
            &mut self.problem,
            &mut self.severity,
            &mut self.message,
            &mut self.detail,
        ]
        .map(|c| c.finish().map(|a| Arc::new(a) as ArrayRef));
        let Some(columns) = columns.into_iter().collect::<Option<Vec<ArrayRef>>>() else {
            return Err(BatchError::Stream {
                message: "the problems of one record batch passed 2 GiB in a column: \
                          push smaller batches"
                    .to_owned(),
            });
        };
        RecordBatch::try_new(schema(), columns).map_err(|e: ArrowError| BatchError::Stream {
            message: format!("building the problems batch: {e}"),
        })
    }
}
