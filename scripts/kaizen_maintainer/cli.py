"""Entry points of the maintainer tools (`kaizen docs`, `pin-internal-refs`, `release`, `locks`):
each takes the arguments after its subcommand."""

from __future__ import annotations

import argparse
import datetime
from pathlib import Path

from kaizen import gha
from kaizen_maintainer import docs as reference_docs
from kaizen_maintainer import locks as lock_files
from kaizen_maintainer import release as releases


def _parser(command: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"kaizen {command}", description=description)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the kaizen checkout (default: .)")
    return parser


def pin_internal_refs(argv: list[str]) -> int:
    parser = _parser("pin-internal-refs", "point every internal uses: at one release tag")
    parser.add_argument("tag", help="the release tag, e.g. v1.2.3")
    args = parser.parse_args(argv)
    changed = releases.pin_internal_refs(args.root, args.tag)
    for path in changed:
        print(f"pinned {path.relative_to(args.root)} to {args.tag}")
    refs = releases.internal_refs(args.root)
    if set(refs) != {args.tag}:
        gha.error(f"internal references still disagree: {sorted(refs)}", title="pin-internal-refs")
        return 1
    return 0


def release(argv: list[str]) -> int:
    parser = _parser("release", "release commit: pin internal refs, date the changelog, tag, move the major tag")
    parser.add_argument("tag", help="the release tag, e.g. v1.2.3")
    args = parser.parse_args(argv)
    publish = releases.release(args.root, args.tag, datetime.date.today().isoformat())
    print(f"released {args.tag} locally; publish it with:")
    for command in publish:
        print(f"  {command}")
    return 0


def docs(argv: list[str]) -> int:
    parser = _parser("docs", "write docs/reference/ from the workflows' and actions' YAML")
    parser.add_argument("--check", action="store_true", help="write nothing; fail if a page is out of date")
    args = parser.parse_args(argv)
    if args.check:
        stale = reference_docs.check(args.root)
        for path in stale:
            print(f"out of date: {path}")
        if stale:
            gha.error("docs/reference/ is out of date; run .venv/bin/kaizen docs and commit it", title="docs")
            return 1
        print("docs/reference/ is up to date")
        return 0
    for path in reference_docs.write(args.root):
        print(f"{'wrote' if (args.root / path).exists() else 'removed'} {path.as_posix()}")
    return 0


def locks(argv: list[str]) -> int:
    parser = _parser("locks", "recompile the hashed lock files from their .in files (needs the package index)")
    parser.add_argument("--check", action="store_true", help="offline: fail if a lock disagrees with its .in")
    parser.add_argument("--upgrade", action="store_true", help="let transitive dependencies move to newer releases")
    args = parser.parse_args(argv)
    if args.check:
        problems = lock_files.stale(args.root)
        for problem in problems:
            gha.error(problem, title="locks")
        return 1 if problems else 0
    for path in lock_files.compile_all(args.root, upgrade=args.upgrade):
        print(f"wrote {path}")
    return 0
