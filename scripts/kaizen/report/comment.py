"""What the comment posters (actions/pr-comment, actions/report-images) need of a report: the
sticky comment's marker, the image placeholders, and GitHub's limit on a comment's size."""

from __future__ import annotations

import re

from kaizen.gha import fit_markdown

MARKER = "<!-- kaizen-report:{name} -->"
# Where an image plot goes, for actions/report-images to put it inline when the caller opts in.
IMAGE_MARKER = "<!-- kaizen-image:{who}:{path} -->"
IMAGE = re.compile(r"<!-- kaizen-image:(?P<who>[\w ]+):(?P<path>[\w./-]+) -->")
# GitHub refuses comment bodies over 65,536 characters; cut below, with room for the pointer.
MAX_COMMENT = 65_000


def fit_comment(body: str, where: str = "the `model-report` artifact") -> str:
    """The body, cut at a line below GitHub's limit when too long, saying where the rest is."""
    if len(body) <= MAX_COMMENT:
        return body
    cut = body.rfind("\n", 0, MAX_COMMENT - 400)
    kept = body[: cut if cut > 0 else MAX_COMMENT - 400]
    if kept.count("```") % 2:  # do not leave a code block (or a Mermaid chart) open
        kept = kept[: kept.rfind("```")]
    note = "**The report is cut here**: it is longer than a GitHub comment can hold."
    return f"{kept.rstrip()}\n\n{note} The whole of it is `report.md` in {where}.\n"


MAX_REPORT_BYTES = 1024 * 1024  # report.md: what a step summary can show


def fit_report(body: str) -> str:
    """report.md within MAX_REPORT_BYTES, cut at a line with a note (results.json has it all)."""
    return fit_markdown(body, MAX_REPORT_BYTES, "**The report is cut here**: results.json holds every value.")
