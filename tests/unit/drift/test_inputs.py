"""The drift check's inputs: the serving sample and reference files, the `drift:` thresholds."""

import json

import pytest

from kaizen.drift import data, thresholds
from kaizen.gha import InputError


def test_serving_sample_by_position_by_name_rotated_csv_and_malformed(tmp_path):
    folder = tmp_path / "sample"
    folder.mkdir()
    lines = [
        {"features": [1.5, "a"], "prediction": 1},
        {"features": {"x": 2.5, "colour": "b", "extra": 1}, "prediction": 0},
        {"features": [1.0]},  # wrong length
        [1, 2],
        {"features": [{"nested": 1}, "a"]},
    ]
    (folder / "sample-c1.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n\n")
    (folder / "sample-c1.jsonl.1").write_text(json.dumps({"features": [3.0, None], "prediction": 1}) + "\n")
    (folder / "more.csv").write_text("x,colour,prediction\n4.0,c,0\n")
    table = data.read_serving(folder, ["x", "colour"])
    assert table.rows == 4 and table.malformed == 4 and table.files == 3
    assert sorted(map(float, table.values["x"])) == [1.5, 2.5, 3.0, 4.0]  # the CSV's come as text
    assert table.extra_columns == {"extra"}
    assert None in table.values["colour"]


def test_reference_errors_name_the_input(tmp_path):
    for text, fragment in [("", "no header"), ("a,a\n1,2\n", "twice"), ("a,b\n", "no data rows")]:
        path = tmp_path / "ref.csv"
        path.write_text(text)
        with pytest.raises(InputError, match=fragment) as caught:
            data.read_reference(path)
        assert str(caught.value).startswith("reference:")
    (tmp_path / "bin.csv").write_bytes(b"a,b\n\xff\xfe,1\n")
    with pytest.raises(InputError, match="not UTF-8"):
        data.read_reference(tmp_path / "bin.csv")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no .jsonl"):
        data.read_serving(tmp_path / "empty", ["a"])


def test_thresholds_defaults_and_overrides():
    assert thresholds.parse(None, "g.yml") == thresholds.Thresholds()
    assert thresholds.parse({"metrics": {}}, "g.yml").psi == 0.2
    parsed = thresholds.parse({"drift": {"psi": 0.3, "max_drifted_columns": 2, "ignore": ["id"]}}, "g.yml")
    assert (parsed.psi, parsed.max_drifted_columns, parsed.ignore) == (0.3, 2, ("id",))


@pytest.mark.parametrize(
    ("section", "fragment"),
    [
        ([1], "must be a mapping"),
        ({"psii": 0.2}, "unknown keys"),
        ({"psi": "0.2"}, "must be a number above 0"),
        ({"psi": True}, "must be a number above 0"),
        ({"psi": float("nan")}, "must be a number above 0"),
        ({"p_value": 1.5}, "is a share"),
        ({"bins": 1}, "at least 2"),
        ({"min_rows": 2.5}, "whole number"),
        ({"ignore": "id"}, "list of column names"),
    ],
)
def test_bad_thresholds_get_one_error_naming_the_file(section, fragment):
    with pytest.raises(InputError, match=fragment) as caught:
        thresholds.parse({"drift": section}, ".kaizen/quality-gate.yml")
    assert str(caught.value).startswith(".kaizen/quality-gate.yml: ")


def test_the_gate_file_is_read_as_the_gate_reads_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    gate = tmp_path / ".kaizen" / "quality-gate.yml"
    gate.parent.mkdir()
    gate.write_text("drift:\n  psi: 0.3\n  psi: 0.4\n")
    with pytest.raises(InputError, match="quality-gate.yml") as caught:
        thresholds.load(gate)
    assert "duplicate key 'psi'" in str(caught.value)
    gate.write_text("drift:\n  psi: 0.3\n")
    assert thresholds.load(gate).psi == 0.3
