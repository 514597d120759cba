# The two commands: `make demo` (set up and run the whole pipeline on the fixture portals)
# and `make test` (set up and run lint and the test suite). Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test install

install: $(BIN)/portalwatch

$(BIN)/portalwatch: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

demo: install
	$(BIN)/portalwatch demo

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest
