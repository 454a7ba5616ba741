#!/usr/bin/env bash
# Installs the C library of procode under a prefix:
#   PREFIX/include/procode.h
#   PREFIX/lib/libprocode.a                      (debug info stripped)
#   PREFIX/lib/libprocode.so.X.Y.Z + .so.X.Y + .so (SONAME libprocode.so.X.Y)
#   PREFIX/lib/pkgconfig/procode.pc              (shared)
#   PREFIX/lib/pkgconfig/procode-static.pc       (static: names the archive)
#
# Usage: bindings/c/install.sh PREFIX        (or: make install PREFIX=...)
#        PROFILE=debug bindings/c/install.sh PREFIX   (the debug build, for tests)
set -euo pipefail

prefix="${1:-${PREFIX:-}}"
if [[ -z "$prefix" ]]; then
  echo "usage: $0 PREFIX" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cargo="${CARGO:-cargo}"
profile="${PROFILE:-release}"
case "$profile" in
  release) "$cargo" build -q --release -p procode-c --manifest-path "$root/Cargo.toml" ;;
  debug) "$cargo" build -q -p procode-c --manifest-path "$root/Cargo.toml" ;;
  *) echo "PROFILE must be release or debug" >&2; exit 2 ;;
esac
build="$root/target/$profile"

version="$(sed -n 's/^#define PROCODE_VERSION_STRING "\(.*\)"$/\1/p' "$root/include/procode.h")"
if [[ -z "$version" ]]; then
  echo "install: include/procode.h has no PROCODE_VERSION_STRING" >&2
  exit 1
fi
IFS=. read -r major minor _ <<<"$version"
if [[ "$major" == 0 ]]; then soversion="$major.$minor"; else soversion="$major"; fi

mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
prefix="$(cd "$prefix" && pwd)"
install -m 644 "$root/include/procode.h" "$prefix/include/procode.h"
install -m 644 "$build/libprocode.a" "$prefix/lib/libprocode.a"
strip --strip-debug "$prefix/lib/libprocode.a"
install -m 755 "$build/libprocode.so" "$prefix/lib/libprocode.so.$version"
strip --strip-unneeded "$prefix/lib/libprocode.so.$version"
ln -sf "libprocode.so.$version" "$prefix/lib/libprocode.so.$soversion"
ln -sf "libprocode.so.$soversion" "$prefix/lib/libprocode.so"
for pc in procode procode-static; do
  sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" \
    "$here/$pc.pc.in" >"$prefix/lib/pkgconfig/$pc.pc"
done
echo "installed procode $version ($profile) under $prefix"
