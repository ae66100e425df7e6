"""kaizen.plots and the plot blocks of the report, from what the real `dvc plots diff --json`
gives for every template DVC ships, several files per plot, a base and a head."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fixture_projects import ALL_TEMPLATES_DVC_YAML, write_all_templates

from kaizen import dvc, plots
from kaizen.report import blocks, charts

BIN = Path(sys.executable).parent


def git(project: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
    env["GIT_COMMITTER_EMAIL"] = "t@t"
    return subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def diff(tmp_path_factory):
    os.environ["DVC_NO_ANALYTICS"] = "1"
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ['PATH']}"  # the DVC actions/dvc installs
    project = tmp_path_factory.mktemp("plots")
    git(project, "init", "-q", "-b", "main")
    subprocess.run([str(BIN / "dvc"), "init", "-q"], cwd=project, check=True)
    (project / "dvc.yaml").write_text(ALL_TEMPLATES_DVC_YAML)
    write_all_templates(project, 0.0)
    git(project, "add", "-A")
    git(project, "commit", "-qm", "base")
    base = git(project, "rev-parse", "HEAD").strip()
    write_all_templates(project, 0.2)
    return base, dvc.plots_diff(project, base, tmp_path_factory.mktemp("out"))


def by_id(diff_result):
    base, data = diff_result
    return base, {plot.id: plot for plot in plots.parse(data)}


def test_every_template_is_recognised(diff):
    _, found = by_id(diff)
    kinds = {plot_id: plot.kind for plot_id, plot in found.items()}
    assert kinds == {
        "ROC": "curve",
        "eval/cm.csv": "confusion",
        "eval/cm_norm.csv": "confusion_normalized",
        "eval/resid.csv": "scatter",
        "Loss": "curve",
        "Smooth": "curve",
        "Importance": "bar",
        "eval/importance.png": "image",
    }
    assert (found["Loss"].x_label, found["Loss"].y_label) == ("Step", "Training loss")


def test_curves_have_a_series_per_revision_and_file_named_in_a_legend(diff):
    base, found = by_id(diff)
    block = blocks.curve_block(found["ROC"], base)
    assert len(re.findall(r"^    line \[", block, re.MULTILINE)) == 4
    assert block.endswith("🟦 head · train.json · 🟧 head · test.json · 🟩 base · train.json · 🟪 base · test.json")
    assert '"plotColorPalette": "#2563eb, #ea580c, #16a34a, #9333ea"' in block
    single = blocks.curve_block(found["Loss"], base)
    assert single.endswith("🟦 head · 🟧 base") and 'x-axis "Step" 0 --> 7' in single


def test_a_scatter_plot_is_binned_not_drawn_as_a_line(diff):
    base, found = by_id(diff)
    block = blocks.scatter_block(found["eval/resid.csv"], base)
    assert "```mermaid" not in block and "line [" not in block
    rows = [line for line in block.splitlines() if re.match(r"^\| -?[0-9.]+ – ", line)]
    assert len(rows) == 8
    counts = [int(cell.split(",")[0]) for line in rows for cell in line.split(" | ")[1:2]]
    assert sum(counts) == 40  # every head point in exactly one bin
    assert "head: n 40, mean 0.2" in block and "base: n 40, mean 0," in block


def test_confusion_matrices_show_the_change_against_the_base(diff):
    base, found = by_id(diff)
    block = blocks.confusion_block(found["eval/cm.csv"], base)
    assert "| **1** | 3 (+2) | 6 (+0) |" in block
    assert "Confusion \\| &lt;b&gt;matrix&lt;/b&gt;" in block  # the title cannot break the table or inject HTML
    normalized = blocks.confusion_block(found["eval/cm_norm.csv"], base)
    assert "| **0** | 71.4 (+0.0) | 28.6 (+0.0) |" in normalized


def test_bar_plots_are_tables_sorted_by_the_heads_value(diff):
    base, found = by_id(diff)
    block = blocks.bar_block(found["Importance"], base)
    rows = [line for line in block.splitlines() if re.match(r"^\| f\d", line)]
    assert rows[0] == "| f3 | 0.3 | 0.5 | +0.2 |" and rows[-1].startswith("| f0 |")


def test_images_are_named_for_head_and_base_in_the_artifact(diff):
    base, found = by_id(diff)
    image = found["eval/importance.png"]
    assert set(image.revisions()) == {plots.HEAD, base}
    block = blocks.image_block(image, base, {plots.HEAD: "plots/h.png", base: "plots/b.png"}, "the artifact")
    assert block == (
        "**eval/importance.png** (image): head: `plots/h.png`, base: `plots/b.png`, in the artifact.\n\n"
        "<!-- kaizen-image:head:plots/h.png -->\n<!-- kaizen-image:base:plots/b.png -->"
    )
    # A path that could climb out of the report's folder gets no marker.
    image.images[plots.HEAD] = "../../etc/passwd"
    assert "kaizen-image" not in blocks.image_block(image, None, {}, "the artifact")


def test_metrics_of_different_scales_never_share_an_axis():
    head = {"r2": 0.04, "mae": 64.0, "rmse": 80.0, "mape": 0.3}
    drawn = charts.metrics_charts(head, {"r2": 0.05, "mae": 60.0, "rmse": 75.0, "mape": 0.31})
    axes = [re.search(r"x-axis \[(.*)\]", chart).group(1) for chart in drawn]
    assert axes == ['"mape", "r2"', '"mae", "rmse"']  # 0.04 and 0.3 share one; 64 and 80 another


def test_dvc_errors_are_reported_per_revision():
    assert plots.errors({"errors": [{"rev": "workspace", "type": "DataIndexDirError", "msg": "failed"}]}, "abc") == [
        "head: DataIndexDirError: failed"
    ]
