"""`kaizen local`: run Kaizen's workflows on a project on this machine, through the harness."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from kaizen.local import act, consumer


def add_parser(commands) -> None:
    parser = commands.add_parser("local", help="run the pipeline locally on a project through act")
    parser.add_argument(
        "--project",
        type=Path,
        default=consumer.EXAMPLE_PROJECT,
        help="project folder to run on (default: example-project/)",
    )
    parser.add_argument(
        "--event", default="push", choices=("push", "pull_request"), help="the GitHub event to simulate"
    )
    parser.add_argument("--workflow", default="ci.yml", help="caller template from workflows/ to run")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="where caches and artifacts persist between runs (default: .kaizen-local/)",
    )
    parser.add_argument("--verbose", action="store_true", help="print every log line of every step")
    parser.set_defaults(handler=run)


class Progress:
    """Readable progress from act's JSON records: job starts and ends, errors and summaries."""

    def __init__(self, verbose: bool, out=sys.stdout) -> None:
        self.verbose = verbose
        self.out = out

    def __call__(self, record: dict) -> None:
        job = record.get("job", "")
        msg = str(record.get("msg", "")).rstrip()
        if self.verbose:
            print(f"[{job}] {msg}", file=self.out, flush=True)
            return
        if record.get("jobResult"):
            mark = "✅" if record["jobResult"] == "success" else "❌"
            print(f"{mark} {job}: {record['jobResult']}", file=self.out, flush=True)
        elif record.get("stage") == "Main" and msg.startswith("⭐ Run"):
            print(f"   [{job}] {msg.removeprefix('⭐ Run Main ').strip()}", file=self.out, flush=True)
        elif record.get("command") == "summary":
            for line in str(record.get("content", "")).rstrip().splitlines():
                print(f"      {line}", file=self.out, flush=True)
        elif record.get("command") == "error":
            pairs = record.get("kvPairs") or {}
            where = f"{pairs['file']}:{pairs.get('line', '')} " if pairs.get("file") else ""
            print(f"      ❗ {where}{record.get('arg', '')}", file=self.out, flush=True)


def run(args: argparse.Namespace) -> int:
    state = (args.state_dir or Path.cwd() / ".kaizen-local").resolve()
    sandbox = act.Sandbox(state)
    with tempfile.TemporaryDirectory(prefix="kaizen-consumer-") as tmp:
        repo = consumer.create_consumer(Path(tmp) / "consumer", [args.workflow], project=args.project.resolve())
        print(f"kaizen local: running workflows/{args.workflow} on {args.project} ({args.event}) with act", flush=True)
        result = act.run_workflow(repo, args.event, sandbox, workflow=args.workflow, on_record=Progress(args.verbose))
    failed = [job for job in result.jobs() if job.result != "success"]
    print(
        f"\nkaizen local: {'passed' if result.returncode == 0 and not failed else 'FAILED'} "
        f"in {result.seconds:.0f}s; caches and artifacts in {state}",
        flush=True,
    )
    return 0 if result.returncode == 0 and not failed else 1
