"""The `ci.yml` context job: validate the caller's inputs once, then hand later jobs clean values.

Running this first means a typo in `python-versions` or `working-directory` stops the
workflow with one readable error instead of a matrix expression failing half-way.
"""

from __future__ import annotations

import json
import re

from kaizen import gha, inputs
from kaizen.gha import InputError

# CPython minor versions that actions/setup-python can install on GitHub's current runner
# images (the actions/python-versions manifest): older ones are gone from ubuntu-24.04.
PROVIDED_MINORS = tuple(range(9, 16))
VERSION_PATTERN = re.compile(r"^3\.(?P<minor>\d+)(\.\d+)?(?P<pre>(a|b|rc)\d+|-dev)?$")
LABEL_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def parse_python_versions(raw: str) -> list[str]:
    example = 'e.g. ["3.12", "3.13"]'
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise InputError(
            f"python-versions: {raw!r} is not JSON; give a JSON list of version strings, {example}",
            title="python-versions",
        ) from None
    if not isinstance(value, list) or not value:
        raise InputError(
            f"python-versions: expected a non-empty JSON list of version strings, {example}",
            title="python-versions",
        )
    versions: list[str] = []
    for item in value:
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            raise InputError(
                f"python-versions: {item!r} is a number (3.10 as a number is 3.1); quote every version, {example}",
                title="python-versions",
            )
        if not isinstance(item, str):
            raise InputError(f"python-versions: {item!r} is not a string; {example}", title="python-versions")
        version = item.strip()
        match = VERSION_PATTERN.match(version)
        if not match or int(match["minor"]) not in PROVIDED_MINORS:
            first, last = PROVIDED_MINORS[0], PROVIDED_MINORS[-1]
            raise InputError(
                f"python-versions: no runner provides Python {item!r}; "
                f"use CPython versions 3.{first} to 3.{last}, {example}",
                title="python-versions",
            )
        if version not in versions:
            versions.append(version)
    return versions


def parse_runs_on(raw: str) -> str | list[str] | dict:
    """`runs-on` as a single label, a JSON list of labels (for self-hosted runners), or GitHub's
    object form {"group": ..., "labels": ...} for runner groups (larger runners):
    https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#choosing-runners-in-a-group"""
    raw = raw.strip()
    if raw.startswith("{"):
        try:
            found = json.loads(raw)
        except json.JSONDecodeError:
            found = None
        labels = found.get("labels", []) if isinstance(found, dict) else None
        labels = [labels] if isinstance(labels, str) else labels
        if (
            not isinstance(found, dict)
            or not set(found) <= {"group", "labels"}
            or not (isinstance(found.get("group"), str) and found["group"].strip() or labels)
            or not isinstance(labels, list)
            or not all(isinstance(x, str) and LABEL_PATTERN.match(x) for x in labels)
        ):
            raise InputError(
                f'runs-on: {raw!r} is not a runner group; give e.g. {{"group": "gpu-runners"}} or '
                '{"group": "gpu-runners", "labels": ["linux"]}',
                title="runs-on",
            )
        return found
    if raw.startswith("["):
        try:
            labels = json.loads(raw)
        except json.JSONDecodeError:
            labels = None
        if (
            not isinstance(labels, list)
            or not labels
            or not all(isinstance(x, str) and LABEL_PATTERN.match(x) for x in labels)
        ):
            raise InputError(
                f"runs-on: {raw!r} is not a JSON list of runner labels; "
                'give one label (ubuntu-latest) or a list such as ["self-hosted", "gpu"]',
                title="runs-on",
            )
        return labels
    if not LABEL_PATTERN.match(raw):
        raise InputError(f"runs-on: {raw!r} is not a runner label; e.g. ubuntu-latest", title="runs-on")
    return raw


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def run() -> int:
    versions = parse_python_versions(inputs.text("python-versions"))
    runs_on = parse_runs_on(inputs.text("runs-on", "ubuntu-latest"))
    working_directory, _ = inputs.working_directory()
    newest = max(versions, key=version_key)
    gha.set_output("python-versions", json.dumps(versions))
    gha.set_output("newest-python-version", newest)
    gha.set_output("runs-on", json.dumps(runs_on))
    gha.set_output("working-directory", working_directory)
    print(
        f"python versions: {', '.join(versions)}; runs on: {json.dumps(runs_on)}; "
        f"working directory: {working_directory}"
    )
    return 0
