//! Loading CMS edit tables (TSV, plain or gzip) and writing an edits file.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use chrono::{Datelike, NaiveDate};

use super::format;
use super::{Mue, PtpEdit};
use crate::code::Code;
use crate::error::{ColumnError, NcciError, RowError};
use crate::index::FastMap;

type Result<T> = std::result::Result<T, NcciError>;

/// The day number (from 0001-01-01) stored for "not deleted" (9999-12-31).
pub(crate) fn never_days() -> i32 {
    super::NEVER.num_days_from_ce()
}

/// One PTP row as loaded: interned codes and rationale, and where it came from.
#[derive(Clone, Copy)]
struct Row {
    column1: u32,
    column2: u32,
    deleted: i32,
    indicator: u8,
    rationale: u32,
    source: u32,
    line: u32,
}

/// One MUE row as loaded.
#[derive(Clone, Copy)]
struct MueRow {
    units: u32,
    mai: u8,
    effective: i32,
    rationale: u32,
    source: u32,
    line: u32,
}

/// Collects NCCI PTP edits and MUEs and writes an immutable edits file.
/// Validation happens while loading: every bad row is an error naming its
/// file, line and column, and nothing is dropped — rows with modifier
/// indicator 9 and deleted edits are kept (they simply never fire on dates
/// they do not cover). The same edit twice (pair, deletion date, indicator
/// and rationale all equal) and the same code twice in MUE tables are errors.
/// Two rows that differ only in their rationale (CMS's 88108/88162, deleted
/// 1996-01-01) are two records of the pair, both kept.
///
/// # Example
/// ```
/// use procode::ncci::{NcciBuilder, NcciEdits};
/// use procode::Code;
/// let ptp = "column1\tcolumn2\tdeletion_date\tmodifier_indicator\trationale\n\
///            45380\t45378\t9999-12-31\t0\tCPT Separate procedure definition\n";
/// let mue = "code\tmue\tmai\trationale\teffective_date\n\
///            99291\t1\t2\tCode Descriptor / CPT Instruction\t2024-07-01\n";
/// let mut b = NcciBuilder::new();
/// b.read_ptp("ptp.tsv", ptp.as_bytes()).unwrap();
/// b.read_mue("mue.tsv", mue.as_bytes()).unwrap();
/// let edits = NcciEdits::from_bytes(b.build().unwrap()).unwrap();
/// let c = |s| Code::parse(s).unwrap();
/// assert_eq!(edits.ptp(&c("45380"), &c("45378")).unwrap().len(), 1);
/// assert_eq!(edits.mue(&c("99291")).unwrap().unwrap().units, 1);
/// ```
#[derive(Default)]
pub struct NcciBuilder {
    code_ids: FastMap<Code, u32>,
    codes: Vec<Code>,
    rationale_ids: FastMap<Box<str>, u32>,
    rationales: Vec<Box<str>>,
    sources: Vec<String>,
    rows: Vec<Row>,
    mue: FastMap<u32, MueRow>,
    mue_rows: u64,
    addons: Vec<AddOnRow>,
}

/// One add-on code edit row as loaded (dates as day numbers, `NO_DATE` for
/// none; `primary` all zero for none).
#[derive(Clone, Copy, PartialEq, Eq)]
struct AddOnRow {
    add_on: [u8; 8],
    primary: [u8; 8],
    edit_type: u8,
    add_on_deleted: i32,
    primary_deleted: i32,
    effective: i32,
    deleted: i32,
    note: u32,
}

/// Columns of an add-on code edit table (CMS AOC file as TSV).
const ADDON_COLUMNS: [&str; 8] = [
    "aoc_edit_type",
    "add_on_code",
    "add_on_code_deletion_date",
    "primary_code",
    "primary_code_deletion_date",
    "edit_effective_date",
    "edit_deletion_date",
    "special_instruction_notes",
];

fn code8(c: &Code) -> [u8; 8] {
    let mut f = [0u8; 8];
    let b = c.as_bytes();
    let n = b.len().min(8);
    f[..n].copy_from_slice(&b[..n]);
    f
}

impl std::fmt::Debug for NcciBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NcciBuilder")
            .field("ptp_rows", &self.rows.len())
            .field("mue_rows", &self.mue_rows)
            .field("addon_rows", &self.addons.len())
            .finish()
    }
}

/// A direct-mapped cache: `2^BITS` slots of (key, value), a key's slot
/// picked by a multiplicative hash; a clash replaces the older entry. Keys
/// are never zero (the empty slot's key).
struct DirectMapped<K, V, const BITS: u32> {
    slots: Vec<(K, V)>,
}

/// A [`DirectMapped`] key: folded to 64 bits for its hash.
trait SlotKey: Copy + Eq + Default {
    fn fold(self) -> u64;
}

impl SlotKey for u64 {
    #[inline]
    fn fold(self) -> u64 {
        self
    }
}

impl SlotKey for u128 {
    #[inline]
    fn fold(self) -> u64 {
        (self as u64) ^ ((self >> 64) as u64)
    }
}

impl<K: SlotKey, V: Copy + Default, const BITS: u32> DirectMapped<K, V, BITS> {
    fn new() -> Self {
        DirectMapped {
            slots: vec![(K::default(), V::default()); 1 << BITS],
        }
    }

    #[inline]
    fn slot(key: K) -> usize {
        (key.fold().wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BITS)) as usize
    }

    #[inline]
    fn get(&self, key: K) -> Option<V> {
        let (k, v) = self.slots[Self::slot(key)];
        (k == key).then_some(v)
    }

    fn put(&mut self, key: K, v: V) {
        self.slots[Self::slot(key)] = (key, v);
    }
}

/// A direct-mapped cache of code fields as they are in a file (up to seven
/// bytes) and their code ids: a PTP table names the same few thousand codes
/// millions of times.
type RawCodes = DirectMapped<u64, u32, 14>;

impl RawCodes {
    /// The key of a field of up to seven bytes from its [`Fields::key`]:
    /// [`RawCodes::key`] of the same bytes, worked out in registers (no
    /// byte written to memory and read back as a word, which stalls).
    #[inline]
    fn from_field_key(key: u128) -> Option<u64> {
        let len = (key >> 120) as u64 & 0x7f;
        (len <= 7).then_some(key as u64 | (0x80 | len) << 56)
    }

    /// The field as a nonzero integer (its bytes, zero padded, and its
    /// length with the top bit in the last byte), or `None` when it is
    /// longer than seven bytes (not cached).
    #[cfg(test)]
    fn key(raw: &[u8]) -> Option<u64> {
        if raw.len() > 7 {
            return None;
        }
        let mut b = [0u8; 8];
        b[..raw.len()].copy_from_slice(raw);
        b[7] = 0x80 | raw.len() as u8;
        Some(u64::from_le_bytes(b))
    }
}

/// Columns of a PTP table.
const PTP_COLUMNS: [&str; 5] = [
    "column1",
    "column2",
    "deletion_date",
    "modifier_indicator",
    "rationale",
];
/// Required columns of an MUE table (`effective_date` is optional).
const MUE_COLUMNS: [&str; 4] = ["code", "mue", "mai", "rationale"];

/// A reader over a file's bytes, decompressed when they start with the
/// gzip magic.
fn open_maybe_gzip(path: &Path) -> Result<Box<dyn Read + Send>> {
    let io = |source| NcciError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = BufReader::with_capacity(1 << 16, std::fs::File::open(path).map_err(io)?);
    let gz = file.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    Ok(if gz {
        Box::new(flate2::bufread::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    })
}

/// How many bytes a block of [`LineBlocks`] holds at least (a longer line
/// makes its block longer).
const BLOCK: usize = 1 << 18;

/// A reader cut into blocks of whole lines: every block but the last ends
/// with a line feed, so the lines of a block are parsed in place (no copy
/// per line) and no line is split between two blocks.
struct LineBlocks<R> {
    r: R,
    /// The bytes after the last line feed of the block given before.
    carry: Vec<u8>,
    /// The reader is at its end.
    end: bool,
    /// A read error met after some whole lines: given on the next call,
    /// once those lines are parsed (as a line-by-line reader would).
    err: Option<std::io::Error>,
    /// The least block size ([`BLOCK`]; smaller in tests).
    block: usize,
}

impl<R: Read> LineBlocks<R> {
    fn new(r: R) -> LineBlocks<R> {
        LineBlocks {
            r,
            carry: Vec::new(),
            end: false,
            err: None,
            block: BLOCK,
        }
    }

    /// Writes the next block into `buf` and returns its length (0 at the
    /// end of the input). `buf` keeps its length (at least the block size,
    /// zeroed once when it grows); the bytes after the block are stale.
    fn fill(&mut self, buf: &mut Vec<u8>) -> std::io::Result<usize> {
        if let Some(e) = self.err.take() {
            return Err(e);
        }
        let mut n = self.carry.len();
        if buf.len() < self.block.max(n + 1) {
            buf.resize(self.block.max(2 * n + 1), 0);
        }
        buf[..n].copy_from_slice(&self.carry);
        self.carry.clear();
        loop {
            while !self.end && n < buf.len() {
                match self.r.read(&mut buf[n..]) {
                    Ok(0) => self.end = true,
                    Ok(k) => n += k,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        // The whole lines before the error first; the
                        // partial line after them is never parsed.
                        return match memchr::memrchr(b'\n', &buf[..n]) {
                            Some(i) => {
                                self.err = Some(e);
                                self.end = true;
                                Ok(i + 1)
                            }
                            None => Err(e),
                        };
                    }
                }
            }
            if self.end {
                return Ok(n);
            }
            match memchr::memrchr(b'\n', &buf[..n]) {
                Some(i) => {
                    self.carry.extend_from_slice(&buf[i + 1..n]);
                    return Ok(i + 1);
                }
                // A line longer than the block: read on into a larger one.
                None => {
                    let len = buf.len();
                    buf.resize(2 * len, 0);
                }
            }
        }
    }

    /// [`LineBlocks::fill`], then the positions of the block's tabs and
    /// line feeds written into `seps` (see [`find_separators`]).
    fn fill_scanned(&mut self, buf: &mut Vec<u8>, seps: &mut Vec<usize>) -> std::io::Result<usize> {
        let n = self.fill(buf)?;
        find_separators(&buf[..n], seps);
        Ok(n)
    }
}

/// A block of whole lines read ahead on another thread, its length and the
/// positions of its separators, or its read error.
type Block = std::io::Result<(Vec<u8>, usize, Vec<usize>)>;

/// Reads `r` in blocks of whole lines sent to `tx` with their separators
/// found (the parsing thread then only walks them), into the buffers
/// `spare` gives back (fresh ones while none has come back); an error is
/// sent as the last item. Stops early when the receiving side is gone.
fn read_ahead(
    r: impl Read,
    tx: &std::sync::mpsc::SyncSender<Block>,
    spare: &std::sync::mpsc::Receiver<(Vec<u8>, Vec<usize>)>,
) {
    let mut blocks = LineBlocks::new(r);
    loop {
        let (mut buf, mut seps) = spare.try_recv().unwrap_or_default();
        match blocks.fill_scanned(&mut buf, &mut seps) {
            Ok(0) => return,
            Ok(n) => {
                if tx.send(Ok((buf, n, seps))).is_err() {
                    return;
                }
            }
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        }
    }
}

/// The fields of one row: byte ranges of `line` (the row's whole block).
struct Fields<'a> {
    line: &'a [u8],
    ranges: &'a [std::ops::Range<usize>],
    cols: &'a [Option<usize>],
}

impl<'a> Fields<'a> {
    /// The field of the `k`-th column asked for (required, then optional).
    #[inline]
    fn col(&self, k: usize) -> Option<&'a [u8]> {
        let i = self.cols.get(k).copied().flatten()?;
        self.line.get(self.ranges.get(i)?.clone())
    }

    /// The field of a required column.
    #[inline]
    fn req(&self, k: usize) -> &'a [u8] {
        self.col(k).unwrap_or(&[])
    }

    /// The field of the `k`-th column as one nonzero integer when it has
    /// at most 15 bytes: its bytes, zero padded, and its length with the top
    /// bit in the last byte (two fields have the same key exactly when
    /// they are equal). Read with one 16-byte load where the block allows.
    #[inline]
    fn key(&self, k: usize) -> Option<u128> {
        let i = self.cols.get(k).copied().flatten()?;
        let r = self.ranges.get(i)?.clone();
        let len = r.len();
        if len > 15 {
            return None;
        }
        let bytes = match self.line.get(r.start..r.start + 16) {
            Some(w) => {
                let mut b = [0u8; 16];
                b.copy_from_slice(w);
                u128::from_le_bytes(b) & ((1u128 << (8 * len)) - 1)
            }
            None => {
                let mut b = [0u8; 16];
                b[..len].copy_from_slice(self.line.get(r)?);
                u128::from_le_bytes(b)
            }
        };
        Some(bytes | (0x80 | len as u128) << 120)
    }
}

/// A direct-mapped cache of the dates of a table by their field's
/// [`Fields::key`] (a PTP table has a few thousand distinct deletion
/// dates, met again and again).
type DateCache = DirectMapped<u128, i32, 12>;

/// Calls `each(block, line, fields)` for every line of the blocks `next`
/// writes with their separators (see [`LineBlocks::fill_scanned`]; 0 is the
/// end): `line` is the line's range in `block` without its line ending
/// (`\n`, or `\r\n`; the last line may have none) and `fields` its
/// tab-separated fields, as ranges of `block`.
fn for_each_line<E>(
    mut next: impl FnMut(&mut Vec<u8>, &mut Vec<usize>) -> std::result::Result<usize, E>,
    mut each: impl FnMut(
        &[u8],
        std::ops::Range<usize>,
        &[std::ops::Range<usize>],
    ) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let mut buf = Vec::new();
    let mut seps = Vec::new();
    let mut fields: Vec<std::ops::Range<usize>> = Vec::with_capacity(16);
    loop {
        let n = next(&mut buf, &mut seps)?;
        if n == 0 {
            return Ok(());
        }
        let block = &buf[..n];
        let (mut start, mut field) = (0, 0);
        fields.clear();
        for &at in &seps {
            if block[at] == b'\t' {
                fields.push(field..at);
                field = at + 1;
                continue;
            }
            let end = if at > field && block[at - 1] == b'\r' {
                at - 1
            } else {
                at
            };
            fields.push(field..end);
            each(block, start..end, &fields)?;
            fields.clear();
            start = at + 1;
            field = start;
        }
        if start < n {
            fields.push(field..n);
            each(block, start..n, &fields)?;
        }
    }
}

/// Writes the positions of every tab and line feed of `bytes` into `seps`
/// (cleared first), in order. Eight bytes are tested at a time (a PTP line
/// is about 60 bytes with four tabs): a word's separators come out of one
/// mask, a bit each, without a call or a test per byte.
fn find_separators(bytes: &[u8], seps: &mut Vec<usize>) {
    const LOW7: u64 = u64::from_ne_bytes([0x7f; 8]);
    const TABS: u64 = u64::from_le_bytes([b'\t'; 8]);
    const FEEDS: u64 = u64::from_le_bytes([b'\n'; 8]);
    /// The high bit of every zero byte of `x` (exact: no false bit).
    #[inline(always)]
    fn zeros(x: u64) -> u64 {
        !(((x & LOW7) + LOW7) | x | LOW7)
    }
    seps.clear();
    let mut words = bytes.chunks_exact(8);
    let mut base = 0;
    for w in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        let x = u64::from_le_bytes(word);
        let mut m = zeros(x ^ TABS) | zeros(x ^ FEEDS);
        while m != 0 {
            seps.push(base + (m.trailing_zeros() / 8) as usize);
            m &= m - 1;
        }
        base += 8;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        if b == b'\t' || b == b'\n' {
            seps.push(base + i);
        }
    }
}

/// Reads a table line by line: the header, then `row(line_no, fields)` for
/// every row. Line endings `\n` and `\r\n` are accepted. `next` writes the
/// table's blocks of whole lines and their separators (see
/// [`LineBlocks::fill_scanned`]).
fn read_table(
    name: &str,
    next: impl FnMut(&mut Vec<u8>, &mut Vec<usize>) -> std::io::Result<usize>,
    required: &[&str],
    optional: &[&str],
    mut row: impl FnMut(u64, &Fields<'_>) -> Result<()>,
) -> Result<u64> {
    let bad_file = |problem: String| NcciError::BadFile {
        file: name.to_owned(),
        problem,
    };
    let mut next = next;
    let mut header: Option<(Vec<String>, Vec<Option<usize>>)> = None;
    let mut line_no = 1u64;
    let mut rows = 0u64;
    for_each_line(
        |buf, seps| next(buf, seps).map_err(|e| bad_file(format!("cannot read: {e}"))),
        |block, line, fields| {
            let Some((names, cols)) = &header else {
                header = Some(header_columns(name, &block[line], required, optional)?);
                return Ok(());
            };
            line_no += 1;
            if fields.len() != names.len() {
                let column = if fields.len() < names.len() {
                    names[fields.len()].clone()
                } else {
                    format!("{}", fields.len())
                };
                return Err(NcciError::BadRow(RowError::new(
                    name,
                    line_no,
                    column,
                    format!(
                        "{} tab-separated fields, the header has {}",
                        fields.len(),
                        names.len()
                    ),
                )));
            }
            row(
                line_no,
                &Fields {
                    line: block,
                    ranges: fields,
                    cols,
                },
            )?;
            rows += 1;
            Ok(())
        },
    )?;
    if header.is_none() {
        return Err(bad_file(format!(
            "empty file: expected a header line with the columns {}",
            required.join(", ")
        )));
    }
    Ok(rows)
}

/// The header's column names (trimmed, lower case) and the position of each
/// required (always `Some`) and optional column.
fn header_columns(
    name: &str,
    line: &[u8],
    required: &[&str],
    optional: &[&str],
) -> Result<(Vec<String>, Vec<Option<usize>>)> {
    let header = std::str::from_utf8(line)
        .map_err(|_| NcciError::BadFile {
            file: name.to_owned(),
            problem: "the header line is not UTF-8 text".into(),
        })?
        .trim_start_matches('\u{feff}');
    let names: Vec<String> = header
        .split('\t')
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    let mut cols = Vec::with_capacity(required.len() + optional.len());
    for c in required {
        let i = names.iter().position(|n| n == c).ok_or_else(|| {
            NcciError::MissingColumn(ColumnError::new(name, *c, header.replace('\t', ", ")))
        })?;
        cols.push(Some(i));
    }
    for c in optional {
        cols.push(names.iter().position(|n| n == c));
    }
    Ok((names, cols))
}

/// A field that must be `1`, `2` or `3` (MUE adjudication indicators, add-on
/// edit types); `what` names it in the error.
fn one_two_three(file: &str, line: u64, column: &str, field: &[u8], what: &str) -> Result<u8> {
    match field {
        b"1" => Ok(1),
        b"2" => Ok(2),
        b"3" => Ok(3),
        other => Err(bad_row(
            file,
            line,
            column,
            format!(
                "{what} {:?}: expected 1, 2 or 3",
                String::from_utf8_lossy(other)
            ),
        )),
    }
}

fn bad_row(file: &str, line: u64, column: &str, problem: String) -> NcciError {
    NcciError::BadRow(RowError::new(file, line, column, problem))
}

fn text<'a>(file: &str, line: u64, column: &str, b: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(b).map_err(|_| bad_row(file, line, column, "not UTF-8 text".into()))
}

fn parse_code(file: &str, line: u64, column: &str, b: &[u8]) -> Result<Code> {
    if let Some(c) = Code::from_normalised(b) {
        return Ok(c);
    }
    let s = text(file, line, column, b)?;
    Code::parse(s).map_err(|e| bad_row(file, line, column, e.to_string()))
}

/// Parses `YYYY-MM-DD` into a day number from 0001-01-01.
fn parse_date(file: &str, line: u64, column: &str, b: &[u8]) -> Result<i32> {
    let bad = || {
        bad_row(
            file,
            line,
            column,
            format!(
                "invalid date {:?}: use YYYY-MM-DD (9999-12-31 for \"not deleted\")",
                String::from_utf8_lossy(b)
            ),
        )
    };
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let (y, m, d) = (
        digits(0..4).ok_or_else(bad)?,
        digits(5..7).ok_or_else(bad)?,
        digits(8..10).ok_or_else(bad)?,
    );
    NaiveDate::from_ymd_opt(y as i32, m, d)
        .map(|d| d.num_days_from_ce())
        .ok_or_else(bad)
}

fn parse_u32(file: &str, line: u64, column: &str, b: &[u8], what: &str) -> Result<u32> {
    text(file, line, column, b)?
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|&n| n != format::NO_MUE)
        .ok_or_else(|| {
            bad_row(
                file,
                line,
                column,
                format!("{:?} is not {what}", String::from_utf8_lossy(b)),
            )
        })
}

impl NcciBuilder {
    /// An empty builder.
    pub fn new() -> NcciBuilder {
        NcciBuilder::default()
    }

    /// PTP rows loaded so far.
    pub fn ptp_rows(&self) -> u64 {
        self.rows.len() as u64
    }

    /// MUE rows loaded so far.
    pub fn mue_rows(&self) -> u64 {
        self.mue_rows
    }

    fn code_id(&mut self, code: Code) -> u32 {
        let next = self.codes.len() as u32;
        let id = *self.code_ids.entry(code).or_insert(next);
        if id == next {
            self.codes.push(code);
        }
        id
    }

    fn rationale_id(&mut self, r: &str) -> u32 {
        if let Some(&id) = self.rationale_ids.get(r) {
            return id;
        }
        let id = self.rationales.len() as u32;
        self.rationale_ids.insert(r.into(), id);
        self.rationales.push(r.into());
        id
    }

    fn source(&mut self, name: &str) -> Result<u32> {
        let id = u32::try_from(self.sources.len()).map_err(|_| NcciError::TooLarge {
            what: "more than 4 billion source files".into(),
        })?;
        self.sources.push(name.to_owned());
        Ok(id)
    }

    /// Loads a PTP table (columns `column1, column2, deletion_date,
    /// modifier_indicator, rationale`, in any order; see `SOURCES.md`) from a
    /// file, plain or gzip-compressed (recognised by its first bytes).
    /// Returns the rows loaded.
    pub fn load_ptp(&mut self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let r = open_maybe_gzip(path)?;
        // The PTP table is millions of rows: decompress on a second thread
        // while this one parses.
        // Blocks of whole lines come over one channel; their buffers go back
        // over the other to be filled again (no fresh pages per block).
        std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::sync_channel(4);
            let (back, spare) = std::sync::mpsc::channel();
            s.spawn(move || read_ahead(r, &tx, &spare));
            self.ptp_from(&path.display().to_string(), move |buf, seps| {
                match rx.recv() {
                    Ok(Ok((block, n, found))) => {
                        let used = (
                            std::mem::replace(buf, block),
                            std::mem::replace(seps, found),
                        );
                        if !used.0.is_empty() {
                            let _ = back.send(used);
                        }
                        Ok(n)
                    }
                    Ok(Err(e)) => Err(e),
                    // The sender is done: the end of the input.
                    Err(_) => Ok(0),
                }
            })
        })
    }

    /// Loads an MUE table (columns `code, mue, mai, rationale` and optionally
    /// `effective_date`) from a file, plain or gzip-compressed. Returns the
    /// rows loaded.
    pub fn load_mue(&mut self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let r = open_maybe_gzip(path)?;
        self.read_mue(&path.display().to_string(), r)
    }

    /// Loads a PTP table from uncompressed TSV bytes; `name` names the source
    /// in errors. Nothing is added when an error is returned.
    pub fn read_ptp(&mut self, name: &str, reader: impl Read) -> Result<u64> {
        let mut blocks = LineBlocks::new(reader);
        self.ptp_from(name, |buf, seps| blocks.fill_scanned(buf, seps))
    }

    /// Loads a PTP table from the blocks of whole lines `next` writes with
    /// their separators (see [`LineBlocks::fill_scanned`]).
    fn ptp_from(
        &mut self,
        name: &str,
        next: impl FnMut(&mut Vec<u8>, &mut Vec<usize>) -> std::io::Result<usize>,
    ) -> Result<u64> {
        // About 90 lines, kept whole on purpose: the per-row closure shares
        // the last-row caches (first column, rationale, dates) that make the
        // PTP table parse fast; the field rules are `parse_code`,
        // `parse_date` and `RawCodes`.
        let source = self.source(name)?;
        let before = self.rows.len();
        let mut dates = DateCache::new();
        // The table is sorted by its first column and has a handful of
        // rationales: the previous row's field, when the same, is not parsed
        // again. (A field never holds a line feed: nothing matches at first.)
        // The first column is compared by its key when it has one.
        let mut last_c1: (Option<u128>, Vec<u8>, u32) = (None, vec![b'\n'], 0);
        let mut last_rationale: (Vec<u8>, u32) = (vec![b'\n'], 0);
        let mut seen = RawCodes::new();
        let res = read_table(name, next, &PTP_COLUMNS, &[], |line, f| {
            let at = |k: usize| f.req(k);
            // A code or rationale is numbered only once its row is good.
            let c1_key = f.key(0);
            let same_c1 = match c1_key {
                Some(k) => last_c1.0 == Some(k),
                None => at(0) == last_c1.1.as_slice(),
            };
            let c1 = if same_c1 {
                None
            } else {
                Some(parse_code(name, line, PTP_COLUMNS[0], at(0))?)
            };
            // Column 2 is numbered already (its field seen before) or is
            // a code to number once the row is good.
            let c2_key = f.key(1).and_then(RawCodes::from_field_key);
            let c2 = match c2_key.and_then(|k| seen.get(k)) {
                Some(id) => Ok(id),
                None => Err(parse_code(name, line, PTP_COLUMNS[1], at(1))?),
            };
            let date_key = f.key(2);
            let deleted = match date_key.and_then(|k| dates.get(k)) {
                Some(d) => d,
                None => {
                    let d = parse_date(name, line, PTP_COLUMNS[2], at(2))?;
                    if let Some(k) = date_key {
                        dates.put(k, d);
                    }
                    d
                }
            };
            let indicator = match at(3) {
                b"0" => 0,
                b"1" => 1,
                b"9" => 9,
                other => {
                    return Err(bad_row(
                        name,
                        line,
                        PTP_COLUMNS[3],
                        format!(
                            "modifier indicator {:?}: expected 0, 1 or 9",
                            String::from_utf8_lossy(other)
                        ),
                    ))
                }
            };
            let rationale = if at(4) == last_rationale.0.as_slice() {
                None
            } else {
                Some(text(name, line, PTP_COLUMNS[4], at(4))?.trim())
            };
            let line32 = u32::try_from(line).map_err(|_| NcciError::TooLarge {
                what: format!("{name} has more than 4 billion lines"),
            })?;
            if let Some(c1) = c1 {
                last_c1 = (c1_key, at(0).to_vec(), self.code_id(c1));
            }
            let column2 = c2.unwrap_or_else(|code| {
                let id = self.code_id(code);
                if let Some(k) = c2_key {
                    seen.put(k, id);
                }
                id
            });
            if let Some(r) = rationale {
                last_rationale = (at(4).to_vec(), self.rationale_id(r));
            }
            let row = Row {
                column1: last_c1.2,
                column2,
                deleted,
                indicator,
                rationale: last_rationale.1,
                source,
                line: line32,
            };
            self.rows.push(row);
            Ok(())
        });
        match res {
            Ok(n) => Ok(n),
            Err(e) => {
                self.rows.truncate(before);
                Err(e)
            }
        }
    }

    /// Loads an MUE table from uncompressed TSV bytes; `name` names the source
    /// in errors. A code already loaded is an error. Nothing is added when an
    /// error is returned.
    pub fn read_mue(&mut self, name: &str, reader: impl Read) -> Result<u64> {
        let source = self.source(name)?;
        let mut added: Vec<u32> = Vec::new();
        let mut blocks = LineBlocks::new(reader);
        let res = read_table(
            name,
            |buf, seps| blocks.fill_scanned(buf, seps),
            &MUE_COLUMNS,
            &["effective_date"],
            |line, f| {
                let at = |k: usize| f.req(k);
                let code = parse_code(name, line, "code", at(0))?;
                let units = parse_u32(name, line, "mue", at(1), "a whole number of units")?;
                let mai = one_two_three(name, line, "mai", at(2), "MUE adjudication indicator")?;
                let rationale = text(name, line, "rationale", at(3))?.trim();
                let effective = match f.col(4) {
                    Some(d) if !d.is_empty() => parse_date(name, line, "effective_date", d)?,
                    _ => format::NO_DATE,
                };
                let id = self.code_id(code);
                let row = MueRow {
                    units,
                    mai,
                    effective,
                    rationale: self.rationale_id(rationale),
                    source,
                    line: line as u32,
                };
                if let Some(first) = self.mue.get(&id) {
                    return Err(NcciError::DuplicateMue {
                        file: name.to_owned(),
                        line,
                        first: format!("{}:{}", self.sources[first.source as usize], first.line),
                        code,
                    });
                }
                self.mue.insert(id, row);
                added.push(id);
                Ok(())
            },
        );
        match res {
            Ok(n) => {
                self.mue_rows += n;
                Ok(n)
            }
            Err(e) => {
                for id in added {
                    self.mue.remove(&id);
                }
                Err(e)
            }
        }
    }

    /// Adds one PTP edit.
    pub fn add_ptp(&mut self, edit: &PtpEdit) -> Result<()> {
        let source = self.source("(added)")?;
        let row = Row {
            column1: self.code_id(edit.column1),
            column2: self.code_id(edit.column2),
            deleted: edit.deleted.unwrap_or(super::NEVER).num_days_from_ce(),
            indicator: edit.modifier_indicator.as_u8(),
            rationale: self.rationale_id(&edit.rationale),
            source,
            line: 0,
        };
        self.rows.push(row);
        Ok(())
    }

    /// Adds one MUE. A code that already has one is an error.
    pub fn add_mue(&mut self, mue: &Mue) -> Result<()> {
        let source = self.source("(added)")?;
        let id = self.code_id(mue.code);
        if let Some(first) = self.mue.get(&id) {
            return Err(NcciError::DuplicateMue {
                file: "(added)".into(),
                line: 0,
                first: format!("{}:{}", self.sources[first.source as usize], first.line),
                code: mue.code,
            });
        }
        if mue.units == format::NO_MUE {
            return Err(NcciError::TooLarge {
                what: format!("MUE of {} units for {}", mue.units, mue.code),
            });
        }
        let row = MueRow {
            units: mue.units,
            mai: mue.mai.as_u8(),
            effective: mue
                .effective
                .map_or(format::NO_DATE, |d| d.num_days_from_ce()),
            rationale: self.rationale_id(&mue.rationale),
            source,
            line: 0,
        };
        self.mue.insert(id, row);
        self.mue_rows += 1;
        Ok(())
    }

    /// Add-on code edit rows loaded so far.
    pub fn addon_rows(&self) -> u64 {
        self.addons.len() as u64
    }

    /// Loads the CMS add-on code edits (see [`super::AddOnEdit`]): the
    /// spreadsheet as CMS publishes it (`.xlsx`) or the same as TSV (plain or
    /// gzip), columns `aoc_edit_type, add_on_code, add_on_code_deletion_date,
    /// primary_code, primary_code_deletion_date, edit_effective_date,
    /// edit_deletion_date, special_instruction_notes` (dates `YYYY-MM-DD`,
    /// empty for none; primary `CCCCC` for type 2). Returns the rows loaded.
    pub fn load_addon(&mut self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let is_xlsx = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
        if is_xlsx {
            let tsv = super::addon_xlsx::xlsx_to_tsv(path)?;
            return self.read_addon(&path.display().to_string(), tsv.as_bytes());
        }
        let r = open_maybe_gzip(path)?;
        self.read_addon(&path.display().to_string(), r)
    }

    /// Loads add-on code edits from uncompressed TSV bytes (see
    /// [`NcciBuilder::load_addon`]); `name` names the source in errors.
    /// Nothing is added when an error is returned.
    pub fn read_addon(&mut self, name: &str, reader: impl Read) -> Result<u64> {
        let before = self.addons.len();
        let mut rows = Vec::new();
        let mut blocks = LineBlocks::new(reader);
        let res = read_table(
            name,
            |buf, seps| blocks.fill_scanned(buf, seps),
            &ADDON_COLUMNS,
            &[],
            |line, f| {
                let (mut row, note) = addon_row(name, line, f)?;
                if !note.is_empty() {
                    row.note = self.rationale_id(note);
                }
                rows.push(row);
                Ok(())
            },
        );
        match res {
            Ok(n) => {
                self.addons.extend(rows);
                Ok(n)
            }
            Err(e) => {
                self.addons.truncate(before);
                Err(e)
            }
        }
    }

    /// Adds one add-on code edit.
    pub fn add_addon(&mut self, edit: &super::AddOnEdit) -> Result<()> {
        let days = |d: Option<NaiveDate>| d.map_or(format::NO_DATE, |d| d.num_days_from_ce());
        let note = if edit.note.is_empty() {
            format::NO_NOTE
        } else {
            self.rationale_id(&edit.note)
        };
        let primary = edit.primary.as_ref().map_or([0u8; 8], code8);
        let (t1, t2) = (
            edit.edit_type == super::AddOnType::PrimaryRequired,
            edit.edit_type == super::AddOnType::ContractorDefined,
        );
        if (t1 && edit.primary.is_none()) || (t2 && edit.primary.is_some()) {
            return Err(NcciError::BadRow(RowError::new(
                "(added)",
                0,
                "primary_code",
                "edit type 1 needs a primary code and type 2 has none",
            )));
        }
        self.addons.push(AddOnRow {
            add_on: code8(&edit.add_on),
            primary,
            edit_type: edit.edit_type.as_u8(),
            add_on_deleted: days(edit.add_on_deleted),
            primary_deleted: days(edit.primary_deleted),
            effective: days(edit.effective),
            deleted: days(edit.deleted),
            note,
        });
        Ok(())
    }

    /// Builds the edits file in memory.
    pub fn build(&self) -> Result<Vec<u8>> {
        build(self)
    }

    /// Builds the edits file and writes it to `path` atomically (a temporary
    /// file in the same directory, then a rename). Returns its size in bytes.
    pub fn write_to(&self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let bytes = self.build()?;
        crate::index::container::write_atomic(path, &bytes).map_err(|source| NcciError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(bytes.len() as u64)
    }
}

fn too_large(what: &str) -> NcciError {
    NcciError::TooLarge { what: what.into() }
}

/// One row of the add-on code edits table, checked; the note's text is
/// returned beside it (the row's `note` is `NO_NOTE`).
fn addon_row<'a>(name: &str, line: u64, f: &Fields<'a>) -> Result<(AddOnRow, &'a str)> {
    let at = |k: usize| f.req(k);
    let edit_type = one_two_three(name, line, ADDON_COLUMNS[0], at(0), "add-on edit type")?;
    let date = |k: usize| -> Result<i32> {
        match at(k) {
            b"" => Ok(format::NO_DATE),
            d => parse_date(name, line, ADDON_COLUMNS[k], d),
        }
    };
    let add_on = parse_code(name, line, ADDON_COLUMNS[1], at(1))?;
    let primary = match at(3) {
        b"CCCCC" if edit_type != 1 => [0u8; 8],
        b"CCCCC" => {
            return Err(bad_row(
                name,
                line,
                ADDON_COLUMNS[3],
                "edit type 1 needs a listed primary code, not CCCCC (contractor-defined)".into(),
            ))
        }
        p => code8(&parse_code(name, line, ADDON_COLUMNS[3], p)?),
    };
    if edit_type == 2 && primary != [0u8; 8] {
        return Err(bad_row(
            name,
            line,
            ADDON_COLUMNS[3],
            "edit type 2 lists no primary code: expected CCCCC".into(),
        ));
    }
    let (effective, deleted) = (date(5)?, date(6)?);
    if effective != format::NO_DATE && deleted != format::NO_DATE && deleted < effective {
        return Err(bad_row(
            name,
            line,
            ADDON_COLUMNS[6],
            "the edit is deleted before it takes effect".into(),
        ));
    }
    let note = text(name, line, ADDON_COLUMNS[7], at(7))?.trim();
    let row = AddOnRow {
        add_on: code8(&add_on),
        primary,
        edit_type,
        add_on_deleted: date(2)?,
        primary_deleted: date(4)?,
        effective,
        deleted,
        note: format::NO_NOTE,
    };
    Ok((row, note))
}

/// Ids in the order of their items, and each id's rank in that order: the
/// file does not depend on the order rows were loaded in.
fn order_and_rank<T: Ord>(items: &[T]) -> (Vec<u32>, Vec<u32>) {
    let mut order: Vec<u32> = (0..items.len() as u32).collect();
    order.sort_unstable_by(|&x, &y| items[x as usize].cmp(&items[y as usize]));
    let mut rank = vec![0u32; items.len()];
    for (r, &p) in order.iter().enumerate() {
        rank[p as usize] = r as u32;
    }
    (order, rank)
}

fn build(b: &NcciBuilder) -> Result<Vec<u8>> {
    // Code ids in code order, rationale ids in text order.
    let (by_code, code_rank) = order_and_rank(&b.codes);
    let (by_text, rat_rank) = order_and_rank(&b.rationales);
    let rows = sorted_rows(b, &by_code, &code_rank, &rat_rank)?;
    let pairs = PairTables::build(&rows, b.codes.len())?;
    let (codes, mue) = codes_and_mue(b, &by_code, &rat_rank)?;
    let (rat_offsets, rat_text) = rationale_table(b, &by_text)?;
    let addons = addon_table(b, &rat_rank);
    Ok(format::LAYOUT.write(
        [rows.len() as u64, b.mue_rows],
        [
            &codes,
            &pairs.code_pairs,
            &pairs.pairs,
            &pairs.multi,
            &pairs.records,
            &mue,
            &rat_offsets,
            &rat_text,
            &addons,
        ],
    ))
}

/// The PTP rows with codes and rationales renumbered to their ranks, sorted;
/// a row loaded twice is an error naming both places.
fn sorted_rows(
    b: &NcciBuilder,
    by_code: &[u32],
    code_rank: &[u32],
    rat_rank: &[u32],
) -> Result<Vec<Row>> {
    let mut rows: Vec<Row> = b
        .rows
        .iter()
        .map(|r| Row {
            column1: code_rank[r.column1 as usize],
            column2: code_rank[r.column2 as usize],
            rationale: rat_rank[r.rationale as usize],
            ..*r
        })
        .collect();
    let key = |r: &Row| (r.column1, r.column2, r.deleted, r.indicator, r.rationale);
    rows.sort_unstable_by_key(|r| (key(r), r.source, r.line));
    if let Some(w) = rows.windows(2).find(|w| key(&w[0]) == key(&w[1])) {
        let (a, z) = (&w[0], &w[1]);
        return Err(NcciError::DuplicateEdit {
            file: b.sources[z.source as usize].clone(),
            line: u64::from(z.line),
            first: format!("{}:{}", b.sources[a.source as usize], a.line),
            column1: b.codes[by_code[a.column1 as usize] as usize],
            column2: b.codes[by_code[a.column2 as usize] as usize],
        });
    }
    Ok(rows)
}

/// The pair sections: per column-1 code the start of its pairs, the pairs
/// (column-2 code, record or multi-record reference), the multi-record lists
/// and the distinct records.
#[derive(Default)]
struct PairTables {
    code_pairs: Vec<u8>,
    pairs: Vec<u8>,
    multi: Vec<u8>,
    records: Vec<u8>,
    record_ids: FastMap<(i32, u8, u32), u32>,
    /// The record [`PairTables::record`] gave last, and its id.
    last_record: Option<((i32, u8, u32), u32)>,
}

impl PairTables {
    fn build(rows: &[Row], ncodes: usize) -> Result<PairTables> {
        let mut t = PairTables {
            code_pairs: Vec::with_capacity((ncodes + 1) * 4),
            pairs: Vec::with_capacity(rows.len() * format::PAIR_LEN),
            ..PairTables::default()
        };
        let mut npairs = 0u32;
        let mut i = 0usize;
        for c1 in 0..ncodes as u32 {
            t.code_pairs.extend_from_slice(&npairs.to_le_bytes());
            while i < rows.len() && rows[i].column1 == c1 {
                let mut j = i + 1;
                while j < rows.len() && rows[j].column1 == c1 && rows[j].column2 == rows[i].column2
                {
                    j += 1;
                }
                let reference = t.reference(&rows[i..j])?;
                t.pairs.extend_from_slice(&rows[i].column2.to_le_bytes());
                t.pairs.extend_from_slice(&reference.to_le_bytes());
                npairs = npairs
                    .checked_add(1)
                    .ok_or_else(|| too_large("more than 4 billion pairs"))?;
                i = j;
            }
        }
        t.code_pairs.extend_from_slice(&npairs.to_le_bytes());
        Ok(t)
    }

    /// The reference of one pair's records: the record id itself, or a
    /// multi-record list's offset with the `MULTI` bit.
    fn reference(&mut self, group: &[Row]) -> Result<u32> {
        if let [one] = group {
            return self.record(one);
        }
        let at = u32::try_from(self.multi.len() / 4)
            .ok()
            .filter(|&a| a < format::MULTI)
            .ok_or_else(|| too_large("multi-record lists exceed 2^31 words"))?;
        self.multi
            .extend_from_slice(&(group.len() as u32).to_le_bytes());
        for r in group {
            let id = self.record(r)?;
            self.multi.extend_from_slice(&id.to_le_bytes());
        }
        Ok(at | format::MULTI)
    }

    /// The id of a distinct (deletion date, indicator, rationale) record.
    fn record(&mut self, r: &Row) -> Result<u32> {
        let k = (r.deleted, r.indicator, r.rationale);
        // Neighbouring rows mostly share their record: asked again, the
        // last answer is given without a hash probe.
        if let Some((last, id)) = self.last_record {
            if last == k {
                return Ok(id);
            }
        }
        if let Some(&id) = self.record_ids.get(&k) {
            self.last_record = Some((k, id));
            return Ok(id);
        }
        let id = u32::try_from(self.record_ids.len())
            .ok()
            .filter(|&i| i < format::MULTI)
            .ok_or_else(|| too_large("more than 2^31 distinct edit records"))?;
        self.record_ids.insert(k, id);
        self.last_record = Some((k, id));
        self.records.extend_from_slice(&r.deleted.to_le_bytes());
        self.records.extend_from_slice(&r.rationale.to_le_bytes());
        self.records.extend_from_slice(&[r.indicator, 0, 0, 0]);
        Ok(id)
    }
}

/// The code fst (code → id) and the MUE table, by code id.
fn codes_and_mue(b: &NcciBuilder, by_code: &[u32], rat_rank: &[u32]) -> Result<(Vec<u8>, Vec<u8>)> {
    let fst_err = |e: fst::Error| NcciError::Corrupt {
        what: format!("building the code index: {e}"),
    };
    let mut codes = fst::MapBuilder::memory();
    let mut mue = Vec::with_capacity(by_code.len() * format::MUE_LEN);
    for (id, &p) in by_code.iter().enumerate() {
        codes
            .insert(b.codes[p as usize].as_bytes(), id as u64)
            .map_err(fst_err)?;
        match b.mue.get(&p) {
            Some(m) => {
                mue.extend_from_slice(&m.units.to_le_bytes());
                mue.extend_from_slice(&m.effective.to_le_bytes());
                mue.extend_from_slice(&rat_rank[m.rationale as usize].to_le_bytes());
                mue.extend_from_slice(&[m.mai, 0, 0, 0]);
            }
            None => {
                mue.extend_from_slice(&format::NO_MUE.to_le_bytes());
                mue.extend_from_slice(&format::NO_DATE.to_le_bytes());
                mue.extend_from_slice(&[0; 8]);
            }
        }
    }
    Ok((codes.into_inner().map_err(fst_err)?, mue))
}

/// The rationale texts in text order and their offsets (one more than texts).
fn rationale_table(b: &NcciBuilder, by_text: &[u32]) -> Result<(Vec<u8>, Vec<u8>)> {
    let mut offsets = Vec::with_capacity((by_text.len() + 1) * 4);
    let mut text = Vec::new();
    let offset = |text: &Vec<u8>, offsets: &mut Vec<u8>| -> Result<()> {
        let off = u32::try_from(text.len()).map_err(|_| too_large("rationale text"))?;
        offsets.extend_from_slice(&off.to_le_bytes());
        Ok(())
    };
    for &p in by_text {
        offset(&text, &mut offsets)?;
        text.extend_from_slice(b.rationales[p as usize].as_bytes());
    }
    offset(&text, &mut offsets)?;
    Ok((offsets, text))
}

/// The add-on code edits, sorted, each distinct record once (the CMS file
/// repeats some verbatim).
fn addon_table(b: &NcciBuilder, rat_rank: &[u32]) -> Vec<u8> {
    let mut rows: Vec<AddOnRow> = b
        .addons
        .iter()
        .map(|r| AddOnRow {
            note: if r.note == format::NO_NOTE {
                r.note
            } else {
                rat_rank[r.note as usize]
            },
            ..*r
        })
        .collect();
    rows.sort_unstable_by_key(|r| {
        (
            r.add_on,
            r.primary,
            r.effective,
            r.deleted,
            r.edit_type,
            r.add_on_deleted,
            r.primary_deleted,
            r.note,
        )
    });
    rows.dedup();
    let mut addons = Vec::with_capacity(rows.len() * format::ADDON_LEN);
    for r in &rows {
        addons.extend_from_slice(&r.add_on);
        addons.extend_from_slice(&r.primary);
        addons.extend_from_slice(&[r.edit_type, 0, 0, 0]);
        for d in [r.add_on_deleted, r.primary_deleted, r.effective, r.deleted] {
            addons.extend_from_slice(&d.to_le_bytes());
        }
        addons.extend_from_slice(&r.note.to_le_bytes());
    }
    addons
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that gives at most `step` bytes a call.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(out.len()).min(self.bytes.len());
            out[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// The fields of each line as a line-by-line reader gives them: lines
    /// end at `\n` (then a `\r` before it is dropped too), the last line
    /// may have no line feed (and keeps a final `\r`), fields are split at
    /// every tab.
    fn reference(input: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        let mut rest = input;
        while !rest.is_empty() {
            let line = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    let line = &rest[..i];
                    rest = &rest[i + 1..];
                    line.strip_suffix(b"\r").unwrap_or(line)
                }
                None => std::mem::take(&mut rest),
            };
            out.push(line.split(|&b| b == b'\t').map(<[u8]>::to_vec).collect());
        }
        out
    }

    /// Every line and field of `input` read through blocks of at least
    /// `block` bytes from a reader giving `step` bytes a call.
    fn through_blocks(input: &[u8], block: usize, step: usize) -> Vec<Vec<Vec<u8>>> {
        let mut blocks = LineBlocks::new(Trickle { bytes: input, step });
        blocks.block = block;
        let mut got = Vec::new();
        for_each_line(
            |buf, seps| blocks.fill_scanned(buf, seps),
            |b, line, fields| {
                assert_eq!(fields.first().map(|f| f.start), Some(line.start));
                assert_eq!(fields.last().map(|f| f.end), Some(line.end));
                got.push(fields.iter().map(|f| b[f.clone()].to_vec()).collect());
                Ok::<(), std::io::Error>(())
            },
        )
        .expect("no read error");
        got
    }

    /// Lines and fields come out of the blocks exactly as a line-by-line
    /// reader splitting at every tab gives them, wherever a block ends
    /// (lines longer than a block, `\r\n`, no final line feed, empty
    /// lines and fields, non-ASCII text).
    #[test]
    fn blocks_give_the_lines_and_fields_of_a_line_by_line_reader() {
        let mut lines: Vec<Vec<u8>> = vec![
            b"0001A\t0591T\t2023-12-31\t1\tCPT Manual or CMS manual coding instruction".to_vec(),
            b"".to_vec(),
            b"\t".to_vec(),
            b"\t\t\t\t\t\t\t\t\t".to_vec(),
            b"no tabs at all in this line, longer than eight bytes".to_vec(),
            "\u{e9}\t\u{2019}\tx".as_bytes().to_vec(),
            b"a\t\r".to_vec(),
            b"\r".to_vec(),
            b"mid\rline\tx".to_vec(),
        ];
        for at in 0..20 {
            let mut l = vec![b'x'; 20];
            l[at] = b'\t';
            lines.push(l.clone());
            l[(at + 3) % 20] = b'\t';
            lines.push(l);
        }
        let mut inputs: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"\n".to_vec(),
            b"\n\n".to_vec(),
            b"\r\n".to_vec(),
            b"a\r".to_vec(),
            b"h\nlast\tline\r".to_vec(),
        ];
        for ending in [&b"\n"[..], b"\r\n"] {
            let mut joined = lines.join(ending);
            inputs.push(joined.clone());
            joined.extend_from_slice(ending);
            inputs.push(joined);
        }
        for input in &inputs {
            let want = reference(input);
            for block in [1, 2, 3, 5, 8, 13, 64, BLOCK] {
                for step in [1, 3, 7, 1 << 20] {
                    assert_eq!(
                        through_blocks(input, block, step),
                        want,
                        "block {block}, step {step}, input {:?}",
                        String::from_utf8_lossy(input)
                    );
                }
            }
        }
    }

    /// The eight-bytes-at-a-time search finds every tab and line feed,
    /// wherever it falls in a word, and nothing else (bytes that differ
    /// from a separator by one bit, or have the high bit, included).
    #[test]
    fn separators_are_found_at_every_position() {
        let mut inputs: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"\t\n\t\n\t\n\t\n\t".to_vec(),
            (0u8..=255).collect(),
            (0u8..=255).rev().collect(),
            "\u{e9}\t\u{2019}\n\u{89}\u{8a}".as_bytes().to_vec(),
        ];
        for len in 0..20 {
            for at in 0..len {
                for sep in [b'\t', b'\n', 0x08, 0x0b, 0x89, 0x8a, 0x19, 0x1a] {
                    let mut l = vec![b'x'; len];
                    l[at] = sep;
                    inputs.push(l.clone());
                    l[(at + 3) % len] = b'\n';
                    inputs.push(l);
                }
            }
        }
        for input in &inputs {
            let mut got = vec![usize::MAX];
            find_separators(input, &mut got);
            let want: Vec<usize> = (0..input.len())
                .filter(|&i| input[i] == b'\t' || input[i] == b'\n')
                .collect();
            assert_eq!(got, want, "{input:?}");
        }
    }

    /// Two fields have the same key exactly when they are equal, whether
    /// the key is read with a 16-byte load or near the block's end; fields
    /// longer than 15 bytes have none, and no key is zero.
    #[test]
    fn field_keys_tell_fields_apart_exactly() {
        let words: [&[u8]; 9] = [
            b"",
            b"\0",
            b"A",
            b"A\0",
            b"9999-12-31",
            b"9999-12-3",
            b"2023-12-31",
            b"123456789012345",
            b"1234567890123456",
        ];
        let mut keyed = Vec::new();
        for w in words {
            for pad in [0usize, 1, 20] {
                // The field at the block's start, then `pad` bytes after it.
                let mut block = w.to_vec();
                block.extend(std::iter::repeat_n(b'x', pad));
                let range = 0..w.len();
                let cols = [Some(0)];
                let f = Fields {
                    line: &block,
                    ranges: std::slice::from_ref(&range),
                    cols: &cols,
                };
                let key = f.key(0);
                assert_eq!(key.is_some(), w.len() <= 15, "{w:?}");
                assert_ne!(key, Some(0));
                keyed.push((w, key));
            }
        }
        for (a, ka) in &keyed {
            for (b, kb) in &keyed {
                if ka.is_some() && kb.is_some() {
                    assert_eq!(ka == kb, a == b, "{a:?} {b:?}");
                }
            }
        }
    }

    /// A bad row near the start of a large gzip PTP table ends the load
    /// with its error while the read-ahead thread still has blocks to send
    /// (it stops once the parser is gone: no hang), and nothing is added.
    #[test]
    fn a_bad_row_ends_a_threaded_load_early() {
        use std::io::Write;
        let path = std::env::temp_dir().join(format!(
            "procode-ncci-bad-row-{}.tsv.gz",
            std::process::id()
        ));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut table =
            String::from("column1\tcolumn2\tdeletion_date\tmodifier_indicator\trationale\n");
        table.push_str("45380\t45378\t9999-12-31\t0\tCPT Separate procedure definition\n");
        table.push_str("45380\t45378\t9999-12-31\t7\tCPT Separate procedure definition\n");
        for i in 0..200_000 {
            table.push_str(&format!(
                "{:05}\t45378\t9999-12-31\t0\tCPT Manual\n",
                10_000 + i % 80_000
            ));
        }
        gz.write_all(table.as_bytes()).expect("compresses");
        std::fs::write(&path, gz.finish().expect("compresses")).expect("writes");
        let mut b = NcciBuilder::new();
        let res = b.load_ptp(&path).map_err(|e| e.to_string());
        let _ = std::fs::remove_file(&path);
        assert!(
            res.as_ref().is_err_and(|e| e.ends_with(
                ":3: column modifier_indicator: modifier indicator \"7\": expected 0, 1 or 9"
            )),
            "{res:?}"
        );
        assert_eq!(b.ptp_rows(), 0);
    }

    /// A reader that gives its bytes, then an error.
    struct Failing<'a>(&'a [u8]);

    impl Read for Failing<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("the disk is gone"));
            }
            let n = out.len().min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// A read error comes after the whole lines read before it (their row
    /// errors first), as from a line-by-line reader; the partial line
    /// before it is never parsed.
    #[test]
    fn a_read_error_comes_after_the_whole_lines_before_it() {
        let mut blocks = LineBlocks::new(Failing(b"h\ta\n1\t2\npartial"));
        let mut got = Vec::new();
        let res = for_each_line(
            |buf, seps| blocks.fill_scanned(buf, seps),
            |b, line, _| {
                got.push(b[line].to_vec());
                Ok(())
            },
        );
        assert_eq!(got, [b"h\ta".to_vec(), b"1\t2".to_vec()]);
        assert_eq!(
            res.map_err(|e| e.to_string()),
            Err("the disk is gone".into())
        );
        let mue = "code\tmue\tmai\trationale\n99291\tx\t2\tCode\npartial";
        let err = NcciBuilder::new()
            .read_mue("mue.tsv", Failing(mue.as_bytes()))
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert!(
            err.as_ref()
                .is_err_and(|e| e.starts_with("mue.tsv:2: column mue:")),
            "{err:?}"
        );
        let err = NcciBuilder::new()
            .read_mue("mue.tsv", Failing(b"code\tmue\tmai\trationale\n"))
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert!(
            err.as_ref() == Err(&"mue.tsv: cannot read: the disk is gone".to_owned()),
            "{err:?}"
        );
    }

    /// The code-field cache keeps fields of different lengths apart and
    /// answers only for the field it holds.
    #[test]
    fn raw_code_cache_keys_fields_exactly() {
        assert_eq!(RawCodes::key(b"12345678"), None);
        assert_ne!(RawCodes::key(b"A"), RawCodes::key(b"A\0"));
        let mut seen = RawCodes::new();
        let (a, b) = (RawCodes::key(b"0591T"), RawCodes::key(b"0591"));
        let (Some(a), Some(b)) = (a, b) else {
            panic!("short fields have keys")
        };
        seen.put(a, 7);
        assert_eq!(seen.get(a), Some(7));
        assert_eq!(seen.get(b), None);
        // The key taken from a field's 16-byte key is the same.
        for raw in [
            &b""[..],
            b"A",
            b"A\0",
            b"0591T",
            b"1234567",
            b"12345678",
            b"123456789012345",
        ] {
            for pad in [0usize, 20] {
                let mut block = raw.to_vec();
                block.extend(std::iter::repeat_n(b'\t', pad));
                let range = 0..raw.len();
                let f = Fields {
                    line: &block,
                    ranges: std::slice::from_ref(&range),
                    cols: &[Some(0)],
                };
                let from_field = f.key(0).and_then(RawCodes::from_field_key);
                assert_eq!(from_field, RawCodes::key(raw), "{raw:?}");
            }
        }
    }
}
