//! The billing model: services, sessions and invoices carrying code lines,
//! and the edit policy deciding where those codes may change.
//!
//! # The pieces
//!
//! - Documents: [`Service`] (default codes), [`Session`] (an appointment) and
//!   [`Invoice`]; [`Document`] reads any of them from JSON.
//! - [`CodeLine`]: one code with its units, modifiers, diagnosis pointers,
//!   place and date of service, and a [`Rate`] saying where it came from.
//! - [`EditPolicy`]: the rules of the specification as data. Edits come in
//!   atomic [`EditBatch`]es applied by an [`Editor`] (who, when, which
//!   policy, which [`Pricing`]); a refused batch is an [`EditError`] and
//!   leaves the document unchanged.
//! - [`Encounter`]: a session with its invoice, and the flows — book, review,
//!   confirm, cancel, complete. State changes return [`TransitionError`].
//! - [`FeeSchedule`] and [`Pricing`]: rates per payer or practice default.
//! - [`readiness`]: every [`Problem`] that would get a claim rejected, looked
//!   up in a [`CodeSource`] (a catalog).
//!
//! # Decisions
//!
//! - Units are whole numbers (`u32`); zero is refused at edit time, and
//!   readiness still reports `INVALID_UNITS` for documents read from JSON.
//! - Diagnosis pointers name ICD-10-CM codes directly; a document's diagnosis
//!   list ([`BillingDocument::diagnoses`]) is derived from its lines, so a
//!   pointer is always among the document's diagnoses.
//! - Line ids are the host's strings; an added line without one gets the
//!   next `L1`, `L2`, … (never reused within a document).
//! - The service price is the last resort of rate resolution, used as the
//!   rate per unit.
//! - A completion applies its batch to a `draft`/`sent` invoice's own lines
//!   as edits: fields the completion does not name (a rate override or a
//!   description billing set) survive. A `paid`/`void` invoice (or one the
//!   policy locks) is left alone and the differing lines are reported.
//! - An edit that changes nothing (no field given, or every given field
//!   equal to the line's) is a true no-op: it is not listed among the
//!   changed lines, writes no audit entry, does not count as a new invoice
//!   version and does not ask for a resend.
//! - A line's rate never silently falls to a lesser source: a step that
//!   would re-resolve a rate that came from a fee schedule (a new code,
//!   modifiers or date of service, an explicit `resolve`, a booking) without
//!   that schedule in its pricing is refused with
//!   [`EditError::ScheduleMissing`]; pass the schedules again, or override
//!   the rate.
//! - Amounts are exact: a line amount (rate × units) and a document's total
//!   are at most [`MAX_AMOUNT`] (one trillion); an edit or booking that would
//!   exceed it is refused ([`EditError::AmountTooLarge`]), and a document
//!   whose lines exceed it does not load.
//! - Every input read from JSON refuses unknown fields, naming the field's
//!   path ([`JsonError`]); documents are also checked for consistency when
//!   read ([`DocumentError::Inconsistent`]: a `paid` invoice with a balance,
//!   payments above the total, two lines with one id, ...).
//! - A host may tighten the policy but never loosen it.
//! - The library never reads the clock: times are supplied by the host.
//!
//! # JSON
//!
//! Every document converts to and from JSON losslessly. Money is a decimal
//! string, dates are ISO, states and contexts are snake_case, code systems
//! are `hcpcs`, `icd10cm`, … and codes are stored without dots. An invoice
//! (`total`, `balance` and `needs_resend` are derived: written for readers,
//! checked when read):
//!
//! ```
//! use procode::billing::{BillingDocument, Document};
//! let json = r#"{
//!   "kind": "invoice",
//!   "id": "INV-7",
//!   "session_id": "S-1",
//!   "date": "2025-03-03",
//!   "state": "sent",
//!   "price": {"amount": "120.00", "currency": "USD"},
//!   "payer_id": "AETNA",
//!   "lines": [{
//!     "id": "L1",
//!     "system": "hcpcs",
//!     "code": "H0004",
//!     "provenance": "catalog",
//!     "official_description": "Behavioral health counseling and therapy, per 15 minutes",
//!     "description": "Counseling, per 15 minutes",
//!     "units": 4,
//!     "modifiers": ["HO"],
//!     "diagnoses": ["F411"],
//!     "place_of_service": "11",
//!     "date_of_service": "2025-03-03",
//!     "rate": {"per_unit": "30.125", "source": {"kind": "payer_schedule", "schedule_id": "AETNA-2025", "entry": "H0004:HO"}}
//!   }],
//!   "next_line": 2,
//!   "payments": [{"id": "P1", "amount": {"amount": "20.00", "currency": "USD"}, "received_at": "2025-03-03T10:00:00Z"}],
//!   "version": 1,
//!   "sent_version": 1,
//!   "needs_resend": false,
//!   "total": {"amount": "120.50", "currency": "USD"},
//!   "balance": {"amount": "100.50", "currency": "USD"},
//!   "audit": []
//! }"#;
//! let doc = Document::from_json(json).unwrap();
//! let Document::Invoice(inv) = &doc else { panic!("an invoice") };
//! assert_eq!(inv.total().to_string(), "120.50 USD"); // 30.125 × 4
//! assert_eq!(inv.diagnoses()[0].display_for(procode::CodeSystem::Icd10Cm), "F41.1");
//! let again: Document = serde_json::from_str(&serde_json::to_string(&doc).unwrap()).unwrap();
//! assert_eq!(again, doc);
//! ```

mod audit;
mod coding;
mod current;
mod documents;
mod edit;
mod flows;
mod json;
mod line;
mod money;
mod policy;
mod rates;
mod readiness;
mod revision;

pub use crate::catalog::structure::DiagnosisMemo;
pub use crate::problem::{Problem, ProblemCode, ProblemDetail, Severity};
pub use audit::{AuditEntry, AuditLog};
pub use current::release_gap;
#[cfg(feature = "arrow")]
pub(crate) use current::{gap_problem, gaps};
pub use documents::{
    BillingDocument, Document, DocumentError, Invoice, Payment, Service, Session, Transition,
    TransitionError,
};
pub use edit::{EditBatch, EditError, EditOp, EditOutcome, Editor};
pub use flows::{BookingRequest, Completion, Encounter, InvoiceUpdate, LineDifference};
pub use json::{parse_json, JsonError};
pub use line::{
    CodeChange, CodeLine, LineChanges, LineError, Provenance, Rate, RateChange, RateSource,
    MAX_MODIFIERS,
};
pub use money::{Currency, Money, MoneyError, MAX_AMOUNT};
pub use policy::{
    DocumentKind, DocumentRef, DocumentState, EditAction, EditContext, EditPolicy, InvoiceState,
    PolicyError, PolicyRule, SessionState,
};
pub use rates::{FeeEntry, FeeSchedule, Pricing, RateContext, RateError};
pub(crate) use readiness::Fx;
pub use readiness::{readiness, readiness_with, CodeSource, CodeStatus, References};
#[cfg(feature = "arrow")]
pub(crate) use readiness::{readiness_into, Batched};
pub use revision::{Revised, Revisioned, StaleDocument};
