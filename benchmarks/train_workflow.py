"""Time train.yml end to end through act: cold (empty dependency cache) against warm, on a
pull request that changes a param (train and evaluate rerun), plus the report step's own
share of the job and a run where nothing changed.

Each round makes a new state dir and a consumer trained and pushed to a local DVC remote,
then runs the pull request cold, warm, and a push with nothing changed, so every variant sees
the same machine load. Medians and ratios are reported.

    .venv/bin/python benchmarks/train_workflow.py --rounds 3
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from benchmarks_common import parse_args, publish, step_seconds  # noqa: E402

from kaizen.local import act, consumer, training  # noqa: E402
from kaizen.local.github_api import GitHubAPIStandIn  # noqa: E402


def main() -> int:
    args = parse_args(__doc__)
    runs: dict[str, list[float]] = {
        "cold": [],
        "warm": [],
        "unchanged": [],
        "report_step": [],
        "train_step": [],
    }
    with tempfile.TemporaryDirectory(prefix="kaizen-bench-train-") as tmp:
        root = Path(tmp)
        bin_dir = training.developer_python(root / "developer-venv")
        for round_no in range(args.rounds):
            repo = consumer.create_consumer(root / f"consumer-{round_no}", ["train.yml"])
            base = training.train_and_push(repo, bin_dir, str(root / f"remote-{round_no}"))
            consumer.git(repo, "checkout", "--quiet", "-b", "tune-c")
            params = repo / "params.yaml"
            params.write_text(re.sub(r"  C: .*", "  C: 0.05", params.read_text()))
            head = consumer.commit_all(repo, "C = 0.05")
            sandbox = act.Sandbox(root / f"state-{round_no}")
            for kind in ("cold", "warm"):
                with GitHubAPIStandIn("ghs_benchmark") as api:
                    run = act.run_workflow(
                        repo,
                        "pull_request",
                        sandbox,
                        workflow="train.yml",
                        payload=training.pull_request_payload(base, head),
                        env={"GITHUB_API_URL": api.url},
                        secrets={"GITHUB_TOKEN": "ghs_benchmark"},
                    )
                if run.returncode != 0:
                    print(run.log[-3000:], file=sys.stderr)
                    raise SystemExit(f"{kind} run failed")
                runs[kind].append(round(run.seconds, 1))
                runs["report_step"] += step_seconds(run, "kaizen-ci/kaizen/actions/metrics-report@v1")
                runs["train_step"] += step_seconds(run, "kaizen-ci/kaizen/actions/train@v1")
                print(f"round {round_no + 1} {kind}: {run.seconds:.1f}s", flush=True)
            consumer.git(repo, "checkout", "--quiet", "main")
            run = act.run_workflow(repo, "push", sandbox, workflow="train.yml", payload=training.push_payload(base))
            if run.returncode != 0:
                raise SystemExit("unchanged run failed")
            runs["unchanged"].append(round(run.seconds, 1))
            print(f"round {round_no + 1} unchanged: {run.seconds:.1f}s", flush=True)
    medians = {
        "median_cold_s": statistics.median(runs["cold"]),
        "median_warm_s": statistics.median(runs["warm"]),
        "median_unchanged_s": statistics.median(runs["unchanged"]),
        "median_report_step_s": round(statistics.median(runs["report_step"]), 1),
        "median_train_step_s": round(statistics.median(runs["train_step"]), 1),
    }
    publish(
        args,
        runs,
        **medians,
        warm_over_cold=round(medians["median_warm_s"] / medians["median_cold_s"], 2),
        report_share_of_warm=round(medians["median_report_step_s"] / medians["median_warm_s"], 2),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
