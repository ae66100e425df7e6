"""`actions/deploy`: roll an image out by digest, smoke-test it where it runs, and roll back to
the last good version when it fails, so staging keeps serving. Each deploy is recorded through
GitHub's Deployments API (in_progress, then success or failure)."""

from __future__ import annotations

import os
import re
import shlex
import time
import urllib.parse

from kaizen import gha, image_tags, smoke
from kaizen.deploy_targets import Command, Kubernetes, SSHCompose, SwitchedError, TargetError
from kaizen.gha import InputError
from kaizen.github import GitHub, GitHubError

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
TARGETS = ("ssh-compose", "kubernetes", "command")


def required(name: str, value: str, what: str) -> str:
    if not value:
        raise InputError(f"{name}: missing; {what}", title=name)
    return value


def image_ref() -> str:
    image = gha.env_input("image")
    digest = gha.env_input("digest")
    required("image", image, "give the image name (container.yml's image output)")
    if "@" in image or ":" in image.rsplit("/", 1)[-1]:
        raise InputError(
            f"image: {image!r} has a tag or digest; give the name, and the digest separately", title="image"
        )
    if not image_tags.IMAGE.match(image):
        raise InputError(f"image: {image!r} is not an image name like ghcr.io/owner/name", title="image")
    if not DIGEST.match(digest):
        raise InputError(
            f"digest: {digest!r} is not a sha256 digest; deploys go by digest, never by a moving tag "
            "(use container.yml's digest output)",
            title="digest",
        )
    return f"{image}@{digest}"


def url_input() -> str:
    url = required(
        "url", gha.env_input("url"), "give the staging URL the smoke test calls, e.g. https://staging.example.com"
    )
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or re.search(r"\s", url):
        raise InputError(f"url: {url!r} is not an http(s) URL (no spaces)", title="url")
    return url.rstrip("/")


def compose_command() -> list[str]:
    raw = gha.env_input("compose-command", "docker compose") or "docker compose"
    try:
        words = shlex.split(raw)
    except ValueError as error:
        raise InputError(
            f"compose-command: {raw!r} cannot be split into words ({error})", title="compose-command"
        ) from None
    if not words:
        raise InputError("compose-command: empty; e.g. docker compose or podman-compose", title="compose-command")
    return words


def api() -> GitHub | None:
    token = os.environ.get("KAIZEN_TOKEN", "")
    if not token:
        return None
    return GitHub(token, os.environ.get("GITHUB_API_URL", "https://api.github.com"))


def make_target(kind: str, client: GitHub | None, repository: str, environment: str):
    root = gha.workspace()
    if kind == "ssh-compose":
        compose_file = root / gha.env_input("compose-file", "compose.yml")
        if not compose_file.is_file():
            raise InputError(
                f"compose-file: {gha.env_input('compose-file')!r} does not exist; it is the compose file the "
                "staging host runs, with image: ${KAIZEN_IMAGE}",
                title="compose-file",
            )
        if "KAIZEN_IMAGE" not in compose_file.read_text(encoding="utf-8"):
            raise InputError(
                f"compose-file: {gha.repo_relative(compose_file)} never uses ${{KAIZEN_IMAGE}}; set the service's "
                "image: ${KAIZEN_IMAGE} so the deploy can choose the digest",
                title="compose-file",
                file=gha.repo_relative(compose_file),
            )
        port = gha.env_input("ssh-port", "22")
        if not gha.is_number(port):
            raise InputError(f"ssh-port: {port!r} is not a port number", title="ssh-port")
        return SSHCompose(
            host=required("ssh-host", gha.env_input("ssh-host"), "give the staging host's name or address"),
            user=gha.env_input("ssh-user", "deploy") or "deploy",
            port=port,
            key=required(
                "ssh-private-key",
                os.environ.get("KAIZEN_SSH_PRIVATE_KEY", ""),
                "add the deploy key as a secret and pass it as secrets.ssh-private-key",
            ),
            known_hosts=required(
                "ssh-known-hosts",
                os.environ.get("KAIZEN_SSH_KNOWN_HOSTS", ""),
                "add the output of `ssh-keyscan -p PORT HOST` as a secret and pass it as secrets.ssh-known-hosts",
            ),
            directory=gha.env_input("compose-directory") or f"~/kaizen/{repository.rsplit('/', 1)[-1]}-{environment}",
            project=gha.env_input("compose-project")
            or re.sub(r"[^a-z0-9_-]", "-", f"{repository.rsplit('/', 1)[-1]}-{environment}".lower()),
            compose_file=compose_file,
            compose_command=compose_command(),
        )
    if kind == "kubernetes":
        deployment = required(
            "kubernetes-deployment", gha.env_input("kubernetes-deployment"), "name the Deployment to update"
        )
        return Kubernetes(
            deployment=deployment,
            container=gha.env_input("kubernetes-container") or deployment,
            namespace=gha.env_input("kubernetes-namespace", "default") or "default",
            kubeconfig=required(
                "kubeconfig",
                os.environ.get("KAIZEN_KUBECONFIG", ""),
                "pass the cluster's kubeconfig as secrets.kubeconfig",
            ),
            timeout=f"{int(gha.number_input('rollout-timeout', '300', integer=True))}s",
        )
    command = required(
        "deploy-command", gha.env_input("deploy-command"), "give the command that deploys $KAIZEN_IMAGE_REF"
    )
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
    return gha.env_input("health-path", "/health") or "/health"


def check(url: str, request: bytes | None, budget_ms: float, calls: int, timeout: float) -> smoke.SmokeResult:
    result = smoke.smoke(
        url,
        health_path=health_path(),
        predict_path=gha.env_input("predict-path", "/predict") or "/predict",
        request=request,
        timeout=timeout,
        latency_calls=calls,
    )
    if result.latencies_ms and result.p95_ms > budget_ms:
        raise smoke.SmokeFailure(
            f"p95 latency {result.p95_ms:.0f} ms over {calls} predictions exceeds the {budget_ms:.0f} ms budget"
        )
    return result


def run() -> int:
    kind = gha.env_input("target", "ssh-compose")
    if kind not in TARGETS:
        raise InputError(f"target: {kind!r} is not one of {', '.join(TARGETS)}", title="target")
    ref = image_ref()
    url = url_input()
    environment = gha.env_input("environment", "staging") or "staging"
    repository = os.environ.get("GITHUB_REPOSITORY", "")
    request = smoke.read_request(gha.env_input("smoke-request"), "smoke-request")
    budget_ms = gha.number_input("latency-budget-ms", "1000")
    calls = int(gha.number_input("latency-calls", "20", integer=True))
    timeout = gha.number_input("smoke-timeout", "120")
    client = api()
    target = make_target(kind, client, repository, environment)
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
    try:
        target.apply(ref)
        result = check(url, request, budget_ms, calls, timeout)
    except Exception as unexpected:
        if isinstance(unexpected, (TargetError, smoke.SmokeFailure)):
            failure = unexpected
        else:  # Kaizen's own fault mid-deploy: still record it and put the last good version back
            failure = SwitchedError(f"the deploy failed unexpectedly ({type(unexpected).__name__}: {unexpected})")
        if isinstance(failure, TargetError) and not isinstance(failure, SwitchedError):
            recorder.status("failure", str(failure))
            gha.error(f"{failure}. Staging still runs {previous or 'what it ran'}.", title="deploy")
            gha.add_summary(f"### Deploy to {environment}\n\n:x: {failure}. Nothing changed.")
            return 1
        return roll_back(target, recorder, environment, ref, previous, url, failure, timeout)
    target.record(ref)
    seconds = time.monotonic() - started
    recorder.status("success", f"{ref.rsplit('/', 1)[-1][:100]} passed its smoke test", url)
    latency = f"; p95 {result.p95_ms:.0f} ms over {len(result.latencies_ms)} predictions" if result.latencies_ms else ""
    print(f"{environment} serves {ref} ({seconds:.1f}s{latency})", flush=True)
    gha.set_output("rolled-back", "false")
    gha.add_summary(
        f"### Deploy to {environment}\n\n:white_check_mark: [{url}]({url}) serves `{ref}` "
        f"(healthy {seconds:.1f}s after the switch{latency}). Previous: `{previous or 'none'}`."
    )
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
            f"{rollback_failure}. Staging needs a hand.",
            title="deploy",
        )
        return 1
    recorder.status("failure", f"rolled back: {failure}", url)
    gha.error(
        f"{ref} failed on {environment}: {failure}. Rolled back: staging serves {previous} again.", title="deploy"
    )
    gha.add_summary(
        f"### Deploy to {environment}\n\n:x: `{ref}` failed: {failure}.\n\n"
        f":leftwards_arrow_with_hook: Rolled back; [{url}]({url}) serves `{previous}` again."
    )
    return 1
