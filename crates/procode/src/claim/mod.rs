//! Claims: a ready invoice (or completed session) plus a [`ClaimContext`]
//! become an X12 837 Professional (005010X222A1) interchange, a FHIR R4
//! `Claim` resource or a CMS-1500 (02/12) box map.
//!
//! # The pieces
//!
//! - [`ClaimContext`]: who submits, receives, bills, renders, pays and is
//!   covered, with control numbers and the creation time (supplied by the
//!   host; the library never reads the clock). [`ClaimContext::validate`]
//!   lists its problems with stable [`ProblemCode`]s.
//! - [`check`]: every problem that stops an export — the document's
//!   [`readiness`], what the claim formats add
//!   (state, currency, at most four pointers per line, at most twelve
//!   diagnoses per claim or page, amount limits) and the context's.
//! - [`export`] (or [`x12_837p`], [`fhir_claim`], [`cms1500`]): the bytes,
//!   or [`ClaimError::NotReady`] naming every problem. Same input, same
//!   bytes.
//!
//! # Decisions
//!
//! - Claims are in US dollars; a line's charge is its rounded amount
//!   (rate × units) and the claim total is their sum.
//! - A claim holds at most 50 lines: more lines make more claims (2300
//!   loops) in the same transaction, with ids `ID-1`, `ID-2`, … (a single
//!   claim keeps the document id). Each claim lists the diagnoses its own
//!   lines point at, in order of first appearance.
//! - The claim place of service is the first line's; a line with another
//!   place carries its own (SV105).
//! - CMS-1500 pages hold six lines; each page lists the diagnoses of its
//!   lines in box 21 and totals its lines in box 28.
//! - FHIR keeps names as written (UTF-8) and ICD-10-CM codes with their dot;
//!   X12 is upper-case ASCII (accents transliterated) without dots. A void
//!   (frequency 8) is a FHIR claim with status `cancelled`.
//!
//! # Example
//! ```
//! use procode::billing::Document;
//! use procode::claim::{export, ClaimContext, ClaimFormat, EXAMPLE_CONTEXT};
//! # let Ok(catalog) = procode::Catalog::embedded() else { return };
//! let doc: Document = serde_json::from_str(procode::claim::EXAMPLE_INVOICE).unwrap();
//! let ctx = ClaimContext::from_json(EXAMPLE_CONTEXT).unwrap();
//! let x12 = export(&doc, &ctx, &catalog, ClaimFormat::X12).unwrap();
//! assert!(x12.starts_with("ISA*00*          *00*          *ZZ*"));
//! assert!(x12.contains("~HI*ABK:F411*ABF:Z1331~"));
//! let fhir = export(&doc, &ctx, &catalog, ClaimFormat::Fhir).unwrap();
//! assert!(fhir.contains(r#""code":"F41.1""#));
//! ```

mod ascii;
mod cms1500;
mod context;
mod fhir;
mod x12;

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

pub use cms1500::cms1500;
pub use context::{
    npi_is_valid, Address, BillingProvider, ClaimContext, ClaimFilingIndicator, Contact, Frequency,
    Interchange, Patient, Payer, PersonName, ProviderName, Receiver, Relationship,
    RenderingProvider, Sex, Submitter, Subscriber, TaxId, Usage,
};
use context::{Npi, Parties, Zip};
pub use fhir::fhir_claim;
pub use x12::x12_837p;

use crate::billing::{
    readiness, BillingDocument, CodeLine, CodeSource, Currency, DocumentState, InvoiceState,
    Problem, ProblemCode, SessionState,
};
use crate::code::{Code, CodeSystem};

/// At most this many service lines per claim (X12 837P).
pub const MAX_LINES_PER_CLAIM: usize = 50;
/// At most this many diagnoses per claim (HI) or CMS-1500 form (box 21).
pub const MAX_DIAGNOSES: usize = 12;
/// At most this many diagnosis pointers per line.
pub const MAX_POINTERS: usize = 4;
/// Service lines per CMS-1500 page.
pub const LINES_PER_PAGE: usize = 6;
/// The largest charge a claim carries (a line or a claim total).
pub const MAX_CHARGE: Decimal = Decimal::from_parts(0x540B_E3FF, 2, 0, false, 2);
/// The longest claim id (CLM01).
pub const MAX_CLAIM_ID: usize = 38;

/// A sample claim context (the one the docs and tests use).
pub const EXAMPLE_CONTEXT: &str = r#"{
  "submitter": {"name": "Lakeside Counseling", "id": "LAKESIDE01",
                "contact": {"name": "Dana Billing", "phone": "617-555-0134", "email": "billing@lakeside.example"}},
  "receiver": {"name": "Example Clearinghouse", "id": "CLEARHOUSE"},
  "interchange": {"sender_qualifier": "ZZ", "sender_id": "LAKESIDE01", "receiver_qualifier": "ZZ",
                  "receiver_id": "CLEARHOUSE", "usage": "T", "control_number": 1,
                  "group_control_number": 1, "transaction_set_control_number": 1},
  "created_at": "2025-03-04T10:30:00-05:00",
  "billing_provider": {"name": {"organization": "Lakeside Counseling"}, "npi": "1245319599",
                       "tax_id": {"ein": "04-1234567"}, "taxonomy": "101YM0800X",
                       "address": {"line1": "12 Harbor Street", "city": "Cambridge", "state": "MA", "zip": "02139-4307"}},
  "rendering_provider": {"name": {"last": "Lee", "first": "Ana"}, "npi": "1234567893", "taxonomy": "101YM0800X"},
  "payer": {"name": "Aetna", "id": "60054", "claim_filing_indicator": "CI"},
  "subscriber": {"name": {"last": "Núñez", "first": "Zoë"}, "member_id": "W123456789", "group_number": "GRP-42",
                 "address": {"line1": "5 Elm Road", "city": "Somerville", "state": "MA", "zip": "02144"},
                 "birth_date": "1985-07-14", "sex": "F"},
  "relationship": "self",
  "prior_authorization": "PA-7781"
}"#;

/// A sample ready invoice for the docs and tests (H0004 with modifier HO for
/// generalised anxiety, and G0444 for a depression screen).
pub const EXAMPLE_INVOICE: &str = r#"{
  "kind": "invoice", "id": "INV-7", "session_id": "S-1", "date": "2025-03-03", "state": "sent",
  "price": {"amount": "150.00", "currency": "USD"}, "payer_id": "60054",
  "lines": [
    {"id": "L1", "system": "hcpcs", "code": "H0004", "provenance": "catalog",
     "official_description": "Behavioral health counseling and therapy, per 15 minutes",
     "description": "Counseling, per 15 minutes", "units": 4, "modifiers": ["HO"],
     "diagnoses": ["F411"], "place_of_service": "11", "date_of_service": "2025-03-03",
     "rate": {"per_unit": "30", "source": {"kind": "override"}}},
    {"id": "L2", "system": "hcpcs", "code": "G0444", "provenance": "catalog",
     "description": "Depression screen", "units": 1, "modifiers": [],
     "diagnoses": ["F411", "Z1331"], "place_of_service": "11", "date_of_service": "2025-03-03",
     "rate": {"per_unit": "25.50", "source": {"kind": "override"}}}
  ],
  "next_line": 3, "payments": [], "version": 1, "sent_version": 1, "audit": []
}"#;

/// The formats a claim exports to.
///
/// # Example
/// ```
/// use procode::claim::ClaimFormat;
/// assert_eq!("X12".parse::<ClaimFormat>().unwrap(), ClaimFormat::X12);
/// assert_eq!("cms-1500".parse::<ClaimFormat>().unwrap(), ClaimFormat::Cms1500);
/// assert!("ub04".parse::<ClaimFormat>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClaimFormat {
    /// X12 837 Professional, 005010X222A1.
    X12,
    /// FHIR R4 `Claim` JSON.
    Fhir,
    /// CMS-1500 (02/12) box map JSON.
    Cms1500,
}

impl ClaimFormat {
    /// Every format.
    pub const ALL: [ClaimFormat; 3] = [ClaimFormat::X12, ClaimFormat::Fhir, ClaimFormat::Cms1500];

    /// `x12`, `fhir` or `cms1500`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimFormat::X12 => "x12",
            ClaimFormat::Fhir => "fhir",
            ClaimFormat::Cms1500 => "cms1500",
        }
    }
}

procode_index::as_str_impls!(display: ClaimFormat);

impl FromStr for ClaimFormat {
    type Err = ClaimError;

    fn from_str(s: &str) -> std::result::Result<Self, ClaimError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "x12" | "837" | "837p" => Ok(ClaimFormat::X12),
            "fhir" => Ok(ClaimFormat::Fhir),
            "cms1500" | "cms-1500" => Ok(ClaimFormat::Cms1500),
            _ => Err(ClaimError::UnknownFormat {
                format: s.to_owned(),
            }),
        }
    }
}

/// Why a claim was not exported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimError {
    /// The document or the context has problems; every one is listed.
    #[error("cannot export a claim for {document}: {}", list(problems))]
    NotReady {
        /// The document (`invoice INV-7`).
        document: String,
        /// Every problem, readiness first, then the claim's, then the
        /// context's.
        problems: Vec<Problem>,
    },
    /// Claim context JSON that cannot be read.
    #[error("invalid claim context: {message}")]
    InvalidContext {
        /// What serde said, with the line and column.
        message: String,
    },
    /// A format name procode does not know.
    #[error("unknown claim format {format:?}: use x12, fhir or cms1500")]
    UnknownFormat {
        /// The name as given.
        format: String,
    },
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

impl ClaimError {
    /// The problems of a [`ClaimError::NotReady`] (empty otherwise).
    pub fn problems(&self) -> &[Problem] {
        match self {
            ClaimError::NotReady { problems, .. } => problems,
            _ => &[],
        }
    }
}

/// The result type of claim exports.
pub type Result<T> = std::result::Result<T, ClaimError>;

impl ClaimContext {
    /// Reads a context from JSON (unknown fields are refused, so a typo is
    /// an error rather than a silently missing value).
    ///
    /// The message names the path of the field at fault:
    /// ```
    /// use procode::claim::ClaimContext;
    /// let e = ClaimContext::from_json("{}").unwrap_err();
    /// assert_eq!(e.to_string(), "invalid claim context: missing field `submitter`");
    /// let e = ClaimContext::from_json(r#"{"submitter": {"nam": "x"}}"#).unwrap_err();
    /// assert!(e.to_string().starts_with("invalid claim context: submitter.nam: unknown field `nam`"), "{e}");
    /// ```
    pub fn from_json(json: &str) -> Result<ClaimContext> {
        crate::billing::parse_json(json, "claim context").map_err(|e| ClaimError::InvalidContext {
            message: match e.path {
                Some(p) => format!("{p}: {}", e.message),
                None => e.message,
            },
        })
    }
}

/// One service line as claimed: every value checked.
pub(crate) struct ClaimLine<'a> {
    pub line: &'a CodeLine,
    /// Rate × units, rounded.
    pub charge: Decimal,
    /// The rate per unit.
    pub per_unit: Decimal,
    /// The line's date of service (its own, else the document's).
    pub date: NaiveDate,
    /// The place of service.
    pub pos: Code,
}

/// A claim checked once: the document's lines with their dates, places and
/// charges, and the context's parsed parties. Built only by [`prepare`]
/// when nothing stops the claim; the X12, FHIR and CMS-1500 writers only
/// write it.
pub(crate) struct Checked<'a> {
    /// The document's id (the claim id, or its stem when cut in parts).
    pub id: String,
    /// The context.
    pub ctx: &'a ClaimContext,
    /// The context's values in the forms the formats carry.
    pub parties: Parties,
    /// The lines, at least one.
    pub lines: Vec<ClaimLine<'a>>,
    /// The first and last dates of service.
    pub period: (NaiveDate, NaiveDate),
    /// The first line's place of service (the claim's).
    pub first_pos: Code,
}

/// The patient of a checked claim (see [`Checked::patient`]).
pub(crate) struct ClaimPatient<'c> {
    pub name: &'c PersonName,
    pub address: &'c Address,
    pub zip: &'c Zip,
    pub birth_date: NaiveDate,
    pub sex: Sex,
}

/// One line of a claim part, with its diagnosis pointers.
pub(crate) struct PartLine<'c, 'a> {
    pub claim: &'c ClaimLine<'a>,
    /// 1-based positions in the part's diagnoses (at most four, each at
    /// most twelve: checked).
    pub pointers: Vec<usize>,
}

/// One claim (X12 2300 loop) or CMS-1500 page: lines, their diagnoses, their
/// total, and the place of service of its first line.
pub(crate) struct ClaimPart<'c, 'a> {
    pub id: String,
    pub lines: Vec<PartLine<'c, 'a>>,
    pub diagnoses: Vec<Code>,
    pub total: Decimal,
    pub pos: Code,
}

impl<'a> Checked<'a> {
    /// Cuts the lines into parts of `size` (at least one line each), each
    /// with its own diagnosis list and pointers.
    pub(crate) fn parts(&self, size: usize) -> Vec<ClaimPart<'_, 'a>> {
        let size = size.max(1);
        let n = self.lines.len().div_ceil(size);
        self.lines
            .chunks(size)
            .enumerate()
            .map(|(i, chunk)| {
                let id = if n == 1 {
                    self.id.clone()
                } else {
                    format!("{}-{}", self.id, i + 1)
                };
                self.part(id, chunk)
            })
            .collect()
    }

    /// The patient as the formats write them: the patient, or the
    /// subscriber when they are the patient.
    pub(crate) fn patient(&self) -> ClaimPatient<'_> {
        let ctx = self.ctx;
        let sub = &ctx.subscriber;
        match (&ctx.patient, &self.parties.patient_zip) {
            (Some(p), Some(zip)) if !ctx.patient_is_subscriber() => ClaimPatient {
                name: &p.name,
                address: &p.address,
                zip,
                birth_date: p.birth_date,
                sex: p.sex,
            },
            _ => ClaimPatient {
                name: &sub.name,
                address: &sub.address,
                zip: &self.parties.subscriber_zip,
                birth_date: sub.birth_date,
                sex: sub.sex,
            },
        }
    }

    /// The rendering provider and its NPI, when the claim names one (it
    /// differs from the billing provider).
    pub(crate) fn rendering(&self) -> Option<(&'a RenderingProvider, &Npi)> {
        match (&self.ctx.rendering_provider, &self.parties.rendering_npi) {
            (Some(r), Some(npi)) => Some((r, npi)),
            _ => None,
        }
    }

    /// The whole claim as one part (FHIR has no line limit).
    pub(crate) fn whole(&self) -> ClaimPart<'_, 'a> {
        self.part(self.id.clone(), &self.lines)
    }

    fn part<'c>(&'c self, id: String, chunk: &'c [ClaimLine<'a>]) -> ClaimPart<'c, 'a> {
        let mut diagnoses: Vec<Code> = Vec::new();
        let lines = chunk
            .iter()
            .map(|l| PartLine {
                claim: l,
                pointers: l
                    .line
                    .diagnoses
                    .iter()
                    .map(|d| match diagnoses.iter().position(|x| x == d) {
                        Some(k) => k + 1,
                        None => {
                            diagnoses.push(*d);
                            diagnoses.len()
                        }
                    })
                    .collect(),
            })
            .collect();
        ClaimPart {
            id,
            total: chunk.iter().fold(Decimal::ZERO, |t, l| {
                t.checked_add(l.charge).unwrap_or(Decimal::MAX)
            }),
            lines,
            diagnoses,
            pos: chunk.first().map_or(self.first_pos, |l| l.pos),
        }
    }
}

/// Per group of `size` lines: the number of distinct diagnoses, the total
/// charge and the line ids (for the claim-wide checks, on any document).
fn groups(lines: &[CodeLine], size: usize, currency: Currency) -> Vec<(usize, Decimal, Vec<&str>)> {
    lines
        .chunks(size.max(1))
        .map(|chunk| {
            let mut dx: Vec<&Code> = Vec::new();
            for d in chunk.iter().flat_map(|l| &l.diagnoses) {
                if !dx.contains(&d) {
                    dx.push(d);
                }
            }
            let total = chunk
                .iter()
                .filter_map(|l| l.amount(currency))
                .fold(Decimal::ZERO, |a, b| {
                    a.checked_add(b).unwrap_or(Decimal::MAX)
                });
            (
                dx.len(),
                total,
                chunk.iter().map(|l| l.id.as_str()).collect(),
            )
        })
        .collect()
}

/// An amount as X12 writes it: no trailing zeros (`150`, `25.5`).
pub(crate) fn plain_amount(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Every problem that stops `doc` from being claimed with `ctx`: readiness
/// (looked up in `source`), the claim rules, then the context's. Empty when
/// the claim can be exported.
///
/// # Example
/// ```
/// use procode::billing::{Document, ProblemCode, Severity};
/// use procode::claim::{check, ClaimContext, EXAMPLE_CONTEXT, EXAMPLE_INVOICE};
/// # let Ok(catalog) = procode::Catalog::embedded() else { return };
/// let doc: Document = serde_json::from_str(EXAMPLE_INVOICE).unwrap();
/// let mut ctx = ClaimContext::from_json(EXAMPLE_CONTEXT).unwrap();
/// // Only warnings (CODE_SET_NOT_CURRENT: the example is dated 2025-03-03).
/// let errors = |p: &[procode::billing::Problem]| {
///     p.iter().filter(|p| p.code.severity() == Severity::Error).map(|p| p.code).collect::<Vec<_>>()
/// };
/// assert!(errors(&check(&doc, &ctx, &catalog)).is_empty());
/// ctx.billing_provider.address.line1 = "PO Box 12".into();
/// assert_eq!(errors(&check(&doc, &ctx, &catalog)), [ProblemCode::PoBoxAddress]);
/// ```
pub fn check<D, S>(doc: &D, ctx: &ClaimContext, source: &S) -> Vec<Problem>
where
    D: BillingDocument + ?Sized,
    S: CodeSource + ?Sized,
{
    assess(doc, ctx, source).0
}

/// Checks `doc` with `ctx` once: every problem, and, when there is none,
/// the checked claim the writers write.
fn assess<'a, D, S>(
    doc: &'a D,
    ctx: &'a ClaimContext,
    source: &S,
) -> (Vec<Problem>, Option<Checked<'a>>)
where
    D: BillingDocument + ?Sized,
    S: CodeSource + ?Sized,
{
    let mut out = Problems(readiness(doc, source, None));
    let billable = document_problems(doc, &mut out);
    let created = ctx.created_at.date_naive();
    let claimed = claim_lines(doc, created, billable, &mut out);
    limit_problems(doc, &mut out);
    let mut out = out.0;
    let (context_problems, parties) = ctx.parse();
    out.extend(context_problems);
    // Warnings (e.g. CODE_SET_NOT_CURRENT) never stop a claim by themselves.
    let errors = out
        .iter()
        .any(|p| p.code.severity() == crate::billing::Severity::Error);
    let (false, Some(claimed), Some(parties)) = (errors, claimed, parties) else {
        return (out, None);
    };
    let Some(first) = claimed.first() else {
        return (out, None);
    };
    let first_pos = first.pos;
    let period = claimed.iter().fold((first.date, first.date), |(a, b), l| {
        (a.min(l.date), b.max(l.date))
    });
    let checked = Checked {
        id: doc.document().id,
        ctx,
        parties,
        lines: claimed,
        period,
        first_pos,
    };
    (out, Some(checked))
}

/// The problems of a claim being checked.
struct Problems(Vec<Problem>);

impl Problems {
    fn push(&mut self, code: ProblemCode, line_id: Option<&str>, message: String) {
        self.0
            .push(Problem::new(code, line_id.map(str::to_owned), message))
    }
}

/// The document-wide claim rules: a billable state, US dollars, a claim id
/// the formats carry. Whether the document's state is billable.
fn document_problems<D: BillingDocument + ?Sized>(doc: &D, out: &mut Problems) -> bool {
    let document = doc.document();
    let billable = match doc.state() {
        DocumentState::Service => Err("a service is not a claim: bill its session or invoice"),
        DocumentState::Session { state } if state != SessionState::Completed => {
            Err("only a completed session can be claimed")
        }
        DocumentState::Invoice {
            state: InvoiceState::Void,
        } => Err("a void invoice cannot be claimed"),
        _ => Ok(()),
    };
    if let Err(why) = billable {
        out.push(
            ProblemCode::NotBillable,
            None,
            format!("{document} ({}): {why}", state_name(doc.state())),
        );
    }
    if doc.currency() != Currency::Usd {
        out.push(
            ProblemCode::UnsupportedCurrency,
            None,
            format!(
                "{document} is in {}: claims are in US dollars",
                doc.currency()
            ),
        );
    }
    let id = document.id.trim();
    let lines = doc.lines();
    let longest = if lines.len() > MAX_LINES_PER_CLAIM {
        format!("{id}-{}", lines.len().div_ceil(MAX_LINES_PER_CLAIM))
    } else {
        id.to_owned()
    };
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '/' | '_'))
    {
        out.push(
            ProblemCode::InvalidIdentifier,
            None,
            format!(
                "{document}: the claim id may only hold letters, digits, '-', '.', '/' and '_'"
            ),
        );
    } else if longest.len() > MAX_CLAIM_ID {
        out.push(
            ProblemCode::ValueTooLong,
            None,
            format!("claim id {longest:?} is longer than {MAX_CLAIM_ID} characters"),
        );
    }
    billable.is_ok()
}

/// The line rules of a claim (billed systems, pointers, charges, dates of
/// service up to `created`), and the lines as claimed: `None` unless every
/// line has a date, a place of service and a rate (readiness or the checks
/// here report the line otherwise).
fn claim_lines<'a, D: BillingDocument + ?Sized>(
    doc: &'a D,
    created: NaiveDate,
    billable: bool,
    out: &mut Problems,
) -> Option<Vec<ClaimLine<'a>>> {
    let currency = doc.currency();
    let lines = doc.lines();
    let mut claimed: Vec<ClaimLine<'a>> = Vec::with_capacity(lines.len());
    let mut complete = true;
    for l in lines {
        if !matches!(l.system, CodeSystem::Hcpcs | CodeSystem::Cpt) {
            out.push(
                ProblemCode::NotBillable,
                Some(&l.id),
                format!(
                    "{} code {} cannot be claimed: claim lines bill HCPCS or CPT codes",
                    l.system,
                    l.code.display_for(l.system)
                ),
            );
        }
        if l.diagnoses.len() > MAX_POINTERS {
            out.push(
                ProblemCode::TooManyPointers,
                Some(&l.id),
                format!(
                    "{} diagnoses: a claim line points at most at {MAX_POINTERS}",
                    l.diagnoses.len()
                ),
            );
        }
        let charge = l.amount(currency);
        if charge.is_some_and(|a| a > MAX_CHARGE) {
            out.push(
                ProblemCode::AmountTooLarge,
                Some(&l.id),
                format!("the line charge is above {MAX_CHARGE}"),
            );
        }
        let date = doc.date_of_service(l);
        match date {
            Some(d) if d > created => out.push(
                ProblemCode::InvalidDate,
                Some(&l.id),
                format!("date of service {d} is after the claim's creation date {created}"),
            ),
            // A service has no date; it is not billable (reported above).
            None if billable => out.push(
                ProblemCode::InvalidDate,
                Some(&l.id),
                "the line has no date of service".to_owned(),
            ),
            _ => {}
        }
        match (date, l.place_of_service, &l.rate, charge) {
            (Some(date), Some(pos), Some(rate), Some(charge)) => claimed.push(ClaimLine {
                line: l,
                charge,
                per_unit: rate.per_unit,
                date,
                pos,
            }),
            _ => complete = false,
        }
    }
    complete.then_some(claimed)
}

/// The limits per claim (50 lines) and per CMS-1500 page (6 lines): at
/// most twelve diagnoses each, a claim total within [`MAX_CHARGE`].
fn limit_problems<D: BillingDocument + ?Sized>(doc: &D, out: &mut Problems) {
    let document = doc.document();
    let id = document.id.trim();
    let lines = doc.lines();
    for (size, what) in [(MAX_LINES_PER_CLAIM, "claim"), (LINES_PER_PAGE, "page")] {
        let n = lines.len().div_ceil(size.max(1));
        for (i, (dx, total, ids)) in groups(lines, size, doc.currency()).into_iter().enumerate() {
            let part = if n == 1 {
                id.to_owned()
            } else {
                format!("{id}-{}", i + 1)
            };
            if dx > MAX_DIAGNOSES {
                let message = if what == "claim" {
                    format!(
                        "claim {part} points at {dx} diagnoses: a claim takes at most {MAX_DIAGNOSES}"
                    )
                } else {
                    format!(
                        "CMS-1500 page {} (lines {}) points at {dx} diagnoses: box 21 takes {MAX_DIAGNOSES}",
                        i + 1,
                        ids.join(", "),
                    )
                };
                out.push(ProblemCode::TooManyDiagnoses, None, message);
            }
            if what == "claim" && total > MAX_CHARGE {
                out.push(
                    ProblemCode::AmountTooLarge,
                    None,
                    format!("claim {part} totals above {MAX_CHARGE}"),
                );
            }
        }
    }
}

/// Checks `doc` with `ctx` once and gives the checked claim, or every
/// problem that stops it.
pub(crate) fn prepare<'a, D, S>(
    doc: &'a D,
    ctx: &'a ClaimContext,
    source: &S,
) -> Result<Checked<'a>>
where
    D: BillingDocument + ?Sized,
    S: CodeSource + ?Sized,
{
    match assess(doc, ctx, source) {
        (_, Some(checked)) => Ok(checked),
        (mut problems, None) => {
            if problems.is_empty() {
                // Every way `assess` declines to build a claim reports a
                // problem; this keeps the refusal explained regardless.
                problems.push(Problem::new(
                    ProblemCode::NotBillable,
                    None,
                    format!("{}: the claim could not be assembled", doc.document()),
                ));
            }
            Err(ClaimError::NotReady {
                document: doc.document().to_string(),
                problems,
            })
        }
    }
}

fn state_name(s: DocumentState) -> String {
    match s {
        DocumentState::Service => "service".into(),
        DocumentState::Session { state } => format!("session {}", state.as_str()),
        DocumentState::Invoice { state } => format!("invoice {}", state.as_str()),
    }
}

/// Exports `doc` with `ctx` in `format`, or refuses it naming every problem
/// ([`check`]). Codes are looked up in `source` (a catalog).
pub fn export<D, S>(doc: &D, ctx: &ClaimContext, source: &S, format: ClaimFormat) -> Result<String>
where
    D: BillingDocument + ?Sized,
    S: CodeSource + ?Sized,
{
    match format {
        ClaimFormat::X12 => x12_837p(doc, ctx, source),
        ClaimFormat::Fhir => fhir_claim(doc, ctx, source),
        ClaimFormat::Cms1500 => cms1500(doc, ctx, source),
    }
}

/// The ICD-10-CM system, for display.
pub(crate) const ICD: CodeSystem = CodeSystem::Icd10Cm;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert_eq!(MAX_CHARGE.to_string(), "99999999.99");
        assert_eq!(plain_amount("150.00".parse().unwrap()), "150");
        assert_eq!(plain_amount("25.50".parse().unwrap()), "25.5");
        assert_eq!(plain_amount("0.05".parse().unwrap()), "0.05");
    }
}
