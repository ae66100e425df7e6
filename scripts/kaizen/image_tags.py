"""Image tags and OCI labels from the git event, as docker/metadata-action derives them.

Every build gets `sha-<7 hex>`; a branch push its (sanitised) branch name, a pull request
`pr-<n>`, a version tag `vX.Y.Z` the semver forms `X.Y.Z`, `X.Y`, `X` (and `latest` for a
final release) plus the PEP 440 spelling when it differs (`1.2.0-rc.1` -> `1.2.0rc1`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SEMVER = re.compile(
    r"^v?(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+(?P<build>[0-9A-Za-z.-]+))?$"
)
# PEP 440's public version scheme, as `packaging.version` accepts it (without epochs/local parts).
PEP440 = re.compile(
    r"^v?(?P<release>\d+(?:\.\d+)*)"
    r"(?:[-_.]?(?P<pre_l>a|alpha|b|beta|rc|c|pre|preview)[-_.]?(?P<pre_n>\d+)?)?"
    r"(?:[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n>\d+)?)?"
    r"(?:[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>\d+)?)?$",
    re.IGNORECASE,
)
PRE_SPELLING = {"a": "a", "alpha": "a", "b": "b", "beta": "b", "rc": "rc", "c": "rc", "pre": "rc", "preview": "rc"}
IMAGE = re.compile(r"^(?:[a-z0-9.-]+(?::\d+)?/)?[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*$")
TAG_CHARS = re.compile(r"[^A-Za-z0-9_.-]")
# A Docker/OCI tag: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
# Characters a label value never carries: line breaks would start a new `key=value` line in
# the newline-separated list docker/build-push-action reads, and other control characters.
LABEL_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")
MAX_LABEL = 512


@dataclass(frozen=True)
class GitEvent:
    sha: str
    ref: str  # refs/heads/main, refs/tags/v1.2.3, refs/pull/7/merge
    event: str
    default_branch: str = "main"
    pr_number: int | None = None
    repository: str = ""
    server_url: str = "https://github.com"


def sanitize_tag(value: str) -> str:
    """A string as a Docker tag: [A-Za-z0-9_.-], not starting with . or -, at most 128 (empty
    when nothing is left, e.g. a branch named only in another script: no tag, not `image:`)."""
    tag = TAG_CHARS.sub("-", value).lstrip(".-")
    return tag[:128] if TAG.match(tag[:128]) else ""


def label_value(value: str) -> str:
    """A label's value on one line (no break can inject another label), at most MAX_LABEL."""
    return LABEL_CONTROL.sub(" ", value).strip()[:MAX_LABEL]


def pep440(version: str) -> str | None:
    """The normalised PEP 440 form of a version (`v1.2.0-rc.1` -> `1.2.0rc1`), None if it isn't one."""
    match = PEP440.match(version)
    if not match:
        return None
    out = match["release"]
    if match["pre_l"]:
        out += PRE_SPELLING[match["pre_l"].lower()] + str(int(match["pre_n"] or 0))
    if match["post_l"]:
        out += f".post{int(match['post_n'] or 0)}"
    if match["dev_l"]:
        out += f".dev{int(match['dev_n'] or 0)}"
    return out


def version_tags(tag: str) -> list[str]:
    """Image tags for a git tag: semver forms when it is semver, then its PEP 440 spelling."""
    tags: list[str] = []
    semver = SEMVER.match(tag)
    if semver:
        full = tag[1:] if tag.startswith("v") else tag
        tags.append(sanitize_tag(full))
        if not semver["pre"]:
            tags.append(f"{semver['major']}.{semver['minor']}")
            if semver["major"] != "0":
                tags.append(semver["major"])
            tags.append("latest")
    normalized = pep440(tag)
    if normalized and normalized not in tags:
        tags.append(normalized)
    if not tags:
        tags.append(sanitize_tag(tag))
    return tags


def version_of(event: GitEvent) -> str:
    """What the image calls its version: the git tag, the branch, pr-<n>, or sha-<7>."""
    if event.ref.startswith("refs/tags/"):
        tag = event.ref.removeprefix("refs/tags/")
        return tag[1:] if SEMVER.match(tag) and tag.startswith("v") else tag
    if event.pr_number is not None:
        return f"pr-{event.pr_number}"
    if event.ref.startswith("refs/heads/"):
        return sanitize_tag(event.ref.removeprefix("refs/heads/")) or f"sha-{event.sha[:7]}"
    return f"sha-{event.sha[:7]}"


def tags_for(event: GitEvent) -> list[str]:
    tags = [f"sha-{event.sha[:7]}"]
    if event.ref.startswith("refs/tags/"):
        tags += version_tags(event.ref.removeprefix("refs/tags/"))
    elif event.pr_number is not None:
        tags.append(f"pr-{event.pr_number}")
    elif event.ref.startswith("refs/heads/"):
        branch = event.ref.removeprefix("refs/heads/")
        tags.append(sanitize_tag(branch))
    return list(dict.fromkeys(tag for tag in tags if tag))


def labels_for(event: GitEvent, created: str, title: str = "", description: str = "") -> dict[str, str]:
    source = f"{event.server_url.rstrip('/')}/{event.repository}" if event.repository else ""
    labels = {
        "org.opencontainers.image.title": title or event.repository.rsplit("/", 1)[-1],
        "org.opencontainers.image.description": description,
        "org.opencontainers.image.source": source,
        "org.opencontainers.image.url": source,
        "org.opencontainers.image.version": version_of(event),
        "org.opencontainers.image.created": created,
        "org.opencontainers.image.revision": event.sha,
    }
    return {key: label_value(value) for key, value in labels.items() if label_value(value)}


def registry_of(image: str) -> str:
    first = image.split("/", 1)[0]
    if "/" in image and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"
