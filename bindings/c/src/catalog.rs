//! The code catalog: open, look up, search, and the entries found.

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use procode::billing::{CodeLine, EditOp, LineChanges};
use procode::{Catalog, CatalogError, Classified, Entry, EntryRef, ErrorKind, SearchOptions};

use crate::error::{procode_result, Error};
use crate::ffi::{
    boxed, call, call_or, cstring, date_arg, free_handle, json_out, opt_str_arg, out_arg, ref_arg,
    static_cstr, str_arg, system_arg, write_out,
};

/// A code catalog (opaque). Immutable and thread-safe: one catalog may be
/// used from any number of threads at once. Made by
/// `procode_catalog_embedded` or `procode_catalog_open`, freed by
/// `procode_catalog_free`.
pub struct procode_catalog {
    inner: Catalog,
}

impl procode_catalog {
    pub(crate) fn catalog(&self) -> &Catalog {
        &self.inner
    }
}

/// One catalog entry (opaque): a code with its system, descriptions, dates
/// and billable flag.
///
/// An entry is either *owned* (from `procode_catalog_lookup`: free it with
/// `procode_entry_free`) or *borrowed* (from `procode_results_get`: it lives
/// as long as its result set and must not be freed). The strings its
/// accessors return live as long as the entry.
#[derive(Clone)]
pub struct procode_entry {
    /// The fixed fields, and where the descriptions are (in the catalog's
    /// index, kept alive by the entry).
    view: EntryRef<'static>,
    /// The whole entry, decoded on first use.
    full: OnceLock<Entry>,
    /// Its strings as C strings, made when a string is first read.
    strings: OnceLock<EntryStrings>,
}

/// The C strings of an entry.
#[derive(Clone)]
struct EntryStrings {
    code: CString,
    display_code: CString,
    description: CString,
    short_description: CString,
    effective: Option<CString>,
    terminated: Option<CString>,
}

impl procode_entry {
    /// A borrowed entry (descriptions decoded when first read).
    fn from_ref(entry: &EntryRef<'_>) -> procode_entry {
        procode_entry {
            view: entry.detach(),
            full: OnceLock::new(),
            strings: OnceLock::new(),
        }
    }

    /// The whole entry.
    pub(crate) fn entry(&self) -> Result<&Entry, Error> {
        if let Some(e) = self.full.get() {
            return Ok(e);
        }
        let e = self.view.to_owned()?;
        Ok(self.full.get_or_init(|| e))
    }

    /// Its strings.
    fn strings(&self) -> Result<&EntryStrings, Error> {
        if let Some(s) = self.strings.get() {
            return Ok(s);
        }
        let entry = self.entry()?;
        let date = |d: Option<chrono::NaiveDate>| d.map(|d| cstring(d.to_string()));
        let s = EntryStrings {
            code: cstring(entry.code.as_str()),
            display_code: cstring(entry.display_code()),
            description: cstring(entry.description.as_str()),
            short_description: cstring(entry.short_description.as_str()),
            effective: date(entry.effective),
            terminated: date(entry.terminated),
        };
        Ok(self.strings.get_or_init(|| s))
    }
}

/// The entries a search found, best first (opaque). Read with
/// `procode_results_len` and `procode_results_get`; free with
/// `procode_results_free`.
pub struct procode_results {
    entries: Vec<procode_entry>,
    total: usize,
    offset: usize,
    mode: &'static str,
    notice: Option<(&'static str, CString)>,
    /// Per entry: each matched span.
    spans: Vec<Vec<CSpan>>,
}

/// A match span with its strings as C strings: (start, end, term, via, typo).
type CSpan = (usize, usize, CString, Option<CString>, bool);

impl procode_results {
    fn new(found: procode::SearchRefs<'_>) -> procode_results {
        let spans = found
            .spans
            .iter()
            .map(|ss| {
                ss.iter()
                    .map(|s| {
                        (
                            s.start,
                            s.end,
                            cstring(&*s.term),
                            s.via.as_deref().map(cstring),
                            s.typo,
                        )
                    })
                    .collect()
            })
            .collect();
        procode_results {
            total: found.total,
            offset: found.offset,
            mode: found.mode.as_str(),
            notice: found.notice.map(|n| (n.code(), cstring(n.message()))),
            spans,
            entries: found.entries.iter().map(procode_entry::from_ref).collect(),
        }
    }
}

/// Opens the embedded default catalog (HCPCS Level II, modifiers, place of
/// service, ICD-10-CM) compiled into this library.
///
/// Returns `PROCODE_CATALOG_UNAVAILABLE` when this build was made without
/// the code-set data (the message says how to provide it).
///
/// Ownership: on success `*out` is a new catalog the caller frees with
/// `procode_catalog_free`.
///
/// # Safety
/// `out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_catalog_embedded(
    out: *mut *mut procode_catalog,
) -> procode_result {
    call(|| {
        out_arg(out, "out")?;
        let inner = Catalog::embedded()?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out, boxed(procode_catalog { inner })) };
        Ok(())
    })
}

/// Opens an index file (built by `procode build`) by memory map, read-only.
/// A missing file is `PROCODE_IO`; a truncated, corrupted or foreign file is
/// `PROCODE_INDEX_CORRUPT`.
///
/// Ownership: `path` is borrowed for the call. On success `*out` is a new
/// catalog the caller frees with `procode_catalog_free`.
///
/// # Safety
/// `path` must be NULL or a NUL-terminated string; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_catalog_open(
    path: *const c_char,
    out: *mut *mut procode_catalog,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract.
        let path = unsafe { str_arg(path, "path") }?;
        out_arg(out, "out")?;
        let inner = Catalog::open(path)?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out, boxed(procode_catalog { inner })) };
        Ok(())
    })
}

/// A new catalog: `catalog` with the CMS NCCI edits file at `edits_path`
/// (built by `procode build-edits` or `procode_edits_build`) attached, so that
/// `procode_readiness` on it also reports `NCCI_PTP_CONFLICT` and
/// `MUE_EXCEEDED`. The file is opened by memory map and fully verified; a
/// damaged one is `PROCODE_NCCI_ERROR`, a missing one `PROCODE_IO`.
///
/// Ownership: both arguments are borrowed for the call. On success `*out` is
/// a new catalog the caller frees with `procode_catalog_free`; `catalog`
/// stays valid and unchanged.
///
/// # Safety
/// `catalog` must be NULL or live; `edits_path` NULL or NUL-terminated;
/// `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_catalog_with_ncci(
    catalog: *const procode_catalog,
    edits_path: *const c_char,
    out: *mut *mut procode_catalog,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract, for each argument.
        let (cat, path) = unsafe {
            (
                ref_arg(catalog, "catalog")?,
                str_arg(edits_path, "edits_path")?,
            )
        };
        out_arg(out, "out")?;
        let edits = procode::ncci::NcciEdits::open(path)?;
        let inner = cat.inner.with_ncci(edits);
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out, boxed(procode_catalog { inner })) };
        Ok(())
    })
}

/// Builds an NCCI edits file at `out_path` from the CMS practitioner
/// procedure-to-procedure table `ptp_path` and medically-unlikely-edit table
/// `mue_path` (TSV, plain or gzip; either may be NULL but not both). Bad rows
/// are `PROCODE_NCCI_ERROR` naming the file, line and column.
///
/// Ownership: the strings are borrowed for the call.
///
/// # Safety
/// Each string must be NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn procode_edits_build(
    ptp_path: *const c_char,
    mue_path: *const c_char,
    out_path: *const c_char,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract, for each argument.
        let (ptp, mue, out) = unsafe {
            (
                crate::ffi::opt_str_arg(ptp_path, "ptp_path")?,
                crate::ffi::opt_str_arg(mue_path, "mue_path")?,
                str_arg(out_path, "out_path")?,
            )
        };
        if ptp.is_none() && mue.is_none() {
            return Err(Error::null("ptp_path and mue_path"));
        }
        build_edits(ptp, mue, None, out)
    })
}

/// Loads the given tables into one edits file at `out` (the core's
/// `NcciBuilder`; at least one table is given, checked by the caller).
fn build_edits(
    ptp: Option<&str>,
    mue: Option<&str>,
    addon: Option<&str>,
    out: &str,
) -> Result<(), Error> {
    let mut b = procode::ncci::NcciBuilder::new();
    if let Some(p) = ptp {
        b.load_ptp(p)?;
    }
    if let Some(m) = mue {
        b.load_mue(m)?;
    }
    if let Some(a) = addon {
        b.load_addon(a)?;
    }
    b.write_to(out)?;
    Ok(())
}

/// Builds an NCCI edits file at `out_path` like `procode_edits_build`, also
/// loading the CMS add-on code edits from `addon_path` (the spreadsheet as
/// CMS publishes it, `.xlsx`, or the same as TSV). Any of the three tables
/// may be NULL but not all.
///
/// Ownership: the strings are borrowed for the call.
///
/// # Safety
/// Each string must be NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn procode_edits_build_with_addon(
    ptp_path: *const c_char,
    mue_path: *const c_char,
    addon_path: *const c_char,
    out_path: *const c_char,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract, for each argument.
        let (ptp, mue, addon, out) = unsafe {
            (
                crate::ffi::opt_str_arg(ptp_path, "ptp_path")?,
                crate::ffi::opt_str_arg(mue_path, "mue_path")?,
                crate::ffi::opt_str_arg(addon_path, "addon_path")?,
                str_arg(out_path, "out_path")?,
            )
        };
        if ptp.is_none() && mue.is_none() && addon.is_none() {
            return Err(Error::null("ptp_path, mue_path and addon_path"));
        }
        build_edits(ptp, mue, addon, out)
    })
}

/// The ICD-10-CM structure around `code` as JSON: `code`, `in_tabular`,
/// `manifestation`, `ancestors`, `children`, `notes`, `seventh_characters`
/// (the form of `procode tree --json` and Python's `Catalog.tree`).
/// `PROCODE_NOT_FOUND` when the catalog's tabular list does not hold it,
/// `PROCODE_INVALID_CODE` for a malformed code.
///
/// Ownership: `code` is borrowed for the call. On success `*out_json` is a
/// new string the caller frees with `procode_string_free`.
///
/// # Safety
/// `catalog` must be NULL or live; `code` NULL or NUL-terminated;
/// `out_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_catalog_tree(
    catalog: *const procode_catalog,
    code: *const c_char,
    out_json: *mut *mut c_char,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract, for each argument.
        let (cat, code) = unsafe { (ref_arg(catalog, "catalog")?, str_arg(code, "code")?) };
        out_arg(out_json, "out_json")?;
        let tree = cat.inner.tree(code)?.ok_or_else(|| {
            Error::new(
                procode_result::PROCODE_NOT_FOUND,
                format!("ICD-10-CM code {code:?} is not in the catalog's tabular list"),
            )
        })?;
        let json = json_out(&tree.to_json())?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out_json, json) };
        Ok(())
    })
}

/// Frees a catalog. NULL is ignored. Entries and result sets taken from it
/// stay valid (they hold copies).
///
/// # Safety
/// `catalog` must be NULL or a catalog not yet freed; no other thread may
/// be using it.
#[no_mangle]
pub unsafe extern "C" fn procode_catalog_free(catalog: *mut procode_catalog) {
    // SAFETY: caller contract.
    unsafe { free_handle(catalog) }
}

/// The number of entries in the catalog (0 when `catalog` is NULL).
///
/// # Safety
/// `catalog` must be NULL or a live catalog.
#[no_mangle]
pub unsafe extern "C" fn procode_catalog_len(catalog: *const procode_catalog) -> usize {
    // SAFETY: caller contract.
    call_or(0, || {
        Ok(unsafe { ref_arg(catalog, "catalog") }?.inner.len())
    })
}

/// Exact lookup of a code after normalisation (`"f41.1"`, `"F411"` and
/// `" F41.1 "` are the same code).
///
/// - `system`: a code-system name (`"hcpcs"`, `"cpt"`, `"icd10cm"`,
///   `"icd10pcs"`, `"modifier"`, `"pos"`, `"custom"`, case-insensitive), or
///   NULL for any system (the first system holding the code answers).
/// - `as_of`: a date of service `"YYYY-MM-DD"`, or NULL; with a date, a code
///   not valid that day is not found.
///
/// Returns `PROCODE_NOT_FOUND` when the catalog has no such code,
/// `PROCODE_INVALID_CODE`, `PROCODE_UNKNOWN_SYSTEM` or
/// `PROCODE_INVALID_DATE` for bad arguments.
///
/// Ownership: the strings are borrowed for the call. On success `*out` is a
/// new *owned* entry the caller frees with `procode_entry_free`.
///
/// # Safety
/// Pointers must be NULL or valid: strings NUL-terminated, `catalog` live,
/// `out` writable.
#[no_mangle]
pub unsafe extern "C" fn procode_catalog_lookup(
    catalog: *const procode_catalog,
    code: *const c_char,
    system: *const c_char,
    as_of: *const c_char,
    out: *mut *mut procode_entry,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract, for each argument.
        let (cat, code, system, as_of) = unsafe {
            (
                ref_arg(catalog, "catalog")?,
                str_arg(code, "code")?,
                system_arg(system, "system")?,
                date_arg(as_of, "as_of")?,
            )
        };
        out_arg(out, "out")?;
        let entry = cat
            .inner
            .require_ref(code, system, as_of)
            .map_err(|e| missing_as(e, procode_result::PROCODE_NOT_FOUND))?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out, boxed(procode_entry::from_ref(&entry))) };
        Ok(())
    })
}

/// `e`, with "not in the catalog" reported as `code` (which differs by call:
/// a lookup finds nothing, a picked code must exist).
fn missing_as(e: CatalogError, code: procode_result) -> Error {
    if e.kind() == ErrorKind::UnknownCode {
        Error::new(code, e.to_string())
    } else {
        e.into()
    }
}

/// One search for the typeahead box: a query that looks like a code
/// (`"G04"`, `"f41."`) gives code-prefix matches in code order; otherwise
/// description words (`"diab mell"`), ranked; when nothing matches, words
/// within one or two typos (`"wheelchiar"`).
///
/// - `system`: a code-system name or NULL for all systems.
/// - `limit`: at most this many results.
/// - `as_of`: `"YYYY-MM-DD"` hides codes not valid that day, or NULL (then
///   terminated codes are found too, with their termination date).
///
/// An empty result set is a success (`procode_results_len` is 0).
///
/// Ownership: the strings are borrowed for the call. On success `*out` is a
/// new result set the caller frees with `procode_results_free`.
///
/// # Safety
/// Pointers must be NULL or valid: strings NUL-terminated, `catalog` live,
/// `out` writable.
#[no_mangle]
pub unsafe extern "C" fn procode_catalog_search(
    catalog: *const procode_catalog,
    query: *const c_char,
    system: *const c_char,
    limit: usize,
    as_of: *const c_char,
    out: *mut *mut procode_results,
) -> procode_result {
    // SAFETY: forwarded from the caller's contract (the same arguments).
    unsafe { procode_catalog_search_page(catalog, query, system, 0, limit, 0, as_of, out) }
}

/// `procode_catalog_search` with pagination and a billable-only filter:
/// skips the first `offset` results, returns at most `limit`, and with
/// `billable_only` non-zero only billable codes. `procode_results_total`
/// then tells how many results there are in all.
///
/// # Safety
/// As `procode_catalog_search`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn procode_catalog_search_page(
    catalog: *const procode_catalog,
    query: *const c_char,
    system: *const c_char,
    offset: usize,
    limit: usize,
    billable_only: i32,
    as_of: *const c_char,
    out: *mut *mut procode_results,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract, for each argument.
        let (cat, query, system, as_of) = unsafe {
            (
                ref_arg(catalog, "catalog")?,
                str_arg(query, "query")?,
                system_arg(system, "system")?,
                date_arg(as_of, "as_of")?,
            )
        };
        out_arg(out, "out")?;
        let opts = SearchOptions::default()
            .system(system)
            .offset(offset)
            .limit(limit)
            .billable_only(billable_only != 0)
            .as_of(as_of);
        let found = cat.inner.search_refs(query, &opts)?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out, boxed(procode_results::new(found))) };
        Ok(())
    })
}

/// How many results the search found in all pages (0 when `results` is
/// NULL).
///
/// # Safety
/// `results` must be NULL or a live result set.
#[no_mangle]
pub unsafe extern "C" fn procode_results_total(results: *const procode_results) -> usize {
    // SAFETY: caller contract.
    call_or(0, || Ok(unsafe { ref_arg(results, "results") }?.total))
}

/// How many results were skipped before this page (0 when `results` is
/// NULL).
///
/// # Safety
/// `results` must be NULL or a live result set.
#[no_mangle]
pub unsafe extern "C" fn procode_results_offset(results: *const procode_results) -> usize {
    // SAFETY: caller contract.
    call_or(0, || Ok(unsafe { ref_arg(results, "results") }?.offset))
}

/// How the results were found: `"exact"` (a code-shaped query), `"words"`,
/// `"typo"` or `"none"`; NULL when `results` is NULL.
///
/// Ownership: static; never free it.
///
/// # Safety
/// `results` must be NULL or a live result set.
#[no_mangle]
pub unsafe extern "C" fn procode_results_mode(results: *const procode_results) -> *const c_char {
    // SAFETY: caller contract.
    call_or(std::ptr::null(), || {
        Ok(static_cstr(unsafe { ref_arg(results, "results") }?.mode))
    })
}

/// The notice of the search, machine-readable (`"cpt_not_shipped"`,
/// `"cpt_modifier_not_shipped"`, or `"not_every_word"` when the results match
/// all the query's words but one), or NULL when there is none.
///
/// Ownership: static; never free it.
///
/// # Safety
/// `results` must be NULL or a live result set.
#[no_mangle]
pub unsafe extern "C" fn procode_results_notice(results: *const procode_results) -> *const c_char {
    // SAFETY: caller contract.
    call_or(std::ptr::null(), || {
        let r = unsafe { ref_arg(results, "results") }?;
        Ok(r.notice
            .as_ref()
            .map_or(std::ptr::null(), |n| static_cstr(n.0)))
    })
}

/// The notice's message (what it means, how to load a licensed CPT file),
/// or NULL when there is none.
///
/// Ownership: borrowed; valid as long as `results`.
///
/// # Safety
/// `results` must be NULL or a live result set.
#[no_mangle]
pub unsafe extern "C" fn procode_results_notice_message(
    results: *const procode_results,
) -> *const c_char {
    // SAFETY: caller contract.
    call_or(std::ptr::null(), || {
        let r = unsafe { ref_arg(results, "results") }?;
        Ok(r.notice.as_ref().map_or(std::ptr::null(), |n| n.1.as_ptr()))
    })
}

/// How many match spans result `index` has (0 when out of range or NULL).
///
/// # Safety
/// `results` must be NULL or a live result set.
#[no_mangle]
pub unsafe extern "C" fn procode_results_span_count(
    results: *const procode_results,
    index: usize,
) -> usize {
    // SAFETY: caller contract.
    call_or(0, || {
        let r = unsafe { ref_arg(results, "results") }?;
        Ok(r.spans.get(index).map_or(0, Vec::len))
    })
}

/// Match span `k` of result `index`: the characters `[*start, *end)`
/// (Unicode scalar values, 0-based) of the entry's description that
/// matched, `*term` what the user typed that matched (the query word, or
/// the synonym term), `*via` the synonym expansion or NULL, `*typo` 1 when
/// the word matched only within the typo budget. Any output pointer may be
/// NULL. `PROCODE_INDEX_OUT_OF_RANGE` when `index` or `k` is out of range.
///
/// Ownership: `*term` and `*via` are borrowed; valid as long as `results`.
///
/// # Safety
/// `results` must be NULL or a live result set; output pointers NULL or
/// writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn procode_results_span(
    results: *const procode_results,
    index: usize,
    k: usize,
    start: *mut usize,
    end: *mut usize,
    term: *mut *const c_char,
    via: *mut *const c_char,
    typo: *mut i32,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract.
        let r = unsafe { ref_arg(results, "results") }?;
        let spans = r
            .spans
            .get(index)
            .ok_or_else(|| out_of_range(index, r.spans.len()))?;
        let s = spans.get(k).ok_or_else(|| out_of_range(k, spans.len()))?;
        // SAFETY: each pointer is NULL (skipped) or writable (caller contract).
        unsafe {
            if !start.is_null() {
                *start = s.0;
            }
            if !end.is_null() {
                *end = s.1;
            }
            if !term.is_null() {
                *term = s.2.as_ptr();
            }
            if !via.is_null() {
                *via = s.3.as_ref().map_or(std::ptr::null(), |v| v.as_ptr());
            }
            if !typo.is_null() {
                *typo = i32::from(s.4);
            }
        }
        Ok(())
    })
}

/// The number of entries in a result set (0 when `results` is NULL).
///
/// # Safety
/// `results` must be NULL or a live result set.
#[no_mangle]
pub unsafe extern "C" fn procode_results_len(results: *const procode_results) -> usize {
    // SAFETY: caller contract.
    call_or(0, || {
        Ok(unsafe { ref_arg(results, "results") }?.entries.len())
    })
}

/// The entry at `index` (0-based, best first), or NULL when `index` is out
/// of range (`procode_last_error_code` then gives
/// `PROCODE_INDEX_OUT_OF_RANGE`) or `results` is NULL.
///
/// Ownership: the entry is *borrowed*: it lives as long as `results`; do not
/// free it.
///
/// # Safety
/// `results` must be NULL or a live result set.
#[no_mangle]
pub unsafe extern "C" fn procode_results_get(
    results: *const procode_results,
    index: usize,
) -> *const procode_entry {
    call_or(std::ptr::null(), || {
        // SAFETY: caller contract.
        let r = unsafe { ref_arg(results, "results") }?;
        r.entries
            .get(index)
            .map(|e| e as *const procode_entry)
            .ok_or_else(|| out_of_range(index, r.entries.len()))
    })
}

pub(crate) fn out_of_range(index: usize, len: usize) -> Error {
    Error::new(
        procode_result::PROCODE_INDEX_OUT_OF_RANGE,
        format!("index {index} is out of range: the list has {len} items"),
    )
}

/// Frees a result set and the entries borrowed from it. NULL is ignored.
///
/// # Safety
/// `results` must be NULL or a result set not yet freed.
#[no_mangle]
pub unsafe extern "C" fn procode_results_free(results: *mut procode_results) {
    // SAFETY: caller contract.
    unsafe { free_handle(results) }
}

/// Frees an *owned* entry (from `procode_catalog_lookup`). NULL is ignored.
/// Never pass an entry borrowed from a result set.
///
/// # Safety
/// `entry` must be NULL or an owned entry not yet freed.
#[no_mangle]
pub unsafe extern "C" fn procode_entry_free(entry: *mut procode_entry) {
    // SAFETY: caller contract.
    unsafe { free_handle(entry) }
}

/// Reads a borrowed string field of an entry (NULL for a NULL entry).
unsafe fn entry_str(
    entry: *const procode_entry,
    f: impl FnOnce(&EntryStrings) -> *const c_char,
) -> *const c_char {
    // SAFETY: caller contract.
    call_or(std::ptr::null(), || {
        Ok(f(unsafe { ref_arg(entry, "entry") }?.strings()?))
    })
}

/// The normalised code: upper case, no dots (`"F411"`, `"H0004"`); NULL
/// when `entry` is NULL.
///
/// Ownership: borrowed; valid as long as the entry.
///
/// # Safety
/// `entry` must be NULL or a live entry.
#[no_mangle]
pub unsafe extern "C" fn procode_entry_code(entry: *const procode_entry) -> *const c_char {
    // SAFETY: caller contract.
    unsafe { entry_str(entry, |e| e.code.as_ptr()) }
}

/// The code as people write it (`"F41.1"` for ICD-10-CM, otherwise as
/// `procode_entry_code`); NULL when `entry` is NULL.
///
/// Ownership: borrowed; valid as long as the entry.
///
/// # Safety
/// `entry` must be NULL or a live entry.
#[no_mangle]
pub unsafe extern "C" fn procode_entry_display_code(entry: *const procode_entry) -> *const c_char {
    // SAFETY: caller contract.
    unsafe { entry_str(entry, |e| e.display_code.as_ptr()) }
}

/// The code system (`"hcpcs"`, `"icd10cm"`, ...); NULL when `entry` is
/// NULL.
///
/// Ownership: static; never free it.
///
/// # Safety
/// `entry` must be NULL or a live entry.
#[no_mangle]
pub unsafe extern "C" fn procode_entry_system(entry: *const procode_entry) -> *const c_char {
    // SAFETY: caller contract.
    call_or(std::ptr::null(), || {
        let e = unsafe { ref_arg(entry, "entry") }?;
        Ok(static_cstr(e.view.system().as_str()))
    })
}

/// The long description (UTF-8); NULL when `entry` is NULL.
///
/// Ownership: borrowed; valid as long as the entry.
///
/// # Safety
/// `entry` must be NULL or a live entry.
#[no_mangle]
pub unsafe extern "C" fn procode_entry_description(entry: *const procode_entry) -> *const c_char {
    // SAFETY: caller contract.
    unsafe { entry_str(entry, |e| e.description.as_ptr()) }
}

/// The short description (equals the description when the source has
/// none); NULL when `entry` is NULL.
///
/// Ownership: borrowed; valid as long as the entry.
///
/// # Safety
/// `entry` must be NULL or a live entry.
#[no_mangle]
pub unsafe extern "C" fn procode_entry_short_description(
    entry: *const procode_entry,
) -> *const c_char {
    // SAFETY: caller contract.
    unsafe { entry_str(entry, |e| e.short_description.as_ptr()) }
}

/// The first day the code is valid, `"YYYY-MM-DD"`, or NULL when unknown
/// (or `entry` is NULL).
///
/// Ownership: borrowed; valid as long as the entry.
///
/// # Safety
/// `entry` must be NULL or a live entry.
#[no_mangle]
pub unsafe extern "C" fn procode_entry_effective(entry: *const procode_entry) -> *const c_char {
    // SAFETY: caller contract.
    unsafe {
        entry_str(entry, |e| {
            e.effective
                .as_ref()
                .map_or(std::ptr::null(), |d| d.as_ptr())
        })
    }
}

/// The last day the code is valid, `"YYYY-MM-DD"`, or NULL when it is not
/// terminated (or `entry` is NULL).
///
/// Ownership: borrowed; valid as long as the entry.
///
/// # Safety
/// `entry` must be NULL or a live entry.
#[no_mangle]
pub unsafe extern "C" fn procode_entry_terminated(entry: *const procode_entry) -> *const c_char {
    // SAFETY: caller contract.
    unsafe {
        entry_str(entry, |e| {
            e.terminated
                .as_ref()
                .map_or(std::ptr::null(), |d| d.as_ptr())
        })
    }
}

/// Whether the code may be billed (ICD-10-CM header rows such as F41 may
/// not); false when `entry` is NULL.
///
/// # Safety
/// `entry` must be NULL or a live entry.
#[no_mangle]
pub unsafe extern "C" fn procode_entry_billable(entry: *const procode_entry) -> bool {
    // SAFETY: caller contract.
    call_or(false, || {
        Ok(unsafe { ref_arg(entry, "entry") }?.view.billable())
    })
}

/// The entry as JSON: `{"code", "system", "description",
/// "short_description", "effective", "terminated", "billable"}` (the same
/// form as `procode lookup --json` and the Python binding).
///
/// Ownership: on success `*out_json` is a new string the caller frees with
/// `procode_string_free`.
///
/// # Safety
/// `entry` must be NULL or a live entry; `out_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_entry_to_json(
    entry: *const procode_entry,
    out_json: *mut *mut c_char,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract.
        let e = unsafe { ref_arg(entry, "entry") }?;
        out_arg(out_json, "out_json")?;
        let json = json_out(e.entry()?)?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out_json, json) };
        Ok(())
    })
}

/// Picks an entry onto a new code line: writes the JSON of an edit-batch
/// operation `{"op": "add", ...line}` whose line has the entry's code,
/// system and official description (provenance `catalog`, one unit, no id:
/// the edit assigns the next `L<n>`), with `changes_json` applied.
///
/// `changes_json` is NULL or the core's line-changes JSON, e.g.
/// `{"units": 4, "modifiers": ["HO"], "diagnoses": ["F41.1"],
/// "place_of_service": "11", "description": "Counseling"}`. A line the
/// core refuses (zero units, too many modifiers, a diagnosis that is not
/// ICD-10-CM) is `PROCODE_INVALID_LINE`.
///
/// Put one or more operations in a batch as `{"ops": [op, ...]}`.
///
/// Ownership: on success `*out_op_json` is a new string the caller frees
/// with `procode_string_free`.
///
/// # Safety
/// `entry` must be NULL or a live entry; `changes_json` NULL or
/// NUL-terminated; `out_op_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_entry_add_op(
    entry: *const procode_entry,
    changes_json: *const c_char,
    out_op_json: *mut *mut c_char,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract.
        let e = unsafe { ref_arg(entry, "entry") }?;
        // SAFETY: caller contract.
        let op = unsafe { add_op(e.entry()?, changes_json) }?;
        out_arg(out_op_json, "out_op_json")?;
        let json = json_out(&op)?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out_op_json, json) };
        Ok(())
    })
}

/// Like `procode_entry_add_op` for a code looked up in the catalog: the code
/// the user picked must be in the catalog (valid on `as_of`, a
/// `"YYYY-MM-DD"` date or NULL), else `PROCODE_UNKNOWN_CODE` (a code typed
/// by hand goes in a `"provenance": "manual"` line instead).
///
/// Ownership: the strings are borrowed for the call. On success
/// `*out_op_json` is a new string the caller frees with
/// `procode_string_free`.
///
/// # Safety
/// Pointers must be NULL or valid: strings NUL-terminated, `catalog` live,
/// `out_op_json` writable.
#[no_mangle]
pub unsafe extern "C" fn procode_catalog_add_op(
    catalog: *const procode_catalog,
    code: *const c_char,
    system: *const c_char,
    as_of: *const c_char,
    changes_json: *const c_char,
    out_op_json: *mut *mut c_char,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract, for each argument.
        let (cat, code, system, as_of) = unsafe {
            (
                ref_arg(catalog, "catalog")?,
                str_arg(code, "code")?,
                system_arg(system, "system")?,
                date_arg(as_of, "as_of")?,
            )
        };
        let entry = cat
            .inner
            .require(code, system, as_of)
            .map_err(|e| missing_as(e, procode_result::PROCODE_UNKNOWN_CODE))?;
        // SAFETY: caller contract.
        let op = unsafe { add_op(&entry, changes_json) }?;
        out_arg(out_op_json, "out_op_json")?;
        let json = json_out(&op)?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out_op_json, json) };
        Ok(())
    })
}

/// The add operation of a line picked from `entry` with optional changes.
///
/// # Safety
/// `changes_json` is NULL or NUL-terminated.
unsafe fn add_op(entry: &Entry, changes_json: *const c_char) -> Result<EditOp, Error> {
    let line = CodeLine::from_entry(entry);
    // SAFETY: caller contract.
    let line = match unsafe { opt_str_arg(changes_json, "changes_json") }? {
        None => line,
        Some(s) => {
            let changes: LineChanges = procode::billing::parse_json(s, "line changes")
                .map_err(|e| Error::json("changes_json", &e))?;
            line.with_changes(&changes).map_err(|e| {
                Error::new(
                    procode_result::PROCODE_INVALID_LINE,
                    format!("line for {}: {e}", entry.display_code()),
                )
            })?
        }
    };
    Ok(EditOp::Add(line))
}

/// Why a code is or is not valid on a date of service, as JSON: an object
/// with `verdict` (`"valid"`, `"not_yet_effective"`, `"terminated"`,
/// `"header"`, `"unknown"`), `code`, `system`, `entry`, `effective`,
/// `terminated` and `codes` (the replacements of a terminated code, the
/// billable children of a header).
///
/// - `system`: a code-system name or NULL (the first system holding the
///   code answers).
/// - `as_of`: `"YYYY-MM-DD"` or NULL (the current version is judged).
///
/// An unknown code is a success with verdict `"unknown"`. Returns
/// `PROCODE_INVALID_CODE`, `PROCODE_UNKNOWN_SYSTEM` or
/// `PROCODE_INVALID_DATE` for bad arguments.
///
/// Ownership: on success `*out_json` is a new string the caller frees with
/// `procode_string_free`.
///
/// # Safety
/// Pointers must be NULL or valid: strings NUL-terminated, `catalog` live,
/// `out_json` writable.
#[no_mangle]
pub unsafe extern "C" fn procode_catalog_validate(
    catalog: *const procode_catalog,
    code: *const c_char,
    system: *const c_char,
    as_of: *const c_char,
    out_json: *mut *mut c_char,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract, for each argument.
        let (cat, code, system, as_of) = unsafe {
            (
                ref_arg(catalog, "catalog")?,
                str_arg(code, "code")?,
                system_arg(system, "system")?,
                date_arg(as_of, "as_of")?,
            )
        };
        out_arg(out_json, "out_json")?;
        let v = cat.inner.validate(code, system, as_of)?;
        let json = json_out(&v)?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out_json, json) };
        Ok(())
    })
}

/// The releases the catalog holds, as a JSON array of objects with
/// `system`, `name`, `source`, `valid_from` and `valid_through`
/// (`"YYYY-MM-DD"`, or null for no end).
///
/// Ownership: on success `*out_json` is a new string the caller frees with
/// `procode_string_free`.
///
/// # Safety
/// `catalog` must be NULL or live; `out_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn procode_catalog_releases(
    catalog: *const procode_catalog,
    out_json: *mut *mut c_char,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract.
        let cat = unsafe { ref_arg(catalog, "catalog") }?;
        out_arg(out_json, "out_json")?;
        let json = json_out(&cat.inner.releases())?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out_json, json) };
        Ok(())
    })
}

/// What changed from `old` (read on `from`) to `new` (read on `to`), as
/// JSON: `{"from", "to", "added": [entries], "deleted": [entries],
/// "changed": [{"before": entry, "after": entry}]}`. Pass the same catalog
/// twice with two dates to see what a release changed.
///
/// - `from`, `to`: `"YYYY-MM-DD"` or NULL (the current codes).
/// - `system`: a code-system name or NULL for all.
///
/// Ownership: on success `*out_json` is a new string the caller frees with
/// `procode_string_free`.
///
/// # Safety
/// Pointers must be NULL or valid: strings NUL-terminated, catalogs live,
/// `out_json` writable.
#[no_mangle]
pub unsafe extern "C" fn procode_catalog_diff(
    old: *const procode_catalog,
    new: *const procode_catalog,
    from: *const c_char,
    to: *const c_char,
    system: *const c_char,
    out_json: *mut *mut c_char,
) -> procode_result {
    call(|| {
        // SAFETY: caller contract, for each argument.
        let (old, new, from, to, system) = unsafe {
            (
                ref_arg(old, "old")?,
                ref_arg(new, "new")?,
                date_arg(from, "from")?,
                date_arg(to, "to")?,
                system_arg(system, "system")?,
            )
        };
        out_arg(out_json, "out_json")?;
        let opts = procode::catalog::DiffOptions::default()
            .dates(from, to)
            .system(system);
        let d = procode::catalog::diff(&old.inner, &new.inner, &opts)?;
        let json = json_out(&d)?;
        // SAFETY: checked non-NULL; writable (caller contract).
        unsafe { write_out(out_json, json) };
        Ok(())
    })
}
