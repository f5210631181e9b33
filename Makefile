# The milia assistant. Two commands on a fresh machine:
#   make run    set up, train if needed, serve the bot + widget on http://localhost:5005
#   make test   set up, train if needed, run every test
# Others: make shell (talk in the terminal; make rasa-shell for Rasa's own `rasa shell`),
#         make bench (speed and memory figures), make compare-nlu (our classifier against DIET on the held-out set),
#         make train, make lint, make clean.

SHELL := /bin/bash
# .python-version selects Python 3.10 through pyenv; fall back to python3.10 on PATH.
PYTHON ?= $(shell pyenv which python 2>/dev/null || command -v python3.10)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
SPACY_MODEL := build/spacy-en/meta.json
MODEL_STAMP := models/.trained
TRAIN_INPUTS := $(shell find data domain -type f -name '*.yml') config.yml bot/policies.py \
                bot/nlu/red_flag_detector.py bot/nlu/language_guard.py bot/nlu/classifiers.py \
                bot/nlu/input_guard.py
BOT_PORT ?= 5005
# The chat channels listen on loopback unless told otherwise (put a TLS proxy in front,
# or `make run BOT_HOST=0.0.0.0`). Rasa's HTTP API is off; `make run MILIA_API=1` turns
# it on, on loopback only, with the token bot.serve keeps in .milia/api-token (0600).
BOT_HOST ?= 127.0.0.1
ACTIONS_PORT ?= 5055
export TF_CPP_MIN_LOG_LEVEL ?= 3
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
# No usage data or error reports leave the machine (Rasa sends them unless told not to).
export RASA_TELEMETRY_ENABLED ?= false

.PHONY: setup train run purge shell rasa-shell test lint bench compare-nlu browser-deps terminal-deps clean

setup: $(INSTALLED) $(SPACY_MODEL)

$(INSTALLED): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 10), "Rasa 3.6 needs Python 3.10 (see .python-version)"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip==25.3"
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

$(SPACY_MODEL): bot/spacy_pipeline.py $(INSTALLED)
	$(BIN)/python -m bot.spacy_pipeline build/spacy-en

train: $(MODEL_STAMP)

$(MODEL_STAMP): $(TRAIN_INPUTS) $(SPACY_MODEL)
	$(BIN)/rasa train --fixed-model-name milia --out models
	touch $@

# The browser tests need Debian's Chromium and axe-core from npm (no browser download).
# The terminal tests drive the chat in tmux, Debian's terminal multiplexer.
terminal-deps:
	@command -v tmux >/dev/null || (apt-get update -qq && apt-get install -y -qq tmux >/dev/null)

browser-deps: node_modules/axe-core/axe.min.js
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: setup
	$(BIN)/ruff check bot actions tests bench

test: setup train browser-deps terminal-deps lint
	$(BIN)/python -m pytest

run: setup train
	@echo "Demo clinic page with the widget: http://localhost:$(BOT_PORT)/webhooks/widget/demo"
	@echo "REST: POST http://localhost:$(BOT_PORT)/webhooks/rest/webhook   (Ctrl-C stops both servers)"
	SANIC_HOST=127.0.0.1 $(BIN)/rasa run actions --port $(ACTIONS_PORT) & actions=$$!; \
	trap 'pkill -P $$actions 2>/dev/null; kill $$actions 2>/dev/null' EXIT INT TERM HUP; \
	$(BIN)/python -m bot.serve --host $(BOT_HOST) --port $(BOT_PORT) $(if $(MILIA_API),--api,)

# Delete conversations older than retention_days (clinic.yml); also done at every start.
purge: setup
	$(BIN)/python -m bot.privacy.retention endpoints.yml

# The conversation in the terminal over the widget channel (bot/terminal/): set-up and
# training when needed, then the action server and the bot, all with their output in
# build/shell/ (nothing but the conversation on screen); leaving stops both servers.
# With a bot already running: .venv/bin/python -m bot.terminal --url http://127.0.0.1:5005
shell:
	@mkdir -p build/shell
	@$(MAKE) -s -q $(MODEL_STAMP) 2>/dev/null || { \
	  echo "Setting up and training first (a few minutes; log in build/shell/setup.log)..."; \
	  $(MAKE) -s $(MODEL_STAMP) >build/shell/setup.log 2>&1 || { tail -n 25 build/shell/setup.log; exit 1; }; }
	@$(BIN)/python -m bot.terminal --start --port $(BOT_PORT) --actions-port $(ACTIONS_PORT)

# Rasa's own `rasa shell`, for people who know Rasa (Rasa's logs and its button menus).
rasa-shell: setup train
	@mkdir -p build/shell
	@$(BIN)/python -c 'import sys; from pathlib import Path; from bot.terminal.servers import endpoints_for; \
	  sys.stdout.write(endpoints_for($(ACTIONS_PORT), Path("endpoints.yml")))' >build/shell/rasa-shell-endpoints.yml
	SANIC_HOST=127.0.0.1 $(BIN)/rasa run actions --port $(ACTIONS_PORT) >build/shell/rasa-shell-actions.log 2>&1 & actions=$$!; \
	trap 'pkill -P $$actions 2>/dev/null; kill $$actions 2>/dev/null' EXIT INT TERM HUP; \
	$(BIN)/rasa shell -i 127.0.0.1 --port $(BOT_PORT) --endpoints build/shell/rasa-shell-endpoints.yml

bench: setup train
	$(BIN)/python -m bench.bench
	$(BIN)/python -m bench.adversarial

# Held-out accuracy of our classifier against DIET (the figures behind the choice).
compare-nlu: setup
	$(BIN)/python -m bench.compare_nlu

clean:
	rm -rf models build results test-output .pytest_cache milia_tracker.db
