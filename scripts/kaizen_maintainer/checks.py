"""The check names a team requires in branch protection, as GitHub shows them.

GitHub names a job of a called (reusable) workflow `<caller job> / <called job>`: the caller
job's `name:` (else its id), then the called job's `name:`; the called workflow's own name is
not part of it (act shows `caller/workflow/job`, which no branch protection rule would match).
https://docs.github.com/en/actions/sharing-automations/reusing-workflows
The documentation's "Require the check ..." sentences are checked against these names."""

from __future__ import annotations

from pathlib import Path

import yaml

KAIZEN_WORKFLOW = "kaizen-ci/kaizen/.github/workflows/"


def check_name(caller_job: str, called_job: str) -> str:
    return f"{caller_job} / {called_job}"


def result_job_name(workflow: Path) -> str | None:
    """The `name:` of a reusable workflow's aggregate result job (the one needing every other)."""
    jobs = (yaml.safe_load(workflow.read_text(encoding="utf-8")) or {}).get("jobs") or {}
    for job_id, job in jobs.items():
        needs = job.get("needs") or []
        needs = [needs] if isinstance(needs, str) else needs
        if len(jobs) > 1 and sorted(needs) == sorted(set(jobs) - {job_id}):
            return job.get("name") or job_id
    return None


def required_checks(root: Path) -> dict[str, str]:
    """Caller template -> the one check to require, for each template of workflows/ calling a
    Kaizen workflow that has a result job."""
    found = {}
    for template in sorted((root / "workflows").glob("*.yml")):
        jobs = (yaml.safe_load(template.read_text(encoding="utf-8")) or {}).get("jobs") or {}
        for job_id, job in jobs.items():
            uses = str(job.get("uses") or "")
            if not uses.startswith(KAIZEN_WORKFLOW):
                continue
            called = root / ".github" / "workflows" / uses.removeprefix(KAIZEN_WORKFLOW).split("@")[0]
            result = result_job_name(called) if called.is_file() else None
            if result:
                found[template.name] = check_name(job.get("name") or job_id, result)
    return found
