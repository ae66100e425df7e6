from pathlib import Path

import pytest

from kaizen.local import act, consumer


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory) -> act.Sandbox:
    """One state dir for the whole session, so later runs reuse the dependency cache."""
    return act.Sandbox(tmp_path_factory.mktemp("kaizen-e2e"))


@pytest.fixture()
def make_consumer(tmp_path):
    def make(templates=("ci.yml",), **kwargs) -> Path:
        return consumer.create_consumer(tmp_path / "consumer", list(templates), **kwargs)

    return make
