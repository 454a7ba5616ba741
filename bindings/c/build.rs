//! Gives the shared library a SONAME on ELF targets, so that programs linked
//! against `libprocode.so` record the ABI version they were built for.
//!
//! procode is pre-1.0: a minor version may change the ABI, so the SONAME
//! carries `MAJOR.MINOR` (`libprocode.so.0.1`); from 1.0 on it carries
//! `MAJOR` only.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if !matches!(
        os.as_str(),
        "linux" | "freebsd" | "netbsd" | "openbsd" | "dragonfly"
    ) {
        return;
    }
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_default();
    let soversion = if major == "0" {
        format!("{major}.{minor}")
    } else {
        major
    };
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libprocode.so.{soversion}");
}
