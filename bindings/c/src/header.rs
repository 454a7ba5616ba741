//! The checked-in header `include/procode.h` must be what cbindgen
//! generates from this crate.

use std::path::{Path, PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn header_path() -> PathBuf {
    crate_dir().join("../../include/procode.h")
}

/// The `PROCODE_VERSION_*` macros: the crate version, so that the header and
/// the library it came with always agree.
fn version_macros() -> String {
    format!(
        "\n// The version of procode this header belongs to.\n\
         #define PROCODE_VERSION_MAJOR {}\n\
         #define PROCODE_VERSION_MINOR {}\n\
         #define PROCODE_VERSION_PATCH {}\n\
         #define PROCODE_VERSION_STRING \"{}\"",
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
        env!("CARGO_PKG_VERSION"),
    )
}

fn generate() -> String {
    let dir = crate_dir();
    let mut config = cbindgen::Config::from_file(dir.join("cbindgen.toml"))
        .expect("bindings/c/cbindgen.toml reads");
    config.after_includes = Some(version_macros());
    let bindings = cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

// cbindgen reads the crate's files: miri's isolation refuses file access.
#[test]
#[cfg_attr(miri, ignore)]
fn header_is_up_to_date() {
    let generated = generate();
    let path = header_path();
    if std::env::var_os("PROCODE_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("include/procode.h is writable");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current != generated {
        let first = current
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| current.lines().count().min(generated.lines().count()));
        panic!(
            "{} is stale (first difference at line {}).\n\
             Regenerate it with:\n    PROCODE_UPDATE_HEADER=1 cargo test -p procode-c\n\
             and commit the result.",
            Path::new("include/procode.h").display(),
            first + 1
        );
    }
}
