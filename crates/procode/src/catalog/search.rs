//! The typeahead search: code prefixes, ranked description words, synonyms,
//! inclusion terms and typos.
//!
//! # How a query is answered
//! 1. A query shaped like a code (`E11.9`, `e119`, `j188`, `F41.`) lists the
//!    code itself first, then its descendants, in code order.
//! 2. Otherwise its words are folded as titles are (case, accents,
//!    apostrophes; see [`crate::text::for_each_word`]); small words (`of`,
//!    `in`, `with`, …) are not required. Every other word must match a word
//!    of the entry as a prefix — of its title, its short description or an
//!    ICD-10-CM inclusion term. A word or phrase of the synonym list
//!    ([`crate::synonyms`]: `htn`, `high blood pressure`, `toradol`) also
//!    matches through its expansions.
//! 3. Only when that finds nothing, words of four or more letters without
//!    digits that are not synonym terms may be misspelt (one edit, two from
//!    eight letters).
//! 4. Only when that finds nothing either, the query without one of its
//!    words (the one whose absence leaves the fewest entries), with the
//!    notice [`SearchNotice::NotEveryWord`].
//!
//! Results are ranked by the weights of [`SearchWeights`] (documented there,
//! in one table): how each word matched (title word > inclusion term >
//! synonym > typo), billable codes before headers, the general
//! "unspecified" code, the ICD-10-CM tabular list's default for an
//! unqualified condition (an "X NOS" inclusion term: E11 "diabetes NOS"
//! sends `diab` to E11.9; or X followed only by parenthesised nonessential
//! modifiers: I10 "hypertension (arterial) (benign) …" sends `hypert` to
//! I10), whole-title matches, the title's first word, few
//! unmatched title words; then shorter title, then code.
//!
//! # Cost
//! A query word's terms come from the index's words held in memory
//! (`fuzzy::WordTable`, built on the first search: a binary search and a
//! run of neighbours for a prefix, no fst stream; for a typo, the words of
//! the same first letter, length and nearly the same letters, checked with
//! a bit-parallel edit distance, and one range of the words ordered by
//! their bytes after the first for a misspelt first letter). The rarest
//! query word's posting lists are decoded once (merged through a dense set,
//! no sorting); the other words are only sought for the candidates left —
//! by leapfrog through the skip table, or
//! by a bit test in the dense set kept for each long list — and a candidate
//! found by one of a word's terms is not sought in the others. Every
//! candidate the filters pass is counted (the total is exact) and bounded
//! from its facts alone (each word at its best tier); the candidates of the
//! `offset + limit` best bounds are scored first, the others only when their
//! bound can still enter the page — and, before its words are scored, when
//! the bound with its title's first word looked up (cached per token) still
//! can (a word's tier per candidate is read from an array: for a word
//! sought, the marks its seeking wrote; for the first word, its tiers'
//! lists merged once with the candidates). Only the page's entries are
//! decoded.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::ops::Bound;
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use fst::{IntoStreamer, Streamer};

use super::{Catalog, EntryRef, SearchRefs};
use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::error::{CatalogError, Result};
use crate::fuzzy;
use crate::index::format::{self, PHRASE};
use crate::index::postings::{self, skip_below, Cursor};
use crate::synonyms::SynonymList;
use crate::text::{for_each_word, query_words};
use crate::weights::SearchWeights;

/// The most words a search query may have.
pub const MAX_QUERY_WORDS: usize = 32;

/// Words a query need not match (they still count for whole-title matches)
/// and that never count as unmatched title words.
pub const SMALL_WORDS: [&str; 16] = [
    "a", "an", "and", "at", "by", "for", "from", "in", "into", "of", "on", "or", "per", "the",
    "to", "with",
];

/// The most query variants (the query as typed plus synonym expansions).
const MAX_VARIANTS: usize = 12;

/// Options of [`Catalog::search`].
///
/// # Example
/// ```
/// use procode::{CodeSystem, SearchOptions};
/// let o = SearchOptions::default().system(CodeSystem::Hcpcs).limit(5).offset(10);
/// assert_eq!((o.limit, o.offset), (5, 10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchOptions {
    /// Only this code system (all systems when `None`).
    pub system: Option<CodeSystem>,
    /// At most this many results (default 10).
    pub limit: usize,
    /// Skip this many results first (pagination; default 0).
    pub offset: usize,
    /// Only billable codes (default false).
    pub billable_only: bool,
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
            offset: 0,
            billable_only: false,
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

    /// Sets how many results to skip (pagination).
    pub fn offset(mut self, offset: usize) -> Self {
        self.offset = offset;
        self
    }

    /// Only billable codes when `true`.
    pub fn billable_only(mut self, billable_only: bool) -> Self {
        self.billable_only = billable_only;
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
    /// The query looked like a code: the code, then its descendants.
    CodePrefix,
    /// Description words (as typed or through synonyms), ranked.
    Words,
    /// Nothing matched as typed; words within one (two for 8+ letters) edits.
    Typo,
    /// Nothing matched at all.
    None,
}

impl SearchMode {
    /// The mode's name in every interface: `exact` (code-shaped), `words`,
    /// `typo`, `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            SearchMode::CodePrefix => "exact",
            SearchMode::Words => "words",
            SearchMode::Typo => "typo",
            SearchMode::None => "none",
        }
    }
}

/// Part of a result's description that matched the query, for highlighting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchSpan {
    /// First character (Unicode scalar value, 0-based) of the matched word in
    /// the entry's `description`.
    pub start: usize,
    /// One past its last character.
    pub end: usize,
    /// What the user typed that matched: the query word, or the synonym term
    /// (`high blood pressure`) when the match came through the synonym list.
    /// (Shared: the spans of one search that name the same term share it.)
    pub term: Arc<str>,
    /// The synonym expansion that matched (`hypertension`), if any.
    pub via: Option<Arc<str>>,
    /// Whether the word matched only within the typo budget.
    pub typo: bool,
}

/// Something the caller should know about a search besides its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SearchNotice {
    /// The query looks like a CPT code (five digits, or four and F/T/U):
    /// CPT is not shipped with procode.
    CptNotShipped,
    /// The query looks like a CPT modifier (two digits, under the modifier
    /// system): CPT modifiers are not shipped with procode.
    CptModifierNotShipped,
    /// No entry matches every word of the query, as typed or misspelt: the
    /// results match all its words but one (the spans show which matched).
    NotEveryWord,
}

impl SearchNotice {
    /// A stable machine-readable name: `cpt_not_shipped`,
    /// `cpt_modifier_not_shipped`, `not_every_word`.
    pub fn code(self) -> &'static str {
        match self {
            SearchNotice::CptNotShipped => "cpt_not_shipped",
            SearchNotice::CptModifierNotShipped => "cpt_modifier_not_shipped",
            SearchNotice::NotEveryWord => "not_every_word",
        }
    }

    /// What it means and what to do.
    pub fn message(self) -> &'static str {
        match self {
            SearchNotice::CptNotShipped => {
                "this looks like a CPT code; CPT (AMA) is not shipped with procode: load your licensed CPT file as custom codes (Overlay::add_custom, or an index built with the mapped importer)"
            }
            SearchNotice::CptModifierNotShipped => {
                "this looks like a CPT modifier; CPT (AMA) modifiers are not shipped with procode (only HCPCS Level II modifiers): load your licensed CPT modifier list as custom codes (Overlay::add_custom)"
            }
            SearchNotice::NotEveryWord => {
                "no code matches every word of the query: these match all its words but one (the matched words are highlighted); check the word left out, or search for fewer words"
            }
        }
    }
}

/// The results of [`Catalog::search`]: one page of entries in result order,
/// how they were found, how many there are in all, and what matched.
/// Dereferences to `[Entry]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResults {
    /// How the results were found.
    pub mode: SearchMode,
    /// The entries of this page, best first (code order for code-shaped
    /// queries).
    pub entries: Vec<Entry>,
    /// How many entries match in all (every page).
    pub total: usize,
    /// How many results were skipped before this page.
    pub offset: usize,
    /// Per entry (same order): the description's matched words.
    pub spans: Vec<Vec<MatchSpan>>,
    /// Something to tell the user (a CPT-shaped query), if any.
    pub notice: Option<SearchNotice>,
}

impl SearchResults {
    fn empty(mode: SearchMode, offset: usize, notice: Option<SearchNotice>) -> SearchResults {
        SearchResults {
            mode,
            entries: Vec::new(),
            total: 0,
            offset,
            spans: Vec::new(),
            notice,
        }
    }
}

/// What [`Catalog::find_page`] found: a page of codes read from the index
/// (borrowed), or a ranked page (whose entries ranking decoded).
pub(super) enum Found<'a> {
    /// A code-shaped query's page, in code order.
    Codes(SearchRefs<'a>),
    /// A word or typo search's page, or no result.
    Ranked(SearchResults),
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

/// The shipped synonym list, parsed once. The build script parses the same
/// compiled-in text and fails the build when it is invalid, so the empty
/// fallback is never taken by a library that built.
fn shipped_synonyms() -> Arc<SynonymList> {
    static SHIPPED: OnceLock<Arc<SynonymList>> = OnceLock::new();
    SHIPPED
        .get_or_init(|| Arc::new(SynonymList::shipped().unwrap_or_default()))
        .clone()
}

/// A catalog's search setup: synonyms, weights, and the per-entry facts the
/// ranking needs (computed on first search, shared by clones).
#[derive(Debug, Clone)]
pub(super) struct SearchSetup {
    synonyms: Arc<SynonymList>,
    weights: SearchWeights,
    facts: Arc<OnceLock<std::result::Result<Facts, String>>>,
    /// The index's words in memory, for prefix ranges and typos (built on
    /// the first word search, shared by clones).
    word_table: Arc<OnceLock<std::result::Result<fuzzy::WordTable, String>>>,
}

impl Default for SearchSetup {
    fn default() -> Self {
        SearchSetup {
            synonyms: shipped_synonyms(),
            weights: SearchWeights::default(),
            facts: Arc::new(OnceLock::new()),
            word_table: Arc::new(OnceLock::new()),
        }
    }
}

/// Per base entry: what the ranking needs without decoding its text; and
/// per dictionary token, its word (lower case).
#[derive(Debug)]
struct Facts {
    entries: Vec<EntryFacts>,
    tokens: Vec<String>,
    /// The tabular list's "X NOS" terms (the words of X, folded) and, per
    /// entry they send a query to, the indices of its terms.
    nos_terms: Vec<Vec<String>>,
    nos: procode_index::index::FastMap<u32, Vec<u32>>,
    /// The entries of `nos`.
    nos_bits: Bits,
    /// The posting lists of at least [`DENSE_MIN`] ids, as dense sets: a
    /// candidate is looked up in them, not sought.
    dense: procode_index::index::FastMap<u64, Window>,
    /// Per system tag, its entries (ascending).
    by_system: Vec<Vec<u32>>,
    /// Per base entry, what [`Scorer::bound`] reads, packed in two bytes
    /// (see [`bound_key`]): the bound of every candidate is read from this
    /// array, six times denser than `entries`.
    bound_keys: Vec<u16>,
}

/// The bits of a [`Facts::bound_keys`] entry: its flags (six bits), whether
/// the title has a first word (bit 6), its title word count (bits 7-12,
/// at most 63: a larger count takes no more from the bound, see
/// [`unmatched_at_best`]) and whether it has an "X NOS" term (bit 13).
fn bound_key(f: &EntryFacts, nos: bool) -> u16 {
    u16::from(f.flags & 63)
        | u16::from(f.first != u32::MAX) << 6
        | u16::from(f.words.min(63)) << 7
        | u16::from(nos) << 13
}

impl Facts {
    /// The base entries of `system`, ascending.
    fn system_ids(&self, system: CodeSystem) -> &[u32] {
        self.by_system
            .get(usize::from(system.to_u8()))
            .map_or(&[], Vec::as_slice)
    }
}

/// A posting list of at least this many ids is also kept as a dense set
/// ([`Window`]): a candidate is looked up in it with one bit test, without
/// a branch, where seeking it in the list would decode and compare ids.
/// (634 lists of the shipped catalog, about 7 MB.)
const DENSE_MIN: usize = 256;

/// The ids of a posting list as bits, from the word of its first id to the
/// word of its last, then a word of none (read for any id outside).
#[derive(Debug)]
struct Window {
    /// The index of the first word.
    from: usize,
    /// Never empty: the last word is 0.
    words: Vec<u64>,
    /// How many ids it holds.
    ones: usize,
}

impl Window {
    /// The window of ascending `ids`.
    fn of(ids: &[u32]) -> Window {
        let (Some(&lo), Some(&hi)) = (ids.first(), ids.last()) else {
            return Window {
                from: 0,
                words: vec![0],
                ones: 0,
            };
        };
        let from = lo as usize / 64;
        let mut words = vec![0u64; hi as usize / 64 + 2 - from];
        for &id in ids {
            if let Some(w) = words.get_mut(id as usize / 64 - from) {
                *w |= 1 << (id % 64);
            }
        }
        Window {
            from,
            words,
            ones: ids.len(),
        }
    }

    /// Marks with `code` each of `ids` in the set whose mark in `found`
    /// (same positions) is `u8::MAX` (`all_unmarked`: every one is);
    /// returns how many it marked. No branch an id: an id outside the
    /// window reads its last word, which holds none.
    fn mark(&self, ids: &[u32], found: &mut [u8], code: u8, all_unmarked: bool) -> usize {
        let (from, words) = (self.from, self.words.as_slice());
        let Some(last) = words.len().checked_sub(1) else {
            return 0;
        };
        let bit = |id: u32| {
            let w = (id as usize / 64).wrapping_sub(from).min(last);
            words.get(w).map_or(0, |w| (w >> (id % 64)) & 1)
        };
        let mut hit = 0;
        if all_unmarked {
            for (f, &id) in found.iter_mut().zip(ids) {
                let new = bit(id);
                hit += new as usize;
                *f = if new != 0 { code } else { u8::MAX };
            }
        } else {
            for (f, &id) in found.iter_mut().zip(ids) {
                let new = bit(id) & u64::from(*f == u8::MAX);
                hit += new as usize;
                *f = if new != 0 { code } else { *f };
            }
        }
        hit
    }
}

/// One base entry's ranking facts.
#[derive(Debug, Clone, Copy)]
struct EntryFacts {
    tag: u8,
    flags: u8,
    /// Title words that count as unmatched when no query word matches them.
    words: u8,
    /// The dictionary token of the title's first word (`u32::MAX`: none).
    first: u32,
}

impl EntryFacts {
    /// Whether the options' system and billable filters keep the entry.
    #[inline]
    fn kept_by(&self, opts: &SearchOptions) -> bool {
        opts.system.is_none_or(|s| s.to_u8() == self.tag)
            && (!opts.billable_only || self.flags & FACT_BILLABLE != 0)
    }
}

/// A description token's word and parentheses: separators before the word
/// (first token only), the word, separators after it.
#[derive(Debug)]
struct TokenInfo {
    word: String,
    /// Parentheses closed and opened before the word, and after it.
    lead: (u8, u8),
    tail: (u8, u8),
    /// A comma follows the word ("Injection, ketorolac …").
    comma: bool,
}

impl TokenInfo {
    fn of(tok: &str) -> TokenInfo {
        let start = tok
            .find(|c: char| c.is_ascii_alphanumeric())
            .unwrap_or(tok.len());
        let end = tok[start..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .map_or(tok.len(), |e| start + e);
        TokenInfo {
            word: tok[start..end].to_ascii_lowercase(),
            lead: parens(&tok[..start]),
            tail: parens(&tok[end..]),
            comma: tok[end..].contains(','),
        }
    }
}

/// How a run of separators changes the parenthesis depth: `(closes, opens)`
/// with depth' = max(0, depth - closes) + opens.
fn parens(seps: &str) -> (u8, u8) {
    let (mut d, mut min) = (0i32, 0i32);
    for c in seps.chars() {
        match c {
            '(' | '[' => d += 1,
            ')' | ']' => {
                d -= 1;
                min = min.min(d);
            }
            _ => {}
        }
    }
    let closes = -min;
    (closes.min(255) as u8, (d + closes).clamp(0, 255) as u8)
}

/// A title's word count (words outside parentheses other than small words,
/// "unspecified" and "NOS"), first word, and whether that is "Other".
///
/// A title opening with its route ("Injection, ketorolac tromethamine, per
/// 15 mg", "Infusion, …": the HCPCS drug codes) names the drug next: the
/// drug is the title's first word, and the route does not count as a word
/// left unmatched, so `zithromax` lists J0456 "Injection, azithromycin,
/// 500 mg" before Q0144 "Azithromycin dihydrate, oral, …".
struct TitleFacts {
    words: u8,
    first: u32,
    first_is_other: bool,
}

/// A title's opening route word (see [`TitleFacts`]), followed by a comma.
fn is_route(info: &TokenInfo) -> bool {
    info.comma && matches!(info.word.as_str(), "injection" | "infusion")
}

impl TitleFacts {
    fn of<'a>(tokens: impl Iterator<Item = (u32, &'a TokenInfo)>) -> TitleFacts {
        let mut depth = 0u8;
        let mut words = 0u8;
        let mut first = u32::MAX;
        let mut first_is_other = false;
        let mut seen = false;
        let step = |depth: u8, (c, o): (u8, u8)| depth.saturating_sub(c).saturating_add(o);
        for (t, info) in tokens {
            depth = step(depth, info.lead);
            if !info.word.is_empty() {
                let route = !seen && is_route(info);
                seen = true;
                if first == u32::MAX && !route {
                    first = t;
                    first_is_other = info.word == "other";
                }
                if depth == 0 && !route && counts_as_title_word(&info.word) {
                    words = words.saturating_add(1);
                }
            }
            depth = step(depth, info.tail);
        }
        TitleFacts {
            words,
            first,
            first_is_other,
        }
    }
}

/// Whether a title word counts when it is left unmatched.
fn counts_as_title_word(w: &str) -> bool {
    !SMALL_WORDS.contains(&w)
        && !matches!(
            w,
            "unspecified"
                | "nos"
                | "uncomplicated"
                | "without"
                | "not"
                | "otherwise"
                | "specified"
                | "site"
                | "initial"
                | "encounter"
        )
}

/// Title words that say something of a code (see [`Catalog::titles_saying`]
/// and [`TitleWords::said_by`]): any one of `single`, or both words of a pair.
struct TitleWords {
    single: &'static [&'static str],
    pairs: &'static [(&'static str, &'static str)],
}

impl TitleWords {
    /// Whether a title whose folded words `has` says it.
    fn said_by(&self, has: impl Fn(&str) -> bool) -> bool {
        self.single.iter().any(|w| has(w)) || self.pairs.iter().any(|(a, b)| has(a) && has(b))
    }
}

/// The general code a biller picks when the query names only the condition
/// ("Anxiety disorder, unspecified", "Bronchitis, NOS", "not otherwise
/// specified", E11.9 "without complications", B27.90 "without complication",
/// N39.0 "Urinary tract infection, site not specified", "not specified as
/// acute or chronic", F11.20 "Opioid dependence, uncomplicated", J45.909
/// "Unspecified asthma, uncomplicated").
const GENERAL: TitleWords = TitleWords {
    single: &["unspecified", "nos", "otherwise", "uncomplicated"],
    pairs: &[
        ("without", "complications"),
        ("without", "complication"),
        ("not", "specified"),
    ],
};

/// An ICD-10-CM 7th character other than the default: a "subsequent
/// encounter" (D, G, K, P …), a "sequela" (S), or an "open fracture" (B, C:
/// a fracture not said to be open is coded closed, guideline I.C.19.c.1).
/// The initial encounter for a closed fracture (A) is what a biller picks
/// for the visit that treats the injury.
const OTHER_EXTENSION: TitleWords = TitleWords {
    single: &["sequela"],
    pairs: &[("subsequent", "encounter"), ("open", "fracture")],
};

/// The most corrections of one misspelt word tried as a whole-title phrase.
const TYPO_PHRASES: usize = 8;

const FACT_BILLABLE: u8 = 1;
const FACT_GENERAL: u8 = 2;
const FACT_TERMINATED: u8 = 4;
const FACT_OTHER: u8 = 8;
const FACT_EXTENSION: u8 = 16;
const FACT_PREGNANCY_NEWBORN: u8 = 32;
/// A quality-data reporting code. Not among the six flags of a
/// [`bound_key`] (nor of [`Scorer::bound`]'s tables): a bound counts it at
/// its best, `reporting_code.max(0)`, for every candidate.
const FACT_REPORTING: u8 = 64;

/// Words that name a pregnancy, a birth or a newborn: a query with one of
/// them (or a word of four letters or more that one starts with, "preg")
/// means the codes of ICD-10-CM chapters 15 and 16 (O, P), which otherwise
/// rank below the codes for the condition itself (`hiv` → B20 before O98.719
/// "Human immunodeficiency virus [HIV] disease complicating pregnancy,
/// unspecified trimester"; the pregnancy is what a biller would name).
const PREGNANCY_NEWBORN_WORDS: &[&str] = &[
    "abortion",
    "amniotic",
    "antenatal",
    "antepartum",
    "baby",
    "birth",
    "caesarean",
    "cesarean",
    "childbirth",
    "delivery",
    "eclampsia",
    "ectopic",
    "fetal",
    "fetus",
    "gestation",
    "gestational",
    "gravid",
    "gravidarum",
    "infant",
    "intrapartum",
    "labor",
    "labour",
    "lactation",
    "maternal",
    "miscarriage",
    "neonatal",
    "neonate",
    "newborn",
    "obstetric",
    "perinatal",
    "peripartum",
    "placenta",
    "placental",
    "postnatal",
    "postpartum",
    "preeclampsia",
    "pregnancy",
    "pregnant",
    "prenatal",
    "preterm",
    "puerperal",
    "puerperium",
    "trimester",
];

/// Whether a query word names a pregnancy, a birth or a newborn (see
/// [`PREGNANCY_NEWBORN_WORDS`]).
fn names_pregnancy_newborn(q: &str) -> bool {
    // (Either way the first bytes agree: most words start otherwise.)
    let first = q.as_bytes().first();
    PREGNANCY_NEWBORN_WORDS.iter().any(|w| {
        w.as_bytes().first() == first && (q.starts_with(w) || (q.len() >= 4 && w.starts_with(q)))
    })
}

/// Whether an ICD-10-CM code is in chapter 15 (O: pregnancy, childbirth and
/// the puerperium) or 16 (P: conditions of the perinatal period).
fn pregnancy_newborn_code(system: CodeSystem, code: &[u8]) -> bool {
    system == CodeSystem::Icd10Cm && matches!(code.first(), Some(b'O' | b'P'))
}

/// A dense set of entry ids.
#[derive(Clone, Debug)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: u32) -> Bits {
        Bits(vec![0; (n as usize).div_ceil(64)])
    }
    #[inline]
    fn set(&mut self, id: u32) {
        if let Some(w) = self.0.get_mut(id as usize / 64) {
            *w |= 1 << (id % 64);
        }
    }
    #[inline]
    fn has(&self, id: u32) -> bool {
        self.0
            .get(id as usize / 64)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }
    /// Sets `id`; whether it was not set before.
    #[inline]
    fn insert(&mut self, id: u32) -> bool {
        let fresh = !self.has(id);
        self.set(id);
        fresh
    }
    /// The ids set, ascending.
    fn to_vec(&self) -> Vec<u32> {
        let ones: u32 = self.0.iter().map(|w| w.count_ones()).sum();
        let mut out = Vec::with_capacity(ones as usize);
        for (i, &w) in self.0.iter().enumerate() {
            let mut w = w;
            while w != 0 {
                out.push(i as u32 * 64 + w.trailing_zeros());
                w &= w - 1;
            }
        }
        out
    }
    fn or(&mut self, o: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            *a |= b;
        }
    }
    fn and(&mut self, o: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            *a &= b;
        }
    }
}

/// How a query word matched an entry, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    TitleExact,
    TitlePrefix,
    ExtraExact,
    ExtraPrefix,
    Typo,
}

impl Tier {
    fn weight(self, w: &SearchWeights) -> i32 {
        match self {
            Tier::TitleExact => w.title_exact,
            Tier::TitlePrefix => w.title_prefix,
            Tier::ExtraExact => w.extra_exact,
            Tier::ExtraPrefix => w.extra_prefix,
            Tier::Typo => w.typo,
        }
    }
}

/// How many tiers there are (the last one's code, plus one).
const TIERS: usize = Tier::Typo as usize + 1;

/// One query word's terms in the word index, by tier, and the size of
/// their posting lists.
struct WordTerms {
    /// The terms, tier by tier (best first; within a tier as found).
    terms: Vec<u64>,
    /// Per tier holding terms, in tier order: the tier and where its
    /// terms end in `terms` (`tiers[..n_tiers]`).
    tiers: [(Tier, usize); TIERS],
    n_tiers: usize,
    /// Whether the word is a whole word of the index (in a title, a short
    /// description or an inclusion term), not only the start of some.
    whole: bool,
    bytes: usize,
    /// A misspelt word's corrections: whole words within its typo budget
    /// (whole-word typo mode only; at most [`TYPO_PHRASES`]).
    fixes: Vec<String>,
}

/// One query word's matches in the base index (ascending ids), and the
/// tiers holding them.
struct WordHits {
    any: Vec<u32>,
    /// The word's tiers (in tier order), and whether each holds an id.
    tiers: Vec<(Tier, bool)>,
    /// How to tell an id's best tier: per id of `any` its [`Tier::code`],
    /// or (a word read whole, of several tiers) each tier's ids.
    codes: TierIds,
}

impl WordTerms {
    /// The word's tiers holding terms, in tier order, each with its terms.
    fn by_tier(&self) -> impl ExactSizeIterator<Item = (Tier, &[u64])> + '_ {
        let tiers = self.tiers.get(..self.n_tiers).unwrap_or(&[]);
        let mut start = 0;
        tiers.iter().map(move |&(tier, end)| {
            let terms = self.terms.get(start..end).unwrap_or(&[]);
            start = end;
            (tier, terms)
        })
    }
}

/// See [`WordHits::codes`].
enum TierIds {
    Codes(Vec<u8>),
    Lists(Vec<(Tier, Vec<u32>)>),
}

/// How many of the best bounds [`best_bounds`] keeps apart, at most.
const SEEDS: usize = 32;

/// The `k`-th largest bound of `bounded` ((bound, position) pairs;
/// `i32::MIN` when there are fewer than `k`) and how many of the best are
/// in `top`: for `k` up to [`SEEDS`], `k` of them, the best `k` pairs
/// ascending (of equal bounds the first; a slot no bound above `i32::MIN`
/// took holds position `u32::MAX`); none otherwise (a selection finds the
/// `k`-th).
fn best_bounds(bounded: &[(i32, u32)], k: usize, top: &mut [(i32, u32); SEEDS]) -> (i32, usize) {
    if k == 0 || bounded.len() < k {
        return (i32::MIN, 0);
    }
    if k > SEEDS {
        let mut all: Vec<i32> = bounded.iter().map(|b| b.0).collect();
        let (_, kth, _) = all.select_nth_unstable_by(k - 1, |a, b| b.cmp(a));
        return (*kth, 0);
    }
    // The best `k` so far, ascending: a bound enters when above the least,
    // which drops out.
    let Some(top) = top.get_mut(..k) else {
        return (i32::MIN, 0);
    };
    top.fill((i32::MIN, u32::MAX));
    for &(x, pos) in bounded {
        if x > top[0].0 {
            let mut at = 0;
            while let Some(&next) = top.get(at + 1) {
                if next.0 >= x {
                    break;
                }
                top[at] = next;
                at += 1;
            }
            top[at] = (x, pos);
        }
    }
    (top[0].0, k)
}

/// The bytes of `found` marks unfound (`u8::MAX`; a tier code is below
/// 128), eight at a time: bit 7 of each.
const UNFOUND: u64 = 0x8080_8080_8080_8080;

/// The position of the first `u8::MAX` of `found` (tier codes below
/// 128), testing eight bytes at a time.
fn first_unfound(found: &[u8]) -> Option<usize> {
    let mut chunks = found.chunks_exact(8);
    let mut at = 0;
    for c in &mut chunks {
        let x = u64::from_le_bytes(c.try_into().unwrap_or([0; 8])) & UNFOUND;
        if x != 0 {
            return Some(at + x.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == u8::MAX)
        .map(|p| at + p)
}

/// The position of the last `u8::MAX` of `found`, as [`first_unfound`].
fn last_unfound(found: &[u8]) -> Option<usize> {
    let mut chunks = found.rchunks_exact(8);
    let mut end = found.len();
    for c in &mut chunks {
        end -= 8;
        let x = u64::from_le_bytes(c.try_into().unwrap_or([0; 8])) & UNFOUND;
        if x != 0 {
            return Some(end + 7 - x.leading_zeros() as usize / 8);
        }
    }
    chunks.remainder().iter().rposition(|&b| b == u8::MAX)
}

/// The union of ascending `a` (the ids of the tier of code `code_a`) and
/// `b` (those of the tier of code `code_b`, a worse one), each without
/// repeats: ascending and without repeats, with per id its code, `a`'s
/// where it has the id.
fn union_tiers(a: &[u32], code_a: u8, b: &[u32], code_b: u8) -> (Vec<u32>, Vec<u8>) {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut out_codes = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) {
        if x <= y {
            out.push(x);
            out_codes.push(code_a);
            i += 1;
            j += usize::from(x == y);
        } else {
            out.push(y);
            out_codes.push(code_b);
            j += 1;
        }
    }
    let rest_a = a.get(i..).unwrap_or(&[]);
    out.extend_from_slice(rest_a);
    out_codes.resize(out.len(), code_a);
    let rest_b = b.get(j..).unwrap_or(&[]);
    out.extend_from_slice(rest_b);
    out_codes.resize(out.len(), code_b);
    (out, out_codes)
}

/// Of `codes` (one per id of ascending `ids`), those of the ids of `kept`
/// (ascending, a subset of `ids`; [`NO_TIER`] for an id `ids` lacks): one
/// walk of `kept`, `ids` skipped ahead (by a binary search for long jumps).
fn codes_of(codes: &[u8], ids: &[u32], kept: &[u32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(kept.len());
    let mut p = 0;
    for &id in kept {
        p = skip_below(ids, p, id);
        out.push(match (ids.get(p), codes.get(p)) {
            (Some(&x), Some(&c)) if x == id => c,
            _ => NO_TIER,
        });
    }
    out
}

/// The ids of `runs` ascending runs (`ids`, one after the other), ascending
/// and without repeats: merged by a sort (which merges runs) when they are
/// few against the entry count `n`, through a dense set otherwise.
fn union_runs(mut ids: Vec<u32>, runs: usize, n: u32) -> Vec<u32> {
    if runs <= 1 {
        return ids;
    }
    if !merged_densely(ids.len(), runs, n) {
        ids.sort();
        ids.dedup();
        return ids;
    }
    let mut bits = Bits::new(n);
    for &id in &ids {
        bits.set(id);
    }
    bits.to_vec()
}

/// Whether [`union_runs`] merges `count` ids in `runs` runs (of `n`
/// entries) through a dense set rather than by sorting.
fn merged_densely(count: usize, runs: usize, n: u32) -> bool {
    let log = usize::BITS - runs.saturating_sub(1).leading_zeros();
    runs > 1 && count.saturating_mul(log as usize) > n as usize / 64
}

/// The query words' terms looked up so far in one search (one system
/// filter), by (word, typo mode, whole words only).
#[derive(Default)]
struct TermCache(Vec<((String, TypoMode, bool), WordTerms)>);

impl TermCache {
    /// The index of `word`'s terms, looked up on first use.
    fn get(
        &mut self,
        cat: &Catalog,
        word: &str,
        typo: TypoMode,
        whole: bool,
        system: Option<CodeSystem>,
    ) -> Result<usize> {
        if let Some(at) = self
            .0
            .iter()
            .position(|(k, _)| k.0 == word && k.1 == typo && k.2 == whole)
        {
            return Ok(at);
        }
        let terms = cat.word_terms(word, typo, whole, system)?;
        self.0.push(((word.to_owned(), typo, whole), terms));
        Ok(self.0.len() - 1)
    }
}

/// A variant's matches: per distinct slot word its hits, and per
/// candidate the word's best tier there ([`Tier::code`], [`NO_TIER`] when
/// it does not match), per slot the indices of its words' hits, the
/// candidates (ascending) and the entries whose title or inclusion term is
/// the variant's phrase (ascending).
struct VariantHits {
    hits: Vec<WordHits>,
    codes: Vec<Vec<u8>>,
    slot_words: Vec<Vec<usize>>,
    cand: Vec<u32>,
    phrase: Vec<u32>,
}

/// What the ranking of one search has gathered: the best candidates of
/// each variant (score, id, variant), the ids counted (several variants),
/// how many match.
struct Ranked {
    pool: Vec<(i32, u32, usize)>,
    seen: Option<Bits>,
    total: usize,
}

/// The union of ascending `a` and `b` (each without repeats), ascending
/// and without repeats.
fn union_sorted(a: &[u32], b: &[u32]) -> Vec<u32> {
    if a.is_empty() {
        return b.to_vec();
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) {
        if x <= y {
            out.push(x);
            i += 1;
            j += usize::from(x == y);
        } else {
            out.push(y);
            j += 1;
        }
    }
    out.extend_from_slice(a.get(i..).unwrap_or(&[]));
    out.extend_from_slice(b.get(j..).unwrap_or(&[]));
    out
}

/// No tier: the word does not match the candidate (see [`Scorer::codes`]):
/// the code after the last tier's.
const NO_TIER: u8 = TIERS as u8;

impl Tier {
    /// The tier's code in [`Scorer::codes`] (its rank, best first).
    fn code(self) -> u8 {
        self as u8
    }
}

/// Per id of ascending `cand`, the best of `tiers` (in tier order) holding
/// it (its [`Tier::code`]), or [`NO_TIER`]: one merge of each tier's list
/// with the ids (a galloping walk when the list is much the longer).
fn tier_codes(tiers: &[(Tier, Vec<u32>)], cand: &[u32]) -> Vec<u8> {
    let mut codes = vec![NO_TIER; cand.len()];
    // (The tiers are in tier order: the first to hold a candidate is its best.)
    for (t, ids) in tiers {
        let t = t.code();
        if ids.len() > 8 * cand.len() {
            let mut p = 0;
            for (c, &id) in codes.iter_mut().zip(cand) {
                p = skip_below(ids, p, id);
                match ids.get(p) {
                    Some(&x) if x == id => {
                        if *c == NO_TIER {
                            *c = t;
                        }
                    }
                    Some(_) => {}
                    None => break,
                }
            }
            continue;
        }
        let (mut i, mut j) = (0, 0);
        while let (Some(&a), Some(&b)) = (ids.get(i), cand.get(j)) {
            if a < b {
                i += 1;
            } else if a > b {
                j += 1;
            } else {
                if let Some(c) = codes.get_mut(j).filter(|c| **c == NO_TIER) {
                    *c = t;
                }
                i += 1;
                j += 1;
            }
        }
    }
    codes
}

/// The slots of [`Scorer::leads`] and [`Scorer::nos_cover`].
const LEAD_SLOTS: usize = 64;

/// Scores one variant's candidates, visited in ascending id order (by
/// their position in the variant's candidates).
struct Scorer<'a> {
    v: &'a Variant,
    m: &'a VariantHits,
    facts: &'a Facts,
    w: &'a SearchWeights,
    /// Per word hits, per candidate position: the word's best tier there
    /// ([`Tier::code`], [`NO_TIER`] when it does not match).
    codes: &'a [Vec<u8>],
    /// Per tier code: its weight (none: 0), and whether it is a match in
    /// the title.
    tier_weight: [i32; 6],
    in_title: [u32; 6],
    /// Per fact flags (masked) and whether the title has a first word
    /// (bit 6): the most the slots can score (each word at its best tier),
    /// plus what the flags add (the flag part of [`static_score`]), plus
    /// what matching the first word can add ([`Scorer::lead_gain`]).
    flag_bound: [i32; 128],
    /// Per count of title words (below 64): the most the unmatched ones
    /// can take away, at best (no query word, or as many as can be, in
    /// the title).
    unmatched_bound: [i32; 64],
    /// Whether a dictionary token's word is one the query's words match
    /// (the title's first word), computed when needed and kept in the
    /// slot of the token's low bits (`u32::MAX`: empty): titles of a page
    /// start with few distinct words.
    leads: [(u32, bool); LEAD_SLOTS],
    /// Whether the variant covers an "X NOS" term, computed when needed
    /// and kept in the slot of the term's low bits (`u32::MAX`: empty), as
    /// [`Scorer::leads`]: a search scores few entries that have a term.
    nos_cover: [(u32, bool); LEAD_SLOTS],
    /// The facts that count for this variant (see [`Variant::fact_mask`]).
    mask: u8,
}

impl<'a> Scorer<'a> {
    fn new(v: &'a Variant, m: &'a VariantHits, facts: &'a Facts, w: &'a SearchWeights) -> Self {
        let tiers = [
            Tier::TitleExact,
            Tier::TitlePrefix,
            Tier::ExtraExact,
            Tier::ExtraPrefix,
            Tier::Typo,
        ];
        let mut tier_weight = [0; 6];
        let mut in_title = [0; 6];
        for t in tiers {
            let c = usize::from(t.code());
            tier_weight[c] = t.weight(w);
            in_title[c] = u32::from(matches!(
                t,
                Tier::TitleExact | Tier::TitlePrefix | Tier::Typo
            ));
        }
        let mut slots_max = 0;
        let mut in_title_max = 0u32;
        for (s, idxs) in v.slots.iter().zip(&m.slot_words) {
            // (`slot_score` reads every word's best tier: no list needed.)
            let best = idxs.iter().map(|&i| {
                let tiers = m.hits.get(i).map(|h| h.tiers.as_slice()).unwrap_or(&[]);
                if tiers.iter().any(|&(t, some)| {
                    some && matches!(t, Tier::TitleExact | Tier::TitlePrefix | Tier::Typo)
                }) {
                    in_title_max += 1;
                }
                // The best weight the word can have (none: 0).
                tiers
                    .iter()
                    .filter(|(_, some)| *some)
                    .map(|(t, _)| *t)
                    .max_by_key(|t| t.weight(w))
                    .filter(|t| t.weight(w) > 0)
            });
            slots_max += slot_score(s, best, w);
        }
        // Each flag adds its weight (see [`static_score`]): a set of flags
        // adds its lowest flag's weight to the rest's.
        let mut bit = [0; 6];
        for (b, x) in bit.iter_mut().enumerate() {
            *x = static_score(1 << b, 0, 0, false, w);
        }
        let mut flag_score = [0; 64];
        for x in 1..64usize {
            let rest = flag_score.get(x & (x - 1)).copied().unwrap_or(0);
            let low = bit.get(x.trailing_zeros() as usize).copied().unwrap_or(0);
            if let Some(s) = flag_score.get_mut(x) {
                *s = rest + low;
            }
        }
        // (The mask only ever clears the pregnancy-newborn flag, so the
        // "Other" flag of the masked flags is the entry's.)
        let gain = [w.leading.max(0), (w.leading - w.other).max(0)];
        let mut flag_bound = [0; 128];
        let (without, with) = flag_bound.split_at_mut(64);
        for (x, ((a, b), &fs)) in without.iter_mut().zip(with).zip(&flag_score).enumerate() {
            *a = slots_max + fs + w.reporting_code.max(0);
            *b = *a + gain[usize::from(x & usize::from(FACT_OTHER) != 0)];
        }
        let mut unmatched_bound = [0; 64];
        for (words, b) in (0u32..).zip(unmatched_bound.iter_mut()) {
            *b = unmatched_at_best(words, in_title_max, w);
        }
        Scorer {
            v,
            m,
            facts,
            w,
            codes: &m.codes,
            tier_weight,
            in_title,
            flag_bound,
            unmatched_bound,
            leads: [(u32::MAX, false); LEAD_SLOTS],
            nos_cover: [(u32::MAX, false); LEAD_SLOTS],
            mask: v.fact_mask(),
        }
    }

    /// An upper bound of [`Scorer::base`] plus [`Scorer::lead`] for
    /// candidate `id` (`phrase`: its title or an inclusion term is the
    /// variant's phrase): [`Scorer::bound_of_key`] of its key, plus the
    /// phrase weight.
    #[inline]
    fn bound(&self, id: u32, phrase: bool) -> i32 {
        let key = self.facts.bound_keys.get(id as usize).copied().unwrap_or(0);
        self.bound_of_key(key) + if phrase { self.w.phrase } else { 0 }
    }

    /// An upper bound of [`Scorer::base`] plus [`Scorer::lead`] for a
    /// candidate without the phrase, from its facts alone, packed in its
    /// [`bound_key`]: each word at its best tier, the title's first word
    /// matched ([`Scorer::lead_gain`]), the "X NOS" default whenever the
    /// entry has one. Three table reads (see [`Scorer::flag_bound`]).
    #[inline]
    fn bound_of_key(&self, key: u16) -> i32 {
        let key = usize::from(key);
        let at = key & (usize::from(self.mask & 63) | 64);
        let flags = self.flag_bound.get(at).copied().unwrap_or(0);
        let unmatched = self
            .unmatched_bound
            .get((key >> 7) & 63)
            .copied()
            .unwrap_or(0);
        let nos = if key & (1 << 13) != 0 {
            self.w.nos_default.max(0)
        } else {
            0
        };
        flags + unmatched + nos
    }

    /// [`Scorer::bound`] of each of `cand` (without the phrase) with its
    /// position, appended to `out`. (Not inlined: in a function of its
    /// own the tables' addresses are read once, not once a candidate.)
    #[inline(never)]
    fn bound_each(&self, cand: &[u32], out: &mut Vec<(i32, u32)>) {
        let keys = self.facts.bound_keys.as_slice();
        out.extend((0u32..).zip(cand).map(|(pos, &id)| {
            let key = keys.get(id as usize).copied().unwrap_or(0);
            (self.bound_of_key(key), pos)
        }));
    }

    /// The score of candidate `id` (at position `pos` of the candidates;
    /// `phrase` as for [`Scorer::bound`]) without the lead of its title's
    /// first word (see [`Scorer::lead`]) and without favourites.
    #[inline]
    fn base(&mut self, pos: usize, id: u32, f: &EntryFacts, phrase: bool) -> i32 {
        let (v, m, w) = (self.v, self.m, self.w);
        let mut score = 0;
        let mut in_title = 0u32;
        for (s, idxs) in v.slots.iter().zip(&m.slot_words) {
            // (The arithmetic of [`slot_score`], on tier codes.)
            let mut sum = 0i32;
            for &i in idxs {
                let c = self
                    .codes
                    .get(i)
                    .and_then(|c| c.get(pos))
                    .map_or(usize::from(NO_TIER), |&c| usize::from(c));
                sum += self.tier_weight.get(c).copied().unwrap_or(0);
                in_title += self.in_title.get(c).copied().unwrap_or(0);
            }
            let k = idxs.len() as i32;
            let per_word = if k > 0 { sum / k } else { 0 };
            score += if s.synonym.is_some() {
                s.covers as i32 * (per_word + w.synonym)
            } else {
                per_word
            };
        }
        score += static_score(f.flags & self.mask, f.words, in_title, false, w);
        if phrase {
            score += w.phrase;
        }
        if self.facts.nos_bits.has(id) && self.covers_nos(id) {
            score += w.nos_default;
        }
        score
    }

    /// Whether the variant covers an "X NOS" term sending a query to `id`.
    fn covers_nos(&mut self, id: u32) -> bool {
        let (facts, v) = (self.facts, self.v);
        let Some(ks) = facts.nos.get(&id) else {
            return false;
        };
        ks.iter().any(|&k| {
            let slot = self.nos_cover.get_mut(k as usize % LEAD_SLOTS);
            match slot {
                Some(&mut (t, cover)) if t == k => cover,
                slot => {
                    let cover = facts
                        .nos_terms
                        .get(k as usize)
                        .is_some_and(|t| covers_nos(v, t));
                    if let Some(slot) = slot {
                        *slot = (k, cover);
                    }
                    cover
                }
            }
        })
    }

    /// What matching the title's first word adds, at most.
    #[inline]
    fn lead_gain(&self, f: &EntryFacts) -> i32 {
        if f.first == u32::MAX {
            return 0;
        }
        (self.w.leading - self.other(f)).max(0)
    }

    /// What matching the title's first word adds (replacing the "Other"
    /// weight of [`static_score`]).
    fn lead(&mut self, f: &EntryFacts) -> i32 {
        if f.first == u32::MAX {
            return 0;
        }
        let (facts, v) = (self.facts, self.v);
        let slot = self.leads.get_mut(f.first as usize % LEAD_SLOTS);
        let lead = match slot {
            Some(&mut (t, lead)) if t == f.first => lead,
            slot => {
                let lead = facts
                    .tokens
                    .get(f.first as usize)
                    .is_some_and(|tw| leads_with(v, tw));
                if let Some(slot) = slot {
                    *slot = (f.first, lead);
                }
                lead
            }
        };
        if lead {
            self.w.leading - self.other(f)
        } else {
            0
        }
    }

    #[inline]
    fn other(&self, f: &EntryFacts) -> i32 {
        if f.flags & FACT_OTHER != 0 {
            self.w.other
        } else {
            0
        }
    }
}
/// The page of `scored` (sorted: score, shorter description, code) the
/// options ask for, with its spans.
fn page(
    mut scored: Vec<Scored>,
    variants: &[Variant],
    opts: &SearchOptions,
    total: usize,
) -> SearchResults {
    // Ties in the order of base entry ids: shorter description, then code.
    scored.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(a.desc_len.cmp(&b.desc_len))
            .then(a.entry.code.cmp(&b.entry.code))
            .then(a.entry.system.cmp(&b.entry.system))
    });
    let page: Vec<Scored> = scored
        .into_iter()
        .skip(opts.offset)
        .take(opts.limit)
        .collect();
    // (One finder a variant: a page's entries mostly share one.)
    let mut finder: Option<(usize, SpanFinder<'_>)> = None;
    let spans = page
        .iter()
        .map(|s| {
            if finder.as_ref().is_some_and(|(vi, _)| *vi != s.variant) {
                finder = None;
            }
            let (_, f) =
                finder.get_or_insert_with(|| (s.variant, SpanFinder::new(&variants[s.variant])));
            f.spans(&s.entry.description)
        })
        .collect();
    SearchResults {
        mode: if total > 0 {
            SearchMode::Words
        } else {
            SearchMode::None
        },
        entries: page.into_iter().map(|s| s.entry).collect(),
        total,
        offset: opts.offset,
        spans,
        notice: None,
    }
}

/// Whether and how a query word may be misspelt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TypoMode {
    /// Only as typed.
    Off,
    /// Whole words within the typo budget.
    Whole,
    /// Also words that start within the typo budget (as-you-type).
    Prefix,
}

impl TypoMode {
    fn on(self) -> bool {
        self != TypoMode::Off
    }

    /// The typo rules of query word `q` in this mode (`None` when off).
    fn rules(self, q: &str) -> Option<fuzzy::TypoWord> {
        match self {
            TypoMode::Off => None,
            TypoMode::Whole => Some(fuzzy::TypoWord::new(q, false)),
            TypoMode::Prefix => Some(fuzzy::TypoWord::new(q, fuzzy::prefix_mode(q))),
        }
    }
}

/// One required part of a query variant: a query word, or the words of a
/// synonym expansion standing for `covers` query words.
#[derive(Debug, Clone)]
struct Slot {
    words: Vec<String>,
    covers: usize,
    /// What the user typed that the slot stands for: the word, or the
    /// synonym term (see [`MatchSpan::term`]).
    term: Arc<str>,
    /// The synonym expansion, for a synonym slot.
    synonym: Option<Arc<str>>,
    typo: TypoMode,
    /// Per word, its typo rules prepared (empty when `typo` is off).
    fuzzy: Vec<fuzzy::TypoWord>,
    /// Whether the words match whole words only (a synonym's expansion, a
    /// number the user has finished typing), not as prefixes.
    whole: bool,
}

impl Slot {
    /// Whether word `i` of the slot matches `word` within the typo budget
    /// (never when the slot's typo mode is off).
    fn typo_match(&self, i: usize, word: &str) -> bool {
        self.fuzzy
            .get(i)
            .is_some_and(|m| m.matches(word.as_bytes()))
    }
}

/// The query as typed, or with synonym terms replaced by expansions.
#[derive(Debug, Clone)]
struct Variant {
    slots: Vec<Slot>,
    /// The variant's whole text, folded, for whole-title matches.
    phrase: String,
}

impl Variant {
    /// Whether a slot matches through the synonym list.
    fn via_synonym(&self) -> bool {
        self.slots.iter().any(|s| s.synonym.is_some())
    }

    /// The entry facts that count for this variant: all of them, except the
    /// pregnancy or newborn chapter when a word names one.
    fn fact_mask(&self) -> u8 {
        let named = self
            .slots
            .iter()
            .flat_map(|s| &s.words)
            .any(|q| names_pregnancy_newborn(q));
        if named {
            !FACT_PREGNANCY_NEWBORN
        } else {
            !0
        }
    }
}

/// A ranked candidate: score, entry, variant that found it.
#[derive(Debug, Clone)]
struct Scored {
    score: i32,
    entry: Entry,
    variant: usize,
    desc_len: usize,
}

impl Catalog {
    /// This catalog with `list` added to the synonyms search uses (the
    /// shipped list, or whatever was set before): an entry of `list` replaces
    /// earlier entries of the same term for overlapping systems.
    ///
    /// # Example
    /// ```
    /// use procode::{Catalog, SearchOptions, SynonymList};
    /// let mine = SynonymList::parse(
    ///     "term\texpansions\tkind\tsystems\tsource\n\
    ///      pep talk\tcounseling\tlay\thcpcs\tour front desk's word\n",
    /// ).unwrap();
    /// let cat = Catalog::embedded().unwrap().with_synonyms(&mine);
    /// assert!(!cat.search("pep talk", &SearchOptions::default()).unwrap().is_empty());
    /// ```
    pub fn with_synonyms(&self, list: &SynonymList) -> Catalog {
        let mut merged = (*self.search.synonyms).clone();
        merged.extend_with(list);
        let mut c = self.clone();
        c.search.synonyms = Arc::new(merged);
        c
    }

    /// This catalog using exactly `list` as its synonyms (not the shipped
    /// list): an empty list turns synonyms off.
    pub fn with_only_synonyms(&self, list: &SynonymList) -> Catalog {
        let mut c = self.clone();
        c.search.synonyms = Arc::new(list.clone());
        c
    }

    /// [`Catalog::with_synonyms`] with a synonym file.
    ///
    /// # Errors
    /// [`CatalogError::Synonyms`] with the line that is wrong.
    pub fn with_synonyms_file(&self, path: impl AsRef<std::path::Path>) -> Result<Catalog> {
        let list = SynonymList::from_path(path.as_ref())?;
        Ok(self.with_synonyms(&list))
    }

    /// This catalog ranking word searches with `weights`.
    pub fn with_search_weights(&self, weights: SearchWeights) -> Catalog {
        let mut c = self.clone();
        c.search.weights = weights;
        c
    }

    /// [`Catalog::with_search_weights`] with a weights file (see
    /// [`SearchWeights::parse`]).
    ///
    /// # Errors
    /// [`CatalogError::SearchWeights`] with the line that is wrong.
    pub fn with_search_weights_file(&self, path: impl AsRef<std::path::Path>) -> Result<Catalog> {
        Ok(self.with_search_weights(SearchWeights::from_path(path.as_ref())?))
    }

    /// The synonyms search uses.
    pub fn synonyms(&self) -> &SynonymList {
        &self.search.synonyms
    }

    /// The ranking weights search uses.
    pub fn search_weights(&self) -> &SearchWeights {
        &self.search.weights
    }

    /// One search for the typeahead box (the ranking rules are in the README's
    /// "Search semantics" section; their weights are tunable): a page of `opts.limit` results after `opts.offset`,
    /// the total, the mode, match spans, and a notice for CPT-shaped queries.
    ///
    /// # Errors
    /// [`CatalogError::QueryTooLong`] for more than [`MAX_QUERY_WORDS`]
    /// words; a damaged index's errors.
    pub fn search(&self, query: &str, opts: &SearchOptions) -> Result<SearchResults> {
        match self.find_page(query, opts)? {
            Found::Ranked(found) => Ok(found),
            Found::Codes(page) => page.into_owned(),
        }
    }

    /// The one search behind [`Catalog::search`] and
    /// [`Catalog::search_refs`]: a code-shaped query's page of codes,
    /// borrowed from the index, or a ranked page (words, then typos).
    pub(super) fn find_page(&self, query: &str, opts: &SearchOptions) -> Result<Found<'_>> {
        let notice = cpt_notice(query, opts.system);
        if opts.limit == 0 {
            let none = SearchResults::empty(SearchMode::None, opts.offset, notice);
            return Ok(Found::Ranked(none));
        }
        if let Some(prefix) = Code::from_search_query(query, opts.system) {
            let (entries, total) = self.code_prefix_refs(&prefix, opts)?;
            if total > 0 {
                return Ok(Found::Codes(SearchRefs {
                    mode: SearchMode::CodePrefix,
                    spans: vec![Vec::new(); entries.len()],
                    entries,
                    total,
                    offset: opts.offset,
                    notice,
                }));
            }
        }
        self.search_words(query, opts, notice).map(Found::Ranked)
    }

    /// The ranked search of a query that is not a code (or matches no
    /// code): its words, then its words with typos.
    fn search_words(
        &self,
        query: &str,
        opts: &SearchOptions,
        notice: Option<SearchNotice>,
    ) -> Result<SearchResults> {
        let words = query_words(query);
        if words.is_empty() {
            return Ok(SearchResults::empty(SearchMode::None, opts.offset, notice));
        }
        if words.len() > MAX_QUERY_WORDS {
            return Err(CatalogError::QueryTooLong {
                words: words.len(),
                max: MAX_QUERY_WORDS,
            });
        }
        let variants = self.variants(&words, opts.system);
        let found = self.run(&variants, opts)?;
        if found.total > 0 {
            return Ok(SearchResults {
                mode: SearchMode::Words,
                notice,
                ..found
            });
        }
        // Two words written as one ("preeclampsia" for "pre-eclampsia").
        if let Some(found) = self.search_compounds(&words, opts)? {
            return Ok(SearchResults {
                mode: SearchMode::Words,
                notice,
                ..found
            });
        }
        // Typos: first only in the words that match nothing as typed, then
        // in every word that may be misspelt.
        let synonym_terms: HashSet<&str> = variants
            .iter()
            .flat_map(|v| v.slots.iter())
            .filter(|s| s.synonym.is_some())
            .flat_map(|s| s.term.split(' '))
            .collect();
        let may_typo = |w: &str| {
            w.len() >= 4 && w.bytes().all(|b| b.is_ascii_alphabetic()) && !synonym_terms.contains(w)
        };
        let mut unmatched = Vec::with_capacity(words.len());
        for w in &words {
            unmatched.push(may_typo(w) && !self.has_prefix(w)?);
        }
        let eligible: Vec<bool> = words.iter().map(|w| may_typo(w)).collect();
        let mut passes = Vec::new();
        if unmatched.iter().any(|&u| u) && unmatched != eligible {
            passes.push(unmatched);
        }
        if eligible.iter().any(|&e| e) {
            passes.push(eligible);
        }
        // One cache for the typo passes: they look the same words up again.
        let mut cache = TermCache::default();
        for mode in [TypoMode::Whole, TypoMode::Prefix] {
            for typo in &passes {
                let direct = Variant {
                    slots: direct_slots(&words, typo, mode),
                    phrase: words.join(" "),
                };
                let found = self.run_cached(std::slice::from_ref(&direct), opts, &mut cache)?;
                if found.total > 0 {
                    return Ok(SearchResults {
                        mode: SearchMode::Typo,
                        notice,
                        ..found
                    });
                }
            }
        }
        // No entry has every word, as typed or misspelt ("hyaluronic acid
        // knee"): the entries of all the words but one, said in the notice.
        if let Some(found) = self.search_all_but_one(&words, opts)? {
            return Ok(SearchResults {
                mode: SearchMode::Words,
                notice: notice.or(Some(SearchNotice::NotEveryWord)),
                ..found
            });
        }
        Ok(SearchResults::empty(SearchMode::None, opts.offset, notice))
    }

    /// The query without one of its words, tried only when no entry matches
    /// every word: of the words a query must match (not [`SMALL_WORDS`]),
    /// the one whose absence leaves the fewest entries is left out (the
    /// words kept are then the most specific ones: "hyaluronic acid knee"
    /// keeps "hyaluronic acid"); ties drop the later word. `None` for fewer
    /// than two such words, or when no single drop finds anything.
    fn search_all_but_one(
        &self,
        words: &[String],
        opts: &SearchOptions,
    ) -> Result<Option<SearchResults>> {
        let required: Vec<usize> = (0..words.len())
            .filter(|&i| !SMALL_WORDS.contains(&words[i].as_str()))
            .collect();
        if required.len() < 2 {
            return Ok(None);
        }
        let mut best: Option<SearchResults> = None;
        for &drop in required.iter().rev() {
            let rest: Vec<String> = (0..words.len())
                .filter(|&i| i != drop)
                .map(|i| words[i].clone())
                .collect();
            let found = self.run(&self.variants(&rest, opts.system), opts)?;
            if found.total > 0 && best.as_ref().is_none_or(|b| found.total < b.total) {
                best = Some(found);
            }
        }
        Ok(best)
    }

    /// The query with two words written as one split ("preeclampsia" →
    /// "pre eclampsia"), kept only when a title found has the two words side
    /// by side; `None` when nothing splits or nothing is kept.
    fn search_compounds(
        &self,
        words: &[String],
        opts: &SearchOptions,
    ) -> Result<Option<SearchResults>> {
        let Some((split, cuts)) = self.split_compounds(words, opts.system)? else {
            return Ok(None);
        };
        let found = self.run(&self.variants(&split, opts.system), opts)?;
        let side_by_side = |e: &Entry| {
            let mut ws = Vec::new();
            let mut buf = String::new();
            for_each_word(&e.description, &mut buf, |x| ws.push(x.to_owned()));
            cuts.iter().all(|&i| {
                let (a, b) = (&split[i], &split[i + 1]);
                ws.windows(2)
                    .any(|p| p[0] == *a && p[1].starts_with(b.as_str()))
            })
        };
        Ok((found.total > 0 && found.entries.iter().any(side_by_side)).then_some(found))
    }

    /// The synonym terms of the query (longest first, left to right): start,
    /// word count, expansions, term.
    fn synonym_spans(
        &self,
        words: &[String],
        system: Option<CodeSystem>,
    ) -> Vec<(usize, usize, Vec<String>, String)> {
        let syn = &self.search.synonyms;
        let max = syn.max_term_words();
        let mut i = 0;
        let mut spans = Vec::new();
        while i < words.len() {
            let mut took = 1;
            for len in (1..=max.min(words.len() - i)).rev() {
                let term = words[i..i + len].join(" ");
                let lookup = |t: &str| -> Vec<String> {
                    syn.entries_for(t, system)
                        .flat_map(|e| e.expansions.iter().cloned())
                        .collect()
                };
                let mut exps = lookup(&term);
                // A plural of a listed term ("bed sores", "leg cramps").
                if exps.is_empty() && term.len() >= 4 && term.ends_with('s') {
                    exps = lookup(&term[..term.len() - 1]);
                }
                if !exps.is_empty() {
                    spans.push((i, len, exps, term));
                    took = len;
                    break;
                }
            }
            i += took;
        }
        spans
    }

    /// The query as typed, and with each synonym term of the list (longest
    /// first, left to right) replaced by each of its expansions.
    fn variants(&self, words: &[String], system: Option<CodeSystem>) -> Vec<Variant> {
        let none = vec![false; words.len()];
        let mut out = vec![Variant {
            slots: direct_slots(words, &none, TypoMode::Off),
            phrase: words.join(" "),
        }];
        let spans = self.synonym_spans(words, system);
        let build = |choice: &[(usize, usize, &str, &str)]| {
            let mut slots = Vec::new();
            let mut phrase: Vec<&str> = Vec::new();
            let mut k = 0;
            while k < words.len() {
                if let Some(&(_, len, exp, term)) = choice.iter().find(|c| c.0 == k) {
                    let ws: Vec<String> = exp
                        .split(' ')
                        .filter(|w| !SMALL_WORDS.contains(w))
                        .map(str::to_owned)
                        .collect();
                    phrase.push(exp);
                    if !ws.is_empty() {
                        slots.push(Slot {
                            words: ws,
                            covers: len,
                            term: Arc::from(term),
                            synonym: Some(Arc::from(exp)),
                            typo: TypoMode::Off,
                            fuzzy: Vec::new(),
                            whole: true,
                        });
                    }
                    k += len;
                } else {
                    phrase.push(&words[k]);
                    if !SMALL_WORDS.contains(&words[k].as_str()) {
                        slots.push(Slot {
                            words: vec![words[k].clone()],
                            covers: 1,
                            term: Arc::from(words[k].as_str()),
                            synonym: None,
                            typo: TypoMode::Off,
                            fuzzy: Vec::new(),
                            whole: finished_number(words, k),
                        });
                    }
                    k += 1;
                }
            }
            Variant {
                slots,
                phrase: phrase.join(" "),
            }
        };
        for (start, len, exps, term) in &spans {
            for x in exps {
                if out.len() >= MAX_VARIANTS {
                    break;
                }
                out.push(build(&[(*start, *len, x.as_str(), term.as_str())]));
            }
        }
        if spans.len() > 1 && out.len() < MAX_VARIANTS {
            let all: Vec<(usize, usize, &str, &str)> = spans
                .iter()
                .map(|(s, l, x, t)| (*s, *l, x[0].as_str(), t.as_str()))
                .collect();
            out.push(build(&all));
        }
        out.retain(|v| !v.slots.is_empty());
        out
    }

    /// Ranks the matches of every variant and cuts the page.
    fn run(&self, variants: &[Variant], opts: &SearchOptions) -> Result<SearchResults> {
        self.run_cached(variants, opts, &mut TermCache::default())
    }

    /// [`Catalog::run`] with the terms of the words looked up so far in this
    /// search (same system filter).
    fn run_cached(
        &self,
        variants: &[Variant],
        opts: &SearchOptions,
        cache: &mut TermCache,
    ) -> Result<SearchResults> {
        let facts = self.facts()?;
        let keep = opts.offset.saturating_add(opts.limit);
        let mut found = Vec::with_capacity(variants.len());
        for (vi, v) in variants.iter().enumerate() {
            if let Some(m) = self.variant_hits(v, facts, opts, cache)? {
                found.push((vi, v, m));
            }
        }
        // An entry is counted once however many variants find it (no set
        // to build when only one variant finds anything).
        let mut acc = Ranked {
            pool: Vec::new(),
            seen: (found.len() > 1).then(|| Bits::new(self.index.len())),
            total: 0,
        };
        for (vi, v, m) in &found {
            self.rank_variant(v, *vi, m, facts, opts, keep, &mut acc)?;
        }
        // Best variant per entry (an entry of the best `keep` is in the heap
        // of the variant that scores it best).
        let mut pool = acc.pool;
        pool.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        if found.len() > 1 {
            // (Only several variants can find an entry twice.)
            let mut taken = HashSet::new();
            pool.retain(|p| taken.insert(p.1));
        }
        pool.truncate(keep);
        let mut scored: Vec<Scored> = Vec::with_capacity(pool.len());
        for (score, id, variant) in pool {
            let entry = self.index.entry_on(id, opts.as_of)?;
            scored.push(Scored {
                score,
                desc_len: entry.description.len(),
                entry,
                variant,
            });
        }
        let total = acc.total + self.overlay_matches(variants, opts, &mut scored);
        Ok(page(scored, variants, opts, total))
    }

    /// A variant's words' matches, the words with the shortest posting lists
    /// first (later words are only looked up for the candidates the earlier
    /// ones left); `None` when some word matches nothing. The candidates are
    /// only entries the options' system and billable filters keep: a small
    /// system's entries are the first candidates when they are fewer than
    /// the first word's ids, else the first word's ids are filtered.
    ///
    /// About 100 lines, kept whole on purpose: the words' posting lists, the
    /// candidate set and the term cache are threaded through one pass (the
    /// hot path of every word search); split, each part would take and hand
    /// back the same half-dozen borrowed buffers.
    fn variant_hits(
        &self,
        v: &Variant,
        facts: &Facts,
        opts: &SearchOptions,
        cache: &mut TermCache,
    ) -> Result<Option<VariantHits>> {
        let mut slot_words: Vec<Vec<usize>> = Vec::with_capacity(v.slots.len());
        let mut keys: Vec<(&str, TypoMode, bool)> = Vec::new();
        for s in &v.slots {
            let mut idxs = Vec::with_capacity(s.words.len());
            for word in &s.words {
                let key = (word.as_str(), s.typo, s.whole);
                let at = keys.iter().position(|k| *k == key).unwrap_or_else(|| {
                    keys.push(key);
                    keys.len() - 1
                });
                idxs.push(at);
            }
            slot_words.push(idxs);
        }
        let mut terms = Vec::with_capacity(keys.len());
        for &(word, typo, whole) in &keys {
            terms.push(cache.get(self, word, typo, whole, opts.system)?);
        }
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by_key(|&k| cache.0[terms[k]].1.bytes);
        let mut hits: Vec<Option<WordHits>> = (0..keys.len()).map(|_| None).collect();
        let kept = |id: &u32| {
            facts
                .entries
                .get(*id as usize)
                .is_some_and(|f| f.kept_by(opts))
        };
        let mut cand: Option<Vec<u32>> = None;
        if let (Some(sys), Some(&first)) = (opts.system, order.first()) {
            let ids = facts.system_ids(sys);
            // (A list holds about one id a byte.)
            if ids.len() < cache.0[terms[first]].1.bytes {
                cand = Some(ids.iter().copied().filter(kept).collect());
            }
        }
        // Per word sought so far, how to tell its tiers, and (for codes per
        // candidate) the candidates after it: `sets[i]`.
        let mut codes: Vec<Option<(usize, TierIds)>> = (0..keys.len()).map(|_| None).collect();
        let mut sets: Vec<Vec<u32>> = Vec::with_capacity(keys.len());
        for &k in &order {
            let wt = &cache.0[terms[k]].1;
            let mut h = match &cand {
                Some(c) if c.is_empty() => return Ok(None),
                c => self.word_hits(wt, c.as_deref(), facts, opts)?,
            };
            // (The ids become the candidates: the ranking reads the codes.)
            let any = std::mem::take(&mut h.any);
            let own = std::mem::replace(&mut h.codes, TierIds::Codes(Vec::new()));
            if let Some(prev) = cand.replace(any) {
                sets.push(prev);
            }
            codes[k] = Some((sets.len(), own));
            hits[k] = Some(h);
        }
        let Some(cand) = cand.filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        let hits: Vec<WordHits> = hits.into_iter().flatten().collect();
        // (A word sought before the last ones left fewer candidates has its
        // codes read for those left.)
        let codes: Vec<Vec<u8>> = codes
            .into_iter()
            .flatten()
            .map(|(at, own)| match (own, sets.get(at)) {
                (TierIds::Lists(tiers), _) => tier_codes(&tiers, &cand),
                (TierIds::Codes(own), Some(ids)) if ids.len() != cand.len() => {
                    codes_of(&own, ids, &cand)
                }
                (TierIds::Codes(own), _) => own,
            })
            .collect();
        // (A title or inclusion term is made of whole words: a phrase with
        // a word that is only the start of some names none, and is not
        // looked up.)
        let whole = |w: &str| {
            keys.iter()
                .position(|k| k.0 == w)
                .and_then(|k| terms.get(k))
                .is_none_or(|&t| cache.0.get(t).is_none_or(|c| c.1.whole))
        };
        let named = v.phrase.split(' ').all(whole);
        let mut phrase = if named {
            self.phrase_ids(&v.phrase)?
        } else {
            Vec::new()
        };
        // A billable "Unspecified X" (H40.9 "Unspecified glaucoma") is the
        // whole of what an unqualified X names, as "X, unspecified" is.
        let mut general = if named {
            self.phrase_ids(&unspecified_form(&v.phrase))?
        } else {
            Vec::new()
        };
        general.retain(|&id| {
            facts
                .entries
                .get(id as usize)
                .is_some_and(|f| f.flags & FACT_BILLABLE != 0)
        });
        let mut merge = !general.is_empty();
        phrase.append(&mut general);
        // The phrase with a misspelt word corrected ("hypertention" → I10's
        // inclusion term "hypertension"), one word at a time.
        // (Nothing is built for a search without corrections.)
        for (k, &(word, _, _)) in keys.iter().enumerate() {
            for fix in &cache.0[terms[k]].1.fixes {
                let alt: Vec<&str> = v
                    .phrase
                    .split(' ')
                    .map(|w| if w == word { fix.as_str() } else { w })
                    .collect();
                phrase.extend(self.phrase_ids(&alt.join(" "))?);
                merge = true;
            }
        }
        if merge {
            phrase.sort_unstable();
            phrase.dedup();
        }
        if v.via_synonym() {
            // A header is findable by its own title as typed, not through a
            // synonym: "gerd" → K21.9 before the header K21 "Gastro-esophageal
            // reflux disease".
            phrase.retain(|&id| {
                facts
                    .entries
                    .get(id as usize)
                    .is_some_and(|f| f.flags & FACT_BILLABLE != 0)
            });
        }
        Ok(Some(VariantHits {
            hits,
            codes,
            slot_words,
            cand,
            phrase,
        }))
    }

    /// Scores a variant's candidates and keeps the best `keep` in `acc`
    /// (counting every candidate the filters pass in `acc.total`).
    #[allow(clippy::too_many_arguments)]
    fn rank_variant(
        &self,
        v: &Variant,
        vi: usize,
        m: &VariantHits,
        facts: &Facts,
        opts: &SearchOptions,
        keep: usize,
        acc: &mut Ranked,
    ) -> Result<()> {
        let w = &self.search.weights;
        let mut scorer = Scorer::new(v, m, facts, w);
        // First every candidate the options keep is counted and bounded
        // from its facts (ascending ids: the phrase's ids are merged in).
        let mut bounded: Vec<(i32, u32)> = Vec::with_capacity(m.cand.len());
        // The same pass without what the usual search lacks (a date, other
        // variants finding the same entries, the phrase, favourites).
        let plain = opts.as_of.is_none()
            && acc.seen.is_none()
            && m.phrase.is_empty()
            && self.favourite_ids.is_empty();
        // Per candidate, whether its title is the phrase (none without one).
        let mut phrase = if m.phrase.is_empty() {
            Vec::new()
        } else {
            vec![false; m.cand.len()]
        };
        let mut phrase_at = 0;
        if plain {
            // (The candidates are kept by the options already: see
            // [`Catalog::variant_hits`].)
            // (Every candidate has a key: its id is an entry's.)
            scorer.bound_each(&m.cand, &mut bounded);
            acc.total += bounded.len();
        } else {
            for (pos, &id) in (0u32..).zip(&m.cand) {
                if !facts
                    .entries
                    .get(id as usize)
                    .is_some_and(|f| f.kept_by(opts))
                {
                    continue;
                }
                if let Some(d) = opts.as_of {
                    if !self.index.meta(id)?.valid_on(d) {
                        continue;
                    }
                }
                if acc.seen.as_mut().is_none_or(|s| s.insert(id)) {
                    acc.total += 1;
                }
                let mut ph = false;
                if let Some(p) = phrase.get_mut(pos as usize) {
                    phrase_at = skip_below(&m.phrase, phrase_at, id);
                    ph = m.phrase.get(phrase_at) == Some(&id);
                    *p = ph;
                }
                let bound = scorer.bound(id, ph) + self.favourite(id);
                bounded.push((bound, pos));
            }
        }
        // Then the candidates of the best bounds are scored first, and the
        // others only when their bound can still enter the best `keep`
        // (score, then the lower id): few are scored at all.
        // The seeds: the best `keep` bounds, kept apart while they are
        // found for a small page (best first; a seed of the `keep`-th bound
        // is marked `i32::MAX` in `bounded`, ascending by position, so the
        // rest leave it), else every bound from the `keep`-th up. The rest:
        // the other bounds.
        let mut top = [(0, 0); SEEDS];
        let (least, apart) = best_bounds(&bounded, keep, &mut top);
        let apart = if least < i32::MAX { apart } else { 0 };
        let top = top.get(..apart).unwrap_or(&[]);
        for &(_, pos) in top.iter().filter(|t| t.0 == least) {
            let at = bounded.binary_search_by_key(&pos, |x| x.1).ok();
            if let Some(x) = at.and_then(|i| bounded.get_mut(i)) {
                x.0 = i32::MAX;
            }
        }
        let (scan, rest_below) = if apart > 0 {
            (&[][..], least + 1)
        } else {
            (&bounded[..], least)
        };
        let seeds = top
            .iter()
            .rev()
            .filter(|t| t.1 != u32::MAX)
            .copied()
            .chain(scan.iter().filter(|b| b.0 >= least).copied());
        let rest = bounded.iter().filter(|b| b.0 < rest_below).copied();
        let mut heap: BinaryHeap<Reverse<(i32, Reverse<u32>)>> =
            BinaryHeap::with_capacity(keep.min(1 << 12) + 1);
        // The least of the page once it is full (score, id).
        let mut floor: Option<(i32, Reverse<u32>)> = None;
        // (Folded, not stepped: the chained passes run as two plain loops.)
        seeds.chain(rest).for_each(|(bound, pos)| {
            // (A bound below the least score of a full page is passed over
            // before anything is read.)
            if floor.is_some_and(|(ms, _)| bound < ms) {
                return;
            }
            let pos = pos as usize;
            let Some(&id) = m.cand.get(pos) else {
                return;
            };
            let ph = phrase.get(pos).copied().unwrap_or(false);
            let Some(f) = facts.entries.get(id as usize) else {
                return;
            };
            let min = floor;
            let enters =
                |s: i32| min.is_none_or(|(ms, Reverse(mid))| s > ms || (s == ms && id < mid));
            if !enters(bound) {
                return;
            }
            // (The title's first word, a cached look-up, comes first: it
            // often leaves the bound too low to score the words.)
            let lead = scorer.lead(f);
            if !enters(bound - scorer.lead_gain(f) + lead) {
                return;
            }
            let score = scorer.base(pos, id, f, ph) + self.favourite(id) + lead;
            if !enters(score) {
                return;
            }
            if min.is_some() {
                heap.pop();
            }
            heap.push(Reverse((score, Reverse(id))));
            if heap.len() >= keep {
                floor = heap.peek().map(|r| r.0);
            }
        });
        acc.pool.extend(
            heap.into_iter()
                .map(|Reverse((s, Reverse(id)))| (s, id, vi)),
        );
        Ok(())
    }

    /// The favourite weight of base entry `id` (0 when not a favourite).
    #[inline]
    fn favourite(&self, id: u32) -> i32 {
        if self.favourite_ids.binary_search(&id).is_ok() {
            self.search.weights.favourite
        } else {
            0
        }
    }

    /// Scores the overlay's custom entries (by brute force: an overlay is
    /// small) into `scored`; returns how many match.
    fn overlay_matches(
        &self,
        variants: &[Variant],
        opts: &SearchOptions,
        scored: &mut Vec<Scored>,
    ) -> usize {
        let w = &self.search.weights;
        let mut total = 0;
        for e in self.overlay.custom.values() {
            if opts.system.is_some_and(|s| s != e.system)
                || opts.as_of.is_some_and(|d| !e.is_valid_on(d))
                || (opts.billable_only && !e.billable)
            {
                continue;
            }
            let fav = self.overlay.favourites.contains(&(e.system, e.code));
            let mut best: Option<(i32, usize)> = None;
            for (vi, v) in variants.iter().enumerate() {
                if let Some(s) = overlay_score(e, v, fav, w) {
                    if best.is_none_or(|b| s > b.0) {
                        best = Some((s, vi));
                    }
                }
            }
            if let Some((score, variant)) = best {
                total += 1;
                scored.push(Scored {
                    score,
                    desc_len: e.description.len(),
                    entry: e.clone(),
                    variant,
                });
            }
        }
        total
    }

    /// The per-entry facts of the base index, computed on first use.
    ///
    /// About 85 lines, kept whole on purpose: one pass over the entries
    /// computes every fact (flags, title facts, systems) so the index is
    /// read once; the rules it applies each live in their own function.
    fn facts(&self) -> Result<&Facts> {
        let r = self.search.facts.get_or_init(|| {
            let build = || -> Result<Facts> {
                let n = self.index.len();
                // Per dictionary token: its word and parentheses.
                let nt = self.index.token_count();
                let mut infos = Vec::with_capacity(nt as usize);
                for t in 0..nt {
                    infos.push(TokenInfo::of(self.index.token(t)?));
                }
                let general = self.titles_saying(&GENERAL)?;
                let extension = self.titles_saying(&OTHER_EXTENSION)?;
                let mut entries = Vec::with_capacity(n as usize);
                let mut toks = Vec::new();
                for id in 0..n {
                    let (tag, f) = self.index.tag_flags(id)?;
                    let mut flags = 0;
                    if f & format::F_BILLABLE != 0 {
                        flags |= FACT_BILLABLE;
                    }
                    if f & format::F_TERMINATED != 0 {
                        flags |= FACT_TERMINATED;
                    }
                    if general.has(id) {
                        flags |= FACT_GENERAL;
                    }
                    if extension.has(id) {
                        flags |= FACT_EXTENSION;
                    }
                    if self.index.is_reporting(id)? {
                        flags |= FACT_REPORTING;
                    }
                    if CodeSystem::from_u8(tag).is_some_and(|s| {
                        self.index
                            .code_bytes(id)
                            .is_ok_and(|c| pregnancy_newborn_code(s, c))
                    }) {
                        flags |= FACT_PREGNANCY_NEWBORN;
                    }
                    toks.clear();
                    self.index.title_tokens(id, &mut toks)?;
                    let t = TitleFacts::of(
                        toks.iter()
                            .filter_map(|&t| infos.get(t as usize).map(|i| (t, i))),
                    );
                    if t.first_is_other {
                        flags |= FACT_OTHER;
                    }
                    entries.push(EntryFacts {
                        tag,
                        flags,
                        words: t.words,
                        first: t.first,
                    });
                }
                let tokens = infos.into_iter().map(|i| i.word).collect();
                let mut by_system: Vec<Vec<u32>> = Vec::new();
                for (id, f) in entries.iter().enumerate() {
                    let tag = usize::from(f.tag);
                    if by_system.len() <= tag {
                        by_system.resize(tag + 1, Vec::new());
                    }
                    if let Some(ids) = by_system.get_mut(tag) {
                        ids.push(id as u32);
                    }
                }
                let (nos_terms, nos) = self.nos_defaults(&entries)?;
                let mut nos_bits = Bits::new(n);
                for &id in nos.keys() {
                    nos_bits.set(id);
                }
                let bound_keys = (0u32..)
                    .zip(&entries)
                    .map(|(id, f)| bound_key(f, nos_bits.has(id)))
                    .collect();
                Ok(Facts {
                    bound_keys,
                    entries,
                    tokens,
                    nos_terms,
                    nos,
                    nos_bits,
                    dense: self.dense_sets()?,
                    by_system,
                })
            };
            build().map_err(|e| e.to_string())
        });
        r.as_ref()
            .map_err(|m| CatalogError::Corrupt { what: m.clone() })
    }

    /// The ICD-10-CM tabular list's defaults: every inclusion or includes
    /// term "X NOS" or "X (a) (b)" (the words of X, folded, parenthesised
    /// words and small words left out) and the entries it sends an
    /// unqualified X to: the code
    /// holding the term when billable, else (a category) its general billable
    /// codes of the shortest length below it (E11 "diabetes NOS" → E11.9).
    fn nos_defaults(&self, entries: &[EntryFacts]) -> Result<NosDefaults> {
        use procode_index::import::tabular::{NoteKind, Place};
        let mut terms: Vec<Vec<String>> = Vec::new();
        let mut map: procode_index::index::FastMap<u32, Vec<u32>> = Default::default();
        let Some(view) = self.tabular_view()? else {
            return Ok((terms, map));
        };
        let bad = |e: procode_index::import::tabular::DecodeError| super::structure::decode_err(e);
        for i in 0..view.node_count() {
            let blocks = view
                .notes_of_kinds(Place::Node(i), |k| {
                    matches!(k, NoteKind::InclusionTerm | NoteKind::Includes)
                })
                .map_err(bad)?;
            let words: Vec<Vec<String>> = blocks
                .iter()
                .flat_map(|b| b.notes.iter())
                .flat_map(|(text, _)| nos_word_lists(text))
                .collect();
            if words.is_empty() {
                continue;
            }
            let code = view.node(i).map_err(bad)?.code;
            let targets = self.nos_targets(&code, entries)?;
            for w in words {
                let k = terms.iter().position(|t| *t == w).unwrap_or_else(|| {
                    terms.push(w);
                    terms.len() - 1
                }) as u32;
                for &id in &targets {
                    let v = map.entry(id).or_default();
                    if !v.contains(&k) {
                        v.push(k);
                    }
                }
            }
        }
        Ok((terms, map))
    }

    /// The entries an "X NOS" term of ICD-10-CM `code` sends a query to (see
    /// [`Catalog::nos_defaults`]).
    fn nos_targets(&self, code: &Code, entries: &[EntryFacts]) -> Result<Vec<u32>> {
        let tag = CodeSystem::Icd10Cm.to_u8();
        let lo = code.as_bytes().to_vec();
        let mut hi = lo.clone();
        if let Some(last) = hi.last_mut() {
            *last += 1;
        }
        let mut found: Vec<(usize, u32)> = Vec::new();
        let mut stream = self.index.codes()?.range().ge(&lo).lt(&hi).into_stream();
        while let Some((key, id)) = stream.next() {
            let id = id as u32;
            let Some(f) = entries.get(id as usize) else {
                continue;
            };
            if key.last() != Some(&tag) || f.flags & FACT_BILLABLE == 0 {
                continue;
            }
            let len = format::key_code(key).len();
            if len == lo.len() {
                return Ok(vec![id]);
            }
            if f.flags & FACT_GENERAL != 0 {
                found.push((len, id));
            }
        }
        let shortest = found.iter().map(|f| f.0).min();
        Ok(found
            .into_iter()
            .filter(|f| Some(f.0) == shortest)
            .map(|f| f.1)
            .collect())
    }

    /// The index's words in memory, built on first use.
    fn word_table(&self) -> Result<&fuzzy::WordTable> {
        let r = self.search.word_table.get_or_init(|| {
            let words = self.index.words().map_err(|e| e.to_string())?;
            let mut table = fuzzy::WordTable::build(words.as_fst())
                .map_err(|m| format!("the word index is malformed: {m}"))?;
            // Each word's systems, for typo search under a system filter.
            let n = self.index.len();
            let mut tag_bits = Vec::with_capacity(n as usize);
            for id in 0..n {
                let (tag, _) = self.index.tag_flags(id).map_err(|e| e.to_string())?;
                tag_bits.push(1u32.checked_shl(u32::from(tag)).unwrap_or(u32::MAX));
            }
            table
                .set_systems(|t| -> Result<u32> {
                    let mut m = 0;
                    Cursor::new(self.index.posting_bytes(u64::from(t))?)?.for_each_rest(
                        n,
                        |id| {
                            m |= tag_bits.get(id as usize).copied().unwrap_or(u32::MAX);
                        },
                    )?;
                    Ok(m)
                })
                .map_err(|e| e.to_string())?;
            Ok(table)
        });
        r.as_ref()
            .map_err(|m| CatalogError::Corrupt { what: m.clone() })
    }

    /// The dense sets of the long posting lists (see [`DENSE_MIN`]).
    fn dense_sets(&self) -> Result<procode_index::index::FastMap<u64, Window>> {
        let n = self.index.len();
        let mut dense = procode_index::index::FastMap::default();
        let mut ids = Vec::new();
        for t in 0..self.index.words()?.len() as u64 {
            let mut c = Cursor::new(self.index.posting_bytes(t)?)?;
            if c.len() >= DENSE_MIN {
                ids.clear();
                c.append_rest(n, &mut ids)?;
                dense.insert(t, Window::of(&ids));
            }
        }
        Ok(dense)
    }

    /// The base entries whose text has one of `words.single`, or both words
    /// of one of `words.pairs`.
    fn titles_saying(&self, words: &TitleWords) -> Result<Bits> {
        let n = self.index.len();
        let dict = self.index.words()?;
        let mut out = Bits::new(n);
        for w in words.single {
            if let Some(t) = dict.get(w) {
                self.or_postings(t, &mut out)?;
            }
        }
        for (a, b) in words.pairs {
            if let (Some(a), Some(b)) = (dict.get(a), dict.get(b)) {
                let mut both = Bits::new(n);
                let mut second = Bits::new(n);
                self.or_postings(a, &mut both)?;
                self.or_postings(b, &mut second)?;
                both.and(&second);
                out.or(&both);
            }
        }
        Ok(out)
    }

    /// Sets the ids of term `t`'s posting list in `bits`.
    fn or_postings(&self, t: u64, bits: &mut Bits) -> Result<()> {
        let n = self.index.len();
        Cursor::new(self.index.posting_bytes(t)?)?.for_each_rest(n, |id| bits.set(id))
    }

    /// The base entries whose title or inclusion term is `phrase` as a whole
    /// (see [`crate::text::phrase_forms`]), ascending.
    fn phrase_ids(&self, phrase: &str) -> Result<Vec<u32>> {
        let mut key = Vec::with_capacity(phrase.len() + 1);
        key.push(PHRASE);
        key.extend_from_slice(phrase.as_bytes());
        let mut out = Vec::new();
        if let Some(t) = self.index.words()?.get(&key) {
            let n = self.index.len();
            Cursor::new(self.index.posting_bytes(t)?)?.append_rest(n, &mut out)?;
        }
        Ok(out)
    }

    /// A query word's matches in the base index by tier: as typed (whole word
    /// or prefix; title, short description, inclusion terms) and, with
    /// `typo`, within the typo budget (only words some entry of `system`
    /// holds: the others' entries are filtered out anyway).
    ///
    /// About 90 lines, kept whole on purpose: the as-typed and typo lookups
    /// fill one per-tier list in one walk of the word table, in the order the
    /// ranking reads it.
    fn word_terms(
        &self,
        word: &str,
        typo: TypoMode,
        whole_only: bool,
        system: Option<CodeSystem>,
    ) -> Result<WordTerms> {
        let words = self.index.words()?;
        // Each term with its tier, grouped by tier below.
        let mut found: Vec<(Tier, u64)> = Vec::new();
        let lo = word.as_bytes();
        let table = self.word_table()?;
        let mut whole_word = false;
        if whole_only {
            // Only the word itself, with or without a marker: one lookup in
            // the table instead of a walk over every word it starts.
            let [plain, short, extra] = table.exact(lo);
            whole_word = plain.is_some() || short.is_some() || extra.is_some();
            for (tier, t) in [
                (Tier::TitleExact, plain),
                (Tier::TitlePrefix, short),
                (Tier::ExtraExact, extra),
            ] {
                if let Some(t) = t {
                    found.push((tier, t));
                }
            }
        }
        // (Whole words only: the lookups above found them all.)
        let prefixed = table.with_prefix(lo).filter(|_| !whole_only);
        for (stem, [plain, short, extra]) in prefixed {
            let whole = stem == lo;
            whole_word |= whole && (plain.is_some() || short.is_some() || extra.is_some());
            let (title, inclusion) = if whole {
                (Tier::TitleExact, Tier::ExtraExact)
            } else {
                (Tier::TitlePrefix, Tier::ExtraPrefix)
            };
            for (tier, t) in [
                (title, plain),
                (Tier::TitlePrefix, short),
                (inclusion, extra),
            ] {
                if let Some(t) = t {
                    found.push((tier, t));
                }
            }
        }
        let mut fixes = Vec::new();
        if typo.on() {
            let mut exact_terms: Vec<u64> = found.iter().map(|&(_, t)| t).collect();
            let mut near = Vec::new();
            fuzzy::typo_terms_and_words(
                words.as_fst(),
                table,
                word,
                typo == TypoMode::Prefix,
                system.map(CodeSystem::to_u8),
                &mut near,
                &mut fixes,
                if typo == TypoMode::Whole {
                    TYPO_PHRASES
                } else {
                    0
                },
            );
            near.sort_unstable();
            near.dedup();
            exact_terms.sort_unstable();
            for t in near {
                if exact_terms.binary_search(&t).is_err() {
                    found.push((Tier::Typo, t));
                }
            }
        }
        // (Stable: a tier's terms stay in the order found.)
        found.sort_by_key(|&(t, _)| t);
        let mut tiers = [(Tier::TitleExact, 0); TIERS];
        let mut n_tiers = 0usize;
        let mut terms = Vec::with_capacity(found.len());
        for group in found.chunk_by(|a, b| a.0 == b.0) {
            terms.extend(group.iter().map(|&(_, t)| t));
            if let (Some(&(tier, _)), Some(slot)) = (group.first(), tiers.get_mut(n_tiers)) {
                *slot = (tier, terms.len());
                n_tiers += 1;
            }
        }
        let mut bytes = 0usize;
        for &t in &terms {
            bytes += self.index.posting_bytes(t)?.len();
        }
        Ok(WordTerms {
            terms,
            tiers,
            n_tiers,
            whole: whole_word,
            bytes,
            fixes,
        })
    }

    /// A word's matches by tier: every id of its terms' lists, or (with
    /// `only`, ascending) just those of the given ids, found by seeking,
    /// which skips the blocks of long lists that hold none of them.
    fn word_hits(
        &self,
        wt: &WordTerms,
        only: Option<&[u32]>,
        facts: &Facts,
        opts: &SearchOptions,
    ) -> Result<WordHits> {
        let Some(only) = only else {
            return self.all_word_hits(wt, facts, opts);
        };
        // Per candidate, the code of the first tier that holds it (an id
        // found by a better tier, or an earlier term of its tier, is not
        // looked for again; `u8::MAX`: none yet): the word's codes.
        let mut found = vec![u8::MAX; only.len()];
        let mut left = only.len();
        // The candidates not found yet lie at positions lo..hi.
        let (mut lo, mut hi) = (0, only.len());
        let mut order: Vec<(u64, Option<&Window>)> = Vec::new();
        // The tiers that found any.
        let mut seen = 0u64;
        for (ti, (tier, terms)) in wt.by_tier().enumerate() {
            // (A candidate is marked with its tier's code, below 128.)
            let code = tier.code();
            // (A tier's dense sets first, the largest first: they find the
            // most, and the others are sought for fewer candidates.)
            order.clear();
            order.extend(terms.iter().map(|t| (*t, facts.dense.get(t))));
            order.sort_by_key(|(_, d)| Reverse(d.map_or(0, |d| d.ones)));
            for &(t, dense) in &order {
                if left == 0 {
                    break;
                }
                lo += found.get(lo..hi).and_then(first_unfound).unwrap_or(hi - lo);
                hi = lo
                    + found
                        .get(lo..hi)
                        .and_then(last_unfound)
                        .map_or(0, |p| p + 1);
                if lo >= hi {
                    break;
                }
                let (Some(only), Some(found)) = (only.get(lo..hi), found.get_mut(lo..hi)) else {
                    break;
                };
                let hit = match dense {
                    Some(bits) => bits.mark(only, found, code, left == found.len()),
                    None => self.seek_each(t, only, found, code)?,
                };
                left -= hit;
                seen |= u64::from(hit > 0) << (ti & 63);
            }
        }
        let tiers: Vec<(Tier, bool)> = (0..)
            .zip(wt.by_tier())
            .map(|(i, (t, _))| (t, seen & (1 << i) != 0))
            .collect();
        let (any, codes): (Vec<u32>, Vec<u8>) = if left == 0 {
            // (Every candidate found: the common case, without a test each.)
            (only.to_vec(), found)
        } else {
            only.iter()
                .zip(&found)
                .filter(|(_, &f)| f != u8::MAX)
                .map(|(&id, &f)| (id, f))
                .unzip()
        };
        Ok(WordHits {
            any,
            tiers,
            codes: TierIds::Codes(codes),
        })
    }

    /// Marks with `tier` the ids of ascending `ids` not marked yet in
    /// `found` that term `t`'s list holds (see [`postings::mark`]: a short
    /// list costs its own length, not the number of ids). Returns how many
    /// it marked.
    fn seek_each(&self, t: u64, ids: &[u32], found: &mut [u8], tier: u8) -> Result<usize> {
        let n = self.index.len();
        postings::mark(self.index.posting_bytes(t)?, ids, found, u8::MAX, tier, n)
    }

    /// A word's matches by tier: every id of its terms' lists, merged
    /// through a dense set when a tier has several terms (no sorting); the
    /// lists of a tier that [`union_runs`] would merge through a dense set
    /// are decoded straight into it.
    fn all_word_hits(
        &self,
        wt: &WordTerms,
        facts: &Facts,
        opts: &SearchOptions,
    ) -> Result<WordHits> {
        let n = self.index.len();
        let mut tiers = Vec::with_capacity(wt.n_tiers);
        for (tier, terms) in wt.by_tier() {
            // (A list's cursor is opened twice, for its length and then to
            // read it: no list of cursors is kept.)
            let cursor = |t: u64| Cursor::new(self.index.posting_bytes(t)?);
            let mut count = 0;
            for &t in terms {
                count += cursor(t)?.len();
            }
            let ids = if merged_densely(count, terms.len(), n) {
                let mut bits = Bits::new(n);
                for &t in terms {
                    cursor(t)?.for_each_rest(n, |id| bits.set(id))?;
                }
                bits.to_vec()
            } else {
                let mut ids: Vec<u32> = Vec::with_capacity(count);
                for &t in terms {
                    cursor(t)?.append_rest(n, &mut ids)?;
                }
                union_runs(ids, terms.len(), n)
            };
            tiers.push((tier, ids));
        }
        // Only the entries the options' system and billable filters keep
        // (before the tiers are merged: the filters often keep few).
        if opts.system.is_some() || opts.billable_only {
            for (_, ids) in &mut tiers {
                ids.retain(|&id| {
                    facts
                        .entries
                        .get(id as usize)
                        .is_some_and(|f| f.kept_by(opts))
                });
            }
        }
        let tiers_found = tiers.iter().map(|(t, ids)| (*t, !ids.is_empty())).collect();
        if tiers.len() <= 2 {
            // (Merged with each id's code, the first tier holding it: one
            // pass, where the candidates would be merged with each tier.)
            let mut two = tiers.into_iter();
            let (any, codes) = match (two.next(), two.next()) {
                (Some((ta, a)), Some((tb, b))) => union_tiers(&a, ta.code(), &b, tb.code()),
                (Some((t, a)), None) => {
                    let codes = vec![t.code(); a.len()];
                    (a, codes)
                }
                _ => (Vec::new(), Vec::new()),
            };
            return Ok(WordHits {
                any,
                tiers: tiers_found,
                codes: TierIds::Codes(codes),
            });
        }
        // (More tiers: merged list by list, and the codes read only for the
        // candidates the other words leave, which are often few.)
        let any = tiers
            .iter()
            .fold(Vec::new(), |acc, (_, ids)| union_sorted(&acc, ids));
        Ok(WordHits {
            any,
            tiers: tiers_found,
            codes: TierIds::Lists(tiers),
        })
    }

    /// The page of codes starting with `prefix` (code, then system order)
    /// the options ask for, borrowed, and how many there are in all.
    pub(super) fn code_prefix_refs(
        &self,
        prefix: &Code,
        opts: &SearchOptions,
    ) -> Result<(Vec<EntryRef<'_>>, usize)> {
        let lo = prefix.as_bytes();
        let keep_sys = |tag: u8| opts.system.is_none_or(|s| s.to_u8() == tag);
        let keep = |id: u32| -> Result<bool> {
            let (tag, flags) = self.index.tag_flags(id)?;
            Ok(keep_sys(tag)
                && (!opts.billable_only || flags & format::F_BILLABLE != 0)
                && match opts.as_of {
                    Some(d) => self.index.meta(id)?.valid_on(d),
                    None => true,
                })
        };
        let all = self.index.code_range(lo)?;
        let mut kept = Vec::new();
        // Without custom codes to merge in, only the page's ids are kept
        // (the rest of the range is counted): a filtered page allocates for
        // offset + limit ids, not for the whole range.
        let room = match self.overlay.custom.is_empty() {
            true => opts.offset.saturating_add(opts.limit),
            false => usize::MAX,
        };
        let (ids, matched) = if opts.system.is_none() && !opts.billable_only && opts.as_of.is_none()
        {
            (all, all.len())
        } else {
            let mut matched = 0usize;
            kept.reserve(room.min(all.len()));
            for &id in all {
                if keep(id)? {
                    if kept.len() < room {
                        kept.push(id);
                    }
                    matched += 1;
                }
            }
            (&kept[..], matched)
        };
        let customs: Vec<&Entry> = match self.overlay.custom.is_empty() {
            true => Vec::new(),
            false => {
                let mut hi = lo.to_vec();
                // Codes are ASCII letters and digits, so the last byte can be bumped.
                if let Some(last) = hi.last_mut() {
                    *last += 1;
                }
                let range = (Bound::Included(lo), Bound::Excluded(hi.as_slice()));
                self.overlay
                    .custom
                    .range::<[u8], _>(range)
                    .map(|(_, e)| e)
                    .filter(|e| {
                        keep_sys(e.system.to_u8())
                            && opts.as_of.is_none_or(|d| e.is_valid_on(d))
                            && (!opts.billable_only || e.billable)
                    })
                    .collect()
            }
        };
        let total = matched + customs.len();
        let mut out = Vec::with_capacity(opts.limit.min(total));
        if customs.is_empty() {
            let from = opts.offset.min(ids.len());
            let page = &ids[from..ids.len().min(from.saturating_add(opts.limit))];
            self.index.refs_on(page, opts.as_of, &mut out)?;
            return Ok((out, total));
        }
        // (code, system) order is the order of the code keys.
        let mut found: Vec<(Code, CodeSystem, Option<u32>, Option<&Entry>)> = Vec::new();
        for &id in ids {
            let f = self.index.fixed(id)?;
            found.push((f.code, f.system, Some(id), None));
        }
        found.extend(
            customs
                .into_iter()
                .map(|e| (e.code, e.system, None, Some(e))),
        );
        found.sort_by_key(|f| (f.0, f.1));
        for (_, _, id, e) in found.into_iter().skip(opts.offset).take(opts.limit) {
            match (id, e) {
                (Some(id), _) => out.push(self.index.entry_ref_on(id, opts.as_of)?),
                (None, Some(e)) => out.push(EntryRef::of_entry(e)),
                (None, None) => {}
            }
        }
        Ok((out, total))
    }

    /// For a query that finds nothing: the query with each word that is two
    /// words of the catalog written as one cut in two ("preeclampsia" for
    /// the titles' "pre-eclampsia", "wellchild", "reevaluation"; the second
    /// part may be unfinished in the last word) and where the cuts are (the
    /// first part's position), or `None` when no word is. Words of a listed
    /// synonym term are left as typed.
    #[allow(clippy::type_complexity)]
    fn split_compounds(
        &self,
        words: &[String],
        system: Option<CodeSystem>,
    ) -> Result<Option<(Vec<String>, Vec<usize>)>> {
        let spans = self.synonym_spans(words, system);
        let mut out = Vec::with_capacity(words.len() + 1);
        let mut cuts = Vec::new();
        for (i, w) in words.iter().enumerate() {
            let listed = spans.iter().any(|(s, l, _, _)| (*s..s + l).contains(&i));
            let cut = if !listed && w.len() >= 5 && w.bytes().all(|b| b.is_ascii_alphabetic()) {
                self.compound_cut(w, i + 1 == words.len())?
            } else {
                None
            };
            match cut {
                Some(k) => {
                    cuts.push(out.len());
                    out.push(w[..k].to_owned());
                    out.push(w[k..].to_owned());
                }
                None => out.push(w.clone()),
            }
        }
        Ok((!cuts.is_empty()).then_some((out, cuts)))
    }

    /// Where `word` cuts into a whole word of the catalog and a second whole
    /// word of at least three letters (or, when `last`, the start of one),
    /// the first part as short as can be.
    fn compound_cut(&self, word: &str, last: bool) -> Result<Option<usize>> {
        let table = self.word_table()?;
        let whole = |w: &str| table.exact(w.as_bytes()).iter().any(Option::is_some);
        for k in 1..word.len().saturating_sub(2) {
            let (a, b) = word.split_at(k);
            if whole(a) && (whole(b) || (last && b.len() >= 4 && self.has_prefix(b)?)) {
                return Ok(Some(k));
            }
        }
        Ok(None)
    }

    /// Whether some word of the catalog starts with `word`.
    fn has_prefix(&self, word: &str) -> Result<bool> {
        let lo = word.as_bytes();
        let indexed = if lo.first().is_some_and(u8::is_ascii_alphanumeric) {
            // A key starting with a word starts with a letter or digit: the
            // words in memory hold them all (a binary search).
            self.word_table()?.with_prefix(lo).next().is_some()
        } else {
            let mut hi = lo.to_vec();
            if let Some(last) = hi.last_mut() {
                *last += 1;
            }
            let words = self.index.words()?;
            let mut keys = words.range().ge(lo).lt(&hi).into_stream();
            keys.next().is_some()
        };
        if indexed {
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
}

/// The tabular list's "X NOS" terms and the entries they send a query to.
type NosDefaults = (
    Vec<Vec<String>>,
    procode_index::index::FastMap<u32, Vec<u32>>,
);

/// The words of X in an inclusion term "X NOS" or "X (a) (b)" (folded;
/// parenthesised and small words left out), or `None` for any other term.
fn nos_words(text: &str) -> Option<Vec<String>> {
    let t = text.trim_end().as_bytes();
    let nos = t.len() > 3 && t[t.len() - 3..].eq_ignore_ascii_case(b"nos");
    if !nos && !only_modifiers_follow(text) {
        return None;
    }
    let mut words: Vec<String> = Vec::new();
    let mut buf = String::new();
    let kept = crate::text::without_parentheses(text);
    for_each_word(&kept, &mut buf, |w| words.push(w.to_owned()));
    if nos && words.pop().as_deref() != Some("nos") {
        return None;
    }
    words.retain(|w| !SMALL_WORDS.contains(&w.as_str()));
    (!words.is_empty()).then_some(words)
}

/// The word lists an "X NOS" term sends to its code ([`nos_words`]), and,
/// when X is an eponymous disease or syndrome ("Parkinson's disease NOS",
/// "Crohn's disease NOS"), X without that last word too: billers name it by
/// the eponym alone (`parkinsons` → G20.A1, `crohns` → K50.90).
fn nos_word_lists(text: &str) -> Vec<Vec<String>> {
    let Some(words) = nos_words(text) else {
        return Vec::new();
    };
    let eponym = words.len() >= 2
        && matches!(
            words.last().map(String::as_str),
            Some("disease" | "syndrome")
        )
        && possessive_before_last_word(text);
    let alone = eponym.then(|| words[..words.len() - 1].to_vec());
    std::iter::once(words).chain(alone).collect()
}

/// Whether the word before the last of `text` (parenthesised words and a
/// final "NOS" left out) is a possessive: "Parkinson's", "Chagas'".
fn possessive_before_last_word(text: &str) -> bool {
    let kept = crate::text::without_parentheses(text);
    let mut t = kept.trim_end();
    if t.len() > 4 && t[t.len() - 4..].eq_ignore_ascii_case(" nos") {
        t = t[..t.len() - 4].trim_end();
    }
    let Some((head, _last)) = t.rsplit_once(' ') else {
        return false;
    };
    let head = head.trim_end().to_lowercase();
    ["'s", "\u{2019}s", "s'", "s\u{2019}"]
        .iter()
        .any(|p| head.ends_with(p))
}

/// Whether `text` is "X (a) (b)": words, then only parenthesised
/// nonessential modifiers (I10's "hypertension (arterial) (benign)").
fn only_modifiers_follow(text: &str) -> bool {
    let t = text.trim_end();
    let Some(open) = t.find('(') else {
        return false;
    };
    let (head, mut rest) = t.split_at(open);
    if head.trim().is_empty() || head.contains(')') {
        return false;
    }
    while let Some(r) = rest.trim_start().strip_prefix('(') {
        let Some(close) = r.find(')') else {
            return false;
        };
        rest = &r[close + 1..];
    }
    rest.trim().is_empty()
}

/// Whether every word of an "X NOS" term is matched by a word of the
/// variant: as a prefix, or within the typo budget of a typo slot.
fn covers_nos(v: &Variant, term: &[String]) -> bool {
    term.iter().all(|tw| {
        v.slots.iter().any(|s| {
            s.words
                .iter()
                .enumerate()
                .any(|(i, q)| tw.starts_with(q.as_str()) || s.typo_match(i, tw))
        })
    })
}

/// The slots of the query as typed: one per word that is not a small word
/// (every word when all are small), `typo[i]` letting word `i` be misspelt.
fn direct_slots(words: &[String], typo: &[bool], mode: TypoMode) -> Vec<Slot> {
    let all_small = words.iter().all(|w| SMALL_WORDS.contains(&w.as_str()));
    words
        .iter()
        .zip(typo)
        .enumerate()
        .filter(|(_, (w, _))| all_small || !SMALL_WORDS.contains(&w.as_str()))
        .map(|(i, (w, &t))| {
            let typo = if t { mode } else { TypoMode::Off };
            Slot {
                words: vec![w.clone()],
                covers: 1,
                term: Arc::from(w.as_str()),
                synonym: None,
                typo,
                fuzzy: typo.rules(w).into_iter().collect(),
                whole: finished_number(words, i),
            }
        })
        .collect()
}

/// Whether query word `i` is a number followed by another word (so typed in
/// full: `2` in `type 2 diab` is not the start of `20` or `250`).
fn finished_number(words: &[String], i: usize) -> bool {
    i + 1 < words.len() && words[i].bytes().all(|b| b.is_ascii_digit())
}

/// A slot's score from the tiers of its words' matches (every word matched:
/// the slot's candidates are those all its words have).
fn slot_score(s: &Slot, tiers: impl Iterator<Item = Option<Tier>>, w: &SearchWeights) -> i32 {
    let mut sum = 0i32;
    let mut k = 0i32;
    for t in tiers {
        sum += t.map_or(0, |t| t.weight(w));
        k += 1;
    }
    let per_word = if k > 0 { sum / k } else { 0 };
    let cover = s.covers as i32;
    if s.synonym.is_some() {
        cover * (per_word + w.synonym)
    } else {
        per_word
    }
}

/// What a title of `words` counted words loses for those left unmatched,
/// at best: with no query word in the title, or with `in_title_max` of
/// them (the weight may be of either sign).
fn unmatched_at_best(words: u32, in_title_max: u32, w: &SearchWeights) -> i32 {
    let unmatched =
        |in_title: u32| w.unmatched_word * words.saturating_sub(in_title).min(12) as i32;
    unmatched(0).max(unmatched(in_title_max))
}

/// Whether a title's first word (`first`, folded) is one the variant's
/// words match: as a prefix, or within the typo budget of a typo slot.
fn leads_with(v: &Variant, first: &str) -> bool {
    v.slots.iter().any(|s| {
        s.words
            .iter()
            .enumerate()
            .any(|(i, q)| first.starts_with(q.as_str()) || s.typo_match(i, first))
    })
}

/// The score of a candidate's properties: billable, general, terminated,
/// reporting code, "Other", its first title word matched, and its title
/// words left unmatched (`words` counted, `in_title` query words matched in
/// the title).
fn static_score(flags: u8, words: u8, in_title: u32, lead: bool, w: &SearchWeights) -> i32 {
    let mut score = 0;
    if flags & FACT_BILLABLE != 0 {
        score += w.billable;
    }
    if flags & FACT_GENERAL != 0 {
        score += w.general;
    }
    if flags & FACT_TERMINATED != 0 {
        score += w.terminated;
    }
    if flags & FACT_EXTENSION != 0 {
        score += w.extension;
    }
    if flags & FACT_PREGNANCY_NEWBORN != 0 {
        score += w.pregnancy_newborn;
    }
    if flags & FACT_REPORTING != 0 {
        score += w.reporting_code;
    }
    if lead {
        score += w.leading;
    } else if flags & FACT_OTHER != 0 {
        score += w.other;
    }
    let unmatched = u32::from(words).saturating_sub(in_title).min(12) as i32;
    score + w.unmatched_word * unmatched
}

/// The phrase form of a title "Unspecified X" (ICD-10-CM's other way of
/// naming X's general code: H10.9 "Unspecified conjunctivitis", J45.909
/// "Unspecified asthma, uncomplicated") for the query phrase X. A billable
/// code with that form counts as the query's whole title, as "X,
/// unspecified" does (see [`crate::text::phrase_forms`]); a header does
/// not.
fn unspecified_form(phrase: &str) -> String {
    format!("unspecified {phrase}")
}

/// An overlay entry's score for a variant, by the rules of the base index
/// applied to its text, or `None` when a slot word does not match.
fn overlay_score(e: &Entry, v: &Variant, favourite: bool, w: &SearchWeights) -> Option<i32> {
    let mut long: Vec<String> = Vec::new();
    let mut short: Vec<String> = Vec::new();
    let mut buf = String::new();
    for_each_word(&e.description, &mut buf, |x| long.push(x.to_owned()));
    for_each_word(&e.short_description, &mut buf, |x| short.push(x.to_owned()));
    let mut score = 0;
    let mut in_title = 0;
    for s in &v.slots {
        let mut tiers = Vec::with_capacity(s.words.len());
        for (i, q) in s.words.iter().enumerate() {
            let t = if long.iter().any(|x| x == q) {
                Tier::TitleExact
            } else if long.iter().chain(&short).any(|x| x.starts_with(q.as_str())) {
                Tier::TitlePrefix
            } else if long.iter().chain(&short).any(|x| s.typo_match(i, x)) {
                Tier::Typo
            } else {
                return None;
            };
            in_title += 1;
            tiers.push(Some(t));
        }
        score += slot_score(s, tiers.into_iter(), w);
    }
    let mut flags = 0;
    if e.billable {
        flags |= FACT_BILLABLE;
    }
    let has = |x: &str| long.iter().any(|y| y == x);
    if GENERAL.said_by(has) {
        flags |= FACT_GENERAL;
    }
    if OTHER_EXTENSION.said_by(has) {
        flags |= FACT_EXTENSION;
    }
    if e.terminated.is_some() {
        flags |= FACT_TERMINATED;
    }
    if pregnancy_newborn_code(e.system, e.code.as_bytes()) {
        flags |= FACT_PREGNANCY_NEWBORN;
    }
    if e.reporting {
        flags |= FACT_REPORTING;
    }
    flags &= v.fact_mask();
    let infos: Vec<TokenInfo> = crate::text::tokens(&e.description)
        .map(TokenInfo::of)
        .collect();
    let t = TitleFacts::of(infos.iter().enumerate().map(|(i, info)| (i as u32, info)));
    if t.first_is_other {
        flags |= FACT_OTHER;
    }
    let lead = infos
        .get(t.first as usize)
        .is_some_and(|i| leads_with(v, &i.word));
    score += static_score(flags, t.words, in_title, lead, w);
    let forms = crate::text::phrase_forms(&e.description);
    if (e.billable || !v.via_synonym()) && forms.contains(&v.phrase)
        || e.billable && forms.contains(&unspecified_form(&v.phrase))
    {
        score += w.phrase;
    }
    if favourite {
        score += w.favourite;
    }
    Some(score)
}

/// Finds the words of descriptions a variant's words match.
struct SpanFinder<'a> {
    v: &'a Variant,
    /// Whether a slot has typo rules.
    typo: bool,
    /// Per byte (folded): whether an ASCII word starting with it may match
    /// (see [`ascii_spans`]).
    firsts: [bool; 256],
}

impl<'a> SpanFinder<'a> {
    fn new(v: &'a Variant) -> SpanFinder<'a> {
        let typo = v.slots.iter().any(|s| !s.fuzzy.is_empty());
        // Without typo rules a word can match only when its first letter
        // (folded) starts a slot word: the others are passed over unread.
        // (256 entries: a byte indexes them without a check; past ASCII,
        // as with typo rules, every word may match.)
        let mut firsts = [typo; 256];
        if let Some(past) = firsts.get_mut(128..) {
            past.fill(true);
        }
        for q in v.slots.iter().flat_map(|s| &s.words) {
            match q.as_bytes().first() {
                Some(&b) => firsts[usize::from(b)] = true,
                // (An empty slot word matches every word.)
                None => firsts = [true; 256],
            }
        }
        SpanFinder { v, typo, firsts }
    }

    /// The words of `description` the variant's words matched, as
    /// character spans.
    fn spans(&self, description: &str) -> Vec<MatchSpan> {
        let mut out = Vec::new();
        if description.is_ascii() {
            ascii_spans(description.as_bytes(), self, &mut out);
        } else {
            spans_of(description, self.v, &mut out);
        }
        out
    }
}

/// The words of `description` a variant's words matched, as character
/// spans, appended to `out` (any description; see [`SpanFinder::spans`]).
fn spans_of(description: &str, v: &Variant, out: &mut Vec<MatchSpan>) {
    let mut word = String::new();
    let mut start = 0usize;
    let mut count = 0usize;
    for (i, c) in description.chars().enumerate() {
        count = i + 1;
        if c.is_ascii_alphanumeric() {
            if word.is_empty() {
                start = i;
            }
            word.push(c.to_ascii_lowercase());
        } else if crate::text::is_apostrophe(c) {
            continue;
        } else if let Some(p) = (!c.is_ascii())
            .then(|| crate::text::plain_letters(c))
            .flatten()
        {
            if word.is_empty() {
                start = i;
            }
            word.push_str(p);
        } else {
            span_of_word(word.as_bytes(), v, start, i, out);
            word.clear();
        }
    }
    span_of_word(word.as_bytes(), v, start, count, out);
}

/// Per byte: [`ALNUM`], [`APOSTROPHE`] (see [`crate::text::is_apostrophe`])
/// or 0 (a separator; every byte past ASCII, which [`ascii_spans`] never
/// reads: 256 entries, so a byte indexes the table without a check).
const ASCII_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphanumeric() {
            ALNUM
        } else if c == b'\'' || c == b'`' {
            APOSTROPHE
        } else {
            0
        };
        b += 1;
    }
    t
};
const ALNUM: u8 = 1;
const APOSTROPHE: u8 = 2;

/// [`spans_of`] of an ASCII description (a character is a byte): a word is
/// a run of letters, digits and apostrophes holding a letter or digit; it is
/// compared where it lies, case folded byte by byte, and copied (folded,
/// without apostrophes) only when it holds an apostrophe or a slot may match
/// it within the typo budget.
fn ascii_spans(d: &[u8], f: &SpanFinder<'_>, out: &mut Vec<MatchSpan>) {
    let (v, typo, firsts) = (f.v, f.typo, &f.firsts);
    let class = |b: u8| ASCII_CLASS[usize::from(b)];
    let may_match = |b: u8| firsts[usize::from(b.to_ascii_lowercase())];
    let mut word = Vec::new();
    let mut i = 0;
    while i < d.len() {
        let Some(start) = d
            .get(i..)
            .and_then(|r| r.iter().position(|&b| class(b) == ALNUM))
            .map(|p| i + p)
        else {
            break;
        };
        let mut end = start;
        let mut plain = true;
        if d.get(start).is_some_and(|&b| !may_match(b)) {
            // (Passed over: only where the word ends is needed.)
            end += d
                .get(start..)
                .and_then(|r| r.iter().position(|&b| class(b) == 0))
                .unwrap_or(d.len() - start);
            i = end;
            continue;
        }
        // (Letters and digits to the first other byte; an apostrophe
        // there, rarely, and the word goes on.)
        end += d
            .get(start..)
            .and_then(|r| r.iter().position(|&b| class(b) != ALNUM))
            .unwrap_or(d.len() - start);
        while let Some(&b) = d.get(end) {
            match class(b) {
                ALNUM => end += 1,
                0 => break,
                _ => {
                    plain = false;
                    end += 1;
                }
            }
        }
        let run = d.get(start..end).unwrap_or(&[]);
        // (Typo rules read the word folded: a copy unless it is already.)
        if plain && (!typo || !run.iter().any(u8::is_ascii_uppercase)) {
            span_of_word(run, v, start, end, out);
        } else {
            word.clear();
            if plain {
                word.extend_from_slice(run);
                word.make_ascii_lowercase();
            } else {
                word.extend(
                    run.iter()
                        .filter(|&&b| class(b) == ALNUM)
                        .map(u8::to_ascii_lowercase),
                );
            }
            span_of_word(&word, v, start, end, out);
        }
        i = end;
    }
}

/// The span of one description word (`word`: its letters and digits, case
/// folded only where a query word can match: a query word is folded, so
/// it matches a prefix of `word` compared byte by byte after folding)
/// between characters `start` and `end`, when a slot matches it: the first
/// slot one of whose words it starts with, or whose typo rules it meets.
fn span_of_word(word: &[u8], v: &Variant, start: usize, end: usize, out: &mut Vec<MatchSpan>) {
    let Some(&first) = word.first() else {
        return;
    };
    let first = first.to_ascii_lowercase();
    for s in &v.slots {
        let hit = s
            .words
            .iter()
            .find(|q| {
                let q = q.as_bytes();
                // (The first bytes first: most words start otherwise.)
                q.first().is_none_or(|&b| b == first)
                    && word.len() >= q.len()
                    && word
                        .iter()
                        .zip(q)
                        .all(|(a, b)| a.to_ascii_lowercase() == *b)
            })
            .map(|_| false)
            .or_else(|| s.fuzzy.iter().any(|m| m.matches(word)).then_some(true));
        if let Some(typo) = hit {
            out.push(MatchSpan {
                start,
                end,
                term: Arc::clone(&s.term),
                via: s.synonym.clone(),
                typo,
            });
            return;
        }
    }
}

/// The notice for a CPT-shaped query: five digits (or four and F, T or U)
/// under any system; two digits under the modifier system.
pub(super) fn cpt_notice(query: &str, system: Option<CodeSystem>) -> Option<SearchNotice> {
    let q = query.trim().as_bytes();
    let digits = |b: &[u8]| b.iter().all(u8::is_ascii_digit);
    if q.len() == 5
        && (digits(q)
            || (digits(&q[..4]) && matches!(q[4], b'F' | b'T' | b'U' | b'f' | b't' | b'u')))
    {
        return Some(SearchNotice::CptNotShipped);
    }
    if q.len() == 2 && digits(q) && system == Some(CodeSystem::Modifier) {
        return Some(SearchNotice::CptModifierNotShipped);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{
        best_bounds, first_unfound, last_unfound, nos_words, union_tiers, ALNUM, APOSTROPHE,
        ASCII_CLASS,
    };

    #[test]
    fn unfound_marks_are_found_eight_at_a_time_and_in_the_tail() {
        for len in [0usize, 1, 7, 8, 9, 16, 23, 64, 645] {
            for (lo, hi) in [
                (None, None),
                (Some(0), Some(0)),
                (Some(len / 3), Some(len - len / 4)),
            ] {
                let mut found = vec![3u8; len];
                for p in [lo, hi].into_iter().flatten() {
                    if let Some(f) = found.get_mut(p) {
                        *f = u8::MAX;
                    }
                }
                let first = found.iter().position(|&f| f == u8::MAX);
                let last = found.iter().rposition(|&f| f == u8::MAX);
                assert_eq!(first_unfound(&found), first, "len {len}");
                assert_eq!(last_unfound(&found), last, "len {len}");
            }
        }
    }

    #[test]
    fn a_window_marks_the_unmarked_ids_it_holds_and_no_other() {
        let held: Vec<u32> = vec![70, 71, 130, 500, 511, 512, 900];
        let w = super::Window::of(&held);
        let ids: Vec<u32> = vec![
            0, 63, 64, 70, 71, 72, 130, 499, 500, 511, 512, 513, 900, 901, 5000,
        ];
        let want: Vec<bool> = ids.iter().map(|id| held.contains(id)).collect();
        let mut found = vec![u8::MAX; ids.len()];
        let hit = w.mark(&ids, &mut found, 2, true);
        assert_eq!(hit, held.len());
        for (f, &w) in found.iter().zip(&want) {
            assert_eq!(*f, if w { 2 } else { u8::MAX });
        }
        // Marked ones keep their mark; the others held are marked now.
        let mut found: Vec<u8> = (0..ids.len())
            .map(|i| if i % 2 == 0 { 0 } else { u8::MAX })
            .collect();
        let before = found.clone();
        let hit = w.mark(&ids, &mut found, 3, false);
        let mut n = 0;
        for ((f, b), &w) in found.iter().zip(&before).zip(&want) {
            let new = *b == u8::MAX && w;
            n += usize::from(new);
            assert_eq!(*f, if new { 3 } else { *b });
        }
        assert_eq!(hit, n);
        assert_eq!(super::Window::of(&[]).mark(&ids, &mut found, 1, false), 0);
    }

    #[test]
    fn two_tiers_merge_with_the_better_tiers_code() {
        let (ids, codes) = union_tiers(&[2, 5, 9], 0, &[1, 5, 7, 11], 1);
        assert_eq!(ids, [1, 2, 5, 7, 9, 11]);
        assert_eq!(codes, [1, 0, 0, 1, 0, 1]);
        assert_eq!(union_tiers(&[], 0, &[4], 2), (vec![4], vec![2]));
        assert_eq!(union_tiers(&[4, 6], 1, &[], 2), (vec![4, 6], vec![1, 1]));
    }

    #[test]
    fn best_bounds_are_the_kth_and_the_best_k_of_the_bounds_sorted_down() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for len in [0usize, 1, 5, 10, 31, 32, 33, 100, 645] {
            let values: Vec<i32> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // (Few distinct values, as bounds are; i32::MIN too.)
                    match x % 9 {
                        0 => i32::MIN,
                        r => r as i32 * 100 - 400,
                    }
                })
                .collect();
            let mut down = values.clone();
            down.sort_unstable_by(|a, b| b.cmp(a));
            for k in [0usize, 1, 2, 10, 32, 33, 50] {
                let want = match k {
                    0 => i32::MIN,
                    k => down.get(k - 1).copied().unwrap_or(i32::MIN),
                };
                let bounded: Vec<(i32, u32)> = (0..).zip(&values).map(|(i, &b)| (b, i)).collect();
                let mut top = [(0, 0); super::SEEDS];
                let (kth, apart) = best_bounds(&bounded, k, &mut top);
                assert_eq!(kth, want, "len {len} k {k}");
                if apart > 0 {
                    assert_eq!(apart, k);
                    // The best k, ascending, each where `bounded` has it
                    // (a slot no bound took: i32::MIN, no position).
                    let mut best: Vec<i32> = top[..k].iter().map(|t| t.0).collect();
                    best.reverse();
                    assert_eq!(best[..], down[..k], "len {len} k {k}");
                    for &(b, i) in &top[..k] {
                        match bounded.get(i as usize) {
                            Some(x) => assert_eq!(x.0, b),
                            None => assert_eq!((b, i), (i32::MIN, u32::MAX)),
                        }
                    }
                    let mut idx: Vec<u32> = top[..k].iter().map(|t| t.1).collect();
                    idx.retain(|&i| i != u32::MAX);
                    let taken = idx.len();
                    idx.sort_unstable();
                    idx.dedup();
                    assert_eq!(idx.len(), taken, "distinct positions");
                }
            }
        }
    }

    #[test]
    fn ascii_classes_are_the_word_rules() {
        for b in 0u8..128 {
            let want = if b.is_ascii_alphanumeric() {
                ALNUM
            } else if crate::text::is_apostrophe(char::from(b)) {
                APOSTROPHE
            } else {
                0
            };
            assert_eq!(ASCII_CLASS[usize::from(b)], want, "byte {b}");
        }
    }

    #[test]
    fn nos_terms_are_x_nos_or_x_with_only_nonessential_modifiers() {
        let words = |t: &str| nos_words(t).map(|w| w.join(" "));
        assert_eq!(words("Diabetes NOS").as_deref(), Some("diabetes"));
        assert_eq!(
            words("hypertension (arterial) (benign) (essential) (malignant) (primary) (systemic)")
                .as_deref(),
            Some("hypertension")
        );
        assert_eq!(
            words("Carditis (acute)(chronic)").as_deref(),
            Some("carditis")
        );
        assert_eq!(
            words("Anxiety (reaction) state NOS").as_deref(),
            Some("anxiety state")
        );
        // Words after a modifier, a modifier first, an unclosed one, no
        // modifier at all: not a default.
        for t in [
            "Migraine (with aura) without headache",
            "(acute) bronchitis",
            "Bronchitis (acute",
            "high blood pressure",
            "NOS",
        ] {
            assert_eq!(words(t), None, "{t}");
        }
    }
}
