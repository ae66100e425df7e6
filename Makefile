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

# The whole test suite: both tiers below, the second run even when the first fails.
test: setup
	@$(MAKE) --no-print-directory unit; unit=$$?; $(MAKE) --no-print-directory e2e; e2e=$$?; \
	  test $$unit -eq 0 && test $$e2e -eq 0

# The fast tier: unit tests and static gates; no container, no act. Everything under tests/e2e/
# is marked e2e by tests/conftest.py, so the two tiers together are always the whole suite.
# Two workers: much of the tier waits on subprocesses (DVC, sshd, locust), not on a core.
UNIT_WORKERS ?= 2
unit: setup
	$(VENV)/bin/pytest -m "not e2e" --numprocesses $(UNIT_WORKERS)

# The end-to-end tier: every workflow through act, containers, the staging hosts. Tests that
# share nothing run side by side (pytest-xdist); those sharing an engine or a store are one
# group, run one after another on one worker (tests/conftest.py).
E2E_WORKERS ?= 2
e2e: setup
	$(VENV)/bin/pytest -m e2e --numprocesses $(E2E_WORKERS) --dist loadgroup --durations 0
