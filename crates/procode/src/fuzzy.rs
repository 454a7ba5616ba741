//! Typo tolerance for word search: a bit-parallel Damerau–Levenshtein
//! (optimal string alignment) distance over bytes (Hyyrö's extension of
//! Myers' algorithm), the index's words in memory, and the typo rules.

use fst::raw::{Fst, Node, Output};

use crate::index::format::{EXTRA_ONLY, SHORT_ONLY};

/// The longest query word typo matching accepts.
pub(crate) const MAX_FUZZY_LEN: usize = 31;

/// Matches words within `max` edits (insertion, deletion, substitution or
/// transposition of two neighbours) of the query. In prefix mode a word
/// also matches when one of its prefixes is within `max` edits.
///
/// The distance of the query to every prefix of the word is computed a
/// column at a time, the query's rows as the bits of a word (Myers'
/// bit-vector algorithm with Hyyrö's transposition term, "A bit-vector
/// algorithm for computing Levenshtein and Damerau edit distances", 2003):
/// a few word operations per byte of the word, whatever the budget.
#[derive(Debug, Clone)]
pub(crate) struct Typo {
    /// Per byte, the query positions holding it (bit `i`: position `i`).
    peq: [u32; 256],
    m: u32,
    max: u8,
    prefix: bool,
}

impl Typo {
    /// `None` when the query is empty or longer than [`MAX_FUZZY_LEN`], or the
    /// budget is over three edits.
    pub(crate) fn new(query: &str, max: u8, prefix: bool) -> Option<Typo> {
        let q = query.as_bytes();
        if q.is_empty() || q.len() > MAX_FUZZY_LEN || max > 3 {
            return None;
        }
        let mut peq = [0u32; 256];
        for (i, &b) in q.iter().enumerate() {
            peq[usize::from(b)] |= 1 << i;
        }
        Some(Typo {
            peq,
            m: q.len() as u32,
            max,
            prefix,
        })
    }

    /// Whether `word` (or, in prefix mode, one of its prefixes) is within
    /// the budget of the query.
    pub(crate) fn matches(&self, word: &[u8]) -> bool {
        let k = u32::from(self.max);
        let m = self.m;
        if !self.prefix && (word.len() as u32 + k < m || word.len() as u32 > m + k) {
            return false;
        }
        let last = 1u32 << (m - 1);
        let mut vp = u32::MAX >> (32 - m);
        let mut vn = 0u32;
        let (mut d0_prev, mut pm_prev) = (0u32, 0u32);
        let mut score = m;
        if self.prefix && score <= k {
            return true;
        }
        // In prefix mode, a matching prefix has at most m + k bytes.
        let n = if self.prefix {
            word.len().min((m + k) as usize)
        } else {
            word.len()
        };
        for (j, &b) in word.iter().take(n).enumerate() {
            let pm = self.peq[usize::from(b)];
            let tr = ((!d0_prev & pm) << 1) & pm_prev;
            let d0 = (((pm & vp).wrapping_add(vp)) ^ vp) | pm | vn | tr;
            let hp = vn | !(d0 | vp);
            let hn = d0 & vp;
            if hp & last != 0 {
                score += 1;
            } else if hn & last != 0 {
                score -= 1;
            }
            if self.prefix {
                if score <= k {
                    return true;
                }
            } else if score > k + (n - j - 1) as u32 {
                // Each further byte lowers the distance by one at most.
                return false;
            }
            let x = (hp << 1) | 1;
            vn = x & d0;
            vp = (hn << 1) | !(x | d0);
            d0_prev = d0;
            pm_prev = pm;
        }
        !self.prefix && score <= k
    }
}

/// The typo budget of a query word: one edit, two for words of 8+ letters.
pub(crate) fn max_edits(word: &str) -> u8 {
    if word.len() >= 8 {
        2
    } else {
        1
    }
}

/// Whether a query word also matches longer words that start within the typo
/// budget (as-you-type), which it does from four letters on.
pub(crate) fn prefix_mode(word: &str) -> bool {
    word.len() >= 4
}

/// Collects the values of every word-index key that matches `word` under the
/// typo rules — the same rules as [`TypoWord::matches`].
#[cfg(test)]
pub(crate) fn typo_terms<D: AsRef<[u8]>>(fst: &Fst<D>, word: &str, out: &mut Vec<u64>) {
    let words = WordTable::build(fst).unwrap();
    typo_terms_and_words(
        fst,
        &words,
        word,
        prefix_mode(word),
        None,
        out,
        &mut Vec::new(),
        0,
    );
}

/// The keys whose first letter is the typo: the query's first letter
/// substituted or preceded by an inserted letter (any first byte, then the
/// rest exactly: one range of `words` by their bytes after the first),
/// deleted, or swapped with the second (a range of `words`, or the fst for a
/// path that does not start with a letter or digit, which no word does).
fn first_letter_terms<D: AsRef<[u8]>>(
    fst: &Fst<D>,
    words: &WordTable,
    q: &[u8],
    prefix: bool,
    out: &mut Vec<u64>,
) {
    let Some(&q0) = q.first() else {
        return;
    };
    let terms = |w: &TableWord| w.terms.into_iter().filter(|&v| v != NO_TERM).map(u64::from);
    // Substituted (another first byte, then the rest of the query).
    for w in words.with_tail(&q[1..], prefix) {
        if words.stem(w).first() != Some(&q0) {
            out.extend(terms(w));
        }
    }
    // Inserted before (any first byte, then the query).
    for w in words.with_tail(q, prefix) {
        out.extend(terms(w));
    }
    let mut collect = |path: &[u8]| {
        if !path.first().is_some_and(u8::is_ascii_alphanumeric) {
            follow_then_collect(fst, fst.root(), Output::zero(), path, prefix, out);
        } else if prefix {
            for (_, keys) in words.with_prefix(path) {
                out.extend(keys.into_iter().flatten());
            }
        } else {
            out.extend(words.exact(path).into_iter().flatten());
        }
    };
    if q.len() > 1 {
        collect(&q[1..]);
        if q[0] != q[1] {
            let mut swapped = q.to_vec();
            swapped.swap(0, 1);
            collect(&swapped);
        }
    }
}

/// The words of a word index in memory (built once per catalog, on its
/// first word search), for prefix ranges and typo search: the words (keys
/// without their marker) in key order, each with the set of letters it holds
/// and the term ids of its keys (plain, short-only, extra-only); and, per
/// first byte, the words by length.
///
/// A word within `k` edits of the query (or, in prefix mode, one of whose
/// prefixes is) misses at most `k` of the query's letters and, whole, holds
/// at most `k` letters the query lacks: one edit changes one position. The
/// words those counts and their length leave are checked with [`Typo`],
/// so the result is exactly the set of words within the budget (see
/// [`typo_terms_and_words`]).
#[derive(Debug, Default)]
pub(crate) struct WordTable {
    bytes: Vec<u8>,
    /// In key order.
    words: Vec<TableWord>,
    /// Indices of `words` by first byte, then length; first byte `b`'s are
    /// `by_len[starts[b]..starts[b + 1]]`.
    by_len: Vec<u32>,
    starts: Vec<u32>,
    /// Indices of `words` in the order of their bytes after the first
    /// (then key order): the words whose first letter is a typo of the
    /// query's are one range of it.
    by_tail: Vec<u32>,
}

/// One word of [`WordTable`].
#[derive(Debug, Clone, Copy)]
struct TableWord {
    off: u32,
    len: u32,
    mask: u32,
    /// The term ids of the word's keys: plain, short-only, extra-only
    /// ([`NO_TERM`]: no such key).
    terms: [u32; 3],
    /// The system tags (bit `tag`) of the entries holding the word; all bits
    /// until [`WordTable::set_systems`] is called.
    systems: u32,
}

/// No key of this kind (see [`TableWord::terms`]).
const NO_TERM: u32 = u32::MAX;

/// The letter set of a word: a bit per letter, six bits the digits and
/// other bytes share (sharing only lets more words through the filter).
fn letter_mask(w: &[u8]) -> u32 {
    w.iter().fold(0u32, |m, &b| {
        m | 1u32
            << match b {
                b'a'..=b'z' => b - b'a',
                _ => 26 + b % 6,
            }
    })
}

/// A word's keys: its term ids as (plain, short-only, extra-only).
pub(crate) type WordKeys = [Option<u64>; 3];

impl WordTable {
    /// The words of a word-index fst (phrase keys left out).
    ///
    /// # Errors
    /// A message when a key's value is not a term id (a damaged index).
    pub(crate) fn build<D: AsRef<[u8]>>(fst: &Fst<D>) -> Result<WordTable, String> {
        use fst::Streamer;
        let mut t = WordTable::default();
        let mut stream = fst.stream();
        while let Some((key, out)) = stream.next() {
            let (stem, slot) = match key.last() {
                Some(&SHORT_ONLY) => (&key[..key.len() - 1], 1),
                Some(&EXTRA_ONLY) => (&key[..key.len() - 1], 2),
                _ => (key, 0),
            };
            if !stem.first().is_some_and(u8::is_ascii_alphanumeric) {
                continue; // a phrase key or a bare marker
            }
            let term = u32::try_from(out.value())
                .ok()
                .filter(|&v| v != NO_TERM)
                .ok_or("a word's term id is out of range")?;
            let same = t.words.last().is_some_and(|w| t.stem(w) == stem);
            if !same {
                let off = u32::try_from(t.bytes.len()).map_err(|_| "the words are too long")?;
                t.bytes.extend_from_slice(stem);
                t.words.push(TableWord {
                    off,
                    len: stem.len() as u32,
                    mask: letter_mask(stem),
                    terms: [NO_TERM; 3],
                    systems: u32::MAX,
                });
            }
            if let Some(w) = t.words.last_mut() {
                w.terms[slot] = term;
            }
        }
        let first = |w: &TableWord| t.bytes.get(w.off as usize).copied().unwrap_or(0);
        let mut by_len: Vec<u32> = (0..t.words.len() as u32).collect();
        by_len.sort_by_key(|&i| t.words.get(i as usize).map(|w| (first(w), w.len)));
        let mut starts = vec![0u32; 257];
        for w in &t.words {
            starts[usize::from(first(w)) + 1] += 1;
        }
        for b in 0..256 {
            starts[b + 1] += starts[b];
        }
        t.by_len = by_len;
        t.starts = starts;
        let mut by_tail: Vec<u32> = (0..t.words.len() as u32).collect();
        by_tail.sort_by(|&a, &b| t.tail(a).cmp(t.tail(b)).then(a.cmp(&b)));
        t.by_tail = by_tail;
        Ok(t)
    }

    /// Sets each word's system tags to the union of `systems_of` its terms
    /// (a bit per tag of the entries of the term's posting list).
    ///
    /// # Errors
    /// The first error of `systems_of`.
    pub(crate) fn set_systems<E>(
        &mut self,
        mut systems_of: impl FnMut(u32) -> Result<u32, E>,
    ) -> Result<(), E> {
        for w in &mut self.words {
            let mut m = 0;
            for &t in w.terms.iter().filter(|&&t| t != NO_TERM) {
                m |= systems_of(t)?;
            }
            w.systems = m;
        }
        Ok(())
    }

    fn stem(&self, w: &TableWord) -> &[u8] {
        self.bytes
            .get(w.off as usize..(w.off + w.len) as usize)
            .unwrap_or(&[])
    }

    /// Word `i`'s bytes after the first.
    fn tail(&self, i: u32) -> &[u8] {
        self.words
            .get(i as usize)
            .map_or(&[][..], |w| self.stem(w))
            .get(1..)
            .unwrap_or(&[])
    }

    /// The words whose bytes after the first are `tail` (or, with
    /// `prefix`, start with it).
    fn with_tail<'s>(
        &'s self,
        tail: &'s [u8],
        prefix: bool,
    ) -> impl Iterator<Item = &'s TableWord> + 's {
        let from = self.by_tail.partition_point(|&i| self.tail(i) < tail);
        self.by_tail
            .get(from..)
            .unwrap_or(&[])
            .iter()
            .take_while(move |&&i| {
                let t = self.tail(i);
                if prefix {
                    t.starts_with(tail)
                } else {
                    t == tail
                }
            })
            .filter_map(|&i| self.words.get(i as usize))
    }

    /// The keys of the word `word` itself (all `None` when no key is it).
    pub(crate) fn exact(&self, word: &[u8]) -> WordKeys {
        match self.with_prefix(word).next() {
            Some((stem, keys)) if stem == word => keys,
            _ => [None; 3],
        }
    }

    /// The words starting with `prefix`, in key order, with their keys.
    pub(crate) fn with_prefix<'s>(
        &'s self,
        prefix: &'s [u8],
    ) -> impl Iterator<Item = (&'s [u8], WordKeys)> + 's {
        let from = self.words.partition_point(|w| self.stem(w) < prefix);
        self.words
            .get(from..)
            .unwrap_or(&[])
            .iter()
            .map(|w| (self.stem(w), w))
            .take_while(move |(stem, _)| stem.starts_with(prefix))
            .map(|(stem, w)| {
                (
                    stem,
                    w.terms.map(|v| (v != NO_TERM).then_some(u64::from(v))),
                )
            })
    }
}

/// Collects the values of every word-index key that matches `word` under the
/// typo rules (the same rules as [`TypoWord::matches`]): the words that keep
/// the query's first letter from `words` (built from the same fst), checked
/// with [`Typo`]; those whose first letter is the typo by their bytes after
/// the first (see `first_letter_terms`). With `system` (a tag below 32), the words of the table that no
/// entry of that system holds are left out (their terms would find no
/// entry the search keeps). Also collects in `fixes` the first `max_fixes`
/// words of the table that matched (whole words when not `prefix`: the
/// corrections of a misspelt word).
#[allow(clippy::too_many_arguments)]
pub(crate) fn typo_terms_and_words<D: AsRef<[u8]>>(
    fst: &Fst<D>,
    words: &WordTable,
    word: &str,
    prefix: bool,
    system: Option<u8>,
    out: &mut Vec<u64>,
    fixes: &mut Vec<String>,
    max_fixes: usize,
) {
    for_each_typo_word(words, word, prefix, system, |w, stem| {
        let terms = w.terms.iter().filter(|&&v| v != NO_TERM);
        out.extend(terms.map(|&v| u64::from(v)));
        if fixes.len() < max_fixes {
            fixes.push(String::from_utf8_lossy(stem).into_owned());
        }
    });
    first_letter_terms(fst, words, word.as_bytes(), prefix, out);
}

/// Calls `f` with each word of `words` (and its bytes) that keeps `word`'s
/// first letter and matches it under the typo rules, whole or (`prefix`)
/// by a prefix; with `system` (a tag below 32), only the words some entry
/// of that system holds.
fn for_each_typo_word(
    words: &WordTable,
    word: &str,
    prefix: bool,
    system: Option<u8>,
    mut f: impl FnMut(&TableWord, &[u8]),
) {
    let sys_bit = system
        .and_then(|t| 1u32.checked_shl(u32::from(t)))
        .unwrap_or(u32::MAX);
    let q = word.as_bytes();
    let Some(&q0) = q.first() else {
        return;
    };
    let Some(aut) = Typo::new(word, max_edits(word), prefix) else {
        return;
    };
    let k = u32::from(aut.max);
    let m = q.len() as u32;
    let qmask = letter_mask(q);
    let group = words
        .starts
        .get(usize::from(q0)..usize::from(q0) + 2)
        .and_then(|r| words.by_len.get(r[0] as usize..r[1] as usize))
        .unwrap_or(&[]);
    let len = |i: &u32| words.words.get(*i as usize).map_or(0, |w| w.len);
    // Whole words are within k letters of the query's length; a word
    // whose prefix matches is at least that long.
    let lo = group.partition_point(|i| len(i) + k < m);
    let hi = if prefix {
        group.len()
    } else {
        group.partition_point(|i| len(i) <= m + k)
    };
    let candidates = group.get(lo..hi).unwrap_or(&[]);
    for w in candidates
        .iter()
        .filter_map(|&i| words.words.get(i as usize))
    {
        let stem = words.stem(w);
        if w.systems & sys_bit == 0 {
            continue;
        }
        if !letters_may_match(qmask, q.len(), stem, w.mask, k, prefix) {
            continue;
        }
        if aut.matches(stem) {
            f(w, stem);
        }
    }
}

/// Follows `path` exactly from `node`; then takes every key below (prefix
/// mode) or the key itself and its short-description twin.
fn follow_then_collect<'f, D: AsRef<[u8]>>(
    fst: &'f Fst<D>,
    mut node: Node<'f>,
    mut acc: Output,
    path: &[u8],
    prefix: bool,
    out: &mut Vec<u64>,
) {
    for &b in path {
        let Some(i) = node.find_input(b) else {
            return;
        };
        let t = node.transition(i);
        acc = acc.cat(t.out);
        node = fst.node(t.addr);
    }
    if prefix {
        collect_all(fst, node, acc, out);
        return;
    }
    if node.is_final() {
        out.push(acc.cat(node.final_output()).value());
    }
    for marker in [SHORT_ONLY, EXTRA_ONLY] {
        if let Some(i) = node.find_input(marker) {
            let t = node.transition(i);
            let n = fst.node(t.addr);
            if n.is_final() {
                out.push(acc.cat(t.out).cat(n.final_output()).value());
            }
        }
    }
}

fn collect_all<'f, D: AsRef<[u8]>>(
    fst: &'f Fst<D>,
    node: Node<'f>,
    acc: Output,
    out: &mut Vec<u64>,
) {
    if node.is_final() {
        out.push(acc.cat(node.final_output()).value());
    }
    for t in node.transitions() {
        collect_all(fst, fst.node(t.addr), acc.cat(t.out), out);
    }
}

/// Whether an index word matches a query word under the typo rules (the
/// reference the tests hold [`TypoWord`] and the word scan to).
#[cfg(test)]
pub(crate) fn typo_matches(query: &str, word: &str) -> bool {
    typo_matches_with(query, word, prefix_mode(query))
}

/// [`typo_matches`] with prefix mode given.
#[cfg(test)]
pub(crate) fn typo_matches_with(query: &str, word: &str, prefix: bool) -> bool {
    let (q, w) = (query.as_bytes(), word.as_bytes());
    let max = max_edits(query);
    if q.first() == w.first() && !q.is_empty() && q.len() <= MAX_FUZZY_LEN {
        // (With the first letter kept, an edit of it is one edit the
        // distance counts too: see `first_letter_typo`.)
        return may_match(q, w, max, prefix)
            && Typo::new(query, max, prefix).is_some_and(|a| a.matches(w));
    }
    first_letter_typo(q, w, prefix)
}

/// A query word's typo rules prepared once for many words (its letters
/// and distance table), as the typo scan and match spans apply them.
#[derive(Debug, Clone)]
pub(crate) struct TypoWord {
    q: Vec<u8>,
    qmask: u32,
    max: u8,
    prefix: bool,
    /// `None` when the query is empty or too long for typos that keep its
    /// first letter.
    typo: Option<Typo>,
}

impl TypoWord {
    /// The rules for `query`, with prefix mode given.
    pub(crate) fn new(query: &str, prefix: bool) -> TypoWord {
        let max = max_edits(query);
        TypoWord {
            q: query.as_bytes().to_vec(),
            qmask: letter_mask(query.as_bytes()),
            max,
            prefix,
            typo: Typo::new(query, max, prefix),
        }
    }

    /// Whether `w` matches the query under the typo rules.
    pub(crate) fn matches(&self, w: &[u8]) -> bool {
        let q = self.q.as_slice();
        match &self.typo {
            Some(a) if q.first() == w.first() => {
                length_may_match(q.len(), w.len(), self.max, self.prefix)
                    && letters_may_match(
                        self.qmask,
                        q.len(),
                        w,
                        letter_mask(w),
                        u32::from(self.max),
                        self.prefix,
                    )
                    && a.matches(w)
            }
            _ => first_letter_typo(q, w, self.prefix),
        }
    }
}

/// Whether a word of `l` bytes can be within `k` edits of a query of `m`
/// (one of its prefixes, in prefix mode).
#[inline]
fn length_may_match(m: usize, l: usize, k: u8, prefix: bool) -> bool {
    !(l + usize::from(k) < m || (!prefix && l > m + usize::from(k)))
}

/// Whether `w` can be within `k` edits of `q` (one of its prefixes, in
/// prefix mode) by its length and letters, the filter of [`WordTable`]: a
/// match misses at most `k` of the query's letters and, whole, holds at most
/// `k` letters the query lacks.
#[cfg(test)]
fn may_match(q: &[u8], w: &[u8], k: u8, prefix: bool) -> bool {
    let m = q.len();
    length_may_match(m, w.len(), k, prefix)
        && letters_may_match(letter_mask(q), m, w, letter_mask(w), u32::from(k), prefix)
}

/// The letter filter of [`may_match`], given the query's letter set `qmask`
/// and length `m`, and the word's letter set `wmask`. In prefix mode the
/// matching prefix `p` has `m - k ..= m + k` bytes, so the word's first `m +
/// k` bytes hold all but `k` of the query's letters, and its first `m - k`
/// bytes (a part of `p`) at most `k` letters the query lacks.
#[inline]
fn letters_may_match(qmask: u32, m: usize, w: &[u8], wmask: u32, k: u32, prefix: bool) -> bool {
    if !prefix {
        return (qmask & !wmask).count_ones() <= k && (wmask & !qmask).count_ones() <= k;
    }
    let ku = k as usize;
    let head = w.get(..m + ku).map_or(wmask, letter_mask);
    let lead = letter_mask(w.get(..m.saturating_sub(ku)).unwrap_or(w));
    (qmask & !head).count_ones() <= k && (lead & !qmask).count_ones() <= k
}

/// Whether `w` is `q` with its first letter substituted, deleted, preceded
/// by an inserted letter or swapped with the second (edits that keep the
/// first letter are [`Typo`]'s), compared in place; as a prefix of `w`
/// in prefix mode.
fn first_letter_typo(q: &[u8], w: &[u8], prefix: bool) -> bool {
    let eq = |v: &[u8], x: &[u8]| if prefix { x.starts_with(v) } else { x == v };
    let (Some(&q0), Some(&w0)) = (q.first(), w.first()) else {
        return false;
    };
    let is_key_byte = |b: u8| b.is_ascii_digit() || b.is_ascii_lowercase();
    // Deleted: w is q without its first letter.
    if q.len() > 1 && eq(&q[1..], w) {
        return true;
    }
    // Swapped with the second.
    if q.len() > 1
        && q[0] != q[1]
        && w.len() >= 2
        && w[0] == q[1]
        && w[1] == q[0]
        && eq(&q[2..], &w[2..])
    {
        return true;
    }
    // Substituted.
    if w0 != q0 && is_key_byte(w0) && eq(&q[1..], &w[1..]) {
        return true;
    }
    // Inserted before.
    is_key_byte(w0) && eq(q, &w[1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(q: &str, max: u8, prefix: bool, key: &str) -> bool {
        Typo::new(q, max, prefix).unwrap().matches(key.as_bytes())
    }

    #[test]
    fn edit_kinds() {
        assert!(run("wheelchair", 1, false, "wheelchair"));
        assert!(run("wheelchiar", 1, false, "wheelchair"), "transposition");
        assert!(run("wheelchar", 1, false, "wheelchair"), "deletion");
        assert!(run("wheellchair", 1, false, "wheelchair"), "insertion");
        assert!(run("wheelchaor", 1, false, "wheelchair"), "substitution");
        assert!(!run("wheelchiar", 0, false, "wheelchair"));
        assert!(!run("whelchiar", 1, false, "wheelchair"));
        assert!(run("whelchiar", 2, false, "wheelchair"));
        assert!(run("pyschotherapy", 1, false, "psychotherapy"));
    }

    #[test]
    fn prefix_mode() {
        assert!(run("wheelchia", 1, true, "wheelchair"));
        assert!(run("wheelchiar", 2, true, "wheelchairs"));
        assert!(!run("wheelchia", 1, false, "wheelchair"));
        assert!(!run("xyz", 1, true, "wheelchair"));
    }
}

#[cfg(test)]
mod rule_tests {
    use super::*;

    #[test]
    fn first_letter_typos_are_found() {
        assert!(typo_matches("xnxiety", "anxiety"), "substitution");
        assert!(typo_matches("nxiety", "anxiety"), "deletion");
        assert!(typo_matches("aanxiety", "anxiety"), "insertion");
        assert!(typo_matches("naxiety", "anxiety"), "transposition");
        assert!(typo_matches("anxeity", "anxiety"), "inner transposition");
        assert!(
            !typo_matches("xnxeity", "anxiety"),
            "two typos in a 7-letter word"
        );
        assert!(typo_matches("wheelchiar", "wheelchair"));
        assert!(typo_matches("wheelchiar", "wheelchairs"), "prefix mode");
        assert!(
            !typo_matches("cat", "cattle"),
            "no prefix mode under 4 letters"
        );
        assert!(typo_matches("cat", "cut"));
    }
}

#[cfg(test)]
mod reference_tests {
    use super::*;

    /// A xorshift generator from `seed`: each call a number below its
    /// argument.
    pub(super) fn xorshift(seed: u64) -> impl FnMut(u64) -> u64 {
        let mut x = seed;
        move |n| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        }
    }

    fn osa(a: &[u8], b: &[u8]) -> usize {
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, c) in d[0].iter_mut().enumerate() {
            *c = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[a.len()][b.len()]
    }

    #[test]
    fn distance_agrees_with_the_reference() {
        let mut rnd = xorshift(0x2545_f491_4f6c_dd1d);
        for round in 0..30_000 {
            let alpha = b"abcd";
            // Short random words, and longer ones a few random edits away
            // from the query (near the budget, up to the longest query).
            let ql = if round % 2 == 0 {
                1 + rnd(9) as usize
            } else {
                1 + rnd(MAX_FUZZY_LEN as u64) as usize
            };
            let q: Vec<u8> = (0..ql).map(|_| alpha[rnd(4) as usize]).collect();
            let w: Vec<u8> = if round % 2 == 0 {
                let kl = rnd(11) as usize;
                (0..kl).map(|_| alpha[rnd(4) as usize]).collect()
            } else {
                let mut w = q.clone();
                for _ in 0..rnd(5) {
                    let at = rnd(w.len() as u64 + 1) as usize;
                    let c = alpha[rnd(4) as usize];
                    match rnd(4) {
                        0 if at < w.len() => w[at] = c,
                        1 if at < w.len() => drop(w.remove(at)),
                        2 if at + 1 < w.len() => w.swap(at, at + 1),
                        _ => w.insert(at, c),
                    }
                }
                if rnd(2) == 0 {
                    w.extend((0..rnd(6)).map(|_| alpha[rnd(4) as usize]));
                }
                w
            };
            let max = rnd(4) as u8;
            let qs = std::str::from_utf8(&q).unwrap();
            for prefix in [false, true] {
                let got = Typo::new(qs, max, prefix).unwrap().matches(&w);
                let want = if prefix {
                    (0..=w.len()).any(|n| osa(&q, &w[..n]) <= usize::from(max))
                } else {
                    osa(&q, &w) <= usize::from(max)
                };
                assert_eq!(
                    got,
                    want,
                    "{qs:?} vs {:?} max {max} prefix {prefix}",
                    std::str::from_utf8(&w).unwrap()
                );
            }
        }
    }
}

#[cfg(test)]
mod typo_terms_tests {
    use super::*;

    #[test]
    fn typo_terms_agree_with_the_word_rules() {
        let mut rnd = super::reference_tests::xorshift(0x1234_5678_9abc_def1);
        let alpha = b"abcde1";
        let mut words: Vec<String> = (0..3000)
            .map(|_| {
                let n = 1 + rnd(10) as usize;
                (0..n).map(|_| alpha[rnd(6) as usize] as char).collect()
            })
            .collect();
        words.sort();
        words.dedup();
        // Some words exist only as short-description keys, some also as
        // extra-text keys; phrase keys are not words.
        let mut keys: Vec<String> = Vec::new();
        for (i, w) in words.iter().enumerate() {
            match i % 4 {
                0 => keys.push(format!("{w}\u{1}")),
                1 => keys.extend([w.clone(), format!("{w}\u{2}")]),
                _ => keys.push(w.clone()),
            }
        }
        keys.extend(["\u{3}abc abd".to_owned(), "\u{3}bcd".to_owned()]);
        keys.sort();
        let map = fst::Map::from_iter(keys.iter().enumerate().map(|(i, k)| (k.as_str(), i as u64)))
            .unwrap();
        let table = WordTable::build(map.as_fst()).unwrap();
        for round in 0..800 {
            let n = 1 + rnd(10) as usize;
            let q: String = (0..n).map(|_| alpha[rnd(6) as usize] as char).collect();
            let prefix = round % 2 == 0;
            let mut got = Vec::new();
            typo_terms_and_words(
                map.as_fst(),
                &table,
                &q,
                prefix,
                None,
                &mut got,
                &mut Vec::new(),
                0,
            );
            got.sort_unstable();
            got.dedup();
            let want: Vec<u64> = keys
                .iter()
                .enumerate()
                .filter(|(_, k)| !k.starts_with('\u{3}'))
                .filter(|(_, k)| {
                    let w = k.trim_end_matches(['\u{1}', '\u{2}']);
                    let want = typo_matches_with(&q, w, prefix);
                    let rules = TypoWord::new(&q, prefix);
                    assert_eq!(rules.matches(w.as_bytes()), want, "{q:?} vs {w:?}");
                    want
                })
                .map(|(i, _)| i as u64)
                .collect();
            assert_eq!(got, want, "query {q:?} prefix {prefix}");
            // The prefix range: every key starting with the query, by word.
            let mut range: Vec<u64> = table
                .with_prefix(q.as_bytes())
                .flat_map(|(_, keys)| keys.into_iter().flatten())
                .collect();
            range.sort_unstable();
            let starting: Vec<u64> = keys
                .iter()
                .enumerate()
                .filter(|(_, k)| k.starts_with(q.as_str()))
                .map(|(i, _)| i as u64)
                .collect();
            assert_eq!(range, starting, "prefix {q:?}");
            if prefix == prefix_mode(&q) {
                let mut again = Vec::new();
                typo_terms(map.as_fst(), &q, &mut again);
                again.sort_unstable();
                again.dedup();
                assert_eq!(again, want, "query {q:?}");
            }
        }
    }
}
