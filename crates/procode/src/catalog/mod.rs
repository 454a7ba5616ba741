//! The code catalog: an immutable index plus an optional practice overlay, with
//! exact lookup ([`Catalog::lookup`], [`Catalog::require`]) and one typeahead
//! search ([`Catalog::search`]).
//!
//! * this module: opening (an index file, bytes, the embedded default
//!   catalog) and exact lookup;
//! * `overlay`: the practice's custom codes and favourites;
//! * `search`: code prefixes, ranked description words and typos.
//! * `structure`: the ICD-10-CM hierarchy, notes and 7th characters
//!   ([`Catalog::children`], [`Catalog::ancestors`], [`Catalog::notes`],
//!   [`Catalog::seventh_characters`], [`Catalog::tree`]).

mod diff;
pub(crate) mod entry_ref;
mod overlay;
mod search;
pub(crate) mod structure;
mod validate;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;

use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::error::{CatalogError, Result};
use crate::index::format::code_key;
use crate::index::reader::{Checks, Index, Storage};
use crate::index::{IndexBuilder, Verify};

pub use diff::{diff, CatalogDiff, Change, DiffOptions};
pub use entry_ref::{EntryRef, SearchRefs};
pub use overlay::Overlay;
pub use search::{
    MatchSpan, SearchMode, SearchNotice, SearchOptions, SearchResults, MAX_QUERY_WORDS, SMALL_WORDS,
};
pub use structure::{Child, CodeNote, CodeTree, Level, LevelKind, SeventhCharacter};
pub use validate::Verdict;

/// A code catalog: an immutable fst index (compiled in, memory-mapped from a
/// file, or in memory) and an optional [`Overlay`]. Cheap to clone and
/// `Send + Sync`: share one between any number of threads.
///
/// # Example
/// ```
/// use procode::{Catalog, CodeSystem, SearchOptions};
/// # fn main() -> procode::Result<()> {
/// let cat = Catalog::embedded()?;
/// let g = cat.lookup("g0438", Some(CodeSystem::Hcpcs), None)?.unwrap();
/// assert!(g.description.contains("wellness"));
/// let hits = cat.search("G04", &SearchOptions::default().limit(3))?;
/// assert!(hits.iter().all(|e| e.code.as_str().starts_with("G04")));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Catalog {
    index: Arc<Index>,
    overlay: Arc<Overlay>,
    favourite_ids: Arc<Vec<u32>>,
    edits: Option<crate::ncci::NcciEdits>,
    /// Synonyms, ranking weights and per-entry ranking facts of search.
    search: search::SearchSetup,
    /// What the index's ICD-10-CM structure says of the diagnoses readiness
    /// has met (decoded once; see [`structure::DiagnosisMemo`]).
    dx_memo: Arc<structure::DiagnosisMemo>,
}

/// The embedded default catalog, opened on first use.
#[derive(Debug)]
enum Embedded {
    /// Compiled in and opened.
    Ready(Catalog),
    /// This build found no code-set data, so none was compiled in.
    Unavailable,
    /// Compiled in but it cannot be opened (a broken build): why.
    Broken(String),
}

static EMBEDDED: OnceLock<Embedded> = OnceLock::new();

/// The embedded default catalog's bytes (empty when the build found no data).
static EMBEDDED_BYTES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/embedded.idx"));

impl Catalog {
    fn new(index: Index) -> Catalog {
        Catalog {
            index: Arc::new(index),
            overlay: Arc::new(Overlay::default()),
            favourite_ids: Arc::new(Vec::new()),
            edits: None,
            search: search::SearchSetup::default(),
            dx_memo: Arc::default(),
        }
    }

    /// The default catalog compiled into this library: HCPCS Level II, Level II
    /// modifiers, place of service and ICD-10-CM. Fails with
    /// [`CatalogError::EmbeddedUnavailable`] when the library was built without
    /// the code-set data.
    pub fn embedded() -> Result<Catalog> {
        let state = EMBEDDED.get_or_init(|| {
            if EMBEDDED_BYTES.is_empty() {
                return Embedded::Unavailable;
            }
            match Index::open(Storage::Static(EMBEDDED_BYTES), Checks::Embedded) {
                Ok(index) => Embedded::Ready(Catalog::new(index)),
                Err(e) => Embedded::Broken(e.to_string()),
            }
        });
        match state {
            Embedded::Ready(c) => Ok(c.clone()),
            Embedded::Unavailable => Err(CatalogError::EmbeddedUnavailable),
            Embedded::Broken(m) => Err(CatalogError::Corrupt {
                what: format!("embedded catalog: {m}"),
            }),
        }
    }

    /// Whether this build carries the embedded default catalog.
    pub fn has_embedded() -> bool {
        !EMBEDDED_BYTES.is_empty()
    }

    /// Opens an index file read-only by memory map, verifying every checksum.
    pub fn open(path: impl AsRef<Path>) -> Result<Catalog> {
        Catalog::open_with(path, Verify::Full)
    }

    /// Opens an index file read-only by memory map with the given verification.
    pub fn open_with(path: impl AsRef<Path>, verify: Verify) -> Result<Catalog> {
        let path = path.as_ref();
        let store = Storage::map_file(path).map_err(|source| CatalogError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Index::open(store, Checks::Verify(verify)).map(Catalog::new)
    }

    /// Opens an index held in memory, verifying every checksum.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Catalog> {
        Index::open(Storage::Owned(bytes), Checks::Verify(Verify::Full)).map(Catalog::new)
    }

    /// Opens an index held in memory with the given verification.
    pub fn from_bytes_with(bytes: Vec<u8>, verify: Verify) -> Result<Catalog> {
        Index::open(Storage::Owned(bytes), Checks::Verify(verify)).map(Catalog::new)
    }

    /// Builds an in-memory catalog from entries.
    pub fn build(entries: impl IntoIterator<Item = Entry>) -> Result<Catalog> {
        let mut b = IndexBuilder::new();
        b.extend(entries);
        Catalog::from_bytes(b.build()?)
    }

    /// A catalog with `overlay` layered over this one's index (replacing any
    /// overlay it had). A custom code that the index already holds for the same
    /// system is an error.
    pub fn with_overlay(&self, overlay: Overlay) -> Result<Catalog> {
        for e in overlay.custom.values() {
            if self.base_id(&e.code, e.system)?.is_some() {
                return Err(CatalogError::DuplicateCode {
                    code: e.code,
                    system: e.system,
                });
            }
        }
        let mut fav = Vec::new();
        for (s, c) in &overlay.favourites {
            if let Some(id) = self.base_id(c, *s)? {
                fav.push(id);
            }
        }
        fav.sort_unstable();
        Ok(Catalog {
            index: self.index.clone(),
            overlay: Arc::new(overlay),
            favourite_ids: Arc::new(fav),
            ..self.clone()
        })
    }

    /// This catalog with NCCI edits attached (replacing any it had): every
    /// [`readiness`](crate::billing::readiness) check through it then also
    /// reports `NCCI_PTP_CONFLICT` and `MUE_EXCEEDED`. Cheap: the index and
    /// the edits are shared, not copied.
    ///
    /// # Example
    /// ```
    /// use procode::ncci::{NcciBuilder, NcciEdits};
    /// use procode::{Catalog, IndexBuilder};
    /// let edits = NcciEdits::from_bytes(NcciBuilder::new().build().unwrap()).unwrap();
    /// let cat = Catalog::from_bytes(IndexBuilder::new().build().unwrap()).unwrap();
    /// assert!(cat.ncci().is_none());
    /// assert!(cat.with_ncci(edits).ncci().is_some());
    /// ```
    pub fn with_ncci(&self, edits: crate::ncci::NcciEdits) -> Catalog {
        Catalog {
            edits: Some(edits),
            ..self.clone()
        }
    }

    /// The memo of what the ICD-10-CM structure says of each diagnosis (see
    /// [`CodeSource::diagnosis_memo`](crate::billing::CodeSource::diagnosis_memo)).
    pub(crate) fn dx_memo(&self) -> &structure::DiagnosisMemo {
        &self.dx_memo
    }

    /// The NCCI edits attached with [`Catalog::with_ncci`], if any.
    pub fn ncci(&self) -> Option<&crate::ncci::NcciEdits> {
        self.edits.as_ref()
    }

    /// The overlay in use.
    pub fn overlay(&self) -> &Overlay {
        &self.overlay
    }

    /// Number of codes (index plus overlay); older versions of a code are
    /// not counted (see [`Catalog::versions`]).
    pub fn len(&self) -> usize {
        self.index.current_len() as usize + self.overlay.custom.len()
    }

    /// The releases the index records, one per source and code system, with
    /// the dates of service each is valid for (see [`Release`](crate::Release)).
    /// An index built without release records (a practice's own file) has
    /// none.
    pub fn releases(&self) -> &[crate::Release] {
        self.index.releases()
    }

    /// Whether the catalog holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Size of the index in bytes.
    pub fn index_size(&self) -> u64 {
        self.index.size()
    }

    /// Every current entry of the index (then of the overlay), in index
    /// order; older versions of a code are reached with
    /// [`Catalog::versions`].
    pub fn entries(&self) -> impl Iterator<Item = Result<Entry>> + '_ {
        (0..self.index.len())
            .filter_map(|id| match self.index.is_superseded(id) {
                Ok(true) => None,
                Ok(false) => Some(self.index.entry(id)),
                Err(e) => Some(Err(e)),
            })
            .chain(self.overlay.custom.values().cloned().map(Ok))
    }

    /// Every version of a code, oldest first, each with the dates of service
    /// it answers for (a code whose title or billable flag changed on a
    /// release date has one version per release; most codes have one).
    /// Empty when the catalog does not hold the code.
    ///
    /// # Errors
    /// Those of a damaged index.
    pub fn versions(&self, code: &Code, system: CodeSystem) -> Result<Vec<Entry>> {
        match self.base_id(code, system)? {
            Some(id) => self.index.versions(id),
            None => Ok(self
                .overlay
                .get(code, system)
                .cloned()
                .into_iter()
                .collect()),
        }
    }

    /// The id of `code` of `system` in the base index.
    fn base_id(&self, code: &Code, system: CodeSystem) -> Result<Option<u32>> {
        let key = code_key(code, system);
        Ok(self.index.codes()?.get(key).map(|v| v as u32))
    }

    /// Exact lookup after normalisation (`"f41.1"`, `"F411"` and `" F41.1 "` are
    /// the same code). Without a system, the first system holding the code (in
    /// [`CodeSystem::ALL`] order) answers; some codes exist in two systems (A0100
    /// is HCPCS and ICD-10-CM), see [`Catalog::lookup_all`]. With `as_of`, the
    /// version in force on that date answers (its title and billable flag),
    /// and a code not valid on that date is not found
    /// ([`Catalog::validate`] says why). Without it, the current version.
    ///
    /// # Errors
    /// [`CatalogError::Code`] when `code` is not a code at all, and the
    /// errors of a damaged index.
    pub fn lookup(
        &self,
        code: &str,
        system: Option<CodeSystem>,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<Entry>> {
        self.find(&Code::parse(code)?, system, as_of)
    }

    /// Like [`Catalog::lookup`], for a code the caller requires: one the
    /// catalog does not hold (in `system`, valid on `as_of`) is an error.
    ///
    /// # Example
    /// ```
    /// use procode::{Catalog, CatalogError, Code, CodeSystem, Entry};
    /// let cat = Catalog::build([Entry::new(Code::parse("X1").unwrap(), CodeSystem::Custom, "Intake")]).unwrap();
    /// assert_eq!(cat.require("x1", None, None).unwrap().description, "Intake");
    /// let e = cat.require("X2", Some(CodeSystem::Custom), None).unwrap_err();
    /// assert!(matches!(e, CatalogError::NotInCatalog { .. }));
    /// assert_eq!(e.to_string(), "no custom code \"X2\" in the catalog");
    /// ```
    ///
    /// # Errors
    /// [`CatalogError::NotInCatalog`], and those of [`Catalog::lookup`].
    pub fn require(
        &self,
        code: &str,
        system: Option<CodeSystem>,
        as_of: Option<NaiveDate>,
    ) -> Result<Entry> {
        self.require_ref(code, system, as_of)?.to_owned()
    }

    /// [`Catalog::require`], borrowed (see [`EntryRef`]).
    ///
    /// # Errors
    /// As [`Catalog::require`].
    pub fn require_ref(
        &self,
        code: &str,
        system: Option<CodeSystem>,
        as_of: Option<NaiveDate>,
    ) -> Result<EntryRef<'_>> {
        let code = Code::parse(code)?;
        self.find_ref(&code, system, as_of)?
            .ok_or(CatalogError::NotInCatalog {
                code,
                system,
                as_of,
            })
    }

    fn find(
        &self,
        code: &Code,
        system: Option<CodeSystem>,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<Entry>> {
        self.find_ref(code, system, as_of)?
            .map(|e| e.to_owned())
            .transpose()
    }

    fn find_ref(
        &self,
        code: &Code,
        system: Option<CodeSystem>,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<EntryRef<'_>>> {
        if let Some(system) = system {
            return self.lookup_code_ref(code, system, as_of);
        }
        // Only systems whose codes can have this shape need a look.
        for s in CodeSystem::ALL {
            if code.fits(s) {
                if let Some(e) = self.lookup_code_ref(code, s, as_of)? {
                    return Ok(Some(e));
                }
            }
        }
        Ok(None)
    }

    /// [`Catalog::lookup`], borrowed: the entry's fixed fields, its
    /// descriptions decoded only when read (see [`EntryRef`]).
    ///
    /// # Errors
    /// As [`Catalog::lookup`].
    pub fn lookup_ref(
        &self,
        code: &str,
        system: Option<CodeSystem>,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<EntryRef<'_>>> {
        self.find_ref(&Code::parse(code)?, system, as_of)
    }

    /// Exact lookup of a parsed code in one system.
    ///
    /// # Errors
    /// Those of a damaged index.
    pub fn lookup_code(
        &self,
        code: &Code,
        system: CodeSystem,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<Entry>> {
        self.lookup_code_ref(code, system, as_of)?
            .map(|e| e.to_owned())
            .transpose()
    }

    /// [`Catalog::lookup_code`], borrowed (see [`EntryRef`]).
    ///
    /// # Errors
    /// Those of a damaged index.
    pub fn lookup_code_ref(
        &self,
        code: &Code,
        system: CodeSystem,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<EntryRef<'_>>> {
        let e = match self.base_id(code, system)? {
            Some(id) => Some(self.index.entry_ref_on(id, as_of)?),
            None => self.overlay.get(code, system).map(EntryRef::of_entry),
        };
        Ok(e.filter(|e| as_of.is_none_or(|d| e.is_valid_on(d))))
    }

    /// Every entry with this code, in system order.
    ///
    /// # Errors
    /// Those of a damaged index.
    pub fn lookup_all(&self, code: &Code, as_of: Option<NaiveDate>) -> Result<Vec<Entry>> {
        let mut out = Vec::new();
        for s in CodeSystem::ALL {
            out.extend(self.lookup_code(code, s, as_of)?);
        }
        Ok(out)
    }
}

impl Catalog {
    /// The version of a code in force on a date of service; when no version
    /// is valid then, the current one (so that readiness can say the code
    /// is not valid on that date). A damaged index reads as "not in the
    /// catalog" here; opening and searching report the damage itself.
    pub(crate) fn entry_in_force(
        &self,
        code: &Code,
        system: CodeSystem,
        date: Option<NaiveDate>,
    ) -> Option<Entry> {
        match self.base_id(code, system) {
            Ok(Some(id)) => self.index.entry_on(id, date).ok(),
            Ok(None) => self.overlay.get(code, system).cloned(),
            Err(_) => None,
        }
    }

    /// The validity dates (first day, last day) and billable flag of the
    /// version [`Catalog::entry_in_force`] picks, without decoding its
    /// descriptions.
    pub(crate) fn validity_in_force(
        &self,
        code: &Code,
        system: CodeSystem,
        date: Option<NaiveDate>,
    ) -> Option<(Option<NaiveDate>, Option<NaiveDate>, bool)> {
        match self.base_id(code, system) {
            Ok(Some(id)) => self.index.status_on(id, date).ok(),
            Ok(None) => self
                .overlay
                .get(code, system)
                .map(|e| (e.effective, e.terminated, e.billable)),
            Err(_) => None,
        }
    }
}
