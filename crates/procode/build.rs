//! Compiles the embedded default catalog (HCPCS Level II, Level II modifiers,
//! place of service, ICD-10-CM) into the library from the code-set data in
//! `PROCODE_DATA_DIR`, or `../shared/data` beside the checkout. The data itself
//! is never part of this repository. Without data the build still succeeds and
//! `Catalog::embedded()` reports how to provide it.
#![allow(dead_code, unused_imports)]

#[path = "src/code.rs"]
mod code;
#[path = "src/entry.rs"]
mod entry;
#[path = "src/error.rs"]
mod error;
#[path = "src/import/common.rs"]
mod import_common;
#[path = "src/import/order.rs"]
mod import_order;
#[path = "src/import/tsv.rs"]
mod import_tsv;
#[path = "src/index/builder.rs"]
mod index_builder;
#[path = "src/index/container.rs"]
mod index_container;
#[path = "src/index/format.rs"]
mod index_format;
#[path = "src/text.rs"]
mod text;
mod index {
    pub(crate) use super::index_builder as builder;
    pub(crate) use super::index_container as container;
    pub(crate) use super::index_format as format;
}
mod import {
    pub(crate) use super::import_common as common;
    pub(crate) use super::import_order as order;
    pub(crate) use super::import_tsv as tsv;
}

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=PROCODE_DATA_DIR");
    println!("cargo:rerun-if-changed=build.rs");
    for f in [
        "src/code.rs",
        "src/entry.rs",
        "src/error.rs",
        "src/text.rs",
        "src/index/builder.rs",
        "src/index/format.rs",
        "src/index/container.rs",
        "src/import/common.rs",
        "src/import/tsv.rs",
        "src/import/order.rs",
    ] {
        println!("cargo:rerun-if-changed={f}");
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = out.join("embedded.idx");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let dir = match std::env::var_os("PROCODE_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => manifest.join("../../../shared/data"),
    };
    let files = import::tsv::StdFile::DEFAULT_EMBEDDED;
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
    let mut entries = match import::tsv::load_data_dir(&dir, files) {
        Ok(e) => e,
        Err(e) => panic!("procode: cannot import the embedded catalog data: {e}"),
    };
    // The ICD-10-CM release's addenda, when present, tell which codes are new
    // in it: they are not valid before the release's first day. The embedded
    // release is FY2026, so its own addenda (FY2025 -> FY2026) apply.
    let path = dir.join("cms/icd10cm_order_addenda_2026.txt");
    if path.is_file() {
        println!("cargo:rerun-if-changed={}", path.display());
        match import::order::Addenda::from_path(import::order::IcdSet::Cm, &path) {
            Ok(a) => {
                a.mark_new_codes(&mut entries);
            }
            Err(e) => panic!("procode: cannot read {}: {e}", path.display()),
        }
    }
    let bytes = match index::builder::build_index(&entries) {
        Ok(b) => b,
        Err(e) => panic!("procode: cannot build the embedded catalog: {e}"),
    };
    std::fs::write(&target, bytes).expect("write OUT_DIR/embedded.idx");
}
