//! Error types: those of the catalog area (importing sources, building,
//! opening and querying index files) come from `procode-index` and are
//! re-exported here; the NCCI edits errors are this crate's own.

use std::path::PathBuf;

use crate::code::Code;

pub use procode_index::error::{CatalogError, ImportError, Result, UnknownName};

/// Errors of loading, building, opening and querying CMS NCCI edit tables
/// (procedure-to-procedure pairs and medically unlikely edits).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EditsError {
    /// A file could not be read or written.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// A row of an edit table that cannot be loaded.
    #[error("{file}:{line}: column {column}: {problem}")]
    BadRow {
        /// The file (path or name given to the loader).
        file: String,
        /// 1-based line number.
        line: u64,
        /// The column name.
        column: String,
        /// What is wrong and how to fix it.
        problem: String,
    },
    /// A required column is missing from the header.
    #[error("{file}: missing column {column:?} in the header (found: {found})")]
    MissingColumn {
        /// The file.
        file: String,
        /// The column looked for.
        column: String,
        /// The header as found.
        found: String,
    },
    /// A whole-file problem: empty, not text, unreadable gzip.
    #[error("{file}: {problem}")]
    BadFile {
        /// The file.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// The same PTP edit (pair, deletion date, modifier indicator and
    /// rationale) twice.
    #[error("{file}:{line}: duplicate PTP edit {column1}/{column2} (first seen on {first})")]
    DuplicateEdit {
        /// The file of the second occurrence.
        file: String,
        /// Line of the second occurrence.
        line: u64,
        /// Where the first one was (`file:line`).
        first: String,
        /// Column 1 code.
        column1: Code,
        /// Column 2 code.
        column2: Code,
    },
    /// The same code twice in MUE tables.
    #[error("{file}:{line}: duplicate MUE for code {code} (first seen on {first}): give one MUE per code")]
    DuplicateMue {
        /// The file of the second occurrence.
        file: String,
        /// Line of the second occurrence.
        line: u64,
        /// Where the first one was (`file:line`).
        first: String,
        /// The code.
        code: Code,
    },
    /// More edits than the file format holds.
    #[error("too many edits: {what}")]
    TooLarge {
        /// What exceeds which limit.
        what: String,
    },
    /// The file does not start with the procode edits magic bytes.
    #[error(
        "not a procode NCCI edits file (bad magic bytes); build one with `procode build-edits`"
    )]
    NotAnEditsFile,
    /// The file has a format version this library cannot read.
    #[error("edits file format version {found} is not supported (this library reads version {supported}); rebuild it with `procode build-edits`")]
    UnsupportedVersion {
        /// The version found in the file.
        found: u32,
        /// The version this library reads.
        supported: u32,
    },
    /// The file is shorter than its header says.
    #[error("edits file is truncated: {expected} bytes expected, {found} present")]
    Truncated {
        /// Bytes the header announces.
        expected: u64,
        /// Bytes present.
        found: u64,
    },
    /// A checksum does not match: the file was corrupted.
    #[error("edits file is corrupted: checksum of the {section} does not match")]
    ChecksumMismatch {
        /// Which part of the file.
        section: &'static str,
    },
    /// A structural inconsistency inside the file.
    #[error("edits file is corrupted: {what}")]
    Corrupt {
        /// What is inconsistent.
        what: String,
    },
}
