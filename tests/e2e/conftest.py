from pathlib import Path

import pytest

from kaizen_harness import act, consumer, containers, training


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
