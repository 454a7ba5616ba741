//! Borrowed entries: the fixed fields of an entry read from the index
//! record, its descriptions decoded only when asked for.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};

use super::search::{Found, MatchSpan, SearchMode, SearchNotice, SearchOptions, SearchResults};
use super::Catalog;
use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::error::Result;
use crate::index::reader::{Index, Short};

/// Where the descriptions of an [`EntryRef`] are read from.
#[derive(Clone, Debug)]
enum Text<'a> {
    /// The index (borrowed, or kept alive by a detached reference): the
    /// long description starts at `at` in its text section.
    Index {
        index: Cow<'a, Arc<Index>>,
        at: usize,
        short: Short,
    },
    /// An entry held elsewhere (an overlay's custom code).
    Entry(&'a Entry),
    /// An entry owned by the reference (a ranked word-search result, or a
    /// detached custom code).
    Owned(Arc<Entry>),
}

/// One entry of a catalog, borrowed: the code, system, validity dates,
/// billable flag and action code are read from the index's fixed record
/// when the reference is made; the two descriptions are decoded only when
/// asked for — into a caller's buffer ([`EntryRef::write_description`]) or
/// a new `String` ([`EntryRef::description`]). [`EntryRef::to_owned`] makes
/// the owned [`Entry`] the owned API returns (field for field the same).
///
/// Made by [`Catalog::lookup_ref`](crate::Catalog::lookup_ref),
/// [`Catalog::lookup_code_ref`](crate::Catalog::lookup_code_ref) and
/// [`Catalog::search_refs`](crate::Catalog::search_refs).
///
/// # Example
/// ```
/// use procode::{Catalog, Code, CodeSystem, Entry};
/// # fn main() -> procode::Result<()> {
/// let cat = Catalog::build([Entry::new(Code::parse("X1").unwrap(), CodeSystem::Custom, "Intake")])?;
/// let e = cat.lookup_ref("x1", None, None)?.unwrap();
/// assert_eq!(e.code().as_str(), "X1");
/// let mut buf = String::new();
/// e.write_description(&mut buf)?;
/// assert_eq!(buf, "Intake");
/// assert_eq!(e.to_owned()?, cat.lookup("x1", None, None)?.unwrap());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct EntryRef<'a> {
    code: Code,
    system: CodeSystem,
    effective: Option<Day>,
    terminated: Option<Day>,
    billable: bool,
    reporting: bool,
    action: Option<char>,
    text: Text<'a>,
}

/// A reference owning `e` (the borrowed form of an entry made by hand).
impl From<Entry> for EntryRef<'static> {
    fn from(e: Entry) -> EntryRef<'static> {
        EntryRef::owning(e)
    }
}

/// A date as its day number from the common era (chrono's
/// `num_days_from_ce`: 0001-01-01 is day 1), always within chrono's range
/// ([`MIN_DAY`]`..=`[`MAX_DAY`]). An index stores dates so; a reference
/// keeps them so until they are asked for (a page of codes reads none).
/// Shown (`Debug`) as the date.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Day(pub(crate) i32);
/// The day number of `NaiveDate::MIN`.
pub(crate) const MIN_DAY: i32 = -95_746_129;
/// The day number of `NaiveDate::MAX`.
pub(crate) const MAX_DAY: i32 = 95_745_399;

impl std::fmt::Debug for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&date_of(*self), f)
    }
}

/// The date of day `d` (in range: see [`Day`]).
#[inline]
fn date_of(d: Day) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(d.0).unwrap_or(NaiveDate::MIN)
}

/// The day number of `d`.
#[inline]
pub(crate) fn day_of(d: NaiveDate) -> Day {
    Day(d.num_days_from_ce())
}

/// The fixed fields of an index record, as [`Index`] reads them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fixed {
    pub(crate) code: Code,
    pub(crate) system: CodeSystem,
    pub(crate) effective: Option<Day>,
    pub(crate) terminated: Option<Day>,
    pub(crate) billable: bool,
    /// The entry is a quality-data reporting code.
    pub(crate) reporting: bool,
    pub(crate) action: Option<char>,
    /// Where the long description starts in the text section.
    pub(crate) at: usize,
    /// How the short description is stored.
    pub(crate) short: Short,
}

impl<'a> EntryRef<'a> {
    /// A reference into `index` over a record's fixed fields.
    pub(crate) fn indexed(index: &'a Arc<Index>, f: Fixed) -> EntryRef<'a> {
        EntryRef {
            code: f.code,
            system: f.system,
            effective: f.effective,
            terminated: f.terminated,
            billable: f.billable,
            reporting: f.reporting,
            action: f.action,
            text: Text::Index {
                index: Cow::Borrowed(index),
                at: f.at,
                short: f.short,
            },
        }
    }

    /// A reference to an entry held elsewhere.
    pub(crate) fn of_entry(e: &'a Entry) -> EntryRef<'a> {
        EntryRef::with_text(e, Text::Entry(e))
    }

    /// A reference owning its entry.
    pub(crate) fn owning(e: Entry) -> EntryRef<'static> {
        let e = Arc::new(e);
        let text = Text::Owned(Arc::clone(&e));
        EntryRef::with_text(&e, text)
    }

    /// The fixed fields of `e` with `text`.
    fn with_text(e: &Entry, text: Text<'a>) -> EntryRef<'a> {
        EntryRef {
            code: e.code,
            system: e.system,
            effective: e.effective.map(day_of),
            terminated: e.terminated.map(day_of),
            billable: e.billable,
            reporting: e.reporting,
            action: e.action,
            text,
        }
    }

    /// Where the descriptions are in the index, or the entry holding them.
    fn place(&self) -> std::result::Result<(&Index, usize, Short), &Entry> {
        match &self.text {
            Text::Index { index, at, short } => Ok((index, *at, *short)),
            Text::Entry(e) => Err(e),
            Text::Owned(e) => Err(e),
        }
    }

    /// The normalised code (ICD-10-CM without its dot).
    pub fn code(&self) -> &Code {
        &self.code
    }

    /// The code system.
    pub fn system(&self) -> CodeSystem {
        self.system
    }

    /// First day the code (this version of it) is valid, when known.
    pub fn effective(&self) -> Option<NaiveDate> {
        self.effective.map(date_of)
    }

    /// Last day the code (this version of it) is valid, when terminated.
    pub fn terminated(&self) -> Option<NaiveDate> {
        self.terminated.map(date_of)
    }

    /// Whether the code may be billed.
    pub fn billable(&self) -> bool {
        self.billable
    }

    /// Whether the code is a quality-data reporting code (as
    /// [`Entry::reporting`]).
    pub fn reporting(&self) -> bool {
        self.reporting
    }

    /// The CMS HCPCS action code, where the source has one.
    pub fn action(&self) -> Option<char> {
        self.action
    }

    /// Whether the code is valid on a date of service (as
    /// [`Entry::is_valid_on`]).
    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        let d = day_of(date);
        self.effective.is_none_or(|e| e <= d) && self.terminated.is_none_or(|t| d <= t)
    }

    /// The code as people write it (`F41.1` for ICD-10-CM).
    pub fn display_code(&self) -> String {
        self.code.display_for(self.system)
    }

    /// Appends the long description to `out` (decoded from the index:
    /// reuse one buffer to read many entries without allocating).
    ///
    /// # Errors
    /// [`CatalogError::Corrupt`](crate::CatalogError::Corrupt) for a
    /// damaged index.
    pub fn write_description(&self, out: &mut String) -> Result<()> {
        match self.place() {
            Ok((index, mut at, _)) => index.write_text(&mut at, out),
            Err(e) => {
                out.push_str(&e.description);
                Ok(())
            }
        }
    }

    /// Appends the short description to `out` (see
    /// [`EntryRef::write_description`]).
    ///
    /// # Errors
    /// As [`EntryRef::write_description`].
    pub fn write_short_description(&self, out: &mut String) -> Result<()> {
        let (index, at, short) = match self.place() {
            Ok(p) => p,
            Err(e) => {
                out.push_str(&e.short_description);
                return Ok(());
            }
        };
        index.write_short(at, short, out)
    }

    /// Whether the short description is known, without decoding either,
    /// to be the long one: an index records it so (`false` for an index
    /// entry that stores its short description apart, even if the texts
    /// are equal); an entry held whole compares them. A reader of both
    /// descriptions can then decode one.
    pub fn short_is_description(&self) -> bool {
        match self.place() {
            Ok((_, _, short)) => short == Short::Same,
            Err(e) => e.short_description == e.description,
        }
    }

    /// The long description, decoded into a new `String`.
    ///
    /// # Errors
    /// As [`EntryRef::write_description`].
    pub fn description(&self) -> Result<String> {
        let mut s = String::new();
        self.write_description(&mut s)?;
        Ok(s)
    }

    /// The short description, decoded into a new `String`.
    ///
    /// # Errors
    /// As [`EntryRef::write_description`].
    pub fn short_description(&self) -> Result<String> {
        let mut s = String::new();
        self.write_short_description(&mut s)?;
        Ok(s)
    }

    /// The owned entry (what [`Catalog::lookup`](crate::Catalog::lookup)
    /// returns for the same code).
    ///
    /// # Errors
    /// As [`EntryRef::write_description`].
    pub fn to_owned(&self) -> Result<Entry> {
        let (index, at, short) = match self.place() {
            Ok(p) => p,
            Err(e) => return Ok(e.clone()),
        };
        let mut description = String::new();
        let mut pos = at;
        index.write_text(&mut pos, &mut description)?;
        let short_description = if short == Short::Same {
            description.clone()
        } else {
            let mut s = String::new();
            index.write_short(at, short, &mut s)?;
            s
        };
        Ok(
            Entry::from_descriptions(self.code, self.system, description, short_description)
                .with_effective(self.effective())
                .with_terminated(self.terminated())
                .with_billable(self.billable)
                .with_reporting(self.reporting)
                .with_action(self.action),
        )
    }

    /// The same reference, keeping the index (or the entry) alive by
    /// itself: for holding results beyond the catalog borrow (a binding's
    /// result objects). Cheap: one reference count.
    pub fn detach(&self) -> EntryRef<'static> {
        let text = match &self.text {
            Text::Index { index, at, short } => Text::Index {
                index: Cow::Owned(Arc::clone(index)),
                at: *at,
                short: *short,
            },
            Text::Entry(e) => Text::Owned(Arc::new((*e).clone())),
            Text::Owned(e) => Text::Owned(Arc::clone(e)),
        };
        EntryRef {
            code: self.code,
            system: self.system,
            effective: self.effective,
            terminated: self.terminated,
            billable: self.billable,
            reporting: self.reporting,
            action: self.action,
            text,
        }
    }
}

/// The results of [`Catalog::search_refs`]: [`SearchResults`](crate::SearchResults) with
/// borrowed entries. A code-prefix page reads its entries from the index
/// (descriptions decoded when read); a ranked word or typo page holds the
/// entries ranking decoded (it reads their descriptions to rank and to
/// place the match spans).
#[derive(Debug, Clone)]
pub struct SearchRefs<'a> {
    /// How the results were found.
    pub mode: SearchMode,
    /// The entries of this page, best first (code order for code-shaped
    /// queries).
    pub entries: Vec<EntryRef<'a>>,
    /// How many entries match in all (every page).
    pub total: usize,
    /// How many results were skipped before this page.
    pub offset: usize,
    /// Per entry (same order): the description's matched words.
    pub spans: Vec<Vec<MatchSpan>>,
    /// Something to tell the user (a CPT-shaped query), if any.
    pub notice: Option<SearchNotice>,
}

impl SearchRefs<'_> {
    /// The owned results (what [`Catalog::search`] returns for the same
    /// query).
    pub(crate) fn into_owned(self) -> Result<SearchResults> {
        Ok(SearchResults {
            mode: self.mode,
            entries: self
                .entries
                .iter()
                .map(EntryRef::to_owned)
                .collect::<Result<_>>()?,
            total: self.total,
            offset: self.offset,
            spans: self.spans,
            notice: self.notice,
        })
    }
}

impl Catalog {
    /// [`Catalog::search`], borrowed: the same page, total, mode, spans and
    /// notice, with [`EntryRef`]s (see [`SearchRefs`]).
    ///
    /// # Example
    /// ```
    /// use procode::{Catalog, SearchOptions};
    /// # fn main() -> procode::Result<()> {
    /// let cat = Catalog::embedded()?;
    /// let opts = SearchOptions::default().limit(3);
    /// let hits = cat.search_refs("G04", &opts)?;
    /// let owned = cat.search("G04", &opts)?;
    /// assert_eq!(hits.entries.len(), owned.len());
    /// let mut buf = String::new();
    /// for (r, e) in hits.entries.iter().zip(owned.iter()) {
    ///     buf.clear();
    ///     r.write_description(&mut buf)?;
    ///     assert_eq!(buf, e.description);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Catalog::search`].
    pub fn search_refs(&self, query: &str, opts: &SearchOptions) -> Result<SearchRefs<'_>> {
        Ok(match self.find_page(query, opts)? {
            Found::Codes(page) => page,
            Found::Ranked(found) => SearchRefs {
                mode: found.mode,
                entries: found.entries.into_iter().map(EntryRef::owning).collect(),
                total: found.total,
                offset: found.offset,
                spans: found.spans,
                notice: found.notice,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_span_exactly_the_dates_chrono_has() {
        assert_eq!(day_of(NaiveDate::MIN), Day(MIN_DAY));
        assert_eq!(day_of(NaiveDate::MAX), Day(MAX_DAY));
        assert!(NaiveDate::from_num_days_from_ce_opt(MIN_DAY - 1).is_none());
        assert!(NaiveDate::from_num_days_from_ce_opt(MAX_DAY + 1).is_none());
        let d = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert_eq!(date_of(day_of(d)), d);
        assert_eq!(format!("{:?}", Some(day_of(d))), format!("{:?}", Some(d)));
    }
}
