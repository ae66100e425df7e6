"""The `kaizen` command: one subcommand per composite action, plus `kaizen local`."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from kaizen import gha

# Subcommand -> module[:function] (default run()) that reads the action's inputs from KAIZEN_* variables.
ACTION_COMMANDS = {
    "ci-context": ("kaizen.ci_context", "validate ci.yml's inputs and plan its jobs"),
    "changes": ("kaizen.changes", "what ml-pipeline.yml must run for the files that changed"),
    "install": ("kaizen.install", "install the project (actions/setup)"),
    "lint": ("kaizen.lint", "ruff check and a formatter check (actions/lint)"),
    "test": ("kaizen.run_tests", "run the tests with JUnit XML and coverage (actions/test)"),
    "dvc-setup": ("kaizen.dvc_setup", "install DVC and configure its remote (actions/dvc)"),
    "train": ("kaizen.train", "pull, reproduce what changed, push (actions/train)"),
    "metrics-report": ("kaizen.metrics_report", "metrics and params against the base, gate, charts"),
    "pr-comment": ("kaizen.pr_comment", "create or update the sticky pull request comment"),
    "container-context": ("kaizen.container:run_context", "image name, tags, labels, build arguments"),
    "container-smoke-test": ("kaizen.container:run_smoke", "start the built image, check health and a prediction"),
    "container-result": ("kaizen.container:run_result", "report what was pushed, by digest"),
    "deploy": ("kaizen.deploy", "deploy by digest, smoke-test staging, roll back on failure"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kaizen", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in ACTION_COMMANDS.items():
        commands.add_parser(name, help=help_text)
    pin = commands.add_parser("pin-internal-refs", help="point every internal uses: at one release tag")
    pin.add_argument("tag", help="the release tag, e.g. v1.2.3")
    pin.add_argument("--root", type=Path, default=Path.cwd(), help="the kaizen checkout (default: .)")
    pin.set_defaults(handler=pin_refs)
    rel = commands.add_parser(
        "release", help="release commit: pin internal refs, date the changelog, tag, move the major tag"
    )
    rel.add_argument("tag", help="the release tag, e.g. v1.2.3")
    rel.add_argument("--root", type=Path, default=Path.cwd(), help="the kaizen checkout (default: .)")
    rel.set_defaults(handler=make_release)
    docs = commands.add_parser("docs", help="write docs/reference/ from the workflows' and actions' YAML")
    docs.add_argument("--check", action="store_true", help="write nothing; fail if a page is out of date")
    docs.add_argument("--root", type=Path, default=Path.cwd(), help="the kaizen checkout (default: .)")
    docs.set_defaults(handler=make_docs)
    from kaizen.local import cli as local_cli

    local_cli.add_parser(commands)
    return parser


def pin_refs(args: argparse.Namespace) -> int:
    from kaizen import release

    changed = release.pin_internal_refs(args.root, args.tag)
    for path in changed:
        print(f"pinned {path.relative_to(args.root)} to {args.tag}")
    refs = release.internal_refs(args.root)
    if set(refs) != {args.tag}:
        gha.error(f"internal references still disagree: {sorted(refs)}", title="pin-internal-refs")
        return 1
    return 0


def make_release(args: argparse.Namespace) -> int:
    import datetime

    from kaizen import release

    publish = release.release(args.root, args.tag, datetime.date.today().isoformat())
    print(f"released {args.tag} locally; publish it with:")
    for command in publish:
        print(f"  {command}")
    return 0


def make_docs(args: argparse.Namespace) -> int:
    from kaizen import docs

    if args.check:
        stale = docs.check(args.root)
        for path in stale:
            print(f"out of date: {path}")
        if stale:
            gha.error("docs/reference/ is out of date; run .venv/bin/kaizen docs and commit it", title="docs")
            return 1
        print("docs/reference/ is up to date")
        return 0
    for path in docs.write(args.root):
        print(f"{'wrote' if (args.root / path).exists() else 'removed'} {path.as_posix()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command in ACTION_COMMANDS:
            module_name, _, function = ACTION_COMMANDS[args.command][0].partition(":")
            return getattr(importlib.import_module(module_name), function or "run")()
        return args.handler(args)
    except gha.InputError as exc:
        return gha.fail(exc)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
