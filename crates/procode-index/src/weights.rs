//! The ranking weights of word search: how much each kind of match and each
//! property of a code counts. One place for every rule of the ranking; the
//! host can tune them with a small file (see [`SearchWeights::parse`]).
//!
//! A result's score is the sum of, per query word, the weight of how the
//! word matched, plus the weights of the code's properties:
//!
//! | name | default | what |
//! |---|---:|---|
//! | `title_exact` | 100 | a query word is a whole word of the title |
//! | `title_prefix` | 60 | a query word starts a title word, or matches a word of the short description |
//! | `extra_exact` | 80 | a query word is a whole word of an inclusion term (ICD-10-CM) |
//! | `extra_prefix` | 50 | a query word starts a word of an inclusion term |
//! | `typo` | 25 | a query word is within the typo budget of a word (only when nothing matches as typed) |
//! | `synonym` | -12 | per query word matched through the synonym list, added to the weight of the match of the expansion's words |
//! | `phrase` | 60 | the whole query (or its synonym expansion, or in a typo search the query with a misspelt word corrected) is the title or an inclusion term, leaving out parenthesised words and a trailing ", unspecified", "NOS", "not otherwise specified" or ", uncomplicated"; a billable title "Unspecified X" counts as the whole of X |
//! | `billable` | 45 | the code is billable (headers stay findable, below their billable codes) |
//! | `general` | 25 | the title says "unspecified", "NOS", "not otherwise specified", "without complication(s)" or "not specified": the general code a biller picks when the query names only the condition |
//! | `nos_default` | 40 | the ICD-10-CM tabular list sends the condition the query names to this code: an inclusion or includes term "X NOS" of the code, or of its category when the code is that category's general billable code (E11 "diabetes NOS" → E11.9), and the query's words cover every word of X (as prefixes, or within the typo budget of a typo search; for an eponym's "X's disease NOS" or "X's syndrome NOS", the eponym alone covers it) |
//! | `terminated` | -40 | the code has a termination date (searches without a date of service still find it, below current codes) |
//! | `extension` | -25 | the title names an ICD-10-CM 7th character other than the default: "subsequent encounter", "sequela" or "open fracture" (the initial encounter for a closed fracture, A, first: a fracture not said to be open is coded closed) |
//! | `pregnancy_newborn` | -30 | the code is in ICD-10-CM chapter 15 (O: pregnancy, childbirth, the puerperium) or 16 (P: the perinatal period) and no query word names a pregnancy, a birth or a newborn (`hiv` → B20 before O98.719 "… complicating pregnancy, unspecified trimester") |
//! | `reporting_code` | -45 | the code is a quality-data reporting code (HCPCS G8432 "Depression screening not documented, reason not given": MIPS measure codes CMS does not pay for, see [`crate::reporting`]): a service that matches as well (G0444 "Annual depression screening, 5 to 15 minutes") comes first; the reporting code stays findable by its code and by its words |
//! | `other` | -10 | the title starts with "Other" (a residual category) |
//! | `leading` | 15 | the title's first word is matched (the item itself, not an attachment to it; in a drug title that opens with its route, "Injection, ketorolac …", the drug's name) |
//! | `unmatched_word` | -3 | per title word no query word matched (parenthesised words, small words and the words "unspecified", "NOS", "not", "otherwise", "specified", "site", "without", "initial" and "encounter", and a drug title's opening route "Injection," or "Infusion," do not count), at most 12 words |
//! | `favourite` | 60 | the practice marked the code as a favourite |
//!
//! Ties go to the shorter title, then the code. Code-shaped queries are not
//! scored: they list the exact code first, then its descendants.

use std::fmt;
use std::path::Path;

/// The ranking weights of word search (see the [module](self) table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchWeights {
    /// A query word is a whole word of the title.
    pub title_exact: i32,
    /// A query word starts a title word or matches a short-description word.
    pub title_prefix: i32,
    /// A query word is a whole word of an inclusion term.
    pub extra_exact: i32,
    /// A query word starts a word of an inclusion term.
    pub extra_prefix: i32,
    /// A query word matched within the typo budget.
    pub typo: i32,
    /// Added per query word matched through a synonym.
    pub synonym: i32,
    /// The query is the whole title or inclusion term.
    pub phrase: i32,
    /// The code is billable.
    pub billable: i32,
    /// The title says "unspecified", "NOS", "not otherwise specified" or
    /// "without complications" or "not specified".
    pub general: i32,
    /// The tabular list's "X NOS" term of the code (or of its category, for
    /// the category's general billable code) is covered by the query.
    pub nos_default: i32,
    /// The code has a termination date.
    pub terminated: i32,
    /// The title says "subsequent encounter", "sequela" or "open fracture"
    /// (an ICD-10-CM 7th character other than the default A).
    pub extension: i32,
    /// The code is for a pregnancy or a newborn (ICD-10-CM O and P codes)
    /// and no query word names one.
    pub pregnancy_newborn: i32,
    /// The code is a quality-data reporting code (`Entry::reporting`).
    pub reporting_code: i32,
    /// The title starts with "Other".
    pub other: i32,
    /// The title's first word is matched.
    pub leading: i32,
    /// Per title word no query word matched.
    pub unmatched_word: i32,
    /// The code is a favourite of the practice.
    pub favourite: i32,
}

impl Default for SearchWeights {
    fn default() -> Self {
        SearchWeights {
            title_exact: 100,
            title_prefix: 60,
            extra_exact: 80,
            extra_prefix: 50,
            typo: 25,
            synonym: -12,
            phrase: 60,
            billable: 45,
            general: 25,
            nos_default: 40,
            terminated: -40,
            extension: -25,
            pregnancy_newborn: -30,
            reporting_code: -45,
            other: -10,
            leading: 15,
            unmatched_word: -3,
            favourite: 60,
        }
    }
}

/// The names of the weights, in table order.
pub const WEIGHT_NAMES: [&str; 18] = [
    "title_exact",
    "title_prefix",
    "extra_exact",
    "extra_prefix",
    "typo",
    "synonym",
    "phrase",
    "billable",
    "general",
    "nos_default",
    "terminated",
    "extension",
    "pregnancy_newborn",
    "reporting_code",
    "other",
    "leading",
    "unmatched_word",
    "favourite",
];

/// The largest absolute value of a weight.
pub const MAX_WEIGHT: i32 = 10_000;

/// A weights file that cannot be used: what is wrong and on which line
/// (1-based, counting comment lines).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WeightsError {
    /// The file could not be read.
    Io {
        /// What the OS said, with the path.
        message: String,
    },
    /// A line is not `name<TAB>value`.
    Fields {
        /// The line.
        line: usize,
        /// How many tab-separated fields it has.
        found: usize,
    },
    /// The name is not one of [`WEIGHT_NAMES`].
    UnknownName {
        /// The line.
        line: usize,
        /// The name found.
        name: String,
    },
    /// The value is not an integer within ±[`MAX_WEIGHT`].
    Value {
        /// The line.
        line: usize,
        /// The value found.
        value: String,
    },
    /// The name was already given on an earlier line.
    Duplicate {
        /// The line.
        line: usize,
        /// The name.
        name: String,
        /// The earlier line.
        first_line: usize,
    },
}

impl WeightsError {
    /// The 1-based line the error is about (`None` for an unreadable file).
    pub fn line(&self) -> Option<usize> {
        match self {
            WeightsError::Io { .. } => None,
            WeightsError::Fields { line, .. }
            | WeightsError::UnknownName { line, .. }
            | WeightsError::Value { line, .. }
            | WeightsError::Duplicate { line, .. } => Some(*line),
        }
    }
}

impl fmt::Display for WeightsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeightsError::Io { message } => write!(f, "cannot read the weights file: {message}"),
            WeightsError::Fields { line, found } => write!(
                f,
                "line {line}: 2 tab-separated fields expected (name, value), found {found}"
            ),
            WeightsError::UnknownName { line, name } => write!(
                f,
                "line {line}: unknown weight {name:?} (known: {})",
                WEIGHT_NAMES.join(", ")
            ),
            WeightsError::Value { line, value } => write!(
                f,
                "line {line}: weight value {value:?} is not an integer between -{MAX_WEIGHT} and {MAX_WEIGHT}"
            ),
            WeightsError::Duplicate {
                line,
                name,
                first_line,
            } => write!(
                f,
                "line {line}: weight {name:?} is already set on line {first_line}"
            ),
        }
    }
}

impl std::error::Error for WeightsError {}

impl SearchWeights {
    fn slot(&mut self, name: &str) -> Option<&mut i32> {
        Some(match name {
            "title_exact" => &mut self.title_exact,
            "title_prefix" => &mut self.title_prefix,
            "extra_exact" => &mut self.extra_exact,
            "extra_prefix" => &mut self.extra_prefix,
            "typo" => &mut self.typo,
            "synonym" => &mut self.synonym,
            "phrase" => &mut self.phrase,
            "billable" => &mut self.billable,
            "general" => &mut self.general,
            "nos_default" => &mut self.nos_default,
            "terminated" => &mut self.terminated,
            "extension" => &mut self.extension,
            "pregnancy_newborn" => &mut self.pregnancy_newborn,
            "reporting_code" => &mut self.reporting_code,
            "other" => &mut self.other,
            "leading" => &mut self.leading,
            "unmatched_word" => &mut self.unmatched_word,
            "favourite" => &mut self.favourite,
            _ => return None,
        })
    }

    /// The weight called `name` (one of [`WEIGHT_NAMES`]).
    pub fn get(&self, name: &str) -> Option<i32> {
        let mut copy = *self;
        copy.slot(name).map(|v| *v)
    }

    /// Parses a weights file: UTF-8, one `name<TAB>value` per line (value an
    /// integer), empty lines and lines starting with `#` ignored. Weights
    /// the file does not name keep their defaults.
    ///
    /// # Errors
    /// A [`WeightsError`] naming the line: a line that is not two fields, an
    /// unknown name, a value that is not an integer within ±[`MAX_WEIGHT`],
    /// a name given twice.
    ///
    /// # Example
    /// ```
    /// use procode_index::weights::{SearchWeights, WeightsError};
    /// let w = SearchWeights::parse("# tuned\nbillable\t80\n").unwrap();
    /// assert_eq!(w.billable, 80);
    /// assert_eq!(w.title_exact, SearchWeights::default().title_exact);
    /// assert!(matches!(
    ///     SearchWeights::parse("billabel\t80\n"),
    ///     Err(WeightsError::UnknownName { line: 1, .. })
    /// ));
    /// ```
    pub fn parse(text: &str) -> Result<SearchWeights, WeightsError> {
        let mut w = SearchWeights::default();
        let mut seen: Vec<(String, usize)> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            if raw.trim().is_empty() || raw.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = raw.split('\t').collect();
            if f.len() != 2 {
                return Err(WeightsError::Fields {
                    line,
                    found: f.len(),
                });
            }
            let name = f[0].trim();
            if let Some((_, first_line)) = seen.iter().find(|(n, _)| n == name) {
                return Err(WeightsError::Duplicate {
                    line,
                    name: name.to_owned(),
                    first_line: *first_line,
                });
            }
            let value = f[1].trim();
            let v = value
                .parse::<i32>()
                .ok()
                .filter(|v| v.abs() <= MAX_WEIGHT)
                .ok_or_else(|| WeightsError::Value {
                    line,
                    value: value.to_owned(),
                })?;
            let slot = w.slot(name).ok_or_else(|| WeightsError::UnknownName {
                line,
                name: name.to_owned(),
            })?;
            *slot = v;
            seen.push((name.to_owned(), line));
        }
        Ok(w)
    }

    /// Reads and parses a weights file (see [`SearchWeights::parse`]).
    ///
    /// # Errors
    /// [`WeightsError::Io`] when the file cannot be read, else those of
    /// [`SearchWeights::parse`].
    pub fn from_path(path: &Path) -> Result<SearchWeights, WeightsError> {
        let text = std::fs::read_to_string(path).map_err(|e| WeightsError::Io {
            message: format!("{}: {e}", path.display()),
        })?;
        SearchWeights::parse(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips_and_errors_name_their_line() {
        for (k, name) in WEIGHT_NAMES.iter().enumerate() {
            let w = SearchWeights::parse(&format!("# c\n\n{name}\t{}\n", k as i32 - 5)).unwrap();
            assert_eq!(w.get(name), Some(k as i32 - 5));
        }
        assert_eq!(
            SearchWeights::parse("billable 3\n"),
            Err(WeightsError::Fields { line: 1, found: 1 })
        );
        assert_eq!(
            SearchWeights::parse("#\nbillable\tx\n"),
            Err(WeightsError::Value {
                line: 2,
                value: "x".into()
            })
        );
        assert!(matches!(
            SearchWeights::parse("billable\t10001\n"),
            Err(WeightsError::Value { line: 1, .. })
        ));
        assert_eq!(
            SearchWeights::parse("typo\t1\ntypo\t2\n"),
            Err(WeightsError::Duplicate {
                line: 2,
                name: "typo".into(),
                first_line: 1
            })
        );
        let e = SearchWeights::parse("nope\t1\n").unwrap_err();
        assert_eq!(e.line(), Some(1));
        assert!(e.to_string().starts_with("line 1: "), "{e}");
    }
}
