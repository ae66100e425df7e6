"""A consumer's DVC project as a developer leaves it: trained with `dvc repro`, outputs pushed
to the remote, dvc.lock and metrics committed. The starting point of train.yml runs."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from kaizen import tool_env
from kaizen_harness import act, consumer, sources


def developer_python(
    dest: Path,
    python_version: str = "3.12",
    project: Path | None = None,
    requirements: list[str] | None = None,
) -> Path:
    """A virtual environment with the DVC that actions/dvc installs (its hashed lock, with the
    plugins of every remote the harness runs) and the project's own dependencies, by the rules
    of actions/setup: its requirements files (default requirements.txt), then the package when
    it has a pyproject.toml or setup.py (default the example project). Returns its bin folder."""
    project = project or sources.example_project()
    uv = act.uv_binary()
    candidates = sorted(Path(act.pyenv_root()).glob(f"versions/{python_version}.*/bin/python3"))
    if not candidates:
        raise act.HarnessError(f"no Python {python_version} under {act.pyenv_root()}/versions")
    if not (dest / "bin" / "dvc").is_file():
        subprocess.run([uv, "venv", "--quiet", "--python", str(candidates[-1]), str(dest)], check=True)
        python = str(dest / "bin" / "python")
        lock = str(tool_env.lock_file("dvc-s3-ssh"))
        install = [uv, "pip", "install", "--quiet", "--python", python]
        subprocess.run([*install, "--require-hashes", "-r", lock], check=True)
        files = requirements or (["requirements.txt"] if (project / "requirements.txt").is_file() else [])
        args = [arg for name in files for arg in ("-r", str(project / name))]
        if (project / "pyproject.toml").is_file() or (project / "setup.py").is_file():
            args.append(str(project))
        if args:
            subprocess.run([*install, *args], check=True)
    return dest / "bin"


def dvc(repo: Path, bin_dir: Path, *args: str) -> str:
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "DVC_NO_ANALYTICS": "1",
        "DVC_SITE_CACHE_DIR": str(repo.parent / "dvc-site-cache"),
    }
    env.pop("PYTHONPATH", None)
    result = subprocess.run([str(bin_dir / "dvc"), *args], cwd=repo, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"dvc {' '.join(args)} failed: {result.stdout}{result.stderr}")
    return result.stdout


def train_and_push(
    repo: Path,
    bin_dir: Path,
    url: str,
    settings: dict[str, str] | None = None,
    credentials: dict[str, str] | None = None,
) -> str:
    """Point the project at a remote, reproduce, push and commit; returns the commit.
    Credentials stay in .dvc/config.local, as a developer's would."""
    dvc(repo, bin_dir, "remote", "add", "-d", "storage", url)
    for key, value in (settings or {}).items():
        dvc(repo, bin_dir, "remote", "modify", "storage", key, value)
    for key, value in (credentials or {}).items():
        dvc(repo, bin_dir, "remote", "modify", "--local", "storage", key, value)
    dvc(repo, bin_dir, "repro")
    dvc(repo, bin_dir, "push")
    return consumer.commit_all(repo, "Train the model")


def train_local(project: Path, bin_dir: Path, url: str) -> str:
    """A user's own DVC project in the consumer: outputs missing from the workspace copy pulled
    from its own remote, then a local remote made its default (the consumer's .dvc/config says
    so), the copied outputs committed to DVC's cache, `dvc repro`, `dvc push`, and a commit."""
    if not (project / ".dvc").is_dir():
        raise act.HarnessError(
            f"{project.name}: dvc.yaml but no .dvc/ folder: this is not a DVC project yet; run `dvc init` "
            "in it and commit .dvc/ (kaizen local, like actions/dvc, needs it)"
        )
    status = json.loads(dvc(project, bin_dir, "status", "--json") or "{}")
    if any("deleted" in str(change) for change in status.values()):
        try:
            dvc(project, bin_dir, "pull", "--allow-missing")
        except RuntimeError as error:  # never pushed, or no remote: dvc repro trains what it can
            first = str(error).strip().splitlines()[0] if str(error).strip() else "no reason given"
            print(f"kaizen local: {project.name}: the project's remote could not give its outputs ({first}); "
                  "dvc repro makes them", flush=True)  # fmt: skip
    dvc(project, bin_dir, "remote", "add", "--force", "-d", "kaizen-local", url)
    # repro first: it trains what the workspace lacks (a project never trained, or a fresh clone
    # whose remote had nothing) and leaves outputs that match dvc.lock alone; commit then puts
    # those copied outputs in DVC's cache so that push has them. (commit first failed on any
    # absent output, and --quiet hid why.)
    try:
        dvc(project, bin_dir, "repro")
    except RuntimeError as error:
        raise act.HarnessError(
            f"{project.name}: dvc repro failed in the developer environment, so there is nothing to run the "
            f"workflows on (a DVC-tracked input missing from the workspace and the remote? run dvc pull): {error}"
        ) from None
    dvc(project, bin_dir, "commit", "--force")
    dvc(project, bin_dir, "push")
    return consumer.commit_all(project, "Train the model (kaizen local: DVC remote on this machine)")


def push_payload(after: str, before: str = "0" * 40) -> dict:
    return {
        "ref": "refs/heads/main",
        "before": before,
        "after": after,
        "repository": {"default_branch": "main", "full_name": "acme/consumer"},
    }


def pull_request_payload(
    base: str, head: str, number: int = 7, branch: str = "tune-c", head_repository: str = "acme/consumer"
) -> dict:
    """A pull_request event; `head_repository` other than acme/consumer makes it a fork's."""
    return {
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "base": {"ref": "main", "sha": base, "repo": {"full_name": "acme/consumer"}},
            "head": {"ref": branch, "sha": head, "repo": {"full_name": head_repository}},
        },
        "repository": {"default_branch": "main", "full_name": "acme/consumer"},
    }
