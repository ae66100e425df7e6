"""What the benchmark scripts share: the machine's description and act's step timings."""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from kaizen_harness import act  # noqa: E402

STEP_DONE = re.compile(r"Success - Main (?P<step>.+?) \[(?P<duration>[0-9.]+)(?P<unit>ms|s|m)")


def finished_steps(run: act.ActRun):
    """(record, step name, seconds) of every successful step, from act's log lines, in order."""
    for record in run.records:
        match = STEP_DONE.search(str(record.get("msg", "")))
        if match:
            value = float(match["duration"])
            unit = match["unit"]
            yield record, match["step"], value / 1000 if unit == "ms" else value * 60 if unit == "m" else value


def step_seconds(run: act.ActRun, step: str) -> list[float]:
    """Durations of every successful step with that name."""
    return [seconds for _, name, seconds in finished_steps(run) if name == step]


def steps(run: act.ActRun, job: str) -> list[tuple[str, int, float]]:
    """(name, depth, seconds) of every finished step of `job`, in order: depth 0 for the job's own
    steps, 1 for the steps inside a composite action (act gives them a longer stepID)."""
    return [
        (name, max(0, len(record.get("stepID") or [""]) - 1), round(seconds, 2))
        for record, name, seconds in finished_steps(run)
        if record.get("job") == job
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
