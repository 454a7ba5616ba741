//! The exception hierarchy and the one place core errors become exceptions.
//!
//! ```text
//! ProcodeError
//! ├── InvalidCode (ValueError)       a code or code-system name that cannot be parsed
//! ├── UnknownCode (KeyError)         a well-formed code the catalog does not hold
//! ├── CatalogError                   opening, reading or building an index
//! ├── SourceError                    a source file that cannot be imported
//! │   └── NcciError (+ CatalogError)  an NCCI table or edits file that cannot be used
//! ├── InvalidMoney (ValueError)      an amount or currency that is refused
//! ├── InvalidLine (ValueError)       a code line that cannot exist (zero units, ...)
//! ├── InvalidArgument (ValueError)   an argument outside what it takes (a negative limit, ...)
//! ├── EditError                      a refused batch of code edits
//! │   ├── EditNotAllowed             the edit policy forbids it here
//! │   ├── UnknownLine (KeyError)     no line with that id
//! │   ├── DuplicateLineId
//! │   ├── BelowPaid                  the total would drop below what was paid
//! │   ├── AmountTooLarge (ValueError) a line amount or total above the largest procode bills
//! │   └── ScheduleMissing            a rate would fall back without the fee schedule it came from
//! ├── InvalidTransition              a refused state change (book, confirm, pay, ...)
//! ├── StaleDocument                  a call made against a revision the document no longer has
//! ├── RateError                      a fee schedule that cannot be loaded
//! ├── PolicyError (ValueError)       an edit policy that loosens the rules
//! ├── DocumentError (ValueError)     JSON that is not a valid document
//! │   └── InconsistentDocument       a document whose parts contradict each other
//! └── ClaimError (ValueError)        a claim that cannot be exported
//!     ├── ClaimNotReady              readiness or context problems (`.problems`, `.codes`)
//!     └── InvalidClaimContext        claim context JSON that cannot be read
//! ```
//!
//! Every class has its public name and `__module__` `procode._native`, so
//! tracebacks name it as users import it and instances pickle (they cross
//! process pools). Messages are the core's `Display`: they name the document,
//! its state and the code.

use procode::billing::{
    DocumentError as CoreDocumentError, EditError as CoreEditError, JsonError, LineError,
    MoneyError, PolicyError as CorePolicyError, RateError as CoreRateError, StaleDocument,
    TransitionError,
};
use procode::billing::{EditAction, EditContext, Transition};
use procode::claim::ClaimError as CoreClaimError;
use procode::{
    CatalogError as CoreCatalogError, Classified, CodeError, DateError, ErrorKind, ImportError,
    Refusal,
};
use pyo3::exceptions::{PyException, PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::{create_exception, PyErr};

create_exception!(
    procode._native,
    ProcodeError,
    PyException,
    "Base class of every error raised by procode."
);

/// A class of the hierarchy, made at module init.
type Cell = PyOnceLock<Py<PyAny>>;

static INVALID_CODE: Cell = Cell::new();
static UNKNOWN_CODE: Cell = Cell::new();
static CATALOG_ERROR: Cell = Cell::new();
static SEARCH_DATA_ERROR: Cell = Cell::new();
static SOURCE_ERROR: Cell = Cell::new();
static NCCI_ERROR: Cell = Cell::new();
static INVALID_MONEY: Cell = Cell::new();
static INVALID_LINE: Cell = Cell::new();
static INVALID_ARGUMENT: Cell = Cell::new();
static EDIT_ERROR: Cell = Cell::new();
static EDIT_NOT_ALLOWED: Cell = Cell::new();
static UNKNOWN_LINE: Cell = Cell::new();
static DUPLICATE_LINE_ID: Cell = Cell::new();
static BELOW_PAID: Cell = Cell::new();
static AMOUNT_TOO_LARGE: Cell = Cell::new();
static SCHEDULE_MISSING: Cell = Cell::new();
static INVALID_TRANSITION: Cell = Cell::new();
static STALE_DOCUMENT: Cell = Cell::new();
static RATE_ERROR: Cell = Cell::new();
static POLICY_ERROR: Cell = Cell::new();
static DOCUMENT_ERROR: Cell = Cell::new();
static INCONSISTENT_DOCUMENT: Cell = Cell::new();
static CLAIM_ERROR: Cell = Cell::new();
static CLAIM_NOT_READY: Cell = Cell::new();
static INVALID_CLAIM_CONTEXT: Cell = Cell::new();
/// `ScrubError`, raised by `bindings/python/src/scrub.rs`.
pub(crate) static SCRUB_ERROR: Cell = Cell::new();

/// A base of a class: the root, a builtin, or a class made before it.
enum Base {
    Root,
    Exception,
    Value,
    Key,
    Class(&'static Cell),
}

/// The hierarchy, parents before children: (cell, name, docstring, bases).
const CLASSES: [(&Cell, &str, &str, &[Base]); 26] = [
    (&INVALID_CODE, "InvalidCode", "A code or code-system name that cannot be parsed.", &[Base::Root, Base::Value]),
    (&UNKNOWN_CODE, "UnknownCode", "A well-formed code that the catalog does not hold.", &[Base::Root, Base::Key]),
    (&CATALOG_ERROR, "CatalogError", "An index file could not be opened, read, written or built.", &[Base::Root]),
    (&SEARCH_DATA_ERROR, "SearchDataError", "A synonym list or search weights file that cannot be used; the message names the line.", &[Base::Class(&CATALOG_ERROR), Base::Value]),
    (&SOURCE_ERROR, "SourceError", "A source file (TSV, CSV, order file, Excel workbook) could not be imported.", &[Base::Root]),
    (&NCCI_ERROR, "NcciError", "A CMS NCCI table (PTP, MUE) or NCCI edits file that cannot be read or used: a bad row (file, line and column in the message), or an edits file that is missing, truncated, corrupted or foreign. A subclass of both SourceError and CatalogError; the C ABI reports the same failures as PROCODE_NCCI_ERROR (PROCODE_IO when the operating system refused).", &[Base::Class(&SOURCE_ERROR), Base::Class(&CATALOG_ERROR)]),
    (&INVALID_MONEY, "InvalidMoney", "An amount or currency that procode refuses.", &[Base::Root, Base::Value]),
    (&INVALID_LINE, "InvalidLine", "A code line that cannot exist (zero or out-of-range units, too many modifiers, a bad field).", &[Base::Root, Base::Value]),
    (&INVALID_ARGUMENT, "InvalidArgument", "An argument outside the values it takes (a negative limit, a code typed by hand without its system, ...); the message names the argument.", &[Base::Root, Base::Value]),
    (&EDIT_ERROR, "EditError", "A batch of code edits was refused; the document is unchanged.", &[Base::Root]),
    (&EDIT_NOT_ALLOWED, "EditNotAllowed", "The edit policy forbids this edit in this context and state.", &[Base::Class(&EDIT_ERROR)]),
    (&UNKNOWN_LINE, "UnknownLine", "An edit names a line id the document does not have.", &[Base::Class(&EDIT_ERROR), Base::Key]),
    (&DUPLICATE_LINE_ID, "DuplicateLineId", "A line id that the document already has.", &[Base::Class(&EDIT_ERROR)]),
    (&BELOW_PAID, "BelowPaid", "The edit would drop the invoice total below what was already paid.", &[Base::Class(&EDIT_ERROR)]),
    (&AMOUNT_TOO_LARGE, "AmountTooLarge", "A line amount (rate x units) or a document total would exceed the largest amount procode bills; totals are exact, never capped.", &[Base::Class(&EDIT_ERROR), Base::Value]),
    (&SCHEDULE_MISSING, "ScheduleMissing", "A line's rate came from a fee schedule this step's pricing lacks: pass the schedule (a rate never silently falls to a lesser source).", &[Base::Class(&EDIT_ERROR)]),
    (&INVALID_TRANSITION, "InvalidTransition", "A state change (book, confirm, cancel, complete, send, pay, void) was refused; nothing changed.", &[Base::Root]),
    (&STALE_DOCUMENT, "StaleDocument", "A mutating call made against a revision (`expected_revision=`) the document no longer has: it changed since it was loaded. Nothing changed; reload and retry. `document` names it (\"invoice INV-7\", \"the encounter of session S-1\"), `expected` and `current` are the revisions.", &[Base::Root]),
    (&RATE_ERROR, "RateError", "A fee schedule or one of its entries was refused.", &[Base::Root]),
    (&POLICY_ERROR, "PolicyError", "An edit policy that would loosen the default rules, or invalid policy JSON.", &[Base::Root, Base::Value]),
    (&DOCUMENT_ERROR, "DocumentError", "JSON (or a dict) that is not a valid billing document: the message names the field's path.", &[Base::Root, Base::Value]),
    (&INCONSISTENT_DOCUMENT, "InconsistentDocument", "A document whose parts contradict each other (a paid invoice with a balance, payments above the total, a session and an invoice that do not belong together, ...).", &[Base::Class(&DOCUMENT_ERROR)]),
    (&CLAIM_ERROR, "ClaimError", "A claim that cannot be exported.", &[Base::Root, Base::Value]),
    (&CLAIM_NOT_READY, "ClaimNotReady", "The document or the claim context has problems: `problems` lists every one (`Problem` objects), `codes` their stable codes.", &[Base::Class(&CLAIM_ERROR), Base::Exception]),
    (&INVALID_CLAIM_CONTEXT, "InvalidClaimContext", "Claim context JSON (or dict) that cannot be read: a missing or unknown field, a bad value.", &[Base::Class(&CLAIM_ERROR), Base::Value]),
    (&SCRUB_ERROR, "ScrubError", "Claim lines (or codes to validate) that cannot be read: a missing, unknown or mistyped column, a null where a value is needed, a bad code, a claim whose lines are not contiguous. `column` and `row` (0-based across the input) name the place, or are None.", &[Base::Root, Base::Value]),
];

/// The classes whose instances carry a refusal's facts ([`with_refusal`]),
/// and those attributes (class default `None`).
const REFUSAL_CLASSES: [&str; 2] = ["EditError", "InvalidTransition"];
const REFUSAL_ATTRS: [&str; 5] = ["document", "state", "action", "context", "transition"];

/// Makes every exception class.
pub struct Hierarchy;

impl Hierarchy {
    /// Adds every exception class to the module.
    pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
        let py = m.py();
        m.add("ProcodeError", py.get_type::<ProcodeError>())?;
        let builtins = py.import("builtins")?;
        for (cell, name, doc, bases) in CLASSES {
            let bases = bases
                .iter()
                .map(|b| -> PyResult<Bound<'_, PyAny>> {
                    Ok(match b {
                        Base::Root => py.get_type::<ProcodeError>().into_any(),
                        Base::Exception => py.get_type::<PyException>().into_any(),
                        Base::Value => py.get_type::<PyValueError>().into_any(),
                        Base::Key => py.get_type::<PyKeyError>().into_any(),
                        Base::Class(c) => {
                            c.get(py).map(|c| c.bind(py).clone()).ok_or_else(|| {
                                ProcodeError::new_err(format!("{name}: base made later"))
                            })?
                        }
                    })
                })
                .collect::<PyResult<Vec<_>>>()?;
            let ns = pyo3::types::PyDict::new(py);
            ns.set_item("__doc__", doc)?;
            ns.set_item("__module__", "procode._native")?;
            ns.set_item("__qualname__", name)?;
            if REFUSAL_CLASSES.contains(&name) {
                for attr in REFUSAL_ATTRS {
                    ns.set_item(attr, py.None())?;
                }
            }
            let bases = pyo3::types::PyTuple::new(py, bases)?;
            let cls = builtins.getattr("type")?.call1((name, bases, ns))?;
            m.add(name, &cls)?;
            let _ = cell.set(py, cls.unbind());
        }
        Ok(())
    }
}

pub(crate) fn raise(cell: &Cell, message: String) -> PyErr {
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

/// `InvalidMoney` with a message.
pub fn invalid_money(message: String) -> PyErr {
    raise(&INVALID_MONEY, message)
}

/// `InvalidArgument` with a message (which names the argument).
pub fn invalid_argument(message: impl Into<String>) -> PyErr {
    raise(&INVALID_ARGUMENT, message.into())
}

/// `DocumentError` with a message.
pub fn document_error(message: String) -> PyErr {
    raise(&DOCUMENT_ERROR, message)
}

/// `PolicyError` with a message.
pub fn policy_error(message: String) -> PyErr {
    raise(&POLICY_ERROR, message)
}

/// The one table from a core error's kind to its exception class.
/// Exhaustive on purpose: a new kind in the core does not compile until it
/// has a class here.
fn class_of(kind: ErrorKind) -> &'static Cell {
    use ErrorKind as K;
    match kind {
        K::InvalidCode | K::UnknownSystem | K::InvalidDate => &INVALID_CODE,
        K::UnknownCode => &UNKNOWN_CODE,
        K::CatalogUnavailable | K::IndexIo | K::IndexCorrupt | K::CatalogData => &CATALOG_ERROR,
        K::Source => &SOURCE_ERROR,
        K::QueryTooLong | K::UnknownName => &INVALID_ARGUMENT,
        K::SearchData => &SEARCH_DATA_ERROR,
        K::NcciIo | K::NcciData => &NCCI_ERROR,
        K::InvalidMoney => &INVALID_MONEY,
        K::InvalidLine => &INVALID_LINE,
        K::InvalidJson => &DOCUMENT_ERROR,
        K::InconsistentDocument | K::UnlinkedDocument => &INCONSISTENT_DOCUMENT,
        K::StaleDocument => &STALE_DOCUMENT,
        K::EditNotAllowed => &EDIT_NOT_ALLOWED,
        K::UnknownLine => &UNKNOWN_LINE,
        K::DuplicateLine => &DUPLICATE_LINE_ID,
        K::BelowPaid => &BELOW_PAID,
        K::AmountTooLarge => &AMOUNT_TOO_LARGE,
        K::ScheduleMissing => &SCHEDULE_MISSING,
        K::InvalidTransition
        | K::InvoiceIdRequired
        | K::NoInvoice
        | K::InvoiceMismatch
        | K::BadBooking
        | K::InvalidPayment
        | K::HasPayments => &INVALID_TRANSITION,
        K::FeeScheduleIo | K::InvalidFeeSchedule => &RATE_ERROR,
        K::PolicyJson | K::InvalidPolicy => &POLICY_ERROR,
        K::ClaimNotReady => &CLAIM_NOT_READY,
        K::InvalidClaimContext => &INVALID_CLAIM_CONTEXT,
        K::UnknownFormat => &CLAIM_ERROR,
        K::InvalidClaimLines => &SCRUB_ERROR,
    }
}

/// The exception of a core error: its kind's class with the core's message.
pub(crate) fn exception<E: Classified>(e: &E) -> PyErr {
    raise(class_of(e.kind()), e.to_string())
}

/// Sets attributes on the exception of `err` (an error setting one is
/// returned instead).
fn with_attrs(err: PyErr, set: impl FnOnce(&Bound<'_, PyAny>) -> PyResult<()>) -> PyErr {
    Python::attach(|py| match set(err.value(py).as_any()) {
        Ok(()) => err,
        Err(e) => e,
    })
}

/// The refusal facts as attributes: `document`, `state`, `action`,
/// `context`, `transition` (the ones the refusal lacks stay `None`, the
/// class default).
fn with_refusal(err: PyErr, refusal: Option<Refusal>) -> PyErr {
    let Some(r) = refusal else { return err };
    with_attrs(err, |v| {
        v.setattr("document", r.document.to_string())?;
        v.setattr("state", r.state.and_then(|s| s.state_name()))?;
        v.setattr("action", r.action.map(EditAction::as_str))?;
        v.setattr("context", r.context.map(EditContext::as_str))?;
        v.setattr("transition", r.transition.map(Transition::as_str))
    })
}

/// Converts a core error into its exception ([`class_of`] its kind), with
/// the structured facts of the errors that carry them as attributes.
pub trait IntoPyErr {
    /// The exception.
    fn into_py_err(self) -> PyErr;
}

/// Errors whose exception is their class and message alone.
macro_rules! plain {
    ($($t:ty),* $(,)?) => {$(
        impl IntoPyErr for $t {
            fn into_py_err(self) -> PyErr {
                exception(&self)
            }
        }
    )*};
}

plain!(
    CodeError,
    DateError,
    ImportError,
    CoreCatalogError,
    procode::NcciError,
    MoneyError,
    LineError,
    CoreRateError,
    CorePolicyError,
    JsonError,
    CoreDocumentError,
);

impl IntoPyErr for StaleDocument {
    fn into_py_err(self) -> PyErr {
        with_attrs(exception(&self), |v| {
            v.setattr("document", self.document.to_string())?;
            v.setattr("expected", self.expected)?;
            v.setattr("current", self.current)
        })
    }
}

impl IntoPyErr for CoreEditError {
    fn into_py_err(self) -> PyErr {
        match self {
            CoreEditError::Stale(s) => s.into_py_err(),
            e => with_refusal(exception(&e), e.refusal()),
        }
    }
}

impl IntoPyErr for TransitionError {
    fn into_py_err(self) -> PyErr {
        match self {
            TransitionError::Edit(e) => e.into_py_err(),
            TransitionError::Stale(s) => s.into_py_err(),
            e => with_refusal(exception(&e), e.refusal()),
        }
    }
}

impl IntoPyErr for CoreClaimError {
    fn into_py_err(self) -> PyErr {
        let err = exception(&self);
        let CoreClaimError::NotReady { problems, .. } = self else {
            return err;
        };
        with_attrs(err, |v| {
            let codes: Vec<&str> = problems.iter().map(|p| p.code.as_str()).collect();
            let objs: Vec<crate::billing::PyProblem> = problems
                .iter()
                .cloned()
                .map(crate::billing::PyProblem::new)
                .collect();
            v.setattr("codes", codes)?;
            v.setattr("problems", objs)
        })
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
