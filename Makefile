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

.PHONY: demo heat-demo test build module deps peers slurm bench clean torch-backend

deps:
	@scripts/install-deps.sh

peers:
	@scripts/install-deps.sh --python $(VENV)

# Slurm (slurm-wlm, munge, and slurmdbd with MariaDB for accounting) for the Slurm launcher's
# tests, which start a one-node Slurm with scripts/slurm-local.sh and stop it again.
slurm:
	@scripts/install-deps.sh --slurm --accounting

build: deps
	$(RELEASE)

module: deps
	$(MODULE_BUILD)

# The TORCH backend library (C++ on the libtorch of the venv's CPU torch wheel), where the
# module looks for it by default: <module folder>/backends/redisai_torch/redisai_torch.so.
# Skipped, with a warning, when torch is not installed (outside CI).
TORCH_BACKEND = $$($(MODULE_BUILD) --show-bin-path)/backends/redisai_torch/redisai_torch.so
torch-backend: peers
	@if $(VENV)/bin/python -c 'import torch' 2>/dev/null; then \
		backends/torch/build.sh $(VENV)/bin/python $(TORCH_BACKEND); \
	elif [ -n "$$CI" ]; then echo "torch is missing from $(VENV): cannot build the TORCH backend" >&2; exit 1; \
	else echo "warning: torch is not installed in $(VENV): the TORCH backend is not built, its tests will be skipped" >&2; fi

# The tutorial's whole workflow with its defaults: report in $(DEMO_OUTPUT)/report.html.
demo: build module
	$$($(RELEASE) --show-bin-path)/online-training --module $(MODULE_PATH) --output $(DEMO_OUTPUT)

# Three solved random cases as pictures, nothing launched.
heat-demo: build
	$$($(RELEASE) --show-bin-path)/heat-demo --output output/heat-demo

test: deps peers slurm module torch-backend
	TANDEM_PYTHON=$(abspath $(VENV))/bin/python TANDEM_MODULE_PATH=$(MODULE_PATH) $(TEST)
	scripts/check-consumer-package.sh

bench: build module peers
	TANDEM_PYTHON=$(abspath $(VENV))/bin/python TANDEM_MODULE_PATH=$(MODULE_PATH) $$($(RELEASE) --show-bin-path)/tandem-bench all

clean:
	rm -rf .build .build-* output
