//! The billing documents: services, sessions and invoices.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::audit::AuditLog;
use super::edit::{self, EditBatch, EditError, EditOutcome, Editor};
use super::json::{self, JsonError};
use super::line::CodeLine;
use super::money::{self, Currency, Money};
use super::policy::{
    DocumentKind, DocumentRef, DocumentState, EditContext, InvoiceState, SessionState,
};
use super::revision::{self, first_revision};
use crate::code::Code;

fn first_line() -> u32 {
    1
}

/// What every billing document offers: its identity, lines and the facts
/// needed to price and check them.
pub trait BillingDocument {
    /// The document's kind and id.
    fn document(&self) -> DocumentRef;
    /// Its kind and state.
    fn state(&self) -> DocumentState;
    /// Its code lines.
    fn lines(&self) -> &[CodeLine];
    /// The date of service of lines that have none of their own.
    fn date(&self) -> Option<NaiveDate>;
    /// The payer, for payer fee schedules.
    fn payer_id(&self) -> Option<&str>;
    /// The currency.
    fn currency(&self) -> Currency;
    /// The service price, the last resort of rate resolution.
    fn service_price(&self) -> Option<Money>;
    /// The audit log.
    fn audit(&self) -> &AuditLog;

    /// A line's date of service: its own, else the document's
    /// ([`CodeLine::service_date`]).
    fn date_of_service(&self, line: &CodeLine) -> Option<NaiveDate> {
        line.service_date(self.date())
    }

    /// The document's diagnoses: every ICD-10-CM code its lines point at, in
    /// order of first appearance.
    fn diagnoses(&self) -> Vec<Code> {
        let mut out: Vec<Code> = Vec::new();
        for d in self.lines().iter().flat_map(|l| l.diagnoses.iter()) {
            if !out.contains(d) {
                out.push(*d);
            }
        }
        out
    }
}

/// Declares a document struct and its JSON form as read from one list of
/// its fields (each `name: Type`, with the serde default of a field JSON may
/// omit): the struct (read through `TryFrom<$repr>`, which checks it), the
/// private `$repr` (the same fields and an optional `"kind"` tag, `$tag`)
/// and `$repr::unchecked`, the move from one to the other.
macro_rules! tagged_document {
    (
        $(#[$meta:meta])*
        pub struct $name:ident read as $repr:ident($repr_name:literal), tagged $tag:ident {
            $( $(#[doc = $fdoc:literal])* $vis:vis $f:ident : $t:ty $(= $d:literal)? ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(try_from = $repr_name)]
        pub struct $name {
            $( $(#[doc = $fdoc])* $vis $f: $t, )+
        }

        #[doc = concat!("The JSON form of [`", stringify!($name), "`] as read: its fields and an optional `\"kind\"`.")]
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $repr {
            #[serde(default)]
            kind: Option<$tag>,
            $( $(#[serde(default = $d)])? $f: $t, )+
        }

        impl $repr {
            /// The document of these fields, not yet checked.
            fn unchecked(self) -> $name {
                let _ = self.kind;
                $name { $( $f: self.$f, )+ }
            }
        }
    };
}

tagged_document! {
    /// What a practice offers, with the code lines every booking starts from.
    ///
    /// # Example
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use procode::billing::{CodeLine, EditBatch, Editor, Money, Service};
    /// use procode::CodeSystem;
    /// let mut svc = Service::new("SVC-1", "Counseling, 60 minutes", Money::parse("120", "USD").unwrap());
    /// let ed = Editor::new("admin", Utc.with_ymd_and_hms(2025, 1, 2, 8, 0, 0).unwrap());
    /// let line = CodeLine::manual(CodeSystem::Hcpcs, "H0004", "Counseling").unwrap().with_units(4).unwrap();
    /// let out = svc.edit(&EditBatch::new().add(line), &ed).unwrap();
    /// assert_eq!(out.changed_lines, ["L1"]);
    /// assert_eq!(svc.lines()[0].units, 4);
    /// assert_eq!(svc.audit().len(), 1);
    /// ```
    pub struct Service read as ServiceRepr("ServiceRepr"), tagged ServiceTag {
        id: String,
        revision: u64 = "first_revision",
        name: String,
        price: Money,
        paid_in_advance: bool,
        insurance_billable: bool,
        lines: Vec<CodeLine> = "Vec::default",
        next_line: u32 = "first_line",
        audit: AuditLog = "AuditLog::default",
    }
}

#[derive(Deserialize)]
enum ServiceTag {
    #[serde(rename = "service")]
    Service,
}

impl TryFrom<ServiceRepr> for Service {
    type Error = DocumentError;
    fn try_from(r: ServiceRepr) -> Result<Self, DocumentError> {
        let svc = r.unchecked();
        check_revision(&svc.document(), svc.revision)?;
        check_lines(&svc.document(), &svc.lines, svc.price.currency())?;
        Ok(svc)
    }
}

impl Service {
    /// A service with no code lines, not paid in advance, insurance-billable.
    pub fn new(id: impl Into<String>, name: impl Into<String>, price: Money) -> Service {
        Service {
            id: id.into(),
            revision: first_revision(),
            name: name.into(),
            price,
            paid_in_advance: false,
            insurance_billable: true,
            lines: Vec::new(),
            next_line: 1,
            audit: AuditLog::default(),
        }
    }

    /// Sets whether the service is paid in advance (booked through review).
    pub fn with_paid_in_advance(mut self, yes: bool) -> Service {
        self.paid_in_advance = yes;
        self
    }

    /// Sets whether the service can be billed to insurance.
    pub fn with_insurance_billable(mut self, yes: bool) -> Service {
        self.insurance_billable = yes;
        self
    }

    /// The id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The revision: 1 for a new service, plus one for every change (an
    /// applied edit batch, a new name or price). See
    /// [`Revisioned`](super::Revisioned).
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Renames the service (a new name is a new revision).
    pub fn set_name(&mut self, name: impl Into<String>) {
        let name = name.into();
        if name != self.name {
            self.name = name;
            revision::bump(&mut self.revision);
        }
    }

    /// The price.
    pub fn price(&self) -> Money {
        self.price
    }

    /// Changes the price (bookings already made keep theirs).
    pub fn set_price(&mut self, price: Money) {
        if price != self.price {
            self.price = price;
            revision::bump(&mut self.revision);
        }
    }

    /// Whether the service is paid in advance.
    pub fn paid_in_advance(&self) -> bool {
        self.paid_in_advance
    }

    /// Whether the service can be billed to insurance.
    pub fn insurance_billable(&self) -> bool {
        self.insurance_billable
    }

    /// The default code lines.
    pub fn lines(&self) -> &[CodeLine] {
        &self.lines
    }

    /// The audit log.
    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }

    /// Applies a batch in the `service` context.
    pub fn edit(
        &mut self,
        batch: &EditBatch,
        editor: &Editor<'_>,
    ) -> Result<EditOutcome, EditError> {
        let context = EditContext::Service;
        let doc = BillingDocument::document(self);
        edit::check_policy(
            editor.policy(),
            context,
            &doc,
            DocumentState::Service,
            batch,
        )?;
        let applied = edit::apply(self, self.next_line, batch, editor)?;
        let changed = !applied.changes.is_empty();
        let changed_lines = applied.commit(
            &mut self.lines,
            &mut self.next_line,
            &mut self.audit,
            context,
            editor,
        );
        if changed {
            revision::bump(&mut self.revision);
        }
        Ok(EditOutcome {
            document: doc,
            changed_lines,
            must_resend: false,
        })
    }
}

impl BillingDocument for Service {
    fn document(&self) -> DocumentRef {
        DocumentRef {
            kind: DocumentKind::Service,
            id: self.id.clone(),
        }
    }
    fn state(&self) -> DocumentState {
        DocumentState::Service
    }
    fn lines(&self) -> &[CodeLine] {
        &self.lines
    }
    fn date(&self) -> Option<NaiveDate> {
        None
    }
    fn payer_id(&self) -> Option<&str> {
        None
    }
    fn currency(&self) -> Currency {
        self.price.currency()
    }
    fn service_price(&self) -> Option<Money> {
        Some(self.price)
    }
    fn audit(&self) -> &AuditLog {
        &self.audit
    }
}

tagged_document! {
    /// An appointment of a client for a service on a date.
    ///
    /// Sessions are made by [`Encounter::book`](super::Encounter::book) and
    /// changed through the [`Encounter`](super::Encounter) flows, which keep the
    /// session and its invoice in step.
    pub struct Session read as SessionRepr("SessionRepr"), tagged SessionTag {
        pub(crate) id: String,
        pub(crate) revision: u64 = "first_revision",
        pub(crate) client_id: String,
        pub(crate) service_id: String,
        pub(crate) date: NaiveDate,
        pub(crate) state: SessionState,
        /// The service's price when booked.
        pub(crate) price: Money,
        pub(crate) payer_id: Option<String> = "Option::default",
        pub(crate) invoice_id: Option<String> = "Option::default",
        pub(crate) lines: Vec<CodeLine> = "Vec::default",
        pub(crate) next_line: u32 = "first_line",
        pub(crate) audit: AuditLog = "AuditLog::default",
    }
}

#[derive(Deserialize)]
enum SessionTag {
    #[serde(rename = "session")]
    Session,
}

impl TryFrom<SessionRepr> for Session {
    type Error = DocumentError;
    fn try_from(r: SessionRepr) -> Result<Self, DocumentError> {
        let s = r.unchecked();
        check_revision(&s.document(), s.revision)?;
        check_lines(&s.document(), &s.lines, s.price.currency())?;
        Ok(s)
    }
}

impl Session {
    /// The id.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The revision: 1 for a new session, plus one for every step of its
    /// encounter that changes it. See [`Revisioned`](super::Revisioned).
    pub fn revision(&self) -> u64 {
        self.revision
    }
    /// The client's id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
    /// The service's id.
    pub fn service_id(&self) -> &str {
        &self.service_id
    }
    /// The date of the session (the default date of service).
    pub fn date(&self) -> NaiveDate {
        self.date
    }
    /// The state.
    pub fn state(&self) -> SessionState {
        self.state
    }
    /// The service price agreed at booking.
    pub fn price(&self) -> Money {
        self.price
    }
    /// The payer (insurer) id, if any.
    pub fn payer_id(&self) -> Option<&str> {
        self.payer_id.as_deref()
    }
    /// The invoice's id, once there is one.
    pub fn invoice_id(&self) -> Option<&str> {
        self.invoice_id.as_deref()
    }
    /// The code lines.
    pub fn lines(&self) -> &[CodeLine] {
        &self.lines
    }
    /// The audit log.
    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }
}

impl BillingDocument for Session {
    fn document(&self) -> DocumentRef {
        DocumentRef {
            kind: DocumentKind::Session,
            id: self.id.clone(),
        }
    }
    fn state(&self) -> DocumentState {
        self.state.into()
    }
    fn lines(&self) -> &[CodeLine] {
        &self.lines
    }
    fn date(&self) -> Option<NaiveDate> {
        Some(self.date)
    }
    fn payer_id(&self) -> Option<&str> {
        self.payer_id.as_deref()
    }
    fn currency(&self) -> Currency {
        self.price.currency()
    }
    fn service_price(&self) -> Option<Money> {
        Some(self.price)
    }
    fn audit(&self) -> &AuditLog {
        &self.audit
    }
}

/// A payment received against an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Payment {
    /// The host's id for the payment.
    pub id: String,
    /// The amount (greater than zero, in the invoice's currency).
    pub amount: Money,
    /// When it was received (host-supplied).
    pub received_at: DateTime<Utc>,
}

impl Payment {
    /// A payment.
    pub fn new(id: impl Into<String>, amount: Money, received_at: DateTime<Utc>) -> Payment {
        Payment {
            id: id.into(),
            amount,
            received_at,
        }
    }
}

/// A state change of a session or invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Transition {
    /// Review the invoice of a paid-in-advance booking.
    Review,
    /// Confirm a paid-in-advance booking.
    Confirm,
    /// Cancel a session.
    Cancel,
    /// Mark a session as a no-show.
    NoShow,
    /// Mark a session complete.
    Complete,
    /// Send an invoice (or its new version).
    Send,
    /// Record a payment.
    RecordPayment,
    /// Void an invoice.
    Void,
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transition::Review => "review",
            Transition::Confirm => "confirm",
            Transition::Cancel => "cancel",
            Transition::NoShow => "mark as no-show",
            Transition::Complete => "complete",
            Transition::Send => "send",
            Transition::RecordPayment => "record a payment on",
            Transition::Void => "void",
        })
    }
}

/// Why a state change was refused. The documents are unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransitionError {
    /// The document is not in a state this transition starts from.
    #[error("cannot {transition} {document}: {state}")]
    InvalidState {
        /// The transition.
        transition: Transition,
        /// The document.
        document: DocumentRef,
        /// Its kind and state.
        state: DocumentState,
    },
    /// A new invoice is needed and the host gave no id for it.
    #[error("{session} needs an invoice: give the invoice id to use")]
    InvoiceIdRequired {
        /// The session.
        session: DocumentRef,
    },
    /// The session has no invoice for this step.
    #[error("{session} has no invoice")]
    NoInvoice {
        /// The session.
        session: DocumentRef,
    },
    /// The session names an invoice other than the one given (or names one
    /// and none is given).
    #[error("{session} names invoice {named:?}, {}", match given { Some(g) => format!("not {g:?}"), None => "but it was not given".to_owned() })]
    WrongInvoice {
        /// The session.
        session: DocumentRef,
        /// The invoice the session names.
        named: String,
        /// The invoice given, if any.
        given: Option<String>,
    },
    /// The invoice does not belong to the session.
    #[error("{invoice} belongs to session {invoice_session}, not {session}")]
    InvoiceMismatch {
        /// The invoice.
        invoice: DocumentRef,
        /// The session the invoice names.
        invoice_session: String,
        /// The session given.
        session: DocumentRef,
    },
    /// The service is paid in advance but no invoice id was given, or the
    /// request does not fit the service.
    #[error("cannot book {service}: {problem}")]
    BadBooking {
        /// The service.
        service: DocumentRef,
        /// What is wrong.
        problem: String,
    },
    /// A payment of zero.
    #[error("{invoice}: a payment must be greater than zero")]
    ZeroPayment {
        /// The invoice.
        invoice: DocumentRef,
    },
    /// A payment in another currency.
    #[error("{invoice} is in {expected}; the payment is in {found}")]
    CurrencyMismatch {
        /// The invoice.
        invoice: DocumentRef,
        /// The invoice's currency.
        expected: Currency,
        /// The payment's currency.
        found: Currency,
    },
    /// A payment above the balance.
    #[error("{invoice}: payment of {amount} exceeds the balance of {balance}")]
    Overpayment {
        /// The invoice.
        invoice: DocumentRef,
        /// The payment.
        amount: Money,
        /// The balance due.
        balance: Money,
    },
    /// A payment id already recorded.
    #[error("{invoice} already has payment {payment_id:?}")]
    DuplicatePayment {
        /// The invoice.
        invoice: DocumentRef,
        /// The payment id.
        payment_id: String,
    },
    /// An invoice with payments cannot be voided.
    #[error("cannot void {invoice}: {paid} has been paid on it")]
    HasPayments {
        /// The invoice.
        invoice: DocumentRef,
        /// What was paid.
        paid: Money,
    },
    /// The code edits of the step were refused.
    #[error(transparent)]
    Edit(#[from] EditError),
    /// The step was asked of a revision the document no longer has (see
    /// [`Revisioned::expect_revision`](super::Revisioned::expect_revision)).
    #[error(transparent)]
    Stale(#[from] revision::StaleDocument),
}

/// Declares [`Invoice`] and its JSON form from one list of the stored
/// fields (each `name: Type`, with the serde default of a field JSON may
/// omit): the struct, `InvoiceRepr` (the same fields, an optional `kind`
/// and the derived `needs_resend`, `total` and `balance`, between
/// `sent_version` and `audit` as written), and the moves between the two.
macro_rules! invoice {
    (
        $(#[$meta:meta])*
        pub struct Invoice {
            $( $f:ident : $t:ty $(= $d:literal)? ),+ ;
            derived here;
            $( $g:ident : $gt:ty $(= $gd:literal)? ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(try_from = "InvoiceRepr", into = "InvoiceRepr")]
        pub struct Invoice {
            $( pub(crate) $f: $t, )+
            $( pub(crate) $g: $gt, )+
        }

        #[derive(Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct InvoiceRepr {
            #[serde(default, skip_serializing)]
            kind: Option<InvoiceTag>,
            $( $(#[serde(default = $d)])? $f: $t, )+
            #[serde(default)]
            needs_resend: Option<bool>,
            #[serde(default)]
            total: Option<Money>,
            #[serde(default)]
            balance: Option<Money>,
            $( $(#[serde(default = $gd)])? $g: $gt, )+
        }

        impl From<Invoice> for InvoiceRepr {
            fn from(i: Invoice) -> Self {
                let (total, balance, needs_resend) = (i.total(), i.balance(), i.needs_resend());
                InvoiceRepr {
                    kind: None,
                    $( $f: i.$f, )+
                    needs_resend: Some(needs_resend),
                    total: Some(total),
                    balance: Some(balance),
                    $( $g: i.$g, )+
                }
            }
        }

        impl InvoiceRepr {
            /// The invoice of the stored fields, and the derived values as
            /// given (checked against the invoice by `try_from`).
            fn split(self) -> (Invoice, Derived) {
                let _ = self.kind;
                let given = Derived {
                    needs_resend: self.needs_resend,
                    total: self.total,
                    balance: self.balance,
                };
                let inv = Invoice {
                    $( $f: self.$f, )+
                    $( $g: self.$g, )+
                };
                (inv, given)
            }
        }
    };
}

/// The derived values of an invoice's JSON, as given.
struct Derived {
    needs_resend: Option<bool>,
    total: Option<Money>,
    balance: Option<Money>,
}

invoice! {
    /// An invoice for a session.
    ///
    /// `total` and `balance` are derived (the exact sum of line amounts, and the
    /// total less payments); they are written to JSON for readers and checked
    /// when read back.
    ///
    /// # Example
    /// ```
    /// use chrono::{NaiveDate, TimeZone, Utc};
    /// use procode::billing::{CodeLine, EditBatch, Editor, Invoice, InvoiceState, Money, Payment};
    /// use procode::CodeSystem;
    /// let date = NaiveDate::from_ymd_opt(2025, 3, 3).unwrap();
    /// let mut inv = Invoice::new("INV-7", "S-1", date, Money::parse("100", "USD").unwrap(), None);
    /// let ed = Editor::new("billing", Utc.with_ymd_and_hms(2025, 3, 3, 12, 0, 0).unwrap());
    /// let line = CodeLine::manual(CodeSystem::Hcpcs, "G0444", "Depression screen").unwrap();
    /// inv.edit(&EditBatch::new().add(line), &ed).unwrap();
    /// assert_eq!(inv.total().to_string(), "100.00 USD"); // the service price
    /// inv.send().unwrap();
    /// let paid = Payment::new("P1", Money::parse("100", "USD").unwrap(), ed.at());
    /// assert_eq!(inv.record_payment(paid).unwrap(), InvoiceState::Paid);
    /// let before = inv.clone();
    /// assert!(inv.edit(&EditBatch::new().remove("L1"), &ed).is_err());
    /// assert_eq!(inv, before);
    /// ```
    pub struct Invoice {
        id: String,
        revision: u64 = "first_revision",
        session_id: String,
        date: NaiveDate,
        state: InvoiceState,
        price: Money,
        payer_id: Option<String> = "Option::default",
        lines: Vec<CodeLine> = "Vec::default",
        next_line: u32 = "first_line",
        payments: Vec<Payment> = "Vec::default",
        version: u32 = "first_line",
        sent_version: Option<u32> = "Option::default";
        derived here;
        audit: AuditLog = "AuditLog::default",
    }
}

#[derive(Serialize, Deserialize)]
enum InvoiceTag {
    #[serde(rename = "invoice")]
    Invoice,
}

impl TryFrom<InvoiceRepr> for Invoice {
    type Error = DocumentError;
    fn try_from(r: InvoiceRepr) -> Result<Self, DocumentError> {
        let (inv, given) = r.split();
        inv.check_consistent()?;
        let bad = |problem: String| DocumentError::Inconsistent {
            document: inv.doc(),
            problem,
        };
        let check = |name: &str, given: Option<Money>, actual: Money| match given {
            Some(g) if g != actual => Err(bad(format!(
                "{name} {g} does not match the lines and payments ({actual})"
            ))),
            _ => Ok(()),
        };
        check("total", given.total, inv.total())?;
        check("balance", given.balance, inv.balance())?;
        match given.needs_resend {
            Some(n) if n != inv.needs_resend() => Err(bad(format!(
                "needs_resend {n} does not match version {} and sent_version {:?}",
                inv.version, inv.sent_version
            ))),
            _ => Ok(inv),
        }
    }
}

/// Why a document read from JSON was refused.
///
/// # Example
/// ```
/// use procode::billing::{Document, DocumentError};
/// let json = procode::claim::EXAMPLE_INVOICE.replace(r#""state": "sent""#, r#""state": "paid""#);
/// let e = Document::from_json(&json).unwrap_err();
/// assert!(matches!(e, DocumentError::Inconsistent { .. }), "{e}");
/// assert!(e.to_string().contains("paid"), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// Not JSON, or not the shape of a document: an unknown field, a missing
    /// field, a value of the wrong type. Names the path of the field.
    #[error(transparent)]
    Json(#[from] JsonError),
    /// A document whose parts contradict each other: a `paid` invoice with a
    /// balance, payments above the total, a `draft` invoice with payments,
    /// derived `total`/`balance`/`needs_resend` that do not match, two lines
    /// with one id, an amount above [`MAX_AMOUNT`](super::MAX_AMOUNT), ...
    #[error("{document} cannot be loaded: {problem}")]
    Inconsistent {
        /// The document.
        document: DocumentRef,
        /// What contradicts what.
        problem: String,
    },
    /// A session and an invoice read together that do not belong together
    /// (the invoice names another session, or the session another invoice).
    #[error("{session} and its invoice cannot be loaded together: {problem}")]
    Unlinked {
        /// The session.
        session: DocumentRef,
        /// What does not match.
        problem: String,
    },
}

/// A revision read from JSON: revisions start at 1.
fn check_revision(document: &DocumentRef, revision: u64) -> Result<(), DocumentError> {
    if revision == 0 {
        return Err(DocumentError::Inconsistent {
            document: document.clone(),
            problem: "revision 0: revisions start at 1".into(),
        });
    }
    Ok(())
}

/// The checks every document's lines pass when loaded: ids present and
/// unique, rates and amounts within [`MAX_AMOUNT`](super::MAX_AMOUNT), and
/// their total too.
fn check_lines(
    document: &DocumentRef,
    lines: &[CodeLine],
    currency: Currency,
) -> Result<(), DocumentError> {
    let bad = |problem: String| DocumentError::Inconsistent {
        document: document.clone(),
        problem,
    };
    let mut seen = std::collections::HashSet::with_capacity(lines.len());
    for l in lines {
        if l.id.trim().is_empty() {
            return Err(bad("a line has no id".into()));
        }
        if !seen.insert(l.id.as_str()) {
            return Err(bad(format!("two lines have the id {:?}", l.id)));
        }
        if let Some(r) = &l.rate {
            money::check_amount(r.per_unit).map_err(|e| bad(format!("line {:?}: {e}", l.id)))?;
        }
    }
    if let Err(e) = money::check_total(lines, currency) {
        return Err(bad(e.to_string()));
    }
    Ok(())
}

impl Invoice {
    /// An empty draft invoice for a session. `price` is the service price
    /// (the last resort of rate resolution) and sets the currency.
    pub fn new(
        id: impl Into<String>,
        session_id: impl Into<String>,
        date: NaiveDate,
        price: Money,
        payer_id: Option<String>,
    ) -> Invoice {
        Invoice {
            id: id.into(),
            revision: first_revision(),
            session_id: session_id.into(),
            date,
            state: InvoiceState::Draft,
            price,
            payer_id,
            lines: Vec::new(),
            next_line: 1,
            payments: Vec::new(),
            version: 1,
            sent_version: None,
            audit: AuditLog::default(),
        }
    }

    pub(crate) fn from_lines(
        id: String,
        session: &Session,
        lines: Vec<CodeLine>,
        next_line: u32,
    ) -> Invoice {
        let mut inv = Invoice::new(
            id,
            session.id.clone(),
            session.date,
            session.price,
            session.payer_id.clone(),
        );
        inv.lines = lines;
        inv.next_line = next_line;
        inv
    }

    /// The id.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The session's id.
    pub fn session_id(&self) -> &str {
        &self.session_id
    }
    /// The date of service of lines that have none of their own.
    pub fn date(&self) -> NaiveDate {
        self.date
    }
    /// The state.
    pub fn state(&self) -> InvoiceState {
        self.state
    }
    /// The payer id, if any.
    pub fn payer_id(&self) -> Option<&str> {
        self.payer_id.as_deref()
    }
    /// The currency.
    pub fn currency(&self) -> Currency {
        self.price.currency()
    }
    /// The code lines.
    pub fn lines(&self) -> &[CodeLine] {
        &self.lines
    }
    /// The payments, in the order recorded.
    pub fn payments(&self) -> &[Payment] {
        &self.payments
    }
    /// The version: 1, plus one for every applied batch of code changes.
    pub fn version(&self) -> u32 {
        self.version
    }
    /// The revision: 1 for a new invoice, plus one for every change (an
    /// applied code batch, a send, a payment, a void). See
    /// [`Revisioned`](super::Revisioned).
    pub fn revision(&self) -> u64 {
        self.revision
    }
    /// The version last sent to the client.
    pub fn sent_version(&self) -> Option<u32> {
        self.sent_version
    }
    /// The audit log.
    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }

    /// Whether the invoice was changed since it was sent: the client must be
    /// sent the new version.
    pub fn needs_resend(&self) -> bool {
        self.state == InvoiceState::Sent && self.sent_version != Some(self.version)
    }

    /// The total: the exact sum of the line amounts (lines without a rate
    /// count zero).
    pub fn total(&self) -> Money {
        total_of(&self.lines, self.currency())
    }

    /// What has been paid.
    pub fn paid(&self) -> Money {
        let sum = self
            .payments
            .iter()
            .fold(Decimal::ZERO, |acc, p| money::add(acc, p.amount.amount()));
        money_within_bounds(sum, self.currency())
    }

    /// The total less what has been paid.
    pub fn balance(&self) -> Money {
        let b = self.total().amount() - self.paid().amount();
        money_within_bounds(b.max(Decimal::ZERO), self.currency())
    }

    fn doc(&self) -> DocumentRef {
        BillingDocument::document(self)
    }

    fn invalid(&self, transition: Transition) -> TransitionError {
        TransitionError::InvalidState {
            transition,
            document: self.doc(),
            state: self.state.into(),
        }
    }

    /// Sends a draft, or re-sends a sent invoice that changed since it was
    /// sent. Returns the version sent.
    pub fn send(&mut self) -> Result<u32, TransitionError> {
        match self.state {
            InvoiceState::Draft => {}
            InvoiceState::Sent if self.needs_resend() => {}
            _ => return Err(self.invalid(Transition::Send)),
        }
        self.state = InvoiceState::Sent;
        self.sent_version = Some(self.version);
        revision::bump(&mut self.revision);
        Ok(self.version)
    }

    /// Records a payment on a sent invoice: the invoice becomes `paid` when
    /// the balance reaches zero; a partial payment leaves it `sent`.
    /// Overpayment is an error.
    pub fn record_payment(&mut self, payment: Payment) -> Result<InvoiceState, TransitionError> {
        if self.state != InvoiceState::Sent {
            return Err(self.invalid(Transition::RecordPayment));
        }
        if payment.amount.currency() != self.currency() {
            return Err(TransitionError::CurrencyMismatch {
                invoice: self.doc(),
                expected: self.currency(),
                found: payment.amount.currency(),
            });
        }
        if payment.amount.is_zero() {
            return Err(TransitionError::ZeroPayment {
                invoice: self.doc(),
            });
        }
        if self.payments.iter().any(|p| p.id == payment.id) {
            return Err(TransitionError::DuplicatePayment {
                invoice: self.doc(),
                payment_id: payment.id,
            });
        }
        let balance = self.balance();
        if payment.amount.amount() > balance.amount() {
            return Err(TransitionError::Overpayment {
                invoice: self.doc(),
                amount: payment.amount,
                balance,
            });
        }
        self.payments.push(payment);
        if self.balance().is_zero() {
            self.state = InvoiceState::Paid;
        }
        revision::bump(&mut self.revision);
        Ok(self.state)
    }

    /// Voids a draft or sent invoice without payments.
    pub fn void(&mut self) -> Result<(), TransitionError> {
        if !matches!(self.state, InvoiceState::Draft | InvoiceState::Sent) {
            return Err(self.invalid(Transition::Void));
        }
        if !self.payments.is_empty() {
            return Err(TransitionError::HasPayments {
                invoice: self.doc(),
                paid: self.paid(),
            });
        }
        self.state = InvoiceState::Void;
        revision::bump(&mut self.revision);
        Ok(())
    }

    /// Applies a batch in the `invoice_edit` context (per the policy: `draft`
    /// or `sent` by default). Editing a sent invoice reports that the client
    /// must be sent the new version.
    pub fn edit(
        &mut self,
        batch: &EditBatch,
        editor: &Editor<'_>,
    ) -> Result<EditOutcome, EditError> {
        self.edit_in(EditContext::InvoiceEdit, batch, editor)
    }

    /// The checks of an invoice read from JSON: its lines (see
    /// `check_lines`), its payments (in its currency, above zero, distinct
    /// ids, at most the total) and its state against them (a draft was never
    /// sent and has no payments; a sent or paid invoice was sent; a paid one
    /// has payments and no balance; a void one no payments).
    fn check_consistent(&self) -> Result<(), DocumentError> {
        let bad = |problem: String| DocumentError::Inconsistent {
            document: self.doc(),
            problem,
        };
        check_revision(&self.doc(), self.revision)?;
        check_lines(&self.doc(), &self.lines, self.currency())?;
        let mut ids = std::collections::HashSet::with_capacity(self.payments.len());
        let mut paid = Decimal::ZERO;
        for p in &self.payments {
            if p.amount.currency() != self.currency() {
                return Err(bad(format!(
                    "payment {:?} is in {}, the invoice in {}",
                    p.id,
                    p.amount.currency(),
                    self.currency()
                )));
            }
            if p.amount.is_zero() {
                return Err(bad(format!("payment {:?} is zero", p.id)));
            }
            if !ids.insert(p.id.as_str()) {
                return Err(bad(format!("two payments have the id {:?}", p.id)));
            }
            paid = money::add(paid, p.amount.amount());
        }
        let total = self.total().amount();
        if paid > total {
            return Err(bad(format!(
                "its payments ({paid}) exceed its total ({total})"
            )));
        }
        if self.version == 0 {
            return Err(bad("version 0: versions start at 1".into()));
        }
        if let Some(v) = self.sent_version.filter(|v| *v > self.version || *v == 0) {
            return Err(bad(format!(
                "sent_version {v} is not a version of the invoice (1 to {})",
                self.version
            )));
        }
        let has_payments = !self.payments.is_empty();
        let problem = match self.state {
            InvoiceState::Draft if has_payments => {
                Some("it is draft but has payments (payments are recorded on sent invoices)")
            }
            InvoiceState::Draft if self.sent_version.is_some() => {
                Some("it is draft but has a sent_version (a sent invoice never returns to draft)")
            }
            InvoiceState::Sent | InvoiceState::Paid if self.sent_version.is_none() => {
                Some("it was never sent (no sent_version)")
            }
            InvoiceState::Paid if !has_payments => Some("it is paid but has no payments"),
            InvoiceState::Paid if paid < total => {
                Some("it is paid but has a balance: a partly paid invoice is sent")
            }
            InvoiceState::Void if has_payments => {
                Some("it is void but has payments (an invoice with payments cannot be voided)")
            }
            _ => None,
        };
        match problem {
            Some(p) => Err(bad(format!("state {}: {p}", self.state))),
            None => Ok(()),
        }
    }

    /// Checks the paid-amount rule for new lines.
    pub(crate) fn check_total(&self, lines: &[CodeLine]) -> Result<(), EditError> {
        let new_total = total_of(lines, self.currency());
        let paid = self.paid();
        if new_total.amount() < paid.amount() {
            return Err(EditError::BelowPaid {
                document: self.doc(),
                new_total,
                paid,
            });
        }
        Ok(())
    }

    pub(crate) fn edit_in(
        &mut self,
        context: EditContext,
        batch: &EditBatch,
        editor: &Editor<'_>,
    ) -> Result<EditOutcome, EditError> {
        edit::check_policy(
            editor.policy(),
            context,
            &self.doc(),
            self.state.into(),
            batch,
        )?;
        let applied = edit::apply(self, self.next_line, batch, editor)?;
        self.check_total(&applied.lines)?;
        Ok(self.commit(applied, context, editor))
    }

    pub(crate) fn commit(
        &mut self,
        applied: edit::Applied,
        context: EditContext,
        editor: &Editor<'_>,
    ) -> EditOutcome {
        let changed = !applied.changes.is_empty();
        let changed_lines = applied.commit(
            &mut self.lines,
            &mut self.next_line,
            &mut self.audit,
            context,
            editor,
        );
        if changed {
            self.version = self.version.saturating_add(1);
            revision::bump(&mut self.revision);
        }
        EditOutcome {
            document: self.doc(),
            changed_lines,
            must_resend: changed && self.needs_resend(),
        }
    }
}

/// An amount the document's invariants keep within [`money::MAX_AMOUNT`]
/// (every edit, booking, completion and load refuses lines whose amounts or
/// total exceed it, and payments never exceed the total), so the fallback is
/// unreachable; it only keeps the accessors total functions.
fn money_within_bounds(amount: Decimal, currency: Currency) -> Money {
    Money::new(amount, currency).unwrap_or_else(|_| Money::zero(currency))
}

/// The exact sum of line amounts in a currency (within
/// [`money::MAX_AMOUNT`] for every document; see [`money::check_total`]).
pub(crate) fn total_of(lines: &[CodeLine], currency: Currency) -> Money {
    let sum = match money::check_total(lines, currency) {
        Ok(sum) => sum,
        Err(e) => e.amount,
    };
    money_within_bounds(sum, currency)
}

impl BillingDocument for Invoice {
    fn document(&self) -> DocumentRef {
        DocumentRef {
            kind: DocumentKind::Invoice,
            id: self.id.clone(),
        }
    }
    fn state(&self) -> DocumentState {
        self.state.into()
    }
    fn lines(&self) -> &[CodeLine] {
        &self.lines
    }
    fn date(&self) -> Option<NaiveDate> {
        Some(self.date)
    }
    fn payer_id(&self) -> Option<&str> {
        self.payer_id.as_deref()
    }
    fn currency(&self) -> Currency {
        self.price.currency()
    }
    fn service_price(&self) -> Option<Money> {
        Some(self.price)
    }
    fn audit(&self) -> &AuditLog {
        &self.audit
    }
}

/// Any billing document, for reading JSON whose kind is not known in
/// advance (`procode check FILE.json`). Internally tagged by `"kind"`:
/// `{"kind": "invoice", "id": "INV-7", ...}`.
///
/// # Example
/// ```
/// use procode::billing::{Document, Money, Service};
/// let svc = Service::new("SVC-1", "Wellness visit", Money::parse("150", "USD").unwrap());
/// let json = serde_json::to_string(&Document::Service(svc.clone())).unwrap();
/// assert!(json.starts_with(r#"{"kind":"service""#));
/// let back: Document = serde_json::from_str(&json).unwrap();
/// assert_eq!(back, Document::Service(svc));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Document {
    /// A service.
    Service(Service),
    /// A session.
    Session(Session),
    /// An invoice.
    Invoice(Invoice),
}

/// Splits a document's JSON into its kind and its fields (without `kind`).
/// `expected` is the kind the caller reads; `kind` may then be omitted.
fn split_kind(
    text: &str,
    expected: Option<DocumentKind>,
) -> Result<(DocumentKind, serde_json::Value), JsonError> {
    let what = expected.map_or("document", DocumentKind::as_str);
    let mut value = json::to_value(text, what)?;
    let serde_json::Value::Object(map) = &mut value else {
        return Err(JsonError::new(
            what,
            None,
            "expected a JSON object with the document's fields",
        ));
    };
    let kinds = [
        DocumentKind::Service,
        DocumentKind::Session,
        DocumentKind::Invoice,
    ];
    let kind = match map.remove("kind") {
        None => expected.ok_or_else(|| {
            JsonError::new(
                what,
                None,
                "missing field `kind` (\"service\", \"session\" or \"invoice\")",
            )
        })?,
        Some(serde_json::Value::String(k)) => {
            let found = kinds.into_iter().find(|x| x.as_str() == k).ok_or_else(|| {
                JsonError::new(
                    what,
                    Some("kind".into()),
                    format!("unknown kind {k:?}: use \"service\", \"session\" or \"invoice\""),
                )
            })?;
            match expected {
                Some(e) if e != found => {
                    return Err(JsonError::new(
                        what,
                        Some("kind".into()),
                        format!("expected a {e} document, got a {found}"),
                    ))
                }
                _ => found,
            }
        }
        Some(_) => {
            return Err(JsonError::new(
                what,
                Some("kind".into()),
                "expected a string: \"service\", \"session\" or \"invoice\"",
            ))
        }
    };
    Ok((kind, value))
}

fn read_document(text: &str, expected: Option<DocumentKind>) -> Result<Document, DocumentError> {
    let (kind, value) = split_kind(text, expected)?;
    document_from_value(kind, value)
}

/// A document of `kind` from its parsed JSON fields (an optional `kind`
/// field must name `kind`), with the load checks.
pub(crate) fn document_from_value(
    kind: DocumentKind,
    value: serde_json::Value,
) -> Result<Document, DocumentError> {
    Ok(match kind {
        DocumentKind::Service => {
            Document::Service(json::from_value::<ServiceRepr>(value, "service")?.try_into()?)
        }
        DocumentKind::Session => {
            Document::Session(json::from_value::<SessionRepr>(value, "session")?.try_into()?)
        }
        DocumentKind::Invoice => {
            Document::Invoice(json::from_value::<InvoiceRepr>(value, "invoice")?.try_into()?)
        }
    })
}

macro_rules! from_json_of_kind {
    ($ty:ident, $kind:ident, $name:literal) => {
        impl $ty {
            #[doc = concat!("Reads a ", $name, " from its JSON (`\"kind\": \"", $name, "\"` may be given or omitted), with the checks of [`Document::from_json`].")]
            pub fn from_json(text: &str) -> Result<$ty, DocumentError> {
                match read_document(text, Some(DocumentKind::$kind))? {
                    Document::$kind(d) => Ok(d),
                    // `read_document` returns the kind asked for.
                    other => Err(DocumentError::Json(JsonError::new(
                        $name,
                        Some("kind".into()),
                        format!("expected a {}, found a {}", $name, other.document().kind),
                    ))),
                }
            }
        }
    };
}
from_json_of_kind!(Service, Service, "service");
from_json_of_kind!(Session, Session, "session");
from_json_of_kind!(Invoice, Invoice, "invoice");

impl Document {
    /// Reads any document from its JSON (tagged by `"kind"`). Unknown
    /// fields are refused, naming the field's path (`lines[0].modifier`);
    /// a document whose parts contradict each other (a `paid` invoice with
    /// a balance, payments above the total, two lines with one id, ...) is
    /// [`DocumentError::Inconsistent`]. Every binding and the CLI read
    /// documents with this.
    ///
    /// # Example
    /// ```
    /// use procode::billing::{Document, DocumentError};
    /// let svc = r#"{"kind": "service", "id": "SVC-1", "name": "Visit",
    ///   "price": {"amount": "80", "currency": "USD"},
    ///   "paid_in_advence": true, "paid_in_advance": false, "insurance_billable": true}"#;
    /// let e = Document::from_json(svc).unwrap_err();
    /// assert!(matches!(&e, DocumentError::Json(j) if j.path.as_deref() == Some("paid_in_advence")), "{e}");
    /// ```
    pub fn from_json(text: &str) -> Result<Document, DocumentError> {
        read_document(text, None)
    }

    fn inner(&self) -> &dyn BillingDocument {
        match self {
            Document::Service(d) => d,
            Document::Session(d) => d,
            Document::Invoice(d) => d,
        }
    }
}

impl BillingDocument for Document {
    fn document(&self) -> DocumentRef {
        self.inner().document()
    }
    fn state(&self) -> DocumentState {
        self.inner().state()
    }
    fn lines(&self) -> &[CodeLine] {
        self.inner().lines()
    }
    fn date(&self) -> Option<NaiveDate> {
        self.inner().date()
    }
    fn payer_id(&self) -> Option<&str> {
        self.inner().payer_id()
    }
    fn currency(&self) -> Currency {
        self.inner().currency()
    }
    fn service_price(&self) -> Option<Money> {
        self.inner().service_price()
    }
    fn audit(&self) -> &AuditLog {
        self.inner().audit()
    }
}
