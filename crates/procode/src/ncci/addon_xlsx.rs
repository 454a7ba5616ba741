//! The CMS add-on code edit spreadsheet (`AOC_V2026Q2-MCR.xlsx`) as the TSV
//! the builder reads: a notice row, then the header `AOC_Edit_Type,
//! Add-On_Code, AOC_DelDT, Primary_Code, Primary_Code_DelDT, AOC_Edit_EffDT,
//! AOC_Edit_DelDT, Special_Instruction_Notes` and one edit per row, dates as
//! CMS Julian `YYYYDDD` (empty for none).

use std::path::Path;

use chrono::NaiveDate;

use crate::error::{ColumnError, NcciError, RowError};

/// The sheet's header names, in the TSV's column order.
const SHEET_COLUMNS: [&str; 8] = [
    "AOC_EDIT_TYPE",
    "ADD-ON_CODE",
    "AOC_DELDT",
    "PRIMARY_CODE",
    "PRIMARY_CODE_DELDT",
    "AOC_EDIT_EFFDT",
    "AOC_EDIT_DELDT",
    "SPECIAL_INSTRUCTION_NOTES",
];

/// `YYYYDDD` (CMS Julian) as `YYYY-MM-DD`; empty stays empty.
fn julian(file: &str, row: usize, column: &str, s: &str) -> Result<String, NcciError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    let bad = || {
        NcciError::BadRow(RowError::new(
            file,
            row as u64,
            column,
            format!("{s:?} is not a CMS Julian date (YYYYDDD)"),
        ))
    };
    if s.len() != 7 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let y: i32 = s[..4].parse().map_err(|_| bad())?;
    let d: u32 = s[4..].parse().map_err(|_| bad())?;
    NaiveDate::from_yo_opt(y, d)
        .map(|d| d.to_string())
        .ok_or_else(bad)
}

/// The edits of the spreadsheet at `path` as TSV text with the builder's
/// columns. Errors name the sheet row (1-based).
pub(super) fn xlsx_to_tsv(path: &Path) -> Result<String, NcciError> {
    let file = path.display().to_string();
    let rows = crate::import::read_first_sheet(path).map_err(|e| NcciError::BadFile {
        file: file.clone(),
        problem: e.to_string(),
    })?;
    let norm = |s: &str| s.trim().to_ascii_uppercase().replace(' ', "_");
    let Some((h, header)) = rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.iter().any(|c| norm(c) == SHEET_COLUMNS[0]))
    else {
        return Err(NcciError::BadFile {
            file,
            problem: "no header row with AOC_Edit_Type: not the CMS add-on code edit file".into(),
        });
    };
    let mut cols = [0usize; 8];
    for (slot, want) in cols.iter_mut().zip(SHEET_COLUMNS) {
        *slot = header.iter().position(|c| norm(c) == want).ok_or_else(|| {
            NcciError::MissingColumn(ColumnError::new(file.as_str(), want, header.join(", ")))
        })?;
    }
    let mut out = String::from(
        "aoc_edit_type\tadd_on_code\tadd_on_code_deletion_date\tprimary_code\tprimary_code_deletion_date\tedit_effective_date\tedit_deletion_date\tspecial_instruction_notes\n",
    );
    for (i, row) in rows.iter().enumerate().skip(h + 1) {
        let cell = |k: usize| row.get(cols[k]).map(|s| s.trim()).unwrap_or("");
        if (0..8).all(|k| cell(k).is_empty()) {
            continue;
        }
        let sheet_row = i + 1;
        let mut fields = Vec::with_capacity(8);
        for (k, column) in SHEET_COLUMNS.iter().enumerate() {
            let v = match k {
                2 | 4 | 5 | 6 => julian(&file, sheet_row, column, cell(k))?,
                _ => cell(k).replace(['\t', '\n', '\r'], " "),
            };
            fields.push(v);
        }
        out.push_str(&fields.join("\t"));
        out.push('\n');
    }
    Ok(out)
}
