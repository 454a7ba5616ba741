//! Posting lists: the ids of the entries whose descriptions hold a word, as
//! the builder writes them ([`encode`]) and as a search walks them
//! ([`Cursor`], [`Union`]).
//!
//! A list of `n` ids (ascending) is stored in blocks of `POSTING_BLOCK` (64)
//! ids as
//!
//! ```text
//! varint(n)
//! skip table   when n > POSTING_BLOCK: per block after the first, u32 LE its
//!              first id, u32 LE the byte offset of its packed deltas in the
//!              id data
//! id data      varint(the first id of the first block), then per block its
//!              packed deltas
//! ```
//!
//! A block of `k + 1` ids stores the `k` differences between neighbours,
//! less one (the ids rise, so each difference is at least one), bit-packed
//! least significant bit first at one width `w` (0 to 32 bits) for the
//! whole block, in `ceil(k * w / 8)` bytes. The width is not stored: it is
//! `8 * bytes / k`, the bytes being those up to the next block's offset (or
//! the end of the list). The builder picks the widest width that fits the
//! bytes its largest difference needs, so a width read back is always the
//! one written. A block decodes with no branch per id: eight ids at a time,
//! each a load, a shift, a mask and an add (`unpack`), for a fixed width.
//! Seeking jumps through the skip table.
//!
//! Damage is an error, never an id out of order or out of range: a block's
//! width must be at most 32 and its bytes exactly what its width needs, its
//! first id above the last id the cursor decoded before it, and its last id
//! below the entry count (the sum is taken in 64 bits, so it cannot wrap):
//! the ids a cursor returns rise strictly and stay below the count. (As with
//! any encoding without a checksum of its own, damage that still reads as a
//! sound list gives its ids; the file's section checksums catch that.)

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::error::{CatalogError, Result};
use crate::index::format::POSTING_BLOCK;
use crate::text::{get_varint, put_varint};

/// The widest bit width of a block's packed deltas.
const MAX_WIDTH: usize = 32;

/// Ids decoded per step of [`unpack`]: eight deltas of `w` bits take `w`
/// bytes, so every step starts on a byte.
const GROUP: usize = 8;

/// The decode buffer: a block's first id and its deltas' ids, rounded up to
/// whole groups (the ids past the block's are never read).
const BUF: usize = POSTING_BLOCK + GROUP;

/// Room for a block's packed deltas at the widest width, whole groups, plus
/// the eight bytes a 64-bit read of the last one may touch.
const ROOM: usize = POSTING_BLOCK / GROUP * MAX_WIDTH + 8;

/// Appends the posting list of `ids` (ascending, no duplicates) to `out`.
pub fn encode(ids: &[u32], out: &mut Vec<u8>) {
    debug_assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids rise strictly");
    put_varint(out, ids.len() as u64);
    let mut data = Vec::with_capacity(ids.len() * 2);
    let mut skips = Vec::new();
    for (b, block) in ids.chunks(POSTING_BLOCK).enumerate() {
        let Some(&first) = block.first() else {
            continue;
        };
        if b == 0 {
            put_varint(&mut data, u64::from(first));
        } else {
            skips.extend_from_slice(&first.to_le_bytes());
            skips.extend_from_slice(&(data.len() as u32).to_le_bytes());
        }
        // The differences less one, and the bits the largest needs.
        let mut gaps = [0u32; POSTING_BLOCK];
        let mut widest = 0;
        for (g, pair) in gaps.iter_mut().zip(block.windows(2)) {
            *g = pair[1].wrapping_sub(pair[0]).wrapping_sub(1);
            widest |= *g;
        }
        let k = block.len() - 1;
        if k == 0 {
            continue;
        }
        let need = (32 - widest.leading_zeros()) as usize;
        let bytes = (k * need).div_ceil(8);
        // The width a reader derives from the bytes (at least `need`).
        let w = 8 * bytes / k;
        // (Fewer than 32 bits wait before each delta: it fits the 64.)
        let mut acc = 0u64;
        let mut bits = 0;
        for &g in gaps.iter().take(k) {
            acc |= u64::from(g) << bits;
            bits += w;
            if bits >= 32 {
                data.extend_from_slice(&(acc as u32).to_le_bytes());
                acc >>= 32;
                bits -= 32;
            }
        }
        data.extend_from_slice(&acc.to_le_bytes()[..bits.div_ceil(8)]);
    }
    out.extend_from_slice(&skips);
    out.extend_from_slice(&data);
}

fn malformed() -> CatalogError {
    CatalogError::Corrupt {
        what: "a posting list is malformed".into(),
    }
}

/// Decodes `groups` groups of eight `W`-bit deltas (less one) from `src`
/// into `out[1..]`, each id the one before plus its delta, `out[0]` being
/// `first`; returns the sum after the last group in 64 bits (no wrap).
#[inline(always)]
fn unpack<const W: usize>(
    src: &[u8; ROOM],
    groups: usize,
    first: u32,
    out: &mut [u32; BUF],
) -> u64 {
    let mask = if W == 0 { 0 } else { u64::MAX >> (64 - W) };
    let mut acc = u64::from(first);
    out[0] = first;
    for g in 0..groups.min(POSTING_BLOCK / GROUP) {
        for j in 0..GROUP {
            let bit = j * W;
            let at = g * W + bit / 8;
            let word = src
                .get(at..)
                .and_then(<[u8]>::first_chunk::<8>)
                .map_or(0, |b| u64::from_le_bytes(*b));
            acc += ((word >> (bit % 8)) & mask) + 1;
            if let Some(slot) = out.get_mut(1 + g * GROUP + j) {
                *slot = acc as u32;
            }
        }
    }
    acc
}

/// [`unpack`] at width `w` (at most [`MAX_WIDTH`]: others are `None`).
#[inline]
fn unpack_at(
    w: usize,
    src: &[u8; ROOM],
    groups: usize,
    first: u32,
    out: &mut [u32; BUF],
) -> Option<u64> {
    macro_rules! widths {
        ($($w:literal)*) => {
            match w {
                $($w => unpack::<$w>(src, groups, first, out),)*
                _ => return None,
            }
        };
    }
    Some(
        widths!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32),
    )
}

/// A cursor over one encoded posting list: decodes a block of ids at a time
/// into a buffer and seeks through the skip table. Every id is checked to be
/// below the entry count `n` the caller passes, so a damaged list is an
/// error, never a wrong id.
#[derive(Debug)]
pub struct Cursor<'a> {
    skips: &'a [u8],
    data: &'a [u8],
    count: u32,
    /// The next block to decode.
    next_block: u32,
    /// The least id the next block decoded may start with: one past the
    /// last id decoded.
    floor: u32,
    /// The ids of the block decoded last, `len` of them (the rest of the
    /// buffer is scratch).
    buf: [u32; BUF],
    len: usize,
    /// How many ids of `buf` were returned (the last one is the current id).
    at: usize,
    /// Whether the cursor ran past its last id.
    done: bool,
}

impl<'a> Cursor<'a> {
    /// A cursor before the first id of `list`.
    ///
    /// # Errors
    /// [`CatalogError::Corrupt`] when the list's count or skip table does not
    /// fit in its bytes.
    #[inline]
    pub fn new(list: &'a [u8]) -> Result<Cursor<'a>> {
        let mut pos = 0;
        let count = get_varint(list, &mut pos).ok_or_else(malformed)?;
        let count = u32::try_from(count).map_err(|_| malformed())?;
        let block = POSTING_BLOCK as u32;
        let nskip = if count > block {
            (count - 1) / block
        } else {
            0
        } as usize;
        let skips = list.get(pos..pos + nskip * 8).ok_or_else(malformed)?;
        let data = list.get(pos + nskip * 8..).ok_or_else(malformed)?;
        Ok(Cursor {
            skips,
            data,
            count,
            next_block: 0,
            floor: 0,
            buf: [0; BUF],
            len: 0,
            at: 0,
            done: false,
        })
    }

    /// How many ids the list holds.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether the list holds no id.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Skip entry `b` (block `b + 1`): its first id and byte offset.
    #[inline]
    fn skip(&self, b: usize) -> Option<(u32, usize)> {
        let e = self.skips.get(b * 8..b * 8 + 8)?;
        let id = u32::from_le_bytes([e[0], e[1], e[2], e[3]]);
        let off = u32::from_le_bytes([e[4], e[5], e[6], e[7]]);
        Some((id, off as usize))
    }

    fn blocks(&self) -> u32 {
        self.count.div_ceil(POSTING_BLOCK as u32)
    }

    /// Decodes block `next_block` into the buffer; `false` past the last.
    /// After an error the cursor is at its end.
    #[inline]
    fn load_next(&mut self, n: u32) -> Result<bool> {
        let r = self.decode_next(n);
        if r.is_err() {
            self.done = true;
            self.len = 0;
            self.at = 0;
        }
        r
    }

    /// [`Cursor::load_next`] but for the cursor's state after an error.
    #[inline]
    fn decode_next(&mut self, n: u32) -> Result<bool> {
        let b = self.next_block;
        let blocks = self.blocks();
        if b >= blocks {
            self.done = true;
            self.len = 0;
            self.at = 0;
            return Ok(false);
        }
        let block = POSTING_BLOCK as u32;
        // The block's first id and where its packed deltas start.
        let (first, start) = if b == 0 {
            let mut p = 0;
            let first = match self.data.get(..3) {
                // (Most first ids take three bytes.)
                Some(&[x, y, z]) if x >= 0x80 && y >= 0x80 && z < 0x80 => {
                    p = 3;
                    u64::from(x & 0x7f) | u64::from(y & 0x7f) << 7 | u64::from(z) << 14
                }
                _ => get_varint(self.data, &mut p).ok_or_else(malformed)?,
            };
            (u32::try_from(first).map_err(|_| malformed())?, p)
        } else {
            self.skip(b as usize - 1).ok_or_else(malformed)?
        };
        let end = if b + 1 < blocks {
            self.skip(b as usize).ok_or_else(malformed)?.1
        } else {
            self.data.len()
        };
        let packed = self.data.get(start..end).ok_or_else(malformed)?;
        let len = (self.count - b * block).min(block) as usize;
        let k = len - 1;
        // The width the bytes give (none for a single id).
        let last = match (8 * packed.len()).checked_div(k) {
            None => {
                if !packed.is_empty() {
                    return Err(malformed());
                }
                self.buf[0] = first;
                u64::from(first)
            }
            Some(w) => {
                // The bytes must be exactly what the width needs (at most 32
                // bits a delta, so they fit the room).
                if w > MAX_WIDTH || 8 * packed.len() - k * w >= 8 {
                    return Err(malformed());
                }
                let mut room = [0u8; ROOM];
                room.get_mut(..packed.len())
                    .ok_or_else(malformed)?
                    .copy_from_slice(packed);
                let groups = k.div_ceil(GROUP);
                let sum =
                    unpack_at(w, &room, groups, first, &mut self.buf).ok_or_else(malformed)?;
                // The deltas past the block's read zero bits (the room's, or
                // the last byte's padding, zero unless damaged): each added
                // one.
                sum - (groups * GROUP - k) as u64
            }
        };
        if first < self.floor || last >= u64::from(n) {
            return Err(malformed());
        }
        // (last < n <= u32::MAX.)
        self.floor = last as u32 + 1;
        self.next_block = b + 1;
        self.len = len;
        self.at = 0;
        Ok(true)
    }

    /// Moves to the next id; `None` at the end.
    ///
    /// # Errors
    /// [`CatalogError::Corrupt`] for a malformed list or an id not below `n`.
    #[inline]
    pub fn advance(&mut self, n: u32) -> Result<Option<u32>> {
        if self.at >= self.len && (self.done || !self.load_next(n)?) {
            return Ok(None);
        }
        let id = self.buf[self.at];
        self.at += 1;
        Ok(Some(id))
    }

    /// Appends every id not returned yet to `out` (ascending), leaving the
    /// cursor at the end.
    ///
    /// # Errors
    /// As [`Cursor::advance`].
    pub fn append_rest(&mut self, n: u32, out: &mut Vec<u32>) -> Result<()> {
        if self.done {
            return Ok(());
        }
        loop {
            out.extend_from_slice(self.buf.get(self.at..self.len).unwrap_or(&[]));
            self.at = self.len;
            if !self.load_next(n)? {
                return Ok(());
            }
        }
    }

    /// Calls `f` with every id not returned yet, ascending, leaving the
    /// cursor at the end.
    ///
    /// # Errors
    /// As [`Cursor::advance`].
    #[inline]
    pub fn for_each_rest(&mut self, n: u32, mut f: impl FnMut(u32)) -> Result<()> {
        if self.done {
            return Ok(());
        }
        loop {
            for &id in self.buf.get(self.at..self.len).unwrap_or(&[]) {
                f(id);
            }
            self.at = self.len;
            if !self.load_next(n)? {
                return Ok(());
            }
        }
    }

    /// The smallest id at or after `target` (the cursor only moves forward).
    ///
    /// # Errors
    /// As [`Cursor::advance`].
    #[inline]
    pub fn seek(&mut self, target: u32, n: u32) -> Result<Option<u32>> {
        if self.done {
            return Ok(None);
        }
        if self.at > 0 && self.buf[self.at - 1] >= target {
            return Ok(Some(self.buf[self.at - 1]));
        }
        loop {
            let ids = self.buf.get(self.at..self.len).unwrap_or(&[]);
            if ids.last().is_some_and(|&last| last >= target) {
                let p = ids.iter().position(|&id| id >= target).unwrap_or(0);
                self.at += p + 1;
                return Ok(Some(ids[p]));
            }
            self.at = self.len;
            self.jump_towards(target);
            if !self.load_next(n)? {
                return Ok(None);
            }
        }
    }

    /// Moves `next_block` to the last block starting at or before `target`,
    /// if that lies beyond it (a damaged skip table only stops the jump).
    fn jump_towards(&mut self, target: u32) {
        // Skip entry b describes block b + 1; find the last with first id <=
        // target, galloping from the next block (seeks are mostly short):
        // every entry before `lo` is <= target, `hi` is past the end or not.
        let nskip = self.skips.len() / 8;
        let here = (self.next_block as usize).saturating_sub(1);
        let (mut lo, mut hi, mut step) = (here, here, 1);
        while hi < nskip {
            match self.skip(hi) {
                Some((id, _)) if id <= target => {
                    lo = hi + 1;
                    hi = hi.saturating_add(step).min(nskip);
                    step *= 2;
                }
                _ => break,
            }
        }
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.skip(mid) {
                Some((id, _)) if id <= target => lo = mid + 1,
                _ => hi = mid,
            }
        }
        // Block `lo` starts at or before target (or is block 0).
        if lo as u32 > self.next_block {
            self.next_block = lo as u32;
        }
    }
}

/// Of `targets` (ascending, no repeats), sets `marks[i]` to `mark` for
/// each position `i` whose mark is `unmarked` and whose id the posting
/// list `list` holds (the others are neither looked for nor changed);
/// returns how many it marked. (The cursor is built here, not moved
/// in: it holds a block of ids.) A
/// target seeks its block through the skip table (a short list costs
/// its own length, not the number of targets); the targets that follow
/// are merged with the rest of the block decoded.
///
/// # Errors
/// As [`Cursor::advance`], and as [`Cursor::new`] for `list`.
pub fn mark(
    list: &[u8],
    targets: &[u32],
    marks: &mut [u8],
    unmarked: u8,
    mark: u8,
    n: u32,
) -> Result<usize> {
    let mut c = Cursor::new(list)?;
    let len = targets.len().min(marks.len());
    let want = |marks: &[u8], i: usize| marks.get(i) == Some(&unmarked);
    let mut marked = 0;
    let mut i = 0;
    loop {
        while i < len && !want(marks, i) {
            i += 1;
        }
        let Some(&t) = targets.get(i).filter(|_| i < len) else {
            return Ok(marked);
        };
        let Some(x) = c.seek(t, n)? else {
            return Ok(marked);
        };
        i = skip_below(targets, i, x);
        if i < len && targets.get(i) == Some(&x) && want(marks, i) {
            marks[i] = mark;
            marked += 1;
            i += 1;
        }
        // The rest of the block against the targets that follow.
        // (The targets and their marks sliced alike: two bounds a step.)
        let block = c.buf.get(c.at..c.len).unwrap_or(&[]);
        let (Some(rest), Some(rest_marks)) = (targets.get(i..len), marks.get_mut(i..len)) else {
            return Ok(marked);
        };
        let rest_marks = &mut rest_marks[..rest.len()];
        let (mut q, mut j) = (0, 0);
        while q < rest.len() && j < block.len() {
            let (t, b) = (rest[q], block[j]);
            if rest_marks[q] != unmarked {
                q += 1;
            } else if t < b {
                q = skip_below(rest, q, b);
            } else if t > b {
                j += 1;
            } else {
                rest_marks[q] = mark;
                marked += 1;
                q += 1;
                j += 1;
            }
        }
        i += q;
        c.at += j;
    }
}

/// The first position at or after `from` of ascending `ids` whose id is at
/// least `id`: a few steps, then a binary search for long jumps.
#[inline]
pub fn skip_below(ids: &[u32], from: usize, id: u32) -> usize {
    let mut p = from;
    for _ in 0..8 {
        match ids.get(p) {
            Some(&x) if x < id => p += 1,
            _ => return p,
        }
    }
    p + ids
        .get(p..)
        .map_or(0, |rest| rest.partition_point(|&x| x < id))
}

/// The union of several posting lists (a query word's prefix matches),
/// walked in ascending id order.
#[derive(Debug)]
pub struct Union<'a> {
    cursors: Vec<Cursor<'a>>,
    heap: BinaryHeap<Reverse<(u32, usize)>>,
}

impl<'a> Union<'a> {
    /// The union of `cursors` (fresh ones), whose ids are below `n`.
    ///
    /// # Errors
    /// As [`Cursor::advance`].
    pub fn new(mut cursors: Vec<Cursor<'a>>, n: u32) -> Result<Union<'a>> {
        let mut heap = BinaryHeap::with_capacity(cursors.len());
        for (i, c) in cursors.iter_mut().enumerate() {
            if let Some(id) = c.advance(n)? {
                heap.push(Reverse((id, i)));
            }
        }
        Ok(Union { cursors, heap })
    }

    /// The smallest id at or after `target` in any of the lists.
    ///
    /// # Errors
    /// As [`Cursor::advance`].
    #[inline]
    pub fn seek(&mut self, target: u32, n: u32) -> Result<Option<u32>> {
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
            encode(&ids, &mut bytes);
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
            // A block-wise decode of the rest, after a seek, gives the rest.
            let mut c = Cursor::new(&bytes).unwrap();
            let mid = ids.get(ids.len() / 2).copied().unwrap_or(0);
            let at = c.seek(mid, n).unwrap();
            let mut rest: Vec<u32> = at.into_iter().collect();
            c.append_rest(n, &mut rest).unwrap();
            assert_eq!(rest, ids[ids.partition_point(|&i| i < mid)..]);
            assert_eq!(c.advance(n).unwrap(), None);
        }
    }

    #[test]
    fn marking_finds_the_unmarked_targets_the_list_holds() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut rnd = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let n = 50_000u32;
        for (len, targets_len) in [
            (0usize, 10usize),
            (5, 1000),
            (300, 300),
            (4000, 200),
            (4000, 3000),
            (20, 0),
        ] {
            let mut ids: Vec<u32> = (0..len).map(|_| rnd(u64::from(n)) as u32).collect();
            ids.sort_unstable();
            ids.dedup();
            // Targets: some of the list's ids, some others.
            let mut targets: Vec<u32> = (0..targets_len)
                .map(|k| match ids.get(rnd(ids.len().max(1) as u64) as usize) {
                    Some(&id) if k % 2 == 0 => id,
                    _ => rnd(u64::from(n)) as u32,
                })
                .collect();
            targets.sort_unstable();
            targets.dedup();
            let mut bytes = Vec::new();
            encode(&ids, &mut bytes);
            // A third of the targets marked already.
            let before: Vec<u8> = (0..targets.len())
                .map(|_| if rnd(3) == 0 { 1 } else { 9 })
                .collect();
            let mut marks = before.clone();
            let marked = mark(&bytes, &targets, &mut marks, 9, 4, n).unwrap();
            let want: Vec<u8> = targets
                .iter()
                .zip(&before)
                .map(|(t, &m)| {
                    if m == 9 && ids.binary_search(t).is_ok() {
                        4
                    } else {
                        m
                    }
                })
                .collect();
            assert_eq!(marks, want, "len {len} targets {targets_len}");
            assert_eq!(marked, want.iter().filter(|&&m| m == 4).count());
        }
        // A damaged list is an error here too.
        let mut bytes = Vec::new();
        encode(&[3, 700], &mut bytes);
        assert!(mark(&bytes, &[3, 700], &mut [0, 0], 0, 1, 500).is_err());
    }

    #[test]
    fn unions_merge_in_order_and_damage_is_an_error() {
        let lists: [&[u32]; 3] = [&[1, 5, 9], &[2, 5, 200], &[]];
        let bytes: Vec<Vec<u8>> = lists
            .iter()
            .map(|ids| {
                let mut b = Vec::new();
                encode(ids, &mut b);
                b
            })
            .collect();
        let cursors = bytes.iter().map(|b| Cursor::new(b).unwrap()).collect();
        let mut u = Union::new(cursors, 1000).unwrap();
        let mut seen = Vec::new();
        let mut at = 0;
        while let Some(id) = u.seek(at, 1000).unwrap() {
            seen.push(id);
            at = id + 1;
        }
        assert_eq!(seen, [1, 2, 5, 9, 200]);
        // An id beyond the entry count is damage, not a result.
        let mut c = Cursor::new(&bytes[1]).unwrap();
        assert!(c.seek(100, 150).is_err());
        assert!(Cursor::new(&[0x80]).is_err());
    }

    /// Every id of `bytes` through [`Cursor::advance`], or the error.
    fn decode_all(bytes: &[u8], n: u32) -> Result<Vec<u32>> {
        let mut c = Cursor::new(bytes)?;
        let mut all = Vec::new();
        while let Some(id) = c.advance(n)? {
            all.push(id);
        }
        Ok(all)
    }

    /// A list's bytes: count, skip table, the first id, packed deltas (less
    /// one) of `w` bits, with no check (to build damaged lists).
    fn raw_list(count: u8, first: u8, w: usize, deltas: &[u64]) -> Vec<u8> {
        let mut out = vec![count, first];
        let (mut acc, mut bits) = (0u128, 0);
        for &d in deltas {
            acc |= u128::from(d) << bits;
            bits += w;
            while bits >= 8 {
                out.push(acc as u8);
                acc >>= 8;
                bits -= 8;
            }
        }
        if bits > 0 {
            out.push(acc as u8);
        }
        out
    }

    #[test]
    fn every_width_round_trips() {
        // Per width w, a block whose largest delta less one needs w bits,
        // of every length from one id to two blocks and one.
        for w in 0..=32u32 {
            let big = if w == 0 { 0 } else { (1u64 << w) - 1 };
            for len in [1usize, 2, 3, 8, 9, 63, 64, 65, 128, 129] {
                let mut ids = Vec::with_capacity(len);
                let mut id = 0u64;
                for k in 0..len {
                    ids.push(id as u32);
                    // One wide delta in each block, the others one or two.
                    let d = if k % 64 == 31 % (len - 1).max(1) {
                        big
                    } else {
                        k as u64 % 2
                    };
                    id += d + 1;
                }
                if id > u64::from(u32::MAX) {
                    // (Two widest deltas do not fit in u32 ids: one only.)
                    continue;
                }
                let n = u32::try_from(id).unwrap_or(u32::MAX);
                let mut bytes = Vec::new();
                encode(&ids, &mut bytes);
                assert_eq!(decode_all(&bytes, n).unwrap(), ids, "w {w} len {len}");
                // An entry count at the last id is damage.
                if let Some(&last) = ids.last() {
                    assert!(decode_all(&bytes, last).is_err(), "w {w} len {len}");
                }
            }
        }
        // The widest: 0 and u32::MAX - 1 (a delta less one of 2^32 - 3).
        let mut bytes = Vec::new();
        encode(&[0, u32::MAX - 1], &mut bytes);
        assert_eq!(decode_all(&bytes, u32::MAX).unwrap(), [0, u32::MAX - 1]);
    }

    #[test]
    fn damaged_lists_are_errors() {
        let n = 1000;
        // Sound: 3 ids 5, 6, 8 (deltas less one 0, 1 at width 1: 1 byte
        // with width 4: 8 bits / 2 deltas).
        let good = raw_list(3, 5, 4, &[0, 1]);
        assert_eq!(decode_all(&good, n).unwrap(), [5, 6, 8]);
        // (Cut short, the bytes give width 0: ids that rise and stay below
        // the count are all the checks can ask of a list.)
        assert_eq!(decode_all(&good[..2], n).unwrap(), [5, 6, 7]);
        // More bytes than the width needs (20 deltas of one bit in four
        // bytes), and a width past 32.
        let mut long = raw_list(21, 5, 1, &[0; 20]);
        assert_eq!(decode_all(&long, n).unwrap(), (5..26).collect::<Vec<_>>());
        long.push(0);
        assert!(decode_all(&long, n).is_err());
        assert!(decode_all(&raw_list(2, 5, 40, &[1]), n).is_err());
        // A single id with packed bytes after it.
        assert!(decode_all(&raw_list(1, 5, 8, &[1]), n).is_err());
        // The count past the bytes: the skip table is cut.
        assert!(Cursor::new(&raw_list(70, 5, 8, &[1; 3])).is_err());
        // Deltas whose sum passes u32::MAX (ids that would wrap round).
        let wrap = raw_list(3, 10, 32, &[0xffff_fff0, 0xffff_fff0]);
        assert!(decode_all(&wrap, u32::MAX).is_err());
        // The last id at the entry count.
        assert!(decode_all(&good, 8).is_err());
        // A later block whose first id (in the skip table) is not above the
        // first block's last.
        let ids: Vec<u32> = (0..100).map(|i| i * 3).collect();
        let mut bytes = Vec::new();
        encode(&ids, &mut bytes);
        assert_eq!(decode_all(&bytes, n).unwrap(), ids);
        // (count 100: one varint byte, then the skip entry's first id.)
        let mut bad = bytes.clone();
        bad[1..5].copy_from_slice(&(63 * 3u32).to_le_bytes());
        assert!(decode_all(&bad, n).is_err());
        // A skip offset past the data, or before the block before it.
        let mut bad = bytes.clone();
        bad[5..9].copy_from_slice(&10_000u32.to_le_bytes());
        assert!(decode_all(&bad, n).is_err());
        let mut bad = bytes;
        bad[5..9].copy_from_slice(&0u32.to_le_bytes());
        assert!(decode_all(&bad, n).is_err());
    }

    /// Ascending ids below `n` from gaps of bounded widths.
    fn list_of(gaps: &[(u32, u8)]) -> Vec<u32> {
        let mut ids = Vec::with_capacity(gaps.len());
        let mut id = 0u64;
        for &(g, w) in gaps {
            id += u64::from(g >> (31 - u32::from(w).min(31)));
            if id >= u64::from(u32::MAX) {
                break;
            }
            ids.push(id as u32);
            id += 1;
        }
        ids
    }

    proptest::proptest! {
        #[test]
        fn lists_round_trip_and_seek_like_a_binary_search(
            gaps in proptest::collection::vec((0..u32::MAX, 0..32u8), 0..300),
            seeks in proptest::collection::vec(0..u32::MAX, 0..40),
            marked in proptest::collection::vec(0..3u8, 0..40),
        ) {
            let ids = list_of(&gaps);
            let n = ids.last().map_or(1, |&l| l + 1);
            let mut bytes = Vec::new();
            encode(&ids, &mut bytes);
            proptest::prop_assert_eq!(decode_all(&bytes, n).unwrap(), ids.clone());
            // Seeks (ascending) against a binary search, then the rest.
            let mut targets: Vec<u32> = seeks.iter().map(|&s| s % n).collect();
            targets.sort_unstable();
            let mut c = Cursor::new(&bytes).unwrap();
            for &t in &targets {
                let want = ids.get(ids.partition_point(|&i| i < t)).copied();
                proptest::prop_assert_eq!(c.seek(t, n).unwrap(), want);
            }
            let mut rest = Vec::new();
            c.append_rest(n, &mut rest).unwrap();
            // (After the last seek, the ids past the one it found.)
            let at = targets
                .last()
                .map_or(0, |&t| ids.partition_point(|&i| i < t).saturating_add(1))
                .min(ids.len());
            proptest::prop_assert_eq!(&rest[..], &ids[at..]);
            // Marking: some targets are the list's, a third marked already.
            targets.dedup();
            let mut with_ids: Vec<u32> = targets
                .iter()
                .zip(ids.iter().step_by(3))
                .flat_map(|(&t, &i)| [t, i])
                .collect();
            with_ids.sort_unstable();
            with_ids.dedup();
            let before: Vec<u8> = (0..with_ids.len())
                .map(|k| if marked.get(k) == Some(&0) { 1 } else { 9 })
                .collect();
            let mut marks = before.clone();
            let got = mark(&bytes, &with_ids, &mut marks, 9, 4, n).unwrap();
            let want: Vec<u8> = with_ids
                .iter()
                .zip(&before)
                .map(|(t, &m)| if m == 9 && ids.binary_search(t).is_ok() { 4 } else { m })
                .collect();
            proptest::prop_assert_eq!(got, want.iter().filter(|&&m| m == 4).count());
            proptest::prop_assert_eq!(marks, want);
        }

        #[test]
        fn damaged_bytes_give_rising_ids_below_the_count_or_an_error(
            gaps in proptest::collection::vec((0..u32::MAX, 0..20u8), 1..200),
            flips in proptest::collection::vec((0..usize::MAX, 0..8u8), 1..4),
            cut in 0..usize::MAX,
        ) {
            let ids = list_of(&gaps);
            let n = ids.last().map_or(1, |&l| l + 1);
            let mut bytes = Vec::new();
            encode(&ids, &mut bytes);
            for &(at, bit) in &flips {
                let i = at % bytes.len();
                bytes[i] ^= 1 << bit;
            }
            let keep = if cut % 4 == 0 { cut / 4 % (bytes.len() + 1) } else { bytes.len() };
            if let Ok(got) = decode_all(&bytes[..keep], n) {
                proptest::prop_assert!(got.windows(2).all(|w| w[0] < w[1]));
                proptest::prop_assert!(got.iter().all(|&i| i < n));
            }
            // Seeking and marking never panic either.
            if let Ok(mut c) = Cursor::new(&bytes[..keep]) {
                let mut prev = None;
                for t in [0, n / 3, n / 2, n - 1] {
                    if let Ok(Some(x)) = c.seek(t, n) {
                        proptest::prop_assert!(x < n && x >= t);
                        proptest::prop_assert!(prev.is_none_or(|p| x >= p));
                        prev = Some(x);
                    }
                }
            }
            let targets: Vec<u32> = ids.iter().copied().step_by(2).collect();
            let mut marks = vec![0u8; targets.len()];
            let _ = mark(&bytes[..keep], &targets, &mut marks, 0, 1, n);
        }
    }
}
