# burgerprofiel: the two commands that matter are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/burgerprofiel
export BURGERPROFIEL_BASE_DIR := $(CURDIR)
# Debian packages the first run needs (PACKAGE[:COMMAND]: a COMMAND on PATH stands for the package):
# Chromium for the browser tests, the PostgreSQL client (pg_isready) for the PostgreSQL suite's check,
# node and npm for the dev OIDC provider and the SMS centre, zbar and poppler (pdftoppm) for the receipt
# tests (they read a PDF's EPC QR code). `make run SYSTEM_PACKAGES=` skips them.
SYSTEM_PACKAGES ?= chromium postgresql-client nodejs:node npm:npm libzbar0 poppler-utils:pdftoppm libpangoft2-1.0-0

.PHONY: install system-packages postgres-ready run test test-sqlite test-postgres test-client test-make-run test-browser lint format audit bench fuzz clean

CLIENT := clients/python

## make system-packages: install the missing Debian packages (apt-get as root; otherwise it says what to run)
system-packages:
	@bash scripts/system-packages.sh $(SYSTEM_PACKAGES)

$(VENV)/.installed: pyproject.toml requirements.lock $(CLIENT)/pyproject.toml | system-packages
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]'
	$(BIN)/pip install -q --disable-pip-version-check -c requirements.lock -e $(CLIENT)
	touch $@

node_modules/.package-lock.json: package.json package-lock.json | system-packages
	npm ci --no-audit --no-fund

install: system-packages $(VENV)/.installed node_modules/.package-lock.json

## make run: the embedded default (SQLite, a worker, a demo agency, the dev OIDC provider and the
## demo agency's pull sources) on http://127.0.0.1:8000
run: install
	BURGERPROFIEL_PROFILE=development bash scripts/run-dev.sh

## make test: lint, then the whole suite on SQLite and on PostgreSQL side by side (each suite's output is
## printed whole when it ends; SUITE_JOBS=1 runs them one after the other), then the agency client's tests
## and the make run path end to end (test-client)
SUITE_JOBS ?= 2
test: lint postgres-ready
	$(MAKE) --no-print-directory -j$(SUITE_JOBS) --output-sync=target test-sqlite test-postgres
	$(MAKE) --no-print-directory test-client

test-sqlite: install
	BURGERPROFIEL_PROFILE=test DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 $(BIN)/pytest -q

## make postgres-ready: PG_URL's server answers (a stopped local cluster is started), or a clear message
postgres-ready: install
	@bash scripts/postgres-ready.sh "$(PG_URL)"

test-postgres: install postgres-ready
	BURGERPROFIEL_PROFILE=test DATABASE_URL=$(PG_URL) $(BIN)/pytest -q

## make test-client: the agency client library (clients/python) against a live platform it starts itself,
## the demo agency built on it (examples/demo_agency), then the make run path end to end (test-make-run)
test-client: install
	cd $(CLIENT) && $(CURDIR)/$(BIN)/pytest -q
	cd examples/demo_agency && $(CURDIR)/$(BIN)/pytest -q -p no:django -m "not make_run" tests
	$(MAKE_RUN_TESTS)

## make test-make-run: the whole make run path end to end (scripts/run-dev.sh on free ports in an empty
## data directory, then Chromium as An: data, meldingen, certificates, an error report, a request and a
## payment, the demo agency's three webhooks, the melding's e-mail); prints the time to data visible.
## About 1.5 minutes; part of make test (the last step of test-client), alone here.
MAKE_RUN_TESTS = cd examples/demo_agency && $(CURDIR)/$(BIN)/pytest -q -s -p no:django -m make_run tests
test-make-run: install
	$(MAKE_RUN_TESTS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	BURGERPROFIEL_PROFILE=test $(BIN)/mypy src bench
	cd $(CLIENT) && $(CURDIR)/$(BIN)/mypy
	$(BIN)/lint-imports

## make audit: ruff's security rules (S), pip-audit on requirements.lock, npm audit on package-lock.json.
## pip-audit and npm audit ask their vulnerability databases over the network; when one cannot be asked the
## target says so and exits 2 (AUDIT_ALLOW_OFFLINE=1: a warning). PIP_AUDIT_SERVICE=osv asks OSV instead of PyPI.
audit: install
	$(BIN)/python scripts/audit.py

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make bench: every benchmark, then the report: bench/results/<date>.json, .md and PNG plots.
## QUICK=1: small sizes, well under 10 minutes (figures indicative only). Run it on a quiet machine.
BENCH_ENV = BURGERPROFIEL_PROFILE=test BENCH_DATABASE_URL=$${BENCH_DATABASE_URL:-$(PG_URL)} QUICK=$(QUICK)
# Sizes that hold commas live in variables: inside $(if ...) a literal comma splits its arguments
# (the rates after the first would become the else branch).
QUICK_NOTIFICATIONS = --rates 20,80,320 --seconds 8 --campaign 1500
bench: install
	$(BIN)/python -m bench.report --reset
	$(BENCH_ENV) $(BIN)/python -m bench.run
	$(BENCH_ENV) $(BIN)/python -m bench.dosis_ingest $(if $(QUICK),--single 100 --bulk-requests 2 --bulk-lines 500 --insert 300 --no-inline)
	$(BENCH_ENV) $(BIN)/python -m bench.notifications $(if $(QUICK),$(QUICK_NOTIFICATIONS))
	$(BENCH_ENV) $(BIN)/python -m bench.notifications --faults $(if $(QUICK),200 --outage 10,1000)
	$(BENCH_ENV) $(BIN)/python -m bench.portal_overview
	$(BENCH_ENV) $(BIN)/python -m bench.seed
	$(BENCH_ENV) $(BIN)/python -m bench.webhooks $(if $(QUICK),--deliveries 2000 --notifications 2000)
	$(BENCH_ENV) $(BIN)/python -m bench.mixed_load
	$(BENCH_ENV) $(BIN)/python -m bench.sizing
	$(BENCH_ENV) $(BIN)/python -m bench.report

## make fuzz: schemathesis (every check) against a live server over both OpenAPI documents, long:
## FUZZ_EXAMPLES examples per operation and phase (make test runs the same bounded). DATABASE_URL picks
## the server's database server (its own database on it); default SQLite.
FUZZ_EXAMPLES ?= 300
fuzz: install
	BURGERPROFIEL_PROFILE=test $(BIN)/python -m burgerprofiel.api.tests.contract.fuzz --max-examples $(FUZZ_EXAMPLES)

## make test-browser: only the browser tests (Playwright driving /usr/bin/chromium)
test-browser: install
	BURGERPROFIEL_PROFILE=test $(BIN)/pytest -q -m browser

clean:
	rm -rf $(VENV) var build *.egg-info
