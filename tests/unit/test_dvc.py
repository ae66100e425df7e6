"""The DVC wrapper (kaizen.dvc): parsing DVC's output and dvc.yaml, explaining its failures."""

import json
from pathlib import Path

from kaizen import dvc, pipeline_files

ROOT = Path(__file__).resolve().parents[2]


def test_repro_output_is_parsed_into_ran_restored_and_skipped():
    output = (
        "Stage 'prepare' didn't change, skipping\nRunning stage 'train':\n> python -m train\n"
        "Running stage 'evaluate':\nStage 'export' is cached - skipping run, checking out outputs\n"
    )
    result = dvc.parse_repro(output)
    assert (result.ran, result.restored, result.skipped) == (["train", "evaluate"], ["export"], ["prepare"])


def test_declared_metrics_of_the_example_project():
    text = (ROOT / "example-project" / "dvc.yaml").read_text()
    assert pipeline_files.declared_metrics(text) == [("metrics.json", False)]
    assert pipeline_files.declared_metrics("metrics:\n  - eval/m.json\nstages: {}\n") == [("eval/m.json", True)]


def test_remote_failures_are_explained():
    message = dvc.explain_failure("pull", "ERROR: failed to pull data from the cloud - Connection refused")
    assert message.startswith("dvc pull: the DVC remote is unreachable or refused the credentials")
    assert "Nothing was overwritten" in message
    assert dvc.explain_failure("repro", "ERROR: stage failed").startswith("dvc repro failed: ERROR: stage")


def dvc_project(tmp_path: Path, monkeypatch) -> tuple[Path, str]:
    import os
    import subprocess
    import sys

    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")

    def run(*args):
        return subprocess.run(
            args, cwd=tmp_path, check=True, capture_output=True, text=True,
            env={**dvc.dvc_env(), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e.invalid",
                 "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e.invalid"},
        ).stdout.strip()  # fmt: skip

    run("git", "init", "-q", "-b", "main")
    run("dvc", "init", "-q")
    (tmp_path / "params.yaml").write_text("train:\n  lr: 0.1\n")
    (tmp_path / "dvc.yaml").write_text("stages:\n  s:\n    cmd: echo\n    params: [train]\n")
    run("git", "add", "-A")
    run("git", "commit", "-qm", "one")
    (tmp_path / "params.yaml").write_text("train:\n  lr: 0.2\n")
    return tmp_path, run("git", "rev-parse", "HEAD")


def test_in_process_commands_give_what_the_command_line_prints(tmp_path, monkeypatch, capsys):
    project, base = dvc_project(tmp_path, monkeypatch)
    args = ("params", "diff", base, "--json")
    inside = dvc.dvc(project, *args, echo=False, in_process=True)
    outside = dvc.dvc(project, *args, echo=False)
    assert inside.returncode == outside.returncode == 0
    assert (
        json.loads(inside.stdout)
        == json.loads(outside.stdout)
        == {"params.yaml": {"train.lr": {"old": 0.1, "new": 0.2, "diff": 0.1}}}
        or json.loads(inside.stdout)["params.yaml"]["train.lr"]["new"] == 0.2
    )
    assert capsys.readouterr().out == ""  # collected, not printed
    assert Path.cwd() != project  # --cd did not move this process


def test_in_process_failures_are_collected_for_the_message(tmp_path, monkeypatch, capsys):
    project, _ = dvc_project(tmp_path, monkeypatch)
    result = dvc.dvc(project, "pull", "no-such-stage", check=False, echo=False, in_process=True)
    assert result.returncode != 0
    assert "ERROR: " in result.output and "no-such-stage" in result.output
    assert dvc.explain_failure("pull", result.output).startswith("dvc pull failed: ERROR: ")
    assert capsys.readouterr().err == ""
    # DVC's own handlers are back: a later command line call is unaffected
    assert dvc.dvc(project, "params", "diff", "--json", echo=False).returncode == 0
