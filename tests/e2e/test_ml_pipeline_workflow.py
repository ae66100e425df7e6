"""ml-pipeline.yml through act, called by workflows/ml-pipeline.yml from a consumer repository:
a push to main runs lint, tests, training, the image and the staging deploy; a pull request
gets the report comment and no image; documentation-only changes skip training and the image."""

import json
import re
from pathlib import Path

import pytest

from kaizen import smoke
from kaizen_harness import act, consumer, containers, services, shipping, sources, training
from kaizen_harness.github_api import GitHubAPIStandIn

TOKEN = "ghs_pipeline_e2e_token_value"
S3_SECRET = "kaizen-pipeline-e2e-s3-secret"
WORKFLOW = "ml-pipeline.yml"
# Nested reusable workflows: act names a job by the workflow that holds it and its name.
PLAN = "pipeline/ml-pipeline/Pipeline plan"
RESULT = "pipeline/ml-pipeline/Pipeline result"
TRAIN = "train/train/Train and report"
IMAGE = "image/container/Build, smoke-test and push"
DEPLOY = "staging/deploy-staging/Deploy to staging"


@pytest.fixture()
def pipeline_consumer(make_consumer, pipeline_python, shipyard, tmp_path):
    """workflows/ml-pipeline.yml as shipped, plus this machine's registry and staging host, on
    the example project trained and pushed to a local DVC remote. The tests run on one Python
    version: the matrix itself is ci.yml's e2e test's business."""
    repo = make_consumer(templates=(WORKFLOW,))
    training.train_and_push(repo, pipeline_python, str(tmp_path / "dvc-remote"))
    shipping.configure(repo, WORKFLOW, shipyard, tmp_path / "staging-host", image_call=WORKFLOW, deploy_call=WORKFLOW)
    consumer.set_inputs(repo, WORKFLOW, {"python-versions": '["3.12"]'})
    return repo


def run_pipeline(repo: Path, sandbox, shipyard, api, event: str, payload: dict, more_secrets=None) -> act.ActRun:
    return act.run_workflow(
        repo,
        event,
        sandbox,
        workflow=WORKFLOW,
        payload=payload,
        env={"GITHUB_API_URL": api.url, **shipyard.engine.env},
        secrets={**shipping.secrets(shipyard, TOKEN), **(more_secrets or {})},
        variables=shipping.variables(shipyard),
    )


def results(run: act.ActRun) -> dict[str, str]:
    return {job.name: job.result for job in run.jobs()}


def plan_output(run: act.ActRun, name: str) -> str:
    # act records an output once for the composite's inner step and once for the action.
    [value] = {value for _, key, value in run.outputs(PLAN, step="Plan what runs for the changed files") if key == name}
    return value


def edit_readme(repo: Path, text: str) -> str:
    readme = repo / "README.md"
    readme.write_text((readme.read_text() if readme.exists() else "# Consumer\n") + f"\n{text}\n")
    (repo / "docs").mkdir(exist_ok=True)
    (repo / "docs" / "usage.md").write_text(f"# Usage\n\n{text}\n")
    return consumer.commit_all(repo, "Docs")


PRODUCTION = "production/deploy-staging/Deploy to production"


def test_push_to_main_ships_to_staging_then_production_and_a_docs_only_push_does_not(
    pipeline_consumer, sandbox, shipyard, tmp_path
):
    repo = pipeline_consumer
    production = containers.start_host(tmp_path / "production", shipyard.registry)
    consumer.set_inputs(
        repo,
        WORKFLOW,
        {
            "production": True,
            "production-url": production.url,
            "production-ssh-host": "127.0.0.1",
            "production-ssh-port": str(production.ssh.port),
            "production-ssh-user": "root",
            "production-compose-directory": str(tmp_path / "production-host"),
            "production-compose-project": f"production-{production.port}",
            "production-slot-ports": " ".join(map(str, production.slot_ports)),
        },
    )
    consumer.set_secrets(
        repo,
        WORKFLOW,
        {"production-ssh-private-key": "PRODUCTION_SSH_KEY", "production-ssh-known-hosts": "PRODUCTION_KNOWN_HOSTS"},
    )
    first = consumer.commit_all(repo, "Promote to production after staging")
    production_secrets = {
        "PRODUCTION_SSH_KEY": production.ssh.key.read_text(),
        "PRODUCTION_KNOWN_HOSTS": production.ssh.known_hosts(),
    }
    try:
        with GitHubAPIStandIn(TOKEN) as api:
            check_both_environments(repo, sandbox, shipyard, api, production, production_secrets, first, tmp_path)
    finally:
        production.engine.remove_containers()
        production.stop()


def check_both_environments(repo, sandbox, shipyard, api, production, production_secrets, first, tmp_path):
    """The push to main through production, then a docs-only push that deploys nothing."""
    run = run_pipeline(repo, sandbox, shipyard, api, "push", training.push_payload(first), production_secrets)
    assert run.returncode == 0, run.log[-8000:]
    jobs = results(run)
    # train-early by default: a push that trains runs the tests beside training, after lint.
    for job in (PLAN, "ci/ci/Lint", "tests/ci/Test (Python 3.12)", "ci/ci/CI result", TRAIN, IMAGE, DEPLOY, RESULT):
        assert jobs.get(job) == "success", (job, jobs)
    assert "ci/ci/Test (Python 3.12)" not in jobs, jobs
    # Production got the very digest staging passed, after it, with its own tests.
    assert jobs.get(PRODUCTION) == "success", jobs
    staged = [v for _, k, v in run.outputs(DEPLOY, step="Deploy, smoke-test and load-test") if k == "image-ref"][-1]
    promoted = [v for _, k, v in run.outputs(PRODUCTION, step="Deploy, smoke-test and load-test") if k == "image-ref"][
        -1
    ]
    assert promoted == staged
    assert production.running_digests() == shipyard.running_digests()
    status, body = smoke.call(f"{production.url}/metadata", timeout=10)
    assert status == 200 and json.loads(body)["git_sha"] == first
    assert any("Load test" in text for _, text in run.summaries(PRODUCTION))
    assert plan_output(run, "train") == "true" and plan_output(run, "ship") == "true"
    assert any("the branch's first push" in text for _, text in run.summaries(PLAN))
    # The model the training job pushed is the one the image serves on staging.
    digest = [
        value for _, key, value in run.outputs(IMAGE, step="Build, smoke-test and push the image") if key == "digest"
    ][-1]
    assert shipyard.running_digests() == [digest]
    status, body = smoke.call(f"{shipyard.staging_url}/metadata", timeout=10)
    assert status == 200 and json.loads(body)["git_sha"] == first
    assert f"sha-{first[:7]}" in shipyard.registry.tags(shipping.IMAGE_NAME)
    logs = api.state.deployment_log("acme", "consumer")
    assert [(d["environment"], states) for d, states in logs] == [
        ("staging", ["in_progress", "success"]),
        ("production", ["in_progress", "success"]),
    ]
    for secret in (TOKEN, shipyard.registry.password):
        assert secret not in run.log

    # The service's code only: no DVC stage depends on it, so nothing is trained; the image is
    # rebuilt around the model the last push trained, and deployed to both environments.
    serve = repo / "src" / "kaizen_example" / "serve.py"
    text = serve.read_text()
    serve.write_text(text.replace('"Breast-cancer classifier"', '"Breast-cancer classifier v2"'))
    assert serve.read_text() != text
    code = consumer.commit_all(repo, "Service only")
    run = run_pipeline(
        repo, sandbox, shipyard, api, "push", training.push_payload(code, before=first), production_secrets
    )
    assert run.returncode == 0, run.log[-8000:]
    jobs = results(run)
    assert TRAIN not in jobs, jobs
    # Nothing to train: the tests run beside lint, as without train-early.
    for job in ("ci/ci/Test (Python 3.12)", IMAGE, DEPLOY, PRODUCTION, RESULT):
        assert jobs.get(job) == "success", (job, jobs)
    assert "tests/ci/Test (Python 3.12)" not in jobs, jobs
    assert plan_output(run, "train") == "false" and plan_output(run, "pipeline-changed") == "false"
    assert any("none is a dependency, params file or dvc.yaml" in text for _, text in run.summaries(PLAN))
    digest = [
        value for _, key, value in run.outputs(IMAGE, step="Build, smoke-test and push the image") if key == "digest"
    ][-1]
    # The old blue-green slot drains, then stops in the background under the host's lock.
    for folder in ("staging-host", "production-host"):
        containers.wait_for_host(tmp_path / folder)
    assert shipyard.running_digests() == [digest] and production.running_digests() == [digest]
    status, body = smoke.call(f"{shipyard.staging_url}/metadata", timeout=10)
    assert status == 200 and json.loads(body)["git_sha"] == code

    # Documentation only: lint and tests, nothing trained, built or deployed.
    docs = edit_readme(repo, "How to call the service.")
    run = run_pipeline(
        repo, sandbox, shipyard, api, "push", training.push_payload(docs, before=code), production_secrets
    )
    assert run.returncode == 0, run.log[-8000:]
    jobs = results(run)
    assert jobs[RESULT] == "success" and jobs["ci/ci/CI result"] == "success"
    assert TRAIN not in jobs and IMAGE not in jobs and DEPLOY not in jobs and PRODUCTION not in jobs, jobs
    assert plan_output(run, "docs-only") == "true"
    assert json.loads(plan_output(run, "changed-files")) == ["README.md", "docs/usage.md"]
    assert f"sha-{docs[:7]}" not in shipyard.registry.tags(shipping.IMAGE_NAME)
    assert shipyard.running_digests() == [digest]
    assert len(api.state.deployment_log("acme", "consumer")) == 4


def change_c(repo: Path, value: str) -> str:
    params = repo / "params.yaml"
    params.write_text(re.sub(r"  C: .*", f"  C: {value}", params.read_text()))
    return consumer.commit_all(repo, f"C = {value}")


def test_pull_request_gets_the_report_and_no_image(pipeline_consumer, sandbox, shipyard):
    repo = pipeline_consumer
    base = consumer.git(repo, "rev-parse", "HEAD")
    consumer.git(repo, "checkout", "--quiet", "-b", "tune-c")
    head = change_c(repo, "0.05")
    with GitHubAPIStandIn(TOKEN) as api:
        run = run_pipeline(repo, sandbox, shipyard, api, "pull_request", training.pull_request_payload(base, head))
        assert run.returncode == 0, run.log[-8000:]
        jobs = results(run)
        assert jobs[TRAIN] == "success" and jobs[RESULT] == "success"
        assert IMAGE not in jobs and DEPLOY not in jobs, jobs
        assert plan_output(run, "ship") == "false"
        [comment] = api.state.comments[("acme", "consumer", 7)]
        assert "| train.C | 1.0 | 0.05 |" in comment["body"]
        assert api.state.deployment_log("acme", "consumer") == []

        # A documentation-only pull request: no training, so no comment.
        consumer.git(repo, "checkout", "--quiet", "-b", "docs", base)
        docs = edit_readme(repo, "A note.")
        run = run_pipeline(
            repo, sandbox, shipyard, api, "pull_request", training.pull_request_payload(base, docs, number=8)
        )
        assert run.returncode == 0, run.log[-8000:]
        jobs = results(run)
        assert jobs[RESULT] == "success" and TRAIN not in jobs
        assert ("acme", "consumer", 8) not in api.state.comments
        assert api.problems() == []


def test_train_early_trains_beside_the_tests_and_the_result_still_needs_them(pipeline_consumer, sandbox, shipyard):
    """train-early, the default: once lint passes, training and the test matrix run side by side;
    the result checks both, and a failing test fails the run though training passed and reported."""
    repo = pipeline_consumer
    slow = repo / "tests" / "test_slow.py"
    slow.write_text("import time\n\n\ndef test_slow():\n    time.sleep(20)\n    assert 1 + 1 == 2\n")
    consumer.commit_all(repo, "A slow test")
    base = consumer.git(repo, "rev-parse", "HEAD")
    consumer.git(repo, "checkout", "--quiet", "-b", "tune-c")
    head = change_c(repo, "0.05")
    tests_job = "tests/ci/Test (Python 3.12)"
    with GitHubAPIStandIn(TOKEN) as api:
        run = run_pipeline(repo, sandbox, shipyard, api, "pull_request", training.pull_request_payload(base, head))
        assert run.returncode == 0, run.log[-8000:]
        jobs = results(run)
        for job in (TRAIN, "ci/ci/Lint", tests_job, RESULT):
            assert jobs.get(job) == "success", (job, str(jobs))
        # Training started before the tests ended (act's records are in the order things happened).
        order = [str(r.get("job", "")) for r in run.records]
        assert order.index(TRAIN) < len(order) - 1 - order[::-1].index(tests_job), "training waited for the tests"
        assert order.index(TRAIN) > len(order) - 1 - order[::-1].index("ci/ci/Lint"), "training did not wait for lint"
        assert "tests: success" in run.log and "train: success" in run.log
        [comment] = api.state.comments[("acme", "consumer", 7)]
        assert "| train.C | 1.0 | 0.05 |" in comment["body"]

        slow.write_text(slow.read_text().replace("== 2", "== 3"))
        broken = consumer.commit_all(repo, "Break the slow test")
        run = run_pipeline(repo, sandbox, shipyard, api, "pull_request", training.pull_request_payload(base, broken))
        jobs = results(run)
        assert run.returncode != 0
        assert jobs.get(TRAIN) == "success" and jobs.get(tests_job) == "failure", str(jobs)
        assert jobs.get(RESULT) != "success", str(jobs)  # act stops after a failed stage; GitHub runs it and fails


def test_gpu_template_trains_on_the_gpu_runner_with_the_remotes_credentials(
    make_consumer, pipeline_python, sandbox, tmp_path
):
    """workflows/ml-pipeline-gpu.yml: the training job asks for a self-hosted "gpu" runner (act
    maps that label to this machine), and the DVC remote's credentials travel from the
    repository secret through ml-pipeline.yml to train.yml; S3 here is SeaweedFS on loopback."""
    template = "ml-pipeline-gpu.yml"
    assert 'train-runs-on: \'["self-hosted", "gpu"]\'' in (sources.templates() / template).read_text()
    server = services.start_seaweedfs(tmp_path / "s3", "KAIZENACCESS", S3_SECRET)
    try:
        repo = make_consumer(templates=(template,))
        credentials = {"access_key_id": server.access_key, "secret_access_key": server.secret_key}
        training.train_and_push(
            repo, pipeline_python, f"s3://{server.bucket}/store", {"endpointurl": server.endpoint}, credentials
        )
        consumer.set_inputs(repo, template, {"python-versions": '["3.12"]'}, calls=WORKFLOW)
        base = consumer.git(repo, "rev-parse", "HEAD")
        consumer.git(repo, "checkout", "--quiet", "-b", "tune-c")
        head = change_c(repo, "0.2")
        with GitHubAPIStandIn(TOKEN) as api:
            run = act.run_workflow(
                repo,
                "pull_request",
                sandbox,
                workflow=template,
                payload=training.pull_request_payload(base, head),
                env={"GITHUB_API_URL": api.url},
                secrets={
                    "GITHUB_TOKEN": TOKEN,
                    "DVC_REMOTE_CONFIG": "\n".join(f"{k}={v}" for k, v in credentials.items()),
                },
            )
            assert run.returncode == 0, run.log[-8000:]
            assert results(run)[TRAIN] == "success"
            # The pull request's training pulled the base's outputs from S3 with the secret.
            [skipped] = {
                v
                for _, k, v in run.outputs(TRAIN, step="Pull, reproduce what changed and push")
                if k == "stages-skipped"
            }
            assert json.loads(skipped) == ["prepare"]
            [comment] = api.state.comments[("acme", "consumer", 7)]
            assert "| train.C | 1.0 | 0.2 |" in comment["body"]
        assert S3_SECRET not in run.log
    finally:
        server.stop()
