"""Reading a pipeline's metrics files: JSON or YAML, nested keys flattened with ".", and every
value checked to be a real number, so a broken evaluate stage is reported, not charted."""

from __future__ import annotations

import json
import math
from pathlib import Path

from kaizen import yaml as kaizen_yaml
from kaizen.gha import InputError


def flatten(data, file: str, prefix: str = "") -> dict[str, float]:
    if not isinstance(data, dict):
        raise InputError(f"{file}: expected an object of metric names to numbers", title="metrics", file=file)
    flat: dict[str, float] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, file, f"{name}."))
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"{file}: metric {name!r} is {value!r}, not a number", title="metrics", file=file)
        elif math.isnan(value) or math.isinf(value):
            raise InputError(
                f"{file}: metric {name!r} is {value}; the evaluate stage produced no usable value",
                title="metrics",
                file=file,
            )
        else:
            flat[name] = float(value)
    return flat


def parse_metrics_text(text: str, file: str, path: str | None = None) -> dict[str, float]:
    """Metrics from a file's text; its format from `path` (default `file`, the name shown):
    YAML, TOML or JSON."""
    suffix = Path(path or file).suffix.lower()
    if suffix in (".yaml", ".yml"):
        try:
            data = kaizen_yaml.load_text(text)
        except Exception as exc:  # each YAML parser raises its own error types
            raise InputError(
                f"{file}: not valid YAML ({str(exc).splitlines()[0]})", title="metrics", file=file
            ) from None
    elif suffix == ".toml":
        try:
            import tomllib
        except ImportError:  # Python 3.10 and older: the tomli that DVC brings
            import tomli as tomllib
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{file}: not valid TOML ({exc})", title="metrics", file=file) from None
    else:
        try:
            # NaN and Infinity are not JSON, but Python's json accepts them: parse, then reject.
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{file}: not valid JSON ({exc.msg} at line {exc.lineno})", title="metrics", file=file, line=exc.lineno
            ) from None
    return flatten(data, file)


def load_metrics_file(path: Path, display: str | None = None) -> dict[str, float]:
    name = display or path.as_posix()
    if not path.is_file():
        raise InputError(
            f"{name}: metrics file not found; the pipeline's evaluate stage should write it "
            "(declared under `metrics:` in dvc.yaml)",
            title="metrics",
            file=name,
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (byte {exc.start}); write metrics as JSON, YAML or TOML",
                         title="metrics", file=name) from None  # fmt: skip
    return parse_metrics_text(text, name)


def merge(per_file: dict[str, dict[str, float]], several: bool | None = None) -> dict[str, float]:
    """One namespace for the gate and the report: bare names for one file, `file:name` for several.
    `several` forces the naming (the base's metrics are named as the head's are)."""
    if not (len(per_file) > 1 if several is None else several):
        return dict(next(iter(per_file.values())))
    return {f"{file}:{name}": value for file, metrics in per_file.items() for name, value in metrics.items()}
