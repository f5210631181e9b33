# The milia assistant. Two commands on a fresh machine:
#   make run    set up, train if needed, serve the bot + widget on http://localhost:5005
#   make test   set up, train if needed, run every test
# Others: make shell (talk in the terminal; make rasa-shell for Rasa's own `rasa shell`),
#         make bench (speed and memory figures), make profile (where a loaded server spends its time),
#         make compare-nlu (final NLU pipeline, the same on raw counts, the previous one and DIET on the held-out and the three outside sets),
#         make content (rebuild answers and rules from bot/resources/content/),
#         make content-report (review page for the clinical lead), make report (outcomes),
#         make train, make lint, make clean.
#         make cluster / cluster-stop: PostgreSQL + Redis + N Rasa servers + nginx on loopback
#         (README "Scaling"); make cluster-test: load test with a server kill + integrity check.

SHELL := /bin/bash
# .python-version selects Python 3.10 through pyenv; fall back to python3.10 on PATH.
PYTHON ?= $(shell pyenv which python 2>/dev/null || command -v python3.10)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
SPACY_MODEL := build/spacy-en/meta.json
MODEL_STAMP := models/.trained
# Anything the model is built from: training data, domain, config, the Python and data
# files of the bot's own components, and the blind triage sets the context reader is fitted
# from (a change to any of them retrains; Rasa's cache keeps the unchanged parts).
TRAIN_INPUTS := $(shell find data domain bot -type f \( -name '*.yml' -o -name '*.py' \) -not -path 'bot/widget/*') \
                $(wildcard tests/data/vignettes_blind*.yml) config.yml
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

.PHONY: setup train run purge shell rasa-shell test test-blind lint bench profile compare-nlu browser-deps terminal-deps clean \
        content content-report report cluster cluster-stop cluster-test cluster-deps

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

# Two pytest workers (pytest-xdist; CI has two cores), a test file each at a time; each worker
# starts its own bot on its own ports (tests/conftest.py). TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= 2
XDIST := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS))
test: setup train browser-deps terminal-deps lint
	$(BIN)/python -m pytest $(XDIST) $(if $(XDIST),--dist loadfile)

# The blind sets that miss a target (strict expected failures: figures, not regression
# guards), kept out of `make test` for its 15 minutes; run for the issue notes. Two workers
# here too, each taking the next set (one file holds most of them).
test-blind: setup train
	$(BIN)/python -m pytest $(XDIST) -m blind_history tests/test_vignettes.py tests/test_nlu_outside.py

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

bench: setup train cluster-deps
	$(BIN)/python -m bench.bench
	$(BIN)/python -m bench.adversarial

# Where a loaded server spends its time (py-spy on the Rasa process at 30 users, 20 s):
# each named function's share of the samples, as README "Scaling" quotes them.
profile: setup train
	$(BIN)/python -m bench.profile

# Several servers the way Rasa scales (deploy/cluster.py): PostgreSQL tracker store, Redis
# locks, CLUSTER_SERVERS Rasa servers, one action server, nginx round-robin in front, on
# 127.0.0.1 ports from CLUSTER_PORT (nginx there). Debian packages installed when missing.
CLUSTER_SERVERS ?= 2
CLUSTER_PORT ?= 22100
CLUSTER_TEST_PORT ?= 22150

cluster-deps:
	@command -v redis-server >/dev/null && command -v nginx >/dev/null && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 \
	  || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server nginx-light >/dev/null)

cluster: setup train cluster-deps
	$(BIN)/python -m deploy.cluster start --servers $(CLUSTER_SERVERS) --port $(CLUSTER_PORT)

cluster-stop:
	$(BIN)/python -m deploy.cluster stop

# Its own cluster (ports from CLUSTER_TEST_PORT, state in .cluster/test), started and stopped by the test.
cluster-test: setup train cluster-deps
	CLUSTER_TEST_PORT=$(CLUSTER_TEST_PORT) $(BIN)/python -m pytest tests/cluster/check_cluster.py -v -rA

# The final NLU pipeline against the previous one and DIET, on the held-out and outside sets.
compare-nlu: setup
	$(BIN)/python -m bench.compare_nlu

# Answers live in bot/resources/content/<topic>.yml (texts + sources + review); the
# domain files and knowledge rules are generated from them (bot/content/render.py).
content: $(INSTALLED)
	$(BIN)/python -m bot.content build

# The page for the clinical lead: every answer with status, sources, dates and full text.
content-report: $(INSTALLED)
	$(BIN)/python -m bot.content check || true
	$(BIN)/python -m bot.content report --out test-output/content-report.html

# The clinic's outcomes report (no personal data) from the analytics store; SINCE=7d.
SINCE ?= 7d
report: $(INSTALLED)
	$(BIN)/python -m bot.report --since $(SINCE) --out reports

clean:
	-test -f .cluster/pids.json && $(BIN)/python -m deploy.cluster stop
	rm -rf models build results test-output .pytest_cache milia_tracker.db .cluster
