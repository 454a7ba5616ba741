//! # procode
//!
//! Procedure and diagnosis codes for practice billing: a fast, date-aware code
//! catalog indexed with `fst`, and a typed billing model whose state machine
//! decides where codes may be added, edited or removed.
#![deny(missing_docs)]
#![forbid(unsafe_op_in_unsafe_fn)]

pub mod billing;
pub mod catalog;
pub mod claim;
pub mod code;
pub mod entry;
pub mod error;
mod fuzzy;
pub mod import;
pub mod index;
pub mod ncci;
mod text;

pub use catalog::{Catalog, Overlay, SearchMode, SearchOptions, SearchResults, MAX_QUERY_WORDS};
pub use code::{Code, CodeError, CodeSystem, MAX_CODE_LEN};
pub use entry::Entry;
pub use error::{CatalogError, EditsError, ImportError, Result};
pub use index::{IndexBuilder, Verify};

/// The README's Rust example, compiled and run as a doctest.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
