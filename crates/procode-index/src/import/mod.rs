//! Importers: turn source files into catalog [`Entry`](crate::Entry) values,
//! and [`Sources`], which composes them.
//!
//! Every importer reads a whole source and returns `Vec<Entry>` or the first
//! problem as an [`ImportError`](crate::ImportError) naming the file, line
//! (or sheet row) and column. Nothing is silently dropped: each data row
//! becomes an entry or an error, and a code that appears twice within one
//! code system is an error ([`ImportError::DuplicateCode`](crate::ImportError::DuplicateCode)).
//!
//! | source | function |
//! |---|---|
//! | the normalised TSVs of a procode data directory | [`load_data_dir`], [`read_std_tsv`], [`read_std_tsv_path`] |
//! | any CSV/TSV with a column mapping (CPT, custom codes) | [`read_mapped`], [`read_mapped_file`] |
//! | the CMS ICD-10-CM/PCS order file (fixed width) | [`read_order_file`], [`read_order_file_path`] |
//! | its addenda (changes from the previous release) | [`Addenda`] |
//! | the CMS HCPCS quarterly Excel file (feature `xlsx`) | `read_hcpcs_xlsx`, `read_hcpcs_xlsx_bytes` |
//! | the CDC ICD-10-CM Tabular List XML (hierarchy, notes, 7th characters) | [`tabular::read_tabular`], [`tabular::read_tabular_path`] |
//! | any mix of the above | [`Sources`] |
//!
//! # Example
//! ```
//! use procode_index::import::{read_std_tsv, StdFile};
//! use procode_index::CodeSystem;
//!
//! let tsv = "code\tdescription\tbillable\tshort_description\n\
//!            F41\tOther anxiety disorders\t0\tOther anxiety disorders\n\
//!            F411\tGeneralized anxiety disorder\t1\tGeneralized anxiety disorder\n";
//! let entries = read_std_tsv(StdFile::Icd10Cm, "icd10cm.tsv", tsv.as_bytes()).unwrap();
//! assert_eq!(entries.len(), 2);
//! assert_eq!(entries[1].display_code(), "F41.1");
//! assert_eq!(entries[1].system, CodeSystem::Icd10Cm);
//! assert!(!entries[0].billable);
//!
//! // A bad row names the file, line and column.
//! let bad = "code\tdescription\tbillable\tshort_description\nF411\tGAD\tyes\tGAD\n";
//! let err = read_std_tsv(StdFile::Icd10Cm, "icd10cm.tsv", bad.as_bytes()).unwrap_err();
//! assert!(err.to_string().starts_with("icd10cm.tsv:2: column billable: invalid billable flag"));
//! ```

pub(crate) mod common;
#[cfg(feature = "xlsx")]
pub mod hcpcs_xlsx;
pub mod mapped;
pub mod order;
mod sources;
pub mod tabular;
pub mod tsv;

#[cfg(feature = "xlsx")]
pub use hcpcs_xlsx::{read_first_sheet, read_hcpcs_xlsx, read_hcpcs_xlsx_bytes};
pub use mapped::{read_mapped, read_mapped_file, Column, ColumnMapping, SystemSource};
pub use order::{
    read_order_file, read_order_file_path, Addenda, AddendaRecord, AddendaSummary, ChangeCounts,
    ChangeKind, ChangeReport, IcdSet, Revision, SummaryCounts,
};
pub use order::{with_history, History};
pub use sources::Sources;
pub use tsv::{load_data_dir, read_std_tsv, read_std_tsv_path, StdFile};
