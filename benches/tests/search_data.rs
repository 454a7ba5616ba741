//! The search-quality data shipped in the repository, checked against the
//! embedded catalog: every synonym expansion occurs in a title of the systems
//! its entry names (no dead rows), and every query of the development set has
//! an expected code in the system it is filtered to.

use std::collections::HashMap;

use procode::{Catalog, CodeSystem, Entry};
use procode_benches::quality::{dev_set_path, read_dev_set};
use procode_benches::synonyms::{fold, SynonymList};

fn embedded_entries() -> Vec<Entry> {
    let cat = Catalog::embedded().unwrap_or_else(|e| {
        panic!("these tests need the embedded catalog (built from the vendored data/): {e}")
    });
    cat.entries()
        .collect::<Result<Vec<_>, _>>()
        .expect("the embedded catalog decodes")
}

/// The folded titles (long and short description) of every entry, with a
/// posting list per word for finding phrases fast.
struct Titles {
    systems: Vec<CodeSystem>,
    texts: Vec<String>,
    postings: HashMap<String, Vec<usize>>,
}

impl Titles {
    fn new(entries: &[Entry]) -> Titles {
        let mut t = Titles {
            systems: Vec::new(),
            texts: Vec::new(),
            postings: HashMap::new(),
        };
        for e in entries {
            for text in [&e.description, &e.short_description] {
                let i = t.texts.len();
                let f = fold(text);
                let mut words: Vec<&str> = f.split(' ').collect();
                words.sort_unstable();
                words.dedup();
                for w in words {
                    t.postings.entry(w.to_owned()).or_default().push(i);
                }
                t.systems.push(e.system);
                t.texts.push(format!(" {f} "));
            }
        }
        t
    }

    /// Whether the folded `phrase` occurs word for word in a title of `system`.
    fn has(&self, phrase: &str, system: CodeSystem) -> bool {
        let first = phrase.split(' ').next().unwrap_or_default();
        let needle = format!(" {phrase} ");
        self.postings.get(first).is_some_and(|ids| {
            ids.iter()
                .any(|&i| self.systems[i] == system && self.texts[i].contains(&needle))
        })
    }
}

#[test]
fn every_synonym_expansion_finds_a_title_of_its_systems() {
    let list = SynonymList::from_path(&SynonymList::shipped_path())
        .unwrap_or_else(|e| panic!("crates/procode-index/search/synonyms.tsv: {e}"));
    assert!(
        list.len() >= 300,
        "the shipped list has {} entries; several hundred expected",
        list.len()
    );
    let entries = embedded_entries();
    let present: Vec<CodeSystem> = CodeSystem::ALL
        .into_iter()
        .filter(|s| entries.iter().any(|e| e.system == *s))
        .collect();
    let titles = Titles::new(&entries);
    let mut dead = Vec::new();
    for s in list.entries() {
        let systems = s.systems.clone().unwrap_or_else(|| present.clone());
        for x in &s.expansions {
            if !systems.iter().any(|&sys| titles.has(x, sys)) {
                dead.push(format!(
                    "line {}: {:?} -> {x:?} occurs in no title of {}",
                    s.line,
                    s.term,
                    systems
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                ));
            }
        }
        // A listed system that no expansion reaches is a wrong scope.
        if let Some(listed) = &s.systems {
            for &sys in listed {
                if !s.expansions.iter().any(|x| titles.has(x, sys)) {
                    dead.push(format!(
                        "line {}: {:?} lists {} but no expansion occurs in its titles",
                        s.line,
                        s.term,
                        sys.as_str()
                    ));
                }
            }
        }
    }
    assert!(dead.is_empty(), "dead synonym rows:\n{}", dead.join("\n"));
}

#[test]
fn titles_find_phrases_word_for_word_in_the_right_system() {
    let mk = |c: &str, s, d: &str| Entry::new(procode::Code::parse(c).unwrap(), s, d);
    let t = Titles::new(&[
        mk(
            "I10",
            CodeSystem::Icd10Cm,
            "Essential (primary) hypertension",
        ),
        mk(
            "J1885",
            CodeSystem::Hcpcs,
            "Injection, ketorolac tromethamine, per 15 mg",
        ),
        mk("F500", CodeSystem::Icd10Cm, "Crohn's disease"),
    ]);
    assert!(t.has("hypertension", CodeSystem::Icd10Cm));
    assert!(t.has("essential primary hypertension", CodeSystem::Icd10Cm));
    assert!(!t.has("primary essential", CodeSystem::Icd10Cm));
    assert!(!t.has("hypertension", CodeSystem::Hcpcs));
    assert!(!t.has("hypertens", CodeSystem::Icd10Cm), "whole words only");
    assert!(t.has("ketorolac tromethamine", CodeSystem::Hcpcs));
    assert!(t.has("crohns disease", CodeSystem::Icd10Cm));
}

#[test]
fn every_dev_query_has_an_expected_code_in_the_embedded_catalog() {
    // A query may also list a later release's codes (FY2027 plantar fasciitis),
    // so at least one of its codes must exist, under its system filter.
    let set = read_dev_set(&dev_set_path()).unwrap();
    let cat = Catalog::embedded().expect("embedded catalog");
    let missing: Vec<&str> = set
        .iter()
        .filter(|q| {
            !q.expected
                .iter()
                .any(|c| matches!(cat.lookup(c, q.system, None), Ok(Some(_))))
        })
        .map(|q| q.id.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "no expected code in the catalog: {missing:?}"
    );
}
