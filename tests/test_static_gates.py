"""Static gates that fail the build: actionlint, zizmor --offline and the GitHub JSON schemas,
over every workflow and action, and over the YAML examples in README.md."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml")) + sorted((ROOT / "workflows").glob("*.yml"))
ACTIONS = sorted((ROOT / "actions").glob("*/action.yml")) + sorted(
    (ROOT / "scripts" / "kaizen_harness" / "standins").glob("*/*/action.yml")
)


def tool(name: str) -> str:
    path = BIN / name
    if path.is_file():
        return str(path)
    found = shutil.which(name)
    assert found, f"{name} is not installed (it is in requirements-dev.txt)"
    return found


def run(*command, cwd=ROOT):
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def readme_workflows(tmp_path: Path) -> list[Path]:
    """Each ```yaml block of README.md that is a workflow, written out as a file."""
    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    paths = []
    for index, block in enumerate(b for b in blocks if "\njobs:" in b):
        path = tmp_path / ".github" / "workflows" / f"readme-{index}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(block)
        paths.append(path)
    return paths


def test_shellcheck_is_available_so_actionlint_checks_run_scripts():
    assert shutil.which("shellcheck"), "install Debian's shellcheck (.ci/run does)"


def test_actionlint_reports_nothing():
    result = run(tool("actionlint"), "-shellcheck", shutil.which("shellcheck") or "", *map(str, WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_reports_nothing_on_the_scripts_kaizen_runs_on_hosts():
    scripts = sorted((ROOT / "scripts" / "kaizen" / "hosts").glob("*.sh"))
    assert scripts
    result = run(shutil.which("shellcheck") or "shellcheck", *map(str, scripts))
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_reports_nothing():
    inputs = [".github/workflows", ".github/dependabot.yml", "actions"]
    inputs += [str(p.relative_to(ROOT)) for p in (ROOT / "workflows").glob("*.yml")]
    result = run(
        tool("zizmor"), "--offline", "--persona", "auditor", "--config", "zizmor.yml", "--format", "plain", *inputs
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_workflows_match_the_github_workflow_schema():
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_actions_match_the_github_action_schema():
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", *map(str, ACTIONS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_configuration_matches_its_schema_and_covers_every_pin():
    config = ROOT / ".github" / "dependabot.yml"
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    updates = {u["package-ecosystem"]: u for u in yaml.safe_load(config.read_text())["updates"]}
    assert "/actions/*" in updates["github-actions"]["directories"] and ACTIONS  # every composite action
    pip_dirs = {ROOT / d.lstrip("/") for d in updates["pip"]["directories"]}
    tracked = subprocess.run(["git", "ls-files", "*requirements*.txt"], cwd=ROOT, capture_output=True, text=True)
    assert {(ROOT / name).parent for name in tracked.stdout.split()} <= pip_dirs


def test_readme_examples_pass_every_gate(tmp_path):
    paths = readme_workflows(tmp_path)
    assert paths, "README.md should show at least one workflow example"
    files = list(map(str, paths))
    for command in (
        [tool("actionlint"), *files],
        [tool("zizmor"), "--offline", "--config", str(ROOT / "zizmor.yml"), *files],
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
    ):
        result = run(*command, cwd=tmp_path)
        assert result.returncode == 0, f"{command[0]}: {result.stdout}{result.stderr}"


def test_the_gates_do_catch_problems(tmp_path):
    """The gates are live: a workflow with known problems fails each of them."""
    path = tmp_path / ".github" / "workflows" / "bad.yml"
    path.parent.mkdir(parents=True)
    path.write_text(
        "on: issues\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.event.issue.title }} ${{ inputs.nope }}\n"
    )
    assert run(tool("zizmor"), "--offline", "--config", str(ROOT / "zizmor.yml"), str(path), cwd=tmp_path).returncode
    assert run(tool("actionlint"), str(path), cwd=tmp_path).returncode
    path.write_text("on: issues\njobs:\n  a:\n    steps: []\n")
    assert run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)).returncode
