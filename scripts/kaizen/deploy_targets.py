"""Where a deploy goes. Each target can tell what it last ran successfully (`current`), roll an
image out (`apply`), and remember a version as good once staging passed its smoke test
(`record`). `apply` never leaves a half-done state silently: a failure before the switch
(an image that can't be pulled) changes nothing, a failure after it raises `SwitchedError` so
the caller rolls back."""

from __future__ import annotations

import base64
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from kaizen import gha


class TargetError(Exception):
    """The target refused or could not be reached; staging still runs what it ran."""


class SwitchedError(TargetError):
    """The switch began and failed: staging may be down until the previous version is back."""


# Recreate on the staging host (bash -s): the service's containers replaced in place by the new
# version's. Exit codes: 2 the directory or the compose file, 3 not pulled (nothing changed),
# 4 compose up failed (switched).
REMOTE_SCRIPT = (Path(__file__).parent / "hosts" / "recreate.sh").read_text(encoding="utf-8")


# Blue-green on the staging host (bash -s): two compose projects of the service, <project>-blue
# and <project>-green, each publishing 127.0.0.1:${KAIZEN_SLOT_PORT}, behind an nginx proxy
# (<project>-proxy, host network) that holds the public port. A deploy starts the new version
# in the idle slot, waits for its health on the host, switches the proxy with a graceful reload,
# and keeps the old slot running until `record` (after the smoke and load tests), so a rollback
# is a switch back. Exit codes: 3 not pulled, 5/6 the new slot did not start or get healthy
# (nothing switched), 7/8 the switch failed, 4 the rollback failed.
BLUE_GREEN_SCRIPT = (Path(__file__).parent / "hosts" / "blue-green.sh").read_text(encoding="utf-8")
SWITCHED = re.compile(r"switched port \d+ to the (\w+) slot in ([0-9.]+) s")
PHASE = re.compile(r"^kaizen-phase (\w+) ([0-9.]+)$", re.MULTILINE)


@dataclass
class SSHCompose:
    host: str
    user: str
    port: str
    key: str  # the private key itself, from a secret
    known_hosts: str
    directory: str
    project: str
    compose_file: Path
    compose_command: list[str]
    temp: Path = field(default_factory=lambda: Path(gha.runner_temp()))
    strategy: str = "recreate"  # or blue-green
    public_port: int = 0
    slot_ports: tuple[int, int] = (0, 0)
    health_path: str = "/health"
    proxy_image: str = ""
    health_timeout: float = 120
    drain_seconds: int = 10
    switch_seconds: float | None = None  # how long the last switch took, when blue-green
    phases: dict[str, float] = field(default_factory=dict)  # the host's parts of the last apply, timed

    def describe(self) -> str:
        how = f"blue-green behind port {self.public_port}" if self.strategy == "blue-green" else "recreate"
        return f"{self.user}@{self.host}:{self.port} ({' '.join(self.compose_command)} in {self.directory}, {how})"

    def _files(self) -> tuple[Path, Path]:
        key, known = self.temp / "kaizen-deploy-key", self.temp / "kaizen-known-hosts"
        if not key.exists():
            key.touch(mode=0o600)
            key.write_text(self.key.strip() + "\n")
            known.write_text(self.known_hosts.strip() + "\n")
        return key, known

    def _remote(self, mode: str, ref: str = "", compose: str = "") -> subprocess.CompletedProcess:
        key, known = self._files()
        ssh = [
            "ssh", "-i", str(key), "-p", self.port,
            "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=15",
            "-o", "StrictHostKeyChecking=yes", "-o", f"UserKnownHostsFile={known}",
            "--", f"{self.user}@{self.host}",
        ]  # fmt: skip
        args = [mode, self.directory, self.project, ref, compose or "-"]
        if self.strategy == "blue-green":
            args += [str(self.public_port), *map(str, self.slot_ports), self.health_path, self.proxy_image]
            args += [f"{self.health_timeout:g}", str(self.drain_seconds)]
        command = "bash -s -- " + " ".join(shlex.quote(a) for a in [*args, *self.compose_command])
        script = BLUE_GREEN_SCRIPT if self.strategy == "blue-green" else REMOTE_SCRIPT
        result = subprocess.run([*ssh, command], input=script, capture_output=True, text=True, check=False)
        switched = SWITCHED.search(result.stdout)
        if switched:
            self.switch_seconds = float(switched.group(2))
        if mode in ("deploy", "rollback"):
            self.phases = {name: float(seconds) for name, seconds in PHASE.findall(result.stdout) if name != "lock"}
            waited = dict(PHASE.findall(result.stdout)).get("lock")
            if waited and float(waited) >= 0.5:  # the last deploy's old slot was still draining
                self.phases = {"wait for the host": float(waited), **self.phases}
        result.stdout = PHASE.sub("", result.stdout)  # timings only; `current` reads stdout
        if mode in ("deploy", "rollback"):  # compose's own account of what it did
            print("::group::Staging host: compose", flush=True)
            print((result.stdout + result.stderr).rstrip(), flush=True)
            print("::endgroup::", flush=True)
        if result.returncode == 255:
            raise TargetError(f"cannot reach {self.user}@{self.host}:{self.port} over SSH: {last_line(result.stderr)}")
        return result

    def current(self) -> str | None:
        result = self._remote("current")
        if result.returncode != 0:
            raise TargetError(f"reading the deployed version failed: {last_line(result.stderr)}")
        return result.stdout.strip() or None

    def apply(self, ref: str, *, rollback: bool = False) -> None:
        compose = "" if rollback else base64.b64encode(self.compose_file.read_bytes()).decode()
        result = self._remote("rollback" if rollback else "deploy", ref, compose)
        if result.returncode == 3:
            raise TargetError(f"the staging host could not pull {ref}: {last_line(result.stderr)}; nothing changed")
        if result.returncode == 4:
            raise SwitchedError(f"compose up failed on the staging host: {last_line(result.stderr)}")
        if result.returncode in (5, 6):
            raise TargetError(
                f"the new version did not become healthy in its slot ({last_line(result.stderr)}); nothing was switched"
            )
        if result.returncode in (7, 8):
            raise SwitchedError(f"switching the proxy failed on the staging host: {last_line(result.stderr)}")
        if result.returncode != 0:
            raise TargetError(f"the staging host refused the deploy ({result.returncode}): {last_line(result.stderr)}")

    def record(self, ref: str) -> None:
        result = self._remote("record", ref)
        if result.returncode != 0:
            raise TargetError(f"recording {ref} as the last good version failed: {last_line(result.stderr)}")


@dataclass
class Kubernetes:
    deployment: str
    container: str
    namespace: str
    kubeconfig: str  # the file's content, from a secret
    timeout: str = "300s"
    temp: Path = field(default_factory=lambda: Path(gha.runner_temp()))

    def describe(self) -> str:
        return f"deployment/{self.deployment} in namespace {self.namespace}"

    def _kubectl(self, *args: str) -> subprocess.CompletedProcess:
        config = self.temp / "kaizen-kubeconfig"
        if not config.exists():
            config.touch(mode=0o600)
            config.write_text(self.kubeconfig)
        env = gha.user_command_env(KUBECONFIG=str(config))
        command = ["kubectl", "--namespace", self.namespace, *args]
        print(f"$ {shlex.join(command)}", flush=True)
        try:
            return subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        except FileNotFoundError:
            raise TargetError("kubectl is not installed on the runner") from None

    def current(self) -> str | None:
        path = f'{{.spec.template.spec.containers[?(@.name=="{self.container}")].image}}'
        result = self._kubectl("get", f"deployment/{self.deployment}", "--output", f"jsonpath={path}")
        if result.returncode != 0:
            raise TargetError(f"kubectl get deployment/{self.deployment} failed: {last_line(result.stderr)}")
        return result.stdout.strip() or None

    def apply(self, ref: str, *, rollback: bool = False) -> None:
        if rollback:
            changed = self._kubectl("rollout", "undo", f"deployment/{self.deployment}")
        else:
            changed = self._kubectl("set", "image", f"deployment/{self.deployment}", f"{self.container}={ref}")
        if changed.returncode != 0:
            raise TargetError(f"kubectl could not change deployment/{self.deployment}: {last_line(changed.stderr)}")
        status = self._kubectl("rollout", "status", f"deployment/{self.deployment}", f"--timeout={self.timeout}")
        if status.returncode != 0:
            raise SwitchedError(f"the rollout of {ref} did not complete: {last_line(status.stderr or status.stdout)}")

    def record(self, ref: str) -> None:
        """Kubernetes keeps the rollout history `rollout undo` uses; nothing more to record."""


@dataclass
class Command:
    command: str
    previous: str | None  # from the Deployments API: the last deployment that succeeded

    def describe(self) -> str:
        return "the deploy command"

    def current(self) -> str | None:
        return self.previous

    def apply(self, ref: str, *, rollback: bool = False) -> None:
        env = gha.user_command_env(KAIZEN_IMAGE_REF=ref, KAIZEN_ROLLBACK="true" if rollback else "false")
        result = subprocess.run(["bash", "-eo", "pipefail", "-c", self.command], env=env, check=False)
        if result.returncode != 0:
            raise SwitchedError(f"the deploy command exited with {result.returncode}")

    def record(self, ref: str) -> None:
        """The Deployments API's success status is the record."""


def last_line(text: str) -> str:
    """The line that says what went wrong: the last error line, else the last line."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text or "")  # compose colours its log lines
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower() and not line.startswith("Encountered errors")]
    return (errors or lines or ["no output"])[-1]
