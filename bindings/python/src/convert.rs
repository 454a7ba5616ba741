//! Conversions at the boundary: code systems, dates, times, money and JSON.
//! No rule lives here: every value is parsed and checked by the core.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use procode::billing::{Currency, Money};
use procode::CodeSystem;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDate, PyDateTime, PyFloat, PyInt, PyString, PyType};
use rust_decimal::Decimal;

use crate::errors::{document_error, invalid_money, PyResultExt};

/// A code system named by a case-insensitive string (`hcpcs`, `icd10cm`, ...).
pub fn system(name: &str) -> PyResult<CodeSystem> {
    name.parse::<CodeSystem>().py()
}

/// An optional code system.
pub fn opt_system(name: Option<&str>) -> PyResult<Option<CodeSystem>> {
    name.map(system).transpose()
}

/// A `datetime.date` (a `datetime.datetime`, a string or anything else is a
/// `TypeError`: a date of service is a calendar day).
pub fn date(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<NaiveDate> {
    if obj.is_instance_of::<PyDateTime>() || !obj.is_instance_of::<PyDate>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a datetime.date, not {}",
            obj.get_type().name()?
        )));
    }
    obj.extract()
}

/// An optional date (`None` passes through).
pub fn opt_date(obj: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<NaiveDate>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => date(o, what).map(Some),
    }
}

/// A timezone-aware `datetime.datetime`, as UTC.
pub fn instant(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<DateTime<Utc>> {
    if !obj.is_instance_of::<PyDateTime>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a timezone-aware datetime.datetime, not {}",
            obj.get_type().name()?
        )));
    }
    let t: DateTime<FixedOffset> = obj.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "{what} must be timezone-aware (e.g. datetime.now(timezone.utc))"
        ))
    })?;
    Ok(t.with_timezone(&Utc))
}

/// An amount given as `decimal.Decimal` or `int`; a `float` (or anything else)
/// is a `TypeError`, so no binary fraction ever touches money.
pub fn decimal(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Decimal> {
    let py = obj.py();
    let is_int = obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>();
    if !is_int && !obj.is_instance(decimal_type(py)?)? {
        let hint = if obj.is_instance_of::<PyFloat>() {
            " (floats are refused for money: use decimal.Decimal(\"120.00\"))"
        } else {
            ""
        };
        return Err(PyTypeError::new_err(format!(
            "{what} must be a decimal.Decimal or an int, not {}{hint}",
            obj.get_type().name()?
        )));
    }
    // `format(d, "f")` never uses exponent notation.
    let text: String = py
        .import("builtins")?
        .getattr("format")?
        .call1((obj, "f"))?
        .extract()?;
    text.parse::<Decimal>().map_err(|_| {
        invalid_money(format!(
            "{what}: {text:?} is not a decimal amount procode can hold (at most 28 digits)"
        ))
    })
}

/// An amount in a currency, checked by the core.
pub fn money(obj: &Bound<'_, PyAny>, currency: &str, what: &str) -> PyResult<Money> {
    let amount = decimal(obj, what)?;
    let currency: Currency = currency.parse().py()?;
    Money::new(amount, currency).py()
}

fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    DECIMAL.import(py, "decimal", "Decimal")
}

/// A `decimal.Decimal` for a core amount.
pub fn to_decimal(py: Python<'_>, d: Decimal) -> PyResult<Py<PyAny>> {
    Ok(decimal_type(py)?.call1((d.to_string(),))?.unbind())
}

/// JSON text of a core value (the core's serde form).
pub fn to_json<T: serde::Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| document_error(e.to_string()))
}

/// A core value from JSON text.
pub fn from_json<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> PyResult<T> {
    serde_json::from_str(json).map_err(|e| document_error(format!("invalid {what} JSON: {e}")))
}

/// `json.loads(text)`: the JSON form as Python dicts, lists and strings.
pub fn json_to_py(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let loads = LOADS.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("json")?.getattr("loads")?.unbind())
    })?;
    Ok(loads.bind(py).call1((text,))?.unbind())
}

/// `json.dumps(obj)`: a dict in the JSON form back to text.
pub fn py_to_json(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    let py = obj.py();
    static DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let dumps = DUMPS.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("json")?.getattr("dumps")?.unbind())
    })?;
    let text = dumps.bind(py).call1((obj,)).map_err(|e| {
        document_error(format!(
            "{what} dict is not in the JSON form (money as strings, dates as ISO strings): {e}"
        ))
    })?;
    text.cast_into::<PyString>()?.extract()
}
