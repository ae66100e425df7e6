"""What a project's DVC pipeline files declare, read as text (never run): dvc.yaml's stages,
dependencies, params and metrics, dvc.lock's and .dvc files' outputs and sizes. The plan
(actions/changes) and the report (actions/metrics-report) both read the pipeline through here;
running DVC itself is kaizen.dvc's business."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from kaizen import untrusted
from kaizen.gha import InputError
from kaizen.git import git


def _entries(value, display: str, where: str) -> list:
    """A list dvc.yaml holds (deps, outs, metrics, params, vars); absent is empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"{display}: {where} must be a list", title="dvc.yaml", file=display)
    return value


def read_pipeline(text: str, display: str = "dvc.yaml") -> dict:
    """dvc.yaml (or dvc.lock) parsed and shaped as DVC requires: a mapping whose `stages` maps
    names to mappings. Anything else is one error naming the file, the line when the parser
    has one, and what to fix."""
    data = untrusted.mapping(untrusted.parse_yaml(text, display, title="dvc.yaml"), display, "a mapping",
                             title="dvc.yaml")  # fmt: skip
    stages = data.get("stages")
    if stages is not None and not isinstance(stages, dict):
        raise InputError(
            f"{display}: `stages:` must map stage names to their definitions (`stages:\n  train:\n    cmd: ...`), "
            f"not a {type(stages).__name__}",
            title="dvc.yaml",
            file=display,
        )
    for name, stage in (stages or {}).items():
        if stage is not None and not isinstance(stage, dict):
            raise InputError(f"{display}: stage {str(name)[:80]!r} must be a mapping (cmd:, deps:, outs:)",
                             title="dvc.yaml", file=display)  # fmt: skip
    return data


def _stages(data: dict) -> dict:
    return {str(name): stage or {} for name, stage in (data.get("stages") or {}).items()}


def declared_metrics(dvc_yaml_text: str, display: str = "dvc.yaml") -> list[tuple[str, bool]]:
    """(path, cached) of every metrics file dvc.yaml declares, in order."""
    data = read_pipeline(dvc_yaml_text, display)
    found: list[tuple[str, bool]] = []

    def add(entries, where: str) -> None:
        for entry in _entries(entries, display, where):
            if isinstance(entry, dict):
                for path, options in entry.items():
                    found.append((str(path), (options if isinstance(options, dict) else {}).get("cache", True)))
            else:
                found.append((str(entry), True))

    add(data.get("metrics"), "metrics")
    for name, stage in _stages(data).items():
        add(stage.get("metrics"), f"stages.{name}.metrics")
    return found


def pipeline_dirs(names: list[str]) -> list[str]:
    """Folders ('' for the project's own) of the dvc.yaml files among `names` (paths relative to
    the project), outside .dvc/ and .git/: DVC reads every one of them."""
    found = set()
    for name in names:
        path = Path(name)
        if path.name == "dvc.yaml" and not {".dvc", ".git"} & set(path.parts[:-1]):
            found.add("" if path.parent == Path(".") else path.parent.as_posix())
    return sorted(found)


def workspace_pipeline_dirs(project: Path) -> list[str]:
    """The folders of the project's dvc.yaml files git knows (committed or new, not ignored)."""
    listed = git(project, "ls-files", "--cached", "--others", "--exclude-standard", "--", ".", check=False)
    found = pipeline_dirs([n for n in listed.stdout.splitlines() if (project / n).is_file()])
    return found if "" in found or listed.returncode == 0 else [""]


def workspace_pipelines(project: Path) -> dict[str, str]:
    """folder -> text of every dvc.yaml of the project in the workspace."""
    return {
        f: untrusted.read_text(project / f / "dvc.yaml", _prefixed(f, "dvc.yaml"), title="dvc.yaml")
        for f in workspace_pipeline_dirs(project)
    }


def revision_pipeline_dirs(project: Path, rev: str) -> list[str]:
    listed = git(project, "ls-tree", "-r", "--name-only", "--end-of-options", rev, "--", ".", check=False)
    return pipeline_dirs(listed.stdout.splitlines()) if listed.returncode == 0 else []


@dataclass
class PipelineInputs:
    """What `dvc repro` looks at to decide whether a stage reruns, as paths relative to the
    project: files, and folders (a change anywhere under one counts). `always` says why no
    file list can answer (a templated or external dependency, an always-changed stage)."""

    paths: set[str] = field(default_factory=set)
    always: str = ""

    def touched_by(self, changed: list[str]) -> list[str]:
        """The changed files (relative to the project) a stage depends on; any .dvc file counts,
        as it records the data a dependency holds."""
        return [
            c
            for c in changed
            if c.endswith(".dvc") or c in self.paths or any(c.startswith(p.rstrip("/") + "/") for p in self.paths)
        ]


def _joined(*parts: str) -> str:
    return posixpath.normpath(posixpath.join(*[p for p in parts if p])).removeprefix("./")


def pipeline_inputs(texts: dict[str, str]) -> PipelineInputs:
    """The inputs of every stage of these dvc.yaml files (folder relative to the project ->
    text): its deps and params files (relative to its wdir), with the dvc.yaml, dvc.lock,
    params files of `vars:` and .dvcignore files beside them. A change elsewhere reruns no stage."""
    found = PipelineInputs()
    for folder, text in texts.items():
        display = _prefixed(folder, "dvc.yaml")
        data = read_pipeline(text, display)
        found.paths |= {_joined(folder, name) for name in ("dvc.yaml", "dvc.lock", ".dvcignore")}
        if "${" in text:
            found.always = found.always or f"{_joined(folder, 'dvc.yaml')} uses templating (${{...}})"
        for entry in _entries(data.get("vars"), display, "vars"):
            if isinstance(entry, str):
                found.paths.add(_joined(folder, entry.split(":", 1)[0]))
        for name, stage in _stages(data).items():
            if "foreach" in stage or "matrix" in stage:
                found.always = found.always or f"stage {name} is generated (foreach/matrix)"
            if stage.get("always_changed"):
                found.always = found.always or f"stage {name} is always_changed"
            wdir = _joined(folder, str(stage.get("wdir") or "."))
            for dep in _entries(stage.get("deps"), display, f"stages.{name}.deps"):
                dep = str(dep)
                if "://" in dep or dep.startswith(("/", "~")) or _joined(wdir, dep).startswith("../"):
                    found.always = found.always or f"stage {name} depends on {dep}, outside the repository"
                found.paths.add(_joined(wdir, dep))
            for entry in _entries(stage.get("params"), display, f"stages.{name}.params"):
                files = [str(f) for f in entry] if isinstance(entry, dict) else ["params.yaml"]
                found.paths |= {_joined(wdir, f) for f in files}
    return found


def _prefixed(folder: str, path: str) -> str:
    return f"{folder}/{path}" if folder else path


def declared_metrics_in(texts: dict[str, str]) -> list[tuple[str, bool]]:
    """(path relative to the project, cached) of the metrics every dvc.yaml declares; `texts`
    maps each dvc.yaml's folder to its text."""
    return [
        (_prefixed(folder, path), cached)
        for folder, text in texts.items()
        for path, cached in declared_metrics(text, _prefixed(folder, "dvc.yaml"))
    ]


def lock_outputs_in(texts: dict[str, str]) -> set[str]:
    """The outputs every dvc.lock records, relative to the project."""
    return {
        _prefixed(folder, out)
        for folder, text in texts.items()
        for out in lock_outputs(text, _prefixed(folder, "dvc.lock"))
    }


def lock_outputs(dvc_lock_text: str, display: str = "dvc.lock") -> set[str]:
    """The paths of every stage output dvc.lock records (files or directories DVC caches)."""
    data = read_pipeline(dvc_lock_text, display)
    found = set()
    for name, stage in _stages(data).items():
        for out in _entries(stage.get("outs"), display, f"stages.{name}.outs"):
            if isinstance(out, dict) and out.get("path"):
                found.add(str(out["path"]).rstrip("/"))
    return found


def produced_by(path: str, outputs: set[str]) -> str | None:
    """The recorded output that holds `path`: the path itself, or a directory it lies in."""
    parts = path.split("/")
    for depth in range(len(parts), 0, -1):
        candidate = "/".join(parts[:depth])
        if candidate in outputs:
            return candidate
    return None


def output_sizes(dvc_lock_text: str, dvc_files: list[str] | dict[str, str]) -> dict[str, int]:
    """path -> size in bytes of every output dvc.lock and the given .dvc files (texts, or name
    -> text) record."""
    sizes = {}
    named = dvc_files if isinstance(dvc_files, dict) else {f"a .dvc file ({i + 1})": t for i, t in enumerate(dvc_files)}
    for display, text in {"dvc.lock": dvc_lock_text, **named}.items():
        data = read_pipeline(text or "", display)
        outs = list(_entries(data.get("outs"), display, "outs"))
        for name, stage in _stages(data).items():
            outs += _entries(stage.get("outs"), display, f"stages.{name}.outs")
        for out in outs:
            if isinstance(out, dict) and out.get("path") and isinstance(out.get("size"), int):
                sizes[str(out["path"]).rstrip("/")] = out["size"]
    return sizes
