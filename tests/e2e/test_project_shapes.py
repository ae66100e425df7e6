"""train.yml on projects shaped unlike example-project/, generated here (nothing downloaded):
requirements in a subfolder, metrics declared at the top of dvc.yaml inside a DVC-cached output
directory, and a pull request that regresses the model."""

import json
import textwrap
from pathlib import Path

import pytest

from kaizen.local import act, consumer, training
from kaizen.local.github_api import GitHubAPIStandIn

pytestmark = pytest.mark.e2e

TOKEN = "ghs_e2e_shapes_token_value"
JOB = "train/train/Train and report"

# A model whose test accuracy depends on one param: 0.974 at threshold 0.5, 0.752 at 0.9.
TRAIN = """\
import json
import pathlib

import yaml

threshold = yaml.safe_load(open("params.yaml"))["train"]["threshold"]
test_acc = round(0.974 - (threshold - 0.5) * 0.555, 3)
out = pathlib.Path("eval")
out.mkdir(exist_ok=True)
(out / "metrics.json").write_text(json.dumps({"test": {"acc": test_acc}, "train": {"acc": 0.99}}))
"""


def eval_dir_project(dest: Path) -> Path:
    """DVC's get-started shape: top-level `metrics:` naming eval/metrics.json inside the stage
    output `eval` that DVC caches (not git), requirements in src/requirements.txt only."""
    (dest / "src").mkdir(parents=True)
    (dest / "src" / "train.py").write_text(TRAIN)
    (dest / "src" / "requirements.txt").write_text("pyyaml\n")
    (dest / "params.yaml").write_text("train:\n  threshold: 0.5\n")
    (dest / "dvc.yaml").write_text(
        textwrap.dedent(
            """\
            stages:
              train:
                cmd: python src/train.py
                deps: [src/train.py]
                params: [train.threshold]
                outs: [eval]
            metrics:
              - eval/metrics.json
            """
        )
    )
    (dest / ".kaizen").mkdir()
    (dest / ".kaizen" / "quality-gate.yml").write_text(
        "metrics:\n  test.acc: {direction: higher, max_regression: 0.01}\n"
    )
    return dest


def run_train(api, repo, sandbox, base, head):
    return act.run_workflow(
        repo,
        "pull_request",
        sandbox,
        workflow="train.yml",
        payload=training.pull_request_payload(base, head),
        env={"GITHUB_API_URL": api.url},
        secrets={"GITHUB_TOKEN": TOKEN},
    )


def test_metrics_in_a_cached_output_directory_are_compared_with_the_base_and_gate_the_regression(
    make_consumer, pipeline_python, sandbox, tmp_path
):
    project = eval_dir_project(tmp_path / "project")
    repo = make_consumer(templates=("train.yml",), project=project)
    training.dvc(repo, pipeline_python, "init", "--quiet")
    base = training.train_and_push(repo, pipeline_python, str(tmp_path / "dvc-remote"))
    assert consumer.git(repo, "ls-files", "eval") == ""  # DVC caches eval/, git does not hold it
    consumer.git(repo, "checkout", "--quiet", "-b", "raise-threshold")
    (repo / "params.yaml").write_text("train:\n  threshold: 0.9\n")
    head = consumer.commit_all(repo, "threshold 0.9")

    with GitHubAPIStandIn(TOKEN) as api:
        # As copied, train.yml cannot know where the requirements are: one error naming the
        # input to set, with the path as the repository has it.
        run = run_train(api, repo, sandbox, base, head)
        assert run.returncode != 0
        [error] = [a for a in run.annotations() if a["job"] == JOB]
        assert error["message"].startswith("working-directory: '.' has no requirements.txt, pyproject.toml")
        assert "found src/requirements.txt: set requirements to it" in error["message"]
        assert "set the requirements or install-command input" in error["message"]
        assert str(tmp_path) not in error["message"]

        consumer.git(repo, "checkout", "--quiet", "main")
        consumer.set_inputs(repo, "train.yml", {"requirements": "src/requirements.txt"})
        base = consumer.git(repo, "rev-parse", "HEAD")
        consumer.git(repo, "checkout", "--quiet", "raise-threshold")
        consumer.git(repo, "merge", "--quiet", "--no-edit", "main")
        head = consumer.git(repo, "rev-parse", "HEAD")

        run = run_train(api, repo, sandbox, base, head)
        assert run.returncode != 0, "the gate must fail the job"
        results = json.loads(next(v for _, k, v in run.outputs(JOB, step="actions/metrics-report@") if k == "results"))
        assert results["metrics"]["test.acc"]["base"] == 0.974  # from the remote, not `new`
        assert results["metrics"]["test.acc"]["head"] == 0.752
        assert results["missing_base"] == {}
        [verdict] = results["gate"]["verdicts"]
        assert not verdict["passed"] and verdict["reasons"][0].startswith("regressed by 0.222")
        [comment] = api.state.comments[("acme", "consumer", 7)]
        assert "## Kaizen model report: ❌ quality gate failed" in comment["body"]
        assert "| test.acc | 0.974 | 0.752 |" in comment["body"]
        assert "| train.threshold | 0.5 | 0.9 |" in comment["body"]
        assert api.problems() == []
