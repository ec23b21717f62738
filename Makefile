# 践诺 — the two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := app:create_app

.PHONY: run test install lint format db-upgrade db-downgrade demo clean bench

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11（找不到 $(PYTHON)）"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --if-empty
	$(BIN)/flask demo extras --if-empty
	$(BIN)/flask urls
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: $(STAMP)
	bash tests/run.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

db-upgrade: $(STAMP)
	$(BIN)/flask db upgrade

db-downgrade: $(STAMP)
	$(BIN)/flask db downgrade

demo: $(STAMP)
	$(BIN)/flask demo load

clean:
	rm -rf $(VENV) instance/jiannuo.db* .pytest_cache

bench: $(STAMP)
	@test -f bench/data/district.db || $(BIN)/python -m bench.gen --url sqlite:///bench/data/district.db
	$(BIN)/python -m bench.summary --url sqlite:///bench/data/district.db
	@echo "更多基准：python -m bench.callback | bench.api_reads | bench.push | bench.sqlite_writers（见 bench/RESULTS.md）"
