import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))  # fixture_projects: projects shaped unlike example-project/

E2E = Path(__file__).resolve().parent / "e2e"


def pytest_collection_modifyitems(items):
    """Every test under tests/e2e/ is end to end (`make e2e`), and only those: the tiers are
    chosen by folder, so a new test cannot land in the wrong one."""
    for item in items:
        if E2E in item.path.parents:
            item.add_marker(pytest.mark.e2e)
