"""`actions/test`: run the test command with JUnit XML and coverage, and report what failed where."""

from __future__ import annotations

import platform
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from kaizen import gha, inputs, tool_env, untrusted
from kaizen.escape import md_code, md_text
from kaizen.gha import InputError

NO_TESTS_COLLECTED = 5  # pytest's exit code when it found nothing to run
TRACE_LOCATION = re.compile(r"^(?P<file>[^\s:][^:\n]*\.py):(?P<line>\d+):", re.MULTILINE)


@dataclass
class Failure:
    name: str
    file: str | None
    line: int | None
    message: str


@dataclass
class Results:
    tests: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return self.tests - self.failed - self.errors - self.skipped


def is_pytest(argv: list[str]) -> bool:
    if not argv:
        return False
    if Path(argv[0]).name == "pytest":
        return True
    return Path(argv[0]).name.startswith("python") and argv[1:3] == ["-m", "pytest"]


def build_command(test_command: str, report_dir: Path, coverage: bool) -> tuple[list[str], bool]:
    try:
        argv = shlex.split(test_command)
    except ValueError as exc:
        raise InputError(f"test-command: cannot parse {test_command!r}: {exc}", title="test-command") from None
    if not argv:
        raise InputError("test-command: empty; use pytest or a command that runs your tests", title="test-command")
    if not is_pytest(argv):
        return argv, False
    # Run pytest with the interpreter running kaizen: the one setup-python put on PATH.
    rest = argv[1:] if Path(argv[0]).name == "pytest" else argv[3:]
    command = [
        sys.executable,
        "-m",
        "pytest",
        *rest,
        f"--junitxml={report_dir / 'junit.xml'}",
        "-o",
        "junit_family=xunit1",
    ]
    if coverage:
        command += ["--cov", f"--cov-report=xml:{report_dir / 'coverage.xml'}", "--cov-report=term"]
    return command, True


def failure_location(text: str, fallback_file: str | None, fallback_line: str | None) -> tuple[str | None, int | None]:
    """The innermost `file.py:N:` of a pytest traceback, which is the failing assertion."""
    matches = list(TRACE_LOCATION.finditer(text or ""))
    if matches:
        last = matches[-1]
        return last["file"], int(last["line"])
    if fallback_file:
        # xunit1 `line` is 0-based.
        return fallback_file, int(fallback_line) + 1 if fallback_line and inputs.ASCII_DIGITS.match(
            fallback_line
        ) else None
    return None, None


def parse_junit(path: Path, project: Path) -> Results:
    results = Results()
    # Written by pytest, but a project's conftest or plugins can write anything there.
    display = "junit.xml"
    root = untrusted.load_xml(path, display, title="test results", confined=False)
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    for suite in suites:
        counts = {k: untrusted.number_attribute(suite, k, display) for k in ("tests", "failures", "errors", "skipped")}
        results.tests += counts["tests"]
        results.failed += counts["failures"]
        results.errors += counts["errors"]
        results.skipped += counts["skipped"]
        results.seconds += untrusted.number_attribute(suite, "time", display, whole=False)
        for case in suite.iter("testcase"):
            problem = case.find("failure")
            if problem is None:
                problem = case.find("error")
            if problem is None:
                continue
            text = problem.text or ""
            file, line = failure_location(text, case.get("file"), case.get("line"))
            name = ".".join(part for part in (case.get("classname"), case.get("name")) if part)
            message = problem.get("message") or (text.strip().splitlines() or ["failed"])[-1]
            results.failures.append(
                Failure(
                    name=name,
                    file=gha.repo_relative(file, project) if file else None,
                    line=line,
                    message=message.strip().splitlines()[0] if message.strip() else "failed",
                )
            )
    return results


def coverage_percent(path: Path) -> float | None:
    if not path.is_file():
        return None
    root = untrusted.load_xml(path, "coverage.xml", title="coverage", confined=False)
    if root.get("line-rate") is None:
        return None
    return round(untrusted.number_attribute(root, "line-rate", "coverage.xml", whole=False) * 100, 1)


def summary(results: Results, python_version: str, coverage: float | None, limit: int = 30) -> str:
    ok = results.failed == 0 and results.errors == 0
    head = (
        f"### {'✅' if ok else '❌'} Tests on Python {python_version}: "
        f"{results.passed} passed, {results.failed} failed, {results.errors} errors, "
        f"{results.skipped} skipped in {results.seconds:.1f}s"
    )
    lines = [head, ""]
    if coverage is not None:
        lines += [f"Line coverage: **{coverage:.1f}%**", ""]
    if results.failures:
        lines += ["| Test | Location | Message |", "| --- | --- | --- |"]
        for f in results.failures[:limit]:
            where = md_code(f"{f.file}:{f.line}", 200) if f.file else "?"
            lines.append(f"| {md_code(f.name, 200)} | {where} | {md_text(f.message, 500)} |")
        if len(results.failures) > limit:
            lines.append(f"| … | | {len(results.failures) - limit} more in the step's log |")
    return "\n".join(lines)


def has_module(name: str, env: dict[str, str]) -> bool:
    probe = [sys.executable, "-c", f"import {name}"]
    return subprocess.run(probe, env=env, capture_output=True, check=False).returncode == 0


def ensure_pytest_cov(env: dict[str, str]) -> None:
    """coverage: true needs pytest-cov. A project that does not list it gets Kaizen's hashed
    pytest-cov and coverage, without dependencies, so its own pytest stays as it is."""
    if has_module("pytest_cov", env):
        return
    print("pytest-cov is not in the project's environment; adding Kaizen's pinned pytest-cov", flush=True)
    command = tool_env.install_locked("test-coverage", no_deps=True)
    print(f"$ {shlex.join(command)}", flush=True)
    installed = subprocess.run(command, env=env, check=False).returncode == 0
    if not installed or not has_module("pytest_cov", env):
        raise InputError(
            "coverage: pytest-cov is not installed in the project's environment and could not be "
            "added; add it to your test dependencies or set coverage: false",
            title="coverage",
        )


def run() -> int:
    working_directory, project = inputs.working_directory()
    report_dir = (Path(gha.runner_temp()) / "kaizen-test-results").resolve()
    report_dir.mkdir(parents=True, exist_ok=True)
    coverage = inputs.boolean("coverage", True)
    command, pytest = build_command(inputs.text("test-command", "pytest"), report_dir, coverage)
    python_version = platform.python_version()
    gha.set_output("python-version", python_version)
    gha.set_output("report-dir", str(report_dir))
    env = gha.child_env()
    if pytest and coverage:
        ensure_pytest_cov(env)
    print(f"Python {python_version} ({sys.executable})", flush=True)
    print(f"$ {shlex.join(command)}", flush=True)
    returncode = subprocess.run(command, cwd=project, env=env, check=False).returncode
    if pytest and returncode == NO_TESTS_COLLECTED:
        raise InputError(
            f"test-command: pytest collected no tests in {working_directory!r}; add tests "
            "(tests/test_*.py) or point test-command at them",
            title="test-command",
        )
    junit = report_dir / "junit.xml"
    if not pytest or not junit.is_file():
        outcome = "passed" if returncode == 0 else f"failed (exit {returncode})"
        gha.add_summary(
            f"### {'✅' if returncode == 0 else '❌'} Tests on Python {python_version}: "
            f"`{shlex.join(command)}` {outcome}"
        )
        if returncode != 0:
            gha.error(f"the test command failed with exit code {returncode}", title="test-command")
        return 0 if returncode == 0 else 1
    results = parse_junit(junit, project)
    percent = coverage_percent(report_dir / "coverage.xml") if coverage else None
    for f in results.failures:
        gha.error(f.message, title=f"Test failed: {f.name}", file=f.file, line=f.line)
    gha.add_summary(summary(results, python_version, percent))
    gha.set_output("passed", str(results.passed))
    gha.set_output("failed", str(results.failed + results.errors))
    gha.set_output("coverage", "" if percent is None else f"{percent:.1f}")
    if returncode != 0 and not results.failures:
        gha.error(f"pytest exited with code {returncode}", title="test-command")
    return 0 if returncode == 0 else 1
