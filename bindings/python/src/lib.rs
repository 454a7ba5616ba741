//! Python bindings of procode: the native module `procode._native`.
//!
//! Thin wrappers: each class holds a core value and converts at the
//! boundary; every rule lives in the `procode` crate. Searches, lookups,
//! index builds and readiness checks release the GIL.
#![deny(missing_docs)]

mod billing;
mod catalog;
mod claims;
mod convert;
mod errors;
mod kept;
mod scrub;

use pyo3::prelude::*;

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::Hierarchy::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // The core's sample ready invoice (H0004 with modifier HO, G0444), as
    // JSON: for the docs and tests, as `procode::claim::EXAMPLE_INVOICE`.
    m.add("EXAMPLE_INVOICE", procode::claim::EXAMPLE_INVOICE)?;
    m.add_class::<catalog::PyCatalog>()?;
    m.add_class::<catalog::PyEntry>()?;
    m.add_class::<catalog::PySearchResults>()?;
    m.add_class::<catalog::PyMatchSpan>()?;
    m.add_class::<catalog::PyMappedSource>()?;
    m.add_class::<billing::PyCodeLine>()?;
    m.add_class::<billing::PyEditBatch>()?;
    m.add_class::<billing::PyEditOutcome>()?;
    m.add_class::<billing::PyCompletion>()?;
    m.add_class::<billing::PyLineDifference>()?;
    m.add_class::<billing::PyAuditEntry>()?;
    m.add_class::<billing::PyPayment>()?;
    m.add_class::<billing::PyService>()?;
    m.add_class::<billing::PySession>()?;
    m.add_class::<billing::PyInvoice>()?;
    m.add_class::<billing::PyEncounter>()?;
    m.add_class::<billing::PyFeeSchedule>()?;
    m.add_class::<billing::PyEditPolicy>()?;
    m.add_class::<billing::PyProblem>()?;
    m.add_function(wrap_pyfunction!(billing::readiness, m)?)?;
    m.add_function(wrap_pyfunction!(billing::document_from_json, m)?)?;
    m.add_function(wrap_pyfunction!(billing::document_from_dict, m)?)?;
    m.add_function(wrap_pyfunction!(claims::export_claim, m)?)?;
    m.add_function(wrap_pyfunction!(catalog::build_edits, m)?)?;
    m.add_function(wrap_pyfunction!(claims::claim_problems, m)?)?;
    scrub::register(m)?;
    Ok(())
}
