"""`actions/lint`: ruff check and a formatter check, as file-and-line annotations and a summary."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kaizen import gha, inputs, tool_env
from kaizen.escape import md_code, md_text
from kaizen.gha import InputError

FORMATTERS = ("ruff", "black")
HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@")


@dataclass
class Finding:
    file: str
    line: int
    column: int | None
    code: str
    message: str
    end_line: int | None = None
    end_column: int | None = None


def parse_ruff_json(output: str, project: Path) -> list[Finding]:
    findings = []
    for item in json.loads(output or "[]"):
        location = item.get("location") or {}
        end = item.get("end_location") or {}
        findings.append(
            Finding(
                file=gha.repo_relative(item["filename"], project),
                line=int(location.get("row") or 1),
                column=location.get("column"),
                code=item.get("code") or "syntax",
                message=item.get("message", ""),
                end_line=end.get("row"),
                end_column=end.get("column"),
            )
        )
    return findings


def parse_format_diff(diff: str, project: Path, formatter: str) -> list[Finding]:
    """One finding per file a formatter would change, at the first line it would change
    (a hunk starts with up to three lines of unchanged context)."""
    findings: list[Finding] = []
    current: str | None = None
    line_no: int | None = None
    for line in diff.splitlines():
        if line.startswith("--- "):
            name = line[4:].split("\t", 1)[0].strip()
            current = name[2:] if name.startswith("a/") and not (project / name).exists() else name
            line_no = None
            continue
        if current is None or line.startswith("+++ "):
            continue
        match = HUNK.match(line)
        if match:
            line_no = int(match.group(1))
        elif line_no is not None and line.startswith(" "):
            line_no += 1
        elif line_no is not None and line[:1] in ("-", "+"):
            command = "ruff format" if formatter == "ruff" else "black ."
            findings.append(
                Finding(
                    file=gha.repo_relative(current, project),
                    line=max(line_no, 1),
                    column=None,
                    code=f"{formatter} format",
                    message=f"file is not formatted; run `{command}`",
                )
            )
            current = None
    return findings


def tools_wanted(formatter: str, ruff_version: str, black_version: str) -> tuple[str, list[str]]:
    """(lock, requirements) of the linters: the hashed lock of the formatter, or when a version
    input overrides a pin, those exact versions (which no lock can hold hashes for)."""
    lock = f"lint-{formatter}"
    if not ruff_version and not (formatter == "black" and black_version):
        return lock, []
    versions = tool_env.pins(lock)
    versions["ruff"] = ruff_version or versions["ruff"]
    if formatter == "black":
        versions["black"] = black_version or versions["black"]
    return lock, [f"{name}=={version}" for name, version in sorted(versions.items())]


def run_tool(command: list[str], project: Path) -> subprocess.CompletedProcess[str]:
    print(f"$ {shlex.join(command)}", flush=True)
    return subprocess.run(command, cwd=project, capture_output=True, text=True, env=gha.child_env(), check=False)


def lint(project: Path, bin_dir: Path, formatter: str) -> tuple[list[Finding], list[Finding]]:
    check = run_tool([str(bin_dir / "ruff"), "check", "--output-format=json", "--exit-zero", "."], project)
    if check.returncode != 0:
        raise InputError(f"ruff check could not run: {check.stderr.strip()}", title="lint")
    findings = parse_ruff_json(check.stdout, project)
    if formatter == "ruff":
        fmt = run_tool([str(bin_dir / "ruff"), "format", "--diff", "."], project)
        broken = fmt.returncode not in (0, 1)
    else:
        fmt = run_tool([str(bin_dir / "black"), "--diff", "--quiet", "--check", "."], project)
        broken = fmt.returncode not in (0, 1)
    if broken:
        raise InputError(f"{formatter} could not check formatting: {fmt.stderr.strip()}", title="lint")
    return findings, parse_format_diff(fmt.stdout, project, formatter)


def summary(findings: list[Finding], unformatted: list[Finding], formatter: str, limit: int = 50) -> str:
    if not findings and not unformatted:
        return f"### ✅ Lint passed\n\nruff check found nothing; every file is {formatter}-formatted."
    lines = [f"### ❌ Lint: {len(findings)} finding(s), {len(unformatted)} unformatted file(s)", ""]
    if findings:
        # Beyond the table: the log, never "the annotations" (GitHub shows 10 error annotations a
        # step, https://github.com/actions/toolkit/blob/main/docs/problem-matchers.md#limitations).
        lines += ["| Location | Rule | Message |", "| --- | --- | --- |"]
        for f in findings[:limit]:
            lines.append(f"| {md_code(f'{f.file}:{f.line}')} | {md_text(f.code)} | {md_text(f.message)} |")
        if len(findings) > limit:
            lines.append(f"| … | | {len(findings) - limit} more in the step's log |")
        lines.append("")
    if unformatted:
        lines.append(f"Files {formatter} would reformat (run `{'ruff format' if formatter == 'ruff' else 'black .'}`):")
        lines += [f"- {md_code(f.file)} (first change at line {f.line})" for f in unformatted]
    return "\n".join(lines)


def run() -> int:
    _, project = inputs.working_directory()
    formatter = inputs.choice("formatter", ("ruff", "black"), "ruff")
    if formatter not in FORMATTERS:
        raise InputError(f"formatter: {formatter!r} is not supported; use ruff or black", title="formatter")
    lock, overrides = tools_wanted(formatter, inputs.version("ruff-version"), inputs.version("black-version"))
    bin_dir = tool_env.private_venv(
        Path(gha.runner_temp()) / "kaizen-lint-tools",
        lock,
        overrides,
        "the linters (check ruff-version and black-version)",
    )
    findings, unformatted = lint(project, bin_dir, formatter)
    for f in findings:
        gha.error(
            f.message,
            title=f"ruff {f.code}",
            file=f.file,
            line=f.line,
            col=f.column,
            end_line=f.end_line,
            end_column=f.end_column,
        )
    for f in unformatted:
        gha.error(f.message, title=f.code, file=f.file, line=f.line)
    gha.add_summary(summary(findings, unformatted, formatter))
    gha.set_output("findings", str(len(findings)))
    gha.set_output("unformatted", str(len(unformatted)))
    print(f"lint: {len(findings)} finding(s), {len(unformatted)} unformatted file(s)")
    return 1 if findings or unformatted else 0
