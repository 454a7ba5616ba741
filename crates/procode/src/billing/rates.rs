//! Fee schedules and rate resolution.

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::documents::BillingDocument;
use super::json::{parse_json, JsonError};
use super::line::{CodeLine, Rate, RateSource, MAX_MODIFIERS};
use super::money::{self, decimal_string, Currency, Money};
use crate::code::{Code, CodeSystem};
use crate::error::{ColumnError, RowError};

/// Why a fee schedule could not be loaded or extended.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RateError {
    /// The file could not be read.
    #[error("cannot read fee schedule {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// A required column is missing from the header.
    #[error("{0}; expected columns code, modifiers, rate, effective, terminated")]
    MissingColumn(ColumnError),
    /// A header column procode does not know (a misspelt `modifiers` would
    /// otherwise price every row without its modifiers).
    #[error("{file}: unknown column {column:?} in the header; the columns are code, modifiers, rate, effective, terminated (and description, which is ignored)")]
    UnknownColumn {
        /// The file.
        file: String,
        /// The column as found.
        column: String,
    },
    /// A fee schedule's JSON that cannot be read (the path names the field).
    #[error(transparent)]
    Json(#[from] JsonError),
    /// A row that cannot be read.
    #[error(transparent)]
    BadRow(RowError),
    /// The file is not valid CSV/TSV (e.g. a row with more fields than the header).
    #[error("{file}:{line}: {problem}")]
    Malformed {
        /// The file.
        file: String,
        /// 1-based line number (0 when unknown).
        line: u64,
        /// What the CSV reader reported.
        problem: String,
    },
    /// Two entries for the same code and modifiers whose periods overlap.
    #[error("fee schedule {schedule_id}: entry {key} overlaps an earlier entry for the same code and modifiers{}", line.map(|l| format!(" (line {l})")).unwrap_or_default())]
    Overlap {
        /// The schedule.
        schedule_id: String,
        /// The entry key.
        key: String,
        /// The line of the second entry, when loaded from a file.
        line: Option<u64>,
    },
    /// A bad entry (negative rate, termination before effective date…).
    #[error("fee schedule {schedule_id}: entry {key}: {problem}")]
    BadEntry {
        /// The schedule.
        schedule_id: String,
        /// The entry key.
        key: String,
        /// What is wrong.
        problem: String,
    },
}

/// One entry of a fee schedule: a code, optionally with modifiers, its rate
/// per unit and the period it applies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeEntry {
    /// The procedure code.
    pub code: Code,
    /// Modifiers the rate is for (matched as a set); empty for the code alone.
    #[serde(default)]
    pub modifiers: Vec<Code>,
    /// Rate per unit.
    #[serde(with = "decimal_string")]
    pub rate: Decimal,
    /// First day the rate applies.
    #[serde(default)]
    pub effective: Option<NaiveDate>,
    /// Last day the rate applies.
    #[serde(default)]
    pub terminated: Option<NaiveDate>,
}

impl FeeEntry {
    /// The entry's key: `CODE` or `CODE:MOD1:MOD2`.
    pub fn key(&self) -> String {
        let mut k = self.code.as_str().to_owned();
        for m in &self.modifiers {
            k.push(':');
            k.push_str(m.as_str());
        }
        k
    }

    /// Whether the entry applies on a date (always, when no date is given).
    pub fn applies_on(&self, date: Option<NaiveDate>) -> bool {
        date.is_none_or(|d| {
            self.effective.is_none_or(|e| e <= d) && self.terminated.is_none_or(|t| d <= t)
        })
    }

    fn sorted_modifiers(&self) -> Vec<Code> {
        let mut m = self.modifiers.clone();
        m.sort();
        m
    }

    fn overlaps(&self, other: &FeeEntry) -> bool {
        let start = |e: &FeeEntry| e.effective.unwrap_or(NaiveDate::MIN);
        let end = |e: &FeeEntry| e.terminated.unwrap_or(NaiveDate::MAX);
        start(self) <= end(other) && start(other) <= end(self)
    }
}

/// A fee schedule: per payer, or the practice default (`payer_id` `None`).
///
/// # Example
/// ```
/// use procode::billing::{Currency, FeeSchedule};
/// let csv = "code,modifiers,rate,effective,terminated\nH0004,,30.00,2025-01-01,\nH0004,HO,32.50,,\n";
/// let s = FeeSchedule::from_reader("DEFAULT", None, Currency::Usd, "fees.csv", csv.as_bytes(), b',').unwrap();
/// assert_eq!(s.entries().len(), 2);
/// assert_eq!(s.entries()[1].key(), "H0004:HO");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "FeeScheduleRepr")]
pub struct FeeSchedule {
    id: String,
    payer_id: Option<String>,
    currency: Currency,
    entries: Vec<FeeEntry>,
}

/// The JSON form of a fee schedule as read; every entry is added with
/// [`FeeSchedule::add`], so JSON gets the checks a file gets.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeeScheduleRepr {
    id: String,
    #[serde(default)]
    payer_id: Option<String>,
    currency: Currency,
    #[serde(default)]
    entries: Vec<FeeEntry>,
}

impl TryFrom<FeeScheduleRepr> for FeeSchedule {
    type Error = RateError;
    fn try_from(r: FeeScheduleRepr) -> Result<Self, RateError> {
        let mut s = FeeSchedule::new(r.id, r.payer_id, r.currency);
        for e in r.entries {
            s.add(e)?;
        }
        Ok(s)
    }
}

impl FeeSchedule {
    /// An empty schedule.
    pub fn new(id: impl Into<String>, payer_id: Option<String>, currency: Currency) -> Self {
        FeeSchedule {
            id: id.into(),
            payer_id,
            currency,
            entries: Vec::new(),
        }
    }

    /// Reads a schedule from its JSON (`{"id", "payer_id", "currency",
    /// "entries": [...]}`, as serialised); every entry gets the checks of
    /// [`FeeSchedule::add`].
    ///
    /// # Example
    /// ```
    /// use procode::billing::{FeeSchedule, RateError};
    /// let json = r#"{"id": "STD", "currency": "USD", "entries": [{"code": "H0004", "rate": "-1"}]}"#;
    /// assert!(matches!(FeeSchedule::from_json(json), Err(RateError::BadEntry { .. })));
    /// let typo = r#"{"id": "STD", "currency": "USD", "entries": [{"code": "H0004", "rat": "1"}]}"#;
    /// assert!(matches!(FeeSchedule::from_json(typo), Err(RateError::Json(_))));
    /// ```
    pub fn from_json(text: &str) -> Result<FeeSchedule, RateError> {
        parse_json::<FeeScheduleRepr>(text, "fee schedule")?.try_into()
    }

    /// The schedule's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The payer it is for; `None` for the practice default.
    pub fn payer_id(&self) -> Option<&str> {
        self.payer_id.as_deref()
    }

    /// The currency of its rates.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The entries, in insertion order.
    pub fn entries(&self) -> &[FeeEntry] {
        &self.entries
    }

    /// Adds an entry; refused when its rate is negative or too large, its
    /// period is inverted, or it overlaps an entry for the same code and
    /// modifiers.
    pub fn add(&mut self, entry: FeeEntry) -> Result<(), RateError> {
        self.add_at(entry, None)
    }

    fn add_at(&mut self, entry: FeeEntry, line: Option<u64>) -> Result<(), RateError> {
        let bad = |problem: String| RateError::BadEntry {
            schedule_id: self.id.clone(),
            key: entry.key(),
            problem,
        };
        money::check_amount(entry.rate).map_err(|e| bad(e.to_string()))?;
        if entry.modifiers.len() > MAX_MODIFIERS {
            return Err(bad(format!("at most {MAX_MODIFIERS} modifiers")));
        }
        if let Some(m) = entry
            .modifiers
            .iter()
            .find(|m| !m.fits(CodeSystem::Modifier))
        {
            return Err(bad(format!(
                "{m} is not a modifier (two letters or digits)"
            )));
        }
        if let (Some(e), Some(t)) = (entry.effective, entry.terminated) {
            if t < e {
                return Err(bad(format!("terminated {t} is before effective {e}")));
            }
        }
        let mods = entry.sorted_modifiers();
        if self
            .entries
            .iter()
            .any(|x| x.code == entry.code && x.sorted_modifiers() == mods && x.overlaps(&entry))
        {
            return Err(RateError::Overlap {
                schedule_id: self.id.clone(),
                key: entry.key(),
                line,
            });
        }
        self.entries.push(entry);
        Ok(())
    }

    /// The entry for a code with exactly these modifiers (as a set) on a date.
    pub fn find(
        &self,
        code: &Code,
        modifiers: &[Code],
        date: Option<NaiveDate>,
    ) -> Option<&FeeEntry> {
        let mut mods = modifiers.to_vec();
        mods.sort();
        self.entries
            .iter()
            .find(|e| e.code == *code && e.applies_on(date) && e.sorted_modifiers() == mods)
    }

    /// The entry for a line's code: first with its modifiers, then the code
    /// alone.
    pub fn lookup(
        &self,
        code: &Code,
        modifiers: &[Code],
        date: Option<NaiveDate>,
    ) -> Option<&FeeEntry> {
        self.find(code, modifiers, date).or_else(|| {
            if modifiers.is_empty() {
                None
            } else {
                self.find(code, &[], date)
            }
        })
    }

    /// Loads a schedule from a CSV/TSV file; a `.tsv` or `.tab` extension
    /// selects tabs, anything else commas.
    pub fn from_path(
        id: impl Into<String>,
        payer_id: Option<String>,
        currency: Currency,
        path: &Path,
    ) -> Result<FeeSchedule, RateError> {
        let file = std::fs::File::open(path).map_err(|source| RateError::Io {
            path: path.to_owned(),
            source,
        })?;
        let tab = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("tsv") || e.eq_ignore_ascii_case("tab"));
        let name = path.display().to_string();
        FeeSchedule::from_reader(
            id,
            payer_id,
            currency,
            &name,
            file,
            if tab { b'\t' } else { b',' },
        )
    }

    /// Loads a schedule from CSV/TSV text with a header row. Columns (any
    /// order, names case-insensitive): `code` and `rate` required; `modifiers`
    /// (separated by spaces, `;`, `|`, `+`, `:` or `,`), `effective` and
    /// `terminated` (ISO dates) optional; `description` allowed and ignored.
    /// Any other column is refused ([`RateError::UnknownColumn`]). Errors
    /// name the file, line and column.
    pub fn from_reader<R: Read>(
        id: impl Into<String>,
        payer_id: Option<String>,
        currency: Currency,
        file_name: &str,
        reader: R,
        delimiter: u8,
    ) -> Result<FeeSchedule, RateError> {
        let mut schedule = FeeSchedule::new(id, payer_id, currency);
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(false)
            .from_reader(reader);
        let malformed = |e: csv::Error| RateError::Malformed {
            file: file_name.to_owned(),
            line: e.position().map(|p| p.line()).unwrap_or(0),
            problem: e.to_string(),
        };
        let headers = rdr.headers().map_err(malformed)?.clone();
        let columns = Columns::of(&headers, file_name)?;
        for rec in rdr.records() {
            let rec = rec.map_err(malformed)?;
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            if let Some(entry) = columns.entry(&rec, file_name, line)? {
                schedule.add_at(entry, Some(line))?;
            }
        }
        Ok(schedule)
    }
}

/// The columns of a fee schedule file, by position.
struct Columns {
    code: usize,
    rate: usize,
    modifiers: Option<usize>,
    effective: Option<usize>,
    terminated: Option<usize>,
}

impl Columns {
    /// The columns named by a header row: `code` and `rate` required, any
    /// unknown column refused.
    fn of(headers: &csv::StringRecord, file_name: &str) -> Result<Columns, RateError> {
        let col = |name: &str| {
            headers.iter().position(|h| {
                h.trim()
                    .trim_start_matches('\u{feff}')
                    .eq_ignore_ascii_case(name)
            })
        };
        let found = headers.iter().collect::<Vec<_>>().join(", ");
        let required = |name: &'static str| {
            col(name).ok_or_else(|| {
                RateError::MissingColumn(ColumnError::new(file_name, name, found.as_str()))
            })
        };
        let code = required("code")?;
        let rate = required("rate")?;
        const KNOWN: [&str; 6] = [
            "code",
            "modifiers",
            "rate",
            "effective",
            "terminated",
            "description",
        ];
        if let Some(h) = headers.iter().find(|h| {
            let h = h.trim().trim_start_matches('\u{feff}');
            !KNOWN.iter().any(|k| k.eq_ignore_ascii_case(h))
        }) {
            return Err(RateError::UnknownColumn {
                file: file_name.to_owned(),
                column: h.to_owned(),
            });
        }
        Ok(Columns {
            code,
            rate,
            modifiers: col("modifiers"),
            effective: col("effective"),
            terminated: col("terminated"),
        })
    }

    /// The entry of one row (`line` of the file), or `None` for a blank row.
    fn entry(
        &self,
        rec: &csv::StringRecord,
        file_name: &str,
        line: u64,
    ) -> Result<Option<FeeEntry>, RateError> {
        let field = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("").trim();
        let bad = |column: &str, problem: String| {
            RateError::BadRow(RowError::new(file_name, line, column, problem))
        };
        let code_text = field(Some(self.code));
        if code_text.is_empty() && rec.iter().all(|f| f.trim().is_empty()) {
            return Ok(None);
        }
        let code = Code::parse(code_text).map_err(|e| bad("code", e.to_string()))?;
        let modifiers = field(self.modifiers)
            .split(|c: char| c.is_whitespace() || matches!(c, ';' | '|' | '+' | ':' | ','))
            .filter(|m| !m.is_empty())
            .map(|m| {
                Code::parse_for(CodeSystem::Modifier, m)
                    .map_err(|e| bad("modifiers", e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let rate_text = field(Some(self.rate));
        let rate: Decimal = rate_text.parse().map_err(|_| {
            bad(
                "rate",
                format!("{rate_text:?} is not a decimal amount (write it like 30.00)"),
            )
        })?;
        money::check_amount(rate).map_err(|e| bad("rate", e.to_string()))?;
        let date = |name: &'static str, i: Option<usize>| -> Result<Option<NaiveDate>, RateError> {
            let t = field(i);
            if t.is_empty() {
                return Ok(None);
            }
            crate::date::parse_date(t)
                .map(Some)
                .map_err(|_| bad(name, format!("{t:?} is not an ISO date (YYYY-MM-DD)")))
        };
        let effective = date("effective", self.effective)?;
        let terminated = date("terminated", self.terminated)?;
        if let (Some(e), Some(t)) = (effective, terminated) {
            if t < e {
                return Err(bad(
                    "terminated",
                    format!("{t} is before the effective date {e}"),
                ));
            }
        }
        Ok(Some(FeeEntry {
            code,
            modifiers,
            rate,
            effective,
            terminated,
        }))
    }
}

/// What rate resolution needs to know of a document: its payer, its date
/// (the default date of service), its currency and the service price (the
/// last resort). [`RateContext::of`] takes them from a [`BillingDocument`];
/// [`RateContext::new`] and the setters describe one by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateContext<'a> {
    /// The payer, for payer fee schedules.
    pub payer_id: Option<&'a str>,
    /// The date of service of lines that have none of their own.
    pub date: Option<NaiveDate>,
    /// The currency: only schedules in it are consulted.
    pub currency: Currency,
    /// The service price, used as the rate per unit when no schedule applies.
    pub service_price: Option<Money>,
}

impl<'a> RateContext<'a> {
    /// A document in `currency` with no payer, date or service price.
    pub fn new(currency: Currency) -> RateContext<'a> {
        RateContext {
            payer_id: None,
            date: None,
            currency,
            service_price: None,
        }
    }

    /// The facts of `doc`.
    pub fn of<D: BillingDocument + ?Sized>(doc: &'a D) -> RateContext<'a> {
        RateContext {
            payer_id: doc.payer_id(),
            date: doc.date(),
            currency: doc.currency(),
            service_price: doc.service_price(),
        }
    }

    /// With the payer `payer_id`.
    pub fn payer(self, payer_id: Option<&'a str>) -> RateContext<'a> {
        RateContext { payer_id, ..self }
    }

    /// With the document date `date`.
    pub fn date(self, date: Option<NaiveDate>) -> RateContext<'a> {
        RateContext { date, ..self }
    }

    /// With the service price `price`.
    pub fn service_price(self, price: Option<Money>) -> RateContext<'a> {
        RateContext {
            service_price: price,
            ..self
        }
    }
}

/// The fee schedules a practice bills with, for resolving line rates.
///
/// Resolution order for a line of a document whose payer is `payer_id`:
/// an explicit override on the line → the payer's schedule (code with the
/// line's modifiers, then the code alone) → the practice default schedule
/// (same two steps) → the service's price, used as the rate per unit.
/// Only schedules in the document's currency are consulted.
///
/// # Example
/// ```
/// use procode::billing::{CodeLine, Currency, FeeSchedule, Pricing, RateContext, RateSource};
/// use procode::CodeSystem;
/// let csv = "code,modifiers,rate\nH0004,,30.00\n";
/// let default = FeeSchedule::from_reader("STD", None, Currency::Usd, "std.csv", csv.as_bytes(), b',').unwrap();
/// let schedules = [default];
/// let pricing = Pricing::new(&schedules);
/// let line = CodeLine::manual(CodeSystem::Hcpcs, "H0004", "Counseling").unwrap();
/// let rate = pricing.resolve(&line, &RateContext::new(Currency::Usd)).unwrap();
/// assert_eq!(rate.per_unit.to_string(), "30.00");
/// assert_eq!(rate.source, RateSource::DefaultSchedule { schedule_id: "STD".into(), entry: "H0004".into() });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Pricing<'a> {
    schedules: &'a [FeeSchedule],
}

impl<'a> Pricing<'a> {
    /// Pricing over these schedules (payer schedules and at most one default
    /// per currency; the first match wins).
    pub fn new(schedules: &'a [FeeSchedule]) -> Pricing<'a> {
        Pricing { schedules }
    }

    /// No schedules: lines resolve to overrides or the service price only.
    pub fn none() -> Pricing<'static> {
        Pricing { schedules: &[] }
    }

    /// The schedules.
    pub fn schedules(&self) -> &'a [FeeSchedule] {
        self.schedules
    }

    /// The rate of a line on `doc` (its payer, date, currency and service
    /// price), or `None` when nothing applies.
    pub fn rate_for<D: BillingDocument + ?Sized>(&self, doc: &D, line: &CodeLine) -> Option<Rate> {
        self.resolve(line, &RateContext::of(doc))
    }

    /// The rate of a line of a document described by `ctx` (its payer, date
    /// — the default date of service —, currency and service price), or
    /// `None` when nothing applies; [`Pricing::rate_for`] takes them from
    /// the document.
    pub fn resolve(&self, line: &CodeLine, ctx: &RateContext<'_>) -> Option<Rate> {
        let RateContext {
            payer_id,
            date,
            currency,
            service_price,
        } = *ctx;
        if let Some(r) = line
            .rate
            .as_ref()
            .filter(|r| r.source == RateSource::Override)
        {
            return Some(r.clone());
        }
        let date = line.service_date(date);
        // The first schedule of the payer (`Some`) or of no payer (`None`),
        // in the currency, that has the line.
        let from_schedules = |payer: Option<&str>| {
            self.schedules
                .iter()
                .filter(|s| s.currency == currency && s.payer_id.as_deref() == payer)
                .find_map(|s| {
                    let e = s.lookup(&line.code, &line.modifiers, date)?;
                    let (schedule_id, entry) = (s.id.clone(), e.key());
                    let source = match payer {
                        Some(_) => RateSource::PayerSchedule { schedule_id, entry },
                        None => RateSource::DefaultSchedule { schedule_id, entry },
                    };
                    Some(Rate {
                        per_unit: e.rate,
                        source,
                    })
                })
        };
        if let Some(rate) = payer_id.and_then(|payer| from_schedules(Some(payer))) {
            return Some(rate);
        }
        if let Some(rate) = from_schedules(None) {
            return Some(rate);
        }
        service_price
            .filter(|p| p.currency() == currency)
            .map(|p| Rate {
                per_unit: p.amount(),
                source: RateSource::ServicePrice,
            })
    }
}
