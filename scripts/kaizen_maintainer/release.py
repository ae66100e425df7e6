"""`kaizen pin-internal-refs`: point every internal reference at one release tag.

Kaizen's workflows call its actions as `kaizen-ci/kaizen/actions/<name>@<ref>`. A release
commit rewrites `<ref>` to its own tag before it is tagged, so a caller pinned to the tag, to
the moving major tag or to the commit's SHA runs the actions of exactly that release.
"""

from __future__ import annotations

import re
from pathlib import Path

from kaizen import git, uses
from kaizen.gha import InputError

TAG = re.compile(r"^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$")


def shipped_yaml(root: Path) -> list[Path]:
    """Files whose references callers run: the reusable workflows and the actions."""
    return sorted((root / ".github" / "workflows").glob("*.yml")) + sorted((root / "actions").glob("*/action.yml"))


def internal_refs(root: Path) -> dict[str, set[str]]:
    """ref -> files that use it, over every internal reference."""
    refs: dict[str, set[str]] = {}
    for path in shipped_yaml(root):
        for found in uses.find(path.read_text(encoding="utf-8")):
            if found.is_kaizen:
                refs.setdefault(found.ref, set()).add(path.relative_to(root).as_posix())
    return refs


def pin_internal_refs(root: Path, tag: str) -> list[Path]:
    if not TAG.match(tag):
        raise InputError(f"tag: {tag!r} is not a release tag like v1.2.3", title="tag")
    changed = []
    for path in shipped_yaml(root):
        text = path.read_text(encoding="utf-8")
        new = uses.pin_kaizen_refs(text, tag)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


UNRELEASED = re.compile(r"^## Unreleased\n(?P<body>.*?)(?=^## |\Z)", re.MULTILINE | re.DOTALL)


def date_changelog(text: str, tag: str, day: str) -> str:
    """Turn `## Unreleased` into `## <tag> (<day>)` under a new, empty `## Unreleased`."""
    match = UNRELEASED.search(text)
    if not match or not match["body"].strip():
        raise InputError(
            "CHANGELOG.md: the `## Unreleased` section is missing or empty; say what changed", title="changelog"
        )
    return text[: match.start()] + f"## Unreleased\n\n## {tag} ({day})\n{match['body']}" + text[match.end() :]


def release(root: Path, tag: str, day: str) -> list[str]:
    """The release commit and its tags, made locally: internal references pinned to `tag`, the
    changelog dated, `tag` on the commit and the major tag (`v1`) moved to it. Returns the
    commands that publish it; nothing is pushed."""
    if not TAG.match(tag):
        raise InputError(f"tag: {tag!r} is not a release tag like v1.2.3", title="tag")
    if git.output(root, "status", "--porcelain", title="release"):
        raise InputError("the working tree has uncommitted changes; commit or stash them first", title="release")
    if git.output(root, "tag", "--list", tag, title="release"):
        raise InputError(f"tag: {tag} exists already", title="tag")
    changelog = root / "CHANGELOG.md"
    if not changelog.is_file():
        raise InputError("CHANGELOG.md is missing", title="changelog")
    changelog.write_text(date_changelog(changelog.read_text(encoding="utf-8"), tag, day), encoding="utf-8")
    pin_internal_refs(root, tag)
    if set(internal_refs(root)) != {tag}:
        raise InputError(f"internal references still disagree: {sorted(internal_refs(root))}", title="release")
    git.output(root, "add", "-A", title="release")
    git.output(root, "commit", "--quiet", "-m", f"Release {tag}", title="release")
    major = tag.split(".")[0]
    git.output(root, "tag", "--annotate", tag, "-m", f"Kaizen {tag}", title="release")
    prerelease = "-" in tag
    if not prerelease:
        git.output(root, "tag", "--force", "--annotate", major, "-m", f"Kaizen {tag}", title="release")
    return [f"git push origin HEAD {tag}"] + ([] if prerelease else [f"git push --force origin {major}"])
