#!/usr/bin/env bash
# Builds the procode Python package (from its sdist) into a virtualenv and runs its tests:
# pytest (python/tests) and mypy's stubtest of the hand-written stubs.
# Usage: bindings/python/run-tests.sh  (from anywhere; exits non-zero on failure)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
venv="$root/.venv"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
# shellcheck disable=SC1091
source "$venv/bin/activate"

time python -m pip install --quiet --disable-pip-version-check \
    "maturin>=1.5,<2" "pytest>=7" "mypy>=1.8" \
    "pyx12==4.0.0" "fhir.resources==8.3.0" \
    "pyarrow==26.0.1" "polars==2.1.0" "duckdb==2.0.1" "pandas==2.3.3" "pyspark==4.3.0"

if [ "${1:-}" = "--release-only" ]; then
    # For benchmarks: an optimised build, no tests.
    maturin develop --quiet --release
    exit 0
fi
# The package is tested as users get it: built from its sdist. The sdist must
# carry the vendored data (the procode-data crate) and the legal files, or a
# wheel built from it would have no catalog. The build reuses this checkout's
# target/ and the dev profile (the core is optimised in dev builds by the
# workspace profile), so it costs what `maturin develop` would.
rm -rf "$root/target/sdist"
if ! maturin sdist --out "$root/target/sdist" >"$root/target/sdist.log" 2>&1; then
  cat "$root/target/sdist.log" >&2
  exit 1
fi
sdist="$(ls "$root"/target/sdist/procode-*.tar.gz)"
listing="$(tar tzf "$sdist")"
for f in data/Cargo.toml data/SOURCES.md data/icd10cm.tsv.zst data/hcpcs_level2.tsv.zst \
    data/cms/icd10cm_order_addenda_2027.txt.zst LICENSE-MIT LICENSE-APACHE README.md; do
  if ! grep -qx "procode-[0-9.]*/$f" <<<"$listing"; then
    echo "the sdist $(basename "$sdist") lacks $f" >&2
    exit 1
  fi
done
echo "sdist: $(basename "$sdist"), $(du -h "$sdist" | cut -f1), carries data/ and the licenses"
# maturin stamps every file of an sdist with one fixed old date (reproducible
# archives), and cargo judges freshness by mtime: built from the archive as
# is, the shared target/ would reuse crates compiled from other sources. So
# the sdist is unpacked, its files take the time of unpacking, and pip builds
# and installs the unpacked tree (what it does with an sdist).
unpacked="$root/target/sdist/unpacked"
rm -rf "$unpacked"
mkdir -p "$unpacked"
tar xzf "$sdist" -C "$unpacked"
find "$unpacked" -type f -exec touch {} +
time CARGO_TARGET_DIR="$root/target" MATURIN_PEP517_ARGS="--profile dev" \
    python -m pip install --quiet --disable-pip-version-check --no-build-isolation \
    --force-reinstall --no-deps "$(ls -d "$unpacked"/procode-*/)"

# test_spark.py runs the Spark job in local mode (Java 17+ on the PATH).
python -m pytest -q python/tests
python -m mypy.stubtest procode._native
echo "procode python: all tests passed"
