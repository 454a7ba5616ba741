//! The problems record batch.

use std::sync::{Arc, OnceLock};

use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};

use super::BatchError;
use crate::billing::Problem;

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
    problems: Vec<(Problem, Option<String>)>,
}

impl Checked {
    pub(crate) fn new((claim_id, problems): (String, Vec<Problem>)) -> Checked {
        let problems = problems
            .into_iter()
            .map(|p| {
                let detail = p.detail.as_ref().map(|d| {
                    serde_json::to_string(d).unwrap_or_else(|e| {
                        serde_json::json!({ "unserialisable_detail": e.to_string() }).to_string()
                    })
                });
                (p, detail)
            })
            .collect();
        Checked { claim_id, problems }
    }
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
    pub(crate) fn new() -> ProblemsBuilder {
        ProblemsBuilder {
            claim_id: StringBuilder::new(),
            line_id: StringBuilder::new(),
            problem: StringBuilder::new(),
            severity: StringBuilder::new(),
            message: StringBuilder::new(),
            detail: StringBuilder::new(),
        }
    }

    pub(crate) fn append(&mut self, c: Checked) {
        for (p, detail) in c.problems {
            self.claim_id.append_value(&c.claim_id);
            self.line_id.append_option(p.line_id.as_deref());
            self.problem.append_value(p.code.as_str());
            self.severity.append_value(p.code.severity().as_str());
            self.message.append_value(&p.message);
            self.detail.append_option(detail);
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
