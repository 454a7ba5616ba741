//! Posting lists: the ids of the entries whose descriptions hold a word, as
//! the builder writes them ([`encode`]) and as a search walks them
//! ([`Cursor`], [`Union`]).
//!
//! A list of `n` ids (ascending) is stored as `varint(n)`, then, when
//! `n > POSTING_BLOCK`, one skip entry per block after the first (u32 LE
//! first id of the block, u32 LE byte offset of the block in the id data),
//! then the id data: varints, absolute at the start of each block and deltas
//! (> 0) inside it. Seeking jumps through the skip table.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::error::{CatalogError, Result};
use crate::index::format::POSTING_BLOCK;
use crate::text::{get_varint, put_varint};

/// Appends the posting list of `ids` (ascending, no duplicates) to `out`.
pub fn encode(ids: &[u32], out: &mut Vec<u8>) {
    put_varint(out, ids.len() as u64);
    let mut data = Vec::with_capacity(ids.len() * 2);
    let mut skips = Vec::new();
    for (k, &id) in ids.iter().enumerate() {
        if k % POSTING_BLOCK == 0 {
            if k > 0 {
                skips.extend_from_slice(&id.to_le_bytes());
                skips.extend_from_slice(&(data.len() as u32).to_le_bytes());
            }
            put_varint(&mut data, u64::from(id));
        } else {
            put_varint(&mut data, u64::from(id - ids[k - 1]));
        }
    }
    out.extend_from_slice(&skips);
    out.extend_from_slice(&data);
}

fn malformed() -> CatalogError {
    CatalogError::Corrupt {
        what: "a posting list is malformed".into(),
    }
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
    /// The ids of the block decoded last, `len` of them.
    buf: [u32; POSTING_BLOCK],
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
            buf: [0; POSTING_BLOCK],
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
    #[inline]
    fn load_next(&mut self, n: u32) -> Result<bool> {
        let b = self.next_block;
        if b >= self.blocks() {
            self.done = true;
            self.len = 0;
            self.at = 0;
            return Ok(false);
        }
        let block = POSTING_BLOCK as u32;
        let pos = if b == 0 {
            0
        } else {
            self.skip(b as usize - 1).ok_or_else(malformed)?.1
        };
        let len = (self.count - b * block).min(block) as usize;
        let bytes = self.data.get(pos..).ok_or_else(malformed)?;
        let mut p = 0;
        // The first id is absolute, the others deltas (> 0): the ids rise,
        // so the block is sound when no delta is zero and its last id is
        // below `n` (checked once, after the block; a sum past `u32::MAX`
        // saturates, which fails the check).
        let first = match bytes.get(..3) {
            // (A block's first id is absolute: three bytes for most.)
            Some(&[x, y, z]) if x >= 0x80 && y >= 0x80 && z < 0x80 => {
                p = 3;
                u64::from(x & 0x7f) | u64::from(y & 0x7f) << 7 | u64::from(z) << 14
            }
            _ => get_varint(bytes, &mut p).ok_or_else(malformed)?,
        };
        let mut prev = u32::try_from(first).map_err(|_| malformed())?;
        let (head, rest) = self.buf.split_at_mut(1);
        if let Some(h) = head.first_mut() {
            *h = prev;
        }
        let mut zero = false;
        for slot in rest.iter_mut().take(len.saturating_sub(1)) {
            // Most deltas are one byte, many two (a long list's sparse
            // parts): read those here, not through the general decoder.
            let v = match bytes.get(p) {
                Some(&b) if b < 0x80 => {
                    p += 1;
                    u32::from(b)
                }
                Some(&b) => match bytes.get(p + 1) {
                    Some(&c) if c < 0x80 => {
                        p += 2;
                        u32::from(b & 0x7f) | u32::from(c) << 7
                    }
                    _ => {
                        let v = get_varint(bytes, &mut p).ok_or_else(malformed)?;
                        u32::try_from(v).map_err(|_| malformed())?
                    }
                },
                None => return Err(malformed()),
            };
            zero |= v == 0;
            prev = prev.saturating_add(v);
            *slot = prev;
        }
        if zero || prev >= n {
            return Err(malformed());
        }
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
        self.for_each_rest(n, |id| out.push(id))
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
        let block = c.buf.get(c.at..c.len).unwrap_or(&[]);
        let mut j = 0;
        while let (Some(&b), Some(&t)) = (block.get(j), targets.get(i).filter(|_| i < len)) {
            if !want(marks, i) {
                i += 1;
            } else if t < b {
                i = skip_below(targets, i, b);
            } else if t > b {
                j += 1;
            } else {
                marks[i] = mark;
                marked += 1;
                i += 1;
                j += 1;
            }
        }
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
}
