# swarmgraph: every target installs what it needs by itself (a .venv, the Neo4j jars on first database use).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test test-fast lint bench bench-scale clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

## The main job end to end on the default local database.
demo: install
	scripts/ensure-system-deps.sh --no-browser
	$(BIN)/swarmgraph demo

## The whole test suite against a real Neo4j that the test session starts (and HTML in headless Chromium).
test: install
	scripts/ensure-system-deps.sh
	$(BIN)/pytest

## Unit tests only: no database, no browser.
test-fast: install
	$(BIN)/pytest tests/unit

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy graphdb etl cypher viz simulator

bench: install
	$(BIN)/python -m bench.run_all

## The growth curve at 100k, 1M, 3M and 10M posts (hours; run it unattended): bench/results/scale.json and .png.
## SIZES=100000,1000000 for a shorter curve; the results of sizes already measured are kept.
SIZES ?= 100000,1000000,3000000,10000000
bench-scale: install
	$(BIN)/python -m bench.scale_bench --sizes $(SIZES)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
