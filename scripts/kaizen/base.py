"""The comparison base of a run, decided once, from the event that started it.

ml-pipeline.yml's plan, train.yml's plan and the model report all compare with the same base,
and all of them get it here (they used to derive it in three YAML expressions with three
meanings, then fetch it in two places):

- a pull request compares with its base branch's commit (`pull_request.base.sha`): GitHub
  checks out the merge commit, so the diff is what the pull request changes;
- a push compares with the branch's previous head (`before`), unless that is all zeros (the
  branch's first push has nothing before it):
  https://docs.github.com/en/webhooks/webhook-events-and-payloads#push
- a forced run (a scheduled retrain) that is neither compares with the commit it runs on: the
  report then shows what retraining on today's data changed against the committed metrics;
- anything else (schedule, manual runs) has no base.

The base commit is then fetched into the clone when it is not there (Kaizen's checkouts are
shallow), with the job's token: a private repository refuses an anonymous fetch, and the
checkouts keep no credentials (persist-credentials: false).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from kaizen import git, untrusted
from kaizen.gha import InputError

NO_COMMIT = "0" * 40
SHA = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class Base:
    sha: str  # the commit to compare with; "" when the run has none
    label: str  # how the report names it: the base branch, or the branch the run is on
    why_none: str = ""  # when there is no base, why (for the plan's summary)


def decide(event_name: str, payload: dict, *, force: bool = False, head_sha: str = "", ref_name: str = "") -> Base:
    """The base of a run started by `event_name` with the event's `payload`."""
    if event_name in ("pull_request", "pull_request_target"):
        base = untrusted.event_object(payload, "pull_request", "base")
        sha, label = str(base.get("sha") or ""), str(base.get("ref") or "")
        if SHA.fullmatch(sha):
            return Base(sha, label or sha[:12])
        return Base("", "", "the pull request's event carries no base commit")
    if event_name == "push":
        before = str(payload.get("before") or "")
        if SHA.fullmatch(before) and before != NO_COMMIT:
            return Base(before, ref_name or before[:12])
        if not force:
            return Base("", "", "the branch's first push has no base to compare with")
    if force and SHA.fullmatch(head_sha):
        return Base(head_sha, ref_name or head_sha[:12])
    return Base("", "", f"a {event_name or 'manual'} run has no base to compare with")


def from_environment(event_name: str = "", *, force: bool = False) -> Base:
    """The base of the running job, from the event payload GitHub writes to GITHUB_EVENT_PATH:
    https://docs.github.com/en/actions/reference/workflows-and-actions/variables#default-environment-variables"""
    event_name = event_name or os.environ.get("GITHUB_EVENT_NAME", "")
    payload = untrusted.event_payload()
    return decide(
        event_name,
        payload,
        force=force,
        head_sha=os.environ.get("GITHUB_SHA", ""),
        ref_name=os.environ.get("GITHUB_REF_NAME", ""),
    )


def server_url() -> str:
    return os.environ.get("GITHUB_SERVER_URL") or "https://github.com"


def ensure(repo: Path, rev: str, token: str = "") -> tuple[str | None, str]:
    """(the commit `rev` names, "") with `rev` a SHA or a branch or tag of origin, fetched first
    when the clone lacks it; (None, why) when it cannot be fetched."""
    if rev.startswith("-"):
        return None, f"{rev!r} is not a revision"
    found = (
        git.commit_of(repo, rev)
        if SHA.fullmatch(rev)
        else git.commit_of(repo, f"origin/{rev}") or git.commit_of(repo, rev)
    )
    if found:
        return found, ""
    why = ""
    if not SHA.fullmatch(rev):  # a branch: keep it as origin/<branch>, as a full clone would
        fetched = git.fetch(repo, f"+refs/heads/{rev}:refs/remotes/origin/{rev}", token=token, server_url=server_url())
        if fetched.returncode == 0:
            return git.commit_of(repo, f"origin/{rev}"), ""
        why = fetched.stderr.strip()
    fetched = git.fetch(repo, rev, token=token, server_url=server_url())  # a commit or a tag
    if fetched.returncode == 0:
        return git.commit_of(repo, "FETCH_HEAD"), ""
    lines = (fetched.stderr.strip() or why).splitlines()
    return None, lines[-1] if lines else "not found"


def require(repo: Path, rev: str, token: str = "", *, what: str = "base-ref") -> str:
    """Like ensure, but a base that cannot be fetched is an error naming the input."""
    found, why = ensure(repo, rev, token)
    if found is None:
        hint = (
            ""
            if token
            else ("; pass the job's token (token: ${{ github.token }}): a private repository refuses anonymous fetches")
        )
        raise InputError(f"{what}: cannot fetch {rev!r} from origin ({why}){hint}", title=what)
    return found
