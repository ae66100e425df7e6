"""kaizen.uses: the one parser of `uses:` lines."""

from kaizen import uses

TEXT = """\
jobs:
  ci:
    uses: kaizen-ci/kaizen/.github/workflows/ci.yml@v1
  build:
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
      - uses: "docker/login-action@abc" # v4.1.0
      - uses: ./actions/local
      - uses: kaizen-ci/kaizen/actions/setup@v1.2.3
"""


def test_every_form_is_found_with_its_ref_comment_and_line():
    found = list(uses.find(TEXT))
    assert [(u.target, u.ref, u.comment, u.line) for u in found] == [
        ("kaizen-ci/kaizen/.github/workflows/ci.yml", "v1", "", 3),
        ("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1", 6),
        ("docker/login-action", "abc", "v4.1.0", 7),
        ("kaizen-ci/kaizen/actions/setup", "v1.2.3", "", 9),
    ]
    assert [u.repository for u in found if u.is_remote and not u.is_kaizen] == [
        "actions/checkout",
        "docker/login-action",
    ]


def test_kaizen_workflows_and_pinning():
    assert uses.kaizen_workflows(TEXT) == {"ci.yml"}
    pinned = uses.pin_kaizen_refs(TEXT, "v2.0.0")
    assert "kaizen/.github/workflows/ci.yml@v2.0.0" in pinned and "kaizen/actions/setup@v2.0.0" in pinned
    assert "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1" in pinned  # others untouched
