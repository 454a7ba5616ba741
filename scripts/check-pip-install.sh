#!/usr/bin/env bash
# `pip install .` from a fresh clone (of this repository's HEAD commit, with
# nothing beside it) into a new virtualenv, with no other step: pip fetches
# maturin from PyPI, cargo the crates from crates.io, and the package holds
# the embedded catalog. Prints the install time.
#
#   scripts/check-pip-install.sh          # a cold build, as a new user gets it
#   SHARE_TARGET=1 scripts/check-pip-install.sh   # reuse this checkout's target/
#   SHARE_TARGET=1 DEV_PROFILE=1 scripts/check-pip-install.sh
#
# `make test` runs the last form after the Python tests (the dev-profile
# artefacts they built are reused, so only procode's crates compile again:
# the route is the user's, the optimisation level is the tests'); `make
# check-install` runs the cold release build with the wheel check.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
dir="$root/target/fresh-clone"
rm -rf "$dir"
mkdir -p "$dir"
git clone --quiet --no-hardlinks "$root" "$dir/procode"
git -C "$dir/procode" checkout --quiet "$(git -C "$root" rev-parse HEAD)"
if [[ -e "$dir/procode/../shared" ]]; then
  echo "pip install: ../shared exists beside the clone" >&2
  exit 1
fi
"$python" -m venv "$dir/venv"
if [[ "${SHARE_TARGET:-0}" == 1 ]]; then export CARGO_TARGET_DIR="$root/target"; fi
if [[ "${DEV_PROFILE:-0}" == 1 ]]; then export MATURIN_PEP517_ARGS="--profile dev"; fi
start=$(date +%s)
if ! (cd "$dir" && "$dir/venv/bin/pip" install --quiet --disable-pip-version-check ./procode) \
    >"$dir/pip.log" 2>&1; then
  cat "$dir/pip.log" >&2
  echo "pip install . from a fresh clone failed" >&2
  exit 1
fi
took=$(($(date +%s) - start))
found="$(cd "$dir" && "$dir/venv/bin/python" -c '
import procode
hits = procode.Catalog.embedded().search("diab mell")
assert "diabetes mellitus" in hits[0].description.lower(), hits[0]
print(hits[0].display_code, hits[0].description)
')"
echo "pip install . (fresh clone, new venv): ${took}s$([[ "${SHARE_TARGET:-0}" == 1 ]] && echo ' (shared target/)');" \
  "\"diab mell\" -> $found"
