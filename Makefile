# Tandem's two commands: `make demo` runs the main job, `make test` runs the whole suite.
# Both install what is missing first (scripts/install-deps.sh) and are quick when it is there.

SHELL := /bin/bash
VENV ?= .venv
RELEASE := swift build -c release
# Numeric tests run in release; -enable-testing keeps @testable imports working there.
TEST := swift test -c release -Xswiftc -enable-testing
# The Redis module, self-contained (Swift stdlib linked statically, see "Building and loading" in Documentation/RedisModule.md), in its own build folder.
MODULE_BUILD := swift build -c release --product TandemAI --scratch-path .build-module -Xswiftc -static-stdlib \
	-Xlinker --version-script=$(abspath scripts/TandemAI.exports)
DEMO_OUTPUT ?= output/online-training
# The module file `make module` builds.
MODULE_PATH = $$($(MODULE_BUILD) --show-bin-path)/libTandemAI.so

.PHONY: demo heat-demo test build module deps peers bench clean

deps:
	@scripts/install-deps.sh

peers:
	@scripts/install-deps.sh --python $(VENV)

build: deps
	$(RELEASE)

module: deps
	$(MODULE_BUILD)

# The tutorial's whole workflow with its defaults: report in $(DEMO_OUTPUT)/report.html.
demo: build module
	$$($(RELEASE) --show-bin-path)/online-training --module $(MODULE_PATH) --output $(DEMO_OUTPUT)

# Three solved random cases as pictures, nothing launched.
heat-demo: build
	$$($(RELEASE) --show-bin-path)/heat-demo --output output/heat-demo

test: deps peers module
	TANDEM_PYTHON=$(abspath $(VENV))/bin/python TANDEM_MODULE_PATH=$(MODULE_PATH) $(TEST)
	scripts/check-consumer-package.sh

bench: build module peers
	TANDEM_PYTHON=$(abspath $(VENV))/bin/python TANDEM_MODULE_PATH=$(MODULE_PATH) $$($(RELEASE) --show-bin-path)/tandem-bench all

clean:
	rm -rf .build .build-* output
