"""`kaizen local --project <your repository>` exactly as a user calls it, on repositories shaped
unlike example-project/ that keep their own .github/workflows: it runs those workflows on the
repository's files as git has them, with its DVC-tracked data and its own dependencies."""

import re

import fixture_projects

from kaizen.main import main
from kaizen_harness import consumer


def test_a_regression_repository_runs_its_own_train_workflow_on_uncommitted_edits(
    sandbox, tmp_path, developer_repository, capsys
):
    project = fixture_projects.regression(tmp_path / "regress-repo")
    developer_repository(project)
    fixture_projects.set_param(project, r"alpha: .*", "alpha: 5.0")  # an edit not yet committed
    argv = ["local", "--project", str(project), "--event", "pull_request", "--state-dir", str(sandbox.root)]
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 1, out[-6000:]  # the quality gate fails the run, as it would on GitHub
    assert "running .github/workflows/train.yml (pull_request) with act" in out
    assert "coverage.yml" not in out  # the other workflow is neither run nor given stand-ins
    comment = out.split("as it appears there:\n", 1)[1]
    assert "## Kaizen model report: ❌ quality gate failed" in comment
    assert "| fit.alpha | 0.0 | 5.0 |" in comment
    assert re.search(r"\| mae \| [0-9.]+ \| [0-9.]+ \| 🔴", comment)


def test_a_get_started_repository_with_dvc_tracked_outputs_from_the_workspace(
    sandbox, tmp_path, developer_repository, capsys
):
    project = fixture_projects.get_started(tmp_path / "get-started-repo")
    developer_repository(project, {"requirements": "src/requirements.txt"})
    assert consumer.git(project, "ls-files", "eval") == ""  # eval/ is DVC's, not git's
    fixture_projects.set_n_est(project, 3)
    argv = ["local", "--project", str(project), "--workflow", ".github/workflows/train.yml"]
    code = main([*argv, "--event", "pull_request", "--state-dir", str(sandbox.root)])
    out = capsys.readouterr().out
    assert code == 0, out[-6000:]
    assert re.search(r"DVC project \.: [1-9]\d* tracked output\(s\) from the workspace", out)
    comment = out.split("as it appears there:\n", 1)[1]
    assert "| train.n\\_est | 50 | 3 |" in comment
    assert re.search(r"\| roc\\_auc\.test \| 0\.\d+ \| 0\.\d+ \|", comment)  # base values, not new
    assert '    title "ROC"' in comment and "**Confusion-Matrix · test.json**" in comment


def test_a_workflow_with_an_action_kaizen_local_cannot_run_gets_one_message(
    sandbox, tmp_path, developer_repository, capsys
):
    project = fixture_projects.regression(tmp_path / "regress-repo")
    developer_repository(project)
    argv = ["local", "--project", str(project), "--state-dir", str(sandbox.root)]
    assert main([*argv, "--workflow", "coverage.yml"]) == 1
    [line] = [x for x in capsys.readouterr().out.splitlines() if x.startswith("::error")]
    assert "--workflow: coverage.yml is not one of the workflows that call Kaizen: .github/workflows/train.yml" in line
    train = project / ".github" / "workflows" / "train.yml"
    train.write_text(
        train.read_text() + (project / ".github" / "workflows" / "coverage.yml").read_text().split("jobs:\n", 1)[1]
    )
    consumer.commit_all(project, "upload coverage too")
    assert main([*argv, "--event", "push"]) == 1
    [line] = [x for x in capsys.readouterr().out.splitlines() if x.startswith("::error")]
    assert "train.yml uses codecov/codecov-action, which kaizen local cannot run offline" in line
