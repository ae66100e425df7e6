"""`actions/pr-comment`: one sticky comment per pull request and report, updated in place."""

from __future__ import annotations

import json
import os
from pathlib import Path

from kaizen import gha, report
from kaizen.gha import InputError
from kaizen.github import GitHub, GitHubError, ReadOnlyToken, valid_repository
from kaizen.report import MARKER, fit_comment, report_name


def number_from_file(path: str) -> str:
    """The pull request number metrics-report wrote next to the report (pull-request.json)."""
    if not path:
        return ""
    try:
        number = json.loads(Path(path).read_text(encoding="utf-8")).get("number")
    except (OSError, ValueError, AttributeError):
        raise InputError(
            f"pull-request-file: {path!r} is not the pull-request.json of a report", title="pull-request-file"
        ) from None
    return str(number) if isinstance(number, int) else ""


def body_from_results(path: str, name: str) -> str:
    """The report re-made from a results.json (a fork's artifact): only what Kaizen's format
    holds, every text escaped, never the Markdown the artifact carries."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return report.build_markdown(report.from_results(data, name))
    except (OSError, ValueError) as error:
        raise InputError(
            f"results-file: {path!r} is not the results.json of a Kaizen report ({error}); nothing was posted",
            title="results-file",
        ) from None


def run() -> int:
    results_file = gha.env_input("results-file")
    body_file = Path(gha.env_input("body-file"))
    if not results_file and not body_file.is_file():
        raise InputError(f"body-file: {body_file.as_posix()!r} does not exist", title="body-file")
    number_text = gha.env_input("pull-request") or number_from_file(gha.env_input("pull-request-file"))
    if not gha.is_number(number_text):
        raise InputError(
            f"pull-request: {number_text!r} is not a pull request number; run on pull_request "
            "events or pass the number",
            title="pull-request",
        )
    name = report_name(gha.env_input("name"), "name")
    marker = MARKER.format(name=name)
    body = body_from_results(results_file, name) if results_file else body_file.read_text(encoding="utf-8")
    if marker not in body:
        body = f"{marker}\n{body}"
    repository = gha.env_input("repository") or os.environ.get("GITHUB_REPOSITORY", "")
    if not valid_repository(repository):
        raise InputError(f"repository: {repository!r} is not a repository's owner/name", title="repository")
    token = os.environ.get("KAIZEN_TOKEN", "")
    if not token:
        raise InputError("token: empty; pass a token with pull-requests write permission (default github.token)",
                         title="token")  # fmt: skip
    client = GitHub(token, os.environ.get("GITHUB_API_URL", "https://api.github.com"))
    try:
        expected_head = gha.env_input("head-sha")
        if expected_head:
            # The number came from an artifact a fork could write: comment only on the pull
            # request whose head is the commit the triggering run built.
            head = client.pull_request_head(repository, int(number_text))
            if head != expected_head:
                raise InputError(
                    f"pull-request: #{number_text} has head {head[:12]}, not {expected_head[:12]}; "
                    "refusing to comment on another pull request",
                    title="pull-request",
                )
        action, comment = client.upsert_comment(repository, int(number_text), marker, fit_comment(body))
    except ReadOnlyToken as error:
        # A fork's pull request gets a read-only token: the report stays in the step summary and
        # the artifact, and workflows/comment-from-fork.yml posts it from the base repository.
        gha.warning(
            f"cannot comment ({error.message}); the report is in the step summary and the artifact", title="pr-comment"
        )
        gha.set_output("action", "skipped")
        return 0
    except GitHubError as error:
        gha.error(
            f"posting the report failed: {error}; the report is in the step summary and the artifact",
            title="pr-comment",
        )
        return 1
    print(f"{action} comment {comment['id']}: {comment.get('html_url', '')}", flush=True)
    gha.set_output("action", action)
    gha.set_output("comment-id", str(comment["id"]))
    gha.set_output("comment-url", comment.get("html_url", ""))
    return 0
