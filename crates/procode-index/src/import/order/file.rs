//! The CMS ICD-10 order file: one fixed-width record per code or header, in
//! tabular order.

use std::io::BufRead;
use std::path::Path;

use super::record::{cols, for_each_line, parse_record, ORDER_LAYOUT};
use super::IcdSet;
use crate::entry::Entry;
use crate::error::ImportError;
use crate::import::common::{bad_row, open_source, DuplicateCheck};

/// Reads a CMS ICD-10 order file of `set` from `reader`; `name` names it in
/// error messages.
///
/// Lines holding only spaces carry no record and are skipped; every other line
/// must be a record.
///
/// # Errors
/// [`ImportError::BadRow`] with the line and column of a short line, a
/// misaligned field, a bad order number, code or flag, or an empty title;
/// [`ImportError::DuplicateCode`] for a code seen twice.
pub fn read_order_file<R: BufRead>(
    set: IcdSet,
    name: &str,
    reader: R,
) -> Result<Vec<Entry>, ImportError> {
    let system = set.system();
    let mut entries = Vec::new();
    let mut dups = DuplicateCheck::new();
    let mut last_order = 0u64;
    for_each_line(name, reader, |line_no, line| {
        if line.trim().is_empty() {
            return Ok(());
        }
        let number = cols(line, 1, Some(5)).unwrap_or("");
        let order = (number.len() == 5 && number.bytes().all(|b| b.is_ascii_digit()))
            .then(|| number.parse::<u64>().ok())
            .flatten()
            .ok_or_else(|| {
                bad_row(
                    name,
                    line_no,
                    "1-5",
                    format!("invalid order number {number:?}: an order-file record starts with a five-digit order number"),
                )
            })?;
        if order <= last_order {
            return Err(bad_row(
                name,
                line_no,
                "1-5",
                format!("order number {order} does not follow {last_order}: records must be in increasing order (is the file complete and unsorted?)"),
            ));
        }
        last_order = order;
        let entry = parse_record(system, &ORDER_LAYOUT, line, name, line_no)?.entry;
        dups.check(name, line_no, system, entry.code)?;
        entries.push(entry);
        Ok(())
    })?;
    Ok(entries)
}

/// Reads a CMS ICD-10 order file of `set` from a path.
///
/// # Errors
/// [`ImportError::Io`] when the file cannot be read, and those of
/// [`read_order_file`].
pub fn read_order_file_path(set: IcdSet, path: &Path) -> Result<Vec<Entry>, ImportError> {
    let (name, f) = open_source(path)?;
    read_order_file(set, &name, f)
}
