//! Applying addenda: turning the entries of one ICD-10 release into the next
//! ([`Addenda::apply`]) or back ([`Addenda::revert`]), and what changed.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::addenda::{Addenda, AddendaRecord, ChangeCounts, ChangeKind};
use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::error::ImportError;

/// A revision: the same code with new titles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// The entry before.
    pub before: Entry,
    /// The entry after.
    pub after: Entry,
    /// Whether the long title changed as CMS counts it (exact text, so a
    /// change in spacing counts even though entries normalise spacing).
    pub long_title_changed: bool,
    /// Whether the short title changed as CMS counts it (exact text).
    pub short_title_changed: bool,
}

impl Revision {
    pub(super) fn from_records(before: &AddendaRecord, after: &AddendaRecord) -> Revision {
        Revision {
            before: before.entry.clone(),
            after: after.entry.clone(),
            long_title_changed: before.long_title != after.long_title,
            short_title_changed: before.short_title != after.short_title,
        }
    }
}

/// What [`Addenda::apply`] or [`Addenda::revert`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeReport {
    /// Entries inserted (in addenda order).
    pub added: Vec<Entry>,
    /// Entries removed (in addenda order).
    pub deleted: Vec<Entry>,
    /// Entries whose titles changed (in addenda order).
    pub revised: Vec<Revision>,
}

impl ChangeReport {
    /// The counts for header (non-billable) records, comparable with
    /// [`SummaryCounts::changes`](super::SummaryCounts::changes) of
    /// [`AddendaSummary::headers`](super::AddendaSummary::headers).
    pub fn header_counts(&self) -> ChangeCounts {
        self.counts(false)
    }

    /// The counts for billable codes, comparable with
    /// [`SummaryCounts::changes`](super::SummaryCounts::changes) of
    /// [`AddendaSummary::codes`](super::AddendaSummary::codes).
    pub fn code_counts(&self) -> ChangeCounts {
        self.counts(true)
    }

    fn counts(&self, billable: bool) -> ChangeCounts {
        let mut c = ChangeCounts {
            additions: self.added.iter().filter(|e| e.billable == billable).count() as u64,
            deletions: self
                .deleted
                .iter()
                .filter(|e| e.billable == billable)
                .count() as u64,
            ..ChangeCounts::default()
        };
        for r in self
            .revised
            .iter()
            .filter(|r| r.before.billable == billable)
        {
            count_revision(&mut c, r);
        }
        c
    }
}

fn count_revision(c: &mut ChangeCounts, r: &Revision) {
    c.revisions += 1;
    match (r.long_title_changed, r.short_title_changed) {
        (true, true) => c.revisions_both_titles += 1,
        (true, false) => c.revisions_long_title_only += 1,
        (false, true) => c.revisions_short_title_only += 1,
        (false, false) => {}
    }
}

/// Which way addenda are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// From release N-1 to N ([`Addenda::apply`]).
    Forward,
    /// From release N back to N-1 ([`Addenda::revert`]).
    Backward,
}

impl Direction {
    /// The record kind that removes a code.
    fn remove_kind(self) -> ChangeKind {
        match self {
            Direction::Forward => ChangeKind::Delete,
            Direction::Backward => ChangeKind::Add,
        }
    }

    /// The record kind that inserts a code.
    fn insert_kind(self) -> ChangeKind {
        match self {
            Direction::Forward => ChangeKind::Add,
            Direction::Backward => ChangeKind::Delete,
        }
    }

    /// The revision line holding the titles the entries have before.
    fn revision_old(self) -> ChangeKind {
        match self {
            Direction::Forward => ChangeKind::ReviseFrom,
            Direction::Backward => ChangeKind::ReviseTo,
        }
    }

    /// Where the partner of the revision line at `pos` is (`Revise to:`
    /// follows `Revise from:`).
    fn partner(self, pos: usize) -> Option<usize> {
        match self {
            Direction::Forward => pos.checked_add(1),
            Direction::Backward => pos.checked_sub(1),
        }
    }

    /// The release the entries must be, for error messages.
    fn release_from(self) -> &'static str {
        match self {
            Direction::Forward => "the previous release (apply the addenda to release N-1)",
            Direction::Backward => "this release (revert the addenda from release N)",
        }
    }

    /// The release the entries become, for error messages.
    fn release_to(self) -> &'static str {
        match self {
            Direction::Forward => "this release",
            Direction::Backward => "the previous release",
        }
    }
}

impl Addenda {
    /// Applies the addenda to the entries of the previous release (N-1),
    /// giving release N and a report of what changed.
    ///
    /// Entries of other code systems pass through unchanged. Deletions and
    /// revisions are applied first, then additions (so a code deleted and
    /// added again, such as B880 becoming a header, works). A revised entry
    /// keeps its dates and action code. Added entries are placed in order:
    /// after the last entry that shares the longest code prefix with them and
    /// sorts before them (their parent or preceding sibling with its
    /// children), which keeps CMS tabular order.
    ///
    /// # Errors
    /// [`ImportError::AddendaConflict`] naming the addenda line when a deleted
    /// or revised code is missing or its titles or flag differ, or an added
    /// code is already present; [`ImportError::DuplicateEntry`] when `prev`
    /// holds a code twice.
    pub fn apply(&self, prev: Vec<Entry>) -> Result<(Vec<Entry>, ChangeReport), ImportError> {
        self.transform(prev, Direction::Forward)
    }

    /// Reverts the addenda: turns the entries of release N back into release
    /// N-1 (added codes removed, deleted codes restored, revisions undone).
    /// The report describes what the revert did (its `added` are the
    /// release's deletions, its `deleted` the release's additions, and its
    /// revisions go from the new titles to the old).
    ///
    /// # Errors
    /// As [`Addenda::apply`], with the roles of additions and deletions
    /// exchanged.
    pub fn revert(&self, next: Vec<Entry>) -> Result<(Vec<Entry>, ChangeReport), ImportError> {
        self.transform(next, Direction::Backward)
    }

    /// Sets the effective date of every code this release added (codes
    /// deleted and re-added, e.g. to change their header flag, existed before)
    /// to [`Addenda::release_effective`], on entries of this addenda's system
    /// that have no effective date yet. Returns how many entries it marked.
    pub fn mark_new_codes(&self, entries: &mut [Entry]) -> usize {
        let Some(day) = self.release_effective() else {
            return 0;
        };
        let system = self.set.system();
        let new: HashSet<Code> = self.new_codes().into_iter().collect();
        let mut n = 0;
        for e in entries.iter_mut() {
            if e.system == system && e.effective.is_none() && new.contains(&e.code) {
                e.effective = Some(day);
                n += 1;
            }
        }
        n
    }

    fn conflict(&self, rec: &AddendaRecord, problem: String) -> ImportError {
        ImportError::AddendaConflict {
            file: self.file.clone(),
            line: rec.line,
            code: rec.entry.code,
            system: self.set.system(),
            problem,
        }
    }

    fn transform(
        &self,
        mut entries: Vec<Entry>,
        dir: Direction,
    ) -> Result<(Vec<Entry>, ChangeReport), ImportError> {
        let mut report = ChangeReport::default();
        let removed = self.remove_and_revise(&mut entries, dir, &mut report)?;
        if removed.iter().any(|&r| r) {
            let mut keep = removed.iter().map(|r| !r);
            entries.retain(|_| keep.next().unwrap_or(true));
        }
        self.insert_new(&mut entries, dir, &mut report)?;
        Ok((entries, report))
    }

    /// Checks the codes `dir` removes or revises against `entries`, revises
    /// titles in place and returns which entries to remove.
    fn remove_and_revise(
        &self,
        entries: &mut [Entry],
        dir: Direction,
        report: &mut ChangeReport,
    ) -> Result<Vec<bool>, ImportError> {
        let system = self.set.system();
        let mut index: HashMap<Code, usize> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            if e.system == system && index.insert(e.code, i).is_some() {
                return Err(ImportError::DuplicateEntry {
                    code: e.code,
                    system,
                });
            }
        }
        let mut removed = vec![false; entries.len()];
        for (pos, rec) in self.records.iter().enumerate() {
            let is_removal = rec.kind == dir.remove_kind();
            if !is_removal && rec.kind != dir.revision_old() {
                continue;
            }
            let Some(i) = index.remove(&rec.entry.code) else {
                return Err(self.conflict(
                    rec,
                    format!(
                        "{} names a code that is not in the entries (or is named twice): the entries are not {}",
                        rec.kind.label(),
                        dir.release_from()
                    ),
                ));
            };
            self.check_same(rec, &entries[i], dir)?;
            if is_removal {
                removed[i] = true;
                report.deleted.push(entries[i].clone());
            } else {
                let Some(new) = dir.partner(pos).and_then(|p| self.records.get(p)) else {
                    return Err(self.conflict(rec, "revision without its partner line".into()));
                };
                report.revised.push(revise(&mut entries[i], rec, new));
                index.insert(rec.entry.code, i);
            }
        }
        Ok(removed)
    }

    /// An error unless `found` is the entry `rec` names.
    fn check_same(
        &self,
        rec: &AddendaRecord,
        found: &Entry,
        dir: Direction,
    ) -> Result<(), ImportError> {
        if same_record(found, &rec.entry) {
            return Ok(());
        }
        Err(self.conflict(
            rec,
            format!(
                "{} names it with billable={} short title {:?} long title {:?}, but the entries have billable={} {:?} / {:?}: the entries are not {}",
                rec.kind.label(),
                rec.entry.billable,
                rec.entry.short_description,
                rec.entry.description,
                found.billable,
                found.short_description,
                found.description,
                dir.release_from()
            ),
        ))
    }

    /// Inserts the codes `dir` inserts, each in tabular order.
    fn insert_new(
        &self,
        entries: &mut Vec<Entry>,
        dir: Direction,
        report: &mut ChangeReport,
    ) -> Result<(), ImportError> {
        let system = self.set.system();
        let mut present: BTreeSet<Code> = entries
            .iter()
            .filter(|e| e.system == system)
            .map(|e| e.code)
            .collect();
        for rec in self.records.iter().filter(|r| r.kind == dir.insert_kind()) {
            if present.contains(&rec.entry.code) {
                return Err(self.conflict(
                    rec,
                    format!(
                        "{} names a code that is already in the entries (and not deleted by this addenda): it is new in {}, so the entries are not {}",
                        rec.kind.label(),
                        dir.release_to(),
                        dir.release_from()
                    ),
                ));
            }
            let at = insertion_index(entries, &present, system, &rec.entry.code);
            entries.insert(at, rec.entry.clone());
            present.insert(rec.entry.code);
            report.added.push(rec.entry.clone());
        }
        Ok(())
    }
}

/// Gives `entry` the titles and billable flag of `new`, the partner of the
/// revision line `rec`, keeping its dates and action code; the revision made.
fn revise(entry: &mut Entry, rec: &AddendaRecord, new: &AddendaRecord) -> Revision {
    let before = entry.clone();
    entry.description.clone_from(&new.entry.description);
    entry
        .short_description
        .clone_from(&new.entry.short_description);
    entry.billable = new.entry.billable;
    Revision {
        before,
        after: entry.clone(),
        long_title_changed: rec.long_title != new.long_title,
        short_title_changed: rec.short_title != new.short_title,
    }
}

/// Whether two entries have the same code, titles and billable flag.
fn same_record(a: &Entry, b: &Entry) -> bool {
    a.code == b.code
        && a.system == b.system
        && a.billable == b.billable
        && a.description == b.description
        && a.short_description == b.short_description
}

/// Where a new code goes: after the last entry (by position) of its system
/// that shares the longest code prefix with it and sorts before it; failing
/// that, before the first entry with that prefix; failing that, at the end.
///
/// `present` holds the codes of `system` in `entries`; the longest shared
/// prefix is that with the code's neighbours in code order.
fn insertion_index(
    entries: &[Entry],
    present: &BTreeSet<Code>,
    system: CodeSystem,
    code: &Code,
) -> usize {
    let nb = code.as_bytes();
    let lcp = |c: &Code| {
        c.as_bytes()
            .iter()
            .zip(nb)
            .take_while(|(a, b)| a == b)
            .count()
    };
    let before = present.range(..*code).next_back().map_or(0, lcp);
    let after = present.range(*code..).next().map_or(0, lcp);
    let prefix = &nb[..before.max(after)];
    let mut last_less: Option<usize> = None;
    let mut first_greater: Option<usize> = None;
    for (i, e) in entries.iter().enumerate() {
        let eb = e.code.as_bytes();
        if e.system != system || !eb.starts_with(prefix) {
            continue;
        }
        if eb < nb {
            last_less = Some(i);
        } else if first_greater.is_none() {
            first_greater = Some(i);
        }
    }
    match (last_less, first_greater) {
        (Some(i), _) => i + 1,
        (None, Some(j)) => j,
        (None, None) => entries.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(code: &str) -> Entry {
        Entry::new(Code::parse(code).unwrap(), CodeSystem::Icd10Cm, code)
    }

    #[test]
    fn insertion_keeps_tabular_order() {
        let list: Vec<Entry> = ["C43", "C439", "C4A", "C4A0", "C44", "C449", "C50", "C509"]
            .iter()
            .map(|c| e(c))
            .collect();
        let present: BTreeSet<Code> = list.iter().map(|e| e.code).collect();
        let at = |c: &str| {
            insertion_index(
                &list,
                &present,
                CodeSystem::Icd10Cm,
                &Code::parse(c).unwrap(),
            )
        };
        assert_eq!(at("C4A1"), 4);
        assert_eq!(at("C4B"), 6);
        assert_eq!(at("C50A"), 8);
        assert_eq!(at("C42"), 0);
        assert_eq!(at("C440"), 5);
        assert_eq!(at("Z99"), 8);
    }
}
