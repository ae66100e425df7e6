"""Start-up of the `kaizen` command as a composite action runs it (`python3 -m kaizen <action>
--help` with PYTHONPATH at the scripts folder), for every action subcommand, against the same
command at another revision (default the commit before the layering, whose parser imported the
harness). The two alternate, run after run, on one machine; medians and their ratio.

    .venv/bin/python benchmarks/startup.py --rounds 15 --baseline 5bc1538 --json benchmarks/results/startup.json
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks_common import parse_args, publish

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from kaizen.main import ACTION_COMMANDS  # noqa: E402

# The subcommands of the baseline had the old names.
OLD_NAMES = {"setup": "install", "dvc": "dvc-setup"}


def seconds(scripts: Path, argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "kaizen", *argv], env={"PYTHONPATH": str(scripts)}, capture_output=True, cwd="/tmp"
    )
    return time.perf_counter() - start


def main() -> None:
    parser_args = sys.argv[1:]
    baseline = "5bc1538"
    if "--baseline" in parser_args:
        at = parser_args.index("--baseline")
        baseline = parser_args[at + 1]
        del sys.argv[at + 1 : at + 3]
    args = parse_args(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "baseline"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(old), baseline], cwd=ROOT, check=True, capture_output=True
        )
        try:
            runs: dict[str, dict[str, list[float]]] = {}
            for command in sorted(ACTION_COMMANDS):
                if command == "report-images":
                    continue  # no such subcommand at the baseline
                pair = runs.setdefault(command, {"baseline": [], "now": []})
                for _ in range(args.rounds):
                    pair["baseline"].append(seconds(old / "scripts", [OLD_NAMES.get(command, command), "--help"]))
                    pair["now"].append(seconds(ROOT / "scripts", [command, "--help"]))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, check=False)
    medians = {
        command: {
            "baseline_ms": round(statistics.median(pair["baseline"]) * 1000, 1),
            "now_ms": round(statistics.median(pair["now"]) * 1000, 1),
            "ratio": round(statistics.median(pair["now"]) / statistics.median(pair["baseline"]), 2),
        }
        for command, pair in runs.items()
    }
    publish(args, runs, baseline=baseline, medians=medians)


if __name__ == "__main__":
    main()
