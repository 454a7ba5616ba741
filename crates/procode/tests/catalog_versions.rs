//! Several versions of one code in an index: stored, looked up per date,
//! searched once, refused when their ranges overlap; releases stored.

use chrono::NaiveDate;
use procode::{
    Catalog, CatalogError, Code, CodeSystem, Entry, IndexBuilder, Release, SearchOptions,
};

fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, dd).unwrap()
}

const CM: CodeSystem = CodeSystem::Icd10Cm;

fn v(
    code: &str,
    title: &str,
    billable: bool,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Entry {
    Entry::new(Code::parse(code).unwrap(), CM, title)
        .with_billable(billable)
        .with_effective(from)
        .with_terminated(to)
}

fn three_versions() -> Vec<Entry> {
    vec![
        v("X123", "Widget disorder", true, None, Some(d(2025, 9, 30))),
        v(
            "X123",
            "Gadget disorder",
            true,
            Some(d(2025, 10, 1)),
            Some(d(2026, 9, 30)),
        ),
        v("X123", "Gizmo disorder", false, Some(d(2026, 10, 1)), None),
        v("X124", "Other thing", true, None, None),
    ]
}

#[test]
fn versions_answer_per_date_and_search_finds_the_code_once() {
    let cat = Catalog::build(three_versions()).unwrap();
    assert_eq!(cat.len(), 2);
    assert_eq!(cat.entries().count(), 2);
    let at = |on| cat.lookup("X123", Some(CM), on).unwrap().unwrap();
    assert_eq!(at(None).description, "Gizmo disorder");
    assert!(!at(None).billable);
    assert_eq!(at(None).effective, Some(d(2026, 10, 1)));
    assert_eq!(at(Some(d(2020, 1, 1))).description, "Widget disorder");
    assert_eq!(at(Some(d(2026, 9, 30))).description, "Gadget disorder");
    assert_eq!(at(Some(d(2026, 10, 1))).description, "Gizmo disorder");
    let all = cat.versions(&Code::parse("X123").unwrap(), CM).unwrap();
    let titles: Vec<&str> = all.iter().map(|e| e.description.as_str()).collect();
    assert_eq!(
        titles,
        ["Widget disorder", "Gadget disorder", "Gizmo disorder"]
    );
    // Every title finds the code, once, shown as of the date asked.
    for (q, on, shown) in [
        ("widget", Some(d(2020, 1, 1)), "Widget disorder"),
        ("widget", None, "Gizmo disorder"),
        ("disorder", Some(d(2026, 1, 1)), "Gadget disorder"),
        ("gizmo", Some(d(2027, 1, 1)), "Gizmo disorder"),
    ] {
        let hits = cat.search(q, &SearchOptions::default().as_of(on)).unwrap();
        let x: Vec<&Entry> = hits.iter().filter(|e| e.code.as_str() == "X123").collect();
        assert_eq!(x.len(), 1, "{q} {on:?}");
        assert_eq!(x[0].description, shown, "{q} {on:?}");
    }
    let hits = cat.search("X12", &SearchOptions::default()).unwrap();
    assert_eq!(hits.len(), 2);
    let hits = cat
        .search("X12", &SearchOptions::default().as_of(d(2020, 1, 1)))
        .unwrap();
    assert_eq!(hits[0].description, "Widget disorder");
}

#[test]
fn overlapping_versions_are_refused() {
    for (a, b) in [
        ((None, None), (Some(d(2026, 10, 1)), None)),
        ((None, Some(d(2026, 10, 1))), (Some(d(2026, 10, 1)), None)),
        ((None, Some(d(2026, 9, 30))), (None, None)),
    ] {
        let e = Catalog::build([v("X11", "A", true, a.0, a.1), v("X11", "B", true, b.0, b.1)])
            .unwrap_err();
        assert!(matches!(e, CatalogError::DuplicateCode { .. }), "{e}");
    }
}

#[test]
fn releases_are_stored_and_bad_windows_refused() {
    let mut b = IndexBuilder::new();
    b.extend(three_versions());
    let r = Release::fiscal_year(CM, 2027, "a.txt").unwrap();
    b.release(r.clone());
    let cat = Catalog::from_bytes(b.build().unwrap()).unwrap();
    assert_eq!(cat.releases(), [r]);
    let mut bad = Release::new(CM, "bad", "x", d(2026, 10, 1));
    bad.valid_through = Some(d(2026, 9, 30));
    b.release(bad);
    assert!(matches!(b.build(), Err(CatalogError::BadRelease { .. })));
    assert!(Catalog::build([]).unwrap().releases().is_empty());
}
