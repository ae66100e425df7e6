"""`actions/pr-comment`: one sticky comment per pull request and report, updated in place."""

from __future__ import annotations

import os
from pathlib import Path

from kaizen import gha, inputs, untrusted
from kaizen.github import BOT, GitHub, GitHubError, ReadOnlyToken
from kaizen.report.comment import MARKER, fit_comment
from kaizen.report.markdown import build_markdown
from kaizen.report.schema import from_results


def number_from_file(path: Path | None) -> str:
    """The pull request number metrics-report wrote next to the report (pull-request.json)."""
    if path is None:
        return ""
    data = untrusted.load_json(path, path.name, title="pull-request-file", confined=False)
    number = data.get("number") if isinstance(data, dict) else None
    if number is not None and not (isinstance(number, int) and not isinstance(number, bool)):
        raise inputs.bad("pull-request-file", f"{path.name!r} is not the pull-request.json of a report")
    return str(number) if number is not None else ""


def body_from_results(path: Path, name: str) -> str:
    """The report re-made from a results.json (a fork's artifact): only what Kaizen's format
    holds, every text escaped, never the Markdown the artifact carries."""
    data = untrusted.load_json(path, path.name, title="results-file", confined=False)
    try:
        return build_markdown(from_results(data, name))
    except ValueError as error:
        raise inputs.bad(
            "results-file", f"{path.name!r} is not the results.json of a Kaizen report ({error}); nothing was posted"
        ) from None


def run() -> int:
    results_file = inputs.file("results-file", what="give the results.json of a Kaizen report", temp_ok=True)
    body_file = None if results_file else inputs.file("body-file", what="give the report.md to post", temp_ok=True)
    if results_file is None and body_file is None:
        raise inputs.bad("body-file", "missing; give the report.md to post (or results-file)")
    numbers = inputs.file("pull-request-file", what="give the pull-request.json of a report", temp_ok=True)
    number = inputs.pull_request("pull-request", inputs.text("pull-request") or number_from_file(numbers))
    name = inputs.report_name("name")
    repository = inputs.repository("repository")
    token = inputs.secret("token")
    if not token.strip():
        raise inputs.bad("token", "empty; pass a token with pull-requests write permission (default github.token)")
    expected_head = inputs.commit_sha("head-sha", "pass the head commit of the run that made the report")
    marker = MARKER.format(name=name)
    body = body_from_results(results_file, name) if results_file else body_file.read_text(encoding="utf-8")
    if marker not in body:
        body = f"{marker}\n{body}"
    client = GitHub(token, os.environ.get("GITHUB_API_URL", "https://api.github.com"))
    try:
        if expected_head:
            # The number came from an artifact a fork could write: comment only on the pull
            # request whose head is the commit the triggering run built.
            head = client.pull_request_head(repository, number)
            if head != expected_head:
                raise inputs.bad(
                    "pull-request",
                    f"#{number} has head {head[:12]}, not {expected_head[:12]}; "
                    "refusing to comment on another pull request",
                )
        author = inputs.text("comment-author", BOT)
        action, comment = client.upsert_comment(repository, number, marker, fit_comment(body), author)
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
