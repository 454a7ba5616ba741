//! The on-disk layout of an index file, shared by the writer and the reader.
//!
//! ```text
//! offset  size  field
//! 0       8     magic  b"PRCDIDX\x1a"
//! 8       4     format version (u32 LE)
//! 12      4     number of sections (u32 LE)
//! 16      8     total file length in bytes (u64 LE)
//! 24      8     number of entries (u64 LE)
//! 32      8     reserved, zero
//! 40      8     xxh3-64 of bytes 0..40 followed by the section table
//! 48      32*n  section table: kind u32, reserved u32, offset u64, length u64,
//!               xxh3-64 of the section's bytes
//! ...           sections, each starting on an 8-byte boundary
//! ```
//! All integers are little-endian. Every read is bounds-checked.

/// The first eight bytes of every procode index file.
pub(crate) const MAGIC: [u8; 8] = *b"PRCDIDX\x1a";
/// The format version this library writes and reads.
pub(crate) const VERSION: u32 = 1;
/// Bytes before the section table.
pub(crate) const HEADER_LEN: usize = 48;
/// Bytes per section-table row.
pub(crate) const SECTION_ROW_LEN: usize = 32;
/// Bytes per fixed entry record.
pub(crate) const ENTRY_LEN: usize = 8;

/// Entry flag: the code is billable.
pub(crate) const F_BILLABLE: u8 = 1;
/// Entry flag: the short description equals the long one (stored once).
pub(crate) const F_SHORT_SAME: u8 = 2;
/// Entry flag: an effective date is stored.
pub(crate) const F_EFFECTIVE: u8 = 4;
/// Entry flag: a termination date is stored.
pub(crate) const F_TERMINATED: u8 = 8;
/// Entry flag: a CMS action code is stored.
pub(crate) const F_ACTION: u8 = 16;

/// The sections of an index file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum SectionKind {
    /// fst map: code bytes, 0x00, system tag → entry id.
    Codes = 1,
    /// fst map: lower-case word → term number.
    Words = 2,
    /// u32 LE offsets into `Postings`, one per term plus one.
    PostingOffsets = 3,
    /// Per term: entry ids ascending, in blocks with a skip table
    /// (see [`POSTING_BLOCK`]).
    Postings = 4,
    /// Fixed `ENTRY_LEN`-byte records, by entry id: system tag, flags, action
    /// code, code length, offset of the entry's text (u32 LE).
    Entries = 5,
    /// Per entry: code bytes, effective and termination dates (i32 LE days from
    /// 0001-01-01, each only when its flag is set), then the description and
    /// (unless flagged equal) the short description as token-id varints.
    Text = 6,
    /// u32 LE offsets into `Tokens`, one per token plus one.
    TokenOffsets = 7,
    /// Token bytes.
    Tokens = 8,
}

/// The checksum used for the header and every section.
pub(crate) fn checksum(parts: &[&[u8]]) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for p in parts {
        h.update(p);
    }
    h.digest()
}

/// Ids per posting-list block. A list of `n` ids is stored as `varint(n)`,
/// then, when `n > POSTING_BLOCK`, one skip entry per block after the first
/// (u32 LE first id of the block, u32 LE byte offset of the block in the id
/// data), then the id data: varints, absolute at the start of each block and
/// deltas (> 0) inside it. Seeking jumps through the skip table.
pub(crate) const POSTING_BLOCK: usize = 64;

/// Suffix of word-index keys for words found only in a short description: they
/// match as prefixes but never count as exact (whole-word) matches.
pub(crate) const SHORT_ONLY: u8 = 1;

/// The key of a code in the code fst: code bytes, a zero byte, the system tag.
pub(crate) fn code_key(code: &[u8], system_tag: u8) -> Vec<u8> {
    let mut k = Vec::with_capacity(code.len() + 2);
    k.extend_from_slice(code);
    k.push(0);
    k.push(system_tag);
    k
}

/// The catalog index as a container (see `container.rs`): the first header
/// count is the number of entries, the second is zero.
pub(crate) const LAYOUT: crate::index::container::Layout<8> = crate::index::container::Layout {
    magic: MAGIC,
    version: VERSION,
    kinds: [
        (SectionKind::Codes as u32, "code index"),
        (SectionKind::Words as u32, "word index"),
        (SectionKind::PostingOffsets as u32, "posting offsets"),
        (SectionKind::Postings as u32, "postings"),
        (SectionKind::Entries as u32, "entry table"),
        (SectionKind::Text as u32, "description text"),
        (SectionKind::TokenOffsets as u32, "token offsets"),
        (SectionKind::Tokens as u32, "token dictionary"),
    ],
};
