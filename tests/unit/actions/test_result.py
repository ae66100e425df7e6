"""kaizen result: the aggregate check of ci.yml and ml-pipeline.yml, as the bash it replaces
judged: success passes, skipped passes only for a job that need not run, anything else fails."""

import json

import pytest

from kaizen.main import main


def needs(**results) -> str:
    """The needs context as toJSON(needs) gives it: result and outputs per job."""
    return json.dumps({job: {"result": result, "outputs": {}} for job, result in results.items()})


@pytest.fixture()
def run_result(monkeypatch, tmp_path, capsys):
    def run(needs_json: str, required: str = "", workflow: str = "ci"):
        summary = tmp_path / "summary.md"
        summary.write_text("")
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
        monkeypatch.setenv("KAIZEN_WORKFLOW", workflow)
        monkeypatch.setenv("KAIZEN_NEEDS", needs_json)
        monkeypatch.setenv("KAIZEN_REQUIRED", required)
        code = main(["result"])
        out = capsys.readouterr().out
        return code, [line for line in out.splitlines() if line.startswith("::error")], out, summary.read_text()

    return run


def test_every_job_passed(run_result):
    code, errors, out, summary = run_result(needs(context="success", lint="success", test="success"))
    assert (code, errors) == (0, [])
    assert "lint: success" in out.splitlines()
    assert summary.startswith("### ci result: ✅ passed")
    assert "| `test` | ✅ success | yes |" in summary


def test_a_job_turned_off_may_be_skipped_but_a_required_one_may_not(run_result):
    given = needs(context="success", lint="skipped", test="success")
    code, errors, _, summary = run_result(given, '{"context": true, "lint": false, "test": true}')
    assert (code, errors) == (0, [])
    assert "| `lint` | ⏭️ skipped | no |" in summary
    code, errors, _, summary = run_result(given, '{"context": true, "lint": true, "test": true}')
    assert code == 1
    assert errors == ["::error title=ci result::1 job(s) did not pass: lint (skipped); each job's own log says why"]
    assert "| `lint` | ❌ skipped | yes |" in summary and "❌ failed" in summary


def test_a_job_not_named_in_required_must_run(run_result):
    code, errors, _, _ = run_result(needs(plan="success", train="skipped"), '{"plan": true}')
    assert code == 1 and "train (skipped)" in errors[0]


@pytest.mark.parametrize("result", ["failure", "cancelled"])
def test_failed_or_cancelled_fails_even_when_the_job_need_not_run(run_result, result):
    code, errors, _, _ = run_result(needs(plan="success", image=result), '{"image": false}', "ml-pipeline")
    assert code == 1
    assert errors == [
        f"::error title=ml-pipeline result::1 job(s) did not pass: image ({result}); each job's own log says why"
    ]


def test_one_error_names_every_failed_job(run_result):
    code, errors, _, _ = run_result(needs(plan="failure", ci="success", train="cancelled", tests="skipped"))
    assert code == 1 and len(errors) == 1
    assert "3 job(s) did not pass: plan (failure), train (cancelled), tests (skipped)" in errors[0]


def test_results_named_one_by_one_work_as_well_as_to_json(run_result):
    """ml-pipeline.yml names each job's result (its outputs could exceed an environment variable)."""
    given = '{"plan": {"result": "success"}, "train": {"result": "skipped"}}'
    assert run_result(given, '{"plan": true, "train": false}')[0] == 0


@pytest.mark.parametrize(
    ("variable", "value", "needle"),
    [
        ("needs", "", "needs: missing; pass ${{ toJSON(needs) }}"),
        ("needs", "{oops", "is not JSON"),
        ("needs", "[]", "a JSON object with a key per job"),
        ("needs", '{"plan": {"outputs": {}}}', "job 'plan' has no result"),
        ("needs", '{"plan": {"result": "passed"}}', "job 'plan' has no result"),
        ("required", '{"lint": "yes"}', "JSON object of job: true/false"),
        ("required", '{"lnt": true}', "'lnt' is not a job this one needs (plan, lint)"),
        ("workflow", "c i", "'c i' is not a workflow name"),
    ],
)
def test_bad_input_is_one_error_naming_it(run_result, variable, value, needle):
    given = {"needs_json": needs(plan="success", lint="success"), "required": "", "workflow": "ci"}
    given[{"needs": "needs_json"}.get(variable, variable)] = value
    code, errors, _, _ = run_result(**given)
    assert code == 1 and len(errors) == 1
    assert errors[0].startswith(f"::error title={variable}::{variable}: ") and needle in errors[0]
