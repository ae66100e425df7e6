"""The report's charts as Mermaid xychart blocks, which GitHub renders in a comment with no
image hosting: the metrics (head as bars, base as a line) and curves resampled onto one grid."""

from __future__ import annotations

from kaizen.escape import md_text, mermaid_text

MAX_CHART_POINTS = 21

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


def _init(colours: list[str]) -> str:
    palette = ", ".join(colours)
    return '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "' + palette + '"}}}}%%'


def legend(names: list[str]) -> str:
    return " · ".join(f"{PALETTE[i][0]} {md_text(name, 200)}" for i, name in enumerate(names))


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
