//! Insurance readiness: every problem that would get a claim rejected.

use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasher;

use serde::{Deserialize, Serialize};

use super::documents::BillingDocument;
use super::line::MAX_MODIFIERS;
use super::rates::Pricing;
use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::import::tabular::TabularView;
use crate::ncci::{AddOnType, MueAdjudication, NcciEdits, PtpEdit};
use chrono::NaiveDate;

/// Where readiness looks codes up: a catalog.
///
/// `entry` returns the entry whatever its dates; readiness checks
/// [`Entry::is_valid_on`] itself.
///
/// # Example
/// ```
/// use std::collections::HashMap;
/// use procode::{Code, CodeSystem, Entry};
/// use procode::billing::CodeSource;
/// let code = Code::parse("G0438").unwrap();
/// let mut map = HashMap::new();
/// map.insert((CodeSystem::Hcpcs, code), Entry::new(code, CodeSystem::Hcpcs, "Annual wellness visit"));
/// assert!(map.entry(&code, CodeSystem::Hcpcs).is_some());
/// assert!(map.entry(&code, CodeSystem::Cpt).is_none());
/// ```
pub trait CodeSource {
    /// The entry of a code in a system, if the source knows it.
    fn entry(&self, code: &Code, system: CodeSystem) -> Option<Entry>;

    /// The version of a code in force on a date of service (its title and
    /// billable flag on that day), or, when no version is valid then, any
    /// version (readiness then reports the code not valid on that date). By
    /// default the one [`CodeSource::entry`] gives; a
    /// [`Catalog`](crate::Catalog) answers from the code's history.
    fn entry_on(&self, code: &Code, system: CodeSystem, date: NaiveDate) -> Option<Entry> {
        let _ = date;
        self.entry(code, system)
    }

    /// The NCCI edits readiness checks lines against (`NCCI_PTP_CONFLICT`,
    /// `MUE_EXCEEDED`); none by default. A [`Catalog`](crate::Catalog)
    /// returns the edits attached with
    /// [`Catalog::with_edits`](crate::Catalog::with_edits).
    fn edits(&self) -> Option<&NcciEdits> {
        None
    }

    /// The ICD-10-CM structure readiness checks diagnoses against
    /// (`EXCLUDES1_CONFLICT`, `MANIFESTATION_FIRST`, `CODE_FIRST_NOTE`, and the
    /// billable codes a `DIAGNOSIS_NOT_BILLABLE` message lists); none by
    /// default. A [`Catalog`](crate::Catalog) returns its index's tabular
    /// section.
    ///
    /// # Errors
    /// A damaged structure section (readiness then reports the claim not
    /// ready rather than skipping the checks).
    fn structure(&self) -> Result<Option<TabularView<'_>>, crate::error::CatalogError> {
        Ok(None)
    }

    /// The releases the source holds, for `CODE_SET_NOT_CURRENT`; none by
    /// default (nothing is then said about release windows). A
    /// [`Catalog`](crate::Catalog) returns
    /// [`Catalog::releases`](crate::Catalog::releases).
    fn releases(&self) -> &[crate::Release] {
        &[]
    }
}

impl<S: BuildHasher> CodeSource for HashMap<(CodeSystem, Code), Entry, S> {
    fn entry(&self, code: &Code, system: CodeSystem) -> Option<Entry> {
        self.get(&(system, *code)).cloned()
    }
}

impl<T: CodeSource + ?Sized> CodeSource for &T {
    fn entry(&self, code: &Code, system: CodeSystem) -> Option<Entry> {
        (**self).entry(code, system)
    }

    fn entry_on(&self, code: &Code, system: CodeSystem, date: NaiveDate) -> Option<Entry> {
        (**self).entry_on(code, system, date)
    }

    fn edits(&self) -> Option<&NcciEdits> {
        (**self).edits()
    }

    fn structure(&self) -> Result<Option<TabularView<'_>>, crate::error::CatalogError> {
        (**self).structure()
    }

    fn releases(&self) -> &[crate::Release] {
        (**self).releases()
    }
}

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
}

impl ProblemCode {
    /// Every problem code.
    pub const ALL: [ProblemCode; 38] = [
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
        }
    }
}

/// How serious a problem is: an `error` gets the claim rejected or denied;
/// a `warning` makes a denial likely or needs a person to review it. In JSON
/// and the bindings, `"error"` or `"warning"`.
///
/// # Example
/// ```
/// use procode::billing::{ProblemCode, Severity};
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

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
            | ProblemCode::ManifestationFirst => Severity::Error,
            ProblemCode::AddOnPrimaryNotListed
            | ProblemCode::CodeFirstNote
            | ProblemCode::CodeSetNotCurrent => Severity::Warning,
        }
    }
}

impl fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One readiness problem. In JSON it also carries its `severity`
/// (`"error"` or `"warning"`, from its code; ignored when read back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "ProblemJson", from = "ProblemJson")]
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

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.line_id {
            Some(id) => write!(f, "{} (line {id}): {}", self.code, self.message),
            None => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

/// Lists every problem that would get a claim for `doc` rejected; an empty
/// list means ready. `pricing`, when given, is tried for lines without a
/// rate before reporting `NO_RATE`.
///
/// Services have no date of service, so their codes are not checked for
/// effective dates.
///
/// # Example
/// ```
/// use std::collections::HashMap;
/// use procode::billing::{readiness, CodeLine, EditBatch, Editor, Money, ProblemCode, Service};
/// use procode::CodeSystem;
/// use chrono::{TimeZone, Utc};
/// let mut svc = Service::new("SVC-1", "Visit", Money::parse("80", "USD").unwrap());
/// let line = CodeLine::manual(CodeSystem::Hcpcs, "G0438", "Wellness visit").unwrap();
/// svc.edit(&EditBatch::new().add(line), &Editor::new("me", Utc.timestamp_opt(0, 0).unwrap())).unwrap();
/// let empty: HashMap<_, _> = HashMap::new();
/// let codes: Vec<_> = readiness(&svc, &empty, None).iter().map(|p| p.code.as_str()).collect();
/// assert_eq!(codes, ["UNKNOWN_CODE", "MISSING_DIAGNOSIS", "INVALID_PLACE_OF_SERVICE"]);
/// ```
pub fn readiness<D, S>(doc: &D, source: &S, pricing: Option<Pricing<'_>>) -> Vec<Problem>
where
    D: BillingDocument + ?Sized,
    S: CodeSource + ?Sized,
{
    let mut out = Vec::new();
    let lines = doc.lines();
    if lines.is_empty() {
        out.push(Problem {
            code: ProblemCode::MissingCode,
            line_id: None,
            message: format!("{} has no codes to bill", doc.document()),
            detail: None,
        });
    }
    for line in lines {
        let mut push = |code: ProblemCode, message: String| {
            out.push(Problem {
                code,
                line_id: Some(line.id.clone()),
                message,
                detail: None,
            })
        };
        let dos = line.date_of_service.or(doc.date());
        // The version in force on the line's date (title, billable flag).
        let look = |code: &Code, system: CodeSystem| match dos {
            Some(d) => source.entry_on(code, system, d),
            None => source.entry(code, system),
        };
        let shown = line.code.display_for(line.system);
        match look(&line.code, line.system) {
            None => push(
                ProblemCode::UnknownCode,
                format!("{} code {shown} is not in the catalog", line.system),
            ),
            Some(e) => {
                if let Some(d) = dos.filter(|d| !e.is_valid_on(*d)) {
                    push(
                        ProblemCode::CodeNotEffective,
                        format!(
                            "{} code {shown} is not valid on {d}{}",
                            line.system,
                            validity(&e)
                        ),
                    );
                }
            }
        }
        if line.modifiers.len() > MAX_MODIFIERS {
            push(
                ProblemCode::TooManyModifiers,
                format!(
                    "{} modifiers: a claim line takes at most {MAX_MODIFIERS}",
                    line.modifiers.len()
                ),
            );
        }
        for m in &line.modifiers {
            match look(m, CodeSystem::Modifier) {
                None => push(
                    ProblemCode::UnknownModifier,
                    format!("modifier {m} is not in the catalog"),
                ),
                Some(e) => {
                    if let Some(d) = dos.filter(|d| !e.is_valid_on(*d)) {
                        push(
                            ProblemCode::CodeNotEffective,
                            format!("modifier {m} is not valid on {d}{}", validity(&e)),
                        );
                    }
                }
            }
        }
        if line.diagnoses.is_empty() {
            push(
                ProblemCode::MissingDiagnosis,
                format!("{shown} has no diagnosis: point it at an ICD-10-CM code"),
            );
        }
        for dx in &line.diagnoses {
            let dotted = dx.display_for(CodeSystem::Icd10Cm);
            match look(dx, CodeSystem::Icd10Cm) {
                None => push(
                    ProblemCode::UnknownDiagnosis,
                    format!("diagnosis {dotted} is not an ICD-10-CM code in the catalog"),
                ),
                Some(e) if !e.billable => push(
                    ProblemCode::DiagnosisNotBillable,
                    format!(
                        "diagnosis {dotted} ({}) is a category header, not billable: pick a more specific code{}",
                        e.short_description,
                        super::coding::not_billable_hint(source, dx, dos)
                    ),
                ),
                Some(e) => {
                    if let Some(d) = dos.filter(|d| !e.is_valid_on(*d)) {
                        push(
                            ProblemCode::CodeNotEffective,
                            format!("diagnosis {dotted} is not valid on {d}{}", validity(&e)),
                        );
                    }
                }
            }
        }
        if line.units == 0 {
            push(
                ProblemCode::InvalidUnits,
                "units must be greater than zero".to_owned(),
            );
        }
        match line.place_of_service {
            None => push(
                ProblemCode::InvalidPlaceOfService,
                "no place of service".to_owned(),
            ),
            Some(p) if source.entry(&p, CodeSystem::Pos).is_none() => push(
                ProblemCode::InvalidPlaceOfService,
                format!("place of service {p} is not in the catalog"),
            ),
            Some(_) => {}
        }
        let resolvable = pricing.is_some_and(|p| {
            p.resolve(
                line,
                doc.payer_id(),
                doc.date(),
                doc.currency(),
                doc.service_price(),
            )
            .is_some()
        });
        if line.rate.is_none() && !resolvable {
            push(ProblemCode::NoRate, format!("no rate for {shown}"));
        }
    }
    super::coding::check_coding(lines, doc.date(), source, &mut out);
    if let Some(edits) = source.edits() {
        match edits.check_lines(lines, doc.date()) {
            Ok(found) => out.extend(found),
            // Only a file opened with `Verify::Lazy` can fail here. Fail
            // closed: a claim is never called ready when its edits could
            // not be read.
            Err(e) => out.push(Problem {
                code: ProblemCode::NcciPtpConflict,
                line_id: None,
                message: format!("the NCCI edits could not be checked: {e}"),
                detail: None,
            }),
        }
    }
    super::current::check(doc, source, &mut out);
    out
}

fn validity(e: &Entry) -> String {
    match (e.effective, e.terminated) {
        (Some(a), Some(b)) => format!(" (valid {a} to {b})"),
        (Some(a), None) => format!(" (valid from {a})"),
        (None, Some(b)) => format!(" (terminated after {b})"),
        (None, None) => String::new(),
    }
}
