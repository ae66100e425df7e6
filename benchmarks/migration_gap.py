"""The first move of a single-container host to blue-green under a steady 50 requests a second:
how many requests failed, from N runs of the e2e test that makes that move
(tests/e2e/test_blue_green.py::test_a_single_container_host_is_migrated_by_its_first_blue_green_deploy,
which prints "migration: FAILED/SENT requests failed").

    .venv/bin/python benchmarks/migration_gap.py --rounds 3 --json benchmarks/results/migration-2026-12-02.json
    (or --logs LOG ... to read runs already made with `pytest -s`)
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks_common import parse_args, publish

HERE = Path(__file__).resolve().parents[1]
TEST = "tests/e2e/test_blue_green.py::test_a_single_container_host_is_migrated_by_its_first_blue_green_deploy"
PRINTED = re.compile(r"migration: (\d+)/(\d+) requests failed")


def main() -> None:
    args = parse_args(__doc__, logs=dict(type=Path, nargs="*", help="read these pytest -s logs instead of running"))
    texts = []
    if args.logs:
        texts = [log.read_text(encoding="utf-8") for log in args.logs]
    else:
        for _ in range(args.rounds):
            done = subprocess.run(
                [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-s", "-q", TEST],
                cwd=HERE, capture_output=True, text=True, check=False,
            )  # fmt: skip
            texts.append(done.stdout + done.stderr)
    runs = [
        {"failed": int(m[1]), "sent": int(m[2])} for m in (PRINTED.search(text) for text in texts) if m is not None
    ]
    args.rounds = len(runs)
    publish(
        args,
        {"migration": runs},
        median_failed=statistics.median(r["failed"] for r in runs) if runs else None,
        median_sent=statistics.median(r["sent"] for r in runs) if runs else None,
    )


if __name__ == "__main__":
    main()
