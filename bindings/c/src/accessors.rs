//! Plain accessors for the facts a host reads most, without a JSON parser:
//! an encounter's invoice version, total, balance and currency, and each
//! line's id, code, units and amount (of the session or of the invoice);
//! and an owned copy of a borrowed entry.

use std::ffi::c_char;

use procode::billing::{CodeLine, Currency, Encounter};
use rust_decimal::Decimal;

use crate::catalog::{out_of_range, procode_entry};
use crate::error::{procode_result, Error};
use crate::ffi::{boxed, call, out_arg, ref_arg, static_cstr, str_arg, string_out, write_out};
use crate::procode_encounter;

/// Copies an entry (owned or borrowed, e.g. from `procode_results_get`)
/// into a new *owned* entry, so it can outlive its result set.
///
/// Ownership: on success `*out` is a new entry the caller frees with
/// `procode_entry_free`; `entry` stays as it was (a borrowed one still
/// belongs to its result set).
///
/// # Safety
/// `entry` must be NULL or a live entry; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_entry_copy(
    entry: *const procode_entry,
    out: *mut *mut procode_entry,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract.
        let e = unsafe { ref_arg(entry, "entry") }?;
        out_arg(out, "out")?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out, boxed(e.clone())) };
        Ok(())
    })
}

/// The encounter's invoice, or `PROCODE_NOT_FOUND` when it has none yet.
fn invoice_of(enc: &Encounter) -> Result<&procode::billing::Invoice, Error> {
    enc.invoice().ok_or_else(|| {
        Error::new(
            procode_result::PROCODE_NOT_FOUND,
            format!("session {} has no invoice yet", enc.session().id()),
        )
    })
}

/// An amount in minor units of its currency (`Currency::to_minor`), or
/// `PROCODE_AMOUNT_TOO_LARGE`.
fn minor_units(amount: Decimal, currency: Currency) -> Result<i64, Error> {
    currency.to_minor(amount).ok_or_else(|| {
        Error::new(
            procode_result::PROCODE_AMOUNT_TOO_LARGE,
            format!("{amount} {currency} does not fit in 64 bits of minor units"),
        )
    })
}

/// Reads one fact of an encounter into a required out-parameter.
///
/// # Safety
/// `encounter` NULL or live; `out` NULL or writable.
unsafe fn encounter_fact<T>(
    encounter: *const procode_encounter,
    out: *mut T,
    out_name: &str,
    fact: impl FnOnce(&Encounter) -> Result<T, Error>,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract.
        let enc = unsafe { ref_arg(encounter, "encounter") }?;
        out_arg(out, out_name)?;
        let value = fact(enc.encounter())?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out, value) };
        Ok(())
    })
}

/// The invoice's version: 1 for a new invoice, plus one for every change
/// after it was sent. `PROCODE_NOT_FOUND` when the session has no invoice.
///
/// # Safety
/// `encounter` must be NULL or live; `out_version` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_invoice_version(
    encounter: *const procode_encounter,
    out_version: *mut u32,
) -> procode_result {
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        encounter_fact(encounter, out_version, "out_version", |enc| {
            Ok(invoice_of(enc)?.version())
        })
    }
}

/// The invoice's total, in minor units of its currency (cents for USD:
/// 48000 is 480.00; see `procode_encounter_currency`).
/// `PROCODE_NOT_FOUND` when the session has no invoice.
///
/// # Safety
/// `encounter` must be NULL or live; `out_minor` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_invoice_total(
    encounter: *const procode_encounter,
    out_minor: *mut i64,
) -> procode_result {
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        encounter_fact(encounter, out_minor, "out_minor", |enc| {
            let total = invoice_of(enc)?.total();
            minor_units(total.amount(), total.currency())
        })
    }
}

/// The invoice's balance (total less payments), in minor units of its
/// currency. `PROCODE_NOT_FOUND` when the session has no invoice.
///
/// # Safety
/// `encounter` must be NULL or live; `out_minor` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_invoice_balance(
    encounter: *const procode_encounter,
    out_minor: *mut i64,
) -> procode_result {
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        encounter_fact(encounter, out_minor, "out_minor", |enc| {
            let balance = invoice_of(enc)?.balance();
            minor_units(balance.amount(), balance.currency())
        })
    }
}

/// The encounter's currency (its invoice's, else its session's price's):
/// `*out_code` is the ISO 4217 code (`"USD"`, static: never free it) and
/// `*out_minor_digits` (unless NULL) the digits of its minor unit (2 for
/// USD, 0 for JPY), the scale of every `_minor` amount.
///
/// # Safety
/// `encounter` must be NULL or live; `out_code` NULL or writable;
/// `out_minor_digits` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_currency(
    encounter: *const procode_encounter,
    out_code: *mut *const c_char,
    out_minor_digits: *mut u32,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract.
        let enc = unsafe { ref_arg(encounter, "encounter") }?.encounter();
        out_arg(out_code, "out_code")?;
        let currency = currency_of(enc);
        // SAFETY: checked non-NULL / NULL or writable (caller contract).
        unsafe {
            write_out(out_code, static_cstr(currency.as_str()));
            write_out(out_minor_digits, currency.minor_units());
        }
        Ok(())
    })
}

fn currency_of(enc: &Encounter) -> Currency {
    enc.invoice()
        .map_or_else(|| enc.session().price().currency(), |i| i.currency())
}

/// The lines of the encounter's `part`: `"session"` or `"invoice"`.
fn lines_of<'a>(enc: &'a Encounter, part: &str) -> Result<&'a [CodeLine], Error> {
    match part {
        "session" => Ok(enc.session().lines()),
        "invoice" => Ok(invoice_of(enc)?.lines()),
        other => Err(Error::new(
            procode_result::PROCODE_INVALID_ARGUMENT,
            format!("argument `part`: {other:?} is neither \"session\" nor \"invoice\""),
        )),
    }
}

/// Reads one fact of line `index` of an encounter's `part`.
///
/// # Safety
/// `encounter` NULL or live; `part` NULL or NUL-terminated; `out` NULL or
/// writable.
unsafe fn line_fact<T>(
    encounter: *const procode_encounter,
    part: *const c_char,
    index: usize,
    out: *mut T,
    fact: impl FnOnce(&CodeLine, Currency) -> Result<T, Error>,
) -> procode_result {
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        encounter_fact(encounter, out, "out", |enc| {
            let part = str_arg(part, "part")?;
            let lines = lines_of(enc, part)?;
            let line = lines
                .get(index)
                .ok_or_else(|| out_of_range(index, lines.len()))?;
            fact(line, currency_of(enc))
        })
    }
}

/// The number of code lines of the encounter's `part`: `"session"` or
/// `"invoice"` (`PROCODE_NOT_FOUND` when there is no invoice yet; another
/// part is `PROCODE_INVALID_ARGUMENT`).
///
/// # Safety
/// `encounter` must be NULL or live; `part` NULL or NUL-terminated;
/// `out_count` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_line_count(
    encounter: *const procode_encounter,
    part: *const c_char,
    out_count: *mut usize,
) -> procode_result {
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        encounter_fact(encounter, out_count, "out_count", |enc| {
            Ok(lines_of(enc, str_arg(part, "part")?)?.len())
        })
    }
}

/// The id of line `index` (0-based, in document order) of the encounter's
/// `part` (`"session"` or `"invoice"`), e.g. `"L1"`: the id edit batches
/// name. `PROCODE_INDEX_OUT_OF_RANGE` past the last line.
///
/// Ownership: on success `*out` is a new string the caller frees with
/// `procode_string_free`.
///
/// # Safety
/// `encounter` must be NULL or live; `part` NULL or NUL-terminated; `out`
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_line_id(
    encounter: *const procode_encounter,
    part: *const c_char,
    index: usize,
    out: *mut *mut c_char,
) -> procode_result {
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        line_fact(encounter, part, index, out, |l, _| {
            Ok(string_out(l.id.clone()))
        })
    }
}

/// The code of line `index` of the encounter's `part`, normalised (upper
/// case, no dots: `"H0004"`, `"F411"`), and its code system in
/// `*out_system` (unless NULL: `"hcpcs"`, `"cpt"`, ...; static, never
/// free it); otherwise as `procode_encounter_line_id`.
///
/// Ownership: on success `*out_code` is a new string the caller frees with
/// `procode_string_free`.
///
/// # Safety
/// `encounter` must be NULL or live; `part` NULL or NUL-terminated;
/// `out_code` NULL or writable; `out_system` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_line_code(
    encounter: *const procode_encounter,
    part: *const c_char,
    index: usize,
    out_code: *mut *mut c_char,
    out_system: *mut *const c_char,
) -> procode_result {
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        line_fact(encounter, part, index, out_code, |l, _| {
            // `out_system` is NULL or writable (caller contract).
            write_out(out_system, static_cstr(l.system.as_str()));
            Ok(string_out(l.code.as_str().to_owned()))
        })
    }
}

/// The units billed on line `index` of the encounter's `part`.
///
/// # Safety
/// `encounter` must be NULL or live; `part` NULL or NUL-terminated; `out`
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_line_units(
    encounter: *const procode_encounter,
    part: *const c_char,
    index: usize,
    out: *mut u32,
) -> procode_result {
    // SAFETY: forwarded from the caller's contract.
    unsafe { line_fact(encounter, part, index, out, |l, _| Ok(l.units)) }
}

/// The amount of line `index` of the encounter's `part` (rate × units), in
/// minor units of the encounter's currency (see
/// `procode_encounter_currency`); `PROCODE_NOT_FOUND` while the line has no
/// rate.
///
/// # Safety
/// `encounter` must be NULL or live; `part` NULL or NUL-terminated; `out`
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_encounter_line_amount(
    encounter: *const procode_encounter,
    part: *const c_char,
    index: usize,
    out: *mut i64,
) -> procode_result {
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        line_fact(encounter, part, index, out, |l, currency| {
            let amount = l.amount(currency).ok_or_else(|| {
                Error::new(
                    procode_result::PROCODE_NOT_FOUND,
                    format!("line {} has no rate yet", l.id),
                )
            })?;
            minor_units(amount, currency)
        })
    }
}
