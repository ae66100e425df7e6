"""actions/report-images against the GitHub API stand-in (checked against GitHub's OpenAPI)."""

import json

import pytest
from fixture_projects import png_bytes

from kaizen.actions import report_images
from kaizen.gha import InputError
from kaizen.github import GitHub
from kaizen.main import main

TOKEN = "ghs_images_token"
REPORT = "<!-- kaizen-report:train -->\n## Report\n\n<!-- kaizen-image:head:plots/h.png -->\n"


@pytest.fixture()
def report_dir(tmp_path, api, monkeypatch):
    (tmp_path / "report" / "plots").mkdir(parents=True)
    (tmp_path / "report" / "report.md").write_text(REPORT)
    (tmp_path / "report" / "plots" / "h.png").write_bytes(png_bytes())
    for name, value in {
        "KAIZEN_REPORT_DIR": str(tmp_path / "report"),
        "KAIZEN_PULL_REQUEST": "7",
        "KAIZEN_REPOSITORY": "acme/consumer",
        "KAIZEN_TOKEN": TOKEN,
        "GITHUB_API_URL": api.url,
        "GITHUB_RUN_ID": "1001",
    }.items():
        monkeypatch.setenv(name, value)
    return tmp_path / "report"


def test_the_image_is_committed_and_shown_in_the_comment(api, report_dir):
    assert main(["report-images"]) == 0
    [comment] = api.state.comments[("acme", "consumer", 7)]
    head = api.state.git_refs[("acme", "consumer", "refs/heads/kaizen-report-images")]
    assert comment["body"] == REPORT.replace(
        "<!-- kaizen-image:head:plots/h.png -->",
        f"![h (head)](https://github.com/acme/consumer/raw/{head}/1001-1/h.png)",
    )
    assert api.state.git_files("acme", "consumer", "kaizen-report-images") == {"1001-1/h.png": png_bytes()}


def test_old_runs_are_pruned_to_keep(api, tmp_path):
    client = GitHub(TOKEN, api.url)
    image = tmp_path / "a.png"
    image.write_bytes(png_bytes())
    for run in ("7-1", "10-1", "9-1"):
        report_images.publish(client, "acme/consumer", "imgs", run, [image], keep=2)
    folders = {path.split("/")[0] for path in api.state.git_files("acme", "consumer", "imgs")}
    assert folders == {"10-1", "9-1"}  # by run number, not by name: 7 is the oldest


def test_a_fork_writes_nothing(api, report_dir, tmp_path, monkeypatch):
    event = {
        "pull_request": {
            "head": {"repo": {"full_name": "someone/fork"}},
            "base": {"repo": {"full_name": "acme/consumer"}},
        }
    }
    (tmp_path / "event.json").write_text(json.dumps(event))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(tmp_path / "event.json"))
    assert main(["report-images"]) == 0
    assert api.state.git_refs == {} and api.state.comments == {}


def test_a_marked_path_outside_the_report_is_refused(report_dir):
    (report_dir / "report.md").write_text("<!-- kaizen-image:head:../../etc/passwd -->")
    with pytest.raises(InputError, match="is not an image of the report"):
        report_images.images_of((report_dir / "report.md").read_text(), report_dir)


@pytest.mark.parametrize(
    ("name", "value"), [("KAIZEN_KEEP", "0"), ("KAIZEN_BRANCH", "-x"), ("KAIZEN_PULL_REQUEST", "x")]
)
def test_bad_inputs_are_one_error(report_dir, monkeypatch, capsys, name, value):
    monkeypatch.setenv(name, value)
    assert main(["report-images"]) == 1
    [line] = [x for x in capsys.readouterr().out.splitlines() if x.startswith("::error")]
    assert line.startswith(f"::error title={name[7:].lower().replace('_', '-')}::")
