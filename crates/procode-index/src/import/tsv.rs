//! The normalised code-set TSVs of the procode data directory
//! (`hcpcs_level2.tsv`, `modifiers.tsv`, `icd10cm.tsv`, `icd10pcs.tsv`,
//! `place_of_service.tsv`; their layout is described in the data set's
//! `SOURCES.md`).
//!
//! Every file is UTF-8, tab-separated, with one header row and no quoting. The
//! header must name exactly the file's columns (in any order); a missing or an
//! unexpected column is an error, as is every bad data row. Nothing is
//! skipped: each data row becomes one [`Entry`] or an error.

use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use crate::code::CodeSystem;
use crate::entry::Entry;
use crate::error::{ImportError, UnknownName};
use crate::import::common::{
    bad_row, column_index, csv_error, open_source, parse_action, parse_code_field, parse_flag01,
    parse_iso_date, DuplicateCheck,
};

/// One of the normalised TSV files of a procode data directory.
///
/// Named by a user (CLI `--include`, Python `include=`) case-insensitively as
/// `hcpcs`, `modifiers` (or `modifier`), `pos` (or `place_of_service`),
/// `icd10cm` or `icd10pcs`.
///
/// # Example
/// ```
/// use procode_index::import::StdFile;
/// assert_eq!("POS".parse::<StdFile>(), Ok(StdFile::PlaceOfService));
/// assert_eq!(StdFile::PlaceOfService.file_name(), "place_of_service.tsv");
/// let e = "loinc".parse::<StdFile>().unwrap_err();
/// assert_eq!(e.to_string(), "unknown data file \"loinc\": use hcpcs, modifiers, pos, icd10cm or icd10pcs");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StdFile {
    /// `hcpcs_level2.tsv`: HCPCS Level II codes ([`CodeSystem::Hcpcs`]).
    Hcpcs,
    /// `modifiers.tsv`: HCPCS Level II modifiers ([`CodeSystem::Modifier`]).
    Modifiers,
    /// `icd10cm.tsv`: ICD-10-CM diagnoses ([`CodeSystem::Icd10Cm`]).
    Icd10Cm,
    /// `icd10pcs.tsv`: ICD-10-PCS procedures ([`CodeSystem::Icd10Pcs`]).
    Icd10Pcs,
    /// `place_of_service.tsv`: CMS place-of-service codes ([`CodeSystem::Pos`]).
    PlaceOfService,
}

impl FromStr for StdFile {
    type Err = UnknownName;

    fn from_str(name: &str) -> Result<StdFile, UnknownName> {
        match name.trim().to_ascii_lowercase().as_str() {
            "hcpcs" => Ok(StdFile::Hcpcs),
            "modifiers" | "modifier" => Ok(StdFile::Modifiers),
            "pos" | "place_of_service" => Ok(StdFile::PlaceOfService),
            "icd10cm" => Ok(StdFile::Icd10Cm),
            "icd10pcs" => Ok(StdFile::Icd10Pcs),
            _ => Err(UnknownName::new(
                "data file",
                name,
                "hcpcs, modifiers, pos, icd10cm or icd10pcs",
            )),
        }
    }
}

/// Columns of `hcpcs_level2.tsv` and `modifiers.tsv`.
const HCPCS_COLUMNS: &[&str] = &[
    "code",
    "short_description",
    "long_description",
    "effective_date",
    "termination_date",
    "action_effective_date",
    "action_code",
];
/// Columns of `icd10cm.tsv` and `icd10pcs.tsv`.
const ICD_COLUMNS: &[&str] = &["code", "description", "billable", "short_description"];
/// Columns of `place_of_service.tsv`.
const POS_COLUMNS: &[&str] = &["code", "name", "description"];

impl StdFile {
    /// All five files.
    pub const ALL: &'static [StdFile] = &[
        StdFile::Hcpcs,
        StdFile::Modifiers,
        StdFile::Icd10Cm,
        StdFile::Icd10Pcs,
        StdFile::PlaceOfService,
    ];

    /// The files compiled into the embedded default catalog: HCPCS Level II,
    /// modifiers, place of service and ICD-10-CM.
    pub const DEFAULT_EMBEDDED: &'static [StdFile] = &[
        StdFile::Hcpcs,
        StdFile::Modifiers,
        StdFile::PlaceOfService,
        StdFile::Icd10Cm,
    ];

    /// The file name inside the data directory.
    pub fn file_name(self) -> &'static str {
        match self {
            StdFile::Hcpcs => "hcpcs_level2.tsv",
            StdFile::Modifiers => "modifiers.tsv",
            StdFile::Icd10Cm => "icd10cm.tsv",
            StdFile::Icd10Pcs => "icd10pcs.tsv",
            StdFile::PlaceOfService => "place_of_service.tsv",
        }
    }

    /// The code system of the file's entries.
    pub fn system(self) -> CodeSystem {
        match self {
            StdFile::Hcpcs => CodeSystem::Hcpcs,
            StdFile::Modifiers => CodeSystem::Modifier,
            StdFile::Icd10Cm => CodeSystem::Icd10Cm,
            StdFile::Icd10Pcs => CodeSystem::Icd10Pcs,
            StdFile::PlaceOfService => CodeSystem::Pos,
        }
    }

    /// The header columns the file must have (exactly these, in any order).
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            StdFile::Hcpcs | StdFile::Modifiers => HCPCS_COLUMNS,
            StdFile::Icd10Cm | StdFile::Icd10Pcs => ICD_COLUMNS,
            StdFile::PlaceOfService => POS_COLUMNS,
        }
    }
}

/// Reads the files `which` from the data directory `dir` and returns their
/// entries, file after file in the order given (a file listed twice is read
/// once), each file in its row order. The files are parsed in parallel (one
/// thread each); the result, and the error when several files are bad (the
/// first bad file's, in the order given), are those of reading them one
/// after the other.
///
/// When [`StdFile::Hcpcs`] is read and the directory holds the list of
/// quality-data reporting codes
/// ([`reporting::LIST_FILE`](crate::reporting::LIST_FILE),
/// `hcpcs_reporting.tsv`), the HCPCS entries it lists are marked
/// [`Entry::reporting`] (the TSV has no column that says so; see
/// [`crate::reporting`]). Without the list no entry is marked.
///
/// # Errors
/// [`ImportError::Io`] when a file cannot be opened or read, every error
/// of [`read_std_tsv`], and those of
/// [`read_reporting_list`](crate::reporting::read_reporting_list).
pub fn load_data_dir(dir: &Path, which: &[StdFile]) -> Result<Vec<Entry>, ImportError> {
    let mut files: Vec<StdFile> = Vec::with_capacity(which.len());
    for &file in which {
        if !files.contains(&file) {
            files.push(file);
        }
    }
    let read = |file: StdFile| read_std_tsv_path(file, &dir.join(file.file_name()));
    let parts: Vec<Result<Vec<Entry>, ImportError>> = match files.as_slice() {
        [one] => vec![read(*one)],
        _ => std::thread::scope(|s| {
            let handles: Vec<_> = files
                .iter()
                .map(|&file| s.spawn(move || read(file)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        }),
    };
    let mut entries = Vec::with_capacity(parts.iter().flatten().map(Vec::len).sum());
    for part in parts {
        entries.extend(part?);
    }
    let list = dir.join(crate::reporting::LIST_FILE);
    if files.contains(&StdFile::Hcpcs) && list.is_file() {
        let text = std::fs::read_to_string(&list).map_err(|source| ImportError::Io {
            path: list.clone(),
            source,
        })?;
        let codes = crate::reporting::read_reporting_list(&list.display().to_string(), &text)?;
        crate::reporting::mark_reporting(&mut entries, &codes);
    }
    Ok(entries)
}

/// Reads the normalised TSV of layout `file` at `path` (whatever its name).
///
/// # Errors
/// [`ImportError::Io`] when the file cannot be opened or read, and every
/// error of [`read_std_tsv`].
pub fn read_std_tsv_path(file: StdFile, path: &Path) -> Result<Vec<Entry>, ImportError> {
    let (name, f) = open_source(path)?;
    read_std_tsv(file, &name, f)
}

/// Reads one normalised TSV (`file` says which layout) from `reader`; `name`
/// names it in error messages.
///
/// Field mapping:
/// * HCPCS and modifiers: `long_description` → [`Entry::description`],
///   `short_description` → [`Entry::short_description`] (the long one when
///   empty), `effective_date` → `effective`, `termination_date` →
///   `terminated`, `action_code` → `action`; `action_effective_date` is
///   checked to be a valid date but not stored (entries have no field for it).
///   Every entry is billable.
/// * ICD-10-CM / ICD-10-PCS: `description`, `short_description` and
///   `billable` (`1` or `0`); no dates (the release date is not in the file).
/// * Place of service: `name` (e.g. "Office") → both `description` and
///   `short_description`: the name is what a claim line shows and what a
///   search for "office" should rank first. The CMS definition (`description`
///   column) is reference text; it must be present as a column but is not
///   stored.
///
/// # Errors
/// [`ImportError::MissingColumn`] for a missing header column,
/// [`ImportError::BadRow`] (line 1) for an unexpected or repeated one,
/// [`ImportError::BadRow`] with the line and column of a bad field (invalid
/// code, date, flag, action code, empty description, wrong field count),
/// [`ImportError::DuplicateCode`] for a code seen twice.
pub fn read_std_tsv<R: Read>(
    file: StdFile,
    name: &str,
    mut reader: R,
) -> Result<Vec<Entry>, ImportError> {
    let mut bytes = Vec::new();
    if let Err(e) = reader.read_to_end(&mut bytes) {
        // The `csv` reader meets the error where the input has it: after the
        // rows before it (and their errors).
        return read_with_csv(file, name, bytes.as_slice().chain(FailingReader(Some(e))));
    }
    match std::str::from_utf8(&bytes).ok().and_then(PlainTsv::new) {
        Some(plain) => match plain.read(file, name) {
            Some(result) => result,
            None => read_with_csv(file, name, bytes.as_slice()),
        },
        None => read_with_csv(file, name, bytes.as_slice()),
    }
}

/// A reader that fails with its error (once), then reads nothing.
struct FailingReader(Option<std::io::Error>);

impl Read for FailingReader {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        self.0.take().map_or(Ok(0), Err)
    }
}

/// A TSV whose reading by the `csv` crate (tab-separated, no quoting) is
/// plain: valid UTF-8, lines ended by `\n` alone (no `\r` anywhere), no byte
/// order mark, no empty line but a last `\n`. There each line is one record,
/// its fields are the line split at every tab, and a line's number in errors
/// is its place in the file. [`PlainTsv::read`] splits the lines itself (a
/// few times faster than the general reader) and gives up, reading nothing
/// further, at a line the `csv` reader would read otherwise (empty, or with
/// a field count other than the header's), so that [`read_std_tsv`] reads
/// the whole input again with the `csv` reader and its result, errors
/// included, is that reader's in every case.
struct PlainTsv<'a> {
    /// The header line.
    header: &'a str,
    /// The text after the header line.
    rows: &'a str,
}

impl<'a> PlainTsv<'a> {
    /// The header and rows of `text`, or `None` when it is not plain (see
    /// [`PlainTsv`]).
    fn new(text: &'a str) -> Option<PlainTsv<'a>> {
        if text.starts_with('\u{feff}') || memchr::memchr(b'\r', text.as_bytes()).is_some() {
            return None;
        }
        let (header, rows) = text.split_once('\n').unwrap_or((text, ""));
        (!header.is_empty()).then_some(PlainTsv { header, rows })
    }

    /// The entries of the rows, as [`read_with_csv`] gives them; `None` at
    /// the first line the `csv` reader would read differently.
    fn read(&self, file: StdFile, name: &str) -> Option<Result<Vec<Entry>, ImportError>> {
        let header = csv::StringRecord::from(self.header.split('\t').collect::<Vec<&str>>());
        let idx = match header_indices(file, name, &header) {
            Ok(idx) => idx,
            Err(e) => return Some(Err(e)),
        };
        // At most the file's columns (header_indices refuses any other).
        let n_fields = header.len();
        let mut fields = [""; 8];
        if n_fields > fields.len() {
            return None;
        }
        let bytes = self.rows.as_bytes();
        let n_rows = memchr::memchr_iter(b'\n', bytes).count() + 1;
        let mut entries = Vec::with_capacity(n_rows);
        let mut dups = DuplicateCheck::with_capacity(n_rows);
        let mut line_no = 1u64;
        // Every tab and newline, in order; the text ends the last line.
        let last_line_open = !bytes.is_empty() && !bytes.ends_with(b"\n");
        let cuts = memchr::memchr2_iter(b'\t', b'\n', bytes)
            .map(|at| (at, bytes[at] == b'\n'))
            .chain(last_line_open.then_some((bytes.len(), true)));
        let mut start = 0;
        let mut n = 0;
        for (at, line_ends) in cuts {
            if n == n_fields {
                return None;
            }
            fields[n] = &self.rows[start..at];
            n += 1;
            start = at + 1;
            if !line_ends {
                continue;
            }
            line_no += 1;
            // An empty line: the csv reader skips it. A field count other
            // than the header's: the csv reader reports it.
            if n != n_fields || (n == 1 && fields[0].is_empty()) {
                return None;
            }
            n = 0;
            let field = |i: usize| fields[idx[i]];
            match row_entry(file, name, line_no, field, &mut dups) {
                Ok(entry) => entries.push(entry),
                Err(e) => return Some(Err(e)),
            }
        }
        Some(Ok(entries))
    }
}

/// [`read_std_tsv`] by the `csv` crate's reader: every input, plain or not.
fn read_with_csv<R: Read>(file: StdFile, name: &str, reader: R) -> Result<Vec<Entry>, ImportError> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .flexible(false)
        .has_headers(true)
        .from_reader(reader);
    let header = rdr
        .headers()
        .map_err(|e| csv_error(name, e, "tab"))?
        .clone();
    let idx = header_indices(file, name, &header)?;
    let mut dups = DuplicateCheck::new();
    let mut entries = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(name, e, "tab")),
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let field = |i: usize| record.get(idx[i]).unwrap_or("");
        entries.push(row_entry(file, name, line, field, &mut dups)?);
    }
    Ok(entries)
}

/// The entry of one data row of `file` (line `line` of `name`), whose
/// field of the `i`th column of [`StdFile::columns`] is `field(i)`.
fn row_entry<'r>(
    file: StdFile,
    name: &str,
    line: u64,
    field: impl Fn(usize) -> &'r str,
    dups: &mut DuplicateCheck,
) -> Result<Entry, ImportError> {
    let system = file.system();
    let cols = file.columns();
    let code = parse_code_field(system, field(0), name, line, cols[0])?;
    dups.check(name, line, system, code)?;
    Ok(match file {
        StdFile::Hcpcs | StdFile::Modifiers => {
            let long = required_text(field(2), name, line, cols[2])?;
            let short = field(1);
            let date =
                |i: usize| parse_iso_date(field(i)).map_err(|p| bad_row(name, line, cols[i], p));
            let effective = date(3)?;
            let terminated = date(4)?;
            date(5)?;
            let action = parse_action(field(6)).map_err(|p| bad_row(name, line, cols[6], p))?;
            Entry::from_descriptions(code, system, long.into(), or_default(short, long).into())
                .with_effective(effective)
                .with_terminated(terminated)
                .with_action(action)
        }
        StdFile::Icd10Cm | StdFile::Icd10Pcs => {
            let description = required_text(field(1), name, line, cols[1])?;
            let billable = parse_flag01(field(2)).map_err(|p| bad_row(name, line, cols[2], p))?;
            Entry::from_descriptions(
                code,
                system,
                description.into(),
                or_default(field(3), description).into(),
            )
            .with_billable(billable)
        }
        StdFile::PlaceOfService => {
            let pos_name = required_text(field(1), name, line, cols[1])?;
            Entry::new(code, system, pos_name)
        }
    })
}

/// The position in the header of each of `file`'s columns (in
/// [`StdFile::columns`] order).
fn header_indices(
    file: StdFile,
    name: &str,
    header: &csv::StringRecord,
) -> Result<Vec<usize>, ImportError> {
    let cols = file.columns();
    for (i, h) in header.iter().enumerate() {
        if !cols.contains(&h) {
            return Err(bad_row(
                name,
                1,
                format!("{}", i + 1),
                format!(
                    "unexpected column {h:?} in the header of {}: its columns are {}",
                    file.file_name(),
                    cols.join(", ")
                ),
            ));
        }
        if header.iter().take(i).any(|prev| prev == h) {
            return Err(bad_row(
                name,
                1,
                format!("{}", i + 1),
                format!("column {h:?} appears twice in the header: keep one"),
            ));
        }
    }
    let names: Vec<&str> = header.iter().collect();
    cols.iter().map(|c| column_index(name, &names, c)).collect()
}

/// A description field that must not be empty.
fn required_text<'a>(
    text: &'a str,
    file: &str,
    line: u64,
    column: &str,
) -> Result<&'a str, ImportError> {
    if text.trim().is_empty() {
        Err(bad_row(
            file,
            line,
            column,
            format!("empty {column}: every code needs a description"),
        ))
    } else {
        Ok(text)
    }
}

/// `text`, or `default` when `text` is empty.
fn or_default<'a>(text: &'a str, default: &'a str) -> &'a str {
    if text.trim().is_empty() {
        default
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ICD: &str = "code\tdescription\tbillable\tshort_description\n";
    const HCPCS: &str = "code\tshort_description\tlong_description\teffective_date\t\
                         termination_date\taction_effective_date\taction_code\n";

    /// The result of reading `text`, entries or the error's message.
    fn outcome(r: Result<Vec<Entry>, ImportError>) -> Result<Vec<Entry>, String> {
        r.map_err(|e| e.to_string())
    }

    /// Reading any input gives what the `csv` reader gives: the plain ones
    /// through [`PlainTsv`], the others through the `csv` reader itself.
    #[test]
    fn the_plain_reading_is_the_csv_readers() {
        let inputs = [
            // Plain.
            format!("{ICD}F41\tOther anxiety disorders\t0\tOther anxiety\nF411\tGAD\t1\t\n"),
            format!("{ICD}F41\tOther anxiety disorders\t0\tOther anxiety"),
            ICD.to_string(),
            ICD.trim_end().to_string(),
            "billable\tcode\tshort_description\tdescription\n1\tF411\tGAD\tGeneralized\n".into(),
            format!("{ICD}F41\t\"Quoted\" title\t0\t\n"),
            format!("{HCPCS}A0021\tOutside state\tAmbulance\t1985-01-01\t\t1996-09-10\tN\n"),
            // Errors a plain row can have.
            format!("{ICD}F41\tOther\t0\tx\nF411\tGAD\tY\tx\n"),
            format!("{ICD}F41\tOther\t0\tx\nF41.1\tGAD\t1\tx\nF411\tGAD\t1\tx\n"),
            format!("{ICD}F41\t \t0\tx\n"),
            format!("{ICD}0DTJ4ZZ\tResection\t1\tx\n"),
            format!("{HCPCS}A0021\tOutside\tAmbulance\t1985-01-32\t\t\tN\n"),
            "code\tdescription\tshort_description\nF41\tOther\tOther\n".into(),
            "code\tdescription\tbillable\tshort_description\tnotes\n".into(),
            // A row error comes before a later line that is not plain.
            format!("{ICD}F41\tOther\t0\tx\nF411\tGAD\tY\tx\nF412\tToo\tfew\n"),
        ];
        let not_plain = [
            format!("{ICD}F41\tOther\t0\tx\n\nF411\tGAD\t1\tx\n"),
            format!("{ICD}F41\tOther\t0\tx\n\n\n"),
            format!("\n{ICD}F41\tOther\t0\tx\n"),
            format!("{ICD}F41\tOther\t0\tx\r\nF411\tGAD\t1\tx\r\n").replace('\n', "\r\n"),
            format!("{ICD}F41\tOther\t0\tx\rF411\tGAD\t1\tx\n"),
            format!("\u{feff}{ICD}F41\tOther\t0\tx\n"),
            format!("{ICD}F41\tOther\t0\nF411\tGAD\t1\tx\n"),
            format!("{ICD}F41\tOther\t0\tx\textra\n"),
            format!("{ICD}F41\tOther\t0\tx\nF411\tGAD\t1\n"),
            format!("{ICD}F41\tOther\t0\tx\nF411\tGAD\t1\tx\n\t\n"),
            String::new(),
            "\n".into(),
        ];
        let read_plain =
            |text: &str| PlainTsv::new(text).and_then(|p| p.read(StdFile::Icd10Cm, "f.tsv"));
        for text in &inputs {
            assert!(read_plain(text).is_some(), "{text:?}");
        }
        for text in &not_plain {
            assert!(read_plain(text).is_none(), "{text:?}");
        }
        for text in inputs.iter().chain(&not_plain) {
            let fast = outcome(read_std_tsv(StdFile::Icd10Cm, "f.tsv", text.as_bytes()));
            let csv = outcome(read_with_csv(StdFile::Icd10Cm, "f.tsv", text.as_bytes()));
            assert_eq!(fast, csv, "{text:?}");
            let fast = outcome(read_std_tsv(StdFile::Hcpcs, "f.tsv", text.as_bytes()));
            let csv = outcome(read_with_csv(StdFile::Hcpcs, "f.tsv", text.as_bytes()));
            assert_eq!(fast, csv, "{text:?}");
        }
        // Invalid UTF-8 in a row.
        let mut bytes = format!("{ICD}F41\tOther\t0\tx\nF411\tG").into_bytes();
        bytes.extend_from_slice(b"\xff\xfeAD\t1\tx\n");
        let fast = outcome(read_std_tsv(StdFile::Icd10Cm, "f.tsv", bytes.as_slice()));
        let csv = outcome(read_with_csv(StdFile::Icd10Cm, "f.tsv", bytes.as_slice()));
        assert!(csv.is_err());
        assert_eq!(fast, csv);
    }

    /// A reader failing part way: the rows before the failure are read (and
    /// their errors reported) as the `csv` reader reads them.
    #[test]
    fn a_failing_reader_fails_where_the_csv_reader_does() {
        struct Failing<'a>(&'a [u8]);
        impl Read for Failing<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() {
                    return Err(std::io::Error::other("disk gone"));
                }
                let n = self.0.len().min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let good = format!("{ICD}F41\tOther\t0\tx\n");
        let bad_row = format!("{ICD}F41\tOther\tY\tx\n");
        for text in [good, bad_row] {
            let fast = outcome(read_std_tsv(
                StdFile::Icd10Cm,
                "f.tsv",
                Failing(text.as_bytes()),
            ));
            let csv = outcome(read_with_csv(
                StdFile::Icd10Cm,
                "f.tsv",
                Failing(text.as_bytes()),
            ));
            assert!(fast.is_err());
            assert_eq!(fast, csv, "{text:?}");
        }
    }
}
