"""Reads the stage parameters from params.yaml (the file DVC tracks for `params:`)."""

from pathlib import Path
from typing import Any

import yaml


def load_params(section: str, path: Path = Path("params.yaml")) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        params = yaml.safe_load(handle) or {}
    if section not in params:
        raise KeyError(f"{path}: no '{section}' section")
    return params[section]
