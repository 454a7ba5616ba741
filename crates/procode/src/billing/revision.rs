//! Revisions: the optimistic-concurrency contract between procode's
//! documents and the host's database.
//!
//! Every document — [`Service`], [`Session`], [`Invoice`] — carries a
//! `revision` (JSON field `"revision"`, starting at 1) that goes up by one
//! with every mutation that changes it: an applied code batch, a payment, a
//! send, a void, a confirmation, a cancellation, a no-show, a completion, a
//! rename or a new price. A refused call, or one that changes nothing (an
//! edit batch whose every edit is a no-op), leaves it as it was. An
//! [`Encounter`]'s revision is its session's plus its invoice's (if any):
//! every step on the encounter changes at least one of them, so it goes up
//! with every step too, and never comes back to a value it had.
//!
//! Every mutating call can be made against an expected revision with
//! [`Revisioned::expect_revision`]: on a mismatch it is refused with
//! [`StaleDocument`] (naming the document, the expected and the current
//! revision) and the document is unchanged.
//!
//! The contract for a host that stores documents:
//!
//! 1. load the document's JSON and its revision (a column next to it);
//! 2. mutate it with the expected revision;
//! 3. store it with a compare-and-swap on the revision column
//!    (`UPDATE ... SET doc = $new, revision = $new_rev WHERE id = $id AND
//!    revision = $loaded`); when no row was updated someone else stored
//!    first: reload and retry (or report the conflict).
//!
//! `examples/postgres/` does exactly this on PostgreSQL.
//!
//! # Example
//! ```
//! use chrono::{TimeZone, Utc};
//! use procode::billing::{CodeLine, EditBatch, EditError, Editor, Money, Revisioned, Service};
//! use procode::CodeSystem;
//! let mut svc = Service::new("SVC-1", "Counseling", Money::parse("120", "USD").unwrap());
//! assert_eq!(svc.revision(), 1);
//! let ed = Editor::new("admin", Utc.with_ymd_and_hms(2025, 1, 2, 8, 0, 0).unwrap());
//! let line = CodeLine::manual(CodeSystem::Hcpcs, "H0004", "Counseling").unwrap();
//! svc.expect_revision(Some(1)).unwrap().edit(&EditBatch::new().add(line), &ed).unwrap();
//! assert_eq!(svc.revision(), 2);
//!
//! // A second editor still holding revision 1 is refused; nothing changes.
//! let before = svc.clone();
//! let stale = svc.expect_revision(Some(1)).unwrap_err();
//! assert_eq!((stale.expected, stale.current), (1, 2));
//! assert_eq!(svc, before);
//! let as_edit_error: EditError = stale.into();
//! assert!(matches!(as_edit_error, EditError::Stale(_)));
//! ```

use serde::{Deserialize, Serialize};

use super::documents::{BillingDocument, Invoice, Service, Session};
use super::flows::Encounter;
use super::policy::DocumentRef;

/// The revision of a new document.
pub(crate) fn first_revision() -> u64 {
    1
}

/// The next revision (saturating: a document never reaches 2^64 changes).
pub(crate) fn bump(revision: &mut u64) {
    *revision = revision.saturating_add(1);
}

/// What a revision belongs to: one document, or an encounter (a session
/// with its invoice), named by its session.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Revised {
    /// A service, session or invoice.
    Document {
        /// The document.
        document: DocumentRef,
    },
    /// An encounter, named by its session.
    Encounter {
        /// The encounter's session.
        session: DocumentRef,
    },
}

impl std::fmt::Display for Revised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Revised::Document { document } => write!(f, "{document}"),
            Revised::Encounter { session } => write!(f, "the encounter of {session}"),
        }
    }
}

/// A mutating call made against a revision the document no longer has: it
/// changed since the caller loaded it. The document is unchanged; reload it
/// and retry (or report the conflict).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error(
    "{document} is at revision {current}, not the expected {expected}: it changed since it was loaded (reload it and retry)"
)]
#[serde(deny_unknown_fields)]
pub struct StaleDocument {
    /// The document (or encounter).
    pub document: Revised,
    /// The revision the caller expected.
    pub expected: u64,
    /// The document's revision.
    pub current: u64,
}

/// A document with a revision: every [`Service`], [`Session`], [`Invoice`]
/// and [`Encounter`]. The contract: `revision` starts at 1 and goes up by
/// one with every mutation that changes the document; a refused call, or one
/// that changes nothing, leaves it as it was.
pub trait Revisioned {
    /// The revision: 1 for a new document, plus one for every mutation.
    fn revision(&self) -> u64;

    /// What the revision belongs to (named in [`StaleDocument`]).
    fn revised(&self) -> Revised;

    /// The document for a mutating call made against `expected` (`None`:
    /// no expectation): [`StaleDocument`] when its revision differs, and
    /// then nothing changes. `doc.expect_revision(r)?.edit(...)` — the
    /// check and the call hold the same `&mut` borrow, so nothing can come
    /// between them.
    fn expect_revision(&mut self, expected: Option<u64>) -> Result<&mut Self, StaleDocument> {
        match expected {
            Some(e) if e != self.revision() => Err(StaleDocument {
                document: self.revised(),
                expected: e,
                current: self.revision(),
            }),
            _ => Ok(self),
        }
    }
}

/// `Revisioned` for a document type with an inherent `revision()`.
macro_rules! revisioned_document {
    ($($kind:ty),*) => {$(
        impl Revisioned for $kind {
            fn revision(&self) -> u64 {
                <$kind>::revision(self)
            }
            fn revised(&self) -> Revised {
                Revised::Document {
                    document: self.document(),
                }
            }
        }
    )*};
}

revisioned_document!(Service, Session, Invoice);

impl Revisioned for Encounter {
    fn revision(&self) -> u64 {
        Encounter::revision(self)
    }
    fn revised(&self) -> Revised {
        Revised::Encounter {
            session: self.session().document(),
        }
    }
}
