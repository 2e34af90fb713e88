# evalkit: every command runs from the virtual environment .venv in this checkout.
#
#   make reports    produce reports/<policy>.html, the note <policy>.docx and .pdf for every
#                   params/*.yaml (in parallel, skipping those up to date), and reports/index.html
#   make test       run the whole test suite, fault injection included
#   make test-fast  the tests without notebooks, browser, fault injection and slow checks
#   make test-blas  the numerical tests again under other OpenBLAS kernels, one thread
#   make test-all   make test, then make test-blas (what CI runs)
#   make lab        open the report notebooks in JupyterLab (kernel: this checkout's .venv)
#   make bench      run the scale benchmarks (10k, 100k and 1M units x 10 periods)
#   make lint       check the code with ruff
#   make clean      remove generated reports and caches (keeps .venv)
#
# The environment is created on first use and reinstalled only when pyproject.toml changes;
# the browser the report tests open (Debian's chromium) is installed with it when missing.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REPORTS ?= reports
PYTEST_ARGS ?= -n 2
# OpenBLAS kernels the numerical tests must also pass under (make test-blas); the wheels'
# OpenBLAS picks one for the CPU by default (SkylakeX on AVX-512 machines, Haswell on AVX2).
BLAS_KERNELS ?= Haswell Prescott
NUMERICAL_TESTS := tests/did tests/synthetic tests/inference tests/robustness tests/indicators \
                   tests/results \
                   tests/data evalkit

.DEFAULT_GOAL := help
.PHONY: help install browser reports test test-fast test-blas test-all lab bench lint clean

help:
	@sed -n '3,16s/^# \{0,1\}//p' Makefile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[dev,distributed,duckdb]"
	@touch $@

# The browser tests open reports in Debian's chromium: installed here, with the rest of the
# environment, when missing (they are skipped, with the reason, where it cannot be).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium \
		>/dev/null) || echo "chromium could not be installed: the browser tests will be skipped"

install: $(STAMP) browser

# The PDFs are printed by the same chromium: reports installs it too.
reports: install
	$(BIN)/evalkit run-all params/ -o $(REPORTS)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest $(PYTEST_ARGS) -m "not notebook and not browser and not slow and not faults"

# Each kernel computes the same numbers with other instructions and summation orders: a
# test that passes under one kernel only compares digits the method does not guarantee.
test-blas: install
	@for kernel in $(BLAS_KERNELS); do \
		echo "== OPENBLAS_CORETYPE=$$kernel OPENBLAS_NUM_THREADS=1"; \
		OPENBLAS_CORETYPE=$$kernel OPENBLAS_NUM_THREADS=1 \
			$(BIN)/python -m pytest $(PYTEST_ARGS) -q $(NUMERICAL_TESTS) || exit 1; \
	done

test-all: test test-blas

# Jupyter refuses to run as root unless told to: containers run as root.
LAB_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

# The default `python3` kernel must be this venv's interpreter, so that `import evalkit`
# works in the notebooks: install the venv's own kernelspec, prefer it to any user-level
# one, and check which interpreter Jupyter resolves before starting.
lab: $(STAMP)
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (evalkit)"
	JUPYTER_PREFER_ENV_PATH=1 $(BIN)/python -m evalkit.reports.run.kernel python3
	JUPYTER_PREFER_ENV_PATH=1 $(BIN)/jupyter lab --notebook-dir=notebooks $(LAB_ROOT)

bench: $(STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check evalkit tests

clean:
	rm -rf $(REPORTS) build dist .pytest_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
