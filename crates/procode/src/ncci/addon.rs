//! CMS add-on code edits (AOC): an add-on code is paid only with one of its
//! primary codes on the same date of service.
//!
//! The CMS file (`AOC_V2026Q2-MCR.xlsx`, or the same as TSV with the columns
//! `aoc_edit_type, add_on_code, add_on_code_deletion_date, primary_code,
//! primary_code_deletion_date, edit_effective_date, edit_deletion_date,
//! special_instruction_notes`) is loaded into the NCCI edits file beside the
//! PTP edits and MUEs ([`NcciBuilder::load_addon`](super::NcciBuilder::load_addon),
//! `procode build-edits --addon FILE`), so that a host refreshes all of them
//! quarterly with one command.
//!
//! # Rules
//! - An edit is in force for dates of service from its effective date through
//!   its deletion date (inclusive, as for PTP edits); an edit whose add-on code
//!   is deleted before the date of service is not (the code itself is then
//!   invalid, which the catalog reports).
//! - A primary code counts while it is not deleted (its deletion date on or
//!   after the date of service).
//! - Type 1 (only the listed primaries): a line with the add-on code and no
//!   listed primary on the same date of service is `ADD_ON_WITHOUT_PRIMARY`
//!   (error). Type 3 (listed primaries, contractors may allow others):
//!   `ADD_ON_PRIMARY_NOT_LISTED` (warning). Type 2 (no CMS list): nothing.
//!   A code with edits of several types in force follows the strictest.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::code::Code;

cms_number! {
    /// The CMS add-on code edit type. In JSON: the number.
    pub enum AddOnType ("add-on edit type", "1, 2 or 3") {
        /// 1: paid only with one of the listed primary codes.
        PrimaryRequired = 1,
        /// 2: CMS lists no primary codes; contractors define them.
        ContractorDefined = 2,
        /// 3: some primary codes are listed; contractors may allow others.
        PrimaryListed = 3,
    }
}

/// One add-on code edit record.
///
/// # Example
/// ```
/// use procode::ncci::{AddOnEdit, AddOnType};
/// use procode::Code;
/// use chrono::NaiveDate;
/// let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
/// let e = AddOnEdit {
///     add_on: Code::parse("99292").unwrap(),
///     add_on_deleted: None,
///     primary: Some(Code::parse("99291").unwrap()),
///     primary_deleted: None,
///     edit_type: AddOnType::PrimaryRequired,
///     effective: Some(d(2013, 4, 1)),
///     deleted: None,
///     note: String::new(),
/// };
/// assert!(e.is_active_on(d(2026, 1, 5)));
/// assert!(!e.is_active_on(d(2013, 3, 31)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddOnEdit {
    /// The add-on code.
    pub add_on: Code,
    /// The add-on code's deletion date, if deleted.
    pub add_on_deleted: Option<NaiveDate>,
    /// The primary code (`None` for contractor-defined primaries: CMS
    /// `CCCCC`, always in type 2, in a few type-3 rows).
    pub primary: Option<Code>,
    /// The primary code's deletion date, if deleted.
    pub primary_deleted: Option<NaiveDate>,
    /// The edit type.
    pub edit_type: AddOnType,
    /// The first date of service the edit applies to.
    pub effective: Option<NaiveDate>,
    /// The last date of service the edit applies to, if deleted.
    pub deleted: Option<NaiveDate>,
    /// CMS's special instruction notes (may be empty).
    pub note: String,
}

impl AddOnEdit {
    /// Whether the edit is in force on a date of service: on or after its
    /// effective date, on or before its deletion date and its add-on code's.
    pub fn is_active_on(&self, date_of_service: NaiveDate) -> bool {
        self.effective.is_none_or(|e| e <= date_of_service)
            && self.deleted.is_none_or(|d| date_of_service <= d)
            && self.add_on_deleted.is_none_or(|d| date_of_service <= d)
    }

    /// Whether the primary code counts on a date of service (listed and not
    /// deleted before it).
    pub fn primary_active_on(&self, date_of_service: NaiveDate) -> bool {
        self.primary.is_some() && self.primary_deleted.is_none_or(|d| date_of_service <= d)
    }
}
