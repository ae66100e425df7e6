import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kaizen.actions import test as test_action
from kaizen.gha import InputError
from kaizen.main import main

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture()
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("RUNNER_TEMP", str(tmp_path / "runner-temp"))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "output"))
    monkeypatch.setenv("KAIZEN_WORKING_DIRECTORY", "proj")
    root = tmp_path / "proj"
    (root / "tests").mkdir(parents=True)
    (root / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (root / "tests" / "test_calc.py").write_text(
        textwrap.dedent("""\
        import calc


        def test_add():
            assert calc.add(1, 2) == 3
        """)
    )
    (root / "conftest.py").write_text("")
    return root


def test_passing_tests_write_summary_and_outputs(project, tmp_path, capsys):
    assert main(["test"]) == 0
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith(f"### ✅ Tests on Python {test_action.platform.python_version()}: 1 passed, 0 failed")
    assert "Line coverage: **" in summary
    assert (tmp_path / "runner-temp" / "kaizen-test-results" / "junit.xml").is_file()
    assert "python-version<<" in (tmp_path / "output").read_text()


def test_failure_is_annotated_at_the_failing_line(project, tmp_path, capsys):
    (project / "tests" / "test_broken.py").write_text(
        textwrap.dedent("""\
        def helper():
            return 41


        def test_answer():
            value = helper()
            assert value == 42
        """)
    )
    assert main(["test"]) == 1
    out = capsys.readouterr().out
    errors = [line for line in out.splitlines() if line.startswith("::error")]
    assert len(errors) == 1
    assert errors[0].startswith(
        "::error file=proj/tests/test_broken.py,line=7,title=Test failed%3A tests.test_broken.test_answer::"
    )
    summary = (tmp_path / "summary.md").read_text()
    assert "1 passed, 1 failed" in summary and "`proj/tests/test_broken.py:7`" in summary


def test_no_tests_is_one_clear_error(project, capsys):
    for path in (project / "tests").iterdir():
        path.unlink()
    assert main(["test"]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::")]
    assert lines == [
        "::error title=test-command::test-command: pytest collected no tests in 'proj'; add tests "
        "(tests/test_*.py) or point test-command at them"
    ]


def test_other_commands_are_judged_by_exit_code(project, monkeypatch, tmp_path):
    monkeypatch.setenv("KAIZEN_TEST_COMMAND", f"{sys.executable} -c 'raise SystemExit(3)'")
    assert main(["test"]) == 1
    assert "failed (exit 3)" in (tmp_path / "summary.md").read_text()


def test_build_command_adds_reports_only_for_pytest(tmp_path):
    command, is_pytest = test_action.build_command("pytest -x tests", tmp_path, coverage=True)
    assert is_pytest and command[:5] == [sys.executable, "-m", "pytest", "-x", "tests"]
    assert f"--junitxml={tmp_path / 'junit.xml'}" in command and "--cov" in command
    command, is_pytest = test_action.build_command("python -m pytest", tmp_path, coverage=False)
    assert is_pytest and "--cov" not in command
    assert test_action.build_command("make test", tmp_path, coverage=True) == (["make", "test"], False)


def test_failure_location_prefers_the_innermost_frame():
    text = "tests/test_a.py:10: in test_x\n    helper()\nsrc/lib.py:4: ValueError"
    assert test_action.failure_location(text, "tests/test_a.py", "9") == ("src/lib.py", 4)
    assert test_action.failure_location("no frames", "tests/test_a.py", "9") == ("tests/test_a.py", 10)


def test_missing_working_directory(project, monkeypatch):
    monkeypatch.setenv("KAIZEN_WORKING_DIRECTORY", "nope")
    assert main(["test"]) == 1


def test_coverage_brings_pytest_cov_when_the_project_lacks_it_and_keeps_its_pytest(tmp_path):
    """A project whose environment has pytest but not pytest-cov: with coverage on, the test
    step adds Kaizen's hashed pytest-cov (no dependencies), measures coverage, and the project's
    own pytest is the same version afterwards."""
    uv = str(Path(sys.executable).parent / "uv")
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([uv, "pip", "install", "--quiet", "--python", python, "pytest==8.4.2"], check=True)
    project = tmp_path / "proj"
    (project / "tests").mkdir(parents=True)
    (project / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (project / "tests" / "test_calc.py").write_text(
        "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
    )
    (project / "pytest.ini").write_text("[pytest]\npythonpath = .\n")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("KAIZEN_", "GITHUB_", "PYTHON"))},
        "PATH": f"{venv / 'bin'}:{Path(sys.executable).parent}:/usr/bin:/bin",
        "PYTHONPATH": str(ROOT / "scripts"),
        "GITHUB_WORKSPACE": str(tmp_path),
        "RUNNER_TEMP": str(tmp_path / "runner"),
        "KAIZEN_WORKING_DIRECTORY": "proj",
        "KAIZEN_COVERAGE": "true",
    }
    result = subprocess.run([python, "-m", "kaizen", "test"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "adding Kaizen's pinned pytest-cov" in result.stdout
    assert (tmp_path / "runner" / "kaizen-test-results" / "coverage.xml").is_file()
    version = subprocess.run([python, "-m", "pytest", "--version"], capture_output=True, text=True)
    assert "8.4.2" in version.stdout + version.stderr


@pytest.mark.parametrize(
    ("xml", "needle"),
    [
        ("<testsuite tests='1'><testcase", "junit.xml: not valid XML"),
        ("<testsuite tests='many'/>", "junit.xml: has tests='many', not a count"),
        ('<!DOCTYPE x [<!ENTITY a "aaaa">]><testsuite tests="1"/>', "junit.xml: declares a DTD or entities"),
    ],
)
def test_a_junit_file_a_project_could_write_is_one_error_naming_it(tmp_path, xml, needle):
    """A project's conftest or plugin can write anything into junit.xml."""
    from kaizen.actions.test import parse_junit

    (tmp_path / "junit.xml").write_text(xml)
    with pytest.raises(InputError) as info:
        parse_junit(tmp_path / "junit.xml", tmp_path)
    assert str(info.value).startswith(needle)
