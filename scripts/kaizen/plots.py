"""A project's DVC plots, as DVC itself resolves them (`dvc plots diff --json`): every plot
dvc.yaml declares, stage-level or top-level, one file or several with per-file `y`, any format
and any of DVC's templates, for the base and the head. Kaizen reads DVC's rendered Vega-Lite
specs and their inlined data rather than the plot files, so what the report shows is what
`dvc plots diff` would show."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

HEAD = "workspace"  # DVC's name for the checkout's own files
MAX_POINTS = 2_000  # rows per series (revision and file) of a curve or scatter plot
MAX_LABELS = 30  # classes of a confusion matrix, bars of a bar chart
# DVC writes x and y into a template's Vega-Lite fields with `.`, `[` and `]` escaped by a
# backslash (dvc_render's escape_special_characters), as Vega-Lite reads a bare `.` as nesting:
# https://vega.github.io/vega-lite/docs/field.html
FIELD_ESCAPE = re.compile(r"\\([.\[\]\\])")


def field_name(encoding: dict) -> str:
    """The data column an encoding names, as the rows spell it (`acc\\.train` -> `acc.train`)."""
    value = encoding.get("field")
    return FIELD_ESCAPE.sub(r"\1", value) if isinstance(value, str) else ""


@dataclass
class Plot:
    id: str  # the plot's id in dvc.yaml (a file path or a name)
    kind: str  # curve, scatter, confusion, confusion_normalized, bar, image
    title: str
    x: str = ""  # data fields
    y: str = ""
    x_label: str = ""
    y_label: str = ""
    # (revision, file) -> rows; revision is HEAD or the base revision as given to DVC.
    series: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    images: dict[str, str] = field(default_factory=dict)  # revision -> file DVC wrote the image to

    def revisions(self) -> list[str]:
        seen = [rev for rev, _ in self.series] + list(self.images)
        return list(dict.fromkeys(seen))


def _layers(spec: dict):
    """The spec and every nested view of it (layers, facets, concatenations)."""
    yield spec
    for key in ("layer", "spec", "hconcat", "vconcat", "concat"):
        nested = spec.get(key)
        for view in nested if isinstance(nested, list) else [nested] if isinstance(nested, dict) else []:
            yield from _layers(view)


def _kind(spec: dict) -> tuple[str, dict, dict]:
    """(kind, x encoding, y encoding) of a DVC template's spec."""
    marks, encodings = set(), {}
    for view in _layers(spec):
        mark = view.get("mark")
        if mark:
            marks.add(mark if isinstance(mark, str) else mark.get("type", ""))
        for channel, encoding in (view.get("encoding") or {}).items():
            if isinstance(encoding, dict) and encoding.get("field"):
                encodings.setdefault(channel, encoding)
    color = field_name(encodings.get("color") or {})
    if "rect" in marks:
        kind = "confusion_normalized" if color == "percent_of_y" else "confusion"
    elif "bar" in marks:
        kind = "bar"
    elif "line" in marks:
        kind = "curve"
    elif "point" in marks or "circle" in marks:
        kind = "scatter"
    else:
        kind = "unknown"
    return kind, encodings.get("x") or {}, encodings.get("y") or {}


def _title(spec: dict, default: str) -> str:
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    return str(title) if title else default


def parse(diff: dict) -> list[Plot]:
    """The plots of `dvc plots diff --json` output, in dvc.yaml's order."""
    plots = []
    for plot_id, entries in (diff.get("data") or {}).items():
        plot: Plot | None = None
        for entry in entries or []:
            if entry.get("type") == "image":
                plot = plot or Plot(plot_id, "image", plot_id)
                for rev in entry.get("revisions") or []:
                    plot.images[rev] = entry.get("url", "")
            elif entry.get("type") == "vega":
                spec = entry.get("content") or {}
                kind, x, y = _kind(spec)
                plot = Plot(
                    plot_id,
                    kind,
                    _title(spec, plot_id),
                    x=field_name(x),
                    y=field_name(y),
                    x_label=str(x.get("title") or field_name(x)),
                    y_label=str(y.get("title") or field_name(y)),
                )
                for row in (spec.get("data") or {}).get("values") or []:
                    key = (str(row.get("rev", HEAD)), str(row.get("filename", "")))
                    plot.series.setdefault(key, []).append(row)
        if plot is not None:
            plots.append(plot)
    return plots


def number(value) -> float | None:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if result == result and result not in (float("inf"), float("-inf")) else None


def points(rows: list[dict], x: str, y: str) -> list[tuple[float, float]]:
    """(x, y) of the rows whose both values are numbers."""
    found = []
    for row in rows:
        px, py = number(row.get(x)), number(row.get(y))
        if px is not None and py is not None:
            found.append((px, py))
    return found


def errors(diff: dict, base_rev: str | None) -> list[str]:
    """What `dvc plots diff` could not load, one line per revision and file."""
    found = []
    for error in diff.get("errors") or []:
        rev = str(error.get("rev", ""))
        who = "head" if rev == HEAD else "base" if rev == base_rev else rev[:12]
        where = f" ({error['source']})" if error.get("source") else ""
        found.append(f"{who}{where}: {error.get('type', 'error')}: {error.get('msg', '')}".strip())
    return found


def apply_budgets(diff: dict) -> list[str]:
    """Cut what `dvc plots diff` inlined to what a report can draw, in place, before it is
    parsed or rendered: at most MAX_POINTS rows per series of a curve or scatter (every k-th,
    the last kept), the MAX_LABELS most frequent classes of a confusion matrix, the first
    MAX_LABELS bars. One note per plot cut, for the report."""
    notes = []
    for plot_id, entries in (diff.get("data") or {}).items():
        for entry in entries if isinstance(entries, list) else []:
            spec = entry.get("content") if isinstance(entry, dict) and entry.get("type") == "vega" else None
            data = spec.get("data") if isinstance(spec, dict) else None
            rows = data.get("values") if isinstance(data, dict) else None
            if not isinstance(rows, list):
                continue
            rows = [row for row in rows if isinstance(row, dict)]
            kind, x, y = _kind(spec)
            series: dict[tuple, list[dict]] = {}
            for row in rows:
                series.setdefault((str(row.get("rev", HEAD)), str(row.get("filename", ""))), []).append(row)
            if kind.startswith("confusion"):
                fx, fy = field_name(x), field_name(y)
                counts = Counter(str(row.get(f)) for row in rows for f in (fx, fy))
                if len(counts) > MAX_LABELS:
                    keep = {label for label, _ in counts.most_common(MAX_LABELS)}
                    rows = [row for row in rows if str(row.get(fx)) in keep and str(row.get(fy)) in keep]
                    notes.append(f"{plot_id}: {len(counts):,} classes; the {MAX_LABELS} most frequent are shown")
            elif kind == "bar" and any(len(part) > MAX_LABELS for part in series.values()):
                most = max(len(part) for part in series.values())
                rows = [row for part in series.values() for row in part[:MAX_LABELS]]
                notes.append(f"{plot_id}: {most:,} bars; the first {MAX_LABELS} are shown")
            elif any(len(part) > MAX_POINTS for part in series.values()):
                most = max(len(part) for part in series.values())
                step = -(-most // (MAX_POINTS - 1))
                rows = [row for part in series.values() for row in _every(part, step)]
                notes.append(f"{plot_id}: {most:,} points per series; every {step}th is drawn")
            data["values"] = rows
    return notes


def _every(rows: list[dict], step: int) -> list[dict]:
    """Every `step`-th row and the last (a curve keeps its end)."""
    kept = rows[::step]
    return kept if not rows or kept[-1] is rows[-1] else kept + [rows[-1]]
