//! A lookup memo for one worker thread: claims repeat the same few thousand
//! codes, and a catalog lookup decodes the entry each time.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::NaiveDate;

use crate::billing::CodeSource;
use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::ncci::NcciEdits;

/// The memo forgets everything past this many codes (bounded memory).
const MAX_CODES: usize = 65_536;

/// `source` with its answers remembered. Only for sources whose answer for
/// a code never changes (a catalog, a map), which is what readiness assumes.
pub(crate) struct Memo<'a, S: ?Sized> {
    source: &'a S,
    seen: RefCell<Seen>,
}

type Seen = HashMap<(CodeSystem, Code), Option<Entry>, BuildHasherDefault<Fx>>;

/// A fast multiplicative hasher (the keys are short codes, not hostile:
/// they come from the caller's own data and only pick a bucket).
#[derive(Default)]
pub(crate) struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl<'a, S: CodeSource + ?Sized> Memo<'a, S> {
    pub(crate) fn new(source: &'a S) -> Memo<'a, S> {
        Memo {
            source,
            seen: RefCell::new(HashMap::default()),
        }
    }
}

impl<S: CodeSource + ?Sized> CodeSource for Memo<'_, S> {
    fn entry(&self, code: &Code, system: CodeSystem) -> Option<Entry> {
        if let Some(e) = self.seen.borrow().get(&(system, *code)) {
            return e.clone();
        }
        let e = self.source.entry(code, system);
        let mut seen = self.seen.borrow_mut();
        if seen.len() >= MAX_CODES {
            seen.clear();
        }
        seen.insert((system, *code), e.clone());
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

    fn edits(&self) -> Option<&NcciEdits> {
        self.source.edits()
    }

    fn structure(
        &self,
    ) -> Result<Option<crate::import::tabular::TabularView<'_>>, crate::error::CatalogError> {
        self.source.structure()
    }

    fn releases(&self) -> &[crate::Release] {
        self.source.releases()
    }
}
