"""`actions/report-images`: the image plots of a model report, inline in its pull request
comment. The images go to a branch of their own (default kaizen-report-images, no common
history with the code) through GitHub's Git data API, one folder per run, the oldest folders
pruned; the comment then shows them by commit SHA. Opt-in: it needs `contents: write`, and it
never runs for a pull request from a fork."""

from __future__ import annotations

import os
import re
from pathlib import Path

from kaizen import gha, inputs, untrusted
from kaizen.github import BOT, GitHub, GitHubError
from kaizen.report.comment import IMAGE, MARKER, fit_comment

TYPES = {".png", ".jpg", ".jpeg", ".gif", ".svg"}
BRANCH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def from_fork() -> bool:
    """Whether the event is a pull request whose head lives in another repository."""
    pull = untrusted.event_object(untrusted.event_payload(), "pull_request")
    head = untrusted.event_object(pull, "head", "repo").get("full_name")
    base = untrusted.event_object(pull, "base", "repo").get("full_name")
    return bool(head and base and head != base)


def images_of(report: str, report_dir: Path) -> list[tuple[str, str, Path]]:
    """(marker, who, file) of each image the report marks, each a file inside the report's folder."""
    found = []
    for match in IMAGE.finditer(report):
        path = (report_dir / match["path"]).resolve()
        if not path.is_relative_to(report_dir.resolve()) or path.suffix.lower() not in TYPES or not path.is_file():
            raise inputs.bad("report-dir", f"{match['path']!r} is not an image of the report")
        found.append((match.group(0), match["who"], path))
    return found


def folder_key(name: str) -> tuple[int, str]:
    number = re.match(r"\d+", name)
    return (int(number.group(0)) if number else -1, name)


def publish(client: GitHub, repository: str, branch: str, folder: str, files: list[Path], keep: int) -> str:
    """Commit `files` into `folder` on `branch`, keeping the newest `keep` folders; the commit."""
    blobs = {path.name: client.create_blob(repository, path.read_bytes()) for path in files}
    entries = [{"path": name, "mode": "100644", "type": "blob", "sha": sha} for name, sha in sorted(blobs.items())]
    run_tree = client.create_tree(repository, entries)
    head = client.branch_head(repository, branch)
    folders = []
    if head:
        folders = [
            e for e in client.tree_entries(repository, client.commit_tree(repository, head)) if e["type"] == "tree"
        ]
        folders = [e for e in folders if e["path"] != folder]
    kept = sorted(folders, key=lambda e: folder_key(e["path"]))[-(keep - 1) :] if keep > 1 else []
    top = [{"path": e["path"], "mode": "040000", "type": "tree", "sha": e["sha"]} for e in kept]
    top.append({"path": folder, "mode": "040000", "type": "tree", "sha": run_tree})
    tree = client.create_tree(repository, top)
    commit = client.create_commit(repository, f"Report images of run {folder}", tree, [head] if head else [])
    client.set_branch(repository, branch, commit, exists=head is not None)
    return commit


def run() -> int:
    report_dir = inputs.folder("report-dir", "", what="give the folder metrics-report wrote", temp_ok=True)
    report_file = report_dir / "report.md"
    if not report_file.is_file():
        raise inputs.bad("report-dir", f"{inputs.text('report-dir')!r} holds no report.md")
    branch = inputs.text("branch", "kaizen-report-images")
    if not BRANCH.match(branch):
        raise inputs.bad("branch", f"{branch!r} is not a branch name Kaizen writes to")
    keep = inputs.integer("keep", 20)
    number = inputs.pull_request("pull-request")
    marker = MARKER.format(name=inputs.report_name("name"))
    repository = inputs.repository("repository")
    token = inputs.secret("token")
    if not token.strip():
        raise inputs.bad("token", "empty; pass a token with contents and pull-requests write permission")
    if from_fork():
        gha.warning("a pull request from a fork: its images are not written to this repository", title="report-images")
        return 0
    report = report_file.read_text(encoding="utf-8")
    images = images_of(report, report_dir)
    if not images:
        print("the report has no image plots", flush=True)
        return 0
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    folder = f"{os.environ.get('GITHUB_RUN_ID', '0')}-{os.environ.get('GITHUB_RUN_ATTEMPT', '1')}"
    client = GitHub(token, os.environ.get("GITHUB_API_URL", "https://api.github.com"))
    try:
        commit = publish(client, repository, branch, folder, [path for _, _, path in images], keep)
        for tag, who, path in images:
            url = f"{server}/{repository}/raw/{commit}/{folder}/{path.name}"
            report = report.replace(tag, f"![{path.stem} ({who})]({url})")
        report = fit_comment(report)
        author = inputs.text("comment-author", BOT)
        comment = client.find_comment(repository, int(number), marker, author)
        if comment is None:
            client.upsert_comment(repository, int(number), marker, report, author)
        else:
            client.request("PATCH", f"/repos/{repository}/issues/comments/{comment['id']}", {"body": report})
    except GitHubError as error:
        gha.error(
            f"putting the report's images inline failed: {error}; they stay in the artifact", title="report-images"
        )
        return 1
    print(f"{len(images)} image(s) on {branch} at {commit[:12]}, shown in the comment", flush=True)
    gha.set_output("commit", commit)
    return 0
