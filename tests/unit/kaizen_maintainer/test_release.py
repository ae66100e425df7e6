import shutil
from pathlib import Path

import pytest

from kaizen.gha import InputError
from kaizen.main import main
from kaizen_maintainer import release

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture()
def checkout(tmp_path):
    for path in release.shipped_yaml(ROOT):
        target = tmp_path / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return tmp_path


def test_the_working_tree_uses_one_internal_ref():
    refs = release.internal_refs(ROOT)
    assert len(refs) == 1
    [files] = refs.values()
    assert ".github/workflows/ci.yml" in files


def test_pinning_rewrites_only_internal_refs(checkout):
    before = {p: p.read_text() for p in release.shipped_yaml(checkout)}
    assert main(["pin-internal-refs", "v1.4.2", "--root", str(checkout)]) == 0
    assert set(release.internal_refs(checkout)) == {"v1.4.2"}
    for path, text in before.items():
        after = path.read_text()
        # Every other line, third-party SHAs included, is untouched.
        changed = [(a, b) for a, b in zip(text.splitlines(), after.splitlines()) if a != b]
        assert all("kaizen-ci/kaizen/" in a and b.endswith("@v1.4.2") for a, b in changed)
        assert len(text.splitlines()) == len(after.splitlines())


def test_a_tag_must_look_like_a_release(checkout):
    with pytest.raises(InputError, match="^tag: 'main' is not a release tag"):
        release.pin_internal_refs(checkout, "main")


def git(repo, *args):
    import subprocess

    env = {"GIT_AUTHOR_NAME": "r", "GIT_AUTHOR_EMAIL": "r@e", "GIT_COMMITTER_NAME": "r", "GIT_COMMITTER_EMAIL": "r@e",
           "PATH": "/usr/bin:/bin", "HOME": str(repo)}  # fmt: skip
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True, env=env).stdout.strip()


@pytest.fixture()
def repository(checkout, monkeypatch):
    (checkout / "CHANGELOG.md").write_text(
        "# Changelog\n\n## Unreleased\n\n### Added\n- A thing.\n\n## v1.0.0 (2026-01-01)\n- First.\n"
    )
    git(checkout, "init", "-q", "-b", "main")
    git(checkout, "add", "-A")
    git(checkout, "commit", "-qm", "work")
    for key, value in {"GIT_AUTHOR_NAME": "r", "GIT_AUTHOR_EMAIL": "r@e", "GIT_COMMITTER_NAME": "r",
                       "GIT_COMMITTER_EMAIL": "r@e"}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    return checkout


def test_a_release_pins_dates_commits_and_moves_the_major_tag(repository, capsys):
    assert main(["release", "v1.1.0", "--root", str(repository)]) == 0
    assert set(release.internal_refs(repository)) == {"v1.1.0"}
    changelog = (repository / "CHANGELOG.md").read_text()
    assert changelog.startswith("# Changelog\n\n## Unreleased\n\n## v1.1.0 (")
    assert "- A thing.\n\n## v1.0.0 (2026-01-01)" in changelog
    head = git(repository, "rev-parse", "HEAD")
    assert git(repository, "rev-parse", "v1.1.0^{commit}") == head == git(repository, "rev-parse", "v1^{commit}")
    assert git(repository, "status", "--porcelain") == ""
    out = capsys.readouterr().out
    assert "git push origin HEAD v1.1.0" in out and "git push --force origin v1" in out
    # The next release moves v1 again; a pre-release leaves it where it is.
    (repository / "CHANGELOG.md").write_text(changelog.replace("## Unreleased\n", "## Unreleased\n- Fix.\n", 1))
    git(repository, "commit", "-qam", "fix")
    assert main(["release", "v1.1.1", "--root", str(repository)]) == 0
    assert git(repository, "rev-parse", "v1^{commit}") == git(repository, "rev-parse", "HEAD")
    (repository / "CHANGELOG.md").write_text(
        (repository / "CHANGELOG.md").read_text().replace("## Unreleased\n", "## Unreleased\n- Try.\n", 1)
    )
    git(repository, "commit", "-qam", "try")
    assert main(["release", "v1.2.0-rc.1", "--root", str(repository)]) == 0
    assert git(repository, "rev-parse", "v1^{commit}") == git(repository, "rev-parse", "v1.1.1^{commit}")


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda repo: (repo / "stray.txt").write_text("x"), "uncommitted changes"),
        (lambda repo: git(repo, "tag", "v1.1.0"), "v1.1.0 exists already"),
    ],
)
def test_a_release_refuses_a_dirty_tree_or_an_existing_tag(repository, capsys, prepare, message):
    prepare(repository)
    assert main(["release", "v1.1.0", "--root", str(repository)]) == 1
    assert message in capsys.readouterr().out


def test_an_empty_unreleased_section_is_refused(repository, capsys):
    (repository / "CHANGELOG.md").write_text("# Changelog\n\n## Unreleased\n\n## v1.0.0 (2026-01-01)\n- First.\n")
    git(repository, "commit", "-qam", "empty")
    assert main(["release", "v1.1.0", "--root", str(repository)]) == 1
    assert "`## Unreleased` section is missing or empty" in capsys.readouterr().out
