//! Compiles the embedded default catalog (HCPCS Level II, Level II modifiers,
//! place of service, ICD-10-CM) into the library from the code-set data in
//! `PROCODE_DATA_DIR`, or `../shared/data` beside the checkout. The data itself
//! is never part of this repository. Without data the build still succeeds and
//! `Catalog::embedded()` reports how to provide it.
//!
//! The importers and the index writer are those of the `procode-index` crate,
//! the library's own.

use std::path::{Path, PathBuf};

use procode_index::import::tabular::{read_tabular_path, NoteKind};
use procode_index::import::{load_data_dir, Addenda, IcdSet, StdFile};
use procode_index::{CodeSystem, IndexBuilder};

/// The CDC ICD-10-CM Tabular List XML whose inclusion terms make codes
/// searchable by the words coders know them by (issue 13 item 6).
const ICD10CM_TABULAR: &str = "cms/icd10cm_tabular_2026.xml";

/// The ICD-10-CM addenda of the embedded release: the embedded release is
/// FY2026, so its own addenda (FY2025 -> FY2026) tell which codes are new in
/// it, and those are not valid before the release's first day.
const ICD10CM_ADDENDA: &str = "cms/icd10cm_order_addenda_2026.txt";

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
    add_inclusion_terms(dir, &mut builder);
    match builder.build() {
        Ok(b) => b,
        Err(e) => panic!("procode: cannot build the embedded catalog: {e}"),
    }
}

/// Feeds the inclusion terms (and `includes` notes, which list terms the
/// same way: "high blood pressure" under I10) of the tabular list into the
/// word index: a
/// query matching an inclusion term ("plantar fasciitis") finds its code
/// (M72.2), ranked below an equal match in the code's own title. Without
/// the XML the catalog is built without them (a warning says so).
fn add_inclusion_terms(dir: &Path, builder: &mut IndexBuilder) {
    let path = dir.join(ICD10CM_TABULAR);
    println!("cargo:rerun-if-changed={}", path.display());
    if !path.is_file() {
        println!(
            "cargo:warning=procode: no {} in {}: ICD-10-CM inclusion terms are not searchable",
            ICD10CM_TABULAR,
            dir.display()
        );
        return;
    }
    let tabular = match read_tabular_path(&path) {
        Ok(t) => t,
        Err(e) => panic!("procode: cannot read {}: {e}", path.display()),
    };
    for node in tabular.nodes() {
        for block in &node.notes {
            if !matches!(block.kind, NoteKind::InclusionTerm | NoteKind::Includes) {
                continue;
            }
            for note in &block.notes {
                builder.add_search_terms(CodeSystem::Icd10Cm, node.code, note.text.as_str());
            }
        }
    }
}
