"""kaizen.base: the comparison base decided once from the event, and fetched with the job's
token from a private origin (git's smart HTTP refusing anonymous fetches, as GitHub does)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from kaizen import base, git
from kaizen.main import main
from kaizen_harness.git_server import GitServer

A, B, C = "a" * 40, "b" * 40, "c" * 40
TOKEN = "ghs_private-origin-token"


@pytest.mark.parametrize(
    ("event", "payload", "force", "expected"),
    [
        ("pull_request", {"pull_request": {"base": {"sha": A, "ref": "main"}}}, False, (A, "main")),
        ("pull_request", {"pull_request": {"base": {"sha": A, "ref": "main"}}}, True, (A, "main")),
        ("push", {"before": B}, False, (B, "feature")),
        ("push", {"before": B}, True, (B, "feature")),  # a forced push still reports against before
        ("push", {"before": base.NO_COMMIT}, False, ("", "")),  # the branch's first push
        ("push", {"before": base.NO_COMMIT}, True, (C, "feature")),
        ("schedule", {}, False, ("", "")),
        ("schedule", {}, True, (C, "feature")),  # a forced retrain: against the committed metrics
        ("workflow_dispatch", {"inputs": {}}, True, (C, "feature")),
        ("pull_request", {"pull_request": {"base": {"sha": "HEAD", "ref": "main"}}}, False, ("", "")),
    ],
)
def test_the_base_is_decided_from_the_event(event, payload, force, expected):
    decided = base.decide(event, payload, force=force, head_sha=C, ref_name="feature")
    assert (decided.sha, decided.label) == expected
    assert bool(decided.why_none) is (not decided.sha)


def test_the_base_is_read_from_the_event_file(tmp_path, monkeypatch):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"base": {"sha": A, "ref": "release/1"}}}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    assert base.from_environment("pull_request") == base.Base(A, "release/1")


def run(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "GIT_TERMINAL_PROMPT": "0"}  # fmt: skip
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout.strip()


PIPELINE = "stages:\n  train:\n    cmd: python train.py\n    deps: [train.py]\n    outs: [model.pkl]\n"


@pytest.fixture()
def private_clone(tmp_path):
    """A private origin with two commits and a depth-1 clone of its head (as actions/checkout
    makes one, credentials not persisted): (origin server, clone, base commit)."""
    origin = tmp_path / "origin"
    origin.mkdir()
    run(origin, "init", "-q", "-b", "main")
    (origin / "dvc.yaml").write_text(PIPELINE)
    (origin / "train.py").write_text("print(1)\n")
    run(origin, "add", "-A")
    run(origin, "commit", "-qm", "one")
    first = run(origin, "rev-parse", "HEAD")
    (origin / "serve.py").write_text("app = None\n")
    run(origin, "add", "-A")
    run(origin, "commit", "-qm", "serve")
    with GitServer({"acme/private": origin}, tokens={TOKEN}) as server:
        clone = tmp_path / "clone"
        env = {**os.environ, **server.auth_env(TOKEN)}
        subprocess.run(
            ["git", "clone", "-q", "--depth=1", server.url_of("acme/private"), str(clone)], env=env, check=True
        )
        yield server, clone, first


def test_a_private_origin_refuses_anonymous_fetches(private_clone):
    server, clone, first = private_clone
    assert git.commit_of(clone, first) is None  # shallow
    assert git.fetch(clone, first).returncode != 0
    assert server.requests[-1][2] == 401
    assert base.ensure(clone, first)[0] is None


def test_the_base_is_fetched_with_the_token_for_the_server_only_and_never_kept(private_clone, monkeypatch):
    server, clone, first = private_clone
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")  # the origin is another host: no token
    assert base.ensure(clone, first, TOKEN)[0] is None
    monkeypatch.setenv("GITHUB_SERVER_URL", server.url)
    assert base.ensure(clone, first, TOKEN) == (first, "")
    config = (clone / ".git" / "config").read_text()
    assert TOKEN not in config and "extraheader" not in config.lower()


def changes_env(monkeypatch, tmp_path, clone, first, server_url):
    output = tmp_path / "output"
    output.write_text("")
    for key, value in {
        "GITHUB_WORKSPACE": str(clone), "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "KAIZEN_EVENT_NAME": "push", "KAIZEN_BASE_SHA": first, "KAIZEN_SCOPE": "training",
        "KAIZEN_TOKEN": TOKEN, "GITHUB_SERVER_URL": server_url,
    }.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    return output


def test_the_plan_of_a_private_repository_fetches_its_base_and_skips_an_unrelated_push(
    private_clone, tmp_path, monkeypatch, capsys
):
    server, clone, first = private_clone
    output = changes_env(monkeypatch, tmp_path, clone, first, server.url)
    assert main(["changes"]) == 0
    text = output.read_text()
    assert text.split("train<<", 1)[1].splitlines()[1] == "false", capsys.readouterr().out
    assert json.dumps(["serve.py"]) in text
    assert TOKEN not in capsys.readouterr().out


def test_the_plan_outputs_the_base_it_compared_with(private_clone, tmp_path, monkeypatch):
    server, clone, first = private_clone
    output = changes_env(monkeypatch, tmp_path, clone, first, server.url)
    monkeypatch.delenv("KAIZEN_BASE_SHA")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"base": {"sha": first, "ref": "main"}}}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("KAIZEN_EVENT_NAME", "pull_request")
    assert main(["changes"]) == 0
    text = output.read_text()
    assert text.split("base-sha<<", 1)[1].splitlines()[1] == first
    assert text.split("base-label<<", 1)[1].splitlines()[1] == "main"
