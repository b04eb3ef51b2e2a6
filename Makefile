PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test test-faults lint schema schema-check documents bench clean

# The revision whose schema.graphql clients were built against.
SCHEMA_BASE ?= HEAD~1

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --editable ".[dev]"
	touch $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/promoplan seed-demo
	PROMOPLAN_INTROSPECTION=$${PROMOPLAN_INTROSPECTION:-1} $(BIN)/promoplan serve

test: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/promoplan schema-check --against $(SCHEMA_BASE)
	$(BIN)/pytest

# Faults under load on PostgreSQL: the database going away, SIGTERM in flight.
test-faults: $(INSTALLED)
	TEST_POSTGRES_URL=$${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test} \
		$(BIN)/pytest -m faults -k postgres tests/test_faults.py

lint: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schema: $(INSTALLED)
	$(BIN)/promoplan export-schema > schema.graphql

schema-check: $(INSTALLED)
	$(BIN)/promoplan schema-check --against $(SCHEMA_BASE)

# Rebuild the trusted documents' manifest from ../shared/clients.
documents: $(INSTALLED)
	$(BIN)/promoplan documents --write

# The benchmark against a hand-written reference; writes bench/RESULTS.md.
# BENCH_ARGS=--quick for a smoke run of a few minutes (5% of the data).
bench: $(INSTALLED)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
