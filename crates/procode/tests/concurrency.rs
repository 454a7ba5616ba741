//! Many threads sharing one catalog, each with its own documents: searches,
//! lookups, edits and readiness checks interleave without changing answers.

use crate::billing_common;
use crate::claim_follow;

use billing_common::{at, catalog, day, entry, usd};
use claim_follow::readiness;
use procode::billing::{
    BookingRequest, CodeLine, EditBatch, Editor, Encounter, Pricing, ProblemCode, Service,
};
use procode::{CodeSystem, SearchOptions};

const THREADS: usize = 8;
const ROUNDS: usize = 40;
const QUERIES: [&str; 8] = [
    "diab mell",
    "G04",
    "f41.",
    "wheelchiar",
    "audio video",
    "office",
    "anxiety disorder",
    "H00",
];

#[test]
fn threads_share_one_catalog_with_separate_documents() {
    let cat = catalog();
    // The answers of one thread, computed before any concurrency.
    let expected: Vec<Vec<String>> = QUERIES
        .iter()
        .map(|q| {
            cat.search(q, &SearchOptions::default().limit(25))
                .unwrap()
                .iter()
                .map(|e| format!("{}:{}", e.system, e.code))
                .collect()
        })
        .collect();
    let counseling = entry(CodeSystem::Hcpcs, "H0004");
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let expected = &expected;
            let counseling = &counseling;
            s.spawn(move || {
                let ed = Editor::new(format!("worker-{t}"), at(3, 9));
                let mut svc = Service::new(format!("SVC-{t}"), "Counseling", usd("120.00"));
                let line = CodeLine::from_entry(counseling)
                    .with_units(1 + t as u32)
                    .unwrap()
                    .with_diagnoses(["F41.1"])
                    .unwrap()
                    .with_place_of_service("11")
                    .unwrap();
                svc.edit(&EditBatch::new().add(line), &ed).unwrap();
                for round in 0..ROUNDS {
                    let i = (t + round) % QUERIES.len();
                    let got: Vec<String> = cat
                        .search(QUERIES[i], &SearchOptions::default().limit(25))
                        .unwrap()
                        .iter()
                        .map(|e| format!("{}:{}", e.system, e.code))
                        .collect();
                    assert_eq!(got, expected[i], "thread {t} query {:?}", QUERIES[i]);
                    let gad = cat.lookup("F41.1", None, Some(day(2025, 3, 3))).unwrap();
                    assert_eq!(gad.unwrap().code.as_str(), "F411");

                    let req = BookingRequest::new(
                        format!("S-{t}-{round}"),
                        format!("C-{t}"),
                        day(2025, 3, 3),
                    );
                    let enc = Encounter::book(&svc, req, Pricing::none()).unwrap();
                    let problems = readiness(enc.session(), cat, None);
                    assert!(
                        problems.iter().all(|p| p.code == ProblemCode::NoRate),
                        "thread {t}: {problems:?}"
                    );
                    assert_eq!(enc.session().lines()[0].units, 1 + t as u32);
                }
            });
        }
    });
}
