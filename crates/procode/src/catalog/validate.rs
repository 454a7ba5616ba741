//! Why a code is (not) valid on a date of service: [`Catalog::validate`].

use chrono::NaiveDate;
use fst::{IntoStreamer, Streamer};
use serde::Serialize;

use super::Catalog;
use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::error::Result;

/// The answer of [`Catalog::validate`]: whether a code may be billed on a
/// date of service, and if not, why.
///
/// The JSON form (CLI `lookup --json`, bindings) is an object with
/// `verdict` (`valid`, `not_yet_effective`, `terminated`, `header`,
/// `unknown`), `code` (as written, e.g. `T52.8X1A`), `system` (or `null`),
/// `as_of` (or `null`), `entry` (the version judged, or `null`),
/// `effective` / `terminated` (ISO dates or `null`) and `codes` (the
/// replacement codes of a terminated code, the billable children of a
/// header; each an entry).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Valid on the date (or, without a date, current) and billable.
    Valid {
        /// The version in force.
        entry: Entry,
    },
    /// The code takes effect after the date.
    NotYetEffective {
        /// The version that takes effect first after the date.
        entry: Entry,
        /// Its first day.
        effective: NaiveDate,
    },
    /// The code was terminated before the date (without a date: it is
    /// terminated).
    Terminated {
        /// The last version of the code.
        entry: Entry,
        /// Its last day.
        terminated: NaiveDate,
        /// The codes that took its place: the billable codes new on the day
        /// after, under its nearest ancestor still in force, narrowed to
        /// those that agree with it position by position where any do (the
        /// placeholder X matches anything). Empty when the release adds none
        /// there.
        replacements: Vec<Entry>,
    },
    /// A category header, not billable on the date.
    Header {
        /// The header's version in force.
        entry: Entry,
        /// Its billable codes valid on the date (current ones without a
        /// date), in code order.
        billable_children: Vec<Entry>,
    },
    /// The catalog does not hold the code (in the system asked).
    Unknown {
        /// The code.
        code: Code,
        /// The system asked, if any.
        system: Option<CodeSystem>,
    },
}

impl Verdict {
    /// The machine-readable name: `valid`, `not_yet_effective`,
    /// `terminated`, `header` or `unknown`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Valid { .. } => "valid",
            Verdict::NotYetEffective { .. } => "not_yet_effective",
            Verdict::Terminated { .. } => "terminated",
            Verdict::Header { .. } => "header",
            Verdict::Unknown { .. } => "unknown",
        }
    }

    /// Whether the code may be billed on the date.
    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid { .. })
    }

    /// The entry judged, unless the code is unknown.
    pub fn entry(&self) -> Option<&Entry> {
        match self {
            Verdict::Valid { entry }
            | Verdict::NotYetEffective { entry, .. }
            | Verdict::Terminated { entry, .. }
            | Verdict::Header { entry, .. } => Some(entry),
            Verdict::Unknown { .. } => None,
        }
    }

    /// The codes the verdict names: replacements of a terminated code,
    /// billable children of a header; empty otherwise.
    pub fn codes(&self) -> &[Entry] {
        match self {
            Verdict::Terminated { replacements, .. } => replacements,
            Verdict::Header {
                billable_children, ..
            } => billable_children,
            _ => &[],
        }
    }

    /// One sentence for people (the CLI prints it).
    pub fn message(&self, as_of: Option<NaiveDate>) -> String {
        let on = as_of.map_or_else(String::new, |d| format!(" on {d}"));
        let list = |codes: &[Entry]| {
            let mut shown: Vec<String> = codes.iter().take(12).map(Entry::display_code).collect();
            if codes.len() > 12 {
                shown.push(format!("and {} more", codes.len() - 12));
            }
            shown.join(", ")
        };
        match self {
            Verdict::Valid { entry } => {
                format!("{} {} is valid{on}", entry.system, entry.display_code())
            }
            Verdict::NotYetEffective { entry, effective } => format!(
                "{} {} is not yet effective{on}: it takes effect on {effective}",
                entry.system,
                entry.display_code()
            ),
            Verdict::Terminated {
                entry,
                terminated,
                replacements,
            } => {
                let mut s = format!(
                    "{} {} is terminated: its last valid day was {terminated}",
                    entry.system,
                    entry.display_code()
                );
                if !replacements.is_empty() {
                    s.push_str(&format!("; replaced by {}", list(replacements)));
                }
                s
            }
            Verdict::Header {
                entry,
                billable_children,
            } => format!(
                "{} {} is a header, not billable{on}: bill one of {}",
                entry.system,
                entry.display_code(),
                if billable_children.is_empty() {
                    "its subcodes".to_owned()
                } else {
                    list(billable_children)
                }
            ),
            Verdict::Unknown { code, system } => match system {
                Some(s) => format!("no {s} code {} in the catalog", code.display_for(*s)),
                None => format!("no code {code} in the catalog"),
            },
        }
    }
}

/// The JSON form described on [`Verdict`].
impl Serialize for Verdict {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(6))?;
        m.serialize_entry("verdict", self.as_str())?;
        match self {
            Verdict::Unknown { code, system } => {
                m.serialize_entry(
                    "code",
                    &system.map_or(code.to_string(), |s| code.display_for(s)),
                )?;
                m.serialize_entry("system", system)?;
            }
            _ => {
                let e = self.entry();
                m.serialize_entry("code", &e.map(Entry::display_code))?;
                m.serialize_entry("system", &e.map(|e| e.system))?;
            }
        }
        m.serialize_entry("entry", &self.entry())?;
        let (eff, term) = match self {
            Verdict::NotYetEffective { effective, .. } => (Some(*effective), None),
            Verdict::Terminated { terminated, .. } => (None, Some(*terminated)),
            _ => (None, None),
        };
        m.serialize_entry("effective", &eff)?;
        m.serialize_entry("terminated", &term)?;
        m.serialize_entry("codes", self.codes())?;
        m.end()
    }
}

impl Catalog {
    /// Why a code is or is not valid on a date of service, as a typed
    /// [`Verdict`]: valid; not yet effective (with its first day);
    /// terminated (its last day and the codes that replaced it); a header
    /// (with its billable children); unknown. Without `as_of`, the current
    /// version is judged (a terminated code is terminated). Without a
    /// system, the first system holding the code answers (as in
    /// [`Catalog::lookup`]).
    ///
    /// # Example
    /// ```
    /// use procode::catalog::Verdict;
    /// use procode::{Catalog, Code, CodeSystem, Entry};
    /// use chrono::NaiveDate;
    /// let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    /// let cat = Catalog::build([
    ///     Entry::new(Code::parse("X11").unwrap(), CodeSystem::Custom, "Old").with_terminated(Some(day(2026, 9, 30))),
    /// ]).unwrap();
    /// let v = cat.validate("X11", Some(CodeSystem::Custom), Some(day(2026, 10, 1))).unwrap();
    /// assert!(matches!(v, Verdict::Terminated { .. }));
    /// assert_eq!(v.as_str(), "terminated");
    /// assert!(cat.validate("X11", None, Some(day(2026, 9, 1))).unwrap().is_valid());
    /// ```
    ///
    /// # Errors
    /// [`CatalogError::Code`](crate::CatalogError::Code) when `code` is not
    /// a code, and the errors of a damaged index.
    pub fn validate(
        &self,
        code: &str,
        system: Option<CodeSystem>,
        as_of: Option<NaiveDate>,
    ) -> Result<Verdict> {
        let code = Code::parse(code)?;
        let systems: Vec<CodeSystem> = match system {
            Some(s) => vec![s],
            None => CodeSystem::ALL
                .into_iter()
                .filter(|s| code.fits(*s))
                .collect(),
        };
        for s in systems {
            let versions = self.versions(&code, s)?;
            if !versions.is_empty() {
                return self.judge(versions, as_of);
            }
        }
        Ok(Verdict::Unknown { code, system })
    }

    /// The verdict on one code's versions (oldest first, at least one).
    fn judge(&self, mut versions: Vec<Entry>, as_of: Option<NaiveDate>) -> Result<Verdict> {
        let in_force = match as_of {
            Some(d) => versions.iter().rposition(|v| v.is_valid_on(d)),
            None => versions
                .len()
                .checked_sub(1)
                .filter(|&last| versions[last].terminated.is_none()),
        };
        let Some(i) = in_force else {
            let later = as_of.and_then(|d| {
                versions
                    .iter()
                    .position(|v| v.effective.is_some_and(|e| e > d))
            });
            if let Some(i) = later {
                let entry = versions.swap_remove(i);
                let effective = entry.effective.unwrap_or(NaiveDate::MIN);
                return Ok(Verdict::NotYetEffective { entry, effective });
            }
            let Some(entry) = versions.pop() else {
                return Err(crate::CatalogError::Corrupt {
                    what: "a code without versions".into(),
                });
            };
            let terminated = entry.terminated.unwrap_or(NaiveDate::MIN);
            let replacements = self.replacements(&entry, terminated)?;
            return Ok(Verdict::Terminated {
                entry,
                terminated,
                replacements,
            });
        };
        let entry = versions.swap_remove(i);
        if entry.billable {
            return Ok(Verdict::Valid { entry });
        }
        let billable_children = self
            .under(&entry.code, entry.system, as_of)?
            .into_iter()
            .filter(|e| {
                e.billable && e.code != entry.code && as_of.is_none_or(|d| e.is_valid_on(d))
            })
            .filter(|e| as_of.is_some() || e.terminated.is_none())
            .collect();
        Ok(Verdict::Header {
            entry,
            billable_children,
        })
    }

    /// The codes of `system` starting with `prefix` (the prefix itself
    /// included), each as of `as_of`, in code order.
    fn under(
        &self,
        prefix: &Code,
        system: CodeSystem,
        as_of: Option<NaiveDate>,
    ) -> Result<Vec<Entry>> {
        let lo = prefix.as_bytes().to_vec();
        let mut hi = lo.clone();
        if let Some(last) = hi.last_mut() {
            *last += 1;
        }
        let mut out = Vec::new();
        let mut stream = self.index.codes()?.range().ge(&lo).lt(&hi).into_stream();
        while let Some((key, id)) = stream.next() {
            if key.last().copied() == Some(system.to_u8()) {
                out.push(self.index.entry_on(id as u32, as_of)?);
            }
        }
        for e in self.overlay.custom.values() {
            if e.system == system && e.code.as_bytes().starts_with(prefix.as_bytes()) {
                out.push(e.clone());
            }
        }
        out.sort_by_key(|e| e.code);
        Ok(out)
    }

    /// The codes that replaced `old`, terminated on `last`: see
    /// [`Verdict::Terminated`].
    fn replacements(&self, old: &Entry, last: NaiveDate) -> Result<Vec<Entry>> {
        let Some(next) = last.succ_opt() else {
            return Ok(Vec::new());
        };
        let c = old.code.as_bytes();
        // The nearest ancestor (a prefix of at least three characters) in
        // force on the day after.
        let mut ancestor = None;
        for len in (3..c.len()).rev() {
            let Some(p) = Code::from_normalised(&c[..len]) else {
                continue;
            };
            if self.lookup_code(&p, old.system, Some(next))?.is_some() {
                ancestor = Some(p);
                break;
            }
        }
        let Some(ancestor) = ancestor else {
            return Ok(Vec::new());
        };
        let new: Vec<Entry> = self
            .under(&ancestor, old.system, Some(next))?
            .into_iter()
            .filter(|e| e.billable && e.effective == Some(next) && e.is_valid_on(next))
            .collect();
        let k = ancestor.as_bytes().len();
        let agrees = |e: &Entry| {
            let n = e.code.as_bytes();
            n.len() == c.len()
                && n[k..]
                    .iter()
                    .zip(&c[k..])
                    .all(|(a, b)| a == b || *b == b'X')
        };
        let close: Vec<Entry> = new.iter().filter(|e| agrees(e)).cloned().collect();
        Ok(if close.is_empty() { new } else { close })
    }
}
