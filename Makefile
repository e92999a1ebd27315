# Two commands: `make run` serves the demo city; `make test` runs every test.
# Also: `make test-fast` (the quick inner loop) and `make requirements` (recompile the pins).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SCALE ?= city

.PHONY: run test test-fast requirements setup deps dev-deps db messages clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the pinned requirements change.
$(VENV)/.deps: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements-dev.txt requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.deps

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

db: deps
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py createcachetable
	$(PY) manage.py seed_demo --scale $(SCALE) --if-empty

# QR codes, emails and calendar links lead to this server unless SITE_URL names another address.
SITE_URL ?= http://127.0.0.1:$(PORT)
run: db
	SITE_URL=$(SITE_URL) $(PY) manage.py rundev --port $(PORT)

# Every test, browser journeys and real Celery workers included, a pytest-xdist worker per core.
test: dev-deps
	$(PY) -m pytest -n auto

# The inner loop: in parallel (pytest-xdist, a worker a core) without the browser journeys and the
# tests that start a real Celery worker (`make test` runs everything). On SQLite it skips the
# migrations too: they run once into a template (again only when a migration or a requirement
# changes), each worker's test database starts as a copy of it, and pytest --reuse-db keeps that copy
# instead of migrating anew. Copied every run, not just kept: the suite's transactional tests empty
# every table on teardown, rows that data migrations made included. Unlike `make test` it uses one
# folder, $(TEST_DB_DIR): two runs at once in one checkout need different PB_VAR_DIRs.
# With DATABASE_URL set (PostgreSQL) it migrates each worker's test_<db>_gw<N> every run.
TEST_DB_DIR ?= $(abspath $(or $(PB_VAR_DIR),var))/test-db
TEST_DB_TEMPLATE = $(TEST_DB_DIR)/template/db.sqlite3
MIGRATIONS := $(shell find . \( -path ./$(VENV) -o -path ./var -o -path ./.git \) -prune -o -path '*/migrations/*.py' -print)
FAST_PYTEST = $(PY) -m pytest -n auto -m "not e2e and not worker"

ifeq ($(DATABASE_URL),)
test-fast: dev-deps $(TEST_DB_TEMPLATE)
	rm -f "$(TEST_DB_DIR)"/test.sqlite3*
	for w in "" $$(seq -f _gw%g 0 $$(( $$(nproc) - 1 ))); do cp "$(TEST_DB_TEMPLATE)" "$(TEST_DB_DIR)/test.sqlite3$$w"; done
	PB_TEST_DB_DIR="$(TEST_DB_DIR)" $(FAST_PYTEST) --reuse-db $(PYTEST_ARGS)
else
test-fast: dev-deps
	$(FAST_PYTEST) $(PYTEST_ARGS)
endif

# The test settings' database, migrated as pytest-django would (--run-syncdb), as one file (no WAL);
# built aside and moved into place, so an interrupted build leaves no template.
$(TEST_DB_TEMPLATE): $(MIGRATIONS) $(VENV)/.dev-deps
	rm -rf "$(@D)" "$(@D).new" && mkdir -p "$(@D).new"
	PB_VAR_DIR="$(@D).new" DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py migrate --run-syncdb --no-input -v0
	PB_VAR_DIR="$(@D).new" DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py createcachetable
	$(PY) -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode=DELETE")' "$(@D).new/db.sqlite3"
	mv "$(@D).new" "$(@D)"

# Recompile the pinned requirements*.txt from requirements*.in (pip-tools). Pins already in the .txt
# files are kept unless asked otherwise: `make requirements COMPILE_ARGS="--upgrade-package wagtail"`
# (or COMPILE_ARGS=--upgrade for everything).
PIP_TOOLS ?= pip-tools==7.7.0
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make requirements" $(VENV)/bin/pip-compile --quiet --strip-extras \
	--no-emit-index-url --no-emit-find-links $(COMPILE_ARGS)
requirements: | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check $(PIP_TOOLS)
	$(PIP_COMPILE) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --output-file requirements-dev.txt requirements-dev.in

# Regenerate the translation catalogues after changing user-facing strings (needs GNU gettext).
messages:
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=static_collected --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var static_collected
