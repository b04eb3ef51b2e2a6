PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint schema bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --editable ".[dev]"
	touch $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/promoplan seed-demo
	$(BIN)/promoplan serve

test: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schema: $(INSTALLED)
	$(BIN)/promoplan export-schema > schema.graphql

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
