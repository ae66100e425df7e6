"""Property tests: every input of every action subcommand, fed generated bad values (the other
inputs valid), gets exactly one `::error` line naming that input, and the subcommand exits 1;
no exception escapes. `INPUTS` lists each input with the kind of bad value it refuses; the
inputs that take any text are in `ANY_TEXT`, each with why; a test checks that the two together
name every input each action hands to its subcommand. Over 500 generated cases run per run
(the counter below checks it)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaizen import inputs
from kaizen.actions import ci_context, report_images
from kaizen.main import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = 12
examples = {"count": 0, "tracebacks": 0}

printable = st.text(alphabet=string.printable + "²½éß→\u200b", min_size=1, max_size=40)
blank = st.sampled_from(["", " ", "\t", "\n"])


def refused(rule):
    """Printable values `rule` refuses (blank means the default, so never counted as bad)."""
    return printable.filter(lambda s: s.strip() and not rule(s.strip()))


def matches(pattern: re.Pattern) -> callable:
    return lambda s: bool(pattern.match(s))


def is_whole(s: str, minimum: int = 1, maximum: int | None = None) -> bool:
    return s.isascii() and s.isdigit() and len(s) <= 12 and int(s) >= minimum and (maximum is None or int(s) <= maximum)


def is_positive_number(s: str) -> bool:
    try:
        value = float(s) if s.isascii() else -1.0
    except ValueError:
        return False
    return value == value and value not in (float("inf"),) and value > 0


def outside_paths() -> st.SearchStrategy[str]:
    """Paths that leave the repository or name nothing in it."""
    climbing = st.integers(1, 6).map(lambda n: "../" * n + "etc")
    absolute = st.sampled_from(["/etc", "/etc/passwd", "/tmp", "/"])
    missing = st.text(alphabet=string.ascii_letters + "_", min_size=3, max_size=12).map(lambda s: f"no-such-{s}")
    return st.one_of(climbing, absolute, missing)


BAD = {
    "boolean": refused(lambda s: s.lower() in ("true", "false", "1", "0", "yes", "no")),
    "whole": refused(is_whole),
    "port": st.one_of(refused(lambda s: is_whole(s, 1, 65535)), st.sampled_from(["0", "65536", "99999"])),
    "seconds": st.one_of(refused(is_positive_number), st.sampled_from(["-5", "0", "nan", "inf", "5 minutes", "1e999"])),
    "url": st.one_of(
        refused(lambda s: s.startswith(("http://", "https://")) and " " not in s and len(s) > 8),
        st.sampled_from(["ftp://x", "http://", "http://a b", "https://host:port/", "localhost:8000"]),
    ),
    "url-path": refused(
        lambda s: s.startswith("/") and not s.startswith("//") and s.isascii() and not re.search(r"[\s#]", s)
    ),
    "json-list": st.one_of(
        refused(lambda s: s.startswith("[")), st.lists(st.integers(), min_size=1, max_size=3).map(json.dumps)
    ),
    "image": st.one_of(
        refused(lambda s: bool(inputs.IMAGE.match(s.lower()))), st.sampled_from(["ghcr.io/a/b:latest", "a/b@sha256:0"])
    ),
    "digest": st.one_of(refused(matches(inputs.DIGEST)), blank, st.just("sha256:" + "0" * 63)),
    "identifier": refused(matches(inputs.IDENTIFIER)),
    "repository": refused(inputs.valid_repository),
    "commit-sha": refused(matches(inputs.COMMIT_SHA)),
    "git-ref": st.one_of(
        refused(inputs.valid_ref_name),
        st.sampled_from(["--upload-pack=touch PWNED", "-x", "main..other", "../x"]),
    ),
    "pull-request": refused(lambda s: is_whole(s)),
    "version": refused(matches(inputs.VERSION)),
    "extras": refused(lambda s: all(inputs.EXTRA.match(p.strip()) for p in s.split(","))),
    "host": st.one_of(refused(matches(inputs.HOST)), st.sampled_from(["-oProxyCommand=touch x", "a b"])),
    "user": st.one_of(refused(matches(inputs.USER)), st.sampled_from(["-oProxyCommand=x", "root;id"])),
    "dns-name": refused(matches(inputs.DNS_NAME)),
    "missing": blank,
    "file": outside_paths(),
    "folder": outside_paths(),
    "json-file": st.one_of(outside_paths(), st.just("not-json.txt")),
    "event": refused(lambda s: bool(re.fullmatch(r"[a-z_]+", s))),
    "choice-formatter": refused(lambda s: s.lower() in ("ruff", "black")),
    "choice-target": refused(lambda s: s.lower() in ("ssh-compose", "kubernetes", "command")),
    "choice-strategy": refused(lambda s: s.lower() in ("blue-green", "recreate")),
    "choice-scope": refused(lambda s: s.lower() in ("pipeline", "training")),
    "choice-on-breach": refused(lambda s: s.lower() in ("retrain", "issue", "none")),
    "workflow-file": st.one_of(
        refused(lambda s: bool(re.fullmatch(r"[A-Za-z0-9._-]{1,100}\.ya?ml", s))),
        st.sampled_from(["../ci.yml", "retrain", "a b.yml", "-x.yml/"]),
    ),
    "two-ports": st.one_of(
        st.sampled_from(["8001", "8001 8001", "1 2 3", "0 8002", "8001 70000", "a b"]),
        refused(
            lambda s: (
                len(s.replace(",", " ").split()) == 2
                and all(is_whole(p, 1, 65535) for p in s.replace(",", " ").split())
            )
        ),
    ),
    "image-reference": st.sampled_from(["Nginx!!", "nginx:", "nginx@sha256:00", "a b", "-x"]),
    "whole-or-zero": refused(lambda s: is_whole(s, 0)),
    "percent": st.one_of(
        st.sampled_from(["-1", "101", "nan", "lots"]), refused(is_positive_number).filter(lambda s: s != "0")
    ),
    "branch": refused(matches(report_images.BRANCH)),
    "python-versions": st.one_of(
        refused(lambda s: s.startswith("[")),
        st.lists(st.sampled_from(["2.7", "3.7", "4.0", "python", "3", "3.x"]), min_size=1, max_size=3).map(json.dumps),
        st.lists(st.sampled_from([3.1, 3.12]), min_size=1, max_size=2).map(json.dumps),
        st.just("[]"),
    ),
    "runs-on": refused(matches(ci_context.LABEL_PATTERN)).filter(lambda s: not s.startswith("[")),
    "patterns": st.sampled_from(["/docs", "../x", "docs/../../x", "/"]),
    "relative-path": st.integers(1, 5).map(lambda n: "../" * n + "x.json"),
    "key-value-lines": st.lists(printable.filter(lambda s: "=" not in s and s.strip()), min_size=1, max_size=3).map(
        "\n".join
    ),
    "remote-name": refused(lambda s: bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", s))),
    "remote-url": st.sampled_from(["s3://bucket/a b", "-x", "--config=/etc/x"]),
    "dvc-targets": st.sampled_from(["-x", "--all", "model.pkl --force"]),
    "shell-words": st.sampled_from(['pytest "unclosed', "it's", 'a "b', "\\"]),
    "needs": st.one_of(
        refused(lambda s: s.startswith("{")),
        st.sampled_from(["{}", '{"plan": {}}', '{"plan": "success"}', '{"plan": {"result": "passed"}}', "[]"]),
    ),
    "required": st.one_of(
        refused(lambda s: s.startswith("{")),
        st.sampled_from(['{"plan": "yes"}', '{"plan": 1}', '{"other": true}', "[]", "null"]),
    ),
    "build-args": printable.filter(lambda s: "=" not in s and s.strip() and "\n" not in s.strip()),
}

ZERO = "0" * 40
DIGEST = "sha256:" + "1" * 64

# Each subcommand's valid inputs; each case below replaces one of them.
VALID = {
    "changes": {"event-name": "push", "base-sha": ZERO, "train": "true", "ship": "true"},
    "ci-context": {"python-versions": '["3.12"]', "runs-on": "ubuntu-latest", "working-directory": "project"},
    "setup": {"working-directory": "project"},
    "lint": {"working-directory": "project", "formatter": "black"},
    "test": {"working-directory": "project", "coverage": "true"},
    "dvc": {"working-directory": "project"},
    "train": {"working-directory": "project"},
    "metrics-report": {"working-directory": "project"},
    "pr-comment": {"body-file": "report.md", "pull-request": "7", "token": "t", "repository": "acme/consumer"},
    "report-images": {"report-dir": "report-dir", "pull-request": "7", "token": "t", "repository": "acme/consumer"},
    "container-context": {"context": "project", "image": "ghcr.io/acme/model"},
    "container-smoke-test": {"image": "ghcr.io/acme/model:sha-1"},
    "deploy": {"image": "ghcr.io/acme/model", "digest": DIGEST, "url": "http://127.0.0.1:9"},
    "drift": {"working-directory": "project", "reference": "train.csv", "serving": "sample"},
    "result": {"workflow": "ci", "needs": '{"plan": {"result": "success"}}'},
    "drift-alert": {"breached": "true", "on-breach": "issue", "token": "t", "repository": "acme/consumer"},
}
SSH = {"ssh-host": "127.0.0.1", "ssh-private-key": "KEY", "ssh-known-hosts": "KNOWN", "compose-file": "compose.yml"}
KUBERNETES = {"target": "kubernetes", "kubernetes-deployment": "model", "kubeconfig": "CONFIG"}
COMMAND = {"target": "command"}

SMOKE = [
    ("smoke-port", "port"),
    ("smoke-health-path", "url-path"),
    ("smoke-predict-path", "url-path"),
    ("smoke-request", "json-file"),
    ("smoke-timeout", "seconds"),
]

# (subcommand, input, kind of bad value, the other inputs it needs to reach that input)
INPUTS = [
    ("changes", "event-name", "event", {}),
    ("changes", "base-sha", "commit-sha", {}),
    ("changes", "train", "boolean", {}),
    ("changes", "ship", "boolean", {}),
    ("changes", "docs-paths", "patterns", {}),
    ("changes", "smoke-request", "relative-path", {}),
    ("changes", "scope", "choice-scope", {}),
    ("changes", "force", "boolean", {}),
    ("ci-context", "python-versions", "python-versions", {}),
    ("ci-context", "runs-on", "runs-on", {}),
    ("ci-context", "working-directory", "folder", {}),
    ("setup", "working-directory", "folder", {}),
    ("setup", "requirements", "file", {}),
    ("setup", "extras", "extras", {}),
    ("lint", "working-directory", "folder", {}),
    ("lint", "formatter", "choice-formatter", {}),
    ("lint", "ruff-version", "version", {}),
    ("lint", "black-version", "version", {}),
    ("test", "working-directory", "folder", {}),
    ("test", "coverage", "boolean", {}),
    ("test", "test-command", "shell-words", {}),
    ("dvc", "working-directory", "folder", {}),
    ("dvc", "remote-config", "key-value-lines", {}),
    ("dvc", "remote", "remote-name", {}),
    ("dvc", "remote-url", "remote-url", {}),
    ("dvc", "pull", "dvc-targets", {}),
    ("train", "working-directory", "folder", {}),
    ("train", "pull", "boolean", {}),
    ("train", "push", "boolean", {}),
    ("train", "force", "boolean", {}),
    ("metrics-report", "working-directory", "folder", {}),
    ("metrics-report", "base-ref", "git-ref", {}),
    ("metrics-report", "base-label", "git-ref", {}),
    ("metrics-report", "thresholds-file", "file", {}),
    ("metrics-report", "report-name", "identifier", {}),
    ("metrics-report", "stages-ran", "json-list", {}),
    ("metrics-report", "stages-restored", "json-list", {}),
    ("metrics-report", "stages-skipped", "json-list", {}),
    ("metrics-report", "fail-on-gate", "boolean", {}),
    ("metrics-report", "artifact-name", "identifier", {}),
    ("pr-comment", "body-file", "file", {}),
    ("pr-comment", "results-file", "file", {}),
    ("pr-comment", "name", "identifier", {}),
    ("pr-comment", "pull-request", "pull-request", {}),
    ("pr-comment", "pull-request-file", "file", {"pull-request": ""}),
    ("pr-comment", "head-sha", "commit-sha", {}),
    ("pr-comment", "repository", "repository", {}),
    ("pr-comment", "token", "missing", {}),
    ("report-images", "report-dir", "folder", {}),
    ("report-images", "name", "identifier", {}),
    ("report-images", "branch", "branch", {}),
    ("report-images", "keep", "whole", {}),
    ("report-images", "pull-request", "pull-request", {}),
    ("report-images", "repository", "repository", {}),
    ("report-images", "token", "missing", {}),
    ("container-context", "context", "folder", {}),
    ("container-context", "dockerfile", "file", {}),
    ("container-context", "image", "image", {}),
    ("container-context", "build-args", "build-args", {}),
    *(("container-context", name, kind, {}) for name, kind in SMOKE),
    ("container-smoke-test", "image", "missing", {}),
    *(("container-smoke-test", name, kind, {}) for name, kind in SMOKE),
    ("result", "workflow", "identifier", {}),
    ("result", "needs", "needs", {}),
    ("result", "required", "required", {}),
    ("deploy", "target", "choice-target", SSH),
    ("deploy", "image", "image", SSH),
    ("deploy", "digest", "digest", SSH),
    ("deploy", "url", "url", SSH),
    ("deploy", "environment", "identifier", SSH),
    ("deploy", "smoke-request", "json-file", SSH),
    ("deploy", "latency-budget-ms", "seconds", SSH),
    ("deploy", "latency-calls", "whole", SSH),
    ("deploy", "smoke-timeout", "seconds", SSH),
    ("deploy", "health-path", "url-path", SSH),
    ("deploy", "predict-path", "url-path", SSH),
    ("deploy", "compose-file", "file", SSH),
    ("deploy", "ssh-host", "host", SSH),
    ("deploy", "ssh-port", "port", SSH),
    ("deploy", "ssh-user", "user", SSH),
    ("deploy", "ssh-private-key", "missing", SSH),
    ("deploy", "ssh-known-hosts", "missing", SSH),
    ("deploy", "compose-project", "dns-name", SSH),
    ("deploy", "compose-command", "shell-words", SSH),
    ("deploy", "kubernetes-deployment", "dns-name", KUBERNETES),
    ("deploy", "kubernetes-container", "dns-name", KUBERNETES),
    ("deploy", "kubernetes-namespace", "dns-name", KUBERNETES),
    ("deploy", "kubeconfig", "missing", KUBERNETES),
    ("deploy", "rollout-timeout", "whole", KUBERNETES),
    ("deploy", "deploy-command", "missing", COMMAND),
    ("deploy", "strategy", "choice-strategy", SSH),
    ("deploy", "proxy-port", "port", SSH),
    ("deploy", "slot-ports", "two-ports", SSH),
    ("deploy", "proxy-image", "image-reference", SSH),
    ("deploy", "drain-seconds", "whole-or-zero", SSH),
    ("deploy", "load-test", "boolean", SSH),
    ("deploy", "load-test-file", "file", SSH),
    ("deploy", "load-users", "whole", SSH),
    ("deploy", "load-user-rate", "seconds", SSH),
    ("deploy", "load-duration", "seconds", SSH),
    ("deploy", "load-p95-ms", "seconds", SSH),
    ("deploy", "load-max-error-percent", "percent", SSH),
    ("deploy", "load-min-rps", "seconds", SSH),
    ("drift", "working-directory", "folder", {}),
    ("drift", "reference", "file", {}),
    ("drift", "serving", "file", {}),
    ("drift", "serving-commit", "commit-sha", {}),
    ("drift", "metadata-url", "url", {}),
    ("drift", "thresholds-file", "file", {}),
    ("drift", "fail-on-breach", "boolean", {}),
    ("drift", "charts", "whole-or-zero", {}),
    ("drift", "artifact-name", "identifier", {}),
    ("drift-alert", "breached", "boolean", {}),
    ("drift-alert", "on-breach", "choice-on-breach", {}),
    ("drift-alert", "retrain-workflow", "workflow-file", {}),
    ("drift-alert", "ref", "git-ref", {}),
    ("drift-alert", "label", "identifier", {}),
    ("drift-alert", "repository", "repository", {}),
    ("drift-alert", "token", "missing", {}),
]

# Inputs that take any text, and why no value is bad for Kaizen to receive.
ANY_TEXT = {
    ("changes", "ref-name"): "compared with default-branch only",
    ("changes", "default-branch"): "compared with ref-name only",
    ("changes", "working-directory"): "passed on as the default context; the jobs that use it check it",
    ("changes", "context"): "passed on to the container job, whose context input checks it",
    ("setup", "install-command"): "the user's own shell command, run as written by design",
    ("container-context", "description"): "an image label's text; labels hold any text",
    ("deploy", "compose-directory"): "a folder on the host the user owns; passed quoted to the host's shell",
    ("deploy", "token"): "optional: without it the deployment is not recorded; GitHub checks it",
    ("drift", "target-column"): "a column name, compared with the reference's header only (a warning when absent)",
    ("pr-comment", "comment-author"): "compared with the comments' authors only, never sent or run",
    ("report-images", "comment-author"): "compared with the comments' authors only, never sent or run",
    ("changes", "token"): "optional: sent only to the server's host to fetch the base; GitHub checks it",
    ("metrics-report", "token"): "optional: sent only to the server's host to fetch the base; GitHub checks it",
    ("drift-alert", "report"): "Markdown actions/drift wrote (names from the data escaped there), an issue's body",
    ("drift-alert", "run-url"): "a link at the end of the issue, written only when it starts with https://",
}
# Steps' outputs, not the user's: the action wires them from an earlier step.
WIRED = {"container-result"}


@contextlib.contextmanager
def environment(values: dict[str, str]):
    saved = {k: v for k, v in os.environ.items() if k.startswith(("KAIZEN_", "GITHUB_"))}
    for key in saved:
        del os.environ[key]
    os.environ.update(values)
    try:
        yield
    finally:
        for key in [k for k in os.environ if k.startswith(("KAIZEN_", "GITHUB_"))]:
            del os.environ[key]
        os.environ.update(saved)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("workspace")
    (root / "report.md").write_text("## Report\n")
    (root / "not-json.txt").write_text("{not json")
    (root / "report-dir").mkdir()
    (root / "report-dir" / "report.md").write_text("## Report\n")
    (root / "project" / ".dvc").mkdir(parents=True)
    (root / "project" / "not-json.txt").write_text("{not json")
    (root / "project" / "dvc.yaml").write_text("stages: {}\n")
    (root / "project" / "pyproject.toml").write_text('[project]\nname = "m"\nversion = "0"\n')
    (root / "project" / "Dockerfile").write_text("FROM scratch\n")
    (root / "project" / "train.csv").write_text("x,target\n1,0\n")
    (root / "sample").mkdir()
    (root / "sample" / "sample-host.jsonl").write_text('{"features": [1], "prediction": 0}\n')
    (root / "compose.yml").write_text(
        'services:\n  model:\n    image: ${KAIZEN_IMAGE}\n    ports: ["127.0.0.1:${KAIZEN_SLOT_PORT}:8000"]\n'
    )
    return root


def case_id(case) -> str:
    return f"{case[0]}:{case[1]}"


@pytest.mark.parametrize("case", INPUTS, ids=case_id)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_bad_value_gets_one_error_naming_the_input(workspace, case, data):
    command, name, kind, needs = case
    value = data.draw(BAD[kind], label=name)
    given_inputs = {**VALID[command], **needs, name: value}
    values = {"GITHUB_WORKSPACE": str(workspace), "RUNNER_TEMP": str(workspace / "runner")}
    values.update({inputs.variable(k): v for k, v in given_inputs.items()})
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(workspace / "project" if command == "container-smoke-test" else workspace)
    try:
        with environment(values), contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = main([command])
    finally:
        os.chdir(cwd)
    text = out.getvalue()
    if "Traceback" in text or "unexpected" in text:
        examples["tracebacks"] += 1
    errors = [line for line in text.splitlines() if line.startswith("::error")]
    assert code == 1, text
    assert len(errors) == 1, text
    assert errors[0].startswith(f"::error title={name}::{name}:"), errors[0]
    examples["count"] += 1


def action_inputs() -> dict[str, set[str]]:
    """subcommand -> the inputs its action hands it through `env:`, by the name the subcommand
    reads (KAIZEN_FOO_BAR is foo-bar), from the action's inputs or an earlier step's outputs."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "actions").glob("*/action.yml")):
        for step in yaml.safe_load(path.read_text())["runs"]["steps"]:
            match = re.search(r"-m kaizen ([\w-]+)", str(step.get("run", "")))
            if not match:
                continue
            names = found.setdefault(match.group(1), set())
            for variable, value in (step.get("env") or {}).items():
                given = re.fullmatch(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", str(value))
                if given:
                    names.add(given.group(1))
                elif variable.startswith("KAIZEN_"):  # wired from an earlier step's output
                    names.add(variable.removeprefix("KAIZEN_").lower().replace("_", "-"))
    return found


def test_every_input_of_every_subcommand_is_covered():
    handed = action_inputs()
    assert len(handed) >= 14 and "deploy" in handed  # the walk does find the actions
    covered = {(command, name) for command, name, _, _ in INPUTS} | set(ANY_TEXT)
    missing = {(c, n) for c, names in handed.items() if c not in WIRED for n in names} - covered
    assert not missing, f"inputs with no property test and no reason to take any text: {sorted(missing)}"
    stale = covered - {(c, n) for c, names in handed.items() for n in names}
    assert not stale, f"listed but not handed to the subcommand: {sorted(stale)}"


def test_enough_cases_were_generated_and_no_traceback_was_seen():
    """Runs last in this module: over 500 bad values were generated, and none ended in a traceback."""
    print(f"\n{examples['count']} generated bad values, {examples['tracebacks']} tracebacks")
    assert examples["count"] >= 500, examples
    assert examples["tracebacks"] == 0, examples
