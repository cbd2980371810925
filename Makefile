# Two commands a newcomer needs, each working on a fresh clone with only the
# machine's python3:
#   make demo  creates .venv, installs the package with the emulator extra and
#              transcribes a recording through the SDK and the local emulator.
#   make test  creates .venv, installs the package with its dev and emulator
#              extras, type-checks the package, runs the whole test suite and
#              builds the docs with warnings as errors.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install typecheck unit docs bench clean

test: install typecheck unit docs

install: $(VENV)/.installed

demo: $(VENV)/.demo-installed
	$(BIN)/python examples/demo.py

$(VENV)/.demo-installed: setup.cfg setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[emulator]'
	touch $@

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
	$(BIN)/python benchmarks/bench_client_idle.py
	$(BIN)/python benchmarks/bench_client_concurrent.py
	$(BIN)/python benchmarks/bench_client_unpaced.py

clean:
	rm -rf $(VENV) docs/_build .mypy_cache .pytest_cache .hypothesis
