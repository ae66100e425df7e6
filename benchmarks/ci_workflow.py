"""Time ci.yml end to end through act, cold and with a warm dependency cache, side by side.

Each round makes a new state dir (empty cache store, empty HOME), runs the shipped caller
workflows/ci.yml on example-project/ once (cold), then again on the same state (warm: uv's
cache restored by the setup-uv stand-in). Rounds alternate cold and warm, so both see the
same machine load; medians and the warm/cold ratio are reported.

    .venv/bin/python benchmarks/ci_workflow.py --rounds 3
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from benchmarks_common import parse_args, publish, step_seconds  # noqa: E402

from kaizen_harness import act, consumer  # noqa: E402


def main() -> int:
    args = parse_args(__doc__)
    figures: dict[str, list] = {"cold": [], "warm": [], "cold_install": [], "warm_install": []}
    with tempfile.TemporaryDirectory(prefix="kaizen-bench-") as tmp:
        repo = consumer.create_consumer(Path(tmp) / "consumer", ["ci.yml"])
        for round_no in range(args.rounds):
            sandbox = act.Sandbox(Path(tmp) / f"state-{round_no}")
            for kind in ("cold", "warm"):
                run = act.run_workflow(repo, "push", sandbox, workflow="ci.yml")
                if run.returncode != 0:
                    print(run.log[-3000:], file=sys.stderr)
                    raise SystemExit(f"{kind} run {round_no} failed")
                figures[kind].append(round(run.seconds, 1))
                figures[f"{kind}_install"] += step_seconds(run, "Install the project")
                print(f"round {round_no + 1} {kind}: {run.seconds:.1f}s", flush=True)
    medians = {
        "median_cold_s": statistics.median(figures["cold"]),
        "median_warm_s": statistics.median(figures["warm"]),
        "median_install_cold_s": round(statistics.median(figures["cold_install"]), 1),
        "median_install_warm_s": round(statistics.median(figures["warm_install"]), 1),
    }
    publish(
        args,
        figures,
        **medians,
        warm_over_cold=round(medians["median_warm_s"] / medians["median_cold_s"], 2),
        install_warm_over_cold=round(medians["median_install_warm_s"] / medians["median_install_cold_s"], 2),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
