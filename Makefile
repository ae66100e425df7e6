# The two commands of README.md (`make local`, `make test`), and the test suite's two tiers.
# Each sets up what it needs first (idempotent).
VENV := .venv
PYTHON ?= python3

.PHONY: setup local test unit e2e

setup: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt scripts/kaizen/locks/*.txt pyproject.toml \
		package.json package-lock.json
	@command -v shellcheck >/dev/null || { apt-get update -qq && apt-get install -y -qq shellcheck; }
	@test -x /usr/sbin/sshd || { apt-get update -qq && apt-get install -y -qq openssh-server; }
	@command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
	@# The report rendered as GitHub shows it (Mermaid in headless Chromium), emoji included.
	@test -x /usr/bin/chromium && test -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null; }
	@# Containers without a Docker engine: rootful podman (Docker API for the docker CLI), a
	@# registry, compose for the staging host, debootstrap for the base image, htpasswd for logins.
	@for tool in podman docker-registry docker-compose debootstrap htpasswd; do command -v $$tool >/dev/null || missing=1; done; \
	  test -z "$$missing" || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    podman runc slirp4netns uidmap netavark aardvark-dns containernetworking-plugins \
	    docker-registry docker-compose debootstrap apache2-utils >/dev/null; }
	@command -v docker >/dev/null || { apt-get install -y -qq docker.io >/dev/null; }  # the CLI; its daemon never starts here
	npm ci --silent --no-audit --no-fund
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	@# Every tool from the hashed lock, hashes required; then Kaizen itself, which has no dependencies.
	$(VENV)/bin/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	$(VENV)/bin/python -m pip install --quiet --no-deps -e .
	touch $@

# The main job: Kaizen's pipeline on example-project/, run locally through act.
local: setup
	$(VENV)/bin/kaizen local

# The whole test suite: unit tests, static gates, and every workflow end to end through act.
test: setup
	$(VENV)/bin/pytest

# The fast tier: unit tests and static gates; no container, no act. Everything under tests/e2e/
# is marked e2e by tests/conftest.py, so the two tiers together are always `make test`.
unit: setup
	$(VENV)/bin/pytest -m "not e2e"

# The end-to-end tier: every workflow through act, containers, the staging hosts.
e2e: setup
	$(VENV)/bin/pytest -m e2e
