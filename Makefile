# make run    the studio on this machine (SQLite, local files, emulator, one worker)
# make test   ruff and the whole pytest suite, browser tests included
# make bench  the benchmarks in bench/ (written separately)
# Nothing but python3 (3.11+) is needed: the first run makes .venv and installs into it.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint bench deps deps-test chromium

$(PY):
	$(PYTHON) -m venv $(VENV)

deps: $(PY)
	@$(PY) scripts/deps.py install

deps-test: $(PY)
	@$(PY) scripts/deps.py install --extra test

run: deps
	@$(PY) scripts/run.py

chromium:
	@scripts/ensure_chromium.sh >/dev/null

lint: deps-test
	$(VENV)/bin/ruff check .

# The browser tests find Chromium through CHROMIUM_EXECUTABLE (playwright's own
# download is not available here). Nothing is deselected: all markers run.
test: deps-test chromium lint
	CHROMIUM_EXECUTABLE=$${CHROMIUM_EXECUTABLE:-/usr/bin/chromium} $(VENV)/bin/pytest -q

bench: deps-test
	@if [ -f bench/run_all.py ]; then $(PY) -m bench.run_all; \
	else echo "bench/run_all.py does not exist yet: no benchmarks to run"; exit 1; fi
