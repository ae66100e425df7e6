"""A private repository's origin, as GitHub serves one: git's smart HTTP (`git http-backend`,
the CGI program git ships) behind an Authorization check that refuses anonymous requests.

GitHub refuses an anonymous fetch of a private repository and takes an installation token
(GITHUB_TOKEN is one) as the password of HTTP basic authentication:
https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app-installation
Like GitHub, it lets a client fetch a commit by its SHA only when a branch or tag reaches it
(`uploadpack.allowReachableSHA1InWant`), so a force-pushed-away base cannot be fetched.
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

HTTP_BACKEND = "/usr/lib/git-core/git-http-backend"


class Handler(BaseHTTPRequestHandler):
    repositories: dict[str, Path]  # "owner/name" -> the repository (its work tree or git dir)
    tokens: set[str]  # tokens accepted; empty: a public repository, anyone may fetch
    requests: list[tuple[str, str, int]]  # (method, path, status), for the tests to read

    def log_message(self, *args) -> None:
        pass

    def _refuse(self, status: int, message: str) -> None:
        data = message.encode()
        self.send_response(status)
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="GitHub"')
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        if not self.tokens:
            return True
        header = self.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            _, _, password = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return password in self.tokens

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        url = urlsplit(self.path)
        parts = url.path.lstrip("/").split("/", 2)
        name = "/".join(parts[:2]).removesuffix(".git")
        repository = self.repositories.get(name)
        if repository is None or len(parts) < 3:
            self.requests.append((self.command, url.path, 404))
            return self._refuse(404, "Repository not found.\n")
        if not self._authorized():
            self.requests.append((self.command, url.path, 401))
            return self._refuse(401, "Authentication failed: this repository is private.\n")
        if "receive-pack" in url.path or "receive-pack" in url.query:
            self.requests.append((self.command, url.path, 403))
            return self._refuse(403, "Pushes go through the harness, not the origin.\n")
        git_dir = repository / ".git" if (repository / ".git").is_dir() else repository
        body = self._body()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_TRANSLATED": f"{git_dir}/{parts[2]}",
            "PATH_INFO": f"/{parts[2]}",
            "QUERY_STRING": url.query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            "REMOTE_ADDR": self.client_address[0],
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "uploadpack.allowReachableSHA1InWant",
            "GIT_CONFIG_VALUE_0": "true",
        }
        done = subprocess.run([HTTP_BACKEND], input=body, env=env, capture_output=True, check=False)
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = done.stdout.partition(b"\n\n")
        status, headers = 200, []
        for line in head.decode(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.strip().split()[0])
            elif key:
                headers.append((key, value.strip()))
        self.requests.append((self.command, url.path, status))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _handle


class GitServer:
    """`with GitServer({"acme/consumer": path}, tokens={"t"}) as origin:` serves the repositories
    at `origin.url_of("acme/consumer")` until the block ends; without tokens they are public."""

    def __init__(self, repositories: dict[str, Path], tokens: set[str] | frozenset[str] = frozenset()) -> None:
        self.requests: list[tuple[str, str, int]] = []
        handler = type(
            "BoundGitHandler",
            (Handler,),
            {"repositories": dict(repositories), "tokens": set(tokens), "requests": self.requests},
        )
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def auth_env(self, token: str) -> dict[str, str]:
        """Environment for a git command of the tests' own to send `token` to this server."""
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        return {
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": f"http.{self.url}/.extraheader",
            "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
        }

    def url_of(self, repository: str) -> str:
        return f"{self.url}/{repository}.git"

    @property
    def private(self) -> bool:
        return bool(self.server.RequestHandlerClass.tokens)  # type: ignore[attr-defined]

    def __enter__(self) -> GitServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
