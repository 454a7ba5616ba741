//! The guard of the integration-test binaries (procode's and
//! procode-benches' `tests/all.rs`, which include this file by path).
//! Their crates set `autotests = false`, so a file of `tests/` that no `mod`
//! line names would never compile or run.

use std::path::Path;

/// Asserts that every `.rs` file directly in `dir` (other than `all.rs`)
/// is named by a `mod` line of `all`, the text of `tests/all.rs`, and that
/// there are at least `at_least` of them (the guard read the right folder).
pub fn assert_every_test_file_is_a_module(all: &str, dir: &Path, at_least: usize) {
    let mut files = 0;
    for entry in std::fs::read_dir(dir).expect("tests/ lists") {
        let path = entry.expect("tests/ lists").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "rs") && stem != "all" {
            files += 1;
            assert!(
                all.contains(&format!("\nmod {stem};\n")),
                "tests/{stem}.rs is not a module of tests/all.rs: add `mod {stem};`"
            );
        }
    }
    assert!(
        files >= at_least,
        "only {files} test files found in {}",
        dir.display()
    );
}
