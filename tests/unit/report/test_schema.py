"""results.json through its one table of fields: written, read back, refused when it is not
Kaizen's format. The tests walk the table, so a field added to it is covered here."""

import json
from dataclasses import fields

import pytest

from kaizen.quality_gate import Rule, evaluate
from kaizen.report import schema
from kaizen.report.markdown import build_markdown

READ_BACK = [each for each in schema.FIELDS if each.read is not None]


@pytest.fixture()
def full_report(make_report):
    """A report with every field results.json carries filled, none at its default."""
    rules = [
        Rule("accuracy", "higher", minimum=0.9, maximum=1.0, max_regression=0.01, max_relative_regression=0.05),
        Rule("loss", "lower", informational=True),
    ]
    head, base = {"accuracy": 0.95, "loss": 0.30}, {"accuracy": 0.97, "loss": 0.35}
    return make_report(
        rules=rules,
        verdicts=evaluate(rules, head, base),
        params=[("train.C", 1.0, 0.5), ("train.kernel", "rbf", None), ("train.scale", True, 3)],
        missing_base={"eval/extra.json": "the base revision does not produce it"},
        stages_restored=["evaluate"],
        data_changes=[("data/raw.csv", "modified", 1024, 2048), ("data/new.csv", "added", None, 10)],
    )


def through_the_file(report: schema.ReportInput) -> schema.ReportInput:
    return schema.from_results(json.loads(json.dumps(schema.build_results(report))), report.name)


def test_every_attribute_of_a_report_is_in_the_table_or_named_as_left_out():
    in_table = {attr for each in schema.FIELDS for attr in each.attrs}
    assert in_table | schema.NOT_IN_RESULTS == {f.name for f in fields(schema.ReportInput)}
    assert not in_table & schema.NOT_IN_RESULTS


@pytest.mark.parametrize("each", READ_BACK, ids=lambda each: each.path)
def test_every_field_round_trips_through_results_json(each, full_report):
    remade = through_the_file(full_report)
    for attr in each.attrs:
        assert getattr(full_report, attr) not in (None, "", [], {}), f"the sample leaves {attr} empty"
        assert getattr(remade, attr) == getattr(full_report, attr)


@pytest.mark.parametrize("each", schema.FIELDS, ids=lambda each: each.path)
def test_what_the_writer_writes_passes_the_field_s_own_check(each, full_report):
    """Derived fields too (gate.passed, gate.configured): their type is in the table."""
    value = schema.value_at(schema.build_results(full_report), each.path)
    assert each.check(json.loads(json.dumps(value)), each.path) is not None


@pytest.mark.parametrize("each", READ_BACK, ids=lambda each: each.path)
def test_a_field_of_the_wrong_shape_is_refused_by_name(each, full_report):
    results = schema.build_results(full_report)
    *parents, key = each.path.split(".")
    target = results
    for part in parents:
        target = target[part]
    target[key] = {"nested": [1]}  # of no field's shape
    with pytest.raises(ValueError, match=each.path.split(".")[0]):
        schema.from_results(results, "train")


def test_the_re_made_report_shows_what_the_original_shows(full_report):
    original, remade = build_markdown(full_report), build_markdown(through_the_file(full_report))
    assert remade.split("### Charts")[0] == original.split("### Charts")[0]
    assert "Posted from a fork's run" in remade


def test_results_json_carries_the_gate_s_verdict_and_the_changes(make_report):
    results = schema.build_results(make_report())
    assert results["gate"]["passed"] is False and results["gate"]["configured"] is True
    assert results["metrics"]["accuracy"]["change"] == 0.95 - 0.97
    assert results["params"] == [{"name": "train.C", "base": 1.0, "head": 0.5}]
    assert schema.build_results(make_report(verdicts=[]))["gate"] == {
        "rules": schema.build_results(make_report())["gate"]["rules"],
        "configured": False,
        "passed": True,
        "verdicts": [],
    }


def test_base_values_without_a_base_label_are_not_shown(make_report):
    remade = through_the_file(make_report(base_label=None))
    assert remade.base is None and remade.base_label is None


@pytest.mark.parametrize(
    "broken",
    [
        {},
        [],
        {"metrics": {}},
        {"metrics": {"a": {"head": "0.5"}}},
        {"metrics": {"a": {"head": float("nan")}}},
        {"metrics": {"a": {"head": 0.5}}, "gate": {"verdicts": [{"metric": "b", "passed": True}]}},
        {"metrics": {"a": {"head": 0.5}}, "gate": {"rules": [{"metric": "b", "direction": "higher"}]}},
        {"metrics": {"a": {"head": 0.5}}, "gate": {"rules": [{"metric": "a", "direction": "up"}]}},
        {"metrics": {"a": {"head": 0.5}}, "gate": "passed"},
        {"metrics": {"a": {"head": 0.5}}, "params": [{"name": "p", "base": {"nested": 1}, "head": 1}]},
        {"metrics": {"a" * 300: {"head": 0.5}}},
        {"metrics": {f"m{i}": {"head": 0.5} for i in range(501)}},
        {"metrics": {"a": {"head": 0.5}}, "data": [{"path": "x", "change": "exploded"}]},
        {"metrics": {"a": {"head": 0.5}}, "data": [{"path": "x", "change": "added", "head_size": True}]},
        {"metrics": {"a": {"head": 0.5}}, "head": "x" * 101},
    ],
)
def test_results_that_are_not_kaizens_format_are_refused(broken):
    with pytest.raises(ValueError):
        schema.from_results(broken, "train")
