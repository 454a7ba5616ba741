//! Search for billers on the embedded catalog (issue 14; issue 13 item 6):
//! billable codes before headers, the general code first, synonyms and
//! inclusion terms, folding, typo rules, code-shaped queries, pages, spans
//! and the CPT notice.

use procode::{
    Catalog, CatalogError, CodeSystem, SearchMode, SearchNotice, SearchOptions, SearchWeights,
    SynonymList, WeightsError,
};

fn cat() -> Catalog {
    Catalog::embedded().expect("the embedded catalog (build with the code-set data)")
}

fn icd(limit: usize) -> SearchOptions {
    SearchOptions::default()
        .system(CodeSystem::Icd10Cm)
        .limit(limit)
}

fn codes(c: &Catalog, q: &str, o: &SearchOptions) -> Vec<String> {
    c.search(q, o)
        .unwrap()
        .iter()
        .map(|e| e.code.as_str().to_owned())
        .collect()
}

/// A favourite far down the ranking: with a weight that outweighs every
/// other, it is the first result (the ranking's bounds count the favourite
/// weight, so it is scored however late its id comes); with weight 0 the
/// answer is the one without favourites; the total never changes.
#[test]
fn a_favourite_outweighing_every_other_weight_comes_first() {
    let c = cat();
    let opts = SearchOptions::default().limit(100);
    let plain = c.search("diab mell", &opts).unwrap();
    let last = plain.entries.last().expect("a hundred results").clone();
    let mut overlay = procode::Overlay::new();
    overlay.add_favourite(last.system, last.code);
    let fav = c.with_overlay(overlay).unwrap();

    let mut heavy = SearchWeights::default();
    heavy.favourite = 100_000;
    let first = fav
        .with_search_weights(heavy)
        .search("diab mell", &SearchOptions::default().limit(3))
        .unwrap();
    assert_eq!(first.entries[0].code, last.code);
    assert_eq!(first.total, plain.total);

    let mut none = SearchWeights::default();
    none.favourite = 0;
    let same = fav
        .with_search_weights(none)
        .search("diab mell", &opts)
        .unwrap();
    assert_eq!(same, plain);
}

#[test]
fn billable_codes_come_before_headers_and_the_general_code_first() {
    let c = cat();
    for (q, want) in [
        ("anxiety", "F419"),
        ("depression", "F32A"),
        ("insomnia", "G4700"),
        // "Uncomplicated" marks the general code too.
        ("opioid dependence", "F1120"),
        ("alcohol dependence", "F1020"),
        ("asthma", "J45909"),
    ] {
        let r = c.search(q, &icd(10)).unwrap();
        assert_eq!(
            r[0].code.as_str(),
            want,
            "{q}: {:?}",
            codes(&c, q, &icd(10))
        );
        assert!(r[0].billable, "{q}");
        // A header among the first three only when it is the query's exact
        // title (G47.0 "Insomnia").
        for e in r[..3].iter().filter(|e| !e.billable) {
            assert_eq!(procode::text::fold(&e.description), q, "{q}: {}", e.code);
        }
    }
    // "not specified" marks the general code too: N39.0 "Urinary tract
    // infection, site not specified" before the puerperal and post-abortion
    // codes ("..., unspecified") whose extra words the query did not name.
    assert_eq!(codes(&c, "urinary tract infection", &icd(3))[0], "N390");
    assert_eq!(codes(&c, "uti", &icd(3))[0], "N390");
    // More words, more specific codes.
    assert_eq!(
        codes(&c, "generalized anxiety disorder", &icd(3))[0],
        "F411"
    );
    // Headers stay findable: by their exact title, and by code prefix.
    assert!(codes(&c, "other anxiety disorders", &icd(10)).contains(&"F41".to_owned()));
    assert_eq!(codes(&c, "F41", &icd(3))[0], "F41");
}

#[test]
fn an_unqualified_condition_goes_to_the_tabular_lists_nos_default() {
    // The tabular list's includes note "diabetes NOS" sits on E11: the
    // general billable code below it (E11.9) is what an unqualified
    // "diabetes" means, as typed, partly typed, misspelt or with more words
    // of its title; the rule reads the notes, it lists no query.
    let c = cat();
    for q in ["diabetes", "diab", "diab mell", "diabetis"] {
        let top = codes(&c, q, &icd(3));
        assert!(top.contains(&"E119".to_owned()), "{q}: {top:?}");
    }
    // The same rule elsewhere: a category's note (G03 "meningitis NOS" ->
    // G03.9) or a billable code's own inclusion term (J40 "Bronchitis NOS",
    // E46 "Malnutrition NOS").
    for (q, want) in [
        ("meningitis", "G039"),
        ("bronchitis", "J40"),
        ("malnutrition", "E46"),
    ] {
        assert_eq!(codes(&c, q, &icd(3))[0], want, "{q}");
    }
    // A billable code's own "X NOS" term counts even when its title does not
    // say "unspecified": M81.0 "Age-related osteoporosis without current
    // pathological fracture" holds "Osteoporosis NOS", so a partly typed
    // "osteopor" finds it before the M80 fracture codes (whose titles say
    // "unspecified site").
    assert_eq!(codes(&c, "osteopor", &icd(3))[0], "M810");
    // A term of the condition's name and only parenthesised nonessential
    // modifiers is the same default: I10 includes "hypertension (arterial)
    // (benign) (essential) (malignant) (primary) (systemic)", so a partly
    // typed "hypert" finds I10 among the first three, ahead of the other
    // "hypert…" conditions' unspecified codes (hypertrophy, hypertensive …).
    let top = codes(&c, "hypert", &icd(3));
    assert!(top.contains(&"I10".to_owned()), "hypert: {top:?}");
    // A qualifier the default does not carry still wins.
    assert_eq!(codes(&c, "type 1 diab", &icd(3))[0], "E109");
    // The rule is a weight: at zero, the diabetes family's order falls back
    // to the other rules (E11.9 no longer first).
    let w = SearchWeights::parse("nos_default\t0\n").unwrap();
    let off = c.with_search_weights(w);
    assert_ne!(codes(&off, "diab", &icd(3))[0], "E119");
}

#[test]
fn an_eponym_alone_names_its_disease() {
    // "Parkinson's disease NOS" (G20.A1) and "Crohn's disease NOS" (K50.90)
    // are the tabular list's defaults; billers type the eponym alone. Before
    // this rule G20.A1 was fourth (the four G20 codes tied on every other
    // rule and went by title length) and K50.913 "with fistula" came first.
    let c = cat();
    for (q, want) in [
        ("parkinsons", "G20A1"),
        ("Parkinson's", "G20A1"),
        ("crohns", "K5090"),
    ] {
        assert_eq!(codes(&c, q, &icd(3))[0], want, "{q}");
    }
    // Only an eponym's disease drops its last word: "Sickle-cell disease
    // NOS" (D57.1) does not make "sickle cell" a whole name of it.
    assert_ne!(codes(&c, "sickle cell", &icd(3))[0], "D571");
}

#[test]
fn an_unspecified_x_title_is_the_whole_of_x() {
    // ICD-10-CM titles the general code "Unspecified X" as often as "X,
    // unspecified": H10.9 "Unspecified conjunctivitis", H40.9 "Unspecified
    // glaucoma", H26.9 "Unspecified cataract" are what an unqualified X
    // names, ahead of the header titled X (H10 "Conjunctivitis" came first
    // before this rule; H40.9 and H26.9 were not in the first three).
    let c = cat();
    for (q, want) in [
        ("conjunctivitis", "H109"),
        ("glaucoma", "H409"),
        ("cataract", "H269"),
        ("hemorrhoids", "K649"),
    ] {
        assert_eq!(codes(&c, q, &icd(3))[0], want, "{q}");
    }
    // A header keeps its own exact title's place below them.
    let top = codes(&c, "glaucoma", &icd(3));
    assert!(top.contains(&"H40".to_owned()), "glaucoma: {top:?}");
    // The rule is the whole-title weight: at zero it no longer lifts H26.9.
    let w = SearchWeights::parse("phrase\t0\n").unwrap();
    let off = c.with_search_weights(w);
    assert_ne!(codes(&off, "cataract", &icd(3))[0], "H269");
}

#[test]
fn inclusion_terms_and_includes_notes_find_their_code() {
    let c = cat();
    // M72.2's title is "Plantar fascial fibromatosis"; "Plantar fasciitis" is
    // its inclusion term.
    // On a FY2026 date (FY2027 added plantar fasciitis codes, M67.A-).
    let fy2026 = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    let r = c
        .search("plantar fasciitis", &icd(3).as_of(fy2026))
        .unwrap();
    assert_eq!(r.mode, SearchMode::Words);
    assert_eq!(r[0].code.as_str(), "M722");
    // Today, the FY2027 codes whose title it is come first.
    let r = c.search("plantar fasciitis", &icd(3)).unwrap();
    assert!(r[0].code.as_str().starts_with("M67A"), "{:?}", r[0]);
    // "high blood pressure" is an includes note of I10.
    let none = c.with_only_synonyms(&SynonymList::default());
    assert_eq!(codes(&none, "high blood pressure", &icd(3))[0], "I10");
    // An equal match in the code's own title ranks above an inclusion term.
    let fasc = codes(&none, "plantar fascial", &icd(3).as_of(fy2026));
    assert_eq!(fasc[0], "M722");
}

#[test]
fn injuries_list_the_initial_encounter_for_a_closed_fracture_first() {
    let c = cat();
    for (q, stem) in [
        ("sprained ankle", "S9340"),
        ("broken wrist", "S6210"),
        ("torn meniscus", "S8320"),
    ] {
        let got = codes(&c, q, &icd(3));
        assert!(
            got.iter().all(|x| x.starts_with(stem) && x.ends_with('A')),
            "{q}: {got:?}"
        );
    }
}

#[test]
fn pregnancy_and_newborn_codes_wait_for_a_word_that_names_one() {
    let c = cat();
    // Without such a word the condition's own codes come first: before the
    // change "hiv" listed O98.719 "... complicating pregnancy, unspecified
    // trimester" first, "obesity" O99.210 second.
    for q in ["hiv", "anemia", "obesity", "afib", "uti"] {
        let got = codes(&c, q, &icd(3));
        assert!(
            got.iter().all(|x| !x.starts_with(['O', 'P'])),
            "{q}: {got:?}"
        );
    }
    assert!(codes(&c, "hiv", &icd(3)).contains(&"B20".to_owned()));
    // With one (or the start of one), the chapter's codes.
    for (q, stem) in [
        ("hiv pregnancy", "O9871"),
        ("anemia in pregnancy", "O9901"),
        ("obesity preg", "O9921"),
        ("neonatal jaundice", "P59"),
    ] {
        let got = codes(&c, q, &icd(3));
        assert!(got[0].starts_with(stem), "{q}: {got:?}");
    }
}

#[test]
fn two_words_written_as_one_find_the_hyphenated_title() {
    let c = cat();
    // ICD-10-CM writes "Pre-eclampsia"; billers type "preeclampsia".
    let got = codes(&c, "preeclampsia", &icd(3));
    assert!(got.iter().all(|x| x.starts_with("O1")), "{got:?}");
    let r = c.search("preeclampsia", &icd(1)).unwrap();
    assert_eq!(r.mode, SearchMode::Words);
    assert!(r[0].description.to_lowercase().contains("pre-eclampsia"));
    let hcpcs = SearchOptions::default().system(CodeSystem::Hcpcs).limit(3);
    assert_eq!(codes(&c, "reevaluation", &hcpcs)[0], "S9152");
    // A cut whose parts are not side by side in the titles found is no
    // compound: "astma" is not "as" + "tma" (M31.11 "... [HSCT-TMA]") but a
    // typo of asthma.
    let r = c.search("astma", &icd(3)).unwrap();
    assert_eq!((r.mode, r[0].code.as_str()), (SearchMode::Typo, "J45909"));
}

#[test]
fn synonyms_expand_and_rank_below_direct_title_matches() {
    let c = cat();
    let hcpcs = SearchOptions::default().system(CodeSystem::Hcpcs).limit(5);
    let modifier = SearchOptions::default()
        .system(CodeSystem::Modifier)
        .limit(5);
    for (q, o, want) in [
        ("htn", icd(3), "I10"),
        ("high blood pressure", icd(3), "I10"),
        ("toradol", hcpcs, "J1885"),
        ("zofran", hcpcs, "J2405"),
        ("lovenox", hcpcs, "J1650"),
        ("nexplanon", hcpcs, "J7307"),
        ("medrol", hcpcs, "J7509"),
        ("hep c", icd(3), "B1920"),
        ("not medically necessary", modifier, "GZ"),
        ("chiropractic", modifier, "AT"),
        ("urine drug test", hcpcs, "G0480"),
        ("copd", icd(3), "J449"),
    ] {
        let got = codes(&c, q, &o);
        assert!(got.iter().take(3).any(|x| x == want), "{q}: {got:?}");
    }
    // The span says which term matched, through which expansion.
    let r = c.search("htn", &icd(1)).unwrap();
    let s = &r.spans[0][0];
    assert_eq!((&*s.term, s.via.as_deref()), ("htn", Some("hypertension")));
    let d: Vec<char> = r[0].description.chars().collect();
    assert_eq!(
        d[s.start..s.end].iter().collect::<String>().to_lowercase(),
        "hypertension"
    );
    // A header is found by its own title, not through a synonym: the
    // billable code first ("gerd" → K21.9, not the header K21).
    for (q, want) in [("gerd", "K219"), ("acid reflux", "K219")] {
        assert_eq!(codes(&c, q, &icd(3))[0], want, "{q}");
    }
    // A plural of a listed term finds what the term finds.
    assert_eq!(codes(&c, "canker sores", &icd(1)), ["K120"]);
    assert!(codes(&c, "bed sores", &icd(3))
        .iter()
        .all(|x| x.starts_with("L89") && x.len() > 3));
    // A direct title match outranks the same words reached through a synonym.
    let w = SearchWeights::default();
    assert!(w.synonym < 0 && w.title_exact + w.synonym < w.title_exact);
    let direct = c.search("hypertension", &icd(1)).unwrap();
    assert!(direct.spans[0].iter().all(|s| s.via.is_none()));
}

/// A synonym whose expansion is a code's whole title outranks titles that
/// hold the query's own words scattered: the DSM-5 "use disorder" names the
/// abuse (mild) and dependence (moderate, severe) codes, whose titles end in
/// ", uncomplicated" (a general title's tail, left out of its phrase like ",
/// unspecified"), ahead of F10.99 "Alcohol use, unspecified with unspecified
/// alcohol-induced disorder"; "peripheral neuropathy" is G62.9
/// "Polyneuropathy, unspecified" (ICD-10-CM index), not the autonomic
/// neuropathies whose titles say both words.
#[test]
fn a_synonym_naming_a_whole_title_beats_scattered_words() {
    let c = cat();
    for (q, want) in [
        ("alcohol use disorder", &["F1010", "F1020"][..]),
        ("opioid use disorder", &["F1110", "F1120"]),
        ("cannabis use disorder", &["F1210", "F1220"]),
        ("alcohol dependence", &["F1020"]),
        ("peripheral neuropathy", &["G629"]),
        ("osteopenia", &["M8580"]),
    ] {
        let got = codes(&c, q, &icd(want.len()));
        let mut sorted = got.clone();
        sorted.sort();
        assert_eq!(sorted, want, "{q}: {got:?}");
    }
}

#[test]
fn a_drug_name_finds_the_drug_before_devices_and_other_forms() {
    // HCPCS drug titles open with their route ("Injection, azithromycin,
    // 500 mg"): the drug is the item, so it counts as the title's first word
    // and the route is not a word the query left unmatched. Before, a title
    // that merely started with the drug's name came first (Q0144
    // "Azithromycin dihydrate, oral, …" for `zithromax`, J8540
    // "Dexamethasone, oral, 0.25 mg" for `decadron`).
    let c = cat();
    let hcpcs = SearchOptions::default().system(CodeSystem::Hcpcs).limit(3);
    for (q, want) in [
        ("zithromax", "J0456"),
        ("decadron", "J1100"),
        ("ondansteron", "J2405"),
    ] {
        assert_eq!(codes(&c, q, &hcpcs)[0], want, "{q}");
    }
}

#[test]
fn accents_apostrophes_hyphens_and_case_fold_alike() {
    let c = cat();
    let a = codes(&c, "Ménière", &icd(5));
    assert!(!a.is_empty());
    assert_eq!(a, codes(&c, "meniere", &icd(5)));
    assert_eq!(a, codes(&c, "MENIERE", &icd(5)));
    let crohn = codes(&c, "crohn's disease", &icd(5));
    assert!(crohn.iter().all(|x| x.starts_with("K50")), "{crohn:?}");
    assert_eq!(crohn, codes(&c, "Crohns disease", &icd(5)));
    let hcpcs = SearchOptions::default().system(CodeSystem::Hcpcs).limit(5);
    assert!(!codes(&c, "non-emergency transportation", &hcpcs).is_empty());
}

#[test]
fn typos_help_and_never_outrank_exact_matches() {
    let c = cat();
    // A corrected word earns the whole-title bonus its correct spelling
    // would: "hypertention" → I10, whose inclusion term is "hypertension"
    // (was I15.9 "Secondary hypertension, unspecified" first).
    let r = c.search("hypertention", &icd(3)).unwrap();
    assert_eq!((r.mode, r[0].code.as_str()), (SearchMode::Typo, "I10"));
    for (q, word) in [
        ("diabetis", "diabet"),
        ("astma", "asthma"),
        ("depresion", "depress"),
    ] {
        let r = c.search(q, &icd(10)).unwrap();
        assert_eq!(r.mode, SearchMode::Typo, "{q}");
        assert!(
            r[0].description.to_lowercase().contains(word),
            "{q}: {}",
            r[0].description
        );
        assert!(r.spans[0].iter().any(|s| s.typo));
    }
    assert_eq!(codes(&c, "astma", &icd(1))[0], "J45909");
    // Short words, numbers and abbreviations are not "corrected".
    let none = c.with_only_synonyms(&SynonymList::default());
    for q in ["dm2", "osa", "xq7", "12345678"] {
        assert_ne!(
            none.search(q, &icd(5)).unwrap().mode,
            SearchMode::Typo,
            "{q}"
        );
    }
    // An abbreviation of the list is expanded, never fuzzed into a word.
    let r = c.search("copd", &icd(5)).unwrap();
    assert_eq!(r.mode, SearchMode::Words);
    assert!(r.iter().all(|e| e.description.contains("obstructive")));
    // A word that matches as typed is never replaced by near words.
    assert_eq!(c.search("asthma", &icd(3)).unwrap().mode, SearchMode::Words);
}

#[test]
fn code_shaped_queries_list_the_code_then_its_descendants() {
    let c = cat();
    for (q, sys, first) in [
        ("E11.9", CodeSystem::Icd10Cm, "E119"),
        ("e119", CodeSystem::Icd10Cm, "E119"),
        ("M54.5", CodeSystem::Icd10Cm, "M545"),
        ("j188", CodeSystem::Hcpcs, "J1885"),
    ] {
        let r = c
            .search(q, &SearchOptions::default().system(sys).limit(10))
            .unwrap();
        assert_eq!(r.mode, SearchMode::CodePrefix, "{q}");
        assert_eq!(r[0].code.as_str(), first, "{q}");
        assert!(r.iter().all(|e| e.code.as_str().starts_with(first)));
        assert_eq!(r.mode.as_str(), "exact");
    }
    let m545 = codes(&c, "M54.5", &icd(4));
    assert_eq!(m545, ["M545", "M5450", "M5451", "M5459"]);
}

#[test]
fn cpt_shaped_queries_say_cpt_is_not_shipped() {
    let c = cat();
    for q in ["99213", "0001F", " 90471 "] {
        let r = c.search(q, &SearchOptions::default()).unwrap();
        assert_eq!(r.notice, Some(SearchNotice::CptNotShipped), "{q}");
        assert_eq!(r.notice.map(|n| n.code()), Some("cpt_not_shipped"));
    }
    let m = SearchOptions::default().system(CodeSystem::Modifier);
    for q in ["25", "59"] {
        let r = c.search(q, &m).unwrap();
        assert_eq!(r.notice, Some(SearchNotice::CptModifierNotShipped), "{q}");
        assert!(r.notice.is_some_and(|n| n.message().contains("CPT")));
    }
    // Level II modifiers and other queries carry no notice.
    assert_eq!(c.search("GT", &m).unwrap().notice, None);
    assert_eq!(c.search("anxiety", &icd(3)).unwrap().notice, None);
}

#[test]
fn pages_totals_and_billable_only() {
    let c = cat();
    for q in ["anxiety", "knee pain", "walker", "G04", "htn"] {
        let all = c
            .search(q, &SearchOptions::default().limit(usize::MAX))
            .unwrap();
        assert!(all.total > 0 && all.total == all.len(), "{q}");
        for (offset, limit) in [(0, 5), (5, 5), (3, 7)] {
            let page = c
                .search(q, &SearchOptions::default().offset(offset).limit(limit))
                .unwrap();
            assert_eq!(page.total, all.total, "{q}");
            assert_eq!(page.offset, offset);
            let end = (offset + limit).min(all.len());
            let start = offset.min(end);
            assert_eq!(
                page.entries,
                all.entries[start..end],
                "{q} {offset} {limit}"
            );
            assert_eq!(page.spans.len(), page.len());
        }
        let billable = c
            .search(
                q,
                &SearchOptions::default()
                    .billable_only(true)
                    .limit(usize::MAX),
            )
            .unwrap();
        assert!(billable.iter().all(|e| e.billable));
        assert_eq!(
            billable.total,
            all.iter().filter(|e| e.billable).count(),
            "{q}"
        );
    }
}

#[test]
fn host_synonyms_and_weights_are_data_with_typed_errors() {
    let c = cat();
    let mine = SynonymList::parse(
        "term\texpansions\tkind\tsystems\tsource\n\
         sweetblood\tdiabetes mellitus\tlay\ticd10cm\tour patients' word\n",
    )
    .unwrap();
    assert!(c.search("sweetblood", &icd(3)).unwrap().is_empty());
    let r = c
        .with_synonyms(&mine)
        .search("sweetblood", &icd(3))
        .unwrap();
    assert!(r[0]
        .description
        .to_lowercase()
        .contains("diabetes mellitus"));
    let dir = std::env::temp_dir().join(format!("procode-search-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.tsv");
    std::fs::write(
        &bad,
        "# host list\nterm\texpansions\tkind\tsystems\tsource\nsugar\tdiabetes\tslang\ticd10cm\ts\n",
    )
    .unwrap();
    match c.with_synonyms_file(&bad) {
        Err(CatalogError::Synonyms(e)) => assert_eq!(e.line(), Some(3), "{e}"),
        other => panic!("{other:?}"),
    }
    let w = dir.join("w.tsv");
    std::fs::write(&w, "billable\t0\ngeneral\t0\n").unwrap();
    let flat = c.with_search_weights_file(&w).unwrap();
    assert_eq!(flat.search_weights().billable, 0);
    std::fs::write(&w, "billable\t0\nbillable\t1\n").unwrap();
    assert!(matches!(
        c.with_search_weights_file(&w),
        Err(CatalogError::SearchWeights(WeightsError::Duplicate {
            line: 2,
            ..
        }))
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_query_no_code_fully_matches_answers_with_all_its_words_but_one() {
    let c = cat();
    let hcpcs = SearchOptions::default().system(CodeSystem::Hcpcs).limit(10);
    // "knee" is in no hyaluronan title: the query without it finds them,
    // and says so.
    let r = c.search("hyaluronic acid knee", &hcpcs).unwrap();
    assert_eq!(r.mode, SearchMode::Words);
    assert_eq!(r.notice, Some(SearchNotice::NotEveryWord));
    assert_eq!(r.notice.map(|n| n.code()), Some("not_every_word"));
    assert!(r.total > 0 && r.total == c.search("hyaluronic acid", &hcpcs).unwrap().total);
    assert!(
        r.iter().all(|e| e.code.as_str().starts_with("J73")),
        "{:?}",
        r.iter().map(|e| e.code.as_str()).collect::<Vec<_>>()
    );
    // The word left out is the one whose absence leaves the fewest entries:
    // the more specific words are kept ("right side" narrows nothing away).
    let knee = codes(&c, "knee pain right side", &icd(3));
    assert_eq!(knee.first().map(String::as_str), Some("M25561"));
    // A query every word of which matches carries no notice, and one word
    // alone is never dropped.
    assert_eq!(c.search("hyaluronic acid", &hcpcs).unwrap().notice, None);
    let none = c.search("zz9q", &hcpcs).unwrap();
    assert_eq!(
        (none.mode, none.total, none.notice),
        (SearchMode::None, 0, None)
    );
    // Two words neither of which matches anything: still nothing.
    let none = c.search("zz9q qq9z", &hcpcs).unwrap();
    assert_eq!((none.mode, none.total), (SearchMode::None, 0));
}

fn hcpcs(limit: usize) -> SearchOptions {
    SearchOptions::default()
        .system(CodeSystem::Hcpcs)
        .limit(limit)
}

/// The position of `code` in the results, and of the first quality-data
/// reporting code.
fn position_and_first_reporting(r: &procode::SearchResults, code: &str) -> (usize, usize) {
    let at = r
        .entries
        .iter()
        .position(|e| e.code.as_str() == code)
        .unwrap_or_else(|| panic!("{code} not in {:?}", r.entries));
    let first = r
        .entries
        .iter()
        .position(|e| e.reporting)
        .unwrap_or(usize::MAX);
    (at, first)
}

/// The HCPCS MIPS quality-data codes (G8xxx, G9xxx, M1xxx …: "Depression
/// screening not documented, reason not given") are not services: the
/// priced service a preventive query names comes before every one of them.
#[test]
fn quality_reporting_codes_rank_below_the_service_a_query_names() {
    let c = cat();
    let r = c.search("depression screening", &hcpcs(10)).unwrap();
    assert_eq!(r.entries[0].code.as_str(), "G0444", "{:?}", r.entries);
    assert!(
        r.entries[1..].iter().all(|e| e.reporting),
        "{:?}",
        r.entries
    );
    assert!(r.entries.iter().any(|e| e.code.as_str() == "G8432"));
    for (query, services) in [
        (
            "colorectal cancer screening",
            &["G0104", "G0105", "G0121"][..],
        ),
        ("alcohol screening", &["G0442"][..]),
        ("obesity counseling", &["G0447"][..]),
    ] {
        let r = c.search(query, &hcpcs(20)).unwrap();
        for s in services {
            let (at, first) = position_and_first_reporting(&r, s);
            assert!(
                at < first,
                "{query}: {s} at {at}, a reporting code at {first}"
            );
        }
    }
    // What is one and what is not (see `procode::reporting`).
    for (code, reporting) in [
        ("G8432", true),
        ("G9903", true),
        ("M1003", true),
        ("G4000", true),
        ("G0444", false),
        ("G0442", false),
        ("G0438", false),
        ("G2211", false),
        ("H0004", false),
        ("E0114", false),
        ("J1885", false),
    ] {
        let e = c
            .lookup(code, Some(CodeSystem::Hcpcs), None)
            .unwrap()
            .unwrap_or_else(|| panic!("{code}"));
        assert_eq!(e.reporting, reporting, "{code}");
    }
}

/// A reporting code stays findable: by its code, and by words that only
/// reporting codes have; with the weight at zero the ranking is the one
/// without it.
#[test]
fn a_reporting_code_is_still_found_by_its_code_and_its_words() {
    let c = cat();
    let exact = c
        .search("G8432", &SearchOptions::default().limit(3))
        .unwrap();
    assert_eq!(exact.mode, SearchMode::CodePrefix);
    assert_eq!(exact.entries[0].code.as_str(), "G8432");
    let fall = c.search("fall risk", &hcpcs(10)).unwrap();
    assert_eq!(codes_of(&fall), ["M1069", "M1070"]);
    let phrase = c
        .search("depression screening not documented", &hcpcs(3))
        .unwrap();
    assert_eq!(phrase.entries[0].code.as_str(), "G8432");

    let mut w = SearchWeights::default();
    w.reporting_code = 0;
    let before = c.with_search_weights(w);
    let r = before.search("depression screening", &hcpcs(10)).unwrap();
    assert_eq!(r.entries[0].code.as_str(), "G8432", "{:?}", r.entries);
    let default = c.search("depression screening", &hcpcs(10)).unwrap();
    assert_eq!(r.total, default.total);
    // A host may even favour them: the ranking's bounds count a positive
    // weight, so no reporting code is cut off early.
    let mut w = SearchWeights::default();
    w.reporting_code = 10_000;
    let favoured = c.with_search_weights(w);
    let all = hcpcs(200);
    let r = favoured.search("screening", &all).unwrap();
    let reporting = r.entries.iter().filter(|e| e.reporting).count();
    assert!(reporting > 0);
    assert!(
        r.entries[..reporting].iter().all(|e| e.reporting),
        "{:?}",
        r.entries
    );
    assert_eq!(r.total, c.search("screening", &all).unwrap().total);
    assert_eq!(
        SearchWeights::parse("reporting_code\t-80\n").map(|w| w.reporting_code),
        Ok(-80)
    );
}

fn codes_of(r: &procode::SearchResults) -> Vec<&str> {
    r.entries.iter().map(|e| e.code.as_str()).collect()
}
