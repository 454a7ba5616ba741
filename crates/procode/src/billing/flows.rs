//! The flows of a booking: book, review, confirm, cancel, complete — keeping
//! a session and its invoice in step.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::audit::AuditLog;
use super::documents::{
    document_from_value, BillingDocument, Document, DocumentError, Invoice, Payment, Service,
    Session, Transition, TransitionError,
};
use super::edit::{self, EditBatch, EditError, EditOp, EditOutcome, Editor};
use super::json::{self, JsonError};
use super::line::CodeLine;
use super::policy::{
    DocumentKind, DocumentState, EditAction, EditContext, InvoiceState, SessionState,
};
use super::rates::Pricing;
use super::revision::{self, first_revision};

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
#[serde(deny_unknown_fields)]
#[non_exhaustive]
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
#[serde(deny_unknown_fields)]
#[non_exhaustive]
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
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Completion {
    /// Lines of the session added, changed or removed by the step.
    pub session_changes: Vec<String>,
    /// What happened to the invoice.
    pub invoice: InvoiceUpdate,
    /// When the invoice was left unchanged: every line that now differs
    /// between the session and the invoice (for an adjustment). When it was
    /// updated: the lines the completion edited that the invoice no longer
    /// has (their edits were not applied to it).
    pub differences: Vec<LineDifference>,
}

/// What a completion does to the invoice: create it, update it (the
/// updated copy, the outcome, the lines left alone), or leave it.
enum Plan {
    Create(Invoice),
    Update(Box<Invoice>, EditOutcome, Vec<String>),
    Leave(Vec<LineDifference>, InvoiceState),
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
#[serde(deny_unknown_fields)]
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
        let document = service.document();
        let mut session = Session {
            id: request.session_id,
            revision: first_revision(),
            client_id: request.client_id,
            service_id: service.id().to_owned(),
            date: request.date,
            state,
            price: service.price(),
            payer_id: request.payer_id,
            invoice_id: invoice_id.clone(),
            lines: Vec::new(),
            next_line: 1,
            audit: AuditLog::default(),
        };
        let lines: Vec<CodeLine> = service
            .lines()
            .iter()
            .map(|l| {
                let mut l = l.clone();
                l.date_of_service = session.date_of_service(&l);
                let previous = l.rate.clone();
                edit::resolve_rate(&document, &session, pricing, &mut l, previous.as_ref())?;
                Ok(l)
            })
            .collect::<Result<_, EditError>>()?;
        edit::check_amounts(&document, &lines, session.currency())?;
        session.next_line = lines
            .iter()
            .filter_map(|l| edit::line_number(&l.id))
            .map(|n| n.saturating_add(1))
            .max()
            .unwrap_or(1);
        session.lines = lines;
        let invoice = invoice_id
            .map(|id| Invoice::from_lines(id, &session, session.lines.clone(), session.next_line));
        Ok(Encounter { session, invoice })
    }

    /// Puts a session and its invoice back together (e.g. after loading
    /// them from JSON, or to attach an invoice the host made with
    /// [`Invoice::new`]). The invoice must name the session
    /// ([`TransitionError::InvoiceMismatch`]); a session that names an
    /// invoice must be given that invoice ([`TransitionError::WrongInvoice`]:
    /// without it a completion would make a second invoice); a session that
    /// names no invoice yet is linked to the one given.
    pub fn from_parts(
        mut session: Session,
        invoice: Option<Invoice>,
    ) -> Result<Encounter, TransitionError> {
        match (&invoice, session.invoice_id.as_deref()) {
            (Some(inv), _) if inv.session_id != session.id => {
                return Err(TransitionError::InvoiceMismatch {
                    invoice: inv.document(),
                    invoice_session: inv.session_id.clone(),
                    session: session.document(),
                })
            }
            (Some(inv), Some(named)) if named != inv.id => {
                return Err(TransitionError::WrongInvoice {
                    session: session.document(),
                    named: named.to_owned(),
                    given: Some(inv.id.clone()),
                })
            }
            (None, Some(named)) => {
                return Err(TransitionError::WrongInvoice {
                    session: session.document(),
                    named: named.to_owned(),
                    given: None,
                })
            }
            _ => {}
        }
        if let Some(inv) = &invoice {
            session.invoice_id = Some(inv.id.clone());
        }
        Ok(Encounter { session, invoice })
    }

    /// Reads an encounter from its JSON, `{"session": {...}, "invoice":
    /// {...} or null}` (as serialised). Unknown fields are refused, naming
    /// their path; each document gets the checks of
    /// [`Document::from_json`](super::Document::from_json), and the two must
    /// belong together (the checks of [`Encounter::from_parts`], reported as
    /// [`DocumentError::Unlinked`]).
    ///
    /// # Example
    /// ```
    /// use procode::billing::{DocumentError, Encounter};
    /// let e = Encounter::from_json(r#"{"session": {}, "invoce": null}"#).unwrap_err();
    /// assert!(matches!(&e, DocumentError::Json(j) if j.path.as_deref() == Some("invoce")), "{e}");
    /// ```
    pub fn from_json(text: &str) -> Result<Encounter, DocumentError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Parts {
            session: serde_json::Value,
            #[serde(default)]
            invoice: Option<serde_json::Value>,
        }
        let parts: Parts = json::parse_json(text, "encounter")?;
        let nested = |e: JsonError, field: &str| {
            let path = match e.path {
                Some(p) => format!("{field}.{p}"),
                None => field.to_owned(),
            };
            DocumentError::Json(JsonError::new("encounter", Some(path), e.message))
        };
        let read = |kind: DocumentKind, v: serde_json::Value| {
            document_from_value(kind, v).map_err(|e| match e {
                DocumentError::Json(j) => nested(j, kind.as_str()),
                other => other,
            })
        };
        let Document::Session(session) = read(DocumentKind::Session, parts.session)? else {
            return Err(nested(
                JsonError::new("session", None, "not a session"),
                "session",
            ));
        };
        let invoice = match parts.invoice {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => match read(DocumentKind::Invoice, v)? {
                Document::Invoice(i) => Some(i),
                _ => {
                    return Err(nested(
                        JsonError::new("invoice", None, "not an invoice"),
                        "invoice",
                    ))
                }
            },
        };
        let doc = session.document();
        Encounter::from_parts(session, invoice).map_err(|e| DocumentError::Unlinked {
            session: doc,
            problem: e.to_string(),
        })
    }

    /// The encounter's revision: its session's plus its invoice's (if any).
    /// Every step that changes the encounter changes one of them, so it
    /// goes up with every step; a refused step leaves it as it was. See
    /// [`Revisioned`](super::Revisioned).
    pub fn revision(&self) -> u64 {
        self.session
            .revision
            .saturating_add(self.invoice.as_ref().map_or(0, |i| i.revision))
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
        let ids = edit::assigned_ids(
            batch,
            &[
                (&self.session.lines, self.session.next_line),
                (&invoice.lines, invoice.next_line),
            ],
        );
        let s = edit::apply_with_ids(&self.session, self.session.next_line, batch, &ids, editor)?;
        let i = edit::apply_with_ids(invoice, invoice.next_line, batch, &ids, editor)?;
        invoice.check_total(&i.lines)?;
        let sess = &mut self.session;
        if !s.changes.is_empty() {
            revision::bump(&mut sess.revision);
        }
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
        revision::bump(&mut self.session.revision);
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
        revision::bump(&mut self.session.revision);
        Ok(())
    }

    /// Marks a `booked` session as a no-show.
    pub fn no_show(&mut self) -> Result<(), TransitionError> {
        if self.session.state != SessionState::Booked {
            return Err(self.session_invalid(Transition::NoShow));
        }
        self.session.state = SessionState::NoShow;
        revision::bump(&mut self.session.revision);
        Ok(())
    }

    /// Marks the session complete, applying `batch` to its codes in the same
    /// step (`session_completion` context). The session becomes `completed`.
    ///
    /// - No invoice yet: a `draft` invoice with id `invoice_id` is created
    ///   from the session's codes (`invoice_id` is then required).
    /// - A `draft` or `sent` invoice: the batch's operations are applied to
    ///   the invoice's own lines as edits, in the same step (policy
    ///   permitting): an add adds the line, an edit changes only the fields
    ///   it names — what billing set on the invoice (a rate override, an
    ///   edited description, modifiers it added) survives unless the
    ///   completion changes that very field — and a remove removes the line.
    ///   The invoice's audit log records each change (context
    ///   `session_completion`), its version counts up when anything changed,
    ///   and a sent invoice then needs re-sending. An edit of a line the
    ///   invoice never had adds the session's line to it; an edit of a line
    ///   billing removed from the invoice does not bring it back:
    ///   [`Completion::differences`] lists that line.
    /// - A `paid` or `void` invoice (or one the policy locks): the invoice is
    ///   unchanged and [`Completion::differences`] lists every line that now
    ///   differs, so the host can bill an adjustment.
    ///
    /// Rates are resolved with the editor's pricing on each document; a rate
    /// that came from a fee schedule the editor's pricing lacks is never
    /// silently re-resolved from a lesser source
    /// ([`EditError::ScheduleMissing`]).
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
        let s = edit::apply(&self.session, self.session.next_line, &batch, editor)?;

        // Work out the invoice side before committing anything.
        let plan = self.plan_invoice(&batch, &s, editor, invoice_id)?;
        let sess = &mut self.session;
        let session_changes = s.commit(
            &mut sess.lines,
            &mut sess.next_line,
            &mut sess.audit,
            context,
            editor,
        );
        sess.state = SessionState::Completed;
        revision::bump(&mut sess.revision);
        let (update, differences) = self.carry_out(plan);
        Ok(Completion {
            session_changes,
            invoice: update,
            differences,
        })
    }

    /// What a completion does to the invoice, worked out on copies: `s` is
    /// the batch applied to the session, not yet committed.
    fn plan_invoice(
        &self,
        batch: &EditBatch,
        s: &edit::Applied,
        editor: &Editor<'_>,
        invoice_id: Option<&str>,
    ) -> Result<Plan, TransitionError> {
        let context = EditContext::SessionCompletion;
        let policy = editor.policy();
        Ok(match (&self.invoice, invoice_id) {
            (None, None) => {
                return Err(TransitionError::InvoiceIdRequired {
                    session: self.session.document(),
                })
            }
            (None, Some(id)) => Plan::Create(Invoice::from_lines(
                id.to_owned(),
                &self.session,
                s.lines.clone(),
                s.next_line,
            )),
            (Some(inv), _) => {
                let (for_invoice, skipped) = invoice_ops(batch, inv, &s.lines);
                let state = DocumentState::from(inv.state);
                let allowed = if for_invoice.is_empty() {
                    EditAction::ALL
                        .into_iter()
                        .any(|a| policy.allows(context, state, a))
                } else {
                    for_invoice
                        .ops()
                        .iter()
                        .all(|op| policy.allows(context, state, op.action()))
                };
                if allowed {
                    let applied = edit::apply(inv, inv.next_line, &for_invoice, editor)?;
                    inv.check_total(&applied.lines)?;
                    let mut updated = inv.clone();
                    let out = updated.commit(applied, context, editor);
                    Plan::Update(Box::new(updated), out, skipped)
                } else {
                    Plan::Leave(differences(&s.lines, &inv.lines), inv.state)
                }
            }
        })
    }

    /// Commits a completion's invoice side (the session is committed).
    fn carry_out(&mut self, plan: Plan) -> (InvoiceUpdate, Vec<LineDifference>) {
        let sess = &mut self.session;
        match plan {
            Plan::Create(inv) => {
                let id = inv.id.clone();
                sess.invoice_id = Some(id.clone());
                self.invoice = Some(inv);
                (InvoiceUpdate::Created { invoice_id: id }, Vec::new())
            }
            Plan::Update(inv, out, skipped) => {
                let diffs = skipped
                    .iter()
                    .map(|id| LineDifference {
                        line_id: id.clone(),
                        session: sess.lines.iter().find(|l| &l.id == id).cloned(),
                        invoice: inv.lines.iter().find(|l| &l.id == id).cloned(),
                    })
                    .collect();
                self.invoice = Some(*inv);
                (
                    InvoiceUpdate::Updated {
                        changed_lines: out.changed_lines,
                        must_resend: out.must_resend,
                    },
                    diffs,
                )
            }
            Plan::Leave(diffs, state) => (InvoiceUpdate::Unchanged { state }, diffs),
        }
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

/// The completion's operations as edits of the invoice's own lines: adds
/// add the line, edits change only the fields they name (so what billing
/// set on the invoice — a rate override, a description, modifiers — stays
/// unless the completion changes that field), removes remove the line.
///
/// An edit of a line the invoice lacks: when the invoice never had it (an
/// invoice the host attached empty), the session's new line is added; when
/// billing removed it from the invoice (its audit log says so), it is not
/// brought back, and its id is returned among the lines left out (reported
/// as differences). A remove of a line the invoice lacks does nothing.
fn invoice_ops(
    batch: &EditBatch,
    inv: &Invoice,
    session_lines: &[CodeLine],
) -> (EditBatch, Vec<String>) {
    let mut present: std::collections::HashSet<String> =
        inv.lines.iter().map(|l| l.id.clone()).collect();
    let removed_by_billing = |id: &str| {
        inv.audit
            .iter()
            .any(|e| e.action == EditAction::Remove && e.line_id == id)
    };
    let mut out = EditBatch::new();
    let mut skipped: Vec<String> = Vec::new();
    for op in batch.ops() {
        match op {
            EditOp::Add(line) => {
                present.insert(line.id.clone());
                out.push(op.clone());
            }
            EditOp::Edit { line_id, .. } if present.contains(line_id) => out.push(op.clone()),
            EditOp::Edit { line_id, .. } => {
                if removed_by_billing(line_id) {
                    if !skipped.contains(line_id) {
                        skipped.push(line_id.clone());
                    }
                } else if let Some(l) = session_lines.iter().find(|l| &l.id == line_id) {
                    present.insert(line_id.clone());
                    out.push(EditOp::Add(l.clone()));
                }
            }
            EditOp::Remove { line_id } => {
                if present.remove(line_id) {
                    out.push(op.clone());
                }
                skipped.retain(|id| id != line_id);
            }
        }
    }
    (out, skipped)
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
