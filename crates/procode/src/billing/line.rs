//! Code lines: one billed code with its units, modifiers, diagnoses, place,
//! date of service and rate.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::money::{self, decimal_string, Currency, MoneyError};
use crate::code::{Code, CodeError, CodeSystem};
use crate::entry::Entry;

/// The most modifiers a line may carry (a claim line has four slots).
pub const MAX_MODIFIERS: usize = 4;

/// How the code of a line was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Picked from the catalog; the official description was captured.
    Catalog,
    /// Typed as free text by a person; it may not be in the catalog.
    Manual,
}

/// Where a line's rate per unit came from.
///
/// In JSON, internally tagged by `"kind"`:
/// `{"kind": "payer_schedule", "schedule_id": "AETNA-2025", "entry": "H0004:HO"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", from = "RateSourceRepr")]
#[non_exhaustive]
pub enum RateSource {
    /// Set explicitly by a person on this line; never re-resolved.
    Override,
    /// The fee schedule of the document's payer.
    PayerSchedule {
        /// The schedule's id.
        schedule_id: String,
        /// The entry's key: the code, then `:` and its modifiers if any
        /// (`H0004`, `H0004:HO` or `H0004:HO:GT`).
        entry: String,
    },
    /// The practice's default fee schedule.
    DefaultSchedule {
        /// The schedule's id.
        schedule_id: String,
        /// The entry's key, as for [`RateSource::PayerSchedule`].
        entry: String,
    },
    /// The price of the service the document was made for.
    ServicePrice,
}

/// The JSON form of [`RateSource`] as read: struct variants throughout, so
/// that an unknown field is refused for every kind.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum RateSourceRepr {
    Override {},
    PayerSchedule { schedule_id: String, entry: String },
    DefaultSchedule { schedule_id: String, entry: String },
    ServicePrice {},
}

impl From<RateSourceRepr> for RateSource {
    fn from(r: RateSourceRepr) -> Self {
        match r {
            RateSourceRepr::Override {} => RateSource::Override,
            RateSourceRepr::PayerSchedule { schedule_id, entry } => {
                RateSource::PayerSchedule { schedule_id, entry }
            }
            RateSourceRepr::DefaultSchedule { schedule_id, entry } => {
                RateSource::DefaultSchedule { schedule_id, entry }
            }
            RateSourceRepr::ServicePrice {} => RateSource::ServicePrice,
        }
    }
}

impl RateSource {
    /// The fee schedule the rate came from, if it came from one.
    pub fn schedule_id(&self) -> Option<&str> {
        match self {
            RateSource::PayerSchedule { schedule_id, .. }
            | RateSource::DefaultSchedule { schedule_id, .. } => Some(schedule_id),
            RateSource::Override | RateSource::ServicePrice => None,
        }
    }
}

/// A rate per unit and where it came from.
///
/// # Example
/// ```
/// use procode::billing::{Currency, Rate, RateSource};
/// let r = Rate::overridden("33.335".parse().unwrap()).unwrap();
/// assert_eq!(r.source, RateSource::Override);
/// assert_eq!(r.amount(3, Currency::Usd).to_string(), "100.01");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    /// Rate per unit, in the document's currency, exact (not rounded).
    #[serde(with = "decimal_string")]
    pub per_unit: Decimal,
    /// Where it came from.
    pub source: RateSource,
}

impl Rate {
    /// An explicit override rate; refused when negative or above
    /// [`MAX_AMOUNT`](super::money::MAX_AMOUNT).
    pub fn overridden(per_unit: Decimal) -> Result<Rate, MoneyError> {
        money::check_amount(per_unit)?;
        Ok(Rate {
            per_unit,
            source: RateSource::Override,
        })
    }

    /// Rate × units, rounded half away from zero to the currency's minor unit.
    pub fn amount(&self, units: u32, currency: Currency) -> Decimal {
        let exact = self
            .per_unit
            .checked_mul(Decimal::from(units))
            .unwrap_or(Decimal::MAX);
        currency.round(exact)
    }
}

/// Why a code line is refused at edit time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LineError {
    /// Units must be at least one.
    #[error("units must be greater than zero")]
    ZeroUnits,
    /// More than [`MAX_MODIFIERS`] modifiers.
    #[error("{count} modifiers given: a line takes at most {max}")]
    TooManyModifiers {
        /// How many were given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A modifier, diagnosis, place of service or the code itself does not
    /// have the shape its system requires.
    #[error("invalid {field}: {source}")]
    InvalidCode {
        /// Which field (`code`, `modifier`, `diagnosis`, `place_of_service`).
        field: &'static str,
        /// The parse error.
        source: CodeError,
    },
    /// A diagnosis pointer that is not an ICD-10-CM code.
    #[error("diagnosis pointers are ICD-10-CM codes; got a {system} entry")]
    DiagnosisNotIcd10Cm {
        /// The system given.
        system: CodeSystem,
    },
    /// A rate that is negative or too large.
    #[error("invalid rate: {0}")]
    Rate(#[from] MoneyError),
    /// A number outside the range of its field, from a host whose integers
    /// are wider than the field (negative units, units beyond `u32`).
    #[error("{field}: {value} is out of range: give a whole number from {min} to {max}")]
    OutOfRange {
        /// The field (`units`).
        field: &'static str,
        /// The number as given.
        value: String,
        /// The smallest value the field takes.
        min: u64,
        /// The largest value the field takes.
        max: u64,
    },
}

impl LineError {
    /// Units given as a wider integer, checked: 1 to `u32::MAX` (zero is
    /// [`LineError::ZeroUnits`], anything else outside the range
    /// [`LineError::OutOfRange`]).
    ///
    /// # Example
    /// ```
    /// use procode::billing::LineError;
    /// assert_eq!(LineError::units(3), Ok(3));
    /// assert_eq!(LineError::units(0), Err(LineError::ZeroUnits));
    /// assert!(matches!(LineError::units(-1), Err(LineError::OutOfRange { field: "units", .. })));
    /// assert!(LineError::units(1 << 40).is_err());
    /// ```
    pub fn units(value: i128) -> Result<u32, LineError> {
        match u32::try_from(value) {
            Ok(0) => Err(LineError::ZeroUnits),
            Ok(u) => Ok(u),
            Err(_) => Err(LineError::units_out_of_range(value)),
        }
    }

    /// [`LineError::OutOfRange`] for units given as `value` (any text: a
    /// number too wide even for `i128`).
    pub fn units_out_of_range(value: impl std::fmt::Display) -> LineError {
        LineError::OutOfRange {
            field: "units",
            value: value.to_string(),
            min: 1,
            max: u64::from(u32::MAX),
        }
    }
}

/// One code on a service, session or invoice.
///
/// Diagnosis pointers name ICD-10-CM codes directly; a document's diagnosis
/// list is derived from its lines (first appearance order), so a pointer is
/// always among the document's diagnoses.
///
/// An empty `id` means "assign one": the document gives the line the next
/// `L1`, `L2`, … id when the line is added.
///
/// # Example
/// ```
/// use procode::{Code, CodeSystem, Entry};
/// use procode::billing::{CodeLine, Provenance};
/// let entry = Entry::new(Code::parse("H0004").unwrap(), CodeSystem::Hcpcs,
///     "Behavioral health counseling and therapy, per 15 minutes");
/// let line = CodeLine::from_entry(&entry)
///     .with_units(4).unwrap()
///     .with_modifiers(["HO"]).unwrap()
///     .with_diagnoses(["F41.1"]).unwrap()
///     .with_place_of_service("11").unwrap();
/// assert_eq!(line.provenance, Provenance::Catalog);
/// assert_eq!(line.description, entry.description);
/// assert_eq!(line.diagnoses[0].as_str(), "F411");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeLine {
    /// The line id: the host's string, or `L1`, `L2`, … when assigned.
    pub id: String,
    /// The code system of `code`.
    pub system: CodeSystem,
    /// The code.
    pub code: Code,
    /// Picked from the catalog, or typed by hand.
    pub provenance: Provenance,
    /// The catalog's description captured when the code was picked.
    pub official_description: Option<String>,
    /// The description shown on documents (defaults to the official one).
    pub description: String,
    /// Units billed (greater than zero).
    pub units: u32,
    /// Up to four modifiers, in order.
    #[serde(default)]
    pub modifiers: Vec<Code>,
    /// Diagnosis pointers: ICD-10-CM codes.
    #[serde(default)]
    pub diagnoses: Vec<Code>,
    /// Place of service (a POS code), when known.
    #[serde(default)]
    pub place_of_service: Option<Code>,
    /// Date of service; a session's date when not given.
    #[serde(default)]
    pub date_of_service: Option<NaiveDate>,
    /// The rate per unit and its source; `None` while unresolved.
    #[serde(default)]
    pub rate: Option<Rate>,
}

/// The code of a line typed by hand: it must have the shape of its system.
fn manual_code(system: CodeSystem, code: &str) -> Result<Code, LineError> {
    manual_code_by(system, code, Code::parse_for)
}

/// [`manual_code`] with `parse` for [`Code::parse_for`] (which it must
/// answer as: a batch's memo of it).
fn manual_code_by(
    system: CodeSystem,
    code: &str,
    parse: impl FnOnce(CodeSystem, &str) -> Result<Code, CodeError>,
) -> Result<Code, LineError> {
    parse(system, code).map_err(|source| LineError::InvalidCode {
        field: "code",
        source,
    })
}

impl CodeLine {
    /// A line for a catalog entry: provenance `catalog`, official and shown
    /// description from the entry, one unit, no id yet.
    pub fn from_entry(entry: &Entry) -> CodeLine {
        CodeLine {
            id: String::new(),
            system: entry.system,
            code: entry.code,
            provenance: Provenance::Catalog,
            official_description: Some(entry.description.clone()),
            description: entry.description.clone(),
            units: 1,
            modifiers: Vec::new(),
            diagnoses: Vec::new(),
            place_of_service: None,
            date_of_service: None,
            rate: None,
        }
    }

    /// A line for a code typed by hand: provenance `manual`, no official
    /// description. The code must have the shape of its system.
    ///
    /// # Example
    /// ```
    /// use procode::CodeSystem;
    /// use procode::billing::CodeLine;
    /// let l = CodeLine::manual(CodeSystem::Hcpcs, "h0004", "Counseling").unwrap();
    /// assert_eq!(l.code.as_str(), "H0004");
    /// assert!(l.official_description.is_none());
    /// assert!(CodeLine::manual(CodeSystem::Hcpcs, "99213", "x").is_err());
    /// ```
    pub fn manual(
        system: CodeSystem,
        code: &str,
        description: impl Into<String>,
    ) -> Result<CodeLine, LineError> {
        let code = manual_code(system, code)?;
        Ok(CodeLine {
            id: String::new(),
            system,
            code,
            provenance: Provenance::Manual,
            official_description: None,
            description: description.into(),
            units: 1,
            modifiers: Vec::new(),
            diagnoses: Vec::new(),
            place_of_service: None,
            date_of_service: None,
            rate: None,
        })
    }

    /// Makes this line what [`CodeLine::manual`] makes of `system`, `code`
    /// and an empty description, in place: its id, description and code
    /// vectors are emptied, not freed, so a batch reading line after line
    /// reuses their room. On an error the line is left as it was. The
    /// code is read with `parse`, which answers as [`Code::parse_for`] (the
    /// batch passes its memo of it). (Only the Arrow batch reads lines so;
    /// the lean build keeps it for its test.)
    #[cfg_attr(not(feature = "arrow"), allow(dead_code))]
    pub(crate) fn remake_manual(
        &mut self,
        system: CodeSystem,
        code: &str,
        parse: impl FnOnce(CodeSystem, &str) -> Result<Code, CodeError>,
    ) -> Result<(), LineError> {
        let code = manual_code_by(system, code, parse)?;
        self.id.clear();
        self.system = system;
        self.code = code;
        self.provenance = Provenance::Manual;
        self.official_description = None;
        self.description.clear();
        self.units = 1;
        self.modifiers.clear();
        self.diagnoses.clear();
        self.place_of_service = None;
        self.date_of_service = None;
        self.rate = None;
        Ok(())
    }

    /// This line with `changes` applied, checked like an edit checks it:
    /// for building a line before adding it (pick an entry from the
    /// catalog, then set units, modifiers, diagnoses ...) from a host that
    /// speaks JSON (the C and Python bindings). The rate is resolved when
    /// the line is added, unless the changes override it.
    ///
    /// # Example
    /// ```
    /// use procode::billing::{CodeLine, LineChanges};
    /// use procode::CodeSystem;
    /// let line = CodeLine::manual(CodeSystem::Hcpcs, "H0004", "Counseling").unwrap();
    /// let changes: LineChanges =
    ///     serde_json::from_str(r#"{"units": 4, "diagnoses": ["F41.1"]}"#).unwrap();
    /// let line = line.with_changes(&changes).unwrap();
    /// assert_eq!(line.units, 4);
    /// assert_eq!(line.diagnoses[0].as_str(), "F411");
    /// assert!(line.with_changes(&LineChanges::default().units(0)).is_err());
    /// ```
    pub fn with_changes(&self, changes: &LineChanges) -> Result<CodeLine, LineError> {
        let (line, _) = changes.apply_to(self);
        line.validate()?;
        Ok(line)
    }

    /// Sets the line id.
    pub fn with_id(mut self, id: impl Into<String>) -> CodeLine {
        self.id = id.into();
        self
    }

    /// Sets the shown description.
    pub fn with_description(mut self, description: impl Into<String>) -> CodeLine {
        self.description = description.into();
        self
    }

    /// Sets the units (refused when zero).
    pub fn with_units(mut self, units: u32) -> Result<CodeLine, LineError> {
        if units == 0 {
            return Err(LineError::ZeroUnits);
        }
        self.units = units;
        Ok(self)
    }

    /// Sets the modifiers, in order (at most four, each a modifier code).
    pub fn with_modifiers<'a>(
        mut self,
        modifiers: impl IntoIterator<Item = &'a str>,
    ) -> Result<CodeLine, LineError> {
        self.modifiers = parse_modifiers(modifiers)?;
        Ok(self)
    }

    /// Sets the diagnosis pointers (ICD-10-CM codes, dotted or not).
    pub fn with_diagnoses<'a>(
        mut self,
        diagnoses: impl IntoIterator<Item = &'a str>,
    ) -> Result<CodeLine, LineError> {
        self.diagnoses = parse_diagnoses(diagnoses)?;
        Ok(self)
    }

    /// Sets the place of service (two digits, e.g. `11` office, `10` telehealth
    /// in the patient's home).
    pub fn with_place_of_service(mut self, pos: &str) -> Result<CodeLine, LineError> {
        self.place_of_service = Some(parse_pos(pos)?);
        Ok(self)
    }

    /// Sets the date of service.
    pub fn with_date_of_service(mut self, date: NaiveDate) -> CodeLine {
        self.date_of_service = Some(date);
        self
    }

    /// Sets an explicit rate per unit (source [`RateSource::Override`]).
    pub fn with_rate_override(mut self, per_unit: Decimal) -> Result<CodeLine, LineError> {
        self.rate = Some(Rate::overridden(per_unit)?);
        Ok(self)
    }

    /// The line's date of service: its own, else `document_date` (the date
    /// of the session or invoice it is on). The one place this default is
    /// written; a document's lines are read through
    /// [`BillingDocument::date_of_service`](super::BillingDocument::date_of_service).
    ///
    /// # Example
    /// ```
    /// use chrono::NaiveDate;
    /// use procode::billing::CodeLine;
    /// use procode::CodeSystem;
    /// let day = |d| NaiveDate::from_ymd_opt(2025, 3, d).unwrap();
    /// let line = CodeLine::manual(CodeSystem::Hcpcs, "H0004", "Counseling").unwrap();
    /// assert_eq!(line.service_date(Some(day(3))), Some(day(3)));
    /// assert_eq!(line.with_date_of_service(day(4)).service_date(Some(day(3))), Some(day(4)));
    /// ```
    pub fn service_date(&self, document_date: Option<NaiveDate>) -> Option<NaiveDate> {
        self.date_of_service.or(document_date)
    }

    /// The billed amount in a currency: rate × units rounded to the minor
    /// unit, or `None` while the rate is unresolved.
    pub fn amount(&self, currency: Currency) -> Option<Decimal> {
        self.rate.as_ref().map(|r| r.amount(self.units, currency))
    }

    /// Whether `other` bills the same thing: same code, system, units,
    /// modifiers, diagnoses, place and date of service and rate per unit
    /// (descriptions, provenance and rate source aside).
    pub fn bills_same_as(&self, other: &CodeLine) -> bool {
        self.system == other.system
            && self.code == other.code
            && self.units == other.units
            && self.modifiers == other.modifiers
            && self.diagnoses == other.diagnoses
            && self.place_of_service == other.place_of_service
            && self.date_of_service == other.date_of_service
            && self.rate.as_ref().map(|r| r.per_unit) == other.rate.as_ref().map(|r| r.per_unit)
    }

    /// The checks made when a line enters a document: units > 0, at most four
    /// modifiers, and every code with the shape of its system.
    pub fn validate(&self) -> Result<(), LineError> {
        if self.units == 0 {
            return Err(LineError::ZeroUnits);
        }
        if !self.code.fits(self.system) {
            return Err(shape_error("code", self.system, &self.code));
        }
        if self.modifiers.len() > MAX_MODIFIERS {
            return Err(LineError::TooManyModifiers {
                count: self.modifiers.len(),
                max: MAX_MODIFIERS,
            });
        }
        if let Some(m) = self
            .modifiers
            .iter()
            .find(|m| !m.fits(CodeSystem::Modifier))
        {
            return Err(shape_error("modifier", CodeSystem::Modifier, m));
        }
        if let Some(d) = self.diagnoses.iter().find(|d| !d.fits(CodeSystem::Icd10Cm)) {
            return Err(shape_error("diagnosis", CodeSystem::Icd10Cm, d));
        }
        if let Some(p) = self.place_of_service.filter(|p| !p.fits(CodeSystem::Pos)) {
            return Err(shape_error("place_of_service", CodeSystem::Pos, &p));
        }
        if let Some(r) = &self.rate {
            money::check_amount(r.per_unit)?;
        }
        Ok(())
    }
}

fn shape_error(field: &'static str, system: CodeSystem, code: &Code) -> LineError {
    LineError::InvalidCode {
        field,
        source: CodeError::WrongShape {
            input: code.as_str().to_owned(),
            system,
            expected: system.expected_shape(),
        },
    }
}

pub(crate) fn parse_modifiers<'a>(
    modifiers: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<Code>, LineError> {
    let parsed = modifiers
        .into_iter()
        .map(|m| {
            Code::parse_for(CodeSystem::Modifier, m).map_err(|source| LineError::InvalidCode {
                field: "modifier",
                source,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if parsed.len() > MAX_MODIFIERS {
        return Err(LineError::TooManyModifiers {
            count: parsed.len(),
            max: MAX_MODIFIERS,
        });
    }
    Ok(parsed)
}

pub(crate) fn parse_diagnoses<'a>(
    diagnoses: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<Code>, LineError> {
    diagnoses
        .into_iter()
        .map(|d| {
            Code::parse_for(CodeSystem::Icd10Cm, d).map_err(|source| LineError::InvalidCode {
                field: "diagnosis",
                source,
            })
        })
        .collect()
}

pub(crate) fn parse_pos(pos: &str) -> Result<Code, LineError> {
    Code::parse_for(CodeSystem::Pos, pos).map_err(|source| LineError::InvalidCode {
        field: "place_of_service",
        source,
    })
}

/// A new code for an existing line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeChange {
    /// The code system.
    pub system: CodeSystem,
    /// The code.
    pub code: Code,
    /// Catalog or manual.
    pub provenance: Provenance,
    /// The official description (catalog picks only).
    pub official_description: Option<String>,
}

impl CodeChange {
    /// A code picked from the catalog.
    pub fn from_entry(entry: &Entry) -> CodeChange {
        CodeChange {
            system: entry.system,
            code: entry.code,
            provenance: Provenance::Catalog,
            official_description: Some(entry.description.clone()),
        }
    }

    /// A code typed by hand; it must have the shape of its system.
    pub fn manual(system: CodeSystem, code: &str) -> Result<CodeChange, LineError> {
        let code = Code::parse_for(system, code).map_err(|source| LineError::InvalidCode {
            field: "code",
            source,
        })?;
        Ok(CodeChange {
            system,
            code,
            provenance: Provenance::Manual,
            official_description: None,
        })
    }
}

/// How an edit changes a line's rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", from = "RateChangeRepr")]
pub enum RateChange {
    /// Set an explicit rate per unit.
    Override {
        /// The rate per unit.
        #[serde(with = "decimal_string")]
        per_unit: Decimal,
    },
    /// Drop any override and resolve the rate from the fee schedules.
    Resolve,
}

/// The JSON form of [`RateChange`] as read (struct variants, so unknown
/// fields are refused for both kinds).
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum RateChangeRepr {
    Override {
        #[serde(with = "decimal_string")]
        per_unit: Decimal,
    },
    Resolve {},
}

impl From<RateChangeRepr> for RateChange {
    fn from(r: RateChangeRepr) -> Self {
        match r {
            RateChangeRepr::Override { per_unit } => RateChange::Override { per_unit },
            RateChangeRepr::Resolve {} => RateChange::Resolve,
        }
    }
}

/// The fields an edit changes on a line; `None` leaves a field as it is.
///
/// A new code resets the shown description to the new official one (or keeps
/// the current text for a manual code) unless `description` is also given.
///
/// # Example
/// ```
/// use procode::billing::LineChanges;
/// let c = LineChanges::default().units(2).modifiers(["GT"]).unwrap();
/// assert_eq!(c.units, Some(2));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LineChanges {
    /// A new code.
    pub code: Option<CodeChange>,
    /// A new shown description.
    pub description: Option<String>,
    /// New units.
    pub units: Option<u32>,
    /// New modifiers (replacing all of them).
    pub modifiers: Option<Vec<Code>>,
    /// New diagnosis pointers (replacing all of them).
    pub diagnoses: Option<Vec<Code>>,
    /// A new place of service.
    pub place_of_service: Option<Code>,
    /// A new date of service.
    pub date_of_service: Option<NaiveDate>,
    /// A new rate.
    pub rate: Option<RateChange>,
}

impl LineChanges {
    /// Changes the code.
    pub fn code(mut self, change: CodeChange) -> LineChanges {
        self.code = Some(change);
        self
    }

    /// Changes the shown description.
    pub fn description(mut self, text: impl Into<String>) -> LineChanges {
        self.description = Some(text.into());
        self
    }

    /// Changes the units (zero is refused when the edit is applied).
    pub fn units(mut self, units: u32) -> LineChanges {
        self.units = Some(units);
        self
    }

    /// Replaces the modifiers.
    pub fn modifiers<'a>(
        mut self,
        modifiers: impl IntoIterator<Item = &'a str>,
    ) -> Result<LineChanges, LineError> {
        self.modifiers = Some(parse_modifiers(modifiers)?);
        Ok(self)
    }

    /// Replaces the diagnosis pointers.
    pub fn diagnoses<'a>(
        mut self,
        diagnoses: impl IntoIterator<Item = &'a str>,
    ) -> Result<LineChanges, LineError> {
        self.diagnoses = Some(parse_diagnoses(diagnoses)?);
        Ok(self)
    }

    /// Changes the place of service.
    pub fn place_of_service(mut self, pos: &str) -> Result<LineChanges, LineError> {
        self.place_of_service = Some(parse_pos(pos)?);
        Ok(self)
    }

    /// Changes the date of service.
    pub fn date_of_service(mut self, date: NaiveDate) -> LineChanges {
        self.date_of_service = Some(date);
        self
    }

    /// Sets an override rate per unit.
    pub fn rate_override(mut self, per_unit: Decimal) -> LineChanges {
        self.rate = Some(RateChange::Override { per_unit });
        self
    }

    /// Drops the override and re-resolves the rate.
    pub fn resolve_rate(mut self) -> LineChanges {
        self.rate = Some(RateChange::Resolve);
        self
    }

    /// Applies the changes to a copy of `line`. Whether the rate must be
    /// re-resolved is reported by the second value.
    pub(crate) fn apply_to(&self, line: &CodeLine) -> (CodeLine, bool) {
        let mut l = line.clone();
        let mut re_resolve = false;
        if let Some(c) = &self.code {
            l.system = c.system;
            l.code = c.code;
            l.provenance = c.provenance;
            l.official_description = c.official_description.clone();
            if let Some(off) = &c.official_description {
                l.description = off.clone();
            }
            re_resolve = true;
        }
        if let Some(d) = &self.description {
            l.description = d.clone();
        }
        if let Some(u) = self.units {
            l.units = u;
        }
        if let Some(m) = &self.modifiers {
            l.modifiers = m.clone();
            re_resolve = true;
        }
        if let Some(d) = &self.diagnoses {
            l.diagnoses = d.clone();
        }
        if let Some(p) = self.place_of_service {
            l.place_of_service = Some(p);
        }
        if let Some(d) = self.date_of_service {
            l.date_of_service = Some(d);
            re_resolve = true;
        }
        match &self.rate {
            Some(RateChange::Override { per_unit }) => {
                l.rate = Some(Rate {
                    per_unit: *per_unit,
                    source: RateSource::Override,
                });
                re_resolve = false;
            }
            Some(RateChange::Resolve) => {
                l.rate = None;
                re_resolve = true;
            }
            None => {}
        }
        (l, re_resolve)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_remade_in_place_equals_a_new_manual_line() {
        let entry = Entry::new(
            Code::parse("G0438").expect("a code"),
            CodeSystem::Hcpcs,
            "Wellness",
        );
        let mut line = CodeLine::from_entry(&entry);
        line.id.push_str("L9");
        line.units = 4;
        line.modifiers.push(Code::parse("25").expect("a modifier"));
        line.diagnoses
            .push(Code::parse("F411").expect("a diagnosis"));
        line.place_of_service = Some(Code::parse("11").expect("a POS"));
        line.date_of_service = chrono::NaiveDate::from_ymd_opt(2026, 1, 2);
        line.rate = Some(Rate::overridden(Decimal::new(3000, 2)).expect("a rate"));
        let before = line.clone();
        // A code without the shape of its system leaves the line as it was.
        assert!(line
            .remake_manual(CodeSystem::Hcpcs, "99213", Code::parse_for)
            .is_err());
        assert_eq!(line, before);
        for (system, code) in [(CodeSystem::Hcpcs, "h0004"), (CodeSystem::Cpt, "99213")] {
            line.remake_manual(system, code, Code::parse_for)
                .expect("a code of its system");
            assert_eq!(
                line,
                CodeLine::manual(system, code, String::new()).expect("the same")
            );
        }
    }
}
