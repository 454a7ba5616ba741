//! Edit batches, the editor (who, when, under which policy and prices) and
//! the atomic application of a batch to a document's lines.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::audit::{AuditEntry, AuditLog};
use super::documents::BillingDocument;
use super::line::{CodeLine, LineChanges, LineError, Rate, RateSource};
use super::money::{self, Currency, Money};
use super::policy::{DocumentRef, DocumentState, EditAction, EditContext, EditPolicy};
use super::rates::Pricing;

/// One operation of an edit batch.
///
/// JSON: `{"op": "add", ...line fields}`, `{"op": "edit", "line_id": "L1",
/// "changes": {...}}`, `{"op": "remove", "line_id": "L2"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum EditOp {
    /// Add a line (an empty id is replaced by the next `L<n>`).
    Add(CodeLine),
    /// Change fields of a line.
    Edit {
        /// The line.
        line_id: String,
        /// What changes.
        changes: LineChanges,
    },
    /// Remove a line.
    Remove {
        /// The line.
        line_id: String,
    },
}

impl EditOp {
    /// The policy action of this operation.
    pub fn action(&self) -> EditAction {
        match self {
            EditOp::Add(_) => EditAction::Add,
            EditOp::Edit { .. } => EditAction::Edit,
            EditOp::Remove { .. } => EditAction::Remove,
        }
    }
}

/// A batch of line edits, applied entirely or not at all.
///
/// # Example
/// ```
/// use procode::billing::{CodeLine, EditBatch, LineChanges};
/// use procode::CodeSystem;
/// let batch = EditBatch::new()
///     .add(CodeLine::manual(CodeSystem::Hcpcs, "G0444", "Depression screen").unwrap())
///     .edit("L1", LineChanges::default().units(2))
///     .remove("L2");
/// assert_eq!(batch.ops().len(), 3);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditBatch {
    ops: Vec<EditOp>,
}

impl EditBatch {
    /// An empty batch.
    pub fn new() -> EditBatch {
        EditBatch::default()
    }

    /// A batch of these operations.
    pub fn from_ops(ops: Vec<EditOp>) -> EditBatch {
        EditBatch { ops }
    }

    /// Appends an add.
    // A builder step named after the operation, not arithmetic.
    #[allow(clippy::should_implement_trait)]
    pub fn add(mut self, line: CodeLine) -> EditBatch {
        self.ops.push(EditOp::Add(line));
        self
    }

    /// Appends an edit.
    pub fn edit(mut self, line_id: impl Into<String>, changes: LineChanges) -> EditBatch {
        self.ops.push(EditOp::Edit {
            line_id: line_id.into(),
            changes,
        });
        self
    }

    /// Appends a remove.
    pub fn remove(mut self, line_id: impl Into<String>) -> EditBatch {
        self.ops.push(EditOp::Remove {
            line_id: line_id.into(),
        });
        self
    }

    /// Appends any operation.
    pub fn push(&mut self, op: EditOp) {
        self.ops.push(op);
    }

    /// The operations, in order.
    pub fn ops(&self) -> &[EditOp] {
        &self.ops
    }

    /// Whether the batch has no operations.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// Why an edit batch was refused. The document is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// The policy does not allow this action here.
    #[error("cannot {} {document} in {context}: {state}", action.phrase())]
    NotAllowed {
        /// The edit context.
        context: EditContext,
        /// The document.
        document: DocumentRef,
        /// Its kind and state.
        state: DocumentState,
        /// The refused action.
        action: EditAction,
    },
    /// An edit or remove names a line the document does not have.
    #[error("{document} has no line {line_id:?}")]
    UnknownLine {
        /// The document.
        document: DocumentRef,
        /// The line id.
        line_id: String,
    },
    /// An add uses a line id the document already has.
    #[error(
        "{document} already has a line {line_id:?}: give the new line another id or leave it empty"
    )]
    DuplicateLineId {
        /// The document.
        document: DocumentRef,
        /// The line id.
        line_id: String,
    },
    /// A line is not acceptable.
    #[error("line {line_id:?} of {document}: {source}")]
    InvalidLine {
        /// The document.
        document: DocumentRef,
        /// The line id.
        line_id: String,
        /// What is wrong.
        source: LineError,
    },
    /// A line amount (rate × units) or the document's total would exceed
    /// [`MAX_AMOUNT`](super::MAX_AMOUNT), the largest amount procode bills.
    /// Totals are exact sums: an amount beyond the bound is refused, never
    /// capped.
    #[error("{document}: {detail}")]
    AmountTooLarge {
        /// The document.
        document: DocumentRef,
        /// The line whose amount is too large; `None` for the total.
        line_id: Option<String>,
        /// The amount the edit would give.
        amount: rust_decimal::Decimal,
        /// What is too large, in words.
        detail: String,
    },
    /// A line's rate came from a fee schedule that the step's pricing does
    /// not include, and the step would re-resolve the rate (a new code,
    /// modifiers or date of service, `resolve`): resolving it without that
    /// schedule would silently fall back to a lesser source. Pass the
    /// schedules the document was priced with (or override the rate).
    #[error(
        "line {line_id:?} of {document}: its rate came from fee schedule {schedule_id:?}, which this step's pricing does not include: pass that schedule to re-resolve the rate (or give an override)"
    )]
    ScheduleMissing {
        /// The document.
        document: DocumentRef,
        /// The line.
        line_id: String,
        /// The schedule the line's rate came from.
        schedule_id: String,
    },
    /// The edit would drop a sent invoice's total below what was paid.
    #[error(
        "{document}: the edit would make the total {new_total}, below the {paid} already paid"
    )]
    BelowPaid {
        /// The invoice.
        document: DocumentRef,
        /// The total the edit would give.
        new_total: Money,
        /// What was already paid.
        paid: Money,
    },
    /// The batch was made against a revision the document no longer has
    /// (see [`Revisioned::expect_revision`](super::Revisioned::expect_revision)).
    #[error(transparent)]
    Stale(#[from] super::revision::StaleDocument),
}

/// What an applied batch did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct EditOutcome {
    /// The document edited.
    pub document: DocumentRef,
    /// Ids of lines added, edited or removed, in batch order.
    pub changed_lines: Vec<String>,
    /// The invoice was already sent: the client must be sent the new version.
    pub must_resend: bool,
}

/// Who edits, when, under which policy and with which fee schedules.
///
/// The time is supplied by the host: the library never reads the clock.
///
/// # Example
/// ```
/// use chrono::{TimeZone, Utc};
/// use procode::billing::{EditPolicy, Editor};
/// let at = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
/// let policy = EditPolicy::default();
/// let ed = Editor::new("dr.lee", at).with_policy(&policy);
/// assert_eq!(ed.actor(), "dr.lee");
/// ```
#[derive(Debug, Clone)]
pub struct Editor<'a> {
    actor: String,
    at: DateTime<Utc>,
    policy: &'a EditPolicy,
    pricing: Pricing<'a>,
}

impl<'a> Editor<'a> {
    /// An editor under the seed policy with no fee schedules.
    pub fn new(actor: impl Into<String>, at: DateTime<Utc>) -> Editor<'a> {
        Editor {
            actor: actor.into(),
            at,
            policy: EditPolicy::seed(),
            pricing: Pricing::default(),
        }
    }

    /// Uses this policy.
    pub fn with_policy(mut self, policy: &'a EditPolicy) -> Editor<'a> {
        self.policy = policy;
        self
    }

    /// Resolves rates with these fee schedules.
    pub fn with_pricing(mut self, pricing: Pricing<'a>) -> Editor<'a> {
        self.pricing = pricing;
        self
    }

    /// The actor.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// The time of the edits.
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// The policy.
    pub fn policy(&self) -> &EditPolicy {
        self.policy
    }

    /// The pricing.
    pub fn pricing(&self) -> Pricing<'a> {
        self.pricing
    }
}

/// One recorded change.
pub(crate) struct Change {
    pub action: EditAction,
    pub line_id: String,
    pub before: Option<CodeLine>,
    pub after: Option<CodeLine>,
}

/// A batch applied to a copy of a document's lines, not yet committed.
pub(crate) struct Applied {
    pub lines: Vec<CodeLine>,
    pub next_line: u32,
    pub changes: Vec<Change>,
}

impl Applied {
    /// Commits into a document's fields and audit log.
    pub fn commit(
        self,
        lines: &mut Vec<CodeLine>,
        next_line: &mut u32,
        audit: &mut AuditLog,
        context: EditContext,
        editor: &Editor<'_>,
    ) -> Vec<String> {
        *lines = self.lines;
        *next_line = self.next_line;
        let mut ids = Vec::with_capacity(self.changes.len());
        audit.reserve(self.changes.len());
        for c in self.changes {
            ids.push(c.line_id.clone());
            audit.push(AuditEntry {
                at: editor.at,
                actor: editor.actor.clone(),
                context,
                action: c.action,
                line_id: c.line_id,
                before: c.before,
                after: c.after,
            });
        }
        ids
    }
}

/// Refuses the batch when the policy forbids any of its actions here.
pub(crate) fn check_policy(
    policy: &EditPolicy,
    context: EditContext,
    doc: &DocumentRef,
    state: DocumentState,
    batch: &EditBatch,
) -> Result<(), EditError> {
    for op in batch.ops() {
        let action = op.action();
        if !policy.allows(context, state, action) {
            return Err(EditError::NotAllowed {
                context,
                document: doc.clone(),
                state,
                action,
            });
        }
    }
    Ok(())
}

/// The number `n` of an `L<n>` id.
pub(crate) fn line_number(id: &str) -> Option<u32> {
    let digits = id.strip_prefix('L')?;
    if digits.is_empty() || digits.starts_with('0') {
        return None;
    }
    digits.parse().ok()
}

/// The next free `L<n>` id at or after `*next` among `taken`.
pub(crate) fn fresh_id(next: &mut u32, taken: &dyn Fn(&str) -> bool) -> String {
    loop {
        let n = (*next).max(1);
        *next = n.saturating_add(1);
        let id = format!("L{n}");
        if !taken(&id) || n == u32::MAX {
            return id;
        }
    }
}

/// Resolves a line's rate on `doc` with `pricing`, refusing to let a rate
/// that came from a fee schedule fall to a lesser source because that
/// schedule is not in `pricing` ([`EditError::ScheduleMissing`], naming
/// `document`: the document edited, or the service being booked).
/// `previous` is the rate the line had before the step (an explicit
/// `resolve` clears it first).
pub(crate) fn resolve_rate<D: BillingDocument + ?Sized>(
    document: &DocumentRef,
    doc: &D,
    pricing: Pricing<'_>,
    line: &mut CodeLine,
    previous: Option<&Rate>,
) -> Result<(), EditError> {
    let keeps_override = line
        .rate
        .as_ref()
        .is_some_and(|r| r.source == RateSource::Override);
    if !keeps_override {
        if let Some(id) = previous.and_then(|r| r.source.schedule_id()) {
            if !pricing.schedules().iter().any(|s| s.id() == id) {
                return Err(EditError::ScheduleMissing {
                    document: document.clone(),
                    line_id: line.id.clone(),
                    schedule_id: id.to_owned(),
                });
            }
        }
    }
    line.rate = pricing.rate_for(doc, line);
    Ok(())
}

/// Refuses lines whose amounts or total exceed [`super::MAX_AMOUNT`].
pub(crate) fn check_amounts(
    document: &DocumentRef,
    lines: &[CodeLine],
    currency: Currency,
) -> Result<(), EditError> {
    money::check_total(lines, currency)
        .map(|_| ())
        .map_err(|e| EditError::AmountTooLarge {
            document: document.clone(),
            detail: e.to_string(),
            line_id: e.line_id,
            amount: e.amount,
        })
}

/// Applies a batch to a copy of `doc`'s lines (whose next free line number
/// is `next_line`): ids assigned, lines validated, rates resolved, amounts
/// checked. Policy is checked separately.
///
/// An edit that leaves its line exactly as it was (no field given, or each
/// given field equal to the line's) changes nothing: it records no change,
/// so it writes no audit entry and does not count as a new version.
pub(crate) fn apply<D: BillingDocument + ?Sized>(
    doc: &D,
    next_line: u32,
    batch: &EditBatch,
    editor: &Editor<'_>,
) -> Result<Applied, EditError> {
    apply_with_ids(doc, next_line, batch, &[], editor)
}

/// [`apply`] with the ids [`assigned_ids`] gave the batch's adds without
/// an id: the same as applying the batch [`assign_ids`] returns, without
/// copying the batch first.
pub(crate) fn apply_with_ids<D: BillingDocument + ?Sized>(
    doc: &D,
    next_line: u32,
    batch: &EditBatch,
    ids: &[String],
    editor: &Editor<'_>,
) -> Result<Applied, EditError> {
    let mut staged = Staging {
        doc,
        document: doc.document(),
        pricing: editor.pricing,
        ids: ids.iter(),
        applied: Applied {
            // Room for the adds: no growth while they are pushed.
            lines: {
                let mut lines = Vec::with_capacity(doc.lines().len() + batch.ops().len());
                lines.extend_from_slice(doc.lines());
                lines
            },
            next_line,
            changes: Vec::with_capacity(batch.ops().len()),
        },
    };
    for op in batch.ops() {
        match op {
            EditOp::Add(line) => staged.add(line)?,
            EditOp::Edit { line_id, changes } => staged.edit(line_id, changes)?,
            EditOp::Remove { line_id } => staged.remove(line_id)?,
        }
    }
    check_amounts(&staged.document, &staged.applied.lines, doc.currency())?;
    Ok(staged.applied)
}

/// A batch being applied to a copy of a document's lines.
struct Staging<'d, 'p, D: ?Sized> {
    doc: &'d D,
    document: DocumentRef,
    pricing: Pricing<'p>,
    /// The ids assigned to the adds without an id, in batch order (none
    /// left: such an add takes the next free id of the document).
    ids: std::slice::Iter<'d, String>,
    applied: Applied,
}

impl<D: BillingDocument + ?Sized> Staging<'_, '_, D> {
    fn invalid(&self, line_id: &str, source: LineError) -> EditError {
        EditError::InvalidLine {
            document: self.document.clone(),
            line_id: line_id.to_owned(),
            source,
        }
    }

    fn position(&self, line_id: &str) -> Result<usize, EditError> {
        self.applied
            .lines
            .iter()
            .position(|l| l.id == line_id)
            .ok_or_else(|| EditError::UnknownLine {
                document: self.document.clone(),
                line_id: line_id.to_owned(),
            })
    }

    fn add(&mut self, line: &CodeLine) -> Result<(), EditError> {
        let a = &mut self.applied;
        let mut line = line.clone();
        if line.id.trim().is_empty() {
            if let Some(id) = self.ids.next() {
                line.id.clone_from(id);
            }
        }
        if line.id.trim().is_empty() {
            let ids: HashSet<&str> = a.lines.iter().map(|l| l.id.as_str()).collect();
            line.id = fresh_id(&mut a.next_line, &|id| ids.contains(id));
        } else if a.lines.iter().any(|l| l.id == line.id) {
            return Err(EditError::DuplicateLineId {
                document: self.document.clone(),
                line_id: line.id,
            });
        }
        if let Some(n) = line_number(&line.id) {
            a.next_line = a.next_line.max(n.saturating_add(1));
        }
        line.validate().map_err(|e| self.invalid(&line.id, e))?;
        let previous = line.rate.clone();
        resolve_rate(
            &self.document,
            self.doc,
            self.pricing,
            &mut line,
            previous.as_ref(),
        )?;
        self.applied.changes.push(Change {
            action: EditAction::Add,
            line_id: line.id.clone(),
            before: None,
            after: Some(line.clone()),
        });
        self.applied.lines.push(line);
        Ok(())
    }

    fn edit(&mut self, line_id: &str, changes: &LineChanges) -> Result<(), EditError> {
        let idx = self.position(line_id)?;
        let (mut after, re_resolve) = changes.apply_to(&self.applied.lines[idx]);
        after.validate().map_err(|e| self.invalid(line_id, e))?;
        if re_resolve || after.rate.is_none() {
            resolve_rate(
                &self.document,
                self.doc,
                self.pricing,
                &mut after,
                self.applied.lines[idx].rate.as_ref(),
            )?;
        }
        if after == self.applied.lines[idx] {
            // Nothing changes: a true no-op.
            return Ok(());
        }
        // The line before the edit moves into the change (no copy of it).
        let before = std::mem::replace(&mut self.applied.lines[idx], after.clone());
        self.applied.changes.push(Change {
            action: EditAction::Edit,
            line_id: line_id.to_owned(),
            before: Some(before),
            after: Some(after),
        });
        Ok(())
    }

    fn remove(&mut self, line_id: &str) -> Result<(), EditError> {
        let idx = self.position(line_id)?;
        let before = self.applied.lines.remove(idx);
        self.applied.changes.push(Change {
            action: EditAction::Remove,
            line_id: line_id.to_owned(),
            before: Some(before),
            after: None,
        });
        Ok(())
    }
}

/// The ids to give the batch's adds without an id, in batch order: each
/// the next `L<n>` free in all of `docs` and among the batch's own adds, so
/// one batch can be applied to a session and its invoice alike.
pub(crate) fn assigned_ids(batch: &EditBatch, docs: &[(&[CodeLine], u32)]) -> Vec<String> {
    let mut next = docs.iter().map(|d| d.1).max().unwrap_or(1);
    // The ids the batch's adds took so far: their own, and those given.
    // (Looked through like the documents' lines: a batch is a handful of
    // lines, and no set is built and hashed for each review.)
    let mut own: Vec<&str> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for op in batch.ops() {
        match op {
            EditOp::Add(line) if line.id.trim().is_empty() => {
                let taken = |id: &str| {
                    own.contains(&id)
                        || ids.iter().any(|i| i == id)
                        || docs.iter().any(|d| d.0.iter().any(|l| l.id == id))
                };
                let id = fresh_id(&mut next, &taken);
                ids.push(id);
            }
            EditOp::Add(line) => own.push(&line.id),
            _ => {}
        }
    }
    ids
}

/// The batch with every add without an id given its id from
/// [`assigned_ids`].
pub(crate) fn assign_ids(batch: &EditBatch, docs: &[(&[CodeLine], u32)]) -> EditBatch {
    let mut ids = assigned_ids(batch, docs).into_iter();
    let mut out = EditBatch::new();
    for op in batch.ops() {
        match op {
            EditOp::Add(line) if line.id.trim().is_empty() => {
                let id = ids.next().unwrap_or_default();
                out.push(EditOp::Add(line.clone().with_id(id)));
            }
            _ => out.push(op.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers() {
        assert_eq!(line_number("L1"), Some(1));
        assert_eq!(line_number("L12"), Some(12));
        assert_eq!(line_number("L01"), None);
        assert_eq!(line_number("L"), None);
        assert_eq!(line_number("X1"), None);
        let mut n = 1;
        assert_eq!(fresh_id(&mut n, &|id| id == "L1" || id == "L2"), "L3");
        assert_eq!(n, 4);
    }
}
