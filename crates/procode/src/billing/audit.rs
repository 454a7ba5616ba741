//! The append-only audit log of code changes kept on every document.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::line::CodeLine;
use super::policy::{EditAction, EditContext};

/// One recorded code change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    /// When (supplied by the host; the library never reads the clock).
    pub at: DateTime<Utc>,
    /// Who (the host's actor string).
    pub actor: String,
    /// In which context.
    pub context: EditContext,
    /// Add, edit or remove.
    pub action: EditAction,
    /// The line concerned.
    pub line_id: String,
    /// The line before (`None` for an add).
    pub before: Option<CodeLine>,
    /// The line after (`None` for a remove).
    pub after: Option<CodeLine>,
}

/// An append-only log of code changes. Only the library appends to it;
/// there is no public way to change or remove an entry.
///
/// Serialised as a JSON array of entries.
///
/// # Example
/// ```
/// use procode::billing::AuditLog;
/// let log = AuditLog::default();
/// assert!(log.is_empty());
/// assert_eq!(log.entries().len(), 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AuditLog {
    entries: Vec<AuditEntry>,
}

impl AuditLog {
    /// The entries, oldest first.
    pub fn entries(&self) -> &[AuditEntry] {
        &self.entries
    }

    /// An iterator over the entries, oldest first.
    pub fn iter(&self) -> std::slice::Iter<'_, AuditEntry> {
        self.entries.iter()
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn push(&mut self, entry: AuditEntry) {
        self.entries.push(entry);
    }

    /// Makes room for `more` entries (one allocation for a batch's
    /// entries instead of one growth after another).
    pub(crate) fn reserve(&mut self, more: usize) {
        self.entries.reserve(more);
    }
}

impl<'a> IntoIterator for &'a AuditLog {
    type Item = &'a AuditEntry;
    type IntoIter = std::slice::Iter<'a, AuditEntry>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}
