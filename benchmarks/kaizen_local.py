"""Time `kaizen local` (what `make local` runs) on the example project as a new user runs it:
a cold state folder, then a second run on that folder where nothing changed; and, in each run,
the load test's cost beyond its load duration, read from the deploy's summary.

With --baseline TREE, the same two runs of the code in TREE (a checkout or worktree of an older
commit, run with this venv and `PYTHONPATH=TREE/scripts`) alternate with this tree's, round by
round, on the same machine.

    .venv/bin/python benchmarks/kaizen_local.py --rounds 3 --baseline /tmp/kaizen-19ed159
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks_common import parse_args, publish

HERE = Path(__file__).resolve().parents[1]
LOAD_TEST = re.compile(r"### Load test: \d+ users for ([0-9.]+)s")
LOAD_TOOK = re.compile(r"Took ([0-9.]+)s in all")


def run_local(tree: Path, state: Path, log: Path) -> dict:
    """One `kaizen local` of the code in `tree` on `state`; its wall time and what it said."""
    env = {**os.environ, "PYTHONPATH": str(tree / "scripts")}
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "kaizen", "local", "--state-dir", str(state)],
        cwd=tree, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - began
    log.write_text(done.stdout + done.stderr, encoding="utf-8")
    durations = [float(v) for v in LOAD_TEST.findall(done.stdout)]
    took = [float(v) for v in LOAD_TOOK.findall(done.stdout)]
    figures = {"seconds": round(seconds, 1), "passed": done.returncode == 0, "log": str(log)}
    if durations and took:
        figures["load_test_seconds"] = took[0]
        figures["load_test_overhead"] = round(took[0] - durations[0], 1)
    timings = state / "timings-ml-pipeline.json"
    if timings.is_file():
        document = json.loads(timings.read_text())
        figures["critical_path"] = [(job["name"], job["seconds"]) for job in document["jobs"] if job["critical"]]
    return figures


def main() -> None:
    args = parse_args(
        __doc__,
        baseline=dict(type=Path, help="a tree of older code to run side by side"),
        logs=dict(type=Path, default=Path(tempfile.gettempdir()) / "kaizen-local-benchmark"),
    )
    variants = {"now": HERE}
    if args.baseline:
        variants = {"before": args.baseline.resolve(), **variants}
    runs: dict[str, list[dict]] = {f"{name}_{kind}": [] for name in variants for kind in ("cold", "second")}
    args.logs.mkdir(parents=True, exist_ok=True)
    for round_ in range(args.rounds):
        order = list(variants.items())
        if round_ % 2:
            order.reverse()
        for name, tree in order:
            state = Path(tempfile.mkdtemp(prefix=f"kaizen-local-{name}-"))
            try:
                for kind in ("cold", "second"):
                    figures = run_local(tree, state, args.logs / f"{name}-{kind}-{round_}.log")
                    runs[f"{name}_{kind}"].append(figures)
                    print(f"round {round_} {name} {kind}: {figures}", file=sys.stderr, flush=True)
            finally:
                shutil.rmtree(state, ignore_errors=True)
    medians = {key: statistics.median(run["seconds"] for run in values) for key, values in runs.items() if values}
    overheads = {
        key: statistics.median(run["load_test_overhead"] for run in values)
        for key, values in runs.items()
        if values and all("load_test_overhead" in run for run in values)
    }
    publish(args, runs, medians=medians, load_test_overhead_medians=overheads)


if __name__ == "__main__":
    main()
