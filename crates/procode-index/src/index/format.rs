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
//!
//! The header and section table are those of the [`container`](super::container)
//! both procode file formats share; this module names the catalog index's
//! sections and the layout of each.

use crate::code::{Code, CodeSystem, MAX_CODE_LEN};
use crate::error::CatalogError;
use crate::index::container::{Layout, Parsed, Problem};
use crate::index::Verify;

/// The first eight bytes of every procode index file.
pub const MAGIC: [u8; 8] = *b"PRCDIDX\x1a";
/// The format version this library writes and reads.
/// Version 2 added entry history ([`F_HISTORY`], [`F_SUPERSEDED`]) and the
/// releases section. Version 3 made the entry record six bytes (the system
/// tag and the code length share a byte; the action code moved to the text)
/// and stores a short description that starts with the long one's tokens as
/// their count and the rest ([`F_SHORT_PREFIX`]): 0.63 MB less on the large
/// catalog. A description starts with the byte length of its token numbers
/// (it was their count): skipping one is a single step. Version 4 bit-packs
/// the posting lists' deltas at one width per block (see
/// [`postings`](super::postings)), decoded without a branch per id, and
/// marks quality-data reporting codes with [`B_REPORTING`], a bit of the
/// record's first byte. Version 3 files (varint posting lists) are not read.
pub const VERSION: u32 = 4;
/// The oldest format version this library reads.
pub const OLDEST_VERSION: u32 = 4;
/// Bytes per fixed entry record: the system tag (low three bits), the
/// [`B_REPORTING`] bit and the code length (high four bits) in one byte, the
/// flags, the offset of the entry's text (u32 LE).
pub const ENTRY_LEN: usize = 6;

/// Bit of an entry record's first byte (beside the system tag, which
/// needs three bits: [`CodeSystem`] tags are 1 to 7): the entry is a
/// quality-data reporting code (`Entry::reporting`, see
/// [`crate::reporting`]). The flags byte has no bit left.
pub const B_REPORTING: u8 = 8;

/// Entry flag: the code is billable.
pub const F_BILLABLE: u8 = 1;
/// Entry flag: the short description equals the long one (stored once).
pub const F_SHORT_SAME: u8 = 2;
/// Entry flag: an effective date is stored.
pub const F_EFFECTIVE: u8 = 4;
/// Entry flag: a termination date is stored.
pub const F_TERMINATED: u8 = 8;
/// Entry flag: a CMS action code is stored (one byte in the text, after the
/// dates).
pub const F_ACTION: u8 = 16;
/// Entry flag: the entry is the current version of a code that had other
/// versions (another title or billable flag before a date). Its dates are the
/// code's (first and last day of any version); after its descriptions its
/// text holds the history: the first day of this version (i32 LE days), the
/// number of older versions (varint) and their entry ids (varints), oldest
/// first.
pub const F_HISTORY: u8 = 32;
/// Entry flag: an older version of a code, reached only through the history
/// of its current version (it has no key in the code index and no postings).
pub const F_SUPERSEDED: u8 = 64;
/// Entry flag: the short description starts with the first tokens of the
/// long one (and is not the long one): it is stored as the number of those
/// tokens (a varint, at least 1 and at most the long one's token count),
/// then the rest as any description is (byte length, token numbers).
pub const F_SHORT_PREFIX: u8 = 128;

/// The sections of an index file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum SectionKind {
    /// fst map: code bytes, 0x00, system tag → entry id.
    Codes = 1,
    /// fst map: lower-case word → term number. A word found only in a short
    /// description ends with [`SHORT_ONLY`], one found only in extra search
    /// text with [`EXTRA_ONLY`]; whole-phrase keys start with [`PHRASE`].
    Words = 2,
    /// u32 LE offsets into `Postings`, one per term plus one.
    PostingOffsets = 3,
    /// Per term: entry ids ascending, in blocks with a skip table
    /// (see [`postings`](super::postings)).
    Postings = 4,
    /// Fixed `ENTRY_LEN`-byte records, by entry id: system tag, the
    /// [`B_REPORTING`] bit and code length (one byte: tag in the low three
    /// bits, length in the high four), flags, offset of the entry's text
    /// (u32 LE).
    Entries = 5,
    /// Per entry: code bytes, effective and termination dates (i32 LE days from
    /// 0001-01-01, each only when its flag is set), the action code (one
    /// byte, when flagged), then the description and (unless flagged equal)
    /// the short description as token-id varints (the byte length of the
    /// numbers, then the numbers; see [`F_SHORT_PREFIX`] for a short one that
    /// starts with the long one's tokens).
    Text = 6,
    /// u32 LE offsets into `Tokens`, one per token plus one.
    TokenOffsets = 7,
    /// Token bytes.
    Tokens = 8,
    /// The ICD-10-CM tabular structure (hierarchy, notes, 7th-character
    /// rules) in the layout of `procode_index::import::tabular::encode`;
    /// empty when the index holds none.
    Tabular = 9,
    /// The releases the catalog holds (see [`crate::release`]).
    Releases = 10,
}

/// The system tag and code length of an entry record's first byte.
#[inline]
pub fn tag_and_len(b: u8) -> (u8, usize) {
    (b & 0x07, usize::from(b >> 4))
}

/// Ids per posting-list block (the layout of a list is described in
/// [`postings`](super::postings)).
pub(crate) const POSTING_BLOCK: usize = 64;

/// Suffix of word-index keys for words found only in a short description: they
/// match as prefixes but never count as exact (whole-word) matches.
pub const SHORT_ONLY: u8 = 1;

/// Suffix of word-index keys for words found only in an entry's extra search
/// text (ICD-10-CM inclusion terms, see `IndexBuilder::add_search_terms`):
/// they match as prefixes and as the entry's own words, but rank below its
/// title's words.
pub const EXTRA_ONLY: u8 = 2;

/// First byte of the word-index keys of whole phrases: the byte, then a
/// phrase form (see [`crate::text::phrase_forms`]) of an entry's title or
/// extra search text. No word starts with it, so word prefixes never reach
/// these keys.
pub const PHRASE: u8 = 3;

/// The key of a code in the code fst (and in the overlay of custom codes):
/// the code bytes, a zero byte, the system tag. Keys sort by code, then by
/// system, and every key of a code starts with the code's bytes, so a code
/// prefix is also a key prefix. Built only by [`code_key`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CodeKey {
    len: u8,
    bytes: [u8; MAX_CODE_LEN + 2],
}

/// The key of `code` in `system` (see [`CodeKey`]).
///
/// # Example
/// ```
/// use procode_index::index::format::code_key;
/// use procode_index::{Code, CodeSystem};
/// let k = code_key(&Code::parse("G0438").unwrap(), CodeSystem::Hcpcs);
/// assert_eq!(k.as_bytes(), b"G0438\x00\x01");
/// ```
pub fn code_key(code: &Code, system: CodeSystem) -> CodeKey {
    let c = code.as_bytes();
    let mut bytes = [0u8; MAX_CODE_LEN + 2];
    bytes[..c.len()].copy_from_slice(c);
    bytes[c.len() + 1] = system.to_u8();
    CodeKey {
        len: c.len() as u8 + 2,
        bytes,
    }
}

/// The code bytes of a code-fst key (see [`CodeKey`]): the key without its
/// zero byte and system tag; empty for a key too short to be one.
///
/// # Example
/// ```
/// use procode_index::index::format::{code_key, key_code};
/// use procode_index::{Code, CodeSystem};
/// let k = code_key(&Code::parse("F41.1").unwrap(), CodeSystem::Icd10Cm);
/// assert_eq!(key_code(k.as_bytes()), b"F411");
/// ```
pub fn key_code(key: &[u8]) -> &[u8] {
    key.get(..key.len().saturating_sub(2)).unwrap_or(&[])
}

impl CodeKey {
    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl AsRef<[u8]> for CodeKey {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl std::borrow::Borrow<[u8]> for CodeKey {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

// Ordered as the bytes are, so that `Borrow<[u8]>` lookups and ranges agree.
impl Ord for CodeKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl PartialOrd for CodeKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CodeKey({:?})", self.as_bytes())
    }
}

/// Checks the header and section table of an index file (see
/// [`Layout::parse`]): its sections in [`LAYOUT`] order.
///
/// # Errors
/// What the container's [`Problem`] means for an index file:
/// [`CatalogError::NotAnIndex`], [`CatalogError::UnsupportedVersion`],
/// [`CatalogError::Truncated`], [`CatalogError::ChecksumMismatch`] or
/// [`CatalogError::Corrupt`].
pub fn parse(bytes: &[u8], verify: Verify) -> Result<Parsed<10>, CatalogError> {
    LAYOUT.parse(bytes, verify).map_err(|p| match p {
        Problem::Foreign => CatalogError::NotAnIndex,
        Problem::Version(found) => CatalogError::UnsupportedVersion {
            found,
            supported: VERSION,
        },
        Problem::Truncated(expected, found) => CatalogError::Truncated { expected, found },
        Problem::Checksum(section) => CatalogError::ChecksumMismatch { section },
        Problem::Corrupt(what) => CatalogError::Corrupt { what },
    })
}

/// The catalog index as a container (see `container.rs`): the first header
/// count is the number of entries (older versions included), the second the
/// number of older versions ([`F_SUPERSEDED`] entries).
pub const LAYOUT: Layout<10> = Layout {
    magic: MAGIC,
    version: VERSION,
    oldest_version: OLDEST_VERSION,
    kinds: [
        (SectionKind::Codes as u32, "code index"),
        (SectionKind::Words as u32, "word index"),
        (SectionKind::PostingOffsets as u32, "posting offsets"),
        (SectionKind::Postings as u32, "postings"),
        (SectionKind::Entries as u32, "entry table"),
        (SectionKind::Text as u32, "description text"),
        (SectionKind::TokenOffsets as u32, "token offsets"),
        (SectionKind::Tokens as u32, "token dictionary"),
        (SectionKind::Tabular as u32, "tabular structure"),
        (SectionKind::Releases as u32, "releases"),
    ],
    required: 8,
};
