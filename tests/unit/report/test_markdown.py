from kaizen.report.markdown import build_markdown, data_section


def test_markdown_has_marker_deltas_direction_params_gate_and_charts(make_report):
    text = build_markdown(make_report())
    assert text.startswith("<!-- kaizen-report:train -->\n## Kaizen model report: ❌ quality gate failed")
    assert "| accuracy | 0.97 | 0.95 | 🔴 ▼ -0.02 (-2.1%) worse | ❌ regressed by 0.02 (allowed 0.01) |" in text
    assert "| loss | 0.35 | 0.3 | 🟢 ▼ -0.05 (-14.3%) better | ✅ |" in text
    assert "| train.C | 1.0 | 0.5 |" in text
    assert "Ran: `train`. Skipped (unchanged): `prepare`." in text
    assert "**Why the gate failed:** `accuracy` regressed by 0.02 (allowed 0.01)" in text
    assert "    bar [0.95, 0.3]" in text and "    line [0.97, 0.35]" in text


def test_no_base_and_no_gate(make_report):
    text = build_markdown(make_report(base=None, base_label=None, rules=[], verdicts=[], params=[]))
    assert "## Kaizen model report: no quality gate configured" in text
    assert "against nothing (no base revision)" in text
    assert "| accuracy | — | 0.95 | new |  |" in text
    assert "No params changed." in text
    assert "    line [" not in text


def test_stages_restored_from_the_run_cache_are_named_apart(make_report):
    text = build_markdown(make_report(stages_ran=[], stages_restored=["train", "evaluate"]))
    assert (
        "Ran: nothing. Restored from DVC's run cache (this change was trained before): `train`, `evaluate`. "
        "Skipped (unchanged): `prepare`."
    ) in text


def test_data_changes_show_sizes_and_stop_at_the_limit():
    changes = [(f"data/{i}.csv", "modified", 2048, 3 * 1024 * 1024) for i in range(3)]
    table = data_section(changes, limit=2)
    assert "| `data/0.csv` | modified | 2.0 KB | 3.0 MB |" in table
    assert "data/2.csv" not in table and "| … | 1 more | | |" in table
    assert data_section([]) == "No DVC-tracked data or output changed."


def test_text_from_the_project_is_escaped_in_every_table(make_report):
    hostile = "a|b<img src=x>"
    text = build_markdown(make_report(params=[(hostile, 1, 2)], missing_base={hostile: hostile}))
    assert "| a\\|b&lt;img src=x&gt; | 1 | 2 |" in text  # a cell: escaped
    assert "**No base values for:** `a\\|b<img src=x>`: a\\|b&lt;img src=x&gt;" in text  # code shows it as text
