//! Unit tests of the ABI's pointer handling, written to run under miri
//! (`cargo +nightly miri test -p procode-c`): handles and strings are created,
//! read and freed through the `extern "C"` functions, with NULL, bad UTF-8 and
//! bad JSON on the error paths. No catalog is opened (the embedded one is too
//! large for miri); the catalog paths are covered by the C tests under
//! valgrind and ASan.

use std::ffi::{c_char, CStr};
use std::ptr::{null, null_mut};

use crate::*;

const SERVICE: &CStr = c"{\"id\":\"SVC-2\",\"name\":\"Visit\",\"price\":{\"amount\":\"80.00\",\"currency\":\"USD\"},\"paid_in_advance\":true,\"insurance_billable\":true}";
const REQUEST: &CStr = c"{\"session_id\":\"S-1\",\"client_id\":\"C-9\",\"date\":\"2025-03-03\",\"invoice_id\":\"INV-7\"}";
const AT: &CStr = c"2025-03-02T09:00:00Z";

fn last_message() -> String {
    let mut len = 0usize;
    // SAFETY: NULL buffer of size 0 asks for the length only.
    unsafe { procode_last_error_message(null_mut(), 0, &mut len) };
    let mut buf = vec![0 as c_char; len + 1];
    // SAFETY: the buffer holds len + 1 bytes.
    let rc = unsafe { procode_last_error_message(buf.as_mut_ptr(), buf.len(), &mut len) };
    assert_eq!(rc, procode_result::PROCODE_OK);
    // SAFETY: the library wrote a NUL-terminated string.
    unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

fn take(s: *mut c_char) -> String {
    assert!(!s.is_null());
    // SAFETY: a string from the library, freed once.
    let text = unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned();
    unsafe { procode_string_free(s) };
    text
}

#[test]
fn static_strings_are_readable() {
    // SAFETY: static NUL-terminated strings.
    let v = unsafe { CStr::from_ptr(procode_version()) };
    assert!(!v.to_bytes().is_empty());
    let name = |code: u32| unsafe { CStr::from_ptr(procode_result_name(code)) }.to_bytes();
    assert_eq!(name(procode_result::PROCODE_PANIC as u32), b"PROCODE_PANIC");
    // Every defined code has its own name; any other number is defined
    // behaviour too (issue 12, item 9): a code from a newer header, a
    // negative int passed as unsigned, the largest value.
    let last = procode_result::PROCODE_SEARCH_DATA as u32;
    let mut seen = std::collections::HashSet::new();
    for code in 0..=last {
        let n = name(code);
        assert!(
            n.starts_with(b"PROCODE_") && n != b"PROCODE_UNKNOWN",
            "{code}"
        );
        assert!(seen.insert(n.to_vec()), "two codes named {n:?}");
    }
    for code in [last + 1, last + 2, 1000, u32::MAX, (-1i32) as u32] {
        assert_eq!(name(code), b"PROCODE_UNKNOWN", "{code}");
    }
}

#[test]
fn encounters_round_trip_and_free() {
    let mut enc = null_mut();
    // SAFETY: valid strings and out-pointer.
    unsafe {
        assert_eq!(
            procode_encounter_book(SERVICE.as_ptr(), REQUEST.as_ptr(), null(), &mut enc),
            procode_result::PROCODE_OK
        );
        let mut json = null_mut();
        assert_eq!(
            procode_encounter_to_json(enc, &mut json),
            procode_result::PROCODE_OK
        );
        let text = take(json);
        assert!(text.contains("\"INV-7\""), "{text}");
        let c = std::ffi::CString::new(text).unwrap();
        let mut again = null_mut();
        assert_eq!(
            procode_encounter_from_json(c.as_ptr(), &mut again),
            procode_result::PROCODE_OK
        );
        let mut out = null_mut();
        assert_eq!(
            procode_encounter_review(
                again,
                c"{\"ops\":[]}".as_ptr(),
                c"me".as_ptr(),
                AT.as_ptr(),
                null(),
                null(),
                &mut out
            ),
            procode_result::PROCODE_OK
        );
        take(out);
        let mut state = null();
        assert_eq!(
            procode_encounter_confirm(again, null(), &mut state),
            procode_result::PROCODE_OK
        );
        assert!(!state.is_null());
        procode_encounter_free(again);
        procode_encounter_free(enc);
        procode_encounter_free(null_mut());
    }
}

#[test]
fn bad_arguments_are_errors_with_messages() {
    let mut enc = null_mut();
    // SAFETY: NULL, bad UTF-8 and bad JSON are allowed inputs.
    unsafe {
        assert_eq!(
            procode_encounter_from_json(null(), &mut enc),
            procode_result::PROCODE_NULL_ARGUMENT
        );
        assert!(last_message().contains("json"));
        let bad_utf8 = [b'{' as c_char, 0xff_u8 as c_char, 0];
        assert_ne!(
            procode_encounter_from_json(bad_utf8.as_ptr(), &mut enc),
            procode_result::PROCODE_OK
        );
        assert_ne!(
            procode_encounter_from_json(c"{\"session\":".as_ptr(), &mut enc),
            procode_result::PROCODE_OK
        );
        assert!(enc.is_null(), "outputs are written only on success");
        assert!(!last_message().is_empty());
        // A short buffer gets a truncated, terminated message.
        let mut small = [1 as c_char; 4];
        let mut len = 0;
        procode_last_error_message(small.as_mut_ptr(), small.len(), &mut len);
        assert_eq!(small[3], 0);
        assert!(len > 3);
    }
}

#[test]
fn pricing_and_policy_handles() {
    // SAFETY: valid strings and handles, each freed once.
    unsafe {
        let mut p = null_mut();
        assert_eq!(procode_pricing_new(&mut p), procode_result::PROCODE_OK);
        let csv = c"code,modifiers,rate,effective,terminated\nH0004,HO,30.125,2025-01-01,\n";
        assert_eq!(
            procode_pricing_add_csv(
                p,
                c"AETNA-2025".as_ptr(),
                c"AETNA".as_ptr(),
                c"USD".as_ptr(),
                csv.as_ptr(),
                b',' as c_char
            ),
            procode_result::PROCODE_OK
        );
        assert_eq!(procode_pricing_len(p), 1);
        assert_ne!(
            procode_pricing_add_csv(
                p,
                c"X".as_ptr(),
                null(),
                c"USD".as_ptr(),
                c"nope\n".as_ptr(),
                b',' as c_char
            ),
            procode_result::PROCODE_OK
        );
        procode_pricing_free(p);
        let mut pol = null_mut();
        assert_eq!(
            procode_policy_from_json(c"{\"rules\":[]}".as_ptr(), &mut pol),
            procode_result::PROCODE_OK
        );
        let mut json = null_mut();
        assert_eq!(
            procode_policy_to_json(pol, &mut json),
            procode_result::PROCODE_OK
        );
        take(json);
        procode_policy_free(pol);
        procode_policy_free(null_mut());
        procode_pricing_free(null_mut());
        procode_string_free(null_mut());
    }
}
