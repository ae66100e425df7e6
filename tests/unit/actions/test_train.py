"""actions/train: `kaizen train` as the action runs it, on a small DVC project with a local remote."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kaizen.main import main

BIN = Path(sys.executable).parent  # the DVC that actions/dvc installs


def run(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "DVC_NO_ANALYTICS": "1"}
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture()
def project(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    run(repo, "git", "init", "-q", "-b", "main")
    run(repo, str(BIN / "dvc"), "init", "-q")
    (repo / "params.yaml").write_text("size: 3\n")
    (repo / "dvc.yaml").write_text(
        "stages:\n  make:\n    cmd: python -c \"import yaml; n = yaml.safe_load(open('params.yaml'))['size']; "
        "open('out.txt', 'w').write('x' * n)\"\n    params: [size]\n    outs: [out.txt]\n"
    )
    run(repo, str(BIN / "dvc"), "remote", "add", "-d", "storage", str(tmp_path / "remote"))
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", "pipeline")
    for name, value in {
        "GITHUB_WORKSPACE": str(repo),
        "RUNNER_TEMP": str(tmp_path / "runner"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "DVC_SITE_CACHE_DIR": str(tmp_path / "site-cache"),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
    }.items():
        monkeypatch.setenv(name, value)
    return repo


def outputs(tmp_path: Path) -> str:
    return (tmp_path / "output").read_text()


def test_a_changed_stage_runs_is_pushed_and_then_skipped(project, tmp_path, monkeypatch):
    monkeypatch.setenv("KAIZEN_PUSH", "true")
    assert main(["train"]) == 0
    assert "stages-ran<<" in outputs(tmp_path) and '["make"]' in outputs(tmp_path)
    assert any((tmp_path / "remote").rglob("*")), "the new output was pushed"
    (tmp_path / "output").write_text("")
    assert main(["train"]) == 0  # nothing changed: nothing runs
    assert "stages-skipped" in outputs(tmp_path) and '["make"]' in outputs(tmp_path).split("stages-skipped")[1]
    assert "changed<<" in outputs(tmp_path) and "\nfalse\n" in outputs(tmp_path).split("changed<<")[1]


def test_force_reruns_an_unchanged_stage(project, tmp_path, monkeypatch):
    assert main(["train"]) == 0
    (tmp_path / "output").write_text("")
    monkeypatch.setenv("KAIZEN_FORCE", "true")
    assert main(["train"]) == 0
    assert '["make"]' in outputs(tmp_path).split("stages-ran")[1].split("stages-restored")[0]


def test_an_unreachable_remote_is_one_clear_error(project, capsys):
    run(project, str(BIN / "dvc"), "remote", "modify", "storage", "url", "ssh://127.0.0.1:1/nowhere")
    assert main(["train"]) == 1
    [line] = [x for x in capsys.readouterr().out.splitlines() if x.startswith("::error")]
    assert line.startswith("::error title=dvc::dvc pull: the DVC remote is unreachable or refused the credentials")


@pytest.fixture()
def small_disk(tmp_path):
    """A remote on a real filesystem that fills up: a 96 KiB tmpfs, grown by the test."""
    mount = tmp_path / "small-remote"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_push_that_fails_half_way_is_one_error_and_a_rerun_completes_it(
    project, small_disk, tmp_path, monkeypatch, capsys
):
    (project / "dvc.yaml").write_text(
        "stages:\n  make:\n    cmd: python -c \"import os; os.makedirs('data', exist_ok=True); "
        "[open(f'data/{i}.bin', 'wb').write(os.urandom(30000)) for i in range(8)]\"\n    outs: [data]\n"
    )
    remote = small_disk
    run(project, str(BIN / "dvc"), "remote", "modify", "storage", "url", str(remote))
    monkeypatch.setenv("KAIZEN_PUSH", "true")
    assert main(["train"]) == 1
    out = capsys.readouterr().out
    errors = [line for line in out.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and errors[0].startswith("::error title=dvc push::dvc push failed"), out
    assert "rerun the job to push the rest" in errors[0]
    missing = json.loads(subprocess.run([str(BIN / "dvc"), "status", "--cloud", "--json"], cwd=project,
                                        capture_output=True, text=True, check=True).stdout)  # fmt: skip
    sent = [p for p in remote.rglob("*") if p.is_file() and not p.name.endswith(".tmp")]
    assert missing and sent, "the push stopped half-way: some objects are on the remote, some are not"

    subprocess.run(["mount", "-o", "remount,size=4m", str(remote)], check=True)  # the remote has room again
    (tmp_path / "output").write_text("")
    assert main(["train"]) == 0  # nothing to rerun, but the push is completed
    assert '["make"]' in outputs(tmp_path).split("stages-skipped")[1]
    assert "pushed<<" in outputs(tmp_path) and "\ntrue\n" in outputs(tmp_path).split("pushed<<")[1]
    status = subprocess.run([str(BIN / "dvc"), "status", "--cloud", "--json"], cwd=project,
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert json.loads(status) == {}
