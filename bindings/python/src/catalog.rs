//! `Catalog` and `Entry`, plus the source descriptions `Catalog.build` reads.

use std::path::PathBuf;
use std::sync::OnceLock;

use procode::import::{Column, ColumnMapping, IcdSet, StdFile};
use procode::{
    Catalog, Code, CodeSystem, Entry, EntryRef, IndexBuilder, SearchOptions, Sources, Verify,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyIterator, PyList, PyString};

use crate::convert::{self, int_in_range, opt_date, opt_system};
use crate::errors::{invalid_argument, invalid_code, PyResultExt};
use crate::kept::Kept;

/// One code of one code system, as the catalog knows it (immutable).
///
/// Made from a lookup or search, it holds the entry's fixed fields and a
/// reference into the catalog's index: its descriptions are decoded when
/// first read (and `datetime.date`s built when a date is read).
#[pyclass(module = "procode._native", name = "Entry", frozen, eq)]
pub struct PyEntry {
    /// The fixed fields, and where the descriptions are.
    view: EntryRef<'static>,
    /// The whole entry, decoded when first needed whole (boxed: a result
    /// page's entries are made by the ten, and most never need it).
    full: OnceLock<Box<Entry>>,
    /// The long and short descriptions as Python strings, each decoded
    /// when first read.
    texts: [Kept<PyString>; 2],
}

impl PyEntry {
    /// An entry held whole.
    pub fn from_entry(entry: Entry) -> PyEntry {
        PyEntry {
            view: EntryRef::from(entry.clone()),
            full: OnceLock::from(Box::new(entry)),
            texts: Default::default(),
        }
    }

    /// A borrowed entry, kept alive with its catalog's index.
    pub fn from_ref(entry: &EntryRef<'_>) -> PyEntry {
        PyEntry {
            view: entry.detach(),
            full: OnceLock::new(),
            texts: Default::default(),
        }
    }

    /// The whole entry (its descriptions decoded on first use).
    pub fn entry(&self) -> PyResult<&Entry> {
        if let Some(e) = self.full.get() {
            return Ok(e);
        }
        let e = Box::new(self.view.to_owned().py()?);
        Ok(self.full.get_or_init(|| e))
    }

    /// Description `which` (0 long, 1 short) as a Python string: decoded
    /// alone (not the whole entry) on first read, the same string after.
    /// A short description the index records as the long one is the long
    /// one's string (one decode for both).
    fn text<'py>(&self, py: Python<'py>, which: usize) -> PyResult<Bound<'py, PyString>> {
        let slot = &self.texts[which];
        if let Some(s) = slot.get(py) {
            return Ok(s);
        }
        let same = self.view.short_is_description();
        let s = match (self.full.get(), which == 0 || same) {
            // An entry held whole: its text, as is.
            (Some(e), true) => PyString::new(py, &e.description),
            (Some(e), false) => PyString::new(py, &e.short_description),
            (None, true) => decoded(py, |buf| self.view.write_description(buf))?,
            (None, false) => decoded(py, |buf| self.view.write_short_description(buf))?,
        };
        let s = if same {
            self.texts[1 - which].offer(s)
        } else {
            s
        };
        Ok(slot.offer(s))
    }
}

/// Runs `write` (a description's decoding) into a buffer kept per thread,
/// and makes a Python string of what it wrote: reading descriptions one
/// after another allocates nothing on the Rust side.
fn decoded<'py>(
    py: Python<'py>,
    write: impl FnOnce(&mut String) -> procode::Result<()>,
) -> PyResult<Bound<'py, PyString>> {
    /// Past this capacity the buffer is not kept (an index's descriptions
    /// are at most 64 KiB; most are under 200 bytes).
    const KEEP: usize = 4096;
    thread_local! {
        static BUF: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    BUF.with(|cell| {
        let mut own = String::new();
        // Borrowed already only if `write` could call back in here, which
        // it cannot; a fresh buffer then all the same.
        let mut kept = cell.try_borrow_mut().ok();
        let buf = kept.as_deref_mut().unwrap_or(&mut own);
        buf.clear();
        let written = write(buf).py();
        let s = written.map(|()| PyString::new(py, buf));
        if buf.capacity() > KEEP {
            *buf = String::new();
        }
        s
    })
}

/// Equal when every field Python sees is equal: the Rust-only HCPCS action
/// code is not part of a Python entry (so a pickled copy equals its original).
impl PartialEq for PyEntry {
    fn eq(&self, other: &Self) -> bool {
        let (Ok(a), Ok(b)) = (self.entry(), other.entry()) else {
            return false;
        };
        if a.action == b.action {
            return a == b;
        }
        let (mut a, mut b) = (a.clone(), b.clone());
        a.action = None;
        b.action = None;
        a == b
    }
}

#[pymethods]
impl PyEntry {
    #[new]
    #[pyo3(signature = (code, system, description, *, short_description=None, effective=None, terminated=None, billable=true))]
    fn new(
        code: &str,
        system: &str,
        description: String,
        short_description: Option<String>,
        effective: Option<&Bound<'_, PyAny>>,
        terminated: Option<&Bound<'_, PyAny>>,
        billable: bool,
    ) -> PyResult<Self> {
        let system = convert::system(system)?;
        let code = Code::parse_for(system, code).py()?;
        let short = short_description.unwrap_or_else(|| description.clone());
        let inner = Entry::new(code, system, description)
            .with_short_description(short)
            .with_effective(opt_date(effective, "effective")?)
            .with_terminated(opt_date(terminated, "terminated")?)
            .with_billable(billable);
        Ok(PyEntry::from_entry(inner))
    }

    /// The normalised code (`F411`; ICD-10-CM without its dot).
    #[getter]
    fn code(&self) -> &str {
        self.view.code().as_str()
    }

    /// The code as people write it (`F41.1`).
    #[getter]
    fn display_code(&self) -> String {
        self.view.display_code()
    }

    /// The code system (`hcpcs`, `icd10cm`, ...).
    #[getter]
    fn system(&self) -> &'static str {
        self.view.system().as_str()
    }

    /// The long description.
    #[getter]
    fn description<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        self.text(py, 0)
    }

    /// The short description.
    #[getter]
    fn short_description<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        self.text(py, 1)
    }

    /// First day the code is valid, when known.
    #[getter]
    fn effective(&self) -> Option<chrono::NaiveDate> {
        self.view.effective()
    }

    /// Last day the code is valid, when it is terminated.
    #[getter]
    fn terminated(&self) -> Option<chrono::NaiveDate> {
        self.view.terminated()
    }

    /// Whether the code may be billed (ICD-10 headers such as F41 may not).
    #[getter]
    fn billable(&self) -> bool {
        self.view.billable()
    }

    /// Whether the code is valid on a date of service.
    fn is_valid_on(&self, date: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.view.is_valid_on(convert::date(date, "date")?))
    }

    /// The JSON form: `code`, `system`, `description`, `short_description`,
    /// `effective`, `terminated` (ISO dates or None) and `billable`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let e = self.entry()?;
        d.set_item("code", e.code.as_str())?;
        d.set_item("system", e.system.as_str())?;
        d.set_item("description", &e.description)?;
        d.set_item("short_description", &e.short_description)?;
        d.set_item("effective", e.effective.map(|x| x.to_string()))?;
        d.set_item("terminated", e.terminated.map(|x| x.to_string()))?;
        d.set_item("billable", e.billable)?;
        Ok(d)
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.view.code().hash(&mut h);
        self.view.system().hash(&mut h);
        h.finish()
    }

    fn __repr__(&self) -> PyResult<String> {
        let e = self.entry()?;
        let mut s = format!(
            "<Entry {} {} {:?}",
            e.system.as_str(),
            e.display_code(),
            e.description
        );
        if !e.billable {
            s.push_str(" not billable");
        }
        if let Some(t) = e.terminated {
            s.push_str(&format!(" terminated {t}"));
        }
        s.push('>');
        Ok(s)
    }
}

/// A column of a delimited file: a header name or a 0-based index.
fn column(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Column> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Column::Name(s.to_cow()?.into_owned()));
    }
    if obj.is_instance_of::<PyInt>() {
        let max = i128::try_from(usize::MAX).unwrap_or(i128::MAX);
        let i = int_in_range(obj, what, 0, max, |v| {
            invalid_argument(format!(
                "{what}: column index {v} is out of range: give a 0-based index (0 or more)"
            ))
        })?;
        return Ok(Column::Index(usize::try_from(i).unwrap_or(usize::MAX)));
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be a column name (str) or a 0-based index (int)"
    )))
}

fn opt_column(obj: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<Column>> {
    obj.filter(|o| !o.is_none())
        .map(|o| column(o, what))
        .transpose()
}

/// A delimited file (CSV/TSV) and how to read it: which column holds the
/// code, the description and the rest. Given to `Catalog.build(mapped=...)`.
#[pyclass(module = "procode._native", name = "MappedSource", frozen)]
#[derive(Clone)]
pub struct PyMappedSource {
    path: PathBuf,
    mapping: ColumnMapping,
}

#[pymethods]
impl PyMappedSource {
    #[new]
    #[pyo3(signature = (path, *, system=None, code=None, description=None, system_column=None, short_description=None, effective=None, terminated=None, billable=None, delimiter=None, has_header=true))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        path: PathBuf,
        system: Option<&str>,
        code: Option<&Bound<'_, PyAny>>,
        description: Option<&Bound<'_, PyAny>>,
        system_column: Option<&Bound<'_, PyAny>>,
        short_description: Option<&Bound<'_, PyAny>>,
        effective: Option<&Bound<'_, PyAny>>,
        terminated: Option<&Bound<'_, PyAny>>,
        billable: Option<&Bound<'_, PyAny>>,
        delimiter: Option<&str>,
        has_header: bool,
    ) -> PyResult<Self> {
        let code = opt_column(code, "code")?.unwrap_or_else(|| Column::Name("code".into()));
        let description = opt_column(description, "description")?
            .unwrap_or_else(|| Column::Name("description".into()));
        let fixed = opt_system(system)?;
        let sys_col = opt_column(system_column, "system_column")?;
        let mut mapping = match (fixed, sys_col) {
            (Some(s), None) => ColumnMapping::new(
                s,
                code,
                description,
            ),
            (None, Some(c)) => ColumnMapping::new(
                CodeSystem::Custom,
                code,
                description,
            )
            .with_system_column(c),
            _ => {
                return Err(invalid_argument(
                    "give exactly one of system= (every row's code system) or system_column= (the column naming each row's system)",
                ))
            }
        };
        mapping.short_description = opt_column(short_description, "short_description")?;
        mapping.effective = opt_column(effective, "effective")?;
        mapping.terminated = opt_column(terminated, "terminated")?;
        mapping.billable = opt_column(billable, "billable")?;
        mapping.has_header = has_header;
        if let Some(d) = delimiter {
            match d.as_bytes() {
                [b] if d.is_ascii() => mapping.delimiter = Some(*b),
                _ => {
                    return Err(invalid_argument(format!(
                        "delimiter must be one ASCII character, got {d:?}"
                    )))
                }
            }
        }
        Ok(PyMappedSource { path, mapping })
    }

    /// The file.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    fn __repr__(&self) -> String {
        format!("<MappedSource {}>", self.path.display())
    }
}

/// An ICD-10 code set named `name` (`"icd10cm"`, `"icd10pcs"`, `"cm"`, …).
fn icd_set(name: &str) -> PyResult<IcdSet> {
    name.parse()
        .map_err(|e: procode::UnknownName| invalid_code(e.to_string()))
}

/// `(set, path)` pairs of ICD-10 files.
fn icd_files(files: Vec<(String, PathBuf)>) -> PyResult<Vec<(IcdSet, PathBuf)>> {
    files
        .into_iter()
        .map(|(s, p)| Ok((icd_set(&s)?, p)))
        .collect()
}

/// A code catalog: exact lookup, code-prefix typeahead, ranked word search
/// with typo tolerance, date-aware. Immutable and safe to share between
/// threads; searches release the GIL.
#[pyclass(module = "procode._native", name = "Catalog", frozen)]
pub struct PyCatalog {
    inner: Catalog,
}

/// The part of a result's description that matched a query word.
#[pyclass(module = "procode._native", name = "MatchSpan", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyMatchSpan {
    /// First character (0-based) of the matched word in the description.
    #[pyo3(get)]
    start: usize,
    /// One past its last character.
    #[pyo3(get)]
    end: usize,
    /// What the user typed that matched (the word, or the synonym term).
    #[pyo3(get)]
    term: String,
    /// The synonym expansion that matched, or None.
    #[pyo3(get)]
    via: Option<String>,
    /// Whether the word matched only within the typo budget.
    #[pyo3(get)]
    typo: bool,
}

#[pymethods]
impl PyMatchSpan {
    fn __repr__(&self) -> String {
        format!(
            "MatchSpan(start={}, end={}, term={:?}, via={:?}, typo={})",
            self.start,
            self.end,
            self.term,
            self.via,
            if self.typo { "True" } else { "False" }
        )
    }
}

/// One page of search results: a sequence of entries (best first) with
/// `total` (every page), `offset`, `mode` (`"exact"`, `"words"`, `"typo"`
/// or `"none"`), `spans` (per entry, what matched) and `notice` (for a
/// CPT-shaped query: `"cpt_not_shipped"` or `"cpt_modifier_not_shipped"`;
/// `"not_every_word"` when the results match all the query's words but one).
#[pyclass(module = "procode._native", name = "SearchResults", frozen, sequence)]
pub struct PySearchResults {
    /// The page's entries, borrowed from the index.
    refs: Vec<EntryRef<'static>>,
    /// Their Python objects, each made when first read.
    entries: Vec<Kept<PyEntry>>,
    /// How many results there are in all.
    #[pyo3(get)]
    total: usize,
    /// How many results were skipped before this page.
    #[pyo3(get)]
    offset: usize,
    /// How the results were found.
    #[pyo3(get)]
    mode: &'static str,
    /// The notice's machine-readable code, or None.
    #[pyo3(get)]
    notice: Option<&'static str>,
    /// The notice's message, or None.
    #[pyo3(get)]
    notice_message: Option<&'static str>,
    /// Per entry, what matched (made into `MatchSpan`s when read).
    spans: Vec<Vec<procode::MatchSpan>>,
}

impl PySearchResults {
    /// Entry `i` of the page (in range), made on first use.
    fn entry<'py>(&self, py: Python<'py>, i: usize) -> PyResult<Bound<'py, PyEntry>> {
        let (Some(slot), Some(e)) = (self.entries.get(i), self.refs.get(i)) else {
            return Err(pyo3::exceptions::PyIndexError::new_err(
                "index out of range",
            ));
        };
        if let Some(p) = slot.get(py) {
            return Ok(p);
        }
        Ok(slot.offer(Bound::new(py, PyEntry::from_ref(e))?))
    }

    fn new(found: procode::SearchRefs<'_>) -> PyResult<PySearchResults> {
        Ok(PySearchResults {
            total: found.total,
            offset: found.offset,
            mode: found.mode.as_str(),
            notice: found.notice.map(|n| n.code()),
            notice_message: found.notice.map(|n| n.message()),
            spans: found.spans,
            entries: found.entries.iter().map(|_| Kept::default()).collect(),
            refs: found.entries.iter().map(EntryRef::detach).collect(),
        })
    }
}

#[pymethods]
impl PySearchResults {
    fn __len__(&self) -> usize {
        self.entries.len()
    }

    fn __getitem__<'py>(&self, py: Python<'py>, index: isize) -> PyResult<Bound<'py, PyEntry>> {
        let n = self.entries.len() as isize;
        let i = if index < 0 { index + n } else { index };
        if i < 0 || i >= n {
            return Err(pyo3::exceptions::PyIndexError::new_err(format!(
                "index {index} is out of range: the page has {n} results"
            )));
        }
        self.entry(py, i as usize)
    }

    /// The entries in order (each the object `results[i]` gives), through
    /// a list's iterator: no index object made and no `IndexError` raised
    /// per page, as iterating through `__getitem__` would.
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
        let items = (0..self.entries.len())
            .map(|i| self.entry(py, i))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)?.try_iter()
    }

    /// Per entry (same order), the matched parts of its description.
    #[getter]
    fn spans(&self) -> Vec<Vec<PyMatchSpan>> {
        self.spans
            .iter()
            .map(|ss| {
                ss.iter()
                    .map(|s| PyMatchSpan {
                        start: s.start,
                        end: s.end,
                        term: s.term.to_string(),
                        via: s.via.as_deref().map(str::to_owned),
                        typo: s.typo,
                    })
                    .collect()
            })
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "<SearchResults {} of {} ({}), offset {}>",
            self.entries.len(),
            self.total,
            self.mode,
            self.offset
        )
    }
}

fn entries_to_list(py: Python<'_>, entries: Vec<Entry>) -> PyResult<Vec<Py<PyEntry>>> {
    entries
        .into_iter()
        .map(|inner| Py::new(py, PyEntry::from_entry(inner)))
        .collect()
}

impl PyCatalog {
    pub fn core(&self) -> &Catalog {
        &self.inner
    }
}

#[pymethods]
impl PyCatalog {
    /// The default catalog compiled into procode: HCPCS Level II, modifiers,
    /// place of service and ICD-10-CM.
    #[staticmethod]
    fn embedded(py: Python<'_>) -> PyResult<Self> {
        let inner = py.detach(Catalog::embedded).py()?;
        Ok(PyCatalog { inner })
    }

    /// This catalog with the CMS NCCI edits file at `path` attached (built by
    /// `procode.build_edits` or `procode build-edits`): readiness on it also
    /// reports `NCCI_PTP_CONFLICT` and `MUE_EXCEEDED`.
    /// Returns a new catalog; this one is unchanged (they share the index).
    fn with_ncci(&self, py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let edits = py.detach(|| procode::ncci::NcciEdits::open(&path)).py()?;
        Ok(PyCatalog {
            inner: self.inner.with_ncci(edits),
        })
    }

    /// This catalog with the synonym file at `path` added on top of the
    /// shipped list (same format as `crates/procode-index/search/synonyms.tsv`). Raises
    /// `SearchDataError` naming the line that is wrong.
    /// Returns a new catalog; this one is unchanged (they share the index).
    fn with_synonyms(&self, py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = py.detach(|| self.inner.with_synonyms_file(&path)).py()?;
        Ok(PyCatalog { inner })
    }

    /// This catalog ranking word searches with the weights file at `path`
    /// (`name<TAB>value` lines; see `procode::weights`). Raises
    /// `SearchDataError` naming the line that is wrong.
    /// Returns a new catalog; this one is unchanged (they share the index).
    fn with_search_weights(&self, py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = py
            .detach(|| self.inner.with_search_weights_file(&path))
            .py()?;
        Ok(PyCatalog { inner })
    }

    /// Whether NCCI edits are attached.
    #[getter]
    fn has_ncci(&self) -> bool {
        self.inner.ncci().is_some()
    }

    /// Opens an index file (memory-mapped). `verify="full"` checks every
    /// checksum now; `"lazy"` checks the header now and each section on
    /// first use.
    #[staticmethod]
    #[pyo3(signature = (path, *, verify="full"))]
    fn open(py: Python<'_>, path: PathBuf, verify: &str) -> PyResult<Self> {
        let verify: Verify = verify
            .parse()
            .map_err(|e: procode::UnknownName| invalid_argument(e.to_string()))?;
        let inner = py.detach(|| Catalog::open_with(&path, verify)).py()?;
        Ok(PyCatalog { inner })
    }

    /// Builds an index from sources and returns it opened. With `path`, the
    /// index is written there (atomically) and memory-mapped; with `None` it
    /// stays in memory.
    ///
    /// Sources (any combination): `data_dir` with the standard TSVs named by
    /// `include` (default all five: hcpcs, modifiers, pos, icd10cm,
    /// icd10pcs); `mapped`, a list of `MappedSource`; `order_files`, a list of
    /// `(system, path)` CMS ICD-10 order files (`"icd10cm"`/`"icd10pcs"`);
    /// `addenda`, `(system, path)` CMS order addenda files, each applied to
    /// the order file of its system (the release before it), whose new codes
    /// become effective on the release's first day; `hcpcs_xlsx`, CMS HCPCS
    /// quarterly workbooks; `entries`, `Entry` values.
    #[staticmethod]
    #[pyo3(signature = (path=None, *, data_dir=None, include=None, mapped=Vec::new(), order_files=Vec::new(), addenda=Vec::new(), hcpcs_xlsx=Vec::new(), entries=Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn build(
        py: Python<'_>,
        path: Option<PathBuf>,
        data_dir: Option<PathBuf>,
        include: Option<&Bound<'_, PyAny>>,
        mapped: Vec<PyRef<'_, PyMappedSource>>,
        order_files: Vec<(String, PathBuf)>,
        addenda: Vec<(String, PathBuf)>,
        hcpcs_xlsx: Vec<PathBuf>,
        entries: Vec<PyRef<'_, PyEntry>>,
    ) -> PyResult<Self> {
        let include = include
            .filter(|i| !i.is_none())
            .map(|i| {
                convert::str_list(
                    i,
                    "include",
                    "data file names such as [\"hcpcs\", \"icd10cm\"]",
                )
            })
            .transpose()?;
        let mut sources = Sources::new();
        match (data_dir, include) {
            (Some(dir), None) => {
                sources.data_dir(dir, StdFile::ALL);
            }
            (Some(dir), Some(names)) => {
                let files = names
                    .iter()
                    .map(|n| n.parse::<StdFile>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| invalid_code(e.to_string()))?;
                sources.data_dir(dir, &files);
            }
            (None, None) => {}
            (None, Some(_)) => {
                return Err(invalid_argument(
                    "include= names files of data_dir=: give data_dir too",
                ))
            }
        }
        for m in &mapped {
            sources.mapped(m.mapping.clone(), m.path.clone());
        }
        for (set, p) in icd_files(order_files)? {
            sources.order_file(set, p);
        }
        for (set, p) in icd_files(addenda)? {
            sources.addenda(set, p);
        }
        for p in hcpcs_xlsx {
            sources.hcpcs_xlsx(p);
        }
        let mut owned = Vec::with_capacity(entries.len());
        for e in &entries {
            owned.push(e.entry()?.clone());
        }
        sources.entries(owned);
        let inner = py
            .detach(|| -> procode::Result<Catalog> {
                let mut b = IndexBuilder::new();
                b.extend(sources.load()?);
                match path {
                    Some(p) => {
                        b.write_to(&p)?;
                        Catalog::open(&p)
                    }
                    None => Catalog::from_bytes(b.build()?),
                }
            })
            .py()?;
        Ok(PyCatalog { inner })
    }

    /// Exact lookup (`"f41.1"`, `"F411"`, `" F41.1 "` are the same code).
    /// Without `system`, the first system holding the code answers. With
    /// `as_of` (a `datetime.date`), a code not valid that day is not found.
    #[pyo3(signature = (code, system=None, as_of=None))]
    fn lookup(
        &self,
        code: &str,
        system: Option<&str>,
        as_of: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<PyEntry>> {
        self.find(code, opt_system(system)?, opt_date(as_of, "as_of")?)
    }

    /// Why a code is or is not valid on a date of service: a dict with
    /// `verdict` (`valid`, `not_yet_effective`, `terminated`, `header`,
    /// `unknown`), `code`, `system`, `entry`, `effective`, `terminated` and
    /// `codes` (replacements of a terminated code, billable children of a
    /// header). Releases the GIL.
    #[pyo3(signature = (code, system=None, as_of=None))]
    fn validate(
        &self,
        py: Python<'_>,
        code: &str,
        system: Option<&str>,
        as_of: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let system = opt_system(system)?;
        let as_of = opt_date(as_of, "as_of")?;
        let v = py
            .detach(|| self.inner.validate(code, system, as_of))
            .py()?;
        convert::json_to_py(py, &convert::to_json(&v)?)
    }

    /// Every version of a code, oldest first, each with the dates it
    /// answers for (most codes have one).
    fn versions(&self, py: Python<'_>, code: &str, system: &str) -> PyResult<Vec<Py<PyEntry>>> {
        let system = convert::system(system)?;
        let code = Code::parse_for(system, code).py()?;
        let found = py.detach(|| self.inner.versions(&code, system)).py()?;
        entries_to_list(py, found)
    }

    /// The releases the catalog holds: dicts with `system`, `name`,
    /// `source`, `valid_from` and `valid_through` (ISO dates; `None` for no
    /// end).
    #[getter]
    fn releases(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::json_to_py(py, &convert::to_json(&self.inner.releases())?)
    }

    /// What changed from this catalog (read on `from_date`) to `other`
    /// (default: this catalog, read on `to_date`): a dict with `from`, `to`,
    /// `added` and `deleted` (entries) and `changed` (`before`/`after`
    /// entries). `codes` keeps only those codes. Releases the GIL.
    #[pyo3(signature = (other=None, *, from_date=None, to_date=None, system=None, codes=None))]
    fn diff(
        &self,
        py: Python<'_>,
        other: Option<&PyCatalog>,
        from_date: Option<&Bound<'_, PyAny>>,
        to_date: Option<&Bound<'_, PyAny>>,
        system: Option<&str>,
        codes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let mut opts = procode::catalog::DiffOptions::default()
            .dates(
                opt_date(from_date, "from_date")?,
                opt_date(to_date, "to_date")?,
            )
            .system(opt_system(system)?);
        if let Some(c) = codes.filter(|c| !c.is_none()) {
            let list = convert::str_list(c, "codes", "a list of codes")?;
            let mut parsed = Vec::with_capacity(list.len());
            for t in &list {
                parsed.push(Code::parse(t).py()?);
            }
            opts = opts.codes(parsed);
        }
        let new = other.map_or_else(|| self.inner.clone(), |o| o.inner.clone());
        let d = py
            .detach(|| procode::catalog::diff(&self.inner, &new, &opts))
            .py()?;
        convert::json_to_py(py, &convert::to_json(&d)?)
    }

    /// Every entry with this code, one per system holding it.
    #[pyo3(signature = (code, as_of=None))]
    fn lookup_all(
        &self,
        py: Python<'_>,
        code: &str,
        as_of: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<Py<PyEntry>>> {
        let code = Code::parse(code).py()?;
        let as_of = opt_date(as_of, "as_of")?;
        let found = py.detach(|| self.inner.lookup_all(&code, as_of)).py()?;
        entries_to_list(py, found)
    }

    /// One search for the typeahead box: code-shaped queries (`"E11.9"`,
    /// `"G04"`), words (`"diab mell"`, through synonyms: `"htn"`), then
    /// typos (`"wheelchiar"`). Returns a `SearchResults` sequence of entries
    /// with `.total`, `.offset`, `.mode`, `.spans` and `.notice`. Releases
    /// the GIL.
    #[pyo3(
        signature = (query, system=None, limit=None, as_of=None, offset=None, billable_only=false),
        text_signature = "($self, query, system=None, limit=10, as_of=None, offset=0, billable_only=False)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn search(
        &self,
        py: Python<'_>,
        query: &str,
        system: Option<&str>,
        limit: Option<&Bound<'_, PyAny>>,
        as_of: Option<&Bound<'_, PyAny>>,
        offset: Option<&Bound<'_, PyAny>>,
        billable_only: bool,
    ) -> PyResult<PySearchResults> {
        let limit = match limit.filter(|l| !l.is_none()) {
            None => SearchOptions::default().limit,
            Some(l) => {
                let max = i128::try_from(usize::MAX).unwrap_or(i128::MAX);
                let n = int_in_range(l, "limit", 0, max, |v| {
                    invalid_argument(format!(
                        "limit: {v} is out of range: give how many results at most (0 or more)"
                    ))
                })?;
                usize::try_from(n).unwrap_or(usize::MAX)
            }
        };
        let max = i128::try_from(usize::MAX).unwrap_or(i128::MAX);
        let offset = match offset.filter(|o| !o.is_none()) {
            None => 0,
            Some(o) => int_in_range(o, "offset", 0, max, |v| {
                invalid_argument(format!(
                    "offset: {v} is out of range: give how many results to skip (0 or more)"
                ))
            })?,
        };
        let opts = SearchOptions::default()
            .system(opt_system(system)?)
            .limit(limit)
            .offset(usize::try_from(offset).unwrap_or(usize::MAX))
            .billable_only(billable_only)
            .as_of(opt_date(as_of, "as_of")?);
        let found = py.detach(|| self.inner.search_refs(query, &opts)).py()?;
        PySearchResults::new(found)
    }

    /// The ICD-10-CM structure around `code` as a dict (`code`,
    /// `in_tabular`, `manifestation`, `ancestors`, `children`, `notes`,
    /// `seventh_characters`; see the README), or None when the tabular list
    /// does not hold it.
    fn tree(&self, py: Python<'_>, code: &str) -> PyResult<Option<Py<PyAny>>> {
        let t = py.detach(|| self.inner.tree(code)).py()?;
        t.map(|t| crate::convert::json_to_py(py, &t.to_json().to_string()))
            .transpose()
    }

    /// The codes directly below an ICD-10-CM code (dotted), or None when the
    /// tabular list does not hold it.
    fn children(&self, py: Python<'_>, code: &str) -> PyResult<Option<Vec<String>>> {
        let kids = py.detach(|| self.inner.children(code)).py()?;
        Ok(kids.map(|k| {
            k.iter()
                .map(|c| c.display_for(procode::CodeSystem::Icd10Cm))
                .collect()
        }))
    }

    /// What is above an ICD-10-CM code, from its chapter down to its parent:
    /// dicts with `kind` (`chapter`, `section`, `code`), `id` and `title`.
    fn ancestors(&self, py: Python<'_>, code: &str) -> PyResult<Option<Py<PyAny>>> {
        let t = py.detach(|| self.inner.tree(code)).py()?;
        t.map(|t| crate::convert::json_to_py(py, &t.to_json()["ancestors"].to_string()))
            .transpose()
    }

    /// The notes in force for an ICD-10-CM code (its own and its
    /// ancestors'): dicts with `kind`, `text`, `at`, `resolved`,
    /// `conditional` and `targets`.
    fn notes(&self, py: Python<'_>, code: &str) -> PyResult<Option<Py<PyAny>>> {
        let t = py.detach(|| self.inner.tree(code)).py()?;
        t.map(|t| crate::convert::json_to_py(py, &t.to_json()["notes"].to_string()))
            .transpose()
    }

    /// The 7th characters an ICD-10-CM code takes: dicts with `character`
    /// and `meaning` (empty unless it needs one), or None.
    fn seventh_characters(&self, py: Python<'_>, code: &str) -> PyResult<Option<Py<PyAny>>> {
        let t = py.detach(|| self.inner.tree(code)).py()?;
        t.map(|t| crate::convert::json_to_py(py, &t.to_json()["seventh_characters"].to_string()))
            .transpose()
    }

    /// `catalog["G0438"]`: the entry, or `UnknownCode` (a `KeyError`).
    fn __getitem__(&self, py: Python<'_>, code: &str) -> PyResult<PyEntry> {
        let inner = py.detach(|| self.inner.require(code, None, None)).py()?;
        Ok(PyEntry::from_entry(inner))
    }

    fn __contains__(&self, py: Python<'_>, code: &str) -> PyResult<bool> {
        match self.find(code, None, None) {
            Ok(e) => Ok(e.is_some()),
            Err(e) if e.is_instance_of::<PyValueError>(py) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// A catalog is not iterable (`catalog[code]` looks a code up; without
    /// this, Python would iterate it through `__getitem__` with integers).
    fn __iter__(&self) -> PyResult<()> {
        Err(pyo3::exceptions::PyTypeError::new_err(
            "a Catalog is not iterable: look a code up with catalog[code] or catalog.lookup(code), \
             or search it with catalog.search(query)",
        ))
    }

    /// Size of the index in bytes.
    #[getter]
    fn index_size(&self) -> u64 {
        self.inner.index_size()
    }

    fn __repr__(&self) -> String {
        format!(
            "<Catalog {} codes, {} bytes>",
            self.inner.len(),
            self.inner.index_size()
        )
    }
}

impl PyCatalog {
    /// `lookup`'s work, on its converted arguments.
    fn find(
        &self,
        code: &str,
        system: Option<CodeSystem>,
        as_of: Option<chrono::NaiveDate>,
    ) -> PyResult<Option<PyEntry>> {
        // Bounded work (a few hundred nanoseconds): the GIL is kept, as
        // releasing and taking it back would cost as much again.
        let e = self.inner.lookup_ref(code, system, as_of).py()?;
        Ok(e.as_ref().map(PyEntry::from_ref))
    }
}

/// Builds an NCCI edits file at `path` from CMS practitioner tables: `ptp`
/// (procedure-to-procedure pairs) and `mue` (medically unlikely edits), each
/// a TSV path, plain or gzip, and `addon` (the CMS add-on code edits, the
/// xlsx as published or TSV). Returns the number of bytes written. Releases
/// the GIL.
#[pyfunction]
#[pyo3(signature = (path, *, ptp=None, mue=None, addon=None))]
pub fn build_edits(
    py: Python<'_>,
    path: PathBuf,
    ptp: Option<PathBuf>,
    mue: Option<PathBuf>,
    addon: Option<PathBuf>,
) -> PyResult<u64> {
    if ptp.is_none() && mue.is_none() && addon.is_none() {
        return Err(invalid_argument(
            "give ptp= (a PTP table path), mue= (an MUE table path), addon= (add-on code edits) or several",
        ));
    }
    py.detach(|| {
        let mut b = procode::ncci::NcciBuilder::new();
        if let Some(p) = &ptp {
            b.load_ptp(p)?;
        }
        if let Some(m) = &mue {
            b.load_mue(m)?;
        }
        if let Some(a) = &addon {
            b.load_addon(a)?;
        }
        b.write_to(&path)
    })
    .py()
}
