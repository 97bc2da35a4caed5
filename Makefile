# Tandem's two commands: `make demo` runs the main job, `make test` runs the whole suite.
# Both install what is missing first (scripts/install-deps.sh) and are quick when it is there.

SHELL := /bin/bash
VENV ?= .venv
RELEASE := swift build -c release
# Numeric tests run in release; -enable-testing keeps @testable imports working there.
TEST := swift test -c release -Xswiftc -enable-testing
# The Redis module, self-contained (Swift stdlib linked statically, spec D.8), in its own build folder.
MODULE_BUILD := swift build -c release --product TandemAI --scratch-path .build-module -Xswiftc -static-stdlib \
	-Xlinker --version-script=$(abspath scripts/TandemAI.exports)
DEMO_OUTPUT ?= output/demo

.PHONY: demo test build module deps peers bench clean

deps:
	@scripts/install-deps.sh

peers:
	@scripts/install-deps.sh --python $(VENV)

build: deps
	$(RELEASE)

module: deps
	$(MODULE_BUILD)

demo: build
	$$($(RELEASE) --show-bin-path)/heat-demo --output $(DEMO_OUTPUT)

test: deps peers module
	TANDEM_PYTHON=$(abspath $(VENV))/bin/python TANDEM_MODULE_PATH=$$($(MODULE_BUILD) --show-bin-path)/libTandemAI.so $(TEST)

bench: build module peers
	TANDEM_PYTHON=$(abspath $(VENV))/bin/python TANDEM_MODULE_PATH=$$($(MODULE_BUILD) --show-bin-path)/libTandemAI.so $$($(RELEASE) --show-bin-path)/tandem-bench all

clean:
	rm -rf .build .build-* output
