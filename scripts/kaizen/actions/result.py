"""`actions/result`: the one check a branch protection rule requires of a reusable workflow
(ci.yml's "CI result", ml-pipeline.yml's "Pipeline result"). It reads the `needs` context of its
job and fails unless every job passed; a job the caller turned off or the plan left out may be
skipped. Cancelled counts as not passed: a cancelled run must not merge."""

from __future__ import annotations

import json

from kaizen import gha, inputs
from kaizen.escape import md_code, md_text

# A job's result in the needs context.
# https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#needs-context
RESULTS = ("success", "failure", "cancelled", "skipped")
NEEDS_HINT = "pass ${{ toJSON(needs) }}"


def job_results() -> dict[str, str]:
    """job id -> result, from the needs context as JSON."""
    raw = inputs.required("needs", NEEDS_HINT)
    try:
        needs = json.loads(raw)
    except ValueError:
        raise inputs.bad("needs", f"{raw[:80]!r} is not JSON; {NEEDS_HINT}") from None
    if not isinstance(needs, dict) or not needs:
        raise inputs.bad("needs", f"expected a JSON object with a key per job; {NEEDS_HINT}")
    results = {}
    for job, entry in needs.items():
        result = entry.get("result") if isinstance(entry, dict) else None
        if result not in RESULTS:
            raise inputs.bad("needs", f"job {job!r} has no result ({', '.join(RESULTS)}); {NEEDS_HINT}")
        results[job] = result
    return results


def required_jobs(jobs: list[str]) -> dict[str, bool]:
    """job id -> whether it must have run (skipped then fails the check); a job not named is."""
    raw = inputs.text("required")
    example = 'e.g. {"lint": true, "test": false}'
    try:
        given = json.loads(raw) if raw else {}
    except ValueError:
        raise inputs.bad(
            "required", f"{raw[:80]!r} is not JSON; give a JSON object of job: true/false, {example}"
        ) from None
    if not isinstance(given, dict) or not all(isinstance(v, bool) for v in given.values()):
        raise inputs.bad("required", f"expected a JSON object of job: true/false, {example}")
    unknown = sorted(set(given) - set(jobs))
    if unknown:
        raise inputs.bad(
            "required", f"{unknown[0]!r} is not a job this one needs ({', '.join(jobs)}); name a job of needs"
        )
    return {job: given.get(job, True) for job in jobs}


def passed(result: str, required: bool) -> bool:
    return result == "success" or (result == "skipped" and not required)


def summary(workflow: str, results: dict[str, str], required: dict[str, bool]) -> str:
    verdict = "✅ passed" if all(passed(r, required[job]) for job, r in results.items()) else "❌ failed"
    lines = [f"### {md_text(workflow)} result: {verdict}", "", "| Job | Result | Must run |", "| --- | --- | --- |"]
    for job, result in results.items():
        mark = ("✅" if result == "success" else "⏭️") if passed(result, required[job]) else "❌"
        lines.append(f"| {md_code(job)} | {mark} {result} | {'yes' if required[job] else 'no'} |")
    return "\n".join(lines)


def run() -> int:
    workflow = inputs.identifier("workflow", "", "a workflow name")
    results = job_results()
    required = required_jobs(list(results))
    for job, result in results.items():
        print(f"{job}: {result}", flush=True)
    gha.add_summary(summary(workflow, results, required))
    failed = [f"{job} ({result})" for job, result in results.items() if not passed(result, required[job])]
    if failed:
        gha.error(
            f"{len(failed)} job(s) did not pass: {', '.join(failed)}; each job's own log says why",
            title=f"{workflow} result",
        )
        return 1
    return 0
