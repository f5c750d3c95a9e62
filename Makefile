# The two commands a newcomer needs:
#   make run    set up everything on first use (venv, pinned packages, API key) and start the collector
#   make test   lint, type-check and run every test (Python, extension units, real-browser tests)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run setup test lint pytest node-test build bench clean

# The venv also gets a .pth line naming this checkout, so `python -m collector` works from any folder.
define link_checkout
	echo "$(CURDIR)" > "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/llm_usage_collector.pth"
endef

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(link_checkout)
	touch $@ $(VENV)/.runtime

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(link_checkout)
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-fund --no-audit --loglevel=error
	touch $@

# Builds the extension's tokenizer bundle and the dashboard's chart code from the pinned npm packages.
build: node_modules/.installed
	npm run --silent build

setup: $(VENV)/.runtime
	$(PY) -m collector.keysetup --non-interactive

run: setup
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory build; \
	  else echo "npm not found: the dashboard chart and the extension bundle are not built (see README)"; fi
	$(PY) -m collector

# ruff and mypy for the Python; the pinned ESLint (eslint.config.js) for the dashboard's and the extension's JavaScript.
lint: $(VENV)/.installed node_modules/.installed
	$(VENV)/bin/ruff check collector snapshots tests bench
	$(VENV)/bin/ruff format --check collector snapshots tests bench
	$(VENV)/bin/mypy collector
	npm run --silent lint

pytest: $(VENV)/.installed build
	$(PY) -m pytest -q

node-test: build
	npm run --silent test:unit
	npm run --silent test:browser

test: lint pytest node-test

bench: $(VENV)/.installed build
	$(PY) -m bench.run_all $(ONLY)

clean:
	rm -rf $(VENV) node_modules extension/dist collector/dashboard/static/vendor .pytest_cache .mypy_cache .ruff_cache
