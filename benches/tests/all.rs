//! The integration tests of procode-benches, gathered into one test binary
//! (a module per file; `Cargo.toml` sets `autotests = false`): one link
//! instead of one per file. Run one with `cargo test -p procode-benches
//! --test all <file>::`.

mod fixtures;
mod search_data;
