//! The CMS HCPCS Level II quarterly file in its Excel form
//! (e.g. `HCPC2025_OCT_ANWEB.xlsx`, one row per code with the long
//! description already joined).
//!
//! The worksheet is the first one whose first row names the columns `HCPC`
//! and `RECID`. Columns are found by their header names (case, `_` and extra
//! spaces do not matter): `HCPC`, `RECID`, `LONG DESCRIPTION`,
//! `SHORT DESCRIPTION`, `ADD DT`, `ACT EFF DT`, `TERM DT`, `ACTION CD`, and
//! when present `PRICE1` and `BETOS`; the coverage and other CMS columns are
//! not needed by the catalog.
//!
//! * RECID `3` rows become [`CodeSystem::Hcpcs`] entries, RECID `7` rows
//!   [`CodeSystem::Modifier`] entries; any other RECID is an error (CMS's
//!   continuation records 4 and 8 exist only in the fixed-width text file).
//! * Codes are trimmed and upper-cased (modifiers are left-padded with spaces
//!   in the source).
//! * Descriptions: tabs, CR, LF and no-break spaces become spaces, runs of
//!   spaces are collapsed, ends trimmed. `LONG DESCRIPTION` →
//!   [`Entry::description`], `SHORT DESCRIPTION` →
//!   [`Entry::short_description`] (the long one when empty).
//! * Dates are `yyyymmdd` (text, number or Excel date cells): `ADD DT` →
//!   `effective`, `TERM DT` → `terminated`; `ACT EFF DT` is checked but not
//!   stored. `ACTION CD` → `action`.
//! * `PRICE1` (pricing indicator) and `BETOS` → [`Entry::reporting`], by
//!   [`is_reporting_code`]; a sheet without either column marks no code.
//! * Rows whose cells are all empty carry no data and are skipped; every other
//!   row becomes an entry or an error naming the sheet row and column.
//!
//! The result is what `hcpcs_level2.tsv` and `modifiers.tsv` hold, in sheet
//! order.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Range, Reader, Xlsx};

use crate::code::CodeSystem;
use crate::entry::Entry;
use crate::error::ImportError;
use crate::import::common::{
    bad_row, clean_description, column_index, parse_action, parse_code_field, parse_yyyymmdd,
    DuplicateCheck,
};
use crate::reporting::is_reporting_code;

/// Header names looked for (normalised: upper case, single spaces).
const HCPC: &str = "HCPC";
const RECID: &str = "RECID";
const LONG: &str = "LONG DESCRIPTION";
const SHORT: &str = "SHORT DESCRIPTION";
const ADD_DT: &str = "ADD DT";
const ACT_EFF_DT: &str = "ACT EFF DT";
const TERM_DT: &str = "TERM DT";
const ACTION_CD: &str = "ACTION CD";
const REQUIRED: [&str; 8] = [
    HCPC, RECID, LONG, SHORT, ADD_DT, ACT_EFF_DT, TERM_DT, ACTION_CD,
];
const PRICE1: &str = "PRICE1";
const BETOS: &str = "BETOS";

/// Reads the CMS HCPCS quarterly Excel file at `path`.
///
/// # Errors
/// [`ImportError::Io`] when the file cannot be read, and those of
/// [`read_hcpcs_xlsx_bytes`].
pub fn read_hcpcs_xlsx(path: &Path) -> Result<Vec<Entry>, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Io {
        path: path.to_owned(),
        source,
    })?;
    read_hcpcs_xlsx_bytes(&path.display().to_string(), &bytes)
}

/// Reads a CMS HCPCS quarterly Excel file held in memory; `name` names it in
/// error messages.
///
/// # Errors
/// [`ImportError::BadFile`] when the bytes are not an xlsx workbook or no
/// sheet has the HCPCS header; [`ImportError::MissingColumn`] for a missing
/// column; [`ImportError::BadRow`] naming the sheet row and column (e.g.
/// `AS (ADD DT)`) of a bad code, RECID, date or action code or an empty
/// description; [`ImportError::DuplicateCode`] for a code seen twice.
pub fn read_hcpcs_xlsx_bytes(name: &str, bytes: &[u8]) -> Result<Vec<Entry>, ImportError> {
    let bad_file = |problem: String| ImportError::BadFile {
        file: name.to_owned(),
        problem,
    };
    let not_xlsx = |e: String| {
        bad_file(format!(
            "not a readable Excel (.xlsx) workbook: {e}; give the CMS HCPCS quarterly file (HCPCyyyy_MMM_ANWEB.xlsx)"
        ))
    };
    let mut workbook: Xlsx<_> = guarded(|| Xlsx::new(Cursor::new(bytes)))
        .map_err(not_xlsx)?
        .map_err(|e| not_xlsx(e.to_string()))?;
    let sheets = guarded(|| workbook.sheet_names()).map_err(not_xlsx)?;
    for sheet in &sheets {
        let range = guarded(|| workbook.worksheet_range(sheet))
            .map_err(|e| bad_file(format!("cannot read sheet {sheet:?}: {e}")))?
            .map_err(|e| bad_file(format!("cannot read sheet {sheet:?}: {e}")))?;
        let header: Vec<String> = range
            .rows()
            .next()
            .map(|row| {
                row.iter()
                    .map(|c| normalise_header(&cell_text(c)))
                    .collect()
            })
            .unwrap_or_default();
        if header.iter().any(|h| h == HCPC) && header.iter().any(|h| h == RECID) {
            return read_sheet(name, sheet, &range, &header);
        }
    }
    Err(bad_file(format!(
        "no sheet has a header row with the columns HCPC and RECID (sheets: {}): give the CMS HCPCS quarterly file (HCPCyyyy_MMM_ANWEB.xlsx)",
        sheets.join(", ")
    )))
}

/// Runs a calamine call, turning a panic inside it into an error message:
/// calamine 0.38 overflows a `u32` on over-long cell references (`r="AAAAAAA…"`)
/// of a malformed workbook, a panic in builds with overflow checks (found by
/// the `import_xlsx` fuzz target). A damaged file must be an `ImportError`.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    // The workbook the closure may borrow is dropped unused after a panic.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| {
        let what = p
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        format!("the Excel reader failed on malformed data ({what})")
    })
}

fn read_sheet(
    name: &str,
    sheet: &str,
    range: &Range<Data>,
    header: &[String],
) -> Result<Vec<Entry>, ImportError> {
    let (start_row, start_col) = range.start().unwrap_or((0, 0));
    let file = format!("{name} [sheet {sheet}]");
    let mut columns = [0usize; REQUIRED.len()];
    let names: Vec<&str> = header.iter().map(String::as_str).collect();
    for (slot, want) in columns.iter_mut().zip(REQUIRED) {
        *slot = column_index(&file, &names, want)?;
    }
    let optional = |want: &str| names.iter().position(|h| *h == want);
    let layout = Sheet {
        file: &file,
        header,
        start_col: start_col as usize,
        columns,
        reporting: optional(PRICE1).zip(optional(BETOS)),
    };
    let mut dups = DuplicateCheck::new();
    let mut entries = Vec::new();
    for (r, row) in range.rows().enumerate().skip(1) {
        if row.iter().all(|c| cell_text(c).trim().is_empty()) {
            continue;
        }
        let row = SheetRow {
            sheet: &layout,
            cells: row,
            line: u64::from(start_row) + r as u64 + 1,
        };
        entries.push(row.entry(&mut dups)?);
    }
    Ok(entries)
}

/// A worksheet's layout: what names it, its header and where each
/// [`REQUIRED`] column is (in that order).
struct Sheet<'a> {
    file: &'a str,
    header: &'a [String],
    start_col: usize,
    columns: [usize; REQUIRED.len()],
    /// Where `PRICE1` and `BETOS` are, when the sheet has both.
    reporting: Option<(usize, usize)>,
}

/// One data row of a worksheet.
struct SheetRow<'a> {
    sheet: &'a Sheet<'a>,
    cells: &'a [Data],
    line: u64,
}

impl SheetRow<'_> {
    /// Column `i` as errors name it: its letters and header (`A (HCPC)`).
    fn label(&self, i: usize) -> String {
        let header = self.sheet.header;
        format!(
            "{} ({})",
            column_letters(self.sheet.start_col + i),
            REQUIRED
                .iter()
                .chain(&[PRICE1, BETOS])
                .find(|w| header.get(i).is_some_and(|h| h == *w))
                .copied()
                .unwrap_or("")
        )
    }

    fn bad(&self, i: usize, problem: impl Into<String>) -> ImportError {
        bad_row(self.sheet.file, self.line, self.label(i), problem)
    }

    /// The text of column `i`'s cell (empty when the row is shorter).
    fn text(&self, i: usize) -> Result<String, ImportError> {
        match self.cells.get(i) {
            Some(Data::Error(e)) => Err(self.bad(
                i,
                format!("the cell holds the Excel error {e}: fix the cell in the workbook"),
            )),
            Some(Data::Bool(_)) | Some(Data::DurationIso(_)) => {
                Err(self.bad(i, "unexpected cell type: expected text"))
            }
            Some(c) => Ok(cell_text(c)),
            None => Ok(String::new()),
        }
    }

    /// The row's entry (its code checked against `dups`).
    fn entry(&self, dups: &mut DuplicateCheck) -> Result<Entry, ImportError> {
        let [i_code, i_recid, i_long, i_short, i_add, i_act_eff, i_term, i_action] =
            self.sheet.columns;
        let (file, line) = (self.sheet.file, self.line);
        let system = match self.text(i_recid)?.trim() {
            "3" => CodeSystem::Hcpcs,
            "7" => CodeSystem::Modifier,
            other => {
                return Err(self.bad(
                    i_recid,
                    format!(
                        "unsupported RECID {other:?}: the Excel quarterly file has 3 (procedure/supply codes) and 7 (modifiers), one row per code"
                    ),
                ))
            }
        };
        let code_text = self.text(i_code)?.trim().to_ascii_uppercase();
        let code = parse_code_field(system, &code_text, file, line, &self.label(i_code))?;
        dups.check(file, line, system, code)?;
        let long = clean_description(&self.text(i_long)?);
        if long.is_empty() {
            return Err(self.bad(
                i_long,
                "empty long description: every code needs a description",
            ));
        }
        let short = clean_description(&self.text(i_short)?);
        let date = |i: usize| -> Result<_, ImportError> {
            parse_yyyymmdd(&self.text(i)?).map_err(|p| self.bad(i, p))
        };
        let effective = date(i_add)?;
        let terminated = date(i_term)?;
        date(i_act_eff)?;
        let action = parse_action(&self.text(i_action)?).map_err(|p| self.bad(i_action, p))?;
        let short = if short.is_empty() {
            long.clone()
        } else {
            short
        };
        let reporting = match self.sheet.reporting {
            Some((price, betos)) if system == CodeSystem::Hcpcs => {
                is_reporting_code(&code, &self.text(price)?, &self.text(betos)?)
            }
            _ => false,
        };
        Ok(Entry::new(code, system, long)
            .with_reporting(reporting)
            .with_short_description(short)
            .with_effective(effective)
            .with_terminated(terminated)
            .with_action(action))
    }
}

/// The text of a cell: strings as they are, whole numbers without a
/// fraction, Excel dates as `yyyymmdd`, anything else in its display form.
fn cell_text(c: &Data) -> String {
    match c {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}{m:02}{d:02}")
        }
        Data::DateTime(dt) => dt.as_f64().to_string(),
        Data::Bool(b) => b.to_string(),
        Data::Error(e) => e.to_string(),
        Data::Empty => String::new(),
    }
}

/// Upper case, `_` as space, single spaces, trimmed.
fn normalise_header(h: &str) -> String {
    clean_description(&h.replace('_', " ")).to_ascii_uppercase()
}

/// The spreadsheet letters of a 0-based column index (0 → A, 26 → AA).
fn column_letters(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Every row of the first sheet of an Excel workbook as text cells (the
/// sheet's used range, each row as wide as the range), for importers of other
/// CMS spreadsheets (the add-on code edits). Dates appear as `YYYYMMDD`,
/// whole numbers without a fraction.
///
/// # Errors
/// [`ImportError::Io`] when the file cannot be read, [`ImportError::BadFile`]
/// when it is not a readable workbook or has no sheet.
pub fn read_first_sheet(path: &Path) -> Result<Vec<Vec<String>>, ImportError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ImportError::Io {
        path: path.to_owned(),
        source,
    })?;
    let bad_file = |problem: String| ImportError::BadFile {
        file: name.clone(),
        problem,
    };
    let not_xlsx = |e: String| bad_file(format!("not a readable Excel (.xlsx) workbook: {e}"));
    let mut workbook: Xlsx<_> = guarded(|| Xlsx::new(Cursor::new(&bytes)))
        .map_err(not_xlsx)?
        .map_err(|e| not_xlsx(e.to_string()))?;
    let sheets = guarded(|| workbook.sheet_names()).map_err(not_xlsx)?;
    let Some(sheet) = sheets.first() else {
        return Err(bad_file("the workbook has no sheet".into()));
    };
    let range = guarded(|| workbook.worksheet_range(sheet))
        .map_err(|e| bad_file(format!("cannot read sheet {sheet:?}: {e}")))?
        .map_err(|e| bad_file(format!("cannot read sheet {sheet:?}: {e}")))?;
    Ok(range
        .rows()
        .map(|row| row.iter().map(cell_text).collect())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_like_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(44), "AS");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn cells_to_text() {
        assert_eq!(cell_text(&Data::Float(20250930.0)), "20250930");
        assert_eq!(cell_text(&Data::Int(7)), "7");
        assert_eq!(cell_text(&Data::Empty), "");
        assert_eq!(normalise_header(" act_eff  dt "), "ACT EFF DT");
    }

    #[test]
    fn not_a_workbook() {
        let e = read_hcpcs_xlsx_bytes("x.xlsx", b"hello").unwrap_err();
        assert!(
            e.to_string().starts_with("x.xlsx: not a readable Excel"),
            "{e}"
        );
    }
}
