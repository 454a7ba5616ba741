//! The C entry points taking strings and JSON, called through the real
//! `extern "C"` functions (the C crate's sources compiled as the fuzz crate's
//! library). The first byte picks the entry point; the rest is split at NUL
//! bytes into its string arguments. No call may panic (`PROCODE_PANIC`), and
//! every handle and string handed out is freed.
#![no_main]
use std::ffi::{c_char, CString};
use std::ptr::{null, null_mut};

use libfuzzer_sys::fuzz_target;
use procode_c_fuzz::*;

mod common;
use common::{catalog, ok, string_out, take};

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
                    string_out(|out| procode_entry_to_json(e, out));
                    string_out(|out| procode_entry_add_op(e, opt(&fields, 3), out));
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
                        string_out(|out| f(enc, out));
                    }
                    let (batch, actor, at) = (arg(&fields, 1), c"fuzz".as_ptr(), opt(&fields, 2));
                    string_out(|out| {
                        procode_encounter_review(enc, batch, actor, at, null(), null(), out)
                    });
                    string_out(|out| {
                        let invoice_id = opt(&fields, 3);
                        procode_encounter_complete(
                            enc,
                            batch,
                            invoice_id,
                            actor,
                            at,
                            null(),
                            null(),
                            out,
                        )
                    });
                    string_out(|out| {
                        procode_encounter_edit_invoice(enc, batch, actor, at, null(), null(), out)
                    });
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
                    string_out(|out| procode_policy_to_json(pol, out));
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
                    take(s);
                    take(o);
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
                string_out(|out| {
                    procode_catalog_add_op(
                        cat,
                        arg(&fields, 0),
                        opt(&fields, 1),
                        opt(&fields, 2),
                        opt(&fields, 3),
                        out,
                    )
                });
            }
        }
    }
});
