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
/// A code and its system as one number: the code's [`Code::ordinal`]
/// (its bytes, big-endian, in the top fifteen bytes) with the system in
/// the low byte, which the ordinal leaves zero. Never zero (a code's first
/// byte is not).
#[inline]
fn status_key(code: &Code, system: CodeSystem) -> u128 {
    code.ordinal() | u128::from(system as u8)
}

/// Statuses by [`status_key`], looked up for every code of every line: an
/// open-addressing table (linear probing, key 0 for an empty slot, at most
/// half full), a multiply and a compare or two a lookup.
#[derive(Default)]
struct Statuses {
    slots: Vec<(u128, Option<CodeStatus>)>,
    len: usize,
}

impl Statuses {
    /// The first slot to probe for `key` in a table of `n` slots (a power
    /// of two).
    #[inline]
    fn home(key: u128, n: usize) -> usize {
        use std::hash::Hasher;
        let mut h = WordHash::default();
        h.write_u128(key);
        (h.finish() as usize) & (n - 1)
    }

    /// The status held for `key` (`None`: not held).
    #[inline]
    fn get(&self, key: u128) -> Option<Option<CodeStatus>> {
        let n = self.slots.len();
        if n == 0 {
            return None;
        }
        let mut at = Self::home(key, n);
        loop {
            let (k, s) = self.slots[at];
            if k == key {
                return Some(s);
            }
            if k == 0 {
                return None;
            }
            at = (at + 1) & (n - 1);
        }
    }

    /// Holds `status` for `key` (not held yet); forgets everything past
    /// [`MAX_CODES`].
    fn insert(&mut self, key: u128, status: Option<CodeStatus>) {
        if self.len >= MAX_CODES {
            self.slots.iter_mut().for_each(|s| s.0 = 0);
            self.len = 0;
        }
        if (self.len + 1) * 2 > self.slots.len() {
            let n = (self.slots.len() * 2).max(1024);
            let old = std::mem::replace(&mut self.slots, vec![(0, None); n]);
            self.len = 0;
            for (k, s) in old {
                if k != 0 {
                    self.put(k, s);
                }
            }
        }
        self.put(key, status);
    }

    fn put(&mut self, key: u128, status: Option<CodeStatus>) {
        let n = self.slots.len();
        let mut at = Self::home(key, n);
        while self.slots[at].0 != 0 {
            at = (at + 1) & (n - 1);
        }
        self.slots[at] = (key, status);
        self.len += 1;
    }
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

    #[inline]
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
            match map.get(key) {
                Some(s) => s,
                None => {
                    let s = self.source.status(code, system, None);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_table_holds_what_it_was_given_until_its_cap() {
        let status = |k: u128| {
            (!k.is_multiple_of(3)).then_some(CodeStatus {
                effective: None,
                terminated: None,
                billable: k.is_multiple_of(2),
            })
        };
        let mut t = Statuses::default();
        assert_eq!(t.get(7), None);
        // Keys that share their low bits (and so their first slots) too.
        let keys: Vec<u128> = (1..5_000u128).map(|k| k << 64 | k).collect();
        for &k in &keys {
            assert_eq!(t.get(k), None);
            t.insert(k, status(k));
        }
        for &k in &keys {
            assert_eq!(t.get(k), Some(status(k)), "{k}");
        }
        assert_eq!(t.get(5_000 << 64 | 5_000), None);
        // Past the cap it forgets everything, then holds the new key.
        let mut t = Statuses::default();
        for k in 1..=MAX_CODES as u128 {
            t.insert(k, status(k));
        }
        assert_eq!(t.get(1), Some(status(1)));
        t.insert(u128::MAX, None);
        assert_eq!((t.get(1), t.get(u128::MAX), t.len), (None, Some(None), 1));
    }
}
