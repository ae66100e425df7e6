"""kaizen local trains a user's project in the developer environment before the workflows run."""

import sys
from pathlib import Path

import pytest

from kaizen_harness import act, consumer, training

BIN = Path(sys.executable).parent  # the test environment holds the DVC actions/dvc pins


def project(tmp_path: Path, dvc_init: bool = True) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    consumer.git(repo, "init", "--quiet", "-b", "main")
    (repo / "train.py").write_text("import json\njson.dump({'accuracy': 0.9}, open('metrics.json', 'w'))\n")
    (repo / "dvc.yaml").write_text(
        f"stages:\n  train:\n    cmd: {sys.executable} train.py\n    deps: [train.py]\n"
        "    metrics:\n      - metrics.json:\n          cache: true\n"
    )
    if dvc_init:
        training.dvc(repo, BIN, "init", "--quiet")
    consumer.commit_all(repo, "A pipeline never trained")
    return repo


def test_a_project_whose_outputs_are_absent_is_trained_and_pushed(tmp_path):
    """Never trained (or a fresh clone): `dvc commit --force --quiet` used to fail with an empty
    reason; now dvc repro makes the outputs, and they are pushed and committed."""
    repo = project(tmp_path)
    remote = tmp_path / "remote"
    head = training.train_local(repo, BIN, str(remote))
    assert (repo / "metrics.json").is_file() and "train:" in (repo / "dvc.lock").read_text()
    assert any(p.is_file() for p in remote.rglob("*"))  # pushed
    assert consumer.git(repo, "rev-parse", "HEAD") == head and "dvc.lock" in consumer.git(repo, "show", "--stat", head)


def test_a_dvc_yaml_without_dvc_folder_is_one_clear_error(tmp_path):
    repo = project(tmp_path, dvc_init=False)
    with pytest.raises(act.HarnessError, match=r"no \.dvc/ folder.*run `dvc init`"):
        training.train_local(repo, BIN, str(tmp_path / "remote"))
