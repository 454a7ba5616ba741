//! The problems record batch.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::{Arc, OnceLock};

use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};

use super::BatchError;
use crate::billing::{Fx, Problem, ProblemDetail};

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

/// One claim's problems, with their detail already as JSON (made on the
/// worker thread).
pub(crate) struct Checked {
    claim_id: String,
    problems: Vec<(Problem, Option<Arc<str>>)>,
}

impl Checked {
    /// The problems of a claim, their details written as JSON through
    /// `details`.
    pub(crate) fn new(
        (claim_id, problems): (String, Vec<Problem>),
        details: &mut Details,
    ) -> Checked {
        let problems = problems
            .into_iter()
            .map(|p| {
                let detail = p.detail.as_ref().map(|d| details.json(d));
                (p, detail)
            })
            .collect();
        Checked { claim_id, problems }
    }
}

/// The JSON of the problem details one worker has written: claims of a
/// batch share many (the release window of a system on a date, the MUE of
/// a code on a date), and writing JSON costs more than finding it again.
/// Bounded: forgets everything past [`MAX_DETAILS`].
#[derive(Default)]
pub(crate) struct Details {
    seen: HashMap<u64, Vec<Written>, BuildHasherDefault<Fx>>,
    held: usize,
}

/// A detail and its JSON.
type Written = (ProblemDetail, Arc<str>);

/// How many details a [`Details`] holds at most.
const MAX_DETAILS: usize = 16_384;

impl Details {
    /// The JSON of `d`: remembered, or written (and remembered).
    pub(crate) fn json(&mut self, d: &ProblemDetail) -> Arc<str> {
        let key = bucket_of(d);
        if let Some((_, j)) = self
            .seen
            .get(&key)
            .and_then(|b| b.iter().find(|(x, _)| x == d))
        {
            return j.clone();
        }
        let j: Arc<str> = serde_json::to_string(d)
            .unwrap_or_else(|e| {
                serde_json::json!({ "unserialisable_detail": e.to_string() }).to_string()
            })
            .into();
        if self.held >= MAX_DETAILS {
            self.seen.clear();
            self.held = 0;
        }
        self.seen
            .entry(key)
            .or_default()
            .push((d.clone(), j.clone()));
        self.held += 1;
        j
    }
}

/// A cheap hash of the fields that tell most details apart (the rest is
/// compared in full on a hit).
fn bucket_of(d: &ProblemDetail) -> u64 {
    let mut h = Fx::default();
    std::mem::discriminant(d).hash(&mut h);
    match d {
        ProblemDetail::PtpConflict {
            date_of_service,
            column1_line,
            ..
        } => (date_of_service, column1_line).hash(&mut h),
        ProblemDetail::MueExceeded {
            code,
            date_of_service,
            units,
            ..
        } => (code, date_of_service, units).hash(&mut h),
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
    h.finish()
}

/// Builds the problems batch.
pub(crate) struct ProblemsBuilder {
    claim_id: StringBuilder,
    line_id: StringBuilder,
    problem: StringBuilder,
    severity: StringBuilder,
    message: StringBuilder,
    detail: StringBuilder,
}

impl ProblemsBuilder {
    /// The problems of `checked`, in order (the columns are allocated once
    /// at their final size, not grown and copied problem by problem).
    pub(crate) fn from_checked(checked: &[Checked]) -> ProblemsBuilder {
        let (mut rows, mut ids, mut lines, mut codes, mut messages, mut details) =
            (0, 0, 0, 0, 0, 0);
        for c in checked {
            rows += c.problems.len();
            ids += c.claim_id.len() * c.problems.len();
            for (p, d) in &c.problems {
                lines += p.line_id.as_ref().map_or(0, String::len);
                codes += p.code.as_str().len();
                messages += p.message.len();
                details += d.as_ref().map_or(0, |d| d.len());
            }
        }
        let col = |bytes| StringBuilder::with_capacity(rows, bytes);
        let mut out = ProblemsBuilder {
            claim_id: col(ids),
            line_id: col(lines),
            problem: col(codes),
            // "warning" is the longest severity.
            severity: col(rows * 7),
            message: col(messages),
            detail: col(details),
        };
        for c in checked {
            out.append(c);
        }
        out
    }

    fn append(&mut self, c: &Checked) {
        for (p, detail) in &c.problems {
            self.claim_id.append_value(&c.claim_id);
            self.line_id.append_option(p.line_id.as_deref());
            self.problem.append_value(p.code.as_str());
            self.severity.append_value(p.code.severity().as_str());
            self.message.append_value(&p.message);
            self.detail.append_option(detail.as_deref());
        }
    }

    pub(crate) fn finish(&mut self) -> Result<RecordBatch, BatchError> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.claim_id.finish()),
            Arc::new(self.line_id.finish()),
            Arc::new(self.problem.finish()),
            Arc::new(self.severity.finish()),
            Arc::new(self.message.finish()),
            Arc::new(self.detail.finish()),
        ];
        RecordBatch::try_new(schema(), columns).map_err(|e: ArrowError| BatchError::Stream {
            message: format!("building the problems batch: {e}"),
        })
    }
}
