# Gõ Cửa — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK := $(VENV)/bin/flask
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
export FLASK_APP := app:create_app

.PHONY: run serve start demo test test-fast lint format bench bench-province migrations translations setup \
	clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

# The demo: migrate, load units and the demo commune (idempotent), serve.
run: setup demo
	$(MAKE) --no-print-directory start

# Real data (no demo accounts): migrate, load units, serve.
serve: setup
	$(FLASK) db upgrade
	$(FLASK) units load
	$(MAKE) --no-print-directory start

demo: setup
	$(FLASK) db upgrade
	$(FLASK) units load
	$(FLASK) demo load

start:
	$(VENV)/bin/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) --workers $(WORKERS) \
		--threads 4 --timeout 120 \
		--access-logfile - 'app:create_app()'

# TEST_WORKERS=2 runs the suite in two processes (pytest-xdist; one PostgreSQL database per
# worker). The default, 0, runs it in this process: on two cores the browser tests' timings
# hold better alone, and CI wants a suite that never flakes more than one that ends sooner.
TEST_WORKERS ?= 0
test: setup
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test-fast: setup
	$(VENV)/bin/pytest -m "not browser" -x $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Small sizes on SQLite, and on PostgreSQL too when BENCH_DATABASE_URL is set (CI runs this):
# every figure beside the limit measured in the same run; fails when a script breaks, never
# on a target not met. bench-province: full sizes, the goal province loaded once with COPY.
bench: setup
	$(PY) bench/run_all.py

# (The default is given in the shell: a Makefile assignment of BENCH_DATABASE_URL, even for one
# target, stops GNU make passing the environment's value to `make bench`.)
bench-province: setup
	BENCH_DATABASE_URL="$${BENCH_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/gocua_bench}" \
		$(PY) bench/run_all.py --full

# Extract the Vietnamese texts (babel.cfg), update the English .po, compile the .mo.
translations: setup
	$(PY) -m app.tools.translations

# Regenerate the single initial migration from the models (before the first release only).
migrations: setup
	$(PY) -m app.tools.regen_migration

clean:
	rm -rf $(VENV) instance .pytest_cache
