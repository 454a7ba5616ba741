//! A catalog entry: one code of one system with its descriptions and dates.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::code::{Code, CodeSystem};

/// One code of one code system, as the catalog knows it. Entries are immutable
/// values: the catalog hands out copies.
///
/// Entries may gain fields, so they are made with [`Entry::new`] (or
/// [`Entry::from_descriptions`]) and the `with_*` methods rather than a
/// struct literal; the fields can be read and changed as usual.
///
/// The JSON form (CLI `--json`, bindings) has exactly the fields `code`,
/// `system`, `description`, `short_description`, `effective`, `terminated`
/// (ISO dates or `null`) and `billable`; the HCPCS action code is Rust-only.
///
/// # Example
/// ```
/// use procode_index::{Code, CodeSystem, Entry};
/// use chrono::NaiveDate;
/// let e = Entry::new(Code::parse("G0438").unwrap(), CodeSystem::Hcpcs, "Annual wellness visit")
///     .with_effective(NaiveDate::from_ymd_opt(2011, 1, 1));
/// assert!(e.is_valid_on(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()));
/// assert!(!e.is_valid_on(NaiveDate::from_ymd_opt(2010, 3, 1).unwrap()));
/// assert_eq!(e.short_description, "Annual wellness visit");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Entry {
    /// The normalised code (ICD-10-CM without its dot).
    pub code: Code,
    /// The code system.
    pub system: CodeSystem,
    /// The long (full) description.
    pub description: String,
    /// The short description (CMS abbreviated title); equals `description` when
    /// the source has none.
    pub short_description: String,
    /// First day the code is valid (CMS "added" date), when known. For one
    /// version of a code whose title or billable flag changed (see
    /// `Catalog::versions`), the first day of that version.
    pub effective: Option<NaiveDate>,
    /// Last day the code is valid, when it has been (or will be) terminated;
    /// for an older version of a code, the last day of that version.
    pub terminated: Option<NaiveDate>,
    /// Whether the code may be billed (ICD-10 header rows such as F41 may not).
    pub billable: bool,
    /// The CMS HCPCS action code (A added, C changed, D discontinued, N no
    /// change, …) where the source has one.
    #[serde(skip)]
    pub action: Option<char>,
    /// Whether the code is a quality-data reporting code (HCPCS Level II
    /// MIPS/PQRS codes such as G8432 "Depression screening not documented,
    /// reason not given": reported on a claim for a quality measure, not a
    /// service CMS pays; see [`crate::reporting`]). Word search ranks such a
    /// code below a service that matches the query as well. Rust-only, like
    /// the action code.
    #[serde(skip)]
    pub reporting: bool,
}

impl Entry {
    /// A billable entry with one description used as both long and short form,
    /// no dates and no action code.
    pub fn new(code: Code, system: CodeSystem, description: impl Into<String>) -> Entry {
        let description = description.into();
        Entry::from_descriptions(code, system, description.clone(), description)
    }

    /// A billable entry with its long and short descriptions, no dates and no
    /// action code.
    pub fn from_descriptions(
        code: Code,
        system: CodeSystem,
        description: String,
        short_description: String,
    ) -> Entry {
        Entry {
            code,
            system,
            description,
            short_description,
            effective: None,
            terminated: None,
            billable: true,
            action: None,
            reporting: false,
        }
    }

    /// Sets the short description.
    pub fn with_short_description(mut self, short: impl Into<String>) -> Entry {
        self.short_description = short.into();
        self
    }

    /// Sets the effective (added) date.
    pub fn with_effective(mut self, date: Option<NaiveDate>) -> Entry {
        self.effective = date;
        self
    }

    /// Sets the termination date (last valid day).
    pub fn with_terminated(mut self, date: Option<NaiveDate>) -> Entry {
        self.terminated = date;
        self
    }

    /// Sets the billable flag.
    pub fn with_billable(mut self, billable: bool) -> Entry {
        self.billable = billable;
        self
    }

    /// Sets the HCPCS action code.
    pub fn with_action(mut self, action: Option<char>) -> Entry {
        self.action = action;
        self
    }

    /// Sets whether the code is a quality-data reporting code (see
    /// [`Entry::reporting`]).
    pub fn with_reporting(mut self, reporting: bool) -> Entry {
        self.reporting = reporting;
        self
    }

    /// Whether the code is valid on a date of service: not before its effective
    /// date and not after its termination date.
    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        self.effective.is_none_or(|e| e <= date) && self.terminated.is_none_or(|t| date <= t)
    }

    /// Whether the code carries a termination date (terminated codes are still
    /// found by searches without a date of service, marked by this).
    pub fn is_terminated(&self) -> bool {
        self.terminated.is_some()
    }

    /// The code as people write it (`F41.1` for ICD-10-CM).
    pub fn display_code(&self) -> String {
        self.code.display_for(self.system)
    }

    /// The entry as shown to people: its JSON plus `display_code` (the CLI's
    /// `--json` entries).
    ///
    /// # Example
    /// ```
    /// use procode_index::{Code, CodeSystem, Entry};
    /// let e = Entry::new(Code::parse("F41.1").unwrap(), CodeSystem::Icd10Cm, "Generalized anxiety disorder");
    /// let v = serde_json::to_value(e.shown()).unwrap();
    /// assert_eq!((v["code"].as_str(), v["display_code"].as_str()), (Some("F411"), Some("F41.1")));
    /// ```
    pub fn shown(&self) -> ShownEntry<'_> {
        ShownEntry {
            entry: self,
            display_code: self.display_code(),
        }
    }
}

/// An entry's JSON with the code as people write it: the fields of
/// [`Entry`]'s JSON and `display_code` (from [`Entry::shown`]).
#[derive(Debug, Clone, Serialize)]
pub struct ShownEntry<'a> {
    #[serde(flatten)]
    entry: &'a Entry,
    display_code: String,
}
