"""Reading a pipeline's metrics files: JSON or YAML, nested keys flattened with ".", and every
value checked to be a real number, so a broken evaluate stage is reported, not charted."""

from __future__ import annotations

import math
from pathlib import Path

from kaizen import untrusted
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
    YAML, TOML or JSON. NaN and Infinity are not JSON, but Python's json reads them: flatten
    refuses them with the metric's name."""
    return flatten(untrusted.parse_by_suffix(text, file, Path(path or file).suffix, title="metrics"), file)


def load_metrics_file(path: Path, display: str | None = None) -> dict[str, float]:
    name = display or path.as_posix()
    if not path.is_file():
        raise InputError(
            f"{name}: metrics file not found; the pipeline's evaluate stage should write it "
            "(declared under `metrics:` in dvc.yaml)",
            title="metrics",
            file=name,
        )
    return parse_metrics_text(untrusted.read_text(path, name, title="metrics"), name)


def merge(per_file: dict[str, dict[str, float]], several: bool | None = None) -> dict[str, float]:
    """One namespace for the gate and the report: bare names for one file, `file:name` for several.
    `several` forces the naming (the base's metrics are named as the head's are)."""
    if not (len(per_file) > 1 if several is None else several):
        return dict(next(iter(per_file.values())))
    return {f"{file}:{name}": value for file, metrics in per_file.items() for name, value in metrics.items()}
