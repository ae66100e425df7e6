"""Text from a project or a pull request (metric, plot, file and stage names, reasons), made
safe for where Kaizen writes it: a Markdown table cell, inline code, a quoted Mermaid label.
The one place every Markdown and Mermaid writer escapes through."""

from __future__ import annotations

import html
import re


def md_text(value: object) -> str:
    """Text from the project (metric, plot and file names) made safe for a Markdown table cell."""
    return html.escape(str(value), quote=False).replace("|", "\\|").replace("\n", " ")


def md_code(value: object) -> str:
    """Text from the project as inline code: no backtick, pipe or line break can end it early."""
    text = str(value).replace("\n", " ").replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def mermaid_text(value: object, limit: int = 80) -> str:
    """Text for a quoted Mermaid label: no quotes, backticks or line breaks to end it early."""
    cleaned = re.sub(r"[\"`\r\n%{}<>;#]", " ", str(value)).strip()
    return cleaned[:limit]
