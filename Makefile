# The two commands: `make demo` (set up and run the whole pipeline on the fixture portals)
# and `make test` (set up, run ruff, mypy and the layer contracts, start a real search engine node and a
# PostgreSQL server on loopback, run the tests).
# Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ENGINE_PORT ?= 9282
PG_PORT ?= 5439

.PHONY: demo test install engine-start engine-stop

install: $(BIN)/portalwatch

$(BIN)/portalwatch: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

demo: install
	$(BIN)/portalwatch demo

# The engine is stopped again whatever the tests' outcome; the exit status is pytest's.
test: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	PYTHON=$(BIN)/python ENGINE_PORT=$(ENGINE_PORT) engine/engine.sh start
	PG_PORT=$(PG_PORT) engine/postgres.sh start
	PORTALWATCH_TEST_ES_URL=http://127.0.0.1:$(ENGINE_PORT) \
	  PORTALWATCH_TEST_STATE_URL=postgresql://portalwatch@127.0.0.1:$(PG_PORT)/portalwatch $(BIN)/pytest; \
	  status=$$?; ENGINE_PORT=$(ENGINE_PORT) engine/engine.sh stop; PG_PORT=$(PG_PORT) engine/postgres.sh stop; \
	  exit $$status

engine-start: install
	PYTHON=$(BIN)/python ENGINE_PORT=$(ENGINE_PORT) engine/engine.sh start

engine-stop:
	ENGINE_PORT=$(ENGINE_PORT) engine/engine.sh stop
