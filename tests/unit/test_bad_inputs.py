"""Bad input to the action subcommands, run as the actions run them (KAIZEN_* variables,
`python -m kaizen <subcommand>`): one `::error` line naming the input, exit 1, never a
traceback. The cases a review found; each was a traceback or a misread value before."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def kaizen(command: str, cwd: Path, **inputs: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAIZEN_", "GITHUB_"))}
    env.update(PYTHONPATH=str(ROOT / "scripts"), GITHUB_WORKSPACE=str(cwd), RUNNER_TEMP=str(cwd / "runner"))
    env.update({f"KAIZEN_{k.upper()}": v for k, v in inputs.items()})
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return subprocess.run(
        [sys.executable, "-m", "kaizen", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def one_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, result.stdout
    return errors[0]


@pytest.fixture()
def report_project(tmp_path):
    (tmp_path / ".dvc").mkdir()
    (tmp_path / "dvc.yaml").write_text("metrics:\n  - metrics.json\n")
    (tmp_path / "metrics.json").write_text('{"acc": 0.9}')
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
    env["GIT_COMMITTER_EMAIL"] = "t@t"
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, env=env)
    return tmp_path


def test_stages_ran_that_is_not_json(report_project):
    line = one_error(kaizen("metrics-report", report_project, stages_ran="train, evaluate"))
    assert "title=stages-ran::stages-ran: expected a JSON list" in line


def test_metrics_with_a_byte_that_is_not_utf8(report_project):
    (report_project / "metrics.json").write_bytes(b'{"acc": 0.9, "x\xff": 1}')
    assert "metrics.json: not UTF-8 text" in one_error(kaizen("metrics-report", report_project))


def test_a_malformed_metrics_yaml(report_project):
    (report_project / "dvc.yaml").write_text("metrics:\n  - metrics.yaml\n")
    (report_project / "metrics.yaml").write_text("acc: [0.9\n")
    assert "metrics.yaml: not valid YAML" in one_error(kaizen("metrics-report", report_project))


def test_a_metrics_entry_whose_options_are_not_a_mapping(report_project):
    (report_project / "dvc.yaml").write_text("metrics:\n  - metrics.json: true\n")
    result = kaizen("metrics-report", report_project)
    assert "Traceback" not in result.stderr and result.returncode == 0, result.stdout + result.stderr


def test_a_pull_request_number_in_superscript(tmp_path):
    (tmp_path / "report.md").write_text("x")
    line = one_error(kaizen("pr-comment", tmp_path, body_file=str(tmp_path / "report.md"), pull_request="²"))
    assert "title=pull-request::pull-request: '²' is not a pull request number" in line


def test_an_empty_token(tmp_path):
    (tmp_path / "report.md").write_text("x")
    line = one_error(
        kaizen("pr-comment", tmp_path, body_file=str(tmp_path / "report.md"), pull_request="7", repository="a/b")
    )
    assert "title=token::token: empty" in line


def test_an_unexpected_failure_is_one_error_line_not_a_traceback(tmp_path):
    """The last resort: a bug in Kaizen still ends in one line a user can report."""
    (tmp_path / "runner").write_text("a file where a folder must be")  # RUNNER_TEMP unusable
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("def test_x():\n    pass\n")
    line = one_error(kaizen("test", tmp_path, coverage="false"))
    assert "kaizen test failed unexpectedly" in line and "please report it" in line


def test_the_github_client_survives_html_and_words_for_numbers():
    from kaizen.github import GitHub, Response

    client = GitHub("t", "http://127.0.0.1:1")
    assert client.rate_limit_wait(Response(429, {"retry-after": "soon"}, None)) == 60.0
    assert json.loads("[]") == []


@pytest.mark.parametrize("command", ["setup", "lint", "test"])
def test_a_working_directory_outside_the_repository(tmp_path, command):
    (tmp_path / "repo").mkdir()
    line = one_error(kaizen(command, tmp_path / "repo", working_directory="../../.."))
    assert "title=working-directory::working-directory: '../../..' is outside the repository" in line


def test_invalid_yaml_in_dvc_yaml_through_metrics_report(report_project):
    (report_project / "dvc.yaml").write_text("metrics:\n  - metrics.json\nstages: [\n")
    line = one_error(kaizen("metrics-report", report_project))
    assert "dvc.yaml: not valid YAML" in line and "at line" in line and "failed unexpectedly" not in line


def test_a_malformed_event_payload_through_metrics_report(report_project):
    """One error naming the payload (the base cannot be decided from it), not a traceback."""
    (report_project / "event.json").write_text('{"pull_request": ')
    result = subprocess.run(
        [sys.executable, "-m", "kaizen", "metrics-report"],
        cwd=report_project,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("KAIZEN_", "GITHUB_"))},
            "PYTHONPATH": str(ROOT / "scripts"),
            "GITHUB_WORKSPACE": str(report_project),
            "RUNNER_TEMP": str(report_project / "runner"),
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(report_project / "event.json"),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    line = one_error(result)
    assert "the event payload (GITHUB_EVENT_PATH): not valid JSON" in line and "failed unexpectedly" not in line
