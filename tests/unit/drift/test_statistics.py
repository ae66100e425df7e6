"""The drift statistics on generated data: known shifts are caught, identical distributions are
not, by the real tests (scipy's KS and chi-squared) and PSI."""

import numpy as np
import pytest

from kaizen.drift import markdown, statistics
from kaizen.drift.data import Table
from kaizen.drift.thresholds import Thresholds

ROWS = 2000


def table(columns: dict[str, list]) -> Table:
    return Table(list(columns), {k: list(v) for k, v in columns.items()}, rows=len(next(iter(columns.values()))))


def numeric_frame(rng, rows: int, features: int, shift: dict[int, float] | None = None) -> Table:
    data = rng.normal(size=(rows, features))
    for index, amount in (shift or {}).items():
        data[:, index] += amount
    return table({f"f{i}": data[:, i].tolist() for i in range(features)})


@pytest.mark.parametrize("seed", range(20))
def test_half_a_standard_deviation_in_one_of_ten_features_is_caught(seed):
    rng = np.random.default_rng(seed)
    result = statistics.analyse(
        numeric_frame(rng, ROWS, 10), numeric_frame(rng, ROWS, 10, {3: 0.5}), "target", Thresholds()
    )
    assert result.breached
    assert [c.name for c in result.drifted] == ["f3"]
    assert result.columns[0].name == "f3" and result.columns[0].psi >= 0.2


@pytest.mark.parametrize("seed", range(20))
def test_an_unshifted_sample_raises_no_alarm(seed):
    rng = np.random.default_rng(1000 + seed)
    result = statistics.analyse(numeric_frame(rng, ROWS, 10), numeric_frame(rng, ROWS, 10), "target", Thresholds())
    assert not result.breached
    assert result.drifted == []
    assert max(c.psi for c in result.columns) < 0.1


def test_identical_data_has_zero_psi_and_ks_p_of_one():
    rng = np.random.default_rng(0)
    values = rng.normal(size=500).tolist()
    column = statistics.compare("x", values, values, Thresholds())
    assert column.psi == pytest.approx(0.0, abs=1e-12)
    assert column.p_value == pytest.approx(1.0)
    assert not column.drifted


def test_psi_matches_the_formula():
    reference, serving = np.array([50, 50]), np.array([80, 20])
    expected = (0.8 - 0.5) * np.log(0.8 / 0.5) + (0.2 - 0.5) * np.log(0.2 / 0.5)
    assert statistics.psi(reference, serving) == pytest.approx(expected)


def test_categorical_shift_new_and_vanished_categories():
    rng = np.random.default_rng(1)
    reference = rng.choice(
        ["red", "green", "blue", "grey", "pink", "teal"], size=ROWS, p=[0.3, 0.3, 0.2, 0.1, 0.05, 0.05]
    )
    serving = rng.choice(["red", "green", "blue", "violet"], size=ROWS, p=[0.1, 0.3, 0.2, 0.4])
    column = statistics.compare("colour", reference.tolist(), serving.tolist(), Thresholds())
    assert column.kind == "categorical" and column.test == "chi2"
    assert column.p_value < 1e-6 and column.statistic > 0.3  # Cramér's V
    assert list(column.new_categories) == ["violet"] and 0.35 < column.new_categories["violet"] < 0.45
    assert set(column.vanished_categories) == {"grey", "pink", "teal"}
    assert any("never saw" in reason for reason in column.reasons)
    same = statistics.compare("colour", reference.tolist(), rng.permutation(reference).tolist(), Thresholds())
    assert not same.drifted and same.p_value == pytest.approx(1.0)


def test_numbers_with_few_values_are_categorical_and_spellings_of_one_value_agree():
    column = statistics.compare("flag", [0, 1] * 500, ["0", "1.0"] * 500, Thresholds())
    assert column.kind == "categorical"
    assert column.new_categories == {} and not column.drifted


def test_missing_share_growth_drifts():
    rng = np.random.default_rng(2)
    values = rng.normal(size=ROWS).tolist()
    served = [None if i % 5 == 0 else v for i, v in enumerate(values)]  # 20% missing
    column = statistics.compare("x", values, served, Thresholds())
    assert column.serving_missing == pytest.approx(0.2)
    assert any(reason.startswith("missing 0% -> 20%") for reason in column.reasons)


def test_schema_wrong_type_and_absent_column_and_out_of_range():
    rng = np.random.default_rng(3)
    values = rng.normal(size=ROWS).tolist()
    wrong = statistics.compare("x", values, ["n/a-ish text"] * 100 + values[100:], Thresholds())
    assert wrong.schema == ["5% of the values are not numbers"]
    absent = statistics.compare("x", values, [None] * ROWS, Thresholds())
    assert absent.schema == ["no value served"]
    wide = statistics.compare("x", values, (np.array(values) * 3).tolist(), Thresholds())
    assert wide.out_of_range > 0.2 and any("outside the training range" in r for r in wide.reasons)
    result = statistics.analyse(
        table({"x": values}), table({"x": values, "prediction": [None] * ROWS}), "t", Thresholds()
    )
    assert not result.breached


def test_prediction_drift_against_the_target():
    rng = np.random.default_rng(4)
    reference = table(
        {"x": rng.normal(size=ROWS).tolist(), "target": rng.choice([0, 1], size=ROWS, p=[0.5, 0.5]).tolist()}
    )
    serving = table(
        {"x": rng.normal(size=ROWS).tolist(), "prediction": rng.choice([0, 1], size=ROWS, p=[0.9, 0.1]).tolist()}
    )
    result = statistics.analyse(reference, serving, "target", Thresholds())
    prediction = next(c for c in result.columns if c.is_prediction)
    assert prediction.drifted and result.breached
    assert [c.name for c in result.columns if not c.is_prediction] == ["x"]  # the target is no feature


def test_max_drifted_columns_and_ignore_and_too_few_rows():
    rng = np.random.default_rng(5)
    reference, serving = numeric_frame(rng, ROWS, 4), numeric_frame(rng, ROWS, 4, {0: 1.0})
    assert statistics.analyse(reference, serving, "t", Thresholds()).breached
    assert not statistics.analyse(reference, serving, "t", Thresholds(max_drifted_columns=1)).breached
    ignored = statistics.analyse(reference, serving, "t", Thresholds(ignore=("f0",)))
    assert not ignored.breached and "f0" not in [c.name for c in ignored.columns]
    few = statistics.analyse(reference, numeric_frame(rng, 50, 4, {0: 3.0}), "t", Thresholds())
    assert few.too_few_rows and not few.breached
    assert "no verdict" in markdown.build(few)


def test_large_p_value_alone_or_tiny_effect_alone_never_drifts():
    """With 100,000 rows KS finds a 0.02 SD shift significant: the effect size keeps it quiet."""
    rng = np.random.default_rng(6)
    column = statistics.compare(
        "x", rng.normal(size=100_000).tolist(), (rng.normal(size=100_000) + 0.03).tolist(), Thresholds()
    )
    assert column.p_value < 0.001 and column.statistic < 0.1
    assert not column.drifted
