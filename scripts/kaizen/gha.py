"""Workflow commands, outputs and step summaries: the ways a step talks to GitHub Actions.

Each helper writes where the runner reads (stdout for annotations, the files named by
GITHUB_OUTPUT and GITHUB_STEP_SUMMARY); outside a runner the files are skipped and
annotations still print, so `kaizen` behaves the same on a laptop.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path


class InputError(Exception):
    """Bad input from the user: reported as one `::error::` line, never a traceback."""

    def __init__(
        self, message: str, *, title: str | None = None, file: str | None = None, line: int | None = None
    ) -> None:
        super().__init__(message)
        self.title = title
        self.file = file
        self.line = line


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


MAX_ANNOTATION = 4000


def annotation(
    level: str,
    message: str,
    *,
    title: str | None = None,
    file: str | None = None,
    line: int | None = None,
    col: int | None = None,
    end_line: int | None = None,
    end_column: int | None = None,
) -> str:
    """Format a `::error::`/`::warning::`/`::notice::` workflow command. The message stays one
    line (line breaks escaped) of at most MAX_ANNOTATION characters: it may quote a file's text."""
    if len(message) > MAX_ANNOTATION:
        message = message[: MAX_ANNOTATION - 1] + "…"
    props = []
    for key, value in (
        ("file", file),
        ("line", line),
        ("col", col),
        ("endLine", end_line),
        ("endColumn", end_column),
        ("title", title),
    ):
        if value is not None and value != "":
            props.append(f"{key}={_escape_property(str(value))}")
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{_escape_data(message)}"


def error(message: str, **props) -> None:
    print(annotation("error", message, **props), flush=True)


def warning(message: str, **props) -> None:
    print(annotation("warning", message, **props), flush=True)


def _append_delimited(file_variable: str, name: str, value: str) -> None:
    """NAME<<DELIMITER syntax of GITHUB_OUTPUT and GITHUB_ENV, safe for multi-line values."""
    path = os.environ.get(file_variable)
    if not path:
        return
    delimiter = f"kaizen_{uuid.uuid4().hex}"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def set_output(name: str, value: str) -> None:
    _append_delimited("GITHUB_OUTPUT", name, value)


def set_env(name: str, value: str) -> None:
    """Export a variable to the job's later steps (GITHUB_ENV) and to this process."""
    os.environ[name] = value
    _append_delimited("GITHUB_ENV", name, value)


# GitHub shows at most 1 MiB of a step's summary ("each step is limited to a maximum of 1MiB"):
# https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#adding-a-job-summary
MAX_SUMMARY_BYTES = 1024 * 1024 - 4096


def fit_markdown(markdown: str, limit: int, note: str) -> str:
    """`markdown` when it is at most `limit` bytes; else cut at a line below it (never inside a
    code block or a Mermaid chart), ending with `note`."""
    if len(markdown.encode("utf-8")) <= limit:
        return markdown
    room = max(0, limit - len(note.encode("utf-8")) - 8)
    kept = markdown.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    kept = kept[: kept.rfind("\n")] if "\n" in kept else ""
    if kept.count("```") % 2:
        kept = kept[: kept.rfind("```")]
    return f"{kept.rstrip()}\n\n{note}\n"


def add_summary(markdown: str) -> None:
    """Append to the step's summary, within the size GitHub shows (what is already there counts)."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    used = os.path.getsize(path) if os.path.exists(path) else 0
    note = "**The summary is cut here**: it is longer than GitHub shows; the whole of it is in the job's artifacts."
    text = fit_markdown(markdown.rstrip("\n"), max(0, MAX_SUMMARY_BYTES - used - 2), note)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text.rstrip("\n") + "\n\n")


def workspace() -> Path:
    return Path(os.environ.get("GITHUB_WORKSPACE") or os.getcwd()).resolve()


def repo_relative(path: str | Path, base: Path | None = None) -> str:
    """A path as GitHub wants it in annotations: relative to the repository root, with `/`."""
    candidate = Path(path)
    if not candidate.is_absolute():
        candidate = (base or Path.cwd()) / candidate
    try:
        return candidate.resolve().relative_to(workspace()).as_posix()
    except ValueError:
        return candidate.as_posix()


def child_env() -> dict[str, str]:
    """The environment for the user's tools: without the PYTHONPATH that loads kaizen itself."""
    env = dict(os.environ)
    own = str(Path(__file__).resolve().parent.parent)
    if env.get("PYTHONPATH"):
        kept = [p for p in env["PYTHONPATH"].split(os.pathsep) if p and Path(p).resolve() != Path(own)]
        if kept:
            env["PYTHONPATH"] = os.pathsep.join(kept)
        else:
            env.pop("PYTHONPATH")
    return env


# Variables a user's command never needs: Kaizen's own inputs (tokens, keys, kubeconfigs among
# them) and the runner's credentials for its own services.
NOT_FOR_USER_COMMANDS = ("KAIZEN_", "ACTIONS_RUNTIME_", "ACTIONS_ID_TOKEN_", "ACTIONS_CACHE_")


def user_command_env(**extra: str) -> dict[str, str]:
    """The environment for a command the user gave (a deploy command, kubectl): the job's, less
    Kaizen's inputs and the runner's tokens, plus `extra`."""
    env = {k: v for k, v in child_env().items() if not k.startswith(NOT_FOR_USER_COMMANDS)}
    env.pop("GITHUB_TOKEN", None)
    return {**env, **extra}


def fail(exc: InputError) -> int:
    error(str(exc), title=exc.title, file=exc.file, line=exc.line)
    return 1


def is_ci() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def runner_temp() -> str:
    import tempfile

    return os.environ.get("RUNNER_TEMP") or tempfile.gettempdir()
