# Two commands set up a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SVIDOK := $(BIN)/svidok

.PHONY: run test setup serve lint bench clean

$(BIN)/python:
	PYTHON=$(PYTHON) scripts/system-deps.sh venv
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

## make run: install, migrate, load gazetteer and demo data, serve on http://127.0.0.1:$${SVIDOK_PORT:-8000}
run: setup serve

setup: $(VENV)/.runtime
	scripts/system-deps.sh run
	$(SVIDOK) compilemessages --ignore=.venv -v0
	$(SVIDOK) collectstatic --noinput -v0
	$(SVIDOK) setup --demo

serve: $(VENV)/.runtime
	$(SVIDOK) serve

## make test: the whole suite (lint, checks, unit, API, browser) on SQLite and on PostgreSQL
test: $(VENV)/.dev
	scripts/system-deps.sh test
	scripts/test.sh

lint: $(VENV)/.dev
	$(BIN)/ruff check --no-cache .

bench: $(VENV)/.dev
	scripts/system-deps.sh test
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var
