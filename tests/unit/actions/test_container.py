"""actions/container's planning step: what it tags, labels and passes to the build."""

import json
import subprocess
from pathlib import Path

import pytest

from kaizen.actions import container
from kaizen.gha import InputError


def read_outputs(path: Path) -> dict[str, str]:
    lines, outputs, i = path.read_text().splitlines(), {}, 0
    while i < len(lines):
        name, delimiter = lines[i].split("<<", 1)
        end = lines.index(delimiter, i + 1)
        outputs[name] = "\n".join(lines[i + 1 : end])
        i = end + 1
    return outputs


@pytest.fixture()
def repo(tmp_path, monkeypatch):
    (tmp_path / "serve").mkdir()
    (tmp_path / "serve" / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "serve" / "request.json").write_text('{"instances": [[1]]}')
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    env = {"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@b",
           "GIT_COMMITTER_DATE": "2026-11-20T10:00:00+01:00"}  # fmt: skip
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "commit", "-qm", "x"], check=True, env={**env, "PATH": "/usr/bin:/bin"})
    sha = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 12}, "repository": {"default_branch": "main"}}))
    for key, value in {
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_REPOSITORY": "Acme/Model",
        "GITHUB_SHA": sha,
        "GITHUB_REF": "refs/pull/12/merge",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_OUTPUT": str(tmp_path / "out"),
        "KAIZEN_CONTEXT": "serve",
        "KAIZEN_SMOKE_REQUEST": "request.json",
        "KAIZEN_BUILD_ARGS": "BASE_IMAGE=localhost/base:1\n",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    return tmp_path, sha


def test_the_plan_names_tags_labels_and_build_arguments(repo):
    root, sha = repo
    assert container.run_context() == 0
    out = read_outputs(root / "out")
    assert out["image"] == "ghcr.io/acme/model"
    assert out["registry"] == "ghcr.io"
    assert out["tags"].splitlines() == [f"ghcr.io/acme/model:sha-{sha[:7]}", "ghcr.io/acme/model:pr-12"]
    assert out["smoke-image"] == f"ghcr.io/acme/model:sha-{sha[:7]}"
    labels = dict(line.split("=", 1) for line in out["labels"].splitlines())
    assert labels["org.opencontainers.image.revision"] == sha
    assert labels["org.opencontainers.image.created"] == "2026-11-20T09:00:00Z"  # the commit's, in UTC
    assert labels["org.opencontainers.image.version"] == "pr-12"
    assert out["build-args"].splitlines() == [f"GIT_SHA={sha}", "MODEL_VERSION=pr-12", "BASE_IMAGE=localhost/base:1"]
    assert out["dockerfile"] == "serve/Dockerfile"
    assert out["cache-scope"] == "ghcr.io-acme-model"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("KAIZEN_CONTEXT", "nowhere", "context: 'nowhere' does not exist in the repository"),
        ("KAIZEN_DOCKERFILE", "Containerfile", "dockerfile: 'serve/Containerfile' does not exist"),
        ("KAIZEN_IMAGE", "ghcr.io/acme/model:v1", "image: 'ghcr.io/acme/model:v1' has a tag or digest"),
        ("KAIZEN_SMOKE_REQUEST", "absent.json", "smoke-request: .*absent.json' does not exist"),
        ("KAIZEN_BUILD_ARGS", "JUSTANAME", "build-args: 'JUSTANAME' is not NAME=value"),
    ],
)
def test_bad_input_is_one_clear_error(repo, monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(InputError, match=message):
        container.run_context()


def test_a_smoke_request_that_is_not_json_is_refused(repo):
    root, _ = repo
    (root / "serve" / "request.json").write_text("{instances")
    with pytest.raises(InputError, match="smoke-request: .* is not valid JSON"):
        container.run_context()
