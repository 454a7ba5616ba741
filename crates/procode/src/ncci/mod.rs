//! CMS National Correct Coding Initiative (NCCI) edits: procedure-to-procedure
//! (PTP) pairs and medically unlikely edits (MUE), loaded from the CMS tables
//! into an immutable, checksummed, memory-mapped edits file.
//!
//! - [`NcciBuilder`] loads the tables (TSV, plain or gzip) and writes the
//!   file; [`NcciEdits`] opens it (memory map, [`Verify::Full`] or
//!   [`Verify::Lazy`]) and answers lookups.
//! - Readiness uses them once they are attached to a catalog
//!   ([`Catalog::with_ncci`](crate::Catalog::with_ncci)): every
//!   [`readiness`](crate::billing::readiness) call then also reports
//!   `NCCI_PTP_CONFLICT` and `MUE_EXCEEDED`. [`NcciEdits::check`] runs the
//!   two checks alone.
//!
//! # Rules
//!
//! - Lines are compared when they have the same date of service (the line's
//!   own, else the document's). Lines without any date (a service's default
//!   lines) are compared with each other as one day; for them only edits that
//!   are not deleted count, and an MUE applies whatever its effective date.
//! - Only `hcpcs` and `cpt` lines are checked (CPT codes need not be in the
//!   catalog: the edits hold code numbers); practice `custom` codes are not.
//! - A PTP edit with deletion date D is active for dates of service ≤ D;
//!   `9999-12-31` means not deleted. CMS's extract has no effective dates, so
//!   an edit counts from the beginning.
//! - Modifier indicator 9: the edit does not apply. 0: never cleared. 1:
//!   cleared when the column-2 line carries an NCCI-associated modifier
//!   ([`is_ncci_modifier`]). CMS puts the modifier on the column-2 code, so a
//!   modifier on the column-1 line does not clear it.
//! - A pair with several records active on the date (the extract keeps
//!   re-added edits as separate rows): the strictest decides — indicator 0
//!   over 1; the problem names that record's rationale.
//! - MUE: MAI 1 limits each line; MAI 2 and 3 limit the units of a code summed
//!   over all lines of one date of service. An MUE applies to dates of
//!   service on or after its table's effective date. A code without an MUE
//!   has no published limit (not "unlimited": CMS keeps some confidential).
//! - The same code twice on one day is not a PTP pair with itself (unless a
//!   table holds such an edit); it counts towards the MUE.
//!
//! # Example
//! ```
//! use procode::ncci::{NcciBuilder, NcciEdits};
//! use procode::billing::{readiness, CodeLine, Invoice, ProblemCode};
//! use procode::{Catalog, CodeSystem, IndexBuilder};
//! let ptp = "column1\tcolumn2\tdeletion_date\tmodifier_indicator\trationale\n\
//!            93000\t93005\t9999-12-31\t1\tHCPCS/CPT procedure code definition\n";
//! let mut b = NcciBuilder::new();
//! b.read_ptp("ptp.tsv", ptp.as_bytes()).unwrap();
//! let edits = NcciEdits::from_bytes(b.build().unwrap()).unwrap();
//! let catalog = Catalog::from_bytes(IndexBuilder::new().build().unwrap())
//!     .unwrap()
//!     .with_ncci(edits.clone());
//! let day = chrono::NaiveDate::from_ymd_opt(2025, 3, 3).unwrap();
//! let ecg = CodeLine::manual(CodeSystem::Cpt, "93000", "ECG").unwrap().with_id("L1");
//! let tracing = CodeLine::manual(CodeSystem::Cpt, "93005", "Tracing").unwrap().with_id("L2");
//! let problems = edits.check_lines(&[ecg.clone(), tracing.clone()], Some(day)).unwrap();
//! assert_eq!(problems[0].code, ProblemCode::NcciPtpConflict);
//! assert_eq!(problems[0].line_id.as_deref(), Some("L2"));
//! // A modifier on the column-2 line clears an indicator-1 edit.
//! let tracing = tracing.with_modifiers(["59"]).unwrap();
//! assert!(edits.check_lines(&[ecg, tracing], Some(day)).unwrap().is_empty());
//! ```

/// An enum of CMS indicator numbers (in JSON: the number): its
/// declaration, `as_u8` and `from_u8`, and through them `From`/`TryFrom<u8>`
/// and `Display`. `$what` and `$expected` word the error of a number
/// outside the enum.
macro_rules! cms_number {
    (
        $(#[$meta:meta])*
        pub enum $kind:ident ($what:literal, $expected:literal) {
            $($(#[$vmeta:meta])* $variant:ident = $n:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(into = "u8", try_from = "u8")]
        pub enum $kind {
            $($(#[$vmeta])* $variant,)+
        }

        impl $kind {
            #[doc = concat!("The CMS number: ", $expected, ".")]
            pub fn as_u8(self) -> u8 {
                match self {
                    $($kind::$variant => $n,)+
                }
            }

            /// The value of a CMS number.
            pub fn from_u8(n: u8) -> Option<$kind> {
                match n {
                    $($n => Some($kind::$variant),)+
                    _ => None,
                }
            }
        }

        impl From<$kind> for u8 {
            fn from(value: $kind) -> u8 {
                value.as_u8()
            }
        }

        impl TryFrom<u8> for $kind {
            type Error = String;
            fn try_from(n: u8) -> Result<Self, String> {
                $kind::from_u8(n)
                    .ok_or_else(|| format!(concat!($what, " {}: expected ", $expected), n))
            }
        }

        impl std::fmt::Display for $kind {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.as_u8())
            }
        }
    };
}

mod addon;
mod addon_xlsx;
mod build;
mod check;
pub(crate) mod format;
mod reader;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::code::Code;

pub use crate::error::NcciError;
pub use crate::index::Verify;
pub use addon::{AddOnEdit, AddOnType};
pub use build::NcciBuilder;
pub(crate) use check::NcciOut;
pub use check::{is_ncci_modifier, NCCI_MODIFIERS};
#[cfg(feature = "arrow")]
pub(crate) use check::{MueExceeded, MueLines};
pub use reader::NcciEdits;

/// The date CMS uses for "not deleted".
pub const NEVER: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

cms_number! {
    /// Whether a PTP edit may be bypassed with a modifier (CMS column
    /// "Modifier 0=not allowed 1=allowed 9=not applicable"). In JSON: the number.
    ///
    /// # Example
    /// ```
    /// use procode::ncci::ModifierIndicator;
    /// assert_eq!(ModifierIndicator::from_u8(1), Some(ModifierIndicator::Allowed));
    /// assert_eq!(ModifierIndicator::NotApplicable.as_u8(), 9);
    /// assert_eq!(ModifierIndicator::from_u8(2), None);
    /// ```
    pub enum ModifierIndicator ("modifier indicator", "0, 1 or 9") {
        /// 0: no modifier clears the edit.
        NotAllowed = 0,
        /// 1: an NCCI-associated modifier on the column-2 code clears it.
        Allowed = 1,
        /// 9: the edit does not apply.
        NotApplicable = 9,
    }
}

cms_number! {
    /// The MUE adjudication indicator (MAI). In JSON: the number.
    ///
    /// # Example
    /// ```
    /// use procode::ncci::MueAdjudication;
    /// assert!(MueAdjudication::Line.per_line());
    /// assert!(!MueAdjudication::DateClinical.per_line());
    /// assert_eq!(MueAdjudication::from_u8(2), Some(MueAdjudication::DatePolicy));
    /// ```
    pub enum MueAdjudication ("MAI", "1, 2 or 3") {
        /// 1: a claim-line edit (the units of each line).
        Line = 1,
        /// 2: a date-of-service edit based on policy (units summed per day).
        DatePolicy = 2,
        /// 3: a date-of-service edit based on clinical data (units summed per day).
        DateClinical = 3,
    }
}

impl MueAdjudication {
    /// Whether the limit applies to each line (MAI 1) rather than to the
    /// units of a date of service (MAI 2 and 3).
    pub fn per_line(self) -> bool {
        self == MueAdjudication::Line
    }
}

/// One PTP edit record: column 1 and column 2 may not be billed together on
/// one date of service while the edit is active.
///
/// # Example
/// ```
/// use procode::ncci::{ModifierIndicator, PtpEdit};
/// use procode::Code;
/// use chrono::NaiveDate;
/// let e = PtpEdit {
///     column1: Code::parse("64630").unwrap(),
///     column2: Code::parse("95900").unwrap(),
///     deleted: NaiveDate::from_ymd_opt(2012, 12, 31),
///     modifier_indicator: ModifierIndicator::NotAllowed,
///     rationale: "Standards of medical/surgical practice".into(),
/// };
/// assert!(e.is_active_on(NaiveDate::from_ymd_opt(2012, 12, 31).unwrap()));
/// assert!(!e.is_active_on(NaiveDate::from_ymd_opt(2013, 1, 1).unwrap()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PtpEdit {
    /// The column-1 (comprehensive) code.
    pub column1: Code,
    /// The column-2 (component) code, the one denied.
    pub column2: Code,
    /// The last day the edit applies; `None` when not deleted (CMS
    /// `9999-12-31`).
    pub deleted: Option<NaiveDate>,
    /// Whether a modifier may clear the edit.
    pub modifier_indicator: ModifierIndicator,
    /// The CMS rationale, e.g. "CPT Separate procedure definition".
    pub rationale: String,
}

impl PtpEdit {
    /// Whether the edit is in force on a date of service (it is deleted after
    /// its deletion date). Modifier indicator 9 is not considered here.
    pub fn is_active_on(&self, date_of_service: NaiveDate) -> bool {
        self.deleted.is_none_or(|d| date_of_service <= d)
    }
}

/// A medically unlikely edit: the most units of a code per line (MAI 1) or
/// per date of service (MAI 2 and 3).
///
/// # Example
/// ```
/// use procode::ncci::{Mue, MueAdjudication};
/// use procode::Code;
/// let m = Mue {
///     code: Code::parse("J0585").unwrap(),
///     units: 600,
///     mai: MueAdjudication::DateClinical,
///     rationale: "Clinical: Data".into(),
///     effective: None,
/// };
/// assert!(!m.mai.per_line());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mue {
    /// The code.
    pub code: Code,
    /// The most units allowed (0: none for practitioners).
    pub units: u32,
    /// How the units are counted.
    pub mai: MueAdjudication,
    /// The CMS rationale.
    pub rationale: String,
    /// The first date of service the MUE applies to (its table's effective
    /// date), when known.
    pub effective: Option<NaiveDate>,
}
