# Partnership Monitor: `make run` serves the demo site, `make test` runs the whole suite.
# Every target honours DATABASE_URL (default: SQLite in db.sqlite3 beside this file).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# A developer's machine runs with DEBUG on unless told otherwise; production never uses this Makefile.
export DEBUG ?= true
NEW_SECRET_KEY = $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))'

.PHONY: help setup run test lint check-deploy audit lock static browser-deps bench clean openapi

help:
	@echo "make run    set everything up on SQLite, load the demo data, serve http://$(HOST):$(PORT)"
	@echo "make test   set everything up and run the whole test suite"
	@echo "make setup  everything 'run' does except serving (safe to repeat)"
	@echo "make lint   ruff"

# requirements.lock pins every package (make lock); installing with it as constraints makes every machine alike.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' -c requirements.lock || { \
		echo 'pyproject.toml and requirements.lock disagree: run make lock'; exit 1; }
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

static/build/.built: node_modules/.installed static/scss/app.scss
	npm run --silent build:css
	mkdir -p static/build/assets
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/build/
	cp -r node_modules/govuk-frontend/dist/govuk/assets/images static/build/assets/
	touch $@

static: static/build/.built

# Debian's Chromium drives the browser tests; poppler-utils turns report PDFs into text and pictures; the reports
# are set in Arial's metric twin Liberation Sans (with DejaVu instead, the DRAFT watermark no longer fits a line).
browser-deps:
	@command -v chromium >/dev/null && command -v pdftoppm >/dev/null && fc-list | grep -q 'Liberation Sans' || { \
		apt-get update -qq && apt-get install -y -qq chromium poppler-utils fonts-liberation >/dev/null; }

# The developer's own settings (git-ignored), read by monitoring/settings.py, so that manage.py works by hand too:
# DEBUG on and a key of this machine's own. Written once, never overwritten; production has no .env.
.env:
	umask 077; key=$$($(NEW_SECRET_KEY)) && printf '%s\n' \
		'# Local development only (written by make setup; the real environment wins): never use it in production.' \
		'DEBUG=true' "SECRET_KEY=$$key" > $@.tmp && mv $@.tmp $@

setup: $(VENV)/.installed static .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py load_demo

# The background worker (committee packs) runs beside the server and stops when the server stops.
run: setup
	$(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# ENV_FILE= (no .env read): the suite runs alike on every machine, whatever a developer's .env holds.
test: $(VENV)/.installed static browser-deps
	ENV_FILE= $(PY) -m pytest

# Benchmarks at scale 1 and 10 (PostgreSQL when it runs here): pages, reports, imports and load; see bench/run.py.
bench: $(VENV)/.installed static
	@command -v wrk >/dev/null && ldconfig -p | grep -q libharfbuzz-subset && fc-list | grep -q 'Liberation Sans' || { \
		apt-get update -qq && apt-get install -y -qq wrk libharfbuzz-subset0 fonts-liberation >/dev/null; }
	$(PY) bench/run.py

lint: $(VENV)/.installed
	$(PY) -m ruff check .

# The API's OpenAPI schema, committed so that a change to the API shows in review (tests/api/test_schema.py).
openapi: $(VENV)/.installed
	ENV_FILE= $(PY) manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml

# Production has no .env, so neither does this check (ENV_FILE=).
check-deploy: $(VENV)/.installed
	ENV_FILE= DEBUG=false SECRET_KEY=$$($(NEW_SECRET_KEY)) \
	ALLOWED_HOSTS=monitor.example.org $(PY) manage.py check --deploy --fail-level WARNING

# Pin every package pyproject.toml brings in (pip's resolver; see .ci/deps.py), after changing a dependency.
# Needs only pip, so that it works when the two disagree and installing refuses.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) .ci/deps.py lock

# pip-audit over requirements.lock: fails on a known vulnerability, warns if its service cannot be reached.
audit: $(VENV)/.installed
	$(PY) .ci/deps.py audit

clean:
	rm -rf $(VENV) node_modules static/build staticfiles
