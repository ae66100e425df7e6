"""`kaizen locks`: recompile every lock file from its `.in` with `uv pip compile --generate-hashes`:
the tool environments that ship in `kaizen/locks/` and the test suite's `requirements-dev.txt`.
The command each lock was made with is in its header, where Dependabot reads it to update it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from kaizen import tool_env
from kaizen.gha import InputError

# The oldest Python a lock must install on: the runners' (ci-context accepts 3.9 and newer),
# except where a tool itself needs newer (black 26 needs 3.10, locust, scipy and the test suite 3.11).
OLDEST_PYTHON = {"lint-black": "3.10", "load-test": "3.11", "drift": "3.11", "requirements-dev": "3.11"}
# Locks of packages added to an environment Kaizen does not own (the project's): no dependencies,
# so nothing the project pinned is replaced.
WITHOUT_DEPENDENCIES = {"test-coverage"}
COMMAND = re.compile(r"^#\s+(uv pip compile .*)$", re.MULTILINE)


def sources(root: Path) -> list[Path]:
    return sorted(tool_env.LOCKS.glob("*.in")) + [root / "requirements-dev.in"]


def compile_command(source: Path) -> list[str]:
    python = OLDEST_PYTHON.get(source.stem, "3.9")
    return [
        "uv", "pip", "compile", "--universal", "--generate-hashes",
        *(["--no-deps"] if source.stem in WITHOUT_DEPENDENCIES else []),
        "--python-version", python, source.name, "-o", f"{source.stem}.txt",
    ]  # fmt: skip


def compile_all(root: Path, upgrade: bool = False) -> list[Path]:
    written = []
    for source in sources(root):
        command = compile_command(source) + (["--upgrade"] if upgrade else [])
        print(f"$ {' '.join(command)}  (in {source.parent})", flush=True)
        if subprocess.run(command, cwd=source.parent, check=False).returncode != 0:
            raise InputError(f"could not compile {source.name}", title="locks")
        written.append(source.with_suffix(".txt"))
    return written


def stale(root: Path) -> list[str]:
    """Offline check: every top-level pin of each `.in` is the version its lock holds, and each
    lock says it was compiled with hashes by the command compile_command gives."""
    problems = []
    for source in sources(root):
        lock = source.with_suffix(".txt")
        if not lock.is_file():
            problems.append(f"{lock.name} is missing")
            continue
        text = lock.read_text(encoding="utf-8")
        locked = tool_env.read_pins(lock)
        wanted = tool_env.read_pins(source)
        for line in source.read_text(encoding="utf-8").splitlines():
            if line.startswith("-r "):
                wanted.update(tool_env.read_pins(source.parent / line[3:].strip()))
        for name, version in wanted.items():
            if locked.get(name) != version:
                problems.append(f"{lock.name}: {name} is {locked.get(name)}, {source.name} asks for {version}")
        header = COMMAND.search(text)
        if not header or header.group(1).split() != compile_command(source):
            problems.append(f"{lock.name}: not compiled by `{' '.join(compile_command(source))}`")
        if "--hash=sha256:" not in text:
            problems.append(f"{lock.name}: has no hashes")
    return problems
