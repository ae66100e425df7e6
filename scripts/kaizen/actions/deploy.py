"""`actions/deploy`: roll an image out by digest, smoke-test it where it runs, and roll back to
the last good version when it fails, so staging keeps serving. Each deploy is recorded through
GitHub's Deployments API (in_progress, then success or failure)."""

from __future__ import annotations

import os
import re
import shlex
import time
import urllib.parse
from pathlib import Path

from kaizen import gha, inputs, load_test, smoke
from kaizen.deploy_targets import Command, Kubernetes, SSHCompose, SwitchedError, TargetError
from kaizen.escape import md_code, md_text
from kaizen.github import GitHub, GitHubError

TARGETS = ("ssh-compose", "kubernetes", "command")
# nginx's official image; the proxy only needs the nginx binary. Pin it by digest for production.
DEFAULT_PROXY_IMAGE = "docker.io/library/nginx:1.27-alpine"


def required_secret(name: str, what: str) -> str:
    value = inputs.secret(name)
    if not value.strip():
        raise inputs.bad(name, f"missing; {what}")
    return value


def image_ref() -> str:
    image = inputs.image("image")
    digest = inputs.digest("digest", "deploys go by digest, never by a moving tag (use container.yml's digest output)")
    return f"{image}@{digest}"


def compose_command() -> list[str]:
    raw = inputs.text("compose-command", "docker compose")
    try:
        words = shlex.split(raw)
    except ValueError as error:
        raise inputs.bad("compose-command", f"{raw!r} cannot be split into words ({error})") from None
    return words


def api() -> GitHub | None:
    token = inputs.secret("token")
    if not token:
        return None
    return GitHub(token, os.environ.get("GITHUB_API_URL", "https://api.github.com"))


def make_target(kind: str, client: GitHub | None, repository: str, environment: str, url: str, timeout: float):
    if kind == "ssh-compose":
        compose_file = inputs.file(
            "compose-file",
            "compose.yml",
            what="it is the compose file the staging host runs, with image: ${KAIZEN_IMAGE}",
        )
        if "KAIZEN_IMAGE" not in compose_file.read_text(encoding="utf-8", errors="replace"):
            raise inputs.bad(
                "compose-file",
                f"{gha.repo_relative(compose_file)} never uses ${{KAIZEN_IMAGE}}; set the service's "
                "image: ${KAIZEN_IMAGE} so the deploy can choose the digest",
                file=gha.repo_relative(compose_file),
            )
        name = f"{repository.rsplit('/', 1)[-1]}-{environment}"
        strategy = inputs.choice("strategy", ("blue-green", "recreate"), "blue-green")
        blue_green = {}
        if strategy == "blue-green":
            if "KAIZEN_SLOT_PORT" not in compose_file.read_text(encoding="utf-8", errors="replace"):
                raise inputs.bad(
                    "compose-file",
                    f"{gha.repo_relative(compose_file)} never uses ${{KAIZEN_SLOT_PORT}}; for blue-green, publish the "
                    'service as "127.0.0.1:${KAIZEN_SLOT_PORT}:<its port>" (the proxy takes the public port), '
                    "or set strategy: recreate",
                    file=gha.repo_relative(compose_file),
                )
            public = inputs.port("proxy-port", urllib.parse.urlsplit(url).port or 80)
            blue_green = {
                "public_port": public,
                "slot_ports": tuple(inputs.ports("slot-ports", 2, [public + 1, public + 2])),
                "health_path": health_path(),
                "proxy_image": inputs.image_reference("proxy-image", DEFAULT_PROXY_IMAGE),
                "health_timeout": timeout,
                "drain_seconds": inputs.integer("drain-seconds", 10, minimum=0),
            }
        return SSHCompose(
            strategy=strategy,
            **blue_green,
            host=inputs.host("ssh-host", "give the staging host's name or address"),
            user=inputs.user_name("ssh-user", "deploy"),
            port=str(inputs.port("ssh-port", 22)),
            key=required_secret(
                "ssh-private-key", "add the deploy key as a secret and pass it as secrets.ssh-private-key"
            ),
            known_hosts=required_secret(
                "ssh-known-hosts",
                "add the output of `ssh-keyscan -p PORT HOST` as a secret and pass it as secrets.ssh-known-hosts",
            ),
            directory=inputs.text("compose-directory", f"~/kaizen/{name}"),
            project=inputs.dns_name(
                "compose-project", re.sub(r"[^a-z0-9_-]", "-", name.lower())[:63].strip("-_"), what="a compose project"
            ),
            compose_file=compose_file,
            compose_command=compose_command(),
        )
    if kind == "kubernetes":
        deployment = inputs.dns_name("kubernetes-deployment", what="the Deployment to update")
        return Kubernetes(
            deployment=deployment,
            container=inputs.dns_name("kubernetes-container", deployment, what="the Deployment's container"),
            namespace=inputs.dns_name("kubernetes-namespace", "default", what="a namespace"),
            kubeconfig=required_secret("kubeconfig", "pass the cluster's kubeconfig as secrets.kubeconfig"),
            timeout=f"{inputs.integer('rollout-timeout', 300)}s",
        )
    command = inputs.required("deploy-command", "give the command that deploys $KAIZEN_IMAGE_REF")
    previous = None
    if client is not None:
        try:
            last = client.last_successful_deployment(repository, environment)
            previous = ((last or {}).get("payload") or {}).get("image_ref") if last else None
        except GitHubError as error:
            gha.warning(f"the last good deployment could not be read ({error}); no rollback target", title="deploy")
    return Command(command, previous)


class Recorder:
    """GitHub deployment statuses; an API fault is a warning, never a reason to leave staging broken."""

    def __init__(self, client: GitHub | None, repository: str) -> None:
        self.client, self.repository, self.id = client, repository, None

    def start(self, ref: str, environment: str, image: str) -> None:
        if self.client is None:
            gha.warning("no token: the deployment is not recorded in GitHub's Deployments API", title="deploy")
            return
        try:
            self.id = self.client.create_deployment(
                self.repository,
                ref=ref,
                environment=environment,
                payload={"image_ref": image},
                description=f"Kaizen: {image.rsplit('/', 1)[-1][:100]}",
            )
        except GitHubError as error:
            gha.warning(f"recording the deployment failed ({error}); deploying anyway", title="deploy")

    def status(self, state: str, description: str, url: str = "") -> None:
        if self.client is None or self.id is None:
            return
        log_url = ""
        if os.environ.get("GITHUB_RUN_ID"):
            log_url = f"{os.environ.get('GITHUB_SERVER_URL', 'https://github.com')}/{self.repository}/actions/runs/{os.environ['GITHUB_RUN_ID']}"
        try:
            self.client.set_deployment_status(
                self.repository, self.id, state, description=description, environment_url=url, log_url=log_url
            )
        except GitHubError as error:
            gha.warning(f"setting the deployment's status to {state} failed ({error})", title="deploy")


def health_path() -> str:
    return inputs.url_path("health-path", "/health")


def load_settings() -> load_test.Settings | None:
    """The load test's inputs, or None when it is off."""
    if not inputs.boolean("load-test", True):
        return None
    minimum = inputs.text("load-min-rps")
    return load_test.Settings(
        users=inputs.integer("load-users", 10),
        user_rate=inputs.number("load-user-rate", 5, unit="(requests a second per user)"),
        duration=inputs.seconds("load-duration", 20),
        p95_ms=inputs.number("load-p95-ms", 1000, unit="(milliseconds)"),
        max_error_percent=inputs.percent("load-max-error-percent", 1),
        min_rps=inputs.number("load-min-rps", 1, unit="(requests a second)") if minimum else None,
        locustfile=inputs.file("load-test-file", what="give the project's locustfile, or leave it empty"),
    )


def check(
    url: str,
    request: bytes | None,
    budget_ms: float,
    calls: int,
    timeout: float,
    load: load_test.Settings | None,
    parts: dict[str, float] | None = None,
    installing=None,
) -> smoke.SmokeResult:
    """The smoke test, then the load test; each one's seconds go into `parts`."""
    parts = {} if parts is None else parts
    predict_path = inputs.url_path("predict-path", "/predict")
    began = time.monotonic()
    result = smoke.smoke(
        url, health_path=health_path(), predict_path=predict_path, request=request, timeout=timeout, latency_calls=calls
    )
    parts["smoke"] = time.monotonic() - began
    if result.latencies_ms and result.p95_ms > budget_ms:
        raise smoke.SmokeFailure(
            f"p95 latency {result.p95_ms:.0f} ms over {calls} predictions exceeds the {budget_ms:.0f} ms budget"
        )
    if load is not None:
        out_dir = Path(gha.runner_temp()) / "kaizen-load-test"
        gha.set_output("load-test-dir", str(out_dir))
        began = time.monotonic()
        try:
            measured = load_test.run(url, load, request, health_path(), predict_path, out_dir, installing)
        finally:
            parts["load"] = time.monotonic() - began
        gha.set_output("load-test-seconds", f"{measured.seconds:.1f}")
    return result


def parts_table(parts: dict[str, float], total: float) -> str:
    """The deploy's parts and their seconds, as one Markdown table."""
    names = [*parts, "in all"]
    seconds = [*parts.values(), total]
    return "\n".join(
        [
            "| " + " | ".join(names) + " |",
            "|" + " ---: |" * len(names),
            "| " + " | ".join(f"{value:.1f}s" for value in seconds) + " |",
        ]
    )


def run() -> int:
    kind = inputs.choice("target", TARGETS, "ssh-compose")
    ref = image_ref()
    url = inputs.url("url", "give the staging URL the smoke test calls, e.g. https://staging.example.com")
    environment = inputs.identifier("environment", "staging", "an environment name")
    repository = os.environ.get("GITHUB_REPOSITORY", "")
    request = inputs.json_file("smoke-request")
    budget_ms = inputs.number("latency-budget-ms", 1000, unit="(milliseconds)")
    calls = inputs.integer("latency-calls", 20)
    timeout = inputs.seconds("smoke-timeout", 120)
    health_path()
    inputs.url_path("predict-path", "/predict")
    load = load_settings()
    client = api()
    target = make_target(kind, client, repository, environment, url, timeout)
    for secret in ("KAIZEN_SSH_PRIVATE_KEY", "KAIZEN_SSH_KNOWN_HOSTS", "KAIZEN_KUBECONFIG"):
        for line in os.environ.get(secret, "").splitlines():
            if line.strip():
                print(f"::add-mask::{line.strip()}", flush=True)

    recorder = Recorder(client, repository)
    recorder.start(os.environ.get("GITHUB_SHA", ""), environment, ref)
    recorder.status("in_progress", f"deploying to {target.describe()}"[:140])
    gha.set_output("image-ref", ref)
    gha.set_output("url", url)
    try:
        previous = target.current()
    except TargetError as error:
        recorder.status("error", str(error))
        gha.error(f"{error}. Nothing was deployed.", title="deploy")
        return 1
    print(f"deploying {ref} to {environment} ({target.describe()}); last good: {previous or 'none'}", flush=True)
    gha.set_output("previous-image-ref", previous or "")
    started = time.monotonic()
    parts: dict[str, float] = {}
    # Locust installs (the first time on a runner) while the host pulls and starts the new version.
    installing = load_test.install_in_background() if load is not None else None
    try:
        target.apply(ref)
        # The host's own account of pull, start, health and switch where it gives one.
        parts.update(getattr(target, "phases", None) or {"apply": time.monotonic() - started})
        result = check(url, request, budget_ms, calls, timeout, load, parts, installing)
    except Exception as unexpected:
        if isinstance(unexpected, (TargetError, smoke.SmokeFailure)):
            failure = unexpected
        else:  # Kaizen's own fault mid-deploy: still record it and put the last good version back
            failure = SwitchedError(f"the deploy failed unexpectedly ({type(unexpected).__name__}: {unexpected})")
        if isinstance(failure, TargetError) and not isinstance(failure, SwitchedError):
            recorder.status("failure", str(failure))
            gha.error(f"{failure}. {environment} still runs {previous or 'what it ran'}.", title="deploy")
            gha.add_summary(f"### Deploy to {environment}\n\n:x: {md_text(failure, 1000)}. Nothing changed.")
            return 1
        return roll_back(target, recorder, environment, ref, previous, url, failure, timeout)
    recorded = time.monotonic()
    target.record(ref)
    parts["record"] = time.monotonic() - recorded
    if getattr(target, "switch_seconds", None) is not None:
        gha.set_output("switch-seconds", f"{target.switch_seconds:.2f}")
    seconds = time.monotonic() - started
    recorder.status(
        "success", f"{ref.rsplit('/', 1)[-1][:100]} passed its smoke{' and load' if load else ''} tests", url
    )
    latency = f"; p95 {result.p95_ms:.0f} ms over {len(result.latencies_ms)} predictions" if result.latencies_ms else ""
    print(f"{environment} serves {ref} ({seconds:.1f}s{latency})", flush=True)
    gha.set_output("rolled-back", "false")
    gha.add_summary(
        f"### Deploy to {environment}\n\n:white_check_mark: [{url}]({url}) serves `{ref}` "
        f"(deployed, tested and recorded in {seconds:.1f}s{latency}). Previous: {md_code(previous or 'none', 300)}.\n\n"
        f"{parts_table(parts, seconds)}"
    )
    print("deploy parts: " + ", ".join(f"{name} {value:.1f}s" for name, value in parts.items()), flush=True)
    return 0


def roll_back(
    target,
    recorder: Recorder,
    environment: str,
    ref: str,
    previous: str | None,
    url: str,
    failure: Exception,
    timeout: float,
) -> int:
    gha.set_output("rolled-back", "true" if previous else "false")
    if not previous:
        recorder.status("failure", f"{failure}; no earlier version to roll back to")
        gha.error(
            f"{ref} failed on {environment}: {failure}. There is no earlier good version to roll back to.",
            title="deploy",
        )
        return 1
    print(f"{ref} failed on {environment}: {failure}; rolling back to {previous}", flush=True)
    try:
        target.apply(previous, rollback=True)
        smoke.wait_healthy(url, health_path(), timeout)
    except (TargetError, smoke.SmokeFailure) as rollback_failure:
        recorder.status("error", f"rollback failed: {rollback_failure}")
        gha.error(
            f"{ref} failed on {environment} ({failure}) and the rollback to {previous} failed too: "
            f"{rollback_failure}. {environment} needs a hand.",
            title="deploy",
        )
        return 1
    recorder.status("failure", f"rolled back: {failure}", url)
    gha.error(
        f"{ref} failed on {environment}: {failure}. Rolled back: {environment} serves {previous} again.", title="deploy"
    )
    gha.add_summary(
        f"### Deploy to {environment}\n\n:x: `{ref}` failed: {md_text(failure, 1000)}.\n\n"
        f":leftwards_arrow_with_hook: Rolled back; [{url}]({url}) serves {md_code(previous, 300)} again."
    )
    return 1
