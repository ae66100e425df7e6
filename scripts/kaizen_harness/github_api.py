"""A local stand-in for the part of GitHub's REST API Kaizen uses (issue comments), on
loopback. Every request and every response it sends is checked against GitHub's OpenAPI
description; a request the real API would not accept is answered 422 and recorded."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
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


class Handler(BaseHTTPRequestHandler):
    api: GitHubRestAPI
    state: State
    lock: threading.Lock

    def log_message(self, *args) -> None:  # quiet: the calls are recorded instead
        pass

    def _send(self, status: int, body, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
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
        status, response, headers = self._respond(op, query, body)
        response_problems = self.api.check_response(op, status, response)
        state.calls.append(Call(method, path, op.operation_id, status, body, response_problems))
        self._send(status, response, headers)

    def _respond(self, op, query, body):
        state, params = self.state, op.path_params
        owner, repo = params["owner"], params["repo"]
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        if op.operation_id == "issues/list-comments":
            comments = state.comments.get((owner, repo, int(params["issue_number"])), [])
            per_page, page = int(query.get("per_page", 30)), int(query.get("page", 1))
            chunk = comments[(page - 1) * per_page : page * per_page]
            headers = {}
            if page * per_page < len(comments):
                base = f"http://{self.headers['Host']}{urlsplit(self.path).path}"
                headers["Link"] = f'<{base}?per_page={per_page}&page={page + 1}>; rel="next"'
            return 200, chunk, headers
        if op.operation_id == "pulls/get":
            key = (owner, repo, int(params["pull_number"]))
            if key not in state.pulls:
                return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, {}
            return 200, self.api.pull_request(owner, repo, key[2], state.pulls[key]), {}
        if op.operation_id == "repos/list-deployments":
            found = [
                d
                for d in state.deployments.get((owner, repo), [])
                if query.get("environment") in (None, d["environment"])
                and query.get("sha") in (None, d["sha"])
                and query.get("ref") in (None, d["ref"])
            ]
            return 200, found[: int(query.get("per_page", 30))], {}
        if op.operation_id == "repos/list-deployment-statuses":
            statuses = state.deployment_statuses.get(int(params["deployment_id"]))
            if statuses is None:
                return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, {}
            return 200, statuses[: int(query.get("per_page", 30))], {}
        if state.read_only:
            return (
                403,
                {
                    "message": "Resource not accessible by integration",
                    "documentation_url": "https://docs.github.com/rest",
                },
                {},
            )
        if op.operation_id == "issues/create-comment":
            number = int(params["issue_number"])
            state.next_id += 1
            comment_id = state.next_id
            comment = {
                "id": comment_id,
                "node_id": f"IC_{comment_id}",
                "body": body["body"],
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
        if op.operation_id == "issues/update-comment":
            for comments in state.comments.values():
                for comment in comments:
                    if comment["id"] == int(params["comment_id"]):
                        comment.update(body=body["body"], updated_at=now)
                        return 200, comment, {}
            return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, {}
        if op.operation_id == "repos/create-deployment":
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
        if op.operation_id == "repos/create-deployment-status":
            deployment_id = int(params["deployment_id"])
            deployment = next((d for d in state.deployments.get((owner, repo), []) if d["id"] == deployment_id), None)
            if deployment is None:
                return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, {}
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
        if op.operation_id.startswith("git/"):
            return self._git(op, owner, repo, body, now)
        return 404, {"message": f"{op.operation_id} is not implemented by the stand-in"}, {}

    def _git(self, op, owner: str, repo: str, body, now: str):
        """Git data: blobs, flat trees, commits and refs, as GitHub answers them."""
        state, params = self.state, op.path_params
        api = f"https://api.github.com/repos/{owner}/{repo}/git"
        not_found = 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, {}

        def store(kind: str, content: dict) -> str:
            sha = hashlib.sha1(f"{kind}:{json.dumps(content, sort_keys=True, default=str)}".encode()).hexdigest()
            state.git_objects[sha] = {"kind": kind, **content}
            return sha

        def tree_body(sha: str) -> dict:
            entries = [
                {**e, "url": f"{api}/{'trees' if e['type'] == 'tree' else 'blobs'}/{e['sha']}"}
                for e in state.git_objects[sha]["tree"]
            ]
            return {"sha": sha, "url": f"{api}/trees/{sha}", "tree": entries, "truncated": False}

        def commit_body(sha: str) -> dict:
            commit = state.git_objects[sha]
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

        def ref_body(ref: str) -> dict:
            sha = state.git_refs[(owner, repo, ref)]
            return {"ref": ref, "node_id": f"REF_{sha[:12]}", "url": f"{api}/{ref}", "object": {
                "type": "commit", "sha": sha, "url": f"{api}/commits/{sha}"}}  # fmt: skip

        if op.operation_id == "git/create-blob":
            data = base64.b64decode(body["content"]) if body.get("encoding") == "base64" else body["content"].encode()
            sha = store("blob", {"data": data})
            return 201, {"url": f"{api}/blobs/{sha}", "sha": sha}, {}
        if op.operation_id == "git/create-tree":
            for entry in body["tree"]:
                if "/" in entry["path"] or entry.get("sha") not in state.git_objects:
                    return 422, {"message": f"tree entry {entry['path']!r} is not a known object at the top"}, {}
            sha = store("tree", {"tree": [{k: e[k] for k in ("path", "mode", "type", "sha")} for e in body["tree"]]})
            return 201, tree_body(sha), {}
        if op.operation_id == "git/get-tree":
            sha = params["tree_sha"]
            return (200, tree_body(sha), {}) if state.git_objects.get(sha, {}).get("kind") == "tree" else not_found
        if op.operation_id == "git/create-commit":
            if (
                any(p not in state.git_objects for p in body.get("parents", []))
                or body["tree"] not in state.git_objects
            ):
                return 422, {"message": "unknown tree or parent"}, {}
            sha = store("commit", {"message": body["message"], "tree": body["tree"], "parents": body.get("parents", []),
                                   "date": now})  # fmt: skip
            return 201, commit_body(sha), {}
        if op.operation_id == "git/get-commit":
            sha = params["commit_sha"]
            return (200, commit_body(sha), {}) if state.git_objects.get(sha, {}).get("kind") == "commit" else not_found
        if op.operation_id == "git/get-ref":
            ref = f"refs/{params['ref']}"
            return (200, ref_body(ref), {}) if (owner, repo, ref) in state.git_refs else not_found
        if op.operation_id == "git/create-ref":
            if (owner, repo, body["ref"]) in state.git_refs:
                return 422, {"message": "Reference already exists"}, {}
            state.git_refs[(owner, repo, body["ref"])] = body["sha"]
            return 201, ref_body(body["ref"]), {}
        if op.operation_id == "git/update-ref":
            ref = f"refs/{params['ref']}"
            if (owner, repo, ref) not in state.git_refs:
                return 422, {"message": "Reference does not exist"}, {}
            state.git_refs[(owner, repo, ref)] = body["sha"]
            return 200, ref_body(ref), {}
        return 404, {"message": f"{op.operation_id} is not implemented by the stand-in"}, {}

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
