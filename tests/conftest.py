import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))  # fixture_projects: projects shaped unlike example-project/

E2E = Path(__file__).resolve().parent / "e2e"
# What end-to-end tests share across pytest-xdist workers, by the fixture that starts it. The
# shipyard's runner engine keeps its images in one store for the whole machine
# (containers.DEFAULT_STORAGE), and an engine's clean-up removes every container of that store:
# two engines on it at once would stop each other's containers. `make e2e` runs with
# `--dist loadgroup`, so every test of a group runs on one worker, one after another, while the
# tests that share nothing run beside them. Tests that start a shipyard without the fixture
# (`kaizen local` on a push) carry `pytest.mark.xdist_group("podman")` themselves.
SHARED = {"shipyard": "podman"}


def pytest_collection_modifyitems(items):
    """Every test under tests/e2e/ is end to end (`make e2e`), and only those: the tiers are
    chosen by folder, so a new test cannot land in the wrong one. Tests needing a shared
    resource join its xdist group."""
    for item in items:
        if E2E not in item.path.parents:
            continue
        item.add_marker(pytest.mark.e2e)
        groups = {group for fixture, group in SHARED.items() if fixture in item.fixturenames}
        groups |= {mark.args[0] if mark.args else mark.kwargs["name"] for mark in item.iter_markers("xdist_group")}
        if len(groups) > 1:
            raise pytest.UsageError(f"{item.nodeid} needs {sorted(groups)}: one xdist group can hold them all")
        if groups and not any(item.iter_markers("xdist_group")):
            item.add_marker(pytest.mark.xdist_group(groups.pop()))
