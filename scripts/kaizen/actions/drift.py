"""`actions/drift`: how far the data the model serves has moved from its training data. Reads the
reference (the training data at the serving commit) and the serving sample, compares every
column (kaizen.drift.statistics), writes the report to the step summary and a folder for the
artifact, and says whether the `drift:` thresholds of the quality gate file were breached.

The statistics need numpy and scipy: when the runner's Python lacks them, the command installs
the hashed `drift` lock into a venv of its own and runs itself again there."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from pathlib import Path

from kaizen import gha, inputs, tool_env

DEFAULT_THRESHOLDS = ".kaizen/quality-gate.yml"
IN_TOOL_ENV = "KAIZEN_DRIFT_TOOL_ENV"  # set in the re-run, so it never loops


def thresholds_file(project: Path) -> Path | None:
    if not inputs.text("thresholds-file"):
        default = project / DEFAULT_THRESHOLDS
        return default if default.is_file() else None
    return inputs.file("thresholds-file", base=project, what="it is relative to working-directory")


def serving_path() -> Path:
    """A file or a folder, in the workspace or the runner's temporary folder (where a workflow
    collects the sample)."""
    value = inputs.required("serving", "give the serving sample's file or folder (docs/drift.md)")
    path = inputs.inside("serving", value, temp_ok=True)
    if not path.exists():
        raise inputs.bad("serving", f"{value!r} does not exist; collect the service's sample there first")
    return path


def has_statistics() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("numpy", "scipy", "yaml"))


def rerun_in_tool_env() -> int:
    bin_dir = tool_env.private_venv(Path(gha.runner_temp()) / "kaizen-drift-tools", "drift", what="numpy and scipy")
    scripts = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, IN_TOOL_ENV: "1", "PYTHONPATH": scripts}
    return subprocess.run([str(bin_dir / "python"), "-m", "kaizen", "drift"], env=env, check=False).returncode


def run() -> int:
    _, project = inputs.working_directory()
    reference_path = inputs.file(
        "reference",
        base=project,
        what="give the training data's CSV, relative to working-directory (e.g. data/prepared/train.csv)",
    )
    if reference_path is None:
        raise inputs.bad("reference", "missing; give the training data's CSV, relative to working-directory")
    serving = serving_path()
    gate_file = thresholds_file(project)
    target = inputs.text("target-column", "target")
    serving_commit = inputs.text("serving-commit")
    if serving_commit:
        serving_commit = inputs.commit_sha("serving-commit", "the commit the service runs (its /metadata git_sha)")
    fail_on_breach = inputs.boolean("fail-on-breach", False)
    charts = inputs.integer("charts", 3, minimum=0, maximum=10)
    inputs.identifier("artifact-name", "drift-report", "the artifact's name")
    if not has_statistics():
        if os.environ.get(IN_TOOL_ENV):
            raise gha.InputError("the drift environment lacks numpy or scipy; see the install log above", title="drift")
        return rerun_in_tool_env()

    from kaizen.drift import data, markdown, statistics, thresholds

    limits = thresholds.load(gate_file)
    reference = data.read_reference(reference_path)
    if target not in reference.columns:
        gha.warning(
            f"target-column: {target!r} is not a column of {reference_path.name}; the prediction's drift is not "
            "checked (set target-column to the label the model predicts)",
            title="target-column",
        )
    sample = data.read_serving(serving, [c for c in reference.columns if c != target])
    result = statistics.analyse(reference, sample, target, limits)
    context = f"Serving commit `{serving_commit[:12]}`." if serving_commit else ""
    report = markdown.build(result, context, charts)
    out_dir = (Path(gha.runner_temp()) / "kaizen-drift").resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.md").write_text(report, encoding="utf-8")
    results = {**result.as_dict(), "serving_commit": serving_commit}
    (out_dir / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    gha.add_summary(report)
    gha.set_output("breached", "true" if result.breached else "false")
    gha.set_output("drifted", ",".join(c.name for c in result.drifted))
    gha.set_output("report-file", str(out_dir / "report.md"))
    gha.set_output("results-file", str(out_dir / "results.json"))
    gha.set_output("output-dir", str(out_dir))
    if result.too_few_rows:
        gha.warning(
            f"serving: {result.serving_rows} rows, fewer than drift.min_rows ({limits.min_rows}); no verdict",
            title="serving",
        )
    elif result.breached:
        names = ", ".join(c.name for c in result.drifted)[:300] or "the schema"
        message = f"drift: the serving data breached the drift thresholds ({names})"
        if fail_on_breach:
            gha.error(message, title="drift")
            return 1
        gha.warning(message, title="drift")
    print(f"drift: {len(result.drifted)} of {len(result.columns)} columns drifted; breached={result.breached}")
    return 0
