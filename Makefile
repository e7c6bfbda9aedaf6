# ogpbot: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

LOCK := requirements.lock
# pytest-xdist's processes: twice the cores, as most tests spend their time waiting on the
# servers, fakes and commands they start (`make test TEST_WORKERS=1` runs them one at a time)
TEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print(2 * (os.cpu_count() or 1))')
# uv resolves the lock (for every Python from 3.11 up, every platform); plain pip installs it.
UV := uv==0.13.9

.PHONY: run test lint bench check shell clean browser postgres teams-package emulator lock lock-upgrade

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "ogpbot needs Python 3.11 or newer: make PYTHON=python3.11 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }

# Every package at the exact version and hash in requirements.lock, then ogpbot itself (built
# with the locked setuptools, nothing fetched unpinned).
$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

## run: set up .venv and serve the bot (Slack, Teams and the public record) on 127.0.0.1:3978
run: $(STAMP)
	$(BIN)/ogpbot serve

## test: set up .venv, check style, the architecture's rules and types, and run every test (in
## parallel with pytest-xdist, TEST_WORKERS processes; the tests of one file run in one process,
## in order), then name the 25 slowest
test: $(STAMP) browser postgres
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=25

# The public record's browser test needs Debian's chromium: install it once where apt-get and
# root are available, and Deque's axe-core (npm) for its WCAG 2 A/AA check; elsewhere say so
# (those tests then report themselves skipped).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium for the browser test"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium >/dev/null) || echo "chromium could not be installed"; \
	  else echo "chromium missing (needs apt-get as root); the browser test is skipped"; fi; }
	@{ [ -f node_modules/axe-core/axe.min.js ] && \
	   [ -f node_modules/adaptivecards/dist/adaptivecards.js ]; } || \
	  ! command -v npm >/dev/null 2>&1 || \
	  npm install --no-save --no-package-lock --silent axe-core@4 adaptivecards@3 >/dev/null 2>&1 || \
	  echo "axe-core or adaptivecards could not be installed; their checks are skipped"

# The PostgreSQL store's tests start a throwaway server of their own (tests/pg_cluster.py) from
# Debian's postgresql package: install it once where apt-get and root are available; elsewhere
# say so (those tests then report themselves skipped, and why).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing postgresql for the PostgreSQL store's tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      postgresql >/dev/null) || echo "postgresql could not be installed"; \
	  else echo "postgresql missing (needs apt-get as root); the PostgreSQL tests are skipped"; fi; }

## lint: style, the import contracts (pyproject.toml) and the types of bot/, without the tests
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

## bench: run every benchmark in bench/ and print its figures beside a same-run baseline
bench: $(STAMP) postgres
	$(BIN)/python -m bench

## check: validate the seminar file
check: $(STAMP)
	$(BIN)/ogpbot check

## shell: talk to the bot in this terminal as the first coordinator
shell: $(STAMP)
	$(BIN)/ogpbot shell

## emulator: serve on 127.0.0.1:3978 with the Teams endpoint open to the Bot Framework Emulator
## (no authentication, so loopback only; refused while MicrosoftAppId/Password are set)
emulator: $(STAMP)
	OGPBOT_TEAMS_EMULATOR=1 $(BIN)/ogpbot serve --host 127.0.0.1 --port 3978

## teams-package: zip the Teams app (manifest with MicrosoftAppId as the bot id, two icons)
teams-package: $(STAMP)
	$(BIN)/python -m adapters.teams.package --out build/ogpbot-teams.zip

## lock: pin what pyproject.toml asks for (dependencies, the test extra, the build system, pip)
## to exact versions with hashes in requirements.lock; versions already pinned stay unless
## pyproject.toml no longer allows them. lock-upgrade: take the newest allowed versions.
lock lock-upgrade: | $(BIN)/python
	$(BIN)/python -m pip install --quiet '$(UV)'
	$(BIN)/python -c 'import tomllib; d = tomllib.load(open("pyproject.toml", "rb")); \
	  print("pip", *d["build-system"]["requires"], sep="\n")' > $(VENV)/build.in
	$(BIN)/uv pip compile --quiet pyproject.toml $(VENV)/build.in --extra test \
	  --universal --python-version 3.11 --generate-hashes --custom-compile-command 'make lock' \
	  $(if $(filter lock-upgrade,$@),--upgrade) -o $(LOCK)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache .import_linter_cache
