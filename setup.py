"""The wheel carries what `kaizen local` runs, so it works without a Kaizen checkout: Kaizen's
actions and workflows, the caller templates, the example project and GitHub's REST API
description, copied into `kaizen_harness/bundle/` when the wheel is built. The checkout's files
stay the one source of truth (the bundle is never committed), and an editable install runs the
checkout itself. Everything else about the package is in pyproject.toml."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ("actions", ".github/workflows", "workflows", "example-project")
# npm @octokit/openapi (MIT, pinned in package-lock.json): the description, its licence and version.
API_DESCRIPTION = ("node_modules/@octokit/openapi/generated/api.github.com.json",)
API_NOTICES = ("node_modules/@octokit/openapi/LICENSE", "node_modules/@octokit/openapi/package.json")
SKIPPED = {"__pycache__", ".venv", ".pytest_cache", ".ruff_cache", "data", "models", ".kaizen-local"}


def bundled_files() -> list[str]:
    """The source files to bundle, as git lists them (tracked or new, not ignored); from an
    unpacked sdist, which has no git, every file under BUNDLED but build products."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *BUNDLED],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if listed.returncode == 0 and listed.stdout:
        return sorted(n for n in set(listed.stdout.decode().split("\0")) if n and (ROOT / n).is_file())
    found = []
    for folder in BUNDLED:
        for top, dirs, files in os.walk(ROOT / folder):
            dirs[:] = [d for d in dirs if d not in SKIPPED]
            found += [(Path(top) / f).relative_to(ROOT).as_posix() for f in files]
    return sorted(found)


class BuildPyWithBundle(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        missing = [name for name in API_DESCRIPTION if not (ROOT / name).is_file()]
        if missing:
            raise SystemExit(f"{', '.join(missing)} is missing: run `npm ci` first (make setup does)")
        bundle = Path(self.build_lib) / "kaizen_harness" / "bundle"
        if bundle.exists():
            shutil.rmtree(bundle)
        for name in [*bundled_files(), *API_DESCRIPTION, *API_NOTICES]:
            (bundle / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, bundle / name)


setup(cmdclass={"build_py": BuildPyWithBundle})
