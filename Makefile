# Everything sets itself up: `make demo` and `make test` work on a machine with only Python and git.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CI_STAMP := $(VENV)/.installed-ci

.PHONY: demo test test-fast lint bench screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The whole suite also needs the optional extras and servers listed in the `ci` extra.
$(CI_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,ci]'
	touch $(CI_STAMP)

demo: $(STAMP)  ## a scripted session on a copy of sample-registry/
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

test: $(CI_STAMP)  ## the whole test suite
	$(BIN)/python -m pytest -q -n auto

test-fast: $(STAMP)  ## skip the slow end-to-end tests
	$(BIN)/python -m pytest -q -n auto -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check modelreg_cli tests bench
	$(BIN)/mypy

bench: $(STAMP)  ## timing figures (see bench/README.md)
	$(BIN)/python bench/bench_core.py

screenshots: $(CI_STAMP)  ## the site's screenshots in docs/images/, from the browser tests (needs chromium)
	MODELREG_SCREENSHOTS=$(CURDIR)/docs/images $(BIN)/python -m pytest -q -m slow tests/test_site_browser.py -k sample_site

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
