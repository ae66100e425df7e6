"""Static gates that fail the build: actionlint, zizmor --offline and the GitHub JSON schemas,
over every workflow and action, and over the YAML examples of README.md and docs/ (topic pages
and the generated reference)."""

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


DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
ZIZMOR = ("--offline", "--persona", "auditor", "--config", str(ROOT / "zizmor.yml"))


def yaml_examples() -> list[tuple[str, str]]:
    """(where, text) of each ```yaml block of README.md and docs/**/*.md."""
    found = []
    for document in DOCUMENTS:
        blocks = re.findall(r"^```yaml\n(.*?)^```", document.read_text(encoding="utf-8"), re.DOTALL | re.MULTILINE)
        found += [(f"{document.relative_to(ROOT)} example {n}", block) for n, block in enumerate(blocks, 1)]
    return found


def as_workflow(example) -> dict | None:
    """The example as a workflow the gates can check: a workflow as it is, a list of steps (an
    action's example) inside one job with the baseline a user's job has; None for other YAML."""
    if isinstance(example, dict) and "jobs" in example:
        return example
    if isinstance(example, list) and all(isinstance(step, dict) and "uses" in step for step in example):
        job = {"name": "Example", "runs-on": "ubuntu-latest", "permissions": {}, "timeout-minutes": 10}
        job.update({"concurrency": {"group": "example", "cancel-in-progress": True}, "steps": example})
        return {"name": "example", "on": "push", "permissions": {}, "jobs": {"example": job}}
    return None


def documented_workflows(tmp_path: Path) -> dict[str, Path]:
    """Each YAML example of the documentation that is a workflow (or an action's steps), written
    out as a workflow file; where it came from -> the file."""
    paths = {}
    for index, (where, block) in enumerate(yaml_examples()):
        example = yaml.safe_load(block)
        workflow = as_workflow(example)
        if workflow is None:
            continue
        path = tmp_path / ".github" / "workflows" / f"example-{index}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        # A workflow is gated as written (comments, quoting); an action's steps as the job made above.
        path.write_text(block if workflow is example else yaml.safe_dump(workflow, sort_keys=False))
        paths[where] = path
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


def test_every_yaml_example_parses_and_every_workflow_example_is_whole():
    """No example dodges the gates below: each parses, and any that calls Kaizen is a whole
    workflow (or an action's steps), never a fragment the gates would skip."""
    examples = yaml_examples()
    assert len(examples) >= 20, "README.md and docs/ should show their examples as ```yaml blocks"
    for where, block in examples:
        example = yaml.safe_load(block)  # raises on a broken example
        if "kaizen-ci/kaizen/" in block:
            assert as_workflow(example) is not None, f"{where}: calls Kaizen but is not a whole workflow"


def test_documentation_examples_pass_every_gate(tmp_path):
    paths = documented_workflows(tmp_path)
    wheres = {where.partition(" example")[0] for where in paths}
    assert "README.md" in wheres and any(w.startswith("docs/reference/actions/") for w in wheres), sorted(wheres)
    assert len({w for w in wheres if not w.startswith("docs/reference/")}) >= 4, sorted(wheres)  # the topic pages
    files = {str(path): where for where, path in paths.items()}
    for command in (
        [tool("actionlint"), "-shellcheck", shutil.which("shellcheck") or "", *files],
        [tool("zizmor"), *ZIZMOR, "--format", "plain", *files],
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
    ):
        result = run(*command, cwd=tmp_path)
        output = result.stdout + result.stderr
        for path, where in files.items():  # name the page, not the temporary file
            output = output.replace(path, where).replace(str(Path(path).relative_to(tmp_path)), where)
        assert result.returncode == 0, f"{Path(command[0]).name}: {output}"


def test_the_gates_do_catch_problems(tmp_path):
    """The gates are live: a workflow with known problems fails each of them."""
    path = tmp_path / ".github" / "workflows" / "bad.yml"
    path.parent.mkdir(parents=True)
    path.write_text(
        "on: issues\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.event.issue.title }} ${{ inputs.nope }}\n"
    )
    assert run(tool("zizmor"), *ZIZMOR, str(path), cwd=tmp_path).returncode
    assert run(tool("actionlint"), str(path), cwd=tmp_path).returncode
    path.write_text("on: issues\njobs:\n  a:\n    steps: []\n")
    assert run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)).returncode
