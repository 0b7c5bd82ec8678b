# govkg developer tasks. `make help` lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: help venv install test build serve check lint clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

venv: ## create the virtual environment (FRESH=1 recreates it)
	@if [ -n "$${FRESH:-}" ]; then rm -rf "$(VENV)"; fi
	@[ -x "$(BIN)/python" ] || $(PYTHON) -m venv "$(VENV)"
	@$(BIN)/python -m pip install -q --upgrade pip

install: venv ## install govkg with its test dependencies
	$(BIN)/python -m pip install -q '.[test]'

test: install ## run the test suite (exit 5, no tests collected, counts as failure)
	$(BIN)/python -m pytest -p no:cacheprovider

build: install ## build the graph into ./build
	$(BIN)/govkg build

serve: ## install govkg and serve the built-in graph on http://127.0.0.1:8000/
	@$(MAKE) --no-print-directory venv
	$(BIN)/python -m pip install -q .
	$(BIN)/govkg serve

lint: install ## ruff (lint, format) on the whole tree and mypy --strict on src/, tools/, benchmarks/
	$(BIN)/ruff check src tests tools benchmarks
	$(BIN)/ruff format --check src tests tools benchmarks
	$(BIN)/mypy --strict src tools benchmarks

check: install ## run the quality-control queries
	$(BIN)/govkg check

clean: ## remove build output (the live link and its versions) and virtual environments
	rm -rf build .build.* .data.lock .venv .ci-venv dist
