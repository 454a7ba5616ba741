//! Compiles the embedded default catalog (HCPCS Level II, Level II modifiers,
//! place of service, ICD-10-CM) into the library from the vendored,
//! compressed code-set files of the `procode-data` crate (the repository's
//! `data/`), or from `PROCODE_DATA_DIR` when that names a directory of
//! uncompressed files. There is no build without the data: a missing or
//! unreadable source fails the build with the remedy.
//!
//! The importers and the index writer are those of the `procode-index` crate,
//! the library's own.

use std::io::Read;
use std::path::{Path, PathBuf};

use procode_index::import::tabular::read_tabular_path;
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

/// The CDC ICD-10-CM tabular list XML of the embedded release.
const ICD10CM_TABULAR: &str = "cms/icd10cm_tabular_2026.xml";

fn main() {
    println!("cargo:rerun-if-env-changed=PROCODE_DATA_DIR");
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = out.join("embedded.idx");
    let dir = data_dir(&out);
    let files = StdFile::DEFAULT_EMBEDDED;
    let other_files = std::iter::once(procode_index::reporting::LIST_FILE)
        .chain(std::iter::once(ICD10CM_ORDER))
        .chain(std::iter::once(ICD10CM_OWN_ADDENDA))
        .chain(ICD10CM_LATER_ADDENDA.iter().copied())
        .chain(std::iter::once(ICD10CM_TABULAR));
    let all: Vec<PathBuf> = files
        .iter()
        .map(|f| dir.join(f.file_name()))
        .chain(other_files.map(|f| dir.join(f)))
        .collect();
    for path in &all {
        if !path.is_file() {
            panic!(
                "procode: the code-set file {} is missing. Unset PROCODE_DATA_DIR to build from \
                 the vendored data, or point it at a directory holding {}",
                path.display(),
                all.iter()
                    .filter_map(|p| p.strip_prefix(&dir).ok())
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        // The vendored files are unpacked into OUT_DIR on every run (their
        // `.zst` sources are watched by `data_dir`): watching the unpacked
        // copies, newer than the run that wrote them, reran this script and
        // recompiled the library on every build.
        if std::env::var_os("PROCODE_DATA_DIR").is_some() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    // The shipped synonym list is compiled in (procode-index includes it):
    // a line it cannot take fails the build here, with its line number,
    // rather than leaving the library without synonyms.
    if let Err(e) = procode_index::synonyms::SynonymList::shipped() {
        panic!("procode: the shipped synonym list (crates/procode-index/search/synonyms.tsv) is invalid: {e}");
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
    add_tabular(dir, &mut builder);
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

/// The vendored files the build reads, relative to the `procode-data` crate,
/// each compressed with zstd (`NAME.zst`).
const VENDORED: &[&str] = &[
    "hcpcs_level2.tsv",
    // The quality-data reporting codes among them (`load_data_dir` marks
    // them; see `procode_index::reporting`): its `LIST_FILE`, spelt out for
    // scripts/check-packages.sh (`main` fails on a missing list).
    "hcpcs_reporting.tsv",
    "modifiers.tsv",
    "place_of_service.tsv",
    "icd10cm.tsv",
    "cms/icd10cm_order_2026.txt",
    "cms/icd10cm_order_addenda_2026.txt",
    "cms/icd10cm_order_addenda_2027.txt",
    "cms/icd10cm_tabular_2026.xml",
];

/// The directory of uncompressed code-set files the build reads:
/// `PROCODE_DATA_DIR` (an absolute path) when set, else the vendored files
/// unpacked into `OUT_DIR/data`.
fn data_dir(out: &Path) -> PathBuf {
    if let Some(d) = std::env::var_os("PROCODE_DATA_DIR") {
        let d = PathBuf::from(d);
        if !d.is_absolute() {
            // A build script runs in the crate's directory, not the user's:
            // a relative path would silently mean something else.
            panic!(
                "procode: PROCODE_DATA_DIR must be an absolute path (got {})",
                d.display()
            );
        }
        return d;
    }
    let Some(root) = std::env::var_os("DEP_PROCODE_DATA_ROOT") else {
        panic!("procode: the procode-data crate did not say where its files are (DEP_PROCODE_DATA_ROOT)");
    };
    let root = PathBuf::from(root);
    let dest = out.join("data");
    for name in VENDORED {
        let src = root.join(format!("{name}.zst"));
        println!("cargo:rerun-if-changed={}", src.display());
        let target = dest.join(name);
        if let Err(e) = unpack(&src, &target) {
            panic!(
                "procode: cannot unpack the vendored code-set file {}: {e}. The procode-data \
                 package is incomplete; reinstall it, or set PROCODE_DATA_DIR to a directory \
                 of uncompressed files",
                src.display()
            );
        }
    }
    dest
}

/// Decompresses the zstd file `src` into `target`.
fn unpack(src: &Path, target: &Path) -> std::io::Result<()> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let file = std::io::BufReader::new(std::fs::File::open(src)?);
    let mut decoder = ruzstd::decoding::StreamingDecoder::new(file)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
    let mut bytes = Vec::new();
    decoder.read_to_end(&mut bytes)?;
    std::fs::write(target, bytes)
}

/// The ICD-10-CM tabular structure of the embedded catalog, from the CDC
/// tabular list XML (FY2026): the hierarchy, the notes with their resolved
/// targets and the 7th-character rules, in the index's tabular section, and
/// its inclusion terms as search text (`IndexBuilder::add_tabular`).
fn add_tabular(dir: &Path, builder: &mut IndexBuilder) {
    let path = dir.join(ICD10CM_TABULAR);
    let tabular = match read_tabular_path(&path) {
        Ok(t) => t,
        Err(e) => panic!("procode: cannot read {}: {e}", path.display()),
    };
    builder.add_tabular(&tabular);
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
