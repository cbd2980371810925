# Two commands a newcomer needs, each working on a fresh clone with only the
# machine's python3:
#   make demo  creates .venv, installs the package with the emulator extra and
#              transcribes a recording through the SDK and the local emulator.
#   make test  creates .venv, installs the package with its dev and emulator
#              extras and (npm ci) the AWS SDK for JavaScript the
#              interoperability tests drive, installs tinyproxy (apt-get, as
#              root) for the proxy tests, type-checks the package, runs the
#              whole test suite and builds the docs with warnings as errors.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

JS_DIR := tests/js

.PHONY: demo test install js proxy browser typecheck unit docs bench clean

test: install js proxy browser typecheck unit docs

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

# The JavaScript interoperability tests (tests/emulator/test_js_interop.py)
# drive the official AWS SDK for JavaScript, pinned by package-lock.json.
js: $(JS_DIR)/node_modules/.installed

$(JS_DIR)/node_modules/.installed: $(JS_DIR)/package.json $(JS_DIR)/package-lock.json
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { \
	  echo "make test needs Node.js 18+ and npm for the JavaScript interoperability tests:" >&2; \
	  echo "  install them (Debian: apt-get install nodejs npm) and run make test again" >&2; \
	  exit 1; }
	cd $(JS_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The proxy tests (tests/client/test_proxy.py) run a real HTTP CONNECT proxy,
# Debian's tinyproxy: installed here when missing and we are root with apt-get.
proxy:
	@command -v tinyproxy >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq --no-install-recommends tinyproxy >/dev/null; \
	  else \
	    echo "make test needs tinyproxy for the proxy tests: install it" >&2; \
	    echo "  (Debian/Ubuntu: apt-get install tinyproxy) and run make test again" >&2; \
	    exit 1; \
	  fi; }

# The live-caption browser tests (tests/web) drive Debian's headless Chromium
# through its chromedriver (Selenium downloads nothing): installed here when
# missing and we are root with apt-get.
browser:
	@{ command -v chromium && command -v chromedriver; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else \
	    echo "make test needs Chromium and its driver for the browser tests: install them" >&2; \
	    echo "  (Debian/Ubuntu: apt-get install chromium chromium-driver) and run make test again" >&2; \
	    exit 1; \
	  fi; }

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
	rm -rf $(VENV) docs/_build .mypy_cache .pytest_cache .hypothesis $(JS_DIR)/node_modules
