# The two set-up commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run demo test lint typecheck unit install install-dev train eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# setup.py builds the one C extension (src/salama/detect/_ngrams.c); a change to it rebuilds.
EXT_SRC := setup.py src/salama/detect/_ngrams.c

$(VENV)/.installed: pyproject.toml $(EXT_SRC) | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(EXT_SRC) | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/salama serve

demo: install
	$(BIN)/salama demo

lint: install-dev
	$(BIN)/ruff check src tests benchmarks setup.py
	$(BIN)/ruff format --check src tests benchmarks setup.py

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
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache src/salama/detect/_ngrams.*.so
