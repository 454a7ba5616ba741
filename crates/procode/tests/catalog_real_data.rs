//! The catalog on the real code sets: every code round-trips, code-prefix and
//! word searches equal a brute-force scan, typos are forgiven, dates filter.

use crate::common;

use std::collections::HashSet;
use std::sync::OnceLock;

use chrono::NaiveDate;
use common::{all_entries, full_catalog};
use procode::{Catalog, Code, CodeSystem, Entry, SearchMode, SearchOptions};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = String::new();
    procode::text::for_each_word(s, &mut buf, |w| out.push(w.to_owned()));
    out
}

/// Per entry: the words of its long description, and of both descriptions.
fn entry_words() -> &'static [(HashSet<String>, Vec<String>)] {
    static W: OnceLock<Vec<(HashSet<String>, Vec<String>)>> = OnceLock::new();
    W.get_or_init(|| {
        all_entries()
            .iter()
            .map(|e| {
                let long: HashSet<String> = words(&e.description).into_iter().collect();
                let mut all: Vec<String> = long.iter().cloned().collect();
                all.extend(words(&e.short_description));
                all.sort();
                all.dedup();
                (long, all)
            })
            .collect()
    })
}

/// Every entry matching the query words that are not small words (as
/// prefixes of words of either description), by brute force, in key order.
fn brute_words(query: &str, opts: &SearchOptions) -> Vec<(CodeSystem, Code)> {
    let q = procode::text::query_words(query);
    let all_small = q.iter().all(|x| procode::SMALL_WORDS.contains(&x.as_str()));
    let q: Vec<String> = q
        .into_iter()
        .filter(|x| all_small || !procode::SMALL_WORDS.contains(&x.as_str()))
        .collect();
    let mut hits: Vec<(CodeSystem, Code)> = Vec::new();
    for (e, (_, all)) in all_entries().iter().zip(entry_words()) {
        if opts.system.is_some_and(|s| s != e.system)
            || opts.as_of.is_some_and(|d| !e.is_valid_on(d))
        {
            continue;
        }
        if q.iter()
            .all(|w| all.iter().any(|x| x.starts_with(w.as_str())))
        {
            hits.push((e.system, e.code));
        }
    }
    hits.sort();
    hits
}

fn keys(es: &[Entry]) -> Vec<(CodeSystem, Code)> {
    es.iter().map(|e| (e.system, e.code)).collect()
}

#[test]
fn every_code_round_trips_through_lookup() {
    let cat = full_catalog();
    assert_eq!(cat.len(), all_entries().len());
    assert_eq!(cat.len(), 8_463 + 383 + 52 + 98_186 + 80_029);
    for e in all_entries() {
        let got = cat.lookup_code(&e.code, e.system, None).unwrap();
        assert_eq!(got.as_ref(), Some(e), "{} {}", e.system, e.code);
    }
    // Normalisation on the way in.
    let f = cat
        .lookup(" f41.1 ", Some(CodeSystem::Icd10Cm), None)
        .unwrap()
        .unwrap();
    assert_eq!(f.description, "Generalized anxiety disorder");
    assert_eq!(f.display_code(), "F41.1");
    assert!(!cat.lookup("F41", None, None).unwrap().unwrap().billable);
    assert_eq!(cat.lookup("Z99999", None, None).unwrap(), None);
    assert!(cat.lookup("F4#", None, None).is_err());
}

#[test]
fn codes_in_two_systems_are_told_apart() {
    let cat = full_catalog();
    let a = Code::parse("A0100").unwrap();
    let both = cat.lookup_all(&a, None).unwrap();
    let systems: Vec<_> = both.iter().map(|e| e.system).collect();
    assert_eq!(systems, [CodeSystem::Hcpcs, CodeSystem::Icd10Cm]);
    let icd = cat
        .lookup("A01.00", Some(CodeSystem::Icd10Cm), None)
        .unwrap()
        .unwrap();
    assert!(icd.description.contains("Typhoid"), "{}", icd.description);
}

#[test]
fn embedded_catalog_holds_the_default_code_sets() {
    let cat = Catalog::embedded().expect("the embedded catalog is compiled in");
    // ICD-10-CM is FY2027 with its history: the FY2026 codes (21 of them
    // terminated on 2026-09-30) and the 238 codes new on 2026-10-01.
    assert_eq!(cat.len(), 8_463 + 383 + 52 + 98_186 + 238);
    // Codes new in the FY2026 ICD-10-CM release are valid from 2025-10-01.
    let addenda = procode::import::Addenda::from_path(
        procode::import::IcdSet::Cm,
        &common::data_dir().join("cms/icd10cm_order_addenda_2026.txt"),
    )
    .unwrap();
    assert_eq!(addenda.release_effective(), Some(d("2025-10-01")));
    let mut expected: Vec<Entry> = all_entries()
        .iter()
        .filter(|e| e.system != CodeSystem::Icd10Pcs)
        .cloned()
        .collect();
    let marked = addenda.mark_new_codes(&mut expected);
    assert_eq!(marked, addenda.new_codes().len());
    assert!(marked > 400, "{marked}");
    for e in &expected {
        if e.system == CodeSystem::Icd10Cm {
            // The FY2026 version: on the last day of FY2026.
            let got = cat
                .lookup_code(&e.code, e.system, Some(d("2026-09-30")))
                .unwrap()
                .unwrap();
            assert_eq!(
                (
                    &got.description,
                    &got.short_description,
                    got.billable,
                    got.effective
                ),
                (
                    &e.description,
                    &e.short_description,
                    e.billable,
                    e.effective
                ),
                "{}",
                e.code
            );
            continue;
        }
        let got = cat.lookup_code(&e.code, e.system, None).unwrap();
        assert_eq!(got.as_ref(), Some(e));
    }
    let new = cat.lookup("Z91.0120", None, None).unwrap().unwrap();
    assert_eq!(new.effective, Some(d("2025-10-01")));
    assert!(cat
        .lookup("Z91.0120", None, Some(d("2025-09-30")))
        .unwrap()
        .is_none());
    assert!(cat
        .lookup("F41.1", None, Some(d("2016-01-01")))
        .unwrap()
        .is_some());
    assert!(
        cat.lookup("0DTJ4ZZ", None, None).unwrap().is_none(),
        "PCS is not embedded"
    );
}

#[test]
fn code_prefix_search_equals_brute_force() {
    let cat = full_catalog();
    let mut sorted: Vec<&Entry> = all_entries().iter().collect();
    sorted.sort_by_key(|e| (e.code, e.system));
    // Every one- and two-character prefix, and a deterministic sample of longer ones.
    let mut prefixes: Vec<String> = Vec::new();
    let alnum: Vec<char> = ('0'..='9').chain('A'..='Z').collect();
    for a in &alnum {
        prefixes.push(a.to_string());
        for b in &alnum {
            prefixes.push(format!("{a}{b}"));
        }
    }
    for (i, e) in all_entries().iter().enumerate().step_by(997) {
        let c = e.code.as_str();
        prefixes.push(c[..(3 + i % 3).min(c.len())].to_string());
    }
    let mut checked = 0;
    for p in &prefixes {
        for (system, limit, as_of) in [
            (None, 25, None),
            (Some(CodeSystem::Hcpcs), 7, None),
            (Some(CodeSystem::Icd10Cm), 30, Some(d("2025-11-01"))),
            (None, 12, Some(d("2012-06-30"))),
        ] {
            let want: Vec<(CodeSystem, Code)> = sorted
                .iter()
                .filter(|e| e.code.as_str().starts_with(p.as_str()))
                .filter(|e| system.is_none_or(|s| s == e.system))
                .filter(|e| as_of.is_none_or(|d| e.is_valid_on(d)))
                .take(limit)
                .map(|e| (e.system, e.code))
                .collect();
            if want.is_empty() {
                continue;
            }
            // A trailing dot makes any prefix code-like ("f41." style).
            let opts = SearchOptions::default()
                .system(system)
                .limit(limit)
                .as_of(as_of);
            let got = cat.search(&format!("{p}."), &opts).unwrap();
            assert_eq!(got.mode, SearchMode::CodePrefix, "{p}");
            assert_eq!(keys(&got), want, "prefix {p} {system:?} {as_of:?}");
            checked += 1;
        }
    }
    assert!(checked > 1000, "only {checked} prefix checks");
    // Dotted and lower-case input.
    let e11 = cat.search("e11.6", &SearchOptions::default()).unwrap();
    assert!(e11.iter().all(|e| e.code.as_str().starts_with("E116")));
    assert_eq!(e11.len(), 10);
}

#[test]
fn word_search_equals_brute_force() {
    let cat = full_catalog();
    let mut queries: Vec<String> = [
        "diab mell",
        "wheelchair cushion",
        "generalized anxiety",
        "annual wellness",
        "psychotherapy",
        "ambulance mile",
        "fracture femur",
        "bypass cerebral",
        "telehealth",
        "type 2 diab",
        "insulin",
        "office",
        "a",
        "of the",
        "b12",
    ]
    .map(String::from)
    .to_vec();
    // Sampled queries: two word prefixes from a real description.
    for (i, e) in all_entries().iter().enumerate().step_by(4_999) {
        let w = words(&e.description);
        if w.len() >= 2 {
            let a = &w[i % w.len()];
            let b = &w[(i / 7) % w.len()];
            queries.push(format!("{} {}", &a[..a.len().min(4)], &b[..b.len().min(6)]));
        }
    }
    // Without synonyms, word search finds exactly the entries holding every
    // word; pages are slices of one ranking; the total counts them all.
    let cat = cat.with_only_synonyms(&procode::SynonymList::default());
    let mut nonempty = 0;
    for q in &queries {
        for opts in [
            SearchOptions::default().limit(10),
            SearchOptions::default()
                .system(CodeSystem::Hcpcs)
                .limit(40)
                .as_of(d("2020-01-01")),
        ] {
            let want = brute_words(q, &opts);
            let every = cat.search(q, &opts.limit(usize::MAX)).unwrap();
            if every.mode == SearchMode::CodePrefix {
                continue; // "b12" style queries that are codes too
            }
            if want.is_empty() {
                // Nothing holds every word: no word results, or those of all
                // the words but one, said by the notice.
                assert!(
                    every.mode != SearchMode::Words
                        || every.notice == Some(procode::SearchNotice::NotEveryWord),
                    "{q}"
                );
                continue;
            }
            nonempty += 1;
            assert_eq!(every.mode, SearchMode::Words, "{q}");
            assert_eq!(every.notice, None, "{q}");
            assert_eq!(every.total, want.len(), "query {q:?} {opts:?}");
            let mut got = keys(&every);
            got.sort();
            assert_eq!(got, want, "query {q:?} {opts:?}");
            let page = cat.search(q, &opts).unwrap();
            assert_eq!(page.total, want.len());
            let n = opts.limit.min(every.len());
            assert_eq!(keys(&page), keys(&every[..n]), "query {q:?} {opts:?}");
            let next = cat.search(q, &opts.offset(opts.limit)).unwrap();
            let m = (2 * opts.limit).min(every.len());
            assert_eq!(keys(&next), keys(&every[n..m]), "page 2 of {q:?} {opts:?}");
        }
    }
    assert!(nonempty >= 40, "only {nonempty} non-empty word checks");
}

#[test]
fn spec_examples_rank_sensibly() {
    let cat = full_catalog();
    let top = cat
        .search("diab mell", &SearchOptions::default().limit(5))
        .unwrap();
    assert!(top
        .iter()
        .all(|e| e.description.to_lowercase().contains("diabetes mellitus")));
    let g = cat.search("G04", &SearchOptions::default()).unwrap();
    assert_eq!(g.mode, SearchMode::CodePrefix);
    assert!(g.iter().any(|e| e.code.as_str() == "G0400"));
    let cushions = cat
        .search("wheelchair cushion", &SearchOptions::default().limit(3))
        .unwrap();
    assert!(cushions.iter().all(|e| e.system == CodeSystem::Hcpcs));
}

fn within_typos(query_word: &str, e: &Entry) -> bool {
    let mut all = words(&e.description);
    all.extend(words(&e.short_description));
    // The optimal-string-alignment distance (strsim's), a reference
    // independent of the search's automaton.
    let osa = strsim::osa_distance;
    all.iter().any(|w| {
        osa(query_word, w) <= if query_word.len() >= 8 { 2 } else { 1 }
            || (query_word.len() >= 4
                && (1..=w.len())
                    .any(|n| osa(query_word, &w[..n]) <= if query_word.len() >= 8 { 2 } else { 1 }))
    })
}

#[test]
fn typos_find_the_intended_word() {
    let cat = full_catalog();
    for (typo, intended) in [
        ("wheelchiar", "wheelchair"),
        ("pyschotherapy", "psychotherapy"),
        ("anxeity", "anxiety"),
        ("diabetis mellitus", "diabetes"),
        ("ambulanse", "ambulance"),
        ("hypertenson", "hypertension"),
    ] {
        let hits = cat
            .search(typo, &SearchOptions::default().limit(20))
            .unwrap();
        assert_eq!(hits.mode, SearchMode::Typo, "{typo}");
        assert!(!hits.is_empty(), "{typo}");
        assert!(
            hits.iter()
                .any(|e| words(&e.description).iter().any(|w| w == intended)),
            "{typo}: {:?}",
            keys(&hits)
        );
        for e in hits.iter() {
            for w in words(typo) {
                assert!(within_typos(&w, e), "{typo}: {} {}", e.code, e.description);
            }
        }
    }
    let none = cat.search("qqqqzzzzxx", &SearchOptions::default()).unwrap();
    assert_eq!(none.mode, SearchMode::None);
    assert!(none.is_empty());
}

#[test]
fn dates_of_service_hide_codes_not_valid_that_day() {
    let cat = full_catalog();
    // A terminated HCPCS code and a recently added one, from the data itself.
    let term = all_entries()
        .iter()
        .find(|e| e.system == CodeSystem::Hcpcs && e.terminated.is_some() && e.effective.is_some())
        .unwrap();
    let t = term.terminated.unwrap();
    let lookup = |as_of| {
        cat.lookup_code(&term.code, CodeSystem::Hcpcs, Some(as_of))
            .unwrap()
    };
    assert!(lookup(t).is_some(), "valid on its last day");
    assert!(
        lookup(t.succ_opt().unwrap()).is_none(),
        "gone the day after"
    );
    assert!(
        lookup(term.effective.unwrap().pred_opt().unwrap()).is_none(),
        "not yet added"
    );
    // Without a date it is still found, marked terminated.
    let found = cat
        .search(
            &format!("{}.", term.code),
            &SearchOptions::default().system(CodeSystem::Hcpcs),
        )
        .unwrap();
    assert!(found[0].is_terminated());
    let hidden = cat
        .search(
            &format!("{}.", term.code),
            &SearchOptions::default()
                .system(CodeSystem::Hcpcs)
                .as_of(t.succ_opt().unwrap()),
        )
        .unwrap();
    assert!(hidden.iter().all(|e| e.code != term.code));

    let g = cat.lookup("G0438", None, None).unwrap().unwrap();
    let added = g.effective.unwrap();
    assert!(cat.lookup("G0438", None, Some(added)).unwrap().is_some());
    assert!(cat
        .lookup("G0438", None, Some(added.pred_opt().unwrap()))
        .unwrap()
        .is_none());
    // Word search obeys the date as well.
    let before = cat
        .search(
            "annual wellness",
            &SearchOptions::default().as_of(d("2000-01-01")).limit(50),
        )
        .unwrap();
    assert!(before.iter().all(|e| e.is_valid_on(d("2000-01-01"))));
}

#[test]
fn catalog_is_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Catalog>();
    let cat = full_catalog().clone();
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let cat = cat.clone();
            std::thread::spawn(move || {
                let q = ["diab mell", "G04", "wheelchiar", "f41."][i % 4];
                let first = cat.search(q, &SearchOptions::default()).unwrap();
                for _ in 0..50 {
                    assert_eq!(cat.search(q, &SearchOptions::default()).unwrap(), first);
                }
                first.len()
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap() > 0);
    }
}
