import pytest

from kaizen import metrics
from kaizen.gha import InputError


@pytest.fixture(autouse=True)
def workspace(tmp_path, monkeypatch):
    """The files are read as a runner reads them: inside the workspace."""
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))


def test_nested_metrics_are_flattened(tmp_path):
    path = tmp_path / "metrics.json"
    path.write_text('{"test": {"accuracy": 0.9, "f1": 1}, "epochs": 3}')
    assert metrics.load_metrics_file(path, "metrics.json") == {"test.accuracy": 0.9, "test.f1": 1.0, "epochs": 3.0}


@pytest.mark.parametrize(
    ("text", "needle", "line"),
    [
        ('{"accuracy": 0.9,\n "f1": }', "metrics.json: not valid JSON (Expecting value at line 2)", 2),
        ('{"accuracy": NaN}', "metric 'accuracy' is nan", None),
        ('{"accuracy": "0.9"}', "metric 'accuracy' is '0.9', not a number", None),
        ('{"ok": true}', "metric 'ok' is True, not a number", None),
        ("[0.9]", "expected an object of metric names to numbers", None),
    ],
)
def test_bad_metrics_files_are_reported_with_the_file(tmp_path, text, needle, line):
    path = tmp_path / "metrics.json"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        metrics.load_metrics_file(path, "metrics.json")
    assert needle in str(info.value)
    assert (info.value.file, info.value.line) == ("metrics.json", line)


def test_missing_metrics_file(tmp_path):
    with pytest.raises(InputError, match="metrics.json: metrics file not found"):
        metrics.load_metrics_file(tmp_path / "metrics.json", "metrics.json")


def test_yaml_metrics_and_merging():
    assert metrics.parse_metrics_text("loss: 0.25\n", "m.yaml") == {"loss": 0.25}
    assert metrics.merge({"a.json": {"x": 1.0}}) == {"x": 1.0}
    assert metrics.merge({"a.json": {"x": 1.0}, "b.json": {"x": 2.0}}) == {"a.json:x": 1.0, "b.json:x": 2.0}


def test_the_format_comes_from_the_files_path_not_the_name_shown():
    """A base's file is shown as path@revision: its format is still the path's."""
    from kaizen import metrics as m

    assert m.parse_metrics_text("score: 0.8\nnested:\n  a: 1\n", "metrics.yaml@abc123", "metrics.yaml") == {
        "score": 0.8,
        "nested.a": 1.0,
    }
    assert m.parse_metrics_text("score = 0.5\n[test]\nacc = 0.9\n", "m.toml@abc", "m.toml") == {
        "score": 0.5,
        "test.acc": 0.9,
    }
