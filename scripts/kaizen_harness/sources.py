"""Where the harness finds what it runs: Kaizen's actions and workflows, the caller templates,
the example project and GitHub's REST API description.

From a checkout (`make setup`'s editable install, the tests) they are the checkout's own files.
From an installed wheel they are the copy the wheel carries in `kaizen_harness/bundle/`, made
from the same files when the wheel is built (setup.py), with the installed `kaizen` package as
the actions' code. Looked up when first asked, so importing the harness never fails.
"""

from __future__ import annotations

import functools
from pathlib import Path

import kaizen

HERE = Path(__file__).resolve().parent
STANDINS = HERE / "standins"  # package data: there in a checkout and in a wheel
BUNDLE = HERE / "bundle"  # only in a wheel
API_DESCRIPTION = Path("node_modules", "@octokit", "openapi", "generated", "api.github.com.json")


class SourcesMissing(RuntimeError):
    """Neither a Kaizen checkout nor a wheel's bundle holds what the harness runs."""


def is_kaizen_tree(folder: Path) -> bool:
    return (folder / "actions" / "setup" / "action.yml").is_file() and (folder / "workflows").is_dir()


@functools.cache
def kaizen_root() -> Path:
    """The tree `kaizen-ci/kaizen@v1` is mapped to: the checkout this package sits in
    (<root>/scripts/kaizen_harness), else the wheel's bundle. Only the harness's own place
    counts, so a virtual environment made inside some checkout still runs what it installed."""
    checkout = HERE.parents[1]
    if HERE == checkout / "scripts" / "kaizen_harness" and is_kaizen_tree(checkout):
        return checkout
    if is_kaizen_tree(BUNDLE):
        return BUNDLE
    raise SourcesMissing(
        f"kaizen local needs Kaizen's actions and workflows: {HERE} is neither in a Kaizen checkout "
        "nor an installed wheel that carries them (reinstall Kaizen from its wheel)"
    )


def example_project() -> Path:
    return kaizen_root() / "example-project"


def templates() -> Path:
    """The caller workflows users copy (workflows/)."""
    return kaizen_root() / "workflows"


def api_description() -> Path:
    return kaizen_root() / API_DESCRIPTION


def product_package() -> Path:
    """The `kaizen` package the actions run (PYTHONPATH=<action>/../../scripts)."""
    return Path(kaizen.__file__).resolve().parent
