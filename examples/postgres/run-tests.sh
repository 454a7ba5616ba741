#!/usr/bin/env bash
# The PostgreSQL tests of examples/postgres: starts a private PostgreSQL 15
# server (its own data directory and port under target/postgres, a Unix
# socket there too), runs the tests against it, and stops it on exit,
# whatever happens.
#
#   examples/postgres/run-tests.sh          # from anywhere
#   PG_BIN=/path/to/bin examples/postgres/run-tests.sh
#
# The server is the Debian/Ubuntu `postgresql-15` package: its binaries are
# looked for in /usr/lib/postgresql/15/bin and installed with apt-get when
# missing. PostgreSQL refuses to run as root: as root the server runs as the
# `postgres` user (created by the package).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
pg_bin="${PG_BIN:-/usr/lib/postgresql/15/bin}"
work="$root/target/postgres"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x "$pg_bin/postgres" ]; then
  echo "postgres: $pg_bin/postgres not found; installing postgresql-15 with apt-get"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
fi

run=()
if [ "$(id -u)" = 0 ]; then
  id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  run=(runuser -u postgres --)
fi

rm -rf "$work/data" "$work/sock" "$work/log"
mkdir -p "$work/data" "$work/sock" "$work/log"
if [ "$(id -u)" = 0 ]; then chown postgres "$work/data" "$work/sock" "$work/log"; fi
chmod 700 "$work/data"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

# A throwaway server: no flush to disk at commit (the tests kill client
# processes, not the server; PG_DURABLE=1 keeps the defaults).
durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[ "${PG_DURABLE:-0}" = 1 ] && durability=""
"${run[@]}" "$pg_bin/initdb" -D "$work/data" -U procode -A trust -E UTF8 --no-sync >"$work/log/initdb.log"
stop() {
  "${run[@]}" "$pg_bin/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null 2>&1 || true
}
trap stop EXIT
"${run[@]}" "$pg_bin/pg_ctl" -D "$work/data" -l "$work/log/server.log" -w -t 60 \
  -o "-p $port -k $work/sock -c listen_addresses=127.0.0.1 -c max_connections=50 $durability" start >/dev/null
echo "postgres: $("$pg_bin/postgres" --version) on port $port, data in target/postgres/data"

# The Python package (built into .venv, as bindings/python/run-tests.sh does)
# and psycopg 3.
venv="$root/.venv"
[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
# shellcheck disable=SC1091
source "$venv/bin/activate"
python -c 'import psycopg, pytest, maturin' 2>/dev/null ||
  python -m pip install --quiet --disable-pip-version-check "maturin>=1.5,<2" "pytest>=7" "psycopg[binary]>=3.1,<4"
# `make test` has just installed the package (test-python); build it only
# when it is missing, or when PROCODE_PG_REBUILD=1 asks for it.
if [ "${PROCODE_PG_REBUILD:-0}" = 1 ] || ! python -c 'import procode' 2>/dev/null; then
  (cd "$root" && maturin develop --quiet >"$work/log/maturin.log" 2>&1) || { cat "$work/log/maturin.log"; exit 1; }
fi

export PROCODE_PG_DSN="host=$work/sock port=$port user=procode dbname=postgres"
if python -c 'import mypy' 2>/dev/null; then
  (cd "$here" && python -m mypy --strict --ignore-missing-imports --no-error-summary procode_pg.py workload.py)
fi
cd "$here"
python -m pytest -q -p no:cacheprovider tests "$@"
echo "figures: $(cat "$work/figures.json" 2>/dev/null | tr -d '\n' | tr -s ' ')"
echo "procode postgres: all tests passed"
