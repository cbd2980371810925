# The one command a newcomer needs: `make test` creates .venv with the
# machine's python3, installs the package with its dev and emulator extras,
# type-checks the package, runs the whole test suite and builds the docs with
# warnings as errors.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: test install typecheck unit docs bench clean

test: install typecheck unit docs

install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,emulator]'
	touch $@

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest

docs: install
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html

bench: install
	$(BIN)/python benchmarks/bench_event_signing.py

clean:
	rm -rf $(VENV) docs/_build .mypy_cache .pytest_cache .hypothesis
