"""`kaizen drift-alert` against the GitHub API stand-in (every call checked against GitHub's
OpenAPI description): one issue, updated and never duplicated; or a dispatched retrain."""

import pytest

from kaizen.main import main

TOKEN = "drift-token"


@pytest.fixture()
def env(tmp_path, monkeypatch, api):
    for key, value in {
        "GITHUB_WORKSPACE": tmp_path,
        "RUNNER_TEMP": tmp_path / "runner",
        "GITHUB_OUTPUT": tmp_path / "output",
        "GITHUB_STEP_SUMMARY": tmp_path / "summary.md",
        "GITHUB_API_URL": api.url,
        "KAIZEN_TOKEN": TOKEN,
        "KAIZEN_REPOSITORY": "acme/model",
        "KAIZEN_REPORT": "## Drift: 🟥 breached (1 of 30 columns drifted)\n",
        "KAIZEN_BREACHED": "true",
        "KAIZEN_RUN_URL": "https://github.com/acme/model/actions/runs/7",
    }.items():
        monkeypatch.setenv(key, str(value))
    return monkeypatch


def test_issue_is_opened_once_then_updated(env, api, monkeypatch):
    monkeypatch.setenv("KAIZEN_ON_BREACH", "issue")
    assert main(["drift-alert"]) == 0
    env.setenv("KAIZEN_REPORT", "## Drift: 🟥 breached (2 of 30 columns drifted)\n")
    assert main(["drift-alert"]) == 0
    issues = api.state.issues[("acme", "model")]
    assert len(issues) == 1
    assert issues[0]["body"].startswith("<!-- kaizen-drift -->\n## Drift: 🟥 breached (2 of 30")
    assert "actions/runs/7" in issues[0]["body"]
    assert [label["name"] for label in issues[0]["labels"]] == ["kaizen-drift"]
    assert [c.operation for c in api.state.calls] == [
        "issues/list-for-repo", "issues/create", "issues/list-for-repo", "issues/update",
    ]  # fmt: skip


def test_a_breach_dispatches_the_retrain(env, api, monkeypatch):
    monkeypatch.setenv("KAIZEN_REF", "main")
    assert main(["drift-alert"]) == 0
    assert api.state.dispatches == [{"repository": "acme/model", "workflow": "retrain.yml", "ref": "main"}]
    assert "issues" not in {c.operation.split("/")[0] for c in api.state.calls}


def test_no_breach_calls_nothing(env, api, monkeypatch):
    monkeypatch.setenv("KAIZEN_BREACHED", "false")
    monkeypatch.setenv("KAIZEN_ON_BREACH", "issue")
    assert main(["drift-alert"]) == 0
    assert api.state.calls == []


def test_a_refused_token_is_one_error_naming_the_permission(env, api, monkeypatch, capsys):
    monkeypatch.setenv("KAIZEN_TOKEN", "wrong")
    assert main(["drift-alert"]) == 1
    errors = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and "actions: write" in errors[0]
