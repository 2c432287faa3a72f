# Every target installs what it needs into .venv and node_modules on first use.
.DEFAULT_GOAL := help
SHELL := /bin/bash

# Python 3.11 or newer with venv (requires-python in pyproject.toml; CI tests 3.11): the
# first of these found builds .venv, or `make install PYTHON=/path/to/python3.x`.
PYTHON_CANDIDATES := python3.11 python3.12 python3.13 python3.14 python3
PYTHON_OK := import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))
PYTHON ?= $(shell for candidate in $(PYTHON_CANDIDATES); do \
	$$candidate -c '$(PYTHON_OK)' >/dev/null 2>&1 && { command -v $$candidate; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
PYTEST := $(PY) -m pytest
ENV ?=
BASE_URL ?=
ARGS ?=
PORT ?=
HOST ?=
CONTRACT_TARGET := $(if $(ENV),--env $(ENV)) $(if $(BASE_URL),--base-url $(BASE_URL))
# Misspellings of ENV and BASE_URL: make would keep them as variables of their own and
# the suite would test the in-process mock instead, so one line stops the run.
LOOKALIKES := env Env base_url baseurl BASEURL BaseUrl baseUrl base-url BASE-URL \
	url URL environment ENVIRONMENT
$(foreach name,$(LOOKALIKES),$(if $(filter command line,$(origin $(name))),$(error \
	make: unknown variable $(name)=$($(name)); did you mean $(if $(findstring nv,$(name)),ENV,BASE_URL)=$($(name))?)))

.PHONY: help install chromium mock test contract lint bench gate clean constraints gate-requirements

help: ## Show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: requirements.txt constraints.txt
	@test -x $(PY) || $(PYTHON) -c '$(PYTHON_OK)' 2>/dev/null || { echo "Python 3.11 or newer with venv is missing: install it (Debian/Ubuntu: apt-get install python3 python3-venv; macOS: brew install python@3.11) or run make PYTHON=/path/to/python3.11" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 22 (or 20.19 or newer) with npm, which the pinned Redocly CLI needs" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error --engine-strict
	touch $@

# Debian packages: Chromium for the browser tests (browsers cannot be downloaded here),
# wrk and nginx for the benchmarks. Installed with apt-get when run as root; otherwise one
# line says what to install ($(2), optional and comma-free, names another way).
apt_install = if ! command -v apt-get >/dev/null; then \
		echo "$(1) is missing: install it with this system's package manager$(if $(2),; or $(2))." >&2; exit 1; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; \
	else \
		echo "$(1) is missing: run 'sudo apt-get install $(1)' once$(if $(2),; or $(2))." >&2; exit 1; \
	fi

# The browser of the browser tests (tests/mock/browser.py reads the same variable): Debian's
# Chromium unless CHROMIUM_PATH names another Chromium or Chrome binary.
DEBIAN_CHROMIUM := /usr/bin/chromium
CHROMIUM_PATH ?= $(DEBIAN_CHROMIUM)
export CHROMIUM_PATH

chromium:
	@if [ ! -x "$(CHROMIUM_PATH)" ]; then \
		if [ "$(CHROMIUM_PATH)" != "$(DEBIAN_CHROMIUM)" ]; then \
			echo "CHROMIUM_PATH=$(CHROMIUM_PATH) is not an executable: point it at a Chromium or Chrome binary." >&2; exit 1; \
		fi; \
		$(call apt_install,chromium,run make test CHROMIUM_PATH=/path/to/chromium-or-chrome); \
	fi

/usr/bin/wrk:
	@$(call apt_install,wrk)

/usr/sbin/nginx:
	@$(call apt_install,nginx-light)

install: $(VENV)/.installed node_modules/.installed ## Create .venv and node_modules from the pinned lists

mock: $(VENV)/.installed ## Run the mock server on http://127.0.0.1:8009 (PORT=, HOST=; ARGS=... passes options)
	$(PY) -m mockserver $(if $(PORT),--port $(PORT)) $(if $(HOST),--host $(HOST)) $(ARGS)

# The lint commands live in tox.ini, so `make lint` and `tox -e lint` are one check.
lint: install ## Lint the specs (openapi-spec-validator, Redocly CLI) and the code (ruff), with tox -e lint
	$(VENV)/bin/tox -e lint

# Two pytest-xdist processes, a test file each at a time (module fixtures are set up once):
# about half the time of one process on a 2-core machine. ARGS="-n 0" runs them in one.
test: install chromium lint ## Run every test: the mock's own, the suite's power, the contract against the mock
	$(PYTEST) -n 2 --dist loadfile tests contract_tests $(ARGS)

contract: $(VENV)/.installed ## Run the contract suite: make contract ENV=qa1 (or BASE_URL=...; neither: the mock in-process)
	$(PY) -m contract_tests $(CONTRACT_TARGET) $(ARGS)

# What the gate workflow (.github/workflows/contract-gate.yml) runs with too: the
# shipped known drifts describe Tidepool's service, so `make gate` and the workflow agree.
GATE_DRIFTS := --known-drifts shipped

gate: $(VENV)/.installed ## Run the deploy gate: make gate ENV=qa2 or BASE_URL=... (exactly one); reports in reports/
	$(PY) -m contract_tests --gate $(CONTRACT_TARGET) $(GATE_DRIFTS) $(ARGS)

bench: install /usr/bin/wrk /usr/sbin/nginx ## Measure the mock's performance targets beside Prism, a bare app, its former server, nginx (ARGS=--quick: a few minutes; benchmarks/README.md)
	$(PY) -m benchmarks $(ARGS)

constraints: ## Re-pin every transitive dependency after changing requirements.txt
	$(PY) -m pip freeze --exclude-editable | sed '1i # Every transitive dependency, pinned; regenerate with make constraints.' > constraints.txt

# The gate's installs with their hashes: resolved in a scratch environment from the package
# registry alone (--isolated: no local wheel or index), each file downloaded and hashed. The
# files are those for Linux on x86-64 with Python 3.11, where the gate runs.
GATE_PINS := .gate-pins
gate-requirements: ## Re-pin the gate's installs with their hashes (requirements-gate.txt) after changing constraints.txt
	rm -rf $(GATE_PINS) && python3.11 -m venv $(GATE_PINS)/venv
	$(GATE_PINS)/venv/bin/pip install --isolated --quiet -r requirements-gate.in -c constraints.txt
	$(GATE_PINS)/venv/bin/pip freeze --isolated > $(GATE_PINS)/pins.txt
	{ echo '# The gate installs, pinned with their hashes; regenerate with make gate-requirements.'; \
	  while read -r pin; do \
	    rm -rf $(GATE_PINS)/file && \
	    $(GATE_PINS)/venv/bin/pip download --isolated --quiet --no-deps -d $(GATE_PINS)/file "$$pin" && \
	    echo "$$pin $$($(GATE_PINS)/venv/bin/pip hash $(GATE_PINS)/file/* | tail -1)" || exit 1; \
	  done < $(GATE_PINS)/pins.txt; } > requirements-gate.txt
	rm -rf $(GATE_PINS)

clean: ## Remove .venv, node_modules, caches and reports
	rm -rf $(VENV) node_modules .pytest_cache .hypothesis .schemathesis reports .tox
	find . -name __pycache__ -prune -exec rm -rf {} +
