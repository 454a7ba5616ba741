//! What the C-entry-point fuzz targets share: the embedded catalog handle,
//! the result check every call goes through, and taking the strings the
//! library hands out.
use std::ffi::{c_char, CStr};
use std::ptr::null_mut;
use std::sync::OnceLock;

use procode_c_fuzz::*;

struct Shared(*mut procode_catalog);
// SAFETY: a catalog handle is immutable and shared across threads by design.
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

/// The embedded catalog, opened once and never freed.
pub fn catalog() -> *const procode_catalog {
    static C: OnceLock<Shared> = OnceLock::new();
    C.get_or_init(|| {
        let mut out = null_mut();
        // SAFETY: `out` is writable.
        let rc = unsafe { procode_catalog_embedded(&mut out) };
        assert_eq!(rc, procode_result::PROCODE_OK);
        Shared(out)
    })
    .0
}

/// Whether a call succeeded; no call may panic, and every failure has a
/// message and a known result name.
pub fn ok(rc: procode_result) -> bool {
    assert_ne!(
        rc,
        procode_result::PROCODE_PANIC,
        "a panic reached the C boundary"
    );
    if rc != procode_result::PROCODE_OK {
        let mut len = 0usize;
        // SAFETY: NULL buffer with size 0 only asks for the length.
        let _ = unsafe { procode_last_error_message(null_mut(), 0, &mut len) };
        assert!(len > 0, "a failure without a message");
        // SAFETY: any number is a valid argument.
        let name = unsafe { CStr::from_ptr(procode_result_name(rc as u32)) };
        assert_ne!(name.to_bytes(), b"PROCODE_UNKNOWN");
    }
    rc == procode_result::PROCODE_OK
}

/// Takes a string the library returned (NULL: `None`), freeing it.
pub fn take(s: *mut c_char) -> Option<String> {
    if s.is_null() {
        return None;
    }
    // SAFETY: a NUL-terminated string from the library, freed once.
    let text = unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned();
    unsafe { procode_string_free(s) };
    Some(text)
}

/// Calls an entry point whose result is a string out-parameter, and takes
/// the string when it succeeds.
pub fn string_out(f: impl FnOnce(*mut *mut c_char) -> procode_result) -> Option<String> {
    let mut out = null_mut();
    if ok(f(&mut out)) {
        take(out)
    } else {
        None
    }
}
