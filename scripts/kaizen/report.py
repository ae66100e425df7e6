"""The model report of a pull request or push: Markdown for the step summary and the comment
(the same text), and a JSON of the results for later steps."""

from __future__ import annotations

from dataclasses import dataclass, field

from kaizen.quality_gate import Rule, Verdict, gate_passed, regression

MARKER = "<!-- kaizen-report:{name} -->"
MAX_CHART_POINTS = 21


@dataclass
class ReportInput:
    name: str  # which workflow's report: the sticky comment's identity
    head_label: str
    base_label: str | None
    head: dict[str, float]
    base: dict[str, float] | None
    missing_base: dict[str, str] = field(default_factory=dict)  # metrics file -> why the base has none
    rules: list[Rule] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    params: list[tuple[str, object, object]] = field(default_factory=list)  # (name, base, head)
    stages_ran: list[str] = field(default_factory=list)
    stages_restored: list[str] = field(default_factory=list)
    stages_skipped: list[str] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)  # ready Markdown blocks (Mermaid, tables)
    artifact_note: str = ""


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
        return "ℹ️ informational" + (f": {'; '.join(verdict.reasons)}" if verdict.reasons else "")
    if verdict.passed:
        bounds = []
        if rule and rule.minimum is not None:
            bounds.append(f"≥ {rule.minimum:g}")
        if rule and rule.maximum is not None:
            bounds.append(f"≤ {rule.maximum:g}")
        return "✅ " + ", ".join(bounds) if bounds else "✅"
    return "❌ " + "; ".join(verdict.reasons)


def metrics_chart(head: dict[str, float], base: dict[str, float] | None) -> str:
    """Head as bars and base as a line: a Mermaid chart GitHub renders, no image hosting."""
    names = sorted(head)[:12]
    values = [head[n] for n in names] + [base[n] for n in names if base and n in base]
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or abs(high) * 0.05 or 1
    lines = [
        "```mermaid",
        "xychart-beta",
        '    title "Metrics: head (bars) against base (line)"',
        "    x-axis [" + ", ".join(f'"{n}"' for n in names) + "]",
        f"    y-axis {max(low - pad, 0) if low >= 0 else low - pad:.4g} --> {high + pad:.4g}",
        "    bar [" + ", ".join(f"{head[n]:.6g}" for n in names) + "]",
    ]
    if base and all(n in base for n in names):
        lines.append("    line [" + ", ".join(f"{base[n]:.6g}" for n in names) + "]")
    lines.append("```")
    return "\n".join(lines)


def resample(points: list[tuple[float, float]], grid: list[float]) -> list[float]:
    """For each x of the grid, the last y at or before it (curves such as ROC are steps)."""
    points = sorted(points)
    ys, index = [], 0
    for x in grid:
        while index + 1 < len(points) and points[index + 1][0] <= x + 1e-12:
            index += 1
        ys.append(points[index][1])
    return ys


def curve_chart(title: str, x_label: str, y_label: str, series: list[list[tuple[float, float]]]) -> str:
    """Curves as one Mermaid line chart. Mermaid spaces a line's values evenly, so every
    curve is resampled onto the same even grid of x."""
    xs = [x for points in series for x, _ in points]
    ys = [y for points in series for _, y in points]
    low, high = min(xs), max(xs)
    step = (high - low) / (MAX_CHART_POINTS - 1) if high > low else 1
    grid = [low + i * step for i in range(MAX_CHART_POINTS)]
    lines = [
        "```mermaid",
        "xychart-beta",
        f'    title "{title}"',
        f'    x-axis "{x_label}" {low:.4g} --> {high:.4g}',
        f'    y-axis "{y_label}" {min(ys):.4g} --> {max(ys):.4g}',
    ]
    lines += ["    line [" + ", ".join(f"{y:.4g}" for y in resample(points, grid)) + "]" for points in series]
    return "\n".join([*lines, "```"])


def stages_sentence(ran: list[str], restored: list[str], skipped: list[str]) -> str:
    def names(stages: list[str]) -> str:
        return ", ".join(f"`{s}`" for s in stages)

    text = f"Ran: {names(ran) or 'nothing'}."
    if restored:
        text += f" Restored from DVC's run cache (this change was trained before): {names(restored)}."
    return text + f" Skipped (unchanged): {names(skipped) or 'none'}."


def build_markdown(data: ReportInput) -> str:
    rules = {r.metric: r for r in data.rules}
    verdicts = {v.metric: v for v in data.verdicts}
    passed = gate_passed(data.verdicts)
    headline = (
        "no quality gate configured"
        if not data.verdicts
        else "✅ quality gate passed"
        if passed
        else "❌ quality gate failed"
    )
    against = f"`{data.base_label}`" if data.base_label else "nothing (no base revision)"
    out = [
        MARKER.format(name=data.name),
        f"## Kaizen model report: {headline}",
        "",
        f"Head `{data.head_label}` against {against}.",
        "",
    ]
    out += ["| Metric | Base | Head | Change | Gate |", "| --- | ---: | ---: | --- | --- |"]
    for name in sorted(data.head):
        base = data.base.get(name) if data.base else None
        out.append(
            f"| {name} | {fmt(base)} | {fmt(data.head[name])} | "
            f"{change_cell(name, base, data.head[name], rules)} | {gate_cell(verdicts.get(name), rules.get(name))} |"
        )
    if data.base_label and data.missing_base:
        out += ["", "**No base values for:** " + "; ".join(f"`{p}`: {why}" for p, why in data.missing_base.items())]
    failed = [v for v in data.verdicts if not v.passed and not v.informational]
    if failed:
        out += ["", "**Why the gate failed:** " + "; ".join(f"`{v.metric}` {', '.join(v.reasons)}" for v in failed)]
    out += ["", "### Params", ""]
    if data.params:
        out += ["| Param | Base | Head |", "| --- | --- | --- |"]
        out += [
            f"| {name} | {'—' if old is None else old} | {'—' if new is None else new} |"
            for name, old, new in data.params
        ]
    else:
        out.append("No params changed.")
    if data.stages_ran or data.stages_restored or data.stages_skipped:
        out += ["", "### Pipeline", "", stages_sentence(data.stages_ran, data.stages_restored, data.stages_skipped)]
    out += ["", "### Charts", "", metrics_chart(data.head, data.base)]
    for chart in data.charts:
        out += ["", chart]
    if data.artifact_note:
        out += ["", data.artifact_note]
    return "\n".join(out) + "\n"


def build_results(data: ReportInput) -> dict:
    return {
        "head": data.head_label,
        "base": data.base_label,
        "gate": {
            "configured": bool(data.verdicts),
            "passed": gate_passed(data.verdicts),
            "verdicts": [
                {"metric": v.metric, "passed": v.passed, "informational": v.informational, "reasons": v.reasons}
                for v in data.verdicts
            ],
        },
        "metrics": {
            name: {
                "head": value,
                "base": (data.base or {}).get(name),
                "change": None if (data.base or {}).get(name) is None else value - data.base[name],
            }
            for name, value in sorted(data.head.items())
        },
        "missing_base": data.missing_base,
        "params": [{"name": n, "base": o, "head": h} for n, o, h in data.params],
        "stages": {"ran": data.stages_ran, "restored": data.stages_restored, "skipped": data.stages_skipped},
    }
