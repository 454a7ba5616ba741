//! The string columns of the problems batch as plain vectors, and the room
//! they are written into, recycled from call to call.
//!
//! A scrub writes tens of megabytes of output (about 400 bytes a claim line
//! on real claims: messages and detail JSON), which the caller reads and
//! drops. Fresh memory for it costs a page fault per 4 KiB page (the
//! allocator hands the pages of a dropped output back to the system, and
//! the next output faults them in again): about 6,000 faults for 60,000
//! lines, a sixth of the scrub's CPU time. So each column's vectors come
//! from a small process-wide pool and go back to it when the last Arrow
//! array holding them is dropped (wherever that happens: Python, another
//! thread): the next scrub writes into pages already mapped. The pool
//! keeps at most [`KEEP`] vectors per column and [`POOL_BYTES`] in all
//! (the room of two outputs of about 100,000 lines), so what a process
//! keeps after a scrub is bounded whatever the batches' sizes.

use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use arrow_array::StringArray;
use arrow_buffer::{
    ArrowNativeType, BooleanBufferBuilder, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer,
};

/// The vectors the pool keeps per column.
const KEEP: usize = 2;
/// The bytes the pool keeps in all (the room of its vectors).
const POOL_BYTES: usize = 128 << 20;

/// The bytes the pool holds now.
static POOLED: AtomicUsize = AtomicUsize::new(0);

/// Recycled vectors of one kind, for one column.
type Pool<T> = Mutex<Vec<Vec<T>>>;

/// How many string columns draw from the pool (the problems batch has six).
pub(crate) const POOLED_COLUMNS: usize = 6;

static VALUES: [Pool<u8>; POOLED_COLUMNS] = [const { Mutex::new(Vec::new()) }; POOLED_COLUMNS];
static OFFSETS: [Pool<i32>; POOLED_COLUMNS] = [const { Mutex::new(Vec::new()) }; POOLED_COLUMNS];

/// An emptied vector from `pool` with room for `n` items (a fresh one when
/// the pool has none).
fn take<T>(pool: &'static Pool<T>, n: usize) -> Vec<T> {
    let mut v = pool
        .lock()
        .ok()
        .and_then(|mut p| p.pop())
        .inspect(|v| {
            POOLED.fetch_sub(room(v), Ordering::Relaxed);
        })
        .unwrap_or_default();
    v.clear();
    v.reserve(n);
    v
}

/// The bytes of room of `v`.
fn room<T>(v: &Vec<T>) -> usize {
    v.capacity().saturating_mul(std::mem::size_of::<T>())
}

/// Gives `v` back to `pool` (or frees it: the column's slot or the pool is
/// full, or `v` has no room).
fn give<T>(pool: &'static Pool<T>, v: Vec<T>) {
    let bytes = room(&v);
    if bytes == 0 {
        return;
    }
    if let Ok(mut p) = pool.lock() {
        let counted = POOLED
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |held| {
                held.checked_add(bytes).filter(|&n| n <= POOL_BYTES)
            })
            .is_ok();
        if counted {
            if p.len() < KEEP {
                p.push(v);
            } else {
                POOLED.fetch_sub(bytes, Ordering::Relaxed);
            }
        }
    }
}

/// The owner of a vector lent to an Arrow buffer: gives it back to its pool
/// when the last array holding it is dropped.
struct Lent<T: 'static> {
    vec: Vec<T>,
    pool: &'static Pool<T>,
}

impl<T> Drop for Lent<T> {
    fn drop(&mut self) {
        give(self.pool, std::mem::take(&mut self.vec));
    }
}

/// `v` as an Arrow buffer that gives it back to `pool` when dropped.
fn lend<T: ArrowNativeType + std::panic::RefUnwindSafe>(
    v: Vec<T>,
    pool: &'static Pool<T>,
) -> Buffer {
    let len = std::mem::size_of_val(v.as_slice());
    // A vector's pointer is never null (dangling and aligned when empty).
    let Some(ptr) = NonNull::new(v.as_ptr().cast_mut().cast::<u8>()) else {
        return Buffer::from_vec(v);
    };
    let owner = Arc::new(Lent { vec: v, pool });
    // SAFETY: `ptr` is the start of `owner.vec`'s heap allocation, which
    // holds `len` initialised bytes and neither moves nor changes while
    // the owner lives: the owner is only ever dropped (the vector is not
    // reachable otherwise), and the buffer keeps the owner alive.
    unsafe { Buffer::from_custom_allocation(ptr, len, owner) }
}

/// One utf8 column being written: the values one after the other, their
/// end offsets and the rows that are null (few: a bitmap is made of them at
/// the end).
pub(crate) struct TextColumn {
    slot: usize,
    offsets: Vec<i32>,
    /// A string (the room of a pooled byte vector): details are written
    /// straight into it.
    values: String,
    nulls: Vec<usize>,
    /// Set when the values passed `i32::MAX` bytes (reported by
    /// [`TextColumn::finish`]).
    overflow: bool,
}

impl TextColumn {
    /// A column drawing on the pool's slot `slot` (one per column of the
    /// batch), with room for `rows` values of about `bytes` bytes each.
    pub(crate) fn new(slot: usize, rows: usize, bytes: usize) -> TextColumn {
        let slot = slot % POOLED_COLUMNS;
        let (mut offsets, values) = if rows == 0 {
            (Vec::new(), String::new())
        } else {
            (
                take(&OFFSETS[slot], rows + 1),
                // An emptied vector: nothing to check.
                String::from_utf8(take(&VALUES[slot], rows.saturating_mul(bytes)))
                    .unwrap_or_default(),
            )
        };
        offsets.push(0);
        TextColumn {
            slot,
            offsets,
            values,
            nulls: Vec::new(),
            overflow: false,
        }
    }

    /// The rows written so far.
    pub(crate) fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Appends a value.
    #[inline]
    pub(crate) fn push(&mut self, v: &str) {
        self.values.push_str(v);
        self.end_row();
    }

    /// Appends the value `write` appends to the string it is given (the
    /// column's own: no copy).
    #[inline]
    pub(crate) fn push_written(&mut self, write: impl FnOnce(&mut String)) {
        let start = self.values.len();
        write(&mut self.values);
        // `write` only appends; were the string ever shorter, the rows
        // before would be cut: the column is then refused (as past 2 GiB),
        // never made into an array with offsets past its values.
        self.overflow |= self.values.len() < start;
        self.end_row();
    }

    /// Appends a value or a null.
    #[inline]
    pub(crate) fn push_option(&mut self, v: Option<&str>) {
        match v {
            Some(v) => self.push(v),
            None => {
                self.nulls.push(self.len());
                self.end_row();
            }
        }
    }

    #[inline]
    fn end_row(&mut self) {
        let end = self.values.len();
        // Past 2 GiB the offsets are wrong and `finish` refuses them.
        self.overflow |= end > i32::MAX as usize;
        self.offsets.push(end as i32);
    }

    /// Appends the rows of `other`, which goes back to the pool.
    pub(crate) fn extend(&mut self, other: TextColumn) {
        let (rows, base) = (self.len(), self.values.len());
        self.values.push_str(&other.values);
        for &end in other.offsets.iter().skip(1) {
            let at = usize::try_from(end).unwrap_or(0) + base;
            self.overflow |= at > i32::MAX as usize;
            self.offsets.push(at as i32);
        }
        self.overflow |= other.overflow;
        self.nulls.extend(other.nulls.iter().map(|r| r + rows));
    }

    /// The column as an Arrow array (the vectors lent to it, back to the
    /// pool when it is dropped); `None` when the values passed 2 GiB.
    pub(crate) fn finish(&mut self) -> Option<StringArray> {
        if self.overflow {
            return None;
        }
        let n = self.len();
        let nulls = (!self.nulls.is_empty()).then(|| {
            let mut bits = BooleanBufferBuilder::new(n);
            bits.append_n(n, true);
            for &r in &self.nulls {
                bits.set_bit(r, false);
            }
            NullBuffer::new(bits.finish())
        });
        self.nulls.clear();
        let offsets = lend(std::mem::take(&mut self.offsets), &OFFSETS[self.slot]);
        let values = lend(
            std::mem::take(&mut self.values).into_bytes(),
            &VALUES[self.slot],
        );
        self.offsets.push(0);
        // SAFETY: `offsets` starts at 0 and never decreases (each is the
        // length of `values` after a row, all under 2 GiB: no overflow),
        // its last is the length of `values`, every row is a whole `&str`
        // (valid UTF-8, cut at its own ends), and `nulls` has a bit per
        // row: what `StringArray::try_new` checks.
        unsafe {
            let offsets = OffsetBuffer::new_unchecked(ScalarBuffer::new(offsets, 0, n + 1));
            Some(StringArray::new_unchecked(offsets, values, nulls))
        }
    }
}

impl Drop for TextColumn {
    fn drop(&mut self) {
        give(&OFFSETS[self.slot], std::mem::take(&mut self.offsets));
        give(
            &VALUES[self.slot],
            std::mem::take(&mut self.values).into_bytes(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;

    #[test]
    fn columns_hold_their_values_nulls_and_extensions() {
        let mut a = TextColumn::new(0, 4, 8);
        a.push("héllo");
        a.push_option(None);
        a.push("");
        let mut b = TextColumn::new(0, 2, 8);
        b.push_option(None);
        b.push("wörld");
        a.extend(b);
        let mut c = TextColumn::new(0, 0, 0);
        c.push("x");
        a.extend(c);
        let arr = a.finish().expect("small");
        let got: Vec<Option<&str>> = arr.iter().collect();
        assert_eq!(
            got,
            [
                Some("héllo"),
                None,
                Some(""),
                None,
                Some("wörld"),
                Some("x")
            ]
        );
        assert_eq!(arr.null_count(), 2);
        arr.to_data().validate_full().expect("valid");
        // The column can be written again after finishing.
        a.push("again");
        assert_eq!(a.finish().expect("small").value(0), "again");
    }

    #[test]
    fn a_column_without_nulls_has_no_null_buffer() {
        let mut a = TextColumn::new(1, 2, 4);
        a.push("a");
        a.push("");
        let arr = a.finish().expect("small");
        assert!(arr.nulls().is_none());
        assert_eq!(arr.value(1), "");
        arr.to_data().validate_full().expect("valid");
    }

    #[test]
    fn recycled_room_keeps_no_old_values() {
        for round in 0..4 {
            let mut a = TextColumn::new(2, 3, 16);
            let v = format!("round {round}");
            a.push(&v);
            let arr = a.finish().expect("small");
            assert_eq!(arr.len(), 1);
            assert_eq!(arr.value(0), v);
            drop(arr);
        }
    }
}
