"""`actions/changes`: ml-pipeline.yml's plan job. From the files a pull request or push changed,
decide cheaply which of the expensive jobs must run: a docs-only change skips training and the
image; only a push to the default branch builds, pushes and deploys.

Changed files come from `git diff --name-only <base> HEAD`: on a pull request GitHub checks out
the merge commit and the base is the base branch's commit, so that diff is exactly what the
pull request changes; on a push the base is the previous head of the branch. Without a base
(schedule, manual runs, a branch's first push, a force-push past history) everything runs.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kaizen import base as bases
from kaizen import gha, inputs, pipeline_files
from kaizen.base import NO_COMMIT
from kaizen.escape import md_code
from kaizen.gha import InputError
from kaizen.git import git

DEFAULT_DOCS_PATHS = ("*.md", "*.rst", "docs/*", "LICENSE", "LICENSE.*", ".github/ISSUE_TEMPLATE/*")


@dataclass
class Plan:
    run_training: bool
    build_image: bool
    docs_only: bool
    reason: str
    changed: list[str] = field(default_factory=list)
    pipeline_changed: bool = True


def parse_patterns(raw: str) -> list[str]:
    """One pattern per line or space-separated; `#` starts a comment."""
    patterns = []
    for line in raw.splitlines():
        line = line.split("#", 1)[0]
        patterns += line.split()
    for pattern in patterns:
        if pattern.startswith("/") or ".." in PurePosixPath(pattern).parts:
            raise InputError(
                f"docs-paths: {pattern!r} must be relative to the repository root, without '..'",
                title="docs-paths",
            )
    return patterns


def is_docs(path: str, patterns: list[str]) -> bool:
    """Like .gitignore: a pattern without a slash matches the file's name in any folder; one with
    a slash matches the path from the repository root, where `*` also crosses folders."""
    name = PurePosixPath(path).name
    for pattern in patterns:
        if "/" in pattern.rstrip("/"):
            if fnmatch.fnmatchcase(path, pattern.rstrip("/")):
                return True
        elif pattern.endswith("/"):
            if f"/{pattern}" in f"/{path}":
                return True
        elif fnmatch.fnmatchcase(name, pattern):
            return True
    return False


def changed_files(repo: Path, base: str) -> list[str] | None:
    """Files changed between `base` and HEAD, or None when the base commit isn't in the clone."""
    if base.startswith("-") or git(repo, "cat-file", "-e", f"{base}^{{commit}}", check=False).returncode != 0:
        return None
    listed = git(repo, "diff", "--name-only", "-z", "--end-of-options", base, "HEAD").stdout
    return sorted(name for name in listed.split("\0") if name)


def files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"


def plan(
    *,
    event: str,
    base: str,
    changed: list[str] | None,
    docs_patterns: list[str],
    on_default_branch: bool,
    train: bool,
    ship: bool,
    pipeline: pipeline_files.PipelineInputs | None = None,
    project: str = "",
    why_none: str = "",
) -> Plan:
    pushed_to_default = event == "push" and on_default_branch
    if changed is None:
        if why_none:
            why = why_none
        elif not base:
            why = f"a {event or 'manual'} run has no base to compare with"
        elif base == NO_COMMIT:
            why = "the branch's first push has no base to compare with"
        else:
            why = f"the base commit {base[:12]} is not in the clone (a force-push?)"
        return Plan(train, ship and pushed_to_default, False, f"everything runs: {why}")
    # A file a DVC stage depends on is never documentation, whatever its name (a prompt in
    # prompts/system.md trains): the pipeline's inputs are checked before the docs rule.
    touched = pipeline_touched(changed, pipeline, project)
    stage_inputs = set(touched or [])
    # An empty diff (an empty commit, a merge that changed nothing) has nothing to train either.
    if all(is_docs(path, docs_patterns) and path not in stage_inputs for path in changed):
        what = "no file changed" if not changed else f"only documentation changed ({files(len(changed))})"
        return Plan(False, False, True, f"{what}: training and the image are skipped", changed)
    reason = f"{files(len(changed))} changed" + (", not only documentation" if docs_patterns else "")
    looks_like_docs = sorted(p for p in stage_inputs if is_docs(p, docs_patterns))
    if looks_like_docs:
        reason += f" ({looks_like_docs[0]} looks like documentation but a DVC stage depends on it)"
    # On a push DVC would rerun no stage, and the outputs the last push trained are on the
    # remote. A pull request still trains: its report comment compares with the base.
    skip_training = train and event == "push" and touched == []
    if skip_training:
        reason += "; none is a dependency, params file or dvc.yaml of a DVC stage, so training is skipped"
    if ship and not pushed_to_default:
        reason += "; the image is built on pushes to the default branch only"
    return Plan(train and not skip_training, ship and pushed_to_default, False, reason, changed, touched != [])


def pipeline_touched(
    changed: list[str], pipeline: pipeline_files.PipelineInputs | None, project: str
) -> list[str] | None:
    """The changed files a DVC stage depends on; None when that cannot be told from the files
    (no pipeline read, or one whose inputs are not a fixed list), which counts as changed."""
    if pipeline is None or pipeline.always:
        return None
    prefix = "" if project in ("", ".") else project.rstrip("/") + "/"
    inside = [c.removeprefix(prefix) for c in changed if c.startswith(prefix)]
    return [prefix + c for c in pipeline.touched_by(inside)]


def context_path(context: str, relative: str) -> str:
    """A file given relative to the build context, relative to the repository root instead
    (the deploy job reads it from the checkout)."""
    if not relative:
        return ""
    joined = PurePosixPath(context or ".") / relative
    parts: list[str] = []
    for part in joined.parts:
        if part == "..":
            if not parts:
                raise InputError(f"smoke-request: {relative!r} leaves the repository", title="smoke-request")
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def summary(result: Plan) -> str:
    yes_no = {True: "runs", False: "skipped"}
    lines = [
        "### Pipeline plan",
        "",
        f"{result.reason}.",
        "",
        "| Job | |",
        "| --- | --- |",
        "| Lint and tests | runs |",
        f"| Training and report | {yes_no[result.run_training]} |",
        f"| Image and staging | {yes_no[result.build_image]} |",
    ]
    if result.changed:
        shown = result.changed[:20]
        more = f"\n- … and {len(result.changed) - len(shown)} more" if len(result.changed) > len(shown) else ""
        lines += ["", "<details><summary>Changed files</summary>", "", *[f"- {md_code(p, 300)}" for p in shown]]
        lines[-1] += more
        lines += ["", "</details>"]
    return "\n".join(lines)


def run() -> int:
    event = inputs.text("event-name")
    if not re.fullmatch(r"[a-z_]+", event):
        raise inputs.bad("event-name", f"{event!r} is not an event's name; pass github.event_name")
    ref_name = inputs.text("ref-name")
    force = inputs.boolean("force", False)
    decided = decide_base(event, ref_name, force)
    base = decided.sha
    default_branch = inputs.text("default-branch")
    raw_patterns = inputs.text("docs-paths")
    patterns = parse_patterns(raw_patterns) if raw_patterns else list(DEFAULT_DOCS_PATHS)
    context = inputs.text("context") or inputs.text("working-directory") or "."
    smoke_request = context_path(context, inputs.text("smoke-request"))
    train = inputs.boolean("train", True)
    ship = inputs.boolean("ship", True)
    scope = inputs.choice("scope", ("pipeline", "training"), "pipeline")
    repo = gha.workspace()
    project = posixpath.normpath(inputs.text("working-directory") or ".")
    if project.startswith(("/", "../")) or project == "..":
        raise inputs.bad("working-directory", f"{project!r} must be a folder inside the repository")
    changed, why_none = None, decided.why_none
    if force:
        why_none = "a forced run reruns every stage"
    elif base:
        found, why = bases.ensure(repo, base, inputs.secret("token").strip())  # the checkout is shallow
        if found:
            changed = changed_files(repo, found)
        else:
            why_none = f"the base commit {base[:12]} cannot be fetched (a force-push?): {why}"
    result = plan(
        event=event,
        base=base,
        changed=changed,
        # train.yml has always trained on any change; the docs-only rule is the pipeline's
        docs_patterns=patterns if scope == "pipeline" else [],
        on_default_branch=bool(ref_name) and ref_name == default_branch,
        train=train,
        ship=ship and scope == "pipeline",
        pipeline=read_pipeline(repo / project),
        project=project,
        why_none=why_none,
    )
    print(f"Plan: {result.reason}")
    for name, value in (
        ("train", result.run_training),
        ("ship", result.build_image),
        ("docs-only", result.docs_only),
        ("pipeline-changed", result.pipeline_changed),
    ):
        gha.set_output(name, "true" if value else "false")
    gha.set_output("changed-files", json.dumps(result.changed))
    # The base this plan compared with, for the report to compare with the same one.
    gha.set_output("base-sha", base)
    gha.set_output("base-label", decided.label)
    gha.set_output("context", context)
    gha.set_output("deploy-smoke-request", smoke_request)
    gha.add_summary(summary(result) if scope == "pipeline" else training_summary(result))
    return 0


def read_pipeline(project: Path) -> pipeline_files.PipelineInputs | None:
    """The inputs of the project's DVC stages, from the dvc.yaml files of the checkout; None
    without a readable pipeline (training then runs and says what is wrong)."""
    if not (project / "dvc.yaml").is_file():
        return None
    try:
        return pipeline_files.pipeline_inputs(pipeline_files.workspace_pipelines(project))
    except ImportError:  # the runner's python3 has no YAML library: the plan cannot tell, so training runs
        gha.warning(
            "the runner's python3 has no YAML library (PyYAML): every change counts as a pipeline change",
            title="changes",
        )
        return None
    except (OSError, UnicodeDecodeError, InputError):
        return None


def decide_base(event: str, ref_name: str, force: bool) -> bases.Base:
    """The run's base, from the event (base-sha, when given, overrides it)."""
    given = inputs.commit_sha("base-sha", "leave it empty: the base is read from the event")
    if given == NO_COMMIT:
        return bases.Base("", "", "the branch's first push has no base to compare with")
    if given:
        return bases.Base(given, ref_name or given[:12])
    return bases.from_environment(event, force=force)


def training_summary(result: Plan) -> str:
    verdict = "runs" if result.run_training else "is skipped"
    return f"### Training plan\n\nTraining {verdict}: {result.reason}.\n"
