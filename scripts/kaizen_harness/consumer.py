"""A consumer repository made for one run: a caller workflow from `workflows/` and a project."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from kaizen import git as kaizen_git
from kaizen.uses import KAIZEN_REPOSITORY
from kaizen_harness import sources

# Build and run products of the example project that a fresh clone would not have.
IGNORED = shutil.ignore_patterns(
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".ruff_cache",
    ".coverage",
    "coverage.xml",
    ".venv",
    "data",
    "models",
    "tmp",
    "cache",
    "build",
)


OWN_CACHES = shutil.ignore_patterns("__pycache__", ".venv", ".git", ".pytest_cache", ".ruff_cache")


def git(repo: Path, *args: str) -> str:
    """git in a consumer repository, as its own author, whatever the machine's git config."""
    return kaizen_git.output(
        repo,
        *args,
        env={
            "GIT_AUTHOR_NAME": "Consumer",
            "GIT_AUTHOR_EMAIL": "consumer@example.invalid",
            "GIT_COMMITTER_NAME": "Consumer",
            "GIT_COMMITTER_EMAIL": "consumer@example.invalid",
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(repo),
        },
    )


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def create_consumer(
    dest: Path,
    templates: list[str],
    *,
    project: Path | None = None,
    subdir: str = "",
    repository: str = "acme/consumer",
    ignore=None,
) -> Path:
    """Copy `project` (default the example project; into `subdir`, default the root) and the
    caller templates, and commit.
    `ignore` defaults to the example project's build products for the example project (its
    data/ and models/ are made by its pipeline) and to caches only for any other project,
    whose folders named data/ or models/ may be its own inputs."""
    project = project or sources.example_project()
    if ignore is None:
        ignore = IGNORED if Path(project).resolve() == sources.example_project().resolve() else OWN_CACHES
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(project, dest / subdir if subdir else dest, ignore=ignore, dirs_exist_ok=True)
    workflows = dest / ".github" / "workflows"
    workflows.mkdir(parents=True, exist_ok=True)
    for template in templates:
        shutil.copyfile(sources.templates() / template, workflows / template)
    git(dest, "init", "--quiet", "-b", "main")
    git(dest, "remote", "add", "origin", f"https://github.com/{repository}.git")
    commit_all(dest, "Initial commit")
    return dest


def _add_to_call(repo: Path, workflow: str, key: str, lines: list[str], message: str, calls: str = "") -> None:
    """Add lines to the `with:` or `secrets:` block under the caller's `uses:` of a Kaizen
    workflow (`calls`, default the caller's own name), creating the block if needed; commit."""
    path = repo / ".github" / "workflows" / workflow
    text = path.read_text(encoding="utf-8")
    marker = f"    uses: {KAIZEN_REPOSITORY}/.github/workflows/{calls or workflow}@v1\n"
    if marker not in text:
        raise ValueError(f"{path} does not call {KAIZEN_REPOSITORY}/.github/workflows/{calls or workflow}@v1")
    block = "".join(f"      {line}\n" for line in lines)
    start = text.index(marker) + len(marker)
    next_job = re.search(r"^  \S", text[start:], re.MULTILINE)
    job = text[start : start + next_job.start()] if next_job else text[start:]
    existing = re.search(rf"^    {re.escape(key)}:\n", job, re.MULTILINE)
    if existing:  # the template already has the block: add to it
        at = start + existing.end()
        path.write_text(text[:at] + block + text[at:], encoding="utf-8")
    else:
        path.write_text(text.replace(marker, f"{marker}    {key}:\n{block}"), encoding="utf-8")
    commit_all(repo, message)


def set_inputs(repo: Path, workflow: str, inputs: dict, calls: str = "") -> None:
    """Give a caller workflow copied from workflows/ inputs, as a user would."""
    lines = [f"{key}: {json.dumps(value)}" for key, value in inputs.items()]
    _add_to_call(repo, workflow, "with", lines, "Configure the caller", calls)


def set_secrets(repo: Path, workflow: str, secrets: dict[str, str], calls: str = "") -> None:
    """Pass the caller's secrets (name in the reusable workflow -> repository secret) on."""
    _add_to_call(
        repo,
        workflow,
        "secrets",
        [f"{name}: ${{{{ secrets.{source} }}}}" for name, source in secrets.items()],
        "Pass secrets to the reusable workflow",
        calls,
    )
