//! Building an index file from catalog entries.

use std::collections::HashMap;
use std::path::Path;

use chrono::Datelike;

use crate::entry::Entry;
use crate::error::{CatalogError, Result};
use crate::index::format::{self, SectionKind};
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
        let io = |source| CatalogError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        std::fs::write(&tmp, &bytes).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)?;
        Ok(bytes.len() as u64)
    }
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

struct Writer {
    out: Vec<u8>,
    rows: Vec<(SectionKind, u64, u64, u64)>,
}

impl Writer {
    fn section(&mut self, kind: SectionKind, bytes: &[u8]) {
        while self.out.len() % 8 != 0 {
            self.out.push(0);
        }
        let offset = self.out.len() as u64;
        self.out.extend_from_slice(bytes);
        self.rows
            .push((kind, offset, bytes.len() as u64, format::checksum(&[bytes])));
    }
}

fn fst_err(e: fst::Error) -> CatalogError {
    CatalogError::Fst(e.to_string())
}

#[allow(dead_code)] // used by the library, not by build.rs
pub(crate) fn check_entry_pub(e: &Entry) -> Result<()> {
    check_entry(e)
}

pub(crate) fn build_index(entries: &[Entry]) -> Result<Vec<u8>> {
    for e in entries {
        check_entry(e)?;
    }
    // Entry ids follow the search tie-break order: shorter description, then code.
    let mut order: Vec<u32> = (0..entries.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        let (x, y) = (&entries[a as usize], &entries[b as usize]);
        (x.description.len(), x.code, x.system).cmp(&(y.description.len(), y.code, y.system))
    });

    // Code keys, checked for duplicates.
    let mut keys: Vec<(Vec<u8>, u32)> = order
        .iter()
        .enumerate()
        .map(|(id, &i)| {
            let e = &entries[i as usize];
            (
                format::code_key(e.code.as_bytes(), e.system.to_u8()),
                id as u32,
            )
        })
        .collect();
    keys.sort_unstable();
    if let Some(w) = keys.windows(2).find(|w| w[0].0 == w[1].0) {
        let e = &entries[order[w[0].1 as usize] as usize];
        return Err(CatalogError::DuplicateCode {
            code: e.code,
            system: e.system,
        });
    }
    let mut codes = fst::MapBuilder::memory();
    for (k, id) in &keys {
        codes.insert(k, u64::from(*id)).map_err(fst_err)?;
    }
    let codes = codes.into_inner().map_err(fst_err)?;

    // Token dictionary, most frequent first so they get the shortest varints.
    let mut freq: HashMap<&str, u32> = HashMap::new();
    for e in entries {
        for t in text::tokens(&e.description) {
            *freq.entry(t).or_insert(0) += 1;
        }
        if e.short_description != e.description {
            for t in text::tokens(&e.short_description) {
                *freq.entry(t).or_insert(0) += 1;
            }
        }
    }
    let mut toks: Vec<(&str, u32)> = freq.into_iter().collect();
    toks.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let tok_id: HashMap<&str, u32> = toks
        .iter()
        .enumerate()
        .map(|(i, (t, _))| (*t, i as u32))
        .collect();
    let mut tok_offsets = Vec::with_capacity((toks.len() + 1) * 4);
    let mut tok_bytes = Vec::new();
    for (t, _) in &toks {
        tok_offsets.extend_from_slice(&(tok_bytes.len() as u32).to_le_bytes());
        tok_bytes.extend_from_slice(t.as_bytes());
    }
    tok_offsets.extend_from_slice(&(tok_bytes.len() as u32).to_le_bytes());

    // Entry records, text blobs and the word postings.
    let mut records = Vec::with_capacity(entries.len() * format::ENTRY_LEN);
    let mut text_blob = Vec::new();
    let mut term_of: HashMap<String, u32> = HashMap::new();
    let mut postings: Vec<Vec<u32>> = Vec::new();
    let mut words_buf = String::new();
    let mut entry_terms: Vec<u32> = Vec::new();
    let mut tok_buf: Vec<u32> = Vec::new();
    let mut long_words: Vec<String> = Vec::new();
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
        long_words.clear();
        for (k, d) in descs.iter().enumerate() {
            tok_buf.clear();
            tok_buf.extend(text::tokens(d).map(|t| tok_id[t]));
            text::put_varint(&mut text_blob, tok_buf.len() as u64);
            for &t in &tok_buf {
                text::put_varint(&mut text_blob, u64::from(t));
            }
            text::for_each_word(d, &mut words_buf, |w| {
                let key = if k == 0 {
                    long_words.push(w.to_owned());
                    w.to_owned()
                } else if long_words.iter().any(|l| l == w) {
                    return;
                } else {
                    let mut k = w.to_owned();
                    k.push(char::from(format::SHORT_ONLY));
                    k
                };
                let next = postings.len() as u32;
                let term = *term_of.entry(key).or_insert(next);
                if term == next {
                    postings.push(Vec::new());
                }
                entry_terms.push(term);
            });
        }
        entry_terms.sort_unstable();
        entry_terms.dedup();
        for &t in &entry_terms {
            postings[t as usize].push(id as u32);
        }
    }

    // Word fst in lexicographic order; postings renumbered to match.
    let mut words: Vec<(String, u32)> = term_of.into_iter().collect();
    words.sort_unstable();
    let mut wfst = fst::MapBuilder::memory();
    let mut post_offsets = Vec::with_capacity((words.len() + 1) * 4);
    let mut post_bytes = Vec::new();
    for (n, (w, old)) in words.iter().enumerate() {
        wfst.insert(w, n as u64).map_err(fst_err)?;
        post_offsets.extend_from_slice(&(post_bytes.len() as u32).to_le_bytes());
        let mut prev = 0u32;
        for (k, &id) in postings[*old as usize].iter().enumerate() {
            let delta = if k == 0 { id } else { id - prev };
            text::put_varint(&mut post_bytes, u64::from(delta));
            prev = id;
        }
    }
    post_offsets.extend_from_slice(&(post_bytes.len() as u32).to_le_bytes());
    let wfst = wfst.into_inner().map_err(fst_err)?;

    let sections: [(SectionKind, &[u8]); 8] = [
        (SectionKind::Codes, &codes),
        (SectionKind::Words, &wfst),
        (SectionKind::PostingOffsets, &post_offsets),
        (SectionKind::Postings, &post_bytes),
        (SectionKind::Entries, &records),
        (SectionKind::Text, &text_blob),
        (SectionKind::TokenOffsets, &tok_offsets),
        (SectionKind::Tokens, &tok_bytes),
    ];
    let table_len = sections.len() * format::SECTION_ROW_LEN;
    let mut w = Writer {
        out: vec![0u8; format::HEADER_LEN + table_len],
        rows: Vec::new(),
    };
    for (kind, bytes) in sections {
        w.section(kind, bytes);
    }
    while w.out.len() % 8 != 0 {
        w.out.push(0);
    }
    let file_len = w.out.len() as u64;
    let mut head = Vec::with_capacity(format::HEADER_LEN + table_len);
    head.extend_from_slice(&format::MAGIC);
    head.extend_from_slice(&format::VERSION.to_le_bytes());
    head.extend_from_slice(&(w.rows.len() as u32).to_le_bytes());
    head.extend_from_slice(&file_len.to_le_bytes());
    head.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    head.extend_from_slice(&0u64.to_le_bytes());
    let mut table = Vec::with_capacity(table_len);
    for (kind, offset, len, sum) in &w.rows {
        table.extend_from_slice(&(*kind as u32).to_le_bytes());
        table.extend_from_slice(&0u32.to_le_bytes());
        table.extend_from_slice(&offset.to_le_bytes());
        table.extend_from_slice(&len.to_le_bytes());
        table.extend_from_slice(&sum.to_le_bytes());
    }
    let hsum = format::checksum(&[&head, &table]);
    head.extend_from_slice(&hsum.to_le_bytes());
    head.extend_from_slice(&table);
    w.out[..head.len()].copy_from_slice(&head);
    Ok(w.out)
}
