"""`actions/container`: plan the build (tags, labels, build arguments), smoke-test the built
image before anything is pushed, and report what was pushed."""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

from kaizen import gha, image_tags, inputs, smoke, untrusted
from kaizen.escape import md_code, md_text
from kaizen.git import git

SMOKE_LOG_LINES = 60


def git_event() -> image_tags.GitEvent:
    payload = untrusted.event_payload()
    number = untrusted.event_object(payload, "pull_request").get("number")
    default_branch = untrusted.event_object(payload, "repository").get("default_branch")
    return image_tags.GitEvent(
        sha=os.environ.get("GITHUB_SHA", ""),
        ref=os.environ.get("GITHUB_REF", ""),
        event=os.environ.get("GITHUB_EVENT_NAME", ""),
        default_branch=default_branch if isinstance(default_branch, str) else "main",
        pr_number=number if isinstance(number, int) and not isinstance(number, bool) and number > 0 else None,
        repository=os.environ.get("GITHUB_REPOSITORY", ""),
        server_url=os.environ.get("GITHUB_SERVER_URL", "https://github.com"),
    )


def commit_time(sha: str) -> str:
    """The commit's time, so rebuilding one commit gives the same labels; now if git can't say."""
    found = git(Path.cwd(), "log", "-1", "--format=%cI", "--end-of-options", sha or "HEAD", check=False)
    if found.returncode == 0 and found.stdout.strip():
        return datetime.fromisoformat(found.stdout.strip()).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def default_image() -> str:
    return f"ghcr.io/{os.environ.get('GITHUB_REPOSITORY', '')}"


def smoke_settings(base: Path) -> dict:
    """The smoke test's inputs, checked by the context step so a typo stops the job before the build."""
    return {
        "port": inputs.port("smoke-port", 8000),
        "health_path": inputs.url_path("smoke-health-path", "/health"),
        "predict_path": inputs.url_path("smoke-predict-path", "/predict"),
        "request": inputs.json_file("smoke-request", base=base),
        "timeout": inputs.seconds("smoke-timeout", 60),
    }


def run_context() -> int:
    root = gha.workspace()
    context = inputs.folder("context", what="give the build context, the folder with the Dockerfile")
    dockerfile = inputs.file(
        "dockerfile", "Dockerfile", base=context, what="it is relative to the context; name the Dockerfile"
    )
    image = inputs.image("image", default_image())
    smoke_settings(context)
    event = git_event()
    tags = [f"{image}:{tag}" for tag in image_tags.tags_for(event)]
    labels = image_tags.labels_for(event, commit_time(event.sha), description=inputs.text("description"))
    build_args = [f"GIT_SHA={event.sha}", f"MODEL_VERSION={image_tags.version_of(event)}"]
    build_args += [line.strip() for line in inputs.text("build-args").splitlines() if line.strip()]
    for line in build_args:
        if "=" not in line:
            raise inputs.bad("build-args", f"{line!r} is not NAME=value")
    gha.set_output("image", image)
    gha.set_output("registry", image_tags.registry_of(image))
    gha.set_output("tags", "\n".join(tags))
    gha.set_output("smoke-image", tags[0])
    gha.set_output("labels", "\n".join(f"{key}={value}" for key, value in labels.items()))
    gha.set_output("build-args", "\n".join(build_args))
    gha.set_output("dockerfile", dockerfile.relative_to(root).as_posix())
    gha.set_output("cache-scope", image.replace("/", "-").replace(":", "-"))
    print(f"image {image}; tags: {', '.join(t.rsplit(':', 1)[1] for t in tags)}", flush=True)
    return 0


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise smoke.SmokeFailure(f"docker {args[0]} failed: {(result.stderr or result.stdout).strip()[-500:]}")
    return result


def published_port(container: str, port: str) -> str:
    mapping = docker("port", container, f"{port}/tcp").stdout.split()
    if not mapping:
        raise smoke.SmokeFailure(f"the container publishes no port {port}")
    return mapping[0].rsplit(":", 1)[1]


def running(container: str) -> bool:
    state = docker("inspect", "--format", "{{.State.Running}}", container, check=False)
    return state.returncode == 0 and state.stdout.strip() == "true"


def run_smoke() -> int:
    image = inputs.required("image", "the tagged image to test (the context step's smoke-image output)")
    settings = smoke_settings(Path.cwd())
    port, request, timeout = settings["port"], settings["request"], settings["timeout"]
    started = docker("run", "--detach", "--init", "--publish", f"127.0.0.1::{port}", image, check=False)
    if started.returncode != 0:
        gha.error(f"the image did not start: {started.stderr.strip()[-500:]}", title="smoke test")
        return 1
    container = started.stdout.strip()
    began = time.monotonic()
    try:
        base_url = f"http://127.0.0.1:{published_port(container, port)}"
        result = smoke.smoke(
            base_url,
            health_path=settings["health_path"],
            predict_path=settings["predict_path"],
            request=request,
            timeout=timeout,
            alive=lambda: running(container),
        )
    except smoke.SmokeFailure as failure:
        logs = docker("logs", "--tail", str(SMOKE_LOG_LINES), container, check=False)
        print("::group::Container log (last lines)", flush=True)
        print((logs.stdout + logs.stderr).rstrip(), flush=True)
        print("::endgroup::", flush=True)
        gha.error(f"{image} failed its smoke test, so it is not pushed: {failure}", title="smoke test")
        gha.add_summary(f"### Image smoke test\n\n:x: {md_code(image)} failed: {md_text(failure, 1000)}. Not pushed.")
        return 1
    finally:
        docker("rm", "--force", container, check=False)
    seconds = time.monotonic() - began
    prediction = json.dumps(result.prediction)[:200] if result.prediction is not None else "no request given"
    print(f"healthy after {seconds:.1f}s; prediction: {prediction}", flush=True)
    gha.add_summary(
        f"### Image smoke test\n\n:white_check_mark: `{image}` answered its health check in {seconds:.1f}s"
        + (f" and a prediction in {result.latencies_ms[0]:.0f} ms." if result.latencies_ms else ".")
    )
    return 0


def run_result() -> int:
    image = inputs.text("image")
    digest = inputs.text("digest")
    tags = [t for t in inputs.text("tags").splitlines() if t.strip()]
    pushed = inputs.boolean("pushed", False)
    registry = inputs.text("registry")
    login, push = inputs.text("login-outcome"), inputs.text("push-outcome")
    if pushed and login == "failure":
        gha.error(
            f"could not log in to {registry} (down, unreachable, or refusing the credentials): nothing was pushed "
            "and nothing will be deployed; the registry's tags are as they were. Rerun the job once it answers.",
            title="push",
        )
        return 1
    if pushed and push == "failure":
        gha.error(
            f"pushing {image} to {registry} failed (see the step above): no digest was published, so nothing will "
            "be deployed. A registry accepts a manifest only once all its layers are in, so no tag points at a "
            "half-pushed image. Rerun the job to push it.",
            title="push",
        )
        return 1
    if pushed and push not in ("", "success"):
        print(f"not pushed: an earlier step failed (push {push})", flush=True)
        return 0
    if pushed and not inputs.DIGEST.match(digest):
        gha.error(f"the push reported no digest ({digest!r}); nothing can be deployed by digest", title="push")
        return 1
    reference = f"{image}@{digest}" if pushed else ""
    gha.set_output("image-ref", reference)
    lines = ["### Container image", ""]
    if pushed:
        lines += [f"Pushed `{reference}`", "", "| Tag |", "| --- |", *(f"| `{t}` |" for t in tags)]
    else:
        lines += [f"Built and smoke-tested `{tags[0] if tags else image}`; not pushed (push is off)."]
    gha.add_summary("\n".join(lines))
    print(reference or "not pushed", flush=True)
    return 0
