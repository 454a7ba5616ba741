//! A lookup memo for one worker thread: claims repeat the same few thousand
//! codes, and a catalog lookup decodes the entry each time. The answers
//! ([`MemoMaps`]) belong to the worker and outlive a record batch, so a
//! stream of batches looks each code up once, not once per batch.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use chrono::NaiveDate;

use crate::billing::Fx;
use crate::billing::{CodeSource, CodeStatus, References};
use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::memo::WordHash;

/// The memo forgets everything past this many codes (bounded memory).
const MAX_CODES: usize = 65_536;

/// `source` with its answers remembered in `maps`. Only for sources whose
/// answer for a code never changes (a catalog, a map), which is what
/// readiness assumes; the maps must only ever be used with one source.
pub(crate) struct Memo<'a, S: ?Sized> {
    source: &'a S,
    maps: RefCell<&'a mut MemoMaps>,
    /// The source's ICD-10-CM structure once read (readiness asks for it
    /// once or twice a claim; a view is a few slices, but reading it checks
    /// the section each time).
    structure: std::cell::OnceCell<Option<crate::import::tabular::TabularView<'a>>>,
}

/// The answers a [`Memo`] has remembered: owned by a scrub's worker, lent
/// to the memo of each batch.
#[derive(Default)]
pub(crate) struct MemoMaps {
    seen: Seen,
    status: Statuses,
}

/// A code as its [`Code::ordinal`] (one number: hashed in two multiplies)
/// and its system.
type Key = (u128, CodeSystem);
type Seen = HashMap<Key, Option<Entry>, BuildHasherDefault<Fx>>;
/// Statuses by [`status_key`]: looked up for every code of every line.
type Statuses = HashMap<u128, Option<CodeStatus>, BuildHasherDefault<WordHash>>;

/// A code and its system as one number: the code's [`Code::ordinal`]
/// (its bytes, big-endian, in the top fifteen bytes) with the system in
/// the low byte, which the ordinal leaves zero.
fn status_key(code: &Code, system: CodeSystem) -> u128 {
    code.ordinal() | u128::from(system as u8)
}

impl<'a, S: CodeSource + ?Sized> Memo<'a, S> {
    /// `source` remembering its answers in `maps` (which hold only answers
    /// of this same source).
    pub(crate) fn new(source: &'a S, maps: &'a mut MemoMaps) -> Memo<'a, S> {
        Memo {
            source,
            maps: RefCell::new(maps),
            structure: std::cell::OnceCell::new(),
        }
    }
}

impl<S: CodeSource + ?Sized> CodeSource for Memo<'_, S> {
    fn entry(&self, code: &Code, system: CodeSystem) -> Option<Entry> {
        let key = (code.ordinal(), system);
        if let Some(e) = self.maps.borrow().seen.get(&key) {
            return e.clone();
        }
        let e = self.source.entry(code, system);
        let mut maps = self.maps.borrow_mut();
        let seen = &mut maps.seen;
        if seen.len() >= MAX_CODES {
            seen.clear();
        }
        seen.insert(key, e.clone());
        e
    }

    fn entry_on(&self, code: &Code, system: CodeSystem, date: NaiveDate) -> Option<Entry> {
        // The current version answers whenever it is valid on the date
        // (versions never overlap); only older dates ask the source.
        match self.entry(code, system) {
            Some(e) if e.is_valid_on(date) => Some(e),
            None => None,
            Some(_) => self.source.entry_on(code, system, date),
        }
    }

    fn status(
        &self,
        code: &Code,
        system: CodeSystem,
        date: Option<NaiveDate>,
    ) -> Option<CodeStatus> {
        let key = status_key(code, system);
        let current = {
            let mut maps = self.maps.borrow_mut();
            let map = &mut maps.status;
            match map.get(&key) {
                Some(s) => *s,
                None => {
                    let s = self.source.status(code, system, None);
                    if map.len() >= MAX_CODES {
                        map.clear();
                    }
                    map.insert(key, s);
                    s
                }
            }
        };
        // As for entries: the current version answers whenever it is valid
        // on the date; only older dates ask the source.
        match (current, date) {
            (None, _) => None,
            (Some(s), None) => Some(s),
            (Some(s), Some(d)) if s.is_valid_on(d) => Some(s),
            (Some(_), Some(d)) => self.source.status(code, system, Some(d)),
        }
    }

    fn references(&self) -> References<'_> {
        self.source.references()
    }

    fn structure(
        &self,
    ) -> Result<Option<crate::import::tabular::TabularView<'_>>, crate::error::CatalogError> {
        if let Some(view) = self.structure.get() {
            return Ok(*view);
        }
        // An error is not kept: each claim reports it as readiness does.
        let view = self.source.structure()?;
        Ok(*self.structure.get_or_init(|| view))
    }

    fn diagnosis_memo(&self) -> Option<&crate::billing::DiagnosisMemo> {
        self.source.diagnosis_memo()
    }

    fn releases(&self) -> &[crate::Release] {
        self.source.releases()
    }
}
