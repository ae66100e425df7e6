"""The serving image and the staging deploy, measured on this machine's podman.

- Image size: the example project's multi-stage Dockerfile against a naive single-stage one
  (benchmarks/naive.Dockerfile) on the same base image.
- Build time: cold (no layer cache) against a code-only change (one source file edited), for
  both Dockerfiles, side by side in each round.
- Deploy downtime: staging (ssh-compose on the loopback staging host) serves version 1 under a
  steady request load; version 2 is deployed by digest; requests failed / sent is reported,
  with the longest run of failures.

    .venv/bin/python benchmarks/container_deploy.py --rounds 3
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from benchmarks_common import parse_args, publish  # noqa: E402

from kaizen import smoke  # noqa: E402
from kaizen.deploy_targets import SSHCompose  # noqa: E402
from kaizen_harness import consumer, containers, training  # noqa: E402

HERE = Path(__file__).resolve().parent
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
PASSWORD = "benchmark-registry-password"
LOAD_RATE = 50  # requests per second during the deploy


def build(engine, context: Path, dockerfile: Path, tag: str, base: str, *, no_cache: bool) -> float:
    args = ["build", "--format", "docker", "--file", str(dockerfile), "--build-arg", f"BASE_IMAGE={base}"]
    args += ["--secret", f"id=pip-ca,src={CA_BUNDLE}", "--tag", tag]
    if no_cache:
        args.append("--no-cache")
    started = time.monotonic()
    engine.podman(*args, str(context))
    return time.monotonic() - started


def size_mb(engine, tag: str) -> float:
    return int(engine.podman("image", "inspect", "--format", "{{.Size}}", tag).stdout.strip()) / 1e6


def layers(engine, tag: str, base: str) -> list[dict]:
    """The image's layers, oldest first: what made each (the Dockerfile line) and its size; the
    base image's own layers are summed into one row."""
    import json

    def history(name: str) -> list[dict]:
        return list(reversed(json.loads(engine.podman("history", "--format", "json", name).stdout)))

    base_count = len(history(base))
    rows = history(tag)
    found = [{"layer": "base image", "mb": round(sum(r["size"] for r in rows[:base_count]) / 1e6, 1)}]
    for row in rows[base_count:]:
        made_by = " ".join(str(row.get("CreatedBy") or row.get("createdBy") or row.get("created_by") or "").split())
        made_by = made_by.removeprefix("/bin/sh -c ").removeprefix("#(nop) ")
        found.append({"layer": made_by[:100], "mb": round(row["size"] / 1e6, 1)})
    return found


def edit_code(project: Path, round_no: int, step: int) -> None:
    serve = project / "src" / "kaizen_example" / "serve.py"
    serve.write_text(serve.read_text() + f"\n# benchmark edit {round_no}.{step}\n")


class Load:
    """Steady GET /predict-free load: /health at LOAD_RATE per second, counting failures."""

    def __init__(self, url: str) -> None:
        self.url, self.sent, self.failed, self.longest_gap = url, 0, 0, 0.0
        self._stop = threading.Event()
        self._first_failure: float | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        interval = 1 / LOAD_RATE
        next_at = time.monotonic()
        while not self._stop.is_set():
            self.sent += 1
            try:
                ok = smoke.call(f"{self.url}/health", timeout=2)[0] == 200
            except OSError:
                ok = False
            now = time.monotonic()
            if ok:
                if self._first_failure is not None:
                    self.longest_gap = max(self.longest_gap, now - self._first_failure)
                self._first_failure = None
            else:
                self.failed += 1
                self._first_failure = self._first_failure or now
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def measure_deploys(yard, project: Path, root: Path, rounds: int, figures: dict) -> None:
    """Staging serves one version under load while the other is deployed with strategy recreate."""
    # Two versions in the registry, by digest.
    yard.engine.login(yard.registry.host, yard.registry.user, PASSWORD)
    refs = []
    for version in (1, 2):
        edit_code(project, 99, version)
        tag = f"{yard.registry.host}/bench/model:v{version}"
        build(yard.engine, project, project / "Dockerfile", tag, yard.base_image, no_cache=False)
        digest_file = root / f"digest-{version}"
        yard.engine.podman("push", "--digestfile", str(digest_file), tag)
        refs.append(f"{yard.registry.host}/bench/model@{digest_file.read_text().strip()}")
    target = SSHCompose(
        host="127.0.0.1", user=yard.ssh.user, port=str(yard.ssh.port), key=yard.ssh.key.read_text(),
        known_hosts=yard.ssh.known_hosts(), directory=str(root / "staging-host"),
        project=f"bench-{yard.staging_port}", compose_file=project / "deploy" / "compose.yml",
        compose_command=["docker-compose"], temp=root,
    )  # fmt: skip
    for round_no in range(rounds):
        current, new = refs[round_no % 2], refs[(round_no + 1) % 2]
        target.apply(current)
        smoke.wait_healthy(yard.staging_url, "/health", 120, interval=0.2)
        with Load(yard.staging_url) as load:
            time.sleep(2)
            started = time.monotonic()
            target.apply(new)
            smoke.wait_healthy(yard.staging_url, "/health", 120, interval=0.2)
            figures["deploy_seconds"].append(time.monotonic() - started)
            time.sleep(2)
        figures["deploy_failed"].append(load.failed)
        figures["deploy_sent"].append(load.sent)
        figures["deploy_longest_gap"].append(load.longest_gap)
        print(
            f"deploy round {round_no}: {load.failed}/{load.sent} failed, longest gap {load.longest_gap:.1f}s",
            flush=True,
        )


def main() -> int:
    args = parse_args(
        __doc__, images_only={"action": "store_true", "help": "sizes and builds, no deploy (see blue_green.py)"}
    )
    figures: dict[str, list[float]] = {key: [] for key in (
        "cold_multi", "cold_naive", "code_only_multi", "code_only_naive", "deploy_failed", "deploy_sent",
        "deploy_longest_gap", "deploy_seconds")}  # fmt: skip
    sizes: dict[str, float] = {}
    breakdown: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="kaizen-bench-container-") as tmp:
        root = Path(tmp)
        yard = containers.start_shipyard(root / "yard", password=PASSWORD)
        try:
            bin_dir = training.developer_python(root / "developer-venv")
            project = consumer.create_consumer(root / "project", [])
            training.train_and_push(project, bin_dir, str(root / "dvc-remote"))
            # The naive build gets the whole folder as its context: no .dockerignore.
            naive = root / "project-naive"
            shutil.copytree(project, naive, ignore=shutil.ignore_patterns(".dockerignore"))
            shutil.copy(HERE / "naive.Dockerfile", naive / "naive.Dockerfile")
            variants = {"multi": (project, project / "Dockerfile"), "naive": (naive, naive / "naive.Dockerfile")}
            for round_no in range(args.rounds):
                for kind, (context, dockerfile) in variants.items():
                    tag = f"localhost/bench-{kind}:{round_no}"
                    figures[f"cold_{kind}"].append(
                        build(yard.engine, context, dockerfile, tag, yard.base_image, no_cache=True)
                    )
                    sizes[kind] = size_mb(yard.engine, tag)
                    breakdown[kind] = layers(yard.engine, tag, yard.base_image)
                for kind, (context, dockerfile) in variants.items():
                    edit_code(context, round_no, 1)
                    tag = f"localhost/bench-{kind}:{round_no}-edit"
                    figures[f"code_only_{kind}"].append(
                        build(yard.engine, context, dockerfile, tag, yard.base_image, no_cache=False)
                    )
                print(
                    f"round {round_no}: " + ", ".join(f"{k} {v[-1]:.1f}s" for k, v in figures.items() if v), flush=True
                )

            if not args.images_only:
                measure_deploys(yard, project, root, args.rounds, figures)
        finally:
            yard.stop()
    median = {key: statistics.median(values) for key, values in figures.items() if values}
    publish(
        args,
        figures,
        image_mb=sizes,
        layers=breakdown,
        median=median,
        image_over_naive=round(sizes["multi"] / sizes["naive"], 2),
        code_only_over_cold=round(median["code_only_multi"] / median["cold_multi"], 2),
    )
    print(
        f"\nimage: multi-stage {sizes['multi']:.0f} MB vs naive {sizes['naive']:.0f} MB "
        f"({sizes['multi'] / sizes['naive']:.2f})\n"
        f"cold build: multi-stage {median['cold_multi']:.1f}s, naive {median['cold_naive']:.1f}s\n"
        f"code-only rebuild: multi-stage {median['code_only_multi']:.1f}s "
        f"({median['code_only_multi'] / median['cold_multi']:.2f} of cold), naive {median['code_only_naive']:.1f}s "
        f"({median['code_only_naive'] / median['cold_naive']:.2f} of cold)"
    )
    for kind, rows in breakdown.items():
        print(f"{kind} layers: " + "; ".join(f"{r['layer'][:40]} {r['mb']} MB" for r in rows))
    if args.images_only:
        return 0
    print(
        f"deploy under {LOAD_RATE} req/s: median {median['deploy_failed']:.0f}/{median['deploy_sent']:.0f} failed, "
        f"longest gap {median['deploy_longest_gap']:.1f}s, switch-to-healthy {median['deploy_seconds']:.1f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
