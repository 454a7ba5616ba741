#!/usr/bin/env bash
# Builds libprocode with cargo, checks that include/procode.h compiles alone
# as C99 and C++17, compiles the C tests and the example against the static
# library, and runs each under valgrind (zero errors, zero leaks).
#
#   bindings/c/run-tests.sh            # from anywhere
#   VALGRIND=0 bindings/c/run-tests.sh # without valgrind
#   bindings/c/run-tests.sh asan       # C compiled with AddressSanitizer +
#                                      # UndefinedBehaviorSanitizer (and
#                                      # LeakSanitizer), no valgrind
#
# In asan mode the Rust static library is built normally: ASan instruments
# the C side (every use of the API: pointers, buffers, frees) and its
# LeakSanitizer sees every allocation, the Rust library's included, since
# both go through the intercepted malloc. Any report fails the run.
set -euo pipefail

mode="${1:-valgrind}"
case "$mode" in
  valgrind | asan) ;;
  *) echo "usage: $0 [valgrind|asan]" >&2; exit 2 ;;
esac

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cargo="${CARGO:-cargo}"
cc="${CC:-gcc}"
cxx="${CXX:-g++}"
out="$root/target/c"
[[ "$mode" == asan ]] && out="$root/target/c-asan"
mkdir -p "$out"

"$cargo" build -q -p procode-c --manifest-path "$root/Cargo.toml"
lib="$root/target/debug/libprocode.a"
libs=(-lpthread -ldl -lm)
cflags=(-std=c99 -Wall -Wextra -Werror -g -I"$root/include")
if [[ "$mode" == asan ]]; then
  cflags+=(-fsanitize=address,undefined -fno-sanitize-recover=all
           -fno-omit-frame-pointer -O1)
fi

# The header on its own, as C99 and as C++17.
"$cc" -std=c99 -Wall -Wextra -Werror -pedantic -fsyntax-only -x c "$root/include/procode.h"
"$cxx" -std=c++17 -Wall -Wextra -Werror -fsyntax-only -x c++ "$root/include/procode.h"
echo "header: compiles as C99 and C++17"

progs=()
for src in "$here"/tests/test_*.c "$here"/examples/story.c; do
  name="$(basename "$src" .c)"
  "$cc" "${cflags[@]}" -I"$here/tests" "$src" "$lib" "${libs[@]}" -o "$out/$name"
  progs+=("$name")
done

run=()
if [[ "$mode" == asan ]]; then
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
elif [[ "${VALGRIND:-1}" != 0 ]]; then
  run=(valgrind --error-exitcode=1 --leak-check=full
       --errors-for-leak-kinds=definite,indirect)
fi

# The programs run side by side, as many at a time as there are cores
# (JOBS=n to choose): under valgrind each is single-threaded and slow. Each
# writes its log and exit status; they are reported in order below.
jobs_max="${JOBS:-$(nproc)}"
rm -f "$out"/*.status
for name in "${progs[@]}"; do
  while (($(jobs -rp | wc -l) >= jobs_max)); do
    wait -n || true
  done
  (
    status=0
    (cd "$out" && "${run[@]}" "./$name") >"$out/$name.log" 2>&1 || status=$?
    echo "$status" >"$out/$name.status"
  ) &
done
wait

passed=0
failed=0
for name in "${progs[@]}"; do
  log="$out/$name.log"
  if [[ "$(cat "$out/$name.status" 2>/dev/null)" == 0 ]]; then
    passed=$((passed + 1))
    echo "ok   $name ($(grep -E 'passed, [0-9]+ failed' "$log" | tail -1 || echo 'ran'))"
    grep -E 'ERROR SUMMARY|All heap blocks|definitely lost|indirectly lost' "$log" \
      | sed 's/^==[0-9]*== /       valgrind: /' || true
    if [[ "$mode" == asan ]]; then
      # A clean run prints nothing from the sanitizers.
      if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
        failed=$((failed + 1))
        passed=$((passed - 1))
        echo "FAIL $name (sanitizer report)"
        sed 's/^/    /' "$log"
      else
        echo "       asan+ubsan: no reports"
      fi
    fi
  else
    failed=$((failed + 1))
    echo "FAIL $name"
    sed 's/^/    /' "$log"
  fi
done
# The installed library (bindings/c/install.sh, `make install`): the example
# linked through pkg-config, statically and against the shared library.
if [[ "$mode" == valgrind ]]; then
  prefix="$out/prefix"
  rm -rf "$prefix"
  PROFILE=debug CARGO="$cargo" "$here/install.sh" "$prefix" >/dev/null
  export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
  soname="$(readelf -d "$prefix/lib/libprocode.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
  # shellcheck disable=SC2046
  "$cc" -std=c99 -Wall -Werror "$here/examples/story.c" \
    $(pkg-config --cflags --libs --static procode-static) -o "$out/story-static"
  # shellcheck disable=SC2046
  "$cc" -std=c99 -Wall -Werror "$here/examples/story.c" \
    $(pkg-config --cflags --libs procode) -o "$out/story-shared"
  if [[ "$soname" != libprocode.so.* ]]; then
    failed=$((failed + 1)); echo "FAIL install: libprocode.so has no SONAME"
  elif readelf -d "$out/story-static" | grep -q 'NEEDED.*libprocode'; then
    failed=$((failed + 1)); echo "FAIL install: pkg-config --static linked the shared library"
  elif ! readelf -d "$out/story-shared" | grep -q "NEEDED.*\[$soname\]"; then
    failed=$((failed + 1)); echo "FAIL install: the shared link does not record $soname"
  elif ! (cd "$out" && ./story-static >/dev/null && LD_LIBRARY_PATH="$prefix/lib" ./story-shared >/dev/null); then
    failed=$((failed + 1)); echo "FAIL install: the installed example did not run"
  else
    passed=$((passed + 1))
    echo "ok   install (pkg-config static + shared, SONAME $soname," \
      "libprocode.a $(du -h "$prefix/lib/libprocode.a" | cut -f1) stripped)"
  fi
fi
echo "C ($mode): $passed passed, $failed failed"
[[ $failed -eq 0 ]]
