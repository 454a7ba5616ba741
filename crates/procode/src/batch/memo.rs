//! A lookup memo for one worker thread: claims repeat the same few thousand
//! codes, and a catalog lookup decodes the entry each time.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::billing::Fx;
use crate::billing::{CodeSource, CodeStatus, DiagnosisFacts, References};
use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::error::CatalogError;
use crate::import::tabular::TabularView;

/// The memo forgets everything past this many codes (bounded memory).
const MAX_CODES: usize = 65_536;

/// `source` with its answers remembered. Only for sources whose answer for
/// a code never changes (a catalog, a map), which is what readiness assumes.
pub(crate) struct Memo<'a, S: ?Sized> {
    source: &'a S,
    seen: RefCell<Seen>,
    status: RefCell<Statuses>,
    facts: RefCell<HashMap<Code, Arc<DiagnosisFacts<'a>>, BuildHasherDefault<Fx>>>,
}

type Seen = HashMap<(CodeSystem, Code), Option<Entry>, BuildHasherDefault<Fx>>;
type Statuses = HashMap<(CodeSystem, Code), Option<CodeStatus>, BuildHasherDefault<Fx>>;

impl<'a, S: CodeSource + ?Sized> Memo<'a, S> {
    pub(crate) fn new(source: &'a S) -> Memo<'a, S> {
        Memo {
            source,
            seen: RefCell::new(HashMap::default()),
            status: RefCell::new(HashMap::default()),
            facts: RefCell::new(HashMap::default()),
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

    fn status(
        &self,
        code: &Code,
        system: CodeSystem,
        date: Option<NaiveDate>,
    ) -> Option<CodeStatus> {
        let current = self.status.borrow().get(&(system, *code)).copied();
        let current = match current {
            Some(s) => s,
            None => {
                let s = self.source.status(code, system, None);
                let mut map = self.status.borrow_mut();
                if map.len() >= MAX_CODES {
                    map.clear();
                }
                map.insert((system, *code), s);
                s
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

    fn structure(&self) -> Result<Option<TabularView<'_>>, CatalogError> {
        self.source.structure()
    }

    fn diagnosis_facts<'v>(
        &'v self,
        view: &TabularView<'v>,
        code: &Code,
    ) -> Result<Arc<DiagnosisFacts<'v>>, CatalogError> {
        if let Some(f) = self.facts.borrow().get(code) {
            return Ok(f.clone());
        }
        // Remembered with the source's own view (the one `view` is a copy
        // of: `structure` forwards to the source), which lives as long as
        // the memo's borrow of the source.
        let Some(own) = self.source.structure()? else {
            return self.source.diagnosis_facts(view, code);
        };
        let f = self.source.diagnosis_facts(&own, code)?;
        let mut map = self.facts.borrow_mut();
        if map.len() >= MAX_CODES {
            map.clear();
        }
        map.insert(*code, f.clone());
        Ok(f)
    }

    fn releases(&self) -> &[crate::Release] {
        self.source.releases()
    }
}
