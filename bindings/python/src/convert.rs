//! Conversions at the boundary: code systems, dates, times, money and JSON.
//! No rule lives here: every value is parsed and checked by the core.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use procode::billing::{Currency, LineError, Money};
use procode::CodeSystem;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDate, PyDateTime, PyFloat, PyInt, PyString, PyType};
use rust_decimal::Decimal;

use crate::errors::{document_error, invalid_money, IntoPyErr, PyResultExt};

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

/// A core value from JSON text (unknown fields refused, the message naming
/// the field's path).
pub fn from_json<T: serde::de::DeserializeOwned>(json: &str, what: &'static str) -> PyResult<T> {
    procode::billing::parse_json(json, what).map_err(|e| document_error(e.to_string()))
}

/// A whole number for a field that takes `min..=max`: an `int` (not a
/// `bool`); anything else is a `TypeError`, a number outside the range
/// `out_of_range(value as text)`.
pub fn int_in_range(
    obj: &Bound<'_, PyAny>,
    field: &str,
    min: i128,
    max: i128,
    out_of_range: impl FnOnce(String) -> PyErr,
) -> PyResult<i128> {
    if !obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{field} must be an int, not {}",
            obj.get_type().name()?
        )));
    }
    match obj.extract::<i128>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        Ok(v) => Err(out_of_range(v.to_string())),
        // Wider than 128 bits.
        Err(_) => Err(out_of_range(obj.str()?.to_cow()?.into_owned())),
    }
}

/// Units (1 to 4294967295): out of range is `InvalidLine` naming `units`.
pub fn units(obj: &Bound<'_, PyAny>) -> PyResult<u32> {
    let v = int_in_range(obj, "units", i128::MIN, i128::MAX, |text| {
        LineError::units_out_of_range(text).into_py_err()
    })?;
    LineError::units(v).py()
}

/// A list of strings (codes): a `str` alone is a `TypeError` saying what the
/// argument takes (`expects` is e.g. `ICD-10-CM codes such as ["F41.1"]`).
pub fn str_list(obj: &Bound<'_, PyAny>, field: &str, expects: &str) -> PyResult<Vec<String>> {
    let wrong = || -> PyResult<PyErr> {
        Ok(PyTypeError::new_err(format!(
            "{field} must be a list of {expects}, not {}",
            obj.get_type().name()?
        )))
    };
    if obj.is_instance_of::<PyString>() {
        return Err(wrong()?);
    }
    let Ok(items) = obj.try_iter() else {
        return Err(wrong()?);
    };
    items
        .map(|item| {
            let item = item?;
            item.cast::<PyString>()
                .map_err(|_| {
                    PyTypeError::new_err(format!(
                        "{field} must be a list of {expects}: found a {}",
                        item.get_type()
                            .name()
                            .map(|n| n.to_string())
                            .unwrap_or_default()
                    ))
                })
                .and_then(|s| Ok(s.to_cow()?.into_owned()))
        })
        .collect()
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
