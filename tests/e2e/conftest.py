import shutil
from pathlib import Path

import pytest

from kaizen_harness import act, consumer, containers, sources, training


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory) -> act.Sandbox:
    """One state dir for the whole session, so later runs reuse the dependency cache."""
    # Below a dot folder, like `make local`'s .kaizen-local/: runner temp dirs there must not
    # count as hidden files to the artifact stand-ins.
    return act.Sandbox(tmp_path_factory.mktemp("kaizen-e2e") / ".state")


@pytest.fixture()
def make_consumer(tmp_path):
    def make(templates=("ci.yml",), **kwargs) -> Path:
        return consumer.create_consumer(tmp_path / "consumer", list(templates), **kwargs)

    return make


@pytest.fixture(scope="session")
def pipeline_python(tmp_path_factory) -> Path:
    """A developer's environment for the example project, with the DVC that actions/dvc installs."""
    return training.developer_python(tmp_path_factory.mktemp("pipeline-venv") / "venv")


@pytest.fixture(scope="module")
def shipyard(tmp_path_factory):
    """A registry that requires a login, the runner's container engine and a staging host."""
    yard = containers.start_shipyard(tmp_path_factory.mktemp("shipyard"), password="kaizen-e2e-registry-password")
    yield yard
    yard.stop()


# A workflow of the user's that Kaizen has no stand-in for, and does not run.
OTHER_WORKFLOW = """\
name: coverage
on: [push]
permissions: {}
jobs:
  upload:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    timeout-minutes: 5
    steps:
      - uses: codecov/codecov-action@0565863a31f2c772f9f0395002a31e3f06189574 # v5.4.0
"""


@pytest.fixture()
def developer_repository(tmp_path_factory):
    """Make a developer's repository of a project: its own train.yml (Kaizen's template, with the
    inputs it needs) and a workflow Kaizen does not run, trained with dvc repro and committed; no
    DVC remote reachable from CI."""

    def make(project: Path, inputs: dict | None = None) -> Path:
        workflows = project / ".github" / "workflows"
        workflows.mkdir(parents=True)
        shutil.copyfile(sources.templates() / "train.yml", workflows / "train.yml")
        (workflows / "coverage.yml").write_text(OTHER_WORKFLOW)
        consumer.git(project, "init", "--quiet", "-b", "main")
        if inputs:
            consumer.commit_all(project, "The project")
            consumer.set_inputs(project, "train.yml", inputs)
        developer = training.developer_python(
            tmp_path_factory.mktemp("own-developer") / "venv",
            project=project,
            requirements=(inputs or {}).get("requirements", "").split() or None,
        )
        training.dvc(project, developer, "init", "--quiet")
        consumer.commit_all(project, "dvc init")
        training.dvc(project, developer, "repro")
        consumer.commit_all(project, "Train")
        return project

    return make
