//! Any delimited file (CSV, TSV, …) with a column mapping: a licensed CPT file,
//! a practice's list of custom codes, a payer's code list.
//!
//! A [`ColumnMapping`] says which column holds what; columns are named by
//! header name or by 0-based index. Fields may be quoted (`"Office visit, 15
//! min"`), as the `csv` crate reads them.
//!
//! # Example
//! ```
//! use procode_index::import::{read_mapped, Column, ColumnMapping};
//! use procode_index::CodeSystem;
//!
//! let csv = "\
//! Code,Name,Valid from,Active
//! X100,\"Intake assessment, 60 min\",2024-01-01,yes
//! x101,Follow-up,,no
//! ";
//! let mapping = ColumnMapping::new(CodeSystem::Custom, "Code", "Name")
//!     .with_effective("Valid from")
//!     .with_billable(Column::Index(3));
//! let entries = read_mapped(&mapping, "custom.csv", csv.as_bytes()).unwrap();
//! assert_eq!(entries.len(), 2);
//! assert_eq!(entries[0].description, "Intake assessment, 60 min");
//! assert_eq!(entries[1].code.as_str(), "X101");
//! assert!(!entries[1].billable);
//!
//! // Unknown column names are reported with the header that was found.
//! let bad = ColumnMapping::new(CodeSystem::Custom, "Kode", "Name");
//! let err = read_mapped(&bad, "custom.csv", csv.as_bytes()).unwrap_err();
//! assert!(err.to_string().contains("missing column \"Kode\""), "{err}");
//! ```

use std::io::Read;
use std::path::Path;

use chrono::NaiveDate;

use crate::code::CodeSystem;
use crate::entry::Entry;
use crate::error::{ColumnError, ImportError};
use crate::import::common::{
    bad_row, clean_description, csv_error, open_source, parse_code_field, parse_iso_date,
    parse_yyyymmdd, DuplicateCheck,
};

/// A column of a delimited file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// The column with this header name (exact match, or else a unique
    /// case-insensitive match). Needs a header row.
    Name(String),
    /// The column at this 0-based position.
    Index(usize),
}

impl From<&str> for Column {
    fn from(s: &str) -> Column {
        Column::Name(s.to_owned())
    }
}

impl From<String> for Column {
    fn from(s: String) -> Column {
        Column::Name(s)
    }
}

impl From<usize> for Column {
    fn from(i: usize) -> Column {
        Column::Index(i)
    }
}

/// Where the code system of each row comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SystemSource {
    /// Every row is of this system.
    Fixed(CodeSystem),
    /// A column names each row's system (`hcpcs`, `cpt`, `icd10cm`, … in any
    /// case).
    Column(Column),
}

/// How to read a delimited file: the delimiter, whether it has a header row,
/// and which column holds what. Build one with [`ColumnMapping::new`] and the
/// `with_*` methods, or fill in the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    /// The field delimiter; `None` picks it from the file name's extension
    /// (`.csv` comma, `.tsv`/`.tab` tab) or else from the first line (tab if it
    /// has one, else semicolon if it has one and no comma, else comma).
    pub delimiter: Option<u8>,
    /// Whether the first row is a header (default `true`). Without one,
    /// columns must be given by index.
    pub has_header: bool,
    /// The code column (required).
    pub code: Column,
    /// The code system: fixed, or read from a column.
    pub system: SystemSource,
    /// The (long) description column (required, non-empty).
    pub description: Column,
    /// The short description column; the description is used when absent or
    /// empty.
    pub short_description: Option<Column>,
    /// The effective (first valid day) column: `yyyy-mm-dd` or `yyyymmdd`,
    /// empty = none.
    pub effective: Option<Column>,
    /// The termination (last valid day) column, as `effective`.
    pub terminated: Option<Column>,
    /// The billable column: `1`/`0`, `true`/`false`, `yes`/`no`, `y`/`n` (any
    /// case); empty or absent = billable.
    pub billable: Option<Column>,
}

impl ColumnMapping {
    /// A mapping for a file with a header row whose codes are all of `system`,
    /// with the code and description in the given columns and the delimiter
    /// chosen automatically.
    pub fn new(
        system: CodeSystem,
        code: impl Into<Column>,
        description: impl Into<Column>,
    ) -> ColumnMapping {
        ColumnMapping {
            delimiter: None,
            has_header: true,
            code: code.into(),
            system: SystemSource::Fixed(system),
            description: description.into(),
            short_description: None,
            effective: None,
            terminated: None,
            billable: None,
        }
    }

    /// Sets the delimiter (e.g. `b','`, `b'\t'`, `b';'`).
    pub fn with_delimiter(mut self, delimiter: u8) -> ColumnMapping {
        self.delimiter = Some(delimiter);
        self
    }

    /// Says whether the first row is a header.
    pub fn with_header(mut self, has_header: bool) -> ColumnMapping {
        self.has_header = has_header;
        self
    }

    /// Reads each row's code system from a column instead of a fixed system.
    pub fn with_system_column(mut self, column: impl Into<Column>) -> ColumnMapping {
        self.system = SystemSource::Column(column.into());
        self
    }

    /// Sets the short description column.
    pub fn with_short_description(mut self, column: impl Into<Column>) -> ColumnMapping {
        self.short_description = Some(column.into());
        self
    }

    /// Sets the effective date column.
    pub fn with_effective(mut self, column: impl Into<Column>) -> ColumnMapping {
        self.effective = Some(column.into());
        self
    }

    /// Sets the termination date column.
    pub fn with_terminated(mut self, column: impl Into<Column>) -> ColumnMapping {
        self.terminated = Some(column.into());
        self
    }

    /// Sets the billable column.
    pub fn with_billable(mut self, column: impl Into<Column>) -> ColumnMapping {
        self.billable = Some(column.into());
        self
    }
}

/// Reads the delimited file at `path` with `mapping`.
///
/// # Errors
/// [`ImportError::Io`] when the file cannot be read, and those of
/// [`read_mapped`].
pub fn read_mapped_file(mapping: &ColumnMapping, path: &Path) -> Result<Vec<Entry>, ImportError> {
    let (name, f) = open_source(path)?;
    read_mapped(mapping, &name, f)
}

/// Reads a delimited file from `reader` with `mapping`; `name` names it in
/// error messages (and its extension may choose the delimiter).
///
/// Columns in row errors are header names, or 1-based column numbers for a
/// file without a header.
///
/// # Errors
/// [`ImportError::MissingColumn`] for a column name not in the header or an
/// index past the last column; [`ImportError::BadFile`] for a name used
/// without a header or an ambiguous name; [`ImportError::BadRow`] with the line
/// and column of a bad code, system, date or billable value, an empty
/// description, or a row with a different number of fields;
/// [`ImportError::DuplicateCode`] for a code seen twice within one system.
pub fn read_mapped<R: Read>(
    mapping: &ColumnMapping,
    name: &str,
    mut reader: R,
) -> Result<Vec<Entry>, ImportError> {
    let mut data = Vec::new();
    reader
        .read_to_end(&mut data)
        .map_err(|source| ImportError::Io {
            path: name.into(),
            source,
        })?;
    let delimiter = mapping
        .delimiter
        .unwrap_or_else(|| detect_delimiter(name, &data));
    let delimiter_name = delimiter_name(delimiter);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(mapping.has_header)
        .flexible(false)
        .from_reader(data.as_slice());
    let header: Option<Vec<String>> = if mapping.has_header {
        let h = rdr
            .headers()
            .map_err(|e| csv_error(name, e, &delimiter_name))?;
        Some(h.iter().map(|s| s.trim().to_owned()).collect())
    } else {
        None
    };
    let mut resolver = Resolver {
        file: name,
        header: header.as_deref(),
        width: header.as_ref().map(Vec::len),
    };
    let mut dups = DuplicateCheck::new();
    let mut entries = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut cols: Option<Resolved> = None;
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(name, e, &delimiter_name)),
        }
        if resolver.width.is_none() {
            resolver.width = Some(record.len());
        }
        let c = match &cols {
            Some(c) => c,
            None => cols.insert(resolver.resolve(mapping)?),
        };
        let row = Row {
            file: name,
            header: header.as_deref(),
            record: &record,
            line: record.position().map(|p| p.line()).unwrap_or(0),
        };
        entries.push(row.entry(c, &mut dups)?);
    }
    Ok(entries)
}

/// How a delimiter is named in error messages.
fn delimiter_name(delimiter: u8) -> String {
    match delimiter {
        b'\t' => "tab".to_owned(),
        b',' => "comma".to_owned(),
        b';' => "semicolon".to_owned(),
        b'|' => "pipe".to_owned(),
        other => format!("{:?}", char::from(other)),
    }
}

/// One data row of a mapped file, with what names it in errors.
struct Row<'a> {
    file: &'a str,
    header: Option<&'a [String]>,
    record: &'a csv::StringRecord,
    line: u64,
}

impl Row<'_> {
    /// Column `i` as errors name it: its header name, or its 1-based number.
    fn label(&self, i: usize) -> String {
        match self.header {
            Some(h) => h.get(i).cloned().unwrap_or_else(|| format!("{}", i + 1)),
            None => format!("{}", i + 1),
        }
    }

    fn field(&self, i: usize) -> &str {
        self.record.get(i).unwrap_or("").trim()
    }

    fn bad(&self, i: usize, problem: impl Into<String>) -> ImportError {
        bad_row(self.file, self.line, self.label(i), problem)
    }

    /// The row's entry (its code checked against `dups`).
    fn entry(&self, c: &Resolved, dups: &mut DuplicateCheck) -> Result<Entry, ImportError> {
        let system = match c.system {
            Ok(fixed) => fixed,
            Err(i) => self
                .field(i)
                .parse::<CodeSystem>()
                .map_err(|e| self.bad(i, e.to_string()))?,
        };
        let (file, line) = (self.file, self.line);
        let code = parse_code_field(system, self.field(c.code), file, line, &self.label(c.code))?;
        dups.check(file, line, system, code)?;
        let description = clean_description(self.field(c.description));
        if description.is_empty() {
            return Err(self.bad(
                c.description,
                "empty description: every code needs a description",
            ));
        }
        let short = c
            .short
            .map(|i| clean_description(self.field(i)))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| description.clone());
        let date = |col: Option<usize>| -> Result<Option<NaiveDate>, ImportError> {
            match col {
                None => Ok(None),
                Some(i) => parse_any_date(self.field(i)).map_err(|p| self.bad(i, p)),
            }
        };
        let effective = date(c.effective)?;
        let terminated = date(c.terminated)?;
        let billable = match c.billable {
            None => true,
            Some(i) => parse_billable(self.field(i)).map_err(|p| self.bad(i, p))?,
        };
        Ok(Entry::new(code, system, description)
            .with_short_description(short)
            .with_effective(effective)
            .with_terminated(terminated)
            .with_billable(billable))
    }
}

/// Column positions of a mapping; `system` is the fixed system or the column.
struct Resolved {
    system: Result<CodeSystem, usize>,
    code: usize,
    description: usize,
    short: Option<usize>,
    effective: Option<usize>,
    terminated: Option<usize>,
    billable: Option<usize>,
}

struct Resolver<'a> {
    file: &'a str,
    header: Option<&'a [String]>,
    width: Option<usize>,
}

impl Resolver<'_> {
    fn resolve(&self, m: &ColumnMapping) -> Result<Resolved, ImportError> {
        let opt = |c: &Option<Column>| c.as_ref().map(|c| self.column(c)).transpose();
        Ok(Resolved {
            system: match &m.system {
                SystemSource::Fixed(s) => Ok(*s),
                SystemSource::Column(c) => Err(self.column(c)?),
            },
            code: self.column(&m.code)?,
            description: self.column(&m.description)?,
            short: opt(&m.short_description)?,
            effective: opt(&m.effective)?,
            terminated: opt(&m.terminated)?,
            billable: opt(&m.billable)?,
        })
    }

    fn found(&self) -> String {
        match self.header {
            Some(h) => h.join(", "),
            None => format!(
                "no header, {} columns",
                self.width.map_or("?".to_owned(), |w| w.to_string())
            ),
        }
    }

    fn column(&self, c: &Column) -> Result<usize, ImportError> {
        match c {
            Column::Index(i) => match self.width {
                Some(w) if *i < w => Ok(*i),
                _ => Err(ImportError::MissingColumn(ColumnError::new(
                    self.file,
                    format!(
                        "index {i} (0-based; the file has {} columns)",
                        self.width.unwrap_or(0)
                    ),
                    self.found(),
                ))),
            },
            Column::Name(n) => {
                let Some(header) = self.header else {
                    return Err(ImportError::BadFile {
                        file: self.file.to_owned(),
                        problem: format!(
                            "the mapping names column {n:?} but says the file has no header row: give columns by 0-based index, or set has_header"
                        ),
                    });
                };
                if let Some(i) = header.iter().position(|h| h == n.trim()) {
                    return Ok(i);
                }
                let matches: Vec<usize> = header
                    .iter()
                    .enumerate()
                    .filter(|(_, h)| h.eq_ignore_ascii_case(n.trim()))
                    .map(|(i, _)| i)
                    .collect();
                match matches.as_slice() {
                    [i] => Ok(*i),
                    [] => Err(ImportError::MissingColumn(ColumnError::new(
                        self.file,
                        n.as_str(),
                        self.found(),
                    ))),
                    _ => Err(ImportError::BadFile {
                        file: self.file.to_owned(),
                        problem: format!(
                            "column name {n:?} matches several header columns when case is ignored: spell it exactly or give its 0-based index"
                        ),
                    }),
                }
            }
        }
    }
}

/// The delimiter of a file, from its name's extension or its first line.
fn detect_delimiter(name: &str, data: &[u8]) -> u8 {
    let ext = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("csv") => b',',
        Some("tsv") | Some("tab") => b'\t',
        _ => {
            let first = data.split(|&b| b == b'\n').next().unwrap_or_default();
            if first.contains(&b'\t') {
                b'\t'
            } else if first.contains(&b';') && !first.contains(&b',') {
                b';'
            } else {
                b','
            }
        }
    }
}

/// `yyyy-mm-dd` or `yyyymmdd`; empty = none.
fn parse_any_date(text: &str) -> Result<Option<NaiveDate>, String> {
    if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        parse_yyyymmdd(text)
    } else {
        parse_iso_date(text)
    }
}

/// A billable value in the usual spellings; empty = billable.
fn parse_billable(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "" | "1" | "y" | "yes" | "true" => Ok(true),
        "0" | "n" | "no" | "false" => Ok(false),
        _ => Err(format!(
            "invalid billable value {text:?}: use 1/0, yes/no, y/n or true/false (empty means billable)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_detection() {
        assert_eq!(detect_delimiter("a.CSV", b"a\tb"), b',');
        assert_eq!(detect_delimiter("a.tsv", b"a,b"), b'\t');
        assert_eq!(detect_delimiter("a.txt", b"a\tb\n"), b'\t');
        assert_eq!(detect_delimiter("list", b"a;b\n"), b';');
        assert_eq!(detect_delimiter("list", b"a,b;c\n"), b',');
    }

    #[test]
    fn dates_and_flags() {
        assert_eq!(
            parse_any_date("20240101").unwrap(),
            NaiveDate::from_ymd_opt(2024, 1, 1)
        );
        assert_eq!(
            parse_any_date("2024-01-01").unwrap(),
            NaiveDate::from_ymd_opt(2024, 1, 1)
        );
        assert!(parse_any_date("01/01/2024").is_err());
        assert!(parse_billable("Yes").unwrap());
        assert!(!parse_billable("FALSE").unwrap());
        assert!(parse_billable("maybe").is_err());
    }

    #[test]
    fn system_column_without_header() {
        let data = "cpt\t99213\tOffice visit\ncustom\tX1\tIntake\nloinc\t1234\tNope\n";
        let m = ColumnMapping::new(CodeSystem::Custom, 1usize, 2usize)
            .with_header(false)
            .with_system_column(0usize);
        let err = read_mapped(&m, "codes.tsv", data.as_bytes()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("codes.tsv:3: column 1: unknown code system"),
            "{err}"
        );
        let first_two: String = data.lines().take(2).map(|l| format!("{l}\n")).collect();
        let ok = read_mapped(&m, "codes.tsv", first_two.as_bytes()).unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].system, CodeSystem::Cpt);
        let named = ColumnMapping::new(CodeSystem::Custom, "code", 2usize).with_header(false);
        assert!(matches!(
            read_mapped(&named, "codes.tsv", data.as_bytes()),
            Err(ImportError::BadFile { .. })
        ));
        let far = ColumnMapping::new(CodeSystem::Custom, 1usize, 9usize).with_header(false);
        let e = read_mapped(&far, "codes.tsv", data.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("index 9"), "{e}");
    }
}
