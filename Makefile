# Linli: `make run` and `make test` are the two commands of the README's Quick start.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Extras for `make run`: ocr (photos and scans) by default; add postgres when DATABASE_URL
# is a PostgreSQL URL (EXTRAS=ocr,postgres installs the psycopg driver too); EXTRAS= for a
# slim install without OCR.
EXTRAS ?= ocr
comma := ,
RUN_STAMP := $(VENV)/.installed-run-$(or $(subst $(comma),-,$(EXTRAS)),base)

.PHONY: run test install install-run lint bench bench-cmrc bench-scale bench-load bench-answer soak clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Everything the tests, lint and benchmarks need, PostgreSQL driver and OCR included (.ci/run
# runs the storage tests on PostgreSQL too).
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[dev,bench,postgres,ocr]'
	touch $(STAMP)

install: $(STAMP)

# Only what running Linli needs (plus EXTRAS).
$(RUN_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.$(if $(EXTRAS),[$(EXTRAS)])'
	touch $(RUN_STAMP)

install-run: $(RUN_STAMP)

# The Telegram bot when a token is configured (environment or .env), else the terminal chat.
run: install-run
	$(BIN)/linli run

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check bot retrieval corpus tests benchmarks

# Search against rank_bm25, bm25s (numpy and numba) and tantivy on the same tokens, one run
# (SIZES=...,1000000 for a million), then the answer path, the bot under a burst and cold
# starts: each one's output written into its block of the README's performance section.
# Tokens are cached under ~/.cache/linli/bench.
SIZES ?= 10000,100000
bench: install
	$(BIN)/python -m benchmarks.scale --sizes $(SIZES) --readme README.md
	$(BIN)/python -m benchmarks.answer --readme README.md
	$(BIN)/python -m benchmarks.answer --passages 100000 --readme README.md
	$(BIN)/python -m benchmarks.load --cold-start --readme README.md
	$(BIN)/python -m benchmarks.load --passages 100000 --limiter off --readme README.md

# CMRC 2018 passage retrieval (data from ../shared/data/cmrc2018).
bench-cmrc: install
	$(BIN)/python -m benchmarks.cmrc

# The same without touching the README.
bench-scale: install
	$(BIN)/python -m benchmarks.scale --sizes $(SIZES)

# The whole answer path (answer()) by stage, gold questions over the bundled corpus and
# over PASSAGES generated passages (the store is prepared once, under ~/.cache/linli/bench).
PASSAGES ?= 100000
bench-answer: install
	$(BIN)/python -m benchmarks.answer
	$(BIN)/python -m benchmarks.answer --passages $(PASSAGES)

# 200 questions from 50 users at once through the real bot, and a cold start with a 100k index.
bench-load: install
	$(BIN)/python -m benchmarks.load --cold-start

# The real bot for MINUTES of mixed traffic (residents, staff uploads with one ~44k-passage
# issue, admin readings) against the fake Bot API injecting 429s, 5xx and slow responses.
MINUTES ?= 30
soak: install
	$(BIN)/python -m benchmarks.soak --minutes $(MINUTES)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
