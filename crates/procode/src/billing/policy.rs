//! The edit policy: which contexts may add, edit or remove codes on which
//! documents in which states — as data.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{by_name, UnknownName};

/// Where an edit happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditContext {
    /// Creating or editing a service.
    Service,
    /// Reviewing the invoice while booking a paid-in-advance service.
    BookingReview,
    /// Marking a session complete.
    SessionCompletion,
    /// Editing an invoice in billing.
    InvoiceEdit,
}

impl EditContext {
    /// Every context.
    pub const ALL: [EditContext; 4] = [
        EditContext::Service,
        EditContext::BookingReview,
        EditContext::SessionCompletion,
        EditContext::InvoiceEdit,
    ];

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            EditContext::Service => "service",
            EditContext::BookingReview => "booking_review",
            EditContext::SessionCompletion => "session_completion",
            EditContext::InvoiceEdit => "invoice_edit",
        }
    }
}

/// What an edit does to a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditAction {
    /// Add a line.
    Add,
    /// Change a line.
    Edit,
    /// Remove a line.
    Remove,
}

impl EditAction {
    /// Every action.
    pub const ALL: [EditAction; 3] = [EditAction::Add, EditAction::Edit, EditAction::Remove];

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            EditAction::Add => "add",
            EditAction::Edit => "edit",
            EditAction::Remove => "remove",
        }
    }

    /// The phrase used in messages ("add a code to").
    pub(crate) fn phrase(self) -> &'static str {
        match self {
            EditAction::Add => "add a code to",
            EditAction::Edit => "edit a code on",
            EditAction::Remove => "remove a code from",
        }
    }
}

/// The kinds of billing documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A [`Service`](super::Service).
    Service,
    /// A [`Session`](super::Session).
    Session,
    /// An [`Invoice`](super::Invoice).
    Invoice,
}

impl DocumentKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Service => "service",
            DocumentKind::Session => "session",
            DocumentKind::Invoice => "invoice",
        }
    }
}

procode_index::as_str_impls!(display: DocumentKind);

/// A document named by kind and the host's id, as in "invoice INV-7".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentRef {
    /// The kind.
    pub kind: DocumentKind,
    /// The host's id.
    pub id: String,
}

impl fmt::Display for DocumentRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.id)
    }
}

/// The state of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// A paid-in-advance booking whose invoice is under review.
    PendingConfirmation,
    /// Booked (a confirmed paid-in-advance booking too).
    Booked,
    /// Took place and was marked complete.
    Completed,
    /// Cancelled.
    Cancelled,
    /// The client did not come.
    NoShow,
}

impl SessionState {
    /// Every state.
    pub const ALL: [SessionState; 5] = [
        SessionState::PendingConfirmation,
        SessionState::Booked,
        SessionState::Completed,
        SessionState::Cancelled,
        SessionState::NoShow,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::PendingConfirmation => "pending_confirmation",
            SessionState::Booked => "booked",
            SessionState::Completed => "completed",
            SessionState::Cancelled => "cancelled",
            SessionState::NoShow => "no_show",
        }
    }
}

/// The state of an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceState {
    /// Being prepared; not yet sent to the client.
    Draft,
    /// Sent; awaiting (full) payment.
    Sent,
    /// Paid in full.
    Paid,
    /// Cancelled.
    Void,
}

impl InvoiceState {
    /// Every state.
    pub const ALL: [InvoiceState; 4] = [
        InvoiceState::Draft,
        InvoiceState::Sent,
        InvoiceState::Paid,
        InvoiceState::Void,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceState::Draft => "draft",
            InvoiceState::Sent => "sent",
            InvoiceState::Paid => "paid",
            InvoiceState::Void => "void",
        }
    }
}

/// A document kind with its state (services have none).
///
/// JSON: `{"document": "invoice", "state": "sent"}`, `{"document": "service"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(
    tag = "document",
    rename_all = "snake_case",
    from = "DocumentStateRepr"
)]
pub enum DocumentState {
    /// A service (always editable in the `service` context).
    Service,
    /// A session in a state.
    Session {
        /// The state.
        state: SessionState,
    },
    /// An invoice in a state.
    Invoice {
        /// The state.
        state: InvoiceState,
    },
}

/// The JSON form of [`DocumentState`] as read (struct variants, so unknown
/// fields are refused for services too).
#[derive(Deserialize)]
#[serde(tag = "document", rename_all = "snake_case", deny_unknown_fields)]
enum DocumentStateRepr {
    Service {},
    Session { state: SessionState },
    Invoice { state: InvoiceState },
}

impl From<DocumentStateRepr> for DocumentState {
    fn from(r: DocumentStateRepr) -> Self {
        match r {
            DocumentStateRepr::Service {} => DocumentState::Service,
            DocumentStateRepr::Session { state } => DocumentState::Session { state },
            DocumentStateRepr::Invoice { state } => DocumentState::Invoice { state },
        }
    }
}

impl From<SessionState> for DocumentState {
    fn from(state: SessionState) -> Self {
        DocumentState::Session { state }
    }
}

impl From<InvoiceState> for DocumentState {
    fn from(state: InvoiceState) -> Self {
        DocumentState::Invoice { state }
    }
}

impl fmt::Display for DocumentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocumentState::Service => f.write_str("service"),
            DocumentState::Session { state } => write!(f, "session is {state}"),
            DocumentState::Invoice { state } => write!(f, "invoice is {state}"),
        }
    }
}

/// One rule: in a context, a document in a state allows these actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRule {
    /// The context.
    pub context: EditContext,
    /// The document and its state.
    pub on: DocumentState,
    /// The actions allowed.
    pub actions: BTreeSet<EditAction>,
}

/// Why a policy could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A rule allows something the seed table forbids. A host may tighten the
    /// policy, never loosen it: paid and void invoices stay locked.
    #[error("the policy may only tighten the default rules: {context} may not {action} when {on}")]
    Loosens {
        /// The context.
        context: EditContext,
        /// The document state.
        on: DocumentState,
        /// The action.
        action: EditAction,
    },
    /// The JSON is malformed.
    #[error("invalid edit policy JSON: {0}")]
    Json(String),
}

/// The edit policy: the rules deciding where codes may change.
///
/// [`EditPolicy::default`] is the seed table of the specification:
///
/// | context | allowed on |
/// |---|---|
/// | `service` | a service, always |
/// | `booking_review` | session `pending_confirmation` and invoice `draft` |
/// | `session_completion` | session `booked` (and the session's `draft`/`sent` invoice, updated in the same step) |
/// | `invoice_edit` | invoice `draft` or `sent` |
///
/// Everything else is refused. A host may tighten the rules — in code with
/// [`forbid`](EditPolicy::forbid) / [`forbid_action`](EditPolicy::forbid_action),
/// or by loading JSON — but never loosen them: a policy allowing anything the
/// seed table forbids is refused ([`PolicyError::Loosens`]).
///
/// # Example
/// ```
/// use procode::billing::{EditAction, EditContext, EditPolicy, InvoiceState};
/// let mut p = EditPolicy::default();
/// assert!(p.allows(EditContext::InvoiceEdit, InvoiceState::Sent.into(), EditAction::Add));
/// p.forbid(EditContext::InvoiceEdit, InvoiceState::Sent.into());
/// assert!(!p.allows(EditContext::InvoiceEdit, InvoiceState::Sent.into(), EditAction::Add));
/// let json = p.to_json();
/// assert_eq!(EditPolicy::from_json(&json).unwrap(), p);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PolicyRepr", into = "PolicyRepr")]
pub struct EditPolicy {
    rules: Vec<PolicyRule>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyRepr {
    rules: Vec<PolicyRule>,
}

impl TryFrom<PolicyRepr> for EditPolicy {
    type Error = PolicyError;
    fn try_from(r: PolicyRepr) -> Result<Self, PolicyError> {
        EditPolicy::from_rules(r.rules)
    }
}

impl From<EditPolicy> for PolicyRepr {
    fn from(p: EditPolicy) -> Self {
        PolicyRepr { rules: p.rules }
    }
}

fn all_actions() -> BTreeSet<EditAction> {
    EditAction::ALL.into_iter().collect()
}

fn seed_rules() -> Vec<PolicyRule> {
    let rule = |context, on| PolicyRule {
        context,
        on,
        actions: all_actions(),
    };
    vec![
        rule(EditContext::Service, DocumentState::Service),
        rule(
            EditContext::BookingReview,
            SessionState::PendingConfirmation.into(),
        ),
        rule(EditContext::BookingReview, InvoiceState::Draft.into()),
        rule(EditContext::SessionCompletion, SessionState::Booked.into()),
        rule(EditContext::SessionCompletion, InvoiceState::Draft.into()),
        rule(EditContext::SessionCompletion, InvoiceState::Sent.into()),
        rule(EditContext::InvoiceEdit, InvoiceState::Draft.into()),
        rule(EditContext::InvoiceEdit, InvoiceState::Sent.into()),
    ]
}

impl Default for EditPolicy {
    fn default() -> Self {
        EditPolicy {
            rules: seed_rules(),
        }
    }
}

impl EditPolicy {
    /// The seed policy as a shared static.
    pub fn seed() -> &'static EditPolicy {
        static SEED: OnceLock<EditPolicy> = OnceLock::new();
        SEED.get_or_init(EditPolicy::default)
    }

    /// A policy from rules; refused when a rule allows what the seed table
    /// forbids. Rules for the same context and state are merged.
    pub fn from_rules(rules: Vec<PolicyRule>) -> Result<EditPolicy, PolicyError> {
        let seed = EditPolicy::default();
        let mut out = EditPolicy { rules: Vec::new() };
        for r in rules {
            for &action in &r.actions {
                if !seed.allows(r.context, r.on, action) {
                    return Err(PolicyError::Loosens {
                        context: r.context,
                        on: r.on,
                        action,
                    });
                }
            }
            match out
                .rules
                .iter_mut()
                .find(|x| x.context == r.context && x.on == r.on)
            {
                Some(x) => x.actions.extend(r.actions),
                None => out.rules.push(r),
            }
        }
        Ok(out)
    }

    /// Parses a policy from JSON (`{"rules": [...]}`).
    pub fn from_json(json: &str) -> Result<EditPolicy, PolicyError> {
        let repr: PolicyRepr = super::json::parse_json(json, "edit policy").map_err(|e| {
            PolicyError::Json(match e.path {
                Some(p) => format!("{p}: {}", e.message),
                None => e.message,
            })
        })?;
        EditPolicy::from_rules(repr.rules)
    }

    /// The policy as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The rules.
    pub fn rules(&self) -> &[PolicyRule] {
        &self.rules
    }

    /// Whether `action` is allowed in `context` on a document in state `on`.
    pub fn allows(&self, context: EditContext, on: DocumentState, action: EditAction) -> bool {
        self.rules
            .iter()
            .any(|r| r.context == context && r.on == on && r.actions.contains(&action))
    }

    /// Forbids every action in `context` on documents in state `on`.
    pub fn forbid(&mut self, context: EditContext, on: DocumentState) -> &mut Self {
        self.rules.retain(|r| !(r.context == context && r.on == on));
        self
    }

    /// Forbids one action in `context` on documents in state `on`.
    pub fn forbid_action(
        &mut self,
        context: EditContext,
        on: DocumentState,
        action: EditAction,
    ) -> &mut Self {
        for r in &mut self.rules {
            if r.context == context && r.on == on {
                r.actions.remove(&action);
            }
        }
        self.rules.retain(|r| !r.actions.is_empty());
        self
    }
}

/// `Display` (the name, [`as_str`](EditContext::as_str)) and `FromStr`
/// (through [`by_name`]: the kind of name for the error and the names it
/// lists as expected) of the named enums, written once.
macro_rules! named_enum {
    ($($t:ident: $what:literal, expected $expected:literal;)+) => {$(
        procode_index::as_str_impls!(display: $t);

        impl FromStr for $t {
            type Err = UnknownName;

            #[doc = concat!("One of ", $expected, ".")]
            fn from_str(s: &str) -> Result<Self, UnknownName> {
                by_name(&$t::ALL, $t::as_str, s, $what, $expected)
            }
        }
    )+};
}

named_enum! {
    EditContext: "edit context", expected "service, booking_review, session_completion or invoice_edit";
    EditAction: "edit action", expected "add, edit or remove";
    SessionState: "session state", expected "pending_confirmation, booked, completed, cancelled or no_show";
    InvoiceState: "invoice state", expected "draft, sent, paid or void";
}

impl DocumentState {
    /// A document kind (`service`, `session`, `invoice`) with its state
    /// (`None` for a service, which has none; required for the others), as
    /// hosts name them.
    ///
    /// # Errors
    /// [`UnknownName`] for an unknown kind or state, a state given for a
    /// service or missing for a session or invoice.
    ///
    /// # Example
    /// ```
    /// use procode::billing::{DocumentState, InvoiceState};
    /// assert_eq!(
    ///     DocumentState::from_names("invoice", Some("sent")),
    ///     Ok(DocumentState::Invoice { state: InvoiceState::Sent })
    /// );
    /// assert!(DocumentState::from_names("service", Some("sent")).is_err());
    /// ```
    pub fn from_names(document: &str, state: Option<&str>) -> Result<Self, UnknownName> {
        let shape = || {
            let name = format!("{document}/{}", state.unwrap_or("(none)"));
            UnknownName::new(
                "document state",
                &name,
                "service (no state), or session or invoice with their state",
            )
        };
        match (document, state) {
            ("service", None) => Ok(DocumentState::Service),
            ("session", Some(s)) => Ok(DocumentState::Session { state: s.parse()? }),
            ("invoice", Some(s)) => Ok(DocumentState::Invoice { state: s.parse()? }),
            _ => Err(shape()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_table() {
        let p = EditPolicy::default();
        for a in EditAction::ALL {
            assert!(p.allows(EditContext::Service, DocumentState::Service, a));
            for s in InvoiceState::ALL {
                let open = matches!(s, InvoiceState::Draft | InvoiceState::Sent);
                assert_eq!(p.allows(EditContext::InvoiceEdit, s.into(), a), open);
                assert_eq!(
                    p.allows(EditContext::BookingReview, s.into(), a),
                    s == InvoiceState::Draft
                );
            }
            for s in SessionState::ALL {
                assert_eq!(
                    p.allows(EditContext::SessionCompletion, s.into(), a),
                    s == SessionState::Booked
                );
                assert!(!p.allows(EditContext::InvoiceEdit, s.into(), a));
            }
        }
    }

    #[test]
    fn json_cannot_loosen() {
        let json = r#"{"rules":[{"context":"invoice_edit","on":{"document":"invoice","state":"paid"},"actions":["add"]}]}"#;
        let e = EditPolicy::from_json(json).unwrap_err();
        assert!(matches!(e, PolicyError::Loosens { .. }), "{e}");
        let json = r#"{"rules":[{"context":"invoice_edit","on":{"document":"invoice","state":"draft"},"actions":["edit"]}]}"#;
        let p = EditPolicy::from_json(json).unwrap();
        assert!(p.allows(
            EditContext::InvoiceEdit,
            InvoiceState::Draft.into(),
            EditAction::Edit
        ));
        assert!(!p.allows(
            EditContext::InvoiceEdit,
            InvoiceState::Draft.into(),
            EditAction::Add
        ));
    }

    #[test]
    fn forbid_action_only_drops_that_action() {
        let mut p = EditPolicy::default();
        p.forbid_action(
            EditContext::InvoiceEdit,
            InvoiceState::Sent.into(),
            EditAction::Remove,
        );
        let sent = DocumentState::from(InvoiceState::Sent);
        assert!(p.allows(EditContext::InvoiceEdit, sent, EditAction::Edit));
        assert!(!p.allows(EditContext::InvoiceEdit, sent, EditAction::Remove));
    }
}
