//! [`Sources`]: the sources of one catalog, in any mix, read into one list of
//! entries.

use std::path::{Path, PathBuf};

use super::mapped::{read_mapped_file, ColumnMapping};
use super::order::{read_order_file_path, Addenda, IcdSet};
use super::tsv::{load_data_dir, read_std_tsv_path, StdFile};
use crate::entry::Entry;
use crate::error::ImportError;

/// The sources of a catalog: standard TSVs (a data directory's or single
/// files), CMS ICD-10 order files brought forward by their addenda, CMS HCPCS
/// quarterly workbooks, mapped CSV/TSV files and entries given directly.
/// [`Sources::load`] reads them all into one list of entries for an
/// [`IndexBuilder`](crate::IndexBuilder).
///
/// This is what `procode build` and Python's `Catalog.build` compose, so that
/// a source means the same everywhere.
///
/// # Example
/// ```no_run
/// use procode_index::import::{IcdSet, Sources, StdFile};
/// use procode_index::IndexBuilder;
///
/// let mut sources = Sources::new();
/// sources
///     .data_dir("target/data", &[StdFile::Hcpcs, StdFile::Modifiers])
///     .order_file(IcdSet::Cm, "cms/icd10cm_order_2026.txt")
///     .addenda(IcdSet::Cm, "cms/icd10cm_order_addenda_2027.txt");
/// let mut builder = IndexBuilder::new();
/// builder.extend(sources.load()?);
/// builder.write_to("codes.idx")?;
/// # Ok::<(), procode_index::CatalogError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Sources {
    data_dirs: Vec<(PathBuf, Vec<StdFile>)>,
    tsv: Vec<(StdFile, PathBuf)>,
    order_files: Vec<(IcdSet, PathBuf)>,
    addenda: Vec<(IcdSet, PathBuf)>,
    #[cfg(feature = "xlsx")]
    hcpcs_xlsx: Vec<PathBuf>,
    mapped: Vec<(ColumnMapping, PathBuf)>,
    entries: Vec<Entry>,
}

impl Sources {
    /// No sources.
    pub fn new() -> Sources {
        Sources::default()
    }

    /// The standard TSVs `files` of the data directory `dir` (see
    /// [`load_data_dir`]).
    pub fn data_dir(&mut self, dir: impl Into<PathBuf>, files: &[StdFile]) -> &mut Sources {
        self.data_dirs.push((dir.into(), files.to_vec()));
        self
    }

    /// One normalised TSV of layout `file` at `path`.
    pub fn tsv(&mut self, file: StdFile, path: impl Into<PathBuf>) -> &mut Sources {
        self.tsv.push((file, path.into()));
        self
    }

    /// A CMS ICD-10 order file of `set`.
    pub fn order_file(&mut self, set: IcdSet, path: impl Into<PathBuf>) -> &mut Sources {
        self.order_files.push((set, path.into()));
        self
    }

    /// A CMS order addenda file of `set`, applied (in the order given) to
    /// the order file of the same set, which must be the release before it:
    /// it turns release N-1 into N, and the codes it adds become effective on
    /// the release's first day (see [`Addenda::apply`] and
    /// [`Addenda::mark_new_codes`]).
    pub fn addenda(&mut self, set: IcdSet, path: impl Into<PathBuf>) -> &mut Sources {
        self.addenda.push((set, path.into()));
        self
    }

    /// A CMS HCPCS quarterly Excel workbook (codes and modifiers; feature
    /// `xlsx`).
    #[cfg(feature = "xlsx")]
    pub fn hcpcs_xlsx(&mut self, path: impl Into<PathBuf>) -> &mut Sources {
        self.hcpcs_xlsx.push(path.into());
        self
    }

    /// A delimited file read with `mapping` (a licensed CPT file, a
    /// practice's custom codes).
    pub fn mapped(&mut self, mapping: ColumnMapping, path: impl Into<PathBuf>) -> &mut Sources {
        self.mapped.push((mapping, path.into()));
        self
    }

    /// Entries given directly.
    pub fn entries(&mut self, entries: impl IntoIterator<Item = Entry>) -> &mut Sources {
        self.entries.extend(entries);
        self
    }

    /// Whether no source has been given.
    pub fn is_empty(&self) -> bool {
        #[cfg(feature = "xlsx")]
        let no_xlsx = self.hcpcs_xlsx.is_empty();
        #[cfg(not(feature = "xlsx"))]
        let no_xlsx = true;
        self.data_dirs.is_empty()
            && self.tsv.is_empty()
            && self.order_files.is_empty()
            && self.addenda.is_empty()
            && no_xlsx
            && self.mapped.is_empty()
            && self.entries.is_empty()
    }

    /// Reads every source: data directories, single TSVs, order files (each
    /// brought forward by its addenda), workbooks, mapped files, then the
    /// entries given directly.
    ///
    /// # Errors
    /// The first error of any importer, or of applying an addenda;
    /// [`ImportError::BadFile`] naming an addenda file whose set has no order
    /// file to apply it to.
    pub fn load(&self) -> Result<Vec<Entry>, ImportError> {
        let mut out = Vec::new();
        for (dir, files) in &self.data_dirs {
            out.extend(load_data_dir(dir, files)?);
        }
        for (file, path) in &self.tsv {
            out.extend(read_std_tsv_path(*file, path)?);
        }
        for release in self.releases()? {
            out.extend(release);
        }
        #[cfg(feature = "xlsx")]
        for path in &self.hcpcs_xlsx {
            out.extend(super::hcpcs_xlsx::read_hcpcs_xlsx(path)?);
        }
        for (mapping, path) in &self.mapped {
            out.extend(read_mapped_file(mapping, path)?);
        }
        out.extend(self.entries.iter().cloned());
        Ok(out)
    }

    /// The order files' entries, each with the addenda of its set applied
    /// (to the first order file of that set).
    fn releases(&self) -> Result<Vec<Vec<Entry>>, ImportError> {
        let mut releases = Vec::with_capacity(self.order_files.len());
        for (set, path) in &self.order_files {
            releases.push(read_order_file_path(*set, path)?);
        }
        for (set, path) in &self.addenda {
            let addenda = Addenda::from_path(*set, path)?;
            let Some(pos) = self.order_files.iter().position(|(s, _)| s == set) else {
                return Err(no_release(*set, path));
            };
            let (mut next, _report) = addenda.apply(std::mem::take(&mut releases[pos]))?;
            addenda.mark_new_codes(&mut next);
            releases[pos] = next;
        }
        Ok(releases)
    }
}

fn no_release(set: IcdSet, path: &Path) -> ImportError {
    ImportError::BadFile {
        file: path.display().to_string(),
        problem: format!(
            "an addenda applies to the {} order file of the release before it: give that order file too",
            set.system()
        ),
    }
}
