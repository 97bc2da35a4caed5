# Tandem's two commands: `make demo` runs the main job, `make test` runs the whole suite.
# Both install what is missing first (scripts/install-deps.sh) and are quick when it is there.

SHELL := /bin/bash
VENV ?= .venv
RELEASE := swift build -c release
# Numeric tests run in release; -enable-testing keeps @testable imports working there.
TEST := swift test -c release -Xswiftc -enable-testing
DEMO_OUTPUT ?= output/demo

.PHONY: demo test build deps peers bench clean

deps:
	@scripts/install-deps.sh

peers:
	@scripts/install-deps.sh --python $(VENV)

build: deps
	$(RELEASE)

demo: build
	$$($(RELEASE) --show-bin-path)/heat-demo --output $(DEMO_OUTPUT)

test: deps peers
	TANDEM_PYTHON=$(abspath $(VENV))/bin/python $(TEST)

bench: build
	$$($(RELEASE) --show-bin-path)/tandem-bench all

clean:
	rm -rf .build .build-* output
