"""The `drift:` section of the quality gate file (default `.kaizen/quality-gate.yml`):

    drift:
      psi: 0.2                    # a column drifts at a Population Stability Index of at least this
      p_value: 0.001              # ... or when KS (numeric) or chi-squared (categorical) gives a
      min_effect: 0.1             #     p-value below p_value AND an effect (KS D, Cramér's V) of at least min_effect
      missing_increase: 0.05      # ... or when its share of missing values grows by more than this
      new_category_share: 0.05    # ... or when categories training never saw are more than this share
      out_of_range_share: 0.05    # ... or when more than this share of numbers is outside training's range
      schema_violation_share: 0.01  # values of the wrong type tolerated before the schema fails
      max_drifted_columns: 0      # the run breaches when more columns than this drift
      min_rows: 100               # fewer serving rows than this: no verdict, a warning
      bins: 10                    # quantile bins of the reference for numeric PSI
      ignore: [request_id]        # columns never checked

Every key is optional; an absent section means these defaults. The p-value alone never decides
(with 100,000 rows KS finds trivial shifts significant): the effect size must be there too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from pathlib import Path

from kaizen import untrusted
from kaizen.gha import InputError


@dataclass(frozen=True)
class Thresholds:
    psi: float = 0.2
    p_value: float = 0.001
    min_effect: float = 0.1
    missing_increase: float = 0.05
    new_category_share: float = 0.05
    out_of_range_share: float = 0.05
    schema_violation_share: float = 0.01
    max_drifted_columns: int = 0
    min_rows: int = 100
    bins: int = 10
    ignore: tuple[str, ...] = field(default_factory=tuple)


SHARES = {"p_value", "missing_increase", "new_category_share", "out_of_range_share", "schema_violation_share"}
WHOLE = {"max_drifted_columns": 0, "min_rows": 1, "bins": 2}  # key -> smallest allowed


def _fail(file: str, message: str) -> InputError:
    return InputError(f"{file}: {message}", title="thresholds-file", file=file)


def parse(data, file: str) -> Thresholds:
    """Thresholds from the parsed gate file (`data`, any YAML value); defaults for what is absent."""
    if data is None or (isinstance(data, dict) and data.get("drift") is None):
        return Thresholds()
    if not isinstance(data, dict) or not isinstance(data["drift"], dict):
        raise _fail(file, "`drift:` must be a mapping of threshold names to values")
    section = data["drift"]
    known = {f.name for f in fields(Thresholds)}
    unknown = sorted(str(key) for key in section if key not in known)
    if unknown:
        raise _fail(file, f"drift has unknown keys {unknown}; allowed: {sorted(known)}")
    values: dict = {}
    for key, value in section.items():
        if key == "ignore":
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise _fail(file, "drift.ignore must be a list of column names")
            values[key] = tuple(value)
        elif key in WHOLE:
            if isinstance(value, bool) or not isinstance(value, int) or value < WHOLE[key]:
                raise _fail(file, f"drift.{key} must be a whole number of at least {WHOLE[key]}, got {value!r}")
            values[key] = value
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise _fail(file, f"drift.{key} must be a number above 0, got {value!r}")
            if key in SHARES and value >= 1:
                raise _fail(file, f"drift.{key} is a share: give a number between 0 and 1, got {value!r}")
            values[key] = float(value)
    return Thresholds(**values)


def load(path: Path | None) -> Thresholds:
    """The thresholds of gate file `path` (None: the defaults)."""
    if path is None:
        return Thresholds()
    # The one reading layer for repository files: inside the workspace, budgets, the line of a YAML error.
    return parse(untrusted.load_yaml(path, path.as_posix(), title="thresholds-file"), path.as_posix())
