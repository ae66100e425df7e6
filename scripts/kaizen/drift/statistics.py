"""Column-by-column drift between the reference (training data) and the serving sample.

By type, as Evidently chooses its tests (numeric columns with at most 5 distinct values count as
categorical: https://github.com/evidentlyai/evidently/releases/tag/v0.1.50.dev0):
- numeric: PSI over the reference's quantile bins, and the two-sample Kolmogorov-Smirnov test;
  the share of values outside the reference's range;
- categorical: PSI over the categories, chi-squared on the contingency table with Cramér's V as
  its effect size, the categories training never saw and those serving no longer sends;
- every column: the share of missing values, and the schema (the column is there, its values
  have the reference's type).
The prediction is compared with the reference's target the same way (the prediction's own drift).
Needs numpy and scipy (the `drift` lock).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import stats

from kaizen.drift.data import PREDICTION, Table, missing
from kaizen.drift.thresholds import Thresholds

EPSILON = 1e-4  # a share of 0 becomes this in PSI, so an empty bin is a large term, not infinity
FEW_VALUES = 5  # numeric columns with at most this many distinct values are categorical
CHART_CATEGORIES = 8
# KS runs on at most this many rows a side (a fixed random subset): its decision needs an effect
# of min_effect (D >= 0.1 by default), which 20,000 rows detect at p far below any p_value
# threshold, and the test's cost grows with the rows. PSI and the ranges use every row.
MAX_TEST_ROWS = 20_000


@dataclass
class Column:
    name: str
    kind: str  # numeric or categorical
    psi: float = 0.0
    test: str = ""  # KS or chi2
    statistic: float = 0.0  # KS D, or Cramér's V
    p_value: float = 1.0
    reference_missing: float = 0.0
    serving_missing: float = 0.0
    out_of_range: float = 0.0
    new_categories: dict[str, float] = field(default_factory=dict)  # category -> its share of serving
    vanished_categories: list[str] = field(default_factory=list)
    schema: list[str] = field(default_factory=list)  # what breaks the schema
    reasons: list[str] = field(default_factory=list)  # why it drifted; empty: it did not
    bins: list[str] = field(default_factory=list)  # histogram: labels, then the two shares per label
    reference_shares: list[float] = field(default_factory=list)
    serving_shares: list[float] = field(default_factory=list)
    is_prediction: bool = False

    @property
    def drifted(self) -> bool:
        return bool(self.reasons)


@dataclass
class Result:
    columns: list[Column]
    reference_rows: int
    serving_rows: int
    malformed: int
    extra_columns: list[str]
    thresholds: Thresholds
    too_few_rows: bool = False

    @property
    def drifted(self) -> list[Column]:
        return [c for c in self.columns if c.drifted]

    @property
    def breached(self) -> bool:
        if self.too_few_rows:
            return False
        features = [c for c in self.drifted if not c.is_prediction]
        schema = any(c.schema for c in self.columns)
        prediction = any(c.drifted for c in self.columns if c.is_prediction)
        return schema or prediction or len(features) > self.thresholds.max_drifted_columns

    def as_dict(self) -> dict:
        return {
            "breached": self.breached,
            "too_few_rows": self.too_few_rows,
            "reference_rows": self.reference_rows,
            "serving_rows": self.serving_rows,
            "malformed_lines": self.malformed,
            "extra_columns": self.extra_columns,
            "thresholds": asdict(self.thresholds),
            "columns": [{**asdict(c), "drifted": c.drifted} for c in self.columns],
        }


def psi(reference_counts: np.ndarray, serving_counts: np.ndarray) -> float:
    """Population Stability Index: sum over bins of (s - r) * ln(s / r) of the two shares."""
    r = np.clip(reference_counts / max(reference_counts.sum(), 1), EPSILON, None)
    s = np.clip(serving_counts / max(serving_counts.sum(), 1), EPSILON, None)
    return float(np.sum((s - r) * np.log(s / r)))


def as_numbers(values: list) -> tuple[np.ndarray, int, int]:
    """Values as floats (NaN for missing); how many were missing and how many were not numbers.
    numpy converts a column of numbers, numeric text and None at once; a column holding other
    text (or booleans, which numpy would read as 0 and 1) goes value by value."""
    if bool not in set(map(type, values)):
        try:
            numbers = np.array(values, dtype=float)
        except (TypeError, ValueError):
            pass
        else:
            return numbers, int(np.isnan(numbers).sum()), 0
    numbers = np.full(len(values), np.nan)
    missing_count = wrong = 0
    for i, value in enumerate(values):
        if missing(value):
            missing_count += 1
            continue
        if isinstance(value, bool):
            wrong += 1
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            wrong += 1
            continue
        if math.isnan(number):
            missing_count += 1
        else:
            numbers[i] = number
    return numbers, missing_count, wrong


def category(value) -> str:
    """A category's name: numbers by value (1, 1.0 and "1" are one category)."""
    if isinstance(value, bool):
        return str(value).lower()
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value).strip()
    return f"{number:g}" if math.isfinite(number) else str(value).strip()


def _edges_label(edges: np.ndarray, index: int) -> str:
    if index == 0:
        return f"below {edges[0]:.3g}"
    if index == len(edges):
        return f"from {edges[-1]:.3g}"
    return f"{edges[index - 1]:.3g} to {edges[index]:.3g}"


def subset(values: np.ndarray) -> np.ndarray:
    if len(values) <= MAX_TEST_ROWS:
        return values
    return np.random.default_rng(0).choice(values, MAX_TEST_ROWS, replace=False)


def numeric(column: Column, reference: np.ndarray, serving: np.ndarray, t: Thresholds) -> None:
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, t.bins + 1)[1:-1]))
    reference_counts = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=len(edges) + 1)
    serving_counts = np.bincount(np.searchsorted(edges, serving, side="right"), minlength=len(edges) + 1)
    column.psi = psi(reference_counts, serving_counts)
    test = stats.ks_2samp(subset(reference), subset(serving))
    column.test, column.statistic, column.p_value = "KS", float(test.statistic), float(test.pvalue)
    column.out_of_range = float(np.mean((serving < reference.min()) | (serving > reference.max())))
    column.bins = [_edges_label(edges, i) for i in range(len(edges) + 1)]
    column.reference_shares = (reference_counts / reference_counts.sum()).round(4).tolist()
    column.serving_shares = (serving_counts / serving_counts.sum()).round(4).tolist()
    if column.out_of_range > t.out_of_range_share:
        column.reasons.append(f"{column.out_of_range:.0%} outside the training range")


def categorical(column: Column, reference: list[str], serving: list[str], t: Thresholds) -> None:
    reference_counts, serving_counts = Counter(reference), Counter(serving)
    names = [name for name, _ in reference_counts.most_common()]
    names += sorted(set(serving_counts) - set(reference_counts))
    r = np.array([reference_counts[n] for n in names], dtype=float)
    s = np.array([serving_counts[n] for n in names], dtype=float)
    column.psi = psi(r, s)
    column.test = "chi2"
    if len(names) >= 2:
        chi2, p_value, _, _ = stats.chi2_contingency(np.vstack([r, s]))
        column.statistic = float(math.sqrt(chi2 / (r.sum() + s.sum())))  # Cramér's V of a 2-row table
        column.p_value = float(p_value)
    column.new_categories = {n: round(serving_counts[n] / len(serving), 4) for n in names if n not in reference_counts}
    column.vanished_categories = [n for n in names if n in reference_counts and n not in serving_counts]
    shown = names[:CHART_CATEGORIES]
    column.bins = shown
    column.reference_shares = [round(reference_counts[n] / len(reference), 4) for n in shown]
    column.serving_shares = [round(serving_counts[n] / len(serving), 4) for n in shown]
    new_share = sum(column.new_categories.values())
    if new_share > t.new_category_share:
        column.reasons.append(f"{new_share:.0%} in categories training never saw")


def compare(
    name: str, reference_values: list, serving_values: list, t: Thresholds, *, is_prediction: bool = False
) -> Column:
    reference, reference_missing, reference_wrong = as_numbers(reference_values)
    serving, serving_missing, serving_wrong = as_numbers(serving_values)
    present = ~np.isnan(reference)
    is_numeric = reference_wrong == 0 and present.any()
    few = (
        is_numeric
        and len(np.unique(reference[present][: 50 * FEW_VALUES])) <= FEW_VALUES
        and len(np.unique(reference[present])) <= FEW_VALUES
    )
    column = Column(name, "numeric" if is_numeric and not few else "categorical", is_prediction=is_prediction)
    column.reference_missing = reference_missing / max(len(reference_values), 1)
    column.serving_missing = serving_missing / max(len(serving_values), 1)
    if len(serving_values) and serving_missing == len(serving_values):
        column.schema.append("no value served" if name != PREDICTION else "no prediction recorded")
        return column
    if is_numeric and serving_wrong / max(len(serving_values), 1) > t.schema_violation_share:
        column.schema.append(f"{serving_wrong / len(serving_values):.0%} of the values are not numbers")
    if column.kind == "numeric":
        numeric(column, reference[present], serving[~np.isnan(serving)], t)
    else:
        categorical(
            column,
            [category(v) for v in reference_values if not missing(v)],
            [category(v) for v in serving_values if not missing(v)],
            t,
        )
    if column.psi >= t.psi:
        column.reasons.insert(0, f"PSI {column.psi:.2f} >= {t.psi:g}")
    if column.p_value < t.p_value and column.statistic >= t.min_effect:
        effect = "D" if column.test == "KS" else "V"
        column.reasons.append(f"{column.test} {effect}={column.statistic:.2f}, p={column.p_value:.1e}")
    if column.serving_missing - column.reference_missing > t.missing_increase:
        column.reasons.append(f"missing {column.reference_missing:.0%} -> {column.serving_missing:.0%}")
    return column


def analyse(reference: Table, serving: Table, target: str, t: Thresholds) -> Result:
    """Every feature column (the reference's columns but the target and the ignored), then the
    prediction against the target; sorted with the drifted first, then by PSI."""
    features = [c for c in reference.columns if c != target and c not in t.ignore]
    result = Result(
        [],
        reference.rows,
        serving.rows,
        serving.malformed,
        sorted(serving.extra_columns - set(t.ignore))[:50],
        t,
        too_few_rows=serving.rows < t.min_rows,
    )
    if result.too_few_rows:
        return result
    for name in features:
        result.columns.append(compare(name, reference.values[name], serving.values.get(name, []), t))
    if target in reference.columns and any(not missing(v) for v in serving.values.get(PREDICTION, [])):
        result.columns.append(
            compare(PREDICTION, reference.values[target], serving.values[PREDICTION], t, is_prediction=True)
        )
    result.columns.sort(key=lambda c: (not c.schema, not c.drifted, -c.psi, c.name))
    return result
