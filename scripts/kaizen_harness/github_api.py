"""A local stand-in for the part of GitHub's REST API Kaizen uses (issue comments), on
loopback. Every request and every response it sends is checked against GitHub's OpenAPI
description; a request the real API would not accept is answered 422 and recorded."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from kaizen_harness.openapi import GitHubRestAPI


@dataclass
class Call:
    method: str
    path: str
    operation: str
    status: int
    body: object
    problems: list[str]


@dataclass
class State:
    token: str
    comments: dict[tuple[str, str, int], list[dict]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    read_only: bool = False  # answer writes like GitHub does for a fork's read-only token
    # Faults to answer the next requests with: (status, extra headers), e.g. (502, {}) or a
    # rate limit (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "<epoch>"}).
    failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    pulls: dict[tuple[str, str, int], str] = field(default_factory=dict)  # open pull requests -> head SHA
    next_id: int = 1000
    deployments: dict[tuple[str, str], list[dict]] = field(default_factory=dict)  # newest first
    deployment_statuses: dict[int, list[dict]] = field(default_factory=dict)  # newest first
    git_objects: dict[str, dict] = field(default_factory=dict)  # sha -> blob, tree or commit
    git_refs: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (owner, repo, ref) -> sha
    issues: dict[tuple[str, str], list[dict]] = field(default_factory=dict)  # oldest first
    dispatches: list[dict] = field(default_factory=list)  # workflow_dispatch requests: workflow, ref, inputs

    def git_files(self, owner: str, repo: str, branch: str) -> dict[str, bytes]:
        """path -> content of every file on a branch, for the tests to read back."""
        files: dict[str, bytes] = {}
        head = self.git_refs.get((owner, repo, f"refs/heads/{branch}"))
        if head is None:
            return files

        def walk(tree_sha: str, prefix: str) -> None:
            for entry in self.git_objects[tree_sha]["tree"]:
                if entry["type"] == "tree":
                    walk(entry["sha"], f"{prefix}{entry['path']}/")
                else:
                    files[prefix + entry["path"]] = self.git_objects[entry["sha"]]["data"]

        walk(self.git_objects[head]["tree"], "")
        return files

    def deployment_log(self, owner: str, repo: str) -> list[tuple[dict, list[str]]]:
        """Each deployment, oldest first, with its statuses' states in the order they were set."""
        return [
            (d, [s["state"] for s in reversed(self.deployment_statuses.get(d["id"], []))])
            for d in reversed(self.deployments.get((owner, repo), []))
        ]


def user(login: str = "github-actions[bot]", number: int = 41898282) -> dict:
    base = f"https://api.github.com/users/{login}"
    return {
        "login": login,
        "id": number,
        "node_id": f"MDM6Qm90{number}",
        "avatar_url": "https://avatars.example/u",
        "gravatar_id": "",
        "url": base,
        "html_url": f"https://github.com/apps/{login}",
        "followers_url": f"{base}/followers",
        "following_url": f"{base}/following{{/other_user}}",
        "gists_url": f"{base}/gists{{/gist_id}}",
        "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{base}/subscriptions",
        "organizations_url": f"{base}/orgs",
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events{{/privacy}}",
        "received_events_url": f"{base}/received_events",
        "type": "Bot",
        "site_admin": False,
    }


NOT_FOUND = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
Response = tuple[int, object, dict]


@dataclass
class Request:
    """One call that passed the checks, as a handler sees it."""

    state: State
    api: GitHubRestAPI
    params: dict[str, str]  # the path's parameters
    query: dict[str, str]
    body: object
    url: str  # without the query, for Link headers
    now: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))

    @property
    def owner_repo(self) -> tuple[str, str]:
        return self.params["owner"], self.params["repo"]

    @property
    def git_api(self) -> str:
        return "https://api.github.com/repos/{}/{}/git".format(*self.owner_repo)


# The operations the stand-in answers, by their operationId in GitHub's OpenAPI description
# (a unit test checks each is one); WRITES are refused to a read-only token, as GitHub does.
HANDLERS: dict[str, Callable[[Request], Response]] = {}
WRITES: set[str] = set()


def handles(operation_id: str, *, writes: bool = False):
    def register(handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        HANDLERS[operation_id] = handler
        if writes:
            WRITES.add(operation_id)
        return handler

    return register


@handles("issues/list-comments")
def list_comments(request: Request) -> Response:
    owner, repo = request.owner_repo
    comments = request.state.comments.get((owner, repo, int(request.params["issue_number"])), [])
    per_page, page = int(request.query.get("per_page", 30)), int(request.query.get("page", 1))
    headers = {}
    if page * per_page < len(comments):
        headers["Link"] = f'<{request.url}?per_page={per_page}&page={page + 1}>; rel="next"'
    return 200, comments[(page - 1) * per_page : page * per_page], headers


@handles("issues/create-comment", writes=True)
def create_comment(request: Request) -> Response:
    (owner, repo), state, now = request.owner_repo, request.state, request.now
    number = int(request.params["issue_number"])
    state.next_id += 1
    comment_id = state.next_id
    comment = {
        "id": comment_id,
        "node_id": f"IC_{comment_id}",
        "body": request.body["body"],
        "user": user(),
        "url": f"https://api.github.com/repos/{owner}/{repo}/issues/comments/{comment_id}",
        "html_url": f"https://github.com/{owner}/{repo}/pull/{number}#issuecomment-{comment_id}",
        "issue_url": f"https://api.github.com/repos/{owner}/{repo}/issues/{number}",
        "created_at": now,
        "updated_at": now,
        "author_association": "NONE",
    }
    state.comments.setdefault((owner, repo, number), []).append(comment)
    return 201, comment, {}


@handles("issues/update-comment", writes=True)
def update_comment(request: Request) -> Response:
    for comments in request.state.comments.values():
        for comment in comments:
            if comment["id"] == int(request.params["comment_id"]):
                comment.update(body=request.body["body"], updated_at=request.now)
                return 200, comment, {}
    return 404, NOT_FOUND, {}


@handles("issues/list-for-repo")
def list_issues(request: Request) -> Response:
    query = request.query
    wanted = {name for name in query.get("labels", "").split(",") if name}
    found = [
        i
        for i in request.state.issues.get(request.owner_repo, [])
        if query.get("state", "open") in ("all", i["state"]) and wanted <= {label["name"] for label in i["labels"]}
    ]
    per_page, page = int(query.get("per_page", 30)), int(query.get("page", 1))
    return 200, found[(page - 1) * per_page : page * per_page], {}


@handles("issues/create", writes=True)
def create_issue(request: Request) -> Response:
    (owner, repo), body = request.owner_repo, request.body
    issues = request.state.issues.setdefault((owner, repo), [])
    issue = request.api.issue(owner, repo, len(issues) + 1, body["title"], body.get("body", ""), body.get("labels", []))
    issue.update(created_at=request.now, updated_at=request.now)
    issues.append(issue)
    return 201, issue, {}


@handles("issues/update", writes=True)
def update_issue(request: Request) -> Response:
    number = int(request.params["issue_number"])
    issue = next((i for i in request.state.issues.get(request.owner_repo, []) if i["number"] == number), None)
    if issue is None:
        return 404, NOT_FOUND, {}
    issue.update({k: v for k, v in request.body.items() if k in ("title", "body", "state")}, updated_at=request.now)
    return 200, issue, {}


@handles("actions/create-workflow-dispatch", writes=True)
def create_workflow_dispatch(request: Request) -> Response:
    owner, repo = request.owner_repo
    request.state.dispatches.append(
        {"repository": f"{owner}/{repo}", "workflow": request.params["workflow_id"], **request.body}
    )
    return 204, None, {}


@handles("pulls/get")
def get_pull(request: Request) -> Response:
    owner, repo = request.owner_repo
    key = (owner, repo, int(request.params["pull_number"]))
    if key not in request.state.pulls:
        return 404, NOT_FOUND, {}
    return 200, request.api.pull_request(owner, repo, key[2], request.state.pulls[key]), {}


@handles("repos/list-deployments")
def list_deployments(request: Request) -> Response:
    query = request.query
    found = [
        d
        for d in request.state.deployments.get(request.owner_repo, [])
        if query.get("environment") in (None, d["environment"])
        and query.get("sha") in (None, d["sha"])
        and query.get("ref") in (None, d["ref"])
    ]
    return 200, found[: int(query.get("per_page", 30))], {}


@handles("repos/list-deployment-statuses")
def list_deployment_statuses(request: Request) -> Response:
    statuses = request.state.deployment_statuses.get(int(request.params["deployment_id"]))
    if statuses is None:
        return 404, NOT_FOUND, {}
    return 200, statuses[: int(request.query.get("per_page", 30))], {}


@handles("repos/create-deployment", writes=True)
def create_deployment(request: Request) -> Response:
    (owner, repo), state, body, now = request.owner_repo, request.state, request.body, request.now
    state.next_id += 1
    api = f"https://api.github.com/repos/{owner}/{repo}"
    deployment = {
        "url": f"{api}/deployments/{state.next_id}",
        "id": state.next_id,
        "node_id": f"DE_{state.next_id}",
        "sha": body["ref"],  # the stand-in knows no branches: refs are commit SHAs
        "ref": body["ref"],
        "task": body.get("task", "deploy"),
        "payload": body.get("payload", {}),
        "original_environment": body.get("environment", "production"),
        "environment": body.get("environment", "production"),
        "description": body.get("description"),
        "creator": user(),
        "created_at": now,
        "updated_at": now,
        "statuses_url": f"{api}/deployments/{state.next_id}/statuses",
        "repository_url": api,
        "transient_environment": bool(body.get("transient_environment", False)),
        "production_environment": bool(body.get("production_environment", False)),
    }
    state.deployments.setdefault((owner, repo), []).insert(0, deployment)
    state.deployment_statuses[deployment["id"]] = []
    return 201, deployment, {}


@handles("repos/create-deployment-status", writes=True)
def create_deployment_status(request: Request) -> Response:
    state, body, now = request.state, request.body, request.now
    deployment_id = int(request.params["deployment_id"])
    deployment = next((d for d in state.deployments.get(request.owner_repo, []) if d["id"] == deployment_id), None)
    if deployment is None:
        return 404, NOT_FOUND, {}
    state.next_id += 1
    status = {
        "url": f"{deployment['url']}/statuses/{state.next_id}",
        "id": state.next_id,
        "node_id": f"DES_{state.next_id}",
        "state": body["state"],
        "creator": user(),
        "description": body.get("description", ""),
        "environment": deployment["environment"],
        "target_url": body.get("log_url", ""),
        "created_at": now,
        "updated_at": now,
        "deployment_url": deployment["url"],
        "repository_url": deployment["repository_url"],
        "environment_url": body.get("environment_url", ""),
        "log_url": body.get("log_url", ""),
    }
    state.deployment_statuses[deployment_id].insert(0, status)
    return 201, status, {}


# Git data: blobs, flat trees, commits and refs, as GitHub answers them.


def store(state: State, kind: str, content: dict) -> str:
    sha = hashlib.sha1(f"{kind}:{json.dumps(content, sort_keys=True, default=str)}".encode()).hexdigest()
    state.git_objects[sha] = {"kind": kind, **content}
    return sha


def is_object(request: Request, sha: str, kind: str) -> bool:
    return request.state.git_objects.get(sha, {}).get("kind") == kind


def tree_body(request: Request, sha: str) -> dict:
    api = request.git_api
    entries = [
        {**e, "url": f"{api}/{'trees' if e['type'] == 'tree' else 'blobs'}/{e['sha']}"}
        for e in request.state.git_objects[sha]["tree"]
    ]
    return {"sha": sha, "url": f"{api}/trees/{sha}", "tree": entries, "truncated": False}


def commit_body(request: Request, sha: str) -> dict:
    (owner, repo), api, commit = request.owner_repo, request.git_api, request.state.git_objects[sha]
    person = {"name": "github-actions[bot]", "email": "41898282+github-actions[bot]@users.noreply.github.com"}
    return {
        "sha": sha,
        "node_id": f"C_{sha[:12]}",
        "url": f"{api}/commits/{sha}",
        "html_url": f"https://github.com/{owner}/{repo}/commit/{sha}",
        "author": {**person, "date": commit["date"]},
        "committer": {**person, "date": commit["date"]},
        "tree": {"sha": commit["tree"], "url": f"{api}/trees/{commit['tree']}"},
        "message": commit["message"],
        "parents": [
            {"sha": p, "url": f"{api}/commits/{p}", "html_url": f"https://github.com/{owner}/{repo}/commit/{p}"}
            for p in commit["parents"]
        ],
        "verification": {
            "verified": False,
            "reason": "unsigned",
            "signature": None,
            "payload": None,
            "verified_at": None,
        },
    }


def ref_body(request: Request, ref: str) -> dict:
    api, sha = request.git_api, request.state.git_refs[(*request.owner_repo, ref)]
    target = {"type": "commit", "sha": sha, "url": f"{api}/commits/{sha}"}
    return {"ref": ref, "node_id": f"REF_{sha[:12]}", "url": f"{api}/{ref}", "object": target}


@handles("git/create-blob", writes=True)
def create_blob(request: Request) -> Response:
    body = request.body
    data = base64.b64decode(body["content"]) if body.get("encoding") == "base64" else body["content"].encode()
    sha = store(request.state, "blob", {"data": data})
    return 201, {"url": f"{request.git_api}/blobs/{sha}", "sha": sha}, {}


@handles("git/create-tree", writes=True)
def create_tree(request: Request) -> Response:
    entries = request.body["tree"]
    for entry in entries:
        if "/" in entry["path"] or entry.get("sha") not in request.state.git_objects:
            return 422, {"message": f"tree entry {entry['path']!r} is not a known object at the top"}, {}
    sha = store(request.state, "tree", {"tree": [{k: e[k] for k in ("path", "mode", "type", "sha")} for e in entries]})
    return 201, tree_body(request, sha), {}


@handles("git/get-tree")
def get_tree(request: Request) -> Response:
    sha = request.params["tree_sha"]
    return (200, tree_body(request, sha), {}) if is_object(request, sha, "tree") else (404, NOT_FOUND, {})


@handles("git/create-commit", writes=True)
def create_commit(request: Request) -> Response:
    body, objects = request.body, request.state.git_objects
    parents = body.get("parents", [])
    if any(p not in objects for p in parents) or body["tree"] not in objects:
        return 422, {"message": "unknown tree or parent"}, {}
    content = {"message": body["message"], "tree": body["tree"], "parents": parents, "date": request.now}
    return 201, commit_body(request, store(request.state, "commit", content)), {}


@handles("git/get-commit")
def get_commit(request: Request) -> Response:
    sha = request.params["commit_sha"]
    return (200, commit_body(request, sha), {}) if is_object(request, sha, "commit") else (404, NOT_FOUND, {})


@handles("git/get-ref")
def get_ref(request: Request) -> Response:
    ref = f"refs/{request.params['ref']}"
    found = (*request.owner_repo, ref) in request.state.git_refs
    return (200, ref_body(request, ref), {}) if found else (404, NOT_FOUND, {})


@handles("git/create-ref", writes=True)
def create_ref(request: Request) -> Response:
    key = (*request.owner_repo, request.body["ref"])
    if key in request.state.git_refs:
        return 422, {"message": "Reference already exists"}, {}
    request.state.git_refs[key] = request.body["sha"]
    return 201, ref_body(request, request.body["ref"]), {}


@handles("git/update-ref", writes=True)
def update_ref(request: Request) -> Response:
    ref = f"refs/{request.params['ref']}"
    if (*request.owner_repo, ref) not in request.state.git_refs:
        return 422, {"message": "Reference does not exist"}, {}
    request.state.git_refs[(*request.owner_repo, ref)] = request.body["sha"]
    return 200, ref_body(request, ref), {}


def respond(request: Request, operation_id: str) -> Response:
    handler = HANDLERS.get(operation_id)
    if handler is None:
        return 404, {"message": f"{operation_id} is not implemented by the stand-in"}, {}
    if request.state.read_only and operation_id in WRITES:
        return (
            403,
            {"message": "Resource not accessible by integration", "documentation_url": NOT_FOUND["documentation_url"]},
            {},
        )
    return handler(request)


class Handler(BaseHTTPRequestHandler):
    api: GitHubRestAPI
    state: State
    lock: threading.Lock

    def log_message(self, *args) -> None:  # quiet: the calls are recorded instead
        pass

    def _send(self, status: int, body, headers: dict[str, str] | None = None) -> None:
        data = b"" if status == 204 else json.dumps(body).encode()  # 204: no content, as GitHub sends
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        headers = {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4999", **(headers or {})}
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        with self.lock:
            self._dispatch(url.path, dict(parse_qsl(url.query)), raw)

    def _dispatch(self, path: str, query: dict[str, str], raw: bytes) -> None:
        state, method = self.state, self.command
        op = self.api.operation(method, path)
        if op is None:
            state.calls.append(Call(method, path, "", 404, None, [f"{method} {path} is not in GitHub's REST API"]))
            return self._send(404, {"message": "Not Found"})
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body, problems = raw.decode(errors="replace"), ["request body is not JSON"]
        else:
            problems = self.api.check_request(op, query, body)
        if self.headers.get("Authorization") != f"Bearer {state.token}":
            state.calls.append(Call(method, path, op.operation_id, 401, body, problems))
            return self._send(401, {"message": "Bad credentials"})
        if problems:
            state.calls.append(Call(method, path, op.operation_id, 422, body, problems))
            return self._send(422, {"message": "Validation Failed", "errors": problems})
        if state.failures:
            status, headers = state.failures.pop(0)
            state.calls.append(Call(method, path, op.operation_id, status, body, []))
            return self._send(
                status, {"message": "API rate limit exceeded" if status in (403, 429) else "Server Error"}, headers
            )
        request = Request(state, self.api, op.path_params, query, body, f"http://{self.headers['Host']}{path}")
        status, response, headers = respond(request, op.operation_id)
        response_problems = self.api.check_response(op, status, response)
        state.calls.append(Call(method, path, op.operation_id, status, body, response_problems))
        self._send(status, response, headers)

    do_GET = do_POST = do_PATCH = do_DELETE = _handle


class GitHubAPIStandIn:
    """`with GitHubAPIStandIn(token) as api:` serves on api.url until the block ends."""

    def __init__(self, token: str, description: GitHubRestAPI | None = None) -> None:
        self.state = State(token=token)
        handler = type(
            "BoundHandler",
            (Handler,),
            {"api": description or GitHubRestAPI(), "state": self.state, "lock": threading.Lock()},
        )
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> GitHubAPIStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def problems(self) -> list[str]:
        return [f"{c.method} {c.path}: {p}" for c in self.state.calls for p in c.problems]
