import json
import re

from kaizen_harness import timings


def step(job, name, at, seconds, result="Success", depth=0, stage="Main"):
    # As act 0.2.89 writes it with --json (executionTime in nanoseconds), plus the harness's `at`.
    return {
        "job": job,
        "at": at,
        "step": name,
        "msg": f"  ✅  {result} - {stage} {name} [{seconds}s]",
        "stepID": ["0"] * (depth + 1),
        "executionTime": int(seconds * 1e9),
    }


def run_records():
    return [
        # the caller's job that calls a reusable workflow: no step of its own
        {"job": "ml-pipeline/pipeline", "at": 0.1, "msg": "🚀  Start image=-self-hosted"},
        {"job": "pipeline/Plan", "at": 0.5, "msg": "⭐ Run Set up job", "step": "Set up job"},
        step("pipeline/Plan", "actions/changes", 2.0, 1.2),
        {"job": "pipeline/Plan", "at": 2.1, "jobResult": "success"},
        # a stage: lint and two test legs start when the plan ended
        {"job": "ci/Lint", "at": 2.6},
        step("ci/Lint", "Ruff", 9.0, 6.0),
        {"job": "ci/Lint", "at": 9.1, "jobResult": "success"},
        {"job": "ci/Test-1", "at": 2.7},
        step("ci/Test-1", "actions/setup", 8.0, 5.0),
        step("ci/Test-1", "Install the project", 7.9, 4.0, depth=1),
        step("ci/Test-1", "pytest", 20.0, 11.5),
        step("ci/Test-1", "Upload", 20.2, 0.1),
        step("ci/Test-1", "Post job clean-up", 20.3, 0.1, stage="Post"),
        {"job": "ci/Test-1", "at": 20.4, "jobResult": "success"},
        {"job": "ci/Test-2", "at": 2.7},
        step("ci/Test-2", "pytest", 15.0, 10.0, result="Failure"),
        {"job": "ci/Test-2", "at": 15.1, "jobResult": "failure"},
        # a job that ended just after Test-1 started is no step of the path to it
        {"job": "report/Early", "at": 2.2, "step": "Set up job"},
        step("report/Early", "comment", 3.5, 1.0),
        {"job": "report/Early", "at": 3.6, "jobResult": "success"},
        # the next stage waited for the slowest leg
        {"job": "image/Build", "at": 21.0},
        step("image/Build", "kaizen-ci/kaizen/actions/container@v1", 40.0, 18.0),
        {"job": "image/Build", "at": 40.2, "jobResult": "success"},
    ]


def test_jobs_are_timed_with_their_steps_and_the_critical_path_follows_what_each_waited_for():
    ran = timings.jobs(run_records())
    assert [job.name for job in ran] == [
        "pipeline/Plan",
        "report/Early",
        "ci/Lint",
        "ci/Test-1",
        "ci/Test-2",
        "image/Build",
    ]
    by_name = {job.name: job for job in ran}
    assert round(by_name["ci/Test-1"].seconds, 1) == 17.7
    assert [s.name for s in by_name["ci/Test-1"].slowest()] == ["pytest", "actions/setup", "Upload"]
    assert by_name["ci/Test-2"].result == "failure" and not by_name["ci/Test-2"].steps[0].passed
    assert [job.name for job in timings.critical_path(ran)] == ["pipeline/Plan", "ci/Test-1", "image/Build"]
    assert [job.name for job in ran if job.critical] == ["pipeline/Plan", "ci/Test-1", "image/Build"]


def test_the_table_and_the_json_say_the_same(tmp_path):
    ran = timings.jobs(run_records())
    text = timings.table(ran, 41.0)
    assert "* ci/Test-1" in text and "  ci/Test-2" in text and "[failure]" in text
    assert "pytest 11.5, actions/setup 5.0, Upload 0.1" in text
    assert re.search(r"^\* image/Build +21\.0 +19\.2  actions/container 18\.0$", text, re.MULTILINE)
    assert "ml-pipeline/pipeline" not in text  # it only calls a reusable workflow
    assert text.splitlines()[-1] == (
        "critical path (*), 38.5s of 41.0s: pipeline/Plan 1.6 -> ci/Test-1 17.7 -> image/Build 19.2"
    )
    written = json.loads(timings.write(tmp_path / "t.json", ran, 41.0, workflow="ml-pipeline.yml").read_text())
    assert written["critical_path"] == ["pipeline/Plan", "ci/Test-1", "image/Build"]
    assert written["workflow"] == "ml-pipeline.yml" and written["seconds"] == 41.0
    test_1 = next(job for job in written["jobs"] if job["name"] == "ci/Test-1")
    assert [(s["name"], s["depth"]) for s in test_1["steps"]] == [
        ("actions/setup", 0),
        ("Install the project", 1),
        ("pytest", 0),
        ("Upload", 0),
    ]


def test_durations_without_executiontime_come_from_the_text():
    assert timings.go_duration("1m2.5s") == 62.5
    assert round(timings.go_duration("830ms"), 6) == 0.83
    record = {"job": "j", "msg": "  ✅  Success - Main Build [1m2.5s]", "stepID": ["1", "0"]}
    [(_, found)] = list(timings.finished_steps([record]))
    assert (found.name, found.depth, found.seconds, found.passed) == ("Build", 1, 62.5, True)
