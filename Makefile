# Everything sets itself up: `make demo` and `make test` work on a machine with only Python and git.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## a scripted session on a copy of sample-registry/
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

test: $(STAMP)  ## the whole test suite
	$(BIN)/python -m pytest -q -n auto

test-fast: $(STAMP)  ## skip the slow end-to-end tests
	$(BIN)/python -m pytest -q -n auto -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check modelreg_cli tests bench
	$(BIN)/mypy

bench: $(STAMP)  ## timing figures (see bench/README.md)
	$(BIN)/python bench/bench_core.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
