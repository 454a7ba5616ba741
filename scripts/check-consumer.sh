#!/usr/bin/env bash
# A new Cargo project outside the workspace that depends on procode by git
# URL (a file:// URL of this repository at its HEAD commit, as a user's
# project would depend on a clone) builds, and its program finds the
# embedded catalog: the codes, the releases inside, and a search.
#
#   scripts/check-consumer.sh           # from anywhere; exits non-zero on failure
#
# Then the same program against the crates as crates.io would serve them:
# the `cargo package` tarballs of procode-data, procode-index and procode,
# unpacked, procode as a path dependency and the other two patched in for
# crates.io (a package's Cargo.toml names its dependencies by version only).
#
# Only committed files count (cargo fetches the commit, like any git user).
# The build shares this checkout's target/ and Cargo.lock (the same versions
# of every crates.io dependency) and the workspace's profiles, so only
# procode's own crates compile again; CARGO_NET_GIT_FETCH_WITH_CLI makes
# cargo fetch with the git command.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cargo="${CARGO:-cargo}"
dir="$root/target/consumer"
rev="$(git -C "$root" rev-parse HEAD)"
# A new project in $dir depending on procode by $1 (a Cargo dependency
# spec), with $2 appended (a [patch] section, or nothing).
project() {
rm -rf "$dir"
mkdir -p "$dir/src"

# The workspace's [profile.*] sections, so the shared dependencies are the
# ones target/ already holds; less the opt-level of procode's own crates
# (they compile again here, from another path, and the program only opens
# the catalog and runs one search: optimising them costs minutes of CI).
profiles="$(sed -n '/^\[profile\./,$p' "$root/Cargo.toml" | awk '
  /^\[profile\.dev\.package\.procode(-index)?\]$/ { skip = 1; next }
  /^\[/ { skip = 0 }
  !skip')"
cat >"$dir/Cargo.toml" <<EOF
[package]
name = "procode-consumer"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
procode = $1

[workspace]

$2

$profiles
EOF
cp "$root/Cargo.lock" "$dir/Cargo.lock"
cat >"$dir/src/main.rs" <<'EOF'
//! A user's program: the embedded catalog, found through a dependency on procode.
use procode::{Catalog, CodeSystem, SearchOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let catalog = Catalog::embedded()?;
    let systems: Vec<CodeSystem> = catalog.releases().iter().map(|r| r.system).collect();
    for want in [CodeSystem::Hcpcs, CodeSystem::Icd10Cm] {
        if !systems.contains(&want) {
            return Err(format!("the embedded catalog holds no {want:?} release").into());
        }
    }
    let found = catalog.search("diab mell", &SearchOptions::default())?;
    let first = found.first().ok_or("no result for \"diab mell\"")?;
    if !first.description.to_lowercase().contains("diabetes mellitus") {
        return Err(format!("\"diab mell\" found {}", first.description).into());
    }
    println!(
        "{} entries, {} releases; \"diab mell\" -> {} {}",
        catalog.len(),
        systems.len(),
        first.display_code(),
        first.description
    );
    Ok(())
}
EOF
}

# Builds the project in $dir (sharing target/) and runs its program; $1
# names the route in messages.
build_and_run() {
  local start built out
  start=$(date +%s)
  if ! CARGO_NET_GIT_FETCH_WITH_CLI=true CARGO_TARGET_DIR="$root/target" \
      "$cargo" build -q --manifest-path "$dir/Cargo.toml" 2>"$dir/build.log"; then
    cat "$dir/build.log" >&2
    echo "consumer: $1 did not build" >&2
    exit 1
  fi
  built=$(($(date +%s) - start))
  out="$("$root/target/debug/procode-consumer")"
  echo "consumer: $1 built in ${built}s (shared target/); $out"
}

# 1. The git dependency.
project "{ git = \"file://$root\", rev = \"$rev\" }" ""
build_and_run "the git dependency on procode"

# 2. The packaged crates (what crates.io would serve), built from outside
# the workspace.
pkg="$root/target/package"
if ! "$cargo" package -q --workspace --no-verify --allow-dirty \
    -p procode-data -p procode-index -p procode >"$root/target/package.log" 2>&1; then
  cat "$root/target/package.log" >&2
  echo "consumer: cargo package failed" >&2
  exit 1
fi
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)"
crates="$root/target/package-crates"
rm -rf "$crates"
mkdir -p "$crates"
for c in procode-data procode-index procode; do
  tar xzf "$pkg/$c-$version.crate" -C "$crates"
done
# Files take the time of unpacking (cargo judges freshness by mtime).
find "$crates" -type f -exec touch {} +
project "{ path = \"$crates/procode-$version\" }" "[patch.crates-io]
procode-index = { path = \"$crates/procode-index-$version\" }
procode-data = { path = \"$crates/procode-data-$version\" }"
build_and_run "the cargo package tarballs"
