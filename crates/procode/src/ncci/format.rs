//! The on-disk layout of an NCCI edits file, shared by the writer and the
//! reader. The header and section table have the catalog index's shape
//! (`index/format.rs`), under their own magic and version:
//!
//! ```text
//! offset  size  field
//! 0       8     magic  b"PRCDNCI\x1a"
//! 8       4     format version (u32 LE)
//! 12      4     number of sections (u32 LE)
//! 16      8     total file length in bytes (u64 LE)
//! 24      8     number of PTP edit rows loaded (u64 LE)
//! 32      8     number of MUE rows loaded (u64 LE)
//! 40      8     xxh3-64 of bytes 0..40 followed by the section table
//! 48      32*n  section table: kind u32, reserved u32, offset u64, length u64,
//!               xxh3-64 of the section's bytes
//! ...           sections, each starting on an 8-byte boundary
//! ```
//!
//! A PTP check is a lookup: each code of a claim is looked up once in the
//! code fst (its id, in code order), and a pair (column 1, column 2) is a
//! binary search of column 2's id among column 1's pairs. All integers are
//! little-endian; every read is bounds-checked.

/// The first eight bytes of every procode NCCI edits file.
pub(crate) const MAGIC: [u8; 8] = *b"PRCDNCI\x1a";
/// The format version this library writes and reads.
pub(crate) const VERSION: u32 = 1;
/// Bytes per pair: column-2 code id (u32), record reference (u32).
pub(crate) const PAIR_LEN: usize = 8;
/// Bytes per distinct edit record: deletion date (i32 days from 0001-01-01;
/// 9999-12-31 when not deleted), rationale id (u32), modifier indicator
/// (u8), three zero bytes.
pub(crate) const RECORD_LEN: usize = 12;
/// Bytes per code's MUE record: units (u32, `NO_MUE` when the code has no
/// MUE), effective date (i32 days, `NO_DATE` when none), rationale id (u32),
/// MAI (u8), three zero bytes.
pub(crate) const MUE_LEN: usize = 16;
/// A record reference with this bit set points into the `Multi` section (a
/// pair with more than one edit record); otherwise it is the record id.
pub(crate) const MULTI: u32 = 0x8000_0000;
/// MUE units of a code without an MUE.
pub(crate) const NO_MUE: u32 = u32::MAX;
/// An absent date.
pub(crate) const NO_DATE: i32 = i32::MIN;

/// The sections of an edits file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum SectionKind {
    /// fst map: code bytes → code id (ids in code order).
    Codes = 1,
    /// u32 per code id plus one: the first pair of the code as column 1.
    CodePairs = 2,
    /// `PAIR_LEN`-byte pairs, by column 1 then column-2 id.
    Pairs = 3,
    /// u32 words: for each multi-record pair, a count then record ids.
    Multi = 4,
    /// `RECORD_LEN`-byte distinct edit records.
    Records = 5,
    /// `MUE_LEN`-byte MUE records, one per code id.
    Mue = 6,
    /// u32 offsets into `Rationales`, one per rationale plus one.
    RationaleOffsets = 7,
    /// Rationale text, UTF-8.
    Rationales = 8,
    /// `ADDON_LEN`-byte add-on code edit records (absent in files written
    /// before add-on edits were stored: read as none).
    AddOns = 9,
}

/// The edits file as a container (see `index/container.rs`): the header
/// counts are the PTP rows and the MUE rows it was built from.
pub(crate) const LAYOUT: crate::index::container::Layout<9> = crate::index::container::Layout {
    magic: MAGIC,
    version: VERSION,
    oldest_version: VERSION,
    kinds: [
        (SectionKind::Codes as u32, "code index"),
        (SectionKind::CodePairs as u32, "code pair offsets"),
        (SectionKind::Pairs as u32, "pair table"),
        (SectionKind::Multi as u32, "multi-record lists"),
        (SectionKind::Records as u32, "edit records"),
        (SectionKind::Mue as u32, "MUE table"),
        (SectionKind::RationaleOffsets as u32, "rationale offsets"),
        (SectionKind::Rationales as u32, "rationale text"),
        (SectionKind::AddOns as u32, "add-on code edits"),
    ],
    required: 8,
};

/// Bytes per add-on code edit record (section `AddOns`, sorted by add-on
/// code, then primary code, then effective date): add-on code (8 bytes,
/// NUL-padded), primary code (8 bytes, all zero for none: edit type 2),
/// edit type (u8: 1, 2 or 3), three zero bytes, then i32 day numbers (`NO_DATE`
/// when none): add-on code deletion, primary code deletion, edit effective,
/// edit deletion; then the note's rationale id (u32, `NO_NOTE` when none).
pub(crate) const ADDON_LEN: usize = 40;
/// The note id of an add-on edit without a note.
pub(crate) const NO_NOTE: u32 = u32::MAX;
