//! The one date rule: a calendar day is written `YYYY-MM-DD`.
//!
//! Every date a caller gives procode as text (the CLI's `--as-of`, the C
//! ABI's `as_of` arguments, the dates of the normalised TSVs and mapped CSV
//! files) is read by [`parse_date`].

use chrono::NaiveDate;

/// Why a text is not a `YYYY-MM-DD` date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateError {
    /// Not four digits, a dash, two digits, a dash and two digits.
    #[error("invalid date {input:?}: write dates as yyyy-mm-dd (e.g. 2025-10-01)")]
    Shape {
        /// The text as given.
        input: String,
    },
    /// The right shape, but no such day (`2025-02-30`, `2025-13-01`).
    #[error("invalid date {input:?}: there is no such day in the calendar")]
    NoSuchDay {
        /// The text as given.
        input: String,
    },
}

/// Parses a date written `YYYY-MM-DD`: exactly four digits, a dash, two
/// digits, a dash and two digits, naming a day of the calendar. Nothing else
/// is accepted (no spaces, no `2025-3-3`, no time of day).
///
/// # Example
/// ```
/// use procode_index::{parse_date, DateError};
/// use chrono::NaiveDate;
/// assert_eq!(parse_date("2025-10-01"), Ok(NaiveDate::from_ymd_opt(2025, 10, 1).unwrap()));
/// assert!(matches!(parse_date("2025-3-3"), Err(DateError::Shape { .. })));
/// assert!(matches!(parse_date("2025-02-30"), Err(DateError::NoSuchDay { .. })));
/// ```
///
/// # Errors
/// [`DateError::Shape`] for any other shape (the empty text included),
/// [`DateError::NoSuchDay`] for a day the calendar does not have.
pub fn parse_date(text: &str) -> Result<NaiveDate, DateError> {
    let b = text.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return Err(DateError::Shape {
            input: text.to_owned(),
        });
    }
    ymd(&text[0..4], &text[5..7], &text[8..10]).ok_or_else(|| DateError::NoSuchDay {
        input: text.to_owned(),
    })
}

/// The day of year `y`, month `m` and day `d` given as digits; `None` when
/// they are not numbers or name no day.
pub(crate) fn ymd(y: &str, m: &str, d: &str) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_yyyy_mm_dd() {
        assert_eq!(
            parse_date("2024-02-29").unwrap(),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
        for bad in [
            "",
            "2025-3-3",
            "20251001",
            " 2025-10-01",
            "2025-10-01 ",
            "03/03/2025",
            "2025-10-0x",
            "+2025-10-01",
            "2025-10-01T00:00",
        ] {
            assert!(
                matches!(parse_date(bad), Err(DateError::Shape { .. })),
                "{bad:?}"
            );
        }
        for bad in ["2025-02-29", "2025-13-01", "2025-00-10", "2025-04-31"] {
            assert!(
                matches!(parse_date(bad), Err(DateError::NoSuchDay { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_date("2025-1-01").unwrap_err().to_string(),
            "invalid date \"2025-1-01\": write dates as yyyy-mm-dd (e.g. 2025-10-01)"
        );
    }
}
