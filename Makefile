# Jazyl: `make run` to try it, `make test` to check it. `make help` lists everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/jazyl
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?=
COMPOSE ?= docker compose

.PHONY: help run test test-pg test-sqlite install install-dev assets translations translations-update \
        lint deadcode build start stop logs clean health backup-db restore-db backup-db-compose migrate seed bench bench-slots bench-http browser-deps fuzz screenshots

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[1m%-20s\033[0m %s\n", $$1, $$2}'

$(BIN)/activate:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.lock | $(BIN)/activate
	$(BIN)/pip install -q -r requirements.lock
	@touch $@

$(VENV)/.dev: requirements-dev.lock $(VENV)/.runtime
	$(BIN)/pip install -q -r requirements-dev.lock
	@touch $@

install: $(VENV)/.runtime assets translations ## Install Python and npm dependencies, build assets and catalogs

install-dev: $(VENV)/.dev assets translations browser-deps ## Everything `install` does plus test tools and Chromium

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

assets: node_modules/.package-lock.json ## Copy htmx, Pico CSS and Swagger UI from node_modules into app/static/vendor
	npm run --silent build

translations: $(VENV)/.runtime ## Compile the ru/kk catalogs
	$(BIN)/pybabel compile -d translations

translations-update: $(VENV)/.runtime ## Extract strings into messages.pot and merge them into ru/kk
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -k pgettext:1c,2 \
	  --add-comments=i18n: --sort-by-file -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

browser-deps: ## Install Debian's Chromium for the browser tests (when missing and allowed)
	@bash scripts/ensure-chromium.sh

migrate: $(VENV)/.runtime ## Apply database migrations (DATABASE_URL, or SQLite in instance/)
	$(BIN)/flask --app wsgi db upgrade

seed: migrate ## Seed the demo business when the database is empty
	$(BIN)/flask --app wsgi seed-demo --if-empty

run: install ## Install, migrate, seed the demo, start web + worker on the embedded default
	$(BIN)/python scripts/dev.py --port $(PORT)

test: install-dev ## Run the whole suite: PostgreSQL + Redis when reachable, then SQLite + embedded Redis
	@if $(BIN)/python scripts/services_up.py "$(PG_TEST_URL)" "$(REDIS_TEST_URL)"; then \
	  $(MAKE) --no-print-directory test-pg || exit 1; \
	elif [ "$${CI:-}" = "true" ]; then \
	  echo "CI: PostgreSQL or Redis is not reachable; refusing to skip that half of the suite" >&2; exit 1; \
	else \
	  echo "PostgreSQL/Redis not reachable: running the SQLite + embedded Redis half only"; \
	fi
	@$(MAKE) --no-print-directory test-sqlite

test-pg: ## The suite on PostgreSQL + Redis
	@echo "== tests on PostgreSQL + Redis"
	TEST_DATABASE_URL="$(PG_TEST_URL)" TEST_REDIS_URL="$(REDIS_TEST_URL)" \
	  $(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

test-sqlite: ## The suite on SQLite + embedded Redis
	@echo "== tests on SQLite + embedded Redis"
	env -u TEST_DATABASE_URL -u TEST_REDIS_URL $(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

FUZZ_SECONDS ?= 120

fuzz: $(VENV)/.dev ## Deep schemathesis run: every caller, FUZZ_SECONDS each, on PostgreSQL + Redis; reports in instance/fuzz
	@$(BIN)/python scripts/services_up.py "$(PG_TEST_URL)" "$(REDIS_TEST_URL)" || \
	  { echo "fuzz needs PostgreSQL ($(PG_TEST_URL)) and Redis ($(REDIS_TEST_URL))" >&2; exit 1; }
	TEST_DATABASE_URL="$(PG_TEST_URL)" TEST_REDIS_URL="$(REDIS_TEST_URL)" FUZZ_DEEP=1 FUZZ_SECONDS="$(FUZZ_SECONDS)" \
	  FUZZ_REPORT_DIR="$(CURDIR)/instance/fuzz" $(BIN)/python -m pytest -n 0 tests/api/test_fuzz.py $(PYTEST_ARGS)

LINT_PATHS := app tests bench scripts worker.py wsgi.py gunicorn.conf.py

lint: $(VENV)/.dev ## ruff check, ruff format --check and the import-linter layer contracts (pyproject.toml)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/lint-imports --no-cache --no-logo

deadcode: $(VENV)/.dev ## vulture over app/ at 80% confidence (settings in pyproject.toml)
	$(BIN)/vulture

bench: $(VENV)/.dev ## Availability and booking benchmarks on PostgreSQL (see docs/performance.md)
	$(BIN)/python bench/availability.py

bench-slots: $(VENV)/.dev ## Uncached slot generation in the service layer (SQLite; BENCH_ARGS=--pg for PostgreSQL)
	$(BIN)/python bench/slots.py $(BENCH_ARGS)

bench-http: $(VENV)/.dev ## wrk against a bare Flask app and this app, same gunicorn settings, PostgreSQL + Redis
	@command -v wrk >/dev/null || { command -v apt-get >/dev/null && apt-get install -y -qq wrk >/dev/null; } || \
	  { echo "bench-http needs wrk (Debian package wrk)" >&2; exit 1; }
	$(BIN)/python bench/http.py $(BENCH_ARGS)

screenshots: $(VENV)/.dev assets translations ## PNGs of every staff and public page, en/ru/kk, desktop + phone, in screenshots/ (fresh demo, Chromium)
	$(BIN)/python scripts/screenshots.py $(SCREENSHOTS_ARGS)

health: ## Ask the running app for /health
	@curl -fsS "http://localhost:$(PORT)/health" && echo

build: ## docker compose build
	$(COMPOSE) build

start: ## docker compose up (PostgreSQL, Redis, web, worker, nginx)
	$(COMPOSE) up -d

stop: ## docker compose down
	$(COMPOSE) down

logs: ## Follow the compose logs
	$(COMPOSE) logs -f --tail=200

backup-db: $(VENV)/.runtime ## Back up the database (DATABASE_URL, else SQLite in instance/) into backups/
	$(BIN)/flask --app wsgi backup-db

restore-db: $(VENV)/.runtime ## Restore a backup into the database (asks first): make restore-db FILE=backups/...
	@test -n "$(FILE)" || { echo "usage: make restore-db FILE=backups/jazyl-<time>.dump" >&2; exit 2; }
	$(BIN)/flask --app wsgi restore-db "$(FILE)"

backup-db-compose: ## Dump the compose stack's PostgreSQL database into backups/ (pg_dump in its container)
	@mkdir -p backups
	$(COMPOSE) exec -T postgres sh -c 'pg_dump -U "$${POSTGRES_USER:-jazyl}" --format=custom "$${POSTGRES_DB:-jazyl}"' \
	  > backups/jazyl-$$(date +%Y%m%d-%H%M%S).dump
	@ls -1t backups | head -1

clean: ## Remove the virtualenv, node_modules, built assets and the embedded database
	rm -rf $(VENV) node_modules app/static/vendor instance .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find translations -name '*.mo' -delete
