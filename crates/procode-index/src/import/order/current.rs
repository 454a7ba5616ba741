//! An ICD-10 code set with its history: a fiscal year's order file brought
//! forward by the addenda of the following years.

use std::path::Path;

use super::addenda::fiscal_year_in;
use super::apply::ChangeReport;
use super::{read_order_file_path, Addenda, IcdSet};
use crate::entry::Entry;
use crate::error::ImportError;
use crate::release::Release;

/// An ICD-10 code set with its history, as [`with_history`] makes it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct History {
    /// Every version of every code (see [`Addenda::bring_forward`]).
    pub entries: Vec<Entry>,
    /// The releases held, oldest first: the order file's fiscal year, then
    /// one per addenda.
    pub releases: Vec<Release>,
    /// What each addenda changed, in the order given.
    pub changes: Vec<ChangeReport>,
}

/// Reads the order file of fiscal year N (`order`, e.g.
/// `icd10cm_order_2026.txt`), dates the codes new in it with its own addenda
/// (`own_addenda`, N-1 → N: they take effect on N's first day), then brings
/// it forward through each of `later` (N → N+1, …; each checked against its
/// footer of totals). The fiscal year of each release is read from the file
/// names.
///
/// # Errors
/// Those of [`read_order_file_path`], [`Addenda::from_path`] and
/// [`Addenda::bring_forward`]; [`ImportError::BadFile`] when the order file's
/// name holds no fiscal year.
pub fn with_history(
    set: IcdSet,
    order: &Path,
    own_addenda: Option<&Path>,
    later: &[&Path],
) -> Result<History, ImportError> {
    let system = set.system();
    let name = order.display().to_string();
    let fy = fiscal_year_in(&name).ok_or_else(|| ImportError::BadFile {
        file: name.clone(),
        problem: "the order file's name holds no fiscal year (e.g. icd10cm_order_2026.txt)".into(),
    })?;
    let mut entries = read_order_file_path(set, order)?;
    if let Some(a) = own_addenda {
        Addenda::from_path(set, a)?.mark_new_codes(&mut entries);
    }
    let file_name = |p: &Path| {
        p.file_name().map_or_else(
            || p.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    };
    let mut releases: Vec<Release> = Release::fiscal_year(system, fy, file_name(order))
        .into_iter()
        .collect();
    let mut changes = Vec::with_capacity(later.len());
    for path in later {
        let addenda = Addenda::from_path(set, path)?;
        let (next, report) = addenda.bring_forward(entries)?;
        entries = next;
        changes.push(report);
        let fy = addenda
            .release_effective()
            .map(|d| chrono::Datelike::year(&d) + 1)
            .unwrap_or(fy);
        releases.extend(Release::fiscal_year(
            system,
            fy,
            format!("{} + {}", file_name(order), file_name(path)),
        ));
    }
    Ok(History {
        entries,
        releases,
        changes,
    })
}
