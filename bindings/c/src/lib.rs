//! # procode C ABI
//!
//! The C interface of [procode](../procode/index.html): `include/procode.h`
//! (generated from this crate by cbindgen), `libprocode.a` and
//! `libprocode.so`.
//!
//! This layer holds no rules: it converts C values to the core's types,
//! forwards the call and converts the answer back. Billing documents cross
//! as the core's serde JSON, identical in Rust, C and Python.
//!
//! ## Conventions
//!
//! - Every name starts with `procode_`.
//! - Handles are opaque (`procode_catalog`, `procode_results`,
//!   `procode_entry`, `procode_encounter`, `procode_pricing`,
//!   `procode_policy`, `procode_problems`); each has a NULL-safe `_free`.
//! - Every fallible call returns a [`procode_result`] (`PROCODE_OK` is 0);
//!   outputs go to trailing out-parameters, written only on success. The
//!   message of the last failure on the calling thread is available from
//!   [`procode_last_error_message`].
//! - NULL pointers, invalid UTF-8, malformed JSON and bad dates are errors,
//!   never crashes; no panic crosses the boundary (`PROCODE_PANIC`).
//! - Strings out are either borrowed (`const char *`, valid as long as the
//!   handle they come from, or static) or copies the caller frees with
//!   [`procode_string_free`].
#![deny(missing_docs)]
// The C names of the handles are the Rust names (as in rustls-ffi).
#![allow(non_camel_case_types)]

mod accessors;
mod billing;
mod catalog;
mod claim;
mod error;
mod ffi;

pub use accessors::*;
pub use billing::*;
pub use catalog::*;
pub use claim::*;
pub use error::*;
pub use ffi::procode_string_free;

/// The version of this library, e.g. `"0.1.0"`.
///
/// Ownership: static; never free it.
#[no_mangle]
pub extern "C" fn procode_version() -> *const std::ffi::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod abi_tests;
#[cfg(test)]
mod header;
