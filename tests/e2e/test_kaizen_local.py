"""`kaizen local`, the README's main command, on the example project: the whole loop up to
staging for a push, and the report comment for a pull request made of uncommitted edits."""

import json
import re
import shutil

import pytest

from kaizen.main import main
from kaizen_harness import consumer, sources


@pytest.mark.xdist_group("podman")  # it starts a shipyard (tests/conftest.py)
def test_push_runs_the_whole_loop_and_says_where_everything_is(sandbox, capsys):
    code = main(["local", "--state-dir", str(sandbox.root), "--python-versions", '["3.12"]'])
    out = capsys.readouterr().out
    assert code == 0, out[-6000:]
    for job in (
        "Pipeline plan",
        "CI plan",
        "Lint",
        "Test (Python 3.12)",
        "Train and report",
        "Build, smoke-test and push",
    ):
        assert re.search(rf"✅ \S*{re.escape(job)}: success", out), job
    assert "✅ staging/deploy-staging/Deploy to staging: success" in out
    assert "### Pipeline plan" in out and "everything runs: the branch's first push" in out
    report = re.search(r"model report: (\S+report\.md)", out)
    assert report and "Kaizen model report" in open(report[1]).read()
    image = re.search(r"image pushed: (127\.0\.0\.1:\d+/acme/consumer@sha256:[0-9a-f]{64})", out)
    assert image, out[-3000:]
    staging = re.search(r"staging: (http://127\.0\.0\.1:\d+) serves (\S+) \(commit ([0-9a-f]{12})\)", out)
    assert staging and staging[2] == image[1]
    assert "kaizen local: passed" in out
    # Where the time went: every job with its slowest steps, the critical path, and the JSON.
    timings = json.loads((sandbox.root / "timings-ml-pipeline.json").read_text())
    assert timings["workflow"] == "ml-pipeline.yml" and timings["passed"] is True
    names = [job["name"] for job in timings["jobs"]]
    assert "staging/deploy-staging/Deploy to staging" in names and "train/train/Train and report" in names
    assert timings["critical_path"][-1] == "pipeline/ml-pipeline/Pipeline result"
    deploy = next(job for job in timings["jobs"] if job["name"] == "staging/deploy-staging/Deploy to staging")
    assert deploy["critical"] and deploy["seconds"] > 0
    deploy_step = "Deploy, smoke-test and load-test"  # the step's name in deploy-staging.yml
    assert any(step["name"] == deploy_step for step in deploy["steps"])
    assert re.search(rf"^\* staging/deploy-staging/Deploy to staging +[0-9.]+ +[0-9.]+  {deploy_step} ", out, re.M)
    assert re.search(r"^critical path \(\*\), [0-9.]+s of [0-9.]+s: .* -> staging/deploy-staging/Deploy", out, re.M)
    # The deploy's parts, each timed in its summary.
    assert re.search(r"\| pull \| start \| health \| switch \| smoke \| load \| record \| in all \|", out)


def test_pull_request_of_uncommitted_edits_prints_the_comment(sandbox, tmp_path, capsys):
    project = tmp_path / "project"
    shutil.copytree(sources.example_project(), project, ignore=consumer.IGNORED)
    consumer.git(project, "init", "--quiet", "-b", "main")
    consumer.commit_all(project, "The project")
    params = project / "params.yaml"
    params.write_text(re.sub(r"  C: .*", "  C: 0.3", params.read_text()))
    argv = ["local", "--project", str(project), "--event", "pull_request", "--state-dir", str(sandbox.root)]
    code = main([*argv, "--python-versions", '["3.12"]'])
    out = capsys.readouterr().out
    assert code == 0, out[-6000:]
    assert "pull request: 1 changed and 0 deleted files against HEAD" in out
    comment = out.split("as it appears there:\n", 1)[1]
    assert comment.startswith("─" * 72 + "\n<!-- kaizen-report:train -->\n## Kaizen model report")
    assert "| train.C | 1.0 | 0.3 |" in comment
    assert "image pushed" not in out  # a pull request builds no image


def test_a_project_outside_git_gets_one_clear_message(sandbox, tmp_path):
    project = tmp_path / "loose"
    shutil.copytree(sources.example_project(), project, ignore=consumer.IGNORED)
    with pytest.raises(SystemExit, match="--base: .* is not in a git repository with a revision 'HEAD'"):
        main(["local", "--project", str(project), "--event", "pull_request", "--state-dir", str(sandbox.root)])
