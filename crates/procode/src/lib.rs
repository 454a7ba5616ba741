//! # procode
//!
//! Procedure and diagnosis codes for practice billing: a fast, date-aware code
//! catalog indexed with `fst`, and a typed billing model whose state machine
//! decides where codes may be added, edited or removed.
//!
//! The code model ([`Code`], [`Entry`]), the importers ([`import`]) and the
//! index writer ([`IndexBuilder`]) come from the `procode-index` crate and are
//! re-exported here; this crate adds the [`Catalog`] that opens and searches
//! index files, the billing model, claims and NCCI edits.
//!
//! # Errors and patient data
//!
//! Error messages (every `Display` of this crate's errors) and readiness
//! [`Problem`](billing::Problem) messages never echo patient data. They name a
//! document by its kind and id (`session S-1`, `invoice INV-7`) and may quote
//! the value the caller passed for the field at fault (a code, a date, an
//! amount, a line id), but never a document's client id, payer id, service
//! name, line descriptions or the editing user. Hosts may log them as they
//! are. `tests/privacy.rs` plants recognisable strings in those fields and
//! checks every error and problem of the billing flows.
//!
//! # Untrusted input
//!
//! Every parser and loader (the importers, [`Catalog::from_bytes`], document
//! JSON) returns a typed error for bad input and never panics; this is fuzzed
//! (`fuzz/`) and property-tested, see `RELIABILITY.md`.
#![deny(missing_docs)]
#![forbid(unsafe_op_in_unsafe_fn)]

#[cfg(feature = "arrow")]
pub mod batch;
pub mod billing;
pub mod catalog;
pub mod claim;
pub mod error;
mod fuzzy;
pub mod index;
mod memo;
pub mod ncci;
pub mod problem;

pub use procode_index::text;
pub use procode_index::{code, date, entry, import, release, synonyms, weights};

pub use catalog::{
    Catalog, Child, CodeNote, CodeTree, EntryRef, Level, LevelKind, MatchSpan, Overlay, SearchMode,
    SearchNotice, SearchOptions, SearchRefs, SearchResults, SeventhCharacter, MAX_QUERY_WORDS,
    SMALL_WORDS,
};
pub use code::{Code, CodeError, CodeSystem, MAX_CODE_LEN};
pub use date::{parse_date, DateError};
pub use entry::{Entry, ShownEntry};
pub use error::{
    CatalogError, Classified, ColumnError, ErrorKind, ImportError, NcciError, Refusal, Result,
    RowError, UnknownName,
};
pub use import::Sources;
pub use index::{IndexBuilder, Verify};
pub use release::Release;
pub use synonyms::{Synonym, SynonymError, SynonymKind, SynonymList};
pub use weights::{SearchWeights, WeightsError};

/// The README's Rust example, compiled and run as a doctest.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
