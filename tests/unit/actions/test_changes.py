import json
import subprocess
from pathlib import Path

import pytest

from kaizen.actions import changes
from kaizen.gha import InputError
from kaizen.main import main

DOCS = list(changes.DEFAULT_DOCS_PATHS)


@pytest.mark.parametrize(
    ("path", "docs"),
    [
        ("README.md", True),
        ("src/pkg/NOTES.md", True),
        ("docs/guide/index.html", True),
        ("LICENSE", True),
        ("docs.py", False),
        ("src/docs/model.py", False),  # docs/* is anchored at the root
        ("params.yaml", False),
        ("requirements.txt", False),
        ("README.md.py", False),
    ],
)
def test_default_docs_patterns(path, docs):
    assert changes.is_docs(path, DOCS) is docs


def test_patterns_are_parsed_per_line_and_word_with_comments():
    raw = "notebooks/*   # exploratory only\n*.ipynb\n\nreports/ site/*"
    assert changes.parse_patterns(raw) == ["notebooks/*", "*.ipynb", "reports/", "site/*"]
    assert changes.is_docs("a/reports/x.csv", ["reports/"])  # a folder name in any folder
    for bad in ("/abs/*", "../outside/*"):
        with pytest.raises(InputError, match="^docs-paths: "):
            changes.parse_patterns(bad)


def plan(**overrides):
    kwargs = dict(
        event="push", base="a" * 40, changed=["src/model.py"], docs_patterns=DOCS,
        on_default_branch=True, train=True, ship=True,
    )  # fmt: skip
    return changes.plan(**{**kwargs, **overrides})


def test_a_code_change_pushed_to_the_default_branch_trains_and_ships():
    result = plan()
    assert (result.run_training, result.build_image, result.docs_only) == (True, True, False)


def test_pull_requests_and_other_branches_train_but_do_not_ship():
    assert (plan(event="pull_request").run_training, plan(event="pull_request").build_image) == (True, False)
    other = plan(on_default_branch=False)
    assert (other.run_training, other.build_image) == (True, False)
    assert "pushes to the default branch only" in other.reason


def test_docs_only_changes_skip_training_and_the_image():
    result = plan(changed=["README.md", "docs/usage.md"])
    assert (result.run_training, result.build_image, result.docs_only) == (False, False, True)
    assert "only documentation changed (2 files)" in result.reason
    assert plan(changed=[]).run_training is False  # an empty commit


def test_the_callers_switches_win():
    assert plan(train=False).run_training is False
    assert plan(ship=False).build_image is False


@pytest.mark.parametrize(
    ("event", "base", "changed", "why"),
    [
        ("schedule", "", None, "a schedule run has no base"),
        ("push", changes.NO_COMMIT, None, "the branch's first push"),
        ("push", "b" * 40, None, "is not in the clone"),
    ],
)
def test_without_a_base_everything_runs(event, base, changed, why):
    result = plan(event=event, base=base, changed=changed)
    assert result.run_training and not result.docs_only
    assert result.build_image is (event == "push")
    assert result.reason.startswith("everything runs: ") and why in result.reason


def test_context_paths_are_joined_and_kept_in_the_repository():
    assert changes.context_path("project", "serving/sample.json") == "project/serving/sample.json"
    assert changes.context_path(".", "serving/sample.json") == "serving/sample.json"
    assert changes.context_path("a/b", "../c.json") == "a/c.json"
    assert changes.context_path("a", "") == ""
    with pytest.raises(InputError, match="^smoke-request: "):
        changes.context_path(".", "../../etc/passwd")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=repo, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip


def test_the_command_diffs_the_checkout_against_the_base(tmp_path, monkeypatch, capsys):
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "model.py").write_text("x = 1\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "one")
    base = git(tmp_path, "rev-parse", "HEAD")
    (tmp_path / "README.md").write_text("# hi\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "docs")
    output = tmp_path / "output"
    summary = tmp_path / "summary"
    for key, value in {
        "GITHUB_WORKSPACE": str(tmp_path), "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
        "KAIZEN_EVENT_NAME": "push", "KAIZEN_BASE_SHA": base, "KAIZEN_REF_NAME": "main",
        "KAIZEN_DEFAULT_BRANCH": "main", "KAIZEN_SMOKE_REQUEST": "serving/sample.json", "KAIZEN_CONTEXT": "app",
    }.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    assert main(["changes"]) == 0
    text = output.read_text()
    assert "train<<" in text and "\nfalse\n" in text
    assert json.dumps(["README.md"]) in text
    assert "app/serving/sample.json" in text
    assert "| Training and report | skipped |" in summary.read_text()
    assert "only documentation changed (1 file)" in capsys.readouterr().out

    monkeypatch.setenv("KAIZEN_TRAIN", "maybe")
    assert main(["changes"]) == 1
    assert capsys.readouterr().out.startswith("::error title=train::train: expected true or false")


@pytest.mark.parametrize("event", ["", "pull request", "push; rm -rf /"])
def test_an_event_name_that_is_not_one_is_an_error(monkeypatch, capsys, event):
    monkeypatch.setenv("KAIZEN_EVENT_NAME", event)
    assert main(["changes"]) == 1
    assert capsys.readouterr().out.startswith("::error title=event-name::event-name:")


def test_a_base_sha_that_is_not_a_commit_sha_is_an_error(monkeypatch, capsys):
    monkeypatch.setenv("KAIZEN_EVENT_NAME", "push")
    monkeypatch.setenv("KAIZEN_BASE_SHA", "HEAD")
    assert main(["changes"]) == 1
    assert capsys.readouterr().out.startswith("::error title=base-sha::base-sha: 'HEAD' is not a commit SHA")
