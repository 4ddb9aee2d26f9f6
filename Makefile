# Two commands set up a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SVIDOK := $(BIN)/svidok

.PHONY: run test test-scale setup serve lint bench lock clean guide

$(BIN)/python:
	PYTHON=$(PYTHON) scripts/system-deps.sh venv
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The locks carry a hash for every file (`make lock`), so these installs are hash-checked; the
# project itself is installed apart from them, without hashes and without dependencies.
$(VENV)/.runtime: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# The map's browser libraries (Leaflet, leaflet.markercluster) from npm, checked against the integrity
# hashes of package-lock.json and served as static files from node_modules/ (docs/maps.md).
node_modules/.installed: package.json package-lock.json
	scripts/system-deps.sh node
	npm ci --no-audit --no-fund --silent
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

## make run: install, migrate, load gazetteer and demo data, serve on http://127.0.0.1:$${SVIDOK_PORT:-8000}
run: setup serve

setup: $(VENV)/.runtime node_modules/.installed
	scripts/system-deps.sh run
	$(SVIDOK) compilemessages --ignore=.venv -v0
	$(SVIDOK) collectstatic --noinput -v0
	$(SVIDOK) setup --demo

serve: $(VENV)/.runtime
	$(SVIDOK) serve

## make test: the whole suite (lint, checks, unit, API, browser) on SQLite and on PostgreSQL
test: $(VENV)/.dev node_modules/.installed
	scripts/system-deps.sh test
	scripts/test.sh

## make test-scale: the scale-out test: a PostgreSQL primary and streaming replica, S3, two web processes and two workers on loopback
test-scale: $(VENV)/.dev node_modules/.installed
	scripts/system-deps.sh test
	scripts/test-scale.sh

## make guide: the user guide's screenshots (docs/guide/), taken by the browser tests that walk each step
guide: $(VENV)/.dev node_modules/.installed
	scripts/system-deps.sh test
	scripts/guide-screenshots.sh

lint: $(VENV)/.dev
	$(BIN)/ruff check --no-cache .

bench: $(VENV)/.dev node_modules/.installed
	scripts/system-deps.sh test
	$(BIN)/python bench/run.py

## make lock: re-pin requirements.txt and requirements-dev.txt, with hashes, from requirements.in and requirements-dev.in (LOCK_ARGS=--upgrade to take newer versions)
LOCK_ARGS ?=
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host $(LOCK_ARGS)
lock: | $(BIN)/python
	$(BIN)/pip install --quiet 'pip-tools>=7.6'
	$(PIP_COMPILE) -o requirements.txt requirements.in
	$(PIP_COMPILE) -o requirements-dev.txt requirements-dev.in

clean:
	rm -rf $(VENV) var node_modules
