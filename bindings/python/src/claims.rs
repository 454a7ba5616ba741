//! Claim export: `export_claim` and `claim_problems`. Every rule lives in
//! `procode::claim`; this converts arguments and errors.

use procode::claim::{self, ClaimContext, ClaimFormat};
use procode::Catalog;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::billing::{document_arg, PyProblem};
use crate::catalog::PyCatalog;
use crate::convert::py_to_json;
use crate::errors::{IntoPyErr, PyResultExt};

/// A claim context from a JSON string or a dict.
fn context_arg(context: &Bound<'_, PyAny>) -> PyResult<ClaimContext> {
    let json = if let Ok(s) = context.cast::<PyString>() {
        s.extract::<String>()?
    } else {
        py_to_json(context, "claim context")?
    };
    ClaimContext::from_json(&json).py()
}

/// The catalog argument, or the embedded default catalog.
fn catalog_arg(catalog: Option<PyRef<'_, PyCatalog>>) -> PyResult<Catalog> {
    match catalog {
        Some(c) => Ok(c.core().clone()),
        None => Catalog::embedded().map_err(IntoPyErr::into_py_err),
    }
}

/// Exports a claim for a ready invoice (or completed session) with a claim
/// context (JSON string or dict): `format` is `"x12"` (837P 005010X222A1),
/// `"fhir"` (R4 Claim JSON) or `"cms1500"` (box map JSON). Codes are checked
/// in `catalog` (the embedded catalog when None). Raises `ClaimNotReady`
/// naming every problem. Releases the GIL.
#[pyfunction]
#[pyo3(signature = (document, context, format="x12", catalog=None))]
pub fn export_claim(
    py: Python<'_>,
    document: &Bound<'_, PyAny>,
    context: &Bound<'_, PyAny>,
    format: &str,
    catalog: Option<PyRef<'_, PyCatalog>>,
) -> PyResult<String> {
    let doc = document_arg(document, "export_claim exports")?;
    let format: ClaimFormat = format.parse().py()?;
    let ctx = context_arg(context)?;
    let cat = catalog_arg(catalog)?;
    py.detach(|| claim::export(&doc, &ctx, &cat, format)).py()
}

/// Every problem that stops a claim for `document` with `context`:
/// readiness, the claim rules, then the context's. Empty when the claim can
/// be exported. Releases the GIL.
#[pyfunction]
#[pyo3(signature = (document, context, catalog=None))]
pub fn claim_problems(
    py: Python<'_>,
    document: &Bound<'_, PyAny>,
    context: &Bound<'_, PyAny>,
    catalog: Option<PyRef<'_, PyCatalog>>,
) -> PyResult<Vec<PyProblem>> {
    let doc = document_arg(document, "claim_problems checks")?;
    let ctx = context_arg(context)?;
    let cat = catalog_arg(catalog)?;
    let problems = py.detach(|| claim::check(&doc, &ctx, &cat));
    Ok(problems.into_iter().map(PyProblem::new).collect())
}
