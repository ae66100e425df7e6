"""The two test tiers (`make unit`, `make e2e`) are chosen by folder: tests/conftest.py marks
every test under tests/e2e/ as e2e, and nothing else."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def collected(marker: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-m", marker,
         "tests/e2e/test_ci_workflow.py", "tests/unit/test_image_tags.py"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_every_test_under_tests_e2e_is_in_the_e2e_tier_and_only_those():
    e2e, unit = collected("e2e"), collected("not e2e")
    assert e2e and all(test.startswith("tests/e2e/") for test in e2e)
    assert unit and all(test.startswith("tests/unit/") for test in unit)
