"""container.yml and deploy-staging.yml through act from a consumer repository: the example
project's image is built on rootful podman, smoke-tested, pushed to a registry that requires a
login, and deployed by digest over SSH to a compose-run staging host with its own engine."""

import json
from pathlib import Path

import pytest

from kaizen import smoke
from kaizen_harness import act, consumer, shipping, training
from kaizen_harness.github_api import GitHubAPIStandIn

TOKEN = "ghs_ship_e2e_token_value"
IMAGE_JOB = "image/container/Build, smoke-test and push"  # caller job / workflow name / job name
DEPLOY_JOB = "staging/deploy-staging/Deploy to staging"
REDEPLOY = """\
name: redeploy
on: workflow_dispatch
permissions: {}
jobs:
  staging:
    uses: kaizen-ci/kaizen/.github/workflows/deploy-staging.yml@v1
    permissions:
      contents: read
      deployments: write
    with:
      image: ${{ vars.IMAGE }}
      digest: ${{ vars.DIGEST }}
      url: ${{ vars.STAGING_URL }}
      ssh-host: 127.0.0.1
      ssh-port: "%(port)s"
      ssh-user: root
      compose-file: deploy/compose.yml
      compose-command: docker-compose
      compose-directory: %(directory)s
      compose-project: staging-%(staging_port)s
      smoke-request: serving/sample-request.json
      smoke-timeout: "45"
      proxy-image: %(proxy_image)s
      slot-ports: "%(slots)s"
      load-duration: "5"
      load-users: "5"
    secrets:
      ssh-private-key: ${{ secrets.STAGING_SSH_KEY }}
      ssh-known-hosts: ${{ secrets.STAGING_KNOWN_HOSTS }}
"""


@pytest.fixture()
def shipping_consumer(make_consumer, pipeline_python, shipyard, tmp_path):
    """The example project, trained and pushed to a local DVC remote, with workflows/ship.yml
    configured for the registry and staging host on this machine."""
    repo = make_consumer(templates=("ship.yml",))
    training.train_and_push(repo, pipeline_python, str(tmp_path / "dvc-remote"))
    shipping.configure(
        repo,
        "ship.yml",
        shipyard,
        tmp_path / "staging-host",
        image_call="container.yml",
        deploy_call="deploy-staging.yml",
    )
    (repo / ".github" / "workflows" / "redeploy.yml").write_text(
        REDEPLOY
        % {
            "port": shipyard.ssh.port,
            "directory": tmp_path / "staging-host",
            "staging_port": shipyard.staging_port,
            "proxy_image": shipyard.proxy_image,
            "slots": " ".join(map(str, shipyard.slot_ports)),
        }
    )
    consumer.commit_all(repo, "Redeploy workflow")
    return repo


def ship(
    repo: Path,
    sandbox,
    shipyard,
    api: GitHubAPIStandIn,
    workflow: str = "ship.yml",
    event: str = "push",
    variables=None,
):
    head = consumer.git(repo, "rev-parse", "HEAD")
    return act.run_workflow(
        repo,
        event,
        sandbox,
        workflow=workflow,
        payload=training.push_payload(head) if event == "push" else {},
        env={"GITHUB_API_URL": api.url, **shipyard.engine.env},
        secrets=shipping.secrets(shipyard, TOKEN),
        variables={**shipping.variables(shipyard), **(variables or {})},
    )


def get(url: str, body: bytes | None = None) -> dict:
    status, answer = smoke.call(url, body, timeout=10)
    assert status == 200, answer[:500]
    return json.loads(answer)


def job_output(run: act.ActRun, job: str, step: str, name: str) -> str:
    values = [value for _, key, value in run.outputs(job, step=step) if key == name]
    assert values, f"no output {name} from {job} {step}: {run.log[-4000:]}"
    return values[-1]


def break_the_service(repo: Path) -> str:
    """A commit whose image cannot load its model: it starts, then exits."""
    dockerfile = repo / "Dockerfile"
    dockerfile.write_text(
        dockerfile.read_text().replace("USER app\n", "ENV KAIZEN_MODEL_PATH=/app/models/missing.joblib\nUSER app\n")
    )
    return consumer.commit_all(repo, "Point the service at a model that isn't there")


def fix_the_service(repo: Path) -> str:
    dockerfile = repo / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("ENV KAIZEN_MODEL_PATH=/app/models/missing.joblib\n", ""))
    return consumer.commit_all(repo, "Point the service at its model again")


def test_image_is_built_tested_pushed_and_deployed_then_a_broken_one_rolls_back(shipping_consumer, sandbox, shipyard):
    repo = shipping_consumer
    sample = (repo / "serving" / "sample-request.json").read_bytes()
    good_sha = consumer.git(repo, "rev-parse", "HEAD")
    with GitHubAPIStandIn(TOKEN) as api:
        run = ship(repo, sandbox, shipyard, api)
        assert run.returncode == 0, run.log[-8000:]
        image = f"{shipyard.registry.host}/acme/consumer"
        digest = job_output(run, IMAGE_JOB, "Build, smoke-test and push the image", "digest")
        assert digest.startswith("sha256:")
        assert f"sha-{good_sha[:7]}" in shipyard.registry.tags("acme/consumer")
        assert "main" in shipyard.registry.tags("acme/consumer")
        smoke = [text for _, text in run.summaries(IMAGE_JOB) if "Image smoke test" in text]
        assert smoke and ":white_check_mark:" in smoke[0]

        # Staging pulled the digest from the registry and serves this commit's model.
        metadata = get(f"{shipyard.staging_url}/metadata")
        assert metadata["git_sha"] == good_sha
        assert get(f"{shipyard.staging_url}/predict", sample)["predictions"] == [0, 1]
        assert shipyard.running_digests() == [digest]
        [(deployment, states)] = api.state.deployment_log("acme", "consumer")
        assert states == ["in_progress", "success"]
        assert deployment["payload"] == {"image_ref": f"{image}@{digest}"} and deployment["environment"] == "staging"

        # Nothing secret reached the log.
        for secret in (TOKEN, shipyard.registry.password, *shipyard.ssh.key.read_text().splitlines()[1:-1]):
            assert secret not in run.log

        # A build that fails its smoke test is not pushed, and staging is left alone.
        broken_sha = break_the_service(repo)
        run = ship(repo, sandbox, shipyard, api)
        assert run.returncode != 0
        errors = [a for a in run.annotations() if a["job"] == IMAGE_JOB]
        assert len(errors) == 1 and "failed its smoke test, so it is not pushed" in errors[0]["message"]
        assert f"sha-{broken_sha[:7]}" not in shipyard.registry.tags("acme/consumer")
        assert not [r for r in run.jobs() if r.name == DEPLOY_JOB and r.result == "success"]
        assert get(f"{shipyard.staging_url}/metadata")["git_sha"] == good_sha

        # The broken image pushed anyway (by hand, say) and deployed: staging keeps serving.
        broken = f"{image}:broken"
        shipyard.engine.podman(
            "build", "--format", "docker", "--build-arg", f"BASE_IMAGE={shipyard.base_image}",
            "--secret", f"id=pip-ca,src={shipping.CA_BUNDLE}", "--tag", broken, str(repo),
        )  # fmt: skip
        digest_file = repo.parent / "broken.digest"
        shipyard.engine.login(shipyard.registry.host, shipyard.registry.user, shipyard.registry.password)
        shipyard.engine.podman("push", "--digestfile", str(digest_file), broken)
        broken_digest = digest_file.read_text().strip()
        run = ship(
            repo, sandbox, shipyard, api, "redeploy.yml", "workflow_dispatch", {"IMAGE": image, "DIGEST": broken_digest}
        )
        assert run.returncode != 0
        [error] = [a for a in run.annotations() if a["job"] == DEPLOY_JOB]
        # Blue-green: its slot never got healthy, so the proxy never switched to it.
        assert "did not become healthy in its slot" in error["message"] and digest in error["message"]
        assert get(f"{shipyard.staging_url}/metadata")["git_sha"] == good_sha
        assert get(f"{shipyard.staging_url}/predict", sample)["predictions"] == [0, 1]
        assert shipyard.running_digests() == [digest]
        assert api.state.deployment_log("acme", "consumer")[-1][1] == ["in_progress", "failure"]

        # A digest the registry doesn't have: one error, nothing changed.
        missing = "sha256:" + "0" * 64
        run = ship(
            repo, sandbox, shipyard, api, "redeploy.yml", "workflow_dispatch", {"IMAGE": image, "DIGEST": missing}
        )
        assert run.returncode != 0
        [error] = [a for a in run.annotations() if a["job"] == DEPLOY_JOB]
        assert "could not pull" in error["message"] and "nothing changed" in error["message"]
        assert get(f"{shipyard.staging_url}/metadata")["git_sha"] == good_sha

        # The registry down at push time: one Kaizen error, nothing pushed or deployed, and a
        # rerun once it is back pushes and deploys the same commit.
        fixed_sha = fix_the_service(repo)
        tags_before = shipyard.registry.tags("acme/consumer")
        shipyard.registry.stop()
        try:
            run = ship(repo, sandbox, shipyard, api)
        finally:
            shipyard.registry.restart()
        assert run.returncode != 0
        kaizen_errors = [a for a in run.annotations() if a["job"] == IMAGE_JOB and a.get("title") == "push"]
        assert len(kaizen_errors) == 1, run.annotations()
        assert f"could not log in to {shipyard.registry.host}" in kaizen_errors[0]["message"]
        assert "nothing was pushed and nothing will be deployed" in kaizen_errors[0]["message"]
        assert not [r for r in run.jobs() if r.name == DEPLOY_JOB and r.result == "success"]
        assert shipyard.registry.tags("acme/consumer") == tags_before
        assert get(f"{shipyard.staging_url}/metadata")["git_sha"] == good_sha
        run = ship(repo, sandbox, shipyard, api)
        assert run.returncode == 0, run.log[-8000:]
        assert f"sha-{fixed_sha[:7]}" in shipyard.registry.tags("acme/consumer")
        assert get(f"{shipyard.staging_url}/metadata")["git_sha"] == fixed_sha
        assert api.problems() == []
