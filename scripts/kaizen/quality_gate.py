"""The quality gate: which metrics must hold which bounds, and by how much they may regress.

Configured in one file in the consumer repository (default `.kaizen/quality-gate.yml`):

    metrics:
      accuracy:                 # a metric name as in metrics.json (nested keys joined by ".")
        direction: higher       # higher or lower is better
        min: 0.90               # absolute bound (use `max` for direction: lower)
        max_regression: 0.01    # worst allowed change against the base, in the metric's unit
        max_relative_regression: 0.02  # ... or as a fraction of the base value
      roc_auc:
        direction: higher
        informational: true     # shown in the report, never fails the gate
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kaizen import gha, untrusted
from kaizen.gha import InputError

DIRECTIONS = ("higher", "lower")
KEYS = {"direction", "min", "max", "max_regression", "max_relative_regression", "informational"}
BOUNDS = ("min", "max", "max_regression", "max_relative_regression")
# Top-level sections of the file: `drift:` belongs to the drift checks, which validate it.
SECTIONS = {"metrics", "drift"}


@dataclass(frozen=True)
class Rule:
    metric: str
    direction: str
    minimum: float | None = None
    maximum: float | None = None
    max_regression: float | None = None
    max_relative_regression: float | None = None
    informational: bool = False
    source: str = field(default="", compare=False)  # the file the rule is written in, for errors


@dataclass
class Verdict:
    metric: str
    passed: bool
    informational: bool
    reasons: list[str] = field(default_factory=list)


def _number(value, where: str, file: str) -> float:
    if not untrusted.finite(value):
        raise InputError(
            f"{file}: {where} must be a finite number, got {str(value)[:40]!r}", title="thresholds-file", file=file
        )
    return float(value)


def parse_rules(data, file: str) -> list[Rule]:
    if isinstance(data, dict) and set(data) - SECTIONS:
        unknown = sorted(str(k)[:40] for k in set(data) - SECTIONS)
        raise InputError(
            f"{file}: unknown top-level keys {unknown}; allowed: {sorted(SECTIONS)}", title="thresholds-file", file=file
        )
    if isinstance(data, dict) and "metrics" not in data and isinstance(data.get("drift"), dict):
        return []  # drift checks only
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict) or not data["metrics"]:
        raise InputError(
            f"{file}: expected a `metrics:` mapping of metric names to rules", title="thresholds-file", file=file
        )
    rules = []
    for name, spec in data["metrics"].items():
        name = str(name)[:200]
        if not isinstance(spec, dict):
            raise InputError(f"{file}: metrics.{name} must be a mapping", title="thresholds-file", file=file)
        unknown = {str(k) for k in spec} - KEYS
        if unknown:
            raise InputError(
                f"{file}: metrics.{name} has unknown keys {sorted(k[:40] for k in unknown)}; allowed: {sorted(KEYS)}",
                title="thresholds-file",
                file=file,
            )
        direction = spec.get("direction")
        if direction not in DIRECTIONS:
            raise InputError(
                f"{file}: metrics.{name}.direction must be higher or lower, got {str(direction)[:40]!r}",
                title="thresholds-file",
                file=file,
            )
        bounds = {
            key: _number(spec[key], f"metrics.{name}.{key}", file)
            for key in KEYS - {"direction", "informational"}
            if key in spec
        }
        for key in ("max_regression", "max_relative_regression"):
            if bounds.get(key, 0) < 0:
                raise InputError(
                    f"{file}: metrics.{name}.{key} must not be negative", title="thresholds-file", file=file
                )
        informational = spec.get("informational", False)
        if not isinstance(informational, bool):  # "no" in quotes is a string, and truthy
            raise InputError(
                f"{file}: metrics.{name}.informational must be true or false (unquoted), "
                f"got {str(informational)[:40]!r}",
                title="thresholds-file",
                file=file,
            )
        if not bounds and not informational:
            raise InputError(
                f"{file}: metrics.{name} sets a direction but no bound, so it can never fail; add min, max, "
                "max_regression or max_relative_regression (or informational: true)",
                title="thresholds-file",
                file=file,
            )
        rules.append(
            Rule(
                metric=str(name),
                direction=direction,
                minimum=bounds.get("min"),
                maximum=bounds.get("max"),
                max_regression=bounds.get("max_regression"),
                max_relative_regression=bounds.get("max_relative_regression"),
                informational=informational,
                source=file,
            )
        )
    return rules


def load_rules(path: Path) -> list[Rule]:
    if not path.is_file():
        raise InputError(
            f"thresholds-file: {path.as_posix()} does not exist; create it or leave the input empty",
            title="thresholds-file",
        )
    try:  # the path as written (a symlink not followed), relative to the repository
        display = Path(os.path.abspath(path)).relative_to(gha.workspace()).as_posix()
    except ValueError:
        display = path.as_posix()
    return parse_rules(untrusted.load_yaml(path, display, title="thresholds-file"), display)


def regression(rule: Rule, base: float, head: float) -> float:
    """How much worse head is than base, in the metric's unit (negative: it improved)."""
    return base - head if rule.direction == "higher" else head - base


def evaluate(
    rules: list[Rule],
    head: dict[str, float],
    base: dict[str, float] | None,
    no_base: dict[str, str] | None = None,
) -> list[Verdict]:
    """One verdict per rule. `no_base` maps the metrics a base revision was asked for but has no
    value of to the reason: a rule that compares with the base cannot be evaluated for them, and
    fails (a gate must never wave a change through because the base value went missing)."""
    missing = [rule for rule in rules if rule.metric not in head]
    if missing:
        source = missing[0].source or "thresholds-file"
        known = sorted(head)
        raise InputError(
            f"{source}: rules for metrics the pipeline does not produce: "
            f"{', '.join(repr(r.metric[:80]) for r in missing[:20])}; known metrics: "
            f"{', '.join(known[:50]) or 'none'}{' ...' if len(known) > 50 else ''}; fix the names or remove the rules",
            title="thresholds-file",
            file=missing[0].source or None,
        )
    verdicts = []
    for rule in rules:
        value = head[rule.metric]
        reasons = []
        if rule.minimum is not None and value < rule.minimum:
            reasons.append(f"{value:g} is below the minimum {rule.minimum:g}")
        if rule.maximum is not None and value > rule.maximum:
            reasons.append(f"{value:g} is above the maximum {rule.maximum:g}")
        if base is not None and rule.metric in base:
            worse = regression(rule, base[rule.metric], value)
            if rule.max_regression is not None and worse > rule.max_regression + 1e-12:
                reasons.append(f"regressed by {worse:g} (allowed {rule.max_regression:g})")
            if rule.max_relative_regression is not None and base[rule.metric] == 0:
                reasons.append(
                    "cannot be evaluated: max_relative_regression is a fraction of the base value, and the base is 0 "
                    "(use max_regression for this metric)"
                )
            elif rule.max_relative_regression is not None:
                relative = worse / abs(base[rule.metric])
                if relative > rule.max_relative_regression + 1e-12:
                    reasons.append(f"regressed by {relative:.2%} (allowed {rule.max_relative_regression:.2%})")
        elif no_base and rule.metric in no_base and compares_with_base(rule):
            reasons.append(f"cannot be evaluated: no base value to compare with ({no_base[rule.metric]})")
        verdicts.append(Verdict(rule.metric, passed=not reasons, informational=rule.informational, reasons=reasons))
    return verdicts


def compares_with_base(rule: Rule) -> bool:
    return rule.max_regression is not None or rule.max_relative_regression is not None


def gate_passed(verdicts: list[Verdict]) -> bool:
    return all(v.passed for v in verdicts if not v.informational)
