# Two commands are all a student needs: `make run` and `make test`.
# Both create .venv from requirements.txt on first use and are safe to repeat.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
MANAGE := $(PY) sandbox_project/manage.py
PYTEST_ARGS ?=
SERVICE_TESTS ?= tests/sandbox tests/celery tests/integration

.PHONY: run test test-services test-notebooks setup db lint services browser previews \
	check grade release notebooks clean help
JOBS ?= 2
NBVAL := -p tests.notebooks.plugin --nbval notebooks/ --nbval-sanitize-with notebooks/sanitize.cfg

help:
	@echo "make run    start the sandbox, the mail services and the workers (Ctrl-C stops all)"
	@echo "make test   lint and run the whole test suite"
	@echo "make previews   photograph every email at 600 and 375 px into docs/previews/"
	@echo "make check      your points per exercise, with the first thing still missing"
	@echo "make grade SUBMISSIONS=dir   grade a class: gradebook, feedback, summary"
	@echo "make release    build the student copy in dist/"
	@echo "make notebooks  run every notebook and save its outputs"

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

# The whole suite on SQLite with an embedded Redis, as on a fresh laptop; then,
# where this machine runs them, the database and broker tests again on
# PostgreSQL and a shared Redis server.
# The browser tests fail with a clear message when no Chromium can be found, so a
# failed install does not stop the rest of the suite from running.
test: lint
	@scripts/install-browser.sh || true
	env -u REDIS_URL -u DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS)
	@$(MAKE) --no-print-directory test-notebooks
	@$(MAKE) --no-print-directory test-services

# Every notebook, executed by nbval against services started for the run.
test-notebooks: setup
	env -u REDIS_URL -u DATABASE_URL $(PY) -m pytest $(NBVAL)

test-services: setup
	@pg=$$($(PY) scripts/service_url.py postgres); redis=$$($(PY) scripts/service_url.py redis); \
	if [ -z "$$pg" ] || [ -z "$$redis" ]; then \
	  echo "No PostgreSQL on 127.0.0.1:5432 or no Redis on 127.0.0.1:6379: second run skipped."; \
	else \
	  echo "Second run: DATABASE_URL=$$pg REDIS_URL=$$redis"; \
	  DATABASE_URL=$$pg REDIS_URL=$$redis $(PY) -m pytest $(PYTEST_ARGS) $(SERVICE_TESTS); \
	fi

browser: setup
	@scripts/install-browser.sh

previews: browser
	$(PY) -m tools.previews

check: setup
	$(PY) -m grading check

grade: setup
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder-of-submissions"; exit 2; }
	$(PY) -m grading grade "$(SUBMISSIONS)" -j $(JOBS)

release: setup
	$(PY) -m grading release

notebooks: setup
	$(PY) scripts/run_notebooks.py

clean:
	rm -rf var .pytest_cache .ruff_cache
