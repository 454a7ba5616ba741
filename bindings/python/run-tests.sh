#!/usr/bin/env bash
# Builds the procode Python package into a virtualenv and runs its tests:
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

python -m pip install --quiet --disable-pip-version-check \
    "maturin>=1.5,<2" "pytest>=7" "mypy>=1.8" \
    "pyx12==4.0.0" "fhir.resources==8.3.0" \
    "pyarrow==26.0.1" "polars==2.1.0" "duckdb==2.0.1" "pandas==2.3.3" "pyspark==4.3.0"

if [ "${1:-}" = "--release-only" ]; then
    # For benchmarks: an optimised build, no tests.
    maturin develop --quiet --release
    exit 0
fi
# A debug build (the core is optimised in dev builds by the workspace profile).
maturin develop --quiet

# test_spark.py runs the Spark job in local mode (Java 17+ on the PATH).
python -m pytest -q python/tests
python -m mypy.stubtest procode._native
echo "procode python: all tests passed"
