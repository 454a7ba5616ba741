//! The billing model from C: documents and edit batches as the core's JSON,
//! encounters (a session with its invoice) as handles, fee schedules,
//! edit policies and readiness.

use std::ffi::{c_char, CString};

use chrono::{DateTime, Utc};
use procode::billing::{
    readiness, BookingRequest, Currency, Document, EditBatch, EditPolicy, Editor, Encounter,
    FeeSchedule, Payment, Pricing, Revisioned,
};

use crate::catalog::{out_of_range, procode_catalog};
use crate::error::{procode_result, Error};
use crate::ffi::{
    boxed, call, call_or, cstring, document_arg, encounter_arg, free_handle, json_arg, json_out,
    mut_arg, opt_json_arg, opt_str_arg, out_arg, ref_arg, service_arg, static_cstr, str_arg,
    time_arg, write_out,
};

/// Fee schedules (opaque): per payer, or the practice default. Made by
/// `procode_pricing_new`, filled by `procode_pricing_add_csv`, freed by
/// `procode_pricing_free`. Passed (or NULL for none) to the calls that
/// resolve rates.
pub struct procode_pricing {
    schedules: Vec<FeeSchedule>,
}

/// An edit policy (opaque): the rules deciding where codes may change. NULL
/// wherever a policy is taken means the default (seed) rules. Made by
/// `procode_policy_from_json`, freed by `procode_policy_free`.
pub struct procode_policy {
    inner: EditPolicy,
}

/// A session with its invoice, if any (opaque): the unit the booking flows
/// work on. Made by `procode_encounter_book` or
/// `procode_encounter_from_json`, freed by `procode_encounter_free`; read as
/// JSON with `procode_encounter_to_json`. A refused step leaves it
/// unchanged. Not thread-safe: use one encounter from one thread at a time.
pub struct procode_encounter {
    inner: Encounter,
}

impl procode_encounter {
    /// The encounter inside the handle.
    pub(crate) fn encounter(&self) -> &Encounter {
        &self.inner
    }
}

/// The problems readiness found (opaque), read with `procode_problems_len`,
/// `procode_problems_code`, `procode_problems_severity`,
/// `procode_problems_line_id`, `procode_problems_message`,
/// `procode_problems_detail_json`; freed by `procode_problems_free`.
pub struct procode_problems {
    items: Vec<ProblemC>,
}

impl procode_problems {
    /// The C view of the core's problems.
    pub(crate) fn new(problems: Vec<procode::billing::Problem>) -> procode_problems {
        let items = problems
            .into_iter()
            .map(|p| ProblemC {
                code: p.code.as_str(),
                severity: p.severity().as_str(),
                detail: p
                    .detail
                    .as_ref()
                    .and_then(|d| serde_json::to_string(d).ok())
                    .map(cstring),
                line_id: p.line_id.map(cstring),
                message: cstring(p.message),
            })
            .collect();
        procode_problems { items }
    }
}

struct ProblemC {
    code: &'static str,
    severity: &'static str,
    detail: Option<CString>,
    line_id: Option<CString>,
    message: CString,
}

// ---------------------------------------------------------------- pricing

/// Makes an empty set of fee schedules.
///
/// Ownership: on success `*out` is new; free it with `procode_pricing_free`.
///
/// # Safety
/// `out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_pricing_new(out: *mut *mut procode_pricing) -> procode_result {
    call(|| {
        out_arg(out, "out")?;
        let p = boxed(procode_pricing {
            schedules: Vec::new(),
        });
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out, p) };
        Ok(())
    })
}

/// Adds a fee schedule read from CSV/TSV text with a header row: columns
/// `code` and `rate` required, `modifiers`, `effective` and `terminated`
/// (ISO dates) optional, e.g. `"code,modifiers,rate\nH0004,HO,30.125\n"`.
///
/// - `schedule_id`: the schedule's id (named in each line's rate source).
/// - `payer_id`: the payer it applies to, or NULL for the practice default.
/// - `currency`: `"USD"`, `"EUR"`, ... (`PROCODE_INVALID_MONEY` otherwise).
/// - `delimiter`: `','` or `'\t'`.
///
/// A bad row or overlapping entries is `PROCODE_INVALID_FEE_SCHEDULE` (the
/// message names the line and column); `pricing` is then unchanged.
///
/// Ownership: the strings are borrowed for the call; the schedule is copied
/// into `pricing`.
///
/// # Safety
/// `pricing` must be NULL or live and not in use by another thread; strings
/// NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn procode_pricing_add_csv(
    pricing: *mut procode_pricing,
    schedule_id: *const c_char,
    payer_id: *const c_char,
    currency: *const c_char,
    csv_text: *const c_char,
    delimiter: c_char,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract, for each argument.
        let (pricing, id, payer, currency, text) = unsafe {
            (
                mut_arg(pricing, "pricing")?,
                str_arg(schedule_id, "schedule_id")?,
                opt_str_arg(payer_id, "payer_id")?,
                str_arg(currency, "currency")?,
                str_arg(csv_text, "csv_text")?,
            )
        };
        let delimiter = u8::try_from(delimiter)
            .ok()
            .filter(|d| *d == b'\t' || (d.is_ascii_punctuation() && *d != b'"'))
            .ok_or_else(|| {
                Error::new(
                    procode_result::PROCODE_INVALID_ARGUMENT,
                    format!(
                        "argument `delimiter`: {delimiter} is not a column separator (use ',' or '\\t')"
                    ),
                )
            })?;
        let currency: Currency = currency.parse()?;
        let schedule = FeeSchedule::from_reader(
            id,
            payer.map(str::to_owned),
            currency,
            id,
            text.as_bytes(),
            delimiter,
        )?;
        pricing.schedules.push(schedule);
        Ok(())
    })
}

/// The number of fee schedules (0 when `pricing` is NULL).
///
/// # Safety
/// `pricing` must be NULL or live.
#[no_mangle]
pub unsafe extern "C" fn procode_pricing_len(pricing: *const procode_pricing) -> usize {
    // SAFETY: caller contract.
    call_or(0, || {
        Ok(unsafe { ref_arg(pricing, "pricing") }?.schedules.len())
    })
}

/// Frees fee schedules. NULL is ignored.
///
/// # Safety
/// `pricing` must be NULL or not yet freed.
#[no_mangle]
pub unsafe extern "C" fn procode_pricing_free(pricing: *mut procode_pricing) {
    // SAFETY: caller contract.
    unsafe { free_handle(pricing) }
}

// ----------------------------------------------------------------- policy

/// Reads an edit policy from the core's JSON (as written by
/// `procode_policy_to_json`). A policy may tighten the default rules, never
/// loosen them: one that does is `PROCODE_INVALID_POLICY`.
///
/// Ownership: `json` is borrowed for the call. On success `*out` is new;
/// free it with `procode_policy_free`.
///
/// # Safety
/// `json` must be NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_policy_from_json(
    json: *const c_char,
    out: *mut *mut procode_policy,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract.
        let json = unsafe { str_arg(json, "json") }?;
        out_arg(out, "out")?;
        let inner = EditPolicy::from_json(json)?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out, boxed(procode_policy { inner })) };
        Ok(())
    })
}

/// The JSON of a policy; NULL `policy` gives the default (seed) rules.
///
/// Ownership: on success `*out_json` is a new string the caller frees with
/// `procode_string_free`.
///
/// # Safety
/// `policy` must be NULL or live; `out_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_policy_to_json(
    policy: *const procode_policy,
    out_json: *mut *mut c_char,
) -> procode_result {
    call(|| {
        out_arg(out_json, "out_json")?;
        // SAFETY: caller contract.
        let policy = unsafe { policy.as_ref() }.map_or(EditPolicy::seed(), |p| &p.inner);
        let json = crate::ffi::string_out(policy.to_json());
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out_json, json) };
        Ok(())
    })
}

/// Frees a policy. NULL is ignored.
///
/// # Safety
/// `policy` must be NULL or not yet freed.
#[no_mangle]
pub unsafe extern "C" fn procode_policy_free(policy: *mut procode_policy) {
    // SAFETY: caller contract.
    unsafe { free_handle(policy) }
}

// ---------------------------------------------------------------- editing

/// The arguments every edit takes: who, when, prices, policy.
struct EditArgs<'a> {
    actor: &'a str,
    at: DateTime<Utc>,
    pricing: Pricing<'a>,
    policy: &'a EditPolicy,
}

impl<'a> EditArgs<'a> {
    /// # Safety
    /// Pointers NULL or valid for `'a`.
    unsafe fn read(
        actor: *const c_char,
        at: *const c_char,
        pricing: *const procode_pricing,
        policy: *const procode_policy,
    ) -> Result<EditArgs<'a>, Error> {
        // SAFETY: caller contract, for each argument.
        unsafe {
            Ok(EditArgs {
                actor: str_arg(actor, "actor")?,
                at: time_arg(at, "at")?,
                pricing: pricing
                    .as_ref()
                    .map_or(Pricing::none(), |p| Pricing::new(&p.schedules)),
                policy: policy.as_ref().map_or(EditPolicy::seed(), |p| &p.inner),
            })
        }
    }

    fn editor(&self) -> Editor<'a> {
        Editor::new(self.actor, self.at)
            .with_policy(self.policy)
            .with_pricing(self.pricing)
    }
}

/// Applies an edit batch to a service (`service` context: always allowed)
/// and writes the edited service.
///
/// - `service_json`: a service as the core's JSON (`{"id", "name",
///   "price": {"amount": "120.00", "currency": "USD"}, "paid_in_advance",
///   "insurance_billable", "lines", ...}`; a `"kind": "service"` field is
///   accepted).
/// - `batch_json`: `{"ops": [{"op": "add", ...line}, {"op": "edit",
///   "line_id": "L1", "changes": {...}}, {"op": "remove", "line_id":
///   "L2"}]}`; applied entirely or not at all.
/// - `actor`: who edits (recorded in the audit log); `at`: when, RFC 3339.
/// - `pricing`, `policy`: NULL for none / the default rules.
///
/// Ownership: the strings and handles are borrowed for the call. On success
/// `*out_service_json` receives the edited service as a document
/// (`{"kind": "service", ...}`, accepted by `procode_readiness` and here)
/// and `*out_outcome_json`, unless NULL, `{"document", "changed_lines",
/// "must_resend"}`; the caller frees both with `procode_string_free`.
///
/// # Safety
/// Pointers must be NULL or valid: strings NUL-terminated, handles live,
/// outputs writable.
#[no_mangle]
pub unsafe extern "C" fn procode_service_edit(
    service_json: *const c_char,
    batch_json: *const c_char,
    actor: *const c_char,
    at: *const c_char,
    pricing: *const procode_pricing,
    policy: *const procode_policy,
    out_service_json: *mut *mut c_char,
    out_outcome_json: *mut *mut c_char,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract, for each argument.
        let (mut service, batch, args) = unsafe {
            (
                service_arg(service_json, "service_json")?,
                json_arg::<EditBatch>(batch_json, "batch_json", "edit batch")?,
                EditArgs::read(actor, at, pricing, policy)?,
            )
        };
        out_arg(out_service_json, "out_service_json")?;
        let outcome = service.edit(&batch, &args.editor())?;
        let doc = json_out(&Document::Service(service))?;
        let outcome = match out_outcome_json.is_null() {
            true => std::ptr::null_mut(),
            false => json_out(&outcome)?,
        };
        // SAFETY: checked non-NULL or NULL-tolerant; writable (caller contract).
        unsafe {
            write_out(out_service_json, doc);
            write_out(out_outcome_json, outcome);
        }
        Ok(())
    })
}

// -------------------------------------------------------------- encounter

/// Books a session for a service. A paid-in-advance service gives a
/// `pending_confirmation` session with a `draft` invoice built from the
/// service's codes (the request must name `invoice_id`, else
/// `PROCODE_BAD_BOOKING`); any other service a `booked` session with the
/// service's codes and no invoice. Rates are resolved with `pricing` (NULL:
/// the service price).
///
/// - `service_json`: the service (see `procode_service_edit`).
/// - `request_json`: `{"session_id": "S-1", "client_id": "C-9", "date":
///   "2025-03-03", "payer_id": "AETNA", "invoice_id": "INV-7"}` (payer and
///   invoice optional).
///
/// Ownership: the strings and `pricing` are borrowed for the call. On
/// success `*out` is a new encounter the caller frees with
/// `procode_encounter_free`.
///
/// # Safety
/// Pointers must be NULL or valid: strings NUL-terminated, `pricing` live,
/// `out` writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_book(
    service_json: *const c_char,
    request_json: *const c_char,
    pricing: *const procode_pricing,
    out: *mut *mut procode_encounter,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract, for each argument.
        let (service, request, pricing) = unsafe {
            (
                service_arg(service_json, "service_json")?,
                json_arg::<BookingRequest>(request_json, "request_json", "booking request")?,
                pricing
                    .as_ref()
                    .map_or(Pricing::none(), |p| Pricing::new(&p.schedules)),
            )
        };
        out_arg(out, "out")?;
        let inner = Encounter::book(&service, request, pricing)?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out, boxed(procode_encounter { inner })) };
        Ok(())
    })
}

/// Reads an encounter from its JSON `{"session": {...}, "invoice": {...} or
/// null}` (as written by `procode_encounter_to_json`). Malformed JSON or an
/// unknown field is `PROCODE_INVALID_JSON` (the message names the field's
/// path); a document whose parts contradict each other (a `paid` invoice
/// with a balance, payments above the total, derived totals that do not add
/// up, ...) is `PROCODE_INCONSISTENT_DOCUMENT`; an invoice that does not
/// belong to the session (or a session naming an invoice not given) is
/// `PROCODE_INVOICE_MISMATCH`.
///
/// Ownership: `json` is borrowed for the call. On success `*out` is a new
/// encounter the caller frees with `procode_encounter_free`.
///
/// # Safety
/// `json` must be NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_from_json(
    json: *const c_char,
    out: *mut *mut procode_encounter,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract.
        let inner: Encounter = unsafe { encounter_arg(json, "json") }?;
        out_arg(out, "out")?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out, boxed(procode_encounter { inner })) };
        Ok(())
    })
}

/// Writes an encounter as JSON `{"session": {...}, "invoice": {...} or
/// null}`, lossless (audit logs included).
///
/// Ownership: on success `*out_json` is a new string the caller frees with
/// `procode_string_free`.
///
/// # Safety
/// `encounter` must be NULL or live; `out_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_to_json(
    encounter: *const procode_encounter,
    out_json: *mut *mut c_char,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract.
        let enc = unsafe { ref_arg(encounter, "encounter") }?;
        out_arg(out_json, "out_json")?;
        let json = json_out(&enc.inner)?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out_json, json) };
        Ok(())
    })
}

/// Writes the encounter's session as a document, `{"kind": "session",
/// ...}` (for `procode_readiness`).
///
/// Ownership: on success `*out_json` is a new string the caller frees with
/// `procode_string_free`.
///
/// # Safety
/// `encounter` must be NULL or live; `out_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_session_json(
    encounter: *const procode_encounter,
    out_json: *mut *mut c_char,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract.
        let enc = unsafe { ref_arg(encounter, "encounter") }?;
        out_arg(out_json, "out_json")?;
        let json = json_out(&Document::Session(enc.inner.session().clone()))?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out_json, json) };
        Ok(())
    })
}

/// Writes the encounter's invoice as a document, `{"kind": "invoice",
/// ...}`; `PROCODE_NOT_FOUND` when the session has no invoice yet.
///
/// Ownership: on success `*out_json` is a new string the caller frees with
/// `procode_string_free`.
///
/// # Safety
/// `encounter` must be NULL or live; `out_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_invoice_json(
    encounter: *const procode_encounter,
    out_json: *mut *mut c_char,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract.
        let enc = unsafe { ref_arg(encounter, "encounter") }?;
        out_arg(out_json, "out_json")?;
        let invoice = enc.inner.invoice().ok_or_else(|| {
            Error::new(
                procode_result::PROCODE_NOT_FOUND,
                format!("session {} has no invoice", enc.inner.session().id()),
            )
        })?;
        let json = json_out(&Document::Invoice(invoice.clone()))?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out_json, json) };
        Ok(())
    })
}

/// The session's state: `"pending_confirmation"`, `"booked"`,
/// `"completed"`, `"cancelled"` or `"no_show"`; NULL when `encounter` is
/// NULL.
///
/// Ownership: static; never free it.
///
/// # Safety
/// `encounter` must be NULL or live.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_session_state(
    encounter: *const procode_encounter,
) -> *const c_char {
    call_or(std::ptr::null(), || {
        // SAFETY: caller contract.
        let enc = unsafe { ref_arg(encounter, "encounter") }?;
        Ok(static_cstr(enc.inner.session().state().as_str()))
    })
}

/// The invoice's state: `"draft"`, `"sent"`, `"paid"` or `"void"`; NULL when
/// the session has no invoice (or `encounter` is NULL).
///
/// Ownership: static; never free it.
///
/// # Safety
/// `encounter` must be NULL or live.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_invoice_state(
    encounter: *const procode_encounter,
) -> *const c_char {
    call_or(std::ptr::null(), || {
        // SAFETY: caller contract.
        let enc = unsafe { ref_arg(encounter, "encounter") }?;
        Ok(enc
            .inner
            .invoice()
            .map_or(std::ptr::null(), |i| static_cstr(i.state().as_str())))
    })
}

/// Runs a step on an encounter that may write a JSON result.
///
/// # Safety
/// `encounter` NULL or live and unaliased; `out_json` NULL or writable.
unsafe fn encounter_step(
    encounter: *mut procode_encounter,
    out_json: *mut *mut c_char,
    step: impl FnOnce(&mut Encounter) -> Result<Option<serde_json::Value>, Error>,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract.
        let enc = unsafe { mut_arg(encounter, "encounter") }?;
        let value = step(&mut enc.inner)?;
        if !out_json.is_null() {
            let json = match value {
                Some(v) => json_out(&v)?,
                None => std::ptr::null_mut(),
            };
            // SAFETY: non-NULL; writable (caller contract).
            unsafe { write_out(out_json, json) };
        }
        Ok(())
    })
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Option<serde_json::Value>, Error> {
    serde_json::to_value(v)
        .map(Some)
        .map_err(|e| Error::new(procode_result::PROCODE_BILLING_ERROR, e.to_string()))
}

/// Reviews the codes of a paid-in-advance booking (`booking_review`
/// context): the batch (see `procode_service_edit`) applies to the session
/// and its draft invoice together, or to neither. Refused with
/// `PROCODE_EDIT_NOT_ALLOWED` once the booking is confirmed, or for a normal
/// booking.
///
/// Ownership: the strings and handles are borrowed for the call. On
/// success, `*out_outcome_json` (unless NULL) receives `{"document",
/// "changed_lines", "must_resend"}`, freed with `procode_string_free`.
///
/// # Safety
/// Pointers must be NULL or valid: strings NUL-terminated, handles live
/// (`encounter` not used by another thread), output writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_review(
    encounter: *mut procode_encounter,
    batch_json: *const c_char,
    actor: *const c_char,
    at: *const c_char,
    pricing: *const procode_pricing,
    policy: *const procode_policy,
    out_outcome_json: *mut *mut c_char,
) -> procode_result {
    // SAFETY: caller contract.
    unsafe {
        encounter_step(encounter, out_outcome_json, |enc| {
            let batch: EditBatch = json_arg(batch_json, "batch_json", "edit batch")?;
            let args = EditArgs::read(actor, at, pricing, policy)?;
            to_value(&enc.review(&batch, &args.editor())?)
        })
    }
}

/// Confirms a paid-in-advance booking: the session becomes `booked` and the
/// invoice `sent`, then `paid` if the payment covers it (a partial payment
/// leaves it `sent`). All or nothing.
///
/// - `payment_json`: NULL, or `{"id": "P1", "amount": {"amount": "120.00",
///   "currency": "USD"}, "received_at": "2025-03-03T10:00:00Z"}`.
///
/// Ownership: the strings are borrowed for the call. On success
/// `*out_invoice_state` (unless NULL) receives the invoice's new state, a
/// static string (never freed).
///
/// # Safety
/// Pointers must be NULL or valid: strings NUL-terminated, `encounter` live
/// and not used by another thread, output writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_confirm(
    encounter: *mut procode_encounter,
    payment_json: *const c_char,
    out_invoice_state: *mut *const c_char,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract, for each argument.
        let (enc, payment) = unsafe {
            let payment = opt_json_arg::<Payment>(payment_json, "payment_json", "payment")?;
            (mut_arg(encounter, "encounter")?, payment)
        };
        let state = enc.inner.confirm(payment)?;
        // SAFETY: NULL-tolerant; writable (caller contract).
        unsafe { write_out(out_invoice_state, static_cstr(state.as_str())) };
        Ok(())
    })
}

/// Cancels a `pending_confirmation` or `booked` session; a draft invoice is
/// voided (a sent or paid one is left for the host). Otherwise
/// `PROCODE_INVALID_TRANSITION`.
///
/// # Safety
/// `encounter` must be NULL or live and not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_cancel(
    encounter: *mut procode_encounter,
) -> procode_result {
    // SAFETY: caller contract.
    unsafe {
        encounter_step(encounter, std::ptr::null_mut(), |enc| {
            enc.cancel()?;
            Ok(None)
        })
    }
}

/// Marks a `booked` session as a no-show; otherwise
/// `PROCODE_INVALID_TRANSITION`.
///
/// # Safety
/// `encounter` must be NULL or live and not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_no_show(
    encounter: *mut procode_encounter,
) -> procode_result {
    // SAFETY: caller contract.
    unsafe {
        encounter_step(encounter, std::ptr::null_mut(), |enc| {
            enc.no_show()?;
            Ok(None)
        })
    }
}

/// Marks a `booked` session complete, applying the batch to its codes in
/// the same step (`session_completion` context). Without an invoice, a
/// `draft` invoice with id `invoice_id` is created (`invoice_id` is then
/// required: `PROCODE_INVOICE_ID_REQUIRED`; otherwise it may be NULL); a
/// `draft`/`sent` invoice is updated alike; a `paid`/`void` one is left
/// unchanged and the result lists the lines that now differ. All or
/// nothing.
///
/// Ownership: the strings and handles are borrowed for the call. On
/// success, `*out_completion_json` (unless NULL) receives
/// `{"session_changes", "invoice": {"kind": "created" | "updated" |
/// "unchanged", ...}, "differences"}`, freed with `procode_string_free`.
///
/// # Safety
/// Pointers must be NULL or valid: strings NUL-terminated, handles live
/// (`encounter` not used by another thread), output writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_complete(
    encounter: *mut procode_encounter,
    batch_json: *const c_char,
    invoice_id: *const c_char,
    actor: *const c_char,
    at: *const c_char,
    pricing: *const procode_pricing,
    policy: *const procode_policy,
    out_completion_json: *mut *mut c_char,
) -> procode_result {
    // SAFETY: caller contract.
    unsafe {
        encounter_step(encounter, out_completion_json, |enc| {
            let batch: EditBatch = json_arg(batch_json, "batch_json", "edit batch")?;
            let invoice_id = opt_str_arg(invoice_id, "invoice_id")?;
            let args = EditArgs::read(actor, at, pricing, policy)?;
            to_value(&enc.complete(&batch, &args.editor(), invoice_id)?)
        })
    }
}

/// Edits the invoice in billing (`invoice_edit` context: `draft` or `sent`
/// by the default rules); the session's codes are not touched. A `paid` or
/// `void` invoice is `PROCODE_EDIT_NOT_ALLOWED` (the message names the
/// invoice and its state); dropping a sent invoice's total below what was
/// paid is `PROCODE_BELOW_PAID`; no invoice is `PROCODE_NO_INVOICE`.
///
/// Ownership: the strings and handles are borrowed for the call. On
/// success, `*out_outcome_json` (unless NULL) receives `{"document",
/// "changed_lines", "must_resend"}` (`must_resend` is true for a sent
/// invoice), freed with `procode_string_free`.
///
/// # Safety
/// Pointers must be NULL or valid: strings NUL-terminated, handles live
/// (`encounter` not used by another thread), output writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_edit_invoice(
    encounter: *mut procode_encounter,
    batch_json: *const c_char,
    actor: *const c_char,
    at: *const c_char,
    pricing: *const procode_pricing,
    policy: *const procode_policy,
    out_outcome_json: *mut *mut c_char,
) -> procode_result {
    // SAFETY: caller contract.
    unsafe {
        encounter_step(encounter, out_outcome_json, |enc| {
            let batch: EditBatch = json_arg(batch_json, "batch_json", "edit batch")?;
            let args = EditArgs::read(actor, at, pricing, policy)?;
            to_value(&enc.edit_invoice(&batch, &args.editor())?)
        })
    }
}

/// Sends (or re-sends) the invoice. `*out_version` (unless NULL) receives
/// the version sent.
///
/// # Safety
/// `encounter` must be NULL or live and not used by another thread;
/// `out_version` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_send_invoice(
    encounter: *mut procode_encounter,
    out_version: *mut u32,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract.
        let enc = unsafe { mut_arg(encounter, "encounter") }?;
        let version = enc.inner.send_invoice()?;
        // SAFETY: NULL-tolerant; writable (caller contract).
        unsafe { write_out(out_version, version) };
        Ok(())
    })
}

/// Records a payment on the sent invoice (`payment_json` as in
/// `procode_encounter_confirm`); the invoice becomes `paid` when the
/// balance reaches zero. A payment of zero, in another currency, above the
/// balance or with a used id is `PROCODE_INVALID_PAYMENT`.
///
/// Ownership: the strings are borrowed for the call. On success
/// `*out_invoice_state` (unless NULL) receives the invoice's state, a static
/// string (never freed).
///
/// # Safety
/// Pointers must be NULL or valid: `payment_json` NUL-terminated,
/// `encounter` live and not used by another thread, output writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_record_payment(
    encounter: *mut procode_encounter,
    payment_json: *const c_char,
    out_invoice_state: *mut *const c_char,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract, for each argument.
        let (enc, payment) = unsafe {
            (
                mut_arg(encounter, "encounter")?,
                json_arg::<Payment>(payment_json, "payment_json", "payment")?,
            )
        };
        let state = enc.inner.record_payment(payment)?;
        // SAFETY: NULL-tolerant; writable (caller contract).
        unsafe { write_out(out_invoice_state, static_cstr(state.as_str())) };
        Ok(())
    })
}

/// Voids the invoice. An invoice with payments is `PROCODE_HAS_PAYMENTS`.
///
/// # Safety
/// `encounter` must be NULL or live and not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_void_invoice(
    encounter: *mut procode_encounter,
) -> procode_result {
    // SAFETY: caller contract.
    unsafe {
        encounter_step(encounter, std::ptr::null_mut(), |enc| {
            enc.void_invoice()?;
            Ok(None)
        })
    }
}

// -------------------------------------------------------------- revisions

/// The encounter's revision: its session's plus its invoice's (if any). It
/// goes up with every step that changes the encounter (a refused step
/// leaves it as it was); store it beside the encounter's JSON and
/// compare-and-swap on it (see the README, "Storing documents").
///
/// # Safety
/// `encounter` must be NULL or live; `out_revision` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_revision(
    encounter: *const procode_encounter,
    out_revision: *mut u64,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract.
        let enc = unsafe { ref_arg(encounter, "encounter") }?;
        out_arg(out_revision, "out_revision")?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out_revision, enc.inner.revision()) };
        Ok(())
    })
}

/// The expected-revision check of a step: `PROCODE_OK` when the encounter
/// is at revision `expected`, else `PROCODE_STALE_DOCUMENT` (the message
/// names the session, the expected and the current revision) and nothing
/// changes. Call it right before the step on the same handle: a handle is
/// used by one thread at a time, so nothing comes between the check and
/// the step.
///
/// # Safety
/// `encounter` must be NULL or live.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_expect_revision(
    encounter: *mut procode_encounter,
    expected: u64,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract.
        let enc = unsafe { mut_arg(encounter, "encounter") }?;
        enc.inner.expect_revision(Some(expected))?;
        Ok(())
    })
}

/// The revision of a document given as JSON (`{"kind": "service" |
/// "session" | "invoice", ...}`, as `procode_service_edit` writes it): 1
/// for a new document (and for JSON written before revisions existed),
/// plus one for every change. With `expected` non-NULL, a document at
/// another revision is `PROCODE_STALE_DOCUMENT` (and `*out_revision` is
/// still written): the check of a JSON-in, JSON-out step such as
/// `procode_service_edit`.
///
/// # Safety
/// `document_json` must be NULL or NUL-terminated; `expected` NULL or
/// readable; `out_revision` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_document_revision(
    document_json: *const c_char,
    expected: *const u64,
    out_revision: *mut u64,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract, for each argument.
        let (mut doc, expected) = unsafe {
            (
                document_arg(document_json, "document_json")?,
                expected.as_ref().copied(),
            )
        };
        out_arg(out_revision, "out_revision")?;
        let revision = match &doc {
            Document::Service(d) => d.revision(),
            Document::Session(d) => d.revision(),
            Document::Invoice(d) => d.revision(),
        };
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out_revision, revision) };
        match &mut doc {
            Document::Service(d) => d.expect_revision(expected).map(|_| ()),
            Document::Session(d) => d.expect_revision(expected).map(|_| ()),
            Document::Invoice(d) => d.expect_revision(expected).map(|_| ()),
        }?;
        Ok(())
    })
}

/// Frees an encounter. NULL is ignored.
///
/// # Safety
/// `encounter` must be NULL or not yet freed.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_free(encounter: *mut procode_encounter) {
    // SAFETY: caller contract.
    unsafe { free_handle(encounter) }
}

// -------------------------------------------------------------- readiness

/// Insurance readiness: every problem that would get a claim for the
/// document rejected, looked up in `catalog`. An empty list means ready.
///
/// - `document_json`: a document with its kind, `{"kind": "service" |
///   "session" | "invoice", ...}` (as written by `procode_service_edit`,
///   `procode_encounter_session_json`, `procode_encounter_invoice_json`).
/// - `pricing`: NULL, or fee schedules tried for lines without a rate
///   before reporting `NO_RATE`.
///
/// Ownership: the string and handles are borrowed for the call. On success
/// `*out` is a new problem list the caller frees with
/// `procode_problems_free`.
///
/// # Safety
/// Pointers must be NULL or valid: `document_json` NUL-terminated, handles
/// live, `out` writable.
#[no_mangle]
pub unsafe extern "C" fn procode_readiness(
    catalog: *const procode_catalog,
    document_json: *const c_char,
    pricing: *const procode_pricing,
    out: *mut *mut procode_problems,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract, for each argument.
        let (cat, doc, pricing) = unsafe {
            (
                ref_arg(catalog, "catalog")?,
                document_arg(document_json, "document_json")?,
                pricing.as_ref().map(|p| Pricing::new(&p.schedules)),
            )
        };
        out_arg(out, "out")?;
        let problems = procode_problems::new(readiness(&doc, cat.catalog(), pricing));
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out, boxed(problems)) };
        Ok(())
    })
}

/// The number of problems (0 when `problems` is NULL).
///
/// # Safety
/// `problems` must be NULL or live.
#[no_mangle]
pub unsafe extern "C" fn procode_problems_len(problems: *const procode_problems) -> usize {
    // SAFETY: caller contract.
    call_or(0, || {
        Ok(unsafe { ref_arg(problems, "problems") }?.items.len())
    })
}

/// Reads a field of problem `index` (NULL out of range, recorded as
/// `PROCODE_INDEX_OUT_OF_RANGE`).
unsafe fn problem_str(
    problems: *const procode_problems,
    index: usize,
    f: impl FnOnce(&ProblemC) -> *const c_char,
) -> *const c_char {
    call_or(std::ptr::null(), || {
        // SAFETY: caller contract.
        let p = unsafe { ref_arg(problems, "problems") }?;
        p.items
            .get(index)
            .map(f)
            .ok_or_else(|| out_of_range(index, p.items.len()))
    })
}

/// The stable machine-readable code of problem `index`, e.g.
/// `"MISSING_DIAGNOSIS"`, `"UNKNOWN_CODE"`, `"CODE_NOT_EFFECTIVE"`; NULL when
/// `index` is out of range (`PROCODE_INDEX_OUT_OF_RANGE` in
/// `procode_last_error_code`).
///
/// Ownership: static; never free it.
///
/// # Safety
/// `problems` must be NULL or live.
#[no_mangle]
pub unsafe extern "C" fn procode_problems_code(
    problems: *const procode_problems,
    index: usize,
) -> *const c_char {
    // SAFETY: caller contract.
    unsafe { problem_str(problems, index, |p| static_cstr(p.code)) }
}

/// The severity of problem `index`: `"error"` (the claim will be rejected
/// or denied) or `"warning"` (likely denied, or to review); NULL when
/// `index` is out of range.
///
/// Ownership: static; never free it.
///
/// # Safety
/// `problems` must be NULL or live.
#[no_mangle]
pub unsafe extern "C" fn procode_problems_severity(
    problems: *const procode_problems,
    index: usize,
) -> *const c_char {
    // SAFETY: caller contract.
    unsafe { problem_str(problems, index, |p| static_cstr(p.severity)) }
}

/// The structured detail of problem `index` as JSON (an object tagged by
/// `kind`: `ptp_conflict`, `mue_exceeded`, `excludes1_conflict`,
/// `add_on_without_primary`, `manifestation_first`, `code_first_note`), or
/// NULL when it has none or `index` is out of range.
///
/// Ownership: borrowed; valid as long as `problems`.
///
/// # Safety
/// `problems` must be NULL or live.
#[no_mangle]
pub unsafe extern "C" fn procode_problems_detail_json(
    problems: *const procode_problems,
    index: usize,
) -> *const c_char {
    // SAFETY: caller contract.
    unsafe {
        problem_str(problems, index, |p| {
            p.detail.as_ref().map_or(std::ptr::null(), |d| d.as_ptr())
        })
    }
}

/// The id of the line problem `index` concerns, or NULL when it concerns
/// the whole document or `index` is out of range.
///
/// Ownership: borrowed; valid as long as `problems`.
///
/// # Safety
/// `problems` must be NULL or live.
#[no_mangle]
pub unsafe extern "C" fn procode_problems_line_id(
    problems: *const procode_problems,
    index: usize,
) -> *const c_char {
    // SAFETY: caller contract.
    unsafe {
        problem_str(problems, index, |p| {
            p.line_id.as_ref().map_or(std::ptr::null(), |l| l.as_ptr())
        })
    }
}

/// The human-readable message of problem `index`; NULL when `index` is out
/// of range.
///
/// Ownership: borrowed; valid as long as `problems`.
///
/// # Safety
/// `problems` must be NULL or live.
#[no_mangle]
pub unsafe extern "C" fn procode_problems_message(
    problems: *const procode_problems,
    index: usize,
) -> *const c_char {
    // SAFETY: caller contract.
    unsafe { problem_str(problems, index, |p| p.message.as_ptr()) }
}

/// Frees a problem list. NULL is ignored.
///
/// # Safety
/// `problems` must be NULL or not yet freed.
#[no_mangle]
pub unsafe extern "C" fn procode_problems_free(problems: *mut procode_problems) {
    // SAFETY: caller contract.
    unsafe { free_handle(problems) }
}
