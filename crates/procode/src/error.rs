//! Error types: those of the catalog area (importing sources, building,
//! opening and querying index files) come from `procode-index` and are
//! re-exported here; the NCCI edits errors are this crate's own.

use std::path::PathBuf;

use crate::billing::{
    DocumentError, DocumentRef, DocumentState, EditAction, EditContext, EditError, JsonError,
    LineError, MoneyError, PolicyError, RateError, StaleDocument, Transition, TransitionError,
};
use crate::claim::ClaimError;
use crate::code::Code;

pub use procode_index::error::{
    CatalogError, Classified, ColumnError, ErrorKind, ImportError, Result, RowError, UnknownName,
};

/// Errors of loading, building, opening and querying CMS NCCI edit tables
/// (procedure-to-procedure pairs and medically unlikely edits).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NcciError {
    /// A file could not be read or written.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// A row of an edit table that cannot be loaded.
    #[error(transparent)]
    BadRow(RowError),
    /// A required column is missing from the header.
    #[error(transparent)]
    MissingColumn(ColumnError),
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

// The classification of this crate's errors: one exhaustive match per type,
// so a new variant cannot compile until it has a kind (the bindings map
// kinds, never variants).

impl Classified for NcciError {
    fn kind(&self) -> ErrorKind {
        match self {
            NcciError::Io { .. } => ErrorKind::NcciIo,
            NcciError::BadRow(_)
            | NcciError::MissingColumn(_)
            | NcciError::BadFile { .. }
            | NcciError::DuplicateEdit { .. }
            | NcciError::DuplicateMue { .. }
            | NcciError::TooLarge { .. }
            | NcciError::NotAnEditsFile
            | NcciError::UnsupportedVersion { .. }
            | NcciError::Truncated { .. }
            | NcciError::ChecksumMismatch { .. }
            | NcciError::Corrupt { .. } => ErrorKind::NcciData,
        }
    }
}

impl Classified for MoneyError {
    fn kind(&self) -> ErrorKind {
        match self {
            MoneyError::UnknownCurrency { .. }
            | MoneyError::NotADecimal { .. }
            | MoneyError::Negative { .. }
            | MoneyError::TooLarge { .. } => ErrorKind::InvalidMoney,
        }
    }
}

impl Classified for LineError {
    fn kind(&self) -> ErrorKind {
        match self {
            LineError::Rate(e) => e.kind(),
            LineError::InvalidCode { .. } => ErrorKind::InvalidCode,
            LineError::ZeroUnits
            | LineError::TooManyModifiers { .. }
            | LineError::DiagnosisNotIcd10Cm { .. }
            | LineError::OutOfRange { .. } => ErrorKind::InvalidLine,
        }
    }
}

impl Classified for StaleDocument {
    fn kind(&self) -> ErrorKind {
        ErrorKind::StaleDocument
    }
}

impl Classified for JsonError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidJson
    }
}

impl Classified for EditError {
    fn kind(&self) -> ErrorKind {
        match self {
            EditError::NotAllowed { .. } => ErrorKind::EditNotAllowed,
            EditError::UnknownLine { .. } => ErrorKind::UnknownLine,
            EditError::DuplicateLineId { .. } => ErrorKind::DuplicateLine,
            // The line's own problem is named in the message; the kind is
            // the edit's: this line cannot be put on the document.
            EditError::InvalidLine { .. } => ErrorKind::InvalidLine,
            EditError::AmountTooLarge { .. } => ErrorKind::AmountTooLarge,
            EditError::ScheduleMissing { .. } => ErrorKind::ScheduleMissing,
            EditError::BelowPaid { .. } => ErrorKind::BelowPaid,
            EditError::Stale(e) => e.kind(),
        }
    }
}

impl Classified for TransitionError {
    fn kind(&self) -> ErrorKind {
        match self {
            TransitionError::InvalidState { .. } => ErrorKind::InvalidTransition,
            TransitionError::InvoiceIdRequired { .. } => ErrorKind::InvoiceIdRequired,
            TransitionError::NoInvoice { .. } => ErrorKind::NoInvoice,
            TransitionError::WrongInvoice { .. } | TransitionError::InvoiceMismatch { .. } => {
                ErrorKind::InvoiceMismatch
            }
            TransitionError::BadBooking { .. } => ErrorKind::BadBooking,
            TransitionError::ZeroPayment { .. }
            | TransitionError::CurrencyMismatch { .. }
            | TransitionError::Overpayment { .. }
            | TransitionError::DuplicatePayment { .. } => ErrorKind::InvalidPayment,
            TransitionError::HasPayments { .. } => ErrorKind::HasPayments,
            TransitionError::Edit(e) => e.kind(),
            TransitionError::Stale(e) => e.kind(),
        }
    }
}

impl Classified for DocumentError {
    fn kind(&self) -> ErrorKind {
        match self {
            DocumentError::Json(e) => e.kind(),
            DocumentError::Inconsistent { .. } => ErrorKind::InconsistentDocument,
            DocumentError::Unlinked { .. } => ErrorKind::UnlinkedDocument,
        }
    }
}

impl Classified for RateError {
    fn kind(&self) -> ErrorKind {
        match self {
            RateError::Io { .. } => ErrorKind::FeeScheduleIo,
            RateError::MissingColumn(_)
            | RateError::UnknownColumn { .. }
            | RateError::Json(_)
            | RateError::BadRow(_)
            | RateError::Malformed { .. }
            | RateError::Overlap { .. }
            | RateError::BadEntry { .. } => ErrorKind::InvalidFeeSchedule,
        }
    }
}

impl Classified for PolicyError {
    fn kind(&self) -> ErrorKind {
        match self {
            PolicyError::Loosens { .. } => ErrorKind::InvalidPolicy,
            PolicyError::Json(_) => ErrorKind::PolicyJson,
        }
    }
}

impl Classified for ClaimError {
    fn kind(&self) -> ErrorKind {
        match self {
            ClaimError::NotReady { .. } => ErrorKind::ClaimNotReady,
            ClaimError::InvalidContext { .. } => ErrorKind::InvalidClaimContext,
            ClaimError::UnknownFormat { .. } => ErrorKind::UnknownFormat,
        }
    }
}

#[cfg(feature = "arrow")]
impl Classified for crate::batch::BatchError {
    fn kind(&self) -> ErrorKind {
        use crate::batch::BatchError as B;
        match self {
            B::MissingColumn { .. }
            | B::UnknownColumn { .. }
            | B::DuplicateColumn { .. }
            | B::WrongType { .. }
            | B::Null { .. }
            | B::BadValue { .. }
            | B::ClaimNotContiguous { .. }
            | B::DuplicateLine { .. }
            | B::LengthMismatch { .. }
            | B::Stream { .. } => ErrorKind::InvalidClaimLines,
        }
    }
}

/// The facts of a refused edit or state change, for a binding to expose as
/// fields (Python's `EditNotAllowed.action`, `.context`, `.document`,
/// `.state`, `InvalidTransition.transition`, ...) rather than leave them in
/// the message only. Built from the error's own fields by
/// [`EditError::refusal`] and [`TransitionError::refusal`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Refusal {
    /// The document the edit or step was refused on.
    pub document: DocumentRef,
    /// Its state, when the refusal is about the state (a policy refusal, a
    /// step the state does not start from).
    pub state: Option<DocumentState>,
    /// The refused edit action, for a policy refusal.
    pub action: Option<EditAction>,
    /// The edit context, for a policy refusal.
    pub context: Option<EditContext>,
    /// The refused state change, for a step the state does not start from.
    pub transition: Option<Transition>,
}

impl Refusal {
    fn of(document: &DocumentRef) -> Refusal {
        Refusal {
            document: document.clone(),
            state: None,
            action: None,
            context: None,
            transition: None,
        }
    }
}

impl EditError {
    /// The document, and for a policy refusal its state, the action and
    /// the context; `None` for a stale document (see [`StaleDocument`]).
    pub fn refusal(&self) -> Option<Refusal> {
        match self {
            EditError::NotAllowed {
                context,
                document,
                state,
                action,
            } => Some(Refusal {
                state: Some(*state),
                action: Some(*action),
                context: Some(*context),
                ..Refusal::of(document)
            }),
            EditError::UnknownLine { document, .. }
            | EditError::DuplicateLineId { document, .. }
            | EditError::InvalidLine { document, .. }
            | EditError::AmountTooLarge { document, .. }
            | EditError::ScheduleMissing { document, .. }
            | EditError::BelowPaid { document, .. } => Some(Refusal::of(document)),
            EditError::Stale(_) => None,
        }
    }
}

impl TransitionError {
    /// The document, and for a step its state does not start from the
    /// state and the step; an edit's refusal for an edit made by the step;
    /// `None` for a stale document (see [`StaleDocument`]).
    pub fn refusal(&self) -> Option<Refusal> {
        match self {
            TransitionError::InvalidState {
                transition,
                document,
                state,
            } => Some(Refusal {
                state: Some(*state),
                transition: Some(*transition),
                ..Refusal::of(document)
            }),
            TransitionError::InvoiceIdRequired { session }
            | TransitionError::NoInvoice { session }
            | TransitionError::WrongInvoice { session, .. }
            | TransitionError::InvoiceMismatch { session, .. } => Some(Refusal::of(session)),
            TransitionError::BadBooking { service, .. } => Some(Refusal::of(service)),
            TransitionError::ZeroPayment { invoice }
            | TransitionError::CurrencyMismatch { invoice, .. }
            | TransitionError::Overpayment { invoice, .. }
            | TransitionError::DuplicatePayment { invoice, .. }
            | TransitionError::HasPayments { invoice, .. } => Some(Refusal::of(invoice)),
            TransitionError::Edit(e) => e.refusal(),
            TransitionError::Stale(_) => None,
        }
    }
}

impl DocumentState {
    /// The state's snake_case name (`"paid"`, `"booked"`); `None` for a
    /// service, which has no state.
    pub fn state_name(&self) -> Option<&'static str> {
        match self {
            DocumentState::Service => None,
            DocumentState::Session { state } => Some(state.as_str()),
            DocumentState::Invoice { state } => Some(state.as_str()),
        }
    }
}

impl Transition {
    /// The snake_case name, as in JSON (`"record_payment"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Review => "review",
            Transition::Confirm => "confirm",
            Transition::Cancel => "cancel",
            Transition::NoShow => "no_show",
            Transition::Complete => "complete",
            Transition::Send => "send",
            Transition::RecordPayment => "record_payment",
            Transition::Void => "void",
        }
    }
}

/// The value of `all` whose `name` is `s` (exactly: these names are
/// snake_case identifiers, as in JSON).
pub(crate) fn by_name<T: Copy>(
    all: &[T],
    name: fn(T) -> &'static str,
    s: &str,
    what: &'static str,
    expected: &'static str,
) -> Result<T, UnknownName> {
    all.iter()
        .copied()
        .find(|v| name(*v) == s)
        .ok_or_else(|| UnknownName::new(what, s, expected))
}

// Kept here, not beside `ProblemCode`, so it stays put while that
// vocabulary moves to its own module (issue 16 item 4).
impl std::str::FromStr for crate::billing::ProblemCode {
    type Err = UnknownName;

    /// The stable code as written in JSON and reports (`"NCCI_PTP_CONFLICT"`).
    fn from_str(s: &str) -> std::result::Result<Self, UnknownName> {
        use crate::billing::ProblemCode;
        by_name(
            &ProblemCode::ALL,
            ProblemCode::as_str,
            s,
            "problem code",
            "a code of the problem list (ProblemCode::ALL), e.g. NCCI_PTP_CONFLICT",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::{InvoiceState, SessionState};
    use crate::Catalog;

    #[test]
    fn a_code_the_catalog_lacks_is_unknown_code_and_a_bad_one_invalid_code() {
        let cat = Catalog::embedded().expect("the embedded catalog is built in tests");
        assert_eq!(
            cat.require("Q9Z99", None, None).unwrap_err().kind(),
            ErrorKind::UnknownCode
        );
        assert_eq!(
            cat.require("G04!", None, None).unwrap_err().kind(),
            ErrorKind::InvalidCode
        );
        assert!(cat.require("F41.1", None, None).is_ok());
    }

    #[test]
    fn foreign_and_missing_files_classify_by_area() {
        let dir = std::env::temp_dir().join(format!("procode-kinds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let foreign = dir.join("foreign.idx");
        std::fs::write(&foreign, b"not an index, not an edits file").unwrap();
        let missing = dir.join("missing.idx");
        assert_eq!(
            Catalog::open(&foreign).unwrap_err().kind(),
            ErrorKind::IndexCorrupt
        );
        assert_eq!(
            Catalog::open(&missing).unwrap_err().kind(),
            ErrorKind::IndexIo
        );
        let ncci = crate::ncci::NcciEdits::open(&foreign).unwrap_err();
        assert_eq!(ncci.kind(), ErrorKind::NcciData);
        let ncci = crate::ncci::NcciEdits::open(&missing).unwrap_err();
        assert_eq!(ncci.kind(), ErrorKind::NcciIo);
        let mue = dir.join("mue.tsv");
        std::fs::write(
            &mue,
            "code\tmue\tmai\trationale\teffective_date\nH0004\tmany\t3\tx\t2024-07-01\n",
        )
        .unwrap();
        let bad_row = crate::ncci::NcciBuilder::new().load_mue(&mue).unwrap_err();
        assert_eq!(bad_row.kind(), ErrorKind::NcciData, "{bad_row}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn nested_errors_take_the_kind_of_what_they_wrap() {
        let doc = DocumentRef {
            kind: crate::billing::DocumentKind::Invoice,
            id: "INV-7".into(),
        };
        let refused = EditError::NotAllowed {
            context: EditContext::InvoiceEdit,
            document: doc.clone(),
            state: InvoiceState::Paid.into(),
            action: EditAction::Remove,
        };
        let step = TransitionError::Edit(refused.clone());
        assert_eq!(step.kind(), ErrorKind::EditNotAllowed);
        let line = LineError::Rate(MoneyError::Negative {
            amount: rust_decimal::Decimal::NEGATIVE_ONE,
        });
        assert_eq!(line.kind(), ErrorKind::InvalidMoney);
        assert_eq!(
            step.refusal(),
            Some(Refusal {
                document: doc,
                state: Some(DocumentState::Invoice {
                    state: InvoiceState::Paid
                }),
                action: Some(EditAction::Remove),
                context: Some(EditContext::InvoiceEdit),
                transition: None,
            })
        );
    }

    #[test]
    fn a_refused_step_names_its_state_and_transition() {
        let e = TransitionError::InvalidState {
            transition: Transition::RecordPayment,
            document: DocumentRef {
                kind: crate::billing::DocumentKind::Session,
                id: "S-1".into(),
            },
            state: SessionState::NoShow.into(),
        };
        assert_eq!(e.kind(), ErrorKind::InvalidTransition);
        let r = e.refusal().unwrap();
        assert_eq!(r.document.to_string(), "session S-1");
        assert_eq!(r.state.and_then(|s| s.state_name()), Some("no_show"));
        assert_eq!(r.transition.map(Transition::as_str), Some("record_payment"));
        assert_eq!((r.action, r.context), (None, None));
        assert_eq!(DocumentState::Service.state_name(), None);
    }

    /// Every vocabulary that crosses a binding parses by `FromStr` the
    /// names it serialises to (so no binding parses through JSON).
    #[test]
    fn names_parse_back_to_their_values_as_in_json() {
        fn check<T>(all: &[T], name: fn(T) -> &'static str)
        where
            T: Copy + PartialEq + std::fmt::Debug + serde::Serialize + std::str::FromStr,
            T::Err: std::fmt::Debug,
        {
            for v in all {
                assert_eq!(serde_json::to_value(v).unwrap(), name(*v), "{v:?}");
                assert_eq!(name(*v).parse::<T>().unwrap(), *v);
            }
            assert!("no_such_name".parse::<T>().is_err());
        }
        check(
            &crate::billing::ProblemCode::ALL,
            crate::billing::ProblemCode::as_str,
        );
        check(&EditContext::ALL, EditContext::as_str);
        check(&EditAction::ALL, EditAction::as_str);
        check(&SessionState::ALL, SessionState::as_str);
        check(&InvoiceState::ALL, InvoiceState::as_str);
        let e = "payd".parse::<InvoiceState>().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnknownName);
        assert_eq!(
            e.to_string(),
            "unknown invoice state \"payd\": use draft, sent, paid or void"
        );
        assert_eq!(
            DocumentState::from_names("session", Some("booked")),
            Ok(SessionState::Booked.into())
        );
        for (d, s) in [
            ("session", None),
            ("service", Some("paid")),
            ("claim", None),
        ] {
            assert!(DocumentState::from_names(d, s).is_err(), "{d} {s:?}");
        }
    }

    #[test]
    fn transition_names_are_their_json_names() {
        use Transition as T;
        for t in [
            T::Review,
            T::Confirm,
            T::Cancel,
            T::NoShow,
            T::Complete,
            T::Send,
            T::RecordPayment,
            T::Void,
        ] {
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str(), "{t:?}");
        }
    }
}
