//! # procode
//!
//! Procedure and diagnosis codes for practice billing: a fast, date-aware code
//! catalog indexed with `fst`, and a typed billing model whose state machine
//! decides where codes may be added, edited or removed.
#![deny(missing_docs)]
#![forbid(unsafe_op_in_unsafe_fn)]

pub mod billing;
pub mod code;
pub mod entry;
pub mod error;
pub mod import;

pub use code::{Code, CodeError, CodeSystem, MAX_CODE_LEN};
pub use entry::Entry;
pub use error::{CatalogError, ImportError, Result};
