//! Vectorised code validation: one verdict per (code, system, date) row.

use arrow_array::builder::StringBuilder;
use arrow_array::{Array, StringArray};
use chrono::NaiveDate;

use super::input::{Dates, Text, TEXT_TYPES};
use super::BatchError;
use crate::billing::CodeSource;
use crate::code::{Code, CodeSystem};

/// Whether a code can be billed on a date, as the catalog says.
///
/// # Example
/// ```
/// use procode::batch::{code_verdict, CodeVerdict};
/// use procode::{Catalog, CodeSystem};
/// let cat = Catalog::embedded().unwrap();
/// assert_eq!(code_verdict(&cat, "F41.1", CodeSystem::Icd10Cm, None), CodeVerdict::Valid);
/// assert_eq!(code_verdict(&cat, "F41", CodeSystem::Icd10Cm, None), CodeVerdict::NotBillable);
/// assert_eq!(code_verdict(&cat, "G0999", CodeSystem::Hcpcs, None), CodeVerdict::Unknown);
/// assert_eq!(code_verdict(&cat, "99-x", CodeSystem::Hcpcs, None), CodeVerdict::Malformed);
/// assert_eq!(CodeVerdict::NotEffective.as_str(), "not_effective");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodeVerdict {
    /// In the catalog, billable, and valid on the date (or no date given).
    Valid,
    /// In the catalog but not valid on the date: not yet effective, or
    /// terminated.
    NotEffective,
    /// Well-formed, but not in the catalog for that system.
    Unknown,
    /// In the catalog but not billable (an ICD-10-CM category header).
    NotBillable,
    /// Not a code of that system at all (wrong shape, stray characters).
    Malformed,
}

impl CodeVerdict {
    /// Every verdict.
    pub const ALL: [CodeVerdict; 5] = [
        CodeVerdict::Valid,
        CodeVerdict::NotEffective,
        CodeVerdict::Unknown,
        CodeVerdict::NotBillable,
        CodeVerdict::Malformed,
    ];

    /// `valid`, `not_effective`, `unknown`, `not_billable` or `malformed`.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeVerdict::Valid => "valid",
            CodeVerdict::NotEffective => "not_effective",
            CodeVerdict::Unknown => "unknown",
            CodeVerdict::NotBillable => "not_billable",
            CodeVerdict::Malformed => "malformed",
        }
    }
}

/// The verdict for one code: the single mapping from the catalog's lookup
/// to a [`CodeVerdict`]. A header is `NotBillable` whatever the date, as
/// readiness reports it.
pub fn code_verdict<S: CodeSource + ?Sized>(
    source: &S,
    code: &str,
    system: CodeSystem,
    date: Option<NaiveDate>,
) -> CodeVerdict {
    let Ok(code) = Code::parse_for(system, code) else {
        return CodeVerdict::Malformed;
    };
    match source.entry(&code, system) {
        None => CodeVerdict::Unknown,
        Some(e) if !e.billable => CodeVerdict::NotBillable,
        Some(e) if date.is_some_and(|d| !e.is_valid_on(d)) => CodeVerdict::NotEffective,
        Some(_) => CodeVerdict::Valid,
    }
}

/// Column names of [`validate_codes`] in its errors.
const CODES: &str = "codes";
const SYSTEMS: &str = "systems";
const DATES: &str = "dates";

/// The verdict of every row: `codes[i]` in `systems[i]` (a system name such
/// as `hcpcs` or `icd10cm`) on `dates[i]` (no date check where `dates` is
/// `None` or the date is null). A null code or system gives a null verdict;
/// an unknown system name, a bad date or columns of different lengths are
/// errors naming the column and row.
///
/// # Example
/// ```
/// use arrow_array::{Array, Date32Array, StringArray};
/// use procode::batch::validate_codes;
/// let cat = procode::Catalog::embedded().unwrap();
/// let codes = StringArray::from(vec!["F41.1", "F41", "G0444"]);
/// let systems = StringArray::from(vec!["icd10cm", "icd10cm", "hcpcs"]);
/// let dates = Date32Array::from(vec![20_150, 20_150, 20_150]);
/// let v = validate_codes(&cat, &codes, &systems, Some(&dates)).unwrap();
/// assert_eq!(v.value(0), "valid");
/// assert_eq!(v.value(1), "not_billable");
/// ```
pub fn validate_codes<S: CodeSource + ?Sized>(
    source: &S,
    codes: &dyn Array,
    systems: &dyn Array,
    dates: Option<&dyn Array>,
) -> Result<StringArray, BatchError> {
    let n = codes.len();
    let same_length = |column: &'static str, a: &dyn Array| {
        if a.len() == n {
            Ok(())
        } else {
            Err(BatchError::LengthMismatch {
                column,
                found: a.len(),
                expected: n,
            })
        }
    };
    same_length(SYSTEMS, systems)?;
    if let Some(d) = dates {
        same_length(DATES, d)?;
    }
    let code_col = Text::new(codes, CODES, TEXT_TYPES)?;
    let system_col = Text::new(systems, SYSTEMS, TEXT_TYPES)?;
    let date_col = dates.map(|d| Dates::new(d, DATES)).transpose()?;
    let mut out = StringBuilder::with_capacity(n, n * 8);
    // Most inputs repeat a handful of system names.
    let mut last_system: Option<(&str, CodeSystem)> = None;
    for i in 0..n {
        let row = i as u64;
        let (Some(code), Some(name)) = (code_col.get(i), system_col.get(i)) else {
            out.append_null();
            continue;
        };
        let system = match last_system {
            Some((n, s)) if n == name => s,
            _ => {
                let s: CodeSystem =
                    name.parse()
                        .map_err(|e: crate::CodeError| BatchError::BadValue {
                            column: SYSTEMS,
                            row,
                            problem: e.to_string(),
                        })?;
                last_system = Some((name, s));
                s
            }
        };
        let date = match &date_col {
            Some(d) => d.get(i, DATES, row)?,
            None => None,
        };
        out.append_value(code_verdict(source, code, system, date).as_str());
    }
    Ok(out.finish())
}
