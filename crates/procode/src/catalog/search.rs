//! The typeahead search: code prefixes, ranked description words, typos.

use std::ops::Bound;

use chrono::NaiveDate;
use fst::{IntoStreamer, Streamer};

use super::Catalog;
use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::error::{CatalogError, Result};
use crate::fuzzy;
use crate::index::postings::{Cursor, Union};
use crate::text::{for_each_word, query_words};

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
    /// that day, and shows each code as it was on that day (the title and
    /// billable flag of the version in force). Without it, terminated codes
    /// are found too (their entry carries the termination date), each as its
    /// current version.
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

impl Catalog {
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
        if let Some(prefix) = Code::from_search_query(query, opts.system) {
            let entries = self.code_prefix(&prefix, opts)?;
            if !entries.is_empty() {
                return Ok(SearchResults {
                    mode: SearchMode::CodePrefix,
                    entries,
                });
            }
        }
        let words = query_words(query);
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

    /// The entries whose code starts with `prefix`, in code order.
    fn code_prefix(&self, prefix: &Code, opts: &SearchOptions) -> Result<Vec<Entry>> {
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
            out.push(self.index.entry_on(id, opts.as_of)?);
        }
        if !self.overlay.custom.is_empty() {
            let range = (
                Bound::Included(lo.as_slice()),
                Bound::Excluded(hi.as_slice()),
            );
            for e in self.overlay.custom.range::<[u8], _>(range).map(|(_, e)| e) {
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
            fuzzy::typo_terms(words.as_fst(), word, &mut terms);
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
                for_each_word(d, &mut buf, |w| found |= w.starts_with(word));
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
        let mut sets = self.word_postings(expanded)?;
        let max_exact = sets.iter().filter(|s| s.exact.is_some()).count();
        let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); max_exact + 1];
        let fav = &self.favourite_ids;
        let mut id = 0u32;
        while let Some(hit) = next_common(&mut sets, id, n)? {
            id = hit;
            if self.passes(id, opts)? {
                let ex = exact_matches(&mut sets, id, n)?;
                if !fav.is_empty() && fav.binary_search(&id).is_ok() {
                    out.push((ex as u32, true, idx.entry_on(id, opts.as_of)?));
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
        // Most exact matches first; within a bucket, ids are in rank order.
        let best = buckets
            .iter()
            .enumerate()
            .rev()
            .flat_map(|(ex, ids)| ids.iter().map(move |&id| (ex, id)))
            .take(opts.limit);
        for (ex, id) in best {
            out.push((ex as u32, false, idx.entry_on(id, opts.as_of)?));
        }
        Ok(())
    }

    /// The postings of each query word, smallest first: it proposes
    /// candidates, the others confirm them.
    fn word_postings(&self, expanded: &[(Vec<u64>, Option<u64>)]) -> Result<Vec<WordPostings<'_>>> {
        let idx = &self.index;
        let mut sets = Vec::with_capacity(expanded.len());
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
            sets.push(WordPostings {
                bytes,
                union: Union::new(lists, idx.len())?,
                exact,
            });
        }
        sets.sort_by_key(|s| s.bytes);
        Ok(sets)
    }

    /// Whether base entry `id` is of the system and valid on the date the
    /// options ask for.
    fn passes(&self, id: u32, opts: &SearchOptions) -> Result<bool> {
        if opts.system.is_none() && opts.as_of.is_none() {
            return Ok(true);
        }
        let m = self.index.meta(id)?;
        Ok(opts.system.is_none_or(|s| s == m.system) && opts.as_of.is_none_or(|d| m.valid_on(d)))
    }
}

/// One query word's postings: the union of the lists of the words it is a
/// prefix of (or, with typos, near), the list of the word itself when the
/// catalog has it (an exact match), and the size of the union's lists.
struct WordPostings<'a> {
    bytes: usize,
    union: Union<'a>,
    exact: Option<Cursor<'a>>,
}

/// The first id at or after `id` that every word's union holds (a leapfrog
/// intersection), or `None`.
fn next_common(sets: &mut [WordPostings<'_>], mut id: u32, n: u32) -> Result<Option<u32>> {
    let mut agreed = 0;
    let mut w = 0;
    while agreed < sets.len() {
        match sets[w].union.seek(id, n)? {
            None => return Ok(None),
            Some(x) if x == id => agreed += 1,
            Some(x) => {
                id = x;
                agreed = 1;
            }
        }
        w = (w + 1) % sets.len();
    }
    Ok(Some(id))
}

/// How many query words entry `id` holds as whole words.
fn exact_matches(sets: &mut [WordPostings<'_>], id: u32, n: u32) -> Result<usize> {
    let mut ex = 0;
    for s in sets.iter_mut() {
        if let Some(c) = &mut s.exact {
            if c.seek(id, n)? == Some(id) {
                ex += 1;
            }
        }
    }
    Ok(ex)
}

/// Whether an overlay entry matches every query word, and how many exactly.
fn overlay_match(e: &Entry, words: &[String], typo: &[bool]) -> Option<u32> {
    // Exact (whole-word) matches count in the long description only, as in
    // the index.
    let mut own: Vec<String> = Vec::new();
    let mut buf = String::new();
    for_each_word(&e.description, &mut buf, |w| own.push(w.to_owned()));
    let long = own.len();
    for_each_word(&e.short_description, &mut buf, |w| own.push(w.to_owned()));
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
