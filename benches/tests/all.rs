//! The integration tests of procode-benches, gathered into one test binary
//! (a module per file; `Cargo.toml` sets `autotests = false`): one link
//! instead of one per file. Run one with `cargo test -p procode-benches
//! --test all <file>::`.

mod fixtures;
mod search_data;

/// With `autotests = false` a file of `tests/` that no `mod` line above
/// names would never compile or run: every one is named.
#[test]
fn every_test_file_is_a_module_of_this_binary() {
    let here = include_str!("all.rs");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/ lists") {
        let path = entry.expect("tests/ lists").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "rs") && stem != "all" {
            files += 1;
            assert!(
                here.contains(&format!("\nmod {stem};\n")),
                "tests/{stem}.rs is not a module of tests/all.rs: add `mod {stem};`"
            );
        }
    }
    assert!(
        files >= 2,
        "only {files} test files found in {}",
        dir.display()
    );
}
