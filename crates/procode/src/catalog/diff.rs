//! What changed between two catalogs, or two dates of service:
//! [`diff`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::Catalog;
use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::error::Result;

/// Options of [`diff`]: the dates each side is read on, and filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DiffOptions {
    /// The date the old side is read on; without it, its current codes (a
    /// terminated code counts as absent).
    pub from: Option<NaiveDate>,
    /// The date the new side is read on; without it, its current codes.
    pub to: Option<NaiveDate>,
    /// Only this code system.
    pub system: Option<CodeSystem>,
    /// Only these codes (a practice's service codes).
    pub codes: Option<BTreeSet<Code>>,
}

impl DiffOptions {
    /// Reads the old side on `from` and the new side on `to`.
    pub fn dates(mut self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> DiffOptions {
        self.from = from;
        self.to = to;
        self
    }

    /// Only one code system.
    pub fn system(mut self, system: Option<CodeSystem>) -> DiffOptions {
        self.system = system;
        self
    }

    /// Only these codes.
    pub fn codes(mut self, codes: impl IntoIterator<Item = Code>) -> DiffOptions {
        self.codes = Some(codes.into_iter().collect());
        self
    }
}

/// A code in both sides whose title or billable flag differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The old side's entry.
    pub before: Entry,
    /// The new side's entry.
    pub after: Entry,
}

impl Change {
    /// Whether the long or short title changed (a revision).
    pub fn title_changed(&self) -> bool {
        self.before.description != self.after.description
            || self.before.short_description != self.after.short_description
    }

    /// Whether the code turned from billable to header or back.
    pub fn billable_changed(&self) -> bool {
        self.before.billable != self.after.billable
    }
}

/// What [`diff`] found, each list in (system, code) order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CatalogDiff {
    /// The date the old side was read on.
    pub from: Option<NaiveDate>,
    /// The date the new side was read on.
    pub to: Option<NaiveDate>,
    /// Codes only the new side has.
    pub added: Vec<Entry>,
    /// Codes only the old side has.
    pub deleted: Vec<Entry>,
    /// Codes whose title or billable flag changed.
    pub changed: Vec<Change>,
}

impl CatalogDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.deleted.is_empty() && self.changed.is_empty()
    }
}

/// The codes of one side as read: the version valid on `date`, or without
/// a date every current code not terminated.
fn side(
    cat: &Catalog,
    date: Option<NaiveDate>,
    opts: &DiffOptions,
) -> Result<BTreeMap<(CodeSystem, Code), Entry>> {
    let mut out = BTreeMap::new();
    for e in cat.entries() {
        let e = e?;
        if opts.system.is_some_and(|s| s != e.system)
            || opts.codes.as_ref().is_some_and(|c| !c.contains(&e.code))
        {
            continue;
        }
        let version = match date {
            Some(d) => cat.lookup_code(&e.code, e.system, Some(d))?,
            None => (e.terminated.is_none()).then_some(e),
        };
        if let Some(v) = version {
            out.insert((v.system, v.code), v);
        }
    }
    Ok(out)
}

/// What changed from `old` (read on `opts.from`) to `new` (read on
/// `opts.to`): codes added, deleted, and changed (revised titles, billable
/// flips). Give the same catalog twice with two dates to see what a release
/// changed (`2026-09-30` → `2026-10-01`), or two catalogs when a release
/// arrives.
///
/// # Example
/// ```
/// use procode::catalog::{diff, DiffOptions};
/// use procode::{Catalog, Code, CodeSystem, Entry};
/// let e = |c: &str, t: &str| Entry::new(Code::parse(c).unwrap(), CodeSystem::Custom, t);
/// let old = Catalog::build([e("A1", "One"), e("B1", "Two")]).unwrap();
/// let new = Catalog::build([e("A1", "One, revised"), e("C1", "Three")]).unwrap();
/// let d = diff(&old, &new, &DiffOptions::default()).unwrap();
/// assert_eq!((d.added.len(), d.deleted.len(), d.changed.len()), (1, 1, 1));
/// assert!(d.changed[0].title_changed());
/// ```
///
/// # Errors
/// Those of a damaged index.
pub fn diff(old: &Catalog, new: &Catalog, opts: &DiffOptions) -> Result<CatalogDiff> {
    let a = side(old, opts.from, opts)?;
    let mut b = side(new, opts.to, opts)?;
    let mut out = CatalogDiff {
        from: opts.from,
        to: opts.to,
        ..CatalogDiff::default()
    };
    for (key, before) in a {
        match b.remove(&key) {
            None => out.deleted.push(before),
            Some(after) => {
                let c = Change { before, after };
                if c.title_changed() || c.billable_changed() {
                    out.changed.push(c);
                }
            }
        }
    }
    out.added = b.into_values().collect();
    Ok(out)
}

impl Catalog {
    /// What changed in this catalog from one date of service to another
    /// (see [`diff`]).
    ///
    /// # Errors
    /// Those of a damaged index.
    pub fn diff_dates(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        opts: &DiffOptions,
    ) -> Result<CatalogDiff> {
        diff(self, self, &opts.clone().dates(Some(from), Some(to)))
    }
}
