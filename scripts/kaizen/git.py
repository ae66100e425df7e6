"""The one git helper: every git call of the runner-side code, the harness and the maintainer
tools goes through it, so failures read the same everywhere."""

from __future__ import annotations

import base64
import os
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


def repo_prefix(project: Path) -> str:
    """The project folder relative to the git root, for `git show <rev>:<path>`."""
    relative = project.resolve().relative_to(toplevel(project).resolve()).as_posix()
    return "" if relative == "." else relative + "/"


def file_at(project: Path, rev: str, path: str) -> str | None:
    """The text of `path` (relative to the project folder) at revision `rev`; None when absent."""
    shown = git(project, "show", "--end-of-options", f"{rev}:{repo_prefix(project)}{path}", check=False)
    return shown.stdout if shown.returncode == 0 else None


def commit_of(repo: Path, rev: str) -> str | None:
    """The commit `rev` names in this clone; None when the clone does not have it."""
    found = git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", check=False)
    return found.stdout.strip() if found.returncode == 0 else None


def token_config(token: str, server_url: str) -> dict[str, str]:
    """Environment that gives ONE git command the job's token as an HTTP Authorization header,
    for URLs under `server_url` only (git's `http.<url>.extraheader` matches by scheme, host and
    port), as actions/checkout does when it persists credentials. Passed through GIT_CONFIG_COUNT
    (https://git-scm.com/docs/git-config#ENVIRONMENT) rather than `-c`, so the token is neither
    written to .git/config nor visible in the process list. GitHub takes an installation token
    (GITHUB_TOKEN is one) as the password of the user x-access-token:
    https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app-installation
    """
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.{server_url.rstrip('/')}/.extraheader",
        "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
    }


def fetch(repo: Path, refspec: str, *, token: str = "", server_url: str = "") -> subprocess.CompletedProcess[str]:
    """`git fetch --depth=1 origin REFSPEC`, with the job's token for the server's host when given
    (a private repository refuses anonymous fetches, and Kaizen's checkouts keep no credentials:
    persist-credentials: false)."""
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",  # a refused fetch fails instead of waiting for a password
        **(token_config(token, server_url) if token and server_url else {}),
    }
    return git(repo, "fetch", "--no-tags", "--depth=1", "--", "origin", refspec, check=False, env=env)
