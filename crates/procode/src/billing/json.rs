//! Reading billing input from JSON: every input type refuses unknown fields,
//! and an error names the field at fault by its path in the input.

use serde::de::DeserializeOwned;

/// Why JSON input was refused: not JSON, or not the shape of the value
/// asked for (an unknown field, a missing field, a value of the wrong type).
///
/// `path` names where in the input the fault is, as `lines[0].modifier`
/// (`None` for the input as a whole, e.g. a syntax error, whose `message`
/// then gives the line and column).
///
/// # Example
/// ```
/// use procode::billing::{parse_json, EditBatch};
/// let e = parse_json::<EditBatch>(
///     r#"{"ops": [{"op": "edit", "line_id": "L1", "changes": {"unit": 3}}]}"#,
///     "edit batch",
/// )
/// .unwrap_err();
/// // The path reaches into tagged values (an operation, a rate source) as
/// // far as the tag: here the batch's first operation.
/// assert_eq!(e.path.as_deref(), Some("ops[0]"));
/// assert!(e.to_string().starts_with("invalid edit batch at ops[0]: unknown field `unit`, expected one of"), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what}{}: {message}", path.as_ref().map(|p| format!(" at {p}")).unwrap_or_default())]
pub struct JsonError {
    /// What was being read (`invoice`, `edit batch`, `claim context`, ...).
    pub what: &'static str,
    /// Where in the input: `lines[0].modifier`; `None` for the whole input.
    pub path: Option<String>,
    /// What is wrong (serde's words: `unknown field `modifier`, expected one
    /// of ...`, `missing field `id``, with the line and column of a syntax
    /// error).
    pub message: String,
}

impl JsonError {
    /// An error about the input as a whole or at `path`.
    pub(crate) fn new(
        what: &'static str,
        path: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        JsonError {
            what,
            path,
            message: message.into(),
        }
    }

    fn from_path(what: &'static str, e: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = e.path().to_string();
        let path = (path != "." && !path.is_empty()).then_some(path);
        JsonError::new(what, path, e.into_inner().to_string())
    }
}

/// Reads any billing input (a line, an edit batch, a payment, a booking
/// request, a fee schedule, ...) from JSON text. Unknown fields are refused;
/// the error names the path of the field at fault and `what` was being
/// read. Documents have their own readers, which also check that a document
/// is consistent ([`Document::from_json`](super::Document::from_json)).
///
/// # Example
/// ```
/// use procode::billing::{parse_json, CodeLine};
/// let e = parse_json::<CodeLine>(r#"{"id": "L1", "modifier": ["HO"]}"#, "code line").unwrap_err();
/// assert_eq!(e.path.as_deref(), Some("modifier"));
/// ```
pub fn parse_json<T: DeserializeOwned>(text: &str, what: &'static str) -> Result<T, JsonError> {
    // Parsed in two steps: a syntax error gives its line and column; a
    // shape error (unknown or missing field, wrong type) its path, which
    // also reads well for JSON made from a Python dict.
    from_value(to_value(text, what)?, what)
}

/// Reads a value from parsed JSON, naming the path of a fault.
pub(crate) fn from_value<T: DeserializeOwned>(
    value: serde_json::Value,
    what: &'static str,
) -> Result<T, JsonError> {
    serde_path_to_error::deserialize(value).map_err(|e| JsonError::from_path(what, e))
}

/// Parses JSON text into a value (syntax errors carry line and column).
pub(crate) fn to_value(text: &str, what: &'static str) -> Result<serde_json::Value, JsonError> {
    serde_json::from_str(text).map_err(|e| JsonError::new(what, None, e.to_string()))
}
