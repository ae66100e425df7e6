"""actions/pr-comment: `kaizen pr-comment` as the action runs it, against the GitHub API stand-in."""

import json

import pytest

from kaizen.main import main

TOKEN = "ghs_pr_comment_token"


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


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("KAIZEN_REPOSITORY", "../../admin/x", "::error title=repository::repository: '../../admin/x' is not"),
        ("KAIZEN_NAME", "train --> <b>", "::error title=name::name: 'train --> <b>' is not a report name"),
    ],
)
def test_inputs_that_would_reach_another_path_or_break_the_marker_are_refused(
    inputs, monkeypatch, capsys, name, value, message
):
    monkeypatch.setenv(name, value)
    assert main(["pr-comment"]) == 1
    assert capsys.readouterr().out.startswith(message)


def test_a_report_longer_than_github_allows_is_cut_with_a_pointer(api, inputs):
    rows = "".join(f"| metric_{i} | 0.5 | 0.6 |\n" for i in range(5000))
    (inputs / "report.md").write_text("<!-- kaizen-report:train -->\n## Report\n\n" + rows)
    assert main(["pr-comment"]) == 0
    [comment] = api.state.comments[("acme", "consumer", 7)]
    assert len(comment["body"]) < 65_536
    assert comment["body"].startswith("<!-- kaizen-report:train -->")  # still found and updated in place
    assert comment["body"].rstrip().endswith("The whole of it is `report.md` in the `model-report` artifact.")


def test_a_commenter_who_pastes_the_marker_cannot_take_the_report_over(api, inputs):
    """The sticky comment is found by its marker AND its author (the token's bot user): a
    comment by anyone else carrying the marker is left alone and the report gets its own."""
    from kaizen_harness.github_api import user

    assert main(["pr-comment"]) == 0
    [planted] = api.state.comments[("acme", "consumer", 7)]
    planted["user"] = user("mallory", 4242)  # as if mallory had written it, marker and all
    planted["body"] = "<!-- kaizen-report:train -->\n## Kaizen model report: ✅ all good (trust me)\n"
    assert main(["pr-comment"]) == 0
    assert "created" in outputs(inputs)
    first, report = api.state.comments[("acme", "consumer", 7)]
    assert first["body"].endswith("(trust me)\n") and first["user"]["login"] == "mallory"
    assert report["user"]["login"] == "github-actions[bot]" and report["body"].endswith("## Kaizen model report\n")
