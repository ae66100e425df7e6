import json

import pytest

from kaizen.actions import ci_context
from kaizen.gha import InputError
from kaizen.main import main


def test_versions_are_validated_and_deduplicated():
    assert ci_context.parse_python_versions('["3.12", "3.13", "3.12"]') == ["3.12", "3.13"]
    assert ci_context.parse_python_versions('["3.11.7", "3.14.0rc2"]') == ["3.11.7", "3.14.0rc2"]


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("3.12,", "is not JSON"),
        ("3.12", "non-empty JSON list"),
        ('{"a": 1}', "non-empty JSON list"),
        ("[]", "non-empty JSON list"),
        ("[3.10]", "is a number (3.10 as a number is 3.1)"),
        ('["3.7"]', "no runner provides Python '3.7'"),
        ('["2.7"]', "no runner provides Python '2.7'"),
        ('["latest"]', "no runner provides Python 'latest'"),
        ("[null]", "is not a string"),
    ],
)
def test_bad_versions_name_the_input(raw, needle):
    with pytest.raises(InputError) as info:
        ci_context.parse_python_versions(raw)
    assert str(info.value).startswith("python-versions: ")
    assert needle in str(info.value)


def test_runs_on_accepts_a_label_or_a_list():
    assert ci_context.parse_runs_on("ubuntu-latest") == "ubuntu-latest"
    assert ci_context.parse_runs_on('["self-hosted", "gpu"]') == ["self-hosted", "gpu"]
    for bad in ('["self-hosted", 3]', "[oops", "two words"):
        with pytest.raises(InputError, match="^runs-on: "):
            ci_context.parse_runs_on(bad)


def test_command_writes_outputs(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("KAIZEN_PYTHON_VERSIONS", '["3.10", "3.13", "3.11"]')
    monkeypatch.setenv("KAIZEN_RUNS_ON", '["self-hosted", "linux"]')
    monkeypatch.setenv("KAIZEN_WORKING_DIRECTORY", ".")
    assert main(["ci-context"]) == 0
    text = out.read_text()
    assert json.dumps(["3.10", "3.13", "3.11"]) in text
    assert "newest-python-version<<" in text and "\n3.13\n" in text
    assert json.dumps(["self-hosted", "linux"]) in text


def test_command_reports_bad_input_as_one_error_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("KAIZEN_PYTHON_VERSIONS", "[3.10]")
    assert main(["ci-context"]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("::error title=python-versions::python-versions: 3.1 is a number")


def test_runs_on_accepts_githubs_object_form_for_runner_groups():
    """runs-on: {group: ..., labels: ...} (larger runners, runner groups) was refused."""
    assert ci_context.parse_runs_on('{"group": "gpu-runners"}') == {"group": "gpu-runners"}
    both = '{"group": "gpu-runners", "labels": ["linux", "gpu"]}'
    assert ci_context.parse_runs_on(both) == {"group": "gpu-runners", "labels": ["linux", "gpu"]}
    for bad in ('{"group": ""}', '{"group": "g", "os": "linux"}', '{"labels": [3]}', "{oops"):
        with pytest.raises(InputError, match="^runs-on: .* is not a runner group"):
            ci_context.parse_runs_on(bad)
