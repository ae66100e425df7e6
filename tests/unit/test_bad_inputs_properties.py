"""Property tests: each subcommand, fed generated bad values for one of its inputs (the others
valid), answers with exactly one `::error` line naming that input and exits 1; no exception
escapes. Over 500 generated cases per run (the `examples` counter below checks it)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaizen import report
from kaizen.actions import report_images
from kaizen.github import valid_repository
from kaizen.main import main

EXAMPLES = 60
examples = {"count": 0}

printable = st.text(alphabet=string.printable + "²½éß→\u200b", min_size=1, max_size=40)


@contextlib.contextmanager
def environment(values: dict[str, str]):
    saved = {k: v for k, v in os.environ.items() if k.startswith(("KAIZEN_", "GITHUB_"))}
    for key in saved:
        del os.environ[key]
    os.environ.update(values)
    try:
        yield
    finally:
        for key in [k for k in os.environ if k.startswith(("KAIZEN_", "GITHUB_"))]:
            del os.environ[key]
        os.environ.update(saved)


def one_error_naming(command: str, values: dict[str, str], input_name: str) -> None:
    out = io.StringIO()
    with environment(values), contextlib.redirect_stdout(out):
        code = main([command])
    errors = [line for line in out.getvalue().splitlines() if line.startswith("::error")]
    assert code == 1, out.getvalue()
    assert len(errors) == 1, out.getvalue()
    assert errors[0].startswith(f"::error title={input_name}::{input_name}:"), errors[0]
    examples["count"] += 1


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("workspace")
    (root / "report.md").write_text("## Report\n")
    (root / "report-dir").mkdir()
    (root / "report-dir" / "report.md").write_text("## Report\n")
    (root / "project" / ".dvc").mkdir(parents=True)
    (root / "project" / "dvc.yaml").write_text("stages: {}\n")
    return root


def base(workspace: Path, **inputs: str) -> dict[str, str]:
    values = {"GITHUB_WORKSPACE": str(workspace), "RUNNER_TEMP": str(workspace / "runner")}
    values.update({f"KAIZEN_{k.upper()}": v for k, v in inputs.items()})
    return values


SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

not_a_number = printable.filter(lambda s: not (s.strip().isascii() and s.strip().isdigit()))
not_a_bool = printable.filter(lambda s: s.strip().lower() not in ("true", "false", "1", "0", "yes", "no", ""))
# Each strategy keeps only values the input's own rule refuses (blank means the default there).
not_a_name = printable.filter(lambda s: s.strip() and not report.NAME.match(s.strip()))
not_a_repository = printable.filter(lambda s: not valid_repository(s.strip()))
not_an_event = printable.filter(lambda s: s.strip() and not re.fullmatch(r"[a-z_]+", s.strip()))
not_a_branch = printable.filter(lambda s: s.strip() and not report_images.BRANCH.match(s.strip()))
not_a_version_list = st.one_of(
    printable.filter(lambda s: not s.strip().startswith("[")),
    st.lists(st.sampled_from(["2.7", "3.7", "4.0", "python", "3", "3.x"]), min_size=1, max_size=3).map(json.dumps),
)


@SETTINGS
@given(value=not_a_number)
def test_pr_comment_pull_request(workspace, value):
    values = base(workspace, body_file=str(workspace / "report.md"), pull_request=value, token="t")
    one_error_naming("pr-comment", values, "pull-request")


@SETTINGS
@given(value=not_a_name)
def test_pr_comment_name(workspace, value):
    values = base(workspace, body_file=str(workspace / "report.md"), pull_request="7", name=value, token="t")
    one_error_naming("pr-comment", values, "name")


@SETTINGS
@given(value=not_a_repository)
def test_pr_comment_repository(workspace, value):
    values = base(workspace, body_file=str(workspace / "report.md"), pull_request="7", repository=value, token="t")
    one_error_naming("pr-comment", values, "repository")


@SETTINGS
@given(value=not_a_number.filter(str.strip))  # blank is the default, 20
def test_report_images_keep(workspace, value):
    values = base(workspace, report_dir=str(workspace / "report-dir"), keep=value, pull_request="7")
    one_error_naming("report-images", values, "keep")


@SETTINGS
@given(value=not_a_branch)
def test_report_images_branch(workspace, value):
    values = base(workspace, report_dir=str(workspace / "report-dir"), branch=value, pull_request="7")
    one_error_naming("report-images", values, "branch")


@SETTINGS
@given(value=not_an_event)
def test_changes_event_name(workspace, value):
    one_error_naming("changes", base(workspace, event_name=value), "event-name")


@SETTINGS
@given(value=not_a_bool)
def test_test_coverage(workspace, value):
    one_error_naming("test", base(workspace, coverage=value), "coverage")


@SETTINGS
@given(value=printable.filter(lambda s: s.strip().lower() not in ("ruff", "black")))
def test_lint_formatter(workspace, value):
    one_error_naming("lint", base(workspace, formatter=value), "formatter")


@SETTINGS
@given(value=not_a_version_list)
def test_ci_context_python_versions(workspace, value):
    one_error_naming("ci-context", base(workspace, python_versions=value), "python-versions")


@SETTINGS
@given(value=st.lists(printable.filter(lambda s: "=" not in s and s.strip()), min_size=1, max_size=3))
def test_dvc_remote_config(workspace, value):
    values = base(workspace, working_directory="project", remote_config="\n".join(value))
    one_error_naming("dvc", values, "remote-config")


def test_enough_cases_were_generated():
    """Runs last in this module: the property tests above generated over 500 bad values."""
    assert examples["count"] >= 500, examples
