"""`actions/drift-alert`: what a drift breach does. It dispatches the retrain workflow (its pull
request closes the loop), or, when retraining is off, opens ONE issue with the drift report and
updates that same issue on every later breach (found by its label and a hidden marker, never
duplicated). A run without a breach does nothing."""

from __future__ import annotations

import os
import re

from kaizen import gha, inputs
from kaizen.github import GitHub, GitHubError
from kaizen.report.comment import fit_comment

ACTIONS = ("retrain", "issue", "none")
WORKFLOW_FILE = re.compile(r"^[A-Za-z0-9._-]{1,100}\.ya?ml$")
MARKER = "<!-- kaizen-drift -->"
TITLE = "Drift: the data the model serves has moved away from its training data"


def run() -> int:
    breached = inputs.boolean("breached", False)
    action = inputs.choice("on-breach", ACTIONS, "retrain")
    report = inputs.text("report") or "The drift thresholds were breached.\n"
    workflow = inputs.text("retrain-workflow", "retrain.yml")
    if not WORKFLOW_FILE.match(workflow):
        raise inputs.bad("retrain-workflow", f"{workflow!r} is not a workflow file name; give e.g. retrain.yml")
    ref = inputs.git_ref("ref") or os.environ.get("GITHUB_REF_NAME", "") or "main"
    label = inputs.identifier("label", "kaizen-drift", "the issue's label")
    repository = inputs.repository("repository")
    token = inputs.secret("token")
    if not token.strip():
        raise inputs.bad("token", "missing; pass a token that may write issues or dispatch workflows")
    run_url = inputs.text("run-url")
    if not breached or action == "none":
        gha.set_output("action", "none")
        print(f"drift-alert: {'no breach' if not breached else 'on-breach is none'}; nothing to do")
        return 0
    api = GitHub(token, os.environ.get("GITHUB_API_URL", "https://api.github.com"))
    try:
        if action == "retrain":
            api.dispatch_workflow(repository, workflow, ref)
            gha.set_output("action", "retrain")
            gha.add_summary(f"Drift breached: dispatched `{workflow}` on `{ref}` to retrain.\n")
            print(f"drift-alert: dispatched {workflow} on {ref}")
            return 0
        footer = f"\n\n[The drift run]({run_url})\n" if run_url.startswith("https://") else ""
        body = fit_comment(f"{MARKER}\n{report}{footer}", "the `drift-report` artifact")
        how, issue = api.upsert_issue(repository, label, MARKER, TITLE, body)
    except GitHubError as error:
        raise gha.InputError(
            f"token: GitHub refused the drift alert ({error}); give the job "
            f"{'actions: write' if action == 'retrain' else 'issues: write'}",
            title="token",
        ) from None
    gha.set_output("action", "issue")
    gha.set_output("issue", str(issue["number"]))
    gha.add_summary(f"Drift breached: {how} issue #{issue['number']}.\n")
    print(f"drift-alert: {how} issue #{issue['number']}")
    return 0
