# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: demo test lint typecheck lock serve clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Pavilion needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: pyproject.toml requirements.lock | $(BIN)/python
	$(PIP) -c requirements.lock -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime
	$(PIP) -c requirements.lock -e '.[dev]'
	touch $@

## demo: install, migrate, load the demo forum and serve it at http://127.0.0.1:8000
demo: $(VENV)/.runtime
	PAVILION_ENVIRONMENT=demo $(BIN)/pavilion demo

## test: install the dev tools and run the linters, the type checker and the whole suite
test: $(VENV)/.dev lint typecheck
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check server tests bench

typecheck: $(VENV)/.dev
	$(BIN)/mypy

## lock: re-resolve the dependencies into requirements.lock (after editing pyproject.toml)
lock: | $(BIN)/python
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	{ echo '# Resolved versions of every dependency (runtime and dev), used as pip constraints by the Makefile.'; \
	  echo '# Regenerate with `make lock` after changing pyproject.toml.'; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^-e'; } > requirements.lock
	rm -rf .lock-venv

serve: $(VENV)/.runtime
	$(BIN)/pavilion serve

clean:
	rm -rf $(VENV) pavilion.db pavilion.db-wal pavilion.db-shm test-results
