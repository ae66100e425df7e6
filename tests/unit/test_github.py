"""Kaizen's GitHub client against the local API stand-in, both checked against GitHub's
OpenAPI description (npm @octokit/openapi)."""

import pytest

from kaizen.github import GitHub, GitHubError, ReadOnlyToken

TOKEN = "ghs_test_token"
MARKER = "<!-- kaizen-report:train -->"


def client(api, **kwargs) -> GitHub:
    waits = kwargs.pop("waits", [])
    return GitHub(TOKEN, api.url, sleep=waits.append, clock=lambda: 1_000_000.0, **kwargs)


def test_the_comment_is_created_once_then_updated_in_place(api):
    github = client(api)
    action, first = github.upsert_comment("acme/consumer", 7, MARKER, f"{MARKER}\nrun 1")
    assert action == "created"
    action, second = github.upsert_comment("acme/consumer", 7, MARKER, f"{MARKER}\nrun 2")
    assert (action, second["id"]) == ("updated", first["id"])
    [comment] = api.state.comments[("acme", "consumer", 7)]
    assert comment["body"].endswith("run 2")
    assert [c.operation for c in api.state.calls] == [
        "issues/list-comments",
        "issues/create-comment",
        "issues/list-comments",
        "issues/update-comment",
    ]


def test_the_marker_is_found_beyond_the_first_page(api):
    github = client(api)
    for index in range(130):
        github.request("POST", "/repos/acme/consumer/issues/7/comments", {"body": f"chatter {index}"})
    github.request("POST", "/repos/acme/consumer/issues/7/comments", {"body": f"{MARKER}\nold report"})
    action, _ = github.upsert_comment("acme/consumer", 7, MARKER, f"{MARKER}\nnew report")
    assert action == "updated"
    assert len(api.state.comments[("acme", "consumer", 7)]) == 131
    pages = [c.path for c in api.state.calls if c.operation == "issues/list-comments"]
    assert len(pages) == 2


def test_server_errors_are_retried_with_backoff(api):
    api.state.failures += [(502, {}), (503, {})]
    waits = []
    action, _ = client(api, waits=waits).upsert_comment("acme/consumer", 3, MARKER, MARKER)
    assert action == "created" and waits == [1.0, 2.0]


def test_rate_limits_are_waited_out_as_the_headers_say(api):
    api.state.failures += [
        (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1000010"}),
        (429, {"Retry-After": "3"}),
    ]
    waits = []
    client(api, waits=waits).upsert_comment("acme/consumer", 3, MARKER, MARKER)
    assert waits == [11.0, 3.0]


def test_persistent_failure_is_an_error_after_the_attempts(api):
    api.state.failures += [(500, {})] * 4
    with pytest.raises(GitHubError, match="failed after 4 attempts"):
        client(api).upsert_comment("acme/consumer", 3, MARKER, MARKER)


def test_a_read_only_token_is_recognised(api):
    api.state.read_only = True
    with pytest.raises(ReadOnlyToken, match="Resource not accessible by integration"):
        client(api).upsert_comment("acme/consumer", 3, MARKER, MARKER)


def test_the_stand_in_rejects_what_github_would(api):
    github = client(api)
    with pytest.raises(GitHubError) as info:
        github.request("POST", "/repos/acme/consumer/issues/7/comments", {"text": "wrong field"})
    assert info.value.status == 422
    assert api.problems() == [
        "POST /repos/acme/consumer/issues/7/comments: request (body): 'body' is a required property"
    ]
    api.state.calls.clear()
    with pytest.raises(GitHubError):
        GitHub("wrong-token", api.url, sleep=lambda s: None).request("GET", "/repos/a/b/issues/1/comments")
    assert api.state.calls[-1].status == 401


def test_deployments_are_recorded_with_statuses_and_the_last_good_one_is_found(api):
    github = client(api)
    assert github.last_successful_deployment("acme/consumer", "staging") is None
    good = github.create_deployment(
        "acme/consumer", ref="a" * 40, environment="staging", payload={"image_ref": "r@sha256:1"}, description="one"
    )
    github.set_deployment_status("acme/consumer", good, "in_progress", description="deploying")
    github.set_deployment_status("acme/consumer", good, "success", environment_url="http://127.0.0.1:1")
    bad = github.create_deployment(
        "acme/consumer", ref="b" * 40, environment="staging", payload={"image_ref": "r@sha256:2"}, description="two"
    )
    github.set_deployment_status("acme/consumer", bad, "failure", description="rolled back")
    other = github.create_deployment(
        "acme/consumer", ref="c" * 40, environment="production", payload={}, description="elsewhere"
    )
    github.set_deployment_status("acme/consumer", other, "success")
    last = github.last_successful_deployment("acme/consumer", "staging")
    assert last["id"] == good and last["payload"] == {"image_ref": "r@sha256:1"}
    log = api.state.deployment_log("acme", "consumer")
    assert [states for _, states in log] == [["in_progress", "success"], ["failure"], ["success"]]


def test_the_token_goes_to_the_api_host_only(api):
    """A Link header (or any absolute URL) naming another host is refused before a request."""
    github = client(api)
    with pytest.raises(GitHubError, match="refusing to send the token to 'evil.example'"):
        github.request("GET", "https://evil.example/steal")
    assert not [c for c in api.state.calls if "steal" in c.path]


def test_a_redirect_to_another_host_is_not_followed(tmp_path):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen = []

    class Redirect(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            seen.append((self.headers.get("Host"), self.headers.get("Authorization")))
            self.send_response(302)
            self.send_header("Location", "http://localhost:1/elsewhere")  # another origin
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        github = GitHub(TOKEN, f"http://127.0.0.1:{server.server_address[1]}", attempts=1, sleep=lambda s: None)
        with pytest.raises(GitHubError, match="refusing to follow a redirect to another host"):
            github.request("GET", "/repos/acme/consumer")
    finally:
        server.shutdown()
    assert len(seen) == 1  # the redirect's target never got a request


def test_an_html_server_error_is_retried_and_an_html_success_is_an_error():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    answers = [(502, b"<html>Bad gateway</html>"), (200, b'{"head": {"sha": "abc"}}'), (200, b"<html>login</html>")]

    class Html(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            status, body = answers.pop(0)
            self.send_response(status)
            self.send_header("Content-Type", "text/html" if body.startswith(b"<") else "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Html)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        github = GitHub(TOKEN, f"http://127.0.0.1:{server.server_address[1]}", sleep=lambda s: None)
        assert github.pull_request_head("acme/consumer", 7) == "abc"  # the HTML 502 was retried
        with pytest.raises(GitHubError, match="a page that is not JSON"):
            github.pull_request_head("acme/consumer", 7)
    finally:
        server.shutdown()
