# The two commands of README.md. Each sets up what it needs first (idempotent).
VENV := .venv
PYTHON ?= python3

.PHONY: setup local test

setup: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt actions/lint/requirements.txt actions/dvc/requirements.txt pyproject.toml \
		package.json package-lock.json
	@command -v shellcheck >/dev/null || { apt-get update -qq && apt-get install -y -qq shellcheck; }
	@test -x /usr/sbin/sshd || { apt-get update -qq && apt-get install -y -qq openssh-server; }
	@command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
	npm ci --silent --no-audit --no-fund
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# The main job: Kaizen's pipeline on example-project/, run locally through act.
local: setup
	$(VENV)/bin/kaizen local

# The whole test suite: unit tests, static gates, and every workflow end to end through act.
test: setup
	$(VENV)/bin/pytest
