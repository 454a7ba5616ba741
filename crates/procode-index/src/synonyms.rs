//! The curated synonym and abbreviation list of search (`crates/procode-index/search/synonyms.tsv`):
//! what billers, front desks and clinicians type (`htn`, `high blood pressure`,
//! `toradol`, `tens unit`) and the words of the CMS/CDC titles it stands for
//! (`hypertension`, `ketorolac`, `transcutaneous electrical nerve stimulation`).
//!
//! Search uses the shipped list ([`SynonymList::shipped`]) plus any list the
//! host adds (`Catalog::with_synonyms`); the benchmarks crate checks the
//! shipped list against the embedded catalog.
//!
//! # File format
//! UTF-8, tab-separated, no quoting. Lines that are empty or start with `#` are
//! comments. The first other line is the header
//! `term, expansions, kind, systems, source`; each further line is one entry:
//!
//! | column | meaning |
//! |---|---|
//! | `term` | what the user types, folded: lower-case ASCII letters and digits in words separated by one space (`htn`, `high blood pressure`, `a fib`) |
//! | `expansions` | one or more alternatives separated by ` \| `, each a folded phrase that occurs word for word in CMS/CDC titles (`hypertension`, `type 2 diabetes mellitus`) |
//! | `kind` | `abbreviation`, `lay`, `brand`, `drug`, `synonym` or `variant` ([`SynonymKind`]) |
//! | `systems` | the code systems whose titles the expansions are meant to find: `any`, or a comma-separated list (`icd10cm`, `hcpcs,modifier`) |
//! | `source` | the source or reasoning of the entry (never CPT text) |
//!
//! A term may appear on several lines only when their systems do not overlap
//! (`ed` is erectile dysfunction in ICD-10-CM and the emergency department as a
//! place of service).
//!
//! Folding, as for queries: letters are lower-cased, accented Latin letters
//! lose their accent, apostrophes are dropped (`crohn's` → `crohns`) and every
//! other character that is not a letter or digit separates words.
//!
//! # Example
//! ```
//! use procode_index::synonyms::{SynonymKind, SynonymList};
//! let text = "term\texpansions\tkind\tsystems\tsource\n\
//!             htn\thypertension\tabbreviation\ticd10cm\tstandard clinical abbreviation\n";
//! let list = SynonymList::parse(text).unwrap();
//! let e = &list.entries()[0];
//! assert_eq!(e.expansions, ["hypertension"]);
//! assert_eq!(e.kind, SynonymKind::Abbreviation);
//! assert_eq!(list.lookup("htn").count(), 1);
//! ```

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use crate::code::CodeSystem;
pub use crate::text::fold;

/// The shipped list, `crates/procode-index/search/synonyms.tsv` of the repository.
static SHIPPED: &str = include_str!("../search/synonyms.tsv");

/// The header line of a synonym file, columns separated by tabs.
pub const SYNONYM_COLUMNS: [&str; 5] = ["term", "expansions", "kind", "systems", "source"];

/// What relation an entry states between the typed term and its expansions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SynonymKind {
    /// An abbreviation or acronym (`htn`, `copd`, `cpap`, `fqhc`).
    Abbreviation,
    /// A lay or colloquial term (`high blood pressure`, `pink eye`, `flu shot`).
    Lay,
    /// A drug brand name for the generic name CMS uses (`toradol` → `ketorolac`).
    Brand,
    /// Another name of a drug: an international or common name for the US
    /// generic name (`paracetamol`, `adrenaline`).
    Drug,
    /// A professional synonym worded differently in the titles (`neck pain` →
    /// `cervicalgia`, `plantar fasciitis` → `plantar fascial fibromatosis`).
    Synonym,
    /// A spelling or word-form variant (`anaemia`, `stockings`, `diabetic`).
    Variant,
}

impl SynonymKind {
    /// Every kind, in file-documentation order.
    pub const ALL: [SynonymKind; 6] = [
        SynonymKind::Abbreviation,
        SynonymKind::Lay,
        SynonymKind::Brand,
        SynonymKind::Drug,
        SynonymKind::Synonym,
        SynonymKind::Variant,
    ];

    /// The name used in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            SynonymKind::Abbreviation => "abbreviation",
            SynonymKind::Lay => "lay",
            SynonymKind::Brand => "brand",
            SynonymKind::Drug => "drug",
            SynonymKind::Synonym => "synonym",
            SynonymKind::Variant => "variant",
        }
    }
}

crate::as_str_impls!(display: SynonymKind);

/// A synonym file that cannot be used: what is wrong and on which line
/// (1-based, counting comment lines).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SynonymError {
    /// The file could not be read.
    Io {
        /// What the OS said, with the path.
        message: String,
    },
    /// The first line that is not a comment is not the header.
    Header {
        /// The line.
        line: usize,
        /// What was found there (empty when the file has no such line).
        found: String,
    },
    /// A row does not have exactly five tab-separated fields.
    Fields {
        /// The line.
        line: usize,
        /// How many it has.
        found: usize,
    },
    /// The term is empty or not folded.
    Term {
        /// The line.
        line: usize,
        /// The term as written.
        term: String,
        /// Its folded form, which the file must use (empty when nothing is left).
        folded: String,
    },
    /// An expansion is empty, not folded, or the term itself.
    Expansion {
        /// The line.
        line: usize,
        /// The expansion as written.
        expansion: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The kind is not one of [`SynonymKind::ALL`].
    Kind {
        /// The line.
        line: usize,
        /// The value found.
        found: String,
    },
    /// The systems are not `any` or a list of known code systems without repeats.
    Systems {
        /// The line.
        line: usize,
        /// The value found.
        found: String,
    },
    /// The source column is empty.
    Source {
        /// The line.
        line: usize,
    },
    /// The term already has an entry for one of these systems.
    Duplicate {
        /// The line.
        line: usize,
        /// The term.
        term: String,
        /// The line of the earlier entry.
        first_line: usize,
    },
}

impl SynonymError {
    /// The 1-based line the error is about (`None` for an unreadable file).
    pub fn line(&self) -> Option<usize> {
        match self {
            SynonymError::Io { .. } => None,
            SynonymError::Header { line, .. }
            | SynonymError::Fields { line, .. }
            | SynonymError::Term { line, .. }
            | SynonymError::Expansion { line, .. }
            | SynonymError::Kind { line, .. }
            | SynonymError::Systems { line, .. }
            | SynonymError::Source { line }
            | SynonymError::Duplicate { line, .. } => Some(*line),
        }
    }
}

impl fmt::Display for SynonymError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SynonymError::Io { message } => write!(f, "cannot read the synonym file: {message}"),
            SynonymError::Header { line, found } => write!(
                f,
                "line {line}: the header must be {:?}, found {found:?}",
                SYNONYM_COLUMNS.join("\t")
            ),
            SynonymError::Fields { line, found } => write!(
                f,
                "line {line}: 5 tab-separated fields expected (term, expansions, kind, systems, source), found {found}"
            ),
            SynonymError::Term { line, term, folded } if folded.is_empty() => {
                write!(f, "line {line}: the term {term:?} has no letter or digit")
            }
            SynonymError::Term { line, term, folded } => write!(
                f,
                "line {line}: the term {term:?} must be written folded, as {folded:?}"
            ),
            SynonymError::Expansion {
                line,
                expansion,
                problem,
            } => write!(f, "line {line}: expansion {expansion:?} {problem}"),
            SynonymError::Kind { line, found } => write!(
                f,
                "line {line}: unknown kind {found:?} (abbreviation, lay, brand, drug, synonym, variant)"
            ),
            SynonymError::Systems { line, found } => write!(
                f,
                "line {line}: systems {found:?} must be 'any' or code systems separated by commas, each once"
            ),
            SynonymError::Source { line } => {
                write!(f, "line {line}: the source or reasoning is missing")
            }
            SynonymError::Duplicate {
                line,
                term,
                first_line,
            } => write!(
                f,
                "line {line}: the term {term:?} already has an entry for these systems on line {first_line}"
            ),
        }
    }
}

impl std::error::Error for SynonymError {}

/// One entry of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synonym {
    /// The folded term users type.
    pub term: String,
    /// The folded phrases it expands to, in file order.
    pub expansions: Vec<String>,
    /// The relation between the term and its expansions.
    pub kind: SynonymKind,
    /// The code systems the expansions are meant to find; `None` for any.
    pub systems: Option<Vec<CodeSystem>>,
    /// The source or reasoning.
    pub source: String,
    /// The line of the file.
    pub line: usize,
}

impl Synonym {
    /// Whether the entry applies to `system`.
    pub fn applies_to(&self, system: CodeSystem) -> bool {
        self.systems.as_ref().is_none_or(|s| s.contains(&system))
    }

    fn overlaps(&self, other: &Synonym) -> bool {
        match (&self.systems, &other.systems) {
            (Some(a), Some(b)) => a.iter().any(|s| b.contains(s)),
            _ => true,
        }
    }
}

/// A parsed synonym list, entries in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SynonymList {
    entries: Vec<Synonym>,
    /// Term → indices of its entries.
    by_term: HashMap<String, Vec<usize>>,
    /// The most words of any term.
    max_words: usize,
}

impl SynonymList {
    /// The shipped list's path in the repository.
    pub fn shipped_path() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("search/synonyms.tsv")
    }

    /// The list shipped with procode (`crates/procode-index/search/synonyms.tsv`), parsed.
    ///
    /// # Errors
    /// Only for a broken build (a test parses the shipped file).
    pub fn shipped() -> Result<SynonymList, SynonymError> {
        SynonymList::parse(SHIPPED)
    }

    /// Adds a host's list on top of this one: an entry of `other` replaces
    /// the entries of the same term whose systems overlap its own.
    pub fn extend_with(&mut self, other: &SynonymList) {
        let mut entries: Vec<Synonym> = std::mem::take(&mut self.entries)
            .into_iter()
            .filter(|e| {
                !other
                    .entries
                    .iter()
                    .any(|o| o.term == e.term && o.overlaps(e))
            })
            .collect();
        entries.extend(other.entries.iter().cloned());
        *self = SynonymList::from_entries(entries);
    }

    fn from_entries(entries: Vec<Synonym>) -> SynonymList {
        let mut by_term: HashMap<String, Vec<usize>> = HashMap::new();
        let mut max_words = 0;
        for (i, e) in entries.iter().enumerate() {
            by_term.entry(e.term.clone()).or_default().push(i);
            max_words = max_words.max(e.term.split(' ').count());
        }
        SynonymList {
            entries,
            by_term,
            max_words,
        }
    }

    /// The entries of an already folded term that apply to `system` (all
    /// systems when `None`).
    pub fn entries_for<'a>(
        &'a self,
        folded_term: &str,
        system: Option<CodeSystem>,
    ) -> impl Iterator<Item = &'a Synonym> + 'a {
        self.by_term
            .get(folded_term)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|&i| &self.entries[i])
            .filter(move |e| system.is_none_or(|s| e.applies_to(s)))
    }

    /// The most words a term of the list has.
    pub fn max_term_words(&self) -> usize {
        self.max_words
    }

    /// Reads and parses a synonym file.
    pub fn from_path(path: &Path) -> Result<SynonymList, SynonymError> {
        let text = std::fs::read_to_string(path).map_err(|e| SynonymError::Io {
            message: format!("{}: {e}", path.display()),
        })?;
        SynonymList::parse(&text)
    }

    /// Parses the text of a synonym file.
    pub fn parse(text: &str) -> Result<SynonymList, SynonymError> {
        let mut header_seen = false;
        let mut entries: Vec<Synonym> = Vec::new();
        let mut last_line = 0;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            last_line = line;
            if raw.trim().is_empty() || raw.starts_with('#') {
                continue;
            }
            if !header_seen {
                if raw != SYNONYM_COLUMNS.join("\t") {
                    return Err(SynonymError::Header {
                        line,
                        found: raw.to_owned(),
                    });
                }
                header_seen = true;
                continue;
            }
            let s = parse_row(raw, line)?;
            if let Some(first) = entries.iter().find(|e| e.term == s.term && e.overlaps(&s)) {
                return Err(SynonymError::Duplicate {
                    line,
                    term: s.term,
                    first_line: first.line,
                });
            }
            entries.push(s);
        }
        if !header_seen {
            return Err(SynonymError::Header {
                line: last_line + 1,
                found: String::new(),
            });
        }
        Ok(SynonymList::from_entries(entries))
    }

    /// Every entry, in file order.
    pub fn entries(&self) -> &[Synonym] {
        &self.entries
    }

    /// The entries of a term (folded first), in file order.
    pub fn lookup<'a>(&'a self, term: &str) -> impl Iterator<Item = &'a Synonym> + 'a {
        let t = fold(term);
        self.by_term
            .get(&t)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|&i| &self.entries[i])
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn parse_row(raw: &str, line: usize) -> Result<Synonym, SynonymError> {
    let f: Vec<&str> = raw.split('\t').collect();
    if f.len() != SYNONYM_COLUMNS.len() {
        return Err(SynonymError::Fields {
            line,
            found: f.len(),
        });
    }
    let term = fold(f[0]);
    if term.is_empty() || term != f[0] {
        return Err(SynonymError::Term {
            line,
            term: f[0].to_owned(),
            folded: term,
        });
    }
    let mut expansions: Vec<String> = Vec::new();
    for x in f[1].split(" | ") {
        let bad = |problem| SynonymError::Expansion {
            line,
            expansion: x.to_owned(),
            problem,
        };
        let folded = fold(x);
        if folded.is_empty() {
            return Err(bad("is empty"));
        }
        if folded != x {
            return Err(bad("is not folded (lower-case letters and digits, one space between words; alternatives separated by ' | ')"));
        }
        if folded == term {
            return Err(bad("is the term itself"));
        }
        if expansions.contains(&folded) {
            return Err(bad("is listed twice"));
        }
        expansions.push(folded);
    }
    let kind = SynonymKind::ALL
        .into_iter()
        .find(|k| k.as_str() == f[2])
        .ok_or_else(|| SynonymError::Kind {
            line,
            found: f[2].to_owned(),
        })?;
    let systems = if f[3] == "any" {
        None
    } else {
        let bad = || SynonymError::Systems {
            line,
            found: f[3].to_owned(),
        };
        let mut v: Vec<CodeSystem> = Vec::new();
        for name in f[3].split(',') {
            // Only the canonical lower-case names; no aliases or spaces.
            let s = CodeSystem::ALL
                .into_iter()
                .find(|s| s.as_str() == name)
                .ok_or_else(bad)?;
            if v.contains(&s) {
                return Err(bad());
            }
            v.push(s);
        }
        Some(v)
    };
    let source = f[4].trim();
    if source.is_empty() {
        return Err(SynonymError::Source { line });
    }
    Ok(Synonym {
        term,
        expansions,
        kind,
        systems,
        source: source.to_owned(),
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "term\texpansions\tkind\tsystems\tsource\n";

    #[test]
    fn folds_like_queries() {
        assert_eq!(fold("  Crohn's  disease "), "crohns disease");
        assert_eq!(fold("Non-emergency"), "non emergency");
        assert_eq!(fold("Sjögren syndrome"), "sjogren syndrome");
        assert_eq!(fold("vitamin B-12"), "vitamin b 12");
        assert_eq!(
            fold("Gastro-esophageal reflux (GERD)"),
            "gastro esophageal reflux gerd"
        );
        assert_eq!(fold(" - "), "");
    }

    #[test]
    fn the_shipped_list_parses_and_hosts_can_override() {
        let mut l = SynonymList::shipped().unwrap();
        assert!(l.len() > 500);
        assert!(l.entries_for("htn", Some(CodeSystem::Icd10Cm)).count() == 1);
        assert!(l.entries_for("htn", Some(CodeSystem::Hcpcs)).count() == 0);
        let host = SynonymList::parse(&format!(
            "{H}htn\thigh blood pressure\tabbreviation\ticd10cm\thost\nzzq\tquux\tlay\tany\thost\n"
        ))
        .unwrap();
        let n = l.len();
        l.extend_with(&host);
        assert_eq!(l.len(), n + 1);
        let htn: Vec<_> = l.lookup("HTN").collect();
        assert_eq!(htn.len(), 1);
        assert_eq!(htn[0].expansions, ["high blood pressure"]);
        assert_eq!(l.entries_for("zzq", None).count(), 1);
    }

    #[test]
    fn parses_entries_comments_and_systems() {
        let text = format!(
            "# a comment\n\n{H}# section\n\
             htn\thypertension\tabbreviation\ticd10cm\tstandard\n\
             ed\terectile dysfunction\tabbreviation\ticd10cm\tstandard\n\
             ed\temergency room\tabbreviation\tpos\temergency department\n\
             dm2\ttype 2 diabetes mellitus | diabetes mellitus type 2\tabbreviation\tany\tstandard\n"
        );
        let l = SynonymList::parse(&text).unwrap();
        assert_eq!(l.len(), 4);
        assert_eq!(l.entries()[0].line, 5);
        assert_eq!(l.entries()[3].expansions.len(), 2);
        assert_eq!(l.entries()[3].systems, None);
        assert!(l.entries()[3].applies_to(CodeSystem::Hcpcs));
        let ed: Vec<_> = l.lookup("ED").collect();
        assert_eq!(ed.len(), 2);
        assert!(ed[1].applies_to(CodeSystem::Pos));
        assert!(!ed[1].applies_to(CodeSystem::Icd10Cm));
    }

    #[test]
    fn every_problem_is_a_typed_error_with_its_line() {
        let p = |rows: &str| SynonymList::parse(&format!("# c\n{H}{rows}"));
        assert_eq!(
            SynonymList::parse("# only comments\n"),
            Err(SynonymError::Header {
                line: 2,
                found: String::new()
            })
        );
        assert!(matches!(
            SynonymList::parse("term\texpansion\n"),
            Err(SynonymError::Header { line: 1, .. })
        ));
        assert_eq!(
            p("htn\thypertension\tabbreviation\ticd10cm\n"),
            Err(SynonymError::Fields { line: 3, found: 4 })
        );
        assert_eq!(
            p("HTN\thypertension\tabbreviation\ticd10cm\ts\n"),
            Err(SynonymError::Term {
                line: 3,
                term: "HTN".into(),
                folded: "htn".into()
            })
        );
        assert!(matches!(
            p("a-fib\tatrial fibrillation\tabbreviation\ticd10cm\ts\n"),
            Err(SynonymError::Term { folded, .. }) if folded == "a fib"
        ));
        assert!(matches!(
            p("htn\tHypertension\tabbreviation\ticd10cm\ts\n"),
            Err(SynonymError::Expansion { line: 3, .. })
        ));
        assert!(matches!(
            p("htn\thypertension |\tabbreviation\ticd10cm\ts\n"),
            Err(SynonymError::Expansion { line: 3, .. })
        ));
        assert!(matches!(
            p("htn\thtn\tabbreviation\ticd10cm\ts\n"),
            Err(SynonymError::Expansion {
                problem: "is the term itself",
                ..
            })
        ));
        assert!(matches!(
            p("htn\thypertension | hypertension\tabbreviation\ticd10cm\ts\n"),
            Err(SynonymError::Expansion {
                problem: "is listed twice",
                ..
            })
        ));
        assert_eq!(
            p("htn\thypertension\tacronym\ticd10cm\ts\n"),
            Err(SynonymError::Kind {
                line: 3,
                found: "acronym".into()
            })
        );
        for bad in ["snomed", "icd10cm,icd10cm", "ICD10CM", "icd10cm, hcpcs", ""] {
            assert_eq!(
                p(&format!("htn\thypertension\tabbreviation\t{bad}\ts\n")),
                Err(SynonymError::Systems {
                    line: 3,
                    found: bad.into()
                })
            );
        }
        assert_eq!(
            p("htn\thypertension\tabbreviation\ticd10cm\t \n"),
            Err(SynonymError::Source { line: 3 })
        );
        assert_eq!(
            p("ed\terectile dysfunction\tabbreviation\ticd10cm,pos\ts\n\
               ed\temergency room\tabbreviation\tpos\ts\n"),
            Err(SynonymError::Duplicate {
                line: 4,
                term: "ed".into(),
                first_line: 3
            })
        );
        assert!(matches!(
            p("ed\terectile dysfunction\tabbreviation\tany\ts\n\
               ed\temergency room\tabbreviation\tpos\ts\n"),
            Err(SynonymError::Duplicate { line: 4, .. })
        ));
        // Every error names its line in its message.
        let e = p("htn\thypertension\tacronym\ticd10cm\ts\n").unwrap_err();
        assert!(e.to_string().starts_with("line 3: "), "{e}");
    }
}
