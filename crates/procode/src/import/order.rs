//! The CMS ICD-10-CM / ICD-10-PCS order files (fixed width) and their addenda
//! (the changes from one fiscal-year release to the next).
//!
//! # Order file
//! One record per line (CRLF or LF), columns counted from 1:
//!
//! | columns | content |
//! |---|---|
//! | 1-5 | order number (digits, increasing) |
//! | 7-13 | code, without dot, left aligned |
//! | 15 | `1` = valid for billing, `0` = header |
//! | 17-76 | short (abbreviated) title |
//! | 78-end | long title |
//!
//! Each record becomes an [`Entry`] with `description` = long title,
//! `short_description` = short title, `billable` = the flag, and no dates.
//! Entries keep the file's (tabular) order.
//!
//! # Addenda
//! Lines `Add:`, `Delete:`, `Revise from:` and `Revise to:` (a 13-character
//! kind field) each followed by a record: for ICD-10-CM the flag (column 14),
//! code (16-22), short title (24-83) and long title (85-end); for ICD-10-PCS
//! no flag: code (14-20), short title (22-81), long title (83-end), and a code
//! is billable when it has 7 characters. A `Revise from:` line is followed by
//! the `Revise to:` line of the same code. After a blank line comes a summary
//! ("Headers" and "Codes" sections with counts), parsed into
//! [`AddendaSummary`] and checked against the records.
//!
//! [`Addenda::apply`] turns the entries of release N-1 into release N and
//! [`Addenda::revert`] turns N back into N-1.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use chrono::NaiveDate;

use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::error::ImportError;
use crate::import::common::{bad_row, clean_description, parse_code_field, DuplicateCheck};

/// Which ICD-10 code set an order file or addenda belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IcdSet {
    /// ICD-10-CM (diagnoses).
    Cm,
    /// ICD-10-PCS (inpatient procedures).
    Pcs,
}

impl IcdSet {
    /// The code system of the set's entries.
    pub fn system(self) -> CodeSystem {
        match self {
            IcdSet::Cm => CodeSystem::Icd10Cm,
            IcdSet::Pcs => CodeSystem::Icd10Pcs,
        }
    }
}

/// Where the fields of a fixed-width record start (1-based columns).
struct Layout {
    /// Column of the one-character header flag, if the record has one.
    flag: Option<usize>,
    /// First column of the 7-character code field.
    code: usize,
    /// First column of the 60-character short title field.
    short: usize,
    /// First column of the long title (to the end of the line).
    long: usize,
}

const ORDER_LAYOUT: Layout = Layout {
    flag: Some(15),
    code: 7,
    short: 17,
    long: 78,
};
const CM_ADDENDA_LAYOUT: Layout = Layout {
    flag: Some(14),
    code: 16,
    short: 24,
    long: 85,
};
const PCS_ADDENDA_LAYOUT: Layout = Layout {
    flag: None,
    code: 14,
    short: 22,
    long: 83,
};

/// Characters `from..=to` (1-based) of `line`, or to the end when `to` is
/// `None`; `None` when the line is shorter than `from`.
fn cols(line: &str, from: usize, to: Option<usize>) -> Option<&str> {
    let start = byte_at(line, from - 1)?;
    let end = match to {
        Some(to) => byte_at(line, to).unwrap_or(line.len()),
        None => line.len(),
    };
    line.get(start..end)
}

/// The byte offset of the `n`th (0-based) character; `None` past the end.
fn byte_at(line: &str, n: usize) -> Option<usize> {
    if line.is_ascii() {
        (n < line.len()).then_some(n)
    } else {
        line.char_indices().nth(n).map(|(b, _)| b)
    }
}

fn col_range(from: usize, width: usize) -> String {
    format!("{}-{}", from, from + width - 1)
}

/// A parsed fixed-width record: the entry (titles with whitespace normalised)
/// and the titles exactly as written (only trimmed).
struct Record {
    entry: Entry,
    short_title: String,
    long_title: String,
}

/// Parses one fixed-width record of `layout` from `line`.
fn parse_record(
    system: CodeSystem,
    layout: &Layout,
    line: &str,
    file: &str,
    line_no: u64,
) -> Result<Record, ImportError> {
    let len = line.chars().count();
    if len < layout.long {
        return Err(bad_row(
            file,
            line_no,
            format!("{}", len + 1),
            format!(
                "the line is {len} characters long, too short for a record: the long title starts in column {} (layout: code in columns {}, short title in {}, long title from {})",
                layout.long,
                col_range(layout.code, 7),
                col_range(layout.short, 60),
                layout.long
            ),
        ));
    }
    let mut separators = vec![
        layout.code - 1,
        layout.code + 7,
        layout.short - 1,
        layout.long - 1,
    ];
    if let Some(f) = layout.flag {
        separators.push(f + 1);
    }
    for s in separators {
        if cols(line, s, Some(s)) != Some(" ") {
            return Err(bad_row(
                file,
                line_no,
                format!("{s}"),
                format!(
                    "expected a space in column {s} between fixed-width fields: check that the record is aligned (code in columns {}, short title in {}, long title from {})",
                    col_range(layout.code, 7),
                    col_range(layout.short, 60),
                    layout.long
                ),
            ));
        }
    }
    let code_col = col_range(layout.code, 7);
    let code_text = cols(line, layout.code, Some(layout.code + 6)).unwrap_or("");
    let code = parse_code_field(system, code_text.trim(), file, line_no, &code_col)?;
    let billable = match layout.flag {
        Some(f) => match cols(line, f, Some(f)) {
            Some("1") => true,
            Some("0") => false,
            other => {
                return Err(bad_row(
                    file,
                    line_no,
                    format!("{f}"),
                    format!(
                        "invalid header flag {:?}: use 1 (valid for billing) or 0 (header)",
                        other.unwrap_or("")
                    ),
                ))
            }
        },
        None => code.as_str().len() == 7,
    };
    let short_col = col_range(layout.short, 60);
    let short = cols(line, layout.short, Some(layout.short + 59))
        .unwrap_or("")
        .trim();
    let long = cols(line, layout.long, None).unwrap_or("").trim();
    if long.is_empty() {
        return Err(bad_row(
            file,
            line_no,
            format!("{}-", layout.long),
            "empty long title: every code needs a description",
        ));
    }
    if short.is_empty() {
        return Err(bad_row(
            file,
            line_no,
            short_col,
            "empty short title: every record carries an abbreviated title",
        ));
    }
    Ok(Record {
        entry: Entry::new(code, system, clean_description(long))
            .with_short_description(clean_description(short))
            .with_billable(billable),
        short_title: short.to_owned(),
        long_title: long.to_owned(),
    })
}

/// Calls `each(line_number, line)` for every line of `reader`, without its
/// line ending (LF or CRLF).
fn for_each_line<R: BufRead>(
    file: &str,
    mut reader: R,
    mut each: impl FnMut(u64, &str) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| ImportError::Io {
                path: file.into(),
                source,
            })?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        if buf.last() == Some(&b'\n') {
            buf.pop();
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        let line = std::str::from_utf8(&buf).map_err(|e| {
            bad_row(
                file,
                line_no,
                format!("{}", e.valid_up_to() + 1),
                "the line is not valid UTF-8: CMS files are ASCII; check the file is not damaged",
            )
        })?;
        each(line_no, line)?;
    }
}

/// Reads a CMS ICD-10 order file of `set` from `reader`; `name` names it in
/// error messages.
///
/// Lines holding only spaces carry no record and are skipped; every other line
/// must be a record.
///
/// # Errors
/// [`ImportError::BadRow`] with the line and column of a short line, a
/// misaligned field, a bad order number, code or flag, or an empty title;
/// [`ImportError::DuplicateCode`] for a code seen twice.
pub fn read_order_file<R: BufRead>(
    set: IcdSet,
    name: &str,
    reader: R,
) -> Result<Vec<Entry>, ImportError> {
    let system = set.system();
    let mut entries = Vec::new();
    let mut dups = DuplicateCheck::new();
    let mut last_order = 0u64;
    for_each_line(name, reader, |line_no, line| {
        if line.trim().is_empty() {
            return Ok(());
        }
        let number = cols(line, 1, Some(5)).unwrap_or("");
        let order = (number.len() == 5 && number.bytes().all(|b| b.is_ascii_digit()))
            .then(|| number.parse::<u64>().ok())
            .flatten()
            .ok_or_else(|| {
                bad_row(
                    name,
                    line_no,
                    "1-5",
                    format!("invalid order number {number:?}: an order-file record starts with a five-digit order number"),
                )
            })?;
        if order <= last_order {
            return Err(bad_row(
                name,
                line_no,
                "1-5",
                format!("order number {order} does not follow {last_order}: records must be in increasing order (is the file complete and unsorted?)"),
            ));
        }
        last_order = order;
        let entry = parse_record(system, &ORDER_LAYOUT, line, name, line_no)?.entry;
        dups.check(name, line_no, system, entry.code)?;
        entries.push(entry);
        Ok(())
    })?;
    Ok(entries)
}

/// Reads a CMS ICD-10 order file of `set` from a path.
///
/// # Errors
/// [`ImportError::Io`] when the file cannot be read, and those of
/// [`read_order_file`].
pub fn read_order_file_path(set: IcdSet, path: &Path) -> Result<Vec<Entry>, ImportError> {
    let f = File::open(path).map_err(|source| ImportError::Io {
        path: path.to_owned(),
        source,
    })?;
    read_order_file(set, &path.display().to_string(), BufReader::new(f))
}

/// The kind of an addenda line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// `Add:` a code (or header) new in this release.
    Add,
    /// `Delete:` a code no longer in this release.
    Delete,
    /// `Revise from:` the titles before a revision.
    ReviseFrom,
    /// `Revise to:` the titles after a revision.
    ReviseTo,
}

impl ChangeKind {
    /// The label as written in the file (`Add:`, `Delete:`, …).
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Add => "Add:",
            ChangeKind::Delete => "Delete:",
            ChangeKind::ReviseFrom => "Revise from:",
            ChangeKind::ReviseTo => "Revise to:",
        }
    }

    fn from_label(s: &str) -> Option<ChangeKind> {
        [
            ChangeKind::Add,
            ChangeKind::Delete,
            ChangeKind::ReviseFrom,
            ChangeKind::ReviseTo,
        ]
        .into_iter()
        .find(|k| k.label() == s)
    }
}

/// One change line of an addenda file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddendaRecord {
    /// 1-based line in the addenda file.
    pub line: u64,
    /// What the line does.
    pub kind: ChangeKind,
    /// The record as an entry (code, titles with whitespace normalised as
    /// in every importer, billable flag; no dates).
    pub entry: Entry,
    /// The short title exactly as written (trimmed).
    pub short_title: String,
    /// The long title exactly as written (trimmed).
    pub long_title: String,
}

/// Counts of changes of one kind of record (headers or codes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangeCounts {
    /// Records added.
    pub additions: u64,
    /// Records deleted.
    pub deletions: u64,
    /// Records whose titles were revised.
    pub revisions: u64,
    /// Revisions that changed both the long and the short title.
    pub revisions_both_titles: u64,
    /// Revisions that changed only the long title.
    pub revisions_long_title_only: u64,
    /// Revisions that changed only the short title.
    pub revisions_short_title_only: u64,
}

/// One section ("Headers" or "Codes") of an addenda summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryCounts {
    /// The previous release's order file, as named in the summary.
    pub previous_file: String,
    /// How many records of this kind the previous release has.
    pub previous: u64,
    /// This release's order file, as named in the summary.
    pub current_file: String,
    /// How many records of this kind this release has.
    pub current: u64,
    /// The changes between them.
    pub changes: ChangeCounts,
}

/// The summary at the end of an addenda file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddendaSummary {
    /// Counts for header records (flag 0: categories, PCS tables).
    pub headers: SummaryCounts,
    /// Counts for billable codes (flag 1).
    pub codes: SummaryCounts,
}

/// A revision: the same code with new titles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// The entry before.
    pub before: Entry,
    /// The entry after.
    pub after: Entry,
    /// Whether the long title changed as CMS counts it (exact text, so a
    /// change in spacing counts even though entries normalise spacing).
    pub long_title_changed: bool,
    /// Whether the short title changed as CMS counts it (exact text).
    pub short_title_changed: bool,
}

impl Revision {
    fn from_records(before: &AddendaRecord, after: &AddendaRecord) -> Revision {
        Revision {
            before: before.entry.clone(),
            after: after.entry.clone(),
            long_title_changed: before.long_title != after.long_title,
            short_title_changed: before.short_title != after.short_title,
        }
    }
}

/// What [`Addenda::apply`] or [`Addenda::revert`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeReport {
    /// Entries inserted (in addenda order).
    pub added: Vec<Entry>,
    /// Entries removed (in addenda order).
    pub deleted: Vec<Entry>,
    /// Entries whose titles changed (in addenda order).
    pub revised: Vec<Revision>,
}

impl ChangeReport {
    /// The counts for header (non-billable) records, comparable with
    /// [`SummaryCounts::changes`] of [`AddendaSummary::headers`].
    pub fn header_counts(&self) -> ChangeCounts {
        self.counts(false)
    }

    /// The counts for billable codes, comparable with
    /// [`SummaryCounts::changes`] of [`AddendaSummary::codes`].
    pub fn code_counts(&self) -> ChangeCounts {
        self.counts(true)
    }

    fn counts(&self, billable: bool) -> ChangeCounts {
        let mut c = ChangeCounts {
            additions: self.added.iter().filter(|e| e.billable == billable).count() as u64,
            deletions: self
                .deleted
                .iter()
                .filter(|e| e.billable == billable)
                .count() as u64,
            ..ChangeCounts::default()
        };
        for r in self
            .revised
            .iter()
            .filter(|r| r.before.billable == billable)
        {
            count_revision(&mut c, r);
        }
        c
    }
}

fn count_revision(c: &mut ChangeCounts, r: &Revision) {
    c.revisions += 1;
    match (r.long_title_changed, r.short_title_changed) {
        (true, true) => c.revisions_both_titles += 1,
        (true, false) => c.revisions_long_title_only += 1,
        (false, true) => c.revisions_short_title_only += 1,
        (false, false) => {}
    }
}

/// A parsed CMS ICD-10 order addenda file: the changes from release N-1 to N.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addenda {
    set: IcdSet,
    file: String,
    records: Vec<AddendaRecord>,
    summary: Option<AddendaSummary>,
}

/// A summary section being read.
#[derive(Default)]
struct PartialCounts {
    files: Vec<(u64, String)>,
    additions: Option<u64>,
    deletions: Option<u64>,
    revisions: Option<u64>,
    both: Option<u64>,
    long_only: Option<u64>,
    short_only: Option<u64>,
}

impl PartialCounts {
    fn finish(self, file: &str, section: &str) -> Result<SummaryCounts, ImportError> {
        let missing = |what: &str| {
            ImportError::BadFile {
            file: file.to_owned(),
            problem: format!(
                "the addenda summary section {section:?} has no {what:?} count: the summary is incomplete, use the complete CMS file"
            ),
        }
        };
        let [(previous, previous_file), (current, current_file)]: [(u64, String); 2] =
            self.files.try_into().map_err(|_| {
                missing(&format!(
                    "N {} in <order file>\" (twice: previous and current release",
                    section.to_lowercase()
                ))
            })?;
        Ok(SummaryCounts {
            previous_file,
            previous,
            current_file,
            current,
            changes: ChangeCounts {
                additions: self.additions.ok_or_else(|| missing("additions"))?,
                deletions: self.deletions.ok_or_else(|| missing("deletions"))?,
                revisions: self.revisions.ok_or_else(|| missing("revisions"))?,
                revisions_both_titles: self
                    .both
                    .ok_or_else(|| missing("revisions to both long and short titles"))?,
                revisions_long_title_only: self
                    .long_only
                    .ok_or_else(|| missing("revisions to long title only"))?,
                revisions_short_title_only: self
                    .short_only
                    .ok_or_else(|| missing("revisions to short title only"))?,
            },
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Headers,
    Codes,
}

impl Addenda {
    /// Parses an addenda file of `set` from `reader`; `name` names it in error
    /// messages.
    ///
    /// # Errors
    /// [`ImportError::BadRow`] with the line and column of an unknown line kind,
    /// a bad record (see [`read_order_file`]), a `Revise from:` without its
    /// `Revise to:`, a record after the summary or a summary line that is not
    /// understood; [`ImportError::BadFile`] when the summary is incomplete or
    /// its counts disagree with the records.
    pub fn parse<R: BufRead>(set: IcdSet, name: &str, reader: R) -> Result<Addenda, ImportError> {
        let system = set.system();
        let layout = match set {
            IcdSet::Cm => &CM_ADDENDA_LAYOUT,
            IcdSet::Pcs => &PCS_ADDENDA_LAYOUT,
        };
        let mut records: Vec<AddendaRecord> = Vec::new();
        let mut in_summary = false;
        let mut section: Option<Section> = None;
        let mut headers: Option<PartialCounts> = None;
        let mut codes: Option<PartialCounts> = None;
        for_each_line(name, reader, |line_no, line| {
            let kind_text = cols(line, 1, Some(13)).unwrap_or(line).trim_end();
            if let Some(kind) = ChangeKind::from_label(kind_text) {
                if in_summary {
                    return Err(bad_row(
                        name,
                        line_no,
                        "1-13",
                        format!(
                            "{} record after the summary: change records come before the blank line that starts the summary",
                            kind.label()
                        ),
                    ));
                }
                let Record {
                    entry,
                    short_title,
                    long_title,
                } = parse_record(system, layout, line, name, line_no)?;
                let prev = records.last();
                let pending_from = prev.filter(|r| r.kind == ChangeKind::ReviseFrom);
                match (kind, pending_from) {
                    (ChangeKind::ReviseTo, Some(from)) if from.entry.code == entry.code => {}
                    (ChangeKind::ReviseTo, _) => {
                        return Err(bad_row(
                            name,
                            line_no,
                            "1-13",
                            format!(
                                "\"Revise to:\" of {} does not follow a \"Revise from:\" line of the same code",
                                entry.code
                            ),
                        ))
                    }
                    (_, Some(from)) => {
                        return Err(bad_row(
                            name,
                            line_no,
                            "1-13",
                            format!(
                                "\"Revise from:\" of {} on line {} must be followed by its \"Revise to:\" line, found {:?}",
                                from.entry.code,
                                from.line,
                                kind.label()
                            ),
                        ))
                    }
                    _ => {}
                }
                records.push(AddendaRecord {
                    line: line_no,
                    kind,
                    entry,
                    short_title,
                    long_title,
                });
                return Ok(());
            }
            let text = line.trim();
            if !(in_summary || text.is_empty() || text == "Headers" || text == "Codes") {
                return Err(bad_row(
                    name,
                    line_no,
                    "1-13",
                    format!(
                        "unknown addenda line kind {kind_text:?}: a change line starts with \"Add:\", \"Delete:\", \"Revise from:\" or \"Revise to:\" in columns 1-13, and the summary follows a blank line"
                    ),
                ));
            }
            in_summary = true;
            match text {
                "" | "of which" => {
                    if text == "of which" && section.is_none() {
                        return Err(summary_error(name, line_no, text));
                    }
                    return Ok(());
                }
                "Headers" | "Codes" => {
                    let (sec, slot) = if text == "Headers" {
                        (Section::Headers, &mut headers)
                    } else {
                        (Section::Codes, &mut codes)
                    };
                    if slot.is_some() {
                        return Err(bad_row(
                            name,
                            line_no,
                            "1-",
                            format!("summary section {text:?} appears twice"),
                        ));
                    }
                    *slot = Some(PartialCounts::default());
                    section = Some(sec);
                    return Ok(());
                }
                _ => {}
            }
            let counts = match section {
                Some(Section::Headers) => headers.as_mut(),
                Some(Section::Codes) => codes.as_mut(),
                None => None,
            }
            .ok_or_else(|| summary_error(name, line_no, text))?;
            let (number, rest) = text.split_once(' ').unwrap_or((text, ""));
            let n: u64 = number
                .parse()
                .map_err(|_| summary_error(name, line_no, text))?;
            let rest = rest.trim_start();
            let unit = if section == Some(Section::Headers) {
                "headers in "
            } else {
                "codes in "
            };
            let slot = match rest {
                "additions" => &mut counts.additions,
                "deletions" => &mut counts.deletions,
                "revisions" => &mut counts.revisions,
                "revisions to both long and short titles" => &mut counts.both,
                "revisions to long title only" => &mut counts.long_only,
                "revisions to short title only" => &mut counts.short_only,
                r if r.starts_with(unit) && counts.files.len() < 2 => {
                    counts.files.push((n, r[unit.len()..].trim().to_owned()));
                    return Ok(());
                }
                _ => return Err(summary_error(name, line_no, text)),
            };
            if slot.is_some() {
                return Err(bad_row(
                    name,
                    line_no,
                    "1-",
                    format!("summary count {rest:?} appears twice in its section"),
                ));
            }
            *slot = Some(n);
            Ok(())
        })?;
        if let Some(from) = records.last().filter(|r| r.kind == ChangeKind::ReviseFrom) {
            return Err(bad_row(
                name,
                from.line,
                "1-13",
                format!(
                    "\"Revise from:\" of {} is the last record: its \"Revise to:\" line is missing",
                    from.entry.code
                ),
            ));
        }
        let summary = match (headers, codes) {
            (None, None) => None,
            (h, c) => Some(AddendaSummary {
                headers: h.unwrap_or_default().finish(name, "Headers")?,
                codes: c.unwrap_or_default().finish(name, "Codes")?,
            }),
        };
        let addenda = Addenda {
            set,
            file: name.to_owned(),
            records,
            summary,
        };
        addenda.check_summary()?;
        Ok(addenda)
    }

    /// Parses an addenda file of `set` from a path.
    ///
    /// # Errors
    /// [`ImportError::Io`] when the file cannot be read, and those of
    /// [`Addenda::parse`].
    pub fn from_path(set: IcdSet, path: &Path) -> Result<Addenda, ImportError> {
        let f = File::open(path).map_err(|source| ImportError::Io {
            path: path.to_owned(),
            source,
        })?;
        Addenda::parse(set, &path.display().to_string(), BufReader::new(f))
    }

    /// Parses an addenda file from any reader (convenience for `&[u8]`, files).
    ///
    /// # Errors
    /// As [`Addenda::parse`].
    pub fn from_reader<R: Read>(
        set: IcdSet,
        name: &str,
        reader: R,
    ) -> Result<Addenda, ImportError> {
        Addenda::parse(set, name, BufReader::new(reader))
    }

    /// Which code set the addenda belongs to.
    pub fn set(&self) -> IcdSet {
        self.set
    }

    /// The file name given when parsing.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Every change record, in file order.
    pub fn records(&self) -> &[AddendaRecord] {
        &self.records
    }

    /// The summary at the end of the file, when the file has one.
    pub fn summary(&self) -> Option<&AddendaSummary> {
        self.summary.as_ref()
    }

    /// The entries of every `Add:` line, in file order (including codes that
    /// are deleted and added again, e.g. when a code becomes a header).
    pub fn added(&self) -> impl Iterator<Item = &Entry> {
        self.of_kind(ChangeKind::Add)
    }

    /// The entries of every `Delete:` line, in file order.
    pub fn deleted(&self) -> impl Iterator<Item = &Entry> {
        self.of_kind(ChangeKind::Delete)
    }

    /// The revisions (`Revise from:` / `Revise to:` pairs), in file order.
    pub fn revisions(&self) -> impl Iterator<Item = Revision> + '_ {
        self.records
            .windows(2)
            .filter(|w| w[0].kind == ChangeKind::ReviseFrom && w[1].kind == ChangeKind::ReviseTo)
            .map(|w| Revision::from_records(&w[0], &w[1]))
    }

    /// The codes that are new in this release: added and not deleted by the
    /// same addenda (a code deleted and added again, such as B880 turning
    /// from a billable code into a header, existed before). A host can give
    /// these the release's effective date.
    pub fn new_codes(&self) -> Vec<Code> {
        let deleted: HashSet<Code> = self.deleted().map(|e| e.code).collect();
        self.added()
            .map(|e| e.code)
            .filter(|c| !deleted.contains(c))
            .collect()
    }

    /// The first day of the release this addenda leads to. ICD-10 releases are
    /// fiscal years: FY N takes effect on October 1 of N − 1. The year is read
    /// from the summary's current order-file name (`icd10cm_order_2026.txt`),
    /// else from the addenda's own file name.
    pub fn release_effective(&self) -> Option<NaiveDate> {
        let names = self
            .summary
            .iter()
            .map(|s| s.codes.current_file.as_str())
            .chain(std::iter::once(self.file.as_str()));
        names
            .filter_map(fiscal_year_in)
            .next()
            .and_then(|fy| NaiveDate::from_ymd_opt(fy - 1, 10, 1))
    }

    /// Sets the effective date of every code this release added (codes
    /// deleted and re-added, e.g. to change their header flag, existed before)
    /// to [`Addenda::release_effective`], on entries of this addenda's system
    /// that have no effective date yet. Returns how many entries it marked.
    pub fn mark_new_codes(&self, entries: &mut [Entry]) -> usize {
        let Some(day) = self.release_effective() else {
            return 0;
        };
        let system = self.set.system();
        let new: HashSet<Code> = self.new_codes().into_iter().collect();
        let mut n = 0;
        for e in entries.iter_mut() {
            if e.system == system && e.effective.is_none() && new.contains(&e.code) {
                e.effective = Some(day);
                n += 1;
            }
        }
        n
    }

    fn of_kind(&self, kind: ChangeKind) -> impl Iterator<Item = &Entry> {
        self.records
            .iter()
            .filter(move |r| r.kind == kind)
            .map(|r| &r.entry)
    }

    /// Checks the summary (when present) against the records: the change
    /// counts must equal those of the records, and previous + additions −
    /// deletions must equal current, for headers and for codes.
    fn check_summary(&self) -> Result<(), ImportError> {
        let Some(summary) = &self.summary else {
            return Ok(());
        };
        let report = ChangeReport {
            added: self.added().cloned().collect(),
            deleted: self.deleted().cloned().collect(),
            revised: self.revisions().collect(),
        };
        for (what, counts, found) in [
            ("Headers", &summary.headers, report.header_counts()),
            ("Codes", &summary.codes, report.code_counts()),
        ] {
            if counts.changes != found {
                return Err(ImportError::BadFile {
                    file: self.file.clone(),
                    problem: format!(
                        "the summary section {what:?} says {:?} but the change lines give {found:?}: the file is incomplete or edited",
                        counts.changes
                    ),
                });
            }
            let expected = counts.previous + counts.changes.additions;
            if expected.checked_sub(counts.changes.deletions) != Some(counts.current) {
                return Err(ImportError::BadFile {
                    file: self.file.clone(),
                    problem: format!(
                        "the summary section {what:?} is inconsistent: {} + {} additions - {} deletions is not {}",
                        counts.previous, counts.changes.additions, counts.changes.deletions, counts.current
                    ),
                });
            }
        }
        Ok(())
    }

    /// Applies the addenda to the entries of the previous release (N-1),
    /// giving release N and a report of what changed.
    ///
    /// Entries of other code systems pass through unchanged. Deletions and
    /// revisions are applied first, then additions (so a code deleted and
    /// added again, such as B880 becoming a header, works). A revised entry
    /// keeps its dates and action code. Added entries are placed in order:
    /// after the last entry that shares the longest code prefix with them and
    /// sorts before them (their parent or preceding sibling with its
    /// children), which keeps CMS tabular order.
    ///
    /// # Errors
    /// [`ImportError::AddendaConflict`] naming the addenda line when a deleted
    /// or revised code is missing or its titles or flag differ, or an added
    /// code is already present; [`ImportError::DuplicateEntry`] when `prev`
    /// holds a code twice.
    pub fn apply(&self, prev: Vec<Entry>) -> Result<(Vec<Entry>, ChangeReport), ImportError> {
        self.transform(prev, true)
    }

    /// Reverts the addenda: turns the entries of release N back into release
    /// N-1 (added codes removed, deleted codes restored, revisions undone).
    /// The report describes what the revert did (its `added` are the
    /// release's deletions, its `deleted` the release's additions, and its
    /// revisions go from the new titles to the old).
    ///
    /// # Errors
    /// As [`Addenda::apply`], with the roles of additions and deletions
    /// exchanged.
    pub fn revert(&self, next: Vec<Entry>) -> Result<(Vec<Entry>, ChangeReport), ImportError> {
        self.transform(next, false)
    }

    fn conflict(&self, rec: &AddendaRecord, problem: String) -> ImportError {
        ImportError::AddendaConflict {
            file: self.file.clone(),
            line: rec.line,
            code: rec.entry.code,
            system: self.set.system(),
            problem,
        }
    }

    fn transform(
        &self,
        mut entries: Vec<Entry>,
        forward: bool,
    ) -> Result<(Vec<Entry>, ChangeReport), ImportError> {
        let system = self.set.system();
        let (remove_kind, insert_kind) = if forward {
            (ChangeKind::Delete, ChangeKind::Add)
        } else {
            (ChangeKind::Add, ChangeKind::Delete)
        };
        let (release_from, release_to) = if forward {
            (
                "the previous release (apply the addenda to release N-1)",
                "this release",
            )
        } else {
            (
                "this release (revert the addenda from release N)",
                "the previous release",
            )
        };
        let mut index: HashMap<Code, usize> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            if e.system == system && index.insert(e.code, i).is_some() {
                return Err(ImportError::DuplicateEntry {
                    code: e.code,
                    system,
                });
            }
        }
        let mut report = ChangeReport::default();
        let mut removed = vec![false; entries.len()];
        let check_same = |rec: &AddendaRecord, found: &Entry| -> Result<(), ImportError> {
            if same_record(found, &rec.entry) {
                Ok(())
            } else {
                Err(self.conflict(
                    rec,
                    format!(
                        "{} names it with billable={} short title {:?} long title {:?}, but the entries have billable={} {:?} / {:?}: the entries are not {release_from}",
                        rec.kind.label(),
                        rec.entry.billable,
                        rec.entry.short_description,
                        rec.entry.description,
                        found.billable,
                        found.short_description,
                        found.description
                    ),
                ))
            }
        };
        for (pos, rec) in self.records.iter().enumerate() {
            let is_removal = rec.kind == remove_kind;
            let revision_old = if forward {
                ChangeKind::ReviseFrom
            } else {
                ChangeKind::ReviseTo
            };
            if !is_removal && rec.kind != revision_old {
                continue;
            }
            let Some(i) = index.remove(&rec.entry.code) else {
                return Err(self.conflict(
                    rec,
                    format!(
                        "{} names a code that is not in the entries (or is named twice): the entries are not {release_from}",
                        rec.kind.label()
                    ),
                ));
            };
            check_same(rec, &entries[i])?;
            if is_removal {
                removed[i] = true;
                report.deleted.push(entries[i].clone());
            } else {
                // The partner line: "Revise to:" follows "Revise from:".
                let partner_pos = if forward {
                    pos + 1
                } else {
                    pos.wrapping_sub(1)
                };
                let Some(new) = self.records.get(partner_pos) else {
                    return Err(self.conflict(rec, "revision without its partner line".into()));
                };
                let before = entries[i].clone();
                let mut after = before.clone();
                after.description.clone_from(&new.entry.description);
                after
                    .short_description
                    .clone_from(&new.entry.short_description);
                after.billable = new.entry.billable;
                entries[i] = after.clone();
                index.insert(rec.entry.code, i);
                report.revised.push(Revision {
                    before,
                    after,
                    long_title_changed: rec.long_title != new.long_title,
                    short_title_changed: rec.short_title != new.short_title,
                });
            }
        }
        if removed.iter().any(|&r| r) {
            let mut keep = removed.iter().map(|r| !r);
            entries.retain(|_| keep.next().unwrap_or(true));
        }
        let mut present: BTreeSet<Code> = entries
            .iter()
            .filter(|e| e.system == system)
            .map(|e| e.code)
            .collect();
        for rec in self.records.iter().filter(|r| r.kind == insert_kind) {
            if present.contains(&rec.entry.code) {
                return Err(self.conflict(
                    rec,
                    format!(
                        "{} names a code that is already in the entries (and not deleted by this addenda): it is new in {release_to}, so the entries are not {release_from}",
                        rec.kind.label()
                    ),
                ));
            }
            let at = insertion_index(&entries, &present, system, &rec.entry.code);
            entries.insert(at, rec.entry.clone());
            present.insert(rec.entry.code);
            report.added.push(rec.entry.clone());
        }
        Ok((entries, report))
    }
}

/// Whether two entries have the same code, titles and billable flag.
fn same_record(a: &Entry, b: &Entry) -> bool {
    a.code == b.code
        && a.system == b.system
        && a.billable == b.billable
        && a.description == b.description
        && a.short_description == b.short_description
}

fn summary_error(file: &str, line: u64, text: &str) -> ImportError {
    bad_row(
        file,
        line,
        "1-",
        format!(
            "summary line {text:?} is not understood: the summary has sections \"Headers\" and \"Codes\" with lines such as \"N codes in <file>\", \"N additions\", \"N deletions\", \"N revisions\", \"of which\", \"N revisions to long title only\""
        ),
    )
}

/// Where a new code goes: after the last entry (by position) of its system
/// that shares the longest code prefix with it and sorts before it; failing
/// that, before the first entry with that prefix; failing that, at the end.
///
/// `present` holds the codes of `system` in `entries`; the longest shared
/// prefix is that with the code's neighbours in code order.
fn insertion_index(
    entries: &[Entry],
    present: &BTreeSet<Code>,
    system: CodeSystem,
    code: &Code,
) -> usize {
    let nb = code.as_bytes();
    let lcp = |c: &Code| {
        c.as_bytes()
            .iter()
            .zip(nb)
            .take_while(|(a, b)| a == b)
            .count()
    };
    let before = present.range(..*code).next_back().map_or(0, lcp);
    let after = present.range(*code..).next().map_or(0, lcp);
    let prefix = &nb[..before.max(after)];
    let mut last_less: Option<usize> = None;
    let mut first_greater: Option<usize> = None;
    for (i, e) in entries.iter().enumerate() {
        let eb = e.code.as_bytes();
        if e.system != system || !eb.starts_with(prefix) {
            continue;
        }
        if eb < nb {
            last_less = Some(i);
        } else if first_greater.is_none() {
            first_greater = Some(i);
        }
    }
    match (last_less, first_greater) {
        (Some(i), _) => i + 1,
        (None, Some(j)) => j,
        (None, None) => entries.len(),
    }
}

/// The fiscal year named in a file name: its last run of four digits between
/// 2000 and 2099.
fn fiscal_year_in(name: &str) -> Option<i32> {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    file.as_bytes().windows(4).rev().find_map(|w| {
        let s = std::str::from_utf8(w).ok()?;
        let y: i32 = s.parse().ok()?;
        (s.bytes().all(|b| b.is_ascii_digit()) && (2000..2100).contains(&y)).then_some(y)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(code: &str) -> Entry {
        Entry::new(Code::parse(code).unwrap(), CodeSystem::Icd10Cm, code)
    }

    #[test]
    fn columns_are_one_based_and_char_aware() {
        assert_eq!(cols("abcdef", 2, Some(4)), Some("bcd"));
        assert_eq!(cols("abcdef", 5, Some(9)), Some("ef"));
        assert_eq!(cols("abcdef", 7, None), None);
        assert_eq!(cols("aé cd", 3, Some(3)), Some(" "));
        assert_eq!(cols("aé cd", 4, None), Some("cd"));
    }

    #[test]
    fn insertion_keeps_tabular_order() {
        let list: Vec<Entry> = ["C43", "C439", "C4A", "C4A0", "C44", "C449", "C50", "C509"]
            .iter()
            .map(|c| e(c))
            .collect();
        let present: BTreeSet<Code> = list.iter().map(|e| e.code).collect();
        let at = |c: &str| {
            insertion_index(
                &list,
                &present,
                CodeSystem::Icd10Cm,
                &Code::parse(c).unwrap(),
            )
        };
        assert_eq!(at("C4A1"), 4);
        assert_eq!(at("C4B"), 6);
        assert_eq!(at("C50A"), 8);
        assert_eq!(at("C42"), 0);
        assert_eq!(at("C440"), 5);
        assert_eq!(at("Z99"), 8);
    }

    #[test]
    fn parses_order_record() {
        let line = "00002 A000    1 Cholera due to Vibrio cholerae 01, biovar cholerae           Cholera due to Vibrio cholerae 01, biovar cholerae";
        let entry = parse_record(CodeSystem::Icd10Cm, &ORDER_LAYOUT, line, "f", 2)
            .unwrap()
            .entry;
        assert_eq!(entry.code.as_str(), "A000");
        assert!(entry.billable);
        assert_eq!(
            entry.short_description,
            "Cholera due to Vibrio cholerae 01, biovar cholerae"
        );
    }
}
