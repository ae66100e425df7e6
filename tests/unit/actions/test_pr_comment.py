"""actions/pr-comment: `kaizen pr-comment` as the action runs it, against the GitHub API stand-in."""

import json

import pytest

from kaizen.local.github_api import GitHubAPIStandIn
from kaizen.main import main

TOKEN = "ghs_pr_comment_token"


@pytest.fixture()
def api():
    with GitHubAPIStandIn(TOKEN) as server:
        yield server
    assert server.problems() == []


@pytest.fixture()
def inputs(api, tmp_path, monkeypatch):
    (tmp_path / "report.md").write_text("## Kaizen model report\n")
    for name, value in {
        "KAIZEN_BODY_FILE": str(tmp_path / "report.md"),
        "KAIZEN_PULL_REQUEST": "7",
        "KAIZEN_REPOSITORY": "acme/consumer",
        "KAIZEN_TOKEN": TOKEN,
        "GITHUB_API_URL": api.url,
        "GITHUB_OUTPUT": str(tmp_path / "output"),
    }.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def outputs(tmp_path) -> str:
    return (tmp_path / "output").read_text()


def test_one_comment_is_created_then_updated_with_the_marker(api, inputs):
    assert main(["pr-comment"]) == 0
    assert "created" in outputs(inputs)
    (inputs / "report.md").write_text("## Kaizen model report, again\n")
    assert main(["pr-comment"]) == 0
    [comment] = api.state.comments[("acme", "consumer", 7)]
    assert comment["body"] == "<!-- kaizen-report:train -->\n## Kaizen model report, again\n"
    assert "updated" in outputs(inputs)


def test_the_number_can_come_from_the_reports_pull_request_file(api, inputs, monkeypatch):
    monkeypatch.setenv("KAIZEN_PULL_REQUEST", "")
    (inputs / "pull-request.json").write_text(json.dumps({"number": 7}))
    monkeypatch.setenv("KAIZEN_PULL_REQUEST_FILE", str(inputs / "pull-request.json"))
    assert main(["pr-comment"]) == 0
    assert len(api.state.comments[("acme", "consumer", 7)]) == 1


def test_a_missing_body_file_is_one_error(inputs, monkeypatch, capsys):
    monkeypatch.setenv("KAIZEN_BODY_FILE", str(inputs / "nothing.md"))
    assert main(["pr-comment"]) == 1
    assert capsys.readouterr().out.startswith("::error title=body-file::body-file:")
