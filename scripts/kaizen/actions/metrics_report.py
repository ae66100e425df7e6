"""`actions/metrics-report`: metrics and params of the head against the base revision, the
quality gate, and charts, as one Markdown report plus a JSON of the results."""

from __future__ import annotations

import json
import os
from pathlib import Path

from kaizen import base as bases
from kaizen import dvc, gha, inputs, metrics, pipeline_files, plots, quality_gate, untrusted
from kaizen.escape import md_text
from kaizen.gha import InputError
from kaizen.git import file_at, git
from kaizen.report.blocks import plot_blocks
from kaizen.report.comment import IMAGE_MARKER, fit_report
from kaizen.report.markdown import build_markdown
from kaizen.report.schema import ReportInput, build_results

DEFAULT_THRESHOLDS = ".kaizen/quality-gate.yml"


def head_metrics(project: Path, declared: list[tuple[str, bool]]) -> dict[str, float]:
    if not declared:
        raise InputError(
            "dvc.yaml declares no metrics; add a `metrics:` entry (e.g. metrics.json) to the evaluate stage",
            title="metrics",
            file="dvc.yaml",
        )
    return metrics.merge({path: metrics.load_metrics_file(project / path, path) for path, _ in declared})


def base_metrics(
    project: Path, base: str, declared: list[tuple[str, bool]]
) -> tuple[dict[str, float] | None, dict[str, str]]:
    """The base revision's metrics (None when the base has no pipeline yet), and for each declared
    metrics file the base has no values of, why. Metrics in DVC-cached outputs (a cached file, or a
    file inside a cached directory such as `outs: [eval]`) are pulled from the remote as the base
    recorded them. A base whose pipeline records metrics that cannot be read is an error, never a
    column of dashes."""
    folders = pipeline_files.revision_pipeline_dirs(project, base)
    if "" not in folders:
        why = f"the base revision {base[:12]} has no dvc.yaml: the pipeline is new in this change"
        return None, {path: why for path, _ in declared}
    yamls = {f: file_at(project, base, f"{f}/dvc.yaml" if f else "dvc.yaml") or "" for f in folders}
    locks = {f: file_at(project, base, f"{f}/dvc.lock" if f else "dvc.lock") or "" for f in folders}
    base_declared = dict(pipeline_files.declared_metrics_in(yamls))
    outputs = pipeline_files.lock_outputs_in(locks)
    per_file: dict[str, dict[str, float]] = {}
    missing: dict[str, str] = {}
    for path, _ in declared:
        if path not in base_declared:
            missing[path] = f"the base revision's dvc.yaml does not declare {path}: it is new in this change"
            continue
        text = file_at(project, base, path)
        if text is None:
            holder = pipeline_files.produced_by(path, outputs) or (
                path if file_at(project, base, f"{path}.dvc") else None
            )
            if holder is None:
                missing[path] = (
                    f"the base revision {base[:12]} neither commits {path} nor records it in dvc.lock: "
                    "run its pipeline (dvc repro) and commit dvc.lock on the base branch"
                )
                continue
            # A DVC-tracked output, or a file in one: get the base's version from the remote.
            text = dvc.get_at_revision(project, base, path)
            if text is None:
                raise InputError(
                    f"{path}: the base revision {base[:12]} records it (in the output {holder}) but DVC "
                    "could not get it from the remote (was it pushed? can the remote be reached?); "
                    "refusing to report a diff against nothing",
                    title="metrics",
                    file=path,
                )
        per_file[path] = metrics.parse_metrics_text(text, f"{path}@{base[:12]}", path)
    merged = metrics.merge(per_file, several=len(declared) > 1) if per_file else None
    return merged, missing


def missing_reasons(
    head: dict[str, float], declared: list[tuple[str, bool]], missing: dict[str, str]
) -> dict[str, str]:
    """metric -> why the base has no value of it, from the files' reasons."""
    if len(declared) == 1:
        why = missing.get(declared[0][0])
        return {name: why for name in head} if why else {}
    return {name: missing[name.split(":", 1)[0]] for name in head if name.split(":", 1)[0] in missing}


def render_images(diff: dict, out_dir: Path) -> list[Path]:
    """Every DVC plot as SVG and PNG with vl-convert (no browser), head and base overlaid, from
    the specs `dvc plots diff` rendered."""
    try:
        import vl_convert
    except ImportError:
        gha.warning("vl-convert-python is not installed: plots are not rendered to images", title="plots")
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for plot_id, entries in (diff.get("data") or {}).items():
        for index, entry in enumerate(entries):
            if entry.get("type") != "vega":
                continue
            spec = entry["content"]
            stem = plot_id.replace("/", "_").replace(".", "_") + (f"_{index}" if index else "")
            svg = vl_convert.vegalite_to_svg(spec)
            (out_dir / f"{stem}.svg").write_text(svg, encoding="utf-8")
            # The PNG from that SVG (vl-convert renders PNGs through SVG anyway): a fifth of the
            # time of rendering the spec again.
            (out_dir / f"{stem}.png").write_bytes(vl_convert.svg_to_png(svg, scale=2))
            written += [out_dir / f"{stem}.svg", out_dir / f"{stem}.png"]
    return written


def rendered_note(images: list[Path], out_dir: Path, where: str) -> str:
    """The sentence about the plots vl-convert rendered, and a marker for each PNG, which
    actions/report-images replaces with the image when the caller opts in."""
    if not images:
        return ""
    pngs = [p.relative_to(out_dir).as_posix() for p in images if p.suffix == ".png"]
    markers = [IMAGE_MARKER.format(who="rendered", path=png) for png in pngs]
    return f"{len(images) // 2} plot(s) rendered to SVG and PNG in {where}.\n\n" + "\n".join(markers)


def artifact_images(found: list[plots.Plot], out_dir: Path) -> dict[str, dict[str, str]]:
    """plot id -> revision -> the image's path in the artifact (DVC copied it into out_dir)."""
    located: dict[str, dict[str, str]] = {}
    for plot in found:
        for rev, url in plot.images.items():
            path = Path(url)
            located.setdefault(plot.id, {})[rev] = (
                path.relative_to(out_dir).as_posix() if path.is_relative_to(out_dir) else path.name
            )
    return located


def artifact_where(artifact: str) -> str:
    """Where the report's files are, as a reader of the comment can follow it."""
    server, repository, run_id = (
        os.environ.get("GITHUB_SERVER_URL", ""),
        os.environ.get("GITHUB_REPOSITORY", ""),
        os.environ.get("GITHUB_RUN_ID", ""),
    )
    name = f"the `{artifact}` artifact" if artifact else "the job's artifacts"
    return f"[{name} of this run]({server}/{repository}/actions/runs/{run_id})" if server and run_id else name


def data_changes(project: Path, base: str) -> list[tuple[str, str, int | None, int | None]]:
    """(path, change, base size, head size) of the DVC-tracked data and outputs that changed."""
    diff = dvc.data_diff(project, base)
    head_dvc_files = {
        name: untrusted.read_text(project / name, name, title="dvc.yaml")
        for name in (p.relative_to(project).as_posix() for p in project.rglob("*.dvc") if p.is_file())
    }
    lock = project / "dvc.lock"
    head_lock = untrusted.read_text(lock, "dvc.lock", title="dvc.yaml") if lock.is_file() else ""
    head_sizes = pipeline_files.output_sizes(head_lock, head_dvc_files)
    listed = git(project, "ls-tree", "-r", "--name-only", "--end-of-options", base, "--", ".", check=False)
    base_dvc_files = {
        f"{name}@{base[:12]}": file_at(project, base, name) or ""
        for name in listed.stdout.splitlines()
        if name.endswith(".dvc")
    }
    base_sizes = pipeline_files.output_sizes(file_at(project, base, "dvc.lock") or "", base_dvc_files)
    changes = []
    for change in ("added", "modified", "deleted", "renamed"):
        for entry in diff.get(change) or []:
            path = entry.get("path") if isinstance(entry.get("path"), str) else (entry.get("path") or {}).get("new")
            if not path:
                continue
            key = path.rstrip("/")
            old = base_sizes.get(key) if change != "added" else None
            new = head_sizes.get(key) if change != "deleted" else None
            changes.append((path, change, old, new))
    return changes


def write_pull_request(out_dir: Path) -> None:
    """On pull requests, the number beside the report, for the fork-safe comment poster."""
    if os.environ.get("GITHUB_EVENT_NAME") != "pull_request":
        return
    pull = untrusted.event_object(untrusted.event_payload(), "pull_request")
    if isinstance(pull.get("number"), int) and not isinstance(pull["number"], bool) and 0 < pull["number"] < 2**53:
        (out_dir / "pull-request.json").write_text(json.dumps({"number": pull["number"]}) + "\n", encoding="utf-8")


def thresholds(project: Path) -> list[quality_gate.Rule]:
    if not inputs.text("thresholds-file"):
        default = project / DEFAULT_THRESHOLDS
        return quality_gate.load_rules(default) if default.is_file() else []
    path = inputs.file("thresholds-file", base=project, what="it is relative to working-directory")
    return quality_gate.load_rules(path)


def run() -> int:
    _, project = inputs.working_directory()
    report_name = inputs.report_name("report-name")
    stages = {kind: inputs.json_list(f"stages-{kind}") for kind in ("ran", "restored", "skipped")}
    fail_on_gate = inputs.boolean("fail-on-gate", True)
    base_ref = inputs.git_ref("base-ref")
    base_label = inputs.git_ref("base-label")
    if not base_ref:  # the run's own base, as the plan decides it
        decided = bases.from_environment()
        base_ref, base_label = decided.sha, decided.label
    artifact = inputs.text("artifact-name") and inputs.identifier("artifact-name", "", "an artifact name")
    rules = thresholds(project)
    dvc.require_pipeline(project)
    declared = pipeline_files.declared_metrics_in(pipeline_files.workspace_pipelines(project))
    head = head_metrics(project, declared)
    base_rev = bases.require(project, base_ref, inputs.secret("token").strip()) if base_ref else None
    base, missing = base_metrics(project, base_rev, declared) if base_rev else (None, {})
    params = dvc.params_diff(project, base_rev) if base_rev else []
    no_base = missing_reasons(head, declared, missing)
    if base_rev:  # a metric with no base value is reported with its reason, never as a silent "new"
        for name in head:
            if name not in (base or {}) and name not in no_base:
                no_base[name] = f"the base revision {base_rev[:12]} does not produce {name}"
    verdicts = quality_gate.evaluate(rules, head, base, no_base)
    out_dir = (Path(gha.runner_temp()) / "kaizen-report").resolve()
    plots_dir = out_dir / "plots"
    plots_dir.mkdir(parents=True, exist_ok=True)
    diff = dvc.plots_diff(project, base_rev, plots_dir)
    cut = plots.apply_budgets(diff)  # before anything draws: a 100k-point plot is drawn from 2,000
    found = plots.parse(diff)
    images = render_images(diff, plots_dir)
    where = artifact_where(artifact)
    blocks = plot_blocks(found, base_rev, artifact_images(found, out_dir), where)
    if cut:
        blocks.append("**Plots cut to what a report can draw:** " + "; ".join(md_text(note) for note in cut) + ".")
    head_label = os.environ.get("GITHUB_SHA", "")[:12] or git(project, "rev-parse", "--short=12", "HEAD").stdout.strip()
    data = ReportInput(
        name=report_name,
        head_label=head_label,
        base_label=f"{base_label or base_ref} ({base_rev[:12]})" if base_rev else None,
        head=head,
        base=base,
        missing_base=missing,
        rules=rules,
        verdicts=verdicts,
        params=params,
        stages_ran=stages["ran"],
        stages_restored=stages["restored"],
        stages_skipped=stages["skipped"],
        charts=blocks,
        plot_errors=plots.errors(diff, base_rev),
        data_changes=data_changes(project, base_rev) if base_rev else [],
        artifact_note=rendered_note(images, out_dir, where),
    )
    markdown = fit_report(build_markdown(data))
    results = build_results(data)
    (out_dir / "report.md").write_text(markdown, encoding="utf-8")
    (out_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    write_pull_request(out_dir)  # after the report: a malformed event payload leaves it in the artifact
    gha.add_summary(markdown)
    gha.set_output("report-file", str(out_dir / "report.md"))
    gha.set_output("output-dir", str(out_dir))
    gha.set_output("results", json.dumps(results))
    gha.set_output("gate-passed", "true" if results["gate"]["passed"] else "false")
    failed = [v for v in verdicts if not v.passed and not v.informational]
    for verdict in failed:
        gha.error(f"quality gate: {verdict.metric} {'; '.join(verdict.reasons)}", title="quality gate")
    return 1 if failed and fail_on_gate else 0
