#!/usr/bin/env bash
# Unpacks the vendored code-set files (data/**/*.zst, data/cms/*.xlsx) into a
# directory with the layout of the original data set, which the tests and the
# benchmarks read: target/data by default (`make data`; `make test` runs it).
# The NCCI PTP table is re-compressed with gzip, the form the NCCI loaders and
# the tests expect (ncci_ptp_practitioner.tsv.gz). Files already unpacked and
# newer than their source are kept.
#
# Usage: data/unpack.sh [DEST]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="${1:-$here/../target/data}"
if ! command -v zstd >/dev/null; then
  echo "data/unpack.sh: installing zstd" >&2
  apt-get update -qq && apt-get install -y -qq zstd >/dev/null
fi
mkdir -p "$dest/cms"
cd "$here"
n=0
for src in *.zst cms/*.zst cms/*.xlsx; do
  case "$src" in
    *.tsv.zst | *.txt.zst | *.xml.zst) out="${src%.zst}" ;;
    *.xlsx) out="$src" ;;
    *) echo "data/unpack.sh: unexpected file $src" >&2; exit 1 ;;
  esac
  [[ "$out" == ncci_ptp_practitioner.tsv ]] && out="$out.gz"
  if [[ -f "$dest/$out" && "$dest/$out" -nt "$src" ]]; then continue; fi
  case "$src" in
    ncci_ptp_practitioner.tsv.zst) zstd -qdc "$src" | gzip -1 >"$dest/$out.tmp" ;;
    *.zst) zstd -qdc "$src" >"$dest/$out.tmp" ;;
    *) cp "$src" "$dest/$out.tmp" ;;
  esac
  mv "$dest/$out.tmp" "$dest/$out"
  n=$((n + 1))
done
echo "data: $n file(s) unpacked into $(cd "$dest" && pwd)"
