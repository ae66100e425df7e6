"""What a report holds (ReportInput) and results.json, its machine-readable twin, as ONE table
of fields. Each field names where it sits in the file, the report's attributes it carries, how
it is written, and how it is checked (type, length) and read back. build_results writes the file
from the table and from_results re-makes a report from it through the same table: what the fork
poster (workflows/comment-from-fork.yml) posts can never drift from what the report shows, and
no Markdown a fork wrote is ever posted."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from kaizen.escape import CONTROL
from kaizen.quality_gate import Rule, Verdict, gate_passed


@dataclass
class ReportInput:
    name: str  # which workflow's report: the sticky comment's identity
    head_label: str
    base_label: str | None
    head: dict[str, float]
    base: dict[str, float] | None
    missing_base: dict[str, str] = field(default_factory=dict)  # metrics file -> why the base has none
    rules: list[Rule] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    params: list[tuple[str, object, object]] = field(default_factory=list)  # (name, base, head)
    stages_ran: list[str] = field(default_factory=list)
    stages_restored: list[str] = field(default_factory=list)
    stages_skipped: list[str] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)  # ready Markdown blocks (Mermaid, tables)
    plot_errors: list[str] = field(default_factory=list)  # what DVC could not load, per revision
    data_changes: list[tuple[str, str, int | None, int | None]] = field(default_factory=list)  # path, change, sizes
    artifact_note: str = ""


# What results.json does not carry: the comment's name comes from the poster's input; charts,
# plots and the note point into the artifact, which a comment re-made from the file does not show.
NOT_IN_RESULTS = {"name", "charts", "plot_errors", "artifact_note"}
FORK_NOTE = "Posted from a fork's run: its charts and plots are in the run's `model-report` artifact."

# --- Checks: each takes the JSON value (None when absent) and where it is, and returns it checked.

Check = Callable[[object, str], object]


def text(limit: int, pattern: re.Pattern | None = None, what: str = "") -> Check:
    """One line of text of at most `limit` characters, no control or bidi characters (nothing
    Kaizen writes has them), matching `pattern` when given."""

    def check(value: object, where: str) -> str:
        if not isinstance(value, str) or len(value) > limit or CONTROL.search(value):
            raise ValueError(f"{where} is not one line of text of at most {limit} characters")
        if pattern is not None and value and not pattern.fullmatch(value):
            raise ValueError(f"{where} is not {what}")
        return value

    return check


def number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{where} is not a finite number")
    return float(value)


def whole(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise ValueError(f"{where} is not a whole number")
    return value


def boolean(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{where} is not true or false")
    return value


def choice(*allowed: str) -> Check:
    def check(value: object, where: str) -> str:
        if value not in allowed:
            raise ValueError(f"{where} is not one of {', '.join(allowed)}")
        return value

    return check


def scalar(limit: int) -> Check:
    """A param's value: a text, number or true/false, shown at most `limit` characters long."""

    def check(value: object, where: str) -> object:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{where} is not a finite number")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
            raise ValueError(f"{where} is a number of more than {limit} digits")
        if not isinstance(value, (str, int, float, bool)) or len(str(value)) > limit or CONTROL.search(str(value)):
            raise ValueError(f"{where} is not a text, number or true/false of at most {limit} characters")
        return value

    return check


def optional(check: Check) -> Check:
    return lambda value, where: None if value is None else check(value, where)


def list_of(item: Check, most: int = 1000) -> Check:
    def check(value: object, where: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            raise ValueError(f"{where} is not a list")
        if len(value) > most:
            raise ValueError(f"{where} has more than {most} entries")
        return [item(entry, f"{where}[{index}]") for index, entry in enumerate(value)]

    return check


def map_of(key: Check, item: Check, most: int | None = None, required: bool = False) -> Check:
    def check(value: object, where: str) -> dict:
        if value is None and not required:
            return {}
        if not isinstance(value, dict) or (required and not value):
            raise ValueError(f"{where} is not an object" + (" with at least one entry" if required else ""))
        if most is not None and len(value) > most:
            raise ValueError(f"{where} has more than {most} entries")
        return {key(k, f"a key of {where}"): item(v, f"{where}.{k}") for k, v in value.items()}

    return check


def record(**checks: Check) -> Check:
    def check(value: object, where: str) -> dict:
        if not isinstance(value, dict):
            raise ValueError(f"{where} is not an object")
        return {name: each(value.get(name), f"{where}.{name}") for name, each in checks.items()}

    return check


# --- The table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    path: str  # where in results.json, dotted
    attrs: tuple[str, ...]  # the ReportInput attributes it carries
    check: Check  # the JSON value, checked
    write: Callable[..., object] = lambda value: value  # attribute values -> JSON value
    # checked JSON value -> the attribute's value (a tuple for several); None: derived, written
    # for the file's readers (workflows, scripts) and never read back
    read: Callable[[object], object] | None = lambda value: value


RULE = record(
    metric=text(200),
    direction=choice("higher", "lower"),
    min=optional(number),
    max=optional(number),
    max_regression=optional(number),
    max_relative_regression=optional(number),
    informational=optional(boolean),
)
VERDICT = record(metric=text(200), passed=boolean, informational=boolean, reasons=list_of(text(300), 20))
# The head's label is a commit's short SHA; the base's a git ref and its commit's short SHA.
HEAD_LABEL = text(40, re.compile(r"[0-9a-f]{4,40}"), "a commit SHA")
BASE_LABEL = text(300, re.compile(r"[^\s]{1,255} \([0-9a-f]{4,40}\)"), "a branch and its commit: main (0123abcd4567)")
METRIC = record(head=number, base=optional(number), change=optional(number))
DATA_CHANGE = record(
    path=text(300),
    change=choice("added", "modified", "deleted", "renamed"),
    base_size=optional(whole),
    head_size=optional(whole),
)
PARAM = record(name=text(200), base=optional(scalar(200)), head=optional(scalar(200)))


def rule_json(rule: Rule) -> dict:
    return {
        "metric": rule.metric,
        "direction": rule.direction,
        "min": rule.minimum,
        "max": rule.maximum,
        "max_regression": rule.max_regression,
        "max_relative_regression": rule.max_relative_regression,
        "informational": rule.informational,
    }


def rule_from(r: dict) -> Rule:
    bounds = (r["min"], r["max"], r["max_regression"], r["max_relative_regression"])
    return Rule(r["metric"], r["direction"], *bounds, r["informational"] is True)


def metrics_json(head: dict[str, float], base: dict[str, float] | None) -> dict:
    base = base or {}
    return {
        name: {"head": value, "base": base.get(name), "change": None if base.get(name) is None else value - base[name]}
        for name, value in sorted(head.items())
    }


def metrics_from(metrics: dict) -> tuple[dict[str, float], dict[str, float]]:
    head = {name: values["head"] for name, values in metrics.items()}
    return head, {name: values["base"] for name, values in metrics.items() if values["base"] is not None}


FIELDS = [
    Field("head", ("head_label",), optional(HEAD_LABEL), read=lambda label: label or ""),
    Field("base", ("base_label",), optional(BASE_LABEL), read=lambda label: label or None),
    Field(
        "gate.rules",
        ("rules",),
        list_of(RULE, 500),
        write=lambda rules: [rule_json(r) for r in rules],
        read=lambda rules: [rule_from(r) for r in rules],
    ),
    Field("gate.configured", ("verdicts",), boolean, write=lambda verdicts: bool(verdicts), read=None),
    Field("gate.passed", ("verdicts",), boolean, write=gate_passed, read=None),
    Field(
        "gate.verdicts",
        ("verdicts",),
        list_of(VERDICT, 500),
        write=lambda verdicts: [
            {"metric": v.metric, "passed": v.passed, "informational": v.informational, "reasons": v.reasons}
            for v in verdicts
        ],
        read=lambda verdicts: [Verdict(v["metric"], v["passed"], v["informational"], v["reasons"]) for v in verdicts],
    ),
    Field("metrics", ("head", "base"), map_of(text(200), METRIC, 500, True), write=metrics_json, read=metrics_from),
    Field("missing_base", ("missing_base",), map_of(text(300), text(400))),
    Field(
        "data",
        ("data_changes",),
        list_of(DATA_CHANGE),
        write=lambda changes: [{"path": p, "change": c, "base_size": o, "head_size": n} for p, c, o, n in changes],
        read=lambda changes: [(c["path"], c["change"], c["base_size"], c["head_size"]) for c in changes],
    ),
    Field(
        "params",
        ("params",),
        list_of(PARAM),
        write=lambda params: [{"name": n, "base": o, "head": h} for n, o, h in params],
        read=lambda params: [(p["name"], p["base"], p["head"]) for p in params],
    ),
    Field("stages.ran", ("stages_ran",), list_of(text(200), 500)),
    Field("stages.restored", ("stages_restored",), list_of(text(200), 500)),
    Field("stages.skipped", ("stages_skipped",), list_of(text(200), 500)),
]


def value_at(data: dict, path: str) -> object:
    """The value at a dotted path of results.json; None when absent."""
    value: object = data
    parts = path.split(".")
    for depth, part in enumerate(parts):
        if value is None:
            return None
        if not isinstance(value, dict):
            raise ValueError(f"{'.'.join(parts[:depth]) or 'results.json'} is not an object")
        value = value.get(part)
    return value


def build_results(data: ReportInput) -> dict:
    """results.json of a report, field by field from the table."""
    results: dict = {}
    for each in FIELDS:
        *parents, key = each.path.split(".")
        target = results
        for part in parents:
            target = target.setdefault(part, {})
        target[key] = each.write(*(getattr(data, attr) for attr in each.attrs))
    return results


def from_results(data: object, name: str) -> ReportInput:
    """A report re-made from a results.json, every field checked by the table: what a comment
    posted from a fork's run shows. Charts and plots stay in the artifact. ValueError names the
    first field that is not Kaizen's format."""
    if not isinstance(data, dict):
        raise ValueError("results.json is not an object")
    values: dict[str, object] = {"name": name, "artifact_note": FORK_NOTE}
    for each in FIELDS:
        if each.read is not None:
            read = each.read(each.check(value_at(data, each.path), each.path))
            values.update(zip(each.attrs, read if len(each.attrs) > 1 else (read,)))
    for kind, entries in (("rule", values["rules"]), ("verdict", values["verdicts"])):
        for entry in entries:
            if entry.metric not in values["head"]:
                raise ValueError(f"the gate {kind} of {entry.metric!r} names no metric of the report")
    if values["base_label"] is None:
        values["base"] = None
    return ReportInput(**values)
