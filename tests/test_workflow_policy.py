"""The security baseline and pinning rules, checked on every workflow and action Kaizen ships."""

import re
from pathlib import Path

import pytest
import yaml

from kaizen import uses

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = ROOT / "tests" / "data" / "upstream-actions"
STANDINS = ROOT / "scripts" / "kaizen_harness" / "standins"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml")) + sorted((ROOT / "workflows").glob("*.yml"))
ACTIONS = sorted((ROOT / "actions").glob("*/action.yml"))


def upstream(owner_repo: str) -> dict:
    path = UPSTREAM / f"{owner_repo.replace('/', '__')}.yml"
    text = path.read_text()
    meta = dict(re.findall(r"^# (tag|sha): (\S+)$", text, re.MULTILINE))
    return {"tag": meta["tag"], "sha": meta["sha"], "action": yaml.safe_load(text)}


def plain(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def all_uses():
    for path in WORKFLOWS + ACTIONS:
        for found in uses.find(path.read_text()):
            if found.is_remote:
                yield path.relative_to(ROOT), found


def jobs_of(path: Path) -> dict:
    return (yaml.safe_load(path.read_text()) or {}).get("jobs", {})


def test_third_party_actions_are_pinned_to_the_recorded_release():
    seen = 0
    for where, found in all_uses():
        owner_repo, number = found.repository, found.line
        if found.is_kaizen:
            continue
        seen += 1
        record = upstream(owner_repo)
        assert found.ref == record["sha"], f"{where}:{number}: {owner_repo} not pinned to {record['sha']}"
        assert found.comment == record["tag"], f"{where}:{number}: comment should be # {record['tag']}"
        assert record["action"]["runs"]["using"] == "node24", f"{owner_repo} {record['tag']} is not a node24 major"
    assert seen >= 5


@pytest.mark.parametrize("owner_repo", sorted(p.stem.replace("__", "/") for p in UPSTREAM.glob("*.yml")))
def test_standin_declares_the_real_actions_inputs_and_outputs(owner_repo):
    real = upstream(owner_repo)["action"]
    standin = yaml.safe_load((STANDINS / owner_repo / "action.yml").read_text())
    assert sorted(standin["inputs"]) == sorted(real["inputs"])
    assert sorted(standin.get("outputs") or {}) == sorted(real.get("outputs") or {})
    for name, spec in real["inputs"].items():
        assert plain(standin["inputs"][name].get("default")) == plain(spec.get("default")), name


def test_every_used_third_party_action_has_a_standin_and_record():
    used = {found.repository for _, found in all_uses() if not found.is_kaizen}
    recorded = {p.stem.replace("__", "/") for p in UPSTREAM.glob("*.yml")}
    assert used == recorded
    assert all((STANDINS / name / "action.yml").is_file() for name in used)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: str(p.relative_to(ROOT)))
def test_workflow_baseline(path):
    data = yaml.safe_load(path.read_text())
    triggers = data.get(True) or data.get("on")
    assert "pull_request_target" not in (triggers or {})
    assert data.get("permissions") == {}, "top-level permissions must be {}"
    for name, job in jobs_of(path).items():
        assert "permissions" in job, f"job {name} must declare its permissions"
        if "uses" not in job:
            assert "timeout-minutes" in job, f"job {name} needs timeout-minutes"
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, f"job {name}: persist-credentials"
            assert "${{" not in str(step.get("run", "")), f"job {name}: expressions reach shell only through env"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_workflow_step_is_named(path):
    """A user's log and checks list show the name; an unnamed step shows its `uses:` or script."""
    for job_id, job in jobs_of(path).items():
        for number, step in enumerate(job.get("steps", []), 1):
            assert step.get("name"), f"job {job_id}: step {number} needs a name"


def test_job_names_are_distinct():
    """ml-pipeline.yml runs the other reusable workflows' jobs in one run: two jobs of one name
    could not be told apart in its checks list."""
    seen: dict[str, str] = {}
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        for job_id, job in jobs_of(path).items():
            if "name" in job:
                where = f"{path.name}:{job_id}"
                assert job["name"] not in seen, f"{where} and {seen.get(job['name'])} are both {job['name']!r}"
                seen[job["name"]] = where
    assert len(seen) >= 10


def test_only_the_reusable_workflows_are_without_a_dot():
    """Workflows users call (`on: workflow_call`) have plain names; this repository's own, which no
    user calls, are dot-prefixed as internal (as docker/github-builder does; see .kaizen.yml)."""
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        triggers = yaml.safe_load(path.read_text()).get(True) or {}
        reusable = "workflow_call" in triggers
        assert reusable != path.name.startswith("."), f"{path.name}: reusable={reusable}"


@pytest.mark.parametrize("path", ACTIONS, ids=lambda p: str(p.relative_to(ROOT)))
def test_action_baseline(path):
    data = yaml.safe_load(path.read_text())
    for name, spec in data.get("inputs", {}).items():
        assert spec.get("description"), f"input {name} needs a description"
        # act refuses an expression in an action's description ("expressions are not allowed here")
        assert "${{" not in spec["description"], f"input {name}: no expression in a description"
        if not spec.get("required"):
            assert isinstance(spec.get("default"), str), f"input {name}: defaults are quoted strings"
    for name, spec in data.get("outputs", {}).items():
        assert spec.get("description"), f"output {name} needs a description"
    for step in data["runs"]["steps"]:
        assert "${{" not in str(step.get("run", "")), "expressions reach shell only through env"


@pytest.mark.parametrize("template", sorted(p.name for p in (ROOT / "workflows").glob("*.yml")))
def test_every_caller_template_is_run_by_an_e2e_test(template):
    """Each ready-to-copy caller is copied into a consumer by an end-to-end test (by name, as
    shipped; tests may only add inputs for this machine)."""
    e2e = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests" / "e2e").glob("test_*.py"))
    assert re.search(rf"[\"']{re.escape(template)}[\"']", e2e), f"no e2e test copies workflows/{template}"


# Inputs of the parts ml-pipeline.yml sets itself instead of passing them through.
PIPELINE_OWN = {
    "container.yml": {"push", "timeout-minutes"},  # push follows the plan; the part's default limit
    "deploy-staging.yml": {"timeout-minutes"},
    "train.yml": {"force"},  # for scheduled retrains (workflows/retrain.yml calls train.yml)
}


@pytest.mark.parametrize("part", ["ci.yml", "train.yml", "container.yml", "deploy-staging.yml"])
def test_ml_pipeline_passes_every_input_of_its_parts(part):
    pipeline = ROOT / ".github" / "workflows" / "ml-pipeline.yml"
    calls = {name: job for name, job in jobs_of(pipeline).items() if str(job.get("uses", "")).endswith(f"/{part}@v1")}
    assert calls
    declared = yaml.safe_load((ROOT / ".github" / "workflows" / part).read_text())[True]["workflow_call"]
    for name, call in calls.items():  # deploy-staging.yml is called twice: staging, production
        missing = set(declared.get("inputs") or {}) - set(call.get("with") or {}) - PIPELINE_OWN.get(part, set())
        assert not missing, f"ml-pipeline.yml's {name} job does not pass {sorted(missing)} to {part}"
        secrets = set(declared.get("secrets") or {}) - set(call.get("secrets") or {})
        assert not secrets, f"ml-pipeline.yml's {name} job does not pass the secrets {sorted(secrets)} to {part}"


# Inputs of ml-pipeline.yml that are not one part's input passed on as it is, and why their
# description (or name, or default) differs from the part's.
PIPELINE_OWN_WORDING = {
    "working-directory": "one folder for ci.yml, train.yml and (as the image context's default) the plan",
    "runs-on": "one runner for ci.yml, container.yml and deploy-staging.yml; train-runs-on can override it",
    "python-version": "one version for train.yml and for DVC in container.yml",
    "smoke-request": "one request for the image's smoke test and staging's, relative to the context",
    "health-path": "one path for the image's smoke test (smoke-health-path) and staging's",
    "predict-path": "one path for the image's smoke test (smoke-predict-path) and staging's",
    "train-runs-on": "renamed: train.yml's runs-on, empty falls back to runs-on",
    "train-timeout-minutes": "renamed: train.yml's timeout-minutes",
    "staging-url": "renamed: deploy-staging.yml's url, optional here because empty means no deploy",
    # The production job calls deploy-staging.yml again with production's own host and URL.
    **{
        f"production-{name}": f"renamed: deploy-staging.yml's {name}, for the production job"
        for name in (
            "environment",
            "url",
            "ssh-host",
            "ssh-port",
            "ssh-user",
            "compose-directory",
            "compose-project",
            "proxy-port",
            "slot-ports",
            "kubernetes-namespace",
            "kubernetes-deployment",
        )
    },
}


def pass_throughs():
    """(part, part's input, pipeline's input) for every `with:` value that is `${{ inputs.X }}`."""
    pipeline = ROOT / ".github" / "workflows" / "ml-pipeline.yml"
    for job in jobs_of(pipeline).values():
        part = str(job.get("uses", "")).rpartition("/")[2].partition("@")[0]
        for name, value in (job.get("with") or {}).items():
            match = re.fullmatch(r"\$\{\{\s*inputs\.([\w-]+)(?:\s*\|\|.*)?\s*\}\}", str(value).strip())
            if match:
                yield part, name, match.group(1)


def workflow_inputs(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())[True]["workflow_call"]["inputs"]


def test_ml_pipeline_passes_each_input_with_the_parts_type_default_and_description():
    own = workflow_inputs("ml-pipeline.yml")
    checked = 0
    for part, name, source in pass_throughs():
        theirs, ours = workflow_inputs(part)[name], own[source]
        assert ours.get("type") == theirs.get("type"), f"{source} -> {part} {name}: type differs"
        if source in PIPELINE_OWN_WORDING:
            continue
        checked += 1
        assert source == name, f"{source} -> {part} {name}: renamed without a reason in PIPELINE_OWN_WORDING"
        assert ours.get("default") == theirs.get("default"), f"{name} -> {part}: default differs"
        assert ours.get("description") == theirs.get("description"), f"{name} -> {part}: description differs"
    assert checked >= 30


AGGREGATE_JOBS = {"ci.yml": "result", "ml-pipeline.yml": "result"}


@pytest.mark.parametrize("name", sorted(AGGREGATE_JOBS))
def test_the_aggregate_result_job_needs_every_other_job(name):
    jobs = jobs_of(ROOT / ".github" / "workflows" / name)
    result = jobs[AGGREGATE_JOBS[name]]
    needs = result.get("needs") or []
    assert sorted([needs] if isinstance(needs, str) else needs) == sorted(set(jobs) - {AGGREGATE_JOBS[name]})
    assert result.get("if") == "always()", "the result job must run when a job it needs failed or was skipped"


@pytest.mark.parametrize("name", sorted(AGGREGATE_JOBS))
def test_the_aggregate_result_is_judged_by_kaizen_result_from_every_job_it_needs(name):
    """No shell judges it; actions/result gets toJSON(needs), or each job's result by name."""
    result = jobs_of(ROOT / ".github" / "workflows" / name)[AGGREGATE_JOBS[name]]
    assert not [step for step in result["steps"] if "run" in step], "the result is judged by kaizen result"
    [step] = [step for step in result["steps"] if "/actions/result@" in step.get("uses", "")]
    given = re.sub(r"\s+", " ", str(step["with"]["needs"]))
    if given != "${{ toJSON(needs) }}":
        for job in result["needs"]:
            assert f'"{job}": {{"result": "${{{{ needs.{job}.result }}}}"}}' in given, f"{job}'s result is not handed"


def test_every_reusable_workflow_with_several_jobs_has_an_aggregate_result_job():
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        data = yaml.safe_load(path.read_text())
        if "workflow_call" in (data.get(True) or {}) and len(data["jobs"]) > 2:
            assert path.name in AGGREGATE_JOBS, f"{path.name} has {len(data['jobs'])} jobs but no aggregate result job"


# The interpreter rule, stated once: a step that works in the project's environment (installs
# into it, or runs DVC and the tools installed there) runs `python`, the interpreter
# actions/setup-python put first on PATH; every other Kaizen step runs `python3`, the runner's
# own Python, which needs no set-up step.
PROJECT_ENVIRONMENT_COMMANDS = {"setup", "test", "dvc", "train", "metrics-report", "drift"}


@pytest.mark.parametrize("path", ACTIONS, ids=lambda p: str(p.relative_to(ROOT)))
def test_composite_steps_are_named_and_follow_the_interpreter_rule(path):
    steps = yaml.safe_load(path.read_text())["runs"]["steps"]
    for number, step in enumerate(steps, 1):
        assert step.get("name"), f"step {number} needs a name: a user's log shows it"
        run = str(step.get("run", ""))
        match = re.search(r"\b(python3?) -m kaizen ([\w-]+)", run)
        if match:
            expected = "python" if match.group(2) in PROJECT_ENVIRONMENT_COMMANDS else "python3"
            assert match.group(1) == expected, f"step {step['name']!r}: kaizen {match.group(2)} runs with {expected}"


def kaizen_variables_read(module_source: str) -> set[str]:
    """KAIZEN_* names a module reads: inputs.<kind>("x") and literal KAIZEN_X lookups."""
    names = {
        "KAIZEN_" + name.upper().replace("-", "_")
        for name in re.findall(r"\b(?:inputs\.\w+|required_secret)\(\s*\"([\w-]+)\"", module_source)
    }
    names |= set(re.findall(r"environ(?:\.get)?[\[(]\s*\"(KAIZEN_[A-Z0-9_]+)\"", module_source))
    return names


@pytest.mark.parametrize("path", ACTIONS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_kaizen_variable_an_action_module_reads_is_an_input_of_its_action(path):
    """Read through the action's module and the building blocks only it uses (deploy's targets)."""
    module = ROOT / "scripts" / "kaizen" / "actions" / f"{path.parent.name.replace('-', '_')}.py"
    sources = [module.read_text()]
    if path.parent.name == "deploy":
        sources.append((ROOT / "scripts" / "kaizen" / "deploy_targets.py").read_text())
    read = set().union(*(kaizen_variables_read(s) for s in sources))
    assert read, f"{module.name} reads no input"
    action = yaml.safe_load(path.read_text())
    declared = set()
    for step in action["runs"]["steps"]:
        for variable, value in (step.get("env") or {}).items():
            if re.fullmatch(r"\$\{\{\s*(inputs|steps)\.[\w.-]+\s*\}\}", str(value)):  # or wired from a step
                declared.add(variable)
    assert read <= declared, f"{module.name} reads {sorted(read - declared)}, which no input of the action sets"


BASE_EXPRESSION = re.compile(r"github\.base_ref|github\.event\.before|event\.pull_request\.base")


@pytest.mark.parametrize("path", WORKFLOWS + ACTIONS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_workflow_or_action_derives_the_comparison_base_itself(path):
    """The base is decided once, in kaizen/base.py, from the event; the plan outputs it."""
    assert not BASE_EXPRESSION.findall(path.read_text()), f"{path.name}: use actions/changes' base-sha output"


@pytest.mark.parametrize("path", sorted((ROOT / ".github" / "workflows").glob("*.yml")), ids=lambda p: p.name)
def test_a_cancelled_run_starts_no_job_but_the_result(path):
    """always() starts a job after the run was cancelled; a build or deploy must use !cancelled()
    (https://docs.github.com/en/actions/reference/workflows-and-actions/expressions#status-check-functions).
    Only the aggregate result job, which reports the run, may use always()."""
    for job_id, job in jobs_of(path).items():
        if AGGREGATE_JOBS.get(path.name) != job_id:
            assert "always()" not in str(job.get("if", "")), f"{path.name}: job {job_id} starts after a cancel"


def test_the_gpu_template_never_trains_a_forks_pull_request_on_the_self_hosted_runner():
    """The self-hosted GPU runner keeps the remote's credentials (.dvc/config.local) between jobs:
    a fork's code must not run there."""
    [call] = jobs_of(ROOT / "workflows" / "ml-pipeline-gpu.yml").values()
    assert "self-hosted" in call["with"]["train-runs-on"]
    assert call["with"]["train"] == "${{ !github.event.pull_request.head.repo.fork }}"
