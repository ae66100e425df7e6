import pytest

from kaizen_harness.github_api import GitHubAPIStandIn
from kaizen_harness.openapi import GitHubRestAPI


@pytest.fixture(scope="session")
def rest_api_description() -> GitHubRestAPI:
    """GitHub's OpenAPI description, loaded once: it is large."""
    return GitHubRestAPI()


@pytest.fixture()
def api(request, rest_api_description):
    """The GitHub API stand-in, answering the test module's TOKEN; every request it saw must
    match GitHub's description."""
    with GitHubAPIStandIn(request.module.TOKEN, rest_api_description) as server:
        yield server
    assert server.problems() == []
