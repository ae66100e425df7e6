"""drift.yml through act from a consumer repository that copied workflows/drift.yml: the example
project trained and pushed to a DVC remote on this machine, a serving sample in the serving
contract's format tracked by DVC, the GitHub API stand-in recording (and checking) every call."""

import csv
import json
from pathlib import Path

import pytest

from kaizen_harness import act, consumer, training
from kaizen_harness.github_api import GitHubAPIStandIn

TOKEN = "ghs_e2e_drift_token_value"
PAYLOAD = {
    "ref": "refs/heads/main",
    "inputs": {},
    "repository": {"default_branch": "main", "full_name": "acme/consumer"},
}


def write_sample(repo: Path, scale: float) -> None:
    """The held-out test rows as the service would have recorded them, the first feature
    (mean radius) multiplied by `scale`."""
    with (repo / "data" / "prepared" / "test.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    folder = repo / "serving-sample"
    folder.mkdir(exist_ok=True)
    with (folder / "sample-host.jsonl").open("w") as out:
        for row in rows:
            features = [float(v) for v in row[:-1]]
            features[0] *= scale
            out.write(
                json.dumps({"time": "2026-12-02T05:00:00+00:00", "features": features, "prediction": int(row[-1])})
                + "\n"
            )


@pytest.fixture()
def served_consumer(make_consumer, pipeline_python, tmp_path):
    """A consumer trained at commit S (what the service runs), then a later commit on main that
    adds the serving sample to DVC: the reference must be read at S, not at main."""

    def make(scale: float, inputs: dict) -> tuple[Path, str]:
        repo = make_consumer(templates=("drift.yml",))
        serving = training.train_and_push(repo, pipeline_python, str(tmp_path / "dvc-remote"))
        write_sample(repo, scale)
        training.dvc(repo, pipeline_python, "add", "serving-sample")
        training.dvc(repo, pipeline_python, "push")
        consumer.commit_all(repo, "The serving sample, tracked by DVC")
        consumer.set_inputs(repo, "drift.yml", {"serving-commit": serving, **inputs})
        return repo, serving

    return make


def run_drift(repo: Path, sandbox, api: GitHubAPIStandIn) -> act.ActRun:
    return act.run_workflow(
        repo,
        "workflow_dispatch",
        sandbox,
        workflow="drift.yml",
        payload=PAYLOAD,
        env={"GITHUB_API_URL": api.url},
        secrets={"GITHUB_TOKEN": TOKEN},
    )


def drift_summary(run: act.ActRun) -> str:
    return "\n".join(text for _, text in run.summaries() if text.startswith("## Drift"))


def test_shifted_traffic_opens_one_issue_and_a_second_run_updates_it(served_consumer, sandbox):
    repo, serving = served_consumer(1.3, {"on-breach": "issue"})
    with GitHubAPIStandIn(TOKEN) as api:
        first = run_drift(repo, sandbox, api)
        assert first.returncode == 0, first.log[-6000:]
        summary = drift_summary(first)
        assert summary.startswith("## Drift: 🟥 breached"), summary[:500]
        assert f"Serving commit `{serving[:12]}`" in summary
        assert "`mean_radius`" in summary.split("\n| 🟥 |")[1]  # the worst column comes first
        second = run_drift(repo, sandbox, api)
        assert second.returncode == 0, second.log[-6000:]
        issues = api.state.issues[("acme", "consumer")]
        assert len(issues) == 1, [i["title"] for i in issues]  # updated, never duplicated
        assert issues[0]["body"].startswith("<!-- kaizen-drift -->\n## Drift: 🟥 breached")
        operations = [c.operation for c in api.state.calls]
        assert operations.count("issues/create") == 1 and operations.count("issues/update") == 1
        assert api.problems() == []
        assert api.state.dispatches == []


def test_shifted_traffic_dispatches_the_retrain(served_consumer, sandbox):
    repo, _ = served_consumer(1.3, {})
    with GitHubAPIStandIn(TOKEN) as api:
        run = run_drift(repo, sandbox, api)
        assert run.returncode == 0, run.log[-6000:]
        assert api.state.dispatches == [{"repository": "acme/consumer", "workflow": "retrain.yml", "ref": "main"}]
        assert api.problems() == []


def test_unshifted_traffic_opens_nothing(served_consumer, sandbox):
    repo, _ = served_consumer(1.0, {"on-breach": "issue"})
    with GitHubAPIStandIn(TOKEN) as api:
        run = run_drift(repo, sandbox, api)
        assert run.returncode == 0, run.log[-6000:]
        assert drift_summary(run).startswith("## Drift: ✅ no drift")
        assert api.state.calls == []
