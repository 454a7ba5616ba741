//! Fixed-width records, as the CMS order files and their addenda write them:
//! where each field starts, and how a line becomes an [`Entry`].

use std::io::BufRead;

use crate::code::CodeSystem;
use crate::entry::Entry;
use crate::error::ImportError;
use crate::import::common::{bad_row, clean_description, parse_code_field};

/// Where the fields of a fixed-width record start (1-based columns).
pub(super) struct Layout {
    /// Column of the one-character header flag, if the record has one.
    flag: Option<usize>,
    /// First column of the 7-character code field.
    code: usize,
    /// First column of the 60-character short title field.
    short: usize,
    /// First column of the long title (to the end of the line).
    long: usize,
}

pub(super) const ORDER_LAYOUT: Layout = Layout {
    flag: Some(15),
    code: 7,
    short: 17,
    long: 78,
};
pub(super) const CM_ADDENDA_LAYOUT: Layout = Layout {
    flag: Some(14),
    code: 16,
    short: 24,
    long: 85,
};
pub(super) const PCS_ADDENDA_LAYOUT: Layout = Layout {
    flag: None,
    code: 14,
    short: 22,
    long: 83,
};

/// Characters `from..=to` (1-based) of `line`, or to the end when `to` is
/// `None`; `None` when the line is shorter than `from`.
pub(super) fn cols(line: &str, from: usize, to: Option<usize>) -> Option<&str> {
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
pub(super) struct Record {
    pub(super) entry: Entry,
    pub(super) short_title: String,
    pub(super) long_title: String,
}

/// Parses one fixed-width record of `layout` from `line`.
pub(super) fn parse_record(
    system: CodeSystem,
    layout: &Layout,
    line: &str,
    file: &str,
    line_no: u64,
) -> Result<Record, ImportError> {
    check_alignment(layout, line, file, line_no)?;
    let code_col = col_range(layout.code, 7);
    let code_text = cols(line, layout.code, Some(layout.code + 6)).unwrap_or("");
    let code = parse_code_field(system, code_text.trim(), file, line_no, &code_col)?;
    let billable = match layout.flag {
        Some(f) => parse_header_flag(line, f, file, line_no)?,
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

/// Checks that `line` is long enough for a record of `layout` and has a
/// space between each of its fixed-width fields.
fn check_alignment(
    layout: &Layout,
    line: &str,
    file: &str,
    line_no: u64,
) -> Result<(), ImportError> {
    let len = line.chars().count();
    let where_fields = || {
        format!(
            "code in columns {}, short title in {}, long title from {}",
            col_range(layout.code, 7),
            col_range(layout.short, 60),
            layout.long
        )
    };
    if len < layout.long {
        return Err(bad_row(
            file,
            line_no,
            format!("{}", len + 1),
            format!(
                "the line is {len} characters long, too short for a record: the long title starts in column {} (layout: {})",
                layout.long,
                where_fields()
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
                    "expected a space in column {s} between fixed-width fields: check that the record is aligned ({})",
                    where_fields()
                ),
            ));
        }
    }
    Ok(())
}

/// The one-character header flag in column `f`: `1` valid for billing, `0`
/// a header.
fn parse_header_flag(line: &str, f: usize, file: &str, line_no: u64) -> Result<bool, ImportError> {
    match cols(line, f, Some(f)) {
        Some("1") => Ok(true),
        Some("0") => Ok(false),
        other => Err(bad_row(
            file,
            line_no,
            format!("{f}"),
            format!(
                "invalid header flag {:?}: use 1 (valid for billing) or 0 (header)",
                other.unwrap_or("")
            ),
        )),
    }
}

/// Calls `each(line_number, line)` for every line of `reader`, without its
/// line ending (LF or CRLF).
pub(super) fn for_each_line<R: BufRead>(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_one_based_and_char_aware() {
        assert_eq!(cols("abcdef", 2, Some(4)), Some("bcd"));
        assert_eq!(cols("abcdef", 5, Some(9)), Some("ef"));
        assert_eq!(cols("abcdef", 7, None), None);
        assert_eq!(cols("aé cd", 3, Some(3)), Some(" "));
        assert_eq!(cols("aé cd", 4, None), Some("cd"));
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
