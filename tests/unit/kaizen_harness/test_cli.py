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
