//! A practice's own layer over the official index.

use std::collections::{BTreeMap, BTreeSet};

use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::error::{CatalogError, Result};
use crate::index::format::{code_key, CodeKey};
use crate::index::IndexBuilder;

/// A practice's own layer over the official index: custom codes and favourites.
/// Small and in memory; adding to it never rebuilds the base index.
///
/// # Example
/// ```
/// use procode::{Catalog, Code, CodeSystem, Entry, IndexBuilder, Overlay};
/// let base = Catalog::from_bytes(IndexBuilder::new().build().unwrap()).unwrap();
/// let mut o = Overlay::new();
/// o.add_custom(Entry::new(Code::parse("INTAKE1").unwrap(), CodeSystem::Custom, "Intake call")).unwrap();
/// let cat = base.with_overlay(o).unwrap();
/// assert_eq!(cat.search("intake", &Default::default()).unwrap()[0].code.as_str(), "INTAKE1");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Overlay {
    /// The custom entries by code key, so that they sort (and range) as the
    /// index's code keys do.
    pub(super) custom: BTreeMap<CodeKey, Entry>,
    pub(super) favourites: BTreeSet<(CodeSystem, Code)>,
}

impl Overlay {
    /// An empty overlay.
    pub fn new() -> Overlay {
        Overlay::default()
    }

    /// Adds a practice code. A code already in the overlay for the same system
    /// is an error.
    ///
    /// # Errors
    /// [`CatalogError::BadEntry`] for an entry an index could not store (see
    /// [`IndexBuilder::check_entry`]), [`CatalogError::DuplicateCode`] for a
    /// code the overlay already holds in that system.
    pub fn add_custom(&mut self, entry: Entry) -> Result<()> {
        IndexBuilder::check_entry(&entry)?;
        let key = code_key(&entry.code, entry.system);
        if self.custom.contains_key(&key) {
            return Err(CatalogError::DuplicateCode {
                code: entry.code,
                system: entry.system,
            });
        }
        self.custom.insert(key, entry);
        Ok(())
    }

    /// Marks a code as a favourite: among word-search results with the same
    /// number of exact word matches, favourites come first.
    pub fn add_favourite(&mut self, system: CodeSystem, code: Code) {
        self.favourites.insert((system, code));
    }

    /// The custom entries, in code order.
    pub fn custom(&self) -> impl Iterator<Item = &Entry> {
        self.custom.values()
    }

    /// The favourites.
    pub fn favourites(&self) -> impl Iterator<Item = &(CodeSystem, Code)> {
        self.favourites.iter()
    }

    /// Whether the overlay holds nothing.
    pub fn is_empty(&self) -> bool {
        self.custom.is_empty() && self.favourites.is_empty()
    }

    /// The custom entry of `code` in `system`, if any.
    pub(super) fn get(&self, code: &Code, system: CodeSystem) -> Option<&Entry> {
        self.custom.get(&code_key(code, system))
    }
}
