"""Zero-downtime deploys, measured: ssh-compose with strategy blue-green against recreate.

Two staging hosts on loopback (sshd, docker-compose 1.29 on their own podman engines), the
example project's image in two versions by digest. Each round, under a steady 50 POST
/predict a second from another thread, held at least 22 s so that over 1,000 requests count:

- recreate: deploy the other version (compose replaces the one container);
- blue-green: deploy the other version (new slot, health, nginx switch), then roll it back
  (switch to the old slot, which kept running);

and, on the blue-green host, a default-sized load test (locust, 10 users x 5/s for 20 s)
timed from start to verdict, locust's install from the hashed lock included.

    .venv/bin/python benchmarks/blue_green.py --rounds 3
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from benchmarks_common import parse_args, publish  # noqa: E402

from kaizen import load_test, smoke  # noqa: E402
from kaizen.deploy_targets import SSHCompose  # noqa: E402
from kaizen_harness import consumer, containers, training  # noqa: E402

CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
PASSWORD = "benchmark-registry-password"
LOAD_RATE = 50
WINDOW = 22.0  # seconds of load per measurement: over 1,000 requests at 50 a second
RECREATE_COMPOSE = (
    'services:\n  model:\n    image: ${KAIZEN_IMAGE}\n    init: true\n    ports:\n      - "${STAGING_PORT}:8000"\n'
)


class Load:
    """LOAD_RATE POST /predict a second, each on a new connection, counting failures."""

    def __init__(self, url: str, body: bytes) -> None:
        self.url, self.body, self.sent, self.failed = url, body, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            self.sent += 1
            try:
                ok = smoke.call(f"{self.url}/predict", self.body, timeout=5)[0] == 200
            except OSError:
                ok = False
            self.failed += 0 if ok else 1
            next_at += 1 / LOAD_RATE
            time.sleep(max(0.0, next_at - time.monotonic()))

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def under_load(url: str, body: bytes, action) -> tuple[int, int]:
    """(failed, sent) while `action` runs inside a WINDOW-second window of load."""
    with Load(url, body) as load:
        began = time.monotonic()
        time.sleep(3)
        action()
        time.sleep(max(2.0, WINDOW - (time.monotonic() - began)))
    return load.failed, load.sent


def main() -> int:
    args = parse_args(__doc__)
    keys = ("recreate_failed", "recreate_sent", "deploy_failed", "deploy_sent", "rollback_failed", "rollback_sent",
            "switch_seconds", "rollback_switch_seconds", "load_test_seconds")  # fmt: skip
    figures: dict[str, list[float]] = {key: [] for key in keys}
    with tempfile.TemporaryDirectory(prefix="kaizen-bench-blue-green-") as tmp:
        root = Path(tmp)
        yard = containers.start_shipyard(root / "yard", password=PASSWORD)
        blue_green_host = containers.start_host(root / "blue-green-host", yard.registry)
        try:
            bin_dir = training.developer_python(root / "developer-venv")
            project = consumer.create_consumer(root / "project", [])
            training.train_and_push(project, bin_dir, str(root / "dvc-remote"))
            body = (project / "serving" / "sample-request.json").read_bytes()
            yard.engine.login(yard.registry.host, yard.registry.user, PASSWORD)
            refs = []
            serve = project / "src" / "kaizen_example" / "serve.py"
            for version in (1, 2):
                serve.write_text(serve.read_text() + f"\n# version {version}\n")
                tag = f"{yard.registry.host}/bench/model:v{version}"
                yard.engine.podman(
                    "build", "--format", "docker", "--build-arg", f"BASE_IMAGE={yard.base_image}",
                    "--secret", f"id=pip-ca,src={CA_BUNDLE}", "--tag", tag, str(project),
                )  # fmt: skip
                digest_file = root / f"digest-{version}"
                yard.engine.podman("push", "--digestfile", str(digest_file), tag)
                refs.append(f"{yard.registry.host}/bench/model@{digest_file.read_text().strip()}")
            (root / "recreate.yml").write_text(RECREATE_COMPOSE)

            def target(host: containers.Host, strategy: str) -> SSHCompose:
                blue_green = strategy == "blue-green"
                (root / strategy).mkdir()  # its own key and known_hosts files
                return SSHCompose(
                    host="127.0.0.1", user=host.ssh.user, port=str(host.ssh.port), key=host.ssh.key.read_text(),
                    known_hosts=host.ssh.known_hosts(), directory=str(root / f"{strategy}-dir"),
                    project=f"bench-{strategy}", compose_command=["docker-compose"], temp=root / strategy,
                    compose_file=project / "deploy" / "compose.yml" if blue_green else root / "recreate.yml",
                    strategy=strategy, public_port=host.port, slot_ports=host.slot_ports,
                    proxy_image=yard.proxy_image, health_timeout=120, drain_seconds=2,
                )  # fmt: skip

            recreate, blue_green = target(yard.staging, "recreate"), target(blue_green_host, "blue-green")
            for host, deployer in ((yard.staging, recreate), (blue_green_host, blue_green)):
                deployer.apply(refs[0])
                smoke.wait_healthy(host.url, "/health", 120, interval=0.2)
                deployer.record(refs[0])
            for round_no in range(args.rounds):
                current, new = refs[round_no % 2], refs[(round_no + 1) % 2]

                def redeploy(new: str = new) -> None:
                    recreate.apply(new)
                    smoke.wait_healthy(yard.staging.url, "/health", 120, interval=0.2)
                    recreate.record(new)

                failed, sent = under_load(yard.staging.url, body, redeploy)
                figures["recreate_failed"].append(failed)
                figures["recreate_sent"].append(sent)

                failed, sent = under_load(blue_green_host.url, body, lambda new=new: blue_green.apply(new))
                figures["deploy_failed"].append(failed)
                figures["deploy_sent"].append(sent)
                figures["switch_seconds"].append(blue_green.switch_seconds)

                failed, sent = under_load(
                    blue_green_host.url, body, lambda ref=current: blue_green.apply(ref, rollback=True)
                )
                figures["rollback_failed"].append(failed)
                figures["rollback_sent"].append(sent)
                figures["rollback_switch_seconds"].append(blue_green.switch_seconds)
                # The rolled-back version stays; the next round deploys from it.
                blue_green.record(current)
                recreate.apply(current)
                smoke.wait_healthy(yard.staging.url, "/health", 120, interval=0.2)
                recreate.record(current)

                began = time.monotonic()
                load_test.run(
                    blue_green_host.url, load_test.Settings(), body, "/health", "/predict", root / f"load-{round_no}"
                )
                figures["load_test_seconds"].append(time.monotonic() - began)
                print(f"round {round_no}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in figures.items()), flush=True)
        finally:
            for host in (blue_green_host, yard.staging):
                host.engine.remove_containers()
            blue_green_host.stop()
            yard.stop()
    median = {key: statistics.median(values) for key, values in figures.items() if values}
    publish(args, figures, median=median)
    print(
        f"\nunder {LOAD_RATE} requests/s, medians of {args.rounds}: recreate {median['recreate_failed']:.0f}/"
        f"{median['recreate_sent']:.0f} failed; blue-green deploy {median['deploy_failed']:.0f}/"
        f"{median['deploy_sent']:.0f}, rollback {median['rollback_failed']:.0f}/{median['rollback_sent']:.0f}; "
        f"switch {median['switch_seconds']:.2f}s (rollback {median['rollback_switch_seconds']:.2f}s); "
        f"load test {median['load_test_seconds']:.1f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
