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
//! Each record becomes an [`Entry`](crate::Entry) with `description` = long title,
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
//! [`Addenda::revert`] turns N back into N-1; [`Addenda::bring_forward`]
//! keeps both, as dated versions of each code (checked against the footer
//! of totals).

mod addenda;
mod apply;
mod current;
mod file;
mod history;
mod record;

use std::str::FromStr;

pub use addenda::{
    Addenda, AddendaRecord, AddendaSummary, ChangeCounts, ChangeKind, SummaryCounts,
};
pub use apply::{ChangeReport, Revision};
pub use current::{with_history, History};
pub use file::{read_order_file, read_order_file_path};

use crate::code::CodeSystem;
use crate::error::UnknownName;

/// Which ICD-10 code set an order file or addenda belongs to.
///
/// Named by `cm` or `pcs`, or by the code system's name (`icd10cm`,
/// `icd10pcs`, `ICD-10-CM`, …), case-insensitive, where it crosses into
/// procode as text.
///
/// # Example
/// ```
/// use procode_index::import::IcdSet;
/// assert_eq!("cm".parse::<IcdSet>(), Ok(IcdSet::Cm));
/// assert_eq!("ICD10PCS".parse::<IcdSet>(), Ok(IcdSet::Pcs));
/// assert!("hcpcs".parse::<IcdSet>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IcdSet {
    /// ICD-10-CM (diagnoses).
    Cm,
    /// ICD-10-PCS (inpatient procedures).
    Pcs,
}

impl IcdSet {
    /// The set's short name: `cm` or `pcs`.
    pub fn as_str(self) -> &'static str {
        match self {
            IcdSet::Cm => "cm",
            IcdSet::Pcs => "pcs",
        }
    }

    /// The code system of the set's entries.
    pub fn system(self) -> CodeSystem {
        match self {
            IcdSet::Cm => CodeSystem::Icd10Cm,
            IcdSet::Pcs => CodeSystem::Icd10Pcs,
        }
    }
}

impl FromStr for IcdSet {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<IcdSet, UnknownName> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("cm") {
            return Ok(IcdSet::Cm);
        }
        if t.eq_ignore_ascii_case("pcs") {
            return Ok(IcdSet::Pcs);
        }
        match t.parse::<CodeSystem>() {
            Ok(CodeSystem::Icd10Cm) => Ok(IcdSet::Cm),
            Ok(CodeSystem::Icd10Pcs) => Ok(IcdSet::Pcs),
            _ => Err(UnknownName::new(
                "ICD-10 code set",
                s,
                "cm (icd10cm) or pcs (icd10pcs)",
            )),
        }
    }
}
