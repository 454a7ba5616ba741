//! Result codes, the per-thread last error and the mapping of core errors.

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};

use procode::billing::{DocumentError, JsonError};
use procode::{Classified, ErrorKind};

/// The result of every fallible call. `PROCODE_OK` (0) is success; any other
/// value says what kind of failure happened, and
/// `procode_last_error_message` gives the details (which code, which state).
///
/// The numbers are part of the ABI: they are never renumbered, new codes are
/// only ever added at the end.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum procode_result {
    /// Success.
    PROCODE_OK = 0,
    /// A required pointer argument was NULL.
    PROCODE_NULL_ARGUMENT = 1,
    /// A string argument is not valid UTF-8.
    PROCODE_INVALID_UTF8 = 2,
    /// A JSON argument is malformed or does not describe the expected value.
    PROCODE_INVALID_JSON = 3,
    /// A date is not `YYYY-MM-DD`, or a time not RFC 3339.
    PROCODE_INVALID_DATE = 4,
    /// A code is not a valid code (or not of its system's shape).
    PROCODE_INVALID_CODE = 5,
    /// A code-system name procode does not know.
    PROCODE_UNKNOWN_SYSTEM = 6,
    /// A code picked from the catalog that the catalog does not hold.
    PROCODE_UNKNOWN_CODE = 7,
    /// The embedded catalog was not compiled into this build.
    PROCODE_CATALOG_UNAVAILABLE = 8,
    /// A file could not be read.
    PROCODE_IO = 9,
    /// An index file is truncated, corrupted, foreign or of another version.
    PROCODE_INDEX_CORRUPT = 10,
    /// The edit policy refuses this edit here (e.g. a paid invoice).
    PROCODE_EDIT_NOT_ALLOWED = 11,
    /// A session or invoice is not in a state this step starts from.
    PROCODE_INVALID_TRANSITION = 12,
    /// An edit would drop a sent invoice's total below what was paid.
    PROCODE_BELOW_PAID = 13,
    /// An amount or currency is invalid.
    PROCODE_INVALID_MONEY = 14,
    /// Nothing was found (a lookup, or an invoice the encounter lacks).
    PROCODE_NOT_FOUND = 15,
    /// An index past the end of a list.
    PROCODE_INDEX_OUT_OF_RANGE = 16,
    /// procode panicked (a bug): the message says where. The panic did not
    /// cross into C.
    PROCODE_PANIC = 17,
    /// A search query with too many words.
    PROCODE_QUERY_TOO_LONG = 18,
    /// An edit names a line the document does not have.
    PROCODE_UNKNOWN_LINE = 19,
    /// An add uses a line id the document already has.
    PROCODE_DUPLICATE_LINE = 20,
    /// A code line is not acceptable (zero units, too many modifiers, ...).
    PROCODE_INVALID_LINE = 21,
    /// The session has no invoice for this step.
    PROCODE_NO_INVOICE = 22,
    /// A new invoice is needed and no invoice id was given.
    PROCODE_INVOICE_ID_REQUIRED = 23,
    /// The invoice does not belong to the session.
    PROCODE_INVOICE_MISMATCH = 24,
    /// The booking request does not fit the service.
    PROCODE_BAD_BOOKING = 25,
    /// A payment is refused (zero, another currency, above the balance,
    /// duplicate id).
    PROCODE_INVALID_PAYMENT = 26,
    /// An invoice with payments cannot be voided.
    PROCODE_HAS_PAYMENTS = 27,
    /// A fee schedule cannot be loaded (bad row, overlap, missing column).
    PROCODE_INVALID_FEE_SCHEDULE = 28,
    /// An edit policy loosens the default rules.
    PROCODE_INVALID_POLICY = 29,
    /// Any other catalog failure.
    PROCODE_CATALOG_ERROR = 30,
    /// Any other billing failure.
    PROCODE_BILLING_ERROR = 31,
    /// A claim cannot be exported: the document or its context has problems
    /// (listed in the message; `procode_claim_problems` gives them one by one).
    PROCODE_CLAIM_NOT_READY = 32,
    /// The claim context JSON does not have the claim-context shape.
    PROCODE_INVALID_CLAIM_CONTEXT = 33,
    /// A claim format other than `x12`, `fhir` or `cms1500`.
    PROCODE_UNKNOWN_FORMAT = 34,
    /// An NCCI edits file or table that cannot be read: a bad row (file,
    /// line and column in the message), or a truncated, corrupted or foreign
    /// edits file.
    PROCODE_NCCI_ERROR = 35,
    /// A document (or encounter) read from JSON whose parts contradict each
    /// other: a `paid` invoice with a balance, payments above the total, a
    /// `draft` invoice with payments, derived totals that do not add up, two
    /// lines with one id, an amount above the largest procode bills. (A
    /// session and invoice that do not belong together are
    /// `PROCODE_INVOICE_MISMATCH`.)
    PROCODE_INCONSISTENT_DOCUMENT = 36,
    /// An edit or booking would make a line amount (rate × units) or a
    /// document total exceed the largest amount procode bills (one
    /// trillion); totals are exact, never capped.
    PROCODE_AMOUNT_TOO_LARGE = 37,
    /// A step would re-resolve a line's rate that came from a fee schedule
    /// the step's pricing does not include: pass that schedule (or override
    /// the rate). A rate never silently falls to a lesser source.
    PROCODE_SCHEDULE_MISSING = 38,
    /// A number or character argument outside the values the call takes
    /// (the message names the argument).
    PROCODE_INVALID_ARGUMENT = 39,
    /// A step asked of a revision the document (or encounter) no longer
    /// has: it changed since it was loaded. Nothing changed; reload it and
    /// retry. The message names the document, the expected and the current
    /// revision.
    PROCODE_STALE_DOCUMENT = 40,
    /// A synonym list or search weights file for search cannot be used (the
    /// message names the line).
    PROCODE_SEARCH_DATA = 41,
}

use procode_result as R;

/// A failure: its result code and message.
#[derive(Debug)]
pub(crate) struct Error {
    pub(crate) code: procode_result,
    pub(crate) message: String,
}

impl Error {
    pub(crate) fn new(code: procode_result, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn null(name: &str) -> Error {
        Error::new(
            R::PROCODE_NULL_ARGUMENT,
            format!("argument `{name}` is NULL"),
        )
    }

    /// JSON that does not describe the value asked for.
    pub(crate) fn json(name: &str, e: &JsonError) -> Error {
        Error::new(code_of(e.kind()), format!("argument `{name}`: {e}"))
    }

    /// A document argument that cannot be loaded.
    pub(crate) fn document(name: &str, e: DocumentError) -> Error {
        Error::new(code_of(e.kind()), format!("argument `{name}`: {e}"))
    }

    /// Records the error as the thread's last error and returns its code.
    pub(crate) fn record(self) -> procode_result {
        let code = self.code;
        LAST_ERROR.with(|l| {
            *l.borrow_mut() = Some((code, crate::ffi::cstring(self.message)));
        });
        code
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<(procode_result, CString)>> = const { RefCell::new(None) };
}

/// The one table from a core error's kind to its result code. Exhaustive
/// on purpose: a new kind in the core does not compile until it has a code
/// here.
pub(crate) fn code_of(kind: ErrorKind) -> procode_result {
    use ErrorKind as K;
    match kind {
        K::InvalidCode => R::PROCODE_INVALID_CODE,
        K::UnknownSystem => R::PROCODE_UNKNOWN_SYSTEM,
        K::UnknownCode => R::PROCODE_UNKNOWN_CODE,
        K::InvalidDate => R::PROCODE_INVALID_DATE,
        K::CatalogUnavailable => R::PROCODE_CATALOG_UNAVAILABLE,
        K::IndexIo | K::NcciIo | K::FeeScheduleIo => R::PROCODE_IO,
        K::IndexCorrupt => R::PROCODE_INDEX_CORRUPT,
        K::CatalogData | K::Source => R::PROCODE_CATALOG_ERROR,
        K::QueryTooLong => R::PROCODE_QUERY_TOO_LONG,
        K::SearchData => R::PROCODE_SEARCH_DATA,
        K::NcciData => R::PROCODE_NCCI_ERROR,
        K::InvalidMoney => R::PROCODE_INVALID_MONEY,
        K::InvalidLine => R::PROCODE_INVALID_LINE,
        K::InvalidJson | K::PolicyJson => R::PROCODE_INVALID_JSON,
        K::InconsistentDocument => R::PROCODE_INCONSISTENT_DOCUMENT,
        K::UnlinkedDocument | K::InvoiceMismatch => R::PROCODE_INVOICE_MISMATCH,
        K::StaleDocument => R::PROCODE_STALE_DOCUMENT,
        K::EditNotAllowed => R::PROCODE_EDIT_NOT_ALLOWED,
        K::UnknownLine => R::PROCODE_UNKNOWN_LINE,
        K::DuplicateLine => R::PROCODE_DUPLICATE_LINE,
        K::BelowPaid => R::PROCODE_BELOW_PAID,
        K::AmountTooLarge => R::PROCODE_AMOUNT_TOO_LARGE,
        K::ScheduleMissing => R::PROCODE_SCHEDULE_MISSING,
        K::InvalidTransition => R::PROCODE_INVALID_TRANSITION,
        K::InvoiceIdRequired => R::PROCODE_INVOICE_ID_REQUIRED,
        K::NoInvoice => R::PROCODE_NO_INVOICE,
        K::BadBooking => R::PROCODE_BAD_BOOKING,
        K::InvalidPayment => R::PROCODE_INVALID_PAYMENT,
        K::HasPayments => R::PROCODE_HAS_PAYMENTS,
        K::InvalidFeeSchedule => R::PROCODE_INVALID_FEE_SCHEDULE,
        K::InvalidPolicy => R::PROCODE_INVALID_POLICY,
        K::ClaimNotReady => R::PROCODE_CLAIM_NOT_READY,
        K::InvalidClaimContext => R::PROCODE_INVALID_CLAIM_CONTEXT,
        K::UnknownFormat => R::PROCODE_UNKNOWN_FORMAT,
        // The C ABI has no columnar scrubbing; were it to get one, its
        // input errors are bad arguments.
        K::InvalidClaimLines => R::PROCODE_INVALID_ARGUMENT,
        K::UnknownName => R::PROCODE_INVALID_ARGUMENT,
    }
}

/// Every core error becomes its kind's code, with the core's message.
impl<E: Classified> From<E> for Error {
    fn from(e: E) -> Error {
        Error::new(code_of(e.kind()), e.to_string())
    }
}

/// `[(R::NAME, c"NAME"), ...]` from the names: each is written once.
macro_rules! named {
    ($($name:ident),* $(,)?) => {
        [$((R::$name, {
            match CStr::from_bytes_with_nul(concat!(stringify!($name), "\0").as_bytes()) {
                Ok(name) => name,
                Err(_) => panic!("a result name holds no NUL"),
            }
        })),*]
    };
}

/// Every result code with its name, in number order.
const NAMES: [(procode_result, &CStr); 42] = named![
    PROCODE_OK,
    PROCODE_NULL_ARGUMENT,
    PROCODE_INVALID_UTF8,
    PROCODE_INVALID_JSON,
    PROCODE_INVALID_DATE,
    PROCODE_INVALID_CODE,
    PROCODE_UNKNOWN_SYSTEM,
    PROCODE_UNKNOWN_CODE,
    PROCODE_CATALOG_UNAVAILABLE,
    PROCODE_IO,
    PROCODE_INDEX_CORRUPT,
    PROCODE_EDIT_NOT_ALLOWED,
    PROCODE_INVALID_TRANSITION,
    PROCODE_BELOW_PAID,
    PROCODE_INVALID_MONEY,
    PROCODE_NOT_FOUND,
    PROCODE_INDEX_OUT_OF_RANGE,
    PROCODE_PANIC,
    PROCODE_QUERY_TOO_LONG,
    PROCODE_UNKNOWN_LINE,
    PROCODE_DUPLICATE_LINE,
    PROCODE_INVALID_LINE,
    PROCODE_NO_INVOICE,
    PROCODE_INVOICE_ID_REQUIRED,
    PROCODE_INVOICE_MISMATCH,
    PROCODE_BAD_BOOKING,
    PROCODE_INVALID_PAYMENT,
    PROCODE_HAS_PAYMENTS,
    PROCODE_INVALID_FEE_SCHEDULE,
    PROCODE_INVALID_POLICY,
    PROCODE_CATALOG_ERROR,
    PROCODE_BILLING_ERROR,
    PROCODE_CLAIM_NOT_READY,
    PROCODE_INVALID_CLAIM_CONTEXT,
    PROCODE_UNKNOWN_FORMAT,
    PROCODE_NCCI_ERROR,
    PROCODE_INCONSISTENT_DOCUMENT,
    PROCODE_AMOUNT_TOO_LARGE,
    PROCODE_SCHEDULE_MISSING,
    PROCODE_INVALID_ARGUMENT,
    PROCODE_STALE_DOCUMENT,
    PROCODE_SEARCH_DATA,
];

/// The name of a result code as a static string, e.g. `"PROCODE_NOT_FOUND"`;
/// `"PROCODE_UNKNOWN"` for a number this library does not define (a code
/// from a newer header, or any other integer). Takes the number rather than
/// the enum so that any value is defined behaviour.
///
/// Ownership: the string is static; never free it.
#[no_mangle]
pub extern "C" fn procode_result_name(result: u32) -> *const c_char {
    NAMES
        .iter()
        .find(|(code, _)| *code as u32 == result)
        .map_or(c"PROCODE_UNKNOWN", |(_, name)| name)
        .as_ptr()
}

/// The result code of the most recent failed call on the calling thread
/// (`PROCODE_OK` when none has failed yet). Calls that return a pointer
/// rather than a `procode_result` (such as `procode_results_get`) record
/// their failure here too, e.g. `PROCODE_INDEX_OUT_OF_RANGE`.
///
/// Successful calls do not reset it.
#[no_mangle]
pub extern "C" fn procode_last_error_code() -> procode_result {
    LAST_ERROR
        .try_with(|l| l.borrow().as_ref().map(|(c, _)| *c))
        .ok()
        .flatten()
        .unwrap_or(R::PROCODE_OK)
}

/// Copies the message of the most recent failed call on the calling thread
/// into `buf` (an empty string when none has failed yet). Successful calls
/// do not reset it. The message is UTF-8 and says which code, document or
/// state was involved.
///
/// At most `len - 1` bytes are copied (cut at a UTF-8 character boundary)
/// and `buf` is always NUL-terminated when `len > 0`. `*out_len`, when
/// `out_len` is not NULL, receives the full length of the message in bytes
/// (without the NUL), so a caller can detect truncation and retry with a
/// bigger buffer; `buf` may be NULL when `len` is 0 to ask for the length
/// only.
///
/// Returns `PROCODE_NULL_ARGUMENT` when `buf` is NULL and `len > 0`. This
/// call never changes the last error itself.
///
/// Ownership: `buf` belongs to the caller.
///
/// # Safety
/// `buf` must point to `len` writable bytes; `out_len` must be NULL or point
/// to a writable `size_t`.
#[no_mangle]
pub unsafe extern "C" fn procode_last_error_message(
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
) -> procode_result {
    let r = std::panic::catch_unwind(|| {
        if buf.is_null() && len > 0 {
            return R::PROCODE_NULL_ARGUMENT;
        }
        let msg: Vec<u8> = LAST_ERROR
            .try_with(|l| {
                l.borrow()
                    .as_ref()
                    .map(|(_, m)| m.as_bytes().to_vec())
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        if len > 0 {
            let mut n = msg.len().min(len - 1);
            // Cut at a character boundary: never leave half a UTF-8 sequence.
            while n > 0 && n < msg.len() && (msg[n] & 0xC0) == 0x80 {
                n -= 1;
            }
            // SAFETY: `buf` is non-NULL and points to `len` writable bytes
            // (caller contract); `n + 1 <= len`; `msg` is a separate
            // allocation, so the regions do not overlap.
            unsafe {
                std::ptr::copy_nonoverlapping(msg.as_ptr(), buf.cast::<u8>(), n);
                *buf.add(n) = 0;
            }
        }
        if !out_len.is_null() {
            // SAFETY: non-NULL and writable (caller contract).
            unsafe { *out_len = msg.len() };
        }
        R::PROCODE_OK
    });
    r.unwrap_or(R::PROCODE_PANIC)
}
