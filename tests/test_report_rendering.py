"""The model report as a page, rendered as GitHub renders a comment: GFM Markdown with its
Mermaid diagrams (npm mermaid, pinned in package-lock.json) in Debian's headless Chromium. Any
Mermaid error fails; the screenshot is kept for a person to look at (KAIZEN_SCREENSHOTS=dir)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixture_projects import ALL_TEMPLATES_DVC_YAML, write_all_templates

from kaizen.main import main

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
INJECTION = 'evil"] --> |x| <img src=x onerror=alert(1)> `code` %%{init}%%'


def render(report: Path, screenshot: Path) -> dict:
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "render" / "render_report.mjs"), str(report), str(screenshot)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    keep = os.environ.get("KAIZEN_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(screenshot, Path(keep) / screenshot.name)
    return json.loads(result.stdout)


def git(project: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t"}
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True)


@pytest.fixture()
def report_of_every_plot(tmp_path, monkeypatch) -> Path:
    """`kaizen metrics-report` on a project with every DVC template, metrics of very different
    scales, and names carrying Markdown, HTML and Mermaid syntax, head against its base."""
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    git(project, "init", "-q", "-b", "main")
    subprocess.run([str(BIN / "dvc"), "init", "-q"], cwd=project, check=True)
    (project / "dvc.yaml").write_text(ALL_TEMPLATES_DVC_YAML + "metrics:\n  - metrics.json\n")
    metrics = {"r2": 0.04, "mae": 64.2, "rmse": 80.5, INJECTION: 0.5}
    (project / "metrics.json").write_text(json.dumps(metrics))
    (project / "params.yaml").write_text("train:\n  alpha: 0.1\n")
    write_all_templates(project, 0.0)
    git(project, "add", "-A")
    git(project, "commit", "-qm", "base")
    write_all_templates(project, 0.2)
    (project / "metrics.json").write_text(json.dumps({**metrics, "r2": 0.06, "mae": 60.1}))
    (project / "params.yaml").write_text("train:\n  alpha: 0.3\n")
    for name, value in {
        "GITHUB_WORKSPACE": str(project),
        "RUNNER_TEMP": str(tmp_path / "runner"),
        "KAIZEN_BASE_REF": "main",
        "KAIZEN_ARTIFACT_NAME": "model-report",
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["metrics-report"]) == 0
    return tmp_path / "runner" / "kaizen-report" / "report.md"


def test_the_report_renders_with_every_diagram_drawn_and_no_mermaid_error(report_of_every_plot, tmp_path):
    text = report_of_every_plot.read_text()
    blocks = text.count("```mermaid")
    assert blocks >= 5  # metrics (two scales), ROC, linear and smooth curves
    page = render(report_of_every_plot, tmp_path / "report-every-plot.png")
    assert page["errors"] == []
    assert page["blocks"] == blocks and page["svgs"] == blocks
    assert all(count > 5 for count in page["lines"])  # each diagram drew its bars or lines
    assert page["tables"] >= 6  # metrics, params, two confusion matrices, scatter bins, importance
    assert page["images"] == 0  # no <img> from a metric's name reached the page
    assert "onerror" not in page["text"] or "<img" in page["text"]  # shown as text, not as a tag
    assert (tmp_path / "report-every-plot.png").stat().st_size > 10_000


def test_a_broken_diagram_is_caught(tmp_path):
    """The renderer itself reports Mermaid's errors, so the test above can fail."""
    bad = tmp_path / "bad.md"
    bad.write_text("## Report\n\n```mermaid\nxychart-beta\n    line [1, 2\n```\n")
    page = render(bad, tmp_path / "bad.png")
    assert page["errors"], page
