"""`uses:` lines of workflows and actions: the one parser of them, and the one place that names
Kaizen's own repository."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

KAIZEN_REPOSITORY = "kaizen-ci/kaizen"
# `uses: owner/repo[/path]@ref` (a step's or a job's), quoted or not, with its trailing comment.
USES = re.compile(
    r"^(?P<head>[ \t]*(?:-[ \t]*)?uses:[ \t]*['\"]?)(?P<target>[^@\s'\"#]+)@(?P<ref>[^\s'\"#]+)['\"]?"
    r"(?:[ \t]*#[ \t]*(?P<comment>\S+))?",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Uses:
    target: str  # owner/repo[/path], ./path or docker://image
    ref: str
    comment: str = ""  # the first word of its trailing comment: `# v4.1.0` -> v4.1.0
    line: int = 0  # 1-based line number in the text it was found in

    @property
    def is_remote(self) -> bool:
        return not self.target.startswith(("./", "docker://"))

    @property
    def repository(self) -> str:
        """owner/repo of a remote reference."""
        return "/".join(self.target.split("/")[:2])

    @property
    def path(self) -> str:
        """The path inside the repository ('' for an action at its root)."""
        return "/".join(self.target.split("/")[2:])

    @property
    def is_kaizen(self) -> bool:
        return self.is_remote and self.repository == KAIZEN_REPOSITORY


def find(text: str) -> Iterator[Uses]:
    for match in USES.finditer(text):
        line = text.count("\n", 0, match.start("target")) + 1
        yield Uses(match["target"], match["ref"], match["comment"] or "", line)


def kaizen_workflows(text: str) -> set[str]:
    """File names of Kaizen's reusable workflows that a caller's `uses:` lines call."""
    prefix = ".github/workflows/"
    return {u.path[len(prefix) :] for u in find(text) if u.is_kaizen and u.path.startswith(prefix)}


def pin_kaizen_refs(text: str, ref: str) -> str:
    """`text` with every reference to Kaizen's repository pointing at `ref`."""

    def pin(match: re.Match) -> str:
        uses = Uses(match["target"], match["ref"])
        return match["head"] + match["target"] + "@" + ref if uses.is_kaizen else match.group(0)

    return USES.sub(pin, text)
