#!/usr/bin/env bash
# Builds libprocode with cargo, checks that include/procode.h compiles alone
# as C99 and C++17, compiles the C tests and the example against the static
# library, and runs each under valgrind (zero errors, zero leaks).
#
#   bindings/c/run-tests.sh            # from anywhere
#   VALGRIND=0 bindings/c/run-tests.sh # without valgrind
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cargo="${CARGO:-cargo}"
cc="${CC:-gcc}"
cxx="${CXX:-g++}"
out="$root/target/c"
mkdir -p "$out"

"$cargo" build -q -p procode-c --manifest-path "$root/Cargo.toml"
lib="$root/target/debug/libprocode.a"
libs=(-lpthread -ldl -lm)
cflags=(-std=c99 -Wall -Wextra -Werror -g -I"$root/include")

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
if [[ "${VALGRIND:-1}" != 0 ]]; then
  run=(valgrind --error-exitcode=1 --leak-check=full
       --errors-for-leak-kinds=definite,indirect)
fi

passed=0
failed=0
for name in "${progs[@]}"; do
  log="$out/$name.log"
  if (cd "$out" && "${run[@]}" "./$name") >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "ok   $name ($(grep -E 'passed, [0-9]+ failed' "$log" | tail -1 || echo 'ran'))"
    grep -E 'ERROR SUMMARY|All heap blocks|definitely lost|indirectly lost' "$log" \
      | sed 's/^==[0-9]*== /       valgrind: /' || true
  else
    failed=$((failed + 1))
    echo "FAIL $name"
    sed 's/^/    /' "$log"
  fi
done
echo "C: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
