"""Time the whole loop through act, push to main up to a healthy staging deploy: Kaizen's
workflows/ml-pipeline.yml against benchmarks/naive-pipeline.yml (no caches, always retrain,
single-stage image built without a layer cache), side by side on the same commits.

Each round makes a fresh consumer per variant (trained and pushed to its own DVC remote) and a
fresh state dir, removes every image but the base from the engine's store, then runs:
  cold: the first push (empty dependency caches, no image layers);
  warm: a second push changing only the service's code (serve.py), with the caches of the
        cold run, as the next push to main would be.

    .venv/bin/python benchmarks/full_pipeline.py --rounds 2
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from benchmarks_common import parse_args, publish  # noqa: E402

from kaizen_harness import act, consumer, containers, shipping, training  # noqa: E402
from kaizen_harness.github_api import GitHubAPIStandIn  # noqa: E402

HERE = Path(__file__).resolve().parent
TOKEN = "ghs_benchmark"


def clear_images(engine: containers.Engine, keep: str) -> None:
    """Every image but the base: the next build starts without layers, as on a fresh runner."""
    listed = engine.podman("images", "--format", "{{.Id}} {{.Repository}}:{{.Tag}}").stdout.splitlines()
    ids = sorted({line.split()[0] for line in listed if line.split()[1] != keep})
    if ids:
        engine.podman("rmi", "--force", *ids, check=False)


# Both variants deploy to one staging host folder, one version after another, as successive
# deploys of one service would (blue-green keeps its slots and proxy there).
def make_consumer(root: Path, variant: str, shipyard, bin_dir: Path) -> Path:
    repo = consumer.create_consumer(root / f"consumer-{variant}", ["ml-pipeline.yml"])
    training.train_and_push(repo, bin_dir, str(root / f"remote-{variant}"))
    if variant == "kaizen":
        shipping.configure(
            repo,
            "ml-pipeline.yml",
            shipyard,
            root.parent / "staging-host",
            image_call="ml-pipeline.yml",
            deploy_call="ml-pipeline.yml",
        )
        # Both variants deploy the same way, to a smoke-tested staging, without the load test
        # (its fixed 5 s would only narrow the ratio of what comes before the deploy).
        consumer.set_inputs(repo, "ml-pipeline.yml", {"load-test": False}, calls="ml-pipeline.yml")
    else:
        (repo / ".github" / "workflows" / "ml-pipeline.yml").unlink()
        shutil.copyfile(HERE / "naive-pipeline.yml", repo / ".github" / "workflows" / "naive.yml")
        shutil.copyfile(HERE / "naive.Dockerfile", repo / "naive.Dockerfile")
        (repo / ".dockerignore").unlink()  # a starter repository has none: the whole checkout is the context
        consumer.commit_all(repo, "The naive pipeline")
    return repo


def change_service(repo: Path, round_no: int) -> str:
    serve = repo / "src" / "kaizen_example" / "serve.py"
    text = serve.read_text()
    serve.write_text(
        text.replace('description="Breast-cancer classifier"', f'description="Breast-cancer classifier r{round_no}"')
    )
    assert serve.read_text() != text
    return consumer.commit_all(repo, "Touch the service")


def run(repo: Path, variant: str, sandbox: act.Sandbox, shipyard, root: Path, before: str) -> act.ActRun:
    head = consumer.git(repo, "rev-parse", "HEAD")
    variables = shipping.variables(shipyard)
    if variant == "naive":
        variables |= {
            "NAIVE_IMAGE": f"{shipyard.registry.host}/acme/naive",
            "REGISTRY": shipyard.registry.host,
            "BUILD_ARGS": f"BASE_IMAGE={shipyard.base_image}",
            "SECRET_FILES": f"pip-ca={shipping.CA_BUNDLE}",
            "SSH_PORT": str(shipyard.ssh.port),
            "COMPOSE_DIRECTORY": str(root.parent / "staging-host"),
            "COMPOSE_PROJECT": f"staging-{shipyard.staging_port}",
            "PROXY_IMAGE": shipyard.proxy_image,
            "SLOT_PORTS": " ".join(map(str, shipyard.slot_ports)),
        }
    with GitHubAPIStandIn(TOKEN) as api:
        result = act.run_workflow(
            repo,
            "push",
            sandbox,
            workflow="ml-pipeline.yml" if variant == "kaizen" else "naive.yml",
            payload=training.push_payload(head, before=before),
            env={"GITHUB_API_URL": api.url, **shipyard.engine.env},
            secrets=shipping.secrets(shipyard, TOKEN),
            variables=variables,
        )
        deployed = [states for _, states in api.state.deployment_log("acme", "consumer")]
    failed = [job.name for job in result.jobs() if job.result != "success"]
    if result.returncode != 0 or failed or deployed != [["in_progress", "success"]]:
        print(result.log[-5000:], file=sys.stderr)
        raise SystemExit(f"{variant} run failed: {failed or deployed}")
    return result


def main() -> int:
    args = parse_args(__doc__)
    runs: dict[str, list[float]] = {f"{v}_{k}": [] for v in ("kaizen", "naive") for k in ("cold", "warm")}
    with tempfile.TemporaryDirectory(prefix="kaizen-bench-pipeline-") as tmp:
        root = Path(tmp)
        bin_dir = training.developer_python(root / "developer-venv")
        shipyard = containers.start_shipyard(root / "shipyard", password="kaizen-benchmark")
        try:
            for round_no in range(args.rounds):
                # Alternate which variant goes first, so neither always meets a warmer machine.
                for variant in ("naive", "kaizen") if round_no % 2 == 0 else ("kaizen", "naive"):
                    base = root / f"round-{round_no}"
                    repo = make_consumer(base, variant, shipyard, bin_dir)
                    sandbox = act.Sandbox(base / f"state-{variant}")
                    clear_images(shipyard.engine, shipyard.base_image)
                    cold = run(repo, variant, sandbox, shipyard, base, "0" * 40)
                    before = consumer.git(repo, "rev-parse", "HEAD")
                    change_service(repo, round_no)
                    warm = run(repo, variant, sandbox, shipyard, base, before)
                    runs[f"{variant}_cold"].append(round(cold.seconds, 1))
                    runs[f"{variant}_warm"].append(round(warm.seconds, 1))
                    print(
                        f"round {round_no + 1} {variant}: cold {cold.seconds:.1f}s, warm {warm.seconds:.1f}s",
                        flush=True,
                    )
        finally:
            shipyard.stop()
    medians = {f"median_{name}_s": statistics.median(values) for name, values in runs.items()}
    publish(
        args,
        runs,
        **medians,
        kaizen_over_naive_cold=round(medians["median_kaizen_cold_s"] / medians["median_naive_cold_s"], 2),
        kaizen_over_naive_warm=round(medians["median_kaizen_warm_s"] / medians["median_naive_warm_s"], 2),
        kaizen_warm_over_cold=round(medians["median_kaizen_warm_s"] / medians["median_kaizen_cold_s"], 2),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
