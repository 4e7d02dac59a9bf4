# One gate, run the same way locally and in CI.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Where `make run` serves: HOST= / PORT= on the command line, or the settings KG_HOST / KG_PORT.
HOST   ?= $(or $(KG_HOST),127.0.0.1)
PORT   ?= $(or $(KG_PORT),8000)

.PHONY: setup run build serve test test-slow test-virtuoso lint typecheck browser clean

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

# Debian's Chromium for the browser tests: Playwright cannot download a browser here.
# Installed when missing and we may (root, as in CI); otherwise the browser tests skip
# and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	  >/dev/null; } || echo "note: chromium is not installed; browser tests will be skipped"

## Set up, build the graph into the embedded Oxigraph store, and serve it.
run: setup build serve

build: setup
	$(BIN)/kg build

serve: setup
	$(BIN)/kg serve --host $(HOST) --port $(PORT)

## Lint, format check, and the layer contract (pyproject.toml's [tool.importlinter]).
lint: setup
	$(BIN)/ruff check src api tests bench
	$(BIN)/ruff format --check src api tests bench
	$(BIN)/lint-imports --no-cache

typecheck: setup
	$(BIN)/mypy

## Set up and run the whole gate: lint, types, tests (shapes fixtures, QC, query catalogue).
test: lint typecheck browser
	$(BIN)/pytest -q

## The slow suites (long rebuilds, large generated graphs); CI runs them after `make test`.
test-slow: setup browser
	$(BIN)/pytest -q -m slow || [ $$? -eq 5 ]  # 5: no slow test selected

## The scale-out reference: the backend suite, the query catalogue and the traversals against
## Virtuoso Open Source 7 on loopback. As root the suite installs virtuoso-opensource-7-bin from
## Debian when it is missing (otherwise it skips and says why). CI runs it after test-slow.
test-virtuoso: $(BIN)/kg
	$(BIN)/pytest -q -m virtuoso tests/virtuoso tests/stores

clean:
	rm -rf .kg .pytest_cache .mypy_cache .ruff_cache
