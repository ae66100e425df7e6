"""A consumer's shipping workflow pointed at this machine's shipyard: what a team sets in its
caller for its own registry and staging host (image name, SSH port and user, compose command),
plus what only this machine needs (the locally made base image, the re-signing proxy's CA for
pip inside the build, a staging folder and compose project per run)."""

from __future__ import annotations

from pathlib import Path

from kaizen_harness import consumer
from kaizen_harness.containers import Shipyard

# The machine's CA bundle, for pip inside the build: traffic here goes through a re-signing proxy.
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
IMAGE_NAME = "acme/consumer"


def image(shipyard: Shipyard) -> str:
    return f"{shipyard.registry.host}/{IMAGE_NAME}"


def image_inputs(shipyard: Shipyard) -> dict[str, str]:
    return {
        "image": image(shipyard),
        "build-args": f"BASE_IMAGE={shipyard.base_image}",
        "build-secret-files": f"pip-ca={CA_BUNDLE}",
    }


def deploy_inputs(shipyard: Shipyard, host_dir: Path) -> dict[str, str]:
    return {
        "ssh-port": str(shipyard.ssh.port),
        "ssh-user": "root",
        "compose-command": "docker-compose",
        "compose-directory": str(host_dir),
        # Unique per run: engines on one machine share its network names.
        "compose-project": f"staging-{shipyard.staging_port}",
        # Blue-green: the proxy image from this machine's registry, the slots on free ports.
        "proxy-image": shipyard.proxy_image,
        "slot-ports": " ".join(map(str, shipyard.slot_ports)),
        # A short load test: enough to prove the path, not to tie up two cores.
        "load-duration": "5",
        "load-users": "5",
    }


REGISTRY_SECRETS = {"registry-username": "REGISTRY_USER", "registry-password": "REGISTRY_PASSWORD"}


def configure(repo: Path, workflow: str, shipyard: Shipyard, host_dir: Path, *, image_call: str, deploy_call: str):
    """Add this machine's inputs and secrets to the calls of container.yml and deploy-staging.yml
    (or to the one call of ml-pipeline.yml, which passes them on); commits."""
    if image_call == deploy_call:
        consumer.set_inputs(repo, workflow, {**image_inputs(shipyard), **deploy_inputs(shipyard, host_dir)}, image_call)
    else:
        consumer.set_inputs(repo, workflow, image_inputs(shipyard), calls=image_call)
        consumer.set_inputs(repo, workflow, deploy_inputs(shipyard, host_dir), calls=deploy_call)
    consumer.set_secrets(repo, workflow, REGISTRY_SECRETS, calls=image_call)


def secrets(shipyard: Shipyard, token: str) -> dict[str, str]:
    """The repository secrets the callers in workflows/ name."""
    return {
        "GITHUB_TOKEN": token,
        "REGISTRY_USER": shipyard.registry.user,
        "REGISTRY_PASSWORD": shipyard.registry.password,
        "STAGING_SSH_KEY": shipyard.ssh.key.read_text(),
        "STAGING_KNOWN_HOSTS": shipyard.ssh.known_hosts(),
    }


def variables(shipyard: Shipyard) -> dict[str, str]:
    """The repository variables the callers in workflows/ name."""
    return {"STAGING_URL": shipyard.staging_url, "STAGING_SSH_HOST": "127.0.0.1"}
