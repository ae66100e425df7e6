"""Tool environments Kaizen installs on a runner (the linters, DVC), from the hashed lock files
that ship inside this package in `locks/`.

Each `locks/<name>.in` names the top-level tools; `locks/<name>.txt` is it compiled with every
transitive dependency and its sha256 hashes (`kaizen locks` recompiles them; Dependabot keeps
them current). They are installed with hashes required, so a tampered or re-uploaded file on
the index stops the job instead of running in it. This module is their one reader.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

LOCKS = Path(__file__).resolve().parent / "locks"  # package data, beside this module in any install


def lock_file(name: str) -> Path:
    """The compiled lock `locks/<name>.txt`."""
    path = LOCKS / f"{name}.txt"
    if not path.is_file():
        raise FileNotFoundError(f"no lock file {path.name} in {LOCKS}")
    return path


def read_pins(path: Path) -> dict[str, str]:
    """name -> version of the `name==version` lines of a requirements or lock file. In a
    universal lock a name may be pinned twice (by Python version): the last pin wins."""
    pins = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].split(";", 1)[0].strip().rstrip("\\").strip()
        if "==" in line and not line.startswith("-"):
            name, version = line.split("==", 1)
            pins[re.sub(r"[-_.]+", "-", name.strip().lower())] = version.strip()  # PEP 503 names
    return pins


def pins(name: str) -> dict[str, str]:
    """The top-level tools of a lock and their versions (from its `.in`, following `-r`)."""
    found: dict[str, str] = {}
    source = LOCKS / f"{name}.in"
    for raw in source.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found.update(pins(Path(line[3:].strip()).stem))
    found.update(read_pins(source))
    return found


def installer(python: str = sys.executable) -> list[str]:
    """Install into `python` with uv (which actions/setup puts on PATH, with its cache), or with
    that interpreter's pip where uv is missing, e.g. when kaizen runs on a laptop."""
    uv = shutil.which("uv")
    if uv:
        return [uv, "pip", "install", "--python", python]
    return [python, "-m", "pip", "install", "--progress-bar", "off", "--disable-pip-version-check"]


def own_pip_installer(python: str) -> list[str] | None:
    """This interpreter's pip installing into another one (`pip --python`, pip 22.3 or newer),
    which spares a new venv the seconds ensurepip takes; None when this pip cannot."""
    try:
        from importlib.metadata import version

        major, minor = (int(part) for part in version("pip").split(".")[:2])
    except Exception:  # no pip here, or a version this cannot read
        return None
    if (major, minor) < (22, 3):
        return None
    return [sys.executable, "-m", "pip", "--python", python, "install", "--progress-bar", "off",
            "--disable-pip-version-check"]  # fmt: skip


def install_locked(name: str, python: str = sys.executable, no_deps: bool = False) -> list[str]:
    """The command that installs lock `name` into `python`, every file checked against its hash.
    `no_deps` for a lock added to an environment Kaizen does not own (it lists no dependencies)."""
    return [
        *installer(python),
        "--quiet",
        "--require-hashes",
        *(["--no-deps"] if no_deps else []),
        "-r",
        str(lock_file(name)),
    ]


def private_venv(tools_dir: Path, lock: str, overrides: list[str] = (), what: str = "") -> Path:
    """A venv of its own holding lock `lock` (or the exact `overrides`), so the project's
    environment is untouched; reused while what it holds is what is wanted. Its bin folder."""
    import subprocess
    import venv

    from kaizen import gha

    bin_dir = tools_dir / ("Scripts" if sys.platform == "win32" else "bin")
    python = str(bin_dir / "python")
    wanted = "\n".join(overrides) if overrides else lock_file(lock).read_text(encoding="utf-8")
    marker = tools_dir / "kaizen-tools.txt"
    if marker.is_file() and marker.read_text(encoding="utf-8") == wanted:
        return bin_dir
    install = installer(python)
    with_uv = install[0] != python
    if not with_uv:  # this interpreter's pip installs into the venv: no pip of its own to set up first
        install = own_pip_installer(python) or install
    venv.create(tools_dir, with_pip=install[0] == python, clear=True)
    # Compiled once here, not by every interpreter that imports the tools (pip compiles anyway).
    compile_now = ["--compile-bytecode"] if with_uv else []
    if overrides:
        gha.warning(f"installing {', '.join(overrides)} without hash checking (a version input overrides the lock)")
        command = [*install, "--quiet", *compile_now, *overrides]
    else:
        command = [*install, "--quiet", "--require-hashes", "-r", str(lock_file(lock)), *compile_now]
    if subprocess.run(command, env=gha.child_env(), check=False).returncode != 0:
        raise gha.InputError(f"could not install {what or lock}; see the log above", title=lock)
    marker.write_text(wanted, encoding="utf-8")
    return bin_dir


def cached_venv(lock: str, what: str = "") -> Path:
    """private_venv for lock `lock`, installed once per runner tool cache: RUNNER_TOOL_CACHE
    outlives the job on a self-hosted runner (and under act), so later jobs reuse it; a hosted
    runner's is fresh each job, like RUNNER_TEMP. Keyed by the lock's hash, and installed under a
    file lock, since runners on one machine may share the folder. Its bin folder.
    https://docs.github.com/en/actions/reference/workflows-and-actions/variables#default-environment-variables
    """
    import hashlib
    import os

    try:
        import fcntl
    except ImportError:  # Windows runners: no shared tool folder to guard
        fcntl = None

    from kaizen import gha

    digest = hashlib.sha256(lock_file(lock).read_bytes()).hexdigest()[:16]
    root = Path(os.environ.get("RUNNER_TOOL_CACHE") or gha.runner_temp()) / "kaizen" / lock
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:  # a tool cache the job cannot write to: the job's own temp folder
        root = Path(gha.runner_temp()) / "kaizen-tools" / lock
        root.mkdir(parents=True, exist_ok=True)
    with (root / f"{digest}.lock").open("w") as held:
        if fcntl is not None:
            fcntl.flock(held, fcntl.LOCK_EX)
        return private_venv(root / digest, lock, what=what)
