"""Blue-green deploys through act, from a consumer repository calling deploy-staging.yml: real
sshd hosts on loopback, compose on their own podman engines, Debian's nginx as the proxy in a
container, locust load-testing each deploy, and a steady 50 requests/s from this test while the
deploys happen, every failed request counted."""

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from kaizen_harness import act, consumer, containers, shipping, training
from kaizen_harness.github_api import GitHubAPIStandIn

TOKEN = "ghs_blue_green_e2e_token"
DEPLOY_JOB = "deploy/deploy-staging/Deploy to"
DEPLOY = """\
name: deploy
on: workflow_dispatch
permissions: {}
jobs:
  deploy:
    uses: kaizen-ci/kaizen/.github/workflows/deploy-staging.yml@v1
    permissions:
      contents: read
      deployments: write
    with:
      image: ${{ vars.IMAGE }}
      digest: ${{ vars.DIGEST }}
      environment: ${{ vars.ENVIRONMENT }}
      url: ${{ vars.URL }}
      ssh-host: 127.0.0.1
      ssh-port: ${{ vars.SSH_PORT }}
      ssh-user: root
      compose-file: ${{ vars.COMPOSE_FILE }}
      strategy: ${{ vars.STRATEGY }}
      compose-command: docker-compose
      compose-directory: ${{ vars.HOST_DIR }}
      compose-project: ${{ vars.PROJECT }}
      slot-ports: ${{ vars.SLOT_PORTS }}
      proxy-image: ${{ vars.PROXY_IMAGE }}
      smoke-request: serving/sample-request.json
      smoke-timeout: "60"
      drain-seconds: "2"
      load-users: "5"
      load-user-rate: "4"
      load-duration: "8"
      load-p95-ms: ${{ vars.LOAD_P95_MS }}
    secrets:
      ssh-private-key: ${{ secrets.SSH_KEY }}
      ssh-known-hosts: ${{ secrets.KNOWN_HOSTS }}
"""


class SteadyLoad:
    """`rate` requests a second to `url` from a thread, each on a new connection, until stopped."""

    def __init__(self, url: str, body: bytes, rate: float = 50.0) -> None:
        self.url, self.body, self.interval = url, body, 1.0 / rate
        self.sent = self.failed = 0
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _one(self) -> None:
        request = urllib.request.Request(
            f"{self.url}/predict", data=self.body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                ok = response.status == 200 and b"predictions" in response.read()
        except (urllib.error.URLError, OSError) as error:
            ok = False
            self.errors.append(str(error))
        self.sent += 1
        if not ok:
            self.failed += 1

    def _run(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            self._one()
            next_at += self.interval
            time.sleep(max(0.0, next_at - time.monotonic()))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)


def build(shipyard, repo: Path, version: str, *, slow: bool = False, broken: bool = False) -> str:
    """The example project's image, tagged `version` (its GIT_SHA), pushed; its digest. `slow`
    answers every prediction 300 ms late; `broken` cannot load its model (it exits)."""
    context = repo.parent / f"context-{version}"
    consumer.git(repo, "worktree", "add", "--force", str(context), "HEAD")
    for name in ("models", "metrics.json"):
        source = repo / name
        target = context / name
        if source.is_dir():
            target.mkdir(exist_ok=True)
            for file in source.iterdir():
                (target / file.name).write_bytes(file.read_bytes())
        else:
            target.write_bytes(source.read_bytes())
    serve = context / "src" / "kaizen_example" / "serve.py"
    # Code that differs per version: podman 4.3's layer cache ignores a changed build argument.
    serve.write_text(serve.read_text() + f"\n# {version}\n")
    if slow:
        slowed = "    __import__('time').sleep(0.3)\n    model = load_model()\n    expected"
        serve.write_text(serve.read_text().replace("    model = load_model()\n    expected", slowed, 1))
    dockerfile = context / "Dockerfile"
    if broken:
        dockerfile.write_text(
            dockerfile.read_text().replace("USER app\n", "ENV KAIZEN_MODEL_PATH=/app/models/missing.joblib\nUSER app\n")
        )
    image = f"{shipping.image(shipyard)}:{version}"
    shipyard.engine.podman(
        "build", "--format", "docker", "--build-arg", f"BASE_IMAGE={shipyard.base_image}",
        "--build-arg", f"GIT_SHA={version}", "--secret", f"id=pip-ca,src={shipping.CA_BUNDLE}",
        "--tag", image, str(context),
    )  # fmt: skip
    digest_file = repo.parent / f"{version}.digest"
    shipyard.engine.podman("push", "--digestfile", str(digest_file), image)
    return digest_file.read_text().strip()


def metadata(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/metadata", timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture()
def deploying_consumer(make_consumer, pipeline_python, shipyard, tmp_path):
    repo = make_consumer(templates=("ship.yml",))
    training.train_and_push(repo, pipeline_python, str(tmp_path / "dvc-remote"))
    (repo / ".github" / "workflows" / "deploy.yml").write_text(DEPLOY)
    consumer.commit_all(repo, "Deploy workflow")
    shipyard.engine.login(shipyard.registry.host, shipyard.registry.user, shipyard.registry.password)
    return repo


def deploy(
    repo, sandbox, api, shipyard, host: containers.Host, host_dir: Path, environment: str, digest: str, p95="2000",
    strategy="blue-green", compose_file="deploy/compose.yml",
):  # fmt: skip
    return act.run_workflow(
        repo,
        "workflow_dispatch",
        sandbox,
        workflow="deploy.yml",
        payload={},
        env={"GITHUB_API_URL": api.url, **shipyard.engine.env},
        secrets={"GITHUB_TOKEN": TOKEN, "SSH_KEY": host.ssh.key.read_text(), "KNOWN_HOSTS": host.ssh.known_hosts()},
        variables={
            "IMAGE": shipping.image(shipyard),
            "DIGEST": digest,
            "ENVIRONMENT": environment,
            "URL": host.url,
            "SSH_PORT": str(host.ssh.port),
            "HOST_DIR": str(host_dir),
            "PROJECT": f"{environment}-{host.port}",
            "SLOT_PORTS": " ".join(map(str, host.slot_ports)),
            "PROXY_IMAGE": shipyard.proxy_image,
            "LOAD_P95_MS": p95,
            "STRATEGY": strategy,
            "COMPOSE_FILE": compose_file,
        },
    )


def output(run: act.ActRun, name: str) -> str:
    values = [
        value for _, key, value in run.outputs(DEPLOY_JOB, step="Deploy, smoke-test and load-test") if key == name
    ]
    return values[-1] if values else ""


def test_blue_green_deploys_drop_no_request_and_production_gets_the_digest_staging_proved(
    deploying_consumer, sandbox, shipyard, tmp_path
):
    repo = deploying_consumer
    sample = (repo / "serving" / "sample-request.json").read_bytes()
    v1, v2 = build(shipyard, repo, "v1"), build(shipyard, repo, "v2")
    v3 = build(shipyard, repo, "v3-slow", slow=True)
    broken = build(shipyard, repo, "v4-broken", broken=True)
    staging, staging_dir = shipyard.staging, tmp_path / "staging-host"
    production = containers.start_host(tmp_path / "production", shipyard.registry)
    try:
        with GitHubAPIStandIn(TOKEN) as api:
            # v1: the first deploy starts the blue slot and the proxy in front of it.
            run = deploy(repo, sandbox, api, shipyard, staging, staging_dir, "staging", v1)
            assert run.returncode == 0, run.log[-8000:]
            assert metadata(staging.url)["git_sha"] == "v1"
            assert float(output(run, "load-test-seconds")) > 0
            load_summary = [text for _, text in run.summaries(DEPLOY_JOB) if "Load test" in text]
            assert load_summary and "| p95 latency |" in load_summary[0]

            # v2 under a steady 50 requests/s: the green slot takes over without one failure.
            with SteadyLoad(staging.url, sample) as load:
                run = deploy(repo, sandbox, api, shipyard, staging, staging_dir, "staging", v2)
            assert run.returncode == 0, run.log[-8000:]
            assert load.sent >= 200 and load.failed == 0, (load.sent, load.failed, load.errors[:5])
            assert metadata(staging.url)["git_sha"] == "v2"
            assert float(output(run, "switch-seconds")) < 30
            # v1's slot drains, then stops in the background under the host folder's lock; kept.
            containers.wait_for_host(staging_dir)
            assert staging.running_digests() == [v2]

            # v3 answers, but too slowly under load: rolled back to v2, still without a failure.
            with SteadyLoad(staging.url, sample) as load:
                run = deploy(repo, sandbox, api, shipyard, staging, staging_dir, "staging", v3, p95="150")
            assert run.returncode != 0
            assert load.sent >= 200 and load.failed == 0, (load.sent, load.failed, load.errors[:5])
            [error] = [a for a in run.annotations() if a["job"].startswith(DEPLOY_JOB)]
            assert "the load test failed: p95" in error["message"] and "Rolled back" in error["message"]
            assert metadata(staging.url)["git_sha"] == "v2"
            assert staging.running_digests() == [v2]

            # Promotion: production (a second host) gets v2's digest, exactly; it passes its
            # smoke and load tests there.
            run = deploy(repo, sandbox, api, shipyard, production, tmp_path / "production-host", "production", v2)
            assert run.returncode == 0, run.log[-8000:]
            assert metadata(production.url)["git_sha"] == "v2"
            assert production.running_digests() == [v2]
            assert output(run, "image-ref").endswith(f"@{v2}")

            # A production deploy whose smoke test fails: production stays on v2, staging too.
            with SteadyLoad(production.url, sample) as load:
                run = deploy(
                    repo, sandbox, api, shipyard, production, tmp_path / "production-host", "production", broken
                )
            assert run.returncode != 0
            assert load.failed == 0, (load.sent, load.failed, load.errors[:5])
            [error] = [a for a in run.annotations() if a["job"].startswith(DEPLOY_JOB)]
            assert "did not become healthy in its slot" in error["message"]
            assert f"production still runs {shipping.image(shipyard)}@{v2}" in error["message"]
            assert metadata(production.url)["git_sha"] == "v2"
            assert metadata(staging.url)["git_sha"] == "v2"
            logs = api.state.deployment_log("acme", "consumer")
            assert [d["environment"] for d, _ in logs] == ["staging"] * 3 + ["production"] * 2
            assert [states[-1] for _, states in logs] == ["success", "success", "failure", "success", "failure"]
    finally:
        production.engine.remove_containers()
        production.stop()


# How a host ran its one container before blue-green: the service holds the public port itself.
SINGLE_CONTAINER = """\
services:
  model:
    image: ${KAIZEN_IMAGE}
    init: true
    restart: unless-stopped
    ports:
      - "${STAGING_PORT}:8000"
"""


def test_a_single_container_host_is_migrated_by_its_first_blue_green_deploy(
    deploying_consumer, sandbox, shipyard, tmp_path
):
    repo = deploying_consumer
    (repo / "deploy" / "single-container.yml").write_text(SINGLE_CONTAINER)
    consumer.commit_all(repo, "The compose file staging ran before blue-green")
    sample = (repo / "serving" / "sample-request.json").read_bytes()
    v1, v2 = build(shipyard, repo, "m1"), build(shipyard, repo, "m2")
    broken = build(shipyard, repo, "m3-broken", broken=True)
    host, host_dir = containers.start_host(tmp_path / "host", shipyard.registry), tmp_path / "host-dir"
    try:
        with GitHubAPIStandIn(TOKEN) as api:
            run = deploy(
                repo, sandbox, api, shipyard, host, host_dir, "staging", v1,
                strategy="recreate", compose_file="deploy/single-container.yml",
            )  # fmt: skip
            assert run.returncode == 0, run.log[-8000:]
            assert metadata(host.url)["git_sha"] == "m1" and host.running_digests() == [v1]

            # The first blue-green deploy: the new slot is healthy before the old container gives
            # up the port; afterwards the proxy serves v2 and nothing of the old set-up is lost.
            with SteadyLoad(host.url, sample) as load:
                run = deploy(repo, sandbox, api, shipyard, host, host_dir, "staging", v2)
            assert run.returncode == 0, run.log[-8000:]
            assert metadata(host.url)["git_sha"] == "m2" and host.running_digests() == [v2]
            assert "migrating: stopping the single-container service" in run.log
            assert (host_dir / ".kaizen" / "migrated-compose.yml").read_text() == SINGLE_CONTAINER
            assert (host_dir / ".kaizen" / "last-good").read_text().strip().endswith(f"@{v2}")
            # One short gap, once: under 5 s of refused requests at 50 a second.
            assert load.failed < 250, (load.sent, load.failed)
            print(f"migration: {load.failed}/{load.sent} requests failed")

            # From then on it is blue-green: a broken version changes nothing.
            with SteadyLoad(host.url, sample) as load:
                run = deploy(repo, sandbox, api, shipyard, host, host_dir, "staging", broken)
            assert run.returncode != 0
            assert load.failed == 0, (load.sent, load.failed, load.errors[:5])
            assert metadata(host.url)["git_sha"] == "m2"
    finally:
        host.engine.remove_containers()
        host.stop()
