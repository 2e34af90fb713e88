# evalkit: every command runs from the virtual environment .venv in this checkout.
#
#   make reports   produce reports/<policy>.html for every params/*.yaml (in parallel, skipping
#                  those up to date), and reports/index.html
#   make test      run the test suite
#   make lab       open the report notebooks in JupyterLab (kernel: this checkout's .venv)
#   make bench     run the scale benchmarks (10k, 100k and 1M units x 10 periods)
#   make lint      check the code with ruff
#   make clean     remove generated reports and caches (keeps .venv)
#
# The environment is created on first use and reinstalled only when pyproject.toml changes.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REPORTS ?= reports
PYTEST_ARGS ?= -n 2

.DEFAULT_GOAL := help
.PHONY: help install reports test lab bench lint clean

help:
	@sed -n '3,10s/^# \{0,1\}//p' Makefile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[dev,distributed]"
	@touch $@

install: $(STAMP)

reports: $(STAMP)
	$(BIN)/evalkit run-all params/ -o $(REPORTS)

# The browser tests open reports in Debian's chromium (installed here when missing).
test: $(STAMP)
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The default `python3` kernel must be this venv's interpreter, so that `import evalkit`
# works in the notebooks: install the venv's own kernelspec, prefer it to any user-level
# one, and check which interpreter Jupyter resolves before starting.
lab: $(STAMP)
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (evalkit)"
	JUPYTER_PREFER_ENV_PATH=1 $(BIN)/python -m evalkit.reports.kernel python3
	JUPYTER_PREFER_ENV_PATH=1 $(BIN)/jupyter lab --notebook-dir=notebooks

bench: $(STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check evalkit tests

clean:
	rm -rf $(REPORTS) build dist .pytest_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
