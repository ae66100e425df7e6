import pytest

from kaizen import quality_gate as qg
from kaizen.gha import InputError


@pytest.fixture(autouse=True)
def workspace(tmp_path, monkeypatch):
    """The files are read as a runner reads them: inside the workspace."""
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))


def rules(text: str, tmp_path):
    path = tmp_path / "gate.yml"
    path.write_text(text)
    return qg.load_rules(path)


def test_rules_are_parsed(tmp_path):
    [accuracy, latency] = rules(
        "metrics:\n  accuracy: {direction: higher, min: 0.9, max_regression: 0.01}\n"
        "  latency_ms: {direction: lower, max: 50, max_relative_regression: 0.1, informational: false}\n",
        tmp_path,
    )
    assert accuracy == qg.Rule("accuracy", "higher", minimum=0.9, max_regression=0.01)
    assert latency == qg.Rule("latency_ms", "lower", maximum=50.0, max_relative_regression=0.1)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("metrics:\n  accuracy: {direction: up}\n", "metrics.accuracy.direction must be higher or lower, got 'up'"),
        ("metrics:\n  accuracy: {direction: higher, min: high}\n", "metrics.accuracy.min must be a finite number"),
        ("metrics:\n  accuracy: {direction: higher, minimum: 1}\n", "unknown keys ['minimum']"),
        ("metrics:\n  accuracy: {direction: higher, max_regression: -1}\n", "must not be negative"),
        ("thresholds: {}\n", "unknown top-level keys ['thresholds']"),
        ("drift: []\n", "expected a `metrics:` mapping"),
        ("metrics: [\n", "not valid YAML"),
    ],
)
def test_bad_files_name_the_file_and_the_problem(tmp_path, text, needle):
    with pytest.raises(InputError) as info:
        rules(text, tmp_path)
    assert str(info.value).startswith("gate.yml: ")  # relative to the workspace, as annotations want it
    assert needle in str(info.value)
    assert info.value.title == "thresholds-file"


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="^thresholds-file: .* does not exist"):
        qg.load_rules(tmp_path / "nope.yml")


def test_a_rule_for_a_metric_the_pipeline_lacks_is_an_error():
    with pytest.raises(InputError, match="metrics the pipeline does not produce: 'recall'; known metrics: acc"):
        qg.evaluate([qg.Rule("recall", "higher", minimum=0.5)], {"acc": 0.9}, None)


def test_absolute_and_relative_bounds_in_both_directions():
    gate = [
        qg.Rule("acc", "higher", minimum=0.9, max_regression=0.01),
        qg.Rule("loss", "lower", maximum=0.5, max_relative_regression=0.10),
        qg.Rule("auc", "higher", minimum=0.99, informational=True),
    ]
    verdicts = {
        v.metric: v
        for v in qg.evaluate(gate, {"acc": 0.95, "loss": 0.45, "auc": 0.98}, {"acc": 0.97, "loss": 0.40, "auc": 0.99})
    }
    assert verdicts["acc"].reasons == ["regressed by 0.02 (allowed 0.01)"]
    assert verdicts["loss"].reasons == ["regressed by 12.50% (allowed 10.00%)"]
    assert not verdicts["auc"].passed and verdicts["auc"].informational
    assert not qg.gate_passed(list(verdicts.values()))
    improved = qg.evaluate(gate, {"acc": 0.99, "loss": 0.2, "auc": 0.5}, {"acc": 0.97, "loss": 0.40, "auc": 0.99})
    assert qg.gate_passed(improved)  # auc fails, but it is informational


def test_without_a_base_only_absolute_bounds_apply():
    [verdict] = qg.evaluate([qg.Rule("acc", "higher", minimum=0.9, max_regression=0.0)], {"acc": 0.85}, None)
    assert verdict.reasons == ["0.85 is below the minimum 0.9"]


def test_a_regression_rule_without_a_base_value_cannot_be_evaluated_and_fails():
    rules = [
        qg.Rule("acc", "higher", max_regression=0.01),
        qg.Rule("loss", "lower", max_relative_regression=0.1),
        qg.Rule("auc", "higher", minimum=0.5),  # compares with nothing: unaffected
    ]
    why = {"acc": "not at the base", "loss": "not at the base", "auc": "not at the base"}
    verdicts = {v.metric: v for v in qg.evaluate(rules, {"acc": 0.9, "loss": 0.3, "auc": 0.9}, None, why)}
    assert not verdicts["acc"].passed and verdicts["acc"].reasons == [
        "cannot be evaluated: no base value to compare with (not at the base)"
    ]
    assert not verdicts["loss"].passed and verdicts["auc"].passed
    assert not qg.gate_passed(list(verdicts.values()))
    # No base revision was asked for (no reasons given): regression rules do not apply.
    assert all(v.passed for v in qg.evaluate(rules, {"acc": 0.9, "loss": 0.3, "auc": 0.9}, None))


def test_informational_must_be_a_boolean_not_a_quoted_word(tmp_path):
    gate = tmp_path / "gate.yml"
    gate.write_text('metrics:\n  acc: {direction: higher, min: 0.9, informational: "no"}\n')
    with pytest.raises(InputError, match="metrics.acc.informational must be true or false"):
        qg.load_rules(gate)
