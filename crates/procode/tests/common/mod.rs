//! Shared fixtures of the integration tests: the real code-set data.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use procode::import::tsv::{load_data_dir, StdFile};
use procode::{Catalog, Entry};

/// The code-set data directory: `PROCODE_DATA_DIR`, else `target/data` (unpacked
/// from the vendored `data/` by `make data`). Panics (never skips) when it is missing.
pub fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("PROCODE_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/data"),
    };
    assert!(
        dir.join("hcpcs_level2.tsv").is_file(),
        "the code-set data is missing at {}: run `make data` (or set PROCODE_DATA_DIR to the directory holding \
         hcpcs_level2.tsv, icd10cm.tsv, icd10pcs.tsv, modifiers.tsv and place_of_service.tsv)",
        dir.display()
    );
    dir
}

/// Every entry of the five standard TSVs.
pub fn all_entries() -> &'static [Entry] {
    static E: OnceLock<Vec<Entry>> = OnceLock::new();
    E.get_or_init(|| {
        load_data_dir(
            &data_dir(),
            &[
                StdFile::Hcpcs,
                StdFile::Modifiers,
                StdFile::PlaceOfService,
                StdFile::Icd10Cm,
                StdFile::Icd10Pcs,
            ],
        )
        .expect("the standard TSVs import")
    })
}

/// A catalog built from [`all_entries`] (in memory).
pub fn full_catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| Catalog::build(all_entries().iter().cloned()).expect("index builds"))
}

/// Re-seals the header checksum, so that damage to the header or the section
/// table reaches the checks behind the checksum.
pub fn reseal(bytes: &mut [u8]) {
    let n = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let Some(end) = n
        .checked_mul(32)
        .map(|t| t + 48)
        .filter(|&e| e <= bytes.len())
    else {
        return;
    };
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&bytes[..40]);
    h.update(&bytes[48..end]);
    let sum = h.digest();
    bytes[40..48].copy_from_slice(&sum.to_le_bytes());
}
