//! Building an index file from catalog entries.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// Hash maps keyed by short strings during a build: FNV-1a is several times
/// faster than SipHash there, and the keys come from the builder's own input.
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// The 64-bit FNV-1a hash.
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
}
use std::path::Path;

use chrono::Datelike;

use crate::entry::Entry;
use crate::error::{CatalogError, Result};
use crate::index::format;
use crate::text;

/// Collects entries and writes an immutable index file. Validation happens here:
/// duplicate codes within a system and unstorable entries are errors.
///
/// # Example
/// ```
/// use procode::{Catalog, Code, CodeSystem, Entry, IndexBuilder};
/// let mut b = IndexBuilder::new();
/// b.add(Entry::new(Code::parse("X1").unwrap(), CodeSystem::Custom, "Intake assessment"));
/// let bytes = b.build().unwrap();
/// let cat = Catalog::from_bytes(bytes).unwrap();
/// assert_eq!(cat.lookup("x1", None, None).unwrap().unwrap().description, "Intake assessment");
/// ```
#[derive(Debug, Default, Clone)]
pub struct IndexBuilder {
    entries: Vec<Entry>,
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
        self.entries.extend(entries);
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
    pub fn build(&self) -> Result<Vec<u8>> {
        build_index(&self.entries)
    }

    /// Builds the index and writes it to `path` atomically (a temporary file in
    /// the same directory, then a rename), so readers never see half a file.
    pub fn write_to(&self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let bytes = self.build()?;
        crate::index::container::write_atomic(path, &bytes).map_err(|source| CatalogError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(bytes.len() as u64)
    }
}

/// A code as an integer that sorts like its bytes (codes hold no zero byte
/// and are at most 15 bytes, so zero padding sorts shorter codes first).
fn pack_code(code: &crate::code::Code) -> u128 {
    let mut b = [0u8; 16];
    b[..code.as_bytes().len()].copy_from_slice(code.as_bytes());
    u128::from_be_bytes(b)
}

fn check_entry(e: &Entry) -> Result<()> {
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

fn fst_err(e: fst::Error) -> CatalogError {
    CatalogError::Fst(e.to_string())
}

#[allow(dead_code)] // used by the library, not by build.rs
pub(crate) fn check_entry_pub(e: &Entry) -> Result<()> {
    check_entry(e)
}

/// Appends a posting list (see [`format::POSTING_BLOCK`]): the id count, a
/// skip table when there is more than one block, then the ids as varints —
/// absolute at the start of each block, deltas inside it.
pub(crate) fn encode_postings(ids: &[u32], out: &mut Vec<u8>) {
    let block = format::POSTING_BLOCK;
    text::put_varint(out, ids.len() as u64);
    let mut data = Vec::with_capacity(ids.len() * 2);
    let mut skips = Vec::new();
    for (k, &id) in ids.iter().enumerate() {
        if k % block == 0 {
            if k > 0 {
                skips.extend_from_slice(&id.to_le_bytes());
                skips.extend_from_slice(&(data.len() as u32).to_le_bytes());
            }
            text::put_varint(&mut data, u64::from(id));
        } else {
            text::put_varint(&mut data, u64::from(id - ids[k - 1]));
        }
    }
    out.extend_from_slice(&skips);
    out.extend_from_slice(&data);
}

/// The term number of a word-index key, allocating a new term (and its
/// posting list) the first time the key is seen.
fn term_for(terms: &mut FastMap<Box<str>, u32>, postings: &mut Vec<Vec<u32>>, key: &str) -> u32 {
    if let Some(&t) = terms.get(key) {
        return t;
    }
    let t = postings.len() as u32;
    terms.insert(key.into(), t);
    postings.push(Vec::new());
    t
}

pub(crate) fn build_index(entries: &[Entry]) -> Result<Vec<u8>> {
    for e in entries {
        check_entry(e)?;
    }
    // Entry ids follow the search tie-break order: shorter description, then
    // code. Codes are packed into integers so sorting never calls memcmp.
    let packed: Vec<(u128, u8)> = entries
        .iter()
        .map(|e| (pack_code(&e.code), e.system.to_u8()))
        .collect();
    let mut order: Vec<u32> = (0..entries.len() as u32).collect();
    order.sort_unstable_by_key(|&i| (entries[i as usize].description.len(), packed[i as usize]));

    // Code keys in key order (code, then system), checked for duplicates.
    let mut by_code: Vec<u32> = (0..order.len() as u32).collect();
    by_code.sort_unstable_by_key(|&id| packed[order[id as usize] as usize]);
    if let Some(w) = by_code
        .windows(2)
        .find(|w| packed[order[w[0] as usize] as usize] == packed[order[w[1] as usize] as usize])
    {
        let e = &entries[order[w[0] as usize] as usize];
        return Err(CatalogError::DuplicateCode {
            code: e.code,
            system: e.system,
        });
    }
    let mut codes = fst::MapBuilder::memory();
    for &id in &by_code {
        let e = &entries[order[id as usize] as usize];
        codes
            .insert(
                format::code_key(e.code.as_bytes(), e.system.to_u8()),
                u64::from(id),
            )
            .map_err(fst_err)?;
    }
    let codes = codes.into_inner().map_err(fst_err)?;

    // Token dictionary, most frequent first so they get the shortest varints.
    // One hash lookup per token: provisional numbers first, ranks after.
    let mut seen: FastMap<&str, u32> = FastMap::default();
    let mut counts: Vec<(u32, &str)> = Vec::new();
    let mut provisional: Vec<u32> = Vec::new();
    let mut starts: Vec<usize> = Vec::with_capacity(entries.len() * 2 + 1);
    for e in entries {
        let descs: &[&str] = if e.short_description == e.description {
            &[&e.description]
        } else {
            &[&e.description, &e.short_description]
        };
        for d in descs {
            starts.push(provisional.len());
            for t in text::tokens(d) {
                let next = counts.len() as u32;
                let n = *seen.entry(t).or_insert(next);
                if n == next {
                    counts.push((0, t));
                }
                counts[n as usize].0 += 1;
                provisional.push(n);
            }
        }
    }
    starts.push(provisional.len());
    let mut ranked: Vec<u32> = (0..counts.len() as u32).collect();
    ranked.sort_unstable_by(|&a, &b| {
        let (x, y) = (counts[a as usize], counts[b as usize]);
        y.0.cmp(&x.0).then(x.1.cmp(y.1))
    });
    let mut rank_of = vec![0u32; counts.len()];
    for (r, &p) in ranked.iter().enumerate() {
        rank_of[p as usize] = r as u32;
    }
    let mut tok_offsets = Vec::with_capacity((ranked.len() + 1) * 4);
    let mut tok_bytes = Vec::new();
    for &p in &ranked {
        tok_offsets.extend_from_slice(&(tok_bytes.len() as u32).to_le_bytes());
        tok_bytes.extend_from_slice(counts[p as usize].1.as_bytes());
    }
    tok_offsets.extend_from_slice(&(tok_bytes.len() as u32).to_le_bytes());
    // Where each entry's descriptions start in `starts`.
    let mut first_desc: Vec<usize> = Vec::with_capacity(entries.len());
    let mut k = 0;
    for e in entries {
        first_desc.push(k);
        k += if e.short_description == e.description {
            1
        } else {
            2
        };
    }

    // Entry records, text blobs and the word postings.
    let mut records = Vec::with_capacity(entries.len() * format::ENTRY_LEN);
    let mut text_blob = Vec::new();
    let mut term_of: FastMap<Box<str>, u32> = FastMap::default();
    let mut postings: Vec<Vec<u32>> = Vec::new();
    let mut words_buf = String::new();
    let mut entry_terms: Vec<u32> = Vec::new();
    let mut key_buf = String::new();
    for (id, &i) in order.iter().enumerate() {
        let e = &entries[i as usize];
        let text_off = u32::try_from(text_blob.len()).map_err(|_| CatalogError::BadEntry {
            code: e.code,
            system: e.system,
            problem: "the catalog's text exceeds 4 GiB".into(),
        })?;
        let same = e.short_description == e.description;
        let mut flags = 0u8;
        if e.billable {
            flags |= format::F_BILLABLE;
        }
        if same {
            flags |= format::F_SHORT_SAME;
        }
        if e.effective.is_some() {
            flags |= format::F_EFFECTIVE;
        }
        if e.terminated.is_some() {
            flags |= format::F_TERMINATED;
        }
        if e.action.is_some() {
            flags |= format::F_ACTION;
        }
        records.push(e.system.to_u8());
        records.push(flags);
        records.push(e.action.map_or(0, |c| c as u8));
        records.push(e.code.as_bytes().len() as u8);
        records.extend_from_slice(&text_off.to_le_bytes());

        text_blob.extend_from_slice(e.code.as_bytes());
        for d in [e.effective, e.terminated].into_iter().flatten() {
            text_blob.extend_from_slice(&d.num_days_from_ce().to_le_bytes());
        }
        let descs: &[&str] = if same {
            &[&e.description]
        } else {
            &[&e.description, &e.short_description]
        };
        entry_terms.clear();
        for (k, d) in descs.iter().enumerate() {
            let slot = first_desc[i as usize] + k;
            let toks = &provisional[starts[slot]..starts[slot + 1]];
            text::put_varint(&mut text_blob, toks.len() as u64);
            for &t in toks {
                text::put_varint(&mut text_blob, u64::from(rank_of[t as usize]));
            }
            let long_terms = entry_terms.len();
            text::for_each_word(d, &mut words_buf, |w| {
                if k == 0 {
                    let t = term_for(&mut term_of, &mut postings, w);
                    entry_terms.push(t);
                    return;
                }
                // A short-description word the long one lacks: its own key.
                if term_of
                    .get(w)
                    .is_some_and(|t| entry_terms[..long_terms].contains(t))
                {
                    return;
                }
                key_buf.clear();
                key_buf.push_str(w);
                key_buf.push(char::from(format::SHORT_ONLY));
                let t = term_for(&mut term_of, &mut postings, &key_buf);
                entry_terms.push(t);
            });
        }
        entry_terms.sort_unstable();
        entry_terms.dedup();
        for &t in &entry_terms {
            postings[t as usize].push(id as u32);
        }
    }

    // Word fst in lexicographic order; postings renumbered to match.
    let mut words: Vec<(Box<str>, u32)> = term_of.into_iter().collect();
    words.sort_unstable();
    let mut wfst = fst::MapBuilder::memory();
    let mut post_offsets = Vec::with_capacity((words.len() + 1) * 4);
    let mut post_bytes = Vec::new();
    for (n, (w, old)) in words.iter().enumerate() {
        wfst.insert(w.as_bytes(), n as u64).map_err(fst_err)?;
        post_offsets.extend_from_slice(&(post_bytes.len() as u32).to_le_bytes());
        encode_postings(&postings[*old as usize], &mut post_bytes);
    }
    post_offsets.extend_from_slice(&(post_bytes.len() as u32).to_le_bytes());
    let wfst = wfst.into_inner().map_err(fst_err)?;

    Ok(format::LAYOUT.write(
        [entries.len() as u64, 0],
        [
            &codes,
            &wfst,
            &post_offsets,
            &post_bytes,
            &records,
            &text_blob,
            &tok_offsets,
            &tok_bytes,
        ],
    ))
}
