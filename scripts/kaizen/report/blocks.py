"""One Markdown block per DVC plot of the report: curves as Mermaid charts (each revision and
file a series), scatter plots binned, confusion matrices and bar plots as tables, images by name
with a placeholder actions/report-images can fill."""

from __future__ import annotations

import re

from kaizen import plots
from kaizen.escape import md_code, md_text
from kaizen.report.charts import MAX_SERIES, curve_chart
from kaizen.report.comment import IMAGE_MARKER
from kaizen.report.markdown import fmt


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
        spread.append(
            f"{md_text(name, 200)}: n {len(ys)}, mean {fmt(mean)}, std {fmt(std)}, {fmt(ys[0])} to {fmt(ys[-1])}"
        )
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
        lines.append(f"| {md_text(name, 200)} | {fmt(old)} | {fmt(value)} | {delta} |")
    return "\n".join(lines)


def image_block(plot: plots.Plot, base_rev: str | None, artifact_files: dict[str, str], where: str) -> str:
    """Image plots cannot go into a comment without an image host: say which files hold them,
    and mark where each goes, for actions/report-images to put it inline when the caller opts in."""
    found, markers = [], []
    for rev in sorted(plot.images, key=lambda r: r != plots.HEAD):
        name = _series_name(rev, "", base_rev, False)
        path = artifact_files.get(rev, plot.images[rev])
        found.append(f"{name}: {md_code(path, 300)}")
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
