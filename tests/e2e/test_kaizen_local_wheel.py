"""`kaizen local` without a Kaizen checkout, as a user runs it: the wheel built from this
checkout, installed with its `local` extra into a fresh virtual environment in a temporary
folder, run from there on the example project and on a repository shaped unlike ours."""

import os
import re
import subprocess
import sys
from pathlib import Path

import fixture_projects
import pytest

# The example's push starts a shipyard; the other tests join its group so the wheel is built once.
pytestmark = pytest.mark.xdist_group("podman")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """bin/ of a fresh virtual environment outside the checkout, with the wheel and its extra."""
    where = tmp_path_factory.mktemp("wheel")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir"]
    run([*build, str(where / "dist"), str(ROOT)])
    [wheel] = (where / "dist").glob("kaizen-*.whl")
    run([sys.executable, "-m", "venv", str(where / "venv")])
    run([str(where / "venv" / "bin" / "python"), "-m", "pip", "install", f"{wheel}[local]"], env=user_env())
    return where / "venv" / "bin"


def run(command: list[str], **kwargs) -> None:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{command[:4]}: {(done.stdout + done.stderr)[-3000:]}"


def user_env() -> dict[str, str]:
    """This process's environment without what points into the checkout (its .venv on PATH,
    PYTHONPATH, the tests' variables)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAIZEN_", "PYTEST_", "VIRTUAL_ENV"))}
    env.pop("PYTHONPATH", None)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not p.startswith(str(ROOT)))
    return env


def kaizen_local(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(bin_dir / "kaizen"), "local", *args],
        cwd=cwd,
        env=user_env(),
        capture_output=True,
        text=True,
        timeout=3600,
    )


def test_the_installed_harness_runs_what_the_wheel_carries(installed, tmp_path):
    """The harness and the actions' code come from the virtual environment, never the checkout;
    the `kaizen` package there holds no harness file."""
    show = "import kaizen, kaizen_harness.sources as s; print(kaizen.__file__); print(s.kaizen_root())"
    shown = subprocess.run(
        [str(installed / "python"), "-c", show], cwd=tmp_path, env=user_env(), capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    package, root = map(Path, shown.stdout.split())
    venv = installed.parent
    assert package.is_relative_to(venv) and root == next(venv.glob("lib/python*/site-packages/kaizen_harness/bundle"))
    installed_kaizen = {p.relative_to(package.parent).as_posix() for p in package.parent.rglob("*")}
    assert "actions/setup.py" in installed_kaizen
    assert not {p for p in installed_kaizen if p.split("/")[0] in ("local", "maintainer", "standins", "bundle")}


def test_the_example_project_runs_the_whole_loop(installed, tmp_path, sandbox):
    """README's `kaizen local`, from a folder that is no checkout of Kaizen."""
    result = kaizen_local(installed, tmp_path, "--state-dir", str(sandbox.root), "--python-versions", '["3.12"]')
    out = result.stdout
    assert result.returncode == 0, (out + result.stderr)[-6000:]
    assert "running workflows/ml-pipeline.yml on " in out and "/kaizen_harness/bundle/example-project" in out
    # "passed" only when every job succeeded (test_kaizen_local.py checks them one by one).
    assert "kaizen local: passed" in out
    assert "✅ staging/deploy-staging/Deploy to staging: success" in out
    assert re.search(r"staging: http://127\.0\.0\.1:\d+ serves \S+ \(commit [0-9a-f]{12}\)", out), out[-3000:]


def test_a_get_started_repository_runs_its_own_train_workflow(installed, tmp_path, sandbox, developer_repository):
    project = fixture_projects.get_started(tmp_path / "get-started-repo")
    developer_repository(project, {"requirements": "src/requirements.txt"})
    fixture_projects.set_n_est(project, 3)
    args = ["--project", str(project), "--event", "pull_request", "--state-dir", str(sandbox.root)]
    result = kaizen_local(installed, tmp_path, *args)
    out = result.stdout
    assert result.returncode == 0, (out + result.stderr)[-6000:]
    assert "running .github/workflows/train.yml (pull_request) with act" in out
    assert "coverage.yml" not in out
    comment = out.split("as it appears there:\n", 1)[1]
    assert "## Kaizen model report" in comment and "| train.n\\_est | 50 | 3 |" in comment
    assert "kaizen local: passed" in out
