//! Addenda files: the change records (`Add:`, `Delete:`, `Revise from:`,
//! `Revise to:`) from one ICD-10 release to the next, and their summary.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use chrono::NaiveDate;

use super::apply::{ChangeReport, Revision};
use super::record::{
    cols, for_each_line, parse_record, Layout, Record, CM_ADDENDA_LAYOUT, PCS_ADDENDA_LAYOUT,
};
use super::IcdSet;
use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::error::ImportError;
use crate::import::common::{bad_row, open_source};

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

/// A parsed CMS ICD-10 order addenda file: the changes from release N-1 to N.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addenda {
    pub(super) set: IcdSet,
    pub(super) file: String,
    pub(super) records: Vec<AddendaRecord>,
    pub(super) summary: Option<AddendaSummary>,
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
    /// a bad record (see [`read_order_file`](super::read_order_file)), a
    /// `Revise from:` without its `Revise to:`, a record after the summary or
    /// a summary line that is not understood; [`ImportError::BadFile`] when
    /// the summary is incomplete or its counts disagree with the records.
    pub fn parse<R: BufRead>(set: IcdSet, name: &str, reader: R) -> Result<Addenda, ImportError> {
        let mut parser = Parser {
            name,
            system: set.system(),
            layout: match set {
                IcdSet::Cm => &CM_ADDENDA_LAYOUT,
                IcdSet::Pcs => &PCS_ADDENDA_LAYOUT,
            },
            records: Vec::new(),
            in_summary: false,
            section: None,
            headers: None,
            codes: None,
        };
        for_each_line(name, reader, |line_no, line| parser.line(line_no, line))?;
        parser.finish(set)
    }

    /// Parses an addenda file of `set` from a path.
    ///
    /// # Errors
    /// [`ImportError::Io`] when the file cannot be read, and those of
    /// [`Addenda::parse`].
    pub fn from_path(set: IcdSet, path: &Path) -> Result<Addenda, ImportError> {
        let (name, f) = open_source(path)?;
        Addenda::parse(set, &name, f)
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
}

/// An addenda file being read, line by line: change records, then (after a
/// blank line) the summary.
struct Parser<'a> {
    name: &'a str,
    system: CodeSystem,
    layout: &'static Layout,
    records: Vec<AddendaRecord>,
    in_summary: bool,
    section: Option<Section>,
    headers: Option<PartialCounts>,
    codes: Option<PartialCounts>,
}

impl Parser<'_> {
    fn line(&mut self, line_no: u64, line: &str) -> Result<(), ImportError> {
        let kind_text = cols(line, 1, Some(13)).unwrap_or(line).trim_end();
        if let Some(kind) = ChangeKind::from_label(kind_text) {
            return self.change(kind, line_no, line);
        }
        let text = line.trim();
        if !(self.in_summary || text.is_empty() || text == "Headers" || text == "Codes") {
            return Err(bad_row(
                self.name,
                line_no,
                "1-13",
                format!(
                    "unknown addenda line kind {kind_text:?}: a change line starts with \"Add:\", \"Delete:\", \"Revise from:\" or \"Revise to:\" in columns 1-13, and the summary follows a blank line"
                ),
            ));
        }
        self.in_summary = true;
        self.summary_line(line_no, text)
    }

    /// A change line: its record, which must not come after the summary and
    /// must keep `Revise from:` / `Revise to:` pairs together.
    fn change(&mut self, kind: ChangeKind, line_no: u64, line: &str) -> Result<(), ImportError> {
        let name = self.name;
        if self.in_summary {
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
        } = parse_record(self.system, self.layout, line, name, line_no)?;
        let pending_from = self
            .records
            .last()
            .filter(|r| r.kind == ChangeKind::ReviseFrom);
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
        self.records.push(AddendaRecord {
            line: line_no,
            kind,
            entry,
            short_title,
            long_title,
        });
        Ok(())
    }

    /// A line of the summary (already trimmed): blank, `of which`, a section
    /// title or a count.
    fn summary_line(&mut self, line_no: u64, text: &str) -> Result<(), ImportError> {
        let name = self.name;
        match text {
            "" => Ok(()),
            "of which" if self.section.is_some() => Ok(()),
            "of which" => Err(summary_error(name, line_no, text)),
            "Headers" | "Codes" => {
                let (sec, slot) = if text == "Headers" {
                    (Section::Headers, &mut self.headers)
                } else {
                    (Section::Codes, &mut self.codes)
                };
                fill_once(slot, PartialCounts::default(), name, line_no, || {
                    format!("summary section {text:?} appears twice")
                })?;
                self.section = Some(sec);
                Ok(())
            }
            _ => self.count_line(line_no, text),
        }
    }

    /// A count of the current summary section: `N additions`, `N codes in
    /// <file>`, ….
    fn count_line(&mut self, line_no: u64, text: &str) -> Result<(), ImportError> {
        let name = self.name;
        let section = self.section;
        let counts = match section {
            Some(Section::Headers) => self.headers.as_mut(),
            Some(Section::Codes) => self.codes.as_mut(),
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
        fill_once(slot, n, name, line_no, || {
            format!("summary count {rest:?} appears twice in its section")
        })
    }

    /// The addenda read, once every line is: no `Revise from:` left without
    /// its partner, the summary complete and agreeing with the records.
    fn finish(self, set: IcdSet) -> Result<Addenda, ImportError> {
        let name = self.name;
        if let Some(from) = self
            .records
            .last()
            .filter(|r| r.kind == ChangeKind::ReviseFrom)
        {
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
        let summary = match (self.headers, self.codes) {
            (None, None) => None,
            (h, c) => Some(AddendaSummary {
                headers: h.unwrap_or_default().finish(name, "Headers")?,
                codes: c.unwrap_or_default().finish(name, "Codes")?,
            }),
        };
        let addenda = Addenda {
            set,
            file: name.to_owned(),
            records: self.records,
            summary,
        };
        addenda.check_summary()?;
        Ok(addenda)
    }
}

/// Fills a summary slot that may be given once; a second time is an error
/// saying so (`twice`).
fn fill_once<T>(
    slot: &mut Option<T>,
    value: T,
    name: &str,
    line_no: u64,
    twice: impl FnOnce() -> String,
) -> Result<(), ImportError> {
    if slot.is_some() {
        return Err(bad_row(name, line_no, "1-", twice()));
    }
    *slot = Some(value);
    Ok(())
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

/// The fiscal year named in a file name: its last run of four digits between
/// 2000 and 2099.
pub(crate) fn fiscal_year_in(name: &str) -> Option<i32> {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    file.as_bytes().windows(4).rev().find_map(|w| {
        let s = std::str::from_utf8(w).ok()?;
        let y: i32 = s.parse().ok()?;
        (s.bytes().all(|b| b.is_ascii_digit()) && (2000..2100).contains(&y)).then_some(y)
    })
}
