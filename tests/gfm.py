"""Markdown rendered as GitHub renders it (GFM, by marked: tests/render/render_gfm.mjs), and what
in the HTML would be live on GitHub: a link or an image (tags), raw HTML a text put there, and,
in the text outside code, what GitHub turns into links after rendering: @mentions, `#12`,
`owner/repo#12`, `GH-12`, bare URLs and `www.` names, e-mail addresses and commit SHAs."""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The tags Kaizen's own Markdown makes (tables, headings, emphasis, code, lists, details); any
# other tag in a rendered report came from a text that was not escaped.
OWN_TAGS = {
    "p", "h1", "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "strong", "em", "code",
    "pre", "ul", "ol", "li", "br", "details", "summary", "hr", "blockquote",
}  # fmt: skip
# What GitHub links in a text node (https://docs.github.com/en/get-started/writing-on-github/
# working-with-advanced-formatting/autolinked-references-and-urls), and a mention.
LIVE_TEXT = {
    "mention": re.compile(r"(?<![\w`])@[A-Za-z0-9]"),
    "issue reference": re.compile(r"(?<![\w&])#\d|\bGH-\d", re.IGNORECASE),
    "url": re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://|\bwww\.", re.IGNORECASE),
    "e-mail": re.compile(r"[\w.+-]@[\w-]+\.[\w.-]"),
    "commit": re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,40}\b"),
}


def render(documents: list[str]) -> list[str]:
    """Each Markdown document as GFM HTML, all in one node process."""
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "render" / "render_gfm.mjs")],
        input=json.dumps(documents),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(result.stdout)


class _Live(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_code = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("code", "pre"):
            self.in_code += 1
        if tag not in OWN_TAGS:
            self.found.append(f"<{tag}> tag")

    def handle_endtag(self, tag):
        if tag in ("code", "pre"):
            self.in_code = max(0, self.in_code - 1)

    def handle_data(self, data):
        if self.in_code:
            return  # GitHub links nothing inside code
        for what, pattern in LIVE_TEXT.items():
            match = pattern.search(data)
            if match:
                self.found.append(f"{what}: {data[max(0, match.start() - 20) : match.end() + 20]!r}")


def live_parts(html: str) -> list[str]:
    """What in this HTML would be live on GitHub (empty: nothing)."""
    parser = _Live()
    parser.feed(html)
    parser.close()
    return parser.found


def visible_text(html: str) -> str:
    """The text a reader sees (zero-width spaces dropped)."""
    parts: list[str] = []

    class Text(HTMLParser):
        def handle_data(self, data):
            parts.append(data)

    Text(convert_charrefs=True).feed(html)
    return "".join(parts).replace("\u200b", "")
