# procode: every check of the project. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo

.PHONY: test test-rust test-c test-python demo bench
test: test-rust test-c test-python
	@echo "procode: all tests passed"

test-rust:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) test --workspace

# The Python package: builds it into .venv, runs pytest and mypy stubtest.
test-python:
	bash bindings/python/run-tests.sh

# The C ABI: header as C99/C++17, C tests and example under valgrind.
test-c:
	CARGO=$(CARGO) bindings/c/run-tests.sh

# The main job on the embedded default catalog.
demo:
	$(CARGO) run --release -q -p procode-cli -- search "diab mell"

# The SPEC performance table: builds the Python package in release mode into
# .venv (for the Python row), then prints the report (about a minute).
bench:
	bash bindings/python/run-tests.sh --release-only
	$(CARGO) run --release -q -p procode-benches --bin report
