import shutil
from pathlib import Path

import pytest

from kaizen import release
from kaizen.cli import main
from kaizen.gha import InputError

ROOT = Path(__file__).resolve().parents[2]


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
