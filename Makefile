# make run    the studio on this machine (SQLite, local files, emulator, one worker)
# make test   ruff and the whole pytest suite, browser tests included
# make bench  the benchmarks in bench/ (written separately)
# make lock   pin the dependencies of pyproject.toml anew into requirements/ (uv)
# Nothing but python3 (3.11+) is needed: the first run makes .venv and installs into it.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP_INSTALL := $(PY) -m pip install --disable-pip-version-check -q
LOCK := requirements/lock.txt
TEST_LOCK := requirements/test.lock.txt

.PHONY: run test lint bench deps deps-test chromium nginx lock

$(PY):
	$(PYTHON) -m venv $(VENV)

# Installs from the locks (every package pinned, every file's hash checked), then the
# studio itself as an editable install without dependencies. A stamp in .venv per set,
# remade only when its lock or pyproject.toml is newer: a second run installs nothing.
# pip check catches a pyproject.toml whose dependencies changed without `make lock`.
define install
	@echo "deps: installing $(1) into $(VENV)"
	@$(PIP_INSTALL) --require-hashes -r $(1)
	@$(PIP_INSTALL) --no-deps -e .
	@$(PY) -m pip check >/dev/null || { $(PY) -m pip check; \
		echo "deps: $(1) does not fit pyproject.toml: run make lock"; exit 1; }
endef

$(VENV)/.deps-base: $(LOCK) pyproject.toml | $(PY)
	$(call install,$(LOCK))
	@touch $@

# The test lock holds the base one (same pins, see lock:), so it stamps both.
$(VENV)/.deps-test: $(TEST_LOCK) $(LOCK) pyproject.toml | $(PY)
	$(call install,$(TEST_LOCK))
	@touch $@ $(VENV)/.deps-base

deps: $(VENV)/.deps-base

deps-test: $(VENV)/.deps-test

# migrate and demo_setup, then `honcho start` on the Procfile (see scripts/prepare.py)
run: deps
	@$(PY) scripts/prepare.py

# Resolves on the index pip uses (PIP_INDEX_URL or pip's global.index-url, else PyPI,
# as for pip), for every platform and Python >= 3.11, with hashes. Pins already in the
# locks are kept unless LOCK_FLAGS says otherwise, e.g. LOCK_FLAGS=--upgrade or
# LOCK_FLAGS="--upgrade-package django". The base lock is constrained by the test lock,
# so the two never pin a package differently. A lock whose content did not change is
# left alone, so that it does not make the next `make deps` install again.
UV := $(VENV)/bin/uv
UV_COMPILE = $(UV) pip compile pyproject.toml --universal --python-version 3.11 \
	--generate-hashes --quiet --custom-compile-command "make lock" $(LOCK_FLAGS)

$(UV): | $(PY)
	$(PIP_INSTALL) "uv>=0.8"

lock: | $(UV)
	@mkdir -p requirements
	@set -e; trap 'rm -f $(TEST_LOCK).new $(LOCK).new' EXIT; \
	index="$${PIP_INDEX_URL:-$$($(PY) -m pip config get global.index-url 2>/dev/null || true)}"; \
	for lock in $(TEST_LOCK) $(LOCK); do \
		if [ $$lock = $(TEST_LOCK) ]; then set -- --extra test; else set -- -c $(TEST_LOCK); fi; \
		if [ -f $$lock ]; then cp $$lock $$lock.new; fi; \
		$(UV_COMPILE) $${index:+--default-index "$$index"} "$$@" -o $$lock.new; \
		if cmp -s $$lock.new $$lock; then echo "lock: $$lock unchanged"; \
		else mv $$lock.new $$lock; echo "lock: wrote $$lock"; fi; \
	done

chromium:
	@scripts/ensure_chromium.sh >/dev/null

nginx:
	@scripts/ensure_nginx.sh

lint: deps-test
	$(VENV)/bin/ruff check .

# The browser tests find Chromium through CHROMIUM_EXECUTABLE (playwright's own
# download is not available here). Nothing is deselected: all markers run.
test: deps-test chromium nginx lint
	CHROMIUM_EXECUTABLE=$${CHROMIUM_EXECUTABLE:-/usr/bin/chromium} $(VENV)/bin/pytest -q

bench: deps-test
	@if [ -f bench/run_all.py ]; then $(PY) -m bench.run_all; \
	else echo "bench/run_all.py does not exist yet: no benchmarks to run"; exit 1; fi
