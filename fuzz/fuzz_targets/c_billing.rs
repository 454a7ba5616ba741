//! The C entry points of the billing flows (issue 12), through the real
//! `extern "C"` functions: a booking followed by a sequence of steps on one
//! encounter handle. The input is split at NUL bytes: a service's JSON, a
//! booking request's JSON, the steps (one byte each), then JSON arguments
//! (edit batches, payments) the steps take in turn. No call may panic
//! (`PROCODE_PANIC`); a refused step leaves the encounter's JSON unchanged;
//! after every step the encounter loads back from its own JSON, and its
//! documents go through readiness and the claim entry points.
#![no_main]
use std::ffi::{c_char, CStr, CString};
use std::ptr::{null, null_mut};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use procode_c_fuzz::*;

mod common;
use common::{catalog, ok, string_out, take};

const CONTEXT: &CStr = c"{\"submitter\": {\"name\": \"Lakeside\", \"id\": \"LAKESIDE01\", \"contact\": {\"name\": \"Dana\", \"phone\": \"617-555-0134\"}}, \"receiver\": {\"name\": \"Clearinghouse\", \"id\": \"CLEARHOUSE\"}, \"interchange\": {\"sender_qualifier\": \"ZZ\", \"sender_id\": \"LAKESIDE01\", \"receiver_qualifier\": \"ZZ\", \"receiver_id\": \"CLEARHOUSE\", \"usage\": \"T\", \"control_number\": 1, \"group_control_number\": 1, \"transaction_set_control_number\": 1}, \"created_at\": \"2025-03-04T10:30:00-05:00\", \"billing_provider\": {\"name\": {\"organization\": \"Lakeside\"}, \"npi\": \"1245319599\", \"tax_id\": {\"ein\": \"04-1234567\"}, \"address\": {\"line1\": \"12 Harbor Street\", \"city\": \"Cambridge\", \"state\": \"MA\", \"zip\": \"02139-4307\"}}, \"payer\": {\"name\": \"Aetna\", \"id\": \"60054\", \"claim_filing_indicator\": \"CI\"}, \"subscriber\": {\"name\": {\"last\": \"Nunez\", \"first\": \"Zoe\"}, \"member_id\": \"W123456789\", \"address\": {\"line1\": \"5 Elm Road\", \"city\": \"Somerville\", \"state\": \"MA\", \"zip\": \"02144\"}, \"birth_date\": \"1985-07-14\", \"sex\": \"F\"}, \"relationship\": \"self\"}";

/// The encounter's JSON.
fn json_of(enc: *const procode_encounter) -> String {
    // SAFETY: a live handle and a writable out-pointer.
    string_out(|out| unsafe { procode_encounter_to_json(enc, out) }).expect("encounter JSON")
}

/// The fee schedules some steps price with.
fn pricing() -> *const procode_pricing {
    struct P(*mut procode_pricing);
    // SAFETY: read-only after it is built.
    unsafe impl Send for P {}
    unsafe impl Sync for P {}
    static PR: OnceLock<P> = OnceLock::new();
    PR.get_or_init(|| {
        let mut p = null_mut();
        // SAFETY: valid strings and out-pointer.
        unsafe {
            assert!(ok(procode_pricing_new(&mut p)));
            assert!(ok(procode_pricing_add_csv(
                p,
                c"AETNA-2025".as_ptr(),
                c"AETNA".as_ptr(),
                c"USD".as_ptr(),
                c"code,modifiers,rate\nH0004,,31.00\nH0004,HO,34.00\nG0444,,25.50\n".as_ptr(),
                b',' as c_char,
            )));
            assert!(ok(procode_pricing_add_csv(
                p,
                c"STD".as_ptr(),
                null(),
                c"USD".as_ptr(),
                c"code,rate\nH0004,30.00\n".as_ptr(),
                b',' as c_char,
            )));
        }
        P(p)
    })
    .0
}

/// Readiness and the claim entry points on a document's JSON.
fn check_document(json: &str) {
    let Ok(doc) = CString::new(json) else { return };
    let mut p = null_mut();
    // SAFETY: valid strings, live catalog, writable out-pointers.
    unsafe {
        if ok(procode_readiness(catalog(), doc.as_ptr(), null(), &mut p)) {
            procode_problems_free(p);
        }
        let mut claim = null_mut();
        assert!(ok(procode_claim_problems(catalog(), doc.as_ptr(), CONTEXT.as_ptr(), &mut claim)));
        let ready = procode_problems_len(claim) == 0;
        procode_problems_free(claim);
        for f in [c"x12", c"fhir", c"cms1500"] {
            let mut out = null_mut();
            let rc = procode_claim_export(catalog(), doc.as_ptr(), CONTEXT.as_ptr(), f.as_ptr(), &mut out);
            assert_eq!(ok(rc), ready, "export and claim problems disagree");
            take(out);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let fields: Vec<CString> = data
        .split(|&b| b == 0)
        .take(8)
        .map(|f| CString::new(f).unwrap())
        .collect();
    let (Some(service), Some(request)) = (fields.first(), fields.get(1)) else {
        return;
    };
    let steps = fields.get(2).map_or(&[][..], |f| f.as_bytes());
    let args = fields.get(3..).unwrap_or(&[]);
    let arg = |k: usize| -> *const c_char {
        if args.is_empty() {
            c"{\"ops\": []}".as_ptr()
        } else {
            args[k % args.len()].as_ptr()
        }
    };
    let at = c"2025-03-03T09:00:00Z".as_ptr();
    let actor = c"fuzz".as_ptr();
    let mut enc = null_mut();
    // SAFETY (all calls below): pointers are NULL or valid NUL-terminated
    // strings, live handles and writable out-parameters.
    unsafe {
        let priced = steps.first().is_some_and(|b| b & 0x80 != 0);
        let pr = if priced { pricing() } else { null() };
        if !ok(procode_encounter_book(service.as_ptr(), request.as_ptr(), pr, &mut enc)) {
            return;
        }
        for (k, &step) in steps.iter().take(24).enumerate() {
            let before = json_of(enc);
            let pr = if step & 0x80 != 0 { pricing() } else { null() };
            let mut out = null_mut();
            let mut state = null();
            let rc = match step & 0x0f {
                0 => procode_encounter_review(enc, arg(k), actor, at, pr, null(), &mut out),
                1 => procode_encounter_confirm(enc, if step & 0x40 != 0 { arg(k) } else { null() }, &mut state),
                2 => procode_encounter_complete(enc, arg(k), c"INV-F".as_ptr(), actor, at, pr, null(), &mut out),
                3 => procode_encounter_edit_invoice(enc, arg(k), actor, at, pr, null(), &mut out),
                4 => procode_encounter_send_invoice(enc, null_mut()),
                5 => procode_encounter_record_payment(enc, arg(k), &mut state),
                6 => procode_encounter_void_invoice(enc),
                7 => procode_encounter_cancel(enc),
                8 => procode_encounter_no_show(enc),
                9 => {
                    let mut inv = null_mut();
                    if ok(procode_encounter_invoice_json(enc, &mut inv)) {
                        check_document(&take(inv).expect("invoice JSON"));
                    }
                    let mut s = null_mut();
                    assert!(ok(procode_encounter_session_json(enc, &mut s)));
                    check_document(&take(s).expect("session JSON"));
                    procode_result::PROCODE_OK
                }
                _ => {
                    // A service edit with the same batch.
                    let (mut s, mut o) = (null_mut(), null_mut());
                    let rc = procode_service_edit(service.as_ptr(), arg(k), actor, at, pr, null(), &mut s, &mut o);
                    if ok(rc) {
                        check_document(&take(s).expect("service JSON"));
                        take(o);
                    }
                    procode_result::PROCODE_OK
                }
            };
            take(out);
            let after = json_of(enc);
            if !ok(rc) {
                assert_eq!(after, before, "a refused step changed the encounter");
            }
            // Whatever the flows make loads back as itself.
            let text = CString::new(after.clone()).expect("no NUL in JSON");
            let mut again = null_mut();
            assert!(
                ok(procode_encounter_from_json(text.as_ptr(), &mut again)),
                "an encounter does not load from its own JSON: {after}"
            );
            assert_eq!(json_of(again), after);
            procode_encounter_free(again);
        }
        procode_encounter_free(enc);
    }
});
