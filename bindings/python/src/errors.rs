//! The exception hierarchy and the one place core errors become exceptions.
//!
//! ```text
//! ProcodeError
//! ├── InvalidCode (ValueError)       a code or code-system name that cannot be parsed
//! ├── UnknownCode (KeyError)         a well-formed code the catalog does not hold
//! ├── CatalogError                   opening, reading or building an index
//! ├── SourceError                    a source file that cannot be imported
//! ├── InvalidMoney (ValueError)      an amount or currency that is refused
//! ├── InvalidLine (ValueError)       a code line that cannot exist (zero units, ...)
//! ├── EditError                      a refused batch of code edits
//! │   ├── EditNotAllowed             the edit policy forbids it here
//! │   ├── UnknownLine (KeyError)     no line with that id
//! │   ├── DuplicateLineId
//! │   └── BelowPaid                  the total would drop below what was paid
//! ├── InvalidTransition              a refused state change (book, confirm, pay, ...)
//! ├── RateError                      a fee schedule that cannot be loaded
//! ├── PolicyError (ValueError)       an edit policy that loosens the rules
//! ├── DocumentError (ValueError)     JSON that is not a valid document
//! └── ClaimError (ValueError)        a claim that cannot be exported
//!     ├── ClaimNotReady              readiness or context problems (`.problems`, `.codes`)
//!     └── InvalidClaimContext        claim context JSON that cannot be read
//! ```
//!
//! Messages are the core's `Display`: they name the document, its state and
//! the code.

use procode::billing::{EditError, LineError, MoneyError, PolicyError, RateError, TransitionError};
use procode::claim::ClaimError;
use procode::{CatalogError, CodeError, ImportError};
use pyo3::exceptions::{PyException, PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::{create_exception, PyErr};

create_exception!(
    procode._native,
    ProcodeError,
    PyException,
    "Base class of every error raised by procode."
);
create_exception!(
    procode._native,
    CatalogError_,
    ProcodeError,
    "An index file could not be opened, read, written or built."
);
create_exception!(
    procode._native,
    SourceError,
    ProcodeError,
    "A source file (TSV, CSV, order file, Excel workbook) could not be imported."
);
create_exception!(
    procode._native,
    EditError_,
    ProcodeError,
    "A batch of code edits was refused; the document is unchanged."
);
create_exception!(
    procode._native,
    EditNotAllowed,
    EditError_,
    "The edit policy forbids this edit in this context and state."
);
create_exception!(
    procode._native,
    DuplicateLineId,
    EditError_,
    "A line id that the document already has."
);
create_exception!(
    procode._native,
    BelowPaid,
    EditError_,
    "The edit would drop the invoice total below what was already paid."
);
create_exception!(
    procode._native,
    InvalidTransition,
    ProcodeError,
    "A state change (book, confirm, cancel, complete, send, pay, void) was refused; nothing changed."
);
create_exception!(
    procode._native,
    RateError_,
    ProcodeError,
    "A fee schedule or one of its entries was refused."
);

/// Exceptions that also subclass a builtin are made at module init (a
/// `create_exception!` class has one base).
pub struct Hierarchy;

/// Creates `name(ProcodeError or parent, builtin)` in the module.
fn two_bases<'py>(
    py: Python<'py>,
    name: &str,
    doc: &str,
    parent: Bound<'py, PyAny>,
    builtin: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let builtins = py.import("builtins")?;
    let ns = pyo3::types::PyDict::new(py);
    ns.set_item("__doc__", doc)?;
    ns.set_item("__module__", "procode._native")?;
    let bases = pyo3::types::PyTuple::new(py, [parent, builtin])?;
    builtins.getattr("type")?.call1((name, bases, ns))
}

static INVALID_CODE: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
static UNKNOWN_CODE: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
static INVALID_MONEY: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
static INVALID_LINE: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
static UNKNOWN_LINE: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
static POLICY_ERROR: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
static DOCUMENT_ERROR: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
static CLAIM_ERROR: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
static CLAIM_NOT_READY: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
static INVALID_CLAIM_CONTEXT: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();

impl Hierarchy {
    /// Adds every exception class to the module.
    pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
        let py = m.py();
        m.add("ProcodeError", py.get_type::<ProcodeError>())?;
        m.add("CatalogError", py.get_type::<CatalogError_>())?;
        m.add("SourceError", py.get_type::<SourceError>())?;
        m.add("EditError", py.get_type::<EditError_>())?;
        m.add("EditNotAllowed", py.get_type::<EditNotAllowed>())?;
        m.add("DuplicateLineId", py.get_type::<DuplicateLineId>())?;
        m.add("BelowPaid", py.get_type::<BelowPaid>())?;
        m.add("InvalidTransition", py.get_type::<InvalidTransition>())?;
        m.add("RateError", py.get_type::<RateError_>())?;
        let base = || py.get_type::<ProcodeError>().into_any();
        let value = || py.get_type::<PyValueError>().into_any();
        let key = || py.get_type::<PyKeyError>().into_any();
        let add = |cell: &pyo3::sync::PyOnceLock<Py<PyAny>>,
                   name: &str,
                   doc: &str,
                   parent: Bound<'_, PyAny>,
                   builtin: Bound<'_, PyAny>|
         -> PyResult<()> {
            let cls = two_bases(py, name, doc, parent, builtin)?;
            m.add(name, &cls)?;
            let _ = cell.set(py, cls.unbind());
            Ok(())
        };
        add(
            &INVALID_CODE,
            "InvalidCode",
            "A code or code-system name that cannot be parsed.",
            base(),
            value(),
        )?;
        add(
            &UNKNOWN_CODE,
            "UnknownCode",
            "A well-formed code that the catalog does not hold.",
            base(),
            key(),
        )?;
        add(
            &INVALID_MONEY,
            "InvalidMoney",
            "An amount or currency that procode refuses.",
            base(),
            value(),
        )?;
        add(
            &INVALID_LINE,
            "InvalidLine",
            "A code line that cannot exist (zero units, too many modifiers, a bad field).",
            base(),
            value(),
        )?;
        add(
            &UNKNOWN_LINE,
            "UnknownLine",
            "An edit names a line id the document does not have.",
            py.get_type::<EditError_>().into_any(),
            key(),
        )?;
        add(
            &POLICY_ERROR,
            "PolicyError",
            "An edit policy that would loosen the default rules, or invalid policy JSON.",
            base(),
            value(),
        )?;
        add(
            &DOCUMENT_ERROR,
            "DocumentError",
            "JSON that is not a valid billing document.",
            base(),
            value(),
        )?;
        add(
            &CLAIM_ERROR,
            "ClaimError",
            "A claim that cannot be exported.",
            base(),
            value(),
        )?;
        let claim_base = || {
            CLAIM_ERROR
                .get(py)
                .map(|c| c.bind(py).clone())
                .expect("ClaimError registered above")
        };
        let builtin_exception = || py.get_type::<PyException>().into_any();
        add(
            &CLAIM_NOT_READY,
            "ClaimNotReady",
            "The document or the claim context has problems: `problems` lists every one (`Problem` objects), `codes` their stable codes.",
            claim_base(),
            builtin_exception(),
        )?;
        add(
            &INVALID_CLAIM_CONTEXT,
            "InvalidClaimContext",
            "Claim context JSON (or dict) that cannot be read: a missing or unknown field, a bad value.",
            claim_base(),
            value(),
        )?;
        Ok(())
    }
}

fn raise(cell: &pyo3::sync::PyOnceLock<Py<PyAny>>, message: String) -> PyErr {
    Python::attach(|py| match cell.get(py) {
        Some(cls) => match cls.bind(py).call1((message.clone(),)) {
            Ok(exc) => PyErr::from_value(exc),
            Err(e) => e,
        },
        None => ProcodeError::new_err(message),
    })
}

/// `InvalidCode` with a message.
pub fn invalid_code(message: String) -> PyErr {
    raise(&INVALID_CODE, message)
}

/// `UnknownCode` with a message.
pub fn unknown_code(message: String) -> PyErr {
    raise(&UNKNOWN_CODE, message)
}

/// `InvalidMoney` with a message.
pub fn invalid_money(message: String) -> PyErr {
    raise(&INVALID_MONEY, message)
}

/// `DocumentError` with a message.
pub fn document_error(message: String) -> PyErr {
    raise(&DOCUMENT_ERROR, message)
}

/// `PolicyError` with a message.
pub fn policy_error(message: String) -> PyErr {
    raise(&POLICY_ERROR, message)
}

/// Converts a core error into the matching exception. One function per core
/// error enum, each one exhaustive match; the core enums are
/// `#[non_exhaustive]`, so each has one wildcard arm giving the base class.
pub trait IntoPyErr {
    /// The exception.
    fn into_py_err(self) -> PyErr;
}

impl IntoPyErr for CodeError {
    fn into_py_err(self) -> PyErr {
        let msg = self.to_string();
        match self {
            CodeError::Empty
            | CodeError::InvalidChar { .. }
            | CodeError::TooLong { .. }
            | CodeError::WrongShape { .. }
            | CodeError::UnknownSystem { .. } => invalid_code(msg),
            _ => ProcodeError::new_err(msg),
        }
    }
}

impl IntoPyErr for ImportError {
    fn into_py_err(self) -> PyErr {
        let msg = self.to_string();
        match self {
            ImportError::Io { .. }
            | ImportError::BadRow { .. }
            | ImportError::MissingColumn { .. }
            | ImportError::DuplicateCode { .. }
            | ImportError::BadFile { .. }
            | ImportError::AddendaConflict { .. }
            | ImportError::DuplicateEntry { .. } => SourceError::new_err(msg),
            _ => ProcodeError::new_err(msg),
        }
    }
}

impl IntoPyErr for CatalogError {
    fn into_py_err(self) -> PyErr {
        let msg = self.to_string();
        match self {
            CatalogError::Import(e) => e.into_py_err(),
            CatalogError::Code(e) => e.into_py_err(),
            CatalogError::QueryTooLong { .. } => PyValueError::new_err(msg),
            CatalogError::Io { .. }
            | CatalogError::NotAnIndex
            | CatalogError::UnsupportedVersion { .. }
            | CatalogError::Truncated { .. }
            | CatalogError::ChecksumMismatch { .. }
            | CatalogError::Corrupt { .. }
            | CatalogError::DuplicateCode { .. }
            | CatalogError::BadEntry { .. }
            | CatalogError::EmbeddedUnavailable
            | CatalogError::Fst(_) => CatalogError_::new_err(msg),
            _ => ProcodeError::new_err(msg),
        }
    }
}

impl IntoPyErr for procode::EditsError {
    fn into_py_err(self) -> PyErr {
        use procode::EditsError as E;
        let msg = self.to_string();
        match self {
            // Bad rows of a CMS table: the source cannot be imported.
            E::BadRow { .. }
            | E::MissingColumn { .. }
            | E::BadFile { .. }
            | E::DuplicateEdit { .. }
            | E::DuplicateMue { .. }
            | E::TooLarge { .. } => SourceError::new_err(msg),
            // The edits file itself: unreadable, foreign or damaged.
            _ => CatalogError_::new_err(msg),
        }
    }
}

impl IntoPyErr for MoneyError {
    fn into_py_err(self) -> PyErr {
        let msg = self.to_string();
        match self {
            MoneyError::UnknownCurrency { .. }
            | MoneyError::NotADecimal { .. }
            | MoneyError::Negative { .. }
            | MoneyError::TooLarge { .. } => invalid_money(msg),
            _ => ProcodeError::new_err(msg),
        }
    }
}

impl IntoPyErr for LineError {
    fn into_py_err(self) -> PyErr {
        let msg = self.to_string();
        match self {
            LineError::Rate(e) => e.into_py_err(),
            LineError::InvalidCode { .. } => invalid_code(msg),
            LineError::ZeroUnits
            | LineError::TooManyModifiers { .. }
            | LineError::DiagnosisNotIcd10Cm { .. } => raise(&INVALID_LINE, msg),
            _ => ProcodeError::new_err(msg),
        }
    }
}

impl IntoPyErr for EditError {
    fn into_py_err(self) -> PyErr {
        let msg = self.to_string();
        match self {
            EditError::NotAllowed { .. } => EditNotAllowed::new_err(msg),
            EditError::UnknownLine { .. } => raise(&UNKNOWN_LINE, msg),
            EditError::DuplicateLineId { .. } => DuplicateLineId::new_err(msg),
            EditError::InvalidLine { .. } => raise(&INVALID_LINE, msg),
            EditError::BelowPaid { .. } => BelowPaid::new_err(msg),
            _ => EditError_::new_err(msg),
        }
    }
}

impl IntoPyErr for TransitionError {
    fn into_py_err(self) -> PyErr {
        let msg = self.to_string();
        match self {
            TransitionError::Edit(e) => e.into_py_err(),
            TransitionError::InvalidState { .. }
            | TransitionError::InvoiceIdRequired { .. }
            | TransitionError::NoInvoice { .. }
            | TransitionError::InvoiceMismatch { .. }
            | TransitionError::BadBooking { .. }
            | TransitionError::ZeroPayment { .. }
            | TransitionError::CurrencyMismatch { .. }
            | TransitionError::Overpayment { .. }
            | TransitionError::DuplicatePayment { .. }
            | TransitionError::HasPayments { .. } => InvalidTransition::new_err(msg),
            _ => ProcodeError::new_err(msg),
        }
    }
}

impl IntoPyErr for RateError {
    fn into_py_err(self) -> PyErr {
        let msg = self.to_string();
        match self {
            RateError::Io { .. }
            | RateError::MissingColumn { .. }
            | RateError::BadRow { .. }
            | RateError::Malformed { .. }
            | RateError::Overlap { .. }
            | RateError::BadEntry { .. } => RateError_::new_err(msg),
            _ => ProcodeError::new_err(msg),
        }
    }
}

impl IntoPyErr for PolicyError {
    fn into_py_err(self) -> PyErr {
        let msg = self.to_string();
        match self {
            PolicyError::Loosens { .. } | PolicyError::Json(_) => policy_error(msg),
            _ => ProcodeError::new_err(msg),
        }
    }
}

impl IntoPyErr for ClaimError {
    fn into_py_err(self) -> PyErr {
        let msg = self.to_string();
        match self {
            ClaimError::NotReady { problems, .. } => Python::attach(|py| {
                let err = raise(&CLAIM_NOT_READY, msg);
                let value = err.value(py);
                let codes: Vec<&str> = problems.iter().map(|p| p.code.as_str()).collect();
                let objs: Vec<crate::billing::PyProblem> = problems
                    .iter()
                    .cloned()
                    .map(crate::billing::PyProblem::new)
                    .collect();
                if let Err(e) = value
                    .setattr("codes", codes)
                    .and_then(|_| value.setattr("problems", objs))
                {
                    return e;
                }
                err
            }),
            ClaimError::InvalidContext { .. } => raise(&INVALID_CLAIM_CONTEXT, msg),
            ClaimError::UnknownFormat { .. } => raise(&CLAIM_ERROR, msg),
            _ => raise(&CLAIM_ERROR, msg),
        }
    }
}

/// `?`-friendly conversion: `result.py()?`.
pub trait PyResultExt<T> {
    /// Maps the core error to its exception.
    fn py(self) -> PyResult<T>;
}

impl<T, E: IntoPyErr> PyResultExt<T> for Result<T, E> {
    fn py(self) -> PyResult<T> {
        self.map_err(IntoPyErr::into_py_err)
    }
}
