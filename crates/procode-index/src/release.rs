//! Releases: which release of a code set a catalog holds, and the dates of
//! service it is valid for.
//!
//! Every source a catalog is built from records a [`Release`]: its code
//! system, a name (`ICD-10-CM FY2027`), the source it came from and its
//! validity window (the first and last date of service the release answers
//! for). A date of service outside every window of a code system means the
//! catalog holds no release for that date: the answer comes from the wrong
//! release (see `procode::Catalog::releases` and the readiness warning
//! `CODE_SET_NOT_CURRENT`).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::code::CodeSystem;
use crate::text;

/// One release of one code system held by a catalog.
///
/// # Example
/// ```
/// use chrono::NaiveDate;
/// use procode_index::{CodeSystem, Release};
/// let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
/// let r = Release::new(CodeSystem::Icd10Cm, "ICD-10-CM FY2027", "icd10cm_order_addenda_2027.txt", d(2026, 10, 1))
///     .with_valid_through(Some(d(2027, 9, 30)));
/// assert!(r.covers(d(2026, 12, 1)));
/// assert!(!r.covers(d(2026, 9, 30)));
/// assert!(!r.covers(d(2027, 10, 1)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Release {
    /// The code system.
    pub system: CodeSystem,
    /// The release's name (`ICD-10-CM FY2027`, `HCPCS 2025 October quarter`).
    pub name: String,
    /// The source file(s) it was built from.
    pub source: String,
    /// The first date of service the release is valid for.
    pub valid_from: NaiveDate,
    /// The last date of service the release is valid for; `None` when the
    /// publisher gives no end (a code set updated only when a code changes).
    pub valid_through: Option<NaiveDate>,
}

impl Release {
    /// A release valid from `valid_from` with no known end.
    pub fn new(
        system: CodeSystem,
        name: impl Into<String>,
        source: impl Into<String>,
        valid_from: NaiveDate,
    ) -> Release {
        Release {
            system,
            name: name.into(),
            source: source.into(),
            valid_from,
            valid_through: None,
        }
    }

    /// Sets the last valid date of service.
    pub fn with_valid_through(mut self, through: Option<NaiveDate>) -> Release {
        self.valid_through = through;
        self
    }

    /// The ICD-10 fiscal-year release `fy` of `system` (FY N is valid
    /// October 1 of N − 1 through September 30 of N).
    pub fn fiscal_year(system: CodeSystem, fy: i32, source: impl Into<String>) -> Option<Release> {
        let from = NaiveDate::from_ymd_opt(fy - 1, 10, 1)?;
        let through = NaiveDate::from_ymd_opt(fy, 9, 30)?;
        let label = match system {
            CodeSystem::Icd10Cm => "ICD-10-CM",
            CodeSystem::Icd10Pcs => "ICD-10-PCS",
            other => other.as_str(),
        };
        Some(
            Release::new(system, format!("{label} FY{fy}"), source, from)
                .with_valid_through(Some(through)),
        )
    }

    /// Whether a date of service falls in the release's window.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_through.is_none_or(|t| date <= t)
    }

    /// Whether the window is well formed (not ending before it starts).
    pub fn is_well_formed(&self) -> bool {
        self.valid_through.is_none_or(|t| self.valid_from <= t)
    }
}

/// Encodes releases for the index's releases section: a varint count, then
/// per release the system tag, the two dates (i32 LE days from 0001-01-01,
/// `i32::MIN` for "no end") and the name and source as length-prefixed UTF-8.
pub(crate) fn encode(releases: &[Release]) -> Vec<u8> {
    let mut out = Vec::new();
    text::put_varint(&mut out, releases.len() as u64);
    for r in releases {
        out.push(r.system.to_u8());
        out.extend_from_slice(&r.valid_from.num_days_from_ce().to_le_bytes());
        let through = r.valid_through.map_or(i32::MIN, |d| d.num_days_from_ce());
        out.extend_from_slice(&through.to_le_bytes());
        for s in [&r.name, &r.source] {
            text::put_varint(&mut out, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
    }
    out
}

/// Decodes a releases section (the inverse of the writer's encoding);
/// `None` when it is malformed.
pub fn decode(b: &[u8]) -> Option<Vec<Release>> {
    let mut pos = 0usize;
    let n = text::get_varint(b, &mut pos)?;
    let mut out = Vec::new();
    for _ in 0..n {
        let system = CodeSystem::from_u8(*b.get(pos)?)?;
        pos += 1;
        let mut day = || -> Option<i32> {
            let v = i32::from_le_bytes(b.get(pos..pos + 4)?.try_into().ok()?);
            pos += 4;
            Some(v)
        };
        let from = NaiveDate::from_num_days_from_ce_opt(day()?)?;
        let through = match day()? {
            i32::MIN => None,
            d => Some(NaiveDate::from_num_days_from_ce_opt(d)?),
        };
        let mut string = || -> Option<String> {
            let len = usize::try_from(text::get_varint(b, &mut pos)?).ok()?;
            let s = std::str::from_utf8(b.get(pos..pos.checked_add(len)?)?).ok()?;
            pos += len;
            Some(s.to_owned())
        };
        let name = string()?;
        let source = string()?;
        let r = Release::new(system, name, source, from).with_valid_through(through);
        if !r.is_well_formed() {
            return None;
        }
        out.push(r);
    }
    (pos == b.len()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refuse_damage() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let rs = vec![
            Release::fiscal_year(CodeSystem::Icd10Cm, 2027, "a.txt").unwrap(),
            Release::new(CodeSystem::Pos, "POS 20240502", "pos.tsv", d(2024, 5, 2)),
        ];
        let b = encode(&rs);
        assert_eq!(decode(&b).unwrap(), rs);
        assert_eq!(rs[0].valid_from, d(2026, 10, 1));
        assert_eq!(rs[0].valid_through, Some(d(2027, 9, 30)));
        for cut in 0..b.len() {
            assert!(decode(&b[..cut]).is_none(), "cut at {cut}");
        }
        let mut extra = b.clone();
        extra.push(0);
        assert!(decode(&extra).is_none());
        assert_eq!(decode(&encode(&[])).unwrap(), vec![]);
    }
}
