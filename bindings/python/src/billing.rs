//! The billing model: documents, code lines, edit batches, flows, rates,
//! policy, audit and readiness. Every class holds a core value; every rule is
//! the core's.

use chrono::{DateTime, NaiveDate, Utc};
use procode::billing::{
    readiness as core_readiness, AuditEntry, BillingDocument, BookingRequest, CodeChange, CodeLine,
    Completion, Document, EditBatch, EditOp, EditOutcome, EditPolicy, Editor, Encounter, FeeEntry,
    FeeSchedule, Invoice, LineChanges, LineDifference, Payment, Pricing, Problem, ProblemCode,
    ProblemDetail, RateSource, Revisioned, Service, Session,
};
use procode::{Code, CodeSystem};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::catalog::{PyCatalog, PyEntry};
use crate::convert::{
    self, decimal, from_json, instant, json_to_py, money, opt_date, py_to_json, to_decimal, to_json,
};
use crate::errors::{document_error, invalid_argument, policy_error, PyResultExt};

// ---------------------------------------------------------------- helpers

/// The `expected_revision=` argument: None, or a whole number (a bool or a
/// negative number is `InvalidArgument`).
fn expected_revision_arg(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<u64>> {
    let Some(v) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    let bad = || {
        invalid_argument(format!(
            "expected_revision: a revision is a whole number from 1, not {}",
            v.repr().map_or_else(|_| "?".to_owned(), |r| r.to_string())
        ))
    };
    if v.is_instance_of::<pyo3::types::PyBool>() {
        return Err(bad());
    }
    v.extract::<u64>().map(Some).map_err(|_| bad())
}

/// The fee schedules given as `pricing=`.
fn schedules(pricing: Option<Vec<PyRef<'_, PyFeeSchedule>>>) -> Vec<FeeSchedule> {
    pricing
        .unwrap_or_default()
        .iter()
        .map(|s| s.inner.clone())
        .collect()
}

/// Who edits, when, under which policy and prices: the core `Editor`.
struct EditorArgs {
    actor: String,
    at: DateTime<Utc>,
    policy: Option<EditPolicy>,
    schedules: Vec<FeeSchedule>,
}

impl EditorArgs {
    fn new(
        actor: String,
        at: &Bound<'_, PyAny>,
        policy: Option<PyRef<'_, PyEditPolicy>>,
        pricing: Option<Vec<PyRef<'_, PyFeeSchedule>>>,
    ) -> PyResult<Self> {
        Ok(EditorArgs {
            actor,
            at: instant(at, "at")?,
            policy: policy.map(|p| p.inner.clone()),
            schedules: schedules(pricing),
        })
    }

    fn run<R>(&self, f: impl FnOnce(&Editor<'_>) -> R) -> R {
        let mut ed =
            Editor::new(self.actor.clone(), self.at).with_pricing(Pricing::new(&self.schedules));
        if let Some(p) = &self.policy {
            ed = ed.with_policy(p);
        }
        f(&ed)
    }
}

fn strs(items: &[Code]) -> Vec<&str> {
    items.iter().map(Code::as_str).collect()
}

fn lines_of(lines: &[CodeLine]) -> Vec<PyCodeLine> {
    lines
        .iter()
        .map(|l| PyCodeLine { inner: l.clone() })
        .collect()
}

fn audit_of(entries: &[AuditEntry]) -> Vec<PyAuditEntry> {
    entries
        .iter()
        .map(|e| PyAuditEntry { inner: e.clone() })
        .collect()
}

fn diagnoses_of(doc: &dyn BillingDocument) -> Vec<String> {
    doc.diagnoses()
        .iter()
        .map(|c| c.display_for(CodeSystem::Icd10Cm))
        .collect()
}

/// The JSON text given to `from_dict`.
fn dict_json(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    py_to_json(obj, what)
}

// ---------------------------------------------------------------- code lines

/// One code on a service, session or invoice (immutable value). Build one
/// with `CodeLine(code, system, description, ...)` for a code typed by hand or
/// `CodeLine.from_entry(entry, ...)` for a catalog pick.
#[pyclass(module = "procode._native", name = "CodeLine", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyCodeLine {
    pub inner: CodeLine,
}

/// What `modifiers=` takes, for messages.
const MODIFIERS: &str = "modifier codes such as [\"HO\", \"GT\"]";
/// What `diagnoses=` takes, for messages.
const DIAGNOSES: &str = "ICD-10-CM codes such as [\"F41.1\"]";

#[allow(clippy::too_many_arguments)]
fn finish_line(
    mut line: CodeLine,
    id: Option<String>,
    description: Option<String>,
    units: Option<&Bound<'_, PyAny>>,
    modifiers: Option<&Bound<'_, PyAny>>,
    diagnoses: Option<&Bound<'_, PyAny>>,
    place_of_service: Option<&str>,
    date_of_service: Option<&Bound<'_, PyAny>>,
    rate: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyCodeLine> {
    if let Some(id) = id {
        line = line.with_id(id);
    }
    if let Some(d) = description {
        line = line.with_description(d);
    }
    if let Some(u) = units.filter(|u| !u.is_none()) {
        line = line.with_units(convert::units(u)?).py()?;
    }
    if let Some(m) = modifiers.filter(|m| !m.is_none()) {
        let m = convert::str_list(m, "modifiers", MODIFIERS)?;
        line = line.with_modifiers(m.iter().map(String::as_str)).py()?;
    }
    if let Some(d) = diagnoses.filter(|d| !d.is_none()) {
        let d = convert::str_list(d, "diagnoses", DIAGNOSES)?;
        line = line.with_diagnoses(d.iter().map(String::as_str)).py()?;
    }
    if let Some(p) = place_of_service {
        line = line.with_place_of_service(p).py()?;
    }
    if let Some(d) = opt_date(date_of_service, "date_of_service")? {
        line = line.with_date_of_service(d);
    }
    if let Some(r) = rate.filter(|r| !r.is_none()) {
        line = line.with_rate_override(decimal(r, "rate")?).py()?;
    }
    Ok(PyCodeLine { inner: line })
}

#[pymethods]
impl PyCodeLine {
    /// A line for a code typed by hand (provenance `manual`): the code must
    /// have the shape of its system.
    #[new]
    #[pyo3(
        signature = (code, system, description, *, id=None, units=None, modifiers=None, diagnoses=None, place_of_service=None, date_of_service=None, rate=None),
        text_signature = "(code, system, description, *, id=None, units=1, modifiers=..., diagnoses=..., place_of_service=None, date_of_service=None, rate=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn new(
        code: &str,
        system: &str,
        description: String,
        id: Option<String>,
        units: Option<&Bound<'_, PyAny>>,
        modifiers: Option<&Bound<'_, PyAny>>,
        diagnoses: Option<&Bound<'_, PyAny>>,
        place_of_service: Option<&str>,
        date_of_service: Option<&Bound<'_, PyAny>>,
        rate: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let line = CodeLine::manual(convert::system(system)?, code, description).py()?;
        finish_line(
            line,
            id,
            None,
            units,
            modifiers,
            diagnoses,
            place_of_service,
            date_of_service,
            rate,
        )
    }

    /// A line for a catalog entry (provenance `catalog`): the official
    /// description is captured; `description` overrides the shown one.
    #[staticmethod]
    #[pyo3(
        signature = (entry, *, id=None, description=None, units=None, modifiers=None, diagnoses=None, place_of_service=None, date_of_service=None, rate=None),
        text_signature = "(entry, *, id=None, description=None, units=1, modifiers=..., diagnoses=..., place_of_service=None, date_of_service=None, rate=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn from_entry(
        entry: PyRef<'_, PyEntry>,
        id: Option<String>,
        description: Option<String>,
        units: Option<&Bound<'_, PyAny>>,
        modifiers: Option<&Bound<'_, PyAny>>,
        diagnoses: Option<&Bound<'_, PyAny>>,
        place_of_service: Option<&str>,
        date_of_service: Option<&Bound<'_, PyAny>>,
        rate: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        finish_line(
            CodeLine::from_entry(entry.entry()?),
            id,
            description,
            units,
            modifiers,
            diagnoses,
            place_of_service,
            date_of_service,
            rate,
        )
    }

    /// The line id (`""` until the line is added to a document).
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }
    /// The normalised code (`H0004`, `F411`).
    #[getter]
    fn code(&self) -> &str {
        self.inner.code.as_str()
    }
    /// The code as people write it (`F41.1`).
    #[getter]
    fn display_code(&self) -> String {
        self.inner.code.display_for(self.inner.system)
    }
    /// The code system.
    #[getter]
    fn system(&self) -> &'static str {
        self.inner.system.as_str()
    }
    /// `"catalog"` (picked from the catalog) or `"manual"` (typed by hand).
    #[getter]
    fn provenance(&self) -> PyResult<String> {
        serde_string(&self.inner.provenance)
    }
    /// The official description captured when the code was picked.
    #[getter]
    fn official_description(&self) -> Option<&str> {
        self.inner.official_description.as_deref()
    }
    /// The description shown on the document.
    #[getter]
    fn description(&self) -> &str {
        &self.inner.description
    }
    /// Units (at least one).
    #[getter]
    fn units(&self) -> u32 {
        self.inner.units
    }
    /// Modifiers, in order.
    #[getter]
    fn modifiers(&self) -> Vec<&str> {
        strs(&self.inner.modifiers)
    }
    /// Diagnosis pointers (ICD-10-CM codes as written, `F41.1`).
    #[getter]
    fn diagnoses(&self) -> Vec<String> {
        self.inner
            .diagnoses
            .iter()
            .map(|c| c.display_for(CodeSystem::Icd10Cm))
            .collect()
    }
    /// Place of service (`11`).
    #[getter]
    fn place_of_service(&self) -> Option<&str> {
        self.inner.place_of_service.as_ref().map(Code::as_str)
    }
    /// Date of service.
    #[getter]
    fn date_of_service(&self) -> Option<NaiveDate> {
        self.inner.date_of_service
    }
    /// Rate per unit as a `Decimal`, if the line has one.
    #[getter]
    fn rate(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.inner
            .rate
            .as_ref()
            .map(|r| to_decimal(py, r.per_unit))
            .transpose()
    }
    /// Where the rate came from, in its JSON form (`{"kind": "override"}`,
    /// `{"kind": "payer_schedule", "schedule_id": ..., "entry": ...}`, ...).
    #[getter]
    fn rate_source(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.inner
            .rate
            .as_ref()
            .map(|r| json_to_py(py, &to_json::<RateSource>(&r.source)?))
            .transpose()
    }
    /// The billed amount in a currency (rate × units, rounded), or None
    /// without a rate.
    #[pyo3(signature = (currency="USD"))]
    fn amount(&self, py: Python<'_>, currency: &str) -> PyResult<Option<Py<PyAny>>> {
        let c = currency.parse().py()?;
        self.inner.amount(c).map(|d| to_decimal(py, d)).transpose()
    }
    fn to_json(&self) -> PyResult<String> {
        to_json(&self.inner)
    }
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<Self> {
        let inner: CodeLine = from_json(json, "code line")?;
        inner.validate().py()?;
        Ok(PyCodeLine { inner })
    }
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &self.to_json()?)
    }
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::from_json(&dict_json(data, "code line")?)
    }
    fn __repr__(&self) -> String {
        let l = &self.inner;
        let id = if l.id.is_empty() {
            String::new()
        } else {
            format!("{} ", l.id)
        };
        format!(
            "<CodeLine {id}{} {} x{} {:?}>",
            l.system.as_str(),
            l.code.display_for(l.system),
            l.units,
            l.description
        )
    }
}

fn serde_string<T: serde::Serialize>(v: &T) -> PyResult<String> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Ok(other.to_string()),
        Err(e) => Err(document_error(e.to_string())),
    }
}

/// A name of one of the core's vocabularies, parsed by its `FromStr`.
fn parse_name<T: std::str::FromStr<Err = procode::UnknownName>>(
    s: &str,
    what: &str,
) -> PyResult<T> {
    s.parse::<T>()
        .map_err(|e| invalid_argument(format!("invalid {what} {s:?}: {e}")))
}

// ---------------------------------------------------------------- edit batches

/// An atomic batch of code edits: lines added, edited or removed. Applied
/// entirely or not at all. The builder methods return the batch, so calls
/// chain: `EditBatch().add(line).edit("L1", units=2).remove("L2")`.
#[pyclass(module = "procode._native", name = "EditBatch", eq)]
#[derive(Clone, Default, PartialEq)]
pub struct PyEditBatch {
    inner: EditBatch,
}

#[pymethods]
impl PyEditBatch {
    #[new]
    fn new() -> Self {
        PyEditBatch::default()
    }

    /// Adds a line (an id is assigned when it has none). Mutates this batch
    /// in place and returns it, so calls chain.
    fn add<'py>(slf: Bound<'py, Self>, line: PyRef<'py, PyCodeLine>) -> Bound<'py, Self> {
        {
            let mut b = slf.borrow_mut();
            b.inner.push(EditOp::Add(line.inner.clone()));
        }
        slf
    }

    /// Edits line `line_id`; only the fields given change. `code` is a
    /// catalog `Entry` (or a code typed by hand, with `system`); `rate` is a
    /// `Decimal` override or `"resolve"` to re-resolve from the schedules.
    /// Mutates this batch in place (nothing is applied until the batch is)
    /// and returns it, so calls chain.
    #[pyo3(signature = (line_id, *, code=None, system=None, description=None, units=None, modifiers=None, diagnoses=None, place_of_service=None, date_of_service=None, rate=None))]
    #[allow(clippy::too_many_arguments)]
    fn edit<'py>(
        slf: Bound<'py, Self>,
        line_id: String,
        code: Option<&Bound<'py, PyAny>>,
        system: Option<&str>,
        description: Option<String>,
        units: Option<&Bound<'py, PyAny>>,
        modifiers: Option<&Bound<'py, PyAny>>,
        diagnoses: Option<&Bound<'py, PyAny>>,
        place_of_service: Option<&str>,
        date_of_service: Option<&Bound<'py, PyAny>>,
        rate: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, Self>> {
        let mut c = LineChanges::default();
        if let Some(code) = code.filter(|c| !c.is_none()) {
            let change = if let Ok(e) = code.cast::<PyEntry>() {
                CodeChange::from_entry(e.get().entry()?)
            } else if let Ok(s) = code.cast::<PyString>() {
                let text = s.to_cow()?;
                let system = system.ok_or_else(|| {
                    invalid_argument(format!(
                        "code={text:?} is typed by hand: give its system too, e.g. system=\"hcpcs\" (or pass a catalog Entry as code)"
                    ))
                })?;
                CodeChange::manual(convert::system(system)?, &text).py()?
            } else {
                return Err(PyTypeError::new_err(format!(
                    "code must be an Entry (a catalog pick) or a str (typed by hand, with system=), not {}",
                    code.get_type().name()?
                )));
            };
            c = c.code(change);
        }
        if let Some(d) = description {
            c = c.description(d);
        }
        if let Some(u) = units.filter(|u| !u.is_none()) {
            c = c.units(convert::units(u)?);
        }
        if let Some(m) = modifiers.filter(|m| !m.is_none()) {
            let m = convert::str_list(m, "modifiers", MODIFIERS)?;
            c = c.modifiers(m.iter().map(String::as_str)).py()?;
        }
        if let Some(d) = diagnoses.filter(|d| !d.is_none()) {
            let d = convert::str_list(d, "diagnoses", DIAGNOSES)?;
            c = c.diagnoses(d.iter().map(String::as_str)).py()?;
        }
        if let Some(p) = place_of_service {
            c = c.place_of_service(p).py()?;
        }
        if let Some(d) = opt_date(date_of_service, "date_of_service")? {
            c = c.date_of_service(d);
        }
        if let Some(r) = rate.filter(|r| !r.is_none()) {
            c = match r.cast::<PyString>() {
                Ok(s) if &s.to_cow()? == "resolve" => c.resolve_rate(),
                Ok(s) => {
                    return Err(invalid_argument(format!(
                        "rate={:?}: give a decimal.Decimal, an int or \"resolve\"",
                        s.to_cow()?
                    )))
                }
                Err(_) => c.rate_override(decimal(r, "rate")?),
            };
        }
        {
            let mut b = slf.borrow_mut();
            b.inner.push(EditOp::Edit {
                line_id,
                changes: c,
            });
        }
        Ok(slf)
    }

    /// Removes line `line_id`. Mutates this batch in place and returns it,
    /// so calls chain.
    fn remove(slf: Bound<'_, Self>, line_id: String) -> Bound<'_, Self> {
        {
            let mut b = slf.borrow_mut();
            b.inner.push(EditOp::Remove { line_id });
        }
        slf
    }

    fn __len__(&self) -> usize {
        self.inner.ops().len()
    }
    fn to_json(&self) -> PyResult<String> {
        to_json(&self.inner)
    }
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<Self> {
        Ok(PyEditBatch {
            inner: from_json(json, "edit batch")?,
        })
    }
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &self.to_json()?)
    }
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::from_json(&dict_json(data, "edit batch")?)
    }
    fn __repr__(&self) -> String {
        format!("<EditBatch {} ops>", self.inner.ops().len())
    }
}

fn batch_or_empty(batch: Option<PyRef<'_, PyEditBatch>>) -> EditBatch {
    batch.map(|b| b.inner.clone()).unwrap_or_default()
}

// ---------------------------------------------------------------- outcomes

/// What an applied batch changed.
#[pyclass(module = "procode._native", name = "EditOutcome", frozen)]
pub struct PyEditOutcome {
    inner: EditOutcome,
}

#[pymethods]
impl PyEditOutcome {
    /// `"service"`, `"session"` or `"invoice"`.
    #[getter]
    fn document_kind(&self) -> &'static str {
        self.inner.document.kind.as_str()
    }
    /// The document's id.
    #[getter]
    fn document_id(&self) -> &str {
        &self.inner.document.id
    }
    /// Ids of the lines added, changed or removed.
    #[getter]
    fn changed_lines(&self) -> Vec<String> {
        self.inner.changed_lines.clone()
    }
    /// A sent invoice changed: the client must be sent the new version.
    #[getter]
    fn must_resend(&self) -> bool {
        self.inner.must_resend
    }
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &to_json(&self.inner)?)
    }
    fn __repr__(&self) -> String {
        format!(
            "<EditOutcome {} changed={:?} must_resend={}>",
            self.inner.document,
            self.inner.changed_lines,
            if self.inner.must_resend {
                "True"
            } else {
                "False"
            }
        )
    }
}

/// A line that differs between a session and its invoice after a
/// completion left a paid invoice unchanged.
#[pyclass(module = "procode._native", name = "LineDifference", frozen)]
pub struct PyLineDifference {
    inner: LineDifference,
}

#[pymethods]
impl PyLineDifference {
    /// The line id.
    #[getter]
    fn line_id(&self) -> &str {
        &self.inner.line_id
    }
    /// The session's line (None when the session no longer has it).
    #[getter]
    fn session(&self) -> Option<PyCodeLine> {
        self.inner.session.clone().map(|inner| PyCodeLine { inner })
    }
    /// The invoice's line (None when the invoice does not have it).
    #[getter]
    fn invoice(&self) -> Option<PyCodeLine> {
        self.inner.invoice.clone().map(|inner| PyCodeLine { inner })
    }
    fn __repr__(&self) -> String {
        format!("<LineDifference {}>", self.inner.line_id)
    }
}

/// The result of marking a session complete.
#[pyclass(module = "procode._native", name = "Completion", frozen)]
pub struct PyCompletion {
    inner: Completion,
}

#[pymethods]
impl PyCompletion {
    /// Lines of the session added, changed or removed.
    #[getter]
    fn session_changes(&self) -> Vec<String> {
        self.inner.session_changes.clone()
    }
    /// What happened to the invoice, in its JSON form:
    /// `{"kind": "created", "invoice_id": ...}`,
    /// `{"kind": "updated", "changed_lines": [...], "must_resend": ...}` or
    /// `{"kind": "unchanged", "state": "paid"}`.
    #[getter]
    fn invoice(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &to_json(&self.inner.invoice)?)
    }
    /// When the invoice was left unchanged: the lines that now differ.
    #[getter]
    fn differences(&self) -> Vec<PyLineDifference> {
        self.inner
            .differences
            .iter()
            .map(|d| PyLineDifference { inner: d.clone() })
            .collect()
    }
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &to_json(&self.inner)?)
    }
    fn __repr__(&self) -> PyResult<String> {
        Ok(format!(
            "<Completion session_changes={:?} invoice={}>",
            self.inner.session_changes,
            to_json(&self.inner.invoice)?
        ))
    }
}

/// One recorded code change: when, who, where, the line before and after.
#[pyclass(module = "procode._native", name = "AuditEntry", frozen)]
pub struct PyAuditEntry {
    inner: AuditEntry,
}

#[pymethods]
impl PyAuditEntry {
    /// When (UTC).
    #[getter]
    fn at(&self) -> DateTime<Utc> {
        self.inner.at
    }
    /// Who (the host's actor string).
    #[getter]
    fn actor(&self) -> &str {
        &self.inner.actor
    }
    /// The edit context (`service`, `booking_review`, ...).
    #[getter]
    fn context(&self) -> &'static str {
        self.inner.context.as_str()
    }
    /// `add`, `edit` or `remove`.
    #[getter]
    fn action(&self) -> &'static str {
        self.inner.action.as_str()
    }
    /// The line id.
    #[getter]
    fn line_id(&self) -> &str {
        &self.inner.line_id
    }
    /// The line before (None for an add).
    #[getter]
    fn before(&self) -> Option<PyCodeLine> {
        self.inner.before.clone().map(|inner| PyCodeLine { inner })
    }
    /// The line after (None for a remove).
    #[getter]
    fn after(&self) -> Option<PyCodeLine> {
        self.inner.after.clone().map(|inner| PyCodeLine { inner })
    }
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &to_json(&self.inner)?)
    }
    fn __repr__(&self) -> String {
        format!(
            "<AuditEntry {} {} {} {} by {:?}>",
            self.inner.at.to_rfc3339(),
            self.inner.context.as_str(),
            self.inner.action.as_str(),
            self.inner.line_id,
            self.inner.actor
        )
    }
}

// ---------------------------------------------------------------- payments

/// A payment received against an invoice.
#[pyclass(module = "procode._native", name = "Payment", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyPayment {
    inner: Payment,
}

#[pymethods]
impl PyPayment {
    #[new]
    #[pyo3(signature = (id, amount, received_at, *, currency="USD"))]
    fn new(
        id: String,
        amount: &Bound<'_, PyAny>,
        received_at: &Bound<'_, PyAny>,
        currency: &str,
    ) -> PyResult<Self> {
        let amount = money(amount, currency, "amount")?;
        Ok(PyPayment {
            inner: Payment::new(id, amount, instant(received_at, "received_at")?),
        })
    }
    /// The host's id for the payment.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }
    /// The amount as a `Decimal`.
    #[getter]
    fn amount(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_decimal(py, self.inner.amount.amount())
    }
    /// The currency code.
    #[getter]
    fn currency(&self) -> &'static str {
        self.inner.amount.currency().as_str()
    }
    /// When it was received (UTC).
    #[getter]
    fn received_at(&self) -> DateTime<Utc> {
        self.inner.received_at
    }
    fn __repr__(&self) -> String {
        format!("<Payment {} {}>", self.inner.id, self.inner.amount)
    }
}

// ---------------------------------------------------------------- documents

/// What a practice offers, with the code lines every booking starts from.
#[pyclass(module = "procode._native", name = "Service", eq)]
#[derive(Clone, PartialEq)]
pub struct PyService {
    inner: Service,
}

#[pymethods]
impl PyService {
    #[new]
    #[pyo3(signature = (id, name, price, *, currency="USD", paid_in_advance=false, insurance_billable=true))]
    fn new(
        id: String,
        name: String,
        price: &Bound<'_, PyAny>,
        currency: &str,
        paid_in_advance: bool,
        insurance_billable: bool,
    ) -> PyResult<Self> {
        let price = money(price, currency, "price")?;
        Ok(PyService {
            inner: Service::new(id, name, price)
                .with_paid_in_advance(paid_in_advance)
                .with_insurance_billable(insurance_billable),
        })
    }
    /// The id.
    #[getter]
    fn id(&self) -> &str {
        self.inner.id()
    }
    /// The revision: 1 for a new service, plus one for every change.
    #[getter]
    fn revision(&self) -> u64 {
        self.inner.revision()
    }
    /// Changes the name and/or the price in one step, against
    /// `expected_revision` if given (`StaleDocument` otherwise, and nothing
    /// changes).
    #[pyo3(signature = (*, name=None, price=None, expected_revision=None))]
    fn update(
        &mut self,
        name: Option<String>,
        price: Option<&Bound<'_, PyAny>>,
        expected_revision: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let expected = expected_revision_arg(expected_revision)?;
        let price = match price.filter(|p| !p.is_none()) {
            Some(p) => Some(money(p, self.inner.price().currency().as_str(), "price")?),
            None => None,
        };
        let svc = self.inner.expect_revision(expected).py()?;
        if let Some(n) = name {
            svc.set_name(n);
        }
        if let Some(p) = price {
            svc.set_price(p);
        }
        Ok(())
    }
    /// The name (settable).
    #[getter]
    fn get_name(&self) -> &str {
        self.inner.name()
    }
    #[setter]
    fn set_name(&mut self, name: String) {
        self.inner.set_name(name);
    }
    /// The price as a `Decimal` (settable; bookings already made keep theirs).
    #[getter]
    fn get_price(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_decimal(py, self.inner.price().amount())
    }
    #[setter]
    fn set_price(&mut self, price: &Bound<'_, PyAny>) -> PyResult<()> {
        let m = money(price, self.inner.price().currency().as_str(), "price")?;
        self.inner.set_price(m);
        Ok(())
    }
    /// The currency code.
    #[getter]
    fn currency(&self) -> &'static str {
        self.inner.price().currency().as_str()
    }
    /// Whether bookings go through review and confirmation.
    #[getter]
    fn paid_in_advance(&self) -> bool {
        self.inner.paid_in_advance()
    }
    /// Whether the service can be billed to insurance.
    #[getter]
    fn insurance_billable(&self) -> bool {
        self.inner.insurance_billable()
    }
    /// The default code lines.
    #[getter]
    fn lines(&self) -> Vec<PyCodeLine> {
        lines_of(self.inner.lines())
    }
    /// Every ICD-10-CM code the lines point at.
    #[getter]
    fn diagnoses(&self) -> Vec<String> {
        diagnoses_of(&self.inner)
    }
    /// The append-only log of code changes.
    #[getter]
    fn audit(&self) -> Vec<PyAuditEntry> {
        audit_of(self.inner.audit().entries())
    }
    /// Applies a batch in the `service` context (against
    /// `expected_revision` if given).
    #[pyo3(signature = (batch, *, actor, at, policy=None, pricing=None, expected_revision=None))]
    fn edit(
        &mut self,
        batch: PyRef<'_, PyEditBatch>,
        actor: String,
        at: &Bound<'_, PyAny>,
        policy: Option<PyRef<'_, PyEditPolicy>>,
        pricing: Option<Vec<PyRef<'_, PyFeeSchedule>>>,
        expected_revision: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyEditOutcome> {
        let expected = expected_revision_arg(expected_revision)?;
        let ed = EditorArgs::new(actor, at, policy, pricing)?;
        let svc = self.inner.expect_revision(expected).py()?;
        let out = ed.run(|e| svc.edit(&batch.inner, e)).py()?;
        Ok(PyEditOutcome { inner: out })
    }
    fn to_json(&self) -> PyResult<String> {
        to_json(&Document::Service(self.inner.clone()))
    }
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<Self> {
        Ok(PyService {
            inner: Service::from_json(json).py()?,
        })
    }
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &self.to_json()?)
    }
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::from_json(&dict_json(data, "service")?)
    }
    fn __repr__(&self) -> String {
        format!(
            "<Service {} {:?} {} {} lines>",
            self.inner.id(),
            self.inner.name(),
            self.inner.price(),
            self.inner.lines().len()
        )
    }
}

/// An appointment (a snapshot: change it through its `Encounter`).
#[pyclass(module = "procode._native", name = "Session", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PySession {
    inner: Session,
}

#[pymethods]
impl PySession {
    /// The id.
    #[getter]
    fn id(&self) -> &str {
        self.inner.id()
    }
    /// The revision: 1 for a new session, plus one for every change.
    #[getter]
    fn revision(&self) -> u64 {
        self.inner.revision()
    }
    /// The client's id.
    #[getter]
    fn client_id(&self) -> &str {
        self.inner.client_id()
    }
    /// The service's id.
    #[getter]
    fn service_id(&self) -> &str {
        self.inner.service_id()
    }
    /// The date (the default date of service).
    #[getter]
    fn date(&self) -> NaiveDate {
        self.inner.date()
    }
    /// `pending_confirmation`, `booked`, `completed`, `cancelled` or `no_show`.
    #[getter]
    fn state(&self) -> &'static str {
        self.inner.state().as_str()
    }
    /// The service price agreed at booking, as a `Decimal`.
    #[getter]
    fn price(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_decimal(py, self.inner.price().amount())
    }
    /// The currency code.
    #[getter]
    fn currency(&self) -> &'static str {
        self.inner.price().currency().as_str()
    }
    /// The payer (insurer), if any.
    #[getter]
    fn payer_id(&self) -> Option<&str> {
        self.inner.payer_id()
    }
    /// The invoice's id, once there is one.
    #[getter]
    fn invoice_id(&self) -> Option<&str> {
        self.inner.invoice_id()
    }
    /// The code lines.
    #[getter]
    fn lines(&self) -> Vec<PyCodeLine> {
        lines_of(self.inner.lines())
    }
    /// Every ICD-10-CM code the lines point at.
    #[getter]
    fn diagnoses(&self) -> Vec<String> {
        diagnoses_of(&self.inner)
    }
    /// The append-only log of code changes.
    #[getter]
    fn audit(&self) -> Vec<PyAuditEntry> {
        audit_of(self.inner.audit().entries())
    }
    fn to_json(&self) -> PyResult<String> {
        to_json(&Document::Session(self.inner.clone()))
    }
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<Self> {
        Ok(PySession {
            inner: Session::from_json(json).py()?,
        })
    }
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &self.to_json()?)
    }
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::from_json(&dict_json(data, "session")?)
    }
    fn __repr__(&self) -> String {
        format!(
            "<Session {} {} {} {} lines>",
            self.inner.id(),
            self.inner.date(),
            self.inner.state(),
            self.inner.lines().len()
        )
    }
}

/// An invoice (a snapshot: change it through its `Encounter`).
#[pyclass(module = "procode._native", name = "Invoice", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyInvoice {
    inner: Invoice,
}

#[pymethods]
impl PyInvoice {
    /// An empty draft invoice for a session (attach it with
    /// `Encounter.from_parts`). `price` is the service price.
    #[new]
    #[pyo3(signature = (id, session_id, date, price, *, currency="USD", payer_id=None))]
    fn new(
        id: String,
        session_id: String,
        date: &Bound<'_, PyAny>,
        price: &Bound<'_, PyAny>,
        currency: &str,
        payer_id: Option<String>,
    ) -> PyResult<Self> {
        let d = convert::date(date, "date")?;
        let price = money(price, currency, "price")?;
        Ok(PyInvoice {
            inner: Invoice::new(id, session_id, d, price, payer_id),
        })
    }
    /// The id.
    #[getter]
    fn id(&self) -> &str {
        self.inner.id()
    }
    /// The revision: 1 for a new invoice, plus one for every change.
    #[getter]
    fn revision(&self) -> u64 {
        self.inner.revision()
    }
    /// The session's id.
    #[getter]
    fn session_id(&self) -> &str {
        self.inner.session_id()
    }
    /// The date of service of lines without their own.
    #[getter]
    fn date(&self) -> NaiveDate {
        self.inner.date()
    }
    /// `draft`, `sent`, `paid` or `void`.
    #[getter]
    fn state(&self) -> &'static str {
        self.inner.state().as_str()
    }
    /// The payer, if any.
    #[getter]
    fn payer_id(&self) -> Option<&str> {
        self.inner.payer_id()
    }
    /// The currency code.
    #[getter]
    fn currency(&self) -> &'static str {
        self.inner.currency().as_str()
    }
    /// The code lines.
    #[getter]
    fn lines(&self) -> Vec<PyCodeLine> {
        lines_of(self.inner.lines())
    }
    /// Every ICD-10-CM code the lines point at.
    #[getter]
    fn diagnoses(&self) -> Vec<String> {
        diagnoses_of(&self.inner)
    }
    /// Payments, in the order recorded.
    #[getter]
    fn payments(&self) -> Vec<PyPayment> {
        self.inner
            .payments()
            .iter()
            .map(|p| PyPayment { inner: p.clone() })
            .collect()
    }
    /// 1, plus one per applied batch of code changes.
    #[getter]
    fn version(&self) -> u32 {
        self.inner.version()
    }
    /// The version last sent to the client.
    #[getter]
    fn sent_version(&self) -> Option<u32> {
        self.inner.sent_version()
    }
    /// Changed since it was sent: the client must be sent the new version.
    #[getter]
    fn needs_resend(&self) -> bool {
        self.inner.needs_resend()
    }
    /// The exact sum of the line amounts, as a `Decimal`.
    #[getter]
    fn total(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_decimal(py, self.inner.total().amount())
    }
    /// What has been paid, as a `Decimal`.
    #[getter]
    fn paid(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_decimal(py, self.inner.paid().amount())
    }
    /// The total less payments, as a `Decimal`.
    #[getter]
    fn balance(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_decimal(py, self.inner.balance().amount())
    }
    /// The append-only log of code changes.
    #[getter]
    fn audit(&self) -> Vec<PyAuditEntry> {
        audit_of(self.inner.audit().entries())
    }
    fn to_json(&self) -> PyResult<String> {
        to_json(&Document::Invoice(self.inner.clone()))
    }
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<Self> {
        Ok(PyInvoice {
            inner: Invoice::from_json(json).py()?,
        })
    }
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &self.to_json()?)
    }
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::from_json(&dict_json(data, "invoice")?)
    }
    fn __repr__(&self) -> String {
        format!(
            "<Invoice {} {} total {} balance {}>",
            self.inner.id(),
            self.inner.state(),
            self.inner.total(),
            self.inner.balance()
        )
    }
}

/// Reads any billing document from JSON by its `"kind"`.
#[pyfunction]
pub fn document_from_json(py: Python<'_>, json: &str) -> PyResult<Py<PyAny>> {
    let doc = Document::from_json(json).py()?;
    Ok(match doc {
        Document::Service(inner) => Py::new(py, PyService { inner })?.into_any(),
        Document::Session(inner) => Py::new(py, PySession { inner })?.into_any(),
        Document::Invoice(inner) => Py::new(py, PyInvoice { inner })?.into_any(),
    })
}

/// Reads any billing document from its dict (JSON) form by its `"kind"`.
#[pyfunction]
pub fn document_from_dict(data: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    document_from_json(data.py(), &dict_json(data, "document")?)
}

// ---------------------------------------------------------------- encounters

/// A session with its invoice: the unit the booking flows work on. Every
/// flow is all or nothing: a refused step raises and changes nothing.
#[pyclass(module = "procode._native", name = "Encounter", eq)]
#[derive(Clone, PartialEq)]
pub struct PyEncounter {
    inner: Encounter,
}

#[pymethods]
impl PyEncounter {
    /// Books a session. A paid-in-advance service gives a
    /// `pending_confirmation` session with a `draft` invoice (`invoice_id`
    /// required); any other a `booked` session.
    #[staticmethod]
    #[pyo3(signature = (service, *, session_id, client_id, date, payer_id=None, invoice_id=None, pricing=None))]
    fn book(
        service: PyRef<'_, PyService>,
        session_id: String,
        client_id: String,
        date: &Bound<'_, PyAny>,
        payer_id: Option<String>,
        invoice_id: Option<String>,
        pricing: Option<Vec<PyRef<'_, PyFeeSchedule>>>,
    ) -> PyResult<Self> {
        let mut req = BookingRequest::new(session_id, client_id, convert::date(date, "date")?);
        req.payer_id = payer_id;
        req.invoice_id = invoice_id;
        let schedules = schedules(pricing);
        let inner = Encounter::book(&service.inner, req, Pricing::new(&schedules)).py()?;
        Ok(PyEncounter { inner })
    }

    /// Puts a session and its invoice back together.
    #[staticmethod]
    #[pyo3(signature = (session, invoice=None))]
    fn from_parts(
        session: PyRef<'_, PySession>,
        invoice: Option<PyRef<'_, PyInvoice>>,
    ) -> PyResult<Self> {
        let inner =
            Encounter::from_parts(session.inner.clone(), invoice.map(|i| i.inner.clone())).py()?;
        Ok(PyEncounter { inner })
    }

    /// The encounter's revision: its session's plus its invoice's (if any);
    /// it goes up with every step.
    #[getter]
    fn revision(&self) -> u64 {
        self.inner.revision()
    }

    /// The session (a snapshot).
    #[getter]
    fn session(&self) -> PySession {
        PySession {
            inner: self.inner.session().clone(),
        }
    }

    /// The invoice (a snapshot), if any.
    #[getter]
    fn invoice(&self) -> Option<PyInvoice> {
        self.inner.invoice().map(|i| PyInvoice { inner: i.clone() })
    }

    /// Reviews the codes of a paid-in-advance booking (`booking_review`):
    /// the batch applies to the session and its draft invoice together.
    #[pyo3(signature = (batch, *, actor, at, policy=None, pricing=None, expected_revision=None))]
    fn review(
        &mut self,
        batch: PyRef<'_, PyEditBatch>,
        actor: String,
        at: &Bound<'_, PyAny>,
        policy: Option<PyRef<'_, PyEditPolicy>>,
        pricing: Option<Vec<PyRef<'_, PyFeeSchedule>>>,
        expected_revision: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyEditOutcome> {
        let expected = expected_revision_arg(expected_revision)?;
        let ed = EditorArgs::new(actor, at, policy, pricing)?;
        let enc = self.inner.expect_revision(expected).py()?;
        let out = ed.run(|e| enc.review(&batch.inner, e)).py()?;
        Ok(PyEditOutcome { inner: out })
    }

    /// Confirms a paid-in-advance booking: session `booked`, invoice `sent`,
    /// or `paid` when `payment` covers it. Returns the invoice state.
    #[pyo3(signature = (payment=None, *, expected_revision=None))]
    fn confirm(
        &mut self,
        payment: Option<PyRef<'_, PyPayment>>,
        expected_revision: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<&'static str> {
        let enc = self.at(expected_revision)?;
        let state = enc.confirm(payment.map(|p| p.inner.clone())).py()?;
        Ok(state.as_str())
    }

    /// Cancels the session (a draft invoice is voided).
    #[pyo3(signature = (*, expected_revision=None))]
    fn cancel(&mut self, expected_revision: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.at(expected_revision)?.cancel().py()
    }

    /// Marks a booked session as a no-show.
    #[pyo3(signature = (*, expected_revision=None))]
    fn no_show(&mut self, expected_revision: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.at(expected_revision)?.no_show().py()
    }

    /// Marks the session complete, applying `batch` in the same step
    /// (`session_completion`). A new draft invoice `invoice_id` is created
    /// when there is none; a draft or sent one is updated; a paid one is
    /// left unchanged and the differences are reported.
    #[pyo3(signature = (batch=None, *, actor, at, invoice_id=None, policy=None, pricing=None, expected_revision=None))]
    #[allow(clippy::too_many_arguments)]
    fn complete(
        &mut self,
        batch: Option<PyRef<'_, PyEditBatch>>,
        actor: String,
        at: &Bound<'_, PyAny>,
        invoice_id: Option<&str>,
        policy: Option<PyRef<'_, PyEditPolicy>>,
        pricing: Option<Vec<PyRef<'_, PyFeeSchedule>>>,
        expected_revision: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyCompletion> {
        let batch = batch_or_empty(batch);
        let expected = expected_revision_arg(expected_revision)?;
        let ed = EditorArgs::new(actor, at, policy, pricing)?;
        let enc = self.inner.expect_revision(expected).py()?;
        let out = ed.run(|e| enc.complete(&batch, e, invoice_id)).py()?;
        Ok(PyCompletion { inner: out })
    }

    /// Edits the invoice in billing (`invoice_edit`); the session's codes
    /// are not touched.
    #[pyo3(signature = (batch, *, actor, at, policy=None, pricing=None, expected_revision=None))]
    fn edit_invoice(
        &mut self,
        batch: PyRef<'_, PyEditBatch>,
        actor: String,
        at: &Bound<'_, PyAny>,
        policy: Option<PyRef<'_, PyEditPolicy>>,
        pricing: Option<Vec<PyRef<'_, PyFeeSchedule>>>,
        expected_revision: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyEditOutcome> {
        let expected = expected_revision_arg(expected_revision)?;
        let ed = EditorArgs::new(actor, at, policy, pricing)?;
        let enc = self.inner.expect_revision(expected).py()?;
        let out = ed.run(|e| enc.edit_invoice(&batch.inner, e)).py()?;
        Ok(PyEditOutcome { inner: out })
    }

    /// Sends (or re-sends) the invoice; returns the version sent.
    #[pyo3(signature = (*, expected_revision=None))]
    fn send_invoice(&mut self, expected_revision: Option<&Bound<'_, PyAny>>) -> PyResult<u32> {
        self.at(expected_revision)?.send_invoice().py()
    }

    /// Records a payment; returns the invoice state (`sent` or `paid`).
    #[pyo3(signature = (payment, *, expected_revision=None))]
    fn record_payment(
        &mut self,
        payment: PyRef<'_, PyPayment>,
        expected_revision: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<&'static str> {
        Ok(self
            .at(expected_revision)?
            .record_payment(payment.inner.clone())
            .py()?
            .as_str())
    }

    /// Voids the invoice (refused once anything was paid).
    #[pyo3(signature = (*, expected_revision=None))]
    fn void_invoice(&mut self, expected_revision: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.at(expected_revision)?.void_invoice().py()
    }

    fn to_json(&self) -> PyResult<String> {
        to_json(&self.inner)
    }
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<Self> {
        Ok(PyEncounter {
            inner: Encounter::from_json(json).py()?,
        })
    }
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &self.to_json()?)
    }
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::from_json(&dict_json(data, "encounter")?)
    }
    fn __repr__(&self) -> String {
        let s = self.inner.session();
        match self.inner.invoice() {
            Some(i) => format!(
                "<Encounter session {} {} invoice {} {}>",
                s.id(),
                s.state(),
                i.id(),
                i.state()
            ),
            None => format!("<Encounter session {} {}>", s.id(), s.state()),
        }
    }
}

impl PyEncounter {
    /// The encounter for a step made against `expected_revision`.
    fn at(&mut self, expected_revision: Option<&Bound<'_, PyAny>>) -> PyResult<&mut Encounter> {
        let expected = expected_revision_arg(expected_revision)?;
        self.inner.expect_revision(expected).py()
    }
}

// ---------------------------------------------------------------- rates

/// A fee schedule: per payer, or the practice default (`payer_id=None`).
#[pyclass(module = "procode._native", name = "FeeSchedule", eq)]
#[derive(Clone, PartialEq)]
pub struct PyFeeSchedule {
    inner: FeeSchedule,
}

#[pymethods]
impl PyFeeSchedule {
    #[new]
    #[pyo3(signature = (id, *, payer_id=None, currency="USD"))]
    fn new(id: String, payer_id: Option<String>, currency: &str) -> PyResult<Self> {
        Ok(PyFeeSchedule {
            inner: FeeSchedule::new(id, payer_id, currency.parse().py()?),
        })
    }

    /// Loads a schedule from CSV/TSV (columns `code`, `rate`, optional
    /// `modifiers`, `effective`, `terminated`).
    #[staticmethod]
    #[pyo3(signature = (path, *, id, payer_id=None, currency="USD"))]
    fn from_path(
        py: Python<'_>,
        path: std::path::PathBuf,
        id: String,
        payer_id: Option<String>,
        currency: &str,
    ) -> PyResult<Self> {
        let currency = currency.parse().py()?;
        let inner = py
            .detach(|| FeeSchedule::from_path(id, payer_id, currency, &path))
            .py()?;
        Ok(PyFeeSchedule { inner })
    }

    /// Adds an entry: a rate per unit for a code (optionally with modifiers)
    /// over an optional period. Mutates this schedule in place.
    #[pyo3(
        signature = (code, rate, *, modifiers=None, effective=None, terminated=None),
        text_signature = "($self, code, rate, *, modifiers=..., effective=None, terminated=None)"
    )]
    fn add(
        &mut self,
        code: &str,
        rate: &Bound<'_, PyAny>,
        modifiers: Option<&Bound<'_, PyAny>>,
        effective: Option<&Bound<'_, PyAny>>,
        terminated: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let modifiers = match modifiers.filter(|m| !m.is_none()) {
            None => Vec::new(),
            Some(m) => convert::str_list(m, "modifiers", MODIFIERS)?,
        };
        let entry = FeeEntry {
            code: Code::parse(code).py()?,
            modifiers: modifiers
                .iter()
                .map(|m| Code::parse_for(CodeSystem::Modifier, m))
                .collect::<Result<_, _>>()
                .py()?,
            rate: decimal(rate, "rate")?,
            effective: opt_date(effective, "effective")?,
            terminated: opt_date(terminated, "terminated")?,
        };
        self.inner.add(entry).py()
    }

    /// The id.
    #[getter]
    fn id(&self) -> &str {
        self.inner.id()
    }
    /// The payer; None for the practice default.
    #[getter]
    fn payer_id(&self) -> Option<&str> {
        self.inner.payer_id()
    }
    /// The currency code.
    #[getter]
    fn currency(&self) -> &'static str {
        self.inner.currency().as_str()
    }
    fn __len__(&self) -> usize {
        self.inner.entries().len()
    }
    fn to_json(&self) -> PyResult<String> {
        to_json(&self.inner)
    }
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<Self> {
        Ok(PyFeeSchedule {
            inner: FeeSchedule::from_json(json).py()?,
        })
    }
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &self.to_json()?)
    }
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::from_json(&dict_json(data, "fee schedule")?)
    }
    fn __repr__(&self) -> String {
        format!(
            "<FeeSchedule {} payer={:?} {} entries>",
            self.inner.id(),
            self.inner.payer_id(),
            self.inner.entries().len()
        )
    }
}

// ---------------------------------------------------------------- policy

fn document_state(
    document: &str,
    state: Option<&str>,
) -> PyResult<procode::billing::DocumentState> {
    procode::billing::DocumentState::from_names(document, state).map_err(|e| {
        invalid_argument(format!(
            "invalid document state {document:?}/{state:?}: {e}"
        ))
    })
}

/// Where codes may change: the specification's rules as data. The default
/// is the seed policy; a host may only tighten it.
#[pyclass(module = "procode._native", name = "EditPolicy", eq)]
#[derive(Clone, PartialEq)]
pub struct PyEditPolicy {
    inner: EditPolicy,
}

#[pymethods]
impl PyEditPolicy {
    /// The seed policy.
    #[new]
    fn new() -> Self {
        PyEditPolicy {
            inner: EditPolicy::seed().clone(),
        }
    }

    /// Whether `action` (`add`, `edit`, `remove`) is allowed in `context` on
    /// a `document` (`service`, `session`, `invoice`) in `state`.
    #[pyo3(signature = (context, document, state, action))]
    fn allows(
        &self,
        context: &str,
        document: &str,
        state: Option<&str>,
        action: &str,
    ) -> PyResult<bool> {
        Ok(self.inner.allows(
            parse_name(context, "edit context")?,
            document_state(document, state)?,
            parse_name(action, "edit action")?,
        ))
    }

    /// Forbids every action in `context` on a document in `state` (e.g.
    /// `forbid("invoice_edit", "invoice", "sent")` makes sent invoices
    /// read-only). Returns the policy.
    #[pyo3(signature = (context, document, state=None))]
    fn forbid<'py>(
        slf: Bound<'py, Self>,
        context: &str,
        document: &str,
        state: Option<&str>,
    ) -> PyResult<Bound<'py, Self>> {
        let c = parse_name(context, "edit context")?;
        let s = document_state(document, state)?;
        slf.borrow_mut().inner.forbid(c, s);
        Ok(slf)
    }

    /// Forbids one action in `context` on a document in `state`. Returns the
    /// policy.
    #[pyo3(signature = (context, document, state, action))]
    fn forbid_action<'py>(
        slf: Bound<'py, Self>,
        context: &str,
        document: &str,
        state: Option<&str>,
        action: &str,
    ) -> PyResult<Bound<'py, Self>> {
        let c = parse_name(context, "edit context")?;
        let s = document_state(document, state)?;
        let a = parse_name(action, "edit action")?;
        slf.borrow_mut().inner.forbid_action(c, s, a);
        Ok(slf)
    }

    fn to_json(&self) -> String {
        self.inner.to_json()
    }
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<Self> {
        Ok(PyEditPolicy {
            inner: EditPolicy::from_json(json).py()?,
        })
    }
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &self.inner.to_json())
    }
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let json = py_to_json(data, "edit policy").map_err(|e| policy_error(e.to_string()))?;
        Self::from_json(&json)
    }
    fn __repr__(&self) -> String {
        format!("<EditPolicy {} rules>", self.inner.rules().len())
    }
}

// ---------------------------------------------------------------- readiness

/// The core document behind a `Service`, `Session` or `Invoice` argument;
/// anything else is a `TypeError` starting with `what`.
pub fn document_arg(document: &Bound<'_, PyAny>, what: &str) -> PyResult<Document> {
    if let Ok(s) = document.cast::<PyService>() {
        Ok(Document::Service(s.borrow().inner.clone()))
    } else if let Ok(s) = document.cast::<PySession>() {
        Ok(Document::Session(s.get().inner.clone()))
    } else if let Ok(i) = document.cast::<PyInvoice>() {
        Ok(Document::Invoice(i.get().inner.clone()))
    } else {
        Err(PyTypeError::new_err(format!(
            "{what} a Service, Session or Invoice, not {}",
            document.get_type().name()?
        )))
    }
}

/// One readiness problem: a stable `code` (`"MISSING_DIAGNOSIS"`), the line
/// concerned (None for the whole document) and a message.
#[pyclass(module = "procode._native", name = "Problem", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyProblem {
    inner: Problem,
}

impl PyProblem {
    /// Wraps a core problem.
    pub fn new(inner: Problem) -> Self {
        PyProblem { inner }
    }
}

#[pymethods]
impl PyProblem {
    /// A problem (as `to_dict` gives it back): a stable `code`
    /// (`"MISSING_DIAGNOSIS"`), a message, the line concerned and the
    /// detail dict, if any. `severity`, when given, must be the code's.
    #[new]
    #[pyo3(signature = (code, message, line_id=None, detail=None, severity=None))]
    fn py_new(
        code: &str,
        message: String,
        line_id: Option<String>,
        detail: Option<&Bound<'_, PyAny>>,
        severity: Option<&str>,
    ) -> PyResult<Self> {
        let code: ProblemCode = parse_name(code, "code")?;
        if let Some(s) = severity {
            if s != code.severity().as_str() {
                return Err(invalid_argument(format!(
                    "severity={s:?}: a {code} problem is {:?}",
                    code.severity().as_str()
                )));
            }
        }
        let detail = match detail.filter(|d| !d.is_none()) {
            None => None,
            Some(d) => Some(from_json::<ProblemDetail>(
                &py_to_json(d, "problem detail")?,
                "problem detail",
            )?),
        };
        Ok(PyProblem {
            inner: Problem::new(code, line_id, message).with_detail(detail),
        })
    }
    /// Pickling: the class and its constructor's arguments.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(
        Bound<'py, pyo3::types::PyType>,
        Bound<'py, pyo3::types::PyTuple>,
    )> {
        let py = slf.py();
        let p = &slf.get().inner;
        let detail = match &p.detail {
            Some(d) => json_to_py(py, &to_json(d)?)?,
            None => py.None(),
        };
        let args = pyo3::types::PyTuple::new(
            py,
            [
                p.code.as_str().into_pyobject(py)?.into_any(),
                p.message.as_str().into_pyobject(py)?.into_any(),
                p.line_id.as_deref().into_pyobject(py)?.into_any(),
                detail.into_bound(py),
            ],
        )?;
        Ok((py.get_type::<PyProblem>(), args))
    }
    /// The stable code, e.g. `"MISSING_DIAGNOSIS"`.
    #[getter]
    fn code(&self) -> &'static str {
        self.inner.code.as_str()
    }
    /// `"error"` (the claim will be rejected or denied) or `"warning"`
    /// (likely denied, or to review).
    #[getter]
    fn severity(&self) -> &'static str {
        self.inner.severity().as_str()
    }
    /// The line concerned, or None.
    #[getter]
    fn line_id(&self) -> Option<&str> {
        self.inner.line_id.as_deref()
    }
    /// A message for people.
    #[getter]
    fn message(&self) -> &str {
        &self.inner.message
    }
    /// Structured detail (NCCI conflicts, MUE excesses, Excludes1 pairs,
    /// add-on codes, sequencing) as a dict, or None.
    #[getter]
    fn detail(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.inner
            .detail
            .as_ref()
            .map(|d| json_to_py(py, &to_json(d)?))
            .transpose()
    }
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &to_json(&self.inner)?)
    }
    fn __str__(&self) -> String {
        self.inner.to_string()
    }
    fn __repr__(&self) -> String {
        format!("<Problem {}>", self.inner)
    }
}

/// Every problem that would get a claim for `document` (a `Service`,
/// `Session`, `Invoice` or `Encounter`'s invoice) rejected, checked against
/// `catalog`; an empty list means ready. `pricing` (fee schedules) is tried
/// for lines without a rate. Releases the GIL.
#[pyfunction]
#[pyo3(signature = (document, catalog, pricing=None))]
pub fn readiness(
    py: Python<'_>,
    document: &Bound<'_, PyAny>,
    catalog: PyRef<'_, PyCatalog>,
    pricing: Option<Vec<PyRef<'_, PyFeeSchedule>>>,
) -> PyResult<Vec<PyProblem>> {
    let doc = document_arg(document, "readiness checks")?;
    let cat = catalog.core().clone();
    let schedules = schedules(pricing);
    let problems = py.detach(|| {
        let pricing = (!schedules.is_empty()).then(|| Pricing::new(&schedules));
        core_readiness(&doc, &cat, pricing)
    });
    Ok(problems
        .into_iter()
        .map(|inner| PyProblem { inner })
        .collect())
}
