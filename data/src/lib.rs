//! The code-set data of procode, as files: the public-domain CMS/CDC releases
//! (HCPCS Level II with its modifiers, Place of Service, ICD-10-CM with its
//! order files, addenda and tabular list) that the build script of `procode`
//! compiles into the embedded default catalog. See `SOURCES.md` beside this
//! crate for each file's release, checksum and how it was made.
//!
//! The crate has no code: its build script publishes its directory to the
//! build scripts that depend on it (`DEP_PROCODE_DATA_ROOT`), which is how the
//! data reaches `procode` however it is installed (checkout, path or git
//! dependency, crates.io package).
#![no_std]
