//! The normalised TSVs (temporary minimal version, replaced by the full importer).
use std::path::Path;

use chrono::NaiveDate;

use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::error::ImportError;

/// One of the standard TSV files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdFile {
    /// hcpcs_level2.tsv
    Hcpcs,
    /// modifiers.tsv
    Modifiers,
    /// place_of_service.tsv
    PlaceOfService,
    /// icd10cm.tsv
    Icd10Cm,
    /// icd10pcs.tsv
    Icd10Pcs,
}

impl StdFile {
    /// The files of the embedded default catalog.
    pub const DEFAULT_EMBEDDED: &'static [StdFile] = &[
        StdFile::Hcpcs,
        StdFile::Modifiers,
        StdFile::PlaceOfService,
        StdFile::Icd10Cm,
    ];
    /// The file name.
    pub fn file_name(self) -> &'static str {
        match self {
            StdFile::Hcpcs => "hcpcs_level2.tsv",
            StdFile::Modifiers => "modifiers.tsv",
            StdFile::PlaceOfService => "place_of_service.tsv",
            StdFile::Icd10Cm => "icd10cm.tsv",
            StdFile::Icd10Pcs => "icd10pcs.tsv",
        }
    }
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Loads the given files of a data directory.
pub fn load_data_dir(dir: &Path, which: &[StdFile]) -> Result<Vec<Entry>, ImportError> {
    let mut out = Vec::new();
    for f in which {
        let path = dir.join(f.file_name());
        let text = std::fs::read_to_string(&path).map_err(|source| ImportError::Io {
            path: path.clone(),
            source,
        })?;
        for line in text.lines().skip(1) {
            let c: Vec<&str> = line.split('\t').collect();
            let e = match f {
                StdFile::Hcpcs | StdFile::Modifiers => {
                    let sys = if *f == StdFile::Hcpcs {
                        CodeSystem::Hcpcs
                    } else {
                        CodeSystem::Modifier
                    };
                    Entry::new(Code::parse(c[0]).unwrap(), sys, c[2])
                        .with_short_description(c[1])
                        .with_effective(date(c[3]))
                        .with_terminated(date(c[4]))
                        .with_action(c[6].chars().next())
                }
                StdFile::PlaceOfService => {
                    Entry::new(Code::parse(c[0]).unwrap(), CodeSystem::Pos, c[1])
                }
                StdFile::Icd10Cm | StdFile::Icd10Pcs => {
                    let sys = if *f == StdFile::Icd10Cm {
                        CodeSystem::Icd10Cm
                    } else {
                        CodeSystem::Icd10Pcs
                    };
                    Entry::new(Code::parse(c[0]).unwrap(), sys, c[1])
                        .with_short_description(c[3])
                        .with_billable(c[2] == "1")
                }
            };
            out.push(e);
        }
    }
    Ok(out)
}
