"""The drift report: compact, sorted, escaped, with histograms of the worst columns."""

import re

import numpy as np

from kaizen.drift import markdown, statistics
from kaizen.drift.data import Table
from kaizen.drift.thresholds import Thresholds


def frame(rng, rows, features, shift=(), names=None):
    data = rng.normal(size=(rows, features))
    for index in shift:
        data[:, index] += 1.0
    names = names or [f"feature_{i:02d}" for i in range(features)]
    return Table(list(names), {n: data[:, i].tolist() for i, n in enumerate(names)}, rows=rows)


def test_fifty_features_stay_under_eight_kilobytes_and_sort_by_drift():
    rng = np.random.default_rng(0)
    result = statistics.analyse(frame(rng, 2000, 50), frame(rng, 2000, 50, shift=(7, 21, 33, 40)), "t", Thresholds())
    report = markdown.build(result, "Serving commit `0123456789ab`.")
    assert len(report.encode()) < 8 * 1024, len(report.encode())
    table_rows = [line for line in report.splitlines() if line.startswith("| 🟥") or line.startswith("| ✅")]
    psis = [float(row.split("|")[4]) for row in table_rows]
    assert psis[4:] == sorted(psis[4:], reverse=True) and min(psis[:4]) >= 0.2 > max(psis[4:])
    assert all("🟥" in row for row in table_rows[:4]) and "🟥" not in "".join(table_rows[4:])
    assert report.count("```mermaid") == 3  # the three worst, not all four
    assert "| | 35 more |" in report
    assert report.startswith("## Drift: 🟥 breached (4 of 50 columns drifted)")


def test_names_from_the_data_are_escaped():
    rng = np.random.default_rng(1)
    names = ["a|b", 'x"]\n```', "<img src=x>"]
    result = statistics.analyse(
        frame(rng, 500, 3, names=names), frame(rng, 500, 3, shift=(0, 1, 2), names=names), "t", Thresholds()
    )
    report = markdown.build(result)
    assert "<img" not in report.replace("`<img src=x>`", "")
    assert "`a\\|b`" in report
    for block in re.findall(r"```mermaid\n(.*?)```", report, re.S):
        title = next(line for line in block.splitlines() if "title" in line)
        assert title.count('"') == 2
