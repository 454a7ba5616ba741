//! The code catalog: an immutable index plus an optional practice overlay, with
//! exact lookup and one typeahead search.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;

use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::error::{CatalogError, Result};
use crate::fuzzy::{self, Typo};
use crate::index::format;
use crate::index::reader::{Index, Storage};
use crate::index::{IndexBuilder, Verify};
use crate::text;
use fst::{IntoStreamer, Streamer};

/// The most words a search query may have.
pub const MAX_QUERY_WORDS: usize = 32;

/// Options of [`Catalog::search`].
///
/// # Example
/// ```
/// use procode::{CodeSystem, SearchOptions};
/// let o = SearchOptions::default().system(CodeSystem::Hcpcs).limit(5);
/// assert_eq!(o.limit, 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchOptions {
    /// Only this code system (all systems when `None`).
    pub system: Option<CodeSystem>,
    /// At most this many results (default 10).
    pub limit: usize,
    /// A date of service: hides codes not yet effective or already terminated on
    /// that day. Without it, terminated codes are found too (their entry carries
    /// the termination date).
    pub as_of: Option<NaiveDate>,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            system: None,
            limit: 10,
            as_of: None,
        }
    }
}

impl SearchOptions {
    /// Restricts the search to one code system.
    pub fn system(mut self, system: impl Into<Option<CodeSystem>>) -> Self {
        self.system = system.into();
        self
    }

    /// Sets the maximum number of results.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// Sets the date of service.
    pub fn as_of(mut self, as_of: impl Into<Option<NaiveDate>>) -> Self {
        self.as_of = as_of.into();
        self
    }
}

/// How a search matched its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SearchMode {
    /// The query looked like a code: code-prefix matches in code order.
    CodePrefix,
    /// Word-prefix matches in the descriptions, ranked.
    Words,
    /// Nothing matched exactly; words within one (two for 8+ letters) edits.
    Typo,
    /// Nothing matched at all.
    None,
}

/// The results of [`Catalog::search`]: entries in result order, and how they
/// were found. Dereferences to `[Entry]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResults {
    /// How the results were found.
    pub mode: SearchMode,
    /// The entries, best first (code order for code-prefix matches).
    pub entries: Vec<Entry>,
}

impl std::ops::Deref for SearchResults {
    type Target = [Entry];
    fn deref(&self) -> &[Entry] {
        &self.entries
    }
}

impl IntoIterator for SearchResults {
    type Item = Entry;
    type IntoIter = std::vec::IntoIter<Entry>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

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
    custom: BTreeMap<Vec<u8>, Entry>,
    favourites: BTreeSet<(CodeSystem, Code)>,
}

impl Overlay {
    /// An empty overlay.
    pub fn new() -> Overlay {
        Overlay::default()
    }

    /// Adds a practice code. A code already in the overlay for the same system
    /// is an error.
    pub fn add_custom(&mut self, entry: Entry) -> Result<()> {
        crate::index::check_entry(&entry)?;
        let key = format::code_key(entry.code.as_bytes(), entry.system.to_u8());
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
}

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
}

static EMBEDDED: OnceLock<std::result::Result<Catalog, String>> = OnceLock::new();

/// The embedded default catalog's bytes (empty when the build found no data).
static EMBEDDED_BYTES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/embedded.idx"));

impl Catalog {
    fn new(index: Index) -> Catalog {
        Catalog {
            index: Arc::new(index),
            overlay: Arc::new(Overlay::default()),
            favourite_ids: Arc::new(Vec::new()),
        }
    }

    /// The default catalog compiled into this library: HCPCS Level II, Level II
    /// modifiers, place of service and ICD-10-CM. Fails with
    /// [`CatalogError::EmbeddedUnavailable`] when the library was built without
    /// the code-set data.
    pub fn embedded() -> Result<Catalog> {
        let r = EMBEDDED.get_or_init(|| {
            if EMBEDDED_BYTES.is_empty() {
                return Err(String::new());
            }
            Index::open(Storage::Static(EMBEDDED_BYTES), Verify::Trusted)
                .map(Catalog::new)
                .map_err(|e| e.to_string())
        });
        match r {
            Ok(c) => Ok(c.clone()),
            Err(m) if m.is_empty() => Err(CatalogError::EmbeddedUnavailable),
            Err(m) => Err(CatalogError::Corrupt {
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
        let io = |source| CatalogError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        // SAFETY: the map is read-only and index files are immutable once
        // written (IndexBuilder::write_to replaces files by rename, never in
        // place); every read through the map is bounds-checked.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        Index::open(Storage::Mapped(map), verify).map(Catalog::new)
    }

    /// Opens an index held in memory, verifying every checksum.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Catalog> {
        Index::open(Storage::Owned(bytes), Verify::Full).map(Catalog::new)
    }

    /// Opens an index held in memory with the given verification.
    pub fn from_bytes_with(bytes: Vec<u8>, verify: Verify) -> Result<Catalog> {
        Index::open(Storage::Owned(bytes), verify).map(Catalog::new)
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
        })
    }

    /// The overlay in use.
    pub fn overlay(&self) -> &Overlay {
        &self.overlay
    }

    /// Number of entries (index plus overlay).
    pub fn len(&self) -> usize {
        self.index.len() as usize + self.overlay.custom.len()
    }

    /// Whether the catalog holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Size of the index in bytes.
    pub fn index_size(&self) -> u64 {
        self.index.size()
    }

    /// Every entry of the index (then of the overlay), in index order.
    pub fn entries(&self) -> impl Iterator<Item = Result<Entry>> + '_ {
        (0..self.index.len())
            .map(|id| self.index.entry(id))
            .chain(self.overlay.custom.values().cloned().map(Ok))
    }

    fn base_id(&self, code: &Code, system: CodeSystem) -> Result<Option<u32>> {
        let mut key = [0u8; crate::code::MAX_CODE_LEN + 2];
        let len = code.as_bytes().len();
        key[..len].copy_from_slice(code.as_bytes());
        key[len + 1] = system.to_u8();
        Ok(self.index.codes()?.get(&key[..len + 2]).map(|v| v as u32))
    }

    /// Exact lookup after normalisation (`"f41.1"`, `"F411"` and `" F41.1 "` are
    /// the same code). Without a system, the first system holding the code (in
    /// [`CodeSystem::ALL`] order) answers; some codes exist in two systems (A0100
    /// is HCPCS and ICD-10-CM), see [`Catalog::lookup_all`]. With `as_of`, a code
    /// not valid on that date is not found.
    pub fn lookup(
        &self,
        code: &str,
        system: Option<CodeSystem>,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<Entry>> {
        let code = Code::parse(code)?;
        if let Some(system) = system {
            return self.lookup_code(&code, system, as_of);
        }
        // Only systems whose codes can have this shape need a look.
        for s in CodeSystem::ALL {
            if code.fits(s) {
                if let Some(e) = self.lookup_code(&code, s, as_of)? {
                    return Ok(Some(e));
                }
            }
        }
        Ok(None)
    }

    /// Exact lookup of a parsed code in one system.
    pub fn lookup_code(
        &self,
        code: &Code,
        system: CodeSystem,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<Entry>> {
        let e = match self.base_id(code, system)? {
            Some(id) => Some(self.index.entry(id)?),
            None => self
                .overlay
                .custom
                .get(&format::code_key(code.as_bytes(), system.to_u8()))
                .cloned(),
        };
        Ok(e.filter(|e| as_of.is_none_or(|d| e.is_valid_on(d))))
    }

    /// Every entry with this code, in system order.
    pub fn lookup_all(&self, code: &Code, as_of: Option<NaiveDate>) -> Result<Vec<Entry>> {
        let mut lo = [0u8; crate::code::MAX_CODE_LEN + 1];
        let len = code.as_bytes().len();
        lo[..len].copy_from_slice(code.as_bytes());
        let mut hi = lo;
        hi[len] = 1;
        let mut out = Vec::new();
        let mut stream = self
            .index
            .codes()?
            .range()
            .ge(&lo[..=len])
            .lt(&hi[..=len])
            .into_stream();
        while let Some((_, id)) = stream.next() {
            let e = self.index.entry(id as u32)?;
            if as_of.is_none_or(|d| e.is_valid_on(d)) {
                out.push(e);
            }
        }
        if !self.overlay.custom.is_empty() {
            for s in CodeSystem::ALL {
                let key = format::code_key(code.as_bytes(), s.to_u8());
                if let Some(e) = self.overlay.custom.get(&key) {
                    if as_of.is_none_or(|d| e.is_valid_on(d)) {
                        out.push(e.clone());
                    }
                }
            }
            out.sort_by_key(|e| e.system);
        }
        Ok(out)
    }

    /// One search for the typeahead box.
    ///
    /// * A query that looks like a code (`"G04"`, `"f41."`, `"E11.6"`) gives
    ///   code-prefix matches in code order.
    /// * Otherwise (or when no code starts that way) its words are matched as
    ///   prefixes of description words: every query word must match. Results are
    ///   ranked by more exact (whole-word) matches, then favourites, then shorter
    ///   description, then code.
    /// * When that finds nothing, each word may be one edit away (two for words
    ///   of 8+ letters); an edit is an insertion, deletion, substitution or
    ///   transposition.
    pub fn search(&self, query: &str, opts: &SearchOptions) -> Result<SearchResults> {
        let none = |mode| SearchResults {
            mode,
            entries: Vec::new(),
        };
        if opts.limit == 0 {
            return Ok(none(SearchMode::None));
        }
        if let Some(prefix) = code_like(query, opts.system) {
            let entries = self.code_prefix(&prefix, opts)?;
            if !entries.is_empty() {
                return Ok(SearchResults {
                    mode: SearchMode::CodePrefix,
                    entries,
                });
            }
        }
        let words = text::query_words(query);
        if words.is_empty() {
            return Ok(none(SearchMode::None));
        }
        if words.len() > MAX_QUERY_WORDS {
            return Err(CatalogError::QueryTooLong {
                words: words.len(),
                max: MAX_QUERY_WORDS,
            });
        }
        let entries = self.word_search(&words, opts, &vec![false; words.len()])?;
        if !entries.is_empty() {
            return Ok(SearchResults {
                mode: SearchMode::Words,
                entries,
            });
        }
        // Typos: first only in the words that match nothing as typed, then in
        // every word.
        let mut unmatched = Vec::with_capacity(words.len());
        for w in &words {
            unmatched.push(!self.has_prefix(w)?);
        }
        let mut entries = Vec::new();
        if unmatched.iter().any(|&u| u) && !unmatched.iter().all(|&u| u) {
            entries = self.word_search(&words, opts, &unmatched)?;
        }
        if entries.is_empty() {
            entries = self.word_search(&words, opts, &vec![true; words.len()])?;
        }
        let mode = if entries.is_empty() {
            SearchMode::None
        } else {
            SearchMode::Typo
        };
        Ok(SearchResults { mode, entries })
    }

    fn code_prefix(&self, prefix: &str, opts: &SearchOptions) -> Result<Vec<Entry>> {
        let lo = prefix.as_bytes().to_vec();
        let mut hi = lo.clone();
        // Codes are ASCII letters and digits, so the last byte can be bumped.
        if let Some(last) = hi.last_mut() {
            *last += 1;
        }
        let keep_sys = |tag: u8| opts.system.is_none_or(|s| s.to_u8() == tag);
        let mut out: Vec<Entry> = Vec::with_capacity(opts.limit.min(64));
        let mut stream = self.index.codes()?.range().ge(&lo).lt(&hi).into_stream();
        while let Some((key, id)) = stream.next() {
            if out.len() >= opts.limit {
                break;
            }
            if !keep_sys(key.last().copied().unwrap_or(0)) {
                continue;
            }
            let id = id as u32;
            if let Some(d) = opts.as_of {
                if !self.index.meta(id)?.valid_on(d) {
                    continue;
                }
            }
            out.push(self.index.entry(id)?);
        }
        if !self.overlay.custom.is_empty() {
            for e in self.overlay.custom.range(lo..hi).map(|(_, e)| e) {
                if keep_sys(e.system.to_u8()) && opts.as_of.is_none_or(|d| e.is_valid_on(d)) {
                    out.push(e.clone());
                }
            }
            // (code, system) order is the order of the code keys.
            out.sort_by_key(|e| (e.code, e.system));
            out.truncate(opts.limit);
        }
        Ok(out)
    }

    /// The term numbers a query word expands to, and its exact term if any.
    fn expand(&self, word: &str, typo: bool) -> Result<(Vec<u64>, Option<u64>)> {
        let words = self.index.words()?;
        let exact = words.get(word);
        let mut terms = Vec::new();
        let lo = word.as_bytes();
        let mut hi = lo.to_vec();
        if let Some(last) = hi.last_mut() {
            *last += 1; // words are lower-case ASCII letters and digits
        }
        let mut s = words.range().ge(lo).lt(&hi).into_stream();
        while let Some((_, t)) = s.next() {
            terms.push(t);
        }
        if typo {
            let prefix = fuzzy::prefix_mode(word);
            if let Some(aut) = Typo::new(word, fuzzy::max_edits(word), prefix) {
                // Edits that keep the first letter: the automaton, within that
                // letter's part of the index.
                let first = lo[0];
                let mut s = words.search(aut).ge([first]).lt([first + 1]).into_stream();
                while let Some((_, t)) = s.next() {
                    terms.push(t);
                }
            }
            // The first letter is the typo: its variants, exactly (or as prefixes).
            for v in fuzzy::first_letter_variants(word) {
                let mut hi = v.clone();
                if prefix {
                    if let Some(last) = hi.last_mut() {
                        *last += 1;
                    }
                } else {
                    hi.push(format::SHORT_ONLY + 1);
                }
                let mut s = words.range().ge(&v).lt(&hi).into_stream();
                while let Some((_, t)) = s.next() {
                    terms.push(t);
                }
            }
            terms.sort_unstable();
            terms.dedup();
        }
        Ok((terms, exact))
    }

    /// Whether some word of the catalog starts with `word`.
    fn has_prefix(&self, word: &str) -> Result<bool> {
        let lo = word.as_bytes();
        let mut hi = lo.to_vec();
        if let Some(last) = hi.last_mut() {
            *last += 1;
        }
        if self
            .index
            .words()?
            .range()
            .ge(lo)
            .lt(&hi)
            .into_stream()
            .next()
            .is_some()
        {
            return Ok(true);
        }
        let mut buf = String::new();
        let mut found = false;
        for e in self.overlay.custom.values() {
            for d in [&e.description, &e.short_description] {
                text::for_each_word(d, &mut buf, |w| found |= w.starts_with(word));
            }
        }
        Ok(found)
    }

    /// Ranked matches of every word; `typo[i]` lets word `i` be misspelt.
    fn word_search(
        &self,
        words: &[String],
        opts: &SearchOptions,
        typo: &[bool],
    ) -> Result<Vec<Entry>> {
        let mut expanded = Vec::with_capacity(words.len());
        for (w, &t) in words.iter().zip(typo) {
            expanded.push(self.expand(w, t)?);
        }
        let mut scored: Vec<(u32, bool, Entry)> = Vec::new();
        if expanded.iter().all(|(t, _)| !t.is_empty()) {
            self.base_word_hits(&expanded, opts, &mut scored)?;
        }
        // Overlay entries, matched by brute force (an overlay is small).
        if !self.overlay.custom.is_empty() {
            for e in self.overlay.custom.values() {
                if opts.system.is_some_and(|s| s != e.system)
                    || opts.as_of.is_some_and(|d| !e.is_valid_on(d))
                {
                    continue;
                }
                if let Some(exact) = overlay_match(e, words, typo) {
                    let fav = self.overlay.favourites.contains(&(e.system, e.code));
                    scored.push((exact, fav, e.clone()));
                }
            }
        }
        scored.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(b.1.cmp(&a.1))
                .then(a.2.description.len().cmp(&b.2.description.len()))
                .then(a.2.code.cmp(&b.2.code))
                .then(a.2.system.cmp(&b.2.system))
        });
        scored.truncate(opts.limit);
        Ok(scored.into_iter().map(|(_, _, e)| e).collect())
    }

    /// Ranked word matches from the base index: the best `limit` by
    /// (exact matches, id) plus every matching favourite.
    ///
    /// Entry ids follow the tie-break order (shorter description, then code),
    /// so the candidates come out of a leapfrog intersection of the words'
    /// posting unions already in rank order within each exact-match count:
    /// the walk stops as soon as `limit` candidates with the most exact
    /// matches possible are found.
    fn base_word_hits(
        &self,
        expanded: &[(Vec<u64>, Option<u64>)],
        opts: &SearchOptions,
        out: &mut Vec<(u32, bool, Entry)>,
    ) -> Result<()> {
        let idx = &self.index;
        let n = idx.len();
        let mut sets: Vec<(usize, Union<'_>, Option<Cursor<'_>>)> = Vec::new();
        for (terms, exact) in expanded {
            let mut lists = Vec::with_capacity(terms.len());
            let mut bytes = 0;
            for &t in terms {
                let l = idx.posting_bytes(t)?;
                bytes += l.len();
                lists.push(Cursor::new(l)?);
            }
            let exact = exact
                .map(|t| idx.posting_bytes(t).and_then(Cursor::new))
                .transpose()?;
            sets.push((bytes, Union::new(lists, n)?, exact));
        }
        // Smallest first: it proposes candidates, the others confirm them.
        sets.sort_by_key(|s| s.0);
        let max_exact = sets.iter().filter(|s| s.2.is_some()).count();
        let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); max_exact + 1];
        let fav = &self.favourite_ids;
        let mut id = 0u32;
        'walk: loop {
            // Leapfrog: raise `id` until every word's union holds it.
            let mut agreed = 0;
            let mut w = 0;
            while agreed < sets.len() {
                match sets[w].1.seek(id, n)? {
                    None => break 'walk,
                    Some(x) if x == id => agreed += 1,
                    Some(x) => {
                        id = x;
                        agreed = 1;
                    }
                }
                w = (w + 1) % sets.len();
            }
            let keep = match (opts.system, opts.as_of) {
                (None, None) => true,
                _ => {
                    let m = idx.meta(id)?;
                    opts.system.is_none_or(|s| s == m.system)
                        && opts.as_of.is_none_or(|d| m.valid_on(d))
                }
            };
            if keep {
                let mut ex = 0;
                for s in sets.iter_mut() {
                    if let Some(c) = &mut s.2 {
                        if c.seek(id, n)? == Some(id) {
                            ex += 1;
                        }
                    }
                }
                if !fav.is_empty() && fav.binary_search(&id).is_ok() {
                    out.push((ex as u32, true, idx.entry(id)?));
                } else if buckets[ex].len() < opts.limit {
                    buckets[ex].push(id);
                    if ex == max_exact && buckets[ex].len() == opts.limit && fav.is_empty() {
                        break;
                    }
                }
            }
            match id.checked_add(1) {
                Some(next) => id = next,
                None => break,
            }
        }
        let mut taken = 0;
        for (ex, ids) in buckets.iter().enumerate().rev() {
            for &id in ids {
                if taken == opts.limit {
                    return Ok(());
                }
                out.push((ex as u32, false, idx.entry(id)?));
                taken += 1;
            }
        }
        Ok(())
    }
}

/// A cursor over one posting list (see [`format::POSTING_BLOCK`] for the
/// layout): decodes ids in order and seeks through the skip table.
struct Cursor<'a> {
    skips: &'a [u8],
    data: &'a [u8],
    count: u32,
    /// Index of the next id to decode.
    idx: u32,
    pos: usize,
    cur: Option<u32>,
}

fn bad_postings() -> CatalogError {
    CatalogError::Corrupt {
        what: "a posting list is malformed".into(),
    }
}

impl<'a> Cursor<'a> {
    fn new(list: &'a [u8]) -> Result<Cursor<'a>> {
        let mut pos = 0;
        let count = text::get_varint(list, &mut pos).ok_or_else(bad_postings)?;
        let count = u32::try_from(count).map_err(|_| bad_postings())?;
        let block = format::POSTING_BLOCK as u32;
        let nskip = if count > block {
            (count - 1) / block
        } else {
            0
        } as usize;
        let skips = list.get(pos..pos + nskip * 8).ok_or_else(bad_postings)?;
        let data = list.get(pos + nskip * 8..).ok_or_else(bad_postings)?;
        Ok(Cursor {
            skips,
            data,
            count,
            idx: 0,
            pos: 0,
            cur: None,
        })
    }

    /// Skip entry `b` (block `b + 1`): its first id and byte offset.
    fn skip(&self, b: usize) -> Option<(u32, usize)> {
        let e = self.skips.get(b * 8..b * 8 + 8)?;
        let id = u32::from_le_bytes([e[0], e[1], e[2], e[3]]);
        let off = u32::from_le_bytes([e[4], e[5], e[6], e[7]]);
        Some((id, off as usize))
    }

    /// Moves to the next id; `None` at the end.
    fn advance(&mut self, n: u32) -> Result<Option<u32>> {
        if self.idx >= self.count {
            self.cur = None;
            return Ok(None);
        }
        let v = text::get_varint(self.data, &mut self.pos).ok_or_else(bad_postings)?;
        let id = if self.idx % format::POSTING_BLOCK as u32 == 0 {
            v
        } else {
            match self.cur {
                Some(c) if v > 0 => u64::from(c) + v,
                _ => return Err(bad_postings()),
            }
        };
        if id >= u64::from(n) {
            return Err(bad_postings());
        }
        self.idx += 1;
        self.cur = Some(id as u32);
        Ok(self.cur)
    }

    /// The smallest id at or after `target`.
    fn seek(&mut self, target: u32, n: u32) -> Result<Option<u32>> {
        if let Some(c) = self.cur {
            if c >= target {
                return Ok(Some(c));
            }
        } else if self.idx > 0 {
            return Ok(None); // exhausted
        }
        // Jump to the last block starting at or before `target`, if it lies
        // beyond the current one.
        let block = format::POSTING_BLOCK as u32;
        let here = if self.idx == 0 {
            0
        } else {
            (self.idx - 1) / block
        } as usize;
        let nskip = self.skips.len() / 8;
        // Skip entry b describes block b + 1; find the last with first id <= target.
        let (mut lo, mut hi) = (here, nskip);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.skip(mid) {
                Some((id, _)) if id <= target => lo = mid + 1,
                Some(_) => hi = mid,
                None => return Err(bad_postings()),
            }
        }
        if lo > here {
            let (_, off) = self.skip(lo - 1).ok_or_else(bad_postings)?;
            if off > self.data.len() {
                return Err(bad_postings());
            }
            self.pos = off;
            self.idx = lo as u32 * block;
            self.cur = None;
        }
        loop {
            match self.advance(n)? {
                Some(c) if c >= target => return Ok(Some(c)),
                Some(_) => {}
                None => return Ok(None),
            }
        }
    }
}

/// The union of a word's posting lists, walked in ascending id order.
struct Union<'a> {
    cursors: Vec<Cursor<'a>>,
    heap: BinaryHeap<Reverse<(u32, usize)>>,
}

impl<'a> Union<'a> {
    fn new(mut cursors: Vec<Cursor<'a>>, n: u32) -> Result<Union<'a>> {
        let mut heap = BinaryHeap::with_capacity(cursors.len());
        for (i, c) in cursors.iter_mut().enumerate() {
            if let Some(id) = c.advance(n)? {
                heap.push(Reverse((id, i)));
            }
        }
        Ok(Union { cursors, heap })
    }

    /// The smallest id at or after `target` in any of the lists.
    fn seek(&mut self, target: u32, n: u32) -> Result<Option<u32>> {
        while let Some(&Reverse((id, i))) = self.heap.peek() {
            if id >= target {
                return Ok(Some(id));
            }
            self.heap.pop();
            if let Some(next) = self.cursors[i].seek(target, n)? {
                self.heap.push(Reverse((next, i)));
            }
        }
        Ok(None)
    }
}

/// Whether an overlay entry matches every query word, and how many exactly.
fn overlay_match(e: &Entry, words: &[String], typo: &[bool]) -> Option<u32> {
    // Exact (whole-word) matches count in the long description only, as in
    // the index.
    let mut own: Vec<String> = Vec::new();
    let mut buf = String::new();
    text::for_each_word(&e.description, &mut buf, |w| own.push(w.to_owned()));
    let long = own.len();
    text::for_each_word(&e.short_description, &mut buf, |w| own.push(w.to_owned()));
    let mut exact = 0;
    for (q, &typo) in words.iter().zip(typo) {
        if own[..long].iter().any(|w| w == q) {
            exact += 1;
        } else if !own
            .iter()
            .any(|w| w.starts_with(q.as_str()) || (typo && fuzzy::typo_matches(q, w)))
        {
            return None;
        }
    }
    Some(exact)
}

/// The normalised code prefix when a query looks like a code: one token of
/// letters and digits (dots allowed) with a digit or a dot in it, or any short
/// token when searching modifiers or places of service.
fn code_like(query: &str, system: Option<CodeSystem>) -> Option<String> {
    let q = query.trim();
    if q.is_empty() || q.contains(char::is_whitespace) {
        return None;
    }
    let n = text::normalise_code_query(q)?;
    if n.is_empty() || n.len() > crate::code::MAX_CODE_LEN {
        return None;
    }
    let short_system =
        matches!(system, Some(CodeSystem::Modifier | CodeSystem::Pos)) && n.len() <= 2;
    (n.bytes().any(|b| b.is_ascii_digit()) || q.contains('.') || short_system).then_some(n)
}

impl crate::billing::CodeSource for Catalog {
    fn entry(&self, code: &Code, system: CodeSystem) -> Option<Entry> {
        // A damaged index reads as "not in the catalog" here; opening and
        // searching report the damage itself.
        self.lookup_code(code, system, None).ok().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posting_cursors_seek_like_a_binary_search() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut rnd = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        for len in [0usize, 1, 63, 64, 65, 128, 129, 1000, 5000] {
            let n = 200_000u32;
            let mut ids: Vec<u32> = (0..len).map(|_| rnd(u64::from(n)) as u32).collect();
            ids.sort_unstable();
            ids.dedup();
            let mut bytes = Vec::new();
            crate::index::builder::encode_postings(&ids, &mut bytes);
            // Monotone random seeks.
            let mut c = Cursor::new(&bytes).unwrap();
            let mut target = 0u32;
            loop {
                let want = ids.get(ids.partition_point(|&i| i < target)).copied();
                assert_eq!(
                    c.seek(target, n).unwrap(),
                    want,
                    "len {len} target {target}"
                );
                if want.is_none() {
                    break;
                }
                target += 1 + rnd(u64::from(n) / 50) as u32;
            }
            // Plain iteration gives every id.
            let mut c = Cursor::new(&bytes).unwrap();
            let mut all = Vec::new();
            while let Some(i) = c.advance(n).unwrap() {
                all.push(i);
            }
            assert_eq!(all, ids);
        }
    }

    #[test]
    fn code_like_queries() {
        assert_eq!(code_like("G04", None).as_deref(), Some("G04"));
        assert_eq!(code_like("f41.", None).as_deref(), Some("F41"));
        assert_eq!(code_like(" E11.6 ", None).as_deref(), Some("E116"));
        assert_eq!(code_like("diab mell", None), None);
        assert_eq!(code_like("wheelchair", None), None);
        assert_eq!(
            code_like("gt", Some(CodeSystem::Modifier)).as_deref(),
            Some("GT")
        );
        assert_eq!(code_like("gt", None), None);
        assert_eq!(code_like("b-12", None), None);
    }
}
