# Every target installs what it needs into .venv and node_modules on first use.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PYTEST := $(PY) -m pytest
ENV ?=
BASE_URL ?=
ARGS ?=
CONTRACT_TARGET := $(if $(ENV),--env $(ENV)) $(if $(BASE_URL),--base-url $(BASE_URL))

.PHONY: help install mock test contract lint bench gate clean constraints

help: ## Show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian packages: Chromium for the browser tests (browsers cannot be downloaded here),
# wrk and nginx for the benchmarks. Installed with apt-get when run as root.
apt_install = if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; \
	else \
		echo "$(1) is missing: run 'sudo apt-get install $(1)' once." >&2; exit 1; \
	fi

/usr/bin/chromium:
	@$(call apt_install,chromium)

/usr/bin/wrk:
	@$(call apt_install,wrk)

/usr/sbin/nginx:
	@$(call apt_install,nginx-light)

install: $(VENV)/.installed node_modules/.installed ## Create .venv and node_modules from the pinned lists

mock: $(VENV)/.installed ## Run the mock server on http://127.0.0.1:8009 (ARGS=... passes options)
	$(PY) -m mockserver $(ARGS)

lint: install ## Lint the specs (openapi-spec-validator, Redocly CLI) and the code (ruff)
	$(PY) -m openapi_spec_validator spec/*.yaml
	node_modules/.bin/redocly lint spec/*.yaml
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install /usr/bin/chromium lint ## Run every test: the mock's own, the suite's power, the contract against the mock
	$(PYTEST) tests contract_tests $(ARGS)

contract: $(VENV)/.installed ## Run the contract suite: make contract ENV=qa1 (or BASE_URL=...; neither: the mock in-process)
	$(PY) -m contract_tests $(CONTRACT_TARGET) $(ARGS)

gate: $(VENV)/.installed ## Run the deploy gate: make gate ENV=qa2 or BASE_URL=... (exactly one); reports in reports/
	$(PY) -m contract_tests --gate --env "$(ENV)" --base-url "$(BASE_URL)" $(ARGS)

bench: install /usr/bin/wrk /usr/sbin/nginx ## Measure the mock against Prism, a bare app and nginx (see benchmarks/README.md)
	$(PY) -m benchmarks $(ARGS)

constraints: ## Re-pin every transitive dependency after changing requirements.txt
	$(PY) -m pip freeze --exclude-editable | sed '1i # Every transitive dependency, pinned; regenerate with make constraints.' > constraints.txt

clean: ## Remove .venv, node_modules, caches and reports
	rm -rf $(VENV) node_modules .pytest_cache .hypothesis .schemathesis reports .tox
	find . -name __pycache__ -prune -exec rm -rf {} +
