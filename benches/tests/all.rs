//! The integration tests of procode-benches, gathered into one test binary
//! (a module per file; `Cargo.toml` sets `autotests = false`): one link
//! instead of one per file. Run one with `cargo test -p procode-benches
//! --test all <file>::`.

mod fixtures;
mod search_data;

#[path = "../../crates/procode/tests/support/test_files.rs"]
mod test_files;

/// With `autotests = false` a file of `tests/` that no `mod` line above
/// names would never compile or run: every one is named.
#[test]
fn every_test_file_is_a_module_of_this_binary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    test_files::assert_every_test_file_is_a_module(include_str!("all.rs"), &dir, 2);
}
