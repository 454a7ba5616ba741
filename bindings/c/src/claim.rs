//! Claim export: X12 837P, FHIR R4 Claim and CMS-1500 from a billing document
//! and a claim context, and the problems that stop one.

use std::os::raw::c_char;

use procode::claim::{self, ClaimContext, ClaimFormat};

use crate::billing::procode_problems;
use crate::catalog::procode_catalog;
use crate::error::{procode_result, Error};
use crate::ffi::{boxed, call, out_arg, ref_arg, str_arg, string_out, write_out};

/// Reads the claim context JSON (the core's `ClaimContext`).
///
/// # Safety
/// `p` must be NULL or a NUL-terminated string.
unsafe fn context_arg(p: *const c_char) -> Result<ClaimContext, Error> {
    // SAFETY: caller contract.
    let text = unsafe { str_arg(p, "context_json") }?;
    Ok(ClaimContext::from_json(text)?)
}

/// Every problem that stops a claim for `document_json` with `context_json`:
/// readiness first (looked up in `catalog`), then the claim's own rules,
/// then the context's (`INVALID_NPI`, `MISSING_CONTEXT_FIELD`, …). An empty
/// list means the claim can be exported.
///
/// Ownership: the strings and the catalog are borrowed for the call. On
/// success `*out` is a new problem list the caller frees with
/// `procode_problems_free`.
///
/// # Safety
/// Pointers must be NULL or valid: strings NUL-terminated, the catalog live,
/// `out` writable.
#[no_mangle]
pub unsafe extern "C" fn procode_claim_problems(
    catalog: *const procode_catalog,
    document_json: *const c_char,
    context_json: *const c_char,
    out: *mut *mut procode_problems,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract, for each argument.
        let (cat, doc, ctx) = unsafe {
            (
                ref_arg(catalog, "catalog")?,
                crate::ffi::document_arg(document_json, "document_json")?,
                context_arg(context_json)?,
            )
        };
        out_arg(out, "out")?;
        let problems = procode_problems::new(claim::check(&doc, &ctx, cat.catalog()));
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out, boxed(problems)) };
        Ok(())
    })
}

/// Exports the claim for `document_json` (a ready invoice or completed
/// session) with `context_json` in `format`: `"x12"` (837P 005010X222A1),
/// `"fhir"` (R4 Claim JSON) or `"cms1500"` (box map JSON). Same input, same
/// bytes. A document or context with problems is refused with
/// `PROCODE_CLAIM_NOT_READY`, the message naming every problem.
///
/// Ownership: the arguments are borrowed for the call. On success `*out` is a
/// new string the caller frees with `procode_string_free`.
///
/// # Safety
/// Pointers must be NULL or valid: strings NUL-terminated, the catalog live,
/// `out` writable.
#[no_mangle]
pub unsafe extern "C" fn procode_claim_export(
    catalog: *const procode_catalog,
    document_json: *const c_char,
    context_json: *const c_char,
    format: *const c_char,
    out: *mut *mut c_char,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract, for each argument.
        let (cat, doc, ctx, format) = unsafe {
            (
                ref_arg(catalog, "catalog")?,
                crate::ffi::document_arg(document_json, "document_json")?,
                context_arg(context_json)?,
                str_arg(format, "format")?,
            )
        };
        let format: ClaimFormat = format.parse()?;
        out_arg(out, "out")?;
        let text = claim::export(&doc, &ctx, cat.catalog(), format)?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out, string_out(text)) };
        Ok(())
    })
}
