"""The check names the documentation tells a team to require are GitHub's, from one function."""

import re
from pathlib import Path

from kaizen_maintainer import checks

ROOT = Path(__file__).resolve().parents[3]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
REQUIRE = re.compile(r"[Rr]equire\s+the\s+check\s+\*\*([^*]+)\*\*")


def test_required_checks_are_named_as_github_shows_them():
    found = checks.required_checks(ROOT)
    assert found["ml-pipeline.yml"] == "pipeline / Pipeline result"
    assert found["ci.yml"] == "ci / CI result"


def test_the_documentation_names_only_those_checks():
    names = set(checks.required_checks(ROOT).values())
    mentioned = {m for path in DOCS for m in REQUIRE.findall(re.sub(r"\s+", " ", path.read_text()))}
    assert mentioned and mentioned <= names, f"checks GitHub never shows: {sorted(mentioned - names)}"
    assert "pipeline / Pipeline result" in mentioned
