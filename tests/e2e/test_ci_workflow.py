"""ci.yml, run through act from a consumer repository that references kaizen-ci/kaizen@v1."""

import re
import shutil
from xml.etree import ElementTree

import pytest

from kaizen_harness import act, consumer


def results(run: act.ActRun) -> dict[str, str]:
    return {job.name.removeprefix("ci/ci/"): job.result for job in run.jobs()}


def errors(run: act.ActRun) -> list[dict]:
    return [a for a in run.annotations() if not a["job"].endswith("CI result")]


def test_every_leg_passes_on_its_own_interpreter(make_consumer, sandbox):
    repo = make_consumer()
    run = act.run_workflow(repo, "push", sandbox, workflow="ci.yml")
    assert run.returncode == 0, run.log[-5000:]
    assert results(run) == {
        "CI plan": "success",
        "Lint": "success",
        "Test (Python 3.10)": "success",
        "Test (Python 3.11)": "success",
        "Test (Python 3.12)": "success",
        "Test (Python 3.13)": "success",
        "CI result": "success",
    }
    seen = {
        matrix["python-version"]: value
        for matrix, name, value in run.outputs("ci/ci/Test", step="Run the tests")
        if name == "python-version" and matrix
    }
    assert set(seen) == {"3.10", "3.11", "3.12", "3.13"}
    for requested, actual in seen.items():
        assert actual.startswith(requested + "."), f"leg {requested} ran on Python {actual}"
    summaries = [text for matrix, text in run.summaries("ci/ci/Test")]
    # The example's own test functions, counted from its source: the legs must run at least these
    # (parametrized ones count once here, once per case in junit.xml).
    functions = sum(
        len(re.findall(r"^def test_", path.read_text(encoding="utf-8"), re.M))
        for path in (repo / "tests").glob("test_*.py")
    )
    for requested, version in seen.items():
        artifact = run.artifacts / f"test-results-python-{requested}"
        assert {p.name for p in artifact.iterdir()} == {"junit.xml", "coverage.xml"}
        cases = ElementTree.parse(artifact / "junit.xml").getroot().iter("testcase")
        ran = sum(1 for _ in cases)
        assert ran >= functions > 0
        assert any(text.startswith(f"### ✅ Tests on Python {version}: {ran} passed, 0 failed") for text in summaries)


def test_lint_error_fails_the_run_at_file_and_line(make_consumer, sandbox):
    repo = make_consumer()
    consumer.set_inputs(repo, "ci.yml", {"python-versions": '["3.12"]'})
    (repo / "src" / "kaizen_example" / "sloppy.py").write_text('"""Sloppy."""\n\nimport os\n')
    consumer.commit_all(repo, "Add an unused import")
    run = act.run_workflow(repo, "push", sandbox, workflow="ci.yml")
    assert run.returncode != 0
    assert results(run)["Lint"] == "failure" and results(run)["CI result"] == "failure"
    assert results(run)["Test (Python 3.12)"] == "success"
    [annotation] = errors(run)
    assert (annotation["file"], annotation["line"], annotation["title"]) == (
        "src/kaizen_example/sloppy.py",
        "3",
        "ruff F401",
    )
    assert any("| `src/kaizen_example/sloppy.py:3` | F401 |" in text for _, text in run.summaries("ci/ci/Lint"))


def test_failing_test_fails_the_run_at_file_and_line(make_consumer, sandbox):
    repo = make_consumer()
    consumer.set_inputs(repo, "ci.yml", {"python-versions": '["3.11", "3.13"]'})
    (repo / "tests" / "test_regression.py").write_text(
        "from kaizen_example.params import load_params\n\n\ndef test_seed_is_stable():\n"
        '    assert load_params("prepare")["seed"] == 7\n'
    )
    consumer.commit_all(repo, "Add a failing test")
    run = act.run_workflow(repo, "push", sandbox, workflow="ci.yml")
    assert run.returncode != 0
    assert results(run)["Test (Python 3.11)"] == "failure" and results(run)["Test (Python 3.13)"] == "failure"
    assert results(run)["CI result"] == "failure"
    found = {(a["matrix"].get("python-version"), a["file"], a["line"]) for a in errors(run)}
    assert found == {("3.11", "tests/test_regression.py", "5"), ("3.13", "tests/test_regression.py", "5")}
    assert any("`tests/test_regression.py:5`" in text for _, text in run.summaries("ci/ci/Test"))


def test_project_in_a_subfolder_on_a_self_hosted_runner(make_consumer, sandbox):
    repo = make_consumer(subdir="ml")
    consumer.set_inputs(
        repo,
        "ci.yml",
        {
            "working-directory": "ml",
            "python-versions": '["3.12"]',
            "runs-on": '["self-hosted", "linux"]',
            "lint": False,
        },
    )
    run = act.run_workflow(repo, "push", sandbox, workflow="ci.yml", labels=["self-hosted", "linux"])
    assert run.returncode == 0, run.log[-5000:]
    assert results(run) == {"CI plan": "success", "Test (Python 3.12)": "success", "CI result": "success"}


@pytest.mark.parametrize(
    ("inputs", "title", "message"),
    [
        ({"python-versions": "3.12"}, "python-versions", "python-versions: expected a non-empty JSON list"),
        ({"python-versions": "[3.10]"}, "python-versions", "python-versions: 3.1 is a number"),
        ({"python-versions": '["3.7"]'}, "python-versions", "python-versions: no runner provides Python '3.7'"),
        ({"working-directory": "missing"}, "working-directory", "working-directory: 'missing' does not exist"),
    ],
)
def test_bad_input_stops_with_one_error_naming_it(make_consumer, sandbox, inputs, title, message):
    repo = make_consumer()
    consumer.set_inputs(repo, "ci.yml", inputs)
    run = act.run_workflow(repo, "push", sandbox, workflow="ci.yml")
    assert run.returncode != 0
    [annotation] = errors(run)
    assert annotation["title"] == title and annotation["message"].startswith(message)
    assert "Traceback" not in run.log
    assert not any(name.startswith("Test") for name in results(run))


def test_project_without_tests_is_an_error_not_a_pass(make_consumer, sandbox):
    repo = make_consumer()
    consumer.set_inputs(repo, "ci.yml", {"python-versions": '["3.12"]', "lint": False})
    shutil.rmtree(repo / "tests")
    consumer.commit_all(repo, "Remove the tests")
    run = act.run_workflow(repo, "push", sandbox, workflow="ci.yml")
    assert run.returncode != 0
    [annotation] = errors(run)
    assert annotation["title"] == "test-command"
    assert annotation["message"].startswith("test-command: pytest collected no tests in '.'")
    assert "Traceback" not in run.log
