# fieldinspect: `make run` starts everything on the embedded defaults; `make test` runs the suite.
# Both set up what they need on a fresh Debian machine with Python 3.11+ and Node 20+.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DATA_DIR ?= $(CURDIR)/var
export DATA_DIR

PY_STAMP := $(VENV)/.installed
STORE_STAMP := deploy/syncstore/node_modules/.installed
TABLET_STAMP := tests/e2e/node/node_modules/.installed
FIELDAPP_STAMP := fieldapp/dist/.built
FIELDAPP_SOURCES := $(wildcard fieldapp/src/*.js fieldapp/static/*) fieldapp/build.mjs

.PHONY: run test install install-test migrate clean-var help fieldapp

help:
	@echo "make run   - install (first time), migrate, start the sync store, web server and reconciler"
	@echo "make test  - install (first time) and run the whole test suite"

$(PY_STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

$(STORE_STAMP): deploy/syncstore/package.json deploy/syncstore/package-lock.json
	cd deploy/syncstore && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(TABLET_STAMP): tests/e2e/node/package.json tests/e2e/node/package-lock.json
	cd tests/e2e/node && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The field app (contract §14): npm ci of its pinned toolchain, then an esbuild bundle in fieldapp/dist.
fieldapp/node_modules/.installed: fieldapp/package.json fieldapp/package-lock.json
	cd fieldapp && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(FIELDAPP_STAMP): fieldapp/node_modules/.installed $(FIELDAPP_SOURCES)
	cd fieldapp && node build.mjs
	touch $@

fieldapp: $(FIELDAPP_STAMP)

install: $(PY_STAMP) $(STORE_STAMP) $(FIELDAPP_STAMP)
	@bash deploy/install-system-deps.sh

install-test: install $(TABLET_STAMP)
	@bash deploy/install-system-deps.sh --test

migrate: install
	$(PY) manage.py migrate --noinput

run: migrate
	@echo "fieldinspect on http://127.0.0.1:$(PORT)/ (data in $(DATA_DIR)); Ctrl-C stops everything"
	HTTP_PORT=$(PORT) exec $(VENV)/bin/honcho --no-prefix -f Procfile start

test: install-test
	$(VENV)/bin/pytest $(PYTEST_ARGS)

clean-var:
	rm -rf var
