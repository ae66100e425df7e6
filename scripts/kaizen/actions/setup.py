"""`actions/setup`: install the project the way its files ask for, into the runner's Python."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from kaizen import gha, inputs
from kaizen.gha import InputError
from kaizen.tool_env import installer


def parse_requirements(raw: str, project: Path, working_directory: str) -> list[str]:
    """The `requirements` input: files relative to working-directory, one per line or separated by
    spaces; each must exist inside the repository."""
    files = raw.split()
    for name in files:
        shown = (Path(working_directory) / name).as_posix()
        path = (project / name).resolve()
        if not path.is_relative_to(gha.workspace()):
            raise InputError(f"requirements: {shown!r} is outside the repository", title="requirements")
        if not path.is_file():
            raise InputError(
                f"requirements: {shown!r} does not exist; list files relative to working-directory "
                f"({working_directory!r})",
                title="requirements",
            )
    return files


def plan(
    project: Path, extras: str, install_command: str, requirements: list[str] | None = None, shown: str = "."
) -> list[list[str]]:
    """The commands that install `project`: its requirements files (the `requirements` input, else
    requirements.txt when there is one), then the package itself with its extras. A custom install
    command replaces them all. `shown` is the project folder as the user named it."""
    if install_command:
        return [["bash", "-eo", "pipefail", "-c", install_command]]
    commands: list[list[str]] = []
    install = installer()
    files = requirements or (["requirements.txt"] if (project / "requirements.txt").is_file() else [])
    if files:
        commands.append([*install, *(arg for name in files for arg in ("-r", name))])
    if (project / "pyproject.toml").is_file() or (project / "setup.py").is_file():
        target = f".[{extras}]" if extras else "."
        commands.append([*install, "-e", target])
    elif extras:
        raise InputError(
            f"extras: {shown!r} has no pyproject.toml or setup.py, so it has no extras to install", title="extras"
        )
    if not commands:
        found = sorted(p.relative_to(project).as_posix() for p in project.glob("*/requirements*.txt"))[:3]
        hint = f" (found {', '.join(found)}: set requirements to it)" if found else ""
        raise InputError(
            f"working-directory: {shown!r} has no requirements.txt, pyproject.toml or setup.py{hint}; "
            "add one, or set the requirements or install-command input",
            title="working-directory",
        )
    return commands


def run() -> int:
    working_directory, project = inputs.working_directory()
    requirements = parse_requirements(inputs.text("requirements"), project, working_directory)
    commands = plan(project, inputs.extras("extras"), inputs.text("install-command"), requirements, working_directory)
    for command in commands:
        print(f"$ {shlex.join(command)}", flush=True)
        result = subprocess.run(command, cwd=project, env=gha.child_env(), check=False)
        if result.returncode < 0:  # killed by a signal (a crash seen once from uv here): not the files' fault
            gha.warning(f"the installer was killed by signal {-result.returncode}; trying once more", title="install")
            result = subprocess.run(command, cwd=project, env=gha.child_env(), check=False)
        if result.returncode != 0:
            gha.error(
                f"installing the project failed (exit {result.returncode}): {shlex.join(command)}; "
                "check the dependency files, or the install-command input",
                title="install",
            )
            return 1
    return 0
