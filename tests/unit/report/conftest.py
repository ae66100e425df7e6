import pytest

from kaizen.quality_gate import Rule, evaluate
from kaizen.report.schema import ReportInput


@pytest.fixture()
def make_report():
    """A report of two metrics against a base, one of them failing its gate; keyword arguments
    replace any of its fields."""

    def make(**overrides) -> ReportInput:
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
        return ReportInput(**values)

    return make
