# Two commands are all a student needs: `make run` and `make test`.
# Both create .venv from requirements.txt on first use and are safe to repeat.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
MANAGE := $(PY) sandbox_project/manage.py
PYTEST_ARGS ?=

.PHONY: run test setup db lint services clean help

help:
	@echo "make run    start the sandbox, the mail services and the workers (Ctrl-C stops all)"
	@echo "make test   lint and run the whole test suite"

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

setup: $(STAMP)

db: setup
	$(MANAGE) migrate --no-input -v0
	$(MANAGE) createcachetable
	$(MANAGE) seed_demo

run: db
	$(VENV)/bin/honcho --procfile Procfile start

services: setup
	PYTHONPATH=sandbox_project $(PY) -m mailroom

lint: setup
	$(VENV)/bin/ruff check .

test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf var .pytest_cache .ruff_cache
