"""`actions/setup`: install the project the way its files ask for, into the runner's Python."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from kaizen import gha
from kaizen.gha import InputError
from kaizen.tool_env import installer


def plan(project: Path, extras: str, install_command: str) -> list[list[str]]:
    """The commands that install `project`; a custom install command replaces them all."""
    if install_command:
        return [["bash", "-eo", "pipefail", "-c", install_command]]
    commands: list[list[str]] = []
    install = installer()
    if (project / "requirements.txt").is_file():
        commands.append([*install, "-r", "requirements.txt"])
    if (project / "pyproject.toml").is_file() or (project / "setup.py").is_file():
        target = f".[{extras}]" if extras else "."
        commands.append([*install, "-e", target])
    if not commands:
        raise InputError(
            f"working-directory: {project.as_posix()!r} has no requirements.txt, pyproject.toml "
            "or setup.py; add one, or set install-command",
            title="working-directory",
        )
    return commands


def run() -> int:
    working_directory = gha.env_input("working-directory", ".")
    project = gha.workspace() / working_directory
    if not project.is_dir():
        raise InputError(
            f"working-directory: {working_directory!r} does not exist in the repository", title="working-directory"
        )
    commands = plan(project, gha.env_input("extras"), gha.env_input("install-command"))
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
