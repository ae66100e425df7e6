"""Each example of issue 21's "Why", as a regression test: what a hostile repository, event, fork
or API answer did to Kaizen before (a catch-all "failed unexpectedly", a silent pass, a live
mention, an endless loop), and what it gets now. Each test fails on 19ed159."""

from __future__ import annotations

import http.server
import json
import os
import re
import threading
import time
from pathlib import Path

import pytest
from gfm import live_parts, render
from strategies.hostile import alias_bomb

from kaizen import gha, github, image_tags, inputs, metrics, pipeline_files, plots, quality_gate, smoke
from kaizen.actions import changes, metrics_report, pr_comment
from kaizen.actions import dvc as dvc_action
from kaizen.gha import InputError
from kaizen.main import main

OCI_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")  # the distribution spec's tag


@pytest.fixture(autouse=True)
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("RUNNER_TEMP", str(tmp_path / "runner"))
    return tmp_path


def error_of(call) -> InputError:
    with pytest.raises(InputError) as info:
        call()
    assert len(str(info.value)) < 2000  # one line a person reads, never a dump of the file
    return info.value


# --- 33 cases of "failed unexpectedly": now one error naming the file, the line, what to fix


def test_invalid_yaml_in_dvc_yaml_names_the_file_and_line():
    error = error_of(lambda: pipeline_files.declared_metrics_in({"": "stages:\n  train:\n    cmd: [x\n"}))
    assert str(error).startswith("dvc.yaml: not valid YAML") and error.line == 4 and "fix the YAML" in str(error)


def test_stages_written_as_a_list():
    error = error_of(lambda: pipeline_files.pipeline_inputs({"": "stages:\n  - train\n"}))
    assert str(error).startswith("dvc.yaml: `stages:` must map stage names")


def test_a_metric_with_a_401_digit_integer(workspace):
    (workspace / "metrics.json").write_text('{"acc": ' + "9" * 401 + "}")
    error = error_of(lambda: metrics.load_metrics_file(workspace / "metrics.json", "metrics.json"))
    assert str(error).startswith("metrics.json: has an integer of more than 100 digits")


def test_json_nested_5000_deep(workspace):
    (workspace / "metrics.json").write_text('{"acc": ' + "[" * 5000 + "]" * 5000 + "}")
    error = error_of(lambda: metrics.load_metrics_file(workspace / "metrics.json", "metrics.json"))
    assert str(error).startswith("metrics.json: is nested more than 64 levels deep")


def test_dvc_config_without_a_section_header(workspace):
    (workspace / ".dvc").mkdir()
    (workspace / ".dvc" / "config").write_text("remote = storage\n")
    error = error_of(lambda: dvc_action.read_config(workspace))
    assert str(error).startswith(".dvc/config: has a line before any [section] header at line 1")


def test_a_malformed_event_payload(workspace, monkeypatch):
    event = workspace / "event.json"
    event.write_text('{"pull_request": {"number": 7,')
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    error = error_of(lambda: metrics_report.write_pull_request(workspace))
    assert str(error).startswith("the event payload (GITHUB_EVENT_PATH): not valid JSON")


def test_800_bytes_of_yaml_aliases(workspace):
    bomb = alias_bomb(9)
    assert len(bomb) < 800
    (workspace / "metrics.yaml").write_text(bomb)
    error = error_of(lambda: metrics.load_metrics_file(workspace / "metrics.yaml", "metrics.yaml"))
    assert "holds more than 200,000 values (YAML aliases count at each use)" in str(error)


# --- Security


FORK_TEXT = "@octocat see acme/widgets#12 [x](https://evil.example) ![i](https://evil.example/i.png) a``b <b>x</b>"


def test_a_forks_results_json_posts_nothing_live(workspace):
    results = {
        "head": "0123456789ab",
        "base": "main (0123456789ab)",
        "metrics": {FORK_TEXT: {"head": 0.9, "base": 0.8}},
        "params": [{"name": FORK_TEXT, "base": FORK_TEXT, "head": "x"}],
        "stages": {"ran": [FORK_TEXT]},
        "data": [{"path": FORK_TEXT, "change": "added", "base_size": None, "head_size": 3}],
        "gate": {"verdicts": [{"metric": FORK_TEXT, "passed": False, "informational": False, "reasons": [FORK_TEXT]}]},
    }
    (workspace / "results.json").write_text(json.dumps(results))
    body = pr_comment.body_from_results(workspace / "results.json", "train")
    [html] = render([body])
    assert live_parts(html) == []
    assert "octocat" in html and "evil.example" in html  # shown, as text


def test_same_repository_report_names_and_labels_are_not_live():
    from kaizen.report.blocks import plot_blocks
    from kaizen.report.markdown import build_markdown
    from kaizen.report.schema import ReportInput

    rows = [{"actual": FORK_TEXT, "predicted": p, "rev": plots.HEAD} for p in (FORK_TEXT, "cat")]
    confusion = plots.Plot("c", "confusion", FORK_TEXT, x="actual", y="predicted", series={(plots.HEAD, ""): rows})
    bars = plots.Plot("b", "bar", FORK_TEXT, x="v", y="n", series={(plots.HEAD, ""): [{"n": FORK_TEXT, "v": 1}]})
    report = build_markdown(
        ReportInput(
            name="train",
            head_label="0123456789ab",
            base_label=None,
            head={FORK_TEXT: 1.0},
            base=None,
            params=[(FORK_TEXT, FORK_TEXT, FORK_TEXT)],
            stages_ran=[FORK_TEXT],
            charts=plot_blocks([confusion, bars], None, {}, "the artifact"),
            data_changes=[(FORK_TEXT, "added", None, 1)],
        )
    )
    [html] = render([report])
    assert live_parts(html) == []


def test_a_yaml_style_secret_line_is_masked(workspace, monkeypatch, capsys):
    (workspace / ".dvc").mkdir()
    (workspace / "dvc.yaml").write_text("stages: {}\n")
    monkeypatch.setenv("KAIZEN_REMOTE_CONFIG", "secret_access_key: wJalrXUtnFEMI/K7MDENG")
    assert main(["dvc"]) == 1
    assert "::add-mask::wJalrXUtnFEMI/K7MDENG" in capsys.readouterr().out.splitlines()


# --- Silent or wrong


def test_a_stage_dependency_that_looks_like_documentation_trains():
    pipeline = pipeline_files.pipeline_inputs(
        {"": "stages:\n  train:\n    cmd: python train.py\n    deps: [prompts/system.md]\n"}
    )
    plan = changes.plan(
        event="push",
        base="0" * 39 + "1",
        changed=["prompts/system.md"],
        docs_patterns=list(changes.DEFAULT_DOCS_PATHS),
        on_default_branch=True,
        train=True,
        ship=True,
        pipeline=pipeline,
    )
    assert plan.run_training and not plan.docs_only


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            "metrics:\n  acc: {direction: higher, min: 0.1}\n  acc: {direction: higher, min: 0.9}\n",
            "duplicate key 'acc'",
        ),
        ("metrics:\n  acc: {direction: higher, min: -.inf}\n", "metrics.acc.min must be a finite number"),
        ("metrics:\n  acc: {direction: higher}\n", "metrics.acc sets a direction but no bound"),
        ("metric:\n  acc: {direction: higher, min: 0.5}\n", "unknown top-level keys ['metric']"),
    ],
)
def test_gate_files_that_passed_with_a_green_tick(workspace, text, needle):
    path = workspace / ".kaizen" / "quality-gate.yml"
    path.parent.mkdir()
    path.write_text(text)
    error = error_of(lambda: quality_gate.load_rules(path))
    assert str(error).startswith(".kaizen/quality-gate.yml: ") and needle in str(error)


def test_a_relative_rule_against_a_base_of_zero_cannot_be_evaluated():
    rule = quality_gate.Rule("errors", "lower", max_relative_regression=0.1)
    [verdict] = quality_gate.evaluate([rule], {"errors": 5.0}, {"errors": 0.0})
    assert not verdict.passed and "cannot be evaluated" in verdict.reasons[0]


def test_pagination_whose_link_points_at_the_same_page_stops():
    client = github.GitHub("t", "https://api.github.com", attempts=1)
    sent = []

    def once(method, url, body):
        sent.append(url)
        if len(sent) > 1000:  # the test's own guard: before, this never stopped
            raise AssertionError("still paginating")
        return github.Response(200, {"link": f'<{url}>; rel="next"'}, [{"id": 1, "body": "x"}])

    client._once = once
    with pytest.raises(github.GitHubError, match="link back to one already read"):
        client.paginate("/repos/a/b/issues/1/comments?per_page=100")
    assert len(sent) == 1


def test_100k_metrics_keep_the_step_summary_within_1_mib(workspace, monkeypatch):
    from kaizen.report.markdown import build_markdown
    from kaizen.report.schema import ReportInput

    head = {f"metric_{i:06d}": i / 7 for i in range(100_000)}
    report = build_markdown(ReportInput(name="train", head_label="0123456789ab", base_label=None, head=head, base=None))
    summary = workspace / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    gha.add_summary(report)
    gha.add_summary(report)  # a second step's worth: what is there counts
    assert summary.stat().st_size <= 1024 * 1024
    assert len(report.encode()) <= 1024 * 1024 and "99,700 more metrics in results.json" in report


def test_a_100k_point_plot_and_a_400_label_confusion_matrix_are_cut_with_a_note():
    points = [{"step": i, "loss": 1 / (i + 1)} for i in range(100_000)]
    labels = [{"actual": f"c{i}", "predicted": f"c{(i * 3) % 400}"} for i in range(400)]
    diff = {
        "data": {
            "loss": [{"type": "vega", "content": {"mark": "line", "data": {"values": points},
                      "encoding": {"x": {"field": "step"}, "y": {"field": "loss"}}}}],
            "cm": [{"type": "vega", "content": {"mark": "rect", "data": {"values": labels},
                    "encoding": {"x": {"field": "predicted"}, "y": {"field": "actual"}}}}],
        }
    }  # fmt: skip
    notes = plots.apply_budgets(diff)
    [loss, cm] = plots.parse(diff)
    assert sum(len(rows) for rows in loss.series.values()) <= plots.MAX_POINTS
    assert len({r["actual"] for rows in cm.series.values() for r in rows}) <= plots.MAX_LABELS
    assert notes == [
        "loss: 100,000 points per series; every 51th is drawn",
        "cm: 400 classes; the 30 most frequent are shown",
    ]


def test_image_tags_from_a_non_ascii_branch_and_a_description_with_a_newline():
    event = image_tags.GitEvent(sha="0123456789abcdef", ref="refs/heads/日本語", event="push", repository="acme/model")
    assert all(OCI_TAG.match(tag) for tag in image_tags.tags_for(event))
    assert OCI_TAG.match(image_tags.version_of(event))
    labels = image_tags.labels_for(event, "2026-01-01T00:00:00Z", description="A model\norg.opencontainers.x=evil")
    assert all("\n" not in value for value in labels.values())


@pytest.mark.parametrize("name", ["release+1", "développement", "fix#12"])
def test_valid_branch_names_are_accepted_as_bases(monkeypatch, name):
    monkeypatch.setenv("KAIZEN_BASE_REF", name)
    assert inputs.git_ref("base-ref") == name


class Service(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Length", "40")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.1)
        else:
            self.send_response(302)
            self.send_header("Location", "http://elsewhere.invalid/health")
            self.end_headers()

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"prediction": NaN}')


@pytest.fixture()
def service():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Service)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_a_slowly_trickling_body_is_bounded_by_the_timeout(service):
    with pytest.raises(smoke.SmokeFailure, match="did not arrive in time"):
        smoke.call(f"{service}/trickle", timeout=1.0)


def test_a_health_check_redirected_to_another_host_is_not_healthy(service):
    with pytest.raises(smoke.SmokeFailure, match="redirected to another host"):
        smoke.wait_healthy(service, "/health", 3)


def test_a_nan_prediction_fails(service):
    with pytest.raises(smoke.SmokeFailure, match="not a prediction in JSON"):
        smoke.predict(service, "/predict", b"{}")


def test_plot_columns_named_with_dots_and_brackets_are_read_as_dvc_writes_them():
    rows = [{"acc.train[0]": i, "loss": i * 2} for i in range(3)]
    spec = {"mark": "line", "encoding": {"x": {"field": "acc\\.train\\[0\\]"}, "y": {"field": "loss"}}}
    [plot] = plots.parse({"data": {"p": [{"type": "vega", "content": {**spec, "data": {"values": rows}}}]}})
    assert plot.x == "acc.train[0]"
    assert plots.points(plot.series[(plots.HEAD, "")], plot.x, plot.y) == [(0.0, 0.0), (1.0, 2.0), (2.0, 4.0)]


def test_a_metrics_file_through_a_symlink_outside_the_workspace(workspace, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.json"
    outside.write_text('{"acc": 0.9}')
    (workspace / "metrics.json").symlink_to(outside)
    error = error_of(lambda: metrics.load_metrics_file(workspace / "metrics.json", "metrics.json"))
    assert str(error).startswith("metrics.json: leads outside the repository")


def test_the_default_gate_file_through_a_symlink_outside_the_workspace(workspace, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "gate.yml"
    outside.write_text("metrics:\n  acc: {direction: higher, min: 0.5}\n")
    (workspace / ".kaizen").mkdir()
    (workspace / ".kaizen" / "quality-gate.yml").symlink_to(outside)
    monkey_env = {k: os.environ.pop(k) for k in list(os.environ) if k == "KAIZEN_THRESHOLDS_FILE"}
    try:
        error = error_of(lambda: metrics_report.thresholds(workspace))
    finally:
        os.environ.update(monkey_env)
    assert str(error).startswith(".kaizen/quality-gate.yml: leads outside the repository")


def test_a_metrics_path_climbing_out_with_dot_dot(workspace, tmp_path_factory):
    outside = tmp_path_factory.mktemp("up") / "m.json"
    outside.write_text('{"acc": 0.9}')
    climbing = workspace / os.path.relpath(outside, workspace)
    assert ".." in Path(os.path.relpath(outside, workspace)).parts
    error = error_of(lambda: metrics.load_metrics_file(climbing, "../m.json"))
    assert "leads outside the repository" in str(error)
