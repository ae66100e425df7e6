"""A container engine, a registry and a staging host on this machine, for the image and deploy
workflows: rootful podman serving the Docker API (so `docker` and the docker/* stand-ins work),
Debian's docker-registry on loopback with htpasswd logins, and a base image made locally with
debootstrap (no registry can be pulled from here)."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from kaizen_harness.services import Service, free_port, reserved_port, wait_for_port

# Shared by every run on the machine, like DVC's site cache: the base image and layer cache.
DEFAULT_STORAGE = Path(os.environ.get("KAIZEN_LOCAL_CONTAINERS", "/var/lib/kaizen-local/containers"))
BASE_IMAGE = "localhost/kaizen-python-base:bookworm"
BASE_PACKAGES = "python3,python3-venv,ca-certificates"
# Root lacks CAP_SYS_RESOURCE here, and crun fails on this cgroup layout.
CONTAINERS_CONF = """[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
"""


def require(*commands: str) -> None:
    missing = [c for c in commands if not shutil.which(c) and not Path(f"/usr/sbin/{c}").is_file()]
    if missing:
        raise RuntimeError(f"missing {', '.join(missing)}: run `make setup` (it installs the container tools)")


@dataclass
class Engine(Service):
    """A podman store with its own configuration, and its Docker API socket."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def docker_host(self) -> str:
        return self.env["DOCKER_HOST"]

    def podman(self, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["podman", *args], env={**os.environ, **self.env}, input=input, capture_output=True, text=True
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"podman {' '.join(args)} failed: {result.stderr.strip()}")
        return result

    def login(self, registry: str, user: str, password: str) -> None:
        self.podman("login", "--username", user, "--password-stdin", registry, input=password)

    def remove_containers(self) -> None:
        """This engine's containers, and the compose networks they used. Rootful engines share
        the host's network configuration (/etc/containers/networks) and firewall, so what one
        leaves behind would clash with the next engine's networks of the same name."""
        ids = self.podman("ps", "--all", "--quiet", check=False).stdout.split()
        networks = set()
        if ids:
            inspected = self.podman(
                "inspect", "--format", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", *ids, check=False
            )
            networks = set(inspected.stdout.split()) - {"podman", "bridge", "host", "none"}
            self.podman("rm", "--force", *ids, check=False)
        for network in sorted(networks):
            self.podman("network", "rm", "--force", network, check=False)

    def stop(self) -> None:
        self.remove_containers()
        super().stop()


def unmount_under(root: Path) -> None:
    """Storage mounts podman leaves under `root` (an image store's overlay), so the folder
    can be removed."""
    prefix = f"{root.resolve()}/"
    mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    for mount in sorted((m for m in mounts if m.startswith(prefix)), key=len, reverse=True):
        subprocess.run(["umount", "--lazy", mount], capture_output=True, check=False)


def engine_env(root: Path, storage: Path, insecure_registries: list[str]) -> dict[str, str]:
    (root / "docker-config").mkdir(parents=True, exist_ok=True)
    # Each engine its own libpod state (exit files, locks): two engines sharing /run/libpod
    # confuse each other's container clean-up, which tears down port forwards still in use.
    (root / "containers.conf").write_text(CONTAINERS_CONF + f'tmp_dir = "{storage}/libpod"\nlock_type = "file"\n')
    (root / "storage.conf").write_text(
        f'[storage]\ndriver = "overlay"\ngraphroot = "{storage}/storage"\nrunroot = "{storage}/run"\n'
    )
    (root / "registries.conf").write_text(
        "".join(f'[[registry]]\nlocation = "{r}"\ninsecure = true\n\n' for r in insecure_registries)
    )
    return {
        "CONTAINERS_CONF": str(root / "containers.conf"),
        "CONTAINERS_STORAGE_CONF": str(root / "storage.conf"),
        "CONTAINERS_REGISTRIES_CONF": str(root / "registries.conf"),
        # One credentials file for podman and for Docker API clients (docker, docker-compose),
        # which send their own credentials: the API service doesn't use its auth file for pulls.
        "REGISTRY_AUTH_FILE": str(root / "docker-config" / "config.json"),
        "DOCKER_CONFIG": str(root / "docker-config"),
        "DOCKER_HOST": f"unix://{root / 'podman.sock'}",
    }


def start_engine(root: Path, *, storage: Path = DEFAULT_STORAGE, insecure_registries: list[str] = ()) -> Engine:
    require("podman", "docker")
    env = engine_env(root, storage, list(insecure_registries))
    log = root / "podman-service.log"
    process = subprocess.Popen(
        ["podman", "system", "service", "--time=0", env["DOCKER_HOST"]],
        env={**os.environ, **env},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    socket = root / "podman.sock"
    deadline = time.monotonic() + 30
    while not socket.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"podman system service did not start: {log.read_text()[-2000:]}")
        time.sleep(0.1)
    return Engine(process, root, env)


def ensure_base_image(engine: Engine, name: str = BASE_IMAGE) -> str:
    """A Debian bookworm image with Python, made with debootstrap once per store."""
    if engine.podman("image", "exists", name, check=False).returncode == 0:
        return name
    require("debootstrap")
    with tempfile.TemporaryDirectory(prefix="kaizen-rootfs-") as rootfs:
        subprocess.run(
            ["debootstrap", "--variant=minbase", f"--include={BASE_PACKAGES}", "bookworm", rootfs],
            check=True,
            capture_output=True,
        )
        for sub in ("usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale", "var/lib/apt/lists"):
            shutil.rmtree(Path(rootfs) / sub, ignore_errors=True)
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(
            ["podman", "import", "--change", "CMD=/bin/bash", "-", name],
            stdin=tar.stdout,
            env={**os.environ, **engine.env},
            check=True,
            capture_output=True,
        )
        tar.wait()
    return name


PROXY_IMAGE = "localhost/kaizen-proxy:nginx"


def ensure_proxy_image(engine: Engine, base: str, name: str = PROXY_IMAGE) -> str:
    """The blue-green proxy: Debian's nginx on the local base (no image can be pulled here), built
    once per store. What a team would take from its registry (or nginx's official image)."""
    if engine.podman("image", "exists", name, check=False).returncode == 0:
        return name
    with tempfile.TemporaryDirectory(prefix="kaizen-proxy-") as context:
        (Path(context) / "Containerfile").write_text(
            f"FROM {base}\n"
            "RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "
            "nginx-light >/dev/null && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/*\n"
            'CMD ["nginx", "-g", "daemon off;"]\n'
        )
        engine.podman("build", "--format", "docker", "--tag", name, context)
    return name


@dataclass
class Registry(Service):
    host: str  # 127.0.0.1:PORT
    user: str
    password: str

    config: Path | None = None

    def restart(self) -> None:
        """Serve again on the same address, from the same storage (after stop(), a fault test's outage)."""
        log = self.config.parent / "registry.log"
        self.process = subprocess.Popen(
            ["docker-registry", "serve", str(self.config)], stdout=log.open("a"), stderr=subprocess.STDOUT
        )
        wait_for_port(int(self.host.rsplit(":", 1)[1]), self.process, log)

    def tags(self, name: str) -> list[str]:
        """The registry's own answer (distribution API), with the login it requires."""
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        request = urllib.request.Request(
            f"http://{self.host}/v2/{name}/tags/list", headers={"Authorization": f"Basic {token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return sorted(json.loads(response.read()).get("tags") or [])
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return []
            raise


def start_registry(root: Path, user: str, password: str) -> Registry:
    """The CNCF distribution registry on loopback, requiring a login (htpasswd, bcrypt)."""
    require("docker-registry", "htpasswd")
    root.mkdir(parents=True, exist_ok=True)
    htpasswd = subprocess.run(
        ["htpasswd", "-niB", user], input=password, capture_output=True, text=True, check=True
    ).stdout
    (root / "htpasswd").write_text(htpasswd)
    port = free_port()
    (root / "config.yml").write_text(
        "version: 0.1\nlog:\n  level: warn\n"
        f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n  delete:\n    enabled: true\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
        f"auth:\n  htpasswd:\n    realm: kaizen-local\n    path: {root / 'htpasswd'}\n"
    )
    log = root / "registry.log"
    process = subprocess.Popen(
        ["docker-registry", "serve", str(root / "config.yml")], stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    wait_for_port(port, process, log)
    return Registry(process, f"127.0.0.1:{port}", user, password, root / "config.yml")


@dataclass
class Host:
    """A deploy target host: sshd whose sessions use an engine with its own store (logged in to
    the registry, so it really pulls what was pushed), the port its service is reached on, and
    two ports for its blue and green slots."""

    engine: Engine
    ssh: object  # services.SSHServer
    port: int
    slot_ports: tuple[int, int]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def running_digests(self) -> list[str]:
        """Digests of the images the service's containers run (the proxy left out)."""
        listed = self.engine.podman("ps", "--format", "{{.ID}} {{.Names}}").stdout.split("\n")
        ids = [line.split()[0] for line in listed if line.strip() and "-proxy" not in line.split()[1]]
        if not ids:
            return []
        return self.engine.podman("inspect", "--format", "{{.ImageDigest}}", *ids).stdout.split()

    def stop(self) -> None:
        for service in (self.ssh, self.engine):
            service.stop()


def wait_for_host(folder: Path, timeout: float = 180) -> None:
    """Wait until no deploy holds a host folder's lock (`<folder>/.kaizen/lock`, blue-green.sh's
    flock): a blue-green deploy stops the drained old slot in the background under that lock, so
    what runs on the host is only settled once it is free."""
    lock = folder / ".kaizen" / "lock"
    if not lock.exists():
        return
    deadline = time.monotonic() + timeout
    with lock.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{lock} still held after {timeout:.0f}s") from None
                time.sleep(0.2)
                continue
            fcntl.flock(handle, fcntl.LOCK_UN)
            return


def start_host(root: Path, registry: Registry) -> Host:
    from kaizen_harness.services import start_sshd

    engine = start_engine(root / "engine", storage=root / "store", insecure_registries=[registry.host])
    engine.login(registry.host, registry.user, registry.password)
    # Bound only when a deploy starts the service or a slot: kept out of the ephemeral range.
    port = reserved_port()
    ssh = start_sshd(root / "sshd", set_env={**engine.env, "STAGING_PORT": str(port)})
    slots = (reserved_port(), reserved_port())
    while len({port, *slots}) < 3:
        slots = (reserved_port(), reserved_port())
    return Host(engine, ssh, port, slots)


@dataclass
class Shipyard:
    """Everything the image and deploy workflows need here: the runner's engine, a registry
    that requires a login, and a staging host (sshd whose sessions use a second engine with its
    own store, logged in to the registry, so staging really pulls what was pushed)."""

    engine: Engine
    registry: Registry
    staging: Host
    base_image: str
    proxy_image: str = ""  # in the registry, for blue-green hosts to pull

    # The staging host's parts, by the names the tests and the harness use.
    staging_engine = property(lambda self: self.staging.engine)
    ssh = property(lambda self: self.staging.ssh)
    staging_port = property(lambda self: self.staging.port)
    slot_ports = property(lambda self: self.staging.slot_ports)
    staging_url = property(lambda self: self.staging.url)

    def running_digests(self) -> list[str]:
        return self.staging.running_digests()

    def stop(self) -> None:
        for service in (self.staging, self.registry, self.engine):
            service.stop()


def start_shipyard(
    root: Path, *, storage: Path = DEFAULT_STORAGE, user: str = "registry-user", password: str
) -> Shipyard:
    require("docker-compose", "sshd")
    registry = start_registry(root / "registry", user, password)
    engine = start_engine(root / "engine", storage=storage, insecure_registries=[registry.host])
    base_image = ensure_base_image(engine)
    proxy_image = f"{registry.host}/kaizen/proxy:nginx"
    engine.podman("tag", ensure_proxy_image(engine, base_image), proxy_image)
    engine.login(registry.host, user, password)
    engine.podman("push", proxy_image)
    return Shipyard(engine, registry, start_host(root / "staging", registry), base_image, proxy_image)
