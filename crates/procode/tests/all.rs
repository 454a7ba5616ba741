//! The integration tests of procode, gathered into one test binary: each
//! file of `tests/` stays a module of its own (run one with
//! `cargo test -p procode --test all <file>::`), and the shared fixtures
//! (`common`, `billing_common`, `claim_follow`) are compiled once, so the
//! real catalog they load is built once per run. One binary instead of 28
//! links once and compiles the generic code the files share once (the
//! package is built at opt-level 2 in debug builds, tests included): CI
//! time, see README.md "Testing". `Cargo.toml` sets `autotests = false`:
//! a new test file is a new `mod` line here.

mod billing_common;
mod claim_follow;
mod common;

#[cfg(feature = "arrow")]
mod batch;
mod billing_flows;
mod billing_props;
mod billing_rates;
mod billing_readiness;
mod billing_regressions;
mod build_determinism;
mod catalog_props;
mod catalog_real_data;
mod catalog_versions;
mod claim_props;
mod claims;
mod coding_rules;
mod concurrency;
mod entry_ref;
mod history_real_data;
mod import_real_data;
mod index_file;
mod ncci_check_model;
mod ncci_edits_file;
mod ncci_real_data;
mod privacy;
mod readiness_references;
mod regressions;
mod revisions;
mod search_ranking;
mod structure_real_data;
mod tabular_real_data;

#[path = "support/test_files.rs"]
mod test_files;

/// With `autotests = false` a file of `tests/` that no `mod` line above
/// names would never compile or run: every one is named.
#[test]
fn every_test_file_is_a_module_of_this_binary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    test_files::assert_every_test_file_is_a_module(include_str!("all.rs"), &dir, 21);
}
