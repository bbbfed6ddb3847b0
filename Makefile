# BoleKG — every target installs what it needs into .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install test run validate lint audit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

test: install
	$(BIN)/ruff check src tests
	$(BIN)/python -m pytest

validate: install
	$(BIN)/bolekg validate

# Validate, then serve the data with waitress (not Flask's development server) at http://$(HOST):$(PORT)/
run: install
	$(BIN)/bolekg validate
	$(BIN)/bolekg serve --host $(HOST) --port $(PORT)

audit: install
	$(BIN)/bolekg audit --format md

lint: install
	$(BIN)/ruff check src tests

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache

bench: install
	$(BIN)/python bench/bench_validate.py
