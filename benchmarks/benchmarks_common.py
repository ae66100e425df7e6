"""What the benchmark scripts share: the machine's description and act's step timings."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from kaizen_harness import act, timings  # noqa: E402


def finished_steps(run: act.ActRun):
    """(record, step name, seconds) of every successful Main step, in order (timings.py parses act's log)."""
    for record, step in timings.finished_steps(run.records):
        if step.passed:
            yield record, step.name, step.seconds


def step_seconds(run: act.ActRun, step: str) -> list[float]:
    """Durations of every successful step with that name."""
    return [seconds for _, name, seconds in finished_steps(run) if name == step]


def steps(run: act.ActRun, job: str) -> list[tuple[str, int, float]]:
    """(name, depth, seconds) of every finished step of `job`, in order: depth 0 for the job's own
    steps, 1 for the steps inside a composite action."""
    return [
        (step.name, step.depth, round(step.seconds, 2))
        for record, step in timings.finished_steps(run.records)
        if step.passed and record.get("job") == job
    ]


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


def parse_args(description: str, **extra: dict) -> argparse.Namespace:
    """--rounds and --json, plus `--<name>` for each keyword (underscores as dashes) with those
    add_argument options."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    for name, options in extra.items():
        parser.add_argument("--" + name.replace("_", "-"), **options)
    return parser.parse_args()


def publish(args: argparse.Namespace, runs: dict, **figures) -> dict:
    """The result every benchmark reports: the machine, the rounds, the raw runs and its own
    figures; printed as JSON, and written where --json says."""
    result = {"machine": machine(), "rounds": args.rounds, "runs": runs, **figures}
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return result
