"""Property tests: what a hostile repository, event, fork or API answer can hold (tests/unit/
strategies/hostile.py), fed to the code that reads it. Each case ends in a value within the
budgets or in one InputError (GitHubError, SmokeFailure) naming the file and what to fix: never
another exception, which `kaizen` would report as "failed unexpectedly". Every report made from
hostile text is rendered as GFM at the end, and nothing in it may be live on GitHub. At least
2,000 generated cases run per run (the last test checks the count)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from gfm import live_parts, render, visible_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies.hostile import (
    api_answer,
    dvc_config,
    dvc_yaml,
    event_payload,
    finite,
    fork_results,
    gate_file,
    hostile_text,
    metrics_file,
    names,
)

from kaizen import escape, github, image_tags, inputs, metrics, pipeline_files, plots, quality_gate, untrusted
from kaizen.actions import container, metrics_report, pr_comment, report_images
from kaizen.actions import dvc as dvc_action
from kaizen.gha import InputError
from kaizen.main import main
from kaizen.report.blocks import plot_blocks
from kaizen.report.markdown import build_markdown
from kaizen.report.schema import ReportInput

EXAMPLES = 160
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
seen = {"cases": 0, "unexpected": 0}
reports: list[str] = []  # every Markdown report made from hostile text, rendered at the end
round_trips: list[tuple[str, str, str]] = []  # (kind, value, Markdown) for the escaping round trip


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    saved = {k: os.environ.get(k) for k in ("GITHUB_WORKSPACE", "RUNNER_TEMP", "GITHUB_EVENT_PATH")}
    os.environ.update(GITHUB_WORKSPACE=str(root), RUNNER_TEMP=str(root / "runner"))
    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def case(check, *allowed: type[Exception]):
    """Run one generated case: its value, or None when it raised one of `allowed` (an error a
    user can act on, checked by the caller's `on_error`); anything else counts as unexpected."""
    seen["cases"] += 1
    try:
        return check()
    except tuple(allowed) or (InputError,) as error:  # noqa: B030 - a tuple of exception classes
        text = str(error)
        assert text and "Traceback" not in text and len(text) < 4000, text
        return None
    except Exception:
        seen["unexpected"] += 1
        raise


def names_the_file(error_text: str, file: str) -> None:
    assert error_text.startswith(file) or f" {file}" in error_text, error_text


@FAST
@given(metrics_file)
def test_metrics_files_give_finite_numbers_or_one_error_naming_the_file(workspace, content):
    suffix, text = content
    path = workspace / f"metrics{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    found = case(lambda: metrics.load_metrics_file(path, path.name))
    if found is None:
        with pytest.raises(InputError) as info:
            metrics.load_metrics_file(path, path.name)
        names_the_file(str(info.value), path.name)
        assert info.value.file == path.name
    else:
        assert all(isinstance(v, float) and v == v and abs(v) != float("inf") for v in found.values())
        assert len(found) <= untrusted.MAX_NODES


@FAST
@given(dvc_yaml())
def test_dvc_yaml_gives_the_pipeline_or_one_error_naming_it(workspace, text):
    inputs_ = case(lambda: pipeline_files.pipeline_inputs({"": text}))
    declared = case(lambda: pipeline_files.declared_metrics_in({"sub": text}))
    if inputs_ is None:
        with pytest.raises(InputError) as info:
            pipeline_files.pipeline_inputs({"": text})
        names_the_file(str(info.value), "dvc.yaml")
    else:
        assert all(isinstance(p, str) for p in inputs_.paths)
    if declared is None:
        with pytest.raises(InputError, match="^sub/dvc.yaml: "):
            pipeline_files.declared_metrics_in({"sub": text})


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(dvc_yaml(), st.sampled_from(["prompts/system.md", "README.md", "src/train.py"]))
def test_the_plan_reads_any_dvc_yaml_without_failing_unexpectedly(workspace, text, changed):
    """`kaizen changes` as the action runs it: a dvc.yaml it cannot read means training runs."""
    repo = workspace / "plan"
    if not (repo / ".git").is_dir():
        repo.mkdir()
        run_git(repo, "init", "-q", "-b", "main")
        (repo / "prompts").mkdir()
        (repo / "src").mkdir()
        run_git(repo, "commit", "-q", "--allow-empty", "-m", "base")
    (repo / "dvc.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    base = run_git(repo, "rev-parse", "HEAD").strip()
    (repo / changed).write_text(f"{seen['cases']}\n")
    env = {"GITHUB_WORKSPACE": str(repo), "KAIZEN_EVENT_NAME": "push", "KAIZEN_BASE_SHA": base}
    out = run_main(["changes"], env)
    seen["cases"] += 1
    assert "failed unexpectedly" not in out, out
    assert "::error" not in out, out


@FAST
@given(gate_file, st.dictionaries(names, finite, max_size=3), st.dictionaries(names, finite, max_size=3))
def test_gate_files_give_checked_rules_or_one_error_naming_the_file(workspace, text, head, base):
    path = workspace / ".kaizen" / "quality-gate.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    rules = case(lambda: quality_gate.load_rules(path))
    if rules is None:
        with pytest.raises(InputError, match=r"^\.kaizen/quality-gate\.yml: "):
            quality_gate.load_rules(path)
        return
    for rule in rules:
        bounds = (rule.minimum, rule.maximum, rule.max_regression, rule.max_relative_regression)
        assert all(b is None or untrusted.finite(b) for b in bounds)
        assert rule.informational or any(b is not None for b in bounds)
    head = {**head, **{r.metric: 0.5 for r in rules[:1]}}
    verdicts = case(lambda: quality_gate.evaluate(rules, head, {**base, **{m: 0.0 for m in head}}))
    for verdict in verdicts or []:
        rule = next(r for r in rules if r.metric == verdict.metric)
        if rule.max_relative_regression is not None:  # every base is 0 here: never a silent pass
            assert not verdict.passed and any("cannot be evaluated" in r for r in verdict.reasons)


@FAST
@given(dvc_config)
def test_dvc_config_gives_remotes_or_one_error_naming_it(workspace, text):
    project = workspace / "dvc-config"
    (project / ".dvc").mkdir(parents=True, exist_ok=True)
    (project / ".dvc" / "config").write_text(text, encoding="utf-8", errors="surrogatepass")
    found = case(lambda: dvc_action.read_config(project))
    if found is None:
        with pytest.raises(InputError, match=r"^\.dvc/config: "):
            dvc_action.read_config(project)


@FAST
@given(event_payload, hostile_text(4), hostile_text(4))
def test_event_payloads_branch_names_and_descriptions(workspace, payload, branch, description):
    """The payload parsed or one error naming it; the image's tags valid OCI tags and its labels
    one line each, whatever the branch and the description."""
    event = workspace / "event.json"
    event.write_text(payload, encoding="utf-8", errors="surrogatepass")
    os.environ["GITHUB_EVENT_PATH"] = str(event)
    os.environ["GITHUB_EVENT_NAME"] = "pull_request"
    os.environ["GITHUB_REF"] = f"refs/heads/{branch}".replace("\x00", "")  # no environment holds a NUL
    os.environ["GITHUB_SHA"] = "0123456789abcdef0123456789abcdef01234567"
    try:
        git_event = case(container.git_event)
        case(report_images.from_fork)
        out = workspace / "report-out"
        out.mkdir(exist_ok=True)
        (out / "pull-request.json").unlink(missing_ok=True)
        case(lambda: metrics_report.write_pull_request(out))
    finally:
        for key in ("GITHUB_EVENT_PATH", "GITHUB_EVENT_NAME", "GITHUB_REF", "GITHUB_SHA"):
            os.environ.pop(key, None)
    if (out / "pull-request.json").is_file():
        number = json.loads((out / "pull-request.json").read_text())["number"]
        assert isinstance(number, int) and number > 0
    if git_event is None:
        return
    for tag in image_tags.tags_for(git_event):
        assert image_tags.TAG.match(tag), tag
    labels = image_tags.labels_for(git_event, "2026-01-01T00:00:00Z", description=description)
    assert all("\n" not in v and "\r" not in v and len(v) <= image_tags.MAX_LABEL for v in labels.values())
    assert image_tags.TAG.match(image_tags.version_of(git_event)) or image_tags.version_of(git_event).startswith("v")


@FAST
@given(fork_results())
def test_a_forks_results_json_is_checked_then_posted_with_nothing_live(workspace, results):
    path = workspace / "results.json"
    path.write_text(json.dumps(results), encoding="utf-8", errors="surrogatepass")
    body = case(lambda: pr_comment.body_from_results(path, "train"))
    if body is not None:
        reports.append(body)


@FAST
@given(
    st.dictionaries(names, finite, min_size=1, max_size=4),
    st.lists(st.tuples(names, st.one_of(names, finite, st.none()), st.one_of(names, finite)), max_size=3),
    st.lists(names, max_size=3),
    st.lists(names, max_size=3),
    st.lists(st.tuples(names, st.sampled_from(["added", "modified", "deleted"])), max_size=3),
    names,
)
def test_same_repository_reports_show_hostile_names_with_nothing_live(
    workspace, head, params, stages, labels, data, field
):
    """Metric names, param keys and values, stage names, data file names, plot titles, fields
    and confusion and bar labels: every text of a report from the repository."""
    seen["cases"] += 1
    labels = labels or ["a"]
    rows = [{"actual": a, "predicted": p, "rev": plots.HEAD, "filename": field} for a in labels for p in labels]
    confusion = plots.Plot(field, "confusion", field, x="actual", y="predicted", series={(plots.HEAD, field): rows})
    bars = plots.Plot(field, "bar", field, x="value", y="name", x_label=field, y_label=field)
    bars.series[(plots.HEAD, field)] = [{"name": label, "value": i} for i, label in enumerate(labels)]
    curve = plots.Plot(field, "curve", field, x=field, y=field + ".y", x_label=field, y_label=field)
    curve.series[(plots.HEAD, "")] = [{field: i, field + ".y": i * i} for i in range(5)]
    scatter = plots.Plot(field, "scatter", field, x=field, y="y", x_label=field, y_label=field)
    scatter.series[(plots.HEAD, "")] = [{field: i, "y": i} for i in range(12)]
    data_ = ReportInput(
        name="train",
        head_label="0123456789ab",
        base_label=f"{field} (0123456789ab)",
        head=head,
        base={k: v + 1 for k, v in head.items()},
        missing_base={field: field},
        params=params,
        stages_ran=stages,
        stages_skipped=stages[:1],
        charts=plot_blocks([confusion, bars, curve, scatter], None, {}, "the artifact"),
        plot_errors=[field],
        data_changes=[(path, change, None, 10) for path, change in data],
    )
    reports.append(build_markdown(data_))


@FAST
@given(st.lists(api_answer(), min_size=1, max_size=6), st.sampled_from(["paginate", "upsert", "head", "branch"]))
def test_api_answers_give_a_value_or_one_github_error(workspace, answers, call):
    client = github.GitHub("t0ken", "https://api.github.com", attempts=2, sleep=lambda _: None)
    sent: list[str] = []

    def once(method, url, body):
        sent.append(url)
        status, headers, answer = answers[min(len(sent) - 1, len(answers) - 1)]
        headers = {k: v.replace("{same}", url) for k, v in headers.items()}
        return github.Response(status, headers, answer)

    client._once = once
    calls = {
        "paginate": lambda: client.paginate("/repos/a/b/issues/1/comments?per_page=100"),
        "upsert": lambda: client.upsert_comment("a/b", 1, "<!-- m -->", "body"),
        "head": lambda: client.pull_request_head("a/b", 1),
        "branch": lambda: client.branch_head("a/b", "images"),
    }
    case(calls[call], github.GitHubError)
    assert len(sent) <= github.MAX_PAGES * client.attempts + 2  # a loop of links never runs on


@FAST
@given(hostile_text(5))
def test_git_ref_names_are_what_git_check_ref_format_accepts(workspace, name):
    seen["cases"] += 1
    name = name.strip()
    if not name or name.startswith("-") or "\x00" in name:
        return  # blank is the default; `-x` is refused by us as an option, whatever git says
    by_git = subprocess.run(["git", "check-ref-format", "--allow-onelevel", name], capture_output=True).returncode
    assert inputs.valid_ref_name(name) == (by_git == 0 and len(name.encode()) <= 255), name


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(hostile_text(8))
def test_escaped_text_reads_as_written(text):
    """Collected here, checked after rendering: the visible text is the text, nothing live."""
    seen["cases"] += 1
    round_trips.append(("text", text, escape.md_text(text)))
    round_trips.append(("code", text, f"| h |\n| --- |\n| {escape.md_code(text)} |"))


def test_plot_budgets_cut_what_a_report_draws():
    rows = [{"step": i, "loss": 1 / (i + 1), "rev": plots.HEAD, "filename": "loss.csv"} for i in range(100_000)]
    encoding = {"x": {"field": "step"}, "y": {"field": "loss"}}
    curve = {"type": "vega", "content": {"mark": "line", "encoding": encoding, "data": {"values": rows}}}
    labels = [f"class {i}" for i in range(400)]
    cells = [{"actual": a, "predicted": labels[(i * 7) % 400], "rev": plots.HEAD} for i, a in enumerate(labels * 5)]
    encoding = {"x": {"field": "predicted"}, "y": {"field": "actual"}}
    confusion = {"type": "vega", "content": {"mark": "rect", "encoding": encoding, "data": {"values": cells}}}
    diff = {"data": {"loss.csv": [curve], "confusion.csv": [confusion]}}
    notes = plots.apply_budgets(diff)
    assert len(curve["content"]["data"]["values"]) <= plots.MAX_POINTS
    assert curve["content"]["data"]["values"][-1]["step"] == 99_999  # the curve keeps its end
    kept = {r["actual"] for r in confusion["content"]["data"]["values"]} | {
        r["predicted"] for r in confusion["content"]["data"]["values"]
    }
    assert len(kept) <= plots.MAX_LABELS
    assert len(notes) == 2 and "100,000 points" in notes[0] and "400 classes" in notes[1]


def test_every_generated_report_renders_with_nothing_live():
    assert len(reports) >= 2 * EXAMPLES // 2, len(reports)  # the report tests above ran
    html = render(reports)
    live = [(i, parts) for i, doc in enumerate(html) if (parts := live_parts(doc))]
    assert not live, (live[:3], reports[live[0][0]][:2000] if live else "")


def test_escaped_text_renders_as_it_was_written_and_nothing_more():
    html = render([markdown for _, _, markdown in round_trips])
    for (kind, value, markdown), doc in zip(round_trips, html):
        assert not live_parts(doc), (value, markdown, doc)
        expected = escape.plain(value).replace("\u200b", "")  # visible_text drops zero-width spaces
        shown = visible_text(doc)
        if kind == "text":
            assert shown.strip() == expected.strip(), (value, markdown, doc)
        else:
            cell = re.search(r"<td><code>(.*)</code></td>", doc, re.S)
            assert cell is not None, (value, markdown, doc)
            assert visible_text(cell.group(1)) == expected or not expected.strip(" "), (value, markdown, doc)


def test_at_least_2000_generated_cases_and_none_failed_unexpectedly():
    print(f"\n{seen['cases']} generated hostile cases, {seen['unexpected']} unexpected exceptions")
    assert seen["unexpected"] == 0
    assert seen["cases"] >= 2000, seen


def run_git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t"}
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


def run_main(argv: list[str], env: dict[str, str]) -> str:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            main(argv)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return out.getvalue()
