"""Time ci.yml end to end through act, cold and with a warm dependency cache, side by side.

Each round makes a new state dir (empty cache store, empty HOME), runs the shipped caller
workflows/ci.yml on example-project/ once (cold), then again on the same state (warm: uv's
cache restored by the setup-uv stand-in). Rounds alternate cold and warm, so both see the
same machine load; medians and the warm/cold ratio are reported.

    .venv/bin/python benchmarks/ci_workflow.py --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from kaizen.local import act, consumer  # noqa: E402

STEP_DONE = re.compile(r"Success - Main (?P<step>.+?) \[(?P<duration>[0-9.]+)(?P<unit>ms|s|m)")


def step_seconds(run: act.ActRun, step: str) -> list[float]:
    found = []
    for record in run.records:
        match = STEP_DONE.search(str(record.get("msg", "")))
        if match and match["step"] == step:
            value = float(match["duration"])
            found.append(value / 1000 if match["unit"] == "ms" else value)
    return found


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(
        next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    )
    act_version = subprocess.run([act.act_binary(), "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "act": act_version,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args()
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
    result = {
        "machine": machine(),
        "rounds": args.rounds,
        "runs": figures,
        "median_cold_s": statistics.median(figures["cold"]),
        "median_warm_s": statistics.median(figures["warm"]),
        "median_install_cold_s": round(statistics.median(figures["cold_install"]), 1),
        "median_install_warm_s": round(statistics.median(figures["warm_install"]), 1),
    }
    result["warm_over_cold"] = round(result["median_warm_s"] / result["median_cold_s"], 2)
    result["install_warm_over_cold"] = round(result["median_install_warm_s"] / result["median_install_cold_s"], 2)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
