"""`actions/train`: pull what the pipeline needs, reproduce only what changed, push new outputs."""

from __future__ import annotations

import json
import re

from kaizen import dvc, gha, inputs
from kaizen.gha import InputError
from kaizen.report.markdown import stages_sentence


def has_remote(project) -> bool:
    listed = dvc.dvc(project, "remote", "list", echo=False, check=False, in_process=True)
    return listed.returncode == 0 and bool(listed.output.strip())


def push_outputs(project) -> bool:
    """Push the outputs the remote lacks; True when something was sent."""
    result = dvc.dvc(project, "push", check=False, in_process=True)
    if result.returncode != 0:
        raise InputError(
            f"{dvc.explain_failure('push', result.output)}. What was sent stays on the remote; the outputs are "
            "in this runner's DVC cache only, so rerun the job to push the rest (dvc push sends only what is missing)",
            title="dvc push",
        )
    return not re.search(r"everything is up to date", result.output, re.IGNORECASE)


def run() -> int:
    _, project = inputs.working_directory()
    pull, force, push = inputs.boolean("pull", True), inputs.boolean("force", False), inputs.boolean("push", False)
    dvc.require_pipeline(project)
    remote = has_remote(project)
    if pull:
        if remote:
            dvc.pull(project)
        else:
            print("no DVC remote configured: nothing to pull", flush=True)
    # --force: a scheduled retrain reruns every stage even when no dependency changed.
    repro = ("repro", "--force") if force else ("repro",)
    result = dvc.parse_repro(dvc.dvc(project, *repro).output)
    changed = bool(result.ran or result.restored)
    gha.set_output("stages-ran", json.dumps(result.ran))
    gha.set_output("stages-restored", json.dumps(result.restored))
    gha.set_output("stages-skipped", json.dumps(result.skipped))
    gha.set_output("changed", "true" if changed else "false")
    pushed = False
    if push and not remote:
        gha.warning("push is on but the project has no DVC remote; outputs were not pushed", title="push")
    elif push:
        # Even when no stage ran: dvc push sends only what the remote lacks, so a rerun after a
        # push that failed half-way (a remote down, a disk full) completes it.
        pushed = push_outputs(project)
    gha.set_output("pushed", "true" if pushed else "false")
    gha.add_summary(
        "### Training\n\n"
        + stages_sentence(result.ran, result.restored, result.skipped)
        + (" New outputs pushed to the DVC remote." if pushed else "")
    )

    return 0
