# Two commands on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080
ARGS ?=
# Test workers (pytest-xdist); JOBS=0 runs serially.
JOBS ?= 2

.PHONY: serve test lint typecheck bench fuzz conform lock clean screenshots

# Installs here and in the tests' own fresh venvs (wheel, CI templates) take the pinned versions (constraints.txt).
export PIP_CONSTRAINT := $(CURDIR)/constraints.txt

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Serving needs only the mock's own dependencies; the conformance engines come with the test extra.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

serve: $(VENV)/.installed
	$(BIN)/resetkit serve --host $(HOST) --port $(PORT) $(ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check mocks tests conftest.py bench docs
	$(BIN)/ruff format --check mocks
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -n $(JOBS) $(ARGS)

# SOAK_ARGS="--requests 50000" for a quick soak (default: 500k requests after a 50k warm-up).
SOAK_ARGS ?=
bench: $(VENV)/.installed-test
	$(BIN)/python bench/run.py $(ARGS)
	$(BIN)/python bench/soak.py $(SOAK_ARGS)

# The fuzz gate (issue 12): the property suites with FUZZ_PROFILE, the slow-client case, then schemathesis' phases
# (positive and negative data, stateful), hostile bodies and hostile header values against the strict mock, every
# vendor, then held connections at 256 descriptors and a failing SMTP relay (tests/fuzz/run.py, tests/fuzz/hostile.py).
# It fails on any 5xx, strict-mode violation, logged error or hang. FUZZ_BUDGET=S gives schemathesis S seconds per
# vendor (0: every phase to its end); FUZZ_SEED=N seeds it. .ci/run runs a bounded one (the fuzz-ci profile is
# derandomized, the seed fixed). Figures: bench/README.md.
FUZZ_PROFILE ?= deep
FUZZ_BUDGET ?= 0
FUZZ_SEED ?=
fuzz: $(VENV)/.installed-test
	RESETKIT_HYPOTHESIS_PROFILE=$(FUZZ_PROFILE) $(BIN)/python -m pytest -n $(JOBS) mocks/conform/suites/contract tests/robustness
	$(BIN)/python -m tests.fuzz.run --budget $(FUZZ_BUDGET) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED))

# The inbox's screenshots in the README (docs/img), taken in Debian's headless chromium; not part of `make test`.
screenshots: $(VENV)/.installed-test
	$(BIN)/python docs/screenshots.py

# New pins: the newest releases pyproject.toml allows, resolved in a scratch venv.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	env -u PIP_CONSTRAINT .venv-lock/bin/python -m pip install --quiet -e '.[test]'
	{ sed -n '/^#/p' constraints.txt; .venv-lock/bin/python -m pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt && rm -rf .venv-lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis reports
