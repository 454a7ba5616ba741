//! Helpers shared by every importer: field parsers that explain what is wrong,
//! error builders and the duplicate-code check.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use chrono::NaiveDate;

use crate::code::{Code, CodeSystem};
use crate::date::{parse_date, ymd, DateError};
use crate::error::{ColumnError, ImportError, RowError};
use crate::index::FastMap;

/// Opens the source file at `path` for reading; also the name its errors
/// give it. An [`ImportError::Io`] when it cannot be opened.
pub(crate) fn open_source(path: &Path) -> Result<(String, BufReader<File>), ImportError> {
    let f = File::open(path).map_err(|source| ImportError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok((path.display().to_string(), BufReader::new(f)))
}

/// The position of column `want` in `header`, or an
/// [`ImportError::MissingColumn`] listing the header found.
pub(crate) fn column_index(file: &str, header: &[&str], want: &str) -> Result<usize, ImportError> {
    header
        .iter()
        .position(|h| *h == want)
        .ok_or_else(|| ImportError::MissingColumn(ColumnError::new(file, want, header.join(", "))))
}

/// Builds an [`ImportError::BadRow`].
pub(crate) fn bad_row(
    file: &str,
    line: u64,
    column: impl Into<String>,
    problem: impl Into<String>,
) -> ImportError {
    ImportError::BadRow(RowError::new(file, line, column, problem))
}

/// Parses a code of `system` from a field, or explains (with the file, line and
/// column) why it is not one.
pub(crate) fn parse_code_field(
    system: CodeSystem,
    text: &str,
    file: &str,
    line: u64,
    column: &str,
) -> Result<Code, ImportError> {
    Code::parse_for(system, text).map_err(|e| bad_row(file, line, column, e.to_string()))
}

/// Parses an ISO `yyyy-mm-dd` date (see [`parse_date`]) after trimming; an
/// empty (or all-space) field is `None`.
///
/// The error text says what was found and what is expected.
pub(crate) fn parse_iso_date(text: &str) -> Result<Option<NaiveDate>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    parse_date(t).map(Some).map_err(|e| match e {
        DateError::Shape { .. } => format!("{e}, or leave the field empty"),
        _ => e.to_string(),
    })
}

/// Parses a CMS `yyyymmdd` date; an empty (or all-space) field is `None`.
pub(crate) fn parse_yyyymmdd(text: &str) -> Result<Option<NaiveDate>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.len() != 8 || !t.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "invalid date {t:?}: CMS dates are eight digits yyyymmdd (e.g. 20251001), or empty"
        ));
    }
    ymd(&t[0..4], &t[4..6], &t[6..8])
        .map(Some)
        .ok_or_else(|| format!("invalid date {t:?}: there is no such day in the calendar"))
}

/// Parses a `0`/`1` billable flag.
pub(crate) fn parse_flag01(text: &str) -> Result<bool, String> {
    match text.trim() {
        "1" => Ok(true),
        "0" => Ok(false),
        other => Err(format!(
            "invalid billable flag {other:?}: use 1 (billable) or 0 (header, not billable)"
        )),
    }
}

/// Parses an optional one-character action code (CMS HCPCS `ACTION CD`).
pub(crate) fn parse_action(text: &str) -> Result<Option<char>, String> {
    let t = text.trim();
    let mut chars = t.chars();
    match (chars.next(), chars.next()) {
        (None, _) => Ok(None),
        (Some(c), None) if c.is_ascii_alphanumeric() => Ok(Some(c.to_ascii_uppercase())),
        _ => Err(format!(
            "invalid action code {t:?}: a CMS action code is one letter (A added, C changed, D discontinued, N no change, P, B, R, S), or empty"
        )),
    }
}

/// Normalises description text: tabs, CR, LF and no-break spaces become
/// spaces, runs of spaces are collapsed to one, and the ends are trimmed.
pub(crate) fn clean_description(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for ch in text.chars() {
        let ch = match ch {
            '\t' | '\r' | '\n' | '\u{a0}' => ' ',
            c => c,
        };
        if ch == ' ' {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(ch);
        }
    }
    out
}

/// Remembers where each (system, code) was first seen in one import and turns
/// a second occurrence into an [`ImportError::DuplicateCode`].
#[derive(Debug, Default)]
pub(crate) struct DuplicateCheck {
    seen: FastMap<(CodeSystem, Code), u64>,
}

impl DuplicateCheck {
    /// An empty check.
    pub(crate) fn new() -> DuplicateCheck {
        DuplicateCheck::default()
    }

    /// An empty check with room for `n` codes.
    pub(crate) fn with_capacity(n: usize) -> DuplicateCheck {
        DuplicateCheck {
            seen: FastMap::with_capacity_and_hasher(n, Default::default()),
        }
    }

    /// Records `code` of `system` seen on `line` of `file`; an error when the
    /// same code of the same system was seen before.
    pub(crate) fn check(
        &mut self,
        file: &str,
        line: u64,
        system: CodeSystem,
        code: Code,
    ) -> Result<(), ImportError> {
        match self.seen.get(&(system, code)) {
            Some(&first_line) => Err(ImportError::DuplicateCode {
                file: file.to_owned(),
                line,
                first_line,
                code,
                system,
            }),
            None => {
                self.seen.insert((system, code), line);
                Ok(())
            }
        }
    }
}

/// Turns a `csv` crate error into an [`ImportError`] naming the file and line.
///
/// `delimiter_name` (such as `tab` or `comma`) is used in the message for a row
/// with the wrong number of fields; its column is the first field that is
/// missing or extra (1-based).
pub(crate) fn csv_error(file: &str, err: csv::Error, delimiter_name: &str) -> ImportError {
    let line = err.position().map(|p| p.line()).unwrap_or(0);
    match err.into_kind() {
        csv::ErrorKind::Io(source) => ImportError::Io {
            path: file.into(),
            source,
        },
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => bad_row(
            file,
            pos.map(|p| p.line()).unwrap_or(line),
            format!("{}", len.min(expected_len) + 1),
            format!(
                "expected {expected_len} {delimiter_name}-separated fields like the header, found {len}: \
                 check for a missing or extra {delimiter_name} on this line"
            ),
        ),
        csv::ErrorKind::Utf8 { pos, err } => bad_row(
            file,
            pos.map(|p| p.line()).unwrap_or(line),
            format!("{}", err.field() + 1),
            format!("the field is not valid UTF-8 ({err}): save the file as UTF-8"),
        ),
        other => ImportError::BadFile {
            file: file.to_owned(),
            problem: format!("cannot read the file as delimited text: {other:?}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(parse_iso_date("").unwrap(), None);
        assert_eq!(
            parse_iso_date("2025-10-01").unwrap(),
            NaiveDate::from_ymd_opt(2025, 10, 1)
        );
        assert!(parse_iso_date("2025-1-01").is_err());
        assert!(parse_iso_date("2025-02-30")
            .unwrap_err()
            .contains("no such day"));
        assert!(parse_iso_date("20251001")
            .unwrap_err()
            .contains("yyyy-mm-dd"));
        assert!(parse_iso_date("2025-10-0x").is_err());
    }

    #[test]
    fn cms_dates() {
        assert_eq!(
            parse_yyyymmdd(" 20020701 ").unwrap(),
            NaiveDate::from_ymd_opt(2002, 7, 1)
        );
        assert_eq!(parse_yyyymmdd("").unwrap(), None);
        assert!(parse_yyyymmdd("2002071").is_err());
        assert!(parse_yyyymmdd("20021301").is_err());
    }

    #[test]
    fn flags_and_actions() {
        assert!(parse_flag01("1").unwrap());
        assert!(!parse_flag01("0").unwrap());
        assert!(parse_flag01("yes").is_err());
        assert!(parse_flag01("").is_err());
        assert_eq!(parse_action("N").unwrap(), Some('N'));
        assert_eq!(parse_action(" ").unwrap(), None);
        assert!(parse_action("NA").is_err());
    }

    #[test]
    fn descriptions_are_cleaned() {
        assert_eq!(
            clean_description("  a\tb\r\n c\u{a0}\u{a0}d  "),
            "a b c d".to_owned()
        );
        assert_eq!(clean_description("   "), "");
        assert_eq!(
            clean_description("Prison/ Correctional"),
            "Prison/ Correctional"
        );
    }

    #[test]
    fn duplicates_are_reported_with_both_lines() {
        let mut d = DuplicateCheck::new();
        let c = Code::parse("A1").unwrap();
        d.check("f", 2, CodeSystem::Modifier, c).unwrap();
        d.check("f", 3, CodeSystem::Custom, c).unwrap();
        let e = d.check("f", 9, CodeSystem::Modifier, c).unwrap_err();
        assert_eq!(
            e.to_string(),
            "f:9: duplicate modifier code A1 (first seen on line 2)"
        );
    }
}
