"""actions/deploy's logic: input checks, the rollback path, deployment statuses, and the
ssh-compose host script over a real SSH server (Debian's openssh-server)."""

import json
import os
import re
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kaizen import tool_env
from kaizen.actions import deploy
from kaizen.deploy_targets import SSHCompose, SwitchedError, TargetError
from kaizen.gha import InputError
from kaizen_harness.services import start_sshd

TOKEN = "ghs_deploy_token"
GOOD = "127.0.0.1:5000/acme/model@sha256:" + "1" * 64
BROKEN_DIGEST = "sha256:" + "b" * 64
NEW_DIGEST = "sha256:" + "2" * 64


class Staging:
    """A stand-in staging service: it serves whatever image ref the deploy command wrote, and
    answers 500 on /health while that ref is the broken one."""

    def __init__(self, state: Path) -> None:
        self.state = state
        staging = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                ref = staging.serving()
                self._reply(500 if BROKEN_DIGEST in ref else 200, {"serving": ref})

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._reply(200, {"predictions": [1], "serving": staging.serving()})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # shutdown() waits for the loop's next poll: 0.5 s by default, on every test.
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def serving(self) -> str:
        return self.state.read_text().strip() if self.state.exists() else ""


@pytest.fixture()
def staging(tmp_path):
    service = Staging(tmp_path / "serving")
    yield service
    service.server.shutdown()


@pytest.fixture()
def action_env(monkeypatch, tmp_path, staging, api):
    (tmp_path / "request.json").write_text('{"instances": [[1.0]]}')
    values = {
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_REPOSITORY": "acme/consumer",
        "GITHUB_SHA": "c" * 40,
        "GITHUB_API_URL": api.url,
        "RUNNER_TEMP": str(tmp_path),
        "KAIZEN_TOKEN": TOKEN,
        "KAIZEN_TARGET": "command",
        "KAIZEN_IMAGE": "127.0.0.1:5000/acme/model",
        "KAIZEN_DIGEST": NEW_DIGEST,
        "KAIZEN_URL": staging.url,
        "KAIZEN_DEPLOY_COMMAND": f'echo "$KAIZEN_IMAGE_REF" > {staging.state}',
        "KAIZEN_SMOKE_REQUEST": str(tmp_path / "request.json"),
        "KAIZEN_SMOKE_TIMEOUT": "2",
        "KAIZEN_LATENCY_CALLS": "5",
        "KAIZEN_LOAD_TEST": "false",  # on in the load tests below: locust takes seconds
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture(scope="session")
def tool_cache(tmp_path_factory) -> Path:
    """A runner tool cache shared by the load tests below: locust is installed into it once, by
    the code the action runs, as a runner's later jobs find it there."""
    cache = tmp_path_factory.mktemp("toolcache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RUNNER_TOOL_CACHE", str(cache))
        # uv on PATH, as actions/setup leaves it on a runner (pip takes several times longer).
        patch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
        tool_env.cached_venv("load-test", what="locust")
    return cache


@pytest.fixture()
def locust_installed(action_env, tool_cache, monkeypatch):
    monkeypatch.setenv("RUNNER_TOOL_CACHE", str(tool_cache))


def outputs(env) -> str:
    return Path(env["GITHUB_OUTPUT"]).read_text()


def seed_good_deployment(api):
    api.state.deployments[("acme", "consumer")] = []
    from kaizen.github import GitHub

    github = GitHub(TOKEN, api.url)
    good = github.create_deployment(
        "acme/consumer", ref="a" * 40, environment="staging", payload={"image_ref": GOOD}, description="good"
    )
    github.set_deployment_status("acme/consumer", good, "success")


def test_a_good_deploy_is_recorded_as_success(action_env, api, staging, capsys):
    assert deploy.run() == 0
    assert staging.serving().endswith(NEW_DIGEST)
    [(deployment, states)] = api.state.deployment_log("acme", "consumer")
    assert states == ["in_progress", "success"]
    assert deployment["payload"] == {"image_ref": f"127.0.0.1:5000/acme/model@{NEW_DIGEST}"}
    assert deployment["environment"] == "staging" and deployment["ref"] == "c" * 40
    assert "rolled-back" in outputs(action_env) and "p95" in capsys.readouterr().out
    # Each part of the deploy is timed in its summary (a command target is one part, "apply").
    summary = Path(action_env["GITHUB_STEP_SUMMARY"]).read_text()
    assert re.search(r"\| apply \| smoke \| record \| in all \|\n\|( ---: \|){4}\n\|( \d+\.\ds \|){4}", summary)


def test_a_failing_version_is_rolled_back_to_the_last_good_one(action_env, api, staging, monkeypatch, capsys):
    seed_good_deployment(api)
    monkeypatch.setenv("KAIZEN_DIGEST", BROKEN_DIGEST)
    assert deploy.run() == 1
    assert staging.serving() == GOOD  # the command ran again with the previous ref
    log = api.state.deployment_log("acme", "consumer")
    assert log[-1][1] == ["in_progress", "failure"]
    assert "rolled back" in api.state.deployment_statuses[log[-1][0]["id"]][0]["description"]
    out = capsys.readouterr().out
    errors = [line for line in out.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and "Rolled back: staging serves" in errors[0] and GOOD in errors[0]


def test_the_load_test_runs_after_the_smoke_test_and_reports_its_figures(
    action_env, api, staging, locust_installed, monkeypatch, capsys
):
    """Real locust against the stand-in service, from the hashed lock, with the generated locustfile."""
    for key, value in {"KAIZEN_LOAD_TEST": "true", "KAIZEN_LOAD_DURATION": "3", "KAIZEN_LOAD_USERS": "3"}.items():
        monkeypatch.setenv(key, value)
    assert deploy.run() == 0
    summary = Path(action_env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "### Load test: 3 users for 3s" in summary and "| Failed requests | 0 (0.00%)" in summary
    assert re.search(r"s waiting for locust's install, [0-9.]+s of locust for 3s of load", summary)
    assert "| apply | smoke | load | record | in all |" in summary
    requests = int(re.search(r"\| Requests \| (\d+) \|", summary).group(1))
    assert requests >= 10  # 3 users at up to 5 a second for 3 seconds
    stats = Path(action_env["RUNNER_TEMP"]) / "kaizen-load-test" / "stats_stats.csv"
    assert stats.is_file() and "Aggregated" in stats.read_text()
    assert "load-test-seconds<<" in outputs(action_env)
    assert api.state.deployment_log("acme", "consumer")[-1][1] == ["in_progress", "success"]


def test_a_load_test_breach_rolls_back_like_a_failed_smoke_test(
    action_env, api, staging, locust_installed, monkeypatch, capsys
):
    seed_good_deployment(api)
    for key, value in {
        "KAIZEN_LOAD_TEST": "true",
        "KAIZEN_LOAD_DURATION": "2",
        "KAIZEN_LOAD_USERS": "2",
        "KAIZEN_LOAD_MIN_RPS": "100000",  # no stand-in serves that many
    }.items():
        monkeypatch.setenv(key, value)
    assert deploy.run() == 1
    assert staging.serving() == GOOD
    out = capsys.readouterr().out
    [error] = [line for line in out.splitlines() if line.startswith("::error")]
    assert "the load test failed" in error and "under 100000" in error and "Rolled back: staging serves" in error
    assert api.state.deployment_log("acme", "consumer")[-1][1] == ["in_progress", "failure"]


def test_the_latency_budget_is_enforced(action_env, api, staging, monkeypatch, capsys):
    seed_good_deployment(api)
    monkeypatch.setenv("KAIZEN_LATENCY_BUDGET_MS", "0.001")  # no service answers in a microsecond
    assert deploy.run() == 1
    assert staging.serving() == GOOD
    assert "exceeds the 0 ms budget" in capsys.readouterr().out


def test_with_no_earlier_version_the_failure_says_so(action_env, api, staging, monkeypatch, capsys):
    monkeypatch.setenv("KAIZEN_DIGEST", BROKEN_DIGEST)
    assert deploy.run() == 1
    assert "no earlier good version" in capsys.readouterr().out


def test_an_api_outage_does_not_stop_the_deploy(action_env, api, staging, monkeypatch, capsys):
    from kaizen.github import GitHub

    monkeypatch.setattr(deploy, "api", lambda: GitHub(TOKEN, api.url, sleep=lambda seconds: None))
    api.state.failures = [(502, {})] * 20
    assert deploy.run() == 0
    assert staging.serving().endswith(NEW_DIGEST)
    assert "::warning" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("KAIZEN_DIGEST", "latest", "digest: 'latest' is not a sha256 digest"),
        ("KAIZEN_IMAGE", "ghcr.io/acme/model:latest", "image: 'ghcr.io/acme/model:latest' has a tag"),
        ("KAIZEN_TARGET", "heroku", "target: 'heroku' is not one of"),
        ("KAIZEN_URL", "staging.example.com", "url: 'staging.example.com' is not an http(s) URL"),
        ("KAIZEN_DEPLOY_COMMAND", "", "deploy-command: missing"),
        ("KAIZEN_IMAGE", "Not An Image!!", "image: 'Not An Image!!' is not an image name"),
        ("KAIZEN_URL", "http://staging.example.com/a b", "url: 'http://staging.example.com/a b' is not an http(s) URL"),
        ("KAIZEN_SMOKE_TIMEOUT", "-5", "smoke-timeout: '-5' is not a number above 0"),
        ("KAIZEN_SMOKE_TIMEOUT", "two minutes", "smoke-timeout: 'two minutes' is not a number above 0"),
        ("KAIZEN_LATENCY_BUDGET_MS", "nan", "latency-budget-ms: 'nan' is not a number above 0"),
        ("KAIZEN_LATENCY_CALLS", "2.5", "latency-calls: '2.5' is not a whole number of at least 1"),
    ],
)
def test_bad_input_is_one_clear_error_and_nothing_runs(action_env, staging, monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        deploy.run()
    assert staging.serving() == ""


BLUE_GREEN_COMPOSE = (
    'services:\n  app:\n    image: ${KAIZEN_IMAGE}\n    ports: ["127.0.0.1:${KAIZEN_SLOT_PORT}:8000"]\n'
)


def test_ssh_compose_needs_its_secrets(action_env, monkeypatch, tmp_path):
    (tmp_path / "compose.yml").write_text(BLUE_GREEN_COMPOSE)
    monkeypatch.setenv("KAIZEN_TARGET", "ssh-compose")
    monkeypatch.setenv("KAIZEN_SSH_HOST", "staging.example.com")
    with pytest.raises(InputError, match="ssh-private-key: missing"):
        deploy.run()
    monkeypatch.setenv("KAIZEN_SSH_PRIVATE_KEY", "key")
    with pytest.raises(InputError, match="ssh-known-hosts: missing; add the output of `ssh-keyscan"):
        deploy.run()
    (tmp_path / "compose.yml").write_text("services:\n  app:\n    image: model:latest\n")
    with pytest.raises(InputError, match=r"never uses \$\{KAIZEN_IMAGE\}"):
        deploy.run()
    (tmp_path / "compose.yml").write_text("services:\n  app:\n    image: ${KAIZEN_IMAGE}\n    ports: [8000:8000]\n")
    with pytest.raises(InputError, match=r"never uses \$\{KAIZEN_SLOT_PORT\}; for blue-green, publish the service"):
        deploy.run()


FAKE_COMPOSE = """#!/bin/bash
# Records each call; refuses to pull digests of 'missing' images, fails `up` for 'crash' ones.
echo "$KAIZEN_IMAGE $*" >> "$(dirname "$0")/calls"
case "$*" in
  *pull*) [[ $KAIZEN_IMAGE == *missing* ]] && { echo "manifest unknown" >&2; exit 1; } ;;
  *up*) [[ $KAIZEN_IMAGE == *crash* ]] && { echo "container exited" >&2; exit 1; } ;;
esac
exit 0
"""


FAKE_DOCKER = """#!/bin/bash
# `docker image inspect REF`: only images whose name says 'absent' are not there.
[[ $* == *absent* ]] && exit 1
exit 0
"""


@pytest.fixture(scope="module")
def ssh_host(tmp_path_factory):
    bin_dir = tmp_path_factory.mktemp("host-bin")
    (bin_dir / "docker").write_text(FAKE_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    server = start_sshd(tmp_path_factory.mktemp("sshd"), set_env={"PATH": f"{bin_dir}:/usr/bin:/bin"})
    yield server
    server.stop()


def test_ssh_compose_host_script_pulls_switches_and_restores(ssh_host, tmp_path):
    fake = tmp_path / "compose"
    fake.write_text(FAKE_COMPOSE)
    fake.chmod(0o755)
    compose_file = tmp_path / "compose.yml"
    compose_file.write_text("services:\n  app:\n    image: ${KAIZEN_IMAGE}\n")
    target = SSHCompose(
        host="127.0.0.1",
        user=ssh_host.user,
        port=str(ssh_host.port),
        key=ssh_host.key.read_text(),
        known_hosts=ssh_host.known_hosts(),
        directory=str(tmp_path / "remote"),
        project="consumer-staging",
        compose_file=compose_file,
        compose_command=[str(fake)],
        temp=tmp_path,
    )
    assert target.current() is None
    target.apply("img@sha256:1")
    target.record("img@sha256:1")
    assert target.current() == "img@sha256:1"
    assert (tmp_path / "remote" / ".env").read_text() == "KAIZEN_IMAGE=img@sha256:1\n"

    with pytest.raises(TargetError, match="could not pull missing@sha256:2.*nothing changed") as raised:
        target.apply("missing@sha256:2")
    assert not isinstance(raised.value, SwitchedError)
    assert (tmp_path / "remote" / ".env").read_text() == "KAIZEN_IMAGE=img@sha256:1\n"

    # A pull that reports success, but the engine doesn't have the image: nothing changes either.
    with pytest.raises(TargetError, match="absent@sha256:4 is not on the host after the pull") as raised:
        target.apply("absent@sha256:4")
    assert not isinstance(raised.value, SwitchedError)
    assert (tmp_path / "remote" / ".env").read_text() == "KAIZEN_IMAGE=img@sha256:1\n"

    with pytest.raises(SwitchedError, match="container exited"):
        target.apply("crash@sha256:3")
    compose_file.write_text("services:\n  app:\n    image: ${KAIZEN_IMAGE}\n    changed: true\n")
    target.apply("img@sha256:1", rollback=True)  # restores the compose file it last ran well with
    assert "changed" not in (tmp_path / "remote" / "compose.yml").read_text()
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls[-2:] == [
        "img@sha256:1 -p consumer-staging -f compose.yml rm --force --stop",
        "img@sha256:1 -p consumer-staging -f compose.yml up -d --force-recreate --remove-orphans",
    ]
    assert target.current() == "img@sha256:1"


OTHER_HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOlEb5cd1F0k9vLqZ3o9b0Jx1XyJ8n2a8xQm5c3uWbHf"


def test_ssh_compose_refuses_an_unknown_host_key(ssh_host, tmp_path):
    target = SSHCompose(
        host="127.0.0.1",
        user=ssh_host.user,
        port=str(ssh_host.port),
        key=ssh_host.key.read_text(),
        known_hosts=f"[127.0.0.1]:{ssh_host.port} {OTHER_HOST_KEY}\n",
        directory=str(tmp_path / "remote"),
        project="p",
        compose_file=tmp_path / "compose.yml",
        compose_command=["true"],
        temp=tmp_path,
    )
    with pytest.raises(TargetError, match="cannot reach root@127.0.0.1"):
        target.current()


FAKE_KUBECTL = """#!/bin/bash
# Records its calls and its KUBECONFIG; the rollout of a 'slow' image never completes.
echo "$*" >> "$(dirname "$0")/kubectl-calls"
cp "$KUBECONFIG" "$(dirname "$0")/kubeconfig-seen"
state="$(dirname "$0")/image"
case "$*" in
  *"get deployment/model"*) cat "$state" 2>/dev/null ;;
  *"set image"*) echo "${@: -1}" | cut -d= -f2- > "$state" ;;
  *"rollout status"*) grep -q slow "$state" && { echo "error: exceeded its progress deadline" >&2; exit 1; } ;;
  *"rollout undo"*) echo "img@sha256:good" > "$state" ;;
esac
exit 0
"""


def test_kubernetes_target_sets_the_image_waits_for_the_rollout_and_undoes_it(tmp_path, monkeypatch):
    """Against a recording kubectl: no cluster runs here, so this checks the commands the
    target gives and how it reads their results, not a real rollout."""
    from kaizen.deploy_targets import Kubernetes

    kubectl = tmp_path / "kubectl"
    kubectl.write_text(FAKE_KUBECTL)
    kubectl.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    (tmp_path / "image").write_text("img@sha256:good\n")
    target = Kubernetes("model", "server", "staging", "apiVersion: v1\nkind: Config\n", "60s", temp=tmp_path)
    assert target.current() == "img@sha256:good"
    target.apply("img@sha256:new")
    with pytest.raises(SwitchedError, match="did not complete: error: exceeded its progress deadline"):
        target.apply("img@sha256:slow")
    target.apply("img@sha256:slow", rollback=True)
    assert (tmp_path / "image").read_text().strip() == "img@sha256:good"
    assert (tmp_path / "kubectl-calls").read_text().splitlines() == [
        "--namespace staging get deployment/model --output "
        'jsonpath={.spec.template.spec.containers[?(@.name=="server")].image}',
        "--namespace staging set image deployment/model server=img@sha256:new",
        "--namespace staging rollout status deployment/model --timeout=60s",
        "--namespace staging set image deployment/model server=img@sha256:slow",
        "--namespace staging rollout status deployment/model --timeout=60s",
        "--namespace staging rollout undo deployment/model",
        "--namespace staging rollout status deployment/model --timeout=60s",
    ]
    assert (tmp_path / "kubeconfig-seen").read_text() == "apiVersion: v1\nkind: Config\n"


def test_a_kubernetes_deploy_is_load_tested_and_a_breach_undoes_the_rollout(
    action_env, api, staging, locust_installed, tmp_path, monkeypatch, capsys
):
    """deploy.run() with target kubernetes and the load test on, against the recording kubectl
    and the stand-in service: the load test runs after `rollout status`, and its breach gives
    `rollout undo`, as a failed smoke test does."""
    kubectl = tmp_path / "kubectl"
    kubectl.write_text(FAKE_KUBECTL)
    kubectl.chmod(0o755)
    (tmp_path / "image").write_text("img@sha256:good\n")
    for key, value in {
        "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}",
        "KAIZEN_TARGET": "kubernetes",
        "KAIZEN_KUBERNETES_DEPLOYMENT": "model",
        "KAIZEN_KUBECONFIG": "apiVersion: v1\nkind: Config\n",
        "KAIZEN_LOAD_TEST": "true",
        "KAIZEN_LOAD_DURATION": "2",
        "KAIZEN_LOAD_USERS": "2",
        "KAIZEN_LOAD_MIN_RPS": "100000",
    }.items():
        monkeypatch.setenv(key, value)
    assert deploy.run() == 1
    calls = (tmp_path / "kubectl-calls").read_text().splitlines()
    assert [c.split()[2] for c in calls] == ["get", "set", "rollout", "rollout", "rollout"]
    assert calls[-2] == "--namespace default rollout undo deployment/model"
    assert (tmp_path / "image").read_text().strip() == "img@sha256:good"
    summary = Path(action_env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "### Load test: 2 users for 2s" in summary
    [error] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::error")]
    assert "the load test failed" in error and "Rolled back" in error


def test_the_deploy_command_gets_no_token_key_or_kaizen_input(action_env, api, staging, monkeypatch, tmp_path):
    """The user's command sees KAIZEN_IMAGE_REF and KAIZEN_ROLLBACK, and the job's own variables,
    but not the token, the SSH key or any other input of the action."""
    monkeypatch.setenv("KAIZEN_SSH_PRIVATE_KEY", "-----BEGIN OPENSSH PRIVATE KEY----- secret")
    monkeypatch.setenv("ACTIONS_RUNTIME_TOKEN", "runner-secret")
    monkeypatch.setenv("TEAM_SETTING", "kept")
    dump = tmp_path / "env.txt"
    monkeypatch.setenv("KAIZEN_DEPLOY_COMMAND", f'env > {dump}; echo "$KAIZEN_IMAGE_REF" > {staging.state}')
    assert deploy.run() == 0
    seen = dict(line.split("=", 1) for line in dump.read_text().splitlines() if "=" in line)
    assert seen["KAIZEN_IMAGE_REF"].endswith(NEW_DIGEST) and seen["KAIZEN_ROLLBACK"] == "false"
    assert seen["TEAM_SETTING"] == "kept"
    assert not {k for k in seen if k.startswith("KAIZEN_")} - {"KAIZEN_IMAGE_REF", "KAIZEN_ROLLBACK"}
    assert TOKEN not in dump.read_text() and "secret" not in dump.read_text()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("KAIZEN_ROLLOUT_TIMEOUT", "5 minutes", "rollout-timeout: '5 minutes' is not a whole number of at least 1"),
        ("KAIZEN_COMPOSE_COMMAND", 'docker "compose', "compose-command: 'docker \"compose' cannot be split"),
    ],
)
def test_target_inputs_are_checked_before_anything_is_deployed(
    action_env, api, monkeypatch, tmp_path, variable, value, message
):
    (tmp_path / "compose.yml").write_text(BLUE_GREEN_COMPOSE)
    target = "kubernetes" if variable == "KAIZEN_ROLLOUT_TIMEOUT" else "ssh-compose"
    for name, setting in {
        "KAIZEN_TARGET": target,
        "KAIZEN_KUBERNETES_DEPLOYMENT": "model",
        "KAIZEN_KUBECONFIG": "apiVersion: v1",
        "KAIZEN_SSH_HOST": "staging.example.com",
        "KAIZEN_SSH_PRIVATE_KEY": "key",
        "KAIZEN_SSH_KNOWN_HOSTS": "staging.example.com ssh-ed25519 AAAA",
        variable: value,
    }.items():
        monkeypatch.setenv(name, setting)
    with pytest.raises(InputError, match=re.escape(message)):
        deploy.run()
    assert api.state.deployments == {}  # nothing was recorded: nothing was touched


def test_an_unexpected_fault_mid_deploy_is_recorded_and_rolled_back(action_env, api, staging, monkeypatch, capsys):
    seed_good_deployment(api)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in Kaizen")

    monkeypatch.setattr(deploy, "check", broken)
    assert deploy.run() == 1
    assert staging.serving() == GOOD  # the last good version serves again
    [(_, _), (_, states)] = api.state.deployment_log("acme", "consumer")
    assert states == ["in_progress", "failure"]
    assert "the deploy failed unexpectedly (RuntimeError: a bug in Kaizen)" in capsys.readouterr().out


def test_a_staging_host_refusing_connections_is_one_error_and_nothing_changes(
    ssh_host, action_env, api, tmp_path, monkeypatch, capsys
):
    """Through the real sshd: deploy one version, then the host refuses connections (nothing
    listens on its port): one error, the deployment recorded as an error, the host untouched;
    once it answers again, the same deploy goes through."""
    fake = tmp_path / "compose"
    fake.write_text(FAKE_COMPOSE)
    fake.chmod(0o755)
    (tmp_path / "compose.yml").write_text(BLUE_GREEN_COMPOSE)
    for key, value in {
        "KAIZEN_TARGET": "ssh-compose",
        "KAIZEN_STRATEGY": "recreate",
        "KAIZEN_LOAD_TEST": "false",
        "KAIZEN_SSH_HOST": "127.0.0.1",
        "KAIZEN_SSH_USER": ssh_host.user,
        "KAIZEN_SSH_PORT": str(ssh_host.port),
        "KAIZEN_SSH_PRIVATE_KEY": ssh_host.key.read_text(),
        "KAIZEN_SSH_KNOWN_HOSTS": ssh_host.known_hosts(),
        "KAIZEN_COMPOSE_FILE": "compose.yml",
        "KAIZEN_COMPOSE_COMMAND": str(fake),
        "KAIZEN_COMPOSE_DIRECTORY": str(tmp_path / "host"),
        "KAIZEN_DIGEST": "sha256:" + "1" * 64,
    }.items():
        monkeypatch.setenv(key, value)
    assert deploy.run() == 0
    first = f"127.0.0.1:5000/acme/model@sha256:{'1' * 64}"
    assert (tmp_path / "host" / ".env").read_text() == f"KAIZEN_IMAGE={first}\n"
    capsys.readouterr()

    with socket.socket() as probe:  # a port nothing listens on: connections are refused
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("KAIZEN_SSH_PORT", str(closed))
    monkeypatch.setenv("KAIZEN_DIGEST", NEW_DIGEST)
    calls_before = (tmp_path / "calls").read_text()
    assert deploy.run() == 1
    out = capsys.readouterr().out
    errors = [line for line in out.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and f"cannot reach root@127.0.0.1:{closed} over SSH" in errors[0], out
    assert "Nothing was deployed" in errors[0]
    assert api.state.deployment_log("acme", "consumer")[-1][1] == ["in_progress", "error"]
    assert (tmp_path / "calls").read_text() == calls_before  # compose never ran
    assert (tmp_path / "host" / ".env").read_text() == f"KAIZEN_IMAGE={first}\n"

    monkeypatch.setenv("KAIZEN_SSH_PORT", str(ssh_host.port))  # the host answers again
    assert deploy.run() == 0
    assert (tmp_path / "host" / ".env").read_text() == f"KAIZEN_IMAGE=127.0.0.1:5000/acme/model@{NEW_DIGEST}\n"
