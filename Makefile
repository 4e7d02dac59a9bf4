# One gate, run the same way locally and in CI.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: setup run build serve test lint typecheck clean

$(BIN)/kg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Browser libraries (YASGUI, Cytoscape.js) from npm, served locally: no CDN at run time.
ui/node_modules/.installed: ui/package.json ui/package-lock.json
	npm ci --prefix ui --no-audit --no-fund --loglevel=error
	touch $@

setup: $(BIN)/kg ui/node_modules/.installed

## Set up, build the graph into the embedded Oxigraph store, and serve it.
run: setup build serve

build: setup
	$(BIN)/kg build

serve: setup
	$(BIN)/kg serve --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check src api tests
	$(BIN)/ruff format --check src api tests

typecheck: setup
	$(BIN)/mypy

## Set up and run the whole gate: lint, types, tests (shapes fixtures, QC, query catalogue).
test: lint typecheck
	$(BIN)/pytest -q

clean:
	rm -rf .kg .pytest_cache .mypy_cache .ruff_cache
