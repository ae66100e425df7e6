"""train.yml on projects shaped unlike example-project/, generated here (nothing downloaded):
requirements in a subfolder, metrics declared at the top of dvc.yaml inside a DVC-cached output
directory, and a pull request that regresses the model."""

import json
import re
import subprocess
import textwrap
from pathlib import Path

import fixture_projects
import pytest

from kaizen_harness import act, consumer, training
from kaizen_harness.github_api import GitHubAPIStandIn

TOKEN = "ghs_e2e_shapes_token_value"
JOB = "train/train/Train and report"
ROOT = Path(__file__).resolve().parents[2]

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


def run_train(api, repo, sandbox, base, head, workflow="train.yml", payload=None):
    """A pull request (base <- head, number 7 unless `payload` says otherwise) through `workflow`."""
    return act.run_workflow(
        repo,
        "pull_request",
        sandbox,
        workflow=workflow,
        payload=payload or training.pull_request_payload(base, head),
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
        results = report_results(run)
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


def test_a_get_started_shaped_project_gets_every_plot_for_base_and_head(
    make_consumer, sandbox, tmp_path, tmp_path_factory
):
    """DVC's get-started shape (generated here): DVCLive writes eval/ (cached by DVC), top-level
    metrics and plots, ROC and precision-recall and confusion per split, an importance image.
    The comment holds at least what that repository's CML workflow posts: the metrics and params
    diff with base values, ROC, precision-recall and confusion for base and head, and the image
    of each."""
    repo, base, head = get_started_pull_request(make_consumer, tmp_path, tmp_path_factory)
    with GitHubAPIStandIn(TOKEN) as api:
        run = run_train(api, repo, sandbox, base, head)
        assert run.returncode == 0, run.log[-6000:]
        [comment] = api.state.comments[("acme", "consumer", 7)]
    body = comment["body"]
    results = report_results(run)
    for name in ("avg_prec.test", "avg_prec.train", "roc_auc.test", "roc_auc.train"):
        assert results["metrics"][name]["base"] is not None, f"{name} has no base value"
    verdicts = {v["metric"]: v for v in results["gate"]["verdicts"]}
    assert results["gate"]["passed"] and verdicts["roc_auc.test"]["passed"]  # compared with its base value
    assert results["metrics"]["roc_auc.test"]["change"] < 0 and "## Kaizen model report: ✅ quality gate passed" in body
    assert "| train.n\\_est | 50 | 3 |" in body
    legend = "🟦 head · train.json · 🟧 head · test.json · 🟩 base · train.json · 🟪 base · test.json"
    assert '    title "ROC"' in body and '    title "Precision-Recall"' in body
    assert body.count(legend) == 2  # both curves, each with four series
    assert "**Confusion-Matrix · train.json**" in body and "**Confusion-Matrix · test.json**" in body
    assert "change against the base in brackets" in body
    image = re.search(r"\*\*eval/plots/images/importance.png\*\* \(image\): head: `([^`]+)`, base: `([^`]+)`", body)
    assert image, body
    artifact = run.artifacts / "model-report"
    assert (artifact / image.group(1)).is_file() and (artifact / image.group(2)).is_file()
    assert {"plots/ROC.svg", "plots/Precision-Recall.png", "plots/Confusion-Matrix.svg"} <= {
        p.relative_to(artifact).as_posix() for p in artifact.rglob("*") if p.is_file()
    }
    # And the comment renders as GitHub would show it, every diagram drawn.
    (tmp_path / "comment.md").write_text(body)
    rendered = subprocess.run(
        [
            "node",
            str(ROOT / "tests" / "render" / "render_report.mjs"),
            str(tmp_path / "comment.md"),
            str(tmp_path / "get-started.png"),
        ],
        capture_output=True,
        text=True,
    )
    assert rendered.returncode == 0, rendered.stderr
    page = json.loads(rendered.stdout)
    assert page["errors"] == [] and page["svgs"] == page["blocks"] == body.count("```mermaid")


def trained(make_consumer, tmp_path, tmp_path_factory, project: Path, subdirs=("",), workflow="train.yml", inputs=None):
    """A consumer of `project` (its DVC projects in `subdirs`) calling Kaizen through `workflow`
    (a template from workflows/, given `inputs` for its train.yml call), each project trained and
    pushed by its developer with the project's own dependencies, on main. (repo, base commit)."""
    repo = make_consumer(templates=(workflow,), project=project)
    if inputs:
        consumer.set_inputs(repo, workflow, inputs, calls="train.yml")
    requirements = str((inputs or {}).get("requirements", "")).split() or None
    for sub in subdirs:
        source, where = (project / sub, repo / sub) if sub else (project, repo)
        developer = training.developer_python(
            tmp_path_factory.mktemp("developer") / "venv", project=source, requirements=requirements
        )
        training.dvc(where, developer, "init", "--quiet", *(["--subdir"] if sub else []))
        consumer.commit_all(repo, f"dvc init {sub}")
        training.train_and_push(where, developer, str(tmp_path / f"dvc-remote-{sub.replace('/', '-') or 'root'}"))
    return repo, consumer.git(repo, "rev-parse", "HEAD")


def get_started_pull_request(make_consumer, tmp_path, tmp_path_factory, workflow="train.yml"):
    """The get-started shape trained on main, and a pull request that cuts its trees from 50 to
    3: (repo, base, head)."""
    project = fixture_projects.get_started(tmp_path / "project")
    inputs = {"requirements": "src/requirements.txt"}
    repo, base = trained(make_consumer, tmp_path, tmp_path_factory, project, workflow=workflow, inputs=inputs)
    consumer.git(repo, "checkout", "--quiet", "-b", "fewer-trees")
    fixture_projects.set_n_est(repo, 3)
    return repo, base, consumer.commit_all(repo, "n_est 3")


def report_results(run) -> dict:
    return json.loads(
        next(v for _, k, v in run.outputs(JOB, step="Report metrics and params against the base") if k == "results")
    )


def test_a_regression_project_installed_from_pyproject_gates_lower_is_better_metrics(
    make_consumer, sandbox, tmp_path, tmp_path_factory
):
    """(b) mae and rmse lower is better, r2 on another scale, a scatter plot of residuals, a
    package with only a pyproject.toml: a stronger penalty worsens mae beyond the gate."""
    repo, base = trained(make_consumer, tmp_path, tmp_path_factory, fixture_projects.regression(tmp_path / "p"))
    consumer.git(repo, "checkout", "--quiet", "-b", "penalty")
    fixture_projects.set_param(repo, r"alpha: .*", "alpha: 5.0")
    head = consumer.commit_all(repo, "alpha 5.0")
    with GitHubAPIStandIn(TOKEN) as api:
        run = run_train(api, repo, sandbox, base, head)
        [comment] = api.state.comments[("acme", "consumer", 7)]
    assert run.returncode != 0, "the gate must fail the job"
    results = report_results(run)
    mae = results["metrics"]["mae"]
    assert mae["base"] is not None and mae["head"] > mae["base"]
    verdicts = {v["metric"]: v for v in results["gate"]["verdicts"]}
    assert not verdicts["mae"]["passed"] and verdicts["mae"]["reasons"][0].startswith("regressed by")
    assert verdicts["rmse"]["passed"] and verdicts["r2"]["informational"]
    body = comment["body"]
    assert re.search(r"\| mae \| [0-9.]+ \| [0-9.]+ \| 🔴 ▲ \+[0-9.]+ \([+0-9.]+%\) worse \| ❌ regressed by", body)
    assert "**Residuals** (scatter of residual against predicted, binned" in body
    assert "line [" not in body.split("**Residuals**")[1].split("\n\n")[1]  # a table, not a line
    charts = re.findall(r"x-axis \[(.*)\]", body)
    assert charts == ['"r2"', '"mae", "rmse"']  # r2 never shares an axis with mae
    assert "| fit.alpha | 0.0 | 5.0 |" in body


def test_params_in_two_files_one_of_them_toml(make_consumer, sandbox, tmp_path, tmp_path_factory):
    """(d) params.yaml and config/model.toml; metrics in YAML. The TOML change is reported with
    its file, and the metric moves against its base."""
    repo, base = trained(make_consumer, tmp_path, tmp_path_factory, fixture_projects.two_params_files(tmp_path / "p"))
    consumer.git(repo, "checkout", "--quiet", "-b", "deeper")
    fixture_projects.set_param(repo, r"depth = \d+", "depth = 6", file="config/model.toml")
    head = consumer.commit_all(repo, "depth 6")
    with GitHubAPIStandIn(TOKEN) as api:
        run = run_train(api, repo, sandbox, base, head)
        assert run.returncode == 0, run.log[-6000:]
        [comment] = api.state.comments[("acme", "consumer", 7)]
    results = report_results(run)
    assert results["params"] == [{"name": "model.depth", "base": 4, "head": 6}]
    assert results["metrics"]["score"] == {"head": 0.82, "base": 0.78, "change": pytest.approx(0.04)}
    assert "| model.depth | 4 | 6 |" in comment["body"]
    assert results["gate"]["passed"] and results["gate"]["verdicts"][0]["metric"] == "score"
    assert '    title "history.csv"' in comment["body"] and "🟦 head · 🟧 base" in comment["body"]


MONOREPO_CALLER = """\
name: train

on:
  pull_request:
  push:
    branches: [main]

permissions: {}

jobs:
  vision:
    uses: kaizen-ci/kaizen/.github/workflows/train.yml@v1
    permissions:
      contents: read
      pull-requests: write
    with:
      working-directory: projects/vision
      report-name: vision
  churn:
    uses: kaizen-ci/kaizen/.github/workflows/train.yml@v1
    permissions:
      contents: read
      pull-requests: write
    with:
      working-directory: projects/churn
      report-name: churn
"""


def test_a_monorepo_reports_each_project_in_its_own_comment(make_consumer, sandbox, tmp_path, tmp_path_factory):
    """(c) two DVC projects in subfolders, one train.yml call each (report-name apart); a pull
    request that changes only projects/vision: its report shows the change, churn's retrains
    nothing and shows no param change."""
    project = fixture_projects.monorepo(tmp_path / "mono")
    repo, _ = trained(make_consumer, tmp_path, tmp_path_factory, project, subdirs=("projects/vision", "projects/churn"))
    # The team's own caller: train.yml once per project, each with its folder and report name.
    (repo / ".github" / "workflows" / "train.yml").write_text(MONOREPO_CALLER)
    base = consumer.commit_all(repo, "one train.yml call per project")
    consumer.git(repo, "checkout", "--quiet", "-b", "vision-depth")
    fixture_projects.set_param(repo / "projects" / "vision", r"depth = \d+", "depth = 5", file="config/model.toml")
    head = consumer.commit_all(repo, "vision: depth 5")
    with GitHubAPIStandIn(TOKEN) as api:
        run = run_train(api, repo, sandbox, base, head)
        assert run.returncode == 0, run.log[-6000:]
        comments = api.state.comments[("acme", "consumer", 7)]
    assert len(comments) == 2
    vision = next(c["body"] for c in comments if c["body"].startswith("<!-- kaizen-report:vision -->"))
    churn = next(c["body"] for c in comments if c["body"].startswith("<!-- kaizen-report:churn -->"))
    assert "| model.depth | 4 | 5 |" in vision and "Ran: `train`." in vision
    assert "| score | 0.78 | 0.8 |" in vision and '    title "history.csv"' in vision
    assert "✅ quality gate passed" in vision and "✅ quality gate passed" in churn
    assert "No params changed." in churn and "Ran: nothing." in churn
    assert re.search(r"\| mae \| [0-9.]+ \| [0-9.]+ \| = no change \|", churn) and "**Residuals**" in churn
    assert {"model-report-vision", "model-report-churn"} <= {p.name for p in run.artifacts.iterdir()}


def test_image_plots_appear_inline_when_the_caller_opts_in(make_consumer, sandbox, tmp_path, tmp_path_factory):
    """workflows/train-report-images.yml: the importance image of base and head is committed to
    the kaizen-report-images branch through the Git data API and shown in the comment by commit
    SHA; a fork's pull request writes nothing."""
    workflow = "train-report-images.yml"
    repo, base, head = get_started_pull_request(make_consumer, tmp_path, tmp_path_factory, workflow)
    with GitHubAPIStandIn(TOKEN) as api:
        run = run_train(api, repo, sandbox, base, head, workflow)
        assert run.returncode == 0, run.log[-6000:]
        [comment] = api.state.comments[("acme", "consumer", 7)]
        files = api.state.git_files("acme", "consumer", "kaizen-report-images")
        assert api.problems() == []
        shown = re.findall(
            r"!\[([\w-]+) \((head|base|rendered)\)\]\(https?://[^/\s]+/acme/consumer/raw/([0-9a-f]{40})/(\S+)\)",
            comment["body"],
        )
        assert sorted(who for _, who, _, _ in shown) == ["base", "head", "rendered", "rendered", "rendered"], shown
        artifact = run.artifacts / "model-report" / "plots"
        branch_head = api.state.git_refs[("acme", "consumer", "refs/heads/kaizen-report-images")]
        for _, _, commit, path in shown:
            assert commit == branch_head  # shown by the commit that holds them
            assert files[path] == (artifact / Path(path).name).read_bytes()  # the same bytes
        assert "kaizen-image:" not in comment["body"]  # every marker replaced

        # A fork's pull request: the images job does not run, nothing is written.
        before = dict(api.state.git_refs)
        fork = training.pull_request_payload(base, head, number=8, head_repository="someone/fork")
        run = run_train(api, repo, sandbox, base, head, workflow, payload=fork)
        assert run.returncode == 0, run.log[-6000:]
        assert api.state.git_refs == before
        [fork_comment] = api.state.comments[("acme", "consumer", 8)]
        assert "kaizen-image:" in fork_comment["body"] and "/raw/" not in fork_comment["body"]
