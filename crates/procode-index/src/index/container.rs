//! The container both procode file formats share (the catalog index and the
//! NCCI edits file): a 48-byte header, a section table, and 8-byte-aligned
//! sections, each with an xxh3 checksum. Only the magic, the version, the
//! meaning of the two header counts and the section kinds differ.
//!
//! ```text
//! offset  size  field
//! 0       8     magic
//! 8       4     format version (u32 LE)
//! 12      4     number of sections (u32 LE)
//! 16      8     total file length in bytes (u64 LE)
//! 24      8     first count (u64 LE): what it counts is the format's
//! 32      8     second count (u64 LE)
//! 40      8     xxh3-64 of bytes 0..40 followed by the section table
//! 48      32*n  section table: kind u32, reserved u32, offset u64, length u64,
//!               xxh3-64 of the section's bytes
//! ...           sections, each starting on an 8-byte boundary
//! ```

use std::ops::Range;
use std::path::Path;
use std::str::FromStr;

use crate::error::UnknownName;

/// Bytes before the section table.
pub const HEADER_LEN: usize = 48;
/// Bytes per section-table row.
pub const SECTION_ROW_LEN: usize = 32;

/// The checksum used for the header and every section: xxh3-64 of the parts,
/// one after the other.
pub fn checksum(parts: &[&[u8]]) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for p in parts {
        h.update(p);
    }
    h.digest()
}

/// How much of a file to check when opening it.
///
/// Named by `full` or `lazy` (case-insensitive) where it crosses into procode
/// as text.
///
/// # Example
/// ```
/// use procode_index::Verify;
/// assert_eq!("Lazy".parse::<Verify>(), Ok(Verify::Lazy));
/// assert!("maybe".parse::<Verify>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Verify {
    /// Check the header, the section table and the checksum of every section
    /// (reads the whole file once). The default.
    #[default]
    Full,
    /// Check the header and section table when opening, so that opening costs
    /// the same for any size; each fst section's checksum is checked on its
    /// first use, and every other read is bounds-checked. A damaged file then
    /// shows up as an error on the query that meets the damage (or, for damage
    /// inside description text, as wrong text), never as a panic.
    Lazy,
}

impl Verify {
    /// The name of the level: `full` or `lazy`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verify::Full => "full",
            Verify::Lazy => "lazy",
        }
    }
}

impl FromStr for Verify {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Verify, UnknownName> {
        crate::by_name([Verify::Full, Verify::Lazy], Verify::as_str, s)
            .ok_or_else(|| UnknownName::new("verify level", s, "full or lazy"))
    }
}

/// What a container format is: its magic, version and section kinds (in file
/// order, with a name each for error messages).
#[derive(Debug)]
pub struct Layout<const N: usize> {
    /// The first eight bytes of every file of the format.
    pub magic: [u8; 8],
    /// The format version written (and the newest read).
    pub version: u32,
    /// The oldest format version read: a file of any version from it to
    /// `version` is read with this layout (what changed since reads the
    /// same in an older file, such as a record bit it always left zero).
    pub oldest_version: u32,
    /// The section kinds, in file order, each with its name.
    pub kinds: [(u32, &'static str); N],
    /// How many of the kinds (the first ones) every file must hold. The
    /// kinds after them were added later: a file written before them lacks
    /// them and reads as if each were present and empty.
    pub required: usize,
}

/// A parsed container: the two header counts, and each section's range and
/// checksum (in the layout's kind order).
#[derive(Debug)]
pub struct Parsed<const N: usize> {
    /// The two header counts (their meaning is the format's).
    pub counts: [u64; 2],
    /// The byte range of each section.
    pub ranges: [Range<usize>; N],
    /// The checksum the section table gives each section.
    pub sums: [u64; N],
}

/// Why a container cannot be opened; each format maps it to its own error
/// (exhaustively, so that a new problem is a compile error in every format
/// rather than a silent fallback).
#[derive(Debug)]
pub enum Problem {
    /// Not this format's magic.
    Foreign,
    /// Another format version.
    Version(u32),
    /// Shorter than announced: (expected, found).
    Truncated(u64, u64),
    /// A checksum does not match (the section's name, "header" or "padding").
    Checksum(&'static str),
    /// A structural inconsistency.
    Corrupt(String),
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

impl<const N: usize> Layout<N> {
    /// Lays out the header, the section table and the sections.
    pub fn write(&self, counts: [u64; 2], sections: [&[u8]; N]) -> Vec<u8> {
        let table_len = N * SECTION_ROW_LEN;
        let total: usize = sections.iter().map(|s| s.len() + 8).sum();
        let mut out = Vec::with_capacity(HEADER_LEN + table_len + total);
        out.resize(HEADER_LEN + table_len, 0);
        let mut table = Vec::with_capacity(table_len);
        for ((kind, _), bytes) in self.kinds.iter().zip(sections) {
            while out.len() % 8 != 0 {
                out.push(0);
            }
            table.extend_from_slice(&kind.to_le_bytes());
            table.extend_from_slice(&0u32.to_le_bytes());
            table.extend_from_slice(&(out.len() as u64).to_le_bytes());
            table.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            table.extend_from_slice(&checksum(&[bytes]).to_le_bytes());
            out.extend_from_slice(bytes);
        }
        while out.len() % 8 != 0 {
            out.push(0);
        }
        let mut head = Vec::with_capacity(HEADER_LEN);
        head.extend_from_slice(&self.magic);
        head.extend_from_slice(&self.version.to_le_bytes());
        head.extend_from_slice(&(N as u32).to_le_bytes());
        head.extend_from_slice(&(out.len() as u64).to_le_bytes());
        head.extend_from_slice(&counts[0].to_le_bytes());
        head.extend_from_slice(&counts[1].to_le_bytes());
        let hsum = checksum(&[&head, &table]);
        head.extend_from_slice(&hsum.to_le_bytes());
        out[..HEADER_LEN].copy_from_slice(&head);
        out[HEADER_LEN..HEADER_LEN + table_len].copy_from_slice(&table);
        out
    }

    /// Checks the header and the section table (and, with [`Verify::Full`],
    /// every section's checksum and that all padding is zero).
    ///
    /// # Errors
    /// The [`Problem`] found first.
    pub fn parse(&self, b: &[u8], verify: Verify) -> Result<Parsed<N>, Problem> {
        let header = self.parse_header(b)?;
        let table = &b[HEADER_LEN..header.table_end];
        let mut ranges: [Option<Range<usize>>; N] = std::array::from_fn(|_| None);
        let mut sums = [0u64; N];
        for row in table.chunks_exact(SECTION_ROW_LEN) {
            let kind = u32_at(row, 0).unwrap_or(0);
            let off = u64_at(row, 8).unwrap_or(u64::MAX);
            let len = u64_at(row, 16).unwrap_or(u64::MAX);
            let sum = u64_at(row, 24).unwrap_or(0);
            let Some(pos) = self.kinds.iter().position(|k| k.0 == kind) else {
                return Err(Problem::Corrupt(format!("unknown section kind {kind}")));
            };
            let end = off
                .checked_add(len)
                .filter(|&e| e <= header.file_len && off >= header.table_end as u64)
                .ok_or_else(|| Problem::Corrupt(format!("section {kind} lies outside the file")))?;
            let range = off as usize..end as usize;
            if verify == Verify::Full && checksum(&[&b[range.clone()]]) != sum {
                return Err(Problem::Checksum(self.kinds[pos].1));
            }
            sums[pos] = sum;
            if ranges[pos].replace(range).is_some() {
                return Err(Problem::Corrupt(format!("section {kind} appears twice")));
            }
        }
        if verify == Verify::Full {
            check_padding(b, header.table_end, &ranges)?;
        }
        let mut missing = None;
        let ranges = std::array::from_fn(|i| {
            ranges[i].clone().unwrap_or_else(|| {
                if i < self.required {
                    missing.get_or_insert(i);
                }
                0..0
            })
        });
        if let Some(i) = missing {
            return Err(Problem::Corrupt(format!(
                "the {} section is missing",
                self.kinds[i].1
            )));
        }
        Ok(Parsed {
            counts: header.counts,
            ranges,
            sums,
        })
    }

    /// Checks the magic, the version, the lengths and the checksum of the
    /// header and section table.
    fn parse_header(&self, b: &[u8]) -> Result<Header, Problem> {
        let found = b.len() as u64;
        if b.len() < 8 {
            return if !b.is_empty() && self.magic.starts_with(b) {
                Err(Problem::Truncated(HEADER_LEN as u64, found))
            } else {
                Err(Problem::Foreign)
            };
        }
        if b[..8] != self.magic {
            return Err(Problem::Foreign);
        }
        let version = u32_at(b, 8).ok_or(Problem::Truncated(HEADER_LEN as u64, found))?;
        // The version first: another version may lay out the rest differently.
        if !(self.oldest_version..=self.version).contains(&version) {
            return Err(Problem::Version(version));
        }
        if b.len() < HEADER_LEN {
            return Err(Problem::Truncated(HEADER_LEN as u64, found));
        }
        let nsec = u32_at(b, 12).unwrap_or(0) as usize;
        let file_len = u64_at(b, 16).unwrap_or(0);
        let counts = [u64_at(b, 24).unwrap_or(0), u64_at(b, 32).unwrap_or(0)];
        let hsum = u64_at(b, 40).unwrap_or(0);
        if nsec > 64 {
            return Err(Problem::Corrupt(format!(
                "implausible section count {nsec}"
            )));
        }
        let table_end = HEADER_LEN + nsec * SECTION_ROW_LEN;
        if b.len() < table_end {
            return Err(Problem::Truncated(table_end as u64, found));
        }
        if checksum(&[&b[..40], &b[HEADER_LEN..table_end]]) != hsum {
            return Err(Problem::Checksum("header"));
        }
        if found < file_len {
            return Err(Problem::Truncated(file_len, found));
        }
        if found > file_len {
            return Err(Problem::Corrupt(format!(
                "{} unexpected bytes after the end of the file",
                found - file_len
            )));
        }
        Ok(Header {
            counts,
            file_len,
            table_end,
        })
    }
}

/// What the header says: the two counts, the file length and where the
/// section table ends.
struct Header {
    counts: [u64; 2],
    file_len: u64,
    table_end: usize,
}

/// Checks that the bytes between and after the sections are zero, so that
/// every byte of the file is covered by a check.
fn check_padding(
    b: &[u8],
    table_end: usize,
    ranges: &[Option<Range<usize>>],
) -> Result<(), Problem> {
    let mut covered: Vec<Range<usize>> = ranges.iter().flatten().cloned().collect();
    covered.sort_by_key(|r| r.start);
    let mut at = table_end;
    for r in covered.iter().chain(std::iter::once(&(b.len()..b.len()))) {
        if r.start < at {
            return Err(Problem::Corrupt("sections overlap".into()));
        }
        if b[at..r.start].iter().any(|&x| x != 0) {
            return Err(Problem::Checksum("padding"));
        }
        at = r.end;
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, then a rename, so readers never see half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
