//! The vocabulary every check reports in: [`Problem`], its stable
//! [`ProblemCode`], its [`Severity`] and its machine-readable
//! [`ProblemDetail`]. A leaf: it depends only on codes and on the record
//! types of the reference tables it names in details (the NCCI PTP edit,
//! the MUE adjudication indicator, the add-on edit type), and every check —
//! readiness, NCCI, the coding rules, the claim context — depends on it.
//! The types are also re-exported from [`crate::billing`].

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::code::{Code, CodeSystem};
use crate::ncci::{AddOnType, MueAdjudication, PtpEdit};

/// The stable, machine-readable code of a readiness problem, or of a claim
/// problem ([`crate::claim`]: the context and what the claim formats add).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ProblemCode {
    /// The document has no code lines.
    MissingCode,
    /// A code the catalog does not know (typically typed by hand).
    UnknownCode,
    /// A code (or modifier, or diagnosis) not valid on the date of service.
    CodeNotEffective,
    /// A line without a diagnosis pointer.
    MissingDiagnosis,
    /// A diagnosis the catalog does not know.
    UnknownDiagnosis,
    /// A diagnosis that is a header, not a billable code (e.g. F41).
    DiagnosisNotBillable,
    /// More than four modifiers.
    TooManyModifiers,
    /// A modifier the catalog does not know.
    UnknownModifier,
    /// Units of zero.
    InvalidUnits,
    /// No place of service, or one the catalog does not know.
    InvalidPlaceOfService,
    /// No rate for the line.
    NoRate,
    /// A required field of the claim context is missing or empty.
    MissingContextField,
    /// An NPI that is not ten digits with a valid Luhn check digit (prefix 80840).
    InvalidNpi,
    /// An employer identification number that is not nine digits.
    InvalidEin,
    /// A social security number that is not valid.
    InvalidSsn,
    /// A provider taxonomy code that is not ten characters ending in X.
    InvalidTaxonomy,
    /// A ZIP code that is not five or nine digits (nine for the billing provider).
    InvalidZip,
    /// A billing provider address that is a post office box.
    PoBoxAddress,
    /// A state that is not a US state or territory code.
    InvalidState,
    /// A date out of range (a birth date in the future, a service after the claim's creation).
    InvalidDate,
    /// A submitter phone number or email address that cannot be used.
    InvalidContact,
    /// An identifier with characters a claim cannot carry.
    InvalidIdentifier,
    /// A value longer than the claim formats allow.
    ValueTooLong,
    /// An X12 control number outside 1..=999999999.
    InvalidControlNumber,
    /// A replacement or void (frequency 7 or 8) without the original claim number.
    MissingOriginalClaim,
    /// A document that cannot be claimed: a service, an unfinished session or a void invoice.
    NotBillable,
    /// A document not in US dollars (claims are in USD).
    UnsupportedCurrency,
    /// More than twelve diagnoses on one claim or CMS-1500 page.
    TooManyDiagnoses,
    /// A line pointing at more than four diagnoses.
    TooManyPointers,
    /// A charge above 99999999.99.
    AmountTooLarge,
    /// Two lines of one date of service form an active NCCI
    /// procedure-to-procedure edit (reported on the column-2 line).
    NcciPtpConflict,
    /// More units of a code than its NCCI medically unlikely edit allows.
    MueExceeded,
    /// Two diagnoses of one claim where one sits under an Excludes1 note of
    /// the other ("NOT CODED HERE").
    Excludes1Conflict,
    /// An add-on code (CMS edit type 1) without any of its primary codes on
    /// the same date of service.
    AddOnWithoutPrimary,
    /// An add-on code (CMS edit type 3) without any of its listed primary
    /// codes on the same date of service (contractors may allow others):
    /// a warning.
    AddOnPrimaryNotListed,
    /// A manifestation code ("in diseases classified elsewhere") listed
    /// first on a line or the claim.
    ManifestationFirst,
    /// A code with an unconditional "code first" note listed first without a
    /// diagnosis from the note's targets on the claim: a warning.
    CodeFirstNote,
    /// A date of service outside every release window the catalog holds for
    /// a code system (a warning: the codes were checked against another
    /// release).
    CodeSetNotCurrent,
    /// The NCCI edits file (PTP, MUE or add-on code edits) could not be
    /// read while checking: the claim is not called ready (fail closed).
    NcciEditsUnreadable,
}

impl ProblemCode {
    /// Every problem code.
    pub const ALL: [ProblemCode; 39] = [
        ProblemCode::MissingCode,
        ProblemCode::UnknownCode,
        ProblemCode::CodeNotEffective,
        ProblemCode::MissingDiagnosis,
        ProblemCode::UnknownDiagnosis,
        ProblemCode::DiagnosisNotBillable,
        ProblemCode::TooManyModifiers,
        ProblemCode::UnknownModifier,
        ProblemCode::InvalidUnits,
        ProblemCode::InvalidPlaceOfService,
        ProblemCode::NoRate,
        ProblemCode::MissingContextField,
        ProblemCode::InvalidNpi,
        ProblemCode::InvalidEin,
        ProblemCode::InvalidSsn,
        ProblemCode::InvalidTaxonomy,
        ProblemCode::InvalidZip,
        ProblemCode::PoBoxAddress,
        ProblemCode::InvalidState,
        ProblemCode::InvalidDate,
        ProblemCode::InvalidContact,
        ProblemCode::InvalidIdentifier,
        ProblemCode::ValueTooLong,
        ProblemCode::InvalidControlNumber,
        ProblemCode::MissingOriginalClaim,
        ProblemCode::NotBillable,
        ProblemCode::UnsupportedCurrency,
        ProblemCode::TooManyDiagnoses,
        ProblemCode::TooManyPointers,
        ProblemCode::AmountTooLarge,
        ProblemCode::NcciPtpConflict,
        ProblemCode::MueExceeded,
        ProblemCode::Excludes1Conflict,
        ProblemCode::AddOnWithoutPrimary,
        ProblemCode::AddOnPrimaryNotListed,
        ProblemCode::ManifestationFirst,
        ProblemCode::CodeFirstNote,
        ProblemCode::CodeSetNotCurrent,
        ProblemCode::NcciEditsUnreadable,
    ];

    /// The stable code, e.g. `"MISSING_DIAGNOSIS"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::MissingCode => "MISSING_CODE",
            ProblemCode::UnknownCode => "UNKNOWN_CODE",
            ProblemCode::CodeNotEffective => "CODE_NOT_EFFECTIVE",
            ProblemCode::MissingDiagnosis => "MISSING_DIAGNOSIS",
            ProblemCode::UnknownDiagnosis => "UNKNOWN_DIAGNOSIS",
            ProblemCode::DiagnosisNotBillable => "DIAGNOSIS_NOT_BILLABLE",
            ProblemCode::TooManyModifiers => "TOO_MANY_MODIFIERS",
            ProblemCode::UnknownModifier => "UNKNOWN_MODIFIER",
            ProblemCode::InvalidUnits => "INVALID_UNITS",
            ProblemCode::InvalidPlaceOfService => "INVALID_PLACE_OF_SERVICE",
            ProblemCode::NoRate => "NO_RATE",
            ProblemCode::MissingContextField => "MISSING_CONTEXT_FIELD",
            ProblemCode::InvalidNpi => "INVALID_NPI",
            ProblemCode::InvalidEin => "INVALID_EIN",
            ProblemCode::InvalidSsn => "INVALID_SSN",
            ProblemCode::InvalidTaxonomy => "INVALID_TAXONOMY",
            ProblemCode::InvalidZip => "INVALID_ZIP",
            ProblemCode::PoBoxAddress => "PO_BOX_ADDRESS",
            ProblemCode::InvalidState => "INVALID_STATE",
            ProblemCode::InvalidDate => "INVALID_DATE",
            ProblemCode::InvalidContact => "INVALID_CONTACT",
            ProblemCode::InvalidIdentifier => "INVALID_IDENTIFIER",
            ProblemCode::ValueTooLong => "VALUE_TOO_LONG",
            ProblemCode::InvalidControlNumber => "INVALID_CONTROL_NUMBER",
            ProblemCode::MissingOriginalClaim => "MISSING_ORIGINAL_CLAIM",
            ProblemCode::NotBillable => "NOT_BILLABLE",
            ProblemCode::UnsupportedCurrency => "UNSUPPORTED_CURRENCY",
            ProblemCode::TooManyDiagnoses => "TOO_MANY_DIAGNOSES",
            ProblemCode::TooManyPointers => "TOO_MANY_POINTERS",
            ProblemCode::AmountTooLarge => "AMOUNT_TOO_LARGE",
            ProblemCode::NcciPtpConflict => "NCCI_PTP_CONFLICT",
            ProblemCode::MueExceeded => "MUE_EXCEEDED",
            ProblemCode::Excludes1Conflict => "EXCLUDES1_CONFLICT",
            ProblemCode::AddOnWithoutPrimary => "ADD_ON_WITHOUT_PRIMARY",
            ProblemCode::AddOnPrimaryNotListed => "ADD_ON_PRIMARY_NOT_LISTED",
            ProblemCode::ManifestationFirst => "MANIFESTATION_FIRST",
            ProblemCode::CodeFirstNote => "CODE_FIRST_NOTE",
            ProblemCode::CodeSetNotCurrent => "CODE_SET_NOT_CURRENT",
            ProblemCode::NcciEditsUnreadable => "NCCI_EDITS_UNREADABLE",
        }
    }
}

/// How serious a problem is: an `error` gets the claim rejected or denied;
/// a `warning` makes a denial likely or needs a person to review it. In JSON
/// and the bindings, `"error"` or `"warning"`.
///
/// # Example
/// ```
/// use procode::problem::{ProblemCode, Severity};
/// assert_eq!(ProblemCode::MissingDiagnosis.severity(), Severity::Error);
/// assert_eq!(Severity::Error.as_str(), "error");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Severity {
    /// The claim will be rejected or denied.
    Error,
    /// The claim is likely denied or needs review.
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

procode_index::as_str_impls!(display: Severity);

impl ProblemCode {
    /// The severity of problems with this code: [`Severity::Warning`] for
    /// `ADD_ON_PRIMARY_NOT_LISTED`, `CODE_FIRST_NOTE` (likely denied or to
    /// review) and `CODE_SET_NOT_CURRENT` (never makes a claim not ready by
    /// itself), [`Severity::Error`] for every other.
    pub fn severity(self) -> Severity {
        match self {
            ProblemCode::MissingCode
            | ProblemCode::UnknownCode
            | ProblemCode::CodeNotEffective
            | ProblemCode::MissingDiagnosis
            | ProblemCode::UnknownDiagnosis
            | ProblemCode::DiagnosisNotBillable
            | ProblemCode::TooManyModifiers
            | ProblemCode::UnknownModifier
            | ProblemCode::InvalidUnits
            | ProblemCode::InvalidPlaceOfService
            | ProblemCode::NoRate
            | ProblemCode::MissingContextField
            | ProblemCode::InvalidNpi
            | ProblemCode::InvalidEin
            | ProblemCode::InvalidSsn
            | ProblemCode::InvalidTaxonomy
            | ProblemCode::InvalidZip
            | ProblemCode::PoBoxAddress
            | ProblemCode::InvalidState
            | ProblemCode::InvalidDate
            | ProblemCode::InvalidContact
            | ProblemCode::InvalidIdentifier
            | ProblemCode::ValueTooLong
            | ProblemCode::InvalidControlNumber
            | ProblemCode::MissingOriginalClaim
            | ProblemCode::NotBillable
            | ProblemCode::UnsupportedCurrency
            | ProblemCode::TooManyDiagnoses
            | ProblemCode::TooManyPointers
            | ProblemCode::AmountTooLarge
            | ProblemCode::NcciPtpConflict
            | ProblemCode::MueExceeded
            | ProblemCode::Excludes1Conflict
            | ProblemCode::AddOnWithoutPrimary
            | ProblemCode::ManifestationFirst
            | ProblemCode::NcciEditsUnreadable => Severity::Error,
            ProblemCode::AddOnPrimaryNotListed
            | ProblemCode::CodeFirstNote
            | ProblemCode::CodeSetNotCurrent => Severity::Warning,
        }
    }
}

procode_index::as_str_impls!(display: ProblemCode);

/// One readiness problem. In JSON it also carries its `severity`
/// (`"error"` or `"warning"`, from its code; ignored when read back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "ProblemJson", from = "ProblemJson")]
#[non_exhaustive]
pub struct Problem {
    /// The stable code.
    pub code: ProblemCode,
    /// The line concerned (`None` for the document as a whole).
    pub line_id: Option<String>,
    /// A message for people.
    pub message: String,
    /// Machine-readable facts of the NCCI and coding-rule problems (absent
    /// for the others).
    pub detail: Option<ProblemDetail>,
}

impl Problem {
    /// A problem without detail; `line_id` is `None` for the document as a
    /// whole. Problems may gain fields, so they are made here (and with
    /// [`Problem::with_detail`]) rather than as a struct literal.
    ///
    /// ```
    /// use procode::billing::{Problem, ProblemCode, Severity};
    /// let p = Problem::new(ProblemCode::NoRate, Some("L1".into()), "no rate for H0004");
    /// assert_eq!((p.code, p.severity(), p.detail), (ProblemCode::NoRate, Severity::Error, None));
    /// ```
    pub fn new(code: ProblemCode, line_id: Option<String>, message: impl Into<String>) -> Problem {
        Problem {
            code,
            line_id,
            message: message.into(),
            detail: None,
        }
    }

    /// The same problem with its machine-readable facts.
    pub fn with_detail(mut self, detail: Option<ProblemDetail>) -> Problem {
        self.detail = detail;
        self
    }

    /// The problem's severity (its code's).
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}

/// The JSON shape of a [`Problem`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProblemJson {
    code: ProblemCode,
    #[serde(default)]
    severity: Option<Severity>,
    line_id: Option<String>,
    message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    detail: Option<ProblemDetail>,
}

impl From<Problem> for ProblemJson {
    fn from(p: Problem) -> ProblemJson {
        ProblemJson {
            severity: Some(p.code.severity()),
            code: p.code,
            line_id: p.line_id,
            message: p.message,
            detail: p.detail,
        }
    }
}

impl From<ProblemJson> for Problem {
    fn from(p: ProblemJson) -> Problem {
        Problem {
            code: p.code,
            line_id: p.line_id,
            message: p.message,
            detail: p.detail,
        }
    }
}

/// The facts behind an NCCI problem. In JSON, an object tagged by `kind`
/// (`ptp_conflict`, `mue_exceeded`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum ProblemDetail {
    /// `NCCI_PTP_CONFLICT`: the edit and both lines.
    PtpConflict {
        /// The id of the line with the column-1 code.
        column1_line: String,
        /// The id of the line with the column-2 code (the one denied, and
        /// the one that takes the modifier).
        column2_line: String,
        /// Their date of service (`None` for undated lines, e.g. a service's).
        date_of_service: Option<NaiveDate>,
        /// Whether an NCCI-associated modifier on the column-2 line would
        /// clear the conflict (modifier indicator 1).
        modifier_can_clear: bool,
        /// The edit record that decides (the strictest active one).
        edit: PtpEdit,
    },
    /// `MUE_EXCEEDED`: the limit and the units billed.
    MueExceeded {
        /// The code.
        code: Code,
        /// The date of service (`None` for undated lines).
        date_of_service: Option<NaiveDate>,
        /// The MUE: the most units allowed.
        mue: u32,
        /// The MUE adjudication indicator: 1 per line, 2 and 3 per date of
        /// service.
        mai: MueAdjudication,
        /// The units billed (of the line for MAI 1, of the day otherwise).
        units: u64,
        /// The lines counted.
        lines: Vec<String>,
        /// The CMS MUE rationale.
        rationale: String,
    },
    /// `EXCLUDES1_CONFLICT`: the two diagnoses and the note.
    Excludes1Conflict {
        /// The diagnosis whose note (its own or an ancestor's) excludes the other.
        code: Code,
        /// The diagnosis the note excludes.
        excluded: Code,
        /// The note's text, verbatim.
        note: String,
        /// Where the note sits: a code (`F41`), `section F40-F48` or `chapter 5`.
        note_at: String,
    },
    /// `ADD_ON_WITHOUT_PRIMARY` and `ADD_ON_PRIMARY_NOT_LISTED`.
    AddOnWithoutPrimary {
        /// The add-on code.
        add_on: Code,
        /// The CMS edit type that decides (1 or 3).
        edit_type: AddOnType,
        /// The date of service (`None` for undated lines).
        date_of_service: Option<NaiveDate>,
        /// The primary codes in force on that date.
        primaries: Vec<Code>,
    },
    /// `MANIFESTATION_FIRST`: the manifestation code.
    ManifestationFirst {
        /// The code listed first.
        code: Code,
    },
    /// `CODE_FIRST_NOTE`: the code and its note.
    CodeFirstNote {
        /// The code listed first.
        code: Code,
        /// The note's first line (its instruction or lead-in), verbatim.
        note: String,
        /// Where the note sits.
        note_at: String,
    },
    /// `CODE_SET_NOT_CURRENT`: the system, the date and the newest release
    /// held.
    CodeSetNotCurrent {
        /// The code system.
        system: CodeSystem,
        /// The date of service no release covers.
        date_of_service: NaiveDate,
        /// The newest release of the system held (its name).
        newest: String,
        /// Its first day.
        newest_valid_from: NaiveDate,
        /// Its last day, if it has one.
        newest_valid_through: Option<NaiveDate>,
    },
}

/// Appends `n` in decimal (as `Display` writes it).
pub(crate) fn push_u64(out: &mut String, mut n: u64) {
    // Units, MUEs and MAIs are nearly always one or two digits: pushed as
    // characters (no copy call for a byte or two).
    if n < 100 {
        if n >= 10 {
            out.push(char::from(b'0' + (n / 10) as u8));
        }
        out.push(char::from(b'0' + (n % 10) as u8));
        return;
    }
    let mut digits = [0u8; 20];
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[k..] {
        out.push(char::from(d));
    }
}

/// Appends `d` as its `Display` does (`2025-03-01`), without the
/// formatting machinery for the four-digit years of real claims (messages
/// and details name dates of service by the ten thousand in a batch).
pub(crate) fn push_date(m: &mut String, d: NaiveDate) {
    use chrono::Datelike;
    let y = d.year();
    if !(0..=9999).contains(&y) {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = write!(m, "{d}");
        return;
    }
    let (y, mo, day) = (y as usize, d.month() as usize, d.day() as usize);
    m.push_str(two_digits(y / 100));
    m.push_str(two_digits(y % 100));
    m.push('-');
    m.push_str(two_digits(mo));
    m.push('-');
    m.push_str(two_digits(day));
}

/// `n` (below 100) as two digits.
fn two_digits(n: usize) -> &'static str {
    const PAIRS: &str = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";
    let at = (n % 100) * 2;
    PAIRS.get(at..at + 2).unwrap_or("00")
}

/// The strings of problems already written out, for the next problems to
/// be written into: a batch scrub reports problems by the ten thousand and
/// drops each as soon as its row is written ([`Problem::recycle`]), so the
/// checks that make them by the thousand (`MUE_EXCEEDED`,
/// `EXCLUDES1_CONFLICT`) take their strings from here instead of the
/// allocator. Per thread and small: at most [`SPARE_STRINGS`] strings of at
/// most [`SPARE_BYTES`] bytes each, emptied; a host that never recycles
/// finds it empty and gets new strings.
#[derive(Default)]
struct Spare {
    strings: Vec<String>,
    lists: Vec<Vec<String>>,
}

/// How many strings (and lists) a thread keeps at most.
const SPARE_STRINGS: usize = 64;
/// Longer strings go back to the allocator.
const SPARE_BYTES: usize = 1024;

thread_local! {
    static SPARE: std::cell::RefCell<Spare> = std::cell::RefCell::default();
}

/// An empty string with room for at least `bytes` bytes: a recycled one
/// that has the room when the thread holds one among its last few (the
/// pool holds short ids beside long messages: a message written into an
/// id's string would grow it again), else a recycled one grown, else new.
pub(crate) fn spare_string_for(bytes: usize) -> String {
    /// How many of the most recent spares are looked at.
    const LOOK: usize = 8;
    let mut s = SPARE
        .try_with(|s| {
            s.try_borrow_mut().ok().and_then(|mut s| {
                let n = s.strings.len();
                let fits = s.strings[n.saturating_sub(LOOK)..]
                    .iter()
                    .rposition(|t| t.capacity() >= bytes)
                    .map(|k| k + n.saturating_sub(LOOK));
                match fits {
                    Some(k) => Some(s.strings.swap_remove(k)),
                    None => s.strings.pop(),
                }
            })
        })
        .ok()
        .flatten()
        .unwrap_or_default();
    s.reserve(bytes);
    s
}

/// `text` in a string: a recycled one when the thread holds one.
pub(crate) fn spare_copy(text: &str) -> String {
    let mut s = spare_string_for(text.len());
    s.push_str(text);
    s
}

/// An empty list of strings: a recycled one when the thread holds one.
pub(crate) fn spare_list() -> Vec<String> {
    SPARE
        .try_with(|s| s.try_borrow_mut().ok().and_then(|mut s| s.lists.pop()))
        .ok()
        .flatten()
        .unwrap_or_default()
}

#[cfg_attr(not(feature = "arrow"), allow(dead_code))]
impl Problem {
    /// Drops this problem, keeping its strings' room for the next problems
    /// this thread makes (see [`spare_string_for`]). For a caller that has
    /// written the problem out and has no more use for it.
    pub(crate) fn recycle(self) {
        let Problem {
            line_id,
            message,
            detail,
            ..
        } = self;
        let _ = SPARE.try_with(|s| {
            let Ok(mut s) = s.try_borrow_mut() else {
                return;
            };
            let mut keep = |mut t: String| {
                if s.strings.len() < SPARE_STRINGS && t.capacity() <= SPARE_BYTES {
                    t.clear();
                    s.strings.push(t);
                }
            };
            keep(message);
            if let Some(id) = line_id {
                keep(id);
            }
            let mut list = None;
            match detail {
                Some(ProblemDetail::MueExceeded {
                    mut lines,
                    rationale,
                    ..
                }) => {
                    keep(rationale);
                    for l in lines.drain(..) {
                        keep(l);
                    }
                    list = Some(lines);
                }
                Some(
                    ProblemDetail::Excludes1Conflict { note, note_at, .. }
                    | ProblemDetail::CodeFirstNote { note, note_at, .. },
                ) => {
                    keep(note);
                    keep(note_at);
                }
                _ => {}
            }
            if let Some(l) = list {
                if s.lists.len() < SPARE_STRINGS && l.capacity() <= SPARE_STRINGS {
                    s.lists.push(l);
                }
            }
        });
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.line_id {
            Some(id) => write!(f, "{} (line {id}): {}", self.code, self.message),
            None => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

/// What a check reads of one claim line: its id, code, date of service
/// (the document's when the line has none of its own), modifiers, units and
/// diagnosis pointers. The NCCI, add-on and coding-rule checks take these,
/// not billing documents; readiness builds them from a document's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineFacts<'a> {
    /// The line id.
    pub id: &'a str,
    /// The code system of the billed code.
    pub system: CodeSystem,
    /// The billed code.
    pub code: Code,
    /// The date of service (`None` for an undated line, e.g. a service's).
    pub date_of_service: Option<NaiveDate>,
    /// The modifiers, in order.
    pub modifiers: &'a [Code],
    /// The units billed.
    pub units: u32,
    /// The ICD-10-CM diagnoses, in pointer order.
    pub diagnoses: &'a [Code],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    #[test]
    fn every_small_number_is_pushed_as_displayed() {
        let mut big = vec![u64::MAX, u64::MAX - 1, 1 << 32, 10_000_000_000_000_000_000];
        big.extend(0..1_200);
        for n in big {
            let mut s = String::from("x");
            push_u64(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }

    #[test]
    fn a_spare_string_has_the_room_asked_for_and_nothing_in_it() {
        for (kept, asked) in [(1usize, 200usize), (300, 200), (0, 0), (5, 1000)] {
            let mut p = Problem {
                code: ProblemCode::MueExceeded,
                line_id: Some("x".repeat(kept)),
                message: "m".to_owned(),
                detail: None,
            };
            p.line_id.as_mut().expect("an id").shrink_to_fit();
            p.recycle();
            let s = spare_string_for(asked);
            assert!(s.is_empty() && s.capacity() >= asked, "{kept} {asked}");
        }
    }

    #[test]
    fn numbers_are_pushed_as_displayed() {
        for n in [0, 1, 9, 10, 99, 100, 12345, u64::from(u32::MAX), u64::MAX] {
            let mut s = String::from("x");
            push_u64(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }

    #[test]
    fn dates_are_pushed_as_displayed() {
        for d in [
            day(2025, 6, 27),
            day(0, 1, 1),
            day(9, 9, 9),
            day(999, 10, 31),
            day(9999, 12, 31),
            day(10_000, 1, 1),
            day(-1, 12, 31),
        ] {
            let mut s = String::from("x");
            push_date(&mut s, d);
            assert_eq!(s, format!("x{d}"));
        }
    }
}
