"""Where a run's time went, from act's JSON records: every job's start, end and steps, and the
critical path. `kaizen local` prints it at the end and writes it to the state folder; the
benchmark scripts read step durations through it, so act's log is parsed in one place."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

# act's line for a finished step, e.g. "  ✅  Success - Main Run tests [1.23s]". Its record also
# carries executionTime in nanoseconds, which is exact; the text is the fallback (act < 0.2.80).
STEP_DONE = re.compile(r"(?P<result>Success|Failure) - (?P<stage>Pre|Main|Post) (?P<step>.+?) \[(?P<duration>[^\]]+)\]")
GO_DURATION = re.compile(r"([0-9.]+)(h|ms|µs|us|ns|m|s)")
UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "µs": 1e-6, "us": 1e-6, "ns": 1e-9}
# A job that started no later than this after another ended may have waited for it: act starts
# a stage when the one before it has ended, and the records arrive a moment apart.
STAGE_GAP = 0.5


def go_duration(text: str) -> float:
    """Seconds of a Go duration string such as `1m2.5s` or `830ms`."""
    return sum(float(value) * UNIT_SECONDS[unit] for value, unit in GO_DURATION.findall(text))


@dataclass
class Step:
    name: str
    depth: int  # 0 for the job's own steps, 1 for a step inside a composite action, and so on
    seconds: float
    passed: bool


def finished_steps(records: list[dict], main_only: bool = True):
    """(record, step, Step) of every finished step, in order (only the Main stage by default)."""
    for record in records:
        match = STEP_DONE.search(str(record.get("msg", "")))
        if not match or (main_only and match["stage"] != "Main"):
            continue
        nanoseconds = record.get("executionTime")
        seconds = nanoseconds / 1e9 if isinstance(nanoseconds, (int, float)) else go_duration(match["duration"])
        depth = max(0, len(record.get("stepID") or [""]) - 1)
        yield record, Step(match["step"], depth, round(seconds, 3), match["result"] == "Success")


@dataclass
class Job:
    name: str
    result: str = ""
    start: float = 0.0  # seconds since act started, as the harness received its first record
    end: float = 0.0
    steps: list[Step] = field(default_factory=list)
    critical: bool = False

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def slowest(self, count: int = 3) -> list[Step]:
        return sorted((s for s in self.steps if s.depth == 0), key=lambda s: -s.seconds)[:count]


def jobs(records: list[dict]) -> list[Job]:
    """Every job that ran, by start, with its steps. Records need `at` (seconds since act
    started), which act.run_workflow stamps on each as it arrives: act's own time has whole seconds."""
    found: dict[str, Job] = {}
    # A job that calls a reusable workflow runs no step of its own: its records only frame the
    # called workflow's jobs, which are listed instead.
    runs_steps = {record.get("job") for record in records if record.get("step")}
    for record in records:
        name = record.get("job")
        if not isinstance(name, str) or name not in runs_steps or "at" not in record:
            continue
        job = found.setdefault(name, Job(name, start=record["at"], end=record["at"]))
        job.end = max(job.end, record["at"])
        if record.get("jobResult"):
            job.result = str(record["jobResult"])
    for record, step in finished_steps(records):
        if record.get("job") in found:
            found[record["job"]].steps.append(step)
    ordered = sorted(found.values(), key=lambda job: (job.start, job.name))
    for job in critical_path(ordered):
        job.critical = True
    return ordered


def critical_path(ordered: list[Job]) -> list[Job]:
    """The chain of jobs that set the run's length: from the job that ended last, back through the
    job that ended last before each one started (what it waited for), to the first. Each job of
    the chain ends before the next starts, so their durations add up to at most the run's."""
    if not ordered:
        return []
    path = [max(ordered, key=lambda job: job.end)]
    while True:
        before = [job for job in ordered if job.end <= path[-1].start + STAGE_GAP and job is not path[-1]]
        before = [job for job in before if job.end < path[-1].end and job not in path]
        if not before:
            return path[::-1]
        path.append(max(before, key=lambda job: job.end))


def short(step: str) -> str:
    """A step's name as the table shows it: `actions/test` for kaizen-ci/kaizen/actions/test@v1."""
    return re.sub(r"@[0-9A-Za-z._-]+$", "", step.removeprefix(KAIZEN_PREFIX))


KAIZEN_PREFIX = "kaizen-ci/kaizen/"


def table(ordered: list[Job], wall: float) -> str:
    """The run's jobs, their slowest steps and the critical path, as `kaizen local` prints them."""
    width = max([len(job.name) for job in ordered] + [3])
    lines = [f"  {'job':<{width}}  start   took  slowest steps (s)"]
    for job in ordered:
        mark = "*" if job.critical else " "
        slow = ", ".join(f"{short(step.name)} {step.seconds:.1f}" for step in job.slowest()) or "-"
        result = "" if job.result in ("success", "") else f" [{job.result}]"
        lines.append(f"{mark} {job.name:<{width}}  {job.start:5.1f}  {job.seconds:5.1f}  {slow}{result}")
    path = [job for job in ordered if job.critical]
    chain = " -> ".join(f"{job.name} {job.seconds:.1f}" for job in path)
    lines.append(f"critical path (*), {sum(job.seconds for job in path):.1f}s of {wall:.1f}s: {chain}")
    return "\n".join(lines)


def document(ordered: list[Job], wall: float, **about) -> dict:
    return {
        **about,
        "seconds": round(wall, 2),
        "critical_path": [job.name for job in ordered if job.critical],
        "jobs": [
            {
                "name": job.name,
                "result": job.result,
                "start": round(job.start, 2),
                "seconds": round(job.seconds, 2),
                "critical": job.critical,
                "steps": [asdict(step) for step in job.steps],
            }
            for job in ordered
        ],
    }


def write(path: Path, ordered: list[Job], wall: float, **about) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document(ordered, wall, **about), indent=2) + "\n", encoding="utf-8")
    return path
