//! The panic boundary and the conversions of C arguments and results.

use std::collections::HashMap;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

use chrono::{DateTime, NaiveDate, Utc};
use procode::billing::{parse_json, Document, Encounter, Service};
use procode::{Classified, CodeSystem};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{code_of, procode_result, Error};

/// Runs the body of an entry point inside the panic boundary: a failure is
/// recorded as the thread's last error and its code returned.
pub(crate) fn call(f: impl FnOnce() -> Result<(), Error>) -> procode_result {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => procode_result::PROCODE_OK,
        Ok(Err(e)) => e.record(),
        Err(panic) => panicked(panic).record(),
    }
}

/// Like [`call`] for entry points that return a value (a pointer, a length):
/// on failure the error is recorded and `fallback` returned.
pub(crate) fn call_or<T>(fallback: T, f: impl FnOnce() -> Result<T, Error>) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            e.record();
            fallback
        }
        Err(panic) => {
            panicked(panic).record();
            fallback
        }
    }
}

fn panicked(payload: Box<dyn std::any::Any + Send>) -> Error {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    Error::new(
        procode_result::PROCODE_PANIC,
        format!("procode panicked (this is a bug): {what}"),
    )
}

/// A C string of `s`, cut at the first NUL if it holds one (C cannot see
/// past it anyway).
pub(crate) fn cstring(s: impl Into<Vec<u8>>) -> CString {
    CString::new(s).unwrap_or_else(|e| {
        let pos = e.nul_position();
        let mut bytes = e.into_vec();
        bytes.truncate(pos);
        CString::new(bytes).unwrap_or_default()
    })
}

/// A NUL-terminated copy of a static string, kept for the life of the
/// process so C can borrow it as a `const char *` that never dangles.
pub(crate) fn static_cstr(s: &'static str) -> *const c_char {
    static TABLE: OnceLock<Mutex<HashMap<&'static str, CString>>> = OnceLock::new();
    let table = TABLE.get_or_init(Default::default);
    let mut t = table.lock().unwrap_or_else(|e| e.into_inner());
    // The CString's buffer is its own heap allocation: it does not move when
    // the map grows, and entries are never removed.
    t.entry(s).or_insert_with(|| cstring(s)).as_ptr()
}

/// A string for C, freed by `procode_string_free`.
pub(crate) fn string_out(s: String) -> *mut c_char {
    cstring(s).into_raw()
}

/// The JSON of a value, as a string for C.
pub(crate) fn json_out<T: Serialize>(value: &T) -> Result<*mut c_char, Error> {
    serde_json::to_string(value)
        .map(string_out)
        .map_err(|e| Error::new(procode_result::PROCODE_BILLING_ERROR, e.to_string()))
}

/// A required string argument.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, name: &str) -> Result<&'a str, Error> {
    // SAFETY: forwarded from the caller's contract.
    unsafe { opt_str_arg(p, name) }?.ok_or_else(|| Error::null(name))
}

/// An optional string argument (NULL = none).
///
/// # Safety
/// `p` is NULL or a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn opt_str_arg<'a>(
    p: *const c_char,
    name: &str,
) -> Result<Option<&'a str>, Error> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated (caller contract).
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str().map(Some).map_err(|e| {
        Error::new(
            procode_result::PROCODE_INVALID_UTF8,
            format!(
                "argument `{name}` is not valid UTF-8 (at byte {})",
                e.valid_up_to()
            ),
        )
    })
}

/// An optional `YYYY-MM-DD` date (NULL = none).
///
/// # Safety
/// As [`opt_str_arg`].
pub(crate) unsafe fn date_arg(p: *const c_char, name: &str) -> Result<Option<NaiveDate>, Error> {
    // SAFETY: forwarded from the caller's contract.
    let Some(s) = (unsafe { opt_str_arg(p, name) })? else {
        return Ok(None);
    };
    procode::parse_date(s)
        .map(Some)
        .map_err(|e| Error::new(code_of(e.kind()), format!("argument `{name}`: {e}")))
}

/// A required RFC 3339 time (`2025-03-03T09:00:00Z`).
///
/// # Safety
/// As [`opt_str_arg`].
pub(crate) unsafe fn time_arg(p: *const c_char, name: &str) -> Result<DateTime<Utc>, Error> {
    // SAFETY: forwarded from the caller's contract.
    let s = unsafe { str_arg(p, name) }?;
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            Error::new(
                procode_result::PROCODE_INVALID_DATE,
                format!(
                    "argument `{name}`: {s:?} is not an RFC 3339 time such as 2025-03-03T09:00:00Z ({e})"
                ),
            )
        })
}

/// An optional code-system name (NULL = any system).
///
/// # Safety
/// As [`opt_str_arg`].
pub(crate) unsafe fn system_arg(p: *const c_char, name: &str) -> Result<Option<CodeSystem>, Error> {
    // SAFETY: forwarded from the caller's contract.
    match unsafe { opt_str_arg(p, name) }? {
        None => Ok(None),
        Some(s) => Ok(Some(CodeSystem::from_str(s)?)),
    }
}

/// A required JSON argument describing `what` (`"edit batch"`): unknown
/// fields are refused, the message naming the field's path.
///
/// # Safety
/// As [`opt_str_arg`].
pub(crate) unsafe fn json_arg<T: DeserializeOwned>(
    p: *const c_char,
    name: &str,
    what: &'static str,
) -> Result<T, Error> {
    // SAFETY: forwarded from the caller's contract.
    let s = unsafe { str_arg(p, name) }?;
    parse_json(s, what).map_err(|e| Error::json(name, &e))
}

/// An optional JSON argument (NULL = none), as [`json_arg`].
///
/// # Safety
/// As [`opt_str_arg`].
pub(crate) unsafe fn opt_json_arg<T: DeserializeOwned>(
    p: *const c_char,
    name: &str,
    what: &'static str,
) -> Result<Option<T>, Error> {
    // SAFETY: forwarded from the caller's contract.
    match unsafe { opt_str_arg(p, name) }? {
        None => Ok(None),
        Some(s) => parse_json(s, what)
            .map(Some)
            .map_err(|e| Error::json(name, &e)),
    }
}

/// A required document argument (`{"kind": ..., ...}`), read and checked by
/// the core ([`Document::from_json`]).
///
/// # Safety
/// As [`opt_str_arg`].
pub(crate) unsafe fn document_arg(p: *const c_char, name: &str) -> Result<Document, Error> {
    // SAFETY: forwarded from the caller's contract.
    let s = unsafe { str_arg(p, name) }?;
    Document::from_json(s).map_err(|e| Error::document(name, e))
}

/// A required service argument (`"kind": "service"` optional).
///
/// # Safety
/// As [`opt_str_arg`].
pub(crate) unsafe fn service_arg(p: *const c_char, name: &str) -> Result<Service, Error> {
    // SAFETY: forwarded from the caller's contract.
    let s = unsafe { str_arg(p, name) }?;
    Service::from_json(s).map_err(|e| Error::document(name, e))
}

/// A required encounter argument (`{"session": ..., "invoice": ...}`).
///
/// # Safety
/// As [`opt_str_arg`].
pub(crate) unsafe fn encounter_arg(p: *const c_char, name: &str) -> Result<Encounter, Error> {
    // SAFETY: forwarded from the caller's contract.
    let s = unsafe { str_arg(p, name) }?;
    Encounter::from_json(s).map_err(|e| Error::document(name, e))
}

/// A required handle argument.
///
/// # Safety
/// `p` is NULL or points to a live `T` that outlives `'a`.
pub(crate) unsafe fn ref_arg<'a, T>(p: *const T, name: &str) -> Result<&'a T, Error> {
    // SAFETY: NULL or a live handle (caller contract).
    unsafe { p.as_ref() }.ok_or_else(|| Error::null(name))
}

/// A required mutable handle argument.
///
/// # Safety
/// `p` is NULL or points to a live `T`, not used elsewhere during `'a`.
pub(crate) unsafe fn mut_arg<'a, T>(p: *mut T, name: &str) -> Result<&'a mut T, Error> {
    // SAFETY: NULL or a live, unaliased handle (caller contract).
    unsafe { p.as_mut() }.ok_or_else(|| Error::null(name))
}

/// Checks a required out-parameter before any work is done.
pub(crate) fn out_arg<T>(p: *mut T, name: &str) -> Result<(), Error> {
    if p.is_null() {
        Err(Error::null(name))
    } else {
        Ok(())
    }
}

/// Writes an output; NULL means the caller does not want it.
///
/// # Safety
/// `p` is NULL or writable.
pub(crate) unsafe fn write_out<T>(p: *mut T, value: T) {
    // SAFETY: NULL or writable (caller contract).
    if let Some(slot) = unsafe { p.as_mut() } {
        // SAFETY: non-NULL and writable (caller contract); the old value is
        // caller memory that must not be dropped, hence `write`.
        unsafe { std::ptr::write(slot, value) };
    }
}

/// Moves a value to the heap for C.
pub(crate) fn boxed<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Frees a handle made by [`boxed`]; NULL is ignored.
///
/// # Safety
/// `p` is NULL or came from [`boxed`] and was not freed yet.
pub(crate) unsafe fn free_boxed<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: made by `Box::into_raw` and not yet freed (caller contract).
        drop(unsafe { Box::from_raw(p) });
    }
}

/// Frees a handle made by [`boxed`] inside the panic boundary; NULL is
/// ignored.
///
/// # Safety
/// As [`free_boxed`].
pub(crate) unsafe fn free_handle<T>(p: *mut T) {
    // SAFETY: forwarded from the caller's contract.
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe { free_boxed(p) }));
}

/// Frees a string returned by procode (`char *` out-parameters such as the
/// JSON of a document). NULL is ignored.
///
/// Ownership: after this call the string is gone; free each string once,
/// and only strings procode returned as `char *` (never the `const char *`
/// strings borrowed from handles or static).
///
/// # Safety
/// `s` must be NULL or a `char *` returned by procode and not yet freed.
#[no_mangle]
pub unsafe extern "C" fn procode_string_free(s: *mut c_char) {
    let _ = catch_unwind(|| {
        if !s.is_null() {
            // SAFETY: made by `CString::into_raw` in `string_out` and not yet
            // freed (caller contract).
            drop(unsafe { CString::from_raw(s) });
        }
    });
}
