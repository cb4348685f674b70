# orgbuild — the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app orgbuild
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
PG_TEST_URL := postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: run test install install-test browser-deps db demo serve load clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## Debian's Chromium (and a Chinese font for the screenshots) for the browser tests, installed when
## missing and this machine can (root + apt-get).
browser-deps:
	@if (command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]) && fc-list 2>/dev/null | grep -qi wqy; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Chromium for the browser tests (apt-get)..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null) \
	    || echo "Could not install Chromium: the browser tests will skip."; \
	else echo "Chromium is missing and cannot be installed here: the browser tests will skip."; fi

install: $(STAMP)
install-test: $(TEST_STAMP)

db: install
	$(FLASK) init-db

demo: db
	$(FLASK) demo

## Create the environment, prepare the SQLite database with the demo district, serve on 127.0.0.1:5000
## with one background-job worker beside the web server (stopped with it).
run: db
	@$(FLASK) demo || echo "(demo district not loaded: see the message above; serving the existing data)"
	@$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000

## Install what the tests need and run them all: on SQLite, then on PostgreSQL when one answers
## (TEST_DATABASE_URL, else $(PG_TEST_URL)). pytest's exit code 5 (no tests collected) counts as a pass.
test: install-test browser-deps
	@status=0; \
	echo "== tests on SQLite =="; \
	TEST_DATABASE_URL= $(BIN)/python -m pytest $(PYTEST_ARGS) || { rc=$$?; [ $$rc -eq 5 ] || status=$$rc; }; \
	url="$${TEST_DATABASE_URL:-$(PG_TEST_URL)}"; \
	if reason=$$($(BIN)/python -m tests.dbutil probe "$$url"); then \
		echo "== tests on PostgreSQL =="; \
		TEST_DATABASE_URL="$$url" $(BIN)/python -m pytest $(PYTEST_ARGS) || { rc=$$?; [ $$rc -eq 5 ] || status=$$rc; }; \
	elif [ -n "$${TEST_DATABASE_URL:-}" ]; then \
		echo "FAILED: TEST_DATABASE_URL is set but $$reason"; status=1; \
	else \
		echo "== PostgreSQL pass SKIPPED: $$reason; start PostgreSQL there or set TEST_DATABASE_URL =="; \
	fi; \
	exit $$status

## Production: apply migrations, then gunicorn on 127.0.0.1:8000 (gunicorn.conf.py; needs SECRET_KEY)
## with one background-job worker beside it (stopped with it). With REDIS_URL, more workers may run on
## other hosts: `ORGBUILD_ENV=production flask --app orgbuild worker` (same DATABASE_URL, shared instance folder).
serve: install
	ORGBUILD_ENV=production $(FLASK) init-db
	@ORGBUILD_ENV=production $(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	ORGBUILD_ENV=production $(BIN)/gunicorn -c gunicorn.conf.py

## Load check (benchmarks/load.py): SQLite and PostgreSQL under gunicorn, 100,000 demo organisations.
load: install
	$(BIN)/python benchmarks/load.py

clean:
	rm -rf $(VENV) instance/*.sqlite*

## Re-extract the interface strings and update the catalogues (developers only; the compiled .mo files are committed).
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -k Message -o orgbuild/translations/messages.pot .
	$(BIN)/pybabel update -i orgbuild/translations/messages.pot -d orgbuild/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d orgbuild/translations
