# procode: every check of the project. `make test` is what CI runs (.ci/run);
# each step is timed (bash `time`) so a CI log shows where its minutes go.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo

PREFIX ?= /usr/local

.PHONY: data install wheel check-install test test-rust test-c test-python test-postgres test-sanitizers test-fuzz-smoke demo bench search-quality
test: data test-rust test-c test-sanitizers test-python test-postgres
	@echo "procode: all tests passed"

# The vendored code-set files (data/, zstd) unpacked into target/data, where
# the tests and benchmarks read them (the build reads data/ by itself).
data:
	data/unpack.sh

test-rust: data
	time $(CARGO) fmt --all -- --check
	time $(CARGO) clippy --workspace --all-targets -- -D warnings
	# The core's lean default build: the workspace turns on its `arrow`
	# feature (procode::batch) through the Python bindings and the benches,
	# so code only the batch reads is dead here. The library as a lean host
	# compiles it (its tests are linted above, with every feature).
	time $(CARGO) clippy -p procode --lib -- -D warnings
	# Public items documented, no broken or private intra-doc links.
	time RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps
	time $(CARGO) test --workspace
	time CARGO=$(CARGO) scripts/check-packages.sh
	time CARGO=$(CARGO) scripts/check-consumer.sh

# The Python package: builds it into .venv, runs pytest and mypy stubtest.
test-python: data
	time bash bindings/python/run-tests.sh
	# `pip install .` from a fresh clone into a new virtualenv, nothing else.
	time SHARE_TARGET=1 DEV_PROFILE=1 scripts/check-pip-install.sh

# The release wheel as published: stripped, abi3, manylinux2014 (zig from
# PyPI's ziglang), checked and smoke-tested in a new virtualenv; in
# target/wheels. Not part of `make test`: a release build of the extension
# takes minutes the CI budget does not have.
wheel:
	scripts/check-wheel.sh

# Every install route that needs a release build: the wheel, and `pip
# install .` from a fresh clone into a new virtualenv (a cold build).
check-install: wheel
	scripts/check-pip-install.sh

# The PostgreSQL reference integration (examples/postgres): starts a private
# PostgreSQL 15 server under target/postgres (apt-get installs postgresql-15
# when its binaries are missing), runs the concurrency and kill tests,
# stops the server. About a minute; figures in target/postgres/figures.json.
test-postgres: data
	time bash examples/postgres/run-tests.sh

# The C ABI: header as C99/C++17, C tests and example under valgrind.
test-c: data
	time CARGO=$(CARGO) bindings/c/run-tests.sh

# The C library: header, libprocode.a, libprocode.so (with SONAME) and the
# pkg-config files procode.pc / procode-static.pc under $(PREFIX).
install:
	CARGO=$(CARGO) bindings/c/install.sh $(PREFIX)

# The C tests and example with the C side built under AddressSanitizer +
# UndefinedBehaviorSanitizer (+ LeakSanitizer); reuses the debug static lib.
test-sanitizers: data
	time CARGO=$(CARGO) bindings/c/run-tests.sh asan

# 30 s of every fuzz target (nightly + cargo-fuzz; not part of `make test`).
# The full run is FUZZ_SECONDS=600. See RELIABILITY.md.
FUZZ_SECONDS ?= 30
test-fuzz-smoke:
	cd fuzz && for t in $$(cargo +nightly fuzz list); do \
	  mkdir -p corpus/$$t && \
	  cargo +nightly fuzz run $$t corpus/$$t seeds/$$t -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 || exit 1; \
	done

# The main job on the embedded default catalog.
demo:
	$(CARGO) run --release -q -p procode-cli -- search "diab mell"

# The SPEC performance table: builds the Python package in release mode into
# .venv (for the Python rows), then prints the report (a few minutes: the
# batch-scrub rows run Python and Spark).
bench: data
	bash bindings/python/run-tests.sh --release-only
	$(CARGO) run --release -q -p procode-benches --bin report

# The search-quality report of the development set (benches/search-quality/):
# hit@1/3/10 and MRR for procode and an SQLite FTS5 (bm25) peer, latency per
# query, and the misses. A report, not a test. SET=FILE runs another set of the
# same format.
search-quality: data
	$(CARGO) run --release -q -p procode-benches --bin search-quality -- $(if $(SET),--set $(SET))
