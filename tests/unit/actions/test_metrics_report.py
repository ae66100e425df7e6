"""actions/metrics-report against the real DVC command line on small repositories."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixture_projects import git

from kaizen.main import main

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent  # the test environment holds the DVC that actions/dvc pins


@pytest.fixture()
def project(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "example-project", repo, ignore=shutil.ignore_patterns("data", "models", "__pycache__"))
    git(repo, "init", "-q", "-b", "main")
    (repo / "metrics.json").write_text('{"accuracy": 0.95, "f1": 0.94, "roc_auc": 0.99}\n')
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(repo))
    monkeypatch.setenv("RUNNER_TEMP", str(tmp_path / "runner"))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "output"))
    monkeypatch.setenv("DVC_SITE_CACHE_DIR", str(tmp_path / "site-cache"))
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")
    return repo


def errors(capsys) -> list[str]:
    return [line for line in capsys.readouterr().out.splitlines() if line.startswith("::error")]


def test_report_against_the_base_branch(project, tmp_path, monkeypatch, capsys):
    git(project, "checkout", "-qb", "feature")
    (project / "params.yaml").write_text((project / "params.yaml").read_text().replace("C: 1.0", "C: 0.5"))
    (project / "metrics.json").write_text('{"accuracy": 0.96, "f1": 0.94, "roc_auc": 0.99}\n')
    monkeypatch.setenv("KAIZEN_BASE_REF", "main")
    assert main(["metrics-report"]) == 0
    results = json.loads((tmp_path / "runner" / "kaizen-report" / "results.json").read_text())
    assert results["metrics"]["accuracy"]["base"] == 0.95 and results["metrics"]["accuracy"]["head"] == 0.96
    assert results["params"] == [{"name": "train.C", "base": 1.0, "head": 0.5}]
    assert "| train.C | 1.0 | 0.5 |" in (tmp_path / "summary.md").read_text()


def test_gate_failure_fails_the_step_with_one_error(project, monkeypatch, capsys):
    (project / "gate.yml").write_text("metrics:\n  accuracy: {direction: higher, min: 0.99}\n")
    monkeypatch.setenv("KAIZEN_THRESHOLDS_FILE", "gate.yml")
    assert main(["metrics-report"]) == 1
    assert errors(capsys) == ["::error title=quality gate::quality gate: accuracy 0.95 is below the minimum 0.99"]
    monkeypatch.setenv("KAIZEN_FAIL_ON_GATE", "false")
    assert main(["metrics-report"]) == 0


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda p: (p / "dvc.yaml").unlink(), "::error title=working-directory::working-directory: no dvc.yaml"),
        (
            lambda p: (p / "metrics.json").write_text('{"accuracy": NaN}'),
            "::error file=metrics.json,title=metrics::metrics.json: metric 'accuracy' is nan",
        ),
        (
            lambda p: (p / "metrics.json").unlink(),
            "::error file=metrics.json,title=metrics::metrics.json: metrics file not found",
        ),
        (
            lambda p: (
                (p / ".kaizen").mkdir()
                or (p / ".kaizen" / "quality-gate.yml").write_text("metrics:\n  recall: {direction: higher, min: 1}\n")
            ),
            "::error file=.kaizen/quality-gate.yml,title=thresholds-file::.kaizen/quality-gate.yml: rules for metrics "
            "the pipeline does not produce: 'recall'",
        ),
    ],
)
def test_bad_input_gives_one_error_naming_the_file(project, capsys, setup, expected):
    setup(project)
    assert main(["metrics-report"]) == 1
    [line] = errors(capsys)
    assert line.startswith(expected)


def test_a_base_whose_cached_metrics_cannot_be_loaded_is_an_error(project, monkeypatch, capsys):
    dvc_yaml = (
        (project / "dvc.yaml")
        .read_text()
        .replace("      - metrics.json:\n          cache: false\n", "      - metrics.json\n")
    )
    (project / "dvc.yaml").write_text(dvc_yaml)
    (project / "dvc.lock").write_text(
        "schema: '2.0'\nstages:\n  evaluate:\n    cmd: python -m x\n    outs:\n"
        "    - path: metrics.json\n      md5: 0123456789abcdef0123456789abcdef\n"
        "      size: 10\n"
    )
    (project / ".gitignore").write_text((project / ".gitignore").read_text() + "/metrics.json\n")  # as dvc does
    git(project, "add", "-A")
    git(project, "rm", "-q", "--cached", "metrics.json")
    git(project, "commit", "-qm", "metrics now a cached output the base never pushed")
    git(project, "checkout", "-qb", "feature")
    monkeypatch.setenv("KAIZEN_BASE_REF", "main")
    assert main(["metrics-report"]) == 1
    [line] = errors(capsys)
    assert "metrics.json: the base revision" in line and "refusing to report a diff against nothing" in line


def test_base_metrics_inside_a_dvc_tracked_output_are_pulled_from_the_remote(project, tmp_path, monkeypatch):
    """metrics.json tracked by DVC (not git): the base's version comes from the remote."""
    dvc = [str(BIN / "dvc")]
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    (project / "dvc.yaml").write_text((project / "dvc.yaml").read_text() + "metrics:\n  - metrics.json\n")
    (project / "dvc.yaml").write_text(
        (project / "dvc.yaml").read_text().replace("    metrics:\n      - metrics.json:\n          cache: false\n", "")
    )
    git(project, "rm", "-q", "--cached", "metrics.json")
    for args in (["remote", "add", "-d", "storage", str(tmp_path / "remote")], ["add", "metrics.json"], ["push"]):
        subprocess.run(dvc + args, cwd=project, env=env, check=True, capture_output=True)
    git(project, "add", "-A")
    git(project, "commit", "-qm", "metrics as a DVC-tracked file")
    git(project, "checkout", "-qb", "feature")
    (project / "metrics.json").write_text('{"accuracy": 0.97, "f1": 0.94, "roc_auc": 0.99}\n')
    shutil.rmtree(project / ".dvc" / "cache")  # a fresh CI clone has no cache of the base
    monkeypatch.setenv("KAIZEN_BASE_REF", "main")
    assert main(["metrics-report"]) == 0
    results = json.loads((tmp_path / "runner" / "kaizen-report" / "results.json").read_text())
    assert (results["metrics"]["accuracy"]["base"], results["metrics"]["accuracy"]["head"]) == (0.95, 0.97)


def test_top_level_metrics_inside_a_dvc_cached_output_directory_have_base_values(project, tmp_path, monkeypatch):
    """DVC's get-started shape: `metrics:` at the top of dvc.yaml naming eval/metrics.json, which
    lies inside the stage output `eval` that DVC caches. A fresh CI clone has no cache: the base's
    values come from the remote, never a column of `new`."""
    dvc = [str(BIN / "dvc")]
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    (project / "eval").mkdir()
    (project / "eval" / "metrics.json").write_text('{"test": {"acc": 0.974}, "train": {"acc": 0.99}}\n')
    (project / "dvc.yaml").write_text(
        "stages:\n  evaluate:\n    cmd: python -c pass\n    outs:\n      - eval\nmetrics:\n  - eval/metrics.json\n"
    )
    for args in (["remote", "add", "-d", "storage", str(tmp_path / "remote")], ["commit", "-f"], ["push"]):
        subprocess.run(dvc + args, cwd=project, env=env, check=True, capture_output=True)
    git(project, "add", "-A")
    git(project, "commit", "-qm", "metrics inside the cached output eval/")
    git(project, "checkout", "-qb", "feature")
    (project / "eval" / "metrics.json").write_text('{"test": {"acc": 0.752}, "train": {"acc": 0.8}}\n')
    shutil.rmtree(project / ".dvc" / "cache")  # a fresh CI clone has no cache of the base
    (project / "gate.yml").write_text("metrics:\n  test.acc: {direction: higher, max_regression: 0.01}\n")
    monkeypatch.setenv("KAIZEN_THRESHOLDS_FILE", "gate.yml")
    monkeypatch.setenv("KAIZEN_BASE_REF", "main")
    assert main(["metrics-report"]) == 1  # the 22-point regression is caught
    results = json.loads((tmp_path / "runner" / "kaizen-report" / "results.json").read_text())
    assert results["metrics"]["test.acc"]["base"] == 0.974 and results["metrics"]["test.acc"]["head"] == 0.752
    assert results["metrics"]["train.acc"]["base"] == 0.99
    [verdict] = results["gate"]["verdicts"]
    assert not verdict["passed"] and verdict["reasons"][0].startswith("regressed by 0.222")
    # The Data section: what dvc diff says changed, with the size dvc.lock records for eval/.
    changes = {c["path"]: c for c in results["data"]}
    assert changes["eval/"]["change"] == "modified" and isinstance(changes["eval/"]["base_size"], int)
    assert changes["eval/metrics.json"]["change"] == "modified"
    assert "### Data" in (tmp_path / "summary.md").read_text()


def test_a_rule_comparing_with_a_base_that_has_no_value_cannot_be_evaluated_and_fails(project, monkeypatch, capsys):
    """The base does not produce the metric: max_regression has nothing to compare with, so it
    fails as "cannot be evaluated" (with the reason in the report) instead of passing silently."""
    (project / "metrics.json").write_text('{"accuracy": 0.95, "f1": 0.9, "roc_auc": 0.99, "recall": 0.8}\n')
    (project / "gate.yml").write_text(
        "metrics:\n  recall: {direction: higher, max_regression: 0.01}\n  accuracy: {direction: higher, min: 0.5}\n"
    )
    monkeypatch.setenv("KAIZEN_THRESHOLDS_FILE", "gate.yml")
    monkeypatch.setenv("KAIZEN_BASE_REF", "main")
    assert main(["metrics-report"]) == 1
    [line] = errors(capsys)
    assert line.startswith("::error title=quality gate::quality gate: recall cannot be evaluated: no base value")
    assert "does not produce recall" in line
    monkeypatch.delenv("KAIZEN_BASE_REF")  # nothing to compare with was asked for: only the bounds apply
    assert main(["metrics-report"]) == 0


def test_a_base_that_never_committed_its_metrics_says_why(project, tmp_path, monkeypatch):
    (project / "dvc.yaml").write_text((project / "dvc.yaml").read_text() + "metrics:\n  - extra.json\n")
    git(project, "add", "dvc.yaml")
    git(project, "commit", "-qm", "declare extra.json, never produced on main")
    git(project, "checkout", "-qb", "feature")
    (project / "extra.json").write_text('{"latency_ms": 12}\n')
    monkeypatch.setenv("KAIZEN_BASE_REF", "main")
    assert main(["metrics-report"]) == 0
    results = json.loads((tmp_path / "runner" / "kaizen-report" / "results.json").read_text())
    assert results["metrics"]["extra.json:latency_ms"]["base"] is None
    assert results["metrics"]["metrics.json:accuracy"]["base"] == 0.95  # named as the head names it
    assert "neither commits extra.json nor records it in dvc.lock" in results["missing_base"]["extra.json"]
    assert "**No base values for:** `extra.json`" in (tmp_path / "summary.md").read_text()


def test_dvclive_default_layout_and_a_second_dvc_yaml(project, tmp_path, monkeypatch):
    """DVCLive's default layout (top-level metrics, params and a plots folder in dvc.yaml, files
    under dvclive/) and a second dvc.yaml in a subfolder whose metrics are relative to it."""
    live = project / "dvclive"
    (live / "plots" / "metrics").mkdir(parents=True)

    def write(shift: float) -> None:
        (live / "metrics.json").write_text(json.dumps({"loss": round(0.3 + shift, 3), "step": 2}))
        (live / "params.yaml").write_text(f"lr: {0.1 + shift}\n")
        (live / "plots" / "metrics" / "loss.tsv").write_text(
            "step\tloss\n" + "".join(f"{i}\t{1 / (i + 1) + shift}\n" for i in range(3))
        )
        (project / "extra" / "score.json").write_text(json.dumps({"score": 0.7 + shift}))

    (project / "extra").mkdir()
    (project / "extra" / "dvc.yaml").write_text("metrics:\n  - score.json\n")
    (project / "dvc.yaml").write_text(
        (project / "dvc.yaml").read_text()
        + "metrics:\n  - dvclive/metrics.json\nplots:\n  - dvclive/plots/metrics:\n      x: step\n"
        + "params:\n  - dvclive/params.yaml\n"
    )
    write(0.0)
    git(project, "add", "-A")
    git(project, "commit", "-qm", "dvclive and a second dvc.yaml")
    git(project, "checkout", "-qb", "feature")
    write(0.1)
    monkeypatch.setenv("KAIZEN_BASE_REF", "main")
    assert main(["metrics-report"]) == 0
    results = json.loads((tmp_path / "runner" / "kaizen-report" / "results.json").read_text())
    assert results["metrics"]["dvclive/metrics.json:loss"] == {"head": 0.4, "base": 0.3, "change": pytest.approx(0.1)}
    assert results["metrics"]["extra/score.json:score"]["base"] == 0.7
    assert {"name": "lr", "base": 0.1, "head": 0.2} in [
        {**p, "name": p["name"].split(":")[-1]} for p in results["params"]
    ]
    summary = (tmp_path / "summary.md").read_text()
    assert '    title "dvclive/plots/metrics/loss.tsv"' in summary


def test_a_thresholds_file_outside_the_repository_is_refused(project, tmp_path, monkeypatch, capsys):
    (tmp_path / "elsewhere.yml").write_text("metrics:\n  accuracy: {direction: higher}\n")
    monkeypatch.setenv("KAIZEN_THRESHOLDS_FILE", str(tmp_path / "elsewhere.yml"))
    assert main(["metrics-report"]) == 1
    [line] = errors(capsys)
    assert "thresholds-file:" in line and "is outside the repository" in line


def test_a_private_repositorys_report_fetches_its_base_with_the_token(project, tmp_path, monkeypatch, capsys):
    """The checkout is shallow and keeps no credentials; a private origin refuses anonymous fetches."""
    from kaizen_harness.git_server import GitServer

    token = "ghs_report-token"
    git(project, "checkout", "-qb", "feature")
    (project / "metrics.json").write_text('{"accuracy": 0.97, "f1": 0.94, "roc_auc": 0.99}\n')
    git(project, "commit", "-qam", "better")
    with GitServer({"acme/private": project}, tokens={token}) as server:
        clone = tmp_path / "clone"
        env = {**os.environ, **server.auth_env(token)}
        subprocess.run(
            ["git", "clone", "-q", "--depth=1", "-b", "feature", server.url_of("acme/private"), str(clone)],
            env=env, check=True,
        )  # fmt: skip
        monkeypatch.setenv("GITHUB_WORKSPACE", str(clone))
        monkeypatch.setenv("GITHUB_SERVER_URL", server.url)
        monkeypatch.setenv("KAIZEN_BASE_REF", "main")
        assert main(["metrics-report"]) == 1  # no token: one error naming the input and the fix
        assert errors(capsys) == [
            "::error title=base-ref::base-ref: cannot fetch 'main' from origin (fatal: could not read Username for "
            f"'{server.url}': terminal prompts disabled); pass the job's token (token: ${{{{ github.token }}}}): "
            "a private repository refuses anonymous fetches"
        ]
        monkeypatch.setenv("KAIZEN_TOKEN", token)
        assert main(["metrics-report"]) == 0
        out = capsys.readouterr().out
    results = json.loads((tmp_path / "runner" / "kaizen-report" / "results.json").read_text())
    assert results["metrics"]["accuracy"]["base"] == 0.95 and results["metrics"]["accuracy"]["head"] == 0.97
    assert token not in out and token not in (clone / ".git" / "config").read_text()


def test_without_base_ref_the_report_compares_with_the_events_base(project, tmp_path, monkeypatch):
    base_sha = git(project, "rev-parse", "HEAD").strip()
    git(project, "checkout", "-qb", "feature")
    (project / "metrics.json").write_text('{"accuracy": 0.97, "f1": 0.94, "roc_auc": 0.99}\n')
    git(project, "commit", "-qam", "better")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 3, "base": {"sha": base_sha, "ref": "main"}}}))
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    assert main(["metrics-report"]) == 0
    results = json.loads((tmp_path / "runner" / "kaizen-report" / "results.json").read_text())
    assert results["metrics"]["accuracy"]["base"] == 0.95
    assert results["base"] == f"main ({base_sha[:12]})"


def test_each_vega_plot_is_rendered_to_an_svg_and_a_png_drawn_from_it(tmp_path):
    from kaizen.actions import metrics_report

    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": [{"fpr": x / 10, "tpr": min(1.0, x / 5)} for x in range(11)]},
        "mark": "line",
        "encoding": {"x": {"field": "fpr", "type": "quantitative"}, "y": {"field": "tpr", "type": "quantitative"}},
    }
    diff = {"data": {"plots/roc.csv": [{"type": "vega", "content": spec}], "eval/a.png": [{"type": "image"}]}}
    written = metrics_report.render_images(diff, tmp_path)
    assert [p.name for p in written] == ["plots_roc_csv.svg", "plots_roc_csv.png"]
    svg, png = written
    assert svg.read_text().startswith("<svg") and "fpr" in svg.read_text()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png.read_bytes()[16:20], "big")
    assert width >= 2 * int(float(svg.read_text().split('width="', 1)[1].split('"', 1)[0])) - 1  # scale 2
