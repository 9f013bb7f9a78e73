# Two commands matter on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools/node_modules/.bin
BUN_VERSION := 1.4.4
export PATH := $(CURDIR)/$(TOOLS):$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export NPM_CONFIG_REGISTRY := https://registry.npmjs.org

.PHONY: run test setup setup-test system-packages bench clean

run: setup
	$(BIN)/iep serve --demo

test: setup-test
	$(BIN)/ruff check iep_app tests bench
	$(BIN)/mypy iep_app/services iep_app/dicom iep_app/notify
	$(BIN)/python -m pytest -p no:cacheprovider

setup: $(VENV)/.installed $(TOOLS)/bun

setup-test: setup $(VENV)/.installed-test system-packages

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# Reflex's own bun installer downloads from the internet; bun from the npm registry works.
$(TOOLS)/bun:
	npm install --prefix .tools --no-audit --no-fund --silent bun@$(BUN_VERSION)
	$(TOOLS)/bun --version

# Debian's Chromium for the browser tests (Playwright's own download cannot work here),
# and DCMTK, the reference DICOM toolkit the tests compare against.
system-packages:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v dcm2pnm >/dev/null || missing="$$missing dcmtk"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Please install:$$missing (Debian packages)"; exit 1; fi; \
	fi

bench: setup-test
	$(BIN)/python bench/run_all.py

clean:
	rm -rf .web .states $(VENV) .tools
