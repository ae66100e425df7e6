"""The packages' layers, from their source: action modules import only building blocks; building
blocks import only each other; nothing in `kaizen` (what runs on a user's runner) imports the
harness (`kaizen_harness`) or the maintainer tools (`kaizen_maintainer`), which sit beside it as
packages of their own; no import cycle anywhere. And, measured rather than read, every action
subcommand runs without loading either."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kaizen.main import ACTION_COMMANDS, TOOL_COMMANDS

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"  # what an action puts on PYTHONPATH (<action>/../../scripts)
PACKAGES = ("kaizen", "kaizen_harness", "kaizen_maintainer")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SCRIPTS).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(p): p
    for package in PACKAGES
    for p in sorted((SCRIPTS / package).rglob("*.py"))
    if "standins" not in p.parts
}


def imports_of(name: str) -> set[str]:
    """Kaizen modules `name` imports, at module level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {m for m in found if m in MODULES and m not in PACKAGES}


GRAPH = {name: imports_of(name) for name in MODULES}


def layer(name: str) -> str:
    package = name.partition(".")[0]
    if package == "kaizen_harness":
        return "harness"
    if package == "kaizen_maintainer":
        return "maintainer"
    if name in ("kaizen.main", "kaizen.__main__"):
        return "command"
    if name.startswith("kaizen.actions"):
        return "action"
    return "building block"


# What each layer may import. The command reaches the harness and the maintainer tools only by
# name (TOOL_COMMANDS), so they load only when called.
ALLOWED = {
    "building block": {"building block"},
    "action": {"building block"},
    "command": {"command", "action", "building block"},
    "maintainer": {"command", "action", "building block", "maintainer"},
    "harness": {"command", "action", "building block", "harness"},
}


def test_the_graph_is_built_from_every_module():
    assert len(MODULES) >= 30
    assert "kaizen.git" in GRAPH["kaizen.dvc"]  # a real edge, so the walk does see imports
    assert "kaizen_harness.sources" in GRAPH["kaizen_harness.act"]  # and inside the harness
    assert {layer(m) for m in MODULES} == set(ALLOWED)


def test_the_kaizen_package_holds_neither_the_harness_nor_the_maintainer_tools():
    """What an action loads is the `kaizen` package alone: the harness and the maintainer tools
    are packages beside it, never folders inside it."""

    def files(package: str) -> set[Path]:
        found = {p.relative_to(SCRIPTS / package) for p in (SCRIPTS / package).rglob("*")}
        return {p for p in found if "__pycache__" not in p.parts}

    product = files("kaizen")
    for package in ("kaizen_harness", "kaizen_maintainer"):
        theirs = files(package)
        assert len(theirs) > 3, f"{package} not found"
        assert not product & (theirs - {Path("__init__.py"), Path("cli.py")}), f"{package} files inside kaizen"
    assert not {p for p in product if p.parts[0] in ("local", "maintainer", "standins")}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_one_way(name):
    wrong = {m for m in GRAPH[name] if layer(m) not in ALLOWED[layer(name)]}
    assert not wrong, f"{name} ({layer(name)}) imports {sorted(wrong)} ({', '.join(sorted(map(layer, wrong)))})"


def test_an_action_module_imports_no_other_action_module():
    for name in MODULES:
        if layer(name) == "action" and name != "kaizen.actions":
            others = {m for m in GRAPH[name] if layer(m) == "action"}
            assert not others, f"{name} imports {sorted(others)}: move what they share to a building block"


def test_there_is_no_import_cycle():
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []

    def visit(node):  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in GRAPH[node]:
                cycles.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    assert not cycles, f"import cycles: {cycles}"


def test_the_command_tables_point_into_the_right_layers():
    for command, (target, _) in ACTION_COMMANDS.items():
        assert layer(target.partition(":")[0]) == "action", command
    for command, (target, _) in TOOL_COMMANDS.items():
        assert layer(target.partition(":")[0]) in ("harness", "maintainer"), command


def test_every_composite_action_has_its_module_with_a_run():
    folders = {p.parent.name.replace("-", "_") for p in (ROOT / "actions").glob("*/action.yml")}
    modules = {name.rpartition(".")[2] for name in MODULES if layer(name) == "action" and name != "kaizen.actions"}
    assert folders == modules
    for module in modules:
        source = MODULES[f"kaizen.actions.{module}"].read_text(encoding="utf-8")
        assert re.search(r"^def run(_\w+)?\(\) -> int:", source, re.MULTILINE), f"kaizen.actions.{module} has no run()"


def loaded_kaizen_modules(argv: list[str], tmp_path: Path) -> set[str]:
    """Kaizen modules `python -X importtime -m kaizen ARGV` imported, run as an action runs it:
    PYTHONPATH at the scripts folder, KAIZEN_* unset, a workspace that does not exist (so each
    stops at its first input check instead of installing or linting anything)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAIZEN_", "GITHUB_"))}
    env.update(PYTHONPATH=str(SCRIPTS), GITHUB_WORKSPACE=str(tmp_path / "missing"), RUNNER_TEMP=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kaizen", *argv],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    return set(re.findall(r"\|\s+(kaizen(?:_harness|_maintainer)?(?:\.[\w.]+)?)\s*$", result.stderr, re.MULTILINE))


@pytest.mark.parametrize("command", sorted(ACTION_COMMANDS))
def test_an_action_subcommand_loads_neither_the_harness_nor_the_maintainer_tools(command, tmp_path):
    module = ACTION_COMMANDS[command][0].partition(":")[0]
    for argv in ([command, "--help"], [command]):
        loaded = loaded_kaizen_modules(argv, tmp_path)
        assert "kaizen.main" in loaded, "importtime output was not read"
        if argv[-1] != "--help":
            assert module in loaded, f"kaizen {command} did not run {module}"
        assert not {m for m in loaded if layer(m) in ("harness", "maintainer")}, sorted(loaded)


def test_the_harness_is_loaded_when_asked_for(tmp_path):
    """The same measurement sees the harness when it is used, so the test above can fail."""
    assert "kaizen_harness.cli" in loaded_kaizen_modules(["local", "--help"], tmp_path)
