//! Compiles the embedded default catalog (HCPCS Level II, Level II modifiers,
//! place of service, ICD-10-CM) into the library from the code-set data in
//! `PROCODE_DATA_DIR`, or `../shared/data` beside the checkout. The data itself
//! is never part of this repository. Without data the build still succeeds and
//! `Catalog::embedded()` reports how to provide it.
//!
//! The importers and the index writer are those of the `procode-index` crate,
//! the library's own.

use std::path::{Path, PathBuf};

use procode_index::import::{load_data_dir, Addenda, IcdSet, StdFile};
use procode_index::IndexBuilder;

/// The ICD-10-CM addenda of the embedded release: the embedded release is
/// FY2026, so its own addenda (FY2025 -> FY2026) tell which codes are new in
/// it, and those are not valid before the release's first day.
const ICD10CM_ADDENDA: &str = "cms/icd10cm_order_addenda_2026.txt";

/// The CDC ICD-10-CM tabular list XML of the embedded release.
const ICD10CM_TABULAR: &str = "cms/icd10cm_tabular_2026.xml";

fn main() {
    println!("cargo:rerun-if-env-changed=PROCODE_DATA_DIR");
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = out.join("embedded.idx");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let dir = match std::env::var_os("PROCODE_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => manifest.join("../../../shared/data"),
    };
    let files = StdFile::DEFAULT_EMBEDDED;
    for f in files {
        println!(
            "cargo:rerun-if-changed={}",
            dir.join(f.file_name()).display()
        );
    }
    let present = files.iter().all(|f| dir.join(f.file_name()).is_file());
    if !present {
        println!(
            "cargo:warning=procode: no code-set data in {} (set PROCODE_DATA_DIR); building without the embedded default catalog",
            dir.display()
        );
        std::fs::write(&target, b"").expect("write OUT_DIR/embedded.idx");
        return;
    }
    let bytes = build_embedded(&dir, files);
    std::fs::write(&target, bytes).expect("write OUT_DIR/embedded.idx");
}

/// The embedded catalog's index file, from the data directory `dir`.
fn build_embedded(dir: &Path, files: &[StdFile]) -> Vec<u8> {
    let mut entries = match load_data_dir(dir, files) {
        Ok(e) => e,
        Err(e) => panic!("procode: cannot import the embedded catalog data: {e}"),
    };
    let path = dir.join(ICD10CM_ADDENDA);
    if path.is_file() {
        println!("cargo:rerun-if-changed={}", path.display());
        match Addenda::from_path(IcdSet::Cm, &path) {
            Ok(a) => {
                a.mark_new_codes(&mut entries);
            }
            Err(e) => panic!("procode: cannot read {}: {e}", path.display()),
        }
    }
    let mut builder = IndexBuilder::new();
    builder.extend(entries);
    add_tabular(dir, &mut builder);
    match builder.build() {
        Ok(b) => b,
        Err(e) => panic!("procode: cannot build the embedded catalog: {e}"),
    }
}

/// The ICD-10-CM tabular structure of the embedded catalog, from the CDC
/// tabular list XML (FY2026) when the data directory holds it: the
/// hierarchy, the notes with their resolved targets and the 7th-character
/// rules, in the index's tabular section.
fn add_tabular(dir: &Path, builder: &mut IndexBuilder) {
    let path = dir.join(ICD10CM_TABULAR);
    println!("cargo:rerun-if-changed={}", path.display());
    if !path.is_file() {
        println!(
            "cargo:warning=procode: no {} in {}: the embedded catalog has no ICD-10-CM structure",
            ICD10CM_TABULAR,
            dir.display()
        );
        return;
    }
    match procode_index::import::tabular::read_tabular_path(&path) {
        Ok(t) => {
            builder.tabular(procode_index::import::tabular::encode(&t));
        }
        Err(e) => panic!("procode: cannot read {}: {e}", path.display()),
    }
}
