"""train.yml through act from a consumer repository, with a DVC remote on this machine."""

import json
import re
import shutil
from pathlib import Path

import pytest

from kaizen.report.markdown import stages_sentence
from kaizen_harness import act, consumer, services, sources, training
from kaizen_harness.github_api import GitHubAPIStandIn

TOKEN = "ghs_e2e_secret_token_value"
S3_SECRET = "kaizen-e2e-s3-secret"
JOB = "train/train/Train and report"
GATE = """\
metrics:
  accuracy:
    direction: higher
    min: 0.9
    max_regression: 0.05
  f1:
    direction: higher
    min: 0.9
  roc_auc:
    direction: higher
    informational: true
"""


@pytest.fixture(params=["local"])
def remote_kind(request) -> str:
    return request.param


@pytest.fixture()
def dvc_remote(remote_kind, tmp_path):
    """(url, extra `dvc remote modify` settings, credentials as key=value lines, server) for a
    DVC remote of the requested kind, really running on this machine."""
    if remote_kind == "local":
        yield str(tmp_path / "dvc-remote"), {}, {}, None
    elif remote_kind == "ssh":
        server = services.start_sshd(tmp_path / "sshd")
        yield server.url(tmp_path / "dvc-remote"), {}, {"keyfile": str(server.key)}, server
        server.stop()
    else:
        server = services.start_seaweedfs(tmp_path / "s3", "KAIZENACCESS", S3_SECRET)
        yield (
            f"s3://{server.bucket}/store",
            {"endpointurl": server.endpoint},
            {"access_key_id": server.access_key, "secret_access_key": server.secret_key},
            server,
        )
        server.stop()


@pytest.fixture()
def trained_consumer(make_consumer, pipeline_python, dvc_remote, tmp_path):
    """A consumer whose main branch holds a trained pipeline (dvc.lock, metrics) pushed to the
    DVC remote, as a developer leaves it after `dvc repro && dvc push`. Credentials stay in the
    developer's .dvc/config.local; the workflow gets them from a secret."""
    url, settings, credentials, _ = dvc_remote
    repo = make_consumer(templates=("train.yml",))
    (repo / ".kaizen").mkdir()
    (repo / ".kaizen" / "quality-gate.yml").write_text(GATE)
    base = training.train_and_push(repo, pipeline_python, url, settings, credentials)
    secrets = {}
    if credentials:
        consumer.set_secrets(repo, "train.yml", {"dvc-remote-config": "DVC_REMOTE_CONFIG"})
        secrets["DVC_REMOTE_CONFIG"] = "\n".join(f"{k}={v}" for k, v in credentials.items())
        base = consumer.git(repo, "rev-parse", "HEAD")
    return repo, base, secrets


def cloud_status(repo: Path, bin_dir: Path) -> dict:
    """What the remote lacks of the committed outputs, asked with the developer's credentials."""
    return json.loads(training.dvc(repo, bin_dir, "status", "--cloud", "--json") or "{}")


def remote_url(repo: Path) -> str:
    return re.search(r"url = (\S+)", (repo / ".dvc" / "config").read_text()).group(1)


def with_api(
    api: GitHubAPIStandIn, repo: Path, event: str, sandbox, workflow: str, payload: dict, secrets: dict | None = None
) -> act.ActRun:
    """Run a workflow against the GitHub API stand-in, with its token as GITHUB_TOKEN."""
    return act.run_workflow(
        repo,
        event,
        sandbox,
        workflow=workflow,
        payload=payload,
        env={"GITHUB_API_URL": api.url},
        secrets=secrets or {"GITHUB_TOKEN": TOKEN},
    )


def step_output(run: act.ActRun, step: str, name: str) -> str:
    values = [value for _, key, value in run.outputs(JOB, step=step) if key == name]
    assert values, f"no output {name} from {step}"
    return values[-1]


@pytest.mark.parametrize("remote_kind", ["local", "ssh", "s3"], indirect=True)
def test_unchanged_pipeline_retrains_nothing(trained_consumer, sandbox):
    repo, base, secrets = trained_consumer
    payload = training.push_payload(base)
    run = act.run_workflow(repo, "push", sandbox, workflow="train.yml", payload=payload, secrets=secrets)
    assert run.returncode == 0, run.log[-6000:]
    assert json.loads(step_output(run, "Pull, reproduce what changed and push", "stages-ran")) == []
    assert json.loads(step_output(run, "Pull, reproduce what changed and push", "stages-restored")) == []
    assert json.loads(step_output(run, "Pull, reproduce what changed and push", "stages-skipped")) == [
        "prepare",
        "train",
        "evaluate",
    ]
    assert step_output(run, "Pull, reproduce what changed and push", "pushed") == "false"
    for value in secrets.values():
        for line in value.splitlines():
            assert line.split("=", 1)[1] not in run.log


def test_a_push_that_no_stage_depends_on_skips_training(trained_consumer, sandbox):
    """serve.py is no stage's dependency: DVC would rerun nothing, so the job stops after its plan
    (no install, no DVC, no pull); a push that changes a param then trains."""
    repo, base, secrets = trained_consumer
    serve = repo / "src" / "kaizen_example" / "serve.py"
    serve.write_text(serve.read_text() + "\n# a comment\n")
    head = consumer.commit_all(repo, "Serving only")
    payload = training.push_payload(head, before=base)
    run = act.run_workflow(repo, "push", sandbox, workflow="train.yml", payload=payload, secrets=secrets)
    assert run.returncode == 0, run.log[-6000:]
    assert step_output(run, "Plan what runs for the changed files", "train") == "false"
    assert step_output(run, "Plan what runs for the changed files", "pipeline-changed") == "false"
    assert not [o for o in run.outputs(JOB) if o[1] in ("stages-ran", "report-file", "cache-dir")]  # no DVC step ran
    assert any("Training is skipped: 1 file changed; none is a dependency" in text for _, text in run.summaries(JOB))
    params = repo / "params.yaml"
    params.write_text(re.sub(r"  C: .*", "  C: 0.5", params.read_text()))
    tuned = consumer.commit_all(repo, "C = 0.5")
    run = act.run_workflow(
        repo, "push", sandbox, workflow="train.yml", payload=training.push_payload(tuned, before=head), secrets=secrets
    )
    assert run.returncode == 0, run.log[-6000:]
    assert step_output(run, "Plan what runs for the changed files", "train") == "true"
    assert json.loads(step_output(run, "Pull, reproduce what changed and push", "stages-ran")) == ["train", "evaluate"]


@pytest.mark.parametrize("remote_kind", ["s3"], indirect=True)
def test_refused_credentials_are_one_clear_error(trained_consumer, sandbox, pipeline_python):
    repo, base, secrets = trained_consumer
    secrets = {"DVC_REMOTE_CONFIG": "access_key_id=KAIZENACCESS\nsecret_access_key=not-the-secret"}
    payload = training.push_payload(base)
    assert cloud_status(repo, pipeline_python) == {}  # everything the developer pushed is there
    run = act.run_workflow(repo, "push", sandbox, workflow="train.yml", payload=payload, secrets=secrets)
    assert run.returncode != 0
    [error] = [a for a in run.annotations() if a["job"] == JOB]
    assert error["title"] == "dvc"
    assert error["message"].startswith("dvc pull: the DVC remote is unreachable or refused the credentials")
    assert "not-the-secret" not in run.log
    assert cloud_status(repo, pipeline_python) == {}  # and stays there


def change_c(repo: Path, value: str) -> str:
    params = repo / "params.yaml"
    params.write_text(re.sub(r"  C: .*", f"  C: {value}", params.read_text()))
    return consumer.commit_all(repo, f"C = {value}")


@pytest.mark.parametrize("remote_kind", ["local", "ssh", "s3"], indirect=True)
def test_pull_request_gets_a_report_and_one_sticky_comment(trained_consumer, sandbox, remote_kind):
    repo, base, secrets = trained_consumer
    consumer.git(repo, "checkout", "--quiet", "-b", "tune-c")
    head = change_c(repo, "0.05")
    remote = Path(remote_url(repo))  # a folder for the local remote, listed before and after
    objects_before = sorted(p.relative_to(remote) for p in remote.rglob("*") if p.is_file())
    assert objects_before or remote_kind != "local"
    secrets = {**secrets, "GITHUB_TOKEN": TOKEN}
    with GitHubAPIStandIn(TOKEN) as api:
        run = with_api(
            api, repo, "pull_request", sandbox, "train.yml", training.pull_request_payload(base, head), secrets=secrets
        )
        assert run.returncode == 0, run.log[-6000:]
        # The changed stages run, or, when an earlier test trained this very change into the shared
        # DVC cache, are restored from DVC's run cache; prepare is untouched either way.
        ran = json.loads(step_output(run, "Pull, reproduce what changed and push", "stages-ran"))
        restored = json.loads(step_output(run, "Pull, reproduce what changed and push", "stages-restored"))
        assert sorted(ran + restored) == ["evaluate", "train"]
        assert json.loads(step_output(run, "Pull, reproduce what changed and push", "stages-skipped")) == ["prepare"]
        # A pull request does not push (push-outputs is off): the remote is as the developer left it.
        assert step_output(run, "Pull, reproduce what changed and push", "pushed") == "false"
        assert sorted(p.relative_to(remote) for p in remote.rglob("*") if p.is_file()) == objects_before

        results = json.loads(step_output(run, "Report metrics and params against the base", "results"))
        assert results["base"].startswith(f"main ({base[:12]}")
        assert results["gate"]["configured"] and results["gate"]["passed"]
        assert {p["name"]: (p["base"], p["head"]) for p in results["params"]} == {"train.C": (1.0, 0.05)}
        accuracy = results["metrics"]["accuracy"]
        assert accuracy["change"] == pytest.approx(accuracy["head"] - accuracy["base"])

        [report] = {text for _, text in run.summaries(JOB) if "Kaizen model report" in text}
        assert report.startswith("<!-- kaizen-report:train -->\n## Kaizen model report: ✅ quality gate passed")
        assert "| train.C | 1.0 | 0.05 |" in report
        assert re.search(
            r"\| accuracy \| [0-9.]+ \| [0-9.]+ \| 🔴 ▼ -[0-9.]+ \(-[0-9.]+%\) worse \| ✅ ≥ 0.9 \|", report
        )
        assert "ℹ️ informational" in report  # roc_auc
        assert report.count("```mermaid") >= 2  # metrics chart and the ROC curves
        assert stages_sentence(ran, restored, ["prepare"]) in report
        artifact = run.artifacts / "model-report"
        names = {p.relative_to(artifact).as_posix() for p in artifact.rglob("*") if p.is_file()}
        assert {"report.md", "results.json", "plots/plots_roc_csv.svg", "plots/plots_roc_csv.png"} <= names

        [comment] = api.state.comments[("acme", "consumer", 7)]
        assert comment["body"] == report.rstrip("\n") + "\n"
        assert step_output(run, "Comment on the pull request", "action") == "created"
        # DVC's cache: one entry per report and dvc.lock, never one per commit
        key = re.search(
            r"(?:Cache saved with key: |Cache hit occurred on the primary key )(dvc-Linux-train-[0-9a-f]{64})\b",
            run.log,
        )
        assert key, run.log[-3000:]

        # Another push to the pull request: the same comment is updated, not duplicated.
        second = change_c(repo, "10.0")
        run = with_api(
            api,
            repo,
            "pull_request",
            sandbox,
            "train.yml",
            training.pull_request_payload(base, second),
            secrets=secrets,
        )
        assert run.returncode == 0, run.log[-6000:]
        assert step_output(run, "Comment on the pull request", "action") == "updated"
        assert f"Cache restored from key: {key.group(1)}" in run.log
        [updated] = api.state.comments[("acme", "consumer", 7)]
        assert updated["id"] == comment["id"] and "| train.C | 1.0 | 10.0 |" in updated["body"]
        assert api.problems() == []
        assert [c.operation for c in api.state.calls if c.method != "GET"] == [
            "issues/create-comment",
            "issues/update-comment",
        ]
    assert TOKEN not in run.log


def test_fork_pull_request_is_commented_from_the_base_repository(trained_consumer, sandbox):
    """A fork's read-only token: train.yml still passes and keeps the report in the summary and
    the artifact; workflows/comment-from-fork.yml then posts it, but only on the pull request
    whose head is the commit that was trained."""
    repo, base, _ = trained_consumer
    shutil.copyfile(
        sources.templates() / "comment-from-fork.yml", repo / ".github" / "workflows" / "comment-from-fork.yml"
    )
    base = consumer.commit_all(repo, "Post reports of pull requests from forks")
    consumer.git(repo, "checkout", "--quiet", "-b", "tune-c")
    head = change_c(repo, "0.5")
    with GitHubAPIStandIn(TOKEN) as api:
        api.state.read_only = True
        run = with_api(api, repo, "pull_request", sandbox, "train.yml", training.pull_request_payload(base, head))
        assert run.returncode == 0, run.log[-6000:]
        assert step_output(run, "Comment on the pull request", "action") == "skipped"
        [warning] = [a for a in run.annotations("warning") if a.get("title") == "pr-comment"]
        assert "Resource not accessible by integration" in warning["message"]
        [report] = {text for _, text in run.summaries(JOB) if "Kaizen model report" in text}
        assert json.loads((run.artifacts / "model-report" / "pull-request.json").read_text()) == {"number": 7}
        assert ("acme", "consumer", 7) not in api.state.comments

        api.state.read_only = False
        consumer.git(repo, "checkout", "--quiet", "main")
        trained = {
            "workflow_run": {
                "id": int(run.run_id),
                "event": "pull_request",
                "head_sha": head,
                "conclusion": "success",
                "name": "train",
                "head_branch": "tune-c",
                "head_repository": {"full_name": "acme/consumer"},
            },
            "repository": {"default_branch": "main", "full_name": "acme/consumer"},
        }
        # A same-repository pull request commented from its own run: the poster skips it.
        api.state.pulls[("acme", "consumer", 7)] = head
        skipped = with_api(api, repo, "workflow_run", sandbox, "comment-from-fork.yml", trained)
        assert skipped.returncode == 0, skipped.log[-6000:]
        assert ("acme", "consumer", 7) not in api.state.comments
        assert "Post the fork's report" not in {job.name for job in skipped.jobs() if job.result == "success"}
        trained["workflow_run"]["head_repository"] = {"full_name": "mallory/consumer"}
        # The artifact names a pull request whose head is another commit: nothing is posted.
        api.state.pulls[("acme", "consumer", 7)] = base
        refused = with_api(api, repo, "workflow_run", sandbox, "comment-from-fork.yml", trained)
        assert refused.returncode != 0
        assert any("refusing to comment on another pull request" in a["message"] for a in refused.annotations())
        assert ("acme", "consumer", 7) not in api.state.comments

        # The fork controls its run, so its artifact: Markdown written there is never posted, and
        # the texts of its results are escaped.
        artifact = run.artifacts / "model-report"
        (artifact / "report.md").write_text("<!-- kaizen-report:train -->\n@acme/admins <img src=x onerror=alert(1)>")
        results = json.loads((artifact / "results.json").read_text())
        results["params"].append({"name": "evil | <img src=x onerror=alert(1)>", "base": "1", "head": "`2`"})
        (artifact / "results.json").write_text(json.dumps(results))
        api.state.pulls[("acme", "consumer", 7)] = head
        posted = with_api(api, repo, "workflow_run", sandbox, "comment-from-fork.yml", trained)
        assert posted.returncode == 0, posted.log[-6000:]
        [comment] = api.state.comments[("acme", "consumer", 7)]
        body = comment["body"]
        assert body.startswith("<!-- kaizen-report:train -->\n## Kaizen model report: ✅ quality gate passed")
        assert "| train.C | 1.0 | 0.5 |" in body and "Posted from a fork's run" in body
        assert "@acme/admins" not in body and "<img" not in body
        # The fork's backticks are text, not a code span: escaped like every other character.
        assert "| evil \\| &lt;img src=x onerror=alert(1)&gt; | 1 | \\`2\\` |" in body
        assert report.split("### Params")[0].split("\n", 3)[3] in body  # the same metrics table as the run's
        assert api.problems() == []


def test_scheduled_retrain_reruns_every_stage_and_compares_with_main(make_consumer, pipeline_python, sandbox, tmp_path):
    """workflows/retrain.yml as shipped, on its schedule: every stage reruns though nothing
    changed, the report compares the new model with the metrics committed on main, and nothing
    is pushed or commented."""
    repo = make_consumer(templates=("retrain.yml",))
    (repo / ".kaizen").mkdir()
    (repo / ".kaizen" / "quality-gate.yml").write_text(GATE)
    remote = tmp_path / "dvc-remote"
    head = training.train_and_push(repo, pipeline_python, str(remote))
    objects_before = sorted(p.relative_to(remote) for p in remote.rglob("*") if p.is_file())
    payload = {"schedule": "17 4 * * 1", "repository": {"default_branch": "main", "full_name": "acme/consumer"}}
    with GitHubAPIStandIn(TOKEN) as api:
        run = with_api(api, repo, "schedule", sandbox, "retrain.yml", payload)
        assert run.returncode == 0, run.log[-6000:]
        job = "retrain/train/Train and report"
        outputs = {key: value for _, key, value in run.outputs(job, step="Pull, reproduce what changed and push")}
        assert json.loads(outputs["stages-ran"]) == ["prepare", "train", "evaluate"]
        assert outputs["pushed"] == "false"
        results = json.loads(
            [v for _, k, v in run.outputs(job, step="Report metrics and params against the base") if k == "results"][-1]
        )
        assert results["base"].startswith(f"main ({head[:12]}")
        # Same code, data and seed: the retrained model scores what the committed one did.
        assert all(metric["change"] == 0 for metric in results["metrics"].values()), results["metrics"]
        assert results["gate"]["passed"]
        assert api.state.comments == {}
    assert sorted(p.relative_to(remote) for p in remote.rglob("*") if p.is_file()) == objects_before
