import json

import pytest

from kaizen import report
from kaizen.quality_gate import Rule, evaluate


def sample(**overrides) -> report.ReportInput:
    rules = [Rule("accuracy", "higher", minimum=0.9, max_regression=0.01), Rule("loss", "lower")]
    head, base = {"accuracy": 0.95, "loss": 0.30}, {"accuracy": 0.97, "loss": 0.35}
    values = dict(
        name="train",
        head_label="abc123",
        base_label="main (def456)",
        head=head,
        base=base,
        rules=rules,
        verdicts=evaluate(rules, head, base),
        params=[("train.C", 1.0, 0.5)],
        stages_ran=["train"],
        stages_skipped=["prepare"],
    )
    values.update(overrides)
    return report.ReportInput(**values)


def test_markdown_has_marker_deltas_direction_params_gate_and_charts():
    text = report.build_markdown(sample())
    assert text.startswith("<!-- kaizen-report:train -->\n## Kaizen model report: ❌ quality gate failed")
    assert "| accuracy | 0.97 | 0.95 | 🔴 ▼ -0.02 (-2.1%) worse | ❌ regressed by 0.02 (allowed 0.01) |" in text
    assert "| loss | 0.35 | 0.3 | 🟢 ▼ -0.05 (-14.3%) better | ✅ |" in text
    assert "| train.C | 1.0 | 0.5 |" in text
    assert "Ran: `train`. Skipped (unchanged): `prepare`." in text
    assert "**Why the gate failed:** `accuracy` regressed by 0.02 (allowed 0.01)" in text
    assert "    bar [0.95, 0.3]" in text and "    line [0.97, 0.35]" in text


def test_no_base_and_no_gate():
    text = report.build_markdown(sample(base=None, base_label=None, rules=[], verdicts=[], params=[]))
    assert "## Kaizen model report: no quality gate configured" in text
    assert "against nothing (no base revision)" in text
    assert "| accuracy | — | 0.95 | new |  |" in text
    assert "No params changed." in text
    assert "    line [" not in text


def test_results_json_matches_the_markdown():
    results = report.build_results(sample())
    assert results["gate"]["passed"] is False
    assert results["metrics"]["accuracy"]["change"] == 0.95 - 0.97
    assert results["params"] == [{"name": "train.C", "base": 1.0, "head": 0.5}]


def test_curves_are_resampled_as_steps_onto_one_grid():
    chart = report.curve_chart("ROC", "fpr", "tpr", [[(0, 0), (0, 0.8), (0.5, 1.0), (1, 1)], [(0, 0), (1, 1)]])
    lines = [line for line in chart.splitlines() if line.startswith("    line [")]
    assert len(lines) == 2
    head = [float(v) for v in lines[0][10:-1].split(", ")]
    assert len(head) == report.MAX_CHART_POINTS and head[0] == 0.8 and head[10] == 1.0 and head[9] == 0.8


def test_stages_restored_from_the_run_cache_are_named_apart():
    text = report.build_markdown(sample(stages_ran=[], stages_restored=["train", "evaluate"]))
    assert (
        "Ran: nothing. Restored from DVC's run cache (this change was trained before): `train`, `evaluate`. "
        "Skipped (unchanged): `prepare`."
    ) in text
    assert report.build_results(sample(stages_restored=["evaluate"]))["stages"]["restored"] == ["evaluate"]


def test_a_report_is_re_made_from_its_results_and_nothing_else():
    original = sample()
    results = report.build_results(original)
    remade = report.from_results(json.loads(json.dumps(results)), "train")
    text = report.build_markdown(remade)
    assert "| accuracy | 0.97 | 0.95 | 🔴 ▼ -0.02 (-2.1%) worse | ❌ regressed by 0.02 (allowed 0.01) |" in text
    assert "| train.C | 1.0 | 0.5 |" in text
    assert text.split("### Params")[0] == report.build_markdown(original).split("### Params")[0]
    assert "❌ quality gate failed" in text and "Posted from a fork's run" in text


@pytest.mark.parametrize(
    "broken",
    [
        {},
        {"metrics": {"a": {"head": "0.5"}}},
        {"metrics": {"a": {"head": 0.5}}, "gate": {"verdicts": [{"metric": "b", "passed": True}]}},
        {"metrics": {"a": {"head": 0.5}}, "params": [{"name": "p", "base": {"nested": 1}, "head": 1}]},
        {"metrics": {"a" * 300: {"head": 0.5}}},
        {"metrics": {"a": {"head": 0.5}}, "data": [{"path": "x", "change": "exploded"}]},
    ],
)
def test_results_that_are_not_kaizens_format_are_refused(broken):
    with pytest.raises(ValueError):
        report.from_results(broken, "train")
