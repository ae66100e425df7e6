"""`kaizen local`: run Kaizen's pipeline on a project on this machine, through the harness.

It makes a consumer repository from the project and a caller from `workflows/` (default the
whole loop, ml-pipeline.yml), starts what the caller needs (a registry that requires a login and
a staging host for the image and the deploy, a DVC remote, the GitHub API stand-in), runs the
caller with act, and ends by saying where the report, the image and staging are.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from kaizen import gha, smoke
from kaizen.gha import InputError
from kaizen_harness import act, consumer, repository, shipping, sources, timings, training
from kaizen_harness.github_api import GitHubAPIStandIn


def build_parser(prog: str = "kaizen local") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--project",
        type=Path,
        default=None,
        help="project folder to run on (default: example-project/); a git repository whose own "
        ".github/workflows call Kaizen runs those workflows on its files",
    )
    parser.add_argument(
        "--event",
        default="push",
        choices=("push", "pull_request"),
        help="push: a push to main (the whole loop, up to staging); pull_request: a pull request "
        "whose change is the project's uncommitted edits against --base, answered with the report comment",
    )
    parser.add_argument("--base", default="HEAD", help="pull_request: the project's revision the change is against")
    parser.add_argument(
        "--workflow",
        default=None,
        help="the example project: a caller template from workflows/ (default ml-pipeline.yml); your own "
        "repository: one of its workflows, e.g. .github/workflows/train.yml (default those the event triggers)",
    )
    parser.add_argument(
        "--python-versions",
        default="",
        help="JSON list of Python versions for the tests (default: the caller's, all supported versions)",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="where caches, artifacts and the DVC remote persist between runs (default: .kaizen-local/)",
    )
    parser.add_argument("--keep-running", action="store_true", help="keep staging up until Ctrl-C")
    parser.add_argument("--verbose", action="store_true", help="print every log line of every step")
    return parser


def main(argv: list[str] | None = None) -> int:
    """`kaizen local ARGS` (and the `kaizen-local` command): the harness's own entry point."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return run(args)
    except InputError as exc:
        return gha.fail(exc)
    except (act.HarnessError, sources.SourcesMissing) as exc:
        gha.error(str(exc), title="kaizen local")
        return 2
    except KeyboardInterrupt:
        return 130


class Progress:
    """Readable progress from act's JSON records: job starts and ends, errors and summaries."""

    def __init__(self, verbose: bool, out=None) -> None:
        self.verbose = verbose
        self.out = out or sys.stdout
        self.seen_summaries: set[tuple[str, str]] = set()

    def __call__(self, record: dict) -> None:
        job = record.get("job", "")
        msg = str(record.get("msg", "")).rstrip()
        if self.verbose:
            print(f"[{job}] {msg}", file=self.out, flush=True)
            return
        if record.get("jobResult"):
            mark = "✅" if record["jobResult"] == "success" else "❌"
            print(f"{mark} {job}: {record['jobResult']}", file=self.out, flush=True)
        elif record.get("stage") == "Main" and msg.startswith("⭐ Run"):
            print(f"   [{job}] {msg.removeprefix('⭐ Run Main ').strip()}", file=self.out, flush=True)
        elif record.get("command") == "summary":
            content = str(record.get("content", "")).rstrip()
            if (job, content) in self.seen_summaries:  # act reports a composite's summary twice
                return
            self.seen_summaries.add((job, content))
            for line in content.splitlines():
                print(f"      {line}", file=self.out, flush=True)
        elif record.get("level") in ("error", "fatal") and not record.get("command") and msg:
            print(f"      ❗ act: {msg}", file=self.out, flush=True)  # act's own errors, not a step's
        elif record.get("command") == "error":
            pairs = record.get("kvPairs") or {}
            where = f"{pairs['file']}:{pairs.get('line', '')} " if pairs.get("file") else ""
            print(f"      ❗ {where}{record.get('arg', '')}", file=self.out, flush=True)


def failure_reason(result: act.ActRun, failed: list) -> str:
    """Why a run failed, in one line: its failed jobs, or act's own last error when no job ran."""
    if failed:
        return "failed: " + ", ".join(f"{job.name} ({job.result})" for job in failed)
    errors = [str(r.get("msg", "")).strip() for r in result.records if r.get("level") in ("error", "fatal")]
    errors = [e for e in errors if e]
    last = errors[-1] if errors else f"act exited with {result.returncode}"
    return f"no job started: {last}" if not result.jobs() else last


def say(message: str) -> None:
    print(f"kaizen local: {message}", flush=True)


def project_change(project: Path, base: str) -> tuple[list[str], list[str]]:
    """The project's files changed (or new) and deleted in the working tree against `base`,
    relative to the project."""
    try:
        consumer.git(project, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    except InputError:
        raise SystemExit(f"--base: {project} is not in a git repository with a revision {base!r}") from None
    changed: list[str] = []
    deleted: list[str] = []
    diff = consumer.git(project, "diff", "--name-status", "--no-renames", "--relative", base, "--", ".")
    for line in diff.splitlines():
        status, path = line.split("\t", 1)
        (deleted if status == "D" else changed).append(path)
    changed += consumer.git(project, "ls-files", "--others", "--exclude-standard", "--", ".").splitlines()
    return sorted(changed), sorted(deleted)


def git_files(root: Path, revision: str) -> list[str]:
    return [n for n in consumer.git(root, "ls-tree", "-r", "--name-only", revision).splitlines() if n]


def export_revision(project: Path, base: str, dest: Path) -> None:
    """The project as committed at `base` (what main holds in the simulated repository)."""
    dest.mkdir(parents=True)
    # Run in a subdirectory, git archive takes that subtree, with paths relative to it.
    archive = subprocess.run(["git", "archive", "--format=tar", base], cwd=project, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)


def start_shipping(stack: ExitStack, tmp: Path, repo: Path, callers: dict[str, set[str]]):
    """A registry, a container engine and a staging host for the callers that ship (workflow
    file -> the Kaizen workflows it calls), each configured for them. (shipyard, variables, env)."""
    from kaizen_harness import containers

    say("starting a registry, a container engine and a staging host (sshd + compose)")
    stack.callback(containers.unmount_under, tmp)  # after the shipyard stops
    shipyard = containers.start_shipyard(tmp / "shipyard", password=secrets.token_hex(12))
    stack.callback(shipyard.stop)
    for workflow, calls in callers.items():
        shipping.configure(
            repo,
            workflow,
            shipyard,
            tmp / "staging-host",
            image_call="ml-pipeline.yml" if "ml-pipeline.yml" in calls else "container.yml",
            deploy_call="ml-pipeline.yml" if "ml-pipeline.yml" in calls else "deploy-staging.yml",
        )
    return shipyard, shipping.variables(shipyard), dict(shipyard.engine.env)


def event_payload(repo: Path, event: str, source: Path, changed: list[str], deleted: list[str]) -> dict:
    """The event's payload. For a pull request, the edits (files of `source`) become a commit on
    a branch of the consumer, against its main."""
    main = consumer.git(repo, "rev-parse", "HEAD")
    if event != "pull_request":
        return training.push_payload(main)
    consumer.git(repo, "checkout", "--quiet", "-b", "local-change")
    for name in changed:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, repo / name)
    for name in deleted:
        (repo / name).unlink(missing_ok=True)
    head = consumer.commit_all(repo, "Local change")
    return training.pull_request_payload(main, head, number=1, branch="local-change")


@dataclass
class Run:
    """What a caller's run with act needs, beyond the workflow and its payload."""

    repo: Path
    args: argparse.Namespace
    sandbox: act.Sandbox
    state: Path
    api: GitHubAPIStandIn
    token: str
    shipyard: object = None
    variables: dict = field(default_factory=dict)
    env: dict = field(default_factory=dict)

    def caller(self, workflow: str, payload: dict, label: str) -> bool:
        """Run one caller with act, print its progress and where its results are; whether it passed."""
        result = act.run_workflow(
            self.repo,
            self.args.event,
            self.sandbox,
            workflow=workflow,
            payload=payload,
            env={"GITHUB_API_URL": self.api.url, **self.env},
            secrets=shipping.secrets(self.shipyard, self.token) if self.shipyard else {"GITHUB_TOKEN": self.token},
            variables=self.variables,
            on_record=Progress(self.args.verbose),
        )
        failed = [job for job in result.jobs() if job.result != "success"]
        passed = result.returncode == 0 and not failed and bool(result.jobs())
        print(flush=True)
        show_timings(result, self.state / f"timings-{Path(workflow).stem}.json", workflow, self.args.event, passed)
        outcome = "passed" if passed else "FAILED"
        why = "" if passed else f" ({failure_reason(result, failed)})"
        say(f"{label}{outcome} in {result.seconds:.0f}s{why}; caches and artifacts in {self.state}")
        report_where(result, self.api, self.shipyard)
        return passed


def show_timings(result: act.ActRun, path: Path, workflow: str, event: str, passed: bool) -> None:
    """Where the run's time went: every job, its slowest steps and the critical path, printed and
    written as JSON to the state folder."""
    ran = timings.jobs(result.records)
    say(f"where the time went (seconds since act started; the whole table in {path}):")
    print(timings.table(ran, result.seconds), flush=True)
    timings.write(path, ran, result.seconds, workflow=workflow, event=event, passed=passed)


@dataclass
class Target:
    """What `kaizen local` runs: callers of Kaizen on a project's files. The example project (or
    any project without callers of its own) gets the caller template --workflow names from
    workflows/; a user's repository runs its own callers, on the files git tracks, with the
    DVC-tracked data of its workspace."""

    root: Path  # the project folder, or the repository's top level
    callers: list[repository.Caller]
    templates: list[str]  # caller templates copied into the consumer; none when the repository has its own
    own_data: bool  # a user's repository: tracked files and workspace DVC data, trained from there

    def where(self, caller: repository.Caller) -> str:
        if self.templates:
            return f"workflows/{caller.name} on {self.root}"
        return str(caller.path.relative_to(self.root))


def choose_target(args: argparse.Namespace) -> Target | None:
    """The target --project and --workflow name; None (after saying why) when there is none."""
    example = sources.example_project()
    project = args.project.resolve() if args.project else example
    root = repository.toplevel(project) if project.is_dir() and project != example else None
    if root is not None and repository.callers(root):
        return Target(root, repository.select(root, args.workflow or "", args.event), [], own_data=True)
    workflow = args.workflow or "ml-pipeline.yml"
    template = sources.templates() / workflow
    if not template.is_file():
        names = ", ".join(sorted(p.name for p in sources.templates().glob("*.yml")))
        say(f"--workflow: no template {workflow} in workflows/ (there are: {names})")
        return None
    return Target(project, [repository.read_caller(template)], [workflow], own_data=False)


def stage_files(target: Target, args: argparse.Namespace, tmp: Path) -> tuple[Path, list[str], list[str]]:
    """The project's files the consumer starts from, and for a pull request the edits made on
    top of them: (folder, changed, deleted)."""
    source = tmp / "source"
    changed: list[str] = []
    deleted: list[str] = []
    if args.event == "pull_request":
        changed, deleted = project_change(target.root, args.base)
        export_revision(target.root, args.base, source)
        say(f"pull request: {len(changed)} changed and {len(deleted)} deleted files against {args.base}")
        if not changed and not deleted:
            say(
                f"the project has no edits against {args.base}, so the plan will skip training and no "
                "comment is posted; edit it (params.yaml, say) or pass an older --base"
            )
        names = git_files(target.root, args.base) if target.own_data else []
    elif target.own_data:
        source.mkdir()
        names = repository.export_tracked(target.root, source)
    else:
        return target.root, changed, deleted  # as it is; the consumer leaves out its build products
    if target.own_data:
        for sub in repository.dvc_projects(names):
            copied, missing = repository.copy_dvc_data(target.root / sub, source / sub)
            say(f"DVC project {sub or '.'}: {len(copied)} tracked output(s) from the workspace")
            for name in missing:
                where = f"{sub}/{name}" if sub else name
                say(f"  {where} is not in the workspace; it is pulled from the project's remote")
    return source, changed, deleted


def train(target: Target, repo: Path, state: Path) -> None:
    """Train each DVC project a caller trains, as its developer would, with its own dependencies,
    and push to a DVC remote in the state folder: the starting point of the workflows' runs."""
    trained = set()
    for caller in target.callers:
        for inputs in caller.training_inputs():
            sub = str(inputs.get("working-directory", ".")).strip("/")
            sub = "" if sub in ("", ".") else sub
            if sub in trained:
                continue
            trained.add(sub)
            say(f"training {sub or 'the project'} as its developer would (dvc repro, dvc push to a local remote)")
            project = target.root / sub if sub else target.root
            # Named after the project, stably (hash() differs per process), so a second run reuses it.
            venv = state / f"developer-venv-{hashlib.sha1(f'{target.root}:{sub}'.encode()).hexdigest()[:12]}"
            python = training.developer_python(venv, project=project, requirements=repository.requirements_of(inputs))
            if target.own_data:
                training.train_local(repo / sub if sub else repo, python, str(state / "dvc-remote" / (sub or "root")))
            else:
                training.train_and_push(repo, python, str(state / "dvc-remote"))


def run(args: argparse.Namespace) -> int:
    """The one run path: a consumer repository made from the target, trained, with what its
    callers need started, each caller run with act."""
    state = (args.state_dir or Path.cwd() / ".kaizen-local").resolve()
    target = choose_target(args)
    if target is None:
        return 2
    for caller in target.callers:
        refused = repository.call_problems(caller, sources.kaizen_root())
        if refused:  # GitHub fails such a run before any job starts
            raise InputError("; ".join(refused), title=target.where(caller))
        missing = repository.stand_ins_missing(caller.path)
        if missing:
            raise InputError(
                f"{target.where(caller)} uses {', '.join(missing)}, which kaizen local cannot run "
                "offline (it has stand-ins for actions/checkout, setup-python, cache, upload- and "
                "download-artifact, astral-sh/setup-uv and docker/*); run another workflow with --workflow"
            )
    # Callers that ship (file -> the Kaizen workflows it calls); a pull request builds no image.
    ships = {c.name: c.called() for c in target.callers if c.called() & repository.SHIPPING_WORKFLOWS}
    ships = ships if args.event == "push" else {}
    versions = json.loads(args.python_versions) if args.python_versions else ["3.10", "3.11", "3.12", "3.13"]
    problems = repository.prerequisites(bool(ships), versions + ["3.12"])
    if problems:
        for problem in problems:
            say(problem)
        return 2
    sandbox = act.Sandbox(state)
    token = f"ghs_local_{secrets.token_hex(8)}"
    passed = True
    with tempfile.TemporaryDirectory(prefix="kaizen-local-") as tmp_name, ExitStack() as stack:
        tmp = Path(tmp_name)
        source, changed, deleted = stage_files(target, args, tmp)
        ignore = shutil.ignore_patterns(".git") if target.own_data else None
        repo = consumer.create_consumer(tmp / "consumer", target.templates, project=source, ignore=ignore)
        if args.python_versions:
            for caller in target.callers:
                for call in caller.calls.values():
                    if call["workflow"] in {"ci.yml", "ml-pipeline.yml"}:
                        consumer.set_inputs(
                            repo, caller.name, {"python-versions": args.python_versions}, call["workflow"]
                        )
        train(target, repo, state)
        shipyard, variables, env = start_shipping(stack, tmp, repo, ships) if ships else (None, {}, {})
        api = stack.enter_context(GitHubAPIStandIn(token))
        payload = event_payload(repo, args.event, target.root, changed, deleted)
        runner = Run(repo, args, sandbox, state, api, token, shipyard, variables, env)
        for caller in target.callers:
            say(f"running {target.where(caller)} ({args.event}) with act")
            label = f"{caller.name}: " if len(target.callers) > 1 else ""
            passed = runner.caller(caller.name, payload, label) and passed
        if passed and shipyard and args.keep_running:
            say(f"staging keeps serving {shipyard.staging_url}; Ctrl-C stops it")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return 0 if passed else 1


def report_where(result: act.ActRun, api: GitHubAPIStandIn, shipyard) -> None:
    """Where the run's results are: the report, the pull request comment, the image, staging."""
    report = result.artifacts / "model-report" / "report.md"
    if report.is_file():
        say(f"model report: {report} (and its plots beside it)")
    for (owner, repo, number), comments in sorted(api.state.comments.items()):
        for comment in comments:
            say(f"comment on pull request {owner}/{repo}#{number}, as it appears there:")
            print("─" * 72)
            print(comment["body"].rstrip())
            print("─" * 72, flush=True)
    digests = [
        value
        for _, key, value in result.outputs(step="Build, smoke-test and push the image")
        if key == "image-ref" and value
    ]
    if digests:
        say(f"image pushed: {digests[-1]}")
    if shipyard is not None:
        deployed = [d for d, states in api.state.deployment_log("acme", "consumer") if states[-1:] == ["success"]]
        if deployed:
            status, body = smoke.call(f"{shipyard.staging_url}/metadata", timeout=10)
            image = deployed[-1]["payload"]["image_ref"]
            if status == 200:
                serving = str(json.loads(body).get("git_sha", "?"))[:12]
                say(f"staging: {shipyard.staging_url} serves {image} (commit {serving})")
            else:  # /metadata is the Dockerfile template's; a service of its own may have none
                say(
                    f"staging: {shipyard.staging_url} serves {image}; it answers GET /metadata with HTTP {status}, "
                    "so which commit it runs cannot be shown (the Dockerfile template's service has /metadata)"
                )
        else:
            say("staging: nothing deployed in this run")
