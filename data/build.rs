//! Tells the build scripts of the crates that depend on this one where the
//! vendored files are: `DEP_PROCODE_DATA_ROOT` (this crate's directory, in a
//! checkout, a git dependency or an unpacked registry package alike).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    println!("cargo:root={root}");
}
