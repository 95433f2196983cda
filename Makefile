# burgerprofiel: the two commands that matter are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/burgerprofiel
export BURGERPROFIEL_BASE_DIR := $(CURDIR)

.PHONY: install run test test-sqlite test-postgres lint format bench clean

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## make run: the embedded default (SQLite, a worker, a demo agency) on http://127.0.0.1:8000
run: install
	BURGERPROFIEL_PROFILE=development bash scripts/run-dev.sh

## make test: lint, then the whole suite on SQLite and on PostgreSQL
test: lint test-sqlite test-postgres

test-sqlite: install
	BURGERPROFIEL_PROFILE=test DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 $(BIN)/pytest -q

test-postgres: install
	BURGERPROFIEL_PROFILE=test DATABASE_URL=$(PG_URL) $(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	BURGERPROFIEL_PROFILE=test $(BIN)/mypy src

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	BURGERPROFIEL_PROFILE=test $(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var build *.egg-info
