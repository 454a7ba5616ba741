//! The index build is deterministic: the same input gives the same bytes,
//! build after build, and the two-threaded build (the default) writes
//! exactly what the single-threaded one writes. Checked on the real code
//! sets, with every part of the word index in play: titles and short
//! descriptions, older versions of ICD-10-CM codes (FY2026 brought forward
//! by the FY2027 addenda) and the tabular list's inclusion terms.

use crate::common;

use procode::import::tabular::read_tabular_path;
use procode::import::tsv::{load_data_dir, StdFile};
use procode::import::{with_history, IcdSet};
use procode::{Catalog, CodeSystem, IndexBuilder, SearchOptions};

/// A builder of the five code sets, ICD-10-CM with its history and the
/// tabular list's inclusion terms as extra search text.
fn full_builder() -> IndexBuilder {
    let dir = common::data_dir();
    let tsvs = [
        StdFile::Hcpcs,
        StdFile::Modifiers,
        StdFile::PlaceOfService,
        StdFile::Icd10Pcs,
    ];
    let mut b = IndexBuilder::new();
    b.extend(load_data_dir(&dir, &tsvs).expect("the TSVs import"));
    let cms = dir.join("cms");
    let own = cms.join("icd10cm_order_addenda_2026.txt");
    let later = cms.join("icd10cm_order_addenda_2027.txt");
    let h = with_history(
        IcdSet::Cm,
        &cms.join("icd10cm_order_2026.txt"),
        Some(&own),
        &[&later],
    )
    .expect("ICD-10-CM comes forward");
    b.extend(h.entries);
    for r in h.releases {
        b.release(r);
    }
    let tabular = read_tabular_path(&cms.join("icd10cm_tabular_2026.xml")).expect("tabular");
    b.add_tabular(&tabular);
    b
}

#[test]
fn the_same_input_builds_the_same_bytes_on_one_thread_or_two() {
    let mut b = full_builder();
    let first = b.build().expect("builds");
    let again = b.build().expect("builds");
    assert!(first == again, "two builds of the same input differ");
    let sequential = b.parallel(false).build().expect("builds");
    assert!(
        first == sequential,
        "the two-threaded build differs from the single-threaded one"
    );
    // The bytes are a working catalog: titles, older titles and inclusion
    // terms are all found.
    let cat = Catalog::from_bytes(first).expect("opens");
    let opts = SearchOptions::default()
        .system(CodeSystem::Icd10Cm)
        .limit(20);
    let hits = cat.search("plantar fasciitis", &opts).expect("search");
    assert!(hits.iter().any(|e| e.code.as_str() == "M722"), "{hits:?}");
    let gad = cat.search("generalized anxiety", &opts).expect("search");
    assert!(gad.iter().any(|e| e.code.as_str() == "F411"), "{gad:?}");
}

#[test]
fn the_standard_tsvs_build_alike_on_one_thread_or_two() {
    let mut b = IndexBuilder::new();
    b.extend(common::all_entries().iter().cloned());
    let two = b.build().expect("builds");
    let one = b.parallel(false).build().expect("builds");
    assert!(two == one, "the two-threaded build differs");
    // Reading the files one after the other gives the entries the parallel
    // reader gives, in the same order.
    let dir = common::data_dir();
    let mut serial = Vec::new();
    for f in [StdFile::Hcpcs, StdFile::Icd10Cm, StdFile::Icd10Pcs] {
        serial.extend(load_data_dir(&dir, &[f]).expect("imports"));
    }
    let parallel = load_data_dir(&dir, &[StdFile::Hcpcs, StdFile::Icd10Cm, StdFile::Icd10Pcs])
        .expect("imports");
    assert!(
        serial == parallel,
        "the parallel TSV reader changed the entries"
    );
}
