# The two commands a newcomer needs: `make run` (the bot) and `make test` (the tests).
# Both create .venv and install on first use; they need only Python 3.11+ and a C compiler.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## Run the bot: local mode without Slack credentials, HTTP or Socket Mode with them.
run: $(STAMP)
	$(BIN)/aisi-bot serve

## Run the tests (embedded PostgreSQL/Redis unless TEST_DATABASE_URL/TEST_REDIS_URL are set).
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

## The message catalogs: extract the text to translate (babel.cfg), merge it into each
## language's messages.po (translate what is new there), then compile the .mo files the
## package ships. tests/test_catalogs.py fails when this was not run after a change.
LOCALES := bot/i18n/locales
messages: $(STAMP)
	$(BIN)/pybabel --quiet extract -F babel.cfg --sort-by-file --add-location=file \
		--project=aisi-bot --omit-header -o $(LOCALES)/messages.pot .
	$(BIN)/pybabel --quiet update -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages \
		--ignore-pot-creation-date --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel --quiet compile -d $(LOCALES) -D messages --statistics

bench: $(STAMP)
	$(BIN)/python bench/ack_latency.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
