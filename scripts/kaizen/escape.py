"""Text from a project, a pull request, a fork's artifact or an API answer (metric, param, plot,
file and stage names, labels, reasons), made inert for where Kaizen writes it: Markdown text (a
table cell, a sentence, a step summary), inline code, a quoted Mermaid label. The one place
every Markdown and Mermaid writer escapes through.

Inert means GitHub shows the text as written and nothing more: no HTML, no link or image, no
autolinked URL or e-mail address, no @mention (which notifies someone, with the base
repository's token when a fork's report is posted), no `#12`, `owner/repo#12` or `GH-12`
reference, no commit link, and no way out of a table cell or a code span.
"""

from __future__ import annotations

import re

# The punctuation that starts Markdown inline syntax (emphasis, code, links and images, strike-
# through, math, table cells, headings), backslash-escaped, which makes it literal:
# https://spec.commonmark.org/0.31.2/#backslash-escapes. `(` only opens a link after `]`, which
# is escaped. `&`, `<` and `>` become entities instead (literal also where GitHub's HTML filter
# looks).
_PUNCTUATION = set("\\`*_[]~|$!#")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# C0/C1 controls, line and paragraph separators, and the bidi controls that reorder what is shown.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# A zero-width space splits what GitHub would link (a mention's `@`, an issue's `#12`, a URL's
# `://`, `www.`, a commit SHA) without changing what a reader sees.
ZERO_WIDTH = "&#8203;"
_AUTOLINKS = [
    re.compile(r"(@)"),  # @user, @org/team, user@example.com
    re.compile(r"(\\#)(?=\d)"),  # #12, owner/repo#12
    re.compile(r"(?i)(gh-)(?=\d)"),  # GH-12
    re.compile(r"(:)(?=//)"),  # https://..., any scheme
    re.compile(r"(?i)(www)(?=\.)"),  # www.example.com, also after `_`, `*`, `~` or `(`
]
# What makes a text that starts a line a code block (indentation), a list item, a setext
# heading or an ordered list.
_LINE_START = re.compile(r"^( *)([-+](?=\s|$)|=+(?=\s*$)|\d{1,9}(?=[.)](?:\s|$)))?")


def _line_start(match: re.Match) -> str:
    marker = match.group(2) or ""
    escaped = marker + "\\" if marker[:1].isdigit() else "\\" + marker if marker else ""
    return "&#32;" * len(match.group(1)) + escaped


# A commit SHA (GitHub links 7 to 40 hex digits naming a commit): split every 6 digits.
_HEX_RUN = re.compile(r"(?i)\b[0-9a-f]{7,}\b")


def plain(value: object, limit: int | None = None) -> str:
    """One line of text: control characters (line breaks among them) become spaces; at most
    `limit` characters, with `…` when cut."""
    text = CONTROL.sub(" ", str(value))
    return text if limit is None or len(text) <= limit else text[: max(0, limit - 1)] + "…"


def md_text(value: object, limit: int | None = None) -> str:
    """Text as literal Markdown (a table cell, a sentence, a step summary): the punctuation of
    inline syntax escaped, HTML as entities, then mentions, references and autolinks split."""
    out = []
    for char in plain(value, limit):
        out.append(_ENTITIES.get(char) or ("\\" + char if char in _PUNCTUATION else char))
    text = _LINE_START.sub(_line_start, "".join(out))
    for pattern in _AUTOLINKS:
        text = pattern.sub(lambda m: m.group(1) + ZERO_WIDTH, text)
    return _HEX_RUN.sub(lambda m: ZERO_WIDTH.join(re.findall(".{1,6}", m.group(0))), text)


def md_code(value: object, limit: int | None = None) -> str:
    """Text as inline code, safe in a table cell: fenced with more backticks than any run in it
    (https://spec.commonmark.org/0.31.2/#code-spans), so no backtick can close it early; `|`
    escaped for the table (GFM reads `\\|` inside code as `|`). GitHub links nothing in code."""
    # A backslash right before a pipe would escape the escape: a zero-width space keeps them apart.
    text = re.sub(r"\\(?=\|)", "\\\u200b", plain(value, limit)).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if text.startswith(("`", " ")) or text.endswith(("`", " ")) or longest else text
    return f"{fence}{padded}{fence}" if text.strip() else "` `"


def mermaid_text(value: object, limit: int = 80) -> str:
    """Text for a quoted Mermaid label: no quotes, backticks (Markdown strings), entities or
    line breaks to end it early or make it markup."""
    cleaned = re.sub(r"[\"`%{}<>;#&\\\[\]]", " ", plain(value)).strip()
    return cleaned[:limit]
