from kaizen.report.charts import MAX_CHART_POINTS, curve_chart, scale_groups


def test_curves_are_resampled_as_steps_onto_one_grid():
    chart = curve_chart("ROC", "fpr", "tpr", [[(0, 0), (0, 0.8), (0.5, 1.0), (1, 1)], [(0, 0), (1, 1)]])
    lines = [line for line in chart.splitlines() if line.startswith("    line [")]
    assert len(lines) == 2
    head = [float(v) for v in lines[0][10:-1].split(", ")]
    assert len(head) == MAX_CHART_POINTS and head[0] == 0.8 and head[10] == 1.0 and head[9] == 0.8


def test_labels_cannot_end_a_mermaid_string_early():
    chart = curve_chart('RO"C\n%%{init}', "f`pr", "tpr", [[(0, 0), (1, 1)]], ["head"])
    assert '    title "RO C    init"' in chart
    assert "`" not in chart.split("```mermaid")[1].split("```")[0]


def test_metrics_of_different_scales_never_share_an_axis():
    assert scale_groups(["r2", "mae", "rmse"], {"r2": 0.04, "mae": 64.0, "rmse": 80.0}) == [["r2"], ["mae", "rmse"]]
