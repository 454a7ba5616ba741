#!/usr/bin/env bash
# Builds the release wheel of the Python package as it is published (`make
# wheel`): stripped, abi3 (one wheel for CPython 3.10+), manylinux2014, linked
# with zig (the `ziglang` package from PyPI) against glibc 2.17, and checks
# it: the tag, no debug sections, no glibc symbol newer than 2.17, only
# libraries manylinux allows; then installs it into a new virtualenv and
# searches the embedded catalog.
#
#   scripts/check-wheel.sh        # wheel in target/wheels; tools in target/pack-venv
#
# Not part of `make test`: the release build of the extension (Arrow and
# PyO3 included) takes minutes that the CI budget does not have; `make test`
# builds and tests the package from its sdist in the dev profile instead.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-python3}"
tools="$root/target/pack-venv"
out="$root/target/wheels"

if [[ ! -x "$tools/bin/pip" ]]; then
  "$python" -m venv "$tools"
fi
"$tools/bin/pip" install --quiet --disable-pip-version-check "maturin>=1.5,<2" "ziglang>=0.13"
rm -rf "$out"
start=$(date +%s)
# abi3 comes from PyO3's abi3-py310 feature (Cargo.toml); --strip drops the
# symbols and debug info; zig links against the manylinux2014 glibc.
PATH="$tools/bin:$PATH" maturin build --quiet --release --strip --zig \
  --compatibility manylinux2014 --out "$out" >"$root/target/wheel.log" 2>&1 || {
  cat "$root/target/wheel.log" >&2
  exit 1
}
built=$(($(date +%s) - start))
wheel="$(ls "$out"/procode-*.whl)"
name="$(basename "$wheel")"
fail=0
case "$name" in
  procode-*-cp310-abi3-*manylinux2014_x86_64*.whl | procode-*-cp310-abi3-*manylinux2014_aarch64*.whl) ;;
  *) echo "wheel $name: not tagged cp310-abi3 manylinux2014" >&2; fail=1 ;;
esac

unpacked="$out/unpacked"
mkdir -p "$unpacked"
(cd "$unpacked" && "$python" -m zipfile -e "$wheel" .)
so="$(ls "$unpacked"/procode/_native*.so)"
if readelf -S --wide "$so" | grep -qE '\.debug_|\.symtab'; then
  echo "wheel $name: $(basename "$so") carries debug sections or a symbol table" >&2
  fail=1
fi
newest="$(objdump -T "$so" | grep -o 'GLIBC_[0-9.]*' | sort -t. -k1,1 -k2,2n -V | tail -1)"
if [[ -n "$newest" && "$(printf '%s\nGLIBC_2.17\n' "$newest" | sort -V | tail -1)" != GLIBC_2.17 ]]; then
  echo "wheel $name: needs $newest, newer than manylinux2014's GLIBC_2.17" >&2
  fail=1
fi
allowed='^(libc|libm|libdl|libpthread|librt|libgcc_s|libutil|ld-linux-x86-64|ld-linux-aarch64)\.so'
while read -r lib; do
  if ! grep -qE "$allowed" <<<"$lib"; then
    echo "wheel $name: links $lib, which manylinux does not allow" >&2
    fail=1
  fi
done < <(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
for f in procode/__init__.py procode/py.typed procode/_native.pyi; do
  if [[ ! -f "$unpacked/$f" ]]; then
    echo "wheel $name: lacks $f" >&2
    fail=1
  fi
done
((fail == 0)) || exit 1

# Installed into a new virtualenv, with nothing else: the embedded catalog.
venv="$out/venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps "$wheel"
found="$(cd "$out" && "$venv/bin/python" -c '
import procode
cat = procode.Catalog.embedded()
hits = cat.search("diab mell")
assert "diabetes mellitus" in hits[0].description.lower(), hits[0]
print(hits[0].display_code, hits[0].description)
')"
echo "wheel: $name, $(du -h "$wheel" | cut -f1) ($(stat -c %s "$wheel") bytes)," \
  "$(basename "$so") $(du -h "$so" | cut -f1) stripped, glibc <= ${newest:-none};" \
  "built in ${built}s; installed: \"diab mell\" -> $found"
