# One command per job. Each target makes its own virtual environment.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: test demo venv bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

venv: $(BIN)/python
	$(BIN)/pip install -q -e '.[test,demo]'

test: venv                      ## set up and run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

demo: venv                      ## set up and launch the app on an embedded S3 server
	$(BIN)/stowtui --demo

bench: venv                     ## rerun the benchmarks (see benchmarks/README.md)
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/listing.py
	$(BIN)/python benchmarks/transfers.py
	$(BIN)/python benchmarks/ui.py
	$(BIN)/python benchmarks/progress.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
