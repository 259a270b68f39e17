# One command per job. Each target makes its own virtual environment, and
# installs into it only when pyproject.toml changed since the last install
# (a stamp file per extra), so a second `make demo` starts at once.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: test quick demo venv bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# $(VENV)/.installed-<extras>: the project installed with those extras.
$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[$*]'
	touch $@

# The project's own bytecode, made again whenever a module changed: an editable install
# is not compiled by pip, and with PYTHONDONTWRITEBYTECODE set (as on our machines)
# Python would compile every changed module again at every start (~0.2 s of each start
# of the app, a test's subprocess or a benchmark's copy).
SOURCES := $(shell find stowtui -name '*.py')
$(VENV)/.compiled: $(SOURCES) | $(BIN)/python
	$(BIN)/python -m compileall -q stowtui
	touch $@

venv: $(VENV)/.installed-test,demo

test: $(VENV)/.installed-test $(VENV)/.compiled   ## set up and run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

quick: $(VENV)/.installed-test $(VENV)/.compiled   ## the inner loop: unit and functional tests, on two processes
	$(BIN)/python -m pytest -n 2 -m "not e2e" $(PYTEST_ARGS)

demo: $(VENV)/.installed-demo $(VENV)/.compiled   ## set up and launch the app on an embedded S3 server
	$(BIN)/stowtui --demo

bench: $(VENV)/.installed-test,bench $(VENV)/.compiled  ## rerun the benchmarks (see benchmarks/README.md)
	$(BIN)/python benchmarks/listing.py
	$(BIN)/python benchmarks/transfers.py
	$(BIN)/python benchmarks/ui.py
	$(BIN)/python benchmarks/progress.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
