"""The security baseline and pinning rules, checked on every workflow and action Kaizen ships."""

import re
from pathlib import Path

import pytest
import yaml

from kaizen import uses

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = ROOT / "tests" / "data" / "upstream-actions"
STANDINS = ROOT / "scripts" / "kaizen" / "local" / "standins"
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


@pytest.mark.parametrize("path", ACTIONS, ids=lambda p: str(p.relative_to(ROOT)))
def test_action_baseline(path):
    data = yaml.safe_load(path.read_text())
    for name, spec in data.get("inputs", {}).items():
        assert spec.get("description"), f"input {name} needs a description"
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
    [call] = [job for job in jobs_of(pipeline).values() if str(job.get("uses", "")).endswith(f"/{part}@v1")]
    declared = yaml.safe_load((ROOT / ".github" / "workflows" / part).read_text())[True]["workflow_call"]
    missing = set(declared.get("inputs") or {}) - set(call.get("with") or {}) - PIPELINE_OWN.get(part, set())
    assert not missing, f"ml-pipeline.yml does not pass {sorted(missing)} to {part}"
    secrets = set(declared.get("secrets") or {}) - set(call.get("secrets") or {})
    assert not secrets, f"ml-pipeline.yml does not pass the secrets {sorted(secrets)} to {part}"
