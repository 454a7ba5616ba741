//! Error types of the catalog area: importing sources and building, opening and
//! querying index files.

use std::path::PathBuf;

use crate::code::{Code, CodeError, CodeSystem};

/// A convenient alias for catalog results.
pub type Result<T, E = CatalogError> = std::result::Result<T, E>;

/// A problem in a source file, with where it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// A row that cannot be imported.
    #[error("{file}:{line}: column {column}: {problem}")]
    BadRow {
        /// The file (path or name given to the importer).
        file: String,
        /// 1-based line number.
        line: u64,
        /// The column (name, or 1-based number / character range).
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
    /// The same code twice in one system.
    #[error("{file}:{line}: duplicate {system} code {code} (first seen on line {first_line})")]
    DuplicateCode {
        /// The file.
        file: String,
        /// Line of the second occurrence.
        line: u64,
        /// Line of the first occurrence.
        first_line: u64,
        /// The code.
        code: Code,
        /// Its system.
        system: CodeSystem,
    },
    /// A problem with a whole file (empty, wrong format, unreadable workbook).
    #[error("{file}: {problem}")]
    BadFile {
        /// The file.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// An addenda (release change) record does not fit the entries it is
    /// applied to or reverted from: the entries are not the release the
    /// addenda starts from (for `apply`) or ends at (for `revert`).
    #[error("{file}:{line}: {system} code {code}: {problem}")]
    AddendaConflict {
        /// The addenda file.
        file: String,
        /// 1-based line of the addenda record.
        line: u64,
        /// The code the record names.
        code: Code,
        /// Its system.
        system: CodeSystem,
        /// What does not match and how to fix it.
        problem: String,
    },
    /// The entries handed to an update (such as applying addenda) hold the same
    /// code twice within one system.
    #[error("the entries to update hold {system} code {code} twice: give one entry per code (a single release, imported without duplicates)")]
    DuplicateEntry {
        /// The code.
        code: Code,
        /// Its system.
        system: CodeSystem,
    },
}

/// Errors of building, opening and querying a catalog.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// An index file could not be read or written.
    #[error("cannot access index file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// The file does not start with the procode index magic bytes.
    #[error("not a procode index file (bad magic bytes); build one with `procode build`")]
    NotAnIndex,
    /// The file has a format version this library cannot read.
    #[error("index format version {found} is not supported (this library reads version {supported}); rebuild the index with this version of procode")]
    UnsupportedVersion {
        /// The version found in the file.
        found: u32,
        /// The version this library reads.
        supported: u32,
    },
    /// The file is shorter than its header says.
    #[error("index file is truncated: {expected} bytes expected, {found} present")]
    Truncated {
        /// Bytes the header announces.
        expected: u64,
        /// Bytes present.
        found: u64,
    },
    /// A checksum does not match: the file was corrupted.
    #[error("index file is corrupted: checksum of the {section} does not match")]
    ChecksumMismatch {
        /// Which part of the file.
        section: &'static str,
    },
    /// A structural inconsistency inside the file.
    #[error("index file is corrupted: {what}")]
    Corrupt {
        /// What is inconsistent.
        what: String,
    },
    /// The same code twice within one system.
    #[error("duplicate {system} code {code}: codes must be unique within a system")]
    DuplicateCode {
        /// The code.
        code: Code,
        /// Its system.
        system: CodeSystem,
    },
    /// An entry that cannot be stored (bad dates, text too long).
    #[error("cannot index {system} code {code}: {problem}")]
    BadEntry {
        /// The code.
        code: Code,
        /// Its system.
        system: CodeSystem,
        /// What is wrong.
        problem: String,
    },
    /// The embedded default catalog was not compiled in.
    #[error("the embedded default catalog is not available: this build of procode found no code-set data. Set PROCODE_DATA_DIR to a directory holding hcpcs_level2.tsv, modifiers.tsv, place_of_service.tsv and icd10cm.tsv (or place it at ../shared/data beside the checkout) and rebuild, or open an index file with Catalog::open")]
    EmbeddedUnavailable,
    /// A source file could not be imported.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// A code or code-system name is invalid.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// A search query with more words than procode matches at once.
    #[error("search query has {words} words; at most {max} are allowed")]
    QueryTooLong {
        /// Words in the query.
        words: usize,
        /// The limit.
        max: usize,
    },
    /// The fst library reported an error.
    #[error("index error: {0}")]
    Fst(String),
}

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
