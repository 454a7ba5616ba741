//! Building an index file from catalog entries.

use std::path::Path;

use chrono::{Datelike, NaiveDate};

use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::error::{CatalogError, Result};
use crate::index::container::write_atomic;
use crate::index::fast_map::FastMap;
use crate::index::format::{self, code_key};
use crate::index::postings;
use crate::release::{self, Release};
use crate::text;

/// Collects entries and writes an immutable index file. Validation happens here:
/// duplicate codes within a system and unstorable entries are errors.
///
/// One code may be given several times as **versions** with validity ranges
/// that do not overlap (each version but the newest terminated before the
/// next one takes effect), e.g. a title revised or a code turned into a
/// header on 2026-10-01: the newest version is the code's current entry,
/// the older ones answer for the dates of service they cover (see
/// `procode::Catalog::lookup` with a date). Versions whose ranges overlap are
/// a [`CatalogError::DuplicateCode`].
///
/// # Example
/// ```
/// use procode_index::{CatalogError, Code, CodeSystem, Entry, IndexBuilder};
/// let mut b = IndexBuilder::new();
/// b.add(Entry::new(Code::parse("X1").unwrap(), CodeSystem::Custom, "Intake assessment"));
/// let bytes = b.build().unwrap();
/// assert!(bytes.starts_with(b"PRCDIDX"));
/// // The same code twice within one system is refused.
/// b.add(Entry::new(Code::parse("x1").unwrap(), CodeSystem::Custom, "Intake, again"));
/// assert!(matches!(b.build(), Err(CatalogError::DuplicateCode { .. })));
/// ```
#[derive(Debug, Default, Clone)]
pub struct IndexBuilder {
    entries: Vec<Entry>,
    tabular: Vec<u8>,
    releases: Vec<Release>,
    /// Extra searchable text per (system, code): inclusion terms and other
    /// wording that finds a code without being its title.
    search_terms: Vec<(CodeSystem, Code, String)>,
    /// Whether [`IndexBuilder::build`] stays on the calling thread.
    sequential: bool,
}

/// The largest description (in bytes) an index stores.
pub const MAX_DESCRIPTION_LEN: usize = 64 * 1024;

impl IndexBuilder {
    /// An empty builder.
    pub fn new() -> IndexBuilder {
        IndexBuilder::default()
    }

    /// Adds one entry.
    pub fn add(&mut self, entry: Entry) -> &mut IndexBuilder {
        self.entries.push(entry);
        self
    }

    /// Adds many entries.
    pub fn extend(&mut self, entries: impl IntoIterator<Item = Entry>) -> &mut IndexBuilder {
        if self.entries.is_empty() {
            // Collecting a `Vec`'s own iterator keeps its buffer: a parsed
            // catalog (18 MB of entries) is not copied.
            self.entries = entries.into_iter().collect();
        } else {
            self.entries.extend(entries);
        }
        self
    }

    /// Takes the ICD-10-CM tabular list: its structure into the tabular
    /// section ([`IndexBuilder::tabular`]) and each code's inclusion terms and
    /// `includes` notes (which list terms the same way: "high blood pressure"
    /// under I10) as search text of the code ([`IndexBuilder::add_search_terms`]),
    /// so that a query matching one ("plantar fasciitis") finds its code
    /// (M72.2), ranked below an equal match in the code's own title.
    pub fn add_tabular(&mut self, t: &crate::import::tabular::Tabular) -> &mut IndexBuilder {
        use crate::import::tabular::NoteKind;
        for node in t.nodes() {
            let terms = node
                .notes
                .iter()
                .filter(|b| matches!(b.kind, NoteKind::InclusionTerm | NoteKind::Includes))
                .flat_map(|b| b.notes.iter());
            for note in terms {
                self.add_search_terms(CodeSystem::Icd10Cm, node.code, note.text.as_str());
            }
        }
        self.tabular(crate::import::tabular::encode(t))
    }

    /// Stores the ICD-10-CM tabular structure (hierarchy, notes, 7th-character
    /// rules), serialised by
    /// [`tabular::encode`](crate::import::tabular::encode), in the index's
    /// tabular section (replacing any given before).
    pub fn tabular(&mut self, data: crate::import::tabular::TabularSections) -> &mut IndexBuilder {
        self.tabular = data.bytes;
        self
    }

    /// Records a release the catalog holds (its code system and validity
    /// window); readers list them and warn about dates of service outside
    /// every window of a system.
    pub fn release(&mut self, release: Release) -> &mut IndexBuilder {
        self.releases.push(release);
        self
    }

    /// The releases recorded so far.
    pub fn releases(&self) -> &[Release] {
        &self.releases
    }

    /// Adds words that find the entry `code` of `system` in word search
    /// without being part of its title: ICD-10-CM inclusion terms ("Plantar
    /// fasciitis" for M72.2), other spellings of the title. Their words go
    /// into the word index under their own keys (the word and
    /// [`format::EXTRA_ONLY`]): they match as the entry's own words but never
    /// as its title's, so search ranks them below an equal title match.
    /// Terms of a code the builder has no entry for are ignored (an inclusion
    /// term of a code that a release dropped).
    ///
    /// # Example
    /// ```
    /// use procode_index::{Code, CodeSystem, Entry, IndexBuilder};
    /// let mut b = IndexBuilder::new();
    /// let m722 = Code::parse("M72.2").unwrap();
    /// b.add(Entry::new(m722, CodeSystem::Icd10Cm, "Plantar fascial fibromatosis"));
    /// b.add_search_terms(CodeSystem::Icd10Cm, m722, "Plantar fasciitis");
    /// assert!(b.build().is_ok());
    /// ```
    pub fn add_search_terms(
        &mut self,
        system: CodeSystem,
        code: Code,
        text: impl Into<String>,
    ) -> &mut IndexBuilder {
        self.search_terms.push((system, code, text.into()));
        self
    }

    /// How many entries have been added.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry has been added.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Builds the index file in memory.
    ///
    /// # Errors
    /// [`CatalogError::BadEntry`] for an entry [`IndexBuilder::check_entry`]
    /// refuses or a release whose window ends before it starts,
    /// [`CatalogError::DuplicateCode`] for a code given twice in one system
    /// with overlapping validity.
    pub fn build(&self) -> Result<Vec<u8>> {
        build_index(
            &self.entries,
            &self.tabular,
            &self.releases,
            &self.search_terms,
            !self.sequential,
        )
    }

    /// Whether [`IndexBuilder::build`] runs the independent parts of the
    /// build (the token dictionary beside the code fst, the word index beside
    /// the entry records) on two threads: yes by default. The index bytes are
    /// the same either way; a single-threaded build suits a caller that
    /// already keeps every core busy.
    ///
    /// # Example
    /// ```
    /// use procode_index::{Code, CodeSystem, Entry, IndexBuilder};
    /// let mut b = IndexBuilder::new();
    /// b.add(Entry::new(Code::parse("X1").unwrap(), CodeSystem::Custom, "Intake assessment"));
    /// let two_threads = b.build().unwrap();
    /// assert_eq!(b.parallel(false).build().unwrap(), two_threads);
    /// ```
    pub fn parallel(&mut self, on: bool) -> &mut IndexBuilder {
        self.sequential = !on;
        self
    }

    /// Builds the index and writes it to `path` atomically (a temporary file in
    /// the same directory, then a rename), so readers never see half a file.
    /// Returns the number of bytes written.
    ///
    /// # Errors
    /// Those of [`IndexBuilder::build`], and [`CatalogError::Io`] when the
    /// file cannot be written.
    pub fn write_to(&self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let bytes = self.build()?;
        write_atomic(path, &bytes).map_err(|source| CatalogError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(bytes.len() as u64)
    }

    /// Whether an index can store `entry`: its code has the shape of its
    /// system, it is not terminated before it takes effect, its descriptions
    /// are at most [`MAX_DESCRIPTION_LEN`] bytes and its action code is a
    /// printable ASCII character.
    ///
    /// # Errors
    /// [`CatalogError::BadEntry`] saying what is wrong.
    pub fn check_entry(e: &Entry) -> Result<()> {
        let bad = |problem: String| CatalogError::BadEntry {
            code: e.code,
            system: e.system,
            problem,
        };
        if !e.code.fits(e.system) {
            return Err(bad(format!(
                "not a valid code: expected {}",
                e.system.expected_shape()
            )));
        }
        if let (Some(a), Some(t)) = (e.effective, e.terminated) {
            if t < a {
                return Err(bad(format!(
                    "termination date {t} is before effective date {a}"
                )));
            }
        }
        for (what, s) in [
            ("description", &e.description),
            ("short description", &e.short_description),
        ] {
            if s.len() > MAX_DESCRIPTION_LEN {
                return Err(bad(format!(
                    "{what} is {} bytes long; at most {MAX_DESCRIPTION_LEN}",
                    s.len()
                )));
            }
        }
        if let Some(a) = e.action {
            if !a.is_ascii_graphic() {
                return Err(bad(format!(
                    "action code {a:?} is not a printable ASCII character"
                )));
            }
        }
        Ok(())
    }
}

fn fst_err(e: fst::Error) -> CatalogError {
    CatalogError::Fst(e.to_string())
}

/// A code as an integer that sorts like its bytes (codes hold no zero byte
/// and are at most 15 bytes, so zero padding sorts shorter codes first).
fn pack_code(code: &Code) -> u128 {
    let mut b = [0u8; 16];
    b[..code.as_bytes().len()].copy_from_slice(code.as_bytes());
    u128::from_be_bytes(b)
}

/// The descriptions an entry stores: the long one, then the short one when
/// it differs.
fn stored_descriptions(e: &Entry) -> impl Iterator<Item = &str> {
    let short = (e.short_description != e.description).then_some(e.short_description.as_str());
    std::iter::once(e.description.as_str()).chain(short)
}

/// The entries as stored: versions grouped, current versions carrying the
/// code's dates and their history. The entries themselves are borrowed: only
/// the first day of a current version with history changes.
struct Prepared<'e> {
    /// The entries as given.
    entries: &'e [Entry],
    /// Each entry's first day as stored: a current version with history has
    /// the code's (first day of its oldest version).
    effective: Vec<Option<NaiveDate>>,
    /// Whether entry `i` is an older version.
    superseded: Vec<bool>,
    /// For a current version with history: its own first day and its older
    /// versions (entry indices, oldest first).
    history: FastMap<usize, (NaiveDate, Vec<usize>)>,
    /// The entry indices in key order (code, system; then first day).
    by_key: Vec<usize>,
}

/// Groups the versions of each (code, system): one version is a plain entry;
/// several must have ranges that do not overlap, ordered by date.
fn prepare<'e>(entries: &'e [Entry], packed: &[(u128, u8)]) -> Result<Prepared<'e>> {
    // The keys are gathered first: sorting them in place reads no entry.
    // They are distinct (the index is one), so a stable sort gives the
    // same order; it merges the runs the input is made of (code-set files
    // sorted by code) instead of partitioning from scratch.
    let mut keys: Vec<_> = packed
        .iter()
        .zip(entries)
        .enumerate()
        .map(|(i, (&code, e))| (code, e.effective, i))
        .collect();
    keys.sort();
    let by_key: Vec<usize> = keys.into_iter().map(|k| k.2).collect();
    let mut out = Prepared {
        entries,
        effective: entries.iter().map(|e| e.effective).collect(),
        superseded: vec![false; entries.len()],
        history: FastMap::default(),
        by_key: Vec::new(),
    };
    let mut start = 0;
    while start < by_key.len() {
        let mut end = start + 1;
        while end < by_key.len() && packed[by_key[end]] == packed[by_key[start]] {
            end += 1;
        }
        let group = &by_key[start..end];
        if group.len() > 1 {
            for w in group.windows(2) {
                let (a, b) = (&entries[w[0]], &entries[w[1]]);
                let apart = matches!((a.terminated, b.effective), (Some(t), Some(e)) if t < e);
                if !apart {
                    return Err(CatalogError::DuplicateCode {
                        code: a.code,
                        system: a.system,
                    });
                }
            }
            let (&current, older) = group.split_last().unwrap_or((&group[0], &[]));
            for &i in older {
                out.superseded[i] = true;
            }
            let own_start = entries[current].effective.unwrap_or(NaiveDate::MIN);
            out.effective[current] = entries[group[0]].effective;
            out.history.insert(current, (own_start, older.to_vec()));
        }
        start = end;
    }
    out.by_key = by_key;
    Ok(out)
}

/// Runs `a` and `b`, on two threads when `parallel`, and returns both
/// results (a panic in either is resumed here).
fn both<A: Send, B: Send>(
    parallel: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if !parallel {
        return (a(), b());
    }
    std::thread::scope(|s| {
        let a = s.spawn(a);
        let b = b();
        let a = a.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (a, b)
    })
}

/// Entry ids follow the search tie-break order: shorter description, then
/// code and system (then first day, then input order). Codes are packed into integers
/// so sorting never calls memcmp. `order[id]` is the entry of id `id`.
///
/// The keys are distinct (the entry index is one), so any sort gives this
/// order; this one sorts by (code, system, first day, index) first, a stable sort
/// that merges the runs the input is made of (code-set files sorted by
/// code), then by description length with a stable counting sort.
fn entry_order(prepared: &Prepared<'_>, packed: &[(u128, u8)]) -> Vec<u32> {
    let mut by_code: Vec<((u128, u8), Option<NaiveDate>, u32)> = packed
        .iter()
        .zip(&prepared.effective)
        .enumerate()
        .map(|(i, (&code, &effective))| (code, effective, i as u32))
        .collect();
    by_code.sort();
    // Read in input order: the counting sort then reads no entry.
    let lens: Vec<usize> = prepared
        .entries
        .iter()
        .map(|e| e.description.len())
        .collect();
    let mut next = vec![0usize; lens.iter().max().map_or(0, |&n| n + 1)];
    for &len in &lens {
        next[len] += 1;
    }
    let mut at = 0;
    for slot in &mut next {
        let n = *slot;
        *slot = at;
        at += n;
    }
    let mut order = vec![0u32; lens.len()];
    for &(_, _, i) in &by_code {
        let slot = &mut next[lens[i as usize]];
        order[*slot] = i;
        *slot += 1;
    }
    order
}

fn build_index(
    entries: &[Entry],
    tabular: &[u8],
    releases: &[Release],
    search_terms: &[(CodeSystem, Code, String)],
    parallel: bool,
) -> Result<Vec<u8>> {
    for e in entries {
        IndexBuilder::check_entry(e)?;
    }
    if let Some(r) = releases.iter().find(|r| !r.is_well_formed()) {
        return Err(CatalogError::BadRelease {
            name: r.name.clone(),
            problem: "its validity window ends before it starts".into(),
        });
    }
    let packed: Vec<(u128, u8)> = entries
        .iter()
        .map(|e| (pack_code(&e.code), e.system.to_u8()))
        .collect();
    // Two threads, three steps, each pair of about equal cost: the tokens
    // (and words) of every description beside the versions, the entry
    // order and the phrase keys; the word terms beside the code fst and the
    // token dictionary's order; (after the keys are sorted) the word fst
    // beside the records, text and posting lists.
    let ((tokens, dict), grouped) = both(
        parallel,
        || {
            let mut dict = WordDict::default();
            (Tokens::new(entries, &mut dict), dict)
        },
        || -> Result<_> {
            let prepared = prepare(entries, &packed)?;
            let extra = extra_texts(entries, &prepared.superseded, search_terms);
            let order = entry_order(&prepared, &packed);
            let mut id_of = vec![0u32; order.len()];
            for (id, &i) in order.iter().enumerate() {
                id_of[i as usize] = id as u32;
            }
            let phrases = PhraseIndex::build(&prepared, &order, &extra);
            Ok((prepared, extra, order, id_of, phrases))
        },
    );
    let (prepared, extra, order, id_of, phrases) = grouped?;
    let (words, (codes, ranks)) = both(
        parallel,
        || WordIndex::build(&prepared, &order, &tokens, dict, &extra),
        || (code_section(&prepared, &id_of, &packed), tokens.rank()),
    );
    let codes = codes?;
    let terms = words.into_terms(phrases, parallel);
    let (word_fst, (body, postings)) = both(
        parallel,
        || terms.fst(),
        || {
            let body = Body::write(&prepared, &order, &id_of, &tokens, &ranks);
            (body, terms.postings())
        },
    );
    let body = body?;
    let word_fst = word_fst?;
    let superseded = prepared.superseded.iter().filter(|&&s| s).count();
    let releases = release::encode(releases);
    Ok(format::LAYOUT.write(
        [entries.len() as u64, superseded as u64],
        [
            &codes,
            &word_fst,
            &postings.offsets,
            &postings.bytes,
            &body.records,
            &body.text,
            &ranks.offsets,
            &ranks.bytes,
            tabular,
            &releases,
        ],
    ))
}

/// The extra search texts of each entry (by entry index), from the
/// builder's search terms; terms of codes without an entry are dropped.
fn extra_texts<'a>(
    entries: &[Entry],
    superseded: &[bool],
    search_terms: &'a [(CodeSystem, Code, String)],
) -> Vec<Vec<&'a str>> {
    let mut out: Vec<Vec<&str>> = vec![Vec::new(); entries.len()];
    if search_terms.is_empty() {
        return out;
    }
    let mut by_key: FastMap<(u128, u8), usize> = FastMap::default();
    // Older versions have no terms of their own: the current version holds
    // the code's words.
    for (i, e) in entries.iter().enumerate().filter(|&(i, _)| !superseded[i]) {
        by_key.insert((pack_code(&e.code), e.system.to_u8()), i);
    }
    for (system, code, text) in search_terms {
        if let Some(&i) = by_key.get(&(pack_code(code), system.to_u8())) {
            out[i].push(text.as_str());
        }
    }
    out
}

/// The code fst: every current entry's code key in key order (code, then
/// system) with its entry id (older versions have no key).
/// `id_of[i]` is the id of entry `i`, `packed[i]` entry `i`'s key as integers.
fn code_section(prepared: &Prepared<'_>, id_of: &[u32], packed: &[(u128, u8)]) -> Result<Vec<u8>> {
    let entries = &prepared.entries;
    let mut codes = fst::MapBuilder::memory();
    let mut last = None;
    for &i in &prepared.by_key {
        if prepared.superseded[i] {
            continue;
        }
        let e = &entries[i];
        if last == Some(packed[i]) {
            return Err(CatalogError::DuplicateCode {
                code: e.code,
                system: e.system,
            });
        }
        last = Some(packed[i]);
        codes
            .insert(code_key(&e.code, e.system), u64::from(id_of[i]))
            .map_err(fst_err)?;
    }
    codes.into_inner().map_err(fst_err)
}

/// Where a word of the word index comes from, beside its text: the key of
/// the term is the word, then the kind's marker byte (none for a title word).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// A word of a title (or of an older version's title).
    Title = 0,
    /// A short-description word the title lacks ([`format::SHORT_ONLY`]).
    ShortOnly = 1,
    /// A word only the extra search texts have ([`format::EXTRA_ONLY`]).
    ExtraOnly = 2,
}

/// A word term of the word index while it is built: a word and its kind as
/// one integer (sortable, so an entry's terms dedupe with one sort).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Term(u32);

impl Term {
    fn word(word: u32, kind: Kind) -> Term {
        Term(word * 3 + kind as u32)
    }
}

/// The distinct words (folded) of the descriptions and search texts, by
/// number.
#[derive(Default)]
struct WordDict {
    ids: FastMap<Box<str>, u32>,
}

impl WordDict {
    /// The number of a folded word, numbering it the first time.
    fn id(&mut self, word: &str) -> u32 {
        if let Some(&n) = self.ids.get(word) {
            return n;
        }
        let n = self.ids.len() as u32;
        self.ids.insert(word.into(), n);
        n
    }
}

/// No word: a token whose letters-and-digits part is empty.
const NO_WORD: u32 = u32::MAX;

/// The token dictionary (most frequent tokens first, so they get the
/// shortest varints) and every stored description as token numbers. The
/// one pass that cuts the descriptions into tokens also finds their words:
/// a description whose tokens are all *clean* (their separators plain ASCII
/// without apostrophes) has exactly the tokens' letters-and-digits parts,
/// lower-cased, as its words ([`text::for_each_word`] cuts it there), so
/// each distinct token is folded and looked up once. The dictionary's
/// order ([`Tokens::rank`]) is only needed by the records, so it is worked
/// out apart, beside the word terms.
struct Tokens<'e> {
    /// Every stored description's tokens as provisional (first-seen)
    /// numbers, description after description, entry after entry.
    provisional: Vec<u32>,
    /// Where each stored description starts in `provisional`, plus the end.
    starts: Vec<usize>,
    /// Where each entry's descriptions start in `starts`, plus the end.
    first_desc: Vec<usize>,
    /// By stored description: whether all its tokens are clean.
    clean: Vec<bool>,
    /// By provisional number: the token's word ([`NO_WORD`] for none).
    word_of: Vec<u32>,
    /// By provisional number: how many times the token occurs.
    counts: Vec<u32>,
    /// By provisional number: the token's [`token_key`] and text.
    token_text: Vec<(u128, &'e str)>,
}

/// The token dictionary in its order.
struct Ranks {
    /// The dictionary rank of each provisional number.
    rank_of: Vec<u32>,
    /// The token-offsets section.
    offsets: Vec<u8>,
    /// The tokens section.
    bytes: Vec<u8>,
}

/// Whether a token's separators (after its letters and digits) are plain
/// ASCII without apostrophes: then the token holds exactly one word (or
/// none) and no word runs on into the next token.
fn token_is_clean(tok: &str) -> (bool, &str) {
    let b = tok.as_bytes();
    let alnum = b.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    let clean = b[alnum..]
        .iter()
        .all(|&c| c.is_ascii() && !text::is_apostrophe(char::from(c)));
    (clean, &tok[..alnum])
}

/// The first 15 bytes of a token (zero-padded) as one integer that sorts
/// like them, with the token's length (up to 15) in its lowest byte: for a
/// token of at most 15 bytes, a key no other token shares; for a longer one
/// a key that orders it among the others by its first 15 bytes. `text[at..]`
/// starts with the token, `len` bytes long.
fn token_key(text: &[u8], at: usize, len: usize) -> u128 {
    let mut b = [0u8; 16];
    let take = len.min(15);
    match text.get(at..at + 16) {
        // Most tokens have 16 bytes of text from their start: one load.
        Some(chunk) => {
            b.copy_from_slice(chunk);
            let keep = u128::MAX << (8 * (16 - take));
            let key = u128::from_be_bytes(b) & keep;
            return key | len.min(255) as u128 & 0xff;
        }
        None => b[..take].copy_from_slice(&text[at..at + take]),
    }
    b[15] = len.min(255) as u8;
    u128::from_be_bytes(b)
}

impl<'e> Tokens<'e> {
    fn new(entries: &'e [Entry], dict: &mut WordDict) -> Tokens<'e> {
        // One hash lookup per token: provisional numbers first, ranks after.
        // Tokens of up to 15 bytes (nearly all) are looked up by their key
        // alone, without reading the text of the token seen first.
        let mut short: FastMap<u128, u32> = FastMap::default();
        let mut long: FastMap<&str, u32> = FastMap::default();
        let mut counts: Vec<u32> = Vec::new();
        let mut token_text: Vec<(u128, &str)> = Vec::new();
        let mut token_clean: Vec<bool> = Vec::new();
        let mut word_of: Vec<u32> = Vec::new();
        let mut provisional: Vec<u32> = Vec::new();
        let mut starts: Vec<usize> = Vec::with_capacity(entries.len() * 2 + 1);
        let mut clean: Vec<bool> = Vec::with_capacity(entries.len() * 2);
        let mut first_desc: Vec<usize> = Vec::with_capacity(entries.len() + 1);
        let mut lower = String::new();
        for e in entries {
            first_desc.push(starts.len());
            for d in stored_descriptions(e) {
                starts.push(provisional.len());
                let mut all_clean = true;
                let mut at = 0;
                for t in text::tokens(d) {
                    let next = counts.len() as u32;
                    let key = token_key(d.as_bytes(), at, t.len());
                    at += t.len();
                    let n = if t.len() <= 15 {
                        *short.entry(key).or_insert(next)
                    } else {
                        *long.entry(t).or_insert(next)
                    };
                    if n == next {
                        counts.push(0);
                        token_text.push((key, t));
                        let (is_clean, alnum) = token_is_clean(t);
                        token_clean.push(is_clean);
                        word_of.push(if alnum.is_empty() {
                            NO_WORD
                        } else {
                            lower.clear();
                            lower.push_str(alnum);
                            lower.make_ascii_lowercase();
                            dict.id(&lower)
                        });
                    }
                    counts[n as usize] += 1;
                    all_clean &= token_clean[n as usize];
                    provisional.push(n);
                }
                clean.push(all_clean);
            }
        }
        starts.push(provisional.len());
        first_desc.push(clean.len());
        Tokens {
            provisional,
            starts,
            first_desc,
            clean,
            word_of,
            counts,
            token_text,
        }
    }

    /// The dictionary's order: most frequent first, then in byte order.
    fn rank(&self) -> Ranks {
        let Tokens {
            counts, token_text, ..
        } = self;
        // Most frequent first, then in byte order (the keys order by the
        // first 15 bytes; only tokens alike in those are compared whole).
        let mut ranked: Vec<(std::cmp::Reverse<u32>, u128, u32)> = counts
            .iter()
            .zip(token_text)
            .enumerate()
            .map(|(p, (&c, &(key, _)))| (std::cmp::Reverse(c), key & !0xff, p as u32))
            .collect();
        ranked.sort_unstable_by(|x, y| {
            (x.0, x.1)
                .cmp(&(y.0, y.1))
                .then_with(|| token_text[x.2 as usize].1.cmp(token_text[y.2 as usize].1))
        });
        let mut rank_of = vec![0u32; counts.len()];
        let mut offsets = Vec::with_capacity((ranked.len() + 1) * 4);
        let mut bytes = Vec::new();
        for (r, &(_, _, p)) in ranked.iter().enumerate() {
            rank_of[p as usize] = r as u32;
            offsets.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            bytes.extend_from_slice(token_text[p as usize].1.as_bytes());
        }
        offsets.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        Ranks {
            rank_of,
            offsets,
            bytes,
        }
    }

    /// How many descriptions entry `i` stores (see [`stored_descriptions`]).
    fn descriptions(&self, i: usize) -> usize {
        self.first_desc[i + 1] - self.first_desc[i]
    }

    /// Entry `i`'s `k`th stored description as provisional token numbers.
    fn description(&self, i: usize, k: usize) -> &[u32] {
        let slot = self.first_desc[i] + k;
        &self.provisional[self.starts[slot]..self.starts[slot + 1]]
    }

    /// How many first tokens entry `i`'s short description shares with its
    /// long one when it stores one of its own (0 when it does not).
    fn shared_prefix(&self, i: usize) -> usize {
        if self.descriptions(i) < 2 {
            return 0;
        }
        let (long, short) = (self.description(i, 0), self.description(i, 1));
        long.iter().zip(short).take_while(|(a, b)| a == b).count()
    }

    /// Appends entry `i`'s `k`th stored description, without its first
    /// `skip` tokens, to `out`: the byte length of the token numbers, then
    /// each token's rank, as varints.
    fn write_description(
        &self,
        ranks: &Ranks,
        i: usize,
        (k, skip): (usize, usize),
        out: &mut Vec<u8>,
    ) {
        let toks = self.description(i, k).get(skip..).unwrap_or(&[]);
        let len: usize = toks
            .iter()
            .map(|&t| text::varint_len(u64::from(ranks.rank_of[t as usize])))
            .sum();
        text::put_varint(out, len as u64);
        for &t in toks {
            text::put_varint(out, u64::from(ranks.rank_of[t as usize]));
        }
    }

    /// Calls `f` with the number of every word of entry `i`'s `k`th stored
    /// description `d`, in order: from the tokens when the description is
    /// clean, else by cutting `d` again (numbering new words in `dict`).
    fn for_each_word(
        &self,
        (i, k, d): (usize, usize, &str),
        dict: &mut WordDict,
        buf: &mut String,
        mut f: impl FnMut(u32),
    ) {
        if self.clean[self.first_desc[i] + k] {
            for &t in self.description(i, k) {
                let w = self.word_of[t as usize];
                if w != NO_WORD {
                    f(w);
                }
            }
        } else {
            text::for_each_word(d, buf, |w| f(dict.id(w)));
        }
    }
}

/// The entry records and the text section.
struct Body {
    records: Vec<u8>,
    text: Vec<u8>,
}

impl Body {
    fn write(
        prepared: &Prepared<'_>,
        order: &[u32],
        id_of: &[u32],
        tokens: &Tokens,
        ranks: &Ranks,
    ) -> Result<Body> {
        let entries = prepared.entries;
        let mut body = Body {
            records: Vec::with_capacity(entries.len() * format::ENTRY_LEN),
            text: Vec::new(),
        };
        for &i in order {
            let e = &entries[i as usize];
            let text_off = u32::try_from(body.text.len()).map_err(|_| CatalogError::BadEntry {
                code: e.code,
                system: e.system,
                problem: "the catalog's text exceeds 4 GiB".into(),
            })?;
            let superseded = prepared.superseded[i as usize];
            let history = prepared.history.get(&(i as usize));
            let mut flags = 0;
            if superseded {
                flags |= format::F_SUPERSEDED;
            }
            if history.is_some() {
                flags |= format::F_HISTORY;
            }
            let effective = prepared.effective[i as usize];
            let stored = tokens.descriptions(i as usize);
            if stored == 1 {
                flags |= format::F_SHORT_SAME;
            }
            let shared = tokens.shared_prefix(i as usize);
            if shared > 0 {
                flags |= format::F_SHORT_PREFIX;
            }
            body.records
                .extend_from_slice(&record(e, effective, text_off, flags));
            body.text.extend_from_slice(e.code.as_bytes());
            for d in [effective, e.terminated].into_iter().flatten() {
                body.text
                    .extend_from_slice(&d.num_days_from_ce().to_le_bytes());
            }
            if let Some(a) = e.action {
                // A printable ASCII character (`check_entry`).
                body.text.push(a as u8);
            }
            tokens.write_description(ranks, i as usize, (0, 0), &mut body.text);
            if stored > 1 {
                if shared > 0 {
                    text::put_varint(&mut body.text, shared as u64);
                }
                tokens.write_description(ranks, i as usize, (1, shared), &mut body.text);
            }
            if let Some((own_start, older)) = history {
                body.text
                    .extend_from_slice(&own_start.num_days_from_ce().to_le_bytes());
                text::put_varint(&mut body.text, older.len() as u64);
                for &o in older {
                    text::put_varint(&mut body.text, u64::from(id_of[o]));
                }
            }
        }
        Ok(body)
    }
}

/// The word index while it is built: every entry's word terms.
struct WordIndex<'t> {
    tokens: &'t Tokens<'t>,
    dict: WordDict,
    /// The word terms ([`Term`]) of each entry.
    postings: Inverted,
    /// Scratch space: the word being cut, an entry's terms.
    word: String,
    entry_terms: Vec<Term>,
}

/// The word terms of the word index: the words by number and, by
/// [`Term`], the ids of the entries holding each.
struct Words {
    dict: WordDict,
    lists: Lists,
}

impl WordIndex<'_> {
    /// The word terms of the current entries.
    fn build(
        prepared: &Prepared<'_>,
        order: &[u32],
        tokens: &Tokens,
        dict: WordDict,
        extra: &[Vec<&str>],
    ) -> Words {
        let mut index = WordIndex {
            tokens,
            dict,
            postings: Inverted::default(),
            word: String::new(),
            entry_terms: Vec::new(),
        };
        for (i, (&superseded, extra)) in prepared.superseded.iter().zip(extra).enumerate() {
            if !superseded {
                let older: &[usize] = prepared.history.get(&i).map_or(&[], |h| &h.1);
                index.index_words(prepared.entries, i, older, extra);
            }
            index.postings.end_entry();
        }
        let lists = index.postings.invert(index.dict.ids.len() * 3, order);
        Words {
            dict: index.dict,
            lists,
        }
    }

    /// Adds the terms of every word of entry `i`'s descriptions to its (and of the long titles of its `older` versions, so
    /// that a code is found by the title it had on an earlier date).
    /// A short-description word the long one lacks gets its own key (the
    /// word and [`format::SHORT_ONLY`]): it matches as a prefix but never
    /// counts as an exact match. Words of the extra search texts that no
    /// description has get keys with [`format::EXTRA_ONLY`] likewise.
    fn index_words(&mut self, entries: &[Entry], i: usize, older: &[usize], extra: &[&str]) {
        let WordIndex {
            tokens,
            dict,
            word,
            entry_terms,
            postings,
        } = self;
        let e = &entries[i];
        entry_terms.clear();
        for (k, d) in stored_descriptions(e).enumerate() {
            let long_terms = entry_terms.len();
            tokens.for_each_word((i, k, d), dict, word, |w| {
                let title = Term::word(w, Kind::Title);
                if k == 0 {
                    entry_terms.push(title);
                } else if !entry_terms[..long_terms].contains(&title) {
                    entry_terms.push(Term::word(w, Kind::ShortOnly));
                }
            });
        }
        for &o in older {
            let d = entries[o].description.as_str();
            tokens.for_each_word((o, 0, d), dict, word, |w| {
                entry_terms.push(Term::word(w, Kind::Title));
            });
        }
        let described = entry_terms.len();
        for d in extra {
            text::for_each_word(d, word, |w| {
                let w = dict.id(w);
                let seen = |kind| entry_terms[..described].contains(&Term::word(w, kind));
                if !seen(Kind::Title) && !seen(Kind::ShortOnly) {
                    entry_terms.push(Term::word(w, Kind::ExtraOnly));
                }
            });
        }
        entry_terms.sort_unstable();
        entry_terms.dedup();
        postings.terms.extend(entry_terms.iter().map(|t| t.0));
    }
}

impl Words {
    /// Every term's key (see [`Kind`]; the phrase keys of `phrases` too)
    /// with its posting list, in key order. Word keys and phrase keys are
    /// sorted apart (on two threads when `parallel`) and merged: a word's
    /// keys sort together, the word alone first and its marker bytes after
    /// (they sort below every letter and digit), so sorting the words sorts
    /// their keys.
    fn into_terms(self, phrases: Phrases, parallel: bool) -> Terms {
        let Words { dict, lists } = self;
        let mut words: Vec<Box<str>> = vec![Box::from(""); dict.ids.len()];
        for (w, n) in dict.ids {
            words[n as usize] = w;
        }
        let Phrases {
            ids: phrase_ids,
            lists: phrase_lists,
        } = phrases;
        let mut keyed: Vec<(Box<str>, Posting)> = phrase_ids
            .into_iter()
            .filter(|&(_, n)| !phrase_lists.get(n as usize).is_empty())
            .map(|(key, n)| (key, Posting::Phrase(n)))
            .collect();
        let mut by_word: Vec<u32> = (0..words.len() as u32).collect();
        both(
            parallel,
            || by_word.sort_unstable_by(|&a, &b| words[a as usize].cmp(&words[b as usize])),
            || keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0)),
        );
        let mut word_keys = Vec::with_capacity(by_word.len());
        for &w in &by_word {
            for kind in [Kind::Title, Kind::ShortOnly, Kind::ExtraOnly] {
                let Term(t) = Term::word(w, kind);
                if lists.get(t as usize).is_empty() {
                    continue;
                }
                let word = &words[w as usize];
                let key: Box<str> = match kind {
                    Kind::Title => word.clone(),
                    Kind::ShortOnly => format!("{word}{}", char::from(format::SHORT_ONLY)).into(),
                    Kind::ExtraOnly => format!("{word}{}", char::from(format::EXTRA_ONLY)).into(),
                };
                word_keys.push((key, Posting::Word(t)));
            }
        }
        Terms {
            keys: merge_sorted(word_keys, keyed),
            words: lists,
            phrases: phrase_lists,
        }
    }
}

/// Posting lists gathered entry after entry (in input order, so the
/// entries and their tokens are read front to back) and turned around at
/// the end: the terms of every entry go into one array (no vector per
/// term), then a counting sort by term, walking the entries in id order,
/// lays out each term's ids, ascending, one list after the other.
struct Inverted {
    /// Each entry's terms, entry after entry.
    terms: Vec<u32>,
    /// Entry `i`'s terms are `terms[ends[i]..ends[i + 1]]`.
    ends: Vec<usize>,
}

impl Default for Inverted {
    fn default() -> Inverted {
        Inverted {
            terms: Vec::new(),
            ends: vec![0],
        }
    }
}

impl Inverted {
    /// Closes the current entry: the terms pushed since the last one are
    /// its.
    fn end_entry(&mut self) {
        self.ends.push(self.terms.len());
    }

    /// Every term's ids, for terms `0..n_terms` (every term pushed is
    /// below); `order[id]` is the entry of id `id`.
    fn invert(&self, n_terms: usize, order: &[u32]) -> Lists {
        let mut starts = vec![0usize; n_terms + 1];
        for &t in &self.terms {
            starts[t as usize + 1] += 1;
        }
        for k in 1..starts.len() {
            starts[k] += starts[k - 1];
        }
        let mut next = starts.clone();
        let mut ids = vec![0u32; self.terms.len()];
        for (id, &i) in order.iter().enumerate() {
            let i = i as usize;
            for &t in &self.terms[self.ends[i]..self.ends[i + 1]] {
                let at = &mut next[t as usize];
                ids[*at] = id as u32;
                *at += 1;
            }
        }
        Lists { starts, ids }
    }
}

/// Posting lists by term number: term `t`'s ids are
/// `ids[starts[t]..starts[t + 1]]`, ascending.
struct Lists {
    starts: Vec<usize>,
    ids: Vec<u32>,
}

impl Lists {
    /// Term `t`'s ids (none for a term past the end).
    fn get(&self, t: usize) -> &[u32] {
        match (self.starts.get(t), self.starts.get(t + 1)) {
            (Some(&a), Some(&b)) => &self.ids[a..b],
            _ => &[],
        }
    }
}

/// Where a key's posting list is: a word term's or a phrase's.
#[derive(Debug, Clone, Copy)]
enum Posting {
    Word(u32),
    Phrase(u32),
}

/// Two lists sorted by key, merged into one (the first list's item first on
/// equal keys, which the word index never has).
fn merge_sorted<T>(a: Vec<(Box<str>, T)>, b: Vec<(Box<str>, T)>) -> Vec<(Box<str>, T)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => x.0 <= y.0,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return out,
        };
        out.extend(if take_a { a.next() } else { b.next() });
    }
}

/// The whole-phrase keys of the word index while it is built (independent
/// of the word terms, so built beside them).
#[derive(Default)]
struct PhraseIndex {
    /// Phrase keys (the [`format::PHRASE`] marker, then the form) by number.
    ids: FastMap<Box<str>, u32>,
    /// The phrase numbers of each entry.
    postings: Inverted,
    /// Scratch space: a phrase key, the forms of a text, an entry's phrases.
    key: String,
    scratch: text::PhraseScratch,
    entry: Vec<u32>,
}

impl PhraseIndex {
    /// The phrase keys of the current entries' titles and extra search
    /// texts.
    fn build(prepared: &Prepared<'_>, order: &[u32], extra: &[Vec<&str>]) -> Phrases {
        let mut index = PhraseIndex::default();
        for (i, e) in prepared.entries.iter().enumerate() {
            if !prepared.superseded[i] {
                index.add(&e.description, &extra[i]);
            }
            index.postings.end_entry();
        }
        let lists = index.postings.invert(index.ids.len(), order);
        Phrases {
            ids: index.ids,
            lists,
        }
    }

    /// Gives the current entry the phrase forms of its `title` and `extra`
    /// texts.
    fn add(&mut self, title: &str, extra: &[&str]) {
        let PhraseIndex {
            ids,
            postings,
            key,
            scratch,
            entry,
        } = self;
        entry.clear();
        for d in std::iter::once(title).chain(extra.iter().copied()) {
            text::for_each_phrase_form(d, scratch, |form| {
                key.clear();
                key.push(char::from(format::PHRASE));
                key.push_str(form);
                let next = ids.len() as u32;
                let n = match ids.get(key.as_str()) {
                    Some(&n) => n,
                    None => {
                        ids.insert(key.as_str().into(), next);
                        next
                    }
                };
                entry.push(n);
            });
        }
        entry.sort_unstable();
        entry.dedup();
        postings.terms.extend_from_slice(entry);
    }
}

/// The phrase keys of the word index: the keys by number and, by number,
/// the ids of the entries holding each.
struct Phrases {
    ids: FastMap<Box<str>, u32>,
    lists: Lists,
}

// The system tag (three bits), the reporting bit and the code length share
// the record's first byte.
const _: () = assert!(
    crate::code::MAX_CODE_LEN <= 15
        && CodeSystem::ALL.len() < format::B_REPORTING as usize
        && format::B_REPORTING == 8
);

/// An entry's fixed record (`effective` is its first day as stored; `flags`
/// has the entry's flags not read from `e`: superseded, history and how the
/// short description is stored): system tag, reporting bit and code length,
/// flags and the offset of its text.
fn record(
    e: &Entry,
    effective: Option<NaiveDate>,
    text_off: u32,
    mut flags: u8,
) -> [u8; format::ENTRY_LEN] {
    for (set, flag) in [
        (e.billable, format::F_BILLABLE),
        (effective.is_some(), format::F_EFFECTIVE),
        (e.terminated.is_some(), format::F_TERMINATED),
        (e.action.is_some(), format::F_ACTION),
    ] {
        if set {
            flags |= flag;
        }
    }
    let off = text_off.to_le_bytes();
    [
        e.system.to_u8()
            | if e.reporting { format::B_REPORTING } else { 0 }
            | (e.code.as_bytes().len() as u8) << 4,
        flags,
        off[0],
        off[1],
        off[2],
        off[3],
    ]
}

/// Every key of the word index (word terms and phrase keys) with its
/// posting list, in key order: a key's number in the word fst is its place.
struct Terms {
    keys: Vec<(Box<str>, Posting)>,
    words: Lists,
    phrases: Lists,
}

/// The posting-offsets and postings sections.
struct Postings {
    offsets: Vec<u8>,
    bytes: Vec<u8>,
}

impl Terms {
    /// The word fst: each key mapped to its number.
    fn fst(&self) -> Result<Vec<u8>> {
        let mut fst = fst::MapBuilder::memory();
        for (n, (key, _)) in self.keys.iter().enumerate() {
            fst.insert(key.as_bytes(), n as u64).map_err(fst_err)?;
        }
        fst.into_inner().map_err(fst_err)
    }

    /// The posting lists in key order and where each starts.
    fn postings(&self) -> Postings {
        let mut offsets = Vec::with_capacity((self.keys.len() + 1) * 4);
        let mut bytes = Vec::new();
        for &(_, list) in &self.keys {
            offsets.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            let ids = match list {
                Posting::Word(t) => self.words.get(t as usize),
                Posting::Phrase(n) => self.phrases.get(n as usize),
            };
            postings::encode(ids, &mut bytes);
        }
        offsets.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        Postings { offsets, bytes }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words the token pass gives a description are the words
    /// [`text::for_each_word`] cuts from it, clean or not.
    #[test]
    fn token_words_are_the_words_of_the_text() {
        let texts = [
            "Cholera due to Vibrio cholerae 01, biovar cholerae",
            "  leading, spaces",
            "Crohn's disease of small intestine",
            "Ménière's disease, right ear",
            "Telehealth Provided Other than in Patient’s Home",
            "Sjögren syndrome; `quoted` word",
            "a",
            "(parenthetical) – dash",
            "Non-emergency transport; α-thal",
            "",
        ];
        let entries: Vec<Entry> = texts
            .iter()
            .enumerate()
            .map(|(n, t)| {
                let code = Code::parse(&format!("X{n}")).unwrap();
                Entry::from_descriptions(code, CodeSystem::Custom, (*t).into(), "Short".into())
            })
            .collect();
        let mut dict = WordDict::default();
        let tokens = Tokens::new(&entries, &mut dict);
        let mut buf = String::new();
        for (i, e) in entries.iter().enumerate() {
            for (k, d) in stored_descriptions(e).enumerate() {
                let mut want = Vec::new();
                text::for_each_word(d, &mut buf, |w| want.push(w.to_owned()));
                let mut got = Vec::new();
                tokens.for_each_word((i, k, d), &mut dict, &mut String::new(), |w| got.push(w));
                let names: FastMap<u32, &str> =
                    dict.ids.iter().map(|(w, &n)| (n, w.as_ref())).collect();
                let got: Vec<&str> = got.iter().map(|n| names[n]).collect();
                assert_eq!(got, want, "{d:?}");
            }
        }
        // The apostrophe and accent cases are cut again from the text.
        assert!(!tokens.clean[tokens.first_desc[2]]);
        assert!(!tokens.clean[tokens.first_desc[3]]);
        assert!(tokens.clean[tokens.first_desc[0]]);
    }
}
