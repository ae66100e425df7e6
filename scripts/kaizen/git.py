"""The one git helper: every git call of the runner-side code, the harness and the maintainer
tools goes through it, so failures read the same everywhere."""

from __future__ import annotations

import subprocess
from pathlib import Path

from kaizen.gha import InputError


def git(
    cwd: Path, *args: str, check: bool = True, env: dict[str, str] | None = None, title: str = "git"
) -> subprocess.CompletedProcess[str]:
    """Run `git ARGS` in `cwd`. With `check`, a failure is an InputError naming the git command
    (`title` is the annotation's title); without, the caller reads the return code. Callers put
    `--` before any value that comes from a user, so it can never be read as an option."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False, env=env)
    if check and result.returncode != 0:
        raise InputError(f"git {args[0]} failed: {result.stderr.strip()}", title=title)
    return result


def output(cwd: Path, *args: str, env: dict[str, str] | None = None, title: str = "git") -> str:
    """The stripped stdout of a git command that must succeed."""
    return git(cwd, *args, env=env, title=title).stdout.strip()


def succeeds(cwd: Path, *args: str) -> bool:
    return git(cwd, *args, check=False).returncode == 0


def toplevel(cwd: Path) -> Path:
    return Path(output(cwd, "rev-parse", "--show-toplevel"))
