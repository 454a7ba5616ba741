#!/usr/bin/env bash
# Checks what each published crate's package would carry (cargo package
# --list: no build, seconds): the licenses and README in every crate, and in
# procode-data every vendored file procode's build script unpacks, within
# crates.io's 10 MB limit. A package that lacked them would build an empty
# catalog or be refused by crates.io.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo="${CARGO:-cargo}"
fail=0
for crate in procode-data procode-index procode procode-cli; do
  list="$("$cargo" package --list --allow-dirty -p "$crate" 2>/dev/null)"
  for f in LICENSE-MIT LICENSE-APACHE README.md Cargo.toml; do
    if ! grep -qx "$f" <<<"$list"; then
      echo "package $crate lacks $f" >&2
      fail=1
    fi
  done
done
# The files procode's build script reads from procode-data (its VENDORED list).
vendored="$(sed -n '/^const VENDORED/,/^];/p' crates/procode/build.rs | sed -n 's/^ *"\(.*\)",$/\1.zst/p')"
list="$("$cargo" package --list --allow-dirty -p procode-data 2>/dev/null)"
bytes=0
for f in $vendored; do
  if ! grep -qx "$f" <<<"$list"; then
    echo "package procode-data lacks $f, which the build of procode unpacks" >&2
    fail=1
  else
    bytes=$((bytes + $(stat -c %s "data/$f")))
  fi
done
if ((bytes > 9 * 1024 * 1024)); then
  echo "package procode-data carries $bytes bytes of data: over crates.io's 10 MB limit" >&2
  fail=1
fi
((fail == 0)) || exit 1
echo "packages: licenses and README in every crate; procode-data carries the $(wc -w <<<"$vendored") vendored files ($((bytes / 1024)) KiB)"
# crates.io's own checks, every published crate in dependency order
# (procode-data, procode-index, procode, procode-cli): a dry run of `cargo
# publish --workspace`, which resolves each crate's dependencies on the ones
# packaged before it. --no-verify: building each package again from its
# tarball with the default profiles would recompile the world; the consumer
# check (scripts/check-consumer.sh) builds procode from outside the workspace,
# by git URL and from the unpacked package tarballs, sharing target/.
if ! "$cargo" publish --dry-run --workspace --no-verify --allow-dirty >target/publish.log 2>&1 \
    || grep -E '^(warning|error)' target/publish.log | grep -v 'aborting upload due to dry run'; then
  cat target/publish.log >&2
  echo "cargo publish --dry-run is not clean" >&2
  exit 1
fi
echo "packages: cargo publish --dry-run clean for $(grep -c '^ *Packaging' target/publish.log) crates ($(sed -n 's/^ *Packaging \([^ ]*\) .*/\1/p' target/publish.log | paste -sd, -))"
