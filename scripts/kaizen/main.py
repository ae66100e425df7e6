"""The `kaizen` command. Action subcommands (what the composite actions run on a user's runner)
load only their module in kaizen.actions and the building blocks it imports; the harness
(`kaizen local`, package kaizen_harness) and the maintainer tools (`kaizen docs`, `release`,
`pin-internal-refs`, `locks`, package kaizen_maintainer) sit beside this package and are looked
up by name, imported only when called, so a runner never loads them."""

from __future__ import annotations

import argparse
import sys

from kaizen import gha

# Subcommand -> (module[:function], help). The function (default run()) reads the action's
# inputs from the KAIZEN_* variables its action.yml sets.
ACTION_COMMANDS = {
    "ci-context": ("kaizen.actions.ci_context", "validate ci.yml's inputs and plan its jobs"),
    "changes": ("kaizen.actions.changes", "what ml-pipeline.yml must run for the files that changed"),
    "setup": ("kaizen.actions.setup", "install the project (actions/setup)"),
    "lint": ("kaizen.actions.lint", "ruff check and a formatter check (actions/lint)"),
    "test": ("kaizen.actions.test", "run the tests with JUnit XML and coverage (actions/test)"),
    "dvc": ("kaizen.actions.dvc", "install DVC and configure its remote (actions/dvc)"),
    "train": ("kaizen.actions.train", "pull, reproduce what changed, push (actions/train)"),
    "metrics-report": ("kaizen.actions.metrics_report", "metrics and params against the base, gate, charts"),
    "pr-comment": ("kaizen.actions.pr_comment", "create or update the sticky pull request comment"),
    "report-images": ("kaizen.actions.report_images", "commit the report's image plots, show them in the comment"),
    "container-context": ("kaizen.actions.container:run_context", "image name, tags, labels, build arguments"),
    "container-smoke-test": (
        "kaizen.actions.container:run_smoke",
        "start the built image, check health and a prediction",
    ),
    "container-result": ("kaizen.actions.container:run_result", "report what was pushed, by digest"),
    "deploy": ("kaizen.actions.deploy", "deploy by digest, smoke-test staging, roll back on failure"),
    "drift": ("kaizen.actions.drift", "serving data against training data, per column, with thresholds"),
    "result": ("kaizen.actions.result", "fail unless every job a workflow needs passed (actions/result)"),
    "drift-alert": ("kaizen.actions.drift_alert", "on a drift breach, dispatch the retrain or update one issue"),
}

# Subcommand -> (module:function taking the arguments after the subcommand, help).
TOOL_COMMANDS = {
    "local": ("kaizen_harness.cli:main", "run the pipeline locally on a project through act"),
    "docs": ("kaizen_maintainer.cli:docs", "write docs/reference/ from the workflows' and actions' YAML"),
    "pin-internal-refs": ("kaizen_maintainer.cli:pin_internal_refs", "point every internal uses: at one release tag"),
    "release": (
        "kaizen_maintainer.cli:release",
        "release commit: pin internal refs, date the changelog, tag, move the major tag",
    ),
    "locks": ("kaizen_maintainer.cli:locks", "recompile the hashed lock files from their .in files"),
}


def resolve(target: str):
    module_name, _, function = target.partition(":")
    # __import__ rather than importlib.import_module: the same import machinery as an import
    # statement, so `python -X importtime -m kaizen ...` lists the module it loads.
    return getattr(__import__(module_name, fromlist=["run"]), function or "run")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kaizen", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_, help_text) in {**ACTION_COMMANDS, **TOOL_COMMANDS}.items():
        commands.add_parser(name, help=help_text, add_help=name in ACTION_COMMANDS)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv and argv[0] in TOOL_COMMANDS:
            return resolve(TOOL_COMMANDS[argv[0]][0])(argv[1:])
        args = build_parser().parse_args(argv)
        return resolve(ACTION_COMMANDS[args.command][0])()
    except gha.InputError as exc:
        return gha.fail(exc)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last resort: one error line a user can report, never a traceback
        command = argv[0] if argv else "kaizen"
        gha.error(
            f"kaizen {command} failed unexpectedly ({type(exc).__name__}: {exc}); this is Kaizen's fault, "
            "please report it with the step's log",
            title=f"kaizen {command}",
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
