//! Bringing a release forward with its history: the entries of release N-1
//! and the addenda to N become the versions of every code, each with the
//! dates of service it answers for.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::addenda::{Addenda, SummaryCounts};
use super::apply::ChangeReport;
use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::error::ImportError;

/// Counts of header and billable records of one system.
fn counts(entries: &[Entry], system: crate::CodeSystem) -> (u64, u64) {
    let mut headers = 0;
    let mut codes = 0;
    for e in entries.iter().filter(|e| e.system == system) {
        if e.billable {
            codes += 1;
        } else {
            headers += 1;
        }
    }
    (headers, codes)
}

impl Addenda {
    /// Brings the entries of the previous release (N-1) forward to this
    /// release (N), keeping the history: the result holds every version of
    /// every code, for [`IndexBuilder`](crate::IndexBuilder) to store.
    ///
    /// * A code this release deletes is kept, terminated on the day before
    ///   the release takes effect ([`Addenda::release_effective`]).
    /// * A code this release adds takes effect on that day.
    /// * A code whose titles or billable flag change (a revision, or a
    ///   `Delete:` and `Add:` of the same code, such as D691 becoming a
    ///   header) has two versions: the old one terminated the day before,
    ///   the new one effective that day.
    /// * Every other entry (other systems included) is unchanged.
    ///
    /// The footer of totals is required and checked both ways: the entries
    /// given must have the previous release's header and code counts, and the
    /// release made must have the current ones.
    ///
    /// # Errors
    /// [`ImportError::BadFile`] when the addenda has no footer, no fiscal
    /// year in its file names, or a count does not match; those of
    /// [`Addenda::apply`].
    pub fn bring_forward(
        &self,
        prev: Vec<Entry>,
    ) -> Result<(Vec<Entry>, ChangeReport), ImportError> {
        let bad = |problem: String| ImportError::BadFile {
            file: self.file.clone(),
            problem,
        };
        let summary = self.summary.as_ref().ok_or_else(|| {
            bad("the addenda has no footer of totals (\"Headers\" and \"Codes\" counts): it cannot be checked, use the complete CMS file".into())
        })?;
        let day = self.release_effective().ok_or_else(|| {
            bad("no fiscal year in the addenda's order-file names or its own name: the release's first day is unknown".into())
        })?;
        let system = self.set.system();
        let check = |what: &str, found: (u64, u64), pick: fn(&SummaryCounts) -> (u64, &str)| {
            for (kind, counts, n) in [
                ("headers", &summary.headers, found.0),
                ("codes", &summary.codes, found.1),
            ] {
                let (want, file) = pick(counts);
                if n != want {
                    return Err(bad(format!(
                        "the footer says {want} {kind} in {file} but the {what} has {n}: the addenda does not belong to these entries, or a file is incomplete"
                    )));
                }
            }
            Ok(())
        };
        check("release given", counts(&prev, system), |c| {
            (c.previous, c.previous_file.as_str())
        })?;
        let before: HashMap<Code, Entry> = prev
            .iter()
            .filter(|e| e.system == system)
            .map(|e| (e.code, e.clone()))
            .collect();
        let (next, report) = self.apply(prev)?;
        check("release made", counts(&next, system), |c| {
            (c.current, c.current_file.as_str())
        })?;
        let out = chain_versions(before, next, system, day, report.deleted.len());
        Ok((out, report))
    }
}

/// The version chains of one system: `next` (the release made) against
/// `before` (the previous release's entries by code). An unchanged entry keeps
/// its old dates, a new one starts on `day`, a changed one ends the day before
/// and its new version starts on `day`, and a deleted one ends the day before.
fn chain_versions(
    before: HashMap<Code, Entry>,
    next: Vec<Entry>,
    system: CodeSystem,
    day: NaiveDate,
    deleted: usize,
) -> Vec<Entry> {
    let last = day.pred_opt().unwrap_or(NaiveDate::MIN);
    let end = |old: &Entry| {
        old.clone()
            .with_terminated(Some(old.terminated.map_or(last, |t| t.min(last))))
    };
    let mut out = Vec::with_capacity(next.len() + deleted);
    let mut seen: HashMap<Code, ()> = HashMap::with_capacity(before.len());
    for mut e in next {
        if e.system != system {
            out.push(e);
            continue;
        }
        seen.insert(e.code, ());
        match before.get(&e.code) {
            None => {
                e.effective = Some(e.effective.map_or(day, |d| d.max(day)));
                out.push(e);
            }
            Some(old)
                if old.description == e.description
                    && old.short_description == e.short_description
                    && old.billable == e.billable =>
            {
                out.push(old.clone());
            }
            Some(old) => {
                let terminated = old.terminated;
                out.push(end(old));
                out.push(e.with_effective(Some(day)).with_terminated(terminated));
            }
        }
    }
    let mut gone: Vec<&Entry> = before
        .values()
        .filter(|e| !seen.contains_key(&e.code))
        .collect();
    gone.sort_by_key(|e| e.code);
    out.extend(gone.into_iter().map(end));
    out
}
