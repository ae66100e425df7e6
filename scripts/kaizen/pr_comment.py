"""`actions/pr-comment`: one sticky comment per pull request and report, updated in place."""

from __future__ import annotations

import os
from pathlib import Path

from kaizen import gha
from kaizen.gha import InputError
from kaizen.github import GitHub, GitHubError, ReadOnlyToken
from kaizen.report import MARKER


def run() -> int:
    body_file = Path(gha.env_input("body-file"))
    if not body_file.is_file():
        raise InputError(f"body-file: {body_file.as_posix()!r} does not exist", title="body-file")
    number_text = gha.env_input("pull-request")
    if not number_text.isdigit():
        raise InputError(
            f"pull-request: {number_text!r} is not a pull request number; run on pull_request "
            "events or pass the number",
            title="pull-request",
        )
    marker = MARKER.format(name=gha.env_input("name") or "train")
    body = body_file.read_text(encoding="utf-8")
    if marker not in body:
        body = f"{marker}\n{body}"
    repository = gha.env_input("repository") or os.environ.get("GITHUB_REPOSITORY", "")
    client = GitHub(os.environ.get("KAIZEN_TOKEN", ""), os.environ.get("GITHUB_API_URL", "https://api.github.com"))
    try:
        action, comment = client.upsert_comment(repository, int(number_text), marker, body)
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
