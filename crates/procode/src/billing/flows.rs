//! The flows of a booking: book, review, confirm, cancel, complete — keeping
//! a session and its invoice in step.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::audit::AuditLog;
use super::documents::{
    BillingDocument, Invoice, Payment, Service, Session, Transition, TransitionError,
};
use super::edit::{self, Applied, Change, EditBatch, EditError, EditOutcome, Editor};
use super::line::CodeLine;
use super::policy::{DocumentState, EditAction, EditContext, InvoiceState, SessionState};
use super::rates::Pricing;

/// What a host asks for when booking a session.
///
/// # Example
/// ```
/// use chrono::NaiveDate;
/// use procode::billing::BookingRequest;
/// let r = BookingRequest::new("S-1", "C-9", NaiveDate::from_ymd_opt(2025, 3, 3).unwrap())
///     .with_payer("AETNA")
///     .with_invoice_id("INV-7");
/// assert_eq!(r.invoice_id.as_deref(), Some("INV-7"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRequest {
    /// The new session's id.
    pub session_id: String,
    /// The client.
    pub client_id: String,
    /// The date of the session.
    pub date: NaiveDate,
    /// The payer (insurer), if any.
    #[serde(default)]
    pub payer_id: Option<String>,
    /// The id of the draft invoice of a paid-in-advance booking.
    #[serde(default)]
    pub invoice_id: Option<String>,
}

impl BookingRequest {
    /// A request without payer or invoice id.
    pub fn new(
        session_id: impl Into<String>,
        client_id: impl Into<String>,
        date: NaiveDate,
    ) -> Self {
        BookingRequest {
            session_id: session_id.into(),
            client_id: client_id.into(),
            date,
            payer_id: None,
            invoice_id: None,
        }
    }

    /// Sets the payer.
    pub fn with_payer(mut self, payer_id: impl Into<String>) -> Self {
        self.payer_id = Some(payer_id.into());
        self
    }

    /// Sets the invoice id (required for paid-in-advance services).
    pub fn with_invoice_id(mut self, invoice_id: impl Into<String>) -> Self {
        self.invoice_id = Some(invoice_id.into());
        self
    }
}

/// A line that differs between a session and its invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineDifference {
    /// The line id.
    pub line_id: String,
    /// The session's line (`None` when the session no longer has it).
    pub session: Option<CodeLine>,
    /// The invoice's line (`None` when the invoice does not have it).
    pub invoice: Option<CodeLine>,
}

/// What happened to the invoice when a session was completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InvoiceUpdate {
    /// A draft invoice was created from the session's codes.
    Created {
        /// Its id.
        invoice_id: String,
    },
    /// The existing draft or sent invoice was updated in the same step.
    Updated {
        /// Lines added, changed or removed on the invoice.
        changed_lines: Vec<String>,
        /// The invoice was sent: the client must be sent the new version.
        must_resend: bool,
    },
    /// The invoice could not change (paid, void, or locked by the policy); the
    /// completion's [`differences`](Completion::differences) say what to
    /// adjust.
    Unchanged {
        /// The invoice's state.
        state: InvoiceState,
    },
}

/// The result of marking a session complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completion {
    /// Lines of the session added, changed or removed by the step.
    pub session_changes: Vec<String>,
    /// What happened to the invoice.
    pub invoice: InvoiceUpdate,
    /// When the invoice was left unchanged: every line that now differs
    /// between the session and the invoice (for an adjustment).
    pub differences: Vec<LineDifference>,
}

/// A session with its invoice, if any: the unit the booking flows work on.
///
/// # Example
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use procode::billing::*;
/// use procode::CodeSystem;
/// let ed = Editor::new("front-desk", Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap());
/// let mut svc = Service::new("SVC-1", "Counseling", Money::parse("120", "USD").unwrap())
///     .with_paid_in_advance(true);
/// let line = CodeLine::manual(CodeSystem::Hcpcs, "H0004", "Counseling").unwrap()
///     .with_diagnoses(["F41.1"]).unwrap();
/// svc.edit(&EditBatch::new().add(line), &ed).unwrap();
///
/// let date = NaiveDate::from_ymd_opt(2025, 3, 3).unwrap();
/// let req = BookingRequest::new("S-1", "C-9", date).with_invoice_id("INV-7");
/// let mut enc = Encounter::book(&svc, req, Pricing::none()).unwrap();
/// assert_eq!(enc.session().state(), SessionState::PendingConfirmation);
/// assert_eq!(enc.invoice().unwrap().state(), InvoiceState::Draft);
///
/// enc.review(&EditBatch::new().edit("L1", LineChanges::default().units(2)), &ed).unwrap();
/// let paid = Payment::new("P1", Money::parse("240", "USD").unwrap(), ed.at());
/// assert_eq!(enc.confirm(Some(paid)).unwrap(), InvoiceState::Paid);
/// assert_eq!(enc.session().state(), SessionState::Booked);
///
/// // Completion after payment: the session's codes change, the invoice does not.
/// let done = enc.complete(&EditBatch::new().edit("L1", LineChanges::default().units(3)), &ed, None).unwrap();
/// assert_eq!(enc.session().state(), SessionState::Completed);
/// assert_eq!(done.differences.len(), 1);
/// assert_eq!(enc.invoice().unwrap().lines()[0].units, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "EncounterRepr")]
pub struct Encounter {
    session: Session,
    invoice: Option<Invoice>,
}

/// The JSON form of an encounter, checked with [`Encounter::from_parts`].
#[derive(Deserialize)]
struct EncounterRepr {
    session: Session,
    #[serde(default)]
    invoice: Option<Invoice>,
}

impl TryFrom<EncounterRepr> for Encounter {
    type Error = TransitionError;
    fn try_from(r: EncounterRepr) -> Result<Self, TransitionError> {
        Encounter::from_parts(r.session, r.invoice)
    }
}

impl Encounter {
    /// Books a session for a service. A paid-in-advance service gives a
    /// `pending_confirmation` session with a `draft` invoice built from the
    /// service's codes (the request must name the invoice id); any other
    /// service gives a `booked` session with the service's codes and no
    /// invoice. Lines get the session date as their date of service and
    /// their rates resolved for the request's payer.
    pub fn book(
        service: &Service,
        request: BookingRequest,
        pricing: Pricing<'_>,
    ) -> Result<Encounter, TransitionError> {
        let invoice_id = match (service.paid_in_advance(), request.invoice_id) {
            (true, None) => {
                return Err(TransitionError::BadBooking {
                    service: service.document(),
                    problem: "a paid-in-advance booking needs an invoice id for its draft invoice"
                        .into(),
                })
            }
            (true, Some(id)) => Some(id),
            (false, _) => None,
        };
        let state = if service.paid_in_advance() {
            SessionState::PendingConfirmation
        } else {
            SessionState::Booked
        };
        let price = service.price();
        let lines: Vec<CodeLine> = service
            .lines()
            .iter()
            .map(|l| {
                let mut l = l.clone();
                l.date_of_service = l.date_of_service.or(Some(request.date));
                l.rate = pricing.resolve(
                    &l,
                    request.payer_id.as_deref(),
                    Some(request.date),
                    price.currency(),
                    Some(price),
                );
                l
            })
            .collect();
        let next_line = lines
            .iter()
            .filter_map(|l| edit::line_number(&l.id))
            .map(|n| n.saturating_add(1))
            .max()
            .unwrap_or(1);
        let session = Session {
            id: request.session_id,
            client_id: request.client_id,
            service_id: service.id().to_owned(),
            date: request.date,
            state,
            price,
            payer_id: request.payer_id,
            invoice_id: invoice_id.clone(),
            lines,
            next_line,
            audit: AuditLog::default(),
        };
        let invoice = invoice_id
            .map(|id| Invoice::from_lines(id, &session, session.lines.clone(), session.next_line));
        Ok(Encounter { session, invoice })
    }

    /// Puts a session and its invoice back together (e.g. after loading
    /// them from JSON, or to attach an invoice the host made with
    /// [`Invoice::new`]). The invoice must name the session; a session that
    /// names no invoice yet is linked to it.
    pub fn from_parts(
        mut session: Session,
        invoice: Option<Invoice>,
    ) -> Result<Encounter, TransitionError> {
        if let Some(inv) = &invoice {
            let linked = session.invoice_id.as_deref().is_none_or(|id| id == inv.id);
            if inv.session_id != session.id || !linked {
                return Err(TransitionError::InvoiceMismatch {
                    invoice: inv.document(),
                    invoice_session: inv.session_id.clone(),
                    session: session.document(),
                });
            }
            session.invoice_id = Some(inv.id.clone());
        }
        Ok(Encounter { session, invoice })
    }

    /// The session.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The invoice, if any.
    pub fn invoice(&self) -> Option<&Invoice> {
        self.invoice.as_ref()
    }

    /// The session and the invoice.
    pub fn into_parts(self) -> (Session, Option<Invoice>) {
        (self.session, self.invoice)
    }

    /// Reviews the codes of a paid-in-advance booking (`booking_review`
    /// context): the batch applies to the session and its draft invoice
    /// together, or to neither. Refused for a normal booking (its session is
    /// `booked`, not `pending_confirmation`).
    pub fn review(
        &mut self,
        batch: &EditBatch,
        editor: &Editor<'_>,
    ) -> Result<EditOutcome, EditError> {
        let context = EditContext::BookingReview;
        let policy = editor.policy();
        let session_doc = self.session.document();
        edit::check_policy(
            policy,
            context,
            &session_doc,
            self.session.state.into(),
            batch,
        )?;
        // Review exists only for a pending booking with its draft invoice,
        // even for an empty batch.
        let action = batch
            .ops()
            .first()
            .map(|o| o.action())
            .unwrap_or(EditAction::Edit);
        let refuse = |document, state| EditError::NotAllowed {
            context,
            document,
            state,
            action,
        };
        if self.session.state != SessionState::PendingConfirmation {
            return Err(refuse(session_doc, self.session.state.into()));
        }
        let Some(invoice) = self.invoice.as_mut() else {
            return Err(refuse(session_doc, self.session.state.into()));
        };
        if invoice.state != InvoiceState::Draft {
            return Err(refuse(invoice.document(), invoice.state.into()));
        }
        edit::check_policy(
            policy,
            context,
            &invoice.document(),
            invoice.state.into(),
            batch,
        )?;
        let batch = edit::assign_ids(
            batch,
            &[
                (&self.session.lines, self.session.next_line),
                (&invoice.lines, invoice.next_line),
            ],
        );
        let s = edit::apply(&self.session.target(), &batch, editor)?;
        let i = edit::apply(&invoice.target(), &batch, editor)?;
        invoice.check_total(&i.lines)?;
        let sess = &mut self.session;
        s.commit(
            &mut sess.lines,
            &mut sess.next_line,
            &mut sess.audit,
            context,
            editor,
        );
        Ok(invoice.commit(i, context, editor))
    }

    /// Confirms a paid-in-advance booking: the session becomes `booked` and
    /// the invoice `sent`, then `paid` if `payment` covers it (a partial
    /// payment leaves it `sent`). All or nothing.
    pub fn confirm(&mut self, payment: Option<Payment>) -> Result<InvoiceState, TransitionError> {
        if self.session.state != SessionState::PendingConfirmation {
            return Err(self.session_invalid(Transition::Confirm));
        }
        let Some(invoice) = &self.invoice else {
            return Err(TransitionError::NoInvoice {
                session: self.session.document(),
            });
        };
        let mut inv = invoice.clone();
        if inv.state != InvoiceState::Draft {
            return Err(TransitionError::InvalidState {
                transition: Transition::Confirm,
                document: inv.document(),
                state: inv.state.into(),
            });
        }
        inv.send()?;
        if let Some(p) = payment {
            inv.record_payment(p)?;
        }
        let state = inv.state;
        self.invoice = Some(inv);
        self.session.state = SessionState::Booked;
        Ok(state)
    }

    /// Cancels a `pending_confirmation` or `booked` session; a draft invoice
    /// is voided (a sent or paid one is left for the host to refund or void).
    pub fn cancel(&mut self) -> Result<(), TransitionError> {
        if !matches!(
            self.session.state,
            SessionState::PendingConfirmation | SessionState::Booked
        ) {
            return Err(self.session_invalid(Transition::Cancel));
        }
        if let Some(inv) = self
            .invoice
            .as_mut()
            .filter(|i| i.state == InvoiceState::Draft)
        {
            inv.void()?;
        }
        self.session.state = SessionState::Cancelled;
        Ok(())
    }

    /// Marks a `booked` session as a no-show.
    pub fn no_show(&mut self) -> Result<(), TransitionError> {
        if self.session.state != SessionState::Booked {
            return Err(self.session_invalid(Transition::NoShow));
        }
        self.session.state = SessionState::NoShow;
        Ok(())
    }

    /// Marks the session complete, applying `batch` to its codes in the same
    /// step (`session_completion` context). The session becomes `completed`.
    ///
    /// - No invoice yet: a `draft` invoice with id `invoice_id` is created
    ///   from the session's codes (`invoice_id` is then required).
    /// - A `draft` or `sent` invoice: the same changes are applied to it
    ///   (lines added, replaced by the session's new version, or removed);
    ///   a sent invoice then needs re-sending.
    /// - A `paid` or `void` invoice (or one the policy locks): the invoice is
    ///   unchanged and [`Completion::differences`] lists every line that now
    ///   differs, so the host can bill an adjustment.
    ///
    /// All or nothing: on error neither document changes.
    pub fn complete(
        &mut self,
        batch: &EditBatch,
        editor: &Editor<'_>,
        invoice_id: Option<&str>,
    ) -> Result<Completion, TransitionError> {
        let context = EditContext::SessionCompletion;
        let policy = editor.policy();
        edit::check_policy(
            policy,
            context,
            &self.session.document(),
            self.session.state.into(),
            batch,
        )?;
        if self.session.state != SessionState::Booked {
            return Err(self.session_invalid(Transition::Complete));
        }
        if self.invoice.is_none() && invoice_id.is_none() {
            return Err(TransitionError::InvoiceIdRequired {
                session: self.session.document(),
            });
        }
        let mut docs: Vec<(&[CodeLine], u32)> = vec![(&self.session.lines, self.session.next_line)];
        if let Some(inv) = &self.invoice {
            docs.push((&inv.lines, inv.next_line));
        }
        let batch = edit::assign_ids(batch, &docs);
        let s = edit::apply(&self.session.target(), &batch, editor)?;

        // Work out the invoice side before committing anything.
        enum Plan {
            Create(Invoice),
            Update(Box<Invoice>, EditOutcome),
            Leave(Vec<LineDifference>, InvoiceState),
        }
        let plan = match &self.invoice {
            None => {
                let id = invoice_id.unwrap_or_default().to_owned();
                Plan::Create(Invoice::from_lines(
                    id,
                    &self.session,
                    s.lines.clone(),
                    s.next_line,
                ))
            }
            Some(inv) => {
                let mirrored = mirror(inv, &s);
                let allowed = mirrored
                    .changes
                    .iter()
                    .all(|c| policy.allows(context, inv.state.into(), c.action));
                if allowed {
                    inv.check_total(&mirrored.lines)?;
                    let mut updated = inv.clone();
                    let out = updated.commit(mirrored, context, editor);
                    Plan::Update(Box::new(updated), out)
                } else {
                    Plan::Leave(differences(&s.lines, &inv.lines), inv.state)
                }
            }
        };

        let sess = &mut self.session;
        let session_changes = s.commit(
            &mut sess.lines,
            &mut sess.next_line,
            &mut sess.audit,
            context,
            editor,
        );
        sess.state = SessionState::Completed;
        let (update, differences) = match plan {
            Plan::Create(inv) => {
                let id = inv.id.clone();
                sess.invoice_id = Some(id.clone());
                self.invoice = Some(inv);
                (InvoiceUpdate::Created { invoice_id: id }, Vec::new())
            }
            Plan::Update(inv, out) => {
                self.invoice = Some(*inv);
                (
                    InvoiceUpdate::Updated {
                        changed_lines: out.changed_lines,
                        must_resend: out.must_resend,
                    },
                    Vec::new(),
                )
            }
            Plan::Leave(diffs, state) => (InvoiceUpdate::Unchanged { state }, diffs),
        };
        Ok(Completion {
            session_changes,
            invoice: update,
            differences,
        })
    }

    /// Edits the invoice in billing (`invoice_edit` context); the session's
    /// codes are not touched.
    pub fn edit_invoice(
        &mut self,
        batch: &EditBatch,
        editor: &Editor<'_>,
    ) -> Result<EditOutcome, TransitionError> {
        match self.invoice.as_mut() {
            Some(inv) => Ok(inv.edit(batch, editor)?),
            None => Err(TransitionError::NoInvoice {
                session: self.session.document(),
            }),
        }
    }

    /// Sends (or re-sends) the invoice.
    pub fn send_invoice(&mut self) -> Result<u32, TransitionError> {
        self.invoice_mut()?.send()
    }

    /// Records a payment on the invoice.
    pub fn record_payment(&mut self, payment: Payment) -> Result<InvoiceState, TransitionError> {
        self.invoice_mut()?.record_payment(payment)
    }

    /// Voids the invoice.
    pub fn void_invoice(&mut self) -> Result<(), TransitionError> {
        self.invoice_mut()?.void()
    }

    fn invoice_mut(&mut self) -> Result<&mut Invoice, TransitionError> {
        let session = self.session.document();
        self.invoice
            .as_mut()
            .ok_or(TransitionError::NoInvoice { session })
    }

    fn session_invalid(&self, transition: Transition) -> TransitionError {
        TransitionError::InvalidState {
            transition,
            document: self.session.document(),
            state: DocumentState::from(self.session.state),
        }
    }
}

/// The session's changes, mirrored onto the invoice's lines: adds and edits
/// put the session's new line in place (or append it), removes drop the line
/// when the invoice has it.
fn mirror(inv: &Invoice, s: &Applied) -> Applied {
    let mut lines = inv.lines.clone();
    let mut next_line = inv.next_line;
    let mut changes = Vec::new();
    for c in &s.changes {
        let pos = lines.iter().position(|l| l.id == c.line_id);
        match (&c.after, pos) {
            (Some(after), Some(i)) => {
                let before = std::mem::replace(&mut lines[i], after.clone());
                changes.push(Change {
                    action: EditAction::Edit,
                    line_id: c.line_id.clone(),
                    before: Some(before),
                    after: Some(after.clone()),
                });
            }
            (Some(after), None) => {
                lines.push(after.clone());
                if let Some(n) = edit::line_number(&after.id) {
                    next_line = next_line.max(n.saturating_add(1));
                }
                changes.push(Change {
                    action: EditAction::Add,
                    line_id: c.line_id.clone(),
                    before: None,
                    after: Some(after.clone()),
                });
            }
            (None, Some(i)) => {
                let before = lines.remove(i);
                changes.push(Change {
                    action: EditAction::Remove,
                    line_id: c.line_id.clone(),
                    before: Some(before),
                    after: None,
                });
            }
            (None, None) => {}
        }
    }
    Applied {
        lines,
        next_line,
        changes,
    }
}

/// Lines that bill differently between a session and an invoice, by id.
fn differences(session: &[CodeLine], invoice: &[CodeLine]) -> Vec<LineDifference> {
    let mut out = Vec::new();
    for s in session {
        match invoice.iter().find(|i| i.id == s.id) {
            Some(i) if i.bills_same_as(s) => {}
            other => out.push(LineDifference {
                line_id: s.id.clone(),
                session: Some(s.clone()),
                invoice: other.cloned(),
            }),
        }
    }
    for i in invoice {
        if !session.iter().any(|s| s.id == i.id) {
            out.push(LineDifference {
                line_id: i.id.clone(),
                session: None,
                invoice: Some(i.clone()),
            });
        }
    }
    out
}
