# The two set-up commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run demo test lint typecheck unit install install-dev train eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/salama serve

demo: install
	$(BIN)/salama demo

lint: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: install-dev
	$(BIN)/mypy

unit: install-dev
	$(BIN)/pytest

test: lint typecheck unit

train: install-dev
	$(BIN)/salama train

eval: install-dev
	$(BIN)/python benchmarks/quality.py

bench: install-dev
	$(BIN)/salama bench

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
