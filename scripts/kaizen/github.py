"""A small client for GitHub's REST API (the calls Kaizen makes), on the standard library:
retries on server errors and network faults, and waits out rate limits as GitHub asks."""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

API_VERSION = "2022-11-28"
NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')
MAX_WAIT_SECONDS = 120
MAX_PAGES = 100  # 10,000 comments at 100 a page: more is no pull request Kaizen comments on


# The user GITHUB_TOKEN's comments are written by; an App token writes as "<app-slug>[bot]".
BOT = "github-actions[bot]"


def is_own_comment(comment: dict, marker: str, author: str) -> bool:
    user = comment.get("user") if isinstance(comment.get("user"), dict) else {}
    return (
        isinstance(comment.get("id"), int)
        and str(comment.get("body") or "").lstrip().startswith(marker)
        and user.get("login") == author
    )


class GitHubError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"GitHub API {status}: {message}")
        self.status = status
        self.message = message


class ReadOnlyToken(GitHubError):
    """The token may not write here: a pull request from a fork, or missing permissions."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: object


def answer(body: object, *path: str | int, kind: type = str):
    """body[path...] of an API answer, of type `kind`; a GitHubError when the answer lacks it
    (a proxy's page, a changed API, a stand-in gone wrong), never a KeyError."""
    value = body
    for key in path:
        if isinstance(key, int):
            value = value[key] if isinstance(value, list) and -len(value) <= key < len(value) else None
        else:
            value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        where = ".".join(str(k) for k in path) or "its body"
        raise GitHubError(502, f"the API's answer has no usable {where}")
    return value


def origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only within the API's origin: the token never goes to another host."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if origin(newurl) != origin(req.full_url):
            raise GitHubError(code, f"refusing to follow a redirect to another host ({origin(newurl)[1]})")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_SameOriginRedirects)


class GitHub:
    def __init__(
        self,
        token: str,
        api_url: str = "https://api.github.com",
        *,
        attempts: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not token:
            raise GitHubError(401, "no token: pass the token input (default github.token)")
        self.token = token
        self.api_url = api_url.rstrip("/")
        self.attempts = attempts
        self.backoff = backoff
        self.sleep = sleep
        self.clock = clock

    def _once(self, method: str, url: str, body) -> Response:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            url,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": "kaizen-ci",
                **({"Content-Type": "application/json"} if data is not None else {}),
            },
        )
        try:
            with _OPENER.open(request, timeout=30) as reply:
                raw, status, headers = reply.read(), reply.status, dict(reply.headers)
        except urllib.error.HTTPError as error:
            raw, status, headers = error.read(), error.code, dict(error.headers)
        headers = {key.lower(): value for key, value in headers.items()}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:  # an HTML error page from a proxy or an outage, not GitHub's JSON
            if status >= 500:
                return Response(status, headers, None)  # retried like any server error
            raise GitHubError(status, "the API answered with a page that is not JSON") from None
        return Response(status, headers, body)

    def rate_limit_wait(self, response: Response) -> float | None:
        """Seconds GitHub asks us to wait, for a primary or secondary rate limit; else None."""
        if response.status not in (403, 429):
            return None
        try:
            if "retry-after" in response.headers:
                return max(0.0, float(response.headers["retry-after"]))
            if response.headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in response.headers:
                return max(0.0, float(response.headers["x-ratelimit-reset"]) - self.clock()) + 1
        except ValueError:  # "Retry-After: soon": a limit with no usable time, wait a minute
            return 60.0
        return None

    def request(self, method: str, path_or_url: str, body=None) -> Response:
        url = path_or_url if path_or_url.startswith("http") else f"{self.api_url}{path_or_url}"
        if origin(url) != origin(self.api_url):  # e.g. a Link header naming another host
            raise GitHubError(400, f"refusing to send the token to {origin(url)[1] or url!r}, not the API's host")
        last = "no attempt"
        for attempt in range(self.attempts):
            try:
                response = self._once(method, url, body)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                last = f"network error: {getattr(error, 'reason', error)}"
            else:
                wait = self.rate_limit_wait(response)
                if wait is not None:
                    if wait > MAX_WAIT_SECONDS:
                        raise GitHubError(response.status, f"rate limited for {wait:.0f}s more; try again later")
                    self.sleep(wait)
                    last = f"rate limited ({response.status})"
                    continue
                if response.status < 500:
                    if response.status >= 400:
                        message = (response.body or {}).get("message", "") if isinstance(response.body, dict) else ""
                        cls = ReadOnlyToken if response.status == 403 else GitHubError
                        raise cls(response.status, message or "request failed")
                    return response
                last = f"server error {response.status}"
            if attempt + 1 < self.attempts:
                self.sleep(self.backoff * 2**attempt)
        raise GitHubError(502, f"{method} {url} failed after {self.attempts} attempts ({last})")

    def paginate(self, path: str, max_pages: int = MAX_PAGES) -> list[dict]:
        """Every item of a listing, following `Link: rel="next"`; a link back to a page already
        read (a loop) or more than `max_pages` pages is an error, never an endless walk."""
        items: list[dict] = []
        url: str | None = f"{self.api_url}{path}"
        seen: set[str] = set()
        while url:
            if url in seen:
                raise GitHubError(502, f"the API's pages link back to one already read ({len(seen)} read); stopping")
            if len(seen) >= max_pages:
                raise GitHubError(502, f"the listing has more than {max_pages} pages; stopping")
            seen.add(url)
            response = self.request("GET", url)
            page = answer(response.body, kind=list) if response.body is not None else []
            items += [item for item in page if isinstance(item, dict)]
            match = NEXT_LINK.search(response.headers.get("link", ""))
            url = match.group(1) if match else None
        return items

    def upsert_comment(
        self, repository: str, number: int, marker: str, body: str, author: str = BOT
    ) -> tuple[str, dict]:
        """Create the pull request's comment carrying `marker`, or update it in place."""
        mine = self.find_comment(repository, number, marker, author)
        if mine:
            updated = self.request("PATCH", f"/repos/{repository}/issues/comments/{mine['id']}", {"body": body})
            answer(updated.body, "id", kind=int)
            return "updated", updated.body
        created = self.request("POST", f"/repos/{repository}/issues/{number}/comments", {"body": body})
        answer(created.body, "id", kind=int)
        return "created", created.body

    def pull_request_head(self, repository: str, number: int) -> str:
        return answer(self.request("GET", f"/repos/{repository}/pulls/{number}").body, "head", "sha")

    def create_deployment(self, repository: str, *, ref: str, environment: str, payload: dict, description: str) -> int:
        """A deployment of `ref` to `environment`; statuses follow with set_deployment_status."""
        body = {
            "ref": ref,
            "environment": environment,
            "payload": payload,
            "description": description[:140],
            "auto_merge": False,  # the commit is deployed as built, never merged first
            "required_contexts": [],  # the calling workflow already ran the checks it needs
            "transient_environment": False,
            "production_environment": False,
        }
        return answer(self.request("POST", f"/repos/{repository}/deployments", body).body, "id", kind=int)

    def set_deployment_status(
        self,
        repository: str,
        deployment_id: int,
        state: str,
        *,
        description: str = "",
        environment_url: str = "",
        log_url: str = "",
    ) -> None:
        body = {"state": state, "description": description[:140], "auto_inactive": True}
        if environment_url:
            body["environment_url"] = environment_url
        if log_url:
            body["log_url"] = log_url
        self.request("POST", f"/repos/{repository}/deployments/{deployment_id}/statuses", body)

    def last_successful_deployment(self, repository: str, environment: str) -> dict | None:
        """The newest deployment to `environment` whose latest status is success."""
        query = urllib.parse.urlencode({"environment": environment, "per_page": 30})
        for deployment in answer(self.request("GET", f"/repos/{repository}/deployments?{query}").body, kind=list):
            number = answer(deployment, "id", kind=int)
            statuses = self.request("GET", f"/repos/{repository}/deployments/{number}/statuses?per_page=1").body
            if isinstance(statuses, list) and statuses and answer(statuses, 0, "state") == "success":
                return deployment
        return None

    # --- Git data: a branch of report images, written through the API (the token goes nowhere else)

    def branch_head(self, repository: str, branch: str) -> str | None:
        """The commit a branch points at, or None when there is no such branch."""
        try:
            return answer(self.request("GET", f"/repos/{repository}/git/ref/heads/{branch}").body, "object", "sha")
        except GitHubError as error:
            if error.status == 404:
                return None
            raise

    def commit_tree(self, repository: str, commit: str) -> str:
        return answer(self.request("GET", f"/repos/{repository}/git/commits/{commit}").body, "tree", "sha")

    def tree_entries(self, repository: str, tree: str) -> list[dict]:
        entries = answer(self.request("GET", f"/repos/{repository}/git/trees/{tree}").body, "tree", kind=list)
        return [
            e
            for e in entries
            if isinstance(e, dict) and all(isinstance(e.get(k), str) for k in ("path", "type", "sha"))
        ]

    def create_blob(self, repository: str, data: bytes) -> str:
        body = {"content": base64.b64encode(data).decode("ascii"), "encoding": "base64"}
        return answer(self.request("POST", f"/repos/{repository}/git/blobs", body).body, "sha")

    def create_tree(self, repository: str, entries: list[dict]) -> str:
        return answer(self.request("POST", f"/repos/{repository}/git/trees", {"tree": entries}).body, "sha")

    def create_commit(self, repository: str, message: str, tree: str, parents: list[str]) -> str:
        body = {"message": message, "tree": tree, "parents": parents}
        return answer(self.request("POST", f"/repos/{repository}/git/commits", body).body, "sha")

    def set_branch(self, repository: str, branch: str, commit: str, exists: bool) -> None:
        if exists:
            self.request("PATCH", f"/repos/{repository}/git/refs/heads/{branch}", {"sha": commit, "force": True})
        else:
            self.request("POST", f"/repos/{repository}/git/refs", {"ref": f"refs/heads/{branch}", "sha": commit})

    def find_comment(self, repository: str, number: int, marker: str, author: str = BOT) -> dict | None:
        """The report's own comment: it starts with the marker AND the token's user wrote it, so
        a commenter who pastes the marker can neither take the report over nor hide it."""
        comments = self.paginate(f"/repos/{repository}/issues/{number}/comments?per_page=100")
        return next((c for c in comments if is_own_comment(c, marker, author)), None)

    def upsert_issue(self, repository: str, label: str, marker: str, title: str, body: str) -> tuple[str, dict]:
        """Create the one open issue labelled `label` whose body carries `marker`, or update it in
        place: ("created" or "updated", the issue). Pull requests, which the issues list also
        returns, are skipped."""
        found = self.paginate(f"/repos/{repository}/issues?state=open&labels={label}&per_page=100")
        mine = [
            i
            for i in found
            if isinstance(i, dict)
            and "pull_request" not in i
            and marker in str(i.get("body") or "")
            and isinstance(i.get("number"), int)
        ]
        if mine:
            oldest = min(mine, key=lambda i: i["number"])
            return "updated", self.request(
                "PATCH", f"/repos/{repository}/issues/{oldest['number']}", {"body": body}
            ).body
        created = self.request("POST", f"/repos/{repository}/issues", {"title": title, "body": body, "labels": [label]})
        return "created", created.body

    def dispatch_workflow(self, repository: str, workflow: str, ref: str, inputs: dict[str, str] | None = None) -> None:
        """Start `workflow` (its file name) on `ref`: a workflow_dispatch event, which GITHUB_TOKEN
        may trigger (https://docs.github.com/en/actions/using-workflows/triggering-a-workflow)."""
        body = {"ref": ref, **({"inputs": inputs} if inputs else {})}
        self.request("POST", f"/repos/{repository}/actions/workflows/{workflow}/dispatches", body)
