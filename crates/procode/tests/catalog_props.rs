//! Property tests of the catalog (SPEC §5): build → lookup round trips, code
//! normalisation, search limits and order against a brute-force model, and an
//! overlay behaving like a rebuilt index.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use procode::{
    Catalog, Code, CodeSystem, Entry, Overlay, SearchMode, SearchNotice, SearchOptions,
    SearchWeights, SynonymList, SMALL_WORDS,
};
use proptest::prelude::*;

/// Cases per property (the catalogs are small, so this stays fast).
const CASES: u32 = 256;

const VOCAB: &[&str] = &[
    "anxiety",
    "anxious",
    "audio",
    "video",
    "visit",
    "office",
    "diabetes",
    "diabetic",
    "type",
    "2",
    "therapy",
    "the",
    "therapist",
    "home",
    "health",
    "homeless",
];

fn words(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(VOCAB), 1..max).prop_map(|w| w.join(" "))
}

/// A code that fits `system`, from a small space so that prefixes and the same
/// code in two systems are common.
fn code_for(system: CodeSystem) -> BoxedStrategy<String> {
    match system {
        CodeSystem::Hcpcs => "[AGH][0-2]{4}".boxed(),
        CodeSystem::Modifier => "[0-9G][0-9T]".boxed(),
        _ => "[AGH0-2][0-2]{0,4}".boxed(),
    }
}

fn entry() -> impl Strategy<Value = Entry> {
    proptest::sample::select(vec![
        CodeSystem::Hcpcs,
        CodeSystem::Modifier,
        CodeSystem::Custom,
    ])
    .prop_flat_map(|s| {
        (
            Just(s),
            code_for(s),
            words(5),
            proptest::option::of(words(3)),
            proptest::option::of(0u32..4),
        )
    })
    .prop_map(|(s, c, d, short, term)| {
        let mut e = Entry::new(Code::parse(&c).unwrap(), s, d);
        if let Some(short) = short {
            e = e.with_short_description(short);
        }
        if let Some(t) = term {
            e = e.with_terminated(NaiveDate::from_ymd_opt(2020 + t as i32, 6, 30));
        }
        e
    })
}

/// Random entries with unique (system, code).
fn entries() -> impl Strategy<Value = Vec<Entry>> {
    proptest::collection::vec(entry(), 0..40).prop_map(|v| {
        let mut m = BTreeMap::new();
        for e in v {
            m.entry((e.system, e.code)).or_insert(e);
        }
        m.into_values().collect()
    })
}

fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        // Word prefixes.
        proptest::collection::vec(
            proptest::sample::select(VOCAB).prop_flat_map(|w| (Just(w), 1..=w.len())),
            1..3
        )
        .prop_map(|ws| ws
            .iter()
            .map(|(w, n)| &w[..*n])
            .collect::<Vec<_>>()
            .join(" ")),
        // Code prefixes.
        "[AGHagh0-2][0-2.]{0,4}",
        // Anything.
        ".{0,12}",
    ]
}

fn opts() -> impl Strategy<Value = SearchOptions> {
    (
        proptest::option::of(proptest::sample::select(vec![
            CodeSystem::Hcpcs,
            CodeSystem::Modifier,
            CodeSystem::Custom,
        ])),
        0usize..12,
        proptest::option::of(0u32..5),
    )
        .prop_map(|(s, limit, y)| {
            SearchOptions::default()
                .system(s)
                .limit(limit)
                .as_of(y.map(|y| NaiveDate::from_ymd_opt(2019 + y as i32, 1, 1).unwrap()))
        })
}

fn visible(e: &Entry, o: &SearchOptions) -> bool {
    o.system.is_none_or(|s| s == e.system) && o.as_of.is_none_or(|d| e.is_valid_on(d))
}

/// The code-prefix results of the specification, by brute force.
fn model_code_prefix(all: &[Entry], prefix: &str, o: &SearchOptions) -> Vec<Entry> {
    let mut v: Vec<Entry> = all
        .iter()
        .filter(|e| e.code.as_str().starts_with(prefix) && visible(e, o))
        .cloned()
        .collect();
    v.sort_by_key(|e| (e.code, e.system));
    v.truncate(o.limit);
    v
}

fn folded_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = String::new();
    procode::text::for_each_word(text, &mut buf, |w| out.push(w.to_owned()));
    out
}

/// The word results of the specification, by brute force (no typos, no
/// favourites, no synonyms): every query word that is not a small word is a
/// prefix of a word of the description or short description; ranked by the
/// default weights of `procode::weights` (whole title word or prefix,
/// billable, general, terminated, first title word matched, unmatched title
/// words, whole-title phrase), then shorter description, then code, then
/// system.
/// When no entry has every word: the query without the required word whose
/// absence leaves the fewest entries (ties: the later word), as the model
/// ranks it; nothing when no single drop finds anything.
fn model_all_but_one(all: &[Entry], query: &str, o: &SearchOptions) -> Vec<Entry> {
    let q = procode::text::query_words(query);
    let every = o.offset(0).limit(usize::MAX);
    let mut best: Option<(usize, String)> = None;
    for drop in (0..q.len()).rev() {
        if SMALL_WORDS.contains(&q[drop].as_str()) {
            continue;
        }
        let rest: Vec<&str> = (0..q.len())
            .filter(|&i| i != drop)
            .map(|i| q[i].as_str())
            .collect();
        let rest = rest.join(" ");
        let n = model_words(all, &rest, &every).len();
        if n > 0 && best.as_ref().is_none_or(|b| n < b.0) {
            best = Some((n, rest));
        }
    }
    best.map(|(_, rest)| model_words(all, &rest, o))
        .unwrap_or_default()
}

fn model_words(all: &[Entry], query: &str, o: &SearchOptions) -> Vec<Entry> {
    let w = SearchWeights::default();
    let q = procode::text::query_words(query);
    if q.is_empty() {
        return Vec::new();
    }
    let all_small = q.iter().all(|x| SMALL_WORDS.contains(&x.as_str()));
    let required: Vec<&String> = q
        .iter()
        .filter(|x| all_small || !SMALL_WORDS.contains(&x.as_str()))
        .collect();
    let phrase = q.join(" ");
    let mut scored: Vec<(i32, &Entry)> = Vec::new();
    'entries: for e in all.iter().filter(|e| visible(e, o)) {
        let long = folded_words(&e.description);
        let mut any = long.clone();
        any.extend(folded_words(&e.short_description));
        let mut s = 0;
        for r in &required {
            if long.contains(r) {
                s += w.title_exact;
            } else if any.iter().any(|a| a.starts_with(r.as_str())) {
                s += w.title_prefix;
            } else {
                continue 'entries;
            }
        }
        if e.billable {
            s += w.billable;
        }
        let has = |x: &str| long.iter().any(|y| y == x);
        if has("unspecified")
            || has("nos")
            || has("otherwise")
            || has("uncomplicated")
            || (has("without") && (has("complications") || has("complication")))
            || (has("not") && has("specified"))
        {
            s += w.general;
        }
        if e.terminated.is_some() {
            s += w.terminated;
        }
        if has("sequela")
            || (has("subsequent") && has("encounter"))
            || (has("open") && has("fracture"))
        {
            s += w.extension;
        }
        if let Some(first) = long.first() {
            if required.iter().any(|r| first.starts_with(r.as_str())) {
                s += w.leading;
            } else if first == "other" {
                s += w.other;
            }
        }
        let counted = long
            .iter()
            .filter(|x| !SMALL_WORDS.contains(&x.as_str()) && *x != "unspecified" && *x != "nos")
            .count();
        s += w.unmatched_word * counted.saturating_sub(required.len()).min(12) as i32;
        if procode::text::phrase_forms(&e.description).contains(&phrase) {
            s += w.phrase;
        }
        scored.push((s, e));
    }
    scored.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(a.1.description.len().cmp(&b.1.description.len()))
            .then(a.1.code.cmp(&b.1.code))
            .then(a.1.system.cmp(&b.1.system))
    });
    scored
        .into_iter()
        .take(o.limit)
        .map(|(_, e)| e.clone())
        .collect()
}

/// Checks one search against the model; returns the results.
fn check_search(cat: &Catalog, all: &[Entry], q: &str, o: &SearchOptions) -> Vec<Entry> {
    let r = cat.search(q, o).unwrap();
    assert!(r.len() <= o.limit, "{} results, limit {}", r.len(), o.limit);
    for e in r.iter() {
        assert!(visible(e, o), "{e:?} should be hidden by {o:?}");
    }
    match r.mode {
        SearchMode::CodePrefix => {
            let prefix: String = q
                .chars()
                .filter(|c| *c != '.' && !c.is_whitespace())
                .map(|c| c.to_ascii_uppercase())
                .collect();
            assert_eq!(r.entries, model_code_prefix(all, &prefix, o), "query {q:?}");
        }
        SearchMode::Words if r.notice == Some(SearchNotice::NotEveryWord) => {
            assert!(model_words(all, q, o).is_empty(), "query {q:?}");
            assert_eq!(r.entries, model_all_but_one(all, q, o), "query {q:?}");
        }
        SearchMode::Words => assert_eq!(r.entries, model_words(all, q, o), "query {q:?}"),
        SearchMode::Typo => assert!(model_words(all, q, o).is_empty(), "query {q:?}"),
        SearchMode::None => {
            assert!(r.is_empty());
            if o.limit > 0 {
                assert!(model_words(all, q, o).is_empty(), "query {q:?}");
            }
        }
        _ => {}
    }
    r.entries
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn every_built_code_looks_up(all in entries()) {
        let cat = Catalog::build(all.clone()).unwrap();
        prop_assert_eq!(cat.len(), all.len());
        for e in &all {
            let found = cat.lookup_code(&e.code, e.system, None).unwrap();
            prop_assert_eq!(found.as_ref(), Some(e));
            let again = cat.lookup(&e.display_code(), Some(e.system), None).unwrap();
            prop_assert_eq!(again.as_ref(), Some(e));
            let every = cat.lookup_all(&e.code, None).unwrap();
            prop_assert!(every.contains(e));
        }
        let mut listed: Vec<Entry> = cat.entries().map(Result::unwrap).collect();
        let mut want = all.clone();
        listed.sort_by_key(|e| (e.system, e.code));
        want.sort_by_key(|e| (e.system, e.code));
        prop_assert_eq!(listed, want);
    }

    #[test]
    fn normalisation_is_idempotent(input in "[ .a-zA-Z0-9\u{a0}\u{2003}]{0,20}|\\PC{0,20}") {
        if let Ok(c) = Code::parse(&input) {
            prop_assert_eq!(Code::parse(c.as_str()), Ok(c));
            prop_assert_eq!(Code::from_normalised(c.as_bytes()), Some(c));
            for s in CodeSystem::ALL {
                let shown = c.display_for(s);
                prop_assert_eq!(Code::parse(&shown), Ok(c));
            }
        }
    }

    #[test]
    fn search_matches_the_model(all in entries(), queries in proptest::collection::vec((query(), opts()), 1..8)) {
        let cat = Catalog::build(all.clone()).unwrap().with_only_synonyms(&SynonymList::default());
        for (q, o) in &queries {
            check_search(&cat, &all, q, o);
        }
    }

    #[test]
    fn overlay_behaves_like_a_rebuilt_index(
        all in entries(),
        split in proptest::collection::vec(any::<bool>(), 40),
        queries in proptest::collection::vec((query(), opts()), 1..8),
    ) {
        // Custom entries go to the overlay when `split` says so.
        let (mut base, mut over) = (Vec::new(), Overlay::new());
        for (e, to_overlay) in all.iter().zip(split) {
            if to_overlay && e.system == CodeSystem::Custom {
                over.add_custom(e.clone()).unwrap();
            } else {
                base.push(e.clone());
            }
        }
        let none = SynonymList::default();
        let layered = Catalog::build(base)
            .unwrap()
            .with_only_synonyms(&none)
            .with_overlay(over)
            .unwrap();
        let rebuilt = Catalog::build(all.clone()).unwrap().with_only_synonyms(&none);
        prop_assert_eq!(layered.len(), rebuilt.len());
        for (q, o) in &queries {
            let a = check_search(&layered, &all, q, o);
            let b = rebuilt.search(q, o).unwrap();
            prop_assert_eq!(a, b.entries, "query {:?} {:?}", q, o);
        }
        for e in &all {
            let found = layered.lookup_code(&e.code, e.system, None).unwrap();
            prop_assert_eq!(found.as_ref(), Some(e));
            prop_assert_eq!(
                layered.lookup_all(&e.code, None).unwrap(),
                rebuilt.lookup_all(&e.code, None).unwrap()
            );
        }
    }
}
