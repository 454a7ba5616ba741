//! `scrub`, `ScrubStream` and `validate_codes`: claim lines in, problems
//! out, as Arrow data through the Arrow C data interface (the PyCapsule
//! protocol: `__arrow_c_stream__`, `__arrow_c_array__`). Anything that
//! exports Arrow is accepted — pyarrow tables, record batches and readers,
//! Polars and pandas data frames, DuckDB results — and no Python package is
//! needed here; `procode.scrub` (Python) turns the result into a pyarrow
//! table. The work runs with the GIL released; every rule lives in
//! `procode::batch`, which calls the core's readiness.

use std::sync::{Arc, Mutex};

use arrow_array::cast::AsArray;
use arrow_array::ffi::{from_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchIterator, StructArray};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use procode::batch::{self, BatchError, Scrub};
use procode::Catalog;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods};

use crate::catalog::PyCatalog;
use crate::errors::{self, PyResultExt};

/// Adds the batch classes and functions to the module (`ScrubError` is made
/// with the rest of the exception hierarchy in `errors.rs`).
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyArrowBatches>()?;
    m.add_class::<PyScrubStream>()?;
    m.add_function(wrap_pyfunction!(scrub, m)?)?;
    m.add_function(wrap_pyfunction!(validate_codes, m)?)?;
    m.add_function(wrap_pyfunction!(problems_schema, m)?)?;
    m.add_function(wrap_pyfunction!(claim_lines_schema, m)?)?;
    Ok(())
}

/// `ScrubError` with `column` and `row` set.
fn scrub_error(e: BatchError) -> PyErr {
    let column = e.column().map(str::to_owned);
    let row = e.row();
    let err = errors::exception(&e);
    Python::attach(|py| {
        let value = err.value(py);
        match value
            .setattr("column", column)
            .and_then(|_| value.setattr("row", row))
        {
            Ok(()) => err,
            Err(e) => e,
        }
    })
}

/// Record batches read from a foreign producer.
type Reader = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>;

const STREAM: &std::ffi::CStr = c"arrow_array_stream";
const SCHEMA: &std::ffi::CStr = c"arrow_schema";
const ARRAY: &std::ffi::CStr = c"arrow_array";

fn not_arrow(obj: &Bound<'_, PyAny>, what: &str) -> PyErr {
    let name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into());
    PyTypeError::new_err(format!(
        "{what} must be Arrow data (an object with __arrow_c_stream__ or __arrow_c_array__: \
         a pyarrow Table, RecordBatch or RecordBatchReader, a Polars or pandas DataFrame, a \
         DuckDB result); got {name}"
    ))
}

/// The record batches of any Arrow exporter: a stream (`__arrow_c_stream__`)
/// or one struct array (`__arrow_c_array__`, a record batch).
fn arrow_reader(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Reader> {
    if obj.hasattr("__arrow_c_stream__")? {
        let capsule = obj.call_method0("__arrow_c_stream__")?;
        let capsule = capsule
            .cast::<PyCapsule>()
            .map_err(|_| not_arrow(obj, what))?;
        let ptr = capsule.pointer_checked(Some(STREAM))?;
        // SAFETY: a capsule named "arrow_array_stream" holds a valid
        // ArrowArrayStream (the PyCapsule protocol). `from_raw` moves the
        // stream out and marks the capsule's copy released, so the
        // capsule's destructor does not release it again; the capsule is
        // alive for the call.
        let reader = unsafe { ArrowArrayStreamReader::from_raw(ptr.as_ptr().cast()) }
            .map_err(|e| scrub_error(e.into()))?;
        return Ok(Box::new(reader));
    }
    if obj.hasattr("__arrow_c_array__")? {
        let data = import_array(obj, what)?;
        let Some(rows) = data.as_struct_opt() else {
            return Err(PyTypeError::new_err(format!(
                "{what} must be a table or record batch, not a single {} array",
                data.data_type()
            )));
        };
        let batch = record_batch(rows).map_err(scrub_error)?;
        let schema = batch.schema();
        return Ok(Box::new(RecordBatchIterator::new([Ok(batch)], schema)));
    }
    Err(not_arrow(obj, what))
}

/// The rows of a struct array (a record batch exported as one array).
fn record_batch(rows: &StructArray) -> Result<RecordBatch, BatchError> {
    if rows.null_count() > 0 {
        return Err(BatchError::Stream {
            message: "a record batch with null rows".into(),
        });
    }
    let schema = Arc::new(Schema::new(rows.fields().clone()));
    Ok(RecordBatch::try_new(schema, rows.columns().to_vec())?)
}

/// One array from `__arrow_c_array__`.
fn import_array(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<ArrayRef> {
    if !obj.hasattr("__arrow_c_array__")? {
        return Err(not_arrow(obj, what));
    }
    let pair = obj.call_method0("__arrow_c_array__")?;
    let (schema, array): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
        pair.extract().map_err(|_| not_arrow(obj, what))?;
    let schema = schema
        .cast::<PyCapsule>()
        .map_err(|_| not_arrow(obj, what))?;
    let array = array
        .cast::<PyCapsule>()
        .map_err(|_| not_arrow(obj, what))?;
    let schema_ptr = schema.pointer_checked(Some(SCHEMA))?;
    let array_ptr = array.pointer_checked(Some(ARRAY))?;
    // SAFETY: capsules named "arrow_schema" and "arrow_array" hold a valid
    // ArrowSchema and ArrowArray (the PyCapsule protocol). The array is moved
    // out (its capsule's copy marked released); the schema is only borrowed
    // while its capsule is alive.
    let data = unsafe {
        let array = FFI_ArrowArray::from_raw(array_ptr.as_ptr().cast());
        let schema = &*(schema_ptr.as_ptr() as *const FFI_ArrowSchema);
        from_ffi(array, schema)
    }
    .map_err(|e| scrub_error(e.into()))?;
    let array = arrow_array::make_array(data);
    check_array(array.as_ref(), what).map_err(scrub_error)?;
    Ok(array)
}

/// Structural validation of foreign data (buffer sizes for the layout):
/// a producer that gets those wrong is an error here. The values (offsets,
/// UTF-8) are trusted, as every consumer of the C data interface does: the
/// producer runs in this process, and a full check would read every child
/// buffer once per record batch (a slice's lists point into the whole).
fn check_array(array: &dyn Array, what: &str) -> Result<(), BatchError> {
    array.to_data().validate().map_err(|e| BatchError::Stream {
        message: format!("{what}: invalid Arrow data: {e}"),
    })
}

fn check_batch(batch: Result<RecordBatch, ArrowError>) -> Result<RecordBatch, BatchError> {
    let batch = batch?;
    for (f, c) in batch.schema().fields().iter().zip(batch.columns()) {
        check_array(c.as_ref(), &format!("column {:?}", f.name()))?;
    }
    Ok(batch)
}

fn catalog_or_embedded(py: Python<'_>, catalog: Option<PyRef<'_, PyCatalog>>) -> PyResult<Catalog> {
    match catalog {
        Some(c) => Ok(c.core().clone()),
        None => py.detach(Catalog::embedded).py(),
    }
}

/// Arrow record batches held in memory, exported through
/// `__arrow_c_stream__` (as many times as asked): `pyarrow.table(x)`,
/// `polars.DataFrame(x)`, `duckdb.arrow(x)` read them without a copy.
#[pyclass(module = "procode._native", name = "ArrowBatches", frozen)]
pub struct PyArrowBatches {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

#[pymethods]
impl PyArrowBatches {
    /// The Arrow PyCapsule stream export.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // The schema is what it is; a requested schema is a hint only.
        let _ = requested_schema;
        let reader = RecordBatchIterator::new(
            self.batches.clone().into_iter().map(Ok),
            self.schema.clone(),
        );
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, STREAM)
    }

    /// The number of rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The column names.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    fn __len__(&self) -> usize {
        self.num_rows()
    }

    fn __repr__(&self) -> String {
        format!(
            "<ArrowBatches {} rows in {} batches: {}>",
            self.num_rows(),
            self.batches.len(),
            self.column_names().join(", ")
        )
    }
}

/// Scrubs claim lines (see the README, "Scrubbing at scale") read from any
/// Arrow exporter; returns the problems. Reads and checks batch by batch
/// with the GIL released, `threads` threads per batch (0: one per core).
#[pyfunction]
#[pyo3(signature = (data, catalog=None, *, threads=0))]
pub fn scrub(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    catalog: Option<PyRef<'_, PyCatalog>>,
    threads: usize,
) -> PyResult<PyArrowBatches> {
    let mut stream = StreamState::open(
        arrow_reader(data, "data")?,
        catalog_or_embedded(py, catalog)?,
        threads,
    );
    let batches = py
        .detach(move || -> Result<Vec<RecordBatch>, BatchError> {
            let mut out = Vec::new();
            while let Some(problems) = stream.next()? {
                out.push(problems);
            }
            Ok(out)
        })
        .map_err(scrub_error)?;
    Ok(PyArrowBatches {
        schema: batch::problems_schema(),
        batches,
    })
}

struct StreamState {
    reader: Reader,
    scrub: Scrub<Catalog>,
    ended: bool,
}

impl StreamState {
    /// A scrub of the batches `reader` yields against `catalog`.
    fn open(reader: Reader, catalog: Catalog, threads: usize) -> StreamState {
        StreamState {
            reader,
            scrub: Scrub::new(catalog).threads(threads),
            ended: false,
        }
    }

    /// The next non-empty problems batch, or `None` at the end.
    fn next(&mut self) -> Result<Option<RecordBatch>, BatchError> {
        while !self.ended {
            let problems = match self.reader.next() {
                Some(b) => self.scrub.push(&check_batch(b)?)?,
                None => {
                    self.ended = true;
                    self.scrub.finish()?
                }
            };
            if problems.num_rows() > 0 {
                return Ok(Some(problems));
            }
        }
        Ok(None)
    }
}

/// A lazy scrub: iterating reads the next input batch, scrubs it (GIL
/// released) and yields the problems of the claims it completed, one
/// `ArrowBatches` at a time. Memory stays bounded by a batch.
#[pyclass(module = "procode._native", name = "ScrubStream", frozen)]
pub struct PyScrubStream {
    state: Mutex<StreamState>,
}

#[pymethods]
impl PyScrubStream {
    #[new]
    #[pyo3(signature = (data, catalog=None, *, threads=0))]
    fn new(
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        catalog: Option<PyRef<'_, PyCatalog>>,
        threads: usize,
    ) -> PyResult<Self> {
        let reader = arrow_reader(data, "data")?;
        let cat = catalog_or_embedded(py, catalog)?;
        Ok(PyScrubStream {
            state: Mutex::new(StreamState::open(reader, cat, threads)),
        })
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyArrowBatches>> {
        let next = py.detach(|| match self.state.lock() {
            Ok(mut s) => s.next().map_err(Ok),
            Err(_) => Err(Err(())),
        });
        match next {
            Ok(b) => Ok(b.map(|b| PyArrowBatches {
                schema: b.schema(),
                batches: vec![b],
            })),
            Err(Ok(e)) => Err(scrub_error(e)),
            Err(Err(())) => Err(PyRuntimeError::new_err(
                "the scrub stream failed in another thread",
            )),
        }
    }
}

/// The verdict of each code (`valid`, `not_effective`, `unknown`,
/// `not_billable`, `malformed`; null where the code or system is null):
/// `codes`, `systems` and `dates` are Arrow arrays (`__arrow_c_array__`)
/// of equal length; `dates` may be None. Returns one column, `verdict`.
#[pyfunction]
#[pyo3(signature = (codes, systems, dates=None, catalog=None))]
pub fn validate_codes(
    py: Python<'_>,
    codes: &Bound<'_, PyAny>,
    systems: &Bound<'_, PyAny>,
    dates: Option<&Bound<'_, PyAny>>,
    catalog: Option<PyRef<'_, PyCatalog>>,
) -> PyResult<PyArrowBatches> {
    let codes = import_array(codes, "codes")?;
    let systems = import_array(systems, "systems")?;
    let dates = dates
        .filter(|d| !d.is_none())
        .map(|d| import_array(d, "dates"))
        .transpose()?;
    let cat = catalog_or_embedded(py, catalog)?;
    let verdicts = py
        .detach(|| batch::validate_codes(&cat, codes.as_ref(), systems.as_ref(), dates.as_deref()))
        .map_err(scrub_error)?;
    let schema = Arc::new(Schema::new(vec![Field::new(
        "verdict",
        DataType::Utf8,
        true,
    )]));
    let b = RecordBatch::try_new(schema.clone(), vec![Arc::new(verdicts)])
        .map_err(|e| scrub_error(e.into()))?;
    Ok(PyArrowBatches {
        schema,
        batches: vec![b],
    })
}

/// The problems schema, as an empty `ArrowBatches`.
#[pyfunction]
pub fn problems_schema() -> PyArrowBatches {
    PyArrowBatches {
        schema: batch::problems_schema(),
        batches: Vec::new(),
    }
}

/// The claim-lines schema with its preferred types, as an empty
/// `ArrowBatches`.
#[pyfunction]
pub fn claim_lines_schema() -> PyArrowBatches {
    PyArrowBatches {
        schema: Arc::new(batch::claim_lines_schema()),
        batches: Vec::new(),
    }
}
