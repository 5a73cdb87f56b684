# The one entry point: `make run`, `make test`, `make check`, `make bench`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST = 127.0.0.1
PORT = 8000
# The address in the links of e-mails and calendars: where `make run` serves, unless set.
SITE_URL ?= http://$(HOST):$(PORT)
# Where `make test` finds the real services for its second pass.
SERVICES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
SERVICES_REDIS_URL ?= redis://127.0.0.1:6379/0
# Test processes per pass (pytest-xdist); `make test TEST_WORKERS=0` runs in one process.
TEST_WORKERS ?= 2

.PHONY: run test test-embedded test-services check bench totp messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev: requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput -v 0
	SITE_URL="$(SITE_URL)" $(BIN)/python manage.py load_demo
	@echo
	@echo "Serving at http://$(HOST):$(PORT)/, links in e-mails and calendars to $(SITE_URL)  (Ctrl-C stops it)"
	@SITE_URL="$(SITE_URL)" bin/serve $(HOST) $(PORT)

totp: $(VENV)/.runtime
	@$(BIN)/python manage.py demo_totp

# Two passes: the embedded default (SQLite, in-memory channel layer), then the same suite
# against real PostgreSQL and Redis with the service and browser tests (the concurrency tests
# run crowds of threads that each hold a connection: a pool larger than the default 20). Without the services
# the second pass is skipped and says so; under CI (CI=true) that is a failure.
test: $(VENV)/.dev
	$(MAKE) --no-print-directory test-embedded
	$(MAKE) --no-print-directory test-services

test-embedded: $(VENV)/.dev
	@echo "== Tests, embedded (SQLite, in-memory channel layer)"
	env -u DATABASE_URL -u REDIS_URL $(BIN)/pytest -n $(TEST_WORKERS) -m "not services and not browser" $(PYTEST_ARGS)

test-services: $(VENV)/.dev
	@if $(BIN)/python tests/services_available.py "$(SERVICES_DATABASE_URL)" "$(SERVICES_REDIS_URL)"; then \
	  echo "== Tests, with PostgreSQL and Redis (all tests, browser included)"; \
	  DATABASE_URL="$(SERVICES_DATABASE_URL)" REDIS_URL="$(SERVICES_REDIS_URL)" DB_POOL_MAX_SIZE=80 \
	    $(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL or Redis is not reachable: under CI that is a failure"; exit 1; \
	else \
	  echo "SKIPPED: PostgreSQL ($(SERVICES_DATABASE_URL)) or Redis ($(SERVICES_REDIS_URL)) not reachable;"; \
	  echo "         the service, integration and browser tests did not run."; \
	fi

check: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python tests/translations_complete.py

# The interface catalogues: Russian and Arabic (`make check` fails on a missing or fuzzy msgid).
messages: $(VENV)/.dev
	$(BIN)/python manage.py makemessages -l ru -l ar --no-location --ignore=.venv --ignore=bench
	$(BIN)/python manage.py compilemessages -l ru -l ar --ignore=.venv

bench: $(VENV)/.dev
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) db.sqlite3 .test-db.sqlite3* staticfiles .mail
