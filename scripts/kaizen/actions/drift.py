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
import urllib.request
from pathlib import Path

from kaizen import gha, inputs, tool_env
from kaizen.git import file_at, git

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


def commit_from_metadata() -> str:
    """The commit the service runs, from its /metadata (`git_sha`, docs/drift.md)."""
    url = inputs.url("metadata-url", "give the service's /metadata URL, e.g. https://staging.example.com/metadata")
    try:
        with urllib.request.urlopen(url, timeout=15) as reply:  # noqa: S310 - http(s) only (inputs.url)
            data = json.loads(reply.read(1_000_000))
    except (OSError, ValueError) as error:
        raise inputs.bad(
            "metadata-url", f"could not read {url} ({error}); is the service up and the URL right?"
        ) from None
    sha = data.get("git_sha") if isinstance(data, dict) else None
    if not isinstance(sha, str) or not inputs.COMMIT_SHA.match(sha):
        raise inputs.bad(
            "metadata-url",
            f"{url} names no commit (git_sha, 40 hex characters); the service must report the commit it runs "
            "(docs/drift.md), or give serving-commit",
        )
    return sha


def serving_commit() -> str:
    if inputs.text("serving-commit"):
        return inputs.commit_sha("serving-commit", "the commit the service runs (its /metadata git_sha)")
    return commit_from_metadata() if inputs.text("metadata-url") else ""


def reference_file(project: Path, commit: str) -> Path:
    """The training data at the serving commit: the workspace's file when the checkout is that
    commit (or none is named), else the file as git or DVC recorded it at the commit."""
    what = "give the training data's CSV, relative to working-directory (e.g. data/prepared/train.csv)"
    value = inputs.required("reference", what)
    if commit and git(project, "rev-parse", "HEAD", check=False).stdout.strip() != commit:
        from kaizen import dvc

        path = inputs.inside("reference", value, project)
        relative = path.relative_to(project.resolve()).as_posix()
        if git(project, "cat-file", "-e", f"{commit}^{{commit}}", check=False).returncode != 0:
            raise inputs.bad(
                "reference",
                f"the serving commit {commit[:12]} is not in this checkout; check out with fetch-depth: 0",
            )
        text = file_at(project, commit, relative) or dvc.get_at_revision(project, commit, relative)
        if text is None:
            raise inputs.bad(
                "reference",
                f"{relative} is neither committed nor DVC-tracked (and pushed) at the serving commit {commit[:12]}",
            )
        fetched = Path(gha.runner_temp()) / "kaizen-drift-reference" / path.name
        fetched.parent.mkdir(parents=True, exist_ok=True)
        fetched.write_text(text, encoding="utf-8")
        return fetched
    found = inputs.file("reference", base=project, what=what, temp_ok=True)
    assert found is not None  # required above
    return found


def has_statistics() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("numpy", "scipy", "yaml"))


def rerun_in_tool_env(reference: Path, commit: str) -> int:
    """Run again in the drift lock's venv, with the reference already fetched (no DVC there)."""
    bin_dir = tool_env.private_venv(Path(gha.runner_temp()) / "kaizen-drift-tools", "drift", what="numpy and scipy")
    scripts = str(Path(__file__).resolve().parents[2])
    env = {
        **os.environ,
        IN_TOOL_ENV: "1",
        "PYTHONPATH": scripts,
        inputs.variable("reference"): str(reference),
        inputs.variable("serving-commit"): commit,
        inputs.variable("metadata-url"): "",
    }
    return subprocess.run([str(bin_dir / "python"), "-m", "kaizen", "drift"], env=env, check=False).returncode


def run() -> int:
    _, project = inputs.working_directory()
    serving = serving_path()
    gate_file = thresholds_file(project)
    target = inputs.text("target-column", "target")
    fail_on_breach = inputs.boolean("fail-on-breach", False)
    charts = inputs.integer("charts", 3, minimum=0, maximum=10)
    inputs.identifier("artifact-name", "drift-report", "the artifact's name")
    commit = serving_commit()
    reference_path = reference_file(project, commit)
    gha.set_output("serving-commit", commit)
    if not has_statistics():
        if os.environ.get(IN_TOOL_ENV):
            raise gha.InputError("the drift environment lacks numpy or scipy; see the install log above", title="drift")
        return rerun_in_tool_env(reference_path, commit)

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
    context = f"Serving commit `{commit[:12]}`." if commit else ""
    report = markdown.build(result, context, charts)
    out_dir = (Path(gha.runner_temp()) / "kaizen-drift").resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.md").write_text(report, encoding="utf-8")
    results = {**result.as_dict(), "serving_commit": commit}
    (out_dir / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    gha.add_summary(report)
    gha.set_output("breached", "true" if result.breached else "false")
    gha.set_output("drifted", ",".join(c.name for c in result.drifted))
    gha.set_output("report-file", str(out_dir / "report.md"))
    gha.set_output("report", report)
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
