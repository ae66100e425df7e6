"""`kaizen pin-internal-refs`: point every internal reference at one release tag.

Kaizen's workflows call its actions as `kaizen-ci/kaizen/actions/<name>@<ref>`. A release
commit rewrites `<ref>` to its own tag before it is tagged, so a caller pinned to the tag, to
the moving major tag or to the commit's SHA runs the actions of exactly that release.
"""

from __future__ import annotations

import re
from pathlib import Path

from kaizen.gha import InputError

KAIZEN_REPOSITORY = "kaizen-ci/kaizen"  # the one place that names Kaizen's repository
INTERNAL_USES = re.compile(
    r"^(?P<head>\s*(?:-\s*)?uses:\s*" + re.escape(KAIZEN_REPOSITORY) + r"/(?P<path>[^@\s]+)@)(?P<ref>[^\s#]+)",
    re.MULTILINE,
)
TAG = re.compile(r"^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$")


def shipped_yaml(root: Path) -> list[Path]:
    """Files whose references callers run: the reusable workflows and the actions."""
    return sorted((root / ".github" / "workflows").glob("*.yml")) + sorted((root / "actions").glob("*/action.yml"))


def internal_refs(root: Path) -> dict[str, set[str]]:
    """ref -> files that use it, over every internal reference."""
    refs: dict[str, set[str]] = {}
    for path in shipped_yaml(root):
        for match in INTERNAL_USES.finditer(path.read_text(encoding="utf-8")):
            refs.setdefault(match["ref"], set()).add(path.relative_to(root).as_posix())
    return refs


def pin_internal_refs(root: Path, tag: str) -> list[Path]:
    if not TAG.match(tag):
        raise InputError(f"tag: {tag!r} is not a release tag like v1.2.3", title="tag")
    changed = []
    for path in shipped_yaml(root):
        text = path.read_text(encoding="utf-8")
        new = INTERNAL_USES.sub(lambda m: m["head"] + tag, text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed
