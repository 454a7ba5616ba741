//! Reading an index file: validation on open and bounds-checked access.

use std::fmt;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;

use crate::catalog::entry_ref::{day_of, Day, EntryRef, Fixed, MAX_DAY, MIN_DAY};
use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::error::{CatalogError, Result};
use crate::index::container;
use crate::index::format;
use crate::index::Verify;
use crate::text;

/// Where the bytes of an index live.
pub(crate) enum Storage {
    /// Compiled into the binary.
    Static(&'static [u8]),
    /// Owned in memory.
    Owned(Vec<u8>),
    /// A read-only memory map of a file.
    Mapped(memmap2::Mmap),
}

impl Storage {
    /// Maps a file read-only (an index or NCCI edits file); the caller names
    /// the path in its error.
    pub(crate) fn map_file(path: &std::path::Path) -> std::io::Result<Storage> {
        let file = std::fs::File::open(path)?;
        // SAFETY: the map is read-only and index and edits files are
        // immutable once written (`IndexBuilder::write_to` and
        // `NcciBuilder::write_to` replace files by rename, never in place);
        // every read through the map is bounds-checked.
        let map = unsafe { memmap2::Mmap::map(&file) }?;
        Ok(Storage::Mapped(map))
    }
}

impl AsRef<[u8]> for Storage {
    fn as_ref(&self) -> &[u8] {
        match self {
            Storage::Static(b) => b,
            Storage::Owned(v) => v,
            Storage::Mapped(m) => m,
        }
    }
}

/// A range of an index's (or edits file's) bytes that keeps the storage
/// alive (so an `fst::Map` can own it).
#[derive(Clone)]
pub(crate) struct Section {
    pub(crate) store: Arc<Storage>,
    /// Checked against the storage length when the file was opened.
    pub(crate) range: Range<usize>,
}

impl AsRef<[u8]> for Section {
    fn as_ref(&self) -> &[u8] {
        // The range was checked against the storage length when opened.
        self.store
            .as_ref()
            .as_ref()
            .get(self.range.clone())
            .unwrap_or(&[])
    }
}

/// An opened, validated index.
pub(crate) struct Index {
    codes: fst::Map<Section>,
    words: fst::Map<Section>,
    store: Arc<Storage>,
    posting_offsets: Range<usize>,
    postings: Range<usize>,
    entries: Range<usize>,
    text: Range<usize>,
    token_offsets: Range<usize>,
    tokens: Range<usize>,
    entry_count: u32,
    /// How many entries are older versions (never in the code index).
    superseded: u32,
    releases: Vec<crate::Release>,
    size: u64,
    /// Checksums of the two fst sections still to verify on first use.
    pending: [(u64, OnceLock<bool>); 2],
    /// Whether the token dictionary is valid UTF-8 cut on character
    /// boundaries, and its most frequent tokens in slots (checked and
    /// built once, before the first description is decoded); `None` when
    /// the dictionary is malformed.
    dictionary: OnceLock<Option<HotTokens>>,
    /// The tabular-structure section (empty when the index holds none).
    tabular: Range<usize>,
    /// Its checksum, and whether it matched and the section's own layout
    /// reads (checked on first use).
    tabular_check: (u64, OnceLock<bool>),
    /// The current entries in code-key order, read from the code fst on
    /// the first code-prefix search: a prefix's matches are then one slice,
    /// counted without a walk.
    code_order: OnceLock<CodeOrder>,
}

impl fmt::Debug for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Index")
            .field("entries", &self.entry_count)
            .field("bytes", &self.size)
            .finish()
    }
}

/// How much an index is checked when it is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Checks {
    /// As the caller asked.
    Verify(Verify),
    /// The header and the section table only: the embedded catalog, built
    /// and verified with this library.
    Embedded,
}

/// A check still to do on first use, or one already done (or not needed).
fn lazy_check(checks: Checks) -> OnceLock<bool> {
    let once = OnceLock::new();
    if checks != Checks::Verify(Verify::Lazy) {
        let _ = once.set(true);
    }
    once
}

/// Whether every node of an fst decodes and every transition points to an
/// earlier node (as the fst builder writes them): the shape every later query
/// relies on. A checksum only proves the bytes are the ones the table names,
/// and a crafted file can carry a matching checksum; the `fst` crate panics on
/// some malformed nodes (found by the `index_load` fuzz target), so each node
/// is decoded once here — all its transitions, and the transition index of
/// large nodes — with a panic meaning "not well formed".
fn fst_well_formed(map: &fst::Map<Section>) -> bool {
    let fst = map.as_fst();
    // The map is only read; nothing is left half-changed by a panic.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut seen = vec![false; fst.as_bytes().len() + 1];
        let mut stack = vec![fst.root().addr()];
        while let Some(addr) = stack.pop() {
            match seen.get_mut(addr) {
                Some(s) if !*s => *s = true,
                Some(_) => continue,
                None => return false,
            }
            let node = fst.node(addr);
            let _ = (node.is_final(), node.final_output());
            for t in node.transitions() {
                // Children come first in the file: this also rules out cycles,
                // on which a search would never end.
                if t.addr >= addr {
                    return false;
                }
                stack.push(t.addr);
            }
            if node.len() > 32 {
                // Large nodes carry an index read only by exact lookups.
                for b in 0..=255u8 {
                    if let Some(i) = node.find_input(b) {
                        if node.transition(i).inp != b {
                            return false;
                        }
                    }
                }
            }
        }
        true
    }))
    .unwrap_or(false)
}

fn corrupt(what: impl Into<String>) -> CatalogError {
    CatalogError::Corrupt { what: what.into() }
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn i32_at(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// [`text::get_varint`] with its one- and two-byte cases inline (token
/// numbers are ranked by frequency: nearly all take one or two bytes).
#[inline(always)]
fn varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    match buf.get(*pos..*pos + 2) {
        Some(&[a, _]) if a < 0x80 => {
            *pos += 1;
            Some(u64::from(a))
        }
        Some(&[a, b]) if b < 0x80 => {
            *pos += 2;
            Some(u64::from(a & 0x7f) | u64::from(b) << 7)
        }
        _ => text::get_varint(buf, pos),
    }
}

/// How many bytes a token is copied with at once: one 16-byte load and
/// store (no `memcpy` call), of which only the token's own bytes are kept.
const TOKEN_COPY: usize = 16;
/// Room reserved in the output per token: two [`TOKEN_COPY`]s, which hold
/// any token but the rare longer ones (no token of the bundled code sets
/// is longer than 30 bytes).
const TOKEN_ROOM: usize = 2 * TOKEN_COPY;
/// How many of the dictionary's first (most frequent) tokens get a slot
/// ([`HotTokens`]): those with one- and two-byte numbers, 99% of the
/// tokens of the large catalog's descriptions (256 KB of slots).
const HOT: usize = 1 << 14;
/// The last byte of a slot holds the token's length, or this for a token
/// too long for the slot (read through its offsets).
const NO_SLOT: u8 = u8::MAX;

/// The dictionary's most frequent tokens, each zero padded in a slot of
/// [`TOKEN_COPY`] bytes whose last byte is its length, built once when
/// the dictionary is checked: a token of up to 15 bytes with a one- or
/// two-byte number is copied from its slot with one 16-byte move, without
/// reading its offsets. The index's own sections stay shared between the
/// processes that map the file; the slots (256 KB for the large catalog,
/// less for a smaller dictionary) are the process's own.
pub(crate) struct HotTokens {
    /// Token `t`'s slot (for `t` below the dictionary's first [`HOT`]).
    slots: Box<[[u8; TOKEN_COPY]]>,
    /// Where a token may be copied with two [`TOKEN_COPY`] moves from the
    /// token bytes: below this offset (0 when some token is longer than
    /// [`TOKEN_ROOM`], so that none is).
    copy_end: usize,
}

impl HotTokens {
    /// Checks the dictionary (`offs` the token offsets, `toks` the token
    /// bytes) — valid UTF-8, every offset in order and on a character
    /// boundary — and fills the slots of its first tokens; `None` when
    /// the dictionary is malformed.
    fn read(offs: &[u8], toks: &[u8]) -> Option<HotTokens> {
        let text = std::str::from_utf8(toks).ok()?;
        let mut prev = 0usize;
        let mut longest = 0usize;
        for (i, o) in offs.chunks_exact(4).enumerate() {
            let o = u32::from_le_bytes([o[0], o[1], o[2], o[3]]) as usize;
            if o < prev || !text.is_char_boundary(o) {
                return None;
            }
            if i > 0 {
                longest = longest.max(o - prev);
            }
            prev = o;
        }
        let n = (offs.len() / 4).saturating_sub(1).min(HOT);
        let mut slots = vec![[0u8; TOKEN_COPY]; n].into_boxed_slice();
        for (t, slot) in slots.iter_mut().enumerate() {
            let (a, b) = (u32_at(offs, t * 4)?, u32_at(offs, t * 4 + 4)?);
            let tok = toks.get(a as usize..b as usize)?;
            match tok.len() < TOKEN_COPY {
                true => {
                    slot[..tok.len()].copy_from_slice(tok);
                    slot[TOKEN_COPY - 1] = tok.len() as u8;
                }
                false => slot[TOKEN_COPY - 1] = NO_SLOT,
            }
        }
        let copy_end = match longest <= TOKEN_ROOM {
            true => (toks.len() + 1).saturating_sub(TOKEN_ROOM),
            false => 0,
        };
        Some(HotTokens { slots, copy_end })
    }
}

/// What decoding a description reads: the text section, the checked
/// token dictionary (offsets and bytes) and its hot tokens.
#[derive(Clone, Copy)]
struct Dict<'a> {
    text: &'a [u8],
    offs: &'a [u8],
    toks: &'a [u8],
    hot: &'a HotTokens,
}

/// Appends the tokens whose numbers (varints) start at `p` in the text and
/// end before `end`, at most `n` of them, to `out` and returns the position
/// after them and how many there were; `None` when something is out of
/// range (`out` then holds whole tokens only). Only whole tokens are ever
/// appended, so `out` is as valid UTF-8 as the dictionary's tokens are.
///
/// Room for every token is reserved once (each number takes a byte at
/// least, and a description has at most
/// [`crate::index::MAX_DESCRIPTION_LEN`] tokens: more is malformed), so the
/// loop checks no capacity. Per token: its number's first byte (the loop's
/// bound is the description's end, so no other check); a hot token
/// ([`HotTokens`]) is then two 16-byte moves from its slot; any other
/// reads its number (one to three bytes inline), its two offsets, and is
/// copied with two 16-byte moves. `COUNTED`: whether `n` can stop the
/// loop before `end` (without it, `n` is ignored).
#[inline(always)]
fn decode_tokens<const COUNTED: bool>(
    d: Dict<'_>,
    mut p: usize,
    end: usize,
    n: usize,
    out: &mut Vec<u8>,
) -> Option<(usize, usize)> {
    // The numbers end at `end`: indexing below `nums.len()` needs no check.
    let nums = d.text.get(..end)?;
    let left = end.checked_sub(p)?;
    let n = if COUNTED { n.min(left) } else { left };
    if n > crate::index::MAX_DESCRIPTION_LEN {
        return None;
    }
    out.reserve((n + 1) * TOKEN_ROOM);
    // The length is kept here and stored back at the end (bytes past the
    // stored length are only ever spare capacity).
    let mut len = out.len();
    // Room for `TOKEN_ROOM` bytes per token left stays reserved after
    // `len`: each token copied by 16-byte moves takes at most that, and a
    // longer one reserves it again.
    let mut dst = out.as_mut_ptr();
    let (offs, toks, hot) = (d.offs, d.toks, d.hot);
    let mut i = 0;
    while p < nums.len() && (!COUNTED || i < n) {
        let a = nums[p];
        // Token numbers are below 2^32 (the slow path checks), so
        // `t * 4 + 8` cannot overflow.
        let t: usize = if a < 0x80 {
            p += 1;
            usize::from(a)
        } else {
            // A number's bytes all lie before `end`.
            let b = *nums.get(p + 1)?;
            if b < 0x80 {
                p += 2;
                usize::from(a & 0x7f) | usize::from(b) << 7
            } else {
                match nums.get(p + 2) {
                    Some(&c) if c < 0x80 => {
                        p += 3;
                        usize::from(a & 0x7f) | usize::from(b & 0x7f) << 7 | usize::from(c) << 14
                    }
                    _ => {
                        let mut q = p;
                        let v = text::get_varint(nums, &mut q)?;
                        p = q;
                        u32::try_from(v).ok()? as usize
                    }
                }
            }
        };
        if let Some(slot) = hot.slots.get(t) {
            let l = slot[TOKEN_COPY - 1];
            if l != NO_SLOT {
                // SAFETY: `slot` has `TOKEN_COPY` readable bytes and `out`
                // (whose buffer `dst` is) room for `TOKEN_ROOM` more after
                // `len`: an unaligned 16-byte load and store. The token is
                // the slot's first `l` bytes (`l < TOKEN_COPY`).
                unsafe {
                    let v = slot.as_ptr().cast::<u128>().read_unaligned();
                    dst.add(len).cast::<u128>().write_unaligned(v);
                }
                len += usize::from(l);
                i += 1;
                continue;
            }
        }
        let w = offs.get(t * 4..t * 4 + 8)?;
        let a = u32::from_le_bytes([w[0], w[1], w[2], w[3]]) as usize;
        let b = u32::from_le_bytes([w[4], w[5], w[6], w[7]]) as usize;
        if a < hot.copy_end {
            // SAFETY: `copy_end` (see `HotTokens::read`) is 0 unless every
            // token is at most `TOKEN_ROOM` bytes long and the offsets are
            // in order and within `toks` (checked before any description
            // is decoded), and `a + TOKEN_ROOM <= toks.len()` for any
            // `a < copy_end`: bytes `a..a + TOKEN_ROOM` of `toks` are
            // readable, and `out` has `TOKEN_ROOM` bytes of room after
            // `len`: two unaligned 16-byte loads and stores. The token is
            // bytes `a..b`, `a <= b <= a + TOKEN_ROOM`.
            unsafe {
                let src = toks.as_ptr().add(a).cast::<u128>();
                let to = dst.add(len).cast::<u128>();
                to.write_unaligned(src.read_unaligned());
                to.add(1).write_unaligned(src.add(1).read_unaligned());
            }
            len += b - a;
        } else {
            let tok = toks.get(a..b)?;
            // SAFETY: bytes `..len` are initialised (whole tokens written).
            unsafe { out.set_len(len) };
            out.extend_from_slice(tok);
            // Room again for every token left (each has a byte at least).
            out.reserve((end - p + 1) * TOKEN_ROOM);
            len = out.len();
            dst = out.as_mut_ptr();
        }
        i += 1;
    }
    // SAFETY: bytes `..len` are initialised: whole tokens, written above.
    unsafe { out.set_len(len) };
    Some((p, i))
}

/// How an entry's short description is stored (after its long one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Short {
    /// Not stored: it is the long one.
    Same,
    /// Stored whole.
    Own,
    /// Stored as the number of the long one's first tokens it starts with,
    /// then the rest ([`format::F_SHORT_PREFIX`]).
    Prefix,
}

impl Short {
    /// How a record with `flags` stores its short description.
    fn of(flags: u8) -> Short {
        if flags & format::F_SHORT_SAME != 0 {
            Short::Same
        } else if flags & format::F_SHORT_PREFIX != 0 {
            Short::Prefix
        } else {
            Short::Own
        }
    }
}

/// The entry-record fields search filters need, without decoding text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Meta {
    pub(crate) effective: Option<NaiveDate>,
    pub(crate) terminated: Option<NaiveDate>,
}

impl Meta {
    pub(crate) fn valid_on(&self, d: NaiveDate) -> bool {
        self.effective.is_none_or(|e| e <= d) && self.terminated.is_none_or(|t| d <= t)
    }
}

/// The current entries' ids in code-key order, with every
/// [`CodeOrder::STEP`]th code packed for a binary search that touches no
/// record until the last few probes.
struct CodeOrder {
    ids: Vec<u32>,
    samples: Vec<u128>,
}

/// A code's bytes as a number ordered as the bytes are (codes hold no NUL,
/// so zero padding keeps a code before the longer codes it starts).
fn packed(code: &[u8]) -> u128 {
    let mut b = [0u8; 16];
    let n = code.len().min(16);
    b[..n].copy_from_slice(&code[..n]);
    u128::from_be_bytes(b)
}

impl CodeOrder {
    const STEP: usize = 32;

    fn read(codes: &fst::Map<Section>) -> CodeOrder {
        let mut ids = Vec::with_capacity(codes.len());
        let mut samples = Vec::with_capacity(codes.len() / CodeOrder::STEP + 1);
        let mut stream = codes.stream();
        while let Some((key, id)) = fst::Streamer::next(&mut stream) {
            if ids.len() % CodeOrder::STEP == 0 {
                samples.push(packed(format::key_code(key)));
            }
            ids.push(u32::try_from(id).unwrap_or(u32::MAX));
        }
        CodeOrder { ids, samples }
    }

    /// How many entries have a code before `b` (a [`packed`] code).
    fn position(&self, index: &Index, b: u128) -> Result<usize> {
        let s = self.samples.partition_point(|&c| c < b);
        self.position_in_step(index, b, s)
    }

    /// [`CodeOrder::position`] of a code `b` that comes after the codes of
    /// the first `lo` entries (the end of a prefix's range, `lo` its
    /// start): the samples are searched by a gallop from there, a probe or
    /// two for a short range instead of a search of them all.
    fn position_after(&self, index: &Index, b: u128, lo: usize) -> Result<usize> {
        let n = self.samples.len();
        // The samples of the entries before `lo` are all before `b`.
        let mut from = lo.div_ceil(CodeOrder::STEP).min(n);
        let (mut to, mut step) = (from, 1);
        while to < n && self.samples[to] < b {
            from = to + 1;
            to += step;
            step *= 2;
        }
        let to = to.min(n);
        let s = from + self.samples[from..to].partition_point(|&c| c < b);
        self.position_in_step(index, b, s)
    }

    /// [`CodeOrder::position`] once the samples before `b` are counted
    /// (`s`): a search of the step of ids before sample `s`.
    fn position_in_step(&self, index: &Index, b: u128, s: usize) -> Result<usize> {
        if s == 0 {
            return Ok(0);
        }
        let from = (s - 1) * CodeOrder::STEP;
        let to = (s * CodeOrder::STEP).min(self.ids.len());
        let block = self.ids.get(from..to).unwrap_or(&[]);
        let mut err = None;
        let at = block.partition_point(|&id| match index.packed_code(id) {
            Ok(c) => c < b,
            Err(e) => {
                err = Some(e);
                false
            }
        });
        match err {
            Some(e) => Err(e),
            None => Ok(from + at),
        }
    }
}

impl Index {
    pub(crate) fn open(store: Storage, checks: Checks) -> Result<Index> {
        let store = Arc::new(store);
        let b: &[u8] = store.as_ref().as_ref();
        let sections = match checks {
            Checks::Verify(v) => v,
            Checks::Embedded => Verify::Lazy,
        };
        let parsed = format::parse(b, sections)?;
        let [entry_count, superseded] = parsed.counts;
        let file_len = b.len() as u64;
        let sums = parsed.sums;
        let [codes_r, words_r, posting_offsets, postings, entries, text, token_offsets, tokens, tabular, releases_r] =
            parsed.ranges;
        if superseded > entry_count {
            return Err(corrupt("more older versions than entries"));
        }
        let releases = b
            .get(releases_r)
            .and_then(procode_index::release::decode)
            .ok_or_else(|| corrupt("the releases section is malformed"))?;
        let map = |r: Range<usize>, what: &str| {
            fst::Map::new(Section {
                store: store.clone(),
                range: r,
            })
            .map_err(|e| corrupt(format!("{what}: {e}")))
        };
        let codes = map(codes_r, "code index")?;
        let words = map(words_r, "word index")?;
        if checks == Checks::Verify(Verify::Full) {
            for (m, k) in [(&codes, 0), (&words, 1)] {
                if !fst_well_formed(m) {
                    return Err(corrupt(format!(
                        "the {} is not a well-formed fst",
                        format::LAYOUT.kinds[k].1
                    )));
                }
            }
        }
        if entries.len() as u64 != entry_count.saturating_mul(format::ENTRY_LEN as u64)
            || entry_count > u64::from(u32::MAX)
        {
            return Err(corrupt("entry table size does not match the entry count"));
        }
        // The fst's own length is not checked yet under `Verify::Lazy`.
        let expected = words.len().checked_add(1).and_then(|n| n.checked_mul(4));
        if expected != Some(posting_offsets.len()) {
            return Err(corrupt("posting offsets do not match the word index"));
        }
        if token_offsets.len() % 4 != 0 || token_offsets.is_empty() {
            return Err(corrupt("token offsets have a bad size"));
        }
        Ok(Index {
            codes,
            words,
            posting_offsets,
            postings,
            entries,
            text,
            token_offsets,
            tokens,
            entry_count: entry_count as u32,
            superseded: superseded as u32,
            releases,
            size: file_len,
            store,
            pending: [(sums[0], lazy_check(checks)), (sums[1], lazy_check(checks))],
            dictionary: OnceLock::new(),
            tabular,
            tabular_check: (sums[8], OnceLock::new()),
            code_order: OnceLock::new(),
        })
    }

    #[inline]
    fn bytes(&self) -> &[u8] {
        self.store.as_ref().as_ref()
    }

    /// The bytes of one of this index's sections (`r` one of its section
    /// ranges: `self.text`, `self.entries`, …).
    #[inline(always)]
    fn sec(&self, r: &Range<usize>) -> &[u8] {
        let b = self.bytes();
        debug_assert!(r.start <= r.end && r.end <= b.len());
        // SAFETY: every range passed here is one of the index's section
        // ranges, which `format::parse` checked when the index was opened
        // (`start <= end <= ` the storage's length) and nothing changes
        // after; the storage's bytes are immutable. (Unchecked: every
        // description decoded reads three sections, every record two.)
        unsafe { b.get_unchecked(r.clone()) }
    }

    pub(crate) fn len(&self) -> u32 {
        self.entry_count
    }

    /// How many entries are current (not older versions).
    pub(crate) fn current_len(&self) -> u32 {
        self.entry_count - self.superseded
    }

    /// The releases the index records.
    pub(crate) fn releases(&self) -> &[crate::Release] {
        &self.releases
    }

    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    fn checked<'a>(
        &self,
        which: usize,
        map: &'a fst::Map<Section>,
    ) -> Result<&'a fst::Map<Section>> {
        let (sum, once) = &self.pending[which];
        let ok = *once.get_or_init(|| {
            container::checksum(&[map.as_fst().as_bytes()]) == *sum && fst_well_formed(map)
        });
        if ok {
            Ok(map)
        } else {
            Err(CatalogError::ChecksumMismatch {
                section: format::LAYOUT.kinds[which].1,
            })
        }
    }

    /// The tabular-structure section: `None` when the index holds none.
    /// Verified (checksum, then the section's own layout) on first use.
    pub(crate) fn tabular(
        &self,
    ) -> Result<Option<procode_index::import::tabular::TabularView<'_>>> {
        use procode_index::import::tabular::TabularView;
        let bytes = self.sec(&self.tabular);
        if bytes.is_empty() {
            return Ok(None);
        }
        let (sum, once) = &self.tabular_check;
        let ok = *once.get_or_init(|| {
            container::checksum(&[bytes]) == *sum && TabularView::new(bytes).is_ok()
        });
        if !ok {
            return Err(CatalogError::ChecksumMismatch {
                section: format::LAYOUT.kinds[8].1,
            });
        }
        TabularView::new(bytes)
            .map(Some)
            .map_err(|e| corrupt(e.to_string()))
    }

    /// The code fst (verified before its first use).
    pub(crate) fn codes(&self) -> Result<&fst::Map<Section>> {
        self.checked(0, &self.codes)
    }

    /// The word fst (verified before its first use).
    pub(crate) fn words(&self) -> Result<&fst::Map<Section>> {
        self.checked(1, &self.words)
    }

    /// The ids of the current entries whose code starts with `prefix`, in
    /// code-key order (code, then system).
    pub(crate) fn code_range(&self, prefix: &[u8]) -> Result<&[u32]> {
        let codes = self.codes()?;
        let order = self.code_order.get_or_init(|| CodeOrder::read(codes));
        let a = order.position(self, packed(prefix))?;
        // The first key after every key starting with `prefix`: its last
        // byte below 0xFF bumped (codes never hold 0xFF, nor 16 bytes).
        let b = match prefix.iter().take(16).rposition(|&b| b < u8::MAX) {
            Some(i) => {
                let mut hi = [0u8; 16];
                hi[..=i].copy_from_slice(&prefix[..=i]);
                hi[i] += 1;
                order.position_after(self, u128::from_be_bytes(hi), a)?
            }
            None => order.ids.len(),
        };
        order
            .ids
            .get(a..b)
            .ok_or_else(|| corrupt("the code index is out of order"))
    }

    /// The normalised code bytes of entry `id`.
    pub(crate) fn code_bytes(&self, id: u32) -> Result<&[u8]> {
        self.code_bytes_of(id, self.record(id)?)
    }

    /// The code of entry `id` as a [`packed`] number (what the code order
    /// compares).
    #[inline]
    fn packed_code(&self, id: u32) -> Result<u128> {
        let r = self.record(id)?;
        let off = u32::from_le_bytes([r[2], r[3], r[4], r[5]]) as usize;
        let len = format::tag_and_len(r[0]).1;
        match self
            .sec(&self.text)
            .get(off..)
            .and_then(<[u8]>::first_chunk)
        {
            // One 16-byte load (the text goes on after the code), the
            // bytes past the code (`len` < 16) masked off.
            Some(w) => Ok(u128::from_be_bytes(*w) & !(u128::MAX >> (8 * len))),
            None => Ok(packed(self.code_bytes_of(id, r)?)),
        }
    }

    /// [`Index::code_bytes`] of entry `id` whose record is `r`.
    #[inline]
    fn code_bytes_of(&self, id: u32, r: &[u8; format::ENTRY_LEN]) -> Result<&[u8]> {
        let off = u32_at(r, 2).unwrap_or(0) as usize;
        self.sec(&self.text)
            .get(off..off + format::tag_and_len(r[0]).1)
            .ok_or_else(|| corrupt(format!("entry {id} has a malformed code")))
    }

    #[inline]
    fn record(&self, id: u32) -> Result<&[u8; format::ENTRY_LEN]> {
        let at = id as usize * format::ENTRY_LEN;
        self.sec(&self.entries)
            .get(at..at + format::ENTRY_LEN)
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| corrupt(format!("entry id {id} is out of range")))
    }

    /// The system tag and flags of entry `id`'s record.
    pub(crate) fn tag_flags(&self, id: u32) -> Result<(u8, u8)> {
        let r = self.record(id)?;
        Ok((format::tag_and_len(r[0]).0, r[1]))
    }

    /// Whether entry `id` is a quality-data reporting code
    /// ([`format::B_REPORTING`]).
    pub(crate) fn is_reporting(&self, id: u32) -> Result<bool> {
        Ok(self.record(id)?[0] & format::B_REPORTING != 0)
    }

    pub(crate) fn meta(&self, id: u32) -> Result<Meta> {
        Ok(self.meta_at(id)?.0)
    }

    /// The record's metadata and where its descriptions start in the text.
    fn meta_at(&self, id: u32) -> Result<(Meta, usize)> {
        self.meta_of(id, self.record(id)?)
    }

    /// [`Index::meta_at`] of entry `id` whose record is `r`.
    #[inline]
    fn meta_of(&self, id: u32, r: &[u8; format::ENTRY_LEN]) -> Result<(Meta, usize)> {
        let (tag, code_len) = format::tag_and_len(r[0]);
        if CodeSystem::from_u8(tag).is_none() {
            return Err(corrupt(format!("entry {id} has unknown system tag {tag}")));
        }
        let flags = r[1];
        let blob = self.sec(&self.text);
        let mut pos = u32_at(r, 2).unwrap_or(0) as usize + code_len;
        let mut date = |flag: u8| -> Result<Option<NaiveDate>> {
            if flags & flag == 0 {
                return Ok(None);
            }
            let d = i32_at(blob, pos).and_then(NaiveDate::from_num_days_from_ce_opt);
            pos += 4;
            d.map(Some)
                .ok_or_else(|| corrupt(format!("entry {id} has an invalid date")))
        };
        let effective = date(format::F_EFFECTIVE)?;
        let terminated = date(format::F_TERMINATED)?;
        if flags & format::F_ACTION != 0 {
            // The action code's byte (read by `fixed`).
            pos += 1;
        }
        Ok((
            Meta {
                effective,
                terminated,
            },
            pos,
        ))
    }

    /// The checked token dictionary (see [`Index::dictionary`]), or `None`
    /// when it is not valid UTF-8 cut on character boundaries in order.
    fn hot_tokens(&self) -> Option<&HotTokens> {
        self.dictionary
            .get_or_init(|| HotTokens::read(self.sec(&self.token_offsets), self.sec(&self.tokens)))
            .as_ref()
    }

    /// Whether every token of the dictionary is valid UTF-8: the whole
    /// dictionary is, and every offset is in order and on a character boundary.
    fn tokens_are_utf8(&self) -> bool {
        self.hot_tokens().is_some()
    }

    /// Appends the description at `*pos` (token count, then token ids) to
    /// `out`, advancing `*pos` past it.
    pub(crate) fn write_text(&self, pos: &mut usize, out: &mut String) -> Result<()> {
        let bad = || corrupt("description text is malformed");
        let d = self.dict()?;
        let (start, end) = Index::text_span(d.text, *pos).ok_or_else(bad)?;
        // SAFETY: only whole tokens are appended, and `dict` (`HotTokens::read`)
        // checked that the dictionary is UTF-8 and that every offset is on a
        // character boundary, so each token is valid UTF-8 and so is `out`
        // after every append (an error part-way leaves whole tokens). The
        // bytes are immutable for the index's lifetime (owned, static, or a
        // read-only map of a file that procode only ever replaces by rename).
        let out = unsafe { out.as_mut_vec() };
        let (at, _) = decode_tokens::<false>(d, start, end, 0, out)
            .filter(|&(at, _)| at == end)
            .ok_or_else(bad)?;
        *pos = at;
        Ok(())
    }

    /// The text section and the checked token dictionary (what decoding a
    /// description reads).
    #[inline(always)]
    fn dict(&self) -> Result<Dict<'_>> {
        let Some(hot) = self.hot_tokens() else {
            return Err(corrupt("the token dictionary is not UTF-8"));
        };
        Ok(Dict {
            text: self.sec(&self.text),
            offs: self.sec(&self.token_offsets),
            toks: self.sec(&self.tokens),
            hot,
        })
    }

    /// Where the token numbers of the description at `at` start and end
    /// (it is their byte length, then the numbers); `None` when it runs past
    /// the text.
    #[inline(always)]
    fn text_span(blob: &[u8], at: usize) -> Option<(usize, usize)> {
        let mut p = at;
        let len = usize::try_from(varint(blob, &mut p)?).ok()?;
        let end = p.checked_add(len).filter(|&e| e <= blob.len())?;
        Some((p, end))
    }

    /// Moves `*pos` past the description there without decoding it.
    pub(crate) fn skip_text(&self, pos: &mut usize) -> Result<()> {
        let bad = || corrupt("description text is malformed");
        let (_, end) = Index::text_span(self.sec(&self.text), *pos).ok_or_else(bad)?;
        *pos = end;
        Ok(())
    }

    /// Appends the short description of the entry whose long description
    /// starts at `at` and whose short one is stored as `short` says to `out`.
    pub(crate) fn write_short(&self, at: usize, short: Short, out: &mut String) -> Result<()> {
        let mut pos = at;
        match short {
            Short::Same => self.write_text(&mut pos, out),
            Short::Own => {
                self.skip_text(&mut pos)?;
                self.write_text(&mut pos, out)
            }
            Short::Prefix => {
                let bad = || corrupt("description text is malformed");
                let d = self.dict()?;
                let (long, long_end) = Index::text_span(d.text, pos).ok_or_else(bad)?;
                pos = long_end;
                let shared = varint(d.text, &mut pos)
                    .and_then(|k| usize::try_from(k).ok())
                    .filter(|&k| k >= 1)
                    .ok_or_else(bad)?;
                let (rest, rest_end) = Index::text_span(d.text, pos).ok_or_else(bad)?;
                // SAFETY: as in `write_text`: only whole tokens are appended.
                let out = unsafe { out.as_mut_vec() };
                // Room for both parts at once (each reserves its own only:
                // the second would grow the buffer again). A token number
                // takes a byte at least; a part of more tokens than a
                // description holds is malformed (`decode_tokens` says so).
                let most = crate::index::MAX_DESCRIPTION_LEN;
                let tokens = shared.min(long_end - long).min(most) + (rest_end - rest).min(most);
                out.reserve((tokens + 2) * TOKEN_ROOM);
                decode_tokens::<true>(d, long, long_end, shared, out)
                    .filter(|&(_, k)| k == shared)
                    .ok_or_else(bad)?;
                decode_tokens::<false>(d, rest, rest_end, 0, out)
                    .filter(|&(at, _)| at == rest_end)
                    .ok_or_else(bad)?;
                Ok(())
            }
        }
    }

    /// Moves `*pos` from the start of an entry's short description (stored
    /// as `short` says) past it.
    fn skip_short(&self, pos: &mut usize, short: Short) -> Result<()> {
        match short {
            Short::Same => Ok(()),
            Short::Own => self.skip_text(pos),
            Short::Prefix => {
                let bad = || corrupt("description text is malformed");
                varint(self.sec(&self.text), pos).ok_or_else(bad)?;
                self.skip_text(pos)
            }
        }
    }

    /// The fixed fields of entry `id` (for a current version with history,
    /// its own first day), without decoding its descriptions.
    pub(crate) fn fixed(&self, id: u32) -> Result<Fixed> {
        self.fixed_of(id, self.record(id)?)
    }

    /// [`Index::fixed`] of entry `id` whose record is `r`. The record is
    /// read once: its code, dates, action code and descriptions follow one
    /// another in the text.
    #[inline(always)]
    fn fixed_of(&self, id: u32, r: &[u8; format::ENTRY_LEN]) -> Result<Fixed> {
        let (tag, code_len) = format::tag_and_len(r[0]);
        let flags = r[1];
        let off = u32::from_le_bytes([r[2], r[3], r[4], r[5]]) as usize;
        let system = CodeSystem::from_u8(tag)
            .ok_or_else(|| corrupt(format!("entry {id} has unknown system tag {tag}")))?;
        let text = self.sec(&self.text);
        let code = text
            .get(off..off + code_len)
            .and_then(Code::from_normalised)
            .ok_or_else(|| corrupt(format!("entry {id} has a malformed code")))?;
        let mut at = off + code_len;
        // Kept as day numbers (see `Day`): checked here, converted when read.
        let mut date = |flag: u8| -> Result<Option<Day>> {
            if flags & flag == 0 {
                return Ok(None);
            }
            let d = i32_at(text, at)
                .filter(|d| (MIN_DAY..=MAX_DAY).contains(d))
                .map(Day);
            at += 4;
            d.map(Some)
                .ok_or_else(|| corrupt(format!("entry {id} has an invalid date")))
        };
        let mut effective = date(format::F_EFFECTIVE)?;
        let terminated = date(format::F_TERMINATED)?;
        let action = match flags & format::F_ACTION {
            0 => None,
            _ => {
                let a = text
                    .get(at)
                    .ok_or_else(|| corrupt(format!("entry {id} has a malformed action code")))?;
                at += 1;
                Some(char::from(*a))
            }
        };
        let short = Short::of(flags);
        if flags & format::F_HISTORY != 0 {
            effective = Some(day_of(self.history(id, at, short)?.0));
        }
        Ok(Fixed {
            code,
            system,
            effective,
            terminated,
            billable: flags & format::F_BILLABLE != 0,
            reporting: r[0] & format::B_REPORTING != 0,
            action,
            at,
            short,
        })
    }

    /// Appends the borrowed entries `ids`, each the version in force on
    /// `date` (as [`Index::entry_ref_on`] picks it), to `out`: a page of
    /// codes, each record read once and each reference made in place.
    pub(crate) fn refs_on<'a>(
        self: &'a Arc<Self>,
        ids: &[u32],
        date: Option<NaiveDate>,
        out: &mut Vec<EntryRef<'a>>,
    ) -> Result<()> {
        out.reserve(ids.len());
        for &id in ids {
            let r = self.record(id)?;
            if date.is_some() && r[1] & format::F_HISTORY != 0 {
                out.push(self.entry_ref_on(id, date)?);
            } else {
                out.push(EntryRef::indexed(self, self.fixed_of(id, r)?));
            }
        }
        Ok(())
    }

    /// The history of current entry `id` whose descriptions start at `at`:
    /// its own first day and its older versions' ids (oldest first).
    fn history(&self, id: u32, at: usize, short: Short) -> Result<(NaiveDate, Vec<u32>)> {
        let bad = || corrupt(format!("entry {id} has a malformed history"));
        let mut pos = at;
        self.skip_text(&mut pos)?;
        self.skip_short(&mut pos, short)?;
        let blob = self.sec(&self.text);
        let start = i32_at(blob, pos)
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .ok_or_else(bad)?;
        pos += 4;
        let n = text::get_varint(blob, &mut pos).ok_or_else(bad)?;
        if n == 0 || n >= u64::from(self.entry_count) {
            return Err(bad());
        }
        let mut older = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let o = text::get_varint(blob, &mut pos)
                .and_then(|v| u32::try_from(v).ok())
                .filter(|&v| v < self.entry_count && v != id)
                .ok_or_else(bad)?;
            older.push(o);
        }
        Ok((start, older))
    }

    /// Appends the dictionary numbers of the tokens of entry `id`'s long
    /// description to `out`.
    pub(crate) fn title_tokens(&self, id: u32, out: &mut Vec<u32>) -> Result<()> {
        let bad = || corrupt("description text is malformed");
        let (_, at) = self.meta_at(id)?;
        let blob = self.sec(&self.text);
        let (mut pos, end) = Index::text_span(blob, at).ok_or_else(bad)?;
        let numbers = blob.get(..end).ok_or_else(bad)?;
        while pos < end {
            let t = text::get_varint(numbers, &mut pos).ok_or_else(bad)?;
            out.push(u32::try_from(t).map_err(|_| bad())?);
        }
        Ok(())
    }

    /// How many tokens the dictionary holds.
    pub(crate) fn token_count(&self) -> u32 {
        (self.sec(&self.token_offsets).len() / 4).saturating_sub(1) as u32
    }

    /// The text of dictionary token `t`.
    pub(crate) fn token(&self, t: u32) -> Result<&str> {
        let bad = || corrupt("the token dictionary is malformed");
        if !self.tokens_are_utf8() {
            return Err(corrupt("the token dictionary is not UTF-8"));
        }
        let offs = self.sec(&self.token_offsets);
        let at = (t as usize).checked_mul(4).ok_or_else(bad)?;
        let (Some(a), Some(b)) = (u32_at(offs, at), u32_at(offs, at + 4)) else {
            return Err(bad());
        };
        let bytes = self
            .sec(&self.tokens)
            .get(a as usize..b as usize)
            .ok_or_else(bad)?;
        std::str::from_utf8(bytes).map_err(|_| bad())
    }

    /// Whether entry `id` is an older version of its code (reached only
    /// through the history of the current version).
    pub(crate) fn is_superseded(&self, id: u32) -> Result<bool> {
        Ok(self.record(id)?[1] & format::F_SUPERSEDED != 0)
    }

    /// The full entry. For a current version with history, its dates are
    /// those of the version (its own first day, the code's last day).
    pub(crate) fn entry(self: &Arc<Self>, id: u32) -> Result<Entry> {
        self.entry_ref(id)?.to_owned()
    }

    /// The borrowed entry `id` (see [`Index::entry`]).
    pub(crate) fn entry_ref(self: &Arc<Self>, id: u32) -> Result<EntryRef<'_>> {
        Ok(EntryRef::indexed(self, self.fixed(id)?))
    }

    /// Every version of the code of current entry `id`, oldest first (the
    /// entry alone when it has no history), borrowed.
    fn version_refs(self: &Arc<Self>, id: u32) -> Result<Vec<EntryRef<'_>>> {
        let current = self.fixed(id)?;
        let older = match self.record(id)?[1] & format::F_HISTORY {
            0 => Vec::new(),
            _ => self.history(id, current.at, current.short)?.1,
        };
        let mut out = Vec::with_capacity(older.len() + 1);
        for o in older {
            let e = self.fixed(o)?;
            if e.code != current.code || e.system != current.system || !self.is_superseded(o)? {
                return Err(corrupt(format!(
                    "entry {id} names entry {o} as an older version of itself, but it is not"
                )));
            }
            out.push(EntryRef::indexed(self, e));
        }
        out.push(EntryRef::indexed(self, current));
        Ok(out)
    }

    /// Every version of the code of current entry `id`, oldest first (the
    /// entry alone when it has no history).
    pub(crate) fn versions(self: &Arc<Self>, id: u32) -> Result<Vec<Entry>> {
        self.version_refs(id)?
            .iter()
            .map(EntryRef::to_owned)
            .collect()
    }

    /// The validity dates (first day, last day) and billable flag of the
    /// version of current entry `id` in force on `date` (the one
    /// [`Index::entry_on`] picks), without decoding its descriptions.
    pub(crate) fn status_on(
        self: &Arc<Self>,
        id: u32,
        date: Option<NaiveDate>,
    ) -> Result<(Option<NaiveDate>, Option<NaiveDate>, bool)> {
        let e = self.entry_ref_on(id, date)?;
        Ok((e.effective(), e.terminated(), e.billable()))
    }

    /// The version of the code of current entry `id` in force on `date`:
    /// without a date, or when no version is valid on it, the current one.
    pub(crate) fn entry_on(self: &Arc<Self>, id: u32, date: Option<NaiveDate>) -> Result<Entry> {
        self.entry_ref_on(id, date)?.to_owned()
    }

    /// The borrowed version of [`Index::entry_on`].
    pub(crate) fn entry_ref_on(
        self: &Arc<Self>,
        id: u32,
        date: Option<NaiveDate>,
    ) -> Result<EntryRef<'_>> {
        let Some(d) = date else {
            return self.entry_ref(id);
        };
        if self.record(id)?[1] & format::F_HISTORY == 0 {
            return self.entry_ref(id);
        }
        let mut versions = self.version_refs(id)?;
        let pick = versions
            .iter()
            .rposition(|v| v.is_valid_on(d))
            .unwrap_or(versions.len() - 1);
        Ok(versions.swap_remove(pick))
    }

    /// The encoded posting list of a term.
    pub(crate) fn posting_bytes(&self, term: u64) -> Result<&[u8]> {
        let offs = self.sec(&self.posting_offsets);
        let t = usize::try_from(term).unwrap_or(usize::MAX);
        let bad = || corrupt(format!("posting list {term} is malformed"));
        let a = u32_at(offs, t.saturating_mul(4)).ok_or_else(bad)? as usize;
        let b = u32_at(offs, t.saturating_mul(4) + 4).ok_or_else(bad)? as usize;
        self.sec(&self.postings).get(a..b).ok_or_else(bad)
    }
}
