# Linli: `make run` and `make test` are the two commands of the README's Quick start.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	touch $(STAMP)

install: $(STAMP)

# The Telegram bot when a token is configured (environment or .env), else the terminal chat.
run: install
	$(BIN)/linli run

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check bot retrieval corpus tests benchmarks

bench: install
	$(BIN)/python -m benchmarks.cmrc

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
