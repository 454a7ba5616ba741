//! Borrowed entries (`EntryRef`) on the real code sets: every lookup and
//! search through the borrowed API gives, field for field, what the owned
//! API gives — every code of the embedded catalog (with its ICD-10-CM
//! history, on dates either side of each version change) and of the full
//! catalog, code-prefix pages with every filter, overlays and word searches.

use crate::common;

use chrono::NaiveDate;
use common::full_catalog;
use procode::{
    Catalog, Code, CodeSystem, Entry, EntryRef, Overlay, SearchOptions, SearchRefs, SearchResults,
};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// What a borrowed entry reads, as an owned entry, through every accessor
/// (and `to_owned`, which must agree).
fn read(r: &EntryRef<'_>) -> Entry {
    let mut long = String::from("prefix kept: ");
    r.write_description(&mut long).unwrap();
    let long = long.strip_prefix("prefix kept: ").unwrap().to_owned();
    let mut short = String::new();
    r.write_short_description(&mut short).unwrap();
    assert_eq!(long, r.description().unwrap());
    assert_eq!(short, r.short_description().unwrap());
    // Known to be the long one without decoding: then it is.
    if r.short_is_description() {
        assert_eq!(short, long, "{:?}", r.code());
    }
    let e = Entry::from_descriptions(*r.code(), r.system(), long, short)
        .with_effective(r.effective())
        .with_terminated(r.terminated())
        .with_billable(r.billable())
        .with_reporting(r.reporting())
        .with_action(r.action());
    assert_eq!(e, r.to_owned().unwrap());
    assert_eq!(r.display_code(), e.display_code());
    // A detached reference reads the same.
    assert_eq!(r.detach().to_owned().unwrap(), e);
    e
}

#[test]
fn a_short_description_stored_as_the_long_one_is_known_without_decoding() {
    let x = |code: &str| Code::parse(code).unwrap();
    let entries = [
        Entry::new(x("X1"), CodeSystem::Custom, "Intake assessment"),
        Entry::new(x("X2"), CodeSystem::Custom, "Group session").with_short_description("Group"),
        Entry::new(x("X3"), CodeSystem::Custom, "Group session, extended")
            .with_short_description("Group session"),
    ];
    let cat = Catalog::build(entries.clone()).unwrap();
    let known = |code: &str| {
        let r = cat.lookup_ref(code, None, None).unwrap().unwrap();
        assert_eq!(read(&r), cat.lookup(code, None, None).unwrap().unwrap());
        r.short_is_description()
    };
    assert!(known("X1"));
    assert!(!known("X2"));
    assert!(!known("X3"));
    // An entry held whole compares its texts.
    let owned: Vec<bool> = entries
        .iter()
        .map(|e| EntryRef::from(e.clone()).short_is_description())
        .collect();
    assert_eq!(owned, [true, false, false]);
    // The embedded catalog has both kinds.
    let cat = Catalog::embedded().unwrap();
    let f411 = cat.lookup_ref("F41.1", None, None).unwrap().unwrap();
    let g0438 = cat.lookup_ref("G0438", None, None).unwrap().unwrap();
    assert!(f411.short_is_description());
    assert!(!g0438.short_is_description());
}

fn check_lookups(cat: &Catalog, entries: &[Entry], dates: &[Option<NaiveDate>]) -> usize {
    let mut checked = 0;
    for e in entries {
        for &as_of in dates {
            let owned = cat.lookup_code(&e.code, e.system, as_of).unwrap();
            let borrowed = cat.lookup_code_ref(&e.code, e.system, as_of).unwrap();
            assert_eq!(borrowed.as_ref().map(read), owned, "{e:?} on {as_of:?}");
            let by_str = cat
                .lookup_ref(e.code.as_str(), Some(e.system), as_of)
                .unwrap();
            assert_eq!(by_str.as_ref().map(read), owned);
            checked += usize::from(owned.is_some());
        }
    }
    checked
}

#[test]
fn every_embedded_code_borrowed_equals_owned_on_every_version_date() {
    let cat = Catalog::embedded().unwrap();
    let entries: Vec<Entry> = cat.entries().map(Result::unwrap).collect();
    let mut dates = vec![None, Some(d("1990-01-01")), Some(d("2026-09-30"))];
    let mut with_history = 0;
    for e in &entries {
        let versions = cat.versions(&e.code, e.system).unwrap();
        if versions.len() > 1 {
            with_history += 1;
            for v in &versions {
                for day in [v.effective, v.terminated].into_iter().flatten() {
                    if !dates.contains(&Some(day)) {
                        dates.push(Some(day));
                    }
                }
            }
        }
    }
    // D69.1 became a header on 2026-10-01 (see history_real_data.rs).
    assert!(with_history > 0, "the embedded catalog has its history");
    let d691 = cat
        .versions(&Code::parse("D691").unwrap(), CodeSystem::Icd10Cm)
        .unwrap();
    assert_eq!(d691.len(), 2);
    let found = check_lookups(&cat, &entries, &dates[..3]);
    assert!(found >= entries.len(), "every code is found without a date");
    // The codes with history, on every date a version starts or ends.
    let history: Vec<Entry> = entries
        .iter()
        .filter(|e| cat.versions(&e.code, e.system).unwrap().len() > 1)
        .cloned()
        .collect();
    check_lookups(&cat, &history, &dates);
    // Without a system: the first system holding the code answers alike.
    for e in entries.iter().step_by(13) {
        let owned = cat.lookup(e.code.as_str(), None, None).unwrap();
        let borrowed = cat.lookup_ref(e.code.as_str(), None, None).unwrap();
        assert_eq!(borrowed.as_ref().map(read), owned);
    }
}

#[test]
fn every_full_catalog_code_borrowed_equals_owned() {
    let cat = full_catalog();
    let entries: Vec<Entry> = cat.entries().map(Result::unwrap).collect();
    assert!(entries.len() > 186_000);
    let found = check_lookups(cat, &entries, &[None, Some(d("2025-06-01"))]);
    assert!(found > entries.len());
    // Not a code at all: the same typed error; absent codes: None.
    assert_eq!(
        cat.lookup_ref("not a code!", None, None)
            .unwrap_err()
            .to_string(),
        cat.lookup("not a code!", None, None)
            .unwrap_err()
            .to_string()
    );
    assert!(cat
        .lookup_ref("Z9999", Some(CodeSystem::Hcpcs), None)
        .unwrap()
        .is_none());
}

fn same_page(refs: &SearchRefs<'_>, owned: &SearchResults, what: &str) {
    let read: Vec<Entry> = refs.entries.iter().map(read).collect();
    assert_eq!(read, owned.entries, "{what}");
    assert_eq!(refs.total, owned.total, "{what}");
    assert_eq!(refs.mode, owned.mode, "{what}");
    assert_eq!(refs.offset, owned.offset, "{what}");
    assert_eq!(refs.spans, owned.spans, "{what}");
    assert_eq!(refs.notice, owned.notice, "{what}");
}

fn option_sets() -> Vec<SearchOptions> {
    let base = SearchOptions::default();
    vec![
        base,
        base.limit(3),
        base.limit(7).offset(5),
        base.offset(100_000),
        base.limit(0),
        base.system(CodeSystem::Hcpcs),
        base.system(CodeSystem::Icd10Cm).limit(25),
        base.billable_only(true),
        base.as_of(d("2026-10-01")),
        base.as_of(d("2010-01-01")).billable_only(true).limit(4),
        base.as_of(d("2026-09-30")).system(CodeSystem::Icd10Cm),
    ]
}

const PREFIXES: &[&str] = &[
    "G.", "G0", "G04", "E116", "E11.6", "f41.", "A0", "0", "00", "Z99", "U07", "ZZZ9", "99213",
];
const WORDS: &[&str] = &[
    "diab mell",
    "wheelchair seat",
    "wheelchiar",
    "htn",
    "zzzzqq",
];

#[test]
fn search_refs_equal_search_on_real_data_with_every_filter() {
    for cat in [&Catalog::embedded().unwrap(), full_catalog()] {
        for opts in option_sets() {
            for q in PREFIXES.iter().chain(WORDS) {
                let what = format!("{q:?} {opts:?}");
                same_page(
                    &cat.search_refs(q, &opts).unwrap(),
                    &cat.search(q, &opts).unwrap(),
                    &what,
                );
            }
        }
    }
}

#[test]
fn search_refs_merge_custom_codes_into_code_order() {
    let mut o = Overlay::new();
    for (code, desc) in [
        ("G04XA", "Custom before"),
        ("G0", "Short custom"),
        ("E116Q", "Q"),
    ] {
        let e = Entry::new(Code::parse(code).unwrap(), CodeSystem::Custom, desc);
        o.add_custom(e).unwrap();
    }
    let cat = full_catalog().with_overlay(o).unwrap();
    for opts in option_sets() {
        for q in PREFIXES {
            let what = format!("{q:?} {opts:?} with custom codes");
            same_page(
                &cat.search_refs(q, &opts).unwrap(),
                &cat.search(q, &opts).unwrap(),
                &what,
            );
        }
    }
    let g0 = cat
        .search_refs("G0", &SearchOptions::default().limit(500))
        .unwrap();
    assert!(g0.entries.iter().any(|e| e.code().as_str() == "G04XA"));
    let custom = cat.lookup_ref("G04XA", None, None).unwrap().unwrap();
    assert_eq!(custom.description().unwrap(), "Custom before");
}

/// A filtered code-prefix page keeps only the ids it shows and counts the
/// rest: its total and its pages are those of the whole filtered range,
/// read from the unfiltered page (every page of the range, in order).
#[test]
fn filtered_code_prefix_pages_count_the_whole_range() {
    let cat = full_catalog();
    let all = cat
        .search_refs("E11", &SearchOptions::default().limit(100_000))
        .unwrap();
    let want: Vec<String> = all
        .entries
        .iter()
        .filter(|e| e.system() == CodeSystem::Icd10Cm)
        .map(|e| e.code().as_str().to_owned())
        .collect();
    assert!(want.len() > 20, "{}", want.len());
    assert!(
        all.entries
            .iter()
            .any(|e| e.system() != CodeSystem::Icd10Cm),
        "the range mixes systems (HCPCS E11xx)"
    );
    for (offset, limit) in [(0, 10), (7, 10), (want.len() - 3, 10), (want.len(), 5)] {
        let opts = SearchOptions::default()
            .system(CodeSystem::Icd10Cm)
            .offset(offset)
            .limit(limit);
        let page = cat.search_refs("E11", &opts).unwrap();
        assert_eq!(page.total, want.len(), "offset {offset}");
        let got: Vec<String> = page
            .entries
            .iter()
            .map(|e| e.code().as_str().to_owned())
            .collect();
        let end = (offset + limit).min(want.len());
        assert_eq!(got, want[offset..end], "offset {offset}");
    }
}
