from kaizen import gha


def test_annotation_escapes_properties_and_data():
    line = gha.annotation("error", "50% done\nnext", title="a:b,c", file="src/x.py", line=3, col=None)
    assert line == "::error file=src/x.py,line=3,title=a%3Ab%2Cc::50%25 done%0Anext"


def test_annotation_without_properties():
    assert gha.annotation("warning", "plain") == "::warning::plain"


def test_outputs_use_a_delimiter_so_values_may_span_lines(tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))
    gha.set_output("report", "line one\nline two")
    text = out.read_text()
    name, rest = text.split("<<", 1)
    delimiter, body = rest.split("\n", 1)
    assert name == "report"
    assert body == f"line one\nline two\n{delimiter}\n"


def test_summary_appends(tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    gha.add_summary("# one")
    gha.add_summary("two\n")
    assert summary.read_text() == "# one\n\ntwo\n\n"


def test_repo_relative_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    (tmp_path / "proj" / "src").mkdir(parents=True)
    assert gha.repo_relative("src/a.py", tmp_path / "proj") == "proj/src/a.py"
    assert gha.repo_relative(tmp_path / "proj" / "src" / "a.py") == "proj/src/a.py"


def test_child_env_drops_only_kaizens_own_pythonpath(monkeypatch):
    own = str(gha.Path(gha.__file__).resolve().parent.parent)
    monkeypatch.setenv("PYTHONPATH", f"{own}:/user/lib")
    assert gha.child_env()["PYTHONPATH"] == "/user/lib"
    monkeypatch.setenv("PYTHONPATH", own)
    assert "PYTHONPATH" not in gha.child_env()
