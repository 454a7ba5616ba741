//! The C entry points taking strings and JSON, called through the real
//! `extern "C"` functions (the C crate's sources compiled as the fuzz crate's
//! library). The first byte picks the entry point; the rest is split at NUL
//! bytes into its string arguments. No call may panic (`PROCODE_PANIC`), and
//! every handle and string handed out is freed.
#![no_main]
use std::ffi::{c_char, CStr, CString};
use std::ptr::{null, null_mut};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use procode_c_fuzz::*;

struct Shared(*mut procode_catalog);
// SAFETY: a catalog handle is immutable and shared across threads by design.
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

fn catalog() -> *const procode_catalog {
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

fn ok(rc: procode_result) -> bool {
    assert_ne!(
        rc,
        procode_result::PROCODE_PANIC,
        "a panic crossed into the C layer"
    );
    if rc != procode_result::PROCODE_OK {
        // The message of the failure is always readable.
        let mut len = 0usize;
        // SAFETY: NULL buffer with size 0 only asks for the length.
        let _ = unsafe { procode_last_error_message(null_mut(), 0, &mut len) };
    }
    rc == procode_result::PROCODE_OK
}

fn free_str(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: `s` came from the library and is freed once.
        unsafe { CStr::from_ptr(s) }.to_bytes();
        unsafe { procode_string_free(s) };
    }
}

fn arg(fields: &[CString], i: usize) -> *const c_char {
    fields.get(i).map_or(null(), |s| s.as_ptr())
}

/// An optional argument: absent or empty fields are NULL.
fn opt(fields: &[CString], i: usize) -> *const c_char {
    match fields.get(i) {
        Some(s) if !s.as_bytes().is_empty() => s.as_ptr(),
        _ => null(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&op, rest)) = data.split_first() else {
        return;
    };
    let fields: Vec<CString> = rest
        .split(|&b| b == 0)
        .take(5)
        .map(|f| CString::new(f).unwrap())
        .collect();
    let cat = catalog();
    // SAFETY (all calls below): pointers are NULL or valid NUL-terminated
    // strings, live handles and writable out-parameters.
    unsafe {
        match op % 8 {
            0 => {
                let mut e = null_mut();
                if ok(procode_catalog_lookup(
                    cat,
                    arg(&fields, 0),
                    opt(&fields, 1),
                    opt(&fields, 2),
                    &mut e,
                )) {
                    let mut json = null_mut();
                    if ok(procode_entry_to_json(e, &mut json)) {
                        free_str(json);
                    }
                    let mut op_json = null_mut();
                    if ok(procode_entry_add_op(e, opt(&fields, 3), &mut op_json)) {
                        free_str(op_json);
                    }
                    procode_entry_free(e);
                }
            }
            1 => {
                let limit = fields.get(3).map_or(10, |f| f.as_bytes().len());
                let mut r = null_mut();
                if ok(procode_catalog_search(
                    cat,
                    arg(&fields, 0),
                    opt(&fields, 1),
                    limit,
                    opt(&fields, 2),
                    &mut r,
                )) {
                    assert!(procode_results_len(r) <= limit);
                    for i in 0..procode_results_len(r) {
                        let e = procode_results_get(r, i);
                        assert!(!procode_entry_code(e).is_null());
                    }
                    procode_results_free(r);
                }
            }
            2 => {
                let mut p = null_mut();
                if ok(procode_readiness(cat, arg(&fields, 0), null(), &mut p)) {
                    for i in 0..procode_problems_len(p) {
                        let _ = procode_problems_code(p, i);
                        let _ = procode_problems_line_id(p, i);
                        let _ = procode_problems_message(p, i);
                    }
                    procode_problems_free(p);
                }
            }
            3 => {
                let mut enc = null_mut();
                if ok(procode_encounter_from_json(arg(&fields, 0), &mut enc)) {
                    for f in [
                        procode_encounter_to_json,
                        procode_encounter_session_json,
                        procode_encounter_invoice_json,
                    ] {
                        let mut json = null_mut();
                        if ok(f(enc, &mut json)) {
                            free_str(json);
                        }
                    }
                    let mut out = null_mut();
                    if ok(procode_encounter_review(
                        enc,
                        arg(&fields, 1),
                        c"fuzz".as_ptr(),
                        opt(&fields, 2),
                        null(),
                        null(),
                        &mut out,
                    )) {
                        free_str(out);
                    }
                    let mut out = null_mut();
                    if ok(procode_encounter_complete(
                        enc,
                        arg(&fields, 1),
                        opt(&fields, 3),
                        c"fuzz".as_ptr(),
                        opt(&fields, 2),
                        null(),
                        null(),
                        &mut out,
                    )) {
                        free_str(out);
                    }
                    let mut out = null_mut();
                    if ok(procode_encounter_edit_invoice(
                        enc,
                        arg(&fields, 1),
                        c"fuzz".as_ptr(),
                        opt(&fields, 2),
                        null(),
                        null(),
                        &mut out,
                    )) {
                        free_str(out);
                    }
                    let mut state = null();
                    let _ = ok(procode_encounter_confirm(enc, opt(&fields, 4), &mut state));
                    let _ = ok(procode_encounter_record_payment(
                        enc,
                        arg(&fields, 4),
                        &mut state,
                    ));
                    let _ = ok(procode_encounter_send_invoice(enc, null_mut()));
                    let _ = ok(procode_encounter_cancel(enc));
                    let _ = ok(procode_encounter_no_show(enc));
                    let _ = ok(procode_encounter_void_invoice(enc));
                    procode_encounter_free(enc);
                }
            }
            4 => {
                let mut pol = null_mut();
                if ok(procode_policy_from_json(arg(&fields, 0), &mut pol)) {
                    let mut json = null_mut();
                    if ok(procode_policy_to_json(pol, &mut json)) {
                        free_str(json);
                    }
                    procode_policy_free(pol);
                }
            }
            5 => {
                let mut pr = null_mut();
                assert!(ok(procode_pricing_new(&mut pr)));
                let delim = fields
                    .get(4)
                    .and_then(|f| f.as_bytes().first())
                    .copied()
                    .unwrap_or(b',');
                let _ = ok(procode_pricing_add_csv(
                    pr,
                    arg(&fields, 0),
                    opt(&fields, 1),
                    opt(&fields, 2),
                    arg(&fields, 3),
                    delim as c_char,
                ));
                let _ = procode_pricing_len(pr);
                procode_pricing_free(pr);
            }
            6 => {
                let (mut s, mut o) = (null_mut(), null_mut());
                if ok(procode_service_edit(
                    arg(&fields, 0),
                    arg(&fields, 1),
                    c"fuzz".as_ptr(),
                    arg(&fields, 2),
                    null(),
                    null(),
                    &mut s,
                    &mut o,
                )) {
                    free_str(s);
                    free_str(o);
                }
            }
            7 => {
                let mut enc = null_mut();
                if ok(procode_encounter_book(
                    arg(&fields, 0),
                    arg(&fields, 1),
                    null(),
                    &mut enc,
                )) {
                    procode_encounter_free(enc);
                }
            }
            _ => {
                // Not `procode_catalog_open`: a fuzzed path could name any
                // file of the machine (a device, a huge file).
                let mut out = null_mut();
                if ok(procode_catalog_add_op(
                    cat,
                    arg(&fields, 0),
                    opt(&fields, 1),
                    opt(&fields, 2),
                    opt(&fields, 3),
                    &mut out,
                )) {
                    free_str(out);
                }
            }
        }
    }
});
