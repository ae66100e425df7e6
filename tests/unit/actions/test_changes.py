import json
import subprocess
from pathlib import Path

import pytest

from kaizen import pipeline_files
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


def commit(repo: Path, message: str, files: dict[str, str]) -> str:
    """Write the files, commit them all, and return the commit."""
    for name, text in files.items():
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD")


def test_the_command_diffs_the_checkout_against_the_base(tmp_path, monkeypatch, capsys):
    git(tmp_path, "init", "-q", "-b", "main")
    base = commit(tmp_path, "one", {"model.py": "x = 1\n"})
    commit(tmp_path, "docs", {"README.md": "# hi\n"})
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


PIPELINE = """\
stages:
  prepare:
    cmd: python src/prepare.py
    deps: [src/prepare.py, data/raw]
    params: [prepare]
    outs: [data/prepared]
  train:
    cmd: python train.py
    wdir: src
    deps: [train.py, ../data/prepared]
    params:
      - ../params.yaml:
      - config/model.yaml: [lr]
    outs: [../models/model.pkl]
"""


def pipeline(text: str = PIPELINE, folder: str = ""):
    return pipeline_files.pipeline_inputs({folder: text})


def test_the_pipeline_inputs_are_its_deps_params_files_and_dvc_files():
    found = pipeline()
    assert found.always == ""
    assert found.paths == {
        "dvc.yaml", "dvc.lock", ".dvcignore", "params.yaml", "src/prepare.py", "data/raw",
        "src/train.py", "data/prepared", "src/config/model.yaml",
    }  # fmt: skip
    assert found.touched_by(["data/raw/2024/part-1.csv"]) == ["data/raw/2024/part-1.csv"]  # in a folder dep
    assert found.touched_by(["data/raw.dvc", "src/serve.py", "README.md", "data/rawer.csv"]) == ["data/raw.dvc"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("stages:\n  s:\n    cmd: c ${x}\n    deps: [a]\n", "templating"),
        ("stages:\n  s:\n    foreach: [1, 2]\n    do:\n      cmd: c\n", "generated"),
        ("stages:\n  s:\n    cmd: c\n    always_changed: true\n", "always_changed"),
        ("stages:\n  s:\n    cmd: c\n    deps: [s3://bucket/data.csv]\n", "outside the repository"),
        ("stages:\n  s:\n    cmd: c\n    deps: [../../elsewhere.csv]\n", "outside the repository"),
    ],
)
def test_a_pipeline_whose_inputs_are_no_fixed_file_list_always_counts_as_changed(text, why):
    found = pipeline(text)
    assert why in found.always
    result = plan(changed=["src/serve.py"], pipeline=found)
    assert result.run_training and result.pipeline_changed


def test_a_push_that_changes_nothing_a_stage_depends_on_skips_training_but_ships():
    result = plan(changed=["src/serve.py", "Dockerfile"], pipeline=pipeline())
    assert (result.run_training, result.build_image, result.pipeline_changed) == (False, True, False)
    assert "none is a dependency, params file or dvc.yaml of a DVC stage" in result.reason
    for touched in (["params.yaml"], ["src/train.py"], ["dvc.lock"], ["data/raw/new.csv"]):
        assert plan(changed=["src/serve.py", *touched], pipeline=pipeline()).run_training, touched


def test_a_pull_request_trains_even_when_no_stage_input_changed():
    # its report comment compares with the base; a stale one would mislead
    result = plan(event="pull_request", changed=["src/serve.py"], pipeline=pipeline())
    assert result.run_training and not result.pipeline_changed


def test_the_pipeline_of_a_project_in_a_subfolder_is_matched_from_the_repository_root():
    found = pipeline()
    assert plan(changed=["ml/params.yaml"], pipeline=found, project="ml").run_training
    assert not plan(changed=["params.yaml", "ml/serve.py"], pipeline=found, project="ml").run_training
    # a nested dvc.yaml's paths are its folder's
    nested = pipeline_files.pipeline_inputs({"": "stages: {}\n", "sub": PIPELINE})
    assert nested.touched_by(["sub/src/train.py", "src/train.py"]) == ["sub/src/train.py"]


def test_train_yml_scope_fetches_a_missing_base_and_skips_an_unrelated_push(tmp_path, monkeypatch, capsys):
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    base = commit(origin, "one", {"dvc.yaml": PIPELINE, "params.yaml": "prepare: {}\n"})
    commit(origin, "serve", {"serve.py": "app = None\n"})
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{origin}", str(clone))
    assert subprocess.run(["git", "cat-file", "-e", base], cwd=clone).returncode != 0  # shallow: no base
    output, summary = tmp_path / "output", tmp_path / "summary"
    for key, value in {
        "GITHUB_WORKSPACE": str(clone), "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
        "KAIZEN_EVENT_NAME": "push", "KAIZEN_BASE_SHA": base, "KAIZEN_SCOPE": "training",
    }.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    assert main(["changes"]) == 0
    text = output.read_text()
    assert "train<<" in text and text.split("train<<", 1)[1].splitlines()[1] == "false"
    assert "Training is skipped: 1 file changed; none is a dependency" in summary.read_text()
    assert "| Lint and tests |" not in summary.read_text()
    (clone / "params.yaml").write_text("prepare: {seed: 2}\n")
    git(clone, "commit", "-qam", "seed")
    output.write_text("")
    assert main(["changes"]) == 0
    assert output.read_text().split("train<<", 1)[1].splitlines()[1] == "true"


def test_without_a_yaml_library_every_change_counts_and_the_plan_says_why(tmp_path, monkeypatch, capsys):
    """actions/changes runs on the runner's own python3, which may lack PyYAML: it crashed."""
    from kaizen import untrusted

    git(tmp_path, "init", "-q", "-b", "main")
    commit(tmp_path, "pipeline", {"dvc.yaml": PIPELINE})

    def no_yaml(text):
        raise ModuleNotFoundError("No module named 'yaml'")

    monkeypatch.setattr(untrusted, "_load_yaml", no_yaml)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    assert changes.read_pipeline(tmp_path) is None
    assert "has no YAML library" in capsys.readouterr().out
