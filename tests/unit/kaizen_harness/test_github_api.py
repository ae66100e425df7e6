from kaizen_harness import github_api


def operations(description) -> dict[str, str]:
    """operationId -> HTTP method, from GitHub's OpenAPI description."""
    return {op["operationId"]: method for ops in description.paths.values() for method, op in ops.items()}


def test_the_stand_in_answers_real_operations_and_refuses_writes_to_a_read_only_token(rest_api_description):
    methods = operations(rest_api_description)
    assert len(methods) > 900  # the whole description was read
    assert set(github_api.HANDLERS) <= set(methods), set(github_api.HANDLERS) - set(methods)
    assert {"issues/create-comment", "repos/create-deployment-status", "git/update-ref"} <= set(github_api.HANDLERS)
    for operation_id in github_api.HANDLERS:
        writes = methods[operation_id] != "get"
        assert (operation_id in github_api.WRITES) == writes, operation_id
