"""DVC as the train and metrics-report actions run it: pull, repro, push, and the base
revision's metrics and params, through DVC's own command line."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kaizen import gha
from kaizen.gha import InputError
from kaizen.git import git, repo_prefix

RAN = re.compile(r"^Running stage '(?P<stage>[^']+)'", re.MULTILINE)
SKIPPED = re.compile(r"^Stage '(?P<stage>[^']+)' didn't change, skipping", re.MULTILINE)
RESTORED = re.compile(
    r"^Stage '(?P<stage>[^']+)' is cached - skipping run, checking out outputs|"
    r"^Stage '(?P<cached>[^']+)' is cached, restoring",
    re.MULTILINE,
)
REMOTE_TROUBLE = re.compile(
    r"(failed to connect|connect call failed|unable to connect|could not connect|connection refused|"
    r"name or service not known|timed out|permission denied|authentication|access denied|invalidaccesskeyid|"
    r"signaturedoesnotmatch|forbidden|nosuchbucket|credentials)",
    re.IGNORECASE,
)
MISSING_OBJECTS = re.compile(r"(missing-files|Checkout failed for following targets)", re.IGNORECASE)


def dvc_env() -> dict[str, str]:
    env = gha.child_env()
    env["DVC_NO_ANALYTICS"] = "1"  # every command would otherwise spawn a reporting process
    return env


@dataclass
class Result:
    returncode: int
    output: str  # stdout and stderr, for messages
    stdout: str  # stdout alone, for --json


def dvc(project: Path, *args: str, check: bool = True, echo: bool = True, in_process: bool = False) -> Result:
    """Run one DVC command. `in_process` for the commands that run no user code (config, diffs,
    pull, push): DVC's own command line called in this interpreter, where actions/dvc installed
    it, which saves an interpreter start and DVC's imports (about 0.5 s each) per call."""
    command = ["dvc", *args]
    if echo:
        print(f"$ {shlex.join(command)}", flush=True)
    completed = _in_process(project, list(args)) if in_process else None
    if completed is None:
        try:
            completed = subprocess.run(command, cwd=project, env=dvc_env(), capture_output=True, text=True, check=False)
        except FileNotFoundError:
            raise InputError("dvc is not installed; run kaizen-ci/kaizen/actions/dvc first", title="dvc") from None
    output = completed.stdout + completed.stderr
    if echo and output.strip():
        print(output.rstrip(), flush=True)
    if check and completed.returncode != 0:
        raise InputError(explain_failure(args[0], output), title="dvc")
    return Result(completed.returncode, output, completed.stdout)


def _in_process(project: Path, args: list[str]) -> subprocess.CompletedProcess | None:
    """`dvc <args>` through `dvc.cli.main` in this interpreter: what it writes (JSON as `--json`
    prints it) and logs are collected, not printed. None when DVC is not importable here (a DVC
    on PATH from elsewhere), so the caller runs the command line instead."""
    import importlib

    importlib.invalidate_caches()  # actions/dvc may have installed DVC moments ago, in this process
    try:
        from dvc.cli import main
        from dvc.ui import ui
    except ImportError:
        return None
    import io
    import logging
    import os

    written, logged = io.StringIO(), io.StringIO()

    def write(*objects, sep=None, end=None, stderr=False, **_):
        sep, end = " " if sep is None else sep, "\n" if end is None else end
        print(*objects, sep=sep, end=end, file=logged if stderr else written)

    def write_json(data, **_):
        written.write(json.dumps(data, default=str) + "\n")

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None and str(record.exc_info[1]) not in text:
                text = f"{text} - {record.exc_info[1]}" if text else str(record.exc_info[1])
            logged.write(f"{record.levelname}: {text}\n")

    loggers = [logging.getLogger(name) for name in ("dvc", "dvc_objects", "dvc_data")]
    saved_handlers = [logger.handlers[:] for logger in loggers]
    collect = Collect(logging.WARNING)
    saved_ui = {name: ui.__dict__.get(name) for name in ("write", "write_json", "error_write")}
    cwd, analytics = os.getcwd(), os.environ.get("DVC_NO_ANALYTICS")
    os.environ["DVC_NO_ANALYTICS"] = "1"
    try:
        for logger in loggers:
            logger.handlers = [collect]
        ui.write, ui.write_json = write, write_json
        ui.error_write = lambda *objects, **kw: write(*objects, **{**kw, "stderr": True})
        returncode = main(["--cd", str(project), *args])
    finally:
        os.chdir(cwd)
        for logger, handlers in zip(loggers, saved_handlers):
            logger.handlers = handlers
        for name, value in saved_ui.items():
            if value is None:
                ui.__dict__.pop(name, None)
            else:
                setattr(ui, name, value)
        if analytics is None:
            os.environ.pop("DVC_NO_ANALYTICS", None)
    return subprocess.CompletedProcess(["dvc", *args], returncode, written.getvalue(), logged.getvalue())


def explain_failure(verb: str, output: str) -> str:
    last = next(
        (line.strip() for line in reversed(output.splitlines()) if line.strip().startswith("ERROR")),
        output.strip().splitlines()[-1] if output.strip() else "no output",
    )
    if verb in ("pull", "push", "fetch") and REMOTE_TROUBLE.search(output):
        return (
            f"dvc {verb}: the DVC remote is unreachable or refused the credentials ({last}); check the "
            "remote's URL and the credentials given to actions/dvc. Nothing was overwritten."
        )
    return f"dvc {verb} failed: {last}"


def pull(project: Path) -> None:
    """Pull what dvc.yaml and dvc.lock reference. Objects the remote does not have yet (a stage
    never pushed) are fine: repro builds them. An unreachable or refusing remote is not."""
    result = dvc(project, "pull", check=False, in_process=True)
    if result.returncode == 0:
        return
    if REMOTE_TROUBLE.search(result.output) or not MISSING_OBJECTS.search(result.output):
        raise InputError(explain_failure("pull", result.output), title="dvc")
    print("some outputs are not on the remote yet; dvc repro will build them", flush=True)


def pull_outputs(project: Path, targets: list[str]) -> None:
    """Pull these outputs, all of them: for builds that need them (an image's model), a missing
    object is an error, unlike for training, where repro rebuilds it."""
    result = dvc(project, "pull", *targets, check=False, in_process=True)
    if result.returncode != 0:
        message = explain_failure("pull", result.output)
        if MISSING_OBJECTS.search(result.output) and not REMOTE_TROUBLE.search(result.output):
            message += "; push them from where they were trained (dvc push) or train first"
        raise InputError(message, title="dvc")


def require_pipeline(project: Path) -> None:
    if not (project / "dvc.yaml").is_file():
        raise InputError(
            f"working-directory: no dvc.yaml in {project.as_posix()!r}; define the pipeline "
            "(dvc stage add) or point working-directory at it",
            title="working-directory",
        )


@dataclass
class ReproResult:
    ran: list[str] = field(default_factory=list)  # executed
    restored: list[str] = field(default_factory=list)  # changed, but found in DVC's run cache
    skipped: list[str] = field(default_factory=list)  # unchanged


def parse_repro(output: str) -> ReproResult:
    restored = [m["stage"] or m["cached"] for m in RESTORED.finditer(output)]
    return ReproResult(ran=RAN.findall(output), restored=restored, skipped=SKIPPED.findall(output))


def get_at_revision(project: Path, rev: str, path: str) -> str | None:
    """A DVC-tracked file as it was at `rev`: checked out in a temporary git worktree and pulled
    from the remote with this checkout's remote settings. None when the remote lacks it; an
    unreachable or refusing remote is an error."""
    with tempfile.TemporaryDirectory(prefix="kaizen-base-") as tmp:
        tree = Path(tmp) / "base"
        if git(project, "worktree", "add", "--detach", "--force", str(tree), rev, check=False).returncode != 0:
            return None
        try:
            base_project = tree / repo_prefix(project)
            local = project / ".dvc" / "config.local"
            if local.is_file():
                shutil.copyfile(local, base_project / ".dvc" / "config.local")
            pulled = dvc(base_project, "pull", path, check=False, echo=False, in_process=True)
            if pulled.returncode != 0 and REMOTE_TROUBLE.search(pulled.output):
                raise InputError(explain_failure("pull", pulled.output), title="dvc")
            target = base_project / path
            return target.read_text(encoding="utf-8") if pulled.returncode == 0 and target.is_file() else None
        finally:
            git(project, "worktree", "remove", "--force", str(tree), check=False)


def params_diff(project: Path, base: str) -> list[tuple[str, object, object]]:
    """(name, base, head) of every changed param; `file:name` when they come from several files."""
    data = json.loads(dvc(project, "params", "diff", base, "--json", echo=False, in_process=True).stdout or "{}")
    several = len(data) > 1
    return [
        (f"{file}:{name}" if several else name, change.get("old"), change.get("new"))
        for file, file_changes in data.items()
        for name, change in sorted(file_changes.items())
    ]


def plots_diff(project: Path, base: str | None, out_dir: Path | None = None) -> dict:
    """`dvc plots diff [base] --json`: every plot, head ("workspace") and base, with its data
    inlined in DVC's Vega-Lite spec; image plots are copied into `out_dir`."""
    args = ["plots", "diff", *([base] if base else []), "--json", *(["-o", str(out_dir)] if out_dir else [])]
    return json.loads(dvc(project, *args, echo=False, in_process=True).stdout or "{}")


def data_diff(project: Path, base: str) -> dict:
    """`dvc diff base --json`: the DVC-tracked files and outputs added, modified, deleted or renamed."""
    return json.loads(dvc(project, "diff", base, "--json", echo=False, in_process=True).stdout or "{}")
