# Two commands: `make run` serves the demo city; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SCALE ?= city

.PHONY: run test setup deps dev-deps db messages clean

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

run: db
	$(PY) manage.py rundev --port $(PORT)

test: dev-deps
	$(PY) -m pytest

# Regenerate the translation catalogues after changing user-facing strings (needs GNU gettext).
messages:
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=static_collected --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var static_collected
