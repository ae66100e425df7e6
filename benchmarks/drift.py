"""The drift check at size: 50 numeric columns x 100,000 rows on each side, read from files in
the formats the check takes (a CSV reference, a JSON-lines serving sample) and compared, as
`kaizen drift` does. Times reading and the statistics apart; medians over the rounds.

    .venv/bin/python benchmarks/drift.py --rounds 3 --json benchmarks/results/drift-2026-12-02.json
"""

from __future__ import annotations

import json
import statistics as stats
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks_common import parse_args, publish

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from kaizen.drift import data, markdown, statistics  # noqa: E402
from kaizen.drift.thresholds import Thresholds  # noqa: E402


def write_files(folder: Path, columns: int, rows: int) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    reference = rng.normal(size=(rows, columns))
    serving = rng.normal(size=(rows, columns))
    serving[:, :5] += 0.5
    names = [f"feature_{i:02d}" for i in range(columns)]
    ref_path = folder / "train.csv"
    np.savetxt(ref_path, reference, delimiter=",", header=",".join(names), comments="", fmt="%.6g")
    sample = folder / "sample"
    sample.mkdir()
    with (sample / "sample-host.jsonl").open("w") as handle:
        for row in serving:
            handle.write(json.dumps({"features": [round(v, 6) for v in row.tolist()], "prediction": 0}) + "\n")
    return ref_path, sample


def main() -> None:
    args = parse_args(__doc__, columns={"type": int, "default": 50}, rows={"type": int, "default": 100_000})
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        ref_path, sample = write_files(Path(tmp), args.columns, args.rows)
        for _ in range(args.rounds):
            start = time.perf_counter()
            reference = data.read_reference(ref_path)
            serving = data.read_serving(sample, reference.columns)
            read = time.perf_counter() - start
            result = statistics.analyse(reference, serving, "target", Thresholds())
            report = markdown.build(result)
            total = time.perf_counter() - start
            runs.append(
                {
                    "read_s": round(read, 2),
                    "statistics_s": round(total - read, 2),
                    "total_s": round(total, 2),
                    "drifted": len(result.drifted),
                    "report_bytes": len(report.encode()),
                }
            )
    publish(
        args,
        runs,
        columns=args.columns,
        rows=args.rows,
        median_statistics_s=stats.median(r["statistics_s"] for r in runs),
        median_total_s=stats.median(r["total_s"] for r in runs),
    )


if __name__ == "__main__":
    main()
