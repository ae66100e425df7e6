"""The report's Markdown: headline, metrics table against the base with the gate's verdict per
metric, params, DVC-tracked data, pipeline stages, charts. Every text from the project is
escaped through kaizen.escape."""

from __future__ import annotations

from kaizen.escape import md_code, md_text
from kaizen.quality_gate import Rule, Verdict, gate_passed, regression
from kaizen.report.charts import metrics_charts
from kaizen.report.comment import MARKER
from kaizen.report.schema import ReportInput


def fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.4g}" if abs(value) < 1e4 else f"{value:,.0f}"


def change_cell(name: str, base: float | None, head: float, rules: dict[str, Rule]) -> str:
    if base is None:
        return "new"
    delta = head - base
    if delta == 0:
        return "= no change"
    arrow = "▲" if delta > 0 else "▼"
    relative = f" ({delta / abs(base):+.1%})" if base else ""
    rule = rules.get(name)
    if rule is None:
        return f"{arrow} {delta:+.4g}{relative}"
    better = regression(rule, base, head) < 0
    return f"{'🟢' if better else '🔴'} {arrow} {delta:+.4g}{relative} {'better' if better else 'worse'}"


def gate_cell(verdict: Verdict | None, rule: Rule | None) -> str:
    if verdict is None:
        return ""
    if verdict.informational:
        return "ℹ️ informational" + (f": {md_text('; '.join(verdict.reasons))}" if verdict.reasons else "")
    if verdict.passed:
        bounds = []
        if rule and rule.minimum is not None:
            bounds.append(f"≥ {rule.minimum:g}")
        if rule and rule.maximum is not None:
            bounds.append(f"≤ {rule.maximum:g}")
        return "✅ " + ", ".join(bounds) if bounds else "✅"
    return "❌ " + md_text("; ".join(verdict.reasons))


def stages_sentence(ran: list[str], restored: list[str], skipped: list[str]) -> str:
    def names(stages: list[str]) -> str:
        return ", ".join(md_code(s) for s in stages)

    text = f"Ran: {names(ran) or 'nothing'}."
    if restored:
        text += f" Restored from DVC's run cache (this change was trained before): {names(restored)}."
    return text + f" Skipped (unchanged): {names(skipped) or 'none'}."


def human_size(size: int | None) -> str:
    if size is None:
        return "—"
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return "—"


def data_section(changes: list[tuple[str, str, int | None, int | None]], limit: int = 20) -> str:
    """What `dvc diff` says changed in the DVC-tracked data and outputs, with the sizes DVC
    recorded (for whole outputs; files inside a directory output show none)."""
    if not changes:
        return "No DVC-tracked data or output changed."
    lines = ["| Path | Change | Base | Head |", "| --- | --- | ---: | ---: |"]
    for path, change, old, new in changes[:limit]:
        lines.append(f"| {md_code(path, 300)} | {change} | {human_size(old)} | {human_size(new)} |")
    if len(changes) > limit:
        lines.append(f"| … | {len(changes) - limit} more | | |")
    return "\n".join(lines)


def headline(data: ReportInput) -> list[str]:
    if not data.verdicts:
        state = "no quality gate configured"
    else:
        state = "✅ quality gate passed" if gate_passed(data.verdicts) else "❌ quality gate failed"
    against = md_code(data.base_label) if data.base_label else "nothing (no base revision)"
    return [
        MARKER.format(name=data.name),
        f"## Kaizen model report: {state}",
        "",
        f"Head {md_code(data.head_label)} against {against}.",
        "",
    ]


MAX_METRIC_ROWS = 300  # rows of the metrics table; the rest are in results.json
MAX_PARAM_ROWS = 200
MAX_CHART_METRICS = 60  # metrics drawn in the bar charts


def shown_metrics(data: ReportInput) -> list[str]:
    """The metrics the table shows: those the gate has rules for first, then by name, at most
    MAX_METRIC_ROWS (100,000 metrics would make a report GitHub cannot show)."""
    ruled = {r.metric for r in data.rules}
    return sorted(data.head, key=lambda name: (name not in ruled, name))[:MAX_METRIC_ROWS]


def metrics_table(data: ReportInput) -> list[str]:
    """A row per metric: base, head, change and the gate's verdict; then why values or the
    gate are missing or failed."""
    rules = {r.metric: r for r in data.rules}
    verdicts = {v.metric: v for v in data.verdicts}
    out = ["| Metric | Base | Head | Change | Gate |", "| --- | ---: | ---: | --- | --- |"]
    for name in shown_metrics(data):
        base = data.base.get(name) if data.base else None
        out.append(
            f"| {md_text(name, 200)} | {fmt(base)} | {fmt(data.head[name])} | "
            f"{change_cell(name, base, data.head[name], rules)} | {gate_cell(verdicts.get(name), rules.get(name))} |"
        )
    if len(data.head) > MAX_METRIC_ROWS:
        out.append(f"| … | | | {len(data.head) - MAX_METRIC_ROWS:,} more metrics in results.json | |")
    if data.base_label and data.missing_base:
        missing = "; ".join(f"{md_code(p, 300)}: {md_text(why, 400)}" for p, why in data.missing_base.items())
        out += ["", "**No base values for:** " + missing]
    failed = [v for v in data.verdicts if not v.passed and not v.informational]
    if failed:
        why = "; ".join(f"{md_code(v.metric)} {md_text(', '.join(v.reasons))}" for v in failed)
        out += ["", "**Why the gate failed:** " + why]
    return out


def params_section(params: list[tuple[str, object, object]]) -> list[str]:
    if not params:
        return ["", "### Params", "", "No params changed."]
    out = ["", "### Params", "", "| Param | Base | Head |", "| --- | --- | --- |"]
    out += [
        f"| {md_text(name, 200)} | {'—' if old is None else md_text(old, 200)} | "
        f"{'—' if new is None else md_text(new, 200)} |"
        for name, old, new in params[:MAX_PARAM_ROWS]
    ]
    if len(params) > MAX_PARAM_ROWS:
        out.append(f"| … | {len(params) - MAX_PARAM_ROWS:,} more in results.json | |")
    return out


def build_markdown(data: ReportInput) -> str:
    out = headline(data) + metrics_table(data) + params_section(data.params)
    if data.base_label:
        out += ["", "### Data", "", data_section(data.data_changes)]
    if data.stages_ran or data.stages_restored or data.stages_skipped:
        out += ["", "### Pipeline", "", stages_sentence(data.stages_ran, data.stages_restored, data.stages_skipped)]
    out += ["", "### Charts"]
    shown = {name: data.head[name] for name in shown_metrics(data)[:MAX_CHART_METRICS]}
    for chart in metrics_charts(shown, data.base) + data.charts:
        out += ["", chart]
    if data.plot_errors:
        out += ["", "**Plots DVC could not load:** " + "; ".join(md_text(e) for e in data.plot_errors)]
    if data.artifact_note:
        out += ["", data.artifact_note]
    return "\n".join(out) + "\n"
