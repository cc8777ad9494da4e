# Hengkou Industrial Tracker — `make run` to try it, `make test` to test it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per core; TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= auto

# The first Python >= 3.11 on the PATH.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done)

.PHONY: help run test test-fast lint format install assets messages makemessages migrate clean bench \
	bench-town bench-tools bench-projections backup restore

help:
	@echo "make run        install everything, migrate, load the demo data and serve http://$(HOST):$(PORT)"
	@echo "make test       run the whole test suite (SQLite, or PostgreSQL when DATABASE_URL points at one)"
	@echo "make test-fast  the suite without the browser journeys"
	@echo "make lint       ruff check and format check"
	@echo "make bench      benchmark the ranking, every menu page and the close on PostgreSQL, into"
	@echo "                docs/performance.md and docs/bench/: SCALE=2000|20000|200000 enterprises"
	@echo "                (default 20000, 500 departments, 5 years; SCALE=town: make bench-town)"
	@echo "make bench-town the same at town scale (500 enterprises, 30 departments) on a fresh SQLite file"
	@echo "make two-nodes  two gunicorn nodes behind nginx on loopback, sharing PostgreSQL and Redis"
	@echo "make backup     archive the database and the uploaded media into var/backups/ (BACKUP_DIR=...)"
	@echo "make restore    restore ARCHIVE=var/backups/hengkou-backup-....tar.gz (asks first)"

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.11 or newer is required: install it (e.g. apt-get install python3 python3-venv)." >&2; exit 1; fi
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { echo "The Python venv module is missing: install it (e.g. apt-get install python3-venv)." >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed assets messages

static/vendor/.built: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "Node.js and npm are required for the front-end assets: install them (e.g. apt-get install nodejs npm)." >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf static/vendor && mkdir -p static/vendor/bootstrap/css static/vendor/bootstrap/js static/vendor/bootstrap-icons static/vendor/echarts \
		static/vendor/workbox static/vendor/idb
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map static/vendor/bootstrap/css/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map static/vendor/bootstrap/js/
	cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts static/vendor/bootstrap-icons/
	cp node_modules/echarts/dist/echarts.min.js static/vendor/echarts/
	# The offline visit form's service worker: workbox-sw and the modules it loads, served from
	# here (workbox-sw's default is Google's CDN; templates/hengkou/sw.js points it here).
	cp node_modules/workbox-sw/build/workbox-sw.js node_modules/workbox-sw/build/workbox-sw.js.map static/vendor/workbox/
	for module in core routing strategies expiration precaching; do \
		cp node_modules/workbox-$$module/build/workbox-$$module.prod.js \
			node_modules/workbox-$$module/build/workbox-$$module.prod.js.map static/vendor/workbox/; \
	done
	cp node_modules/idb/build/umd.js static/vendor/idb/idb.umd.js
	@touch $@

assets: static/vendor/.built

# Translations are compiled with Babel, so no system gettext is needed to install.
messages: $(VENV)/.installed
	@$(VENV)/bin/pybabel compile -d locale -D django --statistics 2>&1 | grep -v '^$$' || true
	@test -f locale/zh_Hans/LC_MESSAGES/django.mo || { echo "Compiling the translations failed." >&2; exit 1; }

# Extracting strings needs GNU gettext (apt-get install gettext); only translators run it.
makemessages: $(VENV)/.installed
	$(PY) manage.py makemessages --locale zh_Hans --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'var/*' --no-obsolete

migrate: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py migrate --noinput

run: migrate
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py setup_demo
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(VENV)/bin/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-fast: install
	$(VENV)/bin/pytest -n $(TEST_WORKERS) -m "not e2e" $(PYTEST_ARGS)

# The benchmark (about 10 minutes at the default SCALE=20000, city scale) on a PostgreSQL
# database that it creates when missing and drops at the end unless BENCH_KEEP=1 (one it did not
# create is left alone). SCALE is the number of enterprises (500 departments, 5 years of history).
# Results replace the benchmark section of docs/performance.md, go to docs/bench/scale-SCALE.json,
# and the scaling section and docs/bench/scaling.png are redrawn from every docs/bench/scale-*.json.
# Needs psql; wrk for the throughput rows and a local Redis for the "with Redis" columns
# (BENCH_REDIS_URL, default redis://127.0.0.1:6379/0, under a key prefix of the run's own).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hengkou_bench
BENCH_TOWN_DATABASE ?= var/bench-town.sqlite3
PROJECTIONS_SCALE ?= 2000
PROJECTIONS_DATABASE ?= var/bench-projections.sqlite3
BENCH_KEEP ?=
BENCH_ARGS ?=
SCALE ?= 20000
BENCH_ENV := DJANGO_DEBUG=0 DJANGO_SECURE=0 DJANGO_SECRET_KEY=bench-only-throwaway-key \
	DJANGO_STATICFILES_STORAGE=django.contrib.staticfiles.storage.StaticFilesStorage

bench-tools: install
	@command -v wrk >/dev/null 2>&1 || { echo "wrk (the load generator of the throughput rows) is missing: installing it with apt-get install wrk."; \
		apt-get install -y -qq wrk >/dev/null 2>&1 || echo "Could not install wrk (not root?): the throughput rows will say 'not measured'." >&2; }

ifeq ($(SCALE),town)
bench: bench-town
else
bench: bench-tools
	@DJANGO_DEBUG=1 $(PY) manage.py bench --scale '$(SCALE)' --check-scale
	@command -v psql >/dev/null 2>&1 || { echo "psql is required: install it (e.g. apt-get install postgresql-client)." >&2; exit 1; }
	@set -eu; url='$(BENCH_DATABASE_URL)'; name="$${url##*/}"; name="$${name%%\?*}"; \
	admin="$${url%/*}/postgres"; \
	if [ -z "$$(psql "$$admin" -XtAc "SELECT 1 FROM pg_database WHERE datname = '$$name'")" ]; then \
		psql "$$admin" -Xqc "CREATE DATABASE \"$$name\""; echo "Created the database $$name."; \
		if [ "$(BENCH_KEEP)" != 1 ]; then \
			trap 'psql "$$admin" -Xqc "DROP DATABASE IF EXISTS \"$$name\"" && echo "Dropped the database $$name."' EXIT; \
		fi; \
	else echo "Using the existing database $$name; it is not dropped."; fi; \
	export DATABASE_URL="$$url" $(BENCH_ENV); \
	$(PY) manage.py migrate --noinput --verbosity 0; \
	$(PY) manage.py bench --scale '$(SCALE)' $(BENCH_ARGS); \
	$(PY) -m hengkou.ops.import_bench readers docs/performance.md; \
	$(PY) -m hengkou.ops.bench.scaling docs/
endif

# The back-test of the year-end projection on the bench's data (PROJECTIONS_SCALE enterprises,
# default 2000, its documented seasonal pattern) in a fresh SQLite file, removed at the end:
# its section of docs/performance.md. About 2 minutes. On the demo database:
# `python manage.py evaluate_projections --write`.
bench-projections: install
	@set -eu; db='$(PROJECTIONS_DATABASE)'; mkdir -p "$$(dirname "$$db")"; \
	db="$$(cd "$$(dirname "$$db")" && pwd)/$$(basename "$$db")"; rm -f "$$db"; \
	trap 'rm -f "$$db"' EXIT; export DATABASE_URL="sqlite:///$$db" DJANGO_DEBUG=1; \
	$(PY) manage.py migrate --noinput --verbosity 0; \
	$(PY) manage.py evaluate_projections --bench '$(PROJECTIONS_SCALE)' --write

# The embedded default at town scale: 500 enterprises, 30 departments, 5 years, on a fresh
# SQLite file (removed at the end unless BENCH_KEEP=1); its own section of docs/performance.md
# and docs/bench/town-500.json. wrk runs against gunicorn on the same SQLite file; the import
# bench imports 20,000 rows (SQLite writes them in the reading thread). About 6 minutes.
bench-town: bench-tools
	@set -eu; db='$(BENCH_TOWN_DATABASE)'; mkdir -p "$$(dirname "$$db")"; \
	db="$$(cd "$$(dirname "$$db")" && pwd)/$$(basename "$$db")"; rm -f "$$db"; \
	if [ "$(BENCH_KEEP)" != 1 ]; then trap 'rm -f "$$db" && echo "Removed $$db."' EXIT; fi; \
	export DATABASE_URL="sqlite:///$$db" $(BENCH_ENV); \
	$(PY) manage.py migrate --noinput --verbosity 0; \
	$(PY) manage.py bench --scale town $(BENCH_ARGS)

# Two app nodes (gunicorn) behind nginx on loopback sharing only PostgreSQL and Redis: logs in on
# one node, uses the session on the other, writes and reads across them (docs/deploy.md). About a
# minute; not part of CI. Needs nginx, psql and redis-cli; cleans up after itself.
.PHONY: two-nodes
two-nodes: install
	bash hengkou/deploy/two_nodes.sh

# One archive (database, uploaded media, manifest) per run; see docs/security.md.
BACKUP_DIR ?= var/backups
ARCHIVE ?=

backup: $(VENV)/.installed
	$(PY) manage.py backup --output $(BACKUP_DIR)

restore: $(VENV)/.installed
	@if [ -z "$(ARCHIVE)" ]; then echo "Name the archive: make restore ARCHIVE=var/backups/hengkou-backup-....tar.gz" >&2; exit 1; fi
	$(PY) manage.py restore "$(ARCHIVE)"

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) node_modules static/vendor var/static
