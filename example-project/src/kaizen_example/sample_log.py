"""The serving sample: a bounded record of what the service was asked and what it answered, for
Kaizen's drift check (docs/drift.md in Kaizen describes the format).

Each sampled row is one JSON line: `{"time", "git_sha", "model_version", "features": [...],
"prediction", "probability"}`, its features in the training data's column order. Rows are sampled
at KAIZEN_SAMPLE_RATE (0 to 1); lines go to KAIZEN_SAMPLE_DIR/sample-<container>.jsonl through a
queue and a background thread (a request never waits on the disk), rotated at
KAIZEN_SAMPLE_MAX_BYTES into KAIZEN_SAMPLE_FILES files. Every rotation and every start also
deletes the oldest files of the folder (older containers' included) beyond the folder's budget,
KAIZEN_SAMPLE_FILES x KAIZEN_SAMPLE_MAX_BYTES x 2, so the disk it takes is bounded whatever the
number of deploys. An empty KAIZEN_SAMPLE_DIR turns recording off.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import queue
import random
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

LOGGER_NAME = "kaizen_example.sample"


@dataclass(frozen=True)
class Settings:
    folder: Path | None
    rate: float = 0.1
    max_bytes: int = 5_000_000
    files: int = 4

    @property
    def budget(self) -> int:
        """Bytes the folder may hold in all: this container's files and its predecessors'."""
        return self.files * self.max_bytes * 2

    @classmethod
    def from_env(cls) -> Settings:
        folder = os.environ.get("KAIZEN_SAMPLE_DIR", "").strip()
        rate = float(os.environ.get("KAIZEN_SAMPLE_RATE", "0.1"))
        max_bytes = int(os.environ.get("KAIZEN_SAMPLE_MAX_BYTES", "5000000"))
        files = int(os.environ.get("KAIZEN_SAMPLE_FILES", "4"))
        if not 0 <= rate <= 1 or max_bytes < 1024 or files < 1:
            raise ValueError(
                "KAIZEN_SAMPLE_RATE must be 0 to 1, KAIZEN_SAMPLE_MAX_BYTES at least 1024 and "
                f"KAIZEN_SAMPLE_FILES at least 1; got {rate}, {max_bytes}, {files}"
            )
        return cls(Path(folder) if folder else None, rate, max_bytes, files)


def prune(folder: Path, budget: int, keep: Path | None = None) -> list[Path]:
    """Delete the oldest sample files until the folder holds at most `budget` bytes; `keep`
    (the file being written) is never deleted. The deleted paths."""
    files = sorted(folder.glob("sample-*.jsonl*"), key=lambda p: p.stat().st_mtime, reverse=True)
    total, deleted = 0, []
    for path in files:
        total += path.stat().st_size
        if total > budget and path != keep:
            path.unlink(missing_ok=True)
            deleted.append(path)
    return deleted


class PruningHandler(logging.handlers.RotatingFileHandler):
    """Python's size-based rotation, plus the folder-wide budget at every rotation."""

    def __init__(self, settings: Settings, path: Path) -> None:
        super().__init__(
            path, maxBytes=settings.max_bytes, backupCount=settings.files - 1, encoding="utf-8"
        )
        self.settings = settings

    def doRollover(self) -> None:  # noqa: N802 - logging's name
        super().doRollover()
        prune(Path(self.baseFilename).parent, self.settings.budget, keep=Path(self.baseFilename))


class Recorder:
    def __init__(self, settings: Settings, git_sha: str, model_version: str) -> None:
        self.settings = settings
        self.git_sha = git_sha
        self.model_version = model_version
        self.listener: logging.handlers.QueueListener | None = None
        self.logger = logging.getLogger(LOGGER_NAME)
        self.logger.propagate = False
        self.logger.setLevel(logging.INFO)
        if settings.folder is None or settings.rate == 0:
            return
        settings.folder.mkdir(parents=True, exist_ok=True)
        path = settings.folder / f"sample-{socket.gethostname()}.jsonl"
        prune(settings.folder, settings.budget, keep=path)
        handler = PruningHandler(settings, path)
        handler.setFormatter(logging.Formatter("%(message)s"))
        self.lines: queue.Queue = queue.Queue(
            maxsize=10_000
        )  # full: rows are dropped, never waited for
        self.logger.handlers = [logging.handlers.QueueHandler(self.lines)]
        self.listener = logging.handlers.QueueListener(self.lines, handler)
        self.listener.start()

    @property
    def enabled(self) -> bool:
        return self.listener is not None

    def record(
        self, rows: list[list[float]], predictions: list[int], probabilities: list[float]
    ) -> int:
        """Record each row with probability `rate`; how many were recorded."""
        if not self.enabled:
            return 0
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        recorded = 0
        for row, prediction, probability in zip(rows, predictions, probabilities, strict=True):
            if random.random() >= self.settings.rate or self.lines.full():
                continue
            line = {
                "time": now,
                "git_sha": self.git_sha,
                "model_version": self.model_version,
                "features": row,
                "prediction": prediction,
                "probability": probability,
            }
            self.logger.info(json.dumps(line, separators=(",", ":")))
            recorded += 1
        return recorded

    def close(self) -> None:
        if self.listener is not None:
            self.listener.stop()  # writes what is queued
            for handler in self.listener.handlers:
                handler.close()
            self.logger.handlers = []
            self.listener = None
