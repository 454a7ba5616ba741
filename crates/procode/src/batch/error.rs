//! The errors of the batch layer: bad input, named by column and row.

use arrow_schema::ArrowError;

/// Why a batch could not be scrubbed or validated. Rows are 0-based and
/// count from the start of the input (across every record batch of a
/// stream), so a row names the same line in the caller's table.
///
/// Like every error of procode, the message never echoes patient data: it
/// names a claim by its id and may quote the value at fault (a code, a
/// date, an amount, a line id), never a payer.
///
/// # Example
/// ```
/// use std::sync::Arc;
/// use arrow_array::{ArrayRef, RecordBatch, StringArray};
/// use procode::batch::{BatchError, Scrub};
/// let ids: ArrayRef = Arc::new(StringArray::from(vec!["C1"]));
/// let batch = RecordBatch::try_from_iter([("claim_id", ids)]).unwrap();
/// let cat = procode::Catalog::embedded().unwrap();
/// let err = Scrub::new(&cat).push_last(&batch).unwrap_err();
/// assert!(matches!(err, BatchError::MissingColumn { column: "line_id", .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// A required column is absent.
    #[error("missing column {column:?} (found: {found}); the claim-lines input needs claim_id, line_id, date_of_service, code, system and units")]
    MissingColumn {
        /// The column looked for.
        column: &'static str,
        /// The columns found, comma-separated.
        found: String,
    },
    /// A column the input format does not have.
    #[error("unknown column {column:?}: the columns are {known}")]
    UnknownColumn {
        /// The column as given.
        column: String,
        /// Every column of the format, comma-separated.
        known: &'static str,
    },
    /// The same column twice.
    #[error("column {column:?} appears twice")]
    DuplicateColumn {
        /// The column.
        column: String,
    },
    /// A column of an Arrow type the format does not take.
    #[error("column {column:?} is {found}: expected {expected}")]
    WrongType {
        /// The column.
        column: &'static str,
        /// Its Arrow type.
        found: String,
        /// The types it may have.
        expected: &'static str,
    },
    /// A null in a column that needs a value.
    #[error("row {row}: column {column:?} is null; it needs a value")]
    Null {
        /// The column.
        column: &'static str,
        /// The row (0-based, across the stream).
        row: u64,
    },
    /// A value that cannot be what the column says: a code without the
    /// shape of its system, an unknown code system, negative units, an
    /// amount out of range, an empty id.
    #[error("row {row}: column {column:?}: {problem}")]
    BadValue {
        /// The column.
        column: &'static str,
        /// The row (0-based, across the stream).
        row: u64,
        /// What is wrong and how to fix it.
        problem: String,
    },
    /// A claim whose lines are not next to each other: the rows of a claim
    /// must be contiguous (group or sort the input by `claim_id`).
    #[error("row {row}: claim {claim_id:?} continues after other claims: the lines of a claim must be contiguous (group or sort the input by claim_id)")]
    ClaimNotContiguous {
        /// The claim.
        claim_id: String,
        /// The row where it reappears.
        row: u64,
    },
    /// Two lines of one claim with the same line id.
    #[error("row {row}: claim {claim_id:?} has line {line_id:?} twice; line ids must be unique within a claim")]
    DuplicateLine {
        /// The claim.
        claim_id: String,
        /// The line id.
        line_id: String,
        /// The row of the second one.
        row: u64,
    },
    /// Columns of different lengths (the inputs of `validate_codes`).
    #[error("column {column:?} has {found} values; expected {expected} (one per code)")]
    LengthMismatch {
        /// The column.
        column: &'static str,
        /// Its length.
        found: usize,
        /// The length of the codes.
        expected: usize,
    },
    /// The input stream itself failed (reading a record batch).
    #[error("the input stream failed: {message}")]
    Stream {
        /// What the stream reported.
        message: String,
    },
}

impl From<ArrowError> for BatchError {
    fn from(e: ArrowError) -> Self {
        BatchError::Stream {
            message: e.to_string(),
        }
    }
}

impl BatchError {
    /// The column at fault, when the error names one.
    pub fn column(&self) -> Option<&str> {
        match self {
            BatchError::MissingColumn { column, .. }
            | BatchError::WrongType { column, .. }
            | BatchError::Null { column, .. }
            | BatchError::BadValue { column, .. }
            | BatchError::LengthMismatch { column, .. } => Some(column),
            BatchError::UnknownColumn { column, .. } | BatchError::DuplicateColumn { column } => {
                Some(column)
            }
            BatchError::ClaimNotContiguous { .. } => Some(super::CLAIM_ID),
            BatchError::DuplicateLine { .. } => Some(super::LINE_ID),
            BatchError::Stream { .. } => None,
        }
    }

    /// The row at fault (0-based, across the stream), when the error names one.
    pub fn row(&self) -> Option<u64> {
        match self {
            BatchError::Null { row, .. }
            | BatchError::BadValue { row, .. }
            | BatchError::ClaimNotContiguous { row, .. }
            | BatchError::DuplicateLine { row, .. } => Some(*row),
            BatchError::MissingColumn { .. }
            | BatchError::UnknownColumn { .. }
            | BatchError::DuplicateColumn { .. }
            | BatchError::WrongType { .. }
            | BatchError::LengthMismatch { .. }
            | BatchError::Stream { .. } => None,
        }
    }
}
