//! Error types of the catalog area: importing sources and building, opening and
//! querying index files, and names procode does not know.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::code::{Code, CodeError, CodeSystem};

/// A convenient alias for catalog results.
pub type Result<T, E = CatalogError> = std::result::Result<T, E>;

/// A field of a source row that cannot be read, with where it is: the
/// `BadRow` of every error of reading a tabular source (catalog sources
/// [`ImportError`], NCCI tables, fee schedules), so the position and its
/// message are written once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: column {column}: {problem}")]
#[non_exhaustive]
pub struct RowError {
    /// The file (path or name given to the reader).
    pub file: String,
    /// 1-based line number (0 for a row not read from a file).
    pub line: u64,
    /// The column (name, or 1-based number / character range).
    pub column: String,
    /// What is wrong and how to fix it.
    pub problem: String,
}

impl RowError {
    /// The field `column` on line `line` of `file`, and what is wrong with it.
    pub fn new(
        file: impl Into<String>,
        line: u64,
        column: impl Into<String>,
        problem: impl Into<String>,
    ) -> RowError {
        RowError {
            file: file.into(),
            line,
            column: column.into(),
            problem: problem.into(),
        }
    }
}

/// A required column missing from a source's header: the `MissingColumn` of
/// every error of reading a tabular source, like [`RowError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: missing column {column:?} in the header (found: {found})")]
#[non_exhaustive]
pub struct ColumnError {
    /// The file.
    pub file: String,
    /// The column looked for.
    pub column: String,
    /// The header as found.
    pub found: String,
}

impl ColumnError {
    /// Column `column` is not in the header `found` of `file`.
    pub fn new(
        file: impl Into<String>,
        column: impl Into<String>,
        found: impl Into<String>,
    ) -> ColumnError {
        ColumnError {
            file: file.into(),
            column: column.into(),
            found: found.into(),
        }
    }
}

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
    #[error(transparent)]
    BadRow(RowError),
    /// A required column is missing from the header.
    #[error(transparent)]
    MissingColumn(ColumnError),
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
    /// A release record that cannot be stored (its window ends before it
    /// starts).
    #[error("cannot index release {name:?}: {problem}")]
    BadRelease {
        /// The release's name.
        name: String,
        /// What is wrong.
        problem: String,
    },
    /// The embedded default catalog was not compiled in.
    #[error("the embedded default catalog is not available in this build of procode: open an index file instead (CLI: --catalog FILE; Rust: Catalog::open; Python: Catalog.open; C: procode_catalog_open), or rebuild procode with its procode-data crate (or PROCODE_DATA_DIR naming a directory of the code-set files)")]
    EmbeddedUnavailable,
    /// A source file could not be imported.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// A code or code-system name is invalid.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// A synonym list for search cannot be used (the line is in the error).
    #[error("synonym list: {0}")]
    Synonyms(#[from] crate::synonyms::SynonymError),
    /// A search weights file cannot be used (the line is in the error).
    #[error("search weights: {0}")]
    SearchWeights(#[from] crate::weights::WeightsError),
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
    /// A code the caller requires is not in the catalog (see
    /// `Catalog::require` in `procode`).
    #[error("{}", not_in_catalog(code, *system, *as_of))]
    NotInCatalog {
        /// The code looked up.
        code: Code,
        /// The system it was looked up in (`None`: every system).
        system: Option<CodeSystem>,
        /// The date of service it had to be valid on, if any.
        as_of: Option<NaiveDate>,
    },
}

fn not_in_catalog(code: &Code, system: Option<CodeSystem>, as_of: Option<NaiveDate>) -> String {
    let mut m = match system {
        Some(s) => format!("no {s} code {:?} in the catalog", code.display_for(s)),
        None => format!("no code {:?} in the catalog", code.as_str()),
    };
    if let Some(d) = as_of {
        m.push_str(&format!(" valid on {d}"));
    }
    m
}

/// A name procode does not know, given for one of the small vocabularies
/// that cross into procode as text: a standard data file
/// ([`StdFile`](crate::import::StdFile)), an ICD-10 code set
/// ([`IcdSet`](crate::import::IcdSet)), a verification level
/// ([`Verify`](crate::Verify)).
///
/// # Example
/// ```
/// use procode_index::import::IcdSet;
/// let e = "icd9".parse::<IcdSet>().unwrap_err();
/// assert_eq!(e.to_string(), "unknown ICD-10 code set \"icd9\": use cm (icd10cm) or pcs (icd10pcs)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {name:?}: use {expected}")]
#[non_exhaustive]
pub struct UnknownName {
    /// What kind of name it is (`data file`, `ICD-10 code set`, …).
    pub what: &'static str,
    /// The name as given.
    pub name: String,
    /// The names that are known.
    pub expected: &'static str,
}

impl UnknownName {
    /// `name`, unknown as a `what`; `expected` lists the known names.
    pub fn new(what: &'static str, name: &str, expected: &'static str) -> UnknownName {
        UnknownName {
            what,
            name: name.to_owned(),
            expected,
        }
    }
}

/// What kind of failure an error is: the one classification of every error
/// procode reports, from a bad code to a claim that is not ready.
///
/// Every error type of procode implements [`Classified`], and its `kind` is
/// one exhaustive `match` written once, beside the type (the catalog area's
/// here, the billing, claim and NCCI errors in `procode::error`). The
/// bindings never look at error variants: each maps a kind to its surface in
/// one table (the C result codes in `bindings/c/src/error.rs`, the Python
/// exception classes in `bindings/python/src/errors.rs`).
///
/// Deliberately **not** `#[non_exhaustive]`: a new kind must be a compile
/// error in every binding's table until it is given a code there, never a
/// silent fall to a base error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A code that is not a valid code (or not of its system's shape).
    InvalidCode,
    /// A code-system name procode does not know.
    UnknownSystem,
    /// A well-formed code the catalog does not hold (`Catalog::require`).
    UnknownCode,
    /// A date that is not `YYYY-MM-DD`, or no such day.
    InvalidDate,
    /// The embedded default catalog was not compiled in.
    CatalogUnavailable,
    /// An index file that cannot be read or written (the operating system
    /// refused).
    IndexIo,
    /// An index file that is truncated, corrupted, foreign or of another
    /// format version.
    IndexCorrupt,
    /// Entries or releases that cannot be stored in an index (the same code
    /// twice, bad dates, text too long).
    CatalogData,
    /// A source file (TSV, mapped CSV, order file, addenda, workbook) that
    /// cannot be imported: unreadable, a bad row, a missing column.
    Source,
    /// A search query with more words than procode matches at once.
    QueryTooLong,
    /// A synonym list or search weights file that cannot be used.
    SearchData,
    /// An NCCI edits file or CMS NCCI table (PTP, MUE) that cannot be read
    /// or written (the operating system refused).
    NcciIo,
    /// An NCCI table or edits file that cannot be used: a bad row, a
    /// missing column, duplicates, or an edits file that is truncated,
    /// corrupted, foreign or of another version. One kind for tables and
    /// files alike: the C ABI has always reported both as
    /// `PROCODE_NCCI_ERROR`, and Python raises `NcciError` (a subclass of
    /// both `SourceError` and `CatalogError`, the classes it used before).
    NcciData,
    /// An amount or currency that is refused.
    InvalidMoney,
    /// A code line that cannot exist (zero units, too many modifiers, ...).
    InvalidLine,
    /// JSON that is malformed or does not describe a document.
    InvalidJson,
    /// A document whose parts contradict each other.
    InconsistentDocument,
    /// A session and an invoice (read together) that do not belong together.
    UnlinkedDocument,
    /// A step asked of a revision the document no longer has.
    StaleDocument,
    /// The edit policy refuses this edit in this context and state.
    EditNotAllowed,
    /// An edit names a line the document does not have.
    UnknownLine,
    /// An add uses a line id the document already has.
    DuplicateLine,
    /// An edit would drop a sent invoice's total below what was paid.
    BelowPaid,
    /// A line amount or a total above the largest amount procode bills.
    AmountTooLarge,
    /// A rate would be re-resolved without the fee schedule it came from.
    ScheduleMissing,
    /// A document is not in a state the step starts from.
    InvalidTransition,
    /// A new invoice is needed and no invoice id was given.
    InvoiceIdRequired,
    /// The session has no invoice for this step.
    NoInvoice,
    /// The invoice does not belong to the session.
    InvoiceMismatch,
    /// The booking request does not fit the service.
    BadBooking,
    /// A payment is refused (zero, another currency, above the balance,
    /// a duplicate id).
    InvalidPayment,
    /// An invoice with payments cannot be voided.
    HasPayments,
    /// A fee-schedule file that cannot be read (the operating system
    /// refused).
    FeeScheduleIo,
    /// A fee schedule that cannot be loaded (bad row, overlap, missing
    /// column, bad JSON).
    InvalidFeeSchedule,
    /// Edit-policy JSON that is malformed or not a policy.
    PolicyJson,
    /// An edit policy that loosens the default rules.
    InvalidPolicy,
    /// A claim that cannot be exported: the document or its context has
    /// problems.
    ClaimNotReady,
    /// Claim-context JSON that does not have the claim-context shape.
    InvalidClaimContext,
    /// A claim format procode does not write.
    UnknownFormat,
    /// Columnar claim lines (or codes to validate) that cannot be read.
    InvalidClaimLines,
    /// A name outside one of procode's small vocabularies (a data file, an
    /// ICD-10 code set, an edit context or action, a document state, ...).
    UnknownName,
}

/// An error that says which [`ErrorKind`] it is.
pub trait Classified: std::error::Error {
    /// The kind of failure.
    fn kind(&self) -> ErrorKind;
}

impl Classified for CodeError {
    fn kind(&self) -> ErrorKind {
        match self {
            CodeError::Empty
            | CodeError::InvalidChar { .. }
            | CodeError::TooLong { .. }
            | CodeError::WrongShape { .. } => ErrorKind::InvalidCode,
            CodeError::UnknownSystem { .. } => ErrorKind::UnknownSystem,
        }
    }
}

impl Classified for crate::date::DateError {
    fn kind(&self) -> ErrorKind {
        match self {
            crate::date::DateError::Shape { .. } | crate::date::DateError::NoSuchDay { .. } => {
                ErrorKind::InvalidDate
            }
        }
    }
}

impl Classified for ImportError {
    fn kind(&self) -> ErrorKind {
        match self {
            ImportError::Io { .. }
            | ImportError::BadRow(_)
            | ImportError::MissingColumn(_)
            | ImportError::DuplicateCode { .. }
            | ImportError::BadFile { .. }
            | ImportError::AddendaConflict { .. }
            | ImportError::DuplicateEntry { .. } => ErrorKind::Source,
        }
    }
}

impl Classified for CatalogError {
    fn kind(&self) -> ErrorKind {
        match self {
            CatalogError::Io { .. } => ErrorKind::IndexIo,
            CatalogError::NotAnIndex
            | CatalogError::UnsupportedVersion { .. }
            | CatalogError::Truncated { .. }
            | CatalogError::ChecksumMismatch { .. }
            | CatalogError::Corrupt { .. }
            | CatalogError::Fst(_) => ErrorKind::IndexCorrupt,
            CatalogError::DuplicateCode { .. }
            | CatalogError::BadEntry { .. }
            | CatalogError::BadRelease { .. } => ErrorKind::CatalogData,
            CatalogError::EmbeddedUnavailable => ErrorKind::CatalogUnavailable,
            CatalogError::Import(e) => e.kind(),
            CatalogError::Code(e) => e.kind(),
            CatalogError::Synonyms(_) | CatalogError::SearchWeights(_) => ErrorKind::SearchData,
            CatalogError::QueryTooLong { .. } => ErrorKind::QueryTooLong,
            CatalogError::NotInCatalog { .. } => ErrorKind::UnknownCode,
        }
    }
}

impl Classified for UnknownName {
    fn kind(&self) -> ErrorKind {
        ErrorKind::UnknownName
    }
}

impl Classified for crate::synonyms::SynonymError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::SearchData
    }
}

impl Classified for crate::weights::WeightsError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::SearchData
    }
}
