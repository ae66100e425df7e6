import pytest

from kaizen.image_tags import GitEvent, labels_for, pep440, registry_of, tags_for, version_of

SHA = "0123456789abcdef0123456789abcdef01234567"


def event(ref: str, pr: int | None = None, name: str = "push") -> GitEvent:
    return GitEvent(sha=SHA, ref=ref, event=name, pr_number=pr, repository="Acme/Consumer")


@pytest.mark.parametrize(
    ("ref", "pr", "expected"),
    [
        ("refs/heads/main", None, ["sha-0123456", "main"]),
        ("refs/heads/feature/New_thing", None, ["sha-0123456", "feature-New_thing"]),
        ("refs/pull/7/merge", 7, ["sha-0123456", "pr-7"]),
        ("refs/tags/v1.2.3", None, ["sha-0123456", "1.2.3", "1.2", "1", "latest"]),
        ("refs/tags/v0.4.0", None, ["sha-0123456", "0.4.0", "0.4", "latest"]),
        # A pre-release moves no floating tag; its PEP 440 spelling is added.
        ("refs/tags/v1.2.0-rc.1", None, ["sha-0123456", "1.2.0-rc.1", "1.2.0rc1"]),
        # PEP 440 only (not semver): the normalised version.
        ("refs/tags/1.0.post2", None, ["sha-0123456", "1.0.post2"]),
        ("refs/tags/v2.0a1", None, ["sha-0123456", "2.0a1"]),
        ("refs/tags/nightly", None, ["sha-0123456", "nightly"]),
    ],
)
def test_tags_follow_the_git_event(ref, pr, expected):
    assert tags_for(event(ref, pr)) == expected


@pytest.mark.parametrize(
    ("version", "normalized"),
    [("1.0", "1.0"), ("v1.0.0-beta.2", "1.0.0b2"), ("1.0-alpha", "1.0a0"), ("1.0.dev3", "1.0.dev3"), ("x1", None)],
)
def test_pep440_normalisation(version, normalized):
    assert pep440(version) == normalized


def test_labels_name_the_revision_source_and_version():
    labels = labels_for(event("refs/tags/v1.2.3"), "2026-11-23T10:00:00Z", description="A model")
    assert labels["org.opencontainers.image.revision"] == SHA
    assert labels["org.opencontainers.image.source"] == "https://github.com/Acme/Consumer"
    assert labels["org.opencontainers.image.version"] == "1.2.3"
    assert labels["org.opencontainers.image.title"] == "Consumer"
    assert labels["org.opencontainers.image.created"] == "2026-11-23T10:00:00Z"
    assert version_of(event("refs/pull/3/merge", 3)) == "pr-3"


@pytest.mark.parametrize(
    ("image", "registry"),
    [
        ("ghcr.io/a/b", "ghcr.io"),
        ("127.0.0.1:5000/a/b", "127.0.0.1:5000"),
        ("library/python", "docker.io"),
        ("localhost/x", "localhost"),
        ("python", "docker.io"),
    ],
)
def test_the_registry_is_the_first_component_when_it_names_a_host(image, registry):
    assert registry_of(image) == registry
