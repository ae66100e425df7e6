import json
import sys
from pathlib import Path

import pytest

from kaizen import tool_env
from kaizen.actions import lint
from kaizen.gha import InputError

BIN = Path(sys.executable).parent  # the test environment has the pinned ruff and black


@pytest.fixture()
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "clean.py").write_text("def ok() -> int:\n    return 1\n")
    return root


def test_clean_project_has_no_findings(project):
    findings, unformatted = lint.lint(project, BIN, "ruff")
    assert findings == [] and unformatted == []


def test_ruff_findings_carry_repository_relative_file_and_line(project):
    (project / "pkg" / "bad.py").write_text("import os\n\n\ndef f():\n    return undefined_name\n")
    findings, _ = lint.lint(project, BIN, "ruff")
    by_code = {f.code: f for f in findings}
    assert by_code["F401"].file == "proj/pkg/bad.py" and by_code["F401"].line == 1
    assert by_code["F821"].line == 5


@pytest.mark.parametrize("formatter", ["ruff", "black"])
def test_unformatted_file_points_at_first_changed_line(project, formatter):
    (project / "pkg" / "ugly.py").write_text("def ok() -> int:\n    return 1\n\n\n\nx = {  'a':1 }\n")
    _, unformatted = lint.lint(project, BIN, formatter)
    assert [(f.file, f.code) for f in unformatted] == [("proj/pkg/ugly.py", f"{formatter} format")]
    assert 3 <= unformatted[0].line <= 6


def test_parse_ruff_json_handles_syntax_errors(project):
    payload = json.dumps(
        [
            {
                "code": None,
                "message": "SyntaxError: bad",
                "filename": str(project / "pkg" / "x.py"),
                "location": {"row": 2, "column": 1},
                "end_location": {"row": 2, "column": 3},
            }
        ]
    )
    [finding] = lint.parse_ruff_json(payload, project)
    assert (finding.code, finding.file, finding.line) == ("syntax", "proj/pkg/x.py", 2)


def test_summary_lists_findings_and_files():
    findings = [lint.Finding("a.py", 3, 1, "F401", "`os` imported but unused")]
    unformatted = [lint.Finding("b.py", 7, None, "ruff format", "not formatted")]
    text = lint.summary(findings, unformatted, "ruff")
    assert "| `a.py:3` | F401 |" in text
    assert "- `b.py` (first change at line 7)" in text
    assert lint.summary([], [], "black").startswith("### ✅ Lint passed")


def test_the_linters_come_from_the_hashed_lock_unless_a_version_input_overrides_it():
    assert lint.tools_wanted("ruff", "", "") == ("lint-ruff", [])
    assert lint.tools_wanted("black", "", "") == ("lint-black", [])
    black = tool_env.pins("lint-black")["black"]
    assert lint.tools_wanted("black", "0.9.0", "") == ("lint-black", [f"black=={black}", "ruff==0.9.0"])
    assert lint.tools_wanted("ruff", "", "24.1.0") == ("lint-ruff", [])  # black-version means nothing to ruff


def test_unknown_formatter_is_an_input_error(project, monkeypatch):
    monkeypatch.setenv("KAIZEN_WORKING_DIRECTORY", "proj")
    monkeypatch.setenv("KAIZEN_FORMATTER", "yapf")
    with pytest.raises(InputError, match="^formatter: 'yapf'"):
        lint.run()


def test_findings_beyond_the_table_are_in_the_log_not_the_annotations():
    """GitHub shows 10 error annotations a step: "more in the annotations" sent readers nowhere."""
    findings = [lint.Finding("a.py", n, 1, "F401", "unused") for n in range(60)]
    text = lint.summary(findings, [], "ruff")
    assert "| … | | 10 more in the step's log |" in text and "annotations" not in text
