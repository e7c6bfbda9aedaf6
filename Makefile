# ogpbot: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench check shell clean teams-package

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## run: set up .venv and serve the bot (Slack, Teams and the public record) on 127.0.0.1:3978
run: $(STAMP)
	$(BIN)/ogpbot serve

## test: set up .venv, check style, and run every test
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

## bench: run every benchmark in bench/ and print its figures beside a same-run baseline
bench: $(STAMP)
	$(BIN)/python -m bench

## check: validate the seminar file
check: $(STAMP)
	$(BIN)/ogpbot check

## shell: talk to the bot in this terminal as the first coordinator
shell: $(STAMP)
	$(BIN)/ogpbot shell

## teams-package: zip the Teams app (manifest with MicrosoftAppId as the bot id, two icons)
teams-package: $(STAMP)
	$(BIN)/python -m adapters.teams.package --out build/ogpbot-teams.zip

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
