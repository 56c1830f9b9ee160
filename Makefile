# The two commands: `make run` and `make test`. Both start from nothing but the machine's python3.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     ?= duckdb:///./clientbase.duckdb

.PHONY: run test install lint typecheck unit demo clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

install: $(STAMP)

# Build the demo company once, then show what is in it and run the net-profit analysis.
run: install
	@if [ ! -f clientbase.duckdb ]; then $(BIN)/clientbase demo --db $(DB); fi
	$(BIN)/clientbase summary --db $(DB)
	$(BIN)/clientbase analyze --db $(DB)
	@echo "Serving the demo at http://127.0.0.1:8000 (Ctrl+C stops it)."
	$(BIN)/clientbase serve --db $(DB) --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

# The browser tests drive Debian's chromium (DEVELOPERS.md); install it when it is missing (CI runs as root).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }

unit: install chromium
	$(BIN)/pytest -n 2 --dist loadgroup

test: lint typecheck unit

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The full fuzz and fault suite (tests/robustness): many more malformed values and files, kill -9 moments and
# racing rounds than the sample `make test` runs. Takes several minutes.
.PHONY: test-long
test-long: install
	CLIENTBASE_TEST_LONG=1 $(BIN)/pytest -n 2 --dist loadgroup tests/robustness
