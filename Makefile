# orgbuild — the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app orgbuild
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
PG_TEST_URL := postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: run test install install-test db demo serve load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)
install-test: $(TEST_STAMP)

db: install
	$(FLASK) init-db

demo: db
	$(FLASK) demo

## Create the environment, prepare the SQLite database with the demo district, serve on 127.0.0.1:5000.
run: demo
	$(FLASK) run --host 127.0.0.1 --port 5000

## Install what the tests need and run them all: on SQLite, then on PostgreSQL when one answers
## (TEST_DATABASE_URL, else $(PG_TEST_URL)). pytest's exit code 5 (no tests collected) counts as a pass.
test: install-test
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

## Production: apply migrations, then gunicorn on 127.0.0.1:8000 (gunicorn.conf.py; needs SECRET_KEY).
serve: install
	ORGBUILD_ENV=production $(FLASK) init-db
	ORGBUILD_ENV=production $(BIN)/gunicorn -c gunicorn.conf.py

## Load check (benchmarks/load.py): SQLite and PostgreSQL under gunicorn, 100,000 demo organisations.
load: install
	$(BIN)/python benchmarks/load.py

clean:
	rm -rf $(VENV) instance/*.sqlite*
