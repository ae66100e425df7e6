from kaizen_harness import cli, consumer, repository, sources


def test_project_change_is_relative_to_a_project_inside_a_repository(tmp_path):
    top = tmp_path / "repo"
    project = top / "projects" / "model"
    (project / "src").mkdir(parents=True)
    for name in ("params.yaml", "src/train.py", "src/old.py"):
        (project / name).write_text("a\n")
    (top / "outside.txt").write_text("a\n")
    consumer.git(top, "init", "--quiet", "-b", "main")
    consumer.commit_all(top, "one")
    (project / "params.yaml").write_text("b\n")
    (project / "src" / "old.py").unlink()
    (project / "src" / "new.py").write_text("n\n")
    (top / "outside.txt").write_text("b\n")  # not the project's
    changed, deleted = cli.project_change(project, "HEAD")
    assert changed == ["params.yaml", "src/new.py"]
    assert deleted == ["src/old.py"]

    exported = tmp_path / "exported"
    cli.export_revision(project, "HEAD", exported)
    assert sorted(p.relative_to(exported).as_posix() for p in exported.rglob("*") if p.is_file()) == [
        "params.yaml",
        "src/old.py",
        "src/train.py",
    ]


def test_the_templates_say_what_they_need_started():
    def called(name):
        return repository.read_caller(sources.templates() / name).called()

    assert called("ml-pipeline.yml") == {"ml-pipeline.yml"}
    assert called("ship.yml") == {"container.yml", "deploy-staging.yml"}
    assert called("ci.yml") == {"ci.yml"}
    assert called("comment-from-fork.yml") == set()  # an action's caller: runs, trains and ships nothing


def caller_of(tmp_path, target: str) -> repository.Caller:
    path = tmp_path / ".github" / "workflows" / "pipeline.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "name: pipeline\non: push\npermissions: {}\njobs:\n  pipeline:\n"
        f"    uses: kaizen-ci/kaizen/.github/workflows/{target}@v1\n"
    )
    return repository.read_caller(path)


def test_a_caller_of_a_workflow_github_would_refuse_fails_with_githubs_reason(tmp_path, monkeypatch, capsys):
    """GitHub fails such a run before any job starts; act ran nothing and kaizen local said
    "passed in 0s" (or "FAILED in 0s" with no reason)."""
    root = sources.kaizen_root()
    assert repository.call_problems(caller_of(tmp_path, "ml-pipeline.yml"), root) == []
    [internal] = repository.call_problems(caller_of(tmp_path, ".kaizen.yml"), root)
    assert internal.endswith("workflow is not reusable as it is missing a `on.workflow_call` trigger")
    [typo] = repository.call_problems(caller_of(tmp_path, "ml-pipline.yml"), root)
    assert "workflow was not found" in typo and "ml-pipeline.yml" in typo

    consumer.git(tmp_path, "init", "--quiet", "-b", "main")
    consumer.commit_all(tmp_path, "A caller of an internal workflow")
    caller_of(tmp_path, ".kaizen.yml")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--project", str(tmp_path), "--state-dir", str(tmp_path / "state")]) == 1
    out = capsys.readouterr().out
    assert "::error title=.github/workflows/pipeline.yml::" in out and "is not reusable" in out
