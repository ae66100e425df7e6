"""The model report of a pull request or push: Markdown for the step summary and the comment
(the same text), and a JSON of the results for later steps."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from kaizen import plots
from kaizen.quality_gate import Rule, Verdict, gate_passed, regression

MARKER = "<!-- kaizen-report:{name} -->"
# GitHub refuses comment bodies over 65,536 characters; cut below, with room for the pointer.
MAX_COMMENT = 65_000


def fit_comment(body: str, where: str = "the `model-report` artifact") -> str:
    """The body, cut at a line below GitHub's limit when too long, saying where the rest is."""
    if len(body) <= MAX_COMMENT:
        return body
    cut = body.rfind("\n", 0, MAX_COMMENT - 400)
    kept = body[: cut if cut > 0 else MAX_COMMENT - 400]
    if kept.count("```") % 2:  # do not leave a code block (or a Mermaid chart) open
        kept = kept[: kept.rfind("```")]
    note = "**The report is cut here**: it is longer than a GitHub comment can hold."
    return f"{kept.rstrip()}\n\n{note} The whole of it is `report.md` in {where}.\n"


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
    plot_errors: list[str] = field(default_factory=list)  # what DVC could not load, per revision
    data_changes: list[tuple[str, str, int | None, int | None]] = field(default_factory=list)  # path, change, sizes
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
        return "ℹ️ informational" + (f": {md_text('; '.join(verdict.reasons))}" if verdict.reasons else "")
    if verdict.passed:
        bounds = []
        if rule and rule.minimum is not None:
            bounds.append(f"≥ {rule.minimum:g}")
        if rule and rule.maximum is not None:
            bounds.append(f"≤ {rule.maximum:g}")
        return "✅ " + ", ".join(bounds) if bounds else "✅"
    return "❌ " + md_text("; ".join(verdict.reasons))


# Mermaid's xychart has no legend: each series gets a fixed colour, named in the line under the
# chart with the square of the same colour.
PALETTE = [
    ("🟦", "#2563eb"),
    ("🟧", "#ea580c"),
    ("🟩", "#16a34a"),
    ("🟪", "#9333ea"),
    ("🟥", "#dc2626"),
    ("🟫", "#92400e"),
]
MAX_SERIES = len(PALETTE)


def md_text(value: object) -> str:
    """Text from the project (metric, plot and file names) made safe for a Markdown table cell."""
    return html.escape(str(value), quote=False).replace("|", "\\|").replace("\n", " ")


def md_code(value: object) -> str:
    """Text from the project as inline code: no backtick, pipe or line break can end it early."""
    text = str(value).replace("\n", " ").replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def mermaid_text(value: object, limit: int = 80) -> str:
    """Text for a quoted Mermaid label: no quotes, backticks or line breaks to end it early."""
    cleaned = re.sub(r"[\"`\r\n%{}<>;#]", " ", str(value)).strip()
    return cleaned[:limit]


def _init(colours: list[str]) -> str:
    palette = ", ".join(colours)
    return '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "' + palette + '"}}}}%%'


def legend(names: list[str]) -> str:
    return " · ".join(f"{PALETTE[i][0]} {md_text(name)}" for i, name in enumerate(names))


def scale_groups(names: list[str], values: dict[str, float]) -> list[list[str]]:
    """Metric names grouped so that no chart puts values of different scales on one axis (within
    a group the largest magnitude is at most 10 times the smallest)."""
    ordered = sorted(names, key=lambda n: abs(values[n]))
    groups: list[list[str]] = []
    for name in ordered:
        magnitude = abs(values[name])
        if groups and magnitude <= 10 * max(abs(values[groups[-1][0]]), 1e-12):
            groups[-1].append(name)
        else:
            groups.append([name])
    return [sorted(group) for group in groups]


def metrics_chart(head: dict[str, float], base: dict[str, float] | None, names: list[str] | None = None) -> str:
    """Head as bars and base as a line: a Mermaid chart GitHub renders, no image hosting."""
    names = (names or sorted(head))[:12]
    values = [head[n] for n in names] + [base[n] for n in names if base and n in base]
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or abs(high) * 0.05 or 1
    with_base = bool(base) and all(n in base for n in names)
    lines = [
        "```mermaid",
        _init([PALETTE[0][1], PALETTE[1][1]]),
        "xychart-beta",
        '    title "Metrics: head (bars) against base (line)"',
        "    x-axis [" + ", ".join(f'"{mermaid_text(n, 40)}"' for n in names) + "]",
        f"    y-axis {max(low - pad, 0) if low >= 0 else low - pad:.4g} --> {high + pad:.4g}",
        "    bar [" + ", ".join(f"{head[n]:.6g}" for n in names) + "]",
    ]
    if with_base:
        lines.append("    line [" + ", ".join(f"{base[n]:.6g}" for n in names) + "]")
    lines.append("```")
    return "\n".join(lines) + "\n\n" + legend(["head"] + (["base"] if with_base else []))


def metrics_charts(head: dict[str, float], base: dict[str, float] | None) -> list[str]:
    """One chart per scale of the metrics (r2 at 0.04 and mae at 64 never share an axis)."""
    return [metrics_chart(head, base, group) for group in scale_groups(sorted(head), head)]


def resample(points: list[tuple[float, float]], grid: list[float]) -> list[float]:
    """For each x of the grid, the last y at or before it (curves such as ROC are steps)."""
    points = sorted(points)
    ys, index = [], 0
    for x in grid:
        while index + 1 < len(points) and points[index + 1][0] <= x + 1e-12:
            index += 1
        ys.append(points[index][1])
    return ys


def curve_chart(
    title: str,
    x_label: str,
    y_label: str,
    series: list[list[tuple[float, float]]],
    names: list[str] | None = None,
) -> str:
    """Curves as one Mermaid line chart. Mermaid spaces a line's values evenly, so every
    curve is resampled onto the same even grid of x. `names` label the series under it."""
    series = [points for points in series if points][:MAX_SERIES]
    xs = [x for points in series for x, _ in points]
    ys = [y for points in series for _, y in points]
    low, high = min(xs), max(xs)
    step = (high - low) / (MAX_CHART_POINTS - 1) if high > low else 1
    grid = [low + i * step for i in range(MAX_CHART_POINTS)]
    bottom, top = min(ys), max(ys)
    if top == bottom:
        top = bottom + 1
    lines = [
        "```mermaid",
        _init([colour for _, colour in PALETTE[: len(series)]]),
        "xychart-beta",
        f'    title "{mermaid_text(title)}"',
        f'    x-axis "{mermaid_text(x_label, 40)}" {low:.4g} --> {high:.4g}',
        f'    y-axis "{mermaid_text(y_label, 40)}" {bottom:.4g} --> {top:.4g}',
    ]
    lines += ["    line [" + ", ".join(f"{y:.4g}" for y in resample(points, grid)) + "]" for points in series]
    chart = "\n".join([*lines, "```"])
    return chart + ("\n\n" + legend(names[: len(series)]) if names else "")


def stages_sentence(ran: list[str], restored: list[str], skipped: list[str]) -> str:
    def names(stages: list[str]) -> str:
        return ", ".join(md_code(s) for s in stages)

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
    against = md_code(data.base_label) if data.base_label else "nothing (no base revision)"
    out = [
        MARKER.format(name=data.name),
        f"## Kaizen model report: {headline}",
        "",
        f"Head {md_code(data.head_label)} against {against}.",
        "",
    ]
    out += ["| Metric | Base | Head | Change | Gate |", "| --- | ---: | ---: | --- | --- |"]
    for name in sorted(data.head):
        base = data.base.get(name) if data.base else None
        out.append(
            f"| {md_text(name)} | {fmt(base)} | {fmt(data.head[name])} | "
            f"{change_cell(name, base, data.head[name], rules)} | {gate_cell(verdicts.get(name), rules.get(name))} |"
        )
    if data.base_label and data.missing_base:
        missing = "; ".join(f"{md_code(p)}: {md_text(why)}" for p, why in data.missing_base.items())
        out += ["", "**No base values for:** " + missing]
    failed = [v for v in data.verdicts if not v.passed and not v.informational]
    if failed:
        why = "; ".join(f"{md_code(v.metric)} {md_text(', '.join(v.reasons))}" for v in failed)
        out += ["", "**Why the gate failed:** " + why]
    out += ["", "### Params", ""]
    if data.params:
        out += ["| Param | Base | Head |", "| --- | --- | --- |"]
        out += [
            f"| {md_text(name)} | {'—' if old is None else md_text(old)} | {'—' if new is None else md_text(new)} |"
            for name, old, new in data.params
        ]
    else:
        out.append("No params changed.")
    if data.base_label:
        out += ["", "### Data", "", data_section(data.data_changes)]
    if data.stages_ran or data.stages_restored or data.stages_skipped:
        out += ["", "### Pipeline", "", stages_sentence(data.stages_ran, data.stages_restored, data.stages_skipped)]
    out += ["", "### Charts"]
    for chart in metrics_charts(data.head, data.base):
        out += ["", chart]
    for chart in data.charts:
        out += ["", chart]
    if data.plot_errors:
        out += ["", "**Plots DVC could not load:** " + "; ".join(md_text(e) for e in data.plot_errors)]
    if data.artifact_note:
        out += ["", data.artifact_note]
    return "\n".join(out) + "\n"


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
        lines.append(f"| {md_code(path)} | {change} | {human_size(old)} | {human_size(new)} |")
    if len(changes) > limit:
        lines.append(f"| … | {len(changes) - limit} more | | |")
    return "\n".join(lines)


def _number_or_none(value, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ValueError(f"{where} is not a number")
    return float(value)


def _text(value, where: str, limit: int = 200) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise ValueError(f"{where} is not a short text")
    return value


def from_results(data, name: str) -> ReportInput:
    """A report re-made from a results.json, checked field by field: what a comment posted from
    a fork's run shows, so no Markdown the fork wrote is ever posted. Charts and plots stay in
    the artifact."""
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict) or not data["metrics"]:
        raise ValueError("results.json has no metrics")
    if len(data["metrics"]) > 500:
        raise ValueError("results.json has more metrics than a report shows")
    head, base = {}, {}
    for metric, values in data["metrics"].items():
        _text(metric, "a metric's name")
        if not isinstance(values, dict):
            raise ValueError(f"metric {metric!r} is not an object")
        head[metric] = _number_or_none(values.get("head"), f"metrics.{metric}.head")
        if head[metric] is None:
            raise ValueError(f"metrics.{metric}.head is missing")
        old = _number_or_none(values.get("base"), f"metrics.{metric}.base")
        if old is not None:
            base[metric] = old
    gate = data.get("gate") or {}
    rules = []
    for rule in gate.get("rules") or []:
        if (
            not isinstance(rule, dict)
            or rule.get("metric") not in head
            or rule.get("direction") not in ("higher", "lower")
        ):
            raise ValueError("a gate rule names no metric of the report, or no direction")
        bounds = {k: _number_or_none(rule.get(k), f"a rule's {k}") for k in
                  ("min", "max", "max_regression", "max_relative_regression")}  # fmt: skip
        rules.append(Rule(rule["metric"], rule["direction"], bounds["min"], bounds["max"], bounds["max_regression"],
                          bounds["max_relative_regression"], rule.get("informational") is True))  # fmt: skip
    verdicts = []
    for verdict in gate.get("verdicts") or []:
        if not isinstance(verdict, dict) or verdict.get("metric") not in head:
            raise ValueError("a gate verdict names no metric of the report")
        reasons = [_text(r, "a verdict's reason", 300) for r in verdict.get("reasons") or []]
        if not isinstance(verdict.get("passed"), bool) or not isinstance(verdict.get("informational"), bool):
            raise ValueError("a gate verdict's passed or informational is not true or false")
        verdicts.append(Verdict(verdict["metric"], verdict["passed"], verdict["informational"], reasons))
    params = []
    for param in data.get("params") or []:
        if not isinstance(param, dict):
            raise ValueError("a param is not an object")
        values = []
        for key in ("base", "head"):
            value = param.get(key)
            if value is not None and not isinstance(value, (str, int, float, bool)):
                raise ValueError(f"param {param.get('name')!r} has a {key} that is not a value")
            values.append(_text(str(value), "a param's value") if value is not None else None)
        params.append((_text(param.get("name"), "a param's name"), values[0], values[1]))
    stages = data.get("stages") or {}
    lists = {}
    for key in ("ran", "restored", "skipped"):
        lists[key] = [_text(s, "a stage's name") for s in stages.get(key) or []]
    changes = []
    for entry in data.get("data") or []:
        if not isinstance(entry, dict) or entry.get("change") not in ("added", "modified", "deleted", "renamed"):
            raise ValueError("a data change is not one dvc diff reports")
        sizes = [entry.get(k) for k in ("base_size", "head_size")]
        if any(s is not None and (isinstance(s, bool) or not isinstance(s, int)) for s in sizes):
            raise ValueError("a data change's size is not a whole number")
        changes.append((_text(entry.get("path"), "a data path", 300), entry["change"], sizes[0], sizes[1]))
    missing = data.get("missing_base") or {}
    if not isinstance(missing, dict):
        raise ValueError("missing_base is not an object")
    missing = {_text(k, "a metrics file", 300): _text(v, "a reason", 400) for k, v in missing.items()}
    base_label = data.get("base")
    return ReportInput(
        name=name,
        head_label=_text(data.get("head") or "", "the head's label", 100),
        base_label=_text(base_label, "the base's label", 200) if base_label else None,
        head=head,
        base=base if base_label else None,
        missing_base=missing,
        rules=rules,
        verdicts=verdicts,
        params=params,
        stages_ran=lists["ran"],
        stages_restored=lists["restored"],
        stages_skipped=lists["skipped"],
        data_changes=changes,
        artifact_note="Posted from a fork's run: its charts and plots are in the run's `model-report` artifact.",
    )


def build_results(data: ReportInput) -> dict:
    return {
        "head": data.head_label,
        "base": data.base_label,
        "gate": {
            "rules": [
                {
                    "metric": r.metric,
                    "direction": r.direction,
                    "min": r.minimum,
                    "max": r.maximum,
                    "max_regression": r.max_regression,
                    "max_relative_regression": r.max_relative_regression,
                    "informational": r.informational,
                }
                for r in data.rules
            ],
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
        "data": [{"path": p, "change": c, "base_size": o, "head_size": n} for p, c, o, n in data.data_changes],
        "params": [{"name": n, "base": o, "head": h} for n, o, h in data.params],
        "stages": {"ran": data.stages_ran, "restored": data.stages_restored, "skipped": data.stages_skipped},
    }


# --- Plots ------------------------------------------------------------------------------------


def _series_name(rev: str, file: str, base_rev: str | None, several_files: bool) -> str:
    who = "head" if rev == plots.HEAD else "base" if rev == base_rev else rev[:12]
    return f"{who} · {file}" if several_files and file else who


def _ordered_series(plot: plots.Plot, base_rev: str | None) -> list[tuple[str, str]]:
    """Head's series first, then the base's; files in their order."""
    return sorted(plot.series, key=lambda key: (key[0] != plots.HEAD, key[0] != base_rev))


def curve_block(plot: plots.Plot, base_rev: str | None) -> str | None:
    keys = _ordered_series(plot, base_rev)
    several = len({file for _, file in keys}) > 1
    series = [(key, plots.points(plot.series[key], plot.x, plot.y)) for key in keys]
    series = [(key, pts) for key, pts in series if len(pts) > 1][:MAX_SERIES]
    if not series:
        return None
    names = [_series_name(rev, file, base_rev, several) for (rev, file), _ in series]
    return curve_chart(plot.title, plot.x_label, plot.y_label, [pts for _, pts in series], names)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def scatter_block(plot: plots.Plot, base_rev: str | None, bins: int = 8) -> str | None:
    """A scatter plot as a binned table: for each range of x, how many points and the mean y of
    each series, plus each series' spread. (A line through scattered points would mean nothing.)"""
    keys = _ordered_series(plot, base_rev)
    several = len({file for _, file in keys}) > 1
    data = {key: plots.points(plot.series[key], plot.x, plot.y) for key in keys}
    data = {key: pts for key, pts in data.items() if pts}
    if not data:
        return None
    xs = [x for pts in data.values() for x, _ in pts]
    low, high = min(xs), max(xs)
    width = (high - low) / bins if high > low else 1
    names = [_series_name(rev, file, base_rev, several) for rev, file in data]
    x, y = md_text(plot.x_label or plot.x), md_text(plot.y_label or plot.y)
    lines = [
        f"**{md_text(plot.title)}** (scatter of {y} against {x}, binned: mean {y} per range of {x})",
        "",
        f"| {x} | " + " | ".join(f"{md_text(n)}: n, mean {y}" for n in names) + " |",
        "| --- |" + " ---: |" * len(names),
    ]
    for index in range(bins if high > low else 1):
        start, end = low + index * width, low + (index + 1) * width
        cells = []
        for pts in data.values():
            inside = [py for px, py in pts if start <= px < end or (index == bins - 1 and px == end)]
            cells.append(f"{len(inside)}, {fmt(_mean(inside))}" if inside else "0")
        lines.append(f"| {start:.4g} – {end:.4g} | " + " | ".join(cells) + " |")
    spread = []
    for name, pts in zip(names, data.values()):
        ys = sorted(py for _, py in pts)
        mean = _mean(ys)
        std = (sum((v - mean) ** 2 for v in ys) / len(ys)) ** 0.5
        spread.append(f"{md_text(name)}: n {len(ys)}, mean {fmt(mean)}, std {fmt(std)}, {fmt(ys[0])} to {fmt(ys[-1])}")
    return "\n".join(lines) + "\n\n" + "; ".join(spread) + "."


def confusion_block(plot: plots.Plot, base_rev: str | None) -> str | None:
    """Confusion matrices as tables, one per file: the head's counts (or shares of the actual
    class, for confusion_normalized) with the change against the base in each cell."""
    files = list(dict.fromkeys(file for _, file in plot.series))
    normalized = plot.kind == "confusion_normalized"
    blocks = []
    for file in files:
        head_rows = plot.series.get((plots.HEAD, file), [])
        base_rows = plot.series.get((base_rev, file), []) if base_rev else []
        if not head_rows:
            continue
        counts = {which: _counts(rows, plot.x, plot.y) for which, rows in (("head", head_rows), ("base", base_rows))}
        labels = sorted({a for a, _ in counts["head"]} | {p for _, p in counts["head"]}, key=_label_key)
        title = md_text(plot.title) + (f" · {md_text(file)}" if len(files) > 1 and file else "")
        what = "share of each actual class, in %" if normalized else "counts"
        change = ", change against the base in brackets" if base_rows else ""
        lines = [
            f"**{title}** (rows: {md_text(plot.x)}, columns: {md_text(plot.y)}; {what}{change})",
            "",
            "| | " + " | ".join(md_text(label) for label in labels) + " |",
            "| --- |" + " ---: |" * len(labels),
        ]
        for actual in labels:
            cells = []
            for predicted in labels:
                head = _cell(counts["head"], actual, predicted, normalized)
                cell = f"{head:.1f}" if normalized else f"{head:g}"
                if base_rows:
                    delta = head - _cell(counts["base"], actual, predicted, normalized)
                    cell += f" ({delta:+.1f})" if normalized else f" ({delta:+g})"
                cells.append(cell)
            lines.append(f"| **{md_text(actual)}** | " + " | ".join(cells) + " |")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) or None


def _label_key(label: str):
    value = plots.number(label)
    return (0, value, "") if value is not None else (1, 0.0, label)


def _counts(rows: list[dict], actual: str, predicted: str) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        if actual in row and predicted in row:
            key = (str(row[actual]), str(row[predicted]))
            counts[key] = counts.get(key, 0) + 1
    return counts


def _cell(counts: dict[tuple[str, str], int], actual: str, predicted: str, normalized: bool) -> float:
    value = counts.get((actual, predicted), 0)
    if not normalized:
        return value
    row = sum(n for (a, _), n in counts.items() if a == actual)
    return 100.0 * value / row if row else 0.0


def _bar_values(plot: plots.Plot, rev: str | None) -> dict[str, float | None]:
    return {
        str(row.get(plot.y)): plots.number(row.get(plot.x))
        for (row_rev, _), rows in plot.series.items()
        if rev is not None and row_rev == rev
        for row in rows
    }


def bar_block(plot: plots.Plot, base_rev: str | None) -> str | None:
    """A horizontal bar plot (feature importance, say) as a table of its categories."""
    head, base = _bar_values(plot, plots.HEAD), _bar_values(plot, base_rev)
    if not head:
        return None
    lines = [
        f"**{md_text(plot.title)}**",
        "",
        f"| {md_text(plot.y_label or plot.y)} | Base | Head | Change |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, value in sorted(head.items(), key=lambda item: -(item[1] or 0)):
        old = base.get(name)
        delta = f"{value - old:+.4g}" if value is not None and old is not None else "new" if base else ""
        lines.append(f"| {md_text(name)} | {fmt(old)} | {fmt(value)} | {delta} |")
    return "\n".join(lines)


IMAGE_MARKER = "<!-- kaizen-image:{who}:{path} -->"


def image_block(plot: plots.Plot, base_rev: str | None, artifact_files: dict[str, str], where: str) -> str:
    """Image plots cannot go into a comment without an image host: say which files hold them,
    and mark where each goes, for actions/report-images to put it inline when the caller opts in."""
    found, markers = [], []
    for rev in sorted(plot.images, key=lambda r: r != plots.HEAD):
        name = _series_name(rev, "", base_rev, False)
        path = artifact_files.get(rev, plot.images[rev])
        found.append(f"{name}: {md_code(path)}")
        if re.fullmatch(r"[\w.-][\w./-]*", path) and ".." not in path:
            markers.append(IMAGE_MARKER.format(who=name, path=path))
    text = f"**{md_text(plot.title)}** (image): " + ", ".join(found) + f", in {where}."
    return text + ("\n\n" + "\n".join(markers) if markers else "")


def plot_blocks(
    found: list[plots.Plot], base_rev: str | None, artifact_files: dict[str, dict[str, str]], where: str
) -> list[str]:
    """Markdown for every plot: curves as Mermaid charts (each revision and file a series),
    scatter plots binned, confusion matrices and bar plots as tables, images by name."""
    blocks = []
    for plot in found:
        if plot.kind == "image":
            block = image_block(plot, base_rev, artifact_files.get(plot.id, {}), where)
        elif plot.kind == "curve":
            block = curve_block(plot, base_rev)
        elif plot.kind == "scatter":
            block = scatter_block(plot, base_rev)
        elif plot.kind in ("confusion", "confusion_normalized"):
            block = confusion_block(plot, base_rev)
        elif plot.kind == "bar":
            block = bar_block(plot, base_rev)
        else:
            block = f"**{md_text(plot.title)}**: a plot template Kaizen does not draw; see {where}."
        if block:
            blocks.append(block)
    return blocks
