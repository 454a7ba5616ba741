# procode: every check of the project. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo

.PHONY: test test-rust test-c demo
test: test-rust test-c
	@echo "procode: all tests passed"

test-rust:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) test --workspace

# The C ABI: header as C99/C++17, C tests and example under valgrind.
test-c:
	CARGO=$(CARGO) bindings/c/run-tests.sh

# The main job on the embedded default catalog.
demo:
	$(CARGO) run --release -q -p procode-cli -- search "diab mell"
