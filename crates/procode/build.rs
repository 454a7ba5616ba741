//! Compiles the embedded default catalog (HCPCS Level II, Level II modifiers,
//! place of service, ICD-10-CM) into the library from the code-set data in
//! `PROCODE_DATA_DIR`, or `../shared/data` beside the checkout. The data itself
//! is never part of this repository. Without data the build still succeeds and
//! `Catalog::embedded()` reports how to provide it.
//!
//! The importers and the index writer are those of the `procode-index` crate,
//! the library's own.

use std::path::{Path, PathBuf};

use procode_index::import::{load_data_dir, with_history, IcdSet, StdFile};
use procode_index::{CodeSystem, IndexBuilder, Release};

/// The ICD-10-CM order file the embedded catalog starts from (FY2026).
const ICD10CM_ORDER: &str = "cms/icd10cm_order_2026.txt";
/// Its own addenda (FY2025 -> FY2026): the codes new in FY2026 are not valid
/// before 2025-10-01.
const ICD10CM_OWN_ADDENDA: &str = "cms/icd10cm_order_addenda_2026.txt";
/// The addenda that bring it forward (FY2026 -> FY2027), checked against
/// their footer of totals: the embedded ICD-10-CM is the current release,
/// with the FY2026 versions of what changed.
const ICD10CM_LATER_ADDENDA: &[&str] = &["cms/icd10cm_order_addenda_2027.txt"];

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
    let icd_files = std::iter::once(ICD10CM_ORDER)
        .chain(std::iter::once(ICD10CM_OWN_ADDENDA))
        .chain(ICD10CM_LATER_ADDENDA.iter().copied());
    let all: Vec<PathBuf> = files
        .iter()
        .map(|f| dir.join(f.file_name()))
        .chain(icd_files.map(|f| dir.join(f)))
        .collect();
    for f in &all {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    let present = all.iter().all(|f| f.is_file());
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
    let tsvs: Vec<StdFile> = files
        .iter()
        .copied()
        .filter(|f| *f != StdFile::Icd10Cm)
        .collect();
    let entries = match load_data_dir(dir, &tsvs) {
        Ok(e) => e,
        Err(e) => panic!("procode: cannot import the embedded catalog data: {e}"),
    };
    let mut builder = IndexBuilder::new();
    builder.extend(entries);
    for r in tsv_releases() {
        builder.release(r);
    }
    if files.contains(&StdFile::Icd10Cm) {
        icd10cm_with_history(dir, &mut builder);
    }
    match builder.build() {
        Ok(b) => b,
        Err(e) => panic!("procode: cannot build the embedded catalog: {e}"),
    }
}

/// ICD-10-CM: the FY2026 order file brought forward to the current release
/// by the later addenda, every version of every code with its dates, and
/// the releases held.
fn icd10cm_with_history(dir: &Path, builder: &mut IndexBuilder) {
    let later: Vec<PathBuf> = ICD10CM_LATER_ADDENDA.iter().map(|f| dir.join(f)).collect();
    let later: Vec<&Path> = later.iter().map(PathBuf::as_path).collect();
    let own = dir.join(ICD10CM_OWN_ADDENDA);
    match with_history(IcdSet::Cm, &dir.join(ICD10CM_ORDER), Some(&own), &later) {
        Ok(h) => {
            builder.extend(h.entries);
            for r in h.releases {
                builder.release(r);
            }
        }
        Err(e) => panic!("procode: cannot bring ICD-10-CM forward: {e}"),
    }
}

/// The releases of the TSV sources, as `SOURCES.md` records them: HCPCS
/// Level II and its modifiers are the CMS October 2025 quarterly file (valid
/// for that quarter); the place-of-service set is CMS version 20240502 (the
/// set changes only when a code does, so it has no end date).
fn tsv_releases() -> Vec<Release> {
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("a calendar day");
    let quarter = |system| {
        Release::new(
            system,
            "HCPCS 2025 October quarter",
            "HCPC2025_OCT_ANWEB.xlsx",
            day(2025, 10, 1),
        )
        .with_valid_through(Some(day(2025, 12, 31)))
    };
    vec![
        quarter(CodeSystem::Hcpcs),
        quarter(CodeSystem::Modifier),
        Release::new(
            CodeSystem::Pos,
            "CMS Place of Service 20240502",
            "place_of_service.tsv",
            day(2024, 5, 2),
        ),
    ]
}
