"""The drift report in Markdown: a verdict line, a table of the columns sorted by drift (the
drifted first, then the largest PSI, at most MAX_ROWS rows: the rest are summed up in one line),
the schema's problems, and Mermaid histograms of the reference against serving for the worst
columns. Every name that comes from the data is escaped (kaizen.escape)."""

from __future__ import annotations

from kaizen.drift.statistics import Column, Result
from kaizen.escape import md_code, mermaid_text

MAX_ROWS = 15
HEADING = "## Drift"


def _p(value: float) -> str:
    return "<1e-6" if value < 1e-6 else f"={value:.2g}"


def test_cell(column: Column) -> str:
    if not column.test:
        return "-"
    effect = "D" if column.test == "KS" else "V"
    return f"{'KS' if column.test == 'KS' else 'χ²'} {effect}={column.statistic:.2f} p{_p(column.p_value)}"


def notes(column: Column) -> str:
    found = list(column.schema)
    if column.new_categories:
        shown = ", ".join(md_code(n) for n in list(column.new_categories)[:3])
        more = len(column.new_categories) - 3
        found.append(f"new: {shown}{f' +{more}' if more > 0 else ''}")
    if column.vanished_categories:
        found.append(f"vanished: {', '.join(md_code(n) for n in column.vanished_categories[:3])}")
    if column.out_of_range >= 0.005:
        found.append(f"{column.out_of_range:.0%} out of range")
    return "; ".join(found) or ""


def row(column: Column) -> str:
    name = md_code(column.name) + (" (vs target)" if column.is_prediction else "")
    verdict = "🟥" if column.schema or column.drifted else "✅"
    missing = f"{column.reference_missing:.0%} → {column.serving_missing:.0%}"
    return (
        f"| {verdict} | {name} | {column.kind} | {column.psi:.3f} | {test_cell(column)} | {missing} | {notes(column)} |"
    )


def histogram(column: Column) -> str:
    top = max(column.reference_shares + column.serving_shares + [0.01])
    labels = ", ".join(f'"{mermaid_text(label, 24)}"' for label in column.bins)
    return "\n".join(
        [
            "```mermaid",
            '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#2563eb, #dc2626"}}}}%%',
            "xychart-beta",
            f'    title "{mermaid_text(column.name, 60)}: training (bars) against serving (line)"',
            f"    x-axis [{labels}]",
            f'    y-axis "share" 0 --> {min(1.0, top * 1.15):.2f}',
            "    bar [" + ", ".join(f"{v:.4f}" for v in column.reference_shares) + "]",
            "    line [" + ", ".join(f"{v:.4f}" for v in column.serving_shares) + "]",
            "```",
            "",
            "🟦 training · 🟥 serving",
        ]
    )


def build(result: Result, context: str = "", charts: int = 3) -> str:
    """The report; `context` is a line naming what was compared (commits, model)."""
    t = result.thresholds
    lines = []
    if result.too_few_rows:
        lines += [
            f"{HEADING}: no verdict",
            "",
            f"⚠️ The serving sample has {result.serving_rows} rows, fewer than drift.min_rows ({t.min_rows}): "
            "too few to judge. Let the service record longer or raise its sampling rate.",
        ]
        return "\n".join(lines + ([context] if context else [])) + "\n"
    drifted = [c for c in result.columns if c.drifted or c.schema]
    verdict = "🟥 breached" if result.breached else ("🟨 within tolerance" if drifted else "✅ no drift")
    lines += [
        f"{HEADING}: {verdict} ({len(drifted)} of {len(result.columns)} columns drifted)",
        "",
    ]
    if context:
        lines += [context, ""]
    lines += [
        f"Serving sample: {result.serving_rows:,} rows against {result.reference_rows:,} training rows. "
        f"A column drifts at PSI ≥ {t.psi:g}, or p < {t.p_value:g} with an effect ≥ {t.min_effect:g}, "
        f"or missing values up {t.missing_increase:.0%}+.",
        "",
        "| | Column | Type | PSI | Test | Missing | Notes |",
        "| --- | --- | --- | ---: | --- | --- | --- |",
    ]
    shown = result.columns[:MAX_ROWS]
    lines += [row(c) for c in shown]
    rest = result.columns[MAX_ROWS:]
    if rest:
        quiet = [c for c in rest if not (c.drifted or c.schema)]
        lines.append(
            f"| | {len(rest)} more | | ≤ {max(c.psi for c in rest):.3f} | | | "
            f"{len(rest) - len(quiet)} drifted (all in the artifact) |"
        )
    problems = []
    if result.malformed:
        problems.append(f"{result.malformed:,} lines of the sample were not records and were skipped")
    if result.extra_columns:
        problems.append("served but not trained on: " + ", ".join(md_code(c) for c in result.extra_columns[:5]))
    if problems:
        lines += ["", *(f"- {p}" for p in problems)]
    for column in [c for c in result.columns if c.drifted and c.bins][:charts]:
        lines += ["", histogram(column)]
    return "\n".join(lines) + "\n"
